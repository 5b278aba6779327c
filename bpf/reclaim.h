/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared between bpf/reclaim.bpf.c and cmd/reclaim*.c: the counters the
 * BPF program keeps while memcgctl reclaims.  Everything is cumulative
 * since load; user space takes snapshots and reports differences.
 */
#ifndef MEMCGCTL_RECLAIM_H
#define MEMCGCTL_RECLAIM_H

/* the BPF side gets __u64 from vmlinux.h */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Who did the reclaim work:
 *  RC_OURS      the memcgctl thread writing memory.reclaim or lowering the
 *               v1 limit (the kernel reclaims in the writer's context)
 *  RC_WORKLOAD  tasks of the target subtree reclaiming for themselves
 *               (charges hitting the limit: the stalls we cause)
 */
enum { RC_OURS = 0, RC_WORKLOAD = 1, RC_NR_WHO = 2 };
enum { RC_ANON = 0, RC_FILE = 1 };

struct reclaim_who {
	__u64 scanned[2];	/* pages scanned on the inactive lists, [anon, file] */
	__u64 reclaimed[2];	/* pages reclaimed from them */
	__u64 passes;		/* memcg reclaim passes (begin..end pairs) */
	__u64 pass_reclaimed;	/* pages the passes reported at their end */
	__u64 time_ns;		/* time spent inside those passes */
	__u64 direct;		/* global direct reclaim passes (workload only) */
	__u64 direct_ns;
	__u64 throttled;	/* reclaim throttling events and their delay */
	__u64 throttled_us;
};

struct reclaim_counters {
	struct reclaim_who who[RC_NR_WHO];
	/* pgscan/pgsteal of the memcgs of the subtree, any reclaimer (memory.stat's) */
	__u64 memcg_scan;
	__u64 memcg_steal;
	/* memcg:mod_memcg_lruvec_state workingset items in the subtree */
	__u64 refault[2];	/* [anon, file] */
	__u64 activate[2];	/* refaults of pages that were in the working set */
};

#endif
