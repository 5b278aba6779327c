/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What top's BPF program counts per memory cgroup, shared with user
 * space.  Counters are hierarchical, like memory.stat: an event in a
 * cgroup is added to it and to every ancestor, so a row means "this
 * subtree" whatever depth the user space walk stops at.
 */
#ifndef MEMCGCTL_TOP_H
#define MEMCGCTL_TOP_H

#define TOP_MAX_CGROUPS	65536	/* entries in top_stats (LRU: old ids age out) */

/* Value of top_stats, keyed by the memory cgroup's kernfs id (__u64). */
struct top_cg_stats {
	__u64 stall_ns;		/* time tasks spent in memcg (limit) reclaim */
	__u64 reclaims;		/* memcg reclaim passes that ended */
	__u64 reclaimed;	/* pages those passes reclaimed */
	__u64 direct_stall_ns;	/* time tasks spent in global direct reclaim */
	__u64 direct_reclaimed;	/* pages global direct reclaim returned to them */
	__u64 oom_kills;	/* OOM victims that were in this subtree */
};

/*
 * An OOM victim, sent through the ring buffer top_victims for the detail
 * pane's recent events (OOM kills are rare: nothing on a hot path).
 */
struct top_victim {
	__u64 memcg_id;		/* the victim's memory cgroup (kernfs id) */
	__u64 time_ns;		/* bpf_ktime_get_ns() */
	__u32 pid;
	__u32 pad;
	char comm[16];
};

/*
 * The iter/cgroup fast path: one record per memory cgroup of the view's
 * subtree, written by top_iter_memcg into the mmap()able array
 * top_iter_recs (a cgroup iterator cannot stream more than one seq_file
 * buffer, so records go to a map and the read() only drives the walk).
 * Page counters are in pages; user space multiplies by the page size.
 */
#define TOP_NAME_LEN	128	/* longer names: the refresh falls back to cgroupfs */

enum {
	TOP_REC_MEMCG_ROOT = 1 << 0,	/* the hierarchy root: usage is not a page counter */
	TOP_REC_NAME_TRUNC = 1 << 1,	/* name did not fit */
	TOP_REC_NO_MEMCG = 1 << 2,	/* v2: no memory controller here, no counters */
	TOP_REC_STAT = 1 << 3,		/* refault_* are set (flushed memcg vmstats) */
};

enum { TOP_IEV_LOW, TOP_IEV_HIGH, TOP_IEV_MAX, TOP_IEV_OOM, TOP_IEV_OOM_KILL,
       TOP_IEV_OOM_GROUP_KILL, TOP_IEV_NR };

struct top_memcg_rec {
	__u64 id;		/* kernfs id of the cgroup */
	__u64 parent_id;	/* 0 for the hierarchy root */
	__u32 level;		/* depth in its hierarchy, 0 = root */
	__u32 flags;		/* TOP_REC_* */
	__u64 usage;		/* memory page counter */
	__u64 watermark;	/* its peak */
	__u64 min, low, high, max;
	__u64 swap_usage;	/* swap (v2) or memory+swap (v1 memsw) counter */
	__u64 swap_max;
	__u64 failcnt;		/* memory counter's failcnt (v1 memory.failcnt) */
	__u64 events[TOP_IEV_NR];	/* memory_events[]: memory.events / oom_control */
	/* memory.stat's (v1: total_) workingset_refault_anon/file, with TOP_REC_STAT */
	__u64 refault_anon, refault_file;
	char name[TOP_NAME_LEN];
};

#endif
