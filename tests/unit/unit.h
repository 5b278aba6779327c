/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal unit-test vocabulary: each CHECK prints "ok NAME" or
 * "FAIL NAME: expr (file:line)"; unit_done() returns 1 if any failed.
 */
#ifndef MEMCGCTL_UNIT_H
#define MEMCGCTL_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed;
static const char *unit_suite = "unit";

#define CHECK(name, expr)							\
	do {									\
		if (expr)							\
			printf("ok   %s/%s\n", unit_suite, (name));		\
		else {								\
			printf("FAIL %s/%s: %s (%s:%d)\n", unit_suite, (name),	\
			       #expr, __FILE__, __LINE__);			\
			unit_failed++;						\
		}								\
	} while (0)

#define CHECK_STR(name, want, got)						\
	do {									\
		const char *w_ = (want), *g_ = (got);				\
		if (g_ && !strcmp(w_, g_))					\
			printf("ok   %s/%s\n", unit_suite, (name));		\
		else {								\
			printf("FAIL %s/%s: want '%s', got '%s' (%s:%d)\n",	\
			       unit_suite, (name), w_, g_ ? g_ : "(null)",	\
			       __FILE__, __LINE__);				\
			unit_failed++;						\
		}								\
	} while (0)

static inline int unit_done(void)
{
	return unit_failed ? 1 : 0;
}

#endif
