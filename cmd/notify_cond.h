/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * notify's condition grammar: parsing a CONDITION argument into what the
 * BPF program (usage, events) or the kernel's PSI triggers evaluate.
 * Pure: no I/O, unit-tested in tests/unit/test_notify.c.
 */
#ifndef MEMCGCTL_NOTIFY_COND_H
#define MEMCGCTL_NOTIFY_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>
#include "../bpf/notify.h"

/* The grammar, one rule per line, as printed when a condition is rejected. */

struct notify_cond {
	char text[64];		/* as the user wrote it, blanks removed */
	uint32_t kind;		/* enum notify_cond_kind */
	uint32_t flags;		/* enum notify_cond_flags */
	uint64_t thresh;	/* usage: bytes or centi-percent */
	uint64_t n;		/* events: by how much the counter rises */
	uint64_t stall_us;	/* psi: stall time within the window */
	uint64_t window_us;	/* psi: the window */
};

/*
 * Parse one condition.  Returns 0, or -EINVAL/-ERANGE with a message
 * (without the condition itself) in err.
 */
int notify_cond_parse(const char *s, struct notify_cond *c, char *err, size_t errlen);

/* The kernel's PSI trigger limits (kernel/sched/psi.c). */
#define NOTIFY_PSI_WINDOW_MIN_US 500000ULL
#define NOTIFY_PSI_WINDOW_MAX_US 10000000ULL

/* "some 100000 1000000": what is written to memory.pressure. */
int notify_psi_trigger(const struct notify_cond *c, char *buf, size_t len);

/* The kind's name as printed in JSON "type" and MEMCGCTL_TYPE. */
const char *notify_kind_name(uint32_t kind);

/*
 * --rearm BAND: a size, or a percentage of the threshold.  Fills band and
 * sets *pct.  Returns 0 or -EINVAL/-ERANGE.
 */
int notify_parse_band(const char *s, uint64_t *band, bool *pct);

#endif
