// SPDX-License-Identifier: GPL-2.0-only
/*
 * A policy object that follows the contract's maps but attaches to a hook
 * outside it (every system call): policy load must refuse it unless
 * --any-hook is given.  Built by tests/integration/policy-pins.sh.
 */
#include "policy_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/sys_enter")
int policy_anyhook_sys(void *ctx)
{
	POLICY_COUNT(evaluations);
	return 0;
}
