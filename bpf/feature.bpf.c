// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tiny programs whose only job is to be loaded and attached by
 * `memcgctl feature`: for hook types, loading for real is the only honest
 * test.  User space enables one program at a time.
 */
#include "memcg.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_begin")
int probe_tracepoint(void *ctx)
{
	return 0;
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_begin")
int probe_raw_tp(void *ctx)
{
	return 0;
}

/* no arguments read: they changed in 7.1 (memcg.bpf.h) */
SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(probe_tp_btf)
{
	return 0;
}

SEC("iter/cgroup")
int probe_iter_cgroup(struct bpf_iter__cgroup *ctx)
{
	return 0;
}

/* mem_cgroup_iter exists on every kernel memcgctl supports (6.1+) */
SEC("fentry/mem_cgroup_iter")
int BPF_PROG(probe_fentry)
{
	return 0;
}

SEC("kprobe/mem_cgroup_iter")
int probe_kprobe(void *ctx)
{
	return 0;
}
