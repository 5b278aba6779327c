/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What bpf/watch.bpf.c and cmd/watch*.c share: event classes, the event
 * record sent through the ring buffer and the per-cgroup statistics the
 * kernel side keeps for the summary.  Fixed-width types only.
 */
#ifndef MEMCGCTL_WATCH_H
#define MEMCGCTL_WATCH_H

/* Event classes, selectable with -e; one bit each in watch_class_mask. */
enum watch_class {
	WATCH_C_RECLAIM = 0,	/* memcg reclaim (charge at the limit) */
	WATCH_C_DIRECT,		/* global direct reclaim */
	WATCH_C_OOM,		/* OOM kills */
	WATCH_C_THROTTLE,	/* vmscan throttling */
	WATCH_C_LIMIT,		/* per-interval limit/scan summary */
	WATCH_C_CGROUP,		/* mkdir/rmdir in the watched subtree */
	WATCH_C_POLICY,		/* actions of loaded policies (read in user space) */
	WATCH_C_NR,
};

/* What one ring-buffer record is. */
enum watch_type {
	WATCH_T_RECLAIM = 1,
	WATCH_T_DIRECT,
	WATCH_T_OOM,
	WATCH_T_THROTTLE,
	WATCH_T_MKDIR,
	WATCH_T_RMDIR,
};

/* flags */
#define WATCH_F_CG_OF_KILLER	0x1	/* oom: victim unknown, cgroup is the killer's */
#define WATCH_F_NO_RSS		0x2	/* oom: this kernel gives no rss fields */
#define WATCH_F_TARGET		0x4	/* rmdir: the watched cgroup itself */

#define WATCH_COMM_LEN	16
#define WATCH_PATH_LEN	192
#define WATCH_HIST_SLOTS 32	/* log2 buckets of microseconds */

struct watch_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC at the event (end, for reclaim) */
	__u64 cgid;		/* memory cgroup id (kernfs id = directory inode) */
	__u32 pid;		/* tgid of the subject task (the victim for oom) */
	__u32 tid;
	__u16 type;		/* enum watch_type */
	__u16 flags;		/* WATCH_F_* */
	__u32 pad;
	char comm[WATCH_COMM_LEN];
	union {
		struct {
			__u64 lat_ns;
			__u64 nr_reclaimed;	/* pages */
			__u64 gfp;
			__s32 order;
			__u32 pad;
		} reclaim;
		struct {
			__u64 total_vm;		/* pages */
			__u64 anon_rss;		/* pages */
			__u64 file_rss;
			__u64 shmem_rss;
			__u64 pgtables;		/* bytes */
			__u32 killer_pid;	/* tgid of the task that ran the OOM killer */
			__u32 uid;
			__s32 oom_score_adj;
			__u32 pad;
			char killer_comm[WATCH_COMM_LEN];
		} oom;
		struct {
			__s32 nid;
			__s32 timeout_us;
			__s32 delayed_us;
			__s32 reason;		/* bit mask of VMSCAN_THROTTLE_* */
		} throttle;
		struct {
			__s32 level;
			__u32 pad;
			char path[WATCH_PATH_LEN];	/* relative to the hierarchy root */
		} cg;
	};
};

/* Per-cgroup totals kept in the kernel (map watch_stats), for the summary. */
struct watch_cg_stats {
	__u64 events[WATCH_C_NR];	/* events that passed the filters (min-lat aside);
					 * [WATCH_C_POLICY] is filled in user space */
	__u64 stall_ns[2];		/* [0] memcg reclaim, [1] direct reclaim */
	__u64 stall_max_ns[2];
	__u64 reclaimed[2];		/* pages */
	__u64 throttle_us;		/* time spent throttled */
	__u64 lost;			/* events of this cgroup the ring buffer dropped */
	__u64 hist[2][WATCH_HIST_SLOTS];	/* reclaim latency, log2(us) */
};

/* Per-cgroup limit activity (map watch_limit), read every interval. */
struct watch_limit_val {
	__u64 reclaim_entries;	/* memcg reclaim entered: a charge met the limit */
	__u64 pgscan;	/* pages scanned in this cgroup (all reclaimers) */
	__u64 pgsteal;	/* pages reclaimed from this cgroup */
};

#endif
