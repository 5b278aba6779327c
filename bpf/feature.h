/* SPDX-License-Identifier: GPL-2.0-only */
/* What feature_kfunc.bpf.c hands back to `memcgctl feature`. Fixed-width types only. */
#ifndef MEMCGCTL_FEATURE_H
#define MEMCGCTL_FEATURE_H

struct feature_kfunc_rec {
	__u64 usage;		/* bytes: bpf_mem_cgroup_usage() */
	__u64 anon;		/* NR_ANON_MAPPED pages: bpf_mem_cgroup_page_state() */
	__u64 pgfault;		/* PGFAULT: bpf_mem_cgroup_vm_events() */
	__u64 ev_max;		/* memory.events max: bpf_mem_cgroup_memory_events() */
	__u32 ok;		/* bpf_get_mem_cgroup() gave a memcg */
	__u32 pad;
};

#endif
