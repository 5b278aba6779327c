/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * top's PSI shortcut (bpf/top_psi.bpf.h, cmd/top_psi.c): one record per
 * cgroup2 cgroup whose memory.pressure can be told without reading it.
 */
#ifndef MEMCGCTL_TOP_PSI_REC_H
#define MEMCGCTL_TOP_PSI_REC_H

enum {
	/*
	 * No task is in a memory stall on any CPU, and no CPU has stall
	 * time the last collection did not see: reading memory.pressure
	 * now would not change its totals, so total_ns[] is what it shows.
	 */
	TOP_PSI_QUIET = 1 << 0,
	/* Every memory average is 0 and no stall awaits averaging: avg* 0.00. */
	TOP_PSI_ZERO_AVG = 1 << 1,
};

struct top_psi_rec {
	__u64 id;		/* kernfs id of the cgroup2 cgroup (its inode number) */
	__u64 total_ns[2];	/* some, full: the group's totals as memory.pressure has them */
	__u32 flags;		/* TOP_PSI_* */
	__u32 pad;
};

#endif
