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
#include "memcg.bpf.h"
#include "reclaim.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 target_id;		/* kernfs id of the target memcg */
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

/* The current task's memory cgroup (v1 or v2), not its cgroup2 id. */
static __always_inline bool task_in_subtree(void)
{
	return memcg_css_under(memcg_task_css(bpf_get_current_task_btf()), target_id);
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

/* Only the context is used: both vmscan prototypes (see memcg.bpf.h) do. */
SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(reclaim_memcg_begin)
{
	if (who() >= 0)
		pass_begin(PASS_MEMCG);
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(reclaim_memcg_end)
{
	unsigned long nr_reclaimed = memcg_vmscan_end_reclaimed(ctx);
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
int BPF_PROG(reclaim_direct_begin)
{
	if (who() == RC_WORKLOAD)
		pass_begin(PASS_DIRECT);
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(reclaim_direct_end)
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

/*
 * Scans and steals charged to the memcgs of the subtree, whoever
 * reclaims.  The items are vm events up to 7.0 (count_memcg_events) and
 * node stats from 7.1 (mod_memcg_lruvec_state, reclaim_lruvec_state
 * below): user space loads reclaim_memcg_events only where this kernel's
 * vm events have them (reclaim_choose_hooks()).
 */
static __always_inline void count_reclaim(struct mem_cgroup *memcg, int ri, long val)
{
	if (!ri || val <= 0 || !memcg_css_under(&memcg->css, target_id))
		return;
	__sync_fetch_and_add(ri & MEMCG_RI_SCAN ? &reclaim_stats.memcg_scan
						: &reclaim_stats.memcg_steal, val);
}

SEC("tp_btf/count_memcg_events")
int BPF_PROG(reclaim_memcg_events, struct mem_cgroup *memcg, int item, unsigned long val)
{
	count_reclaim(memcg, memcg_reclaim_item(item, false), val);
	return 0;
}

/*
 * Workingset refaults in the subtree (reclaimed pages coming straight
 * back), and from 7.1 the scans and steals.  val is an int up to 7.0 and
 * a long from 7.1: its low 32 bits are the same value either way (the
 * deltas fit an int).
 */
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
	else {
		count_reclaim(memcg, memcg_reclaim_item(item, true), val);
		return 0;
	}
	if (val <= 0 || !memcg_css_under(&memcg->css, target_id))
		return 0;
	__sync_fetch_and_add(slot, val);
	return 0;
}
