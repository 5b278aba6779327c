/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What policy objects and memcgctl share: the event every action emits,
 * the counters every policy keeps, and the metadata memcgctl pins beside
 * a loaded policy.  Fixed-width types only: this is read by BPF programs,
 * by `memcgctl policy` and by `memcgctl watch -e policy`.
 */
#ifndef MEMCGCTL_BPF_POLICY_H
#define MEMCGCTL_BPF_POLICY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "nolimit.h"

/* Why a policy acted (policy_event.reason).  User policies use >= 100. */
enum policy_reason {
	POLICY_REASON_NONE = 0,
	POLICY_REASON_RECLAIM_FAILING = 1,	/* preoom: reclaim keeps failing near the limit */
	POLICY_REASON_RECLAIM_STALL = 2,	/* preoom: too much time stalled in reclaim */
	POLICY_REASON_THRESHOLD = 3,		/* pressure: usage crossed its threshold */
	POLICY_REASON_HIGH = 4,			/* pressure: usage above memory.high */
	POLICY_REASON_NEAR_LIMIT = 5,		/* preoom: unreclaimable memory within headroom of max */
	POLICY_REASON_USER = 100,		/* first reason free for user policies */
};

/* What it did (policy_event.action). */
enum policy_action {
	POLICY_ACT_SIGNAL = 1,		/* sent `signal` to `tgid` */
	POLICY_ACT_DRY_RUN = 2,		/* would have sent it (dry_run=1) */
	POLICY_ACT_FAILED = 3,		/* the kernel refused the signal (errno in value2) */
};

/*
 * One record in the policy's ring buffer (map "policy_events") per action.
 * ts_ns is CLOCK_MONOTONIC (bpf_ktime_get_ns).
 */
/*
 * limit_bytes of a cgroup without a limit: BPF_NOLIMIT.  It means "no
 * limit", never "unknown": user space converts it with cg_limit_from_bpf().
 */
#define POLICY_NOLIMIT BPF_NOLIMIT

struct policy_event {
	__u64 ts_ns;
	__u64 cgroup_id;	/* the memory cgroup the decision was about */
	__u64 usage_bytes;	/* its usage at the time */
	__u64 limit_bytes;	/* the limit compared against (max, high or threshold);
				 * POLICY_NOLIMIT: there is none */
	__u64 value;		/* reason-specific: failing reclaims, stall ns, ... */
	__u64 value2;		/* reason-specific; errno for POLICY_ACT_FAILED */
	__u32 pid;		/* thread that was charging */
	__u32 tgid;		/* process signalled */
	__u32 signal;
	__u32 reason;		/* enum policy_reason */
	__u32 action;		/* enum policy_action */
	__u32 __pad;
	char comm[16];
	/* what preoom saw (0 from other policies; appended: older records are shorter) */
	__u64 unreclaimable_bytes;	/* estimate of what reclaim cannot free */
	__u64 headroom_bytes;		/* the headroom below the limit it compared against */
	__u64 rate_bps;			/* recent growth of usage, bytes/s (0: unknown) */
	__u64 rate_headroom_bytes;	/* rate_bps over rate_grace_ns, capped (0: none) */
};

/*
 * The counters map ("policy_counters", an array of one of these).  A user
 * policy may declare its own struct: every __u64 member is shown by name;
 * "actions" is the one `policy list` prints.
 */
struct policy_counters {
	__u64 evaluations;	/* hook runs that concerned the policy's cgroup */
	__u64 triggers;		/* times the condition held */
	__u64 actions;		/* signals sent (or dry-run actions) */
	__u64 rate_limited;	/* triggers suppressed by interval/once */
	__u64 errors;		/* signals the kernel refused */
	__u64 events_lost;	/* events dropped because the ring buffer was full */
	__u64 near_misses;	/* conditions checked in depth and not acted on (preoom) */
};

/*
 * The built-ins' parameters: the value of their "policy_config" map,
 * defaults in their "policy_defaults" constant.  Names are what
 * `policy set` takes; suffixes give units (see memcgctl-policy(8)).
 */
/*
 * Which process preoom signals.  A parameter whose member is an enum is
 * shown and set by the enumerators' names, lower case, without their
 * common prefix (PREOOM_TARGET_LARGEST: "largest").
 */
enum preoom_target {
	PREOOM_TARGET_CHARGER = 0,	/* the process whose charge failed (every kernel) */
	PREOOM_TARGET_LARGEST = 1,	/* the largest (RSS) process of the cgroup (6.13+) */
};

struct preoom_config {	/* preoom */
	__u32 enabled;			/* 0 pauses the policy */
	__u32 dry_run;			/* 1: count and emit events, send nothing */
	__u32 signal;			/* sent to the charging process */
	__u32 once;			/* 1: signal each process at most once */
	__u32 usage_pct;		/* reclaim counts only at >= this % of memory.max */
	__u32 unreclaimable_pct;	/* usage minus file cache >= this % of max fails */
	__u32 min_reclaim_pages;	/* a reclaim freeing fewer pages fails */
	__u32 failures;			/* consecutive failing reclaims that fire (0: off) */
	enum preoom_target target;	/* whom to signal (4 bytes, like __u32) */
	__u32 headroom_pct;		/* charge path: headroom, % of memory.max (0: off) */
	__u64 stall_ns;			/* time in failing reclaims that fires (0: off) */
	__u64 window_ns;		/* failures and stall older than this are forgotten */
	__u64 interval_ns;		/* at most one signal per cgroup per interval */
	__u64 headroom_bytes;		/* charge path: headroom in bytes (0: headroom_pct) */
	__u64 grace_ns;			/* once=0: at most one signal per process per grace */
	__u64 rate_grace_ns;		/* charge path: headroom >= growth rate x this (0: off) */
};

struct pressure_config {	/* pressure */
	__u32 enabled;		/* 0 pauses the policy */
	__u32 dry_run;		/* 1: count and emit events, send nothing */
	__u32 signal;		/* sent to the charging process */
	__u32 threshold_pct;	/* of memory.max; used when threshold_bytes is 0 */
	__u64 threshold_bytes;	/* absolute threshold (0: use threshold_pct) */
	__u32 on_high;		/* 1: also fire when usage is above memory.high */
	__u32 __pad;
	__u64 interval_ns;	/* at most one signal per cgroup per interval */
};

/*
 * Metadata memcgctl pins at /sys/fs/bpf/memcgctl/NAME/meta (an array map
 * of one entry, created by user space, never read by BPF).
 */
#define POLICY_META_MAGIC	0x4d43504fu	/* "OPCM" */
#define POLICY_META_VERSION	1
#define POLICY_NAME_LEN		32

struct policy_meta {
	__u32 magic;
	__u32 version;
	__u64 loaded_at;	/* CLOCK_REALTIME seconds */
	__u64 cgroup_id;	/* 0: every cgroup */
	__u32 builtin;		/* 1: a built-in policy */
	__u32 __pad;
	char name[POLICY_NAME_LEN];
	char policy[64];	/* built-in name, or the object's file name */
	char source[256];	/* object path ("" for built-ins) */
	char cgroup[256];	/* cgroup relative to the memory hierarchy ("" if none) */
	char cgroup_path[512];	/* its absolute directory, to detect orphans */
};

#endif
