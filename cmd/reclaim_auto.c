// SPDX-License-Identifier: GPL-2.0-only
#include "main.h"
#include "reclaimer.h"

int rc_auto_run(struct rc_target *t, const struct rc_args *a)
{
	p_err("reclaim: --auto: not yet");
	return EXIT_UNSUPPORTED;
}
