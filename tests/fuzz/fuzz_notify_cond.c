// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify's CONDITION grammar and --rearm bands (cmd/notify_cond.c).
 * Checks: every rejection carries a message, every accepted condition is
 * one the BPF program and the PSI trigger API can take.
 */
#include <errno.h>

#include "fuzz.h"
#include "notify_cond.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_dup(data, size), err[128], trig[64], tiny[8];
	struct notify_cond c;
	uint64_t band;
	bool pct;
	int r;

	err[0] = '\0';
	r = notify_cond_parse(s, &c, err, sizeof(err));
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "notify_cond_parse returned %d", r);
	FUZZ_ASSERT(memchr(c.text, 0, sizeof(c.text)), "text not terminated");
	if (r) {
		FUZZ_ASSERT(err[0], "rejected '%s' without a message", s);
	} else {
		FUZZ_ASSERT(strcmp(notify_kind_name(c.kind), "?"), "kind %u", c.kind);
		if (c.kind == NOTIFY_K_PSI) {
			FUZZ_ASSERT(c.window_us >= NOTIFY_PSI_WINDOW_MIN_US &&
				    c.window_us <= NOTIFY_PSI_WINDOW_MAX_US, "window %llu",
				    (unsigned long long)c.window_us);
			FUZZ_ASSERT(c.stall_us >= 1 && c.stall_us <= c.window_us, "stall %llu",
				    (unsigned long long)c.stall_us);
			FUZZ_ASSERT(!notify_psi_trigger(&c, trig, sizeof(trig)), "trigger");
			FUZZ_ASSERT(notify_psi_trigger(&c, tiny, sizeof(tiny)) == -ERANGE, "short");
		}
		if (c.kind == NOTIFY_K_USAGE && (c.flags & NOTIFY_F_PCT))
			FUZZ_ASSERT(c.thresh <= 10000, "pct %llu", (unsigned long long)c.thresh);
		if (c.kind == NOTIFY_K_OOM_KILL || c.kind == NOTIFY_K_MAX || c.kind == NOTIFY_K_HIGH)
			FUZZ_ASSERT(c.n >= 1, "n 0");
	}
	r = notify_parse_band(s, &band, &pct);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "notify_parse_band returned %d", r);
	if (!r && pct)
		FUZZ_ASSERT(band <= 10000, "band %llu%%", (unsigned long long)band);
	free(s);
	return 0;
}
