// SPDX-License-Identifier: GPL-2.0-only
/* The clocks every command reads: see clock.h. */
#include <time.h>

#include "clock.h"

static struct timespec clock_now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts;
}

uint64_t clock_mono_ns(void)
{
	struct timespec ts = clock_now(CLOCK_MONOTONIC);

	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t clock_real_ns(void)
{
	struct timespec ts = clock_now(CLOCK_REALTIME);

	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t clock_real_us(void)
{
	struct timespec ts = clock_now(CLOCK_REALTIME);

	return (uint64_t)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

double clock_mono_s(void)
{
	struct timespec ts = clock_now(CLOCK_MONOTONIC);

	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double clock_real_s(void)
{
	struct timespec ts = clock_now(CLOCK_REALTIME);

	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t clock_mono_to_real_ns(void)
{
	struct timespec mono = clock_now(CLOCK_MONOTONIC), real = clock_now(CLOCK_REALTIME);

	return ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000LL + real.tv_nsec - mono.tv_nsec;
}
