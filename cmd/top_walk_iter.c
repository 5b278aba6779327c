// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's cgroup iterator walker: one BPF iterator run gives every
 * cgroup's page counters and events; memory.stat and memory.pressure,
 * which it cannot give, are read from files kept open across refreshes
 * (the fd cache, within a budget of RLIMIT_NOFILE).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "main.h"
#include "top.skel.h"
#include "top_flush.h"
#include "top_psi.h"
#include "top_int.h"

static void fd_close(struct top_collector *c, int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		c->open_fds--;
		*fd = -1;
	}
}

static void fds_drop(struct top_collector *c, struct fd_ent *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fd_close(c, &e[i].stat_fd);
		fd_close(c, &e[i].psi_fd);
	}
}

/*
 * How many files may stay open: the soft RLIMIT_NOFILE raised to the hard
 * limit, less a reserve for everything else; beyond it, open/read/close.
 */
size_t top_fd_cache_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = { rl.rlim_max, rl.rlim_max };

		if (!setrlimit(RLIMIT_NOFILE, &up))
			rl.rlim_cur = rl.rlim_max;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1 << 20;
	return rl.rlim_cur > 512 ? rl.rlim_cur - 256 : 0;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct top_memcg_rec *x = *(const struct top_memcg_rec *const *)a;
	const struct top_memcg_rec *y = *(const struct top_memcg_rec *const *)b;

	if (x->parent_id != y->parent_id)
		return x->parent_id < y->parent_id ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* One run of the iterator: the records land in the mmap()ed array. */
static int iter_run(struct top_collector *c, size_t *nr)
{
	char buf[64];
	ssize_t n;
	int fd;

	/* first the subtree's rstat flush, as a read of memory.stat would do */
	c->stat_fresh = c->flush && !top_flush_run(c->flush);
	c->skel->bss->top_iter_nr = 0;
	c->skel->bss->top_iter_done = 0;
	fd = bpf_iter_create(bpf_link__fd(c->iter_link));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	if (n < 0)
		return -errno;	/* EOPNOTSUPP: the walk was cut short */
	if (!c->skel->bss->top_iter_done)
		return -EAGAIN;
	if (c->skel->bss->top_iter_nr > c->iter_cap)
		return -ENOSPC;	/* more cgroups than when we sized the map */
	*nr = c->skel->bss->top_iter_nr;
	return 0;
}

static uint64_t pages(const struct top_collector *c, uint64_t p)
{
	/* PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE) is "max" */
	if (p >= (uint64_t)LONG_MAX / (uint64_t)c->page_size)
		return CG_NOLIMIT;
	return p * (uint64_t)c->page_size;
}

/* What cgroupfs would have said, from the page counters; *rd: groups covered. */
static void rec_to_mem(const struct top_collector *c, const struct top_memcg_rec *r,
		       bool refault_only, unsigned *rd, struct cg_mem *m)
{
	*rd = CG_RD_USAGE | CG_RD_EVENTS;
	/* of memory.stat only the refaults are wanted, and the flushed iterator has them */
	if (refault_only && c->stat_fresh && (r->flags & TOP_REC_STAT)) {
		m->stat[CG_STAT_workingset_refault_anon] = r->refault_anon;
		m->stat[CG_STAT_workingset_refault_file] = r->refault_file;
		*rd |= CG_RD_STAT;
	}
	m->current = pages(c, r->usage);
	m->peak = pages(c, r->watermark);
	m->max = pages(c, r->max);
	if (c->env->mem_is_v2) {
		m->min = pages(c, r->min);
		m->low = pages(c, r->low);
		m->high = pages(c, r->high);
		m->events[CG_EV_low] = r->events[TOP_IEV_LOW];
		m->events[CG_EV_high] = r->events[TOP_IEV_HIGH];
		m->events[CG_EV_max] = r->events[TOP_IEV_MAX];
		m->events[CG_EV_oom] = r->events[TOP_IEV_OOM];
		m->events[CG_EV_oom_kill] = r->events[TOP_IEV_OOM_KILL];
		m->events[CG_EV_oom_group_kill] = r->events[TOP_IEV_OOM_GROUP_KILL];
		if (c->iter_swap) {
			m->swap_current = pages(c, r->swap_usage);
			m->swap_max = pages(c, r->swap_max);
			*rd |= CG_RD_SWAP;
		}
	} else {
		/* v1 prints its "unlimited" as a huge byte count: same rule as cgroupfs */
		if (m->max == CG_NOLIMIT || (cg_known(m->max) && m->max >= (1ULL << 62)))
			m->max = CG_NOLIMIT;
		m->events[CG_EV_max] = r->failcnt;
		m->events[CG_EV_oom_kill] = r->events[TOP_IEV_OOM_KILL];
		if (c->iter_swap) {
			uint64_t use = pages(c, r->swap_usage), lim = pages(c, r->swap_max);

			m->swap_current = use > m->current ? use - m->current : 0;
			if (lim == CG_NOLIMIT || lim >= (1ULL << 62))
				m->swap_max = CG_NOLIMIT;
			else if (m->max != CG_NOLIMIT)
				m->swap_max = lim > m->max ? lim - m->max : 0;
			*rd |= CG_RD_SWAP;
		}
	}
}

struct it_walk {
	struct top_collector *c;
	struct top_snap *s;
	const struct top_memcg_rec **by_parent;	/* sorted by (parent_id, name) */
	size_t nr;
	unsigned what;		/* CG_RD_* wanted */
	bool stat_keys;		/* of memory.stat only the refault (and pgsteal) keys */
	bool refault_only;	/* of memory.stat only the refault keys */
	int root_fd, psi_fd;
	bool psi_pass;		/* the PSI pass ran this refresh (top_psi.h) */
	char rel[PATH_MAX];
	int err;
};

/*
 * pread() a cached file (opening it on first use, through *dfd opened on
 * demand); the file is kept if the budget allows.  A cached file of a
 * cgroup that was removed (and maybe re-created under the same name, for
 * a cgroup2 twin) fails with ENODEV: it is reopened once.
 */
static int cached_read(struct top_collector *c, int *fd, int parent, const char *sub,
		       int *dfd, const char *name, char *buf, size_t len)
{
	ssize_t n = -1;

	for (int tries = 0; tries < 2; tries++) {
		if (*fd < 0) {
			if (*dfd < 0)
				*dfd = openat(parent, *sub ? sub : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (*dfd < 0)
				return -1;
			*fd = openat(*dfd, name, O_RDONLY | O_CLOEXEC);
			if (*fd < 0)
				return -1;
			c->open_fds++;
		}
		n = pread(*fd, buf, len - 1, 0);
		if (n >= 0)
			break;
		fd_close(c, fd);
	}
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (c->open_fds > c->fd_budget)
		fd_close(c, fd);	/* over the budget: read it again next time */
	return 0;
}

static bool psi_same(const struct cg_psi_line *a, const struct cg_psi_line *b, bool avgs)
{
	return a->total_us == b->total_us &&
	       (!avgs || (a->avg10 == b->avg10 && a->avg60 == b->avg60 && a->avg300 == b->avg300));
}

/*
 * memory.pressure: from the PSI pass where it knows what the file would
 * show (the file stays open, unread), else read.  Only a file read once
 * through this cache has a known twin id, so a cgroup's first refresh
 * always reads it.  Under -d both are taken and compared.
 */
static void it_read_psi(struct it_walk *w, struct fd_ent *e, const char *sub, int *pfd,
			char *buf, size_t len, struct cg_mem *m)
{
	struct top_collector *c = w->c;
	enum top_psi_have have = TOP_PSI_NONE;
	struct cg_psi_line ks, kf;
	struct stat st;

	if (w->psi_pass && e->psi_fd >= 0 && e->psi_ino)
		have = top_psi_get(c->psi, e->psi_ino, &ks, &kf);
	if (have == TOP_PSI_ALL && !gopts.debug) {
		m->psi_some = ks;
		m->psi_full = kf;
		c->psi_kernel++;
		return;
	}
	if (cached_read(c, &e->psi_fd, w->psi_fd, sub, pfd, "memory.pressure", buf, len))
		return;
	c->psi_files++;
	/* (re)opened here: the twin may be a new cgroup of the same name */
	if (*pfd >= 0)
		e->psi_ino = fstat(*pfd, &st) ? 0 : st.st_ino;
	if (cg_parse_psi(buf, &m->psi_some, &m->psi_full) || have == TOP_PSI_NONE)
		return;
	c->psi_checked++;
	if (!psi_same(&ks, &m->psi_some, have == TOP_PSI_ALL) ||
	    !psi_same(&kf, &m->psi_full, have == TOP_PSI_ALL)) {
		c->psi_differ++;
		p_debug("top: PSI of %s: the kernel's totals %llu/%llu us, the file's %llu/%llu",
			w->rel, (unsigned long long)ks.total_us, (unsigned long long)kf.total_us,
			(unsigned long long)m->psi_some.total_us,
			(unsigned long long)m->psi_full.total_us);
	}
}

/* The rest (memory.stat, PSI, procs) from cgroupfs, relative to the view's root. */
static void it_read_files(struct it_walk *w, int row, unsigned what)
{
	struct top_collector *c = w->c;
	struct top_row *r = &w->s->rows[row];
	const char *sub = w->rel + strlen(c->root.rel);
	struct fd_ent key = { r->id, -1, -1, 0 }, *old, *e;
	int dfd = -1, pfd = -1;
	char buf[16384];
	bool stat_skipped = false;

	while (*sub == '/')
		sub++;
	if ((what & CG_RD_STAT) && !top_stat_wanted(c, r->id)) {
		what &= ~CG_RD_STAT;	/* not on screen: its file stays open, unread */
		stat_skipped = true;
	}
	/* v1's swap fallback parses memory.stat itself: the plain path */
	if (!(what & CG_RD_SWAP) && ((what & (CG_RD_STAT | CG_RD_PSI)) || stat_skipped)) {
		size_t at;

		old = idmap_get(&c->fds_ix, r->id, &at) ? &c->fds[at] : NULL;
		e = &c->fds_next[c->nfds_next++];
		*e = old ? *old : key;
		if (old)
			old->stat_fd = old->psi_fd = -1;	/* moved */
		if (stat_skipped) {
			/* kept open, unread, for when the row is on screen again */
		} else if (!(what & CG_RD_STAT))
			fd_close(c, &e->stat_fd);	/* the column was hidden */
		else if (!cached_read(c, &e->stat_fd, w->root_fd, sub, &dfd, "memory.stat",
				      buf, sizeof(buf))) {
			if (w->stat_keys)
				top_stat_keys(c->env, buf, &r->mem);
			else
				cg_parse_mem_stat(c->env, buf, &r->mem);
		}
		if (!(what & CG_RD_PSI) || w->psi_fd < 0)
			fd_close(c, &e->psi_fd);
		else
			it_read_psi(w, e, sub, &pfd, buf, sizeof(buf), &r->mem);
		what &= ~(CG_RD_STAT | CG_RD_PSI);
	}
	if (what && dfd < 0)
		dfd = openat(w->root_fd, *sub ? sub : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (what && dfd >= 0) {
		if ((what & CG_RD_PSI) && w->psi_fd >= 0 && pfd < 0)
			pfd = openat(w->psi_fd, *sub ? sub : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cg_read_mem_at(c->env, dfd, pfd, what, &r->mem);
	}
	if (pfd >= 0)
		close(pfd);
	if (dfd >= 0)
		close(dfd);
}

/* After a walk: close the files of cgroups that are gone, keep the rest. */
static void fds_commit(struct top_collector *c)
{
	struct fd_ent *t;

	fds_drop(c, c->fds, c->nfds);
	idmap_clear(&c->fds_ix);
	for (size_t i = 0; i < c->nfds_next; i++)
		if (idmap_put(&c->fds_ix, c->fds_next[i].id, i) == -ENOMEM)
			break;	/* those files are opened again next time */
	t = c->fds;
	c->fds = c->fds_next;
	c->nfds = c->nfds_next;
	c->fds_next = t;
	c->nfds_next = 0;
}

static void it_add(struct it_walk *w, const struct top_memcg_rec *r, int depth, int parent)
{
	size_t rl = strlen(w->rel), lo = 0, hi = w->nr;
	unsigned covered = 0;
	int row;

	row = top_snap_add(w->s, w->rel, r->id, depth, parent);
	if (row < 0) {
		w->err = -ENOMEM;
		return;
	}
	if (!(r->flags & (TOP_REC_MEMCG_ROOT | TOP_REC_NO_MEMCG))) {
		rec_to_mem(w->c, r, w->refault_only, &covered, &w->s->rows[row].mem);
		w->s->rows[row].from_iter = true;
	}
	it_read_files(w, row, w->what & ~covered);
	if ((w->c->depth && depth >= w->c->depth) || depth + 1 >= 256)
		return;
	/* the children: the run of records whose parent is r */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (w->by_parent[mid]->parent_id < r->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < w->nr && w->by_parent[i]->parent_id == r->id && !w->err; i++) {
		const struct top_memcg_rec *ch = w->by_parent[i];

		if (snprintf(w->rel + (rl == 1 ? 0 : rl), sizeof(w->rel) - rl, "/%s", ch->name) >=
		    (int)(sizeof(w->rel) - rl))
			continue;
		it_add(w, ch, depth + 1, row);
		w->rel[rl] = '\0';
	}
}

/* -EAGAIN & co: use cgroupfs for this refresh; -ENOENT: the root is gone. */
int top_iter_collect(struct top_collector *c, struct top_snap *s, unsigned src)
{
	struct it_walk w = { .c = c, .s = s, .what = top_src_to_rd(c->env, src), .psi_fd = -1,
			     .stat_keys = !(src & TOP_SRC_STAT) };
	/* v2's reclaim rate wants memory.stat's pgsteal too: then the file is read */
	w.refault_only = !(src & TOP_SRC_STAT) &&
		!((src & TOP_SRC_PGSTEAL) && c->env->mem_is_v2);
	char psi[PATH_MAX];
	struct stat st;
	size_t nr = 0;
	int err;

	/* the iterator holds the root it was attached to, even after rmdir */
	w.root_fd = open(c->root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.root_fd < 0 || fstat(w.root_fd, &st) || st.st_ino != c->root_ino) {
		err = -ENOENT;
		goto out;
	}
	err = iter_run(c, &nr);
	if (!err && (!nr || c->recs[0].id != c->root_ino))
		err = -EAGAIN;
	for (size_t i = 0; !err && i < nr; i++)
		if (c->recs[i].flags & TOP_REC_NAME_TRUNC)
			err = -ENAMETOOLONG;
	if (err) {
		p_debug("top: cgroup iterator: %s; reading cgroupfs", strerror(-err));
		goto out;
	}
	if (!c->order && !(c->order = malloc(c->iter_cap * sizeof(*c->order)))) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nr; i++)
		c->order[i] = &c->recs[i];
	qsort(c->order + 1, nr - 1, sizeof(*c->order), rec_cmp);
	if (c->fds_cap < c->iter_cap) {
		struct fd_ent *a = realloc(c->fds, c->iter_cap * sizeof(*a));
		struct fd_ent *b = a ? realloc(c->fds_next, c->iter_cap * sizeof(*b)) : NULL;

		if (a)
			c->fds = a;
		if (!b) {
			err = -ENOMEM;
			goto out;
		}
		c->fds_next = b;
		c->fds_cap = c->iter_cap;
	}
	c->nfds_next = 0;
	w.by_parent = c->order + 1;
	w.nr = nr - 1;
	if ((w.what & CG_RD_PSI) && cg_psi_dir(c->env, &c->root, psi, sizeof(psi)))
		w.psi_fd = open(psi, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/*
	 * The first refresh reads every file anyway (it learns the twins'
	 * ids): attach the pass at the second, not before the first snapshot.
	 */
	if (w.psi_fd >= 0 && c->psi_loaded && c->nfds) {
		if (!c->psi_tried) {
			char why[256];

			c->psi_tried = true;
			c->psi = top_psi_open(c->skel, psi, why, sizeof(why));
			if (!c->psi)
				p_debug("top: PSI from memory.pressure alone: %s", why);
		}
		w.psi_pass = c->psi && !top_psi_run(c->psi);
	}
	c->psi_kernel = c->psi_files = c->psi_checked = c->psi_differ = 0;
	snprintf(w.rel, sizeof(w.rel), "%s", c->root.rel);
	it_add(&w, &c->recs[0], 0, -1);
	fds_commit(c);
	if (w.psi_pass)
		p_debug("top: PSI: %zu from the kernel, %zu files read, %zu checked against "
			"their file, %zu differ", c->psi_kernel, c->psi_files, c->psi_checked,
			c->psi_differ);
	err = w.err;
	s->iter = !err;
out:
	if (w.psi_fd >= 0)
		close(w.psi_fd);
	if (w.root_fd >= 0)
		close(w.root_fd);
	return err;
}

void top_fd_cache_free(struct top_collector *c)
{
	fds_drop(c, c->fds, c->nfds);
	free(c->fds);
	free(c->fds_next);
	idmap_free(&c->fds_ix);
}
