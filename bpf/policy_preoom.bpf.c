// SPDX-License-Identifier: GPL-2.0-only
/*
 * preoom: graceful pre-OOM.  When a memory cgroup's reclaim keeps failing
 * at its limit, signal the charging process (SIGTERM by default) so it
 * can shut down cleanly before the kernel's OOM killer sends SIGKILL.
 *
 * Hooks: vmscan:mm_vmscan_memcg_reclaim_begin/end (present since long
 * before 6.1).  They carry no cgroup: the charging task is current, and
 * the memcg whose limit was hit is its memory cgroup or an ancestor.
 *
 * A reclaim "fails" when it frees fewer than min_reclaim_pages, or when
 * what it cannot free (usage minus the file LRU pages) is already
 * unreclaimable_pct of the limit: without swap an anonymous workload goes
 * from "reclaim finds page cache" to OOM in one charge, so waiting for
 * reclaim to free nothing at all would be too late to be graceful.
 */
#include "policy_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* struct preoom_config (its parameters) is in policy.h */

const struct preoom_config policy_defaults = {
	.enabled = 1,
	.dry_run = 0,
	.signal = 15,	/* SIGTERM */
	.once = 1,
	.usage_pct = 95,
	.unreclaimable_pct = 90,
	.min_reclaim_pages = 32,	/* SWAP_CLUSTER_MAX: what one reclaim aims for */
	.failures = 4,
	.stall_ns = 0,
	.window_ns = 10000000000ULL,
	.interval_ns = 5000000000ULL,
};

/* Set by memcgctl: how many NUMA nodes the memcg's per-node data has. */
const volatile __u32 policy_nr_nodes = 1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct preoom_config);
} policy_config SEC(".maps");

/* reclaim start per thread */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} policy_oom_start SEC(".maps");

struct preoom_state {
	__u64 window_start;
	__u64 stall_ns;
	__u64 last_action;
	__u32 fails;
	__u32 __pad;
};

/* per memory cgroup id */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct preoom_state);
} policy_oom_state SEC(".maps");

/* processes already signalled (once=1) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} policy_oom_sent SEC(".maps");

#define NR_LRU 5	/* inactive/active anon, inactive/active file, unevictable */
#define MAX_ZONES 8
#define MAX_NODES 8

/*
 * File LRU pages and all LRU pages of a memcg, from its per-node
 * lru_zone_size[zones][NR_LRU] (a flat array in BTF).  Both 0 when the
 * kernel does not keep them (MGLRU): then only real failures count.
 */
static __always_inline void memcg_lru_pages(struct mem_cgroup *m, __u64 *file, __u64 *all)
{
	struct mem_cgroup_per_node *pn;
	__u32 zones, nodes = policy_nr_nodes;
	unsigned long v;

	*file = *all = 0;
	pn = BPF_CORE_READ(m, nodeinfo[0]);
	if (!pn)
		return;
	zones = bpf_core_field_size(pn->lru_zone_size) / sizeof(unsigned long) / NR_LRU;
	for (__u32 n = 0; n < MAX_NODES && n < nodes; n++) {
		pn = BPF_CORE_READ(m, nodeinfo[n]);
		if (!pn)
			break;
		for (__u32 z = 0; z < MAX_ZONES && z < zones; z++) {
			for (__u32 l = 0; l < NR_LRU; l++) {
				v = 0;
				bpf_core_read(&v, sizeof(v), &pn->lru_zone_size[z * NR_LRU + l]);
				*all += v;
				if (l == 2 || l == 3)
					*file += v;
			}
		}
	}
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(policy_oom_begin)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	if (!policy_scope(policy_task_memcg(bpf_get_current_task_btf())))
		return 0;
	bpf_map_update_elem(&policy_oom_start, &tid, &now, BPF_ANY);
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(policy_oom_end, unsigned long nr_reclaimed)
{
	struct cgroup_subsys_state *css, *leaf;
	struct preoom_config *cfg;
	struct preoom_state *st, fresh = {};
	struct policy_event ev = {};
	struct mem_cgroup *m = NULL;
	__u64 now = bpf_ktime_get_ns(), stall = 0, usage = 0, max = 0, id, *start, *sent;
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), tgid, zero = 0;
	bool fail, fired_stall;

	leaf = policy_task_memcg(bpf_get_current_task_btf());
	if (!policy_scope(leaf))
		return 0;
	start = bpf_map_lookup_elem(&policy_oom_start, &tid);
	if (start) {
		stall = now - *start;
		bpf_map_delete_elem(&policy_oom_start, &tid);
	}
	cfg = bpf_map_lookup_elem(&policy_config, &zero);
	if (!cfg || !cfg->enabled)
		return 0;
	POLICY_COUNT(evaluations);

	/* the memcg whose limit was hit: the nearest one near its max */
	css = leaf;
	for (int i = 0; i < POLICY_MAX_DEPTH && css; i++) {
		struct mem_cgroup *c = policy_memcg(css);

		max = policy_max(c);
		usage = policy_usage(c);
		if (max != ~0ULL && usage * 100 >= max * cfg->usage_pct) {
			m = c;
			break;
		}
		if (policy_cgroup_id && policy_css_id(css) == policy_cgroup_id)
			break;
		css = BPF_CORE_READ(css, parent);
	}
	if (!m)
		return 0;	/* memory.high or proactive reclaim, not the limit */
	id = policy_css_id(css);

	fail = nr_reclaimed < cfg->min_reclaim_pages;
	if (!fail && cfg->unreclaimable_pct < 100) {
		__u64 file, all;

		memcg_lru_pages(m, &file, &all);
		file <<= POLICY_PAGE_SHIFT;
		if (all && usage > file && (usage - file) * 100 >= max * cfg->unreclaimable_pct)
			fail = true;
	}

	st = bpf_map_lookup_elem(&policy_oom_state, &id);
	if (!st) {
		fresh.window_start = now;
		bpf_map_update_elem(&policy_oom_state, &id, &fresh, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&policy_oom_state, &id);
		if (!st)
			return 0;
	}
	if (now - st->window_start > cfg->window_ns) {
		st->window_start = now;
		st->fails = 0;
		st->stall_ns = 0;
	}
	if (!fail) {
		st->fails = 0;
		return 0;
	}
	st->fails++;
	st->stall_ns += stall;
	fired_stall = cfg->stall_ns && st->stall_ns >= cfg->stall_ns;
	if (!(cfg->failures && st->fails >= cfg->failures) && !fired_stall)
		return 0;

	POLICY_COUNT(triggers);
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (st->last_action && now - st->last_action < cfg->interval_ns) {
		POLICY_COUNT(rate_limited);
		return 0;
	}
	sent = bpf_map_lookup_elem(&policy_oom_sent, &tgid);
	if (cfg->once && sent) {
		POLICY_COUNT(rate_limited);
		return 0;
	}

	ev.cgroup_id = id;
	ev.usage_bytes = usage;
	ev.limit_bytes = max;
	ev.value = st->fails;
	ev.value2 = st->stall_ns;
	ev.reason = fired_stall ? POLICY_REASON_RECLAIM_STALL : POLICY_REASON_RECLAIM_FAILING;
	policy_act(&ev, cfg->signal, cfg->dry_run);
	st->last_action = now;
	st->fails = 0;
	st->stall_ns = 0;
	bpf_map_update_elem(&policy_oom_sent, &tgid, &now, BPF_ANY);
	return 0;
}
