/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * top's rstat flush, run once per refresh just before the cgroup iterator
 * pass (top_iter_memcg), over the view's root only (SELF_ONLY): it brings
 * the memcg vmstats of the whole subtree up to date, as reading
 * memory.stat would, so that memcg_page_state() reads what cgroupfs
 * prints.  Included by the two top_flush_*.bpf.c, each after choosing
 * its kfunc (see memcg_rstat_flush() in memcg.bpf.h).
 */
#ifndef MEMCGCTL_TOP_FLUSH_BPF_H
#define MEMCGCTL_TOP_FLUSH_BPF_H

#include "memcg.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* flushes done; user space checks it moved, so a no-op never passes for one */
__u64 top_flushes;

SEC("iter.s/cgroup")
int top_flush(struct bpf_iter__cgroup *ctx)
{
	struct cgroup *cg = ctx->cgroup;

	if (cg && !memcg_rstat_flush(cg))
		top_flushes++;
	return 0;
}

#endif
