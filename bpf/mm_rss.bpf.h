/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A process's resident set from its mm_struct, on every kernel memcgctl
 * runs on (watch's OOM records, preoom's largest-process tracker).
 */
#ifndef MEMCGCTL_MM_RSS_BPF_H
#define MEMCGCTL_MM_RSS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/*
 * The rss counter indexes live in an anonymous enum (no CO-RE relocation
 * by name); their values have not changed since they were introduced.
 */
#define MM_FILE		0
#define MM_ANON		1
#define MM_SWAPENTS	2
#define MM_SHMEM	3

/*
 * mm_struct.rss_stat changed type in 6.2: before, one struct of atomic
 * counters (struct mm_rss_stat { atomic_long_t count[]; }); since, an
 * array of percpu counters.  Both flavours are described here and the
 * one this kernel has is chosen at load time.
 */
struct mm_struct___pcpu {
	struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));

struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/* Does this kernel's mm_struct have an rss_stat layout we can read? */
static __always_inline bool mm_has_rss(void)
{
	return bpf_core_field_exists(((struct mm_struct___pcpu *)0)->rss_stat) ||
	       bpf_core_field_exists(((struct mm_struct___old *)0)->rss_stat);
}

static __always_inline __u64 mm_counter(struct mm_struct *mm, int member)
{
	long v = 0;

	/* what get_mm_counter() reports: the (global part of the) counter */
	if (bpf_core_field_exists(((struct mm_struct___pcpu *)0)->rss_stat)) {
		struct mm_struct___pcpu *m = (void *)mm;
		char *p = (char *)m->rss_stat;

		/* element size and offset from the kernel's BTF, not ours */
		p += member * bpf_core_type_size(struct percpu_counter) +
		     bpf_core_field_offset(struct percpu_counter, count);
		bpf_probe_read_kernel(&v, sizeof(v), p);
	} else if (bpf_core_field_exists(((struct mm_struct___old *)0)->rss_stat)) {
		struct mm_struct___old *m = (void *)mm;

		bpf_core_read(&v, sizeof(v), &m->rss_stat.count[member].counter);
	}
	return v > 0 ? v : 0;
}

#endif
