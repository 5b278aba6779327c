/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF side of the memcgctl policy contract (see memcgctl-policy(8)),
 * shared by the built-in policies and by user policies built from
 * examples/policy-template.bpf.c:
 *
 *   policy_cgroup_id   .rodata, set by `policy load ... cgroup CGROUP`
 *                      (the memory cgroup's id; 0 = every cgroup)
 *   policy_counters    array[1] of a struct of __u64 counters
 *   policy_events      ring buffer of struct policy_event
 *
 * The policy's own "policy_config" map and "policy_defaults" constant
 * are declared by each policy, since their struct is its own.
 */
#ifndef MEMCGCTL_POLICY_COMMON_BPF_H
#define MEMCGCTL_POLICY_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "policy.h"

#define POLICY_MAX_DEPTH 16	/* memory cgroup levels walked upwards */
#define POLICY_PAGE_SHIFT 12

const volatile __u64 policy_cgroup_id = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct policy_counters);
} policy_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} policy_events SEC(".maps");

static __always_inline struct policy_counters *policy_cnt(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&policy_counters, &zero);
}

#define POLICY_COUNT(field)						\
	do {								\
		struct policy_counters *c_ = policy_cnt();		\
		if (c_)							\
			__sync_fetch_and_add(&c_->field, 1);		\
	} while (0)

/* The memory cgroup css of a task (v1 and v2 alike). */
static __always_inline struct cgroup_subsys_state *policy_task_memcg(struct task_struct *t)
{
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

	return BPF_CORE_READ(t, cgroups, subsys[id]);
}

static __always_inline __u64 policy_css_id(struct cgroup_subsys_state *css)
{
	return BPF_CORE_READ(css, cgroup, kn, id);
}

/*
 * Is css the policy's cgroup or below it?  Returns the policy's cgroup's
 * css (the ancestor), or NULL.  Without a cgroup every memcg is in scope
 * and css itself is returned.
 */
static __always_inline struct cgroup_subsys_state *
policy_scope(struct cgroup_subsys_state *css)
{
	__u64 want = policy_cgroup_id;

	if (!want || !css)
		return css;
	for (int i = 0; i < POLICY_MAX_DEPTH && css; i++) {
		if (policy_css_id(css) == want)
			return css;
		css = BPF_CORE_READ(css, parent);
	}
	return NULL;
}

/*
 * policy_scope(policy_task_memcg(t)) for the fault path, where it runs at
 * every page a task in scope touches: the same walk with direct BTF loads
 * (one instruction each) instead of a bpf_probe_read_kernel() call per
 * field, 270 -> 180 ns a run on faultbench.  t must be a BTF pointer
 * (bpf_get_current_task_btf(), a tp_btf argument).  *id gets the scope's
 * cgroup id.
 */
static __always_inline struct cgroup_subsys_state *
policy_task_scope(struct task_struct *t, __u64 *id)
{
	int sid = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = t->cgroups->subsys[sid];
	__u64 want = policy_cgroup_id;

	for (int i = 0; i < POLICY_MAX_DEPTH && css; i++) {
		*id = css->cgroup->kn->id;
		if (!want || *id == want)
			return css;
		css = css->parent;
	}
	return NULL;
}

/* struct mem_cgroup embeds its css first. */
static __always_inline struct mem_cgroup *policy_memcg(struct cgroup_subsys_state *css)
{
	return (struct mem_cgroup *)css;
}

/* Usage and limits in bytes, from the memcg's page_counter. */
static __always_inline __u64 policy_usage(struct mem_cgroup *m)
{
	return (__u64)BPF_CORE_READ(m, memory.usage.counter) << POLICY_PAGE_SHIFT;
}

static __always_inline __u64 policy_max(struct mem_cgroup *m)
{
	unsigned long max = BPF_CORE_READ(m, memory.max);

	/* PAGE_COUNTER_MAX: no limit */
	return max >= (~0UL >> (POLICY_PAGE_SHIFT + 1)) ? ~0ULL : (__u64)max << POLICY_PAGE_SHIFT;
}

static __always_inline __u64 policy_high(struct mem_cgroup *m)
{
	unsigned long high;

	if (!bpf_core_field_exists(m->memory.high))
		return ~0ULL;
	high = BPF_CORE_READ(m, memory.high);
	return high >= (~0UL >> (POLICY_PAGE_SHIFT + 1)) ? ~0ULL : (__u64)high << POLICY_PAGE_SHIFT;
}

/*
 * Count what an action did (err: the signal helper's result; dry_run:
 * nothing was sent) and emit its event.
 */
static __always_inline void policy_record(struct policy_event *ev, long err, __u32 dry_run)
{
	struct policy_event *e;

	if (dry_run) {
		ev->action = POLICY_ACT_DRY_RUN;
		POLICY_COUNT(actions);
	} else if (err) {
		ev->action = POLICY_ACT_FAILED;
		ev->value2 = -err;
		POLICY_COUNT(errors);
	} else {
		ev->action = POLICY_ACT_SIGNAL;
		POLICY_COUNT(actions);
	}
	e = bpf_ringbuf_reserve(&policy_events, sizeof(*e), 0);
	if (!e) {
		POLICY_COUNT(events_lost);
		return;
	}
	__builtin_memcpy(e, ev, sizeof(*e));
	bpf_ringbuf_submit(e, 0);
}

/*
 * Send sig to the current process (or only pretend, dry_run), count it
 * and emit the event.  ev must have cgroup/usage/limit/value/reason set.
 */
static __always_inline void policy_act(struct policy_event *ev, __u32 sig, __u32 dry_run)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	ev->ts_ns = bpf_ktime_get_ns();
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	ev->signal = sig;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	policy_record(ev, dry_run ? 0 : bpf_send_signal(sig), dry_run);
}

#endif
