// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's batch renderers: plain text, JSON (one document per snapshot)
 * and the Prometheus text exposition format (what node_exporter's
 * textfile collector reads).  They only read a snapshot.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "json.h"
#include "main.h"
#include "memstate.h"
#include "top_snap.h"

int top_format_parse(const char *s, enum top_format *f)
{
	if (!strcmp(s, "text"))
		*f = TOP_FMT_TEXT;
	else if (!strcmp(s, "json"))
		*f = TOP_FMT_JSON;
	else if (!strcmp(s, "openmetrics") || !strcmp(s, "prometheus"))
		*f = TOP_FMT_OPENMETRICS;
	else
		return -1;
	return 0;
}

static int *view_rows(const struct top_snap *s, const struct top_view *v, size_t *n)
{
	int *order = malloc((s->nr ? s->nr : 1) * sizeof(*order));

	*n = order ? top_view_order(s, v, order) : 0;
	return order;
}

/* ---- text ---------------------------------------------------------------- */

static const char *row_label(const struct top_row *r, bool tree, char *buf, size_t len)
{
	if (tree)
		snprintf(buf, len, "%*s%s", 2 * r->depth, "", esc(r->depth ? r->name : r->rel));
	else
		snprintf(buf, len, "%s", esc(r->rel));
	return buf;
}

/* One cell, padded to width: fprintf("%*s") per cell is most of a 10,000-row print. */
static void put_cell(FILE *f, const char *sep, const char *v, int width, bool left)
{
	int pad = width - (int)strlen(v);

	fputs(sep, f);
	for (; !left && pad > 0; pad--)
		putc_unlocked(' ', f);
	fputs(v, f);
	for (; left && pad > 0; pad--)
		putc_unlocked(' ', f);
}

void top_render_text(FILE *f, const struct top_snap *s, const struct top_view *v,
		     const struct top_colset *cs)
{
	char label[ESC_BUF + 512], val[32], tbuf[32];
	int namew = 6;
	size_t n;
	int *order = view_rows(s, v, &n);
	time_t t = (time_t)s->time;
	struct tm tm;

	if (!order)
		return;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(row_label(&s->rows[order[i]], v->tree, label, sizeof(label)));

		if (l > namew)
			namew = l;
	}
	localtime_r(&t, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "memcgctl top  %s  %zu cgroups  layout %s", tbuf, s->nr, s->layout);
	if (s->interval > 0)
		fprintf(f, "  interval %.1fs", s->interval);
	fputc('\n', f);
	if (!s->bpf && s->bpf_note && (s->src & TOP_SRC_BPF))
		fprintf(f, "note: BPF columns show '-': %s\n", s->bpf_note);

	for (int c = 0; c < cs->nr; c++) {
		const struct top_col *col = &top_cols[cs->idx[c]];

		if (col->kind == TOP_K_NAME)
			fprintf(f, "%s%-*s", c ? " " : "", c + 1 < cs->nr ? namew : 0, col->header);
		else
			fprintf(f, "%s%*s", c ? " " : "", col->width, col->header);
	}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &s->rows[order[i]];

		for (int c = 0; c < cs->nr; c++) {
			const struct top_col *col = &top_cols[cs->idx[c]];

			if (col->kind == TOP_K_NAME)
				put_cell(f, c ? " " : "", row_label(r, v->tree, label, sizeof(label)),
					 c + 1 < cs->nr ? namew : 0, true);
			else
				put_cell(f, c ? " " : "", top_col_format(col, r, val, sizeof(val)),
					 col->width, false);
		}
		fputc('\n', f);
	}
	free(order);
}

/* ---- JSON ---------------------------------------------------------------- */

static void j_bytes(struct json_writer *w, const char *n, uint64_t v)
{
	memstate_json_bytes(w, n, v);
}

static void j_count(struct json_writer *w, const char *n, uint64_t v)
{
	if (cg_known(v))
		jsonw_u64_field(w, n, v);
	else
		jsonw_null_field(w, n);
}

static void j_rate(struct json_writer *w, const char *n, double v, int decimals)
{
	if (v < 0 || isnan(v))
		jsonw_null_field(w, n);
	else
		jsonw_float_field(w, n, v, decimals);
}

static void j_psi(struct json_writer *w, const char *n, const struct cg_psi_line *p, double rate)
{
	jsonw_name(w, n);
	if (!cg_known(p->total_us)) {
		jsonw_null(w);
		return;
	}
	jsonw_start_object(w);
	jsonw_float_field(w, "avg10", p->avg10, 2);
	jsonw_float_field(w, "avg60", p->avg60, 2);
	jsonw_float_field(w, "avg300", p->avg300, 2);
	jsonw_u64_field(w, "total_us", p->total_us);
	j_rate(w, "rate", rate, 2);
	jsonw_end_object(w);
}

static void j_row(struct json_writer *w, const struct top_snap *s, const struct top_row *r)
{
	const struct cg_mem *m = &r->mem;
	const char *which;
	uint64_t lim = cg_binding_limit(m, &which);
	double pct = memstate_limit_pct(m);

	jsonw_start_object(w);
	jsonw_string_field(w, "cgroup", r->rel);
	jsonw_u64_field(w, "id", r->id);
	jsonw_u64_field(w, "depth", (uint64_t)r->depth);
	if (r->parent >= 0)
		jsonw_u64_field(w, "parent", s->rows[r->parent].id);
	else
		jsonw_null_field(w, "parent");
	jsonw_string_field(w, "source", r->from_iter ? "iter" : "cgroupfs");
	j_count(w, "procs", m->nr_procs);
	j_bytes(w, "current", m->current);
	j_bytes(w, "peak", m->peak);
	jsonw_name(w, "limit");
	if (which) {
		jsonw_start_object(w);
		jsonw_string_field(w, "which", which);
		jsonw_u64_field(w, "bytes", lim);
		j_rate(w, "percent", pct, 2);
		jsonw_end_object(w);
	} else if (cg_known(m->max) || cg_known(m->high)) {
		jsonw_string(w, "max");		/* no limit at all */
	} else {
		jsonw_null(w);
	}
	j_bytes(w, "high", m->high);
	j_bytes(w, "max", m->max);
	j_bytes(w, "anon", m->stat[CG_STAT_anon]);
	j_bytes(w, "file", m->stat[CG_STAT_file]);
	j_bytes(w, "kernel", cg_known(m->stat[CG_STAT_kernel]) ? m->stat[CG_STAT_kernel]
							      : m->stat[CG_STAT_slab]);
	j_bytes(w, "slab", m->stat[CG_STAT_slab]);
	j_bytes(w, "swap", m->swap_current);

	jsonw_name(w, "psi");
	jsonw_start_object(w);
	j_psi(w, "some", &m->psi_some, r->psi_some_rate);
	j_psi(w, "full", &m->psi_full, r->psi_full_rate);
	jsonw_end_object(w);

	jsonw_name(w, "rates");
	jsonw_start_object(w);
	j_rate(w, "reclaim_pages_per_s", r->reclaim_rate, 1);
	j_rate(w, "stall_ms_per_s", r->stall_rate, 3);
	j_rate(w, "refault_pages_per_s", r->refault_rate, 1);
	j_rate(w, "limit_events", r->limit_events, 0);
	j_rate(w, "oom_kills", r->oom_new, 0);
	jsonw_end_object(w);

	jsonw_name(w, "totals");
	jsonw_start_object(w);
	j_count(w, "oom_kills", m->events[CG_EV_oom_kill]);
	j_count(w, "limit_high", m->events[CG_EV_high]);
	j_count(w, "limit_max", m->events[CG_EV_max]);
	j_count(w, "pgsteal", m->stat[CG_STAT_pgsteal]);
	j_count(w, "refault_anon", m->stat[CG_STAT_workingset_refault_anon]);
	j_count(w, "refault_file", m->stat[CG_STAT_workingset_refault_file]);
	jsonw_end_object(w);

	jsonw_name(w, "bpf");
	if (r->bpf_known) {
		jsonw_start_object(w);
		jsonw_u64_field(w, "stall_ns", r->bpf.stall_ns);
		jsonw_u64_field(w, "reclaims", r->bpf.reclaims);
		jsonw_u64_field(w, "reclaimed_pages", r->bpf.reclaimed);
		jsonw_u64_field(w, "direct_stall_ns", r->bpf.direct_stall_ns);
		jsonw_u64_field(w, "direct_reclaimed_pages", r->bpf.direct_reclaimed);
		jsonw_u64_field(w, "oom_kills", r->bpf.oom_kills);
		jsonw_end_object(w);
	} else {
		jsonw_null(w);
	}
	jsonw_end_object(w);
}

void top_render_json(struct json_writer *w, const struct top_snap *s, const struct top_view *v)
{
	size_t n;
	int *order = view_rows(s, v, &n);

	jsonw_start_object(w);
	jsonw_float_field(w, "time", s->time, 3);
	jsonw_float_field(w, "interval", s->interval, 3);
	jsonw_string_field(w, "layout", s->layout ? s->layout : "none");
	jsonw_bool_field(w, "bpf", s->bpf);
	if (!s->bpf && s->bpf_note)
		jsonw_string_field(w, "bpf_note", s->bpf_note);
	else
		jsonw_null_field(w, "bpf_note");
	jsonw_u64_field(w, "vanished", s->vanished);
	jsonw_string_field(w, "walk", s->iter ? "iter" : "cgroupfs");
	jsonw_name(w, "cgroups");
	jsonw_start_array(w);
	for (size_t i = 0; order && i < n; i++)
		j_row(w, s, &s->rows[order[i]]);
	jsonw_end_array(w);
	jsonw_end_object(w);
	free(order);
}

/* ---- Prometheus text exposition ------------------------------------------ */

struct om_metric {
	const char *name, *type, *help;
	/* value into *v; false when unknown (the sample is left out) */
	bool (*get)(const struct top_row *r, double *v);
};

static bool known(uint64_t x, double *v)
{
	if (!cg_known(x) || x == CG_NOLIMIT)
		return false;
	*v = (double)x;
	return true;
}

static bool om_current(const struct top_row *r, double *v) { return known(r->mem.current, v); }
static bool om_peak(const struct top_row *r, double *v) { return known(r->mem.peak, v); }
static bool om_high(const struct top_row *r, double *v) { return known(r->mem.high, v); }
static bool om_max(const struct top_row *r, double *v) { return known(r->mem.max, v); }
static bool om_anon(const struct top_row *r, double *v) { return known(r->mem.stat[CG_STAT_anon], v); }
static bool om_file(const struct top_row *r, double *v) { return known(r->mem.stat[CG_STAT_file], v); }
static bool om_swap(const struct top_row *r, double *v) { return known(r->mem.swap_current, v); }
static bool om_procs(const struct top_row *r, double *v) { return known(r->mem.nr_procs, v); }
static bool om_oom(const struct top_row *r, double *v) { return known(r->mem.events[CG_EV_oom_kill], v); }
static bool om_ev_high(const struct top_row *r, double *v) { return known(r->mem.events[CG_EV_high], v); }
static bool om_ev_max(const struct top_row *r, double *v) { return known(r->mem.events[CG_EV_max], v); }
static bool om_pgsteal(const struct top_row *r, double *v) { return known(r->mem.stat[CG_STAT_pgsteal], v); }

static bool om_kernel(const struct top_row *r, double *v)
{
	return known(r->mem.stat[CG_STAT_kernel], v) || known(r->mem.stat[CG_STAT_slab], v);
}

static bool om_refault(const struct top_row *r, double *v)
{
	double a, b;

	if (!known(r->mem.stat[CG_STAT_workingset_refault_anon], &a) ||
	    !known(r->mem.stat[CG_STAT_workingset_refault_file], &b))
		return false;
	*v = a + b;
	return true;
}

static bool psi_total(const struct cg_psi_line *p, double *v)
{
	if (!cg_known(p->total_us))
		return false;
	*v = p->total_us / 1e6;
	return true;
}

static bool psi_avg10(const struct cg_psi_line *p, double *v)
{
	if (!cg_known(p->total_us) || p->avg10 < 0)
		return false;
	*v = p->avg10 / 100;
	return true;
}

static bool om_some_s(const struct top_row *r, double *v) { return psi_total(&r->mem.psi_some, v); }
static bool om_full_s(const struct top_row *r, double *v) { return psi_total(&r->mem.psi_full, v); }
static bool om_some10(const struct top_row *r, double *v) { return psi_avg10(&r->mem.psi_some, v); }
static bool om_full10(const struct top_row *r, double *v) { return psi_avg10(&r->mem.psi_full, v); }

static bool om_stall(const struct top_row *r, double *v)
{
	if (!r->bpf_known)
		return false;
	*v = (r->bpf.stall_ns + r->bpf.direct_stall_ns) / 1e9;
	return true;
}

static bool om_reclaimed(const struct top_row *r, double *v)
{
	if (!r->bpf_known)
		return false;
	*v = (double)(r->bpf.reclaimed + r->bpf.direct_reclaimed);
	return true;
}

static bool om_bpf_oom(const struct top_row *r, double *v)
{
	if (!r->bpf_known)
		return false;
	*v = (double)r->bpf.oom_kills;
	return true;
}

static const struct om_metric om_metrics[] = {
	{ "memcgctl_memory_current_bytes", "gauge", "Memory in use by the cgroup.", om_current },
	{ "memcgctl_memory_peak_bytes", "gauge", "Highest memory use recorded.", om_peak },
	{ "memcgctl_memory_high_bytes", "gauge", "memory.high (absent when unlimited).", om_high },
	{ "memcgctl_memory_max_bytes", "gauge", "memory.max or limit_in_bytes (absent when unlimited).", om_max },
	{ "memcgctl_memory_anon_bytes", "gauge", "Anonymous memory.", om_anon },
	{ "memcgctl_memory_file_bytes", "gauge", "Page cache.", om_file },
	{ "memcgctl_memory_kernel_bytes", "gauge", "Kernel memory (or slab where only that is known).", om_kernel },
	{ "memcgctl_memory_swap_bytes", "gauge", "Swap in use.", om_swap },
	{ "memcgctl_procs", "gauge", "Processes directly in the cgroup.", om_procs },
	{ "memcgctl_memory_pressure_some_seconds_total", "counter", "Memory PSI some: time some tasks stalled.", om_some_s },
	{ "memcgctl_memory_pressure_full_seconds_total", "counter", "Memory PSI full: time all tasks stalled.", om_full_s },
	{ "memcgctl_memory_pressure_some_avg10_ratio", "gauge", "Memory PSI some, 10 s average, 0..1.", om_some10 },
	{ "memcgctl_memory_pressure_full_avg10_ratio", "gauge", "Memory PSI full, 10 s average, 0..1.", om_full10 },
	{ "memcgctl_oom_kills_total", "counter", "OOM kills in the cgroup.", om_oom },
	{ "memcgctl_limit_high_events_total", "counter", "Times usage went over memory.high.", om_ev_high },
	{ "memcgctl_limit_max_events_total", "counter", "Times a charge hit memory.max (v1: failcnt).", om_ev_max },
	{ "memcgctl_reclaimed_pages_total", "counter", "Pages reclaimed from the cgroup (memory.stat pgsteal).", om_pgsteal },
	{ "memcgctl_refaults_total", "counter", "Workingset refaults (anon + file).", om_refault },
	{ "memcgctl_reclaim_stall_seconds_total", "counter", "Reclaim stall of the cgroup's tasks since memcgctl started (BPF).", om_stall },
	{ "memcgctl_reclaim_by_tasks_pages_total", "counter", "Pages reclaimed by the cgroup's own tasks since memcgctl started (BPF).", om_reclaimed },
	{ "memcgctl_oom_victims_total", "counter", "OOM victims seen in the cgroup since memcgctl started (BPF).", om_bpf_oom },
};

static void om_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void om_value(FILE *f, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f\n", v);
	else
		fprintf(f, "%.6g\n", v);
}

void top_render_openmetrics(FILE *f, const struct top_snap *s, const struct top_view *v)
{
	size_t n;
	int *order = view_rows(s, v, &n);

	if (!order)
		return;
	/* every family once, with all its samples together */
	for (size_t m = 0; m < ARRAY_SIZE(om_metrics); m++) {
		const struct om_metric *om = &om_metrics[m];
		bool header = false;

		for (size_t i = 0; i < n; i++) {
			const struct top_row *r = &s->rows[order[i]];
			double val;

			if (!om->get(r, &val))
				continue;
			if (!header) {
				fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", om->name, om->help,
					om->name, om->type);
				header = true;
			}
			fprintf(f, "%s{cgroup=\"", om->name);
			om_label(f, r->rel);
			fputs("\"} ", f);
			om_value(f, val);
		}
	}
	if (v->start_time > 0)
		fprintf(f, "# HELP memcgctl_start_time_seconds When the exporter started: "
			   "its BPF counters count from then.\n# TYPE memcgctl_start_time_seconds gauge\n"
			   "memcgctl_start_time_seconds %.6f\n", v->start_time);
	fprintf(f, "# HELP memcgctl_top_bpf Whether the BPF counters were available (1) or not (0).\n"
		   "# TYPE memcgctl_top_bpf gauge\nmemcgctl_top_bpf %d\n", s->bpf ? 1 : 0);
	free(order);
}
