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
#include "top_snap.h"

static const char *const fmt_names[] = {
	[TOP_FMT_TEXT] = "text",
	[TOP_FMT_JSON] = "json",
	[TOP_FMT_PROMETHEUS] = "prometheus",
	[TOP_FMT_OPENMETRICS] = "openmetrics",
};

int top_format_parse(const char *s, enum top_format *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(fmt_names); i++)
		if (!strcmp(s, fmt_names[i])) {
			*f = (enum top_format)i;
			return 0;
		}
	return -1;
}

const char *top_format_name(enum top_format f)
{
	return fmt_names[f];
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
				put_cell(f, c ? " " : "", top_col_format(col, s, r, val, sizeof(val)),
					 col->width, false);
		}
		fputc('\n', f);
	}
	free(order);
}

/* ---- JSON ---------------------------------------------------------------- */

/* One member per field of the table; unknown and unlimited are null. */
static void j_field(struct json_writer *w, const struct top_col *c, const struct top_snap *s,
		    const struct top_row *r)
{
	double v;

	if (c->text) {
		const char *t = c->text(s, r);

		if (t)
			jsonw_string_field(w, c->json, t);
		else
			jsonw_null_field(w, c->json);
		return;
	}
	v = c->value(s, r);
	if (!isfinite(v))
		jsonw_null_field(w, c->json);
	else if (c->decimals > 0)
		jsonw_float_field(w, c->json, v, c->decimals);
	else
		jsonw_u64_field(w, c->json, (uint64_t)(v < 0 ? 0 : v));
}

static void j_row(struct json_writer *w, const struct top_snap *s, const struct top_row *r)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "cgroup", r->rel);
	jsonw_u64_field(w, "cgroup_id", r->id);
	jsonw_u64_field(w, "depth", (uint64_t)r->depth);
	if (r->parent >= 0)
		jsonw_u64_field(w, "parent_id", s->rows[r->parent].id);
	else
		jsonw_null_field(w, "parent_id");
	jsonw_string_field(w, "source", r->from_iter ? "iter" : "cgroupfs");
	for (int i = 0; i < top_nr_cols; i++)
		if (top_cols[i].json)
			j_field(w, &top_cols[i], s, r);
	jsonw_end_object(w);
}

void top_render_json(struct json_writer *w, const struct top_snap *s, const struct top_view *v)
{
	size_t n;
	int *order = view_rows(s, v, &n);

	jsonw_start_object(w);
	jsonw_float_field(w, "time", s->time, 6);
	jsonw_u64_field(w, "interval_ms", (uint64_t)(s->interval * 1000 + 0.5));
	jsonw_string_field(w, "layout", s->layout ? s->layout : "none");
	jsonw_bool_field(w, "bpf", s->bpf);
	if (!s->bpf && s->bpf_note)
		jsonw_string_field(w, "bpf_note", s->bpf_note);
	else
		jsonw_null_field(w, "bpf_note");
	jsonw_u64_field(w, "vanished_cgroups", s->vanished);
	jsonw_string_field(w, "walk", s->iter ? "iter" : "cgroupfs");
	jsonw_name(w, "cgroups");
	jsonw_start_array(w);
	for (size_t i = 0; order && i < n; i++)
		j_row(w, s, &s->rows[order[i]]);
	jsonw_end_array(w);
	jsonw_end_object(w);
	free(order);
}

/* ---- metrics: Prometheus text 0.0.4 and OpenMetrics 1.0 ------------------- */

/*
 * A label value: the path as memcgctl prints it on a UTF-8 terminal
 * (escape.h: invalid UTF-8 and control characters as \xNN, C1 and
 * bidi controls as \uXXXX), then the exposition's own escapes for
 * backslash and double quote.  Both formats need UTF-8 label values;
 * the first step also keeps raw control bytes out of a file that root
 * may print.  Returns whether the path had to be escaped.
 */
static bool om_label(FILE *f, const char *name, const char *path)
{
	char tmp[ESC_BUF];
	bool utf8 = esc_utf8();
	const char *e;

	esc_set_utf8(true);
	e = esc_mem(tmp, sizeof(tmp), path, strlen(path));
	esc_set_utf8(utf8);
	fprintf(f, "%s=\"", name);
	for (const char *p = e; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
	return strcmp(e, path) != 0;
}

static void om_labels(FILE *f, const struct top_row *r)
{
	char parent[PATH_MAX];
	bool escaped;

	fputc('{', f);
	escaped = om_label(f, "cgroup", r->rel);
	if (strcmp(r->rel, "/")) {
		const char *sl = strrchr(r->rel, '/');
		size_t len = sl && sl != r->rel ? (size_t)(sl - r->rel) : 1;

		snprintf(parent, sizeof(parent), "%.*s", (int)len, r->rel);
		fputc(',', f);
		om_label(f, "parent", parent);
	}
	fprintf(f, ",depth=\"%d\"", r->depth);
	/*
	 * An escaped path can read like another cgroup's literal name
	 * ("a\xff"): its id keeps the series apart.
	 */
	if (escaped)
		fprintf(f, ",cgroup_id=\"%llu\"", (unsigned long long)r->id);
	fputc('}', f);
}

static void om_value(FILE *f, double v)
{
	if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, " %.0f\n", v);
	else
		fprintf(f, " %.9g\n", v);
}

static void om_family(FILE *f, const char *name, const char *type, const char *unit,
		      const char *help, enum top_format fmt)
{
	if (fmt == TOP_FMT_OPENMETRICS) {
		fprintf(f, "# TYPE %s %s\n", name, type);
		if (unit)
			fprintf(f, "# UNIT %s %s\n", name, unit);
		fprintf(f, "# HELP %s %s\n", name, help);
	} else {
		/* 0.0.4 names a counter's family by its sample, _total included */
		const char *total = strcmp(type, "counter") ? "" : "_total";

		fprintf(f, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, total, help, name, total, type);
	}
}

void top_render_metrics(FILE *f, const struct top_snap *s, const struct top_view *v,
			enum top_format fmt)
{
	size_t n;
	int *order = view_rows(s, v, &n);
	const struct top_row *root = s->nr ? &s->rows[0] : NULL;

	if (!order)
		return;
	/* every family once, with all its samples together */
	for (int c = 0; c < top_nr_cols; c++) {
		const struct top_col *col = &top_cols[c];
		bool counter = col->mtype == TOP_M_COUNTER, header = false;
		double scale = col->metric_scale ? col->metric_scale : 1;

		if (!col->metric)
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct top_row *r = &s->rows[order[i]];
			double val = col->value(s, r);

			if (isnan(val))
				continue;	/* unknown: the sample is left out */
			if (!header) {
				om_family(f, col->metric, counter ? "counter" : "gauge",
					  col->metric_unit, col->desc, fmt);
				header = true;
			}
			fprintf(f, "%s%s", col->metric, counter ? "_total" : "");
			om_labels(f, r);
			om_value(f, isinf(val) ? val : val * scale);
		}
	}
	/* per view root, so that two files (two views) do not collide */
	if (v->start_time > 0) {
		om_family(f, "memcgctl_start_time_seconds", "gauge", "seconds",
			  "when the exporter started: its BPF counters count from then", fmt);
		fputs("memcgctl_start_time_seconds{", f);
		om_label(f, "root", root ? root->rel : "/");
		fprintf(f, "} %.6f\n", v->start_time);
	}
	om_family(f, "memcgctl_top_bpf", "gauge", NULL,
		  "whether the BPF counters were available (1) or not (0)", fmt);
	fputs("memcgctl_top_bpf{", f);
	om_label(f, "root", root ? root->rel : "/");
	fprintf(f, "} %d\n", s->bpf ? 1 : 0);
	if (fmt == TOP_FMT_OPENMETRICS)
		fputs("# EOF\n", f);
	free(order);
}
