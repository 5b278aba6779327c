/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * top's collector from the inside, shared by its files only (the public
 * side is top_snap.h).  Which file holds what:
 *
 *   top_collect.c    the collector's lifecycle and one refresh (top_collect):
 *                    which walker, then BPF counters, rates, history
 *   top_snap.c       snapshots and rates: pure functions, no I/O
 *   top_bpf.c        loading top's BPF programs (with fallbacks), attaching
 *                    the iterator, the batched top_stats read, feature's probe
 *   top_walk_fs.c    the cgroupfs walker (any kernel, no BPF)
 *   top_walk_iter.c  the cgroup iterator walker and its cache of open
 *                    memory.stat / memory.pressure files
 *   top_psi.c        which cgroups' memory.pressure need not be read
 *   top_history.c    recent events per cgroup for the TUI's detail pane
 *
 * Every lookup by cgroup id goes through idmap.h.
 *
 * Collection never prints (p_debug under -d aside): errors go back to
 * the caller as -errno.
 */
#ifndef MEMCGCTL_TOP_INT_H
#define MEMCGCTL_TOP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "idmap.h"
#include "top_snap.h"

struct bpf_link;
struct ring_buffer;
struct top_flush;
struct top_psi;

/*
 * The files read for every cgroup at every refresh (memory.stat for the
 * refault column, memory.pressure for PSI) stay open and are pread() at
 * offset 0, which makes kernfs regenerate them: no path lookup, open or
 * close per refresh.  Keyed by cgroup id (kernfs ids are not reused).
 */
struct fd_ent {
	uint64_t id;
	int stat_fd, psi_fd;
	uint64_t psi_ino;	/* the cgroup2 twin's id, learnt when psi_fd was opened */
};

struct ev_hist {
	uint64_t id;
	struct top_event ev[TOP_EV_KEEP];	/* a ring, pos the next slot */
	unsigned n, pos;
	uint64_t victims;	/* victims not yet matched with an oom_kill count */
	unsigned victims_gen;	/* the refresh they came in */
};

struct top_collector {
	const struct cg_env *env;
	struct cg_ref root;
	int depth;
	struct top_bpf *skel;
	const char *bpf_note;
	/* the cgroup iterator fast path */
	bool want_iter;
	struct bpf_link *iter_link;
	const struct top_memcg_rec *recs;	/* mmap of top_iter_recs */
	size_t iter_cap, recs_len;
	uint64_t root_ino;
	bool iter_swap;		/* the kernel has swap files to agree with */
	/* the rstat flush before each pass: refaults from the iterator (top_flush.h) */
	struct top_flush *flush;
	const char *flush_kfunc;
	char flush_why[256];
	bool flush_tried;
	/* PSI of quiet cgroups from the kernel, their files unread (top_psi.h) */
	struct top_psi *psi;
	bool psi_loaded;	/* top's object has the PSI pass */
	bool psi_tried;
	size_t psi_kernel, psi_files, psi_checked, psi_differ;	/* this refresh */
	bool one_shot;		/* top_collect_opts.one_shot */
	bool stat_fresh;	/* this pass was flushed: TOP_REC_STAT values are current */
	long page_size;
	const struct top_memcg_rec **order;	/* records sorted by (parent, name) */
	struct top_snap snap[2];
	int cur;		/* index of the latest snapshot */
	bool have_prev;
	/* BPF counters read this round; bix: id -> index */
	uint64_t *keys;
	struct top_cg_stats *vals;
	struct idmap bix;
	size_t bnr;
	/* memory.stat and memory.pressure kept open across refreshes */
	struct fd_ent *fds, *fds_next;	/* kept / filled this refresh */
	struct idmap fds_ix;		/* id -> index into fds */
	size_t nfds, nfds_next, fds_cap;
	size_t open_fds, fd_budget;
	/* recent events per cgroup; evh_ix: id -> index into evh */
	struct ring_buffer *victims;
	struct ev_hist *evh;
	size_t evh_nr, evh_cap;
	struct idmap evh_ix;
	struct idmap rows_ix;		/* the snapshot's id -> row, for the victims */
	struct top_victim *vq;		/* victims read this refresh */
	size_t vq_nr, vq_cap;
	unsigned gen;			/* refreshes so far */
	struct idmap stat_ids;		/* memory.stat only for these, if limited */
	bool stat_limited;
};

/* top_snap.c */
/* Empty s but keep its rows array. */
void top_snap_clear(struct top_snap *s);

/* top_collect.c */
/* memory.stat is to be read for this cgroup (top_collector_stat_only). */
bool top_stat_wanted(const struct top_collector *c, uint64_t id);
/* TOP_SRC_* to the CG_RD_* groups of files that hold them. */
unsigned top_src_to_rd(const struct cg_env *env, unsigned src);

/* top_bpf.c: top_bpf_setup sets c->bpf_note instead of failing. */
void top_bpf_setup(struct top_collector *c);
void top_bpf_free(struct top_collector *c);
/* Read the whole top_stats map into c->keys/vals; 0 or -errno. */
int top_bpf_read_all(struct top_collector *c);
/* The counters of id read by top_bpf_read_all, NULL if it has none. */
const struct top_cg_stats *top_bpf_find(const struct top_collector *c, uint64_t id);

/* top_walk_fs.c: s's rows from cgroupfs; 0, -ENOENT (root gone) or -ENOMEM. */
int top_fs_collect(struct top_collector *c, struct top_snap *s, unsigned src);

/*
 * top_walk_iter.c: s's rows from the cgroup iterator; -EAGAIN and others:
 * read cgroupfs this time; -ENOENT: the root is gone.
 */
int top_iter_collect(struct top_collector *c, struct top_snap *s, unsigned src);
size_t top_fd_cache_budget(void);
void top_fd_cache_free(struct top_collector *c);

/* top_history.c */
/* The victims ring buffer's callback (ctx: the collector). */
int top_hist_victim_cb(void *ctx, void *data, size_t len);
/* After a refresh: what happened in it, into each cgroup's history. */
void top_hist_update(struct top_collector *c, const struct top_snap *s);

#endif
