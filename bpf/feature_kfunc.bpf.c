// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memcg kfuncs of 7.0+, called for real by `memcgctl feature` where
 * the kernel's BTF has them: a sleepable cgroup iterator over the memory
 * root takes the memcg, flushes its stats, reads usage, a page state, a VM
 * event and a memory event, and hands them back.  Being in BTF is not
 * being callable (program type, trusted-pointer rules); this says which.
 *
 * An object of its own: libbpf 1.1 has neither bpf_ksym_exists() nor
 * weak kfunc calls, so any object naming these externs fails to load on
 * kernels without them.  User space loads this one only where BTF has
 * every kfunc it names.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "feature.h"

char LICENSE[] SEC("license") = "GPL";

extern struct mem_cgroup *bpf_get_mem_cgroup(struct cgroup_subsys_state *css) __ksym;
extern void bpf_put_mem_cgroup(struct mem_cgroup *memcg) __ksym;
extern unsigned long bpf_mem_cgroup_usage(struct mem_cgroup *memcg) __ksym;
extern unsigned long bpf_mem_cgroup_page_state(struct mem_cgroup *memcg, int idx) __ksym;
extern unsigned long bpf_mem_cgroup_vm_events(struct mem_cgroup *memcg,
					      enum vm_event_item event) __ksym;
extern unsigned long bpf_mem_cgroup_memory_events(struct mem_cgroup *memcg,
						  enum memcg_memory_event event) __ksym;
extern void bpf_mem_cgroup_flush_stats(struct mem_cgroup *memcg) __ksym;

SEC("iter.s/cgroup")
int probe_memcg_kfuncs(struct bpf_iter__cgroup *ctx)
{
	struct feature_kfunc_rec r = {};
	struct cgroup *cg = ctx->cgroup;
	struct mem_cgroup *memcg;

	if (!cg)
		return 0;
	memcg = bpf_get_mem_cgroup(&cg->self);
	if (memcg) {
		bpf_mem_cgroup_flush_stats(memcg);
		r.usage = bpf_mem_cgroup_usage(memcg);
		r.anon = bpf_mem_cgroup_page_state(memcg,
			bpf_core_enum_value(enum node_stat_item, NR_ANON_MAPPED));
		r.pgfault = bpf_mem_cgroup_vm_events(memcg,
			bpf_core_enum_value(enum vm_event_item, PGFAULT));
		r.ev_max = bpf_mem_cgroup_memory_events(memcg,
			bpf_core_enum_value(enum memcg_memory_event, MEMCG_MAX));
		r.ok = 1;
		bpf_put_mem_cgroup(memcg);
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
