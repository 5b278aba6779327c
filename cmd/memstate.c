// SPDX-License-Identifier: GPL-2.0-only
/* Text and JSON renderings of struct cg_mem: see memstate.h. */
#include <string.h>

#include "escape.h"
#include "memstate.h"
#include "units.h"

const char *memstate_fmt_bytes(char *buf, size_t len, uint64_t v)
{
	if (!cg_known(v))
		snprintf(buf, len, "-");
	else if (v == CG_NOLIMIT)
		snprintf(buf, len, "max");
	else
		fmt_size(buf, len, v);
	return buf;
}

double memstate_limit_pct(const struct cg_mem *m)
{
	uint64_t lim = cg_binding_limit(m, NULL);

	if (lim == CG_NOLIMIT || !cg_known(m->current) || lim == 0)
		return -1;
	return 100.0 * (double)m->current / (double)lim;
}

void memstate_json_bytes(struct json_writer *w, const char *name, uint64_t v)
{
	if (!cg_known(v))
		jsonw_null_field(w, name);
	else if (v == CG_NOLIMIT)
		jsonw_string_field(w, name, "max");
	else
		jsonw_u64_field(w, name, v);
}

static void json_count(struct json_writer *w, const char *name, uint64_t v)
{
	if (cg_known(v))
		jsonw_u64_field(w, name, v);
	else
		jsonw_null_field(w, name);
}

static void json_psi(struct json_writer *w, const char *name, const struct cg_psi_line *p)
{
	jsonw_name(w, name);
	if (!cg_known(p->total_us)) {
		jsonw_null(w);
		return;
	}
	jsonw_start_object(w);
	jsonw_float_field(w, "avg10_pct", p->avg10, 2);
	jsonw_float_field(w, "avg60_pct", p->avg60, 2);
	jsonw_float_field(w, "avg300_pct", p->avg300, 2);
	jsonw_u64_field(w, "total_us", p->total_us);
	jsonw_end_object(w);
}

/* A size, null when unknown or (for a limit) when there is none. */
static void json_size(struct json_writer *w, const char *name, uint64_t v)
{
	if (cg_known(v) && v != CG_NOLIMIT)
		jsonw_u64_field(w, name, v);
	else
		jsonw_null_field(w, name);
}

const char *memstate_event_name(const struct cg_env *env, enum cg_event ev)
{
	switch (ev) {
	case CG_EV_low: return "low_events";
	case CG_EV_high: return "high_events";
	/* v1 keeps memory.failcnt there: a different counter, its own name */
	case CG_EV_max: return env->mem_is_v2 ? "max_events" : "failcnt";
	case CG_EV_oom: return "oom_events";
	case CG_EV_oom_kill: return "oom_kills";
	case CG_EV_oom_group_kill: return "oom_group_kills";
	default: return "?";
	}
}

void memstate_json(struct json_writer *w, const struct cg_env *env,
		   const struct cg_ref *ref, const struct cg_mem *m)
{
	const char *which;
	uint64_t lim = cg_binding_limit(m, &which);
	double pct = memstate_limit_pct(m);

	jsonw_start_object(w);
	jsonw_string_field(w, "cgroup", ref->rel);
	jsonw_string_field(w, "path", ref->path);
	jsonw_u64_field(w, "cgroup_id", ref->id);
	jsonw_string_field(w, "layout", cg_layout_name(env->layout));
	json_size(w, "usage_bytes", m->current);
	json_size(w, "peak_bytes", m->peak);
	json_size(w, "limit_bytes", which ? lim : CG_NOLIMIT);
	if (which && !strcmp(which, "max") && !env->mem_is_v2)
		which = "v1";
	if (which)
		jsonw_string_field(w, "limit_type", which);
	else if (cg_known(m->max))
		jsonw_string_field(w, "limit_type", "none");
	else
		jsonw_null_field(w, "limit_type");
	if (pct >= 0)
		jsonw_float_field(w, "limit_pct", pct, 2);
	else
		jsonw_null_field(w, "limit_pct");

	/* every limit the cgroup has; null: none, or not on this layout */
	jsonw_name(w, "limits");
	jsonw_start_object(w);
	json_size(w, "min_bytes", m->min);
	json_size(w, "low_bytes", m->low);
	json_size(w, "high_bytes", m->high);
	json_size(w, "max_bytes", m->max);
	json_size(w, "swap_max_bytes", m->swap_max);
	jsonw_end_object(w);

	json_size(w, "anon_bytes", m->stat[CG_STAT_anon]);
	json_size(w, "file_bytes", m->stat[CG_STAT_file]);
	json_size(w, "kernel_bytes", m->stat[CG_STAT_kernel]);
	json_size(w, "swap_bytes", m->swap_current);

	/* memory.stat under the kernel's own keys (v2 names; sizes in bytes) */
	jsonw_name(w, "stat");
	jsonw_start_object(w);
	for (int i = 0; i < CG_STAT_NR; i++)
		json_count(w, cg_stat_names[i], m->stat[i]);
	jsonw_end_object(w);

	for (int i = 0; i < CG_EV_NR; i++)
		json_count(w, memstate_event_name(env, i), m->events[i]);
	/* the counter v1 does not have, or v2 does not have: null */
	json_count(w, env->mem_is_v2 ? "failcnt" : "max_events", CG_UNKNOWN);

	jsonw_name(w, "psi");
	jsonw_start_object(w);
	json_psi(w, "some", &m->psi_some);
	json_psi(w, "full", &m->psi_full);
	jsonw_end_object(w);

	json_count(w, "procs", m->nr_procs);
	jsonw_end_object(w);
}

static void print_psi(FILE *f, const char *kind, const struct cg_psi_line *p)
{
	if (!cg_known(p->total_us)) {
		fprintf(f, "  psi %-4s  -\n", kind);
		return;
	}
	fprintf(f, "  psi %-4s  avg10 %.2f%%  avg60 %.2f%%  avg300 %.2f%%  total %.3fs\n",
		kind, p->avg10, p->avg60, p->avg300, p->total_us / 1e6);
}

/* Lines of "name value" pairs, wrapped to stay within 80 columns. */
static void print_pairs(FILE *f, const char *title, const char *const *names,
			const uint64_t *vals, int n, bool bytes)
{
	char buf[UNITS_BUF], item[96];
	int col = 0;

	for (int i = 0; i < n; i++) {
		int len;

		if (bytes)
			memstate_fmt_bytes(buf, sizeof(buf), vals[i]);
		else if (cg_known(vals[i]))
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)vals[i]);
		else
			snprintf(buf, sizeof(buf), "-");
		len = snprintf(item, sizeof(item), "%s %s", names[i], buf);
		if (col == 0) {
			col = fprintf(f, "  %-8s", title);
			title = "";
		} else if (col + 2 + len > 78) {
			fputc('\n', f);
			col = fprintf(f, "  %-8s", "");
		} else {
			col += fprintf(f, "  ");
		}
		col += fprintf(f, "%s", item);
	}
	if (col)
		fputc('\n', f);
}

void memstate_print(FILE *f, const struct cg_env *env, const struct cg_ref *ref,
		    const struct cg_mem *m)
{
	static const int sizes[] = {
		CG_STAT_anon, CG_STAT_file, CG_STAT_kernel, CG_STAT_slab, CG_STAT_sock,
		CG_STAT_shmem, CG_STAT_file_mapped, CG_STAT_file_dirty,
		CG_STAT_file_writeback, CG_STAT_swapcached, CG_STAT_zswap,
		CG_STAT_active_anon, CG_STAT_inactive_anon, CG_STAT_active_file,
		CG_STAT_inactive_file, CG_STAT_unevictable,
	};
	static const int counts[] = {
		CG_STAT_pgfault, CG_STAT_pgmajfault, CG_STAT_pgscan, CG_STAT_pgsteal,
		CG_STAT_workingset_refault_anon, CG_STAT_workingset_refault_file,
	};
	const char *names[CG_STAT_NR];
	uint64_t vals[CG_STAT_NR];
	char a[UNITS_BUF], b[UNITS_BUF], c[UNITS_BUF], d[UNITS_BUF], e[UNITS_BUF];
	const char *which;
	uint64_t lim = cg_binding_limit(m, &which);
	double pct = memstate_limit_pct(m);
	int n;

	fprintf(f, "%s  (id %llu, %s)\n", esc(ref->rel), (unsigned long long)ref->id,
		cg_layout_name(env->layout));
	fprintf(f, "  usage     %s", memstate_fmt_bytes(a, sizeof(a), m->current));
	if (which)
		fprintf(f, " of %s %s (%.1f%%)", which, memstate_fmt_bytes(b, sizeof(b), lim),
			pct);
	else
		fprintf(f, " (no limit)");
	fprintf(f, "   peak %s   swap %s\n", memstate_fmt_bytes(a, sizeof(a), m->peak),
		memstate_fmt_bytes(b, sizeof(b), m->swap_current));
	fprintf(f, "  limits    min %s  low %s  high %s  max %s  swap.max %s\n",
		memstate_fmt_bytes(a, sizeof(a), m->min), memstate_fmt_bytes(b, sizeof(b), m->low),
		memstate_fmt_bytes(c, sizeof(c), m->high), memstate_fmt_bytes(d, sizeof(d), m->max),
		memstate_fmt_bytes(e, sizeof(e), m->swap_max));

	n = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		names[n] = cg_stat_names[sizes[i]];
		vals[n++] = m->stat[sizes[i]];
	}
	print_pairs(f, "memory", names, vals, n, true);
	n = 0;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		names[n] = cg_stat_names[counts[i]];
		vals[n++] = m->stat[counts[i]];
	}
	print_pairs(f, "counts", names, vals, n, false);
	for (int i = 0; i < CG_EV_NR; i++)
		names[i] = memstate_event_name(env, i);
	print_pairs(f, "events", names, m->events, CG_EV_NR, false);
	print_psi(f, "some", &m->psi_some);
	print_psi(f, "full", &m->psi_full);
	if (cg_known(m->nr_procs))
		fprintf(f, "  procs     %llu\n", (unsigned long long)m->nr_procs);
	else
		fprintf(f, "  procs     -\n");
}
