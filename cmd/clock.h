/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The clocks every command reads: CLOCK_MONOTONIC, which is what
 * bpf_ktime_get_ns() stamps events with, and the wall clock they are
 * shown in.
 */
#ifndef MEMCGCTL_CLOCK_H
#define MEMCGCTL_CLOCK_H

#include <stdint.h>

uint64_t clock_mono_ns(void);	/* CLOCK_MONOTONIC */
uint64_t clock_real_ns(void);	/* CLOCK_REALTIME */
uint64_t clock_real_us(void);	/* truncated: clock_real_us() / 1e6 prints as %.6f without rounding up */
double clock_mono_s(void);
double clock_real_s(void);
/* Add to a CLOCK_MONOTONIC stamp (a BPF event's) for the wall clock. */
int64_t clock_mono_to_real_ns(void);

#endif
