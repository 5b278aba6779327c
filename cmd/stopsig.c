// SPDX-License-Identifier: GPL-2.0-only
/* The signals that ask a running command to stop: see stopsig.h. */
#include <signal.h>
#include <stddef.h>

#include "stopsig.h"

volatile sig_atomic_t stopsig;

static void stopsig_handler(int sig)
{
	stopsig = sig;
}

void stopsig_install(unsigned int flags)
{
	struct sigaction sa = { .sa_handler = stopsig_handler };

	sigemptyset(&sa.sa_mask);
	if (flags & STOPSIG_RESTART)
		sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (flags & STOPSIG_HUP)
		sigaction(SIGHUP, &sa, NULL);
}
