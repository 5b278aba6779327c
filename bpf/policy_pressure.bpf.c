// SPDX-License-Identifier: GPL-2.0-only
/*
 * pressure: when a memory cgroup's usage crosses a threshold (or goes
 * above memory.high), signal the process that is charging memory in it
 * (SIGUSR1 by default), at most once per interval, so it sheds caches
 * before the limit is reached.
 *
 * Hooks, both on 6.1+: exceptions:page_fault_user (anonymous and mapped
 * memory; x86) and filemap:mm_filemap_add_to_page_cache (page cache).
 * Either fires in the context of the process about to charge.
 */
#include "policy_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* struct pressure_config (its parameters) is in policy.h */

const struct pressure_config policy_defaults = {
	.enabled = 1,
	.dry_run = 0,
	.signal = 10,	/* SIGUSR1 */
	.threshold_pct = 80,
	.threshold_bytes = 0,
	.on_high = 1,
	.interval_ns = 1000000000ULL,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pressure_config);
} policy_config SEC(".maps");

/* last action per memory cgroup id */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} policy_prs_last SEC(".maps");

static __always_inline int pressure_check(void)
{
	struct cgroup_subsys_state *css;
	struct pressure_config *cfg;
	struct policy_event ev = {};
	struct mem_cgroup *m;
	__u64 now, id, usage, max, high, limit, *last;
	__u32 zero = 0, reason = 0;

	cfg = bpf_map_lookup_elem(&policy_config, &zero);
	if (!cfg || !cfg->enabled)
		return 0;
	css = policy_task_scope(bpf_get_current_task_btf(), &id);
	if (!css)
		return 0;

	/*
	 * The hot path: a fault in a cgroup under its threshold.  Usage is
	 * compared first so that it costs two reads of the page counter, and
	 * the clock and the rate-limit map are only consulted above it.
	 */
	POLICY_COUNT(evaluations);
	m = policy_memcg(css);
	usage = policy_usage(m);
	max = policy_max(m);
	limit = cfg->threshold_bytes;
	if (!limit && max != POLICY_NOLIMIT)
		limit = max / 100 * cfg->threshold_pct;
	if (limit && usage >= limit) {
		reason = POLICY_REASON_THRESHOLD;
	} else if (cfg->on_high) {
		high = policy_high(m);
		if (high != POLICY_NOLIMIT && usage > high) {
			reason = POLICY_REASON_HIGH;
			limit = high;
		}
	}
	if (!reason)
		return 0;

	POLICY_COUNT(triggers);
	now = bpf_ktime_get_ns();
	last = bpf_map_lookup_elem(&policy_prs_last, &id);
	if (last && now - *last < cfg->interval_ns) {
		POLICY_COUNT(rate_limited);
		return 0;
	}
	ev.cgroup_id = id;
	ev.usage_bytes = usage;
	ev.limit_bytes = limit;
	ev.value = max;
	ev.reason = reason;
	policy_act(&ev, cfg->signal, cfg->dry_run);
	bpf_map_update_elem(&policy_prs_last, &id, &now, BPF_ANY);
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(policy_prs_fault)
{
	return pressure_check();
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(policy_prs_cache)
{
	return pressure_check();
}
