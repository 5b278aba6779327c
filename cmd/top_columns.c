// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's fields as data (htop-style): one table, top_cols[], says for
 * every value its column (header, width, unit, sort direction), the data
 * source it needs (so a hidden column costs nothing), its JSON member,
 * its metric family and its colour thresholds.  The text, JSON, metric
 * and full-screen renderers only iterate it.  Also the view: sorting,
 * tree order, fold and filter.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "memstate.h"
#include "top_snap.h"
#include "units.h"

/* A page counter or size: unknown is NAN, "max" is INFINITY. */
static double u(uint64_t v)
{
	return !cg_known(v) ? NAN : v == CG_NOLIMIT ? INFINITY : (double)v;
}

static double r_of(double v)
{
	return v < 0 ? NAN : v;
}

#define ROW(fn) static double fn(const struct top_snap *s, const struct top_row *r)

static bool mem_v1(const struct top_snap *s)
{
	return s->layout && strcmp(s->layout, "v2");
}

ROW(v_procs) { return u(r->mem.nr_procs); }
ROW(v_current) { return u(r->mem.current); }
ROW(v_peak) { return u(r->mem.peak); }
ROW(v_high) { return u(r->mem.high); }
ROW(v_max) { return u(r->mem.max); }
ROW(v_anon) { return u(r->mem.stat[CG_STAT_anon]); }
ROW(v_file) { return u(r->mem.stat[CG_STAT_file]); }
ROW(v_slab) { return u(r->mem.stat[CG_STAT_slab]); }
ROW(v_swap) { return u(r->mem.swap_current); }

/* v2 has "kernel"; v1 only knows slab (and not always that) */
ROW(v_kernel)
{
	if (cg_known(r->mem.stat[CG_STAT_kernel]))
		return (double)r->mem.stat[CG_STAT_kernel];
	return u(r->mem.stat[CG_STAT_slab]);
}

/* The binding limit; no limit at all is a fact (INFINITY), not an unknown. */
ROW(v_limit)
{
	uint64_t l = cg_binding_limit(&r->mem, NULL);

	if (l != CG_NOLIMIT)
		return (double)l;
	return cg_known(r->mem.max) || cg_known(r->mem.high) ? INFINITY : NAN;
}

static const char *t_limit_type(const struct top_snap *s, const struct top_row *r)
{
	const char *which;

	if (cg_binding_limit(&r->mem, &which) == CG_NOLIMIT)
		return isnan(v_limit(s, r)) ? NULL : "none";
	if (!strcmp(which, "max") && mem_v1(s))
		return "v1";	/* memory.limit_in_bytes */
	return which;
}

static const char *t_name(const struct top_snap *s, const struct top_row *r)
{
	return r->name;
}

ROW(v_use)
{
	double p = memstate_limit_pct(&r->mem);

	return p < 0 ? NAN : p;
}

static double psi_avg(const struct cg_psi_line *p, double avg)
{
	return cg_known(p->total_us) && avg >= 0 ? avg : NAN;
}

ROW(v_some10) { return psi_avg(&r->mem.psi_some, r->mem.psi_some.avg10); }
ROW(v_some60) { return psi_avg(&r->mem.psi_some, r->mem.psi_some.avg60); }
ROW(v_some300) { return psi_avg(&r->mem.psi_some, r->mem.psi_some.avg300); }
ROW(v_full10) { return psi_avg(&r->mem.psi_full, r->mem.psi_full.avg10); }
ROW(v_full60) { return psi_avg(&r->mem.psi_full, r->mem.psi_full.avg60); }
ROW(v_full300) { return psi_avg(&r->mem.psi_full, r->mem.psi_full.avg300); }
ROW(v_some_us) { return u(r->mem.psi_some.total_us); }
ROW(v_full_us) { return u(r->mem.psi_full.total_us); }
ROW(v_some) { return r_of(r->psi_some_rate); }
ROW(v_full) { return r_of(r->psi_full_rate); }
ROW(v_reclaim) { return r_of(r->reclaim_rate); }
ROW(v_stall) { return r_of(r->stall_rate); }
ROW(v_refault) { return r_of(r->refault_rate); }
ROW(v_events) { return r_of(r->limit_events); }
ROW(v_oom_new) { return r_of(r->oom_new); }
ROW(v_oom) { return u(r->mem.events[CG_EV_oom_kill]); }
ROW(v_oom_ev) { return u(r->mem.events[CG_EV_oom]); }
ROW(v_high_ev) { return u(r->mem.events[CG_EV_high]); }
/* memory.events max (v2); v1's memory.failcnt is another count with its own name */
ROW(v_max_ev) { return mem_v1(s) ? NAN : u(r->mem.events[CG_EV_max]); }
ROW(v_failcnt) { return mem_v1(s) ? u(r->mem.events[CG_EV_max]) : NAN; }
ROW(v_pgsteal) { return u(r->mem.stat[CG_STAT_pgsteal]); }
ROW(v_rf_anon) { return u(r->mem.stat[CG_STAT_workingset_refault_anon]); }
ROW(v_rf_file) { return u(r->mem.stat[CG_STAT_workingset_refault_file]); }
ROW(v_id) { return (double)r->id; }

/* the BPF counters, cumulative since top attached them */
#define BPF(fn, expr) ROW(fn) { return r->bpf_known ? (double)(expr) : NAN; }
BPF(v_stall_ns, r->bpf.stall_ns)
BPF(v_direct_ns, r->bpf.direct_stall_ns)
BPF(v_stall_total, r->bpf.stall_ns + r->bpf.direct_stall_ns)
BPF(v_entries, r->bpf.reclaims)
BPF(v_reclaimed, r->bpf.reclaimed)
BPF(v_direct_reclaimed, r->bpf.direct_reclaimed)
BPF(v_victims, r->bpf.oom_kills)

#define S_U TOP_SRC_USAGE
#define S_S TOP_SRC_STAT
#define S_E TOP_SRC_EVENTS
#define S_P TOP_SRC_PSI
#define S_B TOP_SRC_BPF
#define ABOVE_0 DBL_MIN		/* a colour threshold: anything above 0 */

#define BYTES(n, h, key, fn, src_, d, m, help)						\
	{ .name = n, .header = h, .width = 6, .unit = "bytes", .desc = help,		\
	  .sort_desc = true, .src = src_, .kind = TOP_K_BYTES, .deflt = d, .value = fn,	\
	  .json = key, .metric = m, .mtype = TOP_M_GAUGE, .metric_unit = "bytes" }
#define COUNTER(n, h, w, key, fn, src_, m, help)					\
	{ .name = n, .header = h, .width = w, .unit = "count", .desc = help,		\
	  .sort_desc = true, .src = src_, .kind = TOP_K_COUNT, .value = fn,		\
	  .json = key, .metric = m, .mtype = TOP_M_COUNTER }
#define PSI_AVG(n, h, key, fn, m, help)							\
	{ .name = n, .header = h, .width = 6, .unit = "%", .desc = help,		\
	  .sort_desc = true, .src = S_P, .kind = TOP_K_PCT, .value = fn,		\
	  .json = key, .decimals = 2, .metric = m, .mtype = TOP_M_GAUGE,		\
	  .metric_unit = "ratio", .metric_scale = 0.01 }

const struct top_col top_cols[] = {
	{ .name = "cgroup", .header = "CGROUP", .unit = "", .kind = TOP_K_NAME, .deflt = true,
	  .desc = "cgroup name (tree) or path (flat)", .text = t_name },
	{ .name = "id", .header = "ID", .width = 8, .unit = "", .kind = TOP_K_COUNT,
	  .desc = "cgroup id (inode of its directory)", .value = v_id },
	{ .name = "procs", .header = "PROCS", .width = 5, .unit = "", .sort_desc = true,
	  .src = TOP_SRC_PROCS, .kind = TOP_K_COUNT, .value = v_procs,
	  .desc = "processes directly in the cgroup",
	  .json = "procs", .metric = "memcgctl_procs", .mtype = TOP_M_GAUGE },
	{ .name = "current", .header = "MEM", .width = 6, .unit = "bytes", .sort_desc = true,
	  .src = S_U, .kind = TOP_K_BYTES, .deflt = true, .value = v_current,
	  .desc = "memory in use (memory.current / usage_in_bytes)",
	  .json = "usage_bytes", .metric = "memcgctl_memory_usage_bytes", .mtype = TOP_M_GAUGE,
	  .metric_unit = "bytes", .color = { .by = v_use, .warn = 75, .crit = 90, .ok_green = true } },
	{ .name = "limit", .header = "LIMIT", .width = 6, .unit = "bytes", .src = S_U,
	  .kind = TOP_K_BYTES, .deflt = true, .value = v_limit,
	  .desc = "the limit that binds first: memory.high or memory.max (v1: limit_in_bytes)",
	  .json = "limit_bytes", .metric = "memcgctl_memory_limit_bytes", .mtype = TOP_M_GAUGE,
	  .metric_unit = "bytes" },
	{ .name = "ltype", .header = "LTYPE", .width = 5, .unit = "", .src = S_U,
	  .kind = TOP_K_TEXT, .text = t_limit_type,
	  .desc = "which limit binds: max, high, v1 (limit_in_bytes) or none",
	  .json = "limit_type" },
	{ .name = "use", .header = "USE%", .width = 5, .unit = "%", .sort_desc = true, .src = S_U,
	  .kind = TOP_K_PCT, .deflt = true, .value = v_use,
	  .desc = "current as a percentage of the binding limit",
	  .json = "limit_pct", .decimals = 2,
	  .color = { .warn = 75, .crit = 90, .ok_green = true } },
	BYTES("peak", "PEAK", "peak_bytes", v_peak, S_U, false, "memcgctl_memory_peak_bytes",
	      "highest usage recorded (memory.peak / max_usage_in_bytes)"),
	BYTES("high", "HIGH", "high_bytes", v_high, S_U, false, "memcgctl_memory_high_bytes",
	      "memory.high (v2)"),
	BYTES("max", "MAX", "max_bytes", v_max, S_U, false, "memcgctl_memory_max_bytes",
	      "memory.max (v1: memory.limit_in_bytes)"),
	BYTES("anon", "ANON", "anon_bytes", v_anon, S_S, false, "memcgctl_memory_anon_bytes",
	      "anonymous memory (memory.stat anon / total_rss)"),
	BYTES("file", "FILE", "file_bytes", v_file, S_S, false, "memcgctl_memory_file_bytes",
	      "page cache (memory.stat file / total_cache)"),
	BYTES("kernel", "KERNEL", "kernel_bytes", v_kernel, S_S, false, "memcgctl_memory_kernel_bytes",
	      "kernel memory (memory.stat kernel, or slab where only that is known)"),
	BYTES("slab", "SLAB", "slab_bytes", v_slab, S_S, false, "memcgctl_memory_slab_bytes",
	      "slab memory (memory.stat slab)"),
	BYTES("swap", "SWAP", "swap_bytes", v_swap, S_U | S_S | TOP_SRC_SWAP, false,
	      "memcgctl_memory_swap_bytes", "swap in use"),
	PSI_AVG("some10", "SOME10", "psi_some_avg10_pct", v_some10,
		"memcgctl_memory_pressure_some_avg10_ratio", "memory PSI some, avg10"),
	PSI_AVG("some60", "SOME60", "psi_some_avg60_pct", v_some60, NULL, "memory PSI some, avg60"),
	PSI_AVG("some300", "SOME300", "psi_some_avg300_pct", v_some300, NULL, "memory PSI some, avg300"),
	PSI_AVG("full10", "FULL10", "psi_full_avg10_pct", v_full10,
		"memcgctl_memory_pressure_full_avg10_ratio", "memory PSI full, avg10"),
	PSI_AVG("full60", "FULL60", "psi_full_avg60_pct", v_full60, NULL, "memory PSI full, avg60"),
	PSI_AVG("full300", "FULL300", "psi_full_avg300_pct", v_full300, NULL, "memory PSI full, avg300"),
	{ .name = "sometot", .header = "SOMEUS", .width = 10, .unit = "us", .sort_desc = true,
	  .src = S_P, .kind = TOP_K_COUNT, .value = v_some_us,
	  .desc = "memory PSI some: total time some tasks stalled",
	  .json = "psi_some_total_us", .metric = "memcgctl_memory_pressure_some_seconds",
	  .mtype = TOP_M_COUNTER, .metric_unit = "seconds", .metric_scale = 1e-6 },
	{ .name = "fulltot", .header = "FULLUS", .width = 10, .unit = "us", .sort_desc = true,
	  .src = S_P, .kind = TOP_K_COUNT, .value = v_full_us,
	  .desc = "memory PSI full: total time all tasks stalled",
	  .json = "psi_full_total_us", .metric = "memcgctl_memory_pressure_full_seconds",
	  .mtype = TOP_M_COUNTER, .metric_unit = "seconds", .metric_scale = 1e-6 },
	{ .name = "some", .header = "SOME", .width = 5, .unit = "%", .sort_desc = true, .src = S_P,
	  .kind = TOP_K_PCT, .deflt = true, .value = v_some,
	  .desc = "memory PSI some over the last interval (live)", .json = "psi_some_pct",
	  .decimals = 2, .color = { .warn = ABOVE_0, .crit = 10 } },
	{ .name = "full", .header = "FULL", .width = 5, .unit = "%", .sort_desc = true, .src = S_P,
	  .kind = TOP_K_PCT, .deflt = true, .value = v_full,
	  .desc = "memory PSI full over the last interval (live)", .json = "psi_full_pct",
	  .decimals = 2 },
	{ .name = "reclaim", .header = "RECL/s", .width = 6, .unit = "pages/s", .sort_desc = true,
	  .src = TOP_SRC_PGSTEAL | S_B, .kind = TOP_K_RATE, .deflt = true, .value = v_reclaim,
	  .desc = "pages reclaimed per second (v2 pgsteal; v1: by BPF)",
	  .json = "reclaim_pages_per_s", .decimals = 1 },
	{ .name = "stall", .header = "STALL", .width = 6, .unit = "ms/s", .sort_desc = true,
	  .src = S_B, .kind = TOP_K_RATE, .deflt = true, .value = v_stall,
	  .desc = "reclaim stall of the cgroup's tasks, ms per second (BPF)",
	  .json = "stall_ms_per_s", .decimals = 3, .color = { .warn = ABOVE_0, .crit = 10 } },
	{ .name = "stalltot", .header = "STALLMS", .width = 7, .unit = "ms", .sort_desc = true,
	  .src = S_B, .kind = TOP_K_RATE, .value = v_stall_total, .text_scale = 1e-6,
	  .desc = "reclaim stall (memcg and direct) since top started, ms (BPF)" },
	{ .name = "memstall", .header = "MCGSTALL", .width = 8, .unit = "ns", .sort_desc = true,
	  .src = S_B, .kind = TOP_K_COUNT, .value = v_stall_ns,
	  .desc = "stall of the cgroup's tasks in memcg reclaim since top started (BPF)",
	  .json = "reclaim_stall_ns", .metric = "memcgctl_reclaim_stall_seconds",
	  .mtype = TOP_M_COUNTER, .metric_unit = "seconds", .metric_scale = 1e-9 },
	{ .name = "dirstall", .header = "DIRSTALL", .width = 8, .unit = "ns", .sort_desc = true,
	  .src = S_B, .kind = TOP_K_COUNT, .value = v_direct_ns,
	  .desc = "stall of the cgroup's tasks in global direct reclaim since top started (BPF)",
	  .json = "direct_reclaim_stall_ns", .metric = "memcgctl_direct_reclaim_stall_seconds",
	  .mtype = TOP_M_COUNTER, .metric_unit = "seconds", .metric_scale = 1e-9 },
	COUNTER("entries", "RECLENT", 7, "reclaim_entries", v_entries, S_B,
		"memcgctl_reclaim_entries",
		"entries of the cgroup's tasks into memcg reclaim since top started (BPF)"),
	COUNTER("reclaimed", "RECLPG", 7, "reclaimed_pages", v_reclaimed, S_B,
		"memcgctl_reclaimed_pages",
		"pages the cgroup's tasks reclaimed in memcg reclaim since top started (BPF)"),
	COUNTER("dirreclaimed", "DIRPG", 7, "direct_reclaimed_pages", v_direct_reclaimed, S_B,
		"memcgctl_direct_reclaimed_pages",
		"pages the cgroup's tasks reclaimed in direct reclaim since top started (BPF)"),
	COUNTER("pgsteal", "PGSTEAL", 8, "pgsteal", v_pgsteal, S_S, "memcgctl_pgsteal",
		"pages reclaimed from the cgroup (memory.stat pgsteal, v2)"),
	{ .name = "refault", .header = "RFLT/s", .width = 6, .unit = "pages/s", .sort_desc = true,
	  .src = TOP_SRC_REFAULT, .kind = TOP_K_RATE, .deflt = true, .value = v_refault,
	  .desc = "workingset refaults per second", .json = "refault_pages_per_s", .decimals = 1 },
	COUNTER("rfanon", "RFANON", 7, "workingset_refault_anon", v_rf_anon, TOP_SRC_REFAULT,
		"memcgctl_workingset_refault_anon", "workingset refaults of anonymous pages"),
	COUNTER("rffile", "RFFILE", 7, "workingset_refault_file", v_rf_file, TOP_SRC_REFAULT,
		"memcgctl_workingset_refault_file", "workingset refaults of file pages"),
	{ .name = "events", .header = "LIMEV", .width = 5, .unit = "count", .sort_desc = true,
	  .src = S_E, .kind = TOP_K_COUNT, .deflt = true, .value = v_events,
	  .desc = "high and max events (v1: failcnt) in the last interval",
	  .json = "interval_limit_events" },
	COUNTER("highev", "HIGHEV", 6, "high_events", v_high_ev, S_E, "memcgctl_high_events",
		"times usage went over memory.high (memory.events high)"),
	COUNTER("maxev", "MAXEV", 6, "max_events", v_max_ev, S_E, "memcgctl_max_events",
		"times a charge hit memory.max (memory.events max, v2)"),
	COUNTER("failcnt", "FAILCNT", 7, "failcnt", v_failcnt, S_E, "memcgctl_failcnt",
		"times a charge hit the limit (memory.failcnt, v1)"),
	COUNTER("oomev", "OOMEV", 5, "oom_events", v_oom_ev, S_E, "memcgctl_oom_events",
		"times the cgroup hit its limit and reclaim failed (memory.events oom)"),
	{ .name = "oom", .header = "OOM", .width = 4, .unit = "count", .sort_desc = true,
	  .src = S_E, .kind = TOP_K_COUNT, .deflt = true, .value = v_oom,
	  .desc = "OOM kills (total)", .json = "oom_kills", .metric = "memcgctl_oom_kills",
	  .mtype = TOP_M_COUNTER, .color = { .crit = 1 } },
	{ .name = "oomnew", .header = "OOM+", .width = 4, .unit = "count", .sort_desc = true,
	  .src = S_E, .kind = TOP_K_COUNT, .value = v_oom_new,
	  .desc = "OOM kills in the last interval", .json = "interval_oom_kills" },
	COUNTER("victims", "VICTIMS", 7, "oom_victims", v_victims, S_B, "memcgctl_oom_victims",
		"OOM victims in the cgroup since top started (BPF)"),
};
const int top_nr_cols = ARRAY_SIZE(top_cols);
_Static_assert(ARRAY_SIZE(top_cols) <= TOP_MAX_COLS, "raise TOP_MAX_COLS");

int top_col_find(const char *name)
{
	for (int i = 0; i < top_nr_cols; i++)
		if (!strcmp(top_cols[i].name, name))
			return i;
	return -1;
}

void top_colset_default(struct top_colset *cs)
{
	cs->nr = 0;
	for (int i = 0; i < top_nr_cols; i++)
		if (top_cols[i].deflt)
			cs->idx[cs->nr++] = i;
}

int top_colset_parse(struct top_colset *cs, const char *list, char *err, size_t errlen)
{
	char buf[512], *save = NULL;
	struct top_colset n = { .nr = 0 };
	bool have_name = false;

	if (!strcmp(list, "default")) {
		top_colset_default(cs);
		return 0;
	}
	if (!strcmp(list, "all")) {
		cs->nr = 0;
		for (int i = 0; i < top_nr_cols; i++)
			cs->idx[cs->nr++] = i;
		return 0;
	}
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf) || !*list) {
		snprintf(err, errlen, "%s", *list ? "list too long" : "empty list");
		return -EINVAL;
	}
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i = top_col_find(t);

		if (i < 0) {
			snprintf(err, errlen, "unknown column '%s'", t);
			return -EINVAL;
		}
		for (int j = 0; j < n.nr; j++)
			if (n.idx[j] == i) {
				snprintf(err, errlen, "column '%s' given twice", t);
				return -EINVAL;
			}
		if (n.nr == TOP_MAX_COLS) {
			snprintf(err, errlen, "too many columns");
			return -EINVAL;
		}
		have_name |= top_cols[i].kind == TOP_K_NAME;
		n.idx[n.nr++] = i;
	}
	if (!n.nr) {
		snprintf(err, errlen, "empty list");
		return -EINVAL;
	}
	/* a row without its name means nothing: the name goes first if left out */
	if (!have_name) {
		if (n.nr == TOP_MAX_COLS)
			n.nr--;
		memmove(n.idx + 1, n.idx, n.nr * sizeof(n.idx[0]));
		n.idx[0] = 0;
		n.nr++;
	}
	*cs = n;
	return 0;
}

unsigned top_colset_src(const struct top_colset *cs)
{
	unsigned src = 0;

	for (int i = 0; i < cs->nr; i++)
		src |= top_cols[cs->idx[i]].src;
	return src;
}

double top_col_value(const struct top_col *c, const struct top_snap *s, const struct top_row *r)
{
	return c->value ? c->value(s, r) : NAN;
}

const char *top_col_format(const struct top_col *c, const struct top_snap *s,
			   const struct top_row *r, char *buf, size_t len)
{
	double v;

	if (c->text) {
		const char *t = c->text(s, r);

		snprintf(buf, len, "%s", t ? t : "-");
		return buf;
	}
	v = c->value(s, r) * (c->text_scale ? c->text_scale : 1);
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, len, "max");
		return buf;
	}
	switch (c->kind) {
	case TOP_K_BYTES:
		fmt_size(buf, len, (uint64_t)v);
		break;
	case TOP_K_PCT:
		snprintf(buf, len, "%.1f", v);
		break;
	case TOP_K_RATE:
		if (v >= 99999.5)
			snprintf(buf, len, "%.0fk", v / 1000);
		else if (v >= 99.95 || v == 0)
			snprintf(buf, len, "%.0f", v);
		else
			snprintf(buf, len, "%.1f", v);
		break;
	default:
		snprintf(buf, len, "%.0f", v);
		break;
	}
	return buf;
}

int top_col_level(const struct top_col *c, const struct top_snap *s, const struct top_row *r)
{
	double v;

	if (!c->color.warn && !c->color.crit)
		return 0;
	v = c->color.by ? c->color.by(s, r) : top_col_value(c, s, r);
	if (isnan(v))
		return 0;
	if (c->color.crit && v >= c->color.crit)
		return 3;
	if (c->color.warn && v >= c->color.warn)
		return 2;
	return c->color.ok_green ? 1 : 0;
}

/* ---- the view ---------------------------------------------------------- */

struct sort_ctx {
	const struct top_snap *s;
	const struct top_col *c;
	bool desc;
};
static struct sort_ctx sort_ctx;	/* qsort has no context argument */

static int row_cmp(const void *a, const void *b)
{
	const struct top_row *x = &sort_ctx.s->rows[*(const int *)a];
	const struct top_row *y = &sort_ctx.s->rows[*(const int *)b];
	int r = 0;

	if (sort_ctx.c->kind == TOP_K_NAME) {
		r = strcmp(x->rel, y->rel);
	} else if (sort_ctx.c->text) {
		const char *tx = sort_ctx.c->text(sort_ctx.s, x), *ty = sort_ctx.c->text(sort_ctx.s, y);

		if (!tx || !ty)		/* unknowns last */
			return !tx && !ty ? strcmp(x->rel, y->rel) : !tx ? 1 : -1;
		r = strcmp(tx, ty);
	} else {
		double vx = sort_ctx.c->value(sort_ctx.s, x), vy = sort_ctx.c->value(sort_ctx.s, y);

		/* unknowns sort last whatever the direction */
		if (isnan(vx) && isnan(vy))
			return strcmp(x->rel, y->rel);
		if (isnan(vx) || isnan(vy))
			return isnan(vx) ? 1 : -1;
		r = vx < vy ? -1 : vx > vy;
	}
	if (sort_ctx.desc)
		r = -r;
	return r ? r : strcmp(x->rel, y->rel);
}

static bool is_folded(const struct top_view *v, uint64_t id)
{
	for (size_t i = 0; i < v->nr_folded; i++)
		if (v->folded[i] == id)
			return true;
	return false;
}

static void sort_idx(const struct top_snap *s, const struct top_view *v, int *idx, size_t n)
{
	sort_ctx = (struct sort_ctx){ s, &top_cols[v->sort_col], v->sort_desc };
	qsort(idx, n, sizeof(*idx), row_cmp);
}

size_t top_view_order(const struct top_snap *s, const struct top_view *v, int *order)
{
	size_t n = 0;
	bool *keep;

	if (!s->nr)
		return 0;
	keep = calloc(s->nr, sizeof(*keep));
	if (!keep)
		return 0;
	/* a filter keeps matching rows and, in a tree, their ancestors */
	for (size_t i = 0; i < s->nr; i++) {
		if (v->filter && *v->filter && !strstr(s->rows[i].rel, v->filter))
			continue;
		keep[i] = true;
		if (v->tree)
			for (int p = s->rows[i].parent; p >= 0 && !keep[p]; p = s->rows[p].parent)
				keep[p] = true;
	}
	if (!v->tree) {
		for (size_t i = 0; i < s->nr; i++)
			if (keep[i])
				order[n++] = (int)i;
		sort_idx(s, v, order, n);
		free(keep);
		return n;
	}

	/*
	 * Tree: children of each row, sorted, emitted depth-first.  Rows are
	 * stored parents-first, so a stack of (row, next child) walks it.
	 */
	int *first = malloc(s->nr * sizeof(int)), *next = malloc(s->nr * sizeof(int));
	int *kids = malloc(s->nr * sizeof(int)), *stack = malloc(s->nr * sizeof(int));

	if (!first || !next || !kids || !stack)
		goto out;
	for (size_t i = 0; i < s->nr; i++)
		first[i] = next[i] = -1;
	/* link children in reverse so the lists come out in storage order */
	for (size_t i = s->nr; i-- > 1;) {
		int p = s->rows[i].parent;

		if (p < 0 || !keep[i])
			continue;
		next[i] = first[p];
		first[p] = (int)i;
	}
	/* sort every sibling list */
	for (size_t p = 0; p < s->nr; p++) {
		size_t k = 0;

		for (int c = first[p]; c >= 0; c = next[c])
			kids[k++] = c;
		if (k < 2)
			continue;
		sort_idx(s, v, kids, k);
		first[p] = kids[0];
		for (size_t j = 0; j < k; j++)
			next[kids[j]] = j + 1 < k ? kids[j + 1] : -1;
	}
	/* depth-first: push the root; pop, emit, push its first child and next sibling */
	size_t sp = 0;
	if (keep[0])
		stack[sp++] = 0;
	while (sp) {
		int i = stack[--sp];

		order[n++] = i;
		if (next[i] >= 0 && i != 0)
			stack[sp++] = next[i];
		if (first[i] >= 0 && !is_folded(v, s->rows[i].id))
			stack[sp++] = first[i];
	}
out:
	free(first);
	free(next);
	free(kids);
	free(stack);
	free(keep);
	return n;
}
