/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The signals that ask a running command to stop: SIGINT, SIGTERM and,
 * where a closed terminal should end it the same way, SIGHUP.  Their
 * handler only records the signal; the command's loop checks stopsig
 * and ends as it would at its deadline (summary, restored state, exit
 * code).
 */
#ifndef MEMCGCTL_STOPSIG_H
#define MEMCGCTL_STOPSIG_H

#include <signal.h>

/* The last stop signal caught, or 0. */
extern volatile sig_atomic_t stopsig;

#define STOPSIG_HUP	(1u << 0)	/* SIGHUP stops too */
/*
 * SA_RESTART: an interrupted read or write carries on.  Without it a
 * system call blocked in the kernel (a write to memory.reclaim, a full
 * pipe) comes back with EINTR, so that the stop is not delayed.
 */
#define STOPSIG_RESTART	(1u << 1)

void stopsig_install(unsigned int flags);

#endif
