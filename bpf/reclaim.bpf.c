// SPDX-License-Identifier: GPL-2.0-only
/*
 * reclaim: measure what memory reclaim really does while `memcgctl
 * reclaim` works on a cgroup subtree.
 *
 * The vmscan tracepoints carry no cgroup, so work is attributed by who
 * does it: the memcgctl thread that writes memory.reclaim (or lowers the
 * v1 limit) reclaims from the target in its own context (RC_OURS); tasks
 * whose memory cgroup is inside the target subtree and reclaim for
 * themselves are the stalls we cause (RC_WORKLOAD).  The memcg tracepoints
 * name the memcg, and are filtered to the subtree directly.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "reclaim.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 target_id;		/* kernfs id of the target memcg */
const volatile __u32 target_level;	/* its depth in the memory hierarchy */
const volatile __u32 reclaimer_tgid;	/* memcgctl's own process */

struct reclaim_counters reclaim_stats;

/* begin timestamps of reclaim passes in flight, per thread and kind */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} reclaim_start SEC(".maps");

enum { PASS_MEMCG = 0, PASS_DIRECT = 1 };

static __always_inline bool cgroup_in_subtree(struct cgroup *cg)
{
	struct cgroup *anc = NULL;
	int level;

	if (!cg)
		return false;
	level = BPF_CORE_READ(cg, level);
	if (level < (int)target_level)
		return false;
	if (bpf_core_read(&anc, sizeof(anc), &cg->ancestors[target_level]) || !anc)
		return false;
	return BPF_CORE_READ(anc, kn, id) == target_id;
}

/* The current task's memory cgroup (v1 or v2), not its cgroup2 id. */
static __always_inline bool task_in_subtree(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup *cg;

	cg = BPF_CORE_READ(t, cgroups, subsys[id], cgroup);
	return cgroup_in_subtree(cg);
}

/* RC_OURS, RC_WORKLOAD, or -1 for reclaim we do not care about */
static __always_inline int who(void)
{
	if ((bpf_get_current_pid_tgid() >> 32) == reclaimer_tgid)
		return RC_OURS;
	return task_in_subtree() ? RC_WORKLOAD : -1;
}

static __always_inline struct reclaim_who *who_stats(int w)
{
	return w == RC_OURS ? &reclaim_stats.who[RC_OURS] : &reclaim_stats.who[RC_WORKLOAD];
}

static __always_inline void pass_begin(int kind)
{
	__u64 key = (bpf_get_current_pid_tgid() << 1 | kind), now = bpf_ktime_get_ns();

	bpf_map_update_elem(&reclaim_start, &key, &now, BPF_ANY);
}

/* Elapsed ns since the matching begin, 0 if we never saw it. */
static __always_inline __u64 pass_end(int kind)
{
	__u64 key = (bpf_get_current_pid_tgid() << 1 | kind), *start, d = 0;

	start = bpf_map_lookup_elem(&reclaim_start, &key);
	if (start) {
		d = bpf_ktime_get_ns() - *start;
		bpf_map_delete_elem(&reclaim_start, &key);
	}
	return d;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(reclaim_memcg_begin, int order, gfp_t gfp_flags)
{
	if (who() >= 0)
		pass_begin(PASS_MEMCG);
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(reclaim_memcg_end, unsigned long nr_reclaimed)
{
	int w = who();
	struct reclaim_who *s;

	if (w < 0)
		return 0;
	s = who_stats(w);
	__sync_fetch_and_add(&s->passes, 1);
	__sync_fetch_and_add(&s->pass_reclaimed, nr_reclaimed);
	__sync_fetch_and_add(&s->time_ns, pass_end(PASS_MEMCG));
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(reclaim_direct_begin, int order, gfp_t gfp_flags)
{
	if (who() == RC_WORKLOAD)
		pass_begin(PASS_DIRECT);
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(reclaim_direct_end, unsigned long nr_reclaimed)
{
	struct reclaim_who *s = &reclaim_stats.who[RC_WORKLOAD];

	if (who() != RC_WORKLOAD)
		return 0;
	__sync_fetch_and_add(&s->direct, 1);
	__sync_fetch_and_add(&s->direct_ns, pass_end(PASS_DIRECT));
	return 0;
}

/* Classic LRU and MGLRU both report here; `file` is an lru index or a bool. */
SEC("tp_btf/mm_vmscan_lru_shrink_inactive")
int BPF_PROG(reclaim_shrink_inactive, int nid, unsigned long nr_scanned,
	     unsigned long nr_reclaimed, struct reclaim_stat *stat, int priority, int file)
{
	int w = who(), f = file ? RC_FILE : RC_ANON;
	struct reclaim_who *s;

	if (w < 0)
		return 0;
	s = who_stats(w);
	__sync_fetch_and_add(&s->scanned[f], nr_scanned);
	__sync_fetch_and_add(&s->reclaimed[f], nr_reclaimed);
	return 0;
}

SEC("tp_btf/mm_vmscan_throttled")
int BPF_PROG(reclaim_throttled, int nid, int usec_timeout, int usec_delayed, int reason)
{
	int w = who();
	struct reclaim_who *s;

	if (w < 0)
		return 0;
	s = who_stats(w);
	__sync_fetch_and_add(&s->throttled, 1);
	__sync_fetch_and_add(&s->throttled_us, usec_delayed > 0 ? usec_delayed : 0);
	return 0;
}

/* Scans and steals charged to the memcgs of the subtree, whoever reclaims. */
SEC("tp_btf/count_memcg_events")
int BPF_PROG(reclaim_memcg_events, struct mem_cgroup *memcg, int item, unsigned long val)
{
	int scan_lo = bpf_core_enum_value(enum vm_event_item, PGSCAN_KSWAPD);
	int steal_lo = bpf_core_enum_value(enum vm_event_item, PGSTEAL_KSWAPD);
	int scan_hi = bpf_core_enum_value(enum vm_event_item, PGSCAN_DIRECT);
	int steal_hi = bpf_core_enum_value(enum vm_event_item, PGSTEAL_DIRECT);
	bool scan, steal;

	/* khugepaged and proactive variants exist on newer kernels only */
	if (bpf_core_enum_value_exists(enum vm_event_item, PGSCAN_KHUGEPAGED)) {
		scan_hi = bpf_core_enum_value(enum vm_event_item, PGSCAN_KHUGEPAGED);
		steal_hi = bpf_core_enum_value(enum vm_event_item, PGSTEAL_KHUGEPAGED);
	}
	if (bpf_core_enum_value_exists(enum vm_event_item, PGSCAN_PROACTIVE)) {
		scan_hi = bpf_core_enum_value(enum vm_event_item, PGSCAN_PROACTIVE);
		steal_hi = bpf_core_enum_value(enum vm_event_item, PGSTEAL_PROACTIVE);
	}
	scan = item >= scan_lo && item <= scan_hi;
	steal = item >= steal_lo && item <= steal_hi;
	if (!(scan || steal) || !cgroup_in_subtree(BPF_CORE_READ(memcg, css.cgroup)))
		return 0;
	__sync_fetch_and_add(scan ? &reclaim_stats.memcg_scan : &reclaim_stats.memcg_steal, val);
	return 0;
}

/* Workingset refaults in the subtree: reclaimed pages coming straight back. */
SEC("tp_btf/mod_memcg_lruvec_state")
int BPF_PROG(reclaim_lruvec_state, struct mem_cgroup *memcg, int item, int val)
{
	int ra = bpf_core_enum_value(enum node_stat_item, WORKINGSET_REFAULT_ANON);
	int rf = bpf_core_enum_value(enum node_stat_item, WORKINGSET_REFAULT_FILE);
	int aa = bpf_core_enum_value(enum node_stat_item, WORKINGSET_ACTIVATE_ANON);
	int af = bpf_core_enum_value(enum node_stat_item, WORKINGSET_ACTIVATE_FILE);
	__u64 *slot;

	if (item == ra)
		slot = &reclaim_stats.refault[RC_ANON];
	else if (item == rf)
		slot = &reclaim_stats.refault[RC_FILE];
	else if (item == aa)
		slot = &reclaim_stats.activate[RC_ANON];
	else if (item == af)
		slot = &reclaim_stats.activate[RC_FILE];
	else
		return 0;
	if (val <= 0 || !cgroup_in_subtree(BPF_CORE_READ(memcg, css.cgroup)))
		return 0;
	__sync_fetch_and_add(slot, val);
	return 0;
}
