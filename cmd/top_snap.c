// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's snapshots: the row table and the rates of one snapshot against
 * the previous, matched by cgroup id.  Pure functions, no I/O, so unit
 * tests can feed them snapshots built by hand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "idmap.h"
#include "top_int.h"
#include "top_snap.h"

void top_snap_free(struct top_snap *s)
{
	for (size_t i = 0; i < s->nr; i++)
		free(s->rows[i].rel);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

static void row_unknown(struct top_row *r)
{
	cg_mem_unknown(&r->mem);
	r->psi_some_rate = r->psi_full_rate = r->reclaim_rate = -1;
	r->stall_rate = r->refault_rate = r->limit_events = r->oom_new = -1;
	r->reclaims_new = r->reclaimed_new = -1;
}

int top_snap_add(struct top_snap *s, const char *rel, uint64_t id, int depth, int parent)
{
	struct top_row *r;
	const char *slash;

	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct top_row *n = realloc(s->rows, cap * sizeof(*n));

		if (!n)
			return -1;
		s->rows = n;
		s->cap = cap;
	}
	r = &s->rows[s->nr];
	memset(r, 0, sizeof(*r));
	r->rel = strdup(rel);
	if (!r->rel)
		return -1;
	slash = strrchr(r->rel, '/');
	r->name = (slash && slash[1]) ? slash + 1 : r->rel;
	r->id = id;
	r->depth = depth;
	r->parent = parent;
	r->is_new = true;
	row_unknown(r);
	if (parent >= 0)
		s->rows[parent].has_children = true;
	return (int)s->nr++;
}


static double delta(uint64_t now, uint64_t before)
{
	if (!cg_known(now) || !cg_known(before) || now < before)
		return -1;	/* unknown, or a counter that went back (id reuse) */
	return (double)(now - before);
}

static double sum2(uint64_t a, uint64_t b)
{
	return (cg_known(a) && cg_known(b)) ? (double)a + (double)b : -1;
}

static double per_s(double d, double secs)
{
	return d < 0 || secs <= 0 ? -1 : d / secs;
}

static void row_rates(struct top_row *r, const struct top_row *p, double secs,
		      bool pgsteal)
{
	const struct cg_mem *m = &r->mem, *o = &p->mem;
	double d;

	d = delta(m->psi_some.total_us, o->psi_some.total_us);
	r->psi_some_rate = d < 0 ? -1 : d / 1e6 / secs * 100;
	d = delta(m->psi_full.total_us, o->psi_full.total_us);
	r->psi_full_rate = d < 0 ? -1 : d / 1e6 / secs * 100;

	d = sum2(m->stat[CG_STAT_workingset_refault_anon], m->stat[CG_STAT_workingset_refault_file]);
	if (d >= 0) {
		double b = sum2(o->stat[CG_STAT_workingset_refault_anon],
				o->stat[CG_STAT_workingset_refault_file]);

		r->refault_rate = (b < 0 || d < b) ? -1 : (d - b) / secs;
	}

	/* pages reclaimed from the cgroup: memory.stat when it says (v2) */
	if (pgsteal && cg_known(m->stat[CG_STAT_pgsteal]))
		r->reclaim_rate = per_s(delta(m->stat[CG_STAT_pgsteal], o->stat[CG_STAT_pgsteal]), secs);
	else if (r->bpf_known && p->bpf_known)
		r->reclaim_rate = per_s(delta(r->bpf.reclaimed + r->bpf.direct_reclaimed,
					      p->bpf.reclaimed + p->bpf.direct_reclaimed), secs);
	if (r->bpf_known && p->bpf_known) {
		d = delta(r->bpf.stall_ns + r->bpf.direct_stall_ns,
			  p->bpf.stall_ns + p->bpf.direct_stall_ns);
		r->stall_rate = d < 0 ? -1 : d / 1e6 / secs;
		r->reclaims_new = delta(r->bpf.reclaims, p->bpf.reclaims);
		r->reclaimed_new = delta(r->bpf.reclaimed, p->bpf.reclaimed);
	}

	d = sum2(m->events[CG_EV_high], m->events[CG_EV_max]);
	if (!cg_known(m->events[CG_EV_high]))	/* v1: failcnt only */
		d = cg_known(m->events[CG_EV_max]) ? (double)m->events[CG_EV_max] : -1;
	if (d >= 0) {
		double b = cg_known(o->events[CG_EV_high]) ?
			sum2(o->events[CG_EV_high], o->events[CG_EV_max]) :
			(cg_known(o->events[CG_EV_max]) ? (double)o->events[CG_EV_max] : -1);

		r->limit_events = (b < 0 || d < b) ? -1 : d - b;
	}
	r->oom_new = delta(m->events[CG_EV_oom_kill], o->events[CG_EV_oom_kill]);
}

void top_snap_rates(struct top_snap *cur, const struct top_snap *prev)
{
	struct idmap ix = IDMAP_INIT;
	double secs;

	cur->vanished = 0;
	if (!prev || !prev->nr)
		return;
	secs = cur->time - prev->time;
	cur->interval = secs > 0 ? secs : 0;
	for (size_t i = 0; i < prev->nr; i++)
		if (idmap_put(&ix, prev->rows[i].id, i) == -ENOMEM) {
			idmap_free(&ix);
			return;
		}

	size_t matched = 0;
	for (size_t i = 0; i < cur->nr; i++) {
		struct top_row *r = &cur->rows[i];
		size_t hit;

		if (!idmap_get(&ix, r->id, &hit))
			continue;
		matched++;
		r->is_new = false;
		if (secs > 0)
			row_rates(r, &prev->rows[hit], secs,
				  cur->layout && !strcmp(cur->layout, "v2"));
	}
	cur->vanished = prev->nr - matched;
	idmap_free(&ix);
}

/* Empty s but keep its rows array: no fresh pages to fault in each refresh. */
void top_snap_clear(struct top_snap *s)
{
	struct top_row *rows = s->rows;
	size_t cap = s->cap;

	for (size_t i = 0; i < s->nr; i++)
		free(s->rows[i].rel);
	memset(s, 0, sizeof(*s));
	s->rows = rows;
	s->cap = cap;
}

/* The value of "KEY N" at the start of a line of buf, or CG_UNKNOWN. */
static uint64_t stat_key(const char *buf, const char *key, size_t klen)
{
	const char *p = buf;
	unsigned long long v;
	char *end;

	while ((p = strstr(p, key))) {
		if ((p == buf || p[-1] == '\n') && p[klen] == ' ') {
			errno = 0;
			v = strtoull(p + klen + 1, &end, 10);
			return errno || end == p + klen + 1 ? CG_UNKNOWN : v;
		}
		p += klen;
	}
	return CG_UNKNOWN;
}

/*
 * Only the keys the refault column (and v2's reclaim rate) need: two or
 * three searches instead of splitting and looking up ~40-80 lines.  v1's
 * hierarchical values are its total_* lines, as cg_parse_mem_stat reads.
 */
void top_stat_keys(const struct cg_env *env, const char *buf, struct cg_mem *m)
{
#define KEY(k) k, sizeof(k) - 1
	if (env->mem_is_v2) {
		m->stat[CG_STAT_workingset_refault_anon] = stat_key(buf, KEY("workingset_refault_anon"));
		m->stat[CG_STAT_workingset_refault_file] = stat_key(buf, KEY("workingset_refault_file"));
		m->stat[CG_STAT_pgsteal] = stat_key(buf, KEY("pgsteal"));
	} else {
		m->stat[CG_STAT_workingset_refault_anon] =
			stat_key(buf, KEY("total_workingset_refault_anon"));
		m->stat[CG_STAT_workingset_refault_file] =
			stat_key(buf, KEY("total_workingset_refault_file"));
	}
#undef KEY
}
