/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What notify's BPF program and user space share: the conditions the
 * kernel side evaluates, the edges it reports through the ring buffer,
 * and the snapshot the arming iterator hands back.  Fixed-width types only.
 */
#ifndef MEMCGCTL_NOTIFY_H
#define MEMCGCTL_NOTIFY_H

#include "nolimit.h"

#define NOTIFY_MAX_CONDS 8
#define NOTIFY_COMM_LEN 16

/* Condition kinds.  PSI is evaluated by the kernel's PSI triggers, not BPF. */
enum notify_cond_kind {
	NOTIFY_K_NONE = 0,
	NOTIFY_K_USAGE,		/* usage OP SIZE|PCT */
	NOTIFY_K_OOM_KILL,	/* tasks of the subtree chosen as OOM victims, +N */
	NOTIFY_K_MAX,		/* memory.events max of the cgroup, +N */
	NOTIFY_K_HIGH,		/* memory.events high of the cgroup, +N */
	NOTIFY_K_PSI,		/* psi.some / psi.full over a window */
	NOTIFY_K_REMOVED,	/* the cgroup is removed */
};

enum notify_cond_flags {
	NOTIFY_F_RISING = 1,	/* >= or >: fires going up; else going down */
	NOTIFY_F_STRICT = 2,	/* > or < rather than >= or <= */
	NOTIFY_F_PCT = 4,	/* thresh is hundredths of a percent of the binding limit */
	NOTIFY_F_BAND_PCT = 8,	/* band is hundredths of a percent of the threshold */
	NOTIFY_F_FULL = 16,	/* psi.full rather than psi.some */
};

/* One condition as the BPF program sees it (read-only after load). */
struct notify_bcond {
	__u32 kind;
	__u32 flags;
	__u64 thresh;		/* bytes, or centi-percent with NOTIFY_F_PCT */
	__u64 band;		/* re-arm hysteresis: bytes, or centi-percent of thresh */
	__u64 n;		/* events: fire when the counter rises by n */
};

/* Per-condition state, kept in BPF global data. */
enum notify_cstate {
	NOTIFY_S_IDLE = 0,	/* not armed yet (before the arming iterator ran) */
	NOTIFY_S_ARMED = 1,	/* waiting for the condition to become true */
	NOTIFY_S_FIRED = 2,	/* true; waiting to go back past the re-arm level */
};

enum notify_edge_kind {
	NOTIFY_E_FIRE = 1,	/* the condition became true */
	NOTIFY_E_REARM = 2,	/* it went back past its re-arm level */
	NOTIFY_E_REMOVED = 3,	/* the watched cgroup was removed */
};

/* hook that saw the edge, for -d and the JSON "hook" field */
enum notify_hook_id {
	NOTIFY_H_ITER = 0,
	NOTIFY_H_MEMCG_EVENTS,
	NOTIFY_H_RSS_STAT,
	NOTIFY_H_PAGE_CACHE,
	NOTIFY_H_RECLAIM_BEGIN,
	NOTIFY_H_RECLAIM_END,
	NOTIFY_H_MARK_VICTIM,
	NOTIFY_H_RMDIR,
	NOTIFY_H_PROC_FREE,
	NOTIFY_H_MEMCG_LRUVEC,
	NOTIFY_H_MEMCG_STATE,
	NOTIFY_H_NR,
};

/* One edge, sent through the ring buffer. */
struct notify_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at the edge (CLOCK_MONOTONIC) */
	__u64 usage;		/* bytes charged to the watched cgroup then */
	__u64 max, high;	/* its limits in bytes (~0 = none) */
	__u64 thresh;		/* the threshold in bytes at that moment */
	__u64 value;		/* counter value (events) or usage (usage) */
	__u64 delta;		/* counter increase since the last firing */
	__u64 cgid;		/* memory cgroup the hook saw (victim's for oom_kill) */
	__u32 cond;		/* index into the condition list */
	__u32 edge;		/* enum notify_edge */
	__u32 pid;		/* current task, or the OOM victim */
	__u32 hook;		/* enum notify_hook */
	char comm[NOTIFY_COMM_LEN];
};

/* What the arming iterator reports (bpf_seq_write) once it armed. */
struct notify_snapshot {
	__u64 ts_ns;
	__u64 usage, max, high;	/* bytes; ~0 = no limit */
	__u64 events_max, events_high;
	__u32 holds[NOTIFY_MAX_CONDS];	/* 1: the condition held at arming */
	__u32 hierarchy_id;
	__u32 ok;
};

/* max, high, a threshold: none (BPF_NOLIMIT, never "unknown") */
#define NOTIFY_NOLIMIT BPF_NOLIMIT

#endif
