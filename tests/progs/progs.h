/* SPDX-License-Identifier: GPL-2.0-only */
/* What the test workloads share: sizes as users write them (K/M/G). */
#ifndef MEMCGCTL_PROGS_H
#define MEMCGCTL_PROGS_H

#include <stdio.h>
#include <stdlib.h>

/* "64M" -> bytes; exits 2 with a message naming prog on junk or zero. */
static inline unsigned long long progs_parse_size(const char *prog, const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || end == s || !v) {
		fprintf(stderr, "%s: bad size '%s'\n", prog, s);
		exit(2);
	}
	return v;
}

#endif
