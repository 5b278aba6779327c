// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's columns as data (htop-style): each knows its header, width,
 * unit, sort direction and the data source it needs, so a hidden column
 * costs nothing.  Also the view: sorting, tree order, fold and filter.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "memstate.h"
#include "top_snap.h"
#include "units.h"

static double u(uint64_t v)
{
	return cg_known(v) && v != CG_NOLIMIT ? (double)v : NAN;
}

static double r_of(double v)
{
	return v < 0 ? NAN : v;
}

static double v_procs(const struct top_row *r) { return u(r->mem.nr_procs); }
static double v_current(const struct top_row *r) { return u(r->mem.current); }
static double v_peak(const struct top_row *r) { return u(r->mem.peak); }
static double v_anon(const struct top_row *r) { return u(r->mem.stat[CG_STAT_anon]); }
static double v_file(const struct top_row *r) { return u(r->mem.stat[CG_STAT_file]); }
static double v_swap(const struct top_row *r) { return u(r->mem.swap_current); }

static double v_kernel(const struct top_row *r)
{
	/* v2 has "kernel"; v1 only knows slab (and not always that) */
	if (cg_known(r->mem.stat[CG_STAT_kernel]))
		return (double)r->mem.stat[CG_STAT_kernel];
	return u(r->mem.stat[CG_STAT_slab]);
}

static double v_limit(const struct top_row *r)
{
	uint64_t l = cg_binding_limit(&r->mem, NULL);

	return l == CG_NOLIMIT ? NAN : (double)l;
}

static double v_use(const struct top_row *r)
{
	double p = memstate_limit_pct(&r->mem);

	return p < 0 ? NAN : p;
}

static double psi10(const struct cg_psi_line *p)
{
	return cg_known(p->total_us) && p->avg10 >= 0 ? p->avg10 : NAN;
}

static double v_some10(const struct top_row *r) { return psi10(&r->mem.psi_some); }
static double v_full10(const struct top_row *r) { return psi10(&r->mem.psi_full); }
static double v_some(const struct top_row *r) { return r_of(r->psi_some_rate); }
static double v_full(const struct top_row *r) { return r_of(r->psi_full_rate); }
static double v_reclaim(const struct top_row *r) { return r_of(r->reclaim_rate); }
static double v_stall(const struct top_row *r) { return r_of(r->stall_rate); }
static double v_refault(const struct top_row *r) { return r_of(r->refault_rate); }
static double v_events(const struct top_row *r) { return r_of(r->limit_events); }
static double v_oom(const struct top_row *r) { return u(r->mem.events[CG_EV_oom_kill]); }
static double v_id(const struct top_row *r) { return (double)r->id; }

static double v_stall_total(const struct top_row *r)
{
	return r->bpf_known ? (r->bpf.stall_ns + r->bpf.direct_stall_ns) / 1e6 : NAN;
}

#define S_U TOP_SRC_USAGE
#define S_S TOP_SRC_STAT
#define S_E TOP_SRC_EVENTS
#define S_P TOP_SRC_PSI
#define S_B TOP_SRC_BPF

const struct top_col top_cols[] = {
	{ "cgroup", "CGROUP", 0, "", "cgroup name (tree) or path (flat)", false, 0, TOP_K_NAME, true, NULL },
	{ "id", "ID", 8, "", "cgroup id (inode of its directory)", false, 0, TOP_K_COUNT, false, v_id },
	{ "procs", "PROCS", 5, "", "processes directly in the cgroup", true, TOP_SRC_PROCS, TOP_K_COUNT, false, v_procs },
	{ "current", "MEM", 6, "bytes", "memory in use (memory.current / usage_in_bytes)", true, S_U, TOP_K_BYTES, true, v_current },
	{ "limit", "LIMIT", 6, "bytes", "the limit that binds first: memory.high or memory.max", false, S_U, TOP_K_BYTES, true, v_limit },
	{ "use", "USE%", 5, "%", "current as a percentage of the binding limit", true, S_U, TOP_K_PCT, true, v_use },
	{ "peak", "PEAK", 6, "bytes", "highest usage recorded (memory.peak / max_usage_in_bytes)", true, S_U, TOP_K_BYTES, false, v_peak },
	{ "anon", "ANON", 6, "bytes", "anonymous memory (memory.stat anon / total_rss)", true, S_S, TOP_K_BYTES, false, v_anon },
	{ "file", "FILE", 6, "bytes", "page cache (memory.stat file / total_cache)", true, S_S, TOP_K_BYTES, false, v_file },
	{ "kernel", "KERNEL", 6, "bytes", "kernel memory (memory.stat kernel, or slab)", true, S_S, TOP_K_BYTES, false, v_kernel },
	{ "swap", "SWAP", 6, "bytes", "swap in use", true, S_U | S_S | TOP_SRC_SWAP, TOP_K_BYTES, false, v_swap },
	{ "some10", "SOME10", 6, "%", "memory PSI some, avg10", true, S_P, TOP_K_PCT, false, v_some10 },
	{ "full10", "FULL10", 6, "%", "memory PSI full, avg10", true, S_P, TOP_K_PCT, false, v_full10 },
	{ "some", "SOME", 5, "%", "memory PSI some over the last interval (live)", true, S_P, TOP_K_PCT, true, v_some },
	{ "full", "FULL", 5, "%", "memory PSI full over the last interval (live)", true, S_P, TOP_K_PCT, true, v_full },
	{ "reclaim", "RECL/s", 6, "pages/s", "pages reclaimed per second (v2 pgsteal; v1: by BPF)", true, TOP_SRC_PGSTEAL | S_B, TOP_K_RATE, true, v_reclaim },
	{ "stall", "STALL", 6, "ms/s", "reclaim stall of the cgroup's tasks, ms per second (BPF)", true, S_B, TOP_K_RATE, true, v_stall },
	{ "stalltot", "STALLMS", 7, "ms", "reclaim stall since top started, ms (BPF)", true, S_B, TOP_K_RATE, false, v_stall_total },
	{ "refault", "RFLT/s", 6, "pages/s", "workingset refaults per second", true, TOP_SRC_REFAULT, TOP_K_RATE, true, v_refault },
	{ "events", "LIMEV", 5, "count", "high/max limit events in the last interval", true, S_E, TOP_K_COUNT, true, v_events },
	{ "oom", "OOM", 4, "count", "OOM kills (total)", true, S_E, TOP_K_COUNT, true, v_oom },
};
const int top_nr_cols = ARRAY_SIZE(top_cols);

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

const char *top_col_format(const struct top_col *c, const struct top_row *r,
			   char *buf, size_t len)
{
	double v;

	if (c->kind == TOP_K_NAME) {
		snprintf(buf, len, "%s", r->name);
		return buf;
	}
	v = c->value(r);
	if (c->value == v_limit && isnan(v) && cg_binding_limit(&r->mem, NULL) == CG_NOLIMIT &&
	    (cg_known(r->mem.max) || cg_known(r->mem.high))) {
		snprintf(buf, len, "max");	/* no limit is a fact, not an unknown */
		return buf;
	}
	if (isnan(v)) {
		snprintf(buf, len, "-");
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
	} else {
		double vx = sort_ctx.c->value(x), vy = sort_ctx.c->value(y);

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
