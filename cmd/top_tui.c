// SPDX-License-Identifier: GPL-2.0-only
#include "main.h"
#include "top_snap.h"
int top_tui_run(struct top_tui_opts *o)
{
	p_err("top: TUI not yet");
	return EXIT_UNSUPPORTED;
}
