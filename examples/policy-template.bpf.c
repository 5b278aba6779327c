// SPDX-License-Identifier: GPL-2.0-only
/*
 * A template for your own memcgctl policy.  Copy it, change the condition
 * and the parameters, build it like the built-ins:
 *
 *   clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ibuild -Ibpf \
 *         -c my-policy.bpf.c -o my-policy.bpf.o      (vmlinux.h from build/)
 *   chown root:root my-policy.bpf.o; chmod 644 my-policy.bpf.o
 *   memcgctl policy load ./my-policy.bpf.o name mine cgroup app.slice dry_run=0
 *
 * (`make` builds this file into build/examples/policy-template.bpf.o.)
 *
 * The contract, in full in memcgctl-policy(8):
 *   - policy_config: an ARRAY map of one entry whose value is a struct.
 *     Its members are the parameters `policy show` prints and `policy set`
 *     changes; integer members only; a suffix gives the unit: _ns
 *     (durations), _pct (percent), _bytes (sizes), "signal"/_signal.
 *   - policy_defaults: a const of that struct, written into policy_config
 *     at load before KEY=VALUE arguments are applied.
 *   - policy_counters, policy_events, policy_cgroup_id and memcg_page_shift
 *     (the page size, set by memcgctl; policy_usage() and friends return
 *     bytes with it): come with policy_common.bpf.h.  Count what you do; emit one policy_event per
 *     action (policy_act() does both); filter with policy_scope().
 *   - programs: tracepoint/, tp_btf/ or raw_tp/ sections; memcgctl
 *     attaches each one and skips those whose hook this kernel lacks.
 *   - name programs and maps policy_*: the tests' leak checks look for that.
 */
#include "policy_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* 1. Parameters.  Keep members naturally aligned; "__" members are hidden. */
struct template_config {
	__u32 enabled;		/* 0 pauses the policy */
	__u32 dry_run;		/* 1: count and report, send nothing (the safe default) */
	__u32 signal;		/* what to send */
	__u32 __pad;
	__u64 interval_ns;	/* at most one action per interval */
};

/* 2. Their defaults. */
const struct template_config policy_defaults = {
	.enabled = 1,
	.dry_run = 1,
	.signal = 12,	/* SIGUSR2 */
	.interval_ns = 1000000000ULL,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct template_config);
} policy_config SEC(".maps");

/* 3. Your own state: anything goes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} policy_tpl_last SEC(".maps");

/* 4. The hook: here, every time a memory cgroup in scope reclaims at its limit. */
SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(policy_tpl_reclaim)
{
	struct cgroup_subsys_state *css;
	struct template_config *cfg;
	struct policy_event ev = {};
	__u32 zero = 0;
	__u64 now, *last;

	cfg = bpf_map_lookup_elem(&policy_config, &zero);
	if (!cfg || !cfg->enabled)
		return 0;
	css = policy_scope(policy_task_memcg(bpf_get_current_task_btf()));
	if (!css)
		return 0;	/* not the cgroup given at load, nor below it */
	POLICY_COUNT(evaluations);

	/* 5. The condition.  Here: always, rate-limited. */
	now = bpf_ktime_get_ns();
	last = bpf_map_lookup_elem(&policy_tpl_last, &zero);
	if (!last)
		return 0;
	POLICY_COUNT(triggers);
	if (*last && now - *last < cfg->interval_ns) {
		POLICY_COUNT(rate_limited);
		return 0;
	}
	*last = now;

	/* 6. The action: signal current, count it, emit the event. */
	ev.cgroup_id = policy_css_id(css);
	ev.usage_bytes = policy_usage(policy_memcg(css));
	ev.limit_bytes = policy_max(policy_memcg(css));
	ev.reason = POLICY_REASON_USER;
	policy_act(&ev, cfg->signal, cfg->dry_run);
	return 0;
}
