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
#define TOP_MAX_LEVEL	32	/* deepest nesting we attribute up through */

/* Value of top_stats, keyed by the memory cgroup's kernfs id (__u64). */
struct top_cg_stats {
	__u64 stall_ns;		/* time tasks spent in memcg (limit) reclaim */
	__u64 reclaims;		/* memcg reclaim passes that ended */
	__u64 reclaimed;	/* pages those passes reclaimed */
	__u64 direct_stall_ns;	/* time tasks spent in global direct reclaim */
	__u64 direct_reclaimed;	/* pages global direct reclaim returned to them */
	__u64 oom_kills;	/* OOM victims that were in this subtree */
};

#endif
