// SPDX-License-Identifier: GPL-2.0-only
/*
 * A policy that emits, at every cgroup creation, an event whose comm fills
 * all 16 bytes with no NUL: what a hostile or careless user object can do.
 * Built by tests/integration/policy-pins.sh.
 */
#include "policy_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(policy_comm_mkdir, struct cgroup *cgrp, const char *path)
{
	struct policy_event *e = bpf_ringbuf_reserve(&policy_events, sizeof(*e), 0);

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	__builtin_memset(e->comm, 'A', sizeof(e->comm));
	e->reason = POLICY_REASON_USER;
	e->action = POLICY_ACT_DRY_RUN;
	bpf_ringbuf_submit(e, 0);
	POLICY_COUNT(actions);
	return 0;
}
