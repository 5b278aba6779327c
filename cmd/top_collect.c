// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's collector: its lifecycle and one refresh, which takes the tree
 * from the cgroup iterator (top_walk_iter.c) or cgroupfs (top_walk_fs.c),
 * merges the BPF counters (top_bpf.c), computes rates (top_snap.c) and
 * records what happened (top_history.c).  Never prints.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "clock.h"
#include "top_int.h"

int top_collector_new(struct top_collector **out, const struct top_collect_opts *o)
{
	struct top_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->env = o->env;
	c->root = *o->root;
	c->depth = o->depth;
	c->want_iter = !o->no_iter;
	c->one_shot = o->one_shot;
	c->fd_budget = top_fd_cache_budget();
	if (o->bpf)
		top_bpf_setup(c);
	*out = c;
	return 0;
}

/* memory.stat is to be read for this cgroup (see top_collector_stat_only) */
bool top_stat_wanted(const struct top_collector *c, uint64_t id)
{
	return !c->stat_limited || idmap_get(&c->stat_ids, id, NULL);
}

int top_collector_stat_only(struct top_collector *c, const uint64_t *ids, size_t n)
{
	struct idmap a = IDMAP_INIT;

	for (size_t i = 0; ids && i < n; i++)
		if (idmap_put(&a, ids[i], i) == -ENOMEM) {
			idmap_free(&a);
			return -ENOMEM;
		}
	idmap_free(&c->stat_ids);
	c->stat_ids = a;
	c->stat_limited = ids != NULL;
	return 0;
}

bool top_collector_bpf(const struct top_collector *c, const char **note)
{
	if (note)
		*note = c->bpf_note;
	return c->skel != NULL;
}

void top_collector_free(struct top_collector *c)
{
	if (!c)
		return;
	top_bpf_free(c);
	idmap_free(&c->stat_ids);
	free(c->evh);
	idmap_free(&c->evh_ix);
	idmap_free(&c->rows_ix);
	free(c->vq);
	top_fd_cache_free(c);
	free(c->order);
	top_snap_free(&c->snap[0]);
	top_snap_free(&c->snap[1]);
	free(c->keys);
	free(c->vals);
	idmap_free(&c->bix);
	free(c);
}

unsigned top_src_to_rd(const struct cg_env *env, unsigned src)
{
	unsigned rd = 0;

	/* v1's memory.stat has no pgsteal: its reclaim rate is BPF's alone */
	if ((src & TOP_SRC_PGSTEAL) && env->mem_is_v2)
		rd |= CG_RD_STAT;
	if (src & TOP_SRC_USAGE)
		rd |= CG_RD_USAGE;
	if (src & TOP_SRC_SWAP)
		rd |= CG_RD_SWAP;
	if (src & (TOP_SRC_STAT | TOP_SRC_REFAULT))
		rd |= CG_RD_STAT;
	if (src & TOP_SRC_EVENTS)
		rd |= CG_RD_EVENTS;
	if (src & TOP_SRC_PSI)
		rd |= CG_RD_PSI;
	if (src & TOP_SRC_PROCS)
		rd |= CG_RD_PROCS;
	return rd;
}

int top_collect(struct top_collector *c, unsigned src, const struct top_snap **out)
{
	struct top_snap *s = &c->snap[c->cur ^ 1], *prev = &c->snap[c->cur];
	int err;

	top_snap_clear(s);
	err = c->iter_link ? top_iter_collect(c, s, src) : -ENOTSUP;
	if (err && err != -ENOENT && err != -ENOMEM) {
		top_snap_clear(s);	/* this refresh from cgroupfs */
		err = top_fs_collect(c, s, src);
	}
	if (err) {
		top_snap_free(s);
		return err;
	}
	s->layout = cg_layout_name(c->env->layout);
	s->src = src;
	s->bpf = false;
	s->bpf_note = c->bpf_note;
	s->time = clock_real_s();
	if ((src & TOP_SRC_BPF) && c->skel) {
		err = top_bpf_read_all(c);
		if (!err)
			s->bpf = true;
		else
			s->bpf_note = "reading the BPF map failed";
	}
	if (s->bpf) {
		for (size_t i = 0; i < s->nr; i++) {
			struct top_row *r = &s->rows[i];
			/* a cgroup with no reclaim or OOM yet simply has no entry */
			const struct top_cg_stats *b = top_bpf_find(c, r->id);

			r->bpf_known = true;
			if (b)
				r->bpf = *b;
		}
	}
	top_snap_rates(s, c->have_prev ? prev : NULL);
	top_hist_update(c, s);
	c->cur ^= 1;
	c->have_prev = true;
	*out = s;
	return 0;
}
