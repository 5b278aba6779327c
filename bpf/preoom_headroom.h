/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * preoom's effective headroom, shared by the BPF program and the unit
 * tests: pure arithmetic on fixed-width integers.
 */
#ifndef MEMCGCTL_BPF_PREOOM_HEADROOM_H
#define MEMCGCTL_BPF_PREOOM_HEADROOM_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * The rate term widens the headroom at most to this many times the static
 * one: that band is where the growth rate is sampled, and the cap keeps a
 * burst far below the limit from being taken for an imminent OOM.
 */
#define PREOOM_RATE_BAND	2

/* What the rate term counts of rate and grace: 1 TiB/s, 8.3 s (no overflow). */
#define PREOOM_RATE_MAX_BPS	(1ULL << 40)
#define PREOOM_RATE_MAX_US	(1ULL << 23)

/*
 * What a cgroup growing at rate_bps bytes/s charges in rate_grace_ns,
 * capped at PREOOM_RATE_BAND times the static headroom room.
 */
static inline __u64 preoom_rate_headroom(__u64 room, __u64 rate_bps, __u64 rate_grace_ns)
{
	__u64 us = rate_grace_ns / 1000, r;
	__u64 cap = room > ~0ULL / PREOOM_RATE_BAND ? ~0ULL : PREOOM_RATE_BAND * room;

	if (rate_bps > PREOOM_RATE_MAX_BPS)
		rate_bps = PREOOM_RATE_MAX_BPS;
	if (us > PREOOM_RATE_MAX_US)
		us = PREOOM_RATE_MAX_US;
	r = rate_bps * us / 1000000;
	return r < cap ? r : cap;
}

/* max(room, the rate term): a fast allocator is signalled earlier. */
static inline __u64 preoom_effective_headroom(__u64 room, __u64 rate_bps, __u64 rate_grace_ns)
{
	__u64 r = preoom_rate_headroom(room, rate_bps, rate_grace_ns);

	return r > room ? r : room;
}

#endif
