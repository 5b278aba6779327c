/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Golden-file comparison for the renderer tests: golden(NAME, GOT) compares
 * GOT with tests/unit/golden/NAME and prints both on a mismatch;
 * UPDATE_GOLDEN=1 rewrites the file instead.  Include after unit.h.
 */
#ifndef MEMCGCTL_UNIT_GOLDEN_H
#define MEMCGCTL_UNIT_GOLDEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void golden(const char *name, const char *got)
{
	char path[512], *dir = strdup(__FILE__), *slash = strrchr(dir, '/'), *want;

	if (slash)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/golden/%s", slash ? dir : ".", name);
	free(dir);
	if (getenv("UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		if (f) {
			fputs(got, f);
			fclose(f);
		}
	}
	want = slurp(path);
	if (!want) {
		printf("FAIL %s/golden-%s: cannot read %s\n", unit_suite, name, path);
		unit_failed++;
		return;
	}
	if (strcmp(want, got))
		printf("---- want (%s)\n%s---- got\n%s----\n", path, want, got);
	CHECK(name, !strcmp(want, got));
	free(want);
}

#endif
