/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF side of the memcgctl policy contract (see memcgctl-policy(8)),
 * shared by the built-in policies and by user policies built from
 * examples/policy-template.bpf.c:
 *
 *   policy_cgroup_id   .rodata, set by `policy load ... cgroup CGROUP`
 *                      (the memory cgroup's id; 0 = every cgroup)
 *   memcg_page_shift   .rodata, set by `policy load` (memcg.bpf.h): the
 *                      page size, for policy_usage() and friends
 *   policy_counters    array[1] of a struct of __u64 counters
 *   policy_events      ring buffer of struct policy_event
 *
 * The policy's own "policy_config" map and "policy_defaults" constant
 * are declared by each policy, since their struct is its own.
 */
#ifndef MEMCGCTL_POLICY_COMMON_BPF_H
#define MEMCGCTL_POLICY_COMMON_BPF_H

#include "memcg.bpf.h"
#include "policy.h"

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

/*
 * The contract's memcg helpers, thin names over bpf/memcg.bpf.h (which a
 * policy may use directly).  Pointers must be BTF pointers (see there).
 */

/* The memory cgroup css of a task (v1 and v2 alike). */
static __always_inline struct cgroup_subsys_state *policy_task_memcg(struct task_struct *t)
{
	return memcg_task_css(t);
}

static __always_inline __u64 policy_css_id(struct cgroup_subsys_state *css)
{
	return memcg_css_id(css);
}

/*
 * Is css the policy's cgroup or below it?  Returns the policy's cgroup's
 * css (the ancestor), or NULL.  Without a cgroup every memcg is in scope
 * and css itself is returned.
 */
static __always_inline struct cgroup_subsys_state *
policy_scope(struct cgroup_subsys_state *css)
{
	return css ? memcg_css_under(css, policy_cgroup_id) : NULL;
}

/*
 * policy_scope(policy_task_memcg(t)), and *id gets the scope's cgroup id:
 * the fault path's form (direct BTF loads, one instruction a field).
 */
static __always_inline struct cgroup_subsys_state *
policy_task_scope(struct task_struct *t, __u64 *id)
{
	struct cgroup_subsys_state *css = policy_scope(memcg_task_css(t));

	if (css)
		*id = memcg_css_id(css);
	return css;
}

/* The mem_cgroup of a css, by this kernel's offset of css in it. */
static __always_inline struct mem_cgroup *policy_memcg(struct cgroup_subsys_state *css)
{
	return memcg_from_css(css);
}

/* Usage and limits in bytes, from the memcg's page_counter (POLICY_NOLIMIT: none). */
static __always_inline __u64 policy_usage(struct mem_cgroup *m)
{
	return memcg_usage(m);
}

static __always_inline __u64 policy_max(struct mem_cgroup *m)
{
	return memcg_max(m);
}

static __always_inline __u64 policy_high(struct mem_cgroup *m)
{
	return memcg_high(m);
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
