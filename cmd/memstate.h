/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rendering a cgroup's memory state (struct cg_mem) as text and JSON.
 * Shared by show and by any command that reports a cgroup's state.
 */
#ifndef MEMCGCTL_MEMSTATE_H
#define MEMCGCTL_MEMSTATE_H

#include <stdio.h>

#include "cgroup.h"
#include "json.h"

/* A byte count or limit as JSON: number, "max" when unlimited, null when unknown. */
void memstate_json_bytes(struct json_writer *w, const char *name, uint64_t v);
void memstate_json(struct json_writer *w, const struct cg_env *env,
		   const struct cg_ref *ref, const struct cg_mem *m);
void memstate_print(FILE *f, const struct cg_env *env, const struct cg_ref *ref,
		    const struct cg_mem *m);
/* "512M", "max" or "-" into buf (>= UNITS_BUF). */
const char *memstate_fmt_bytes(char *buf, size_t len, uint64_t v);
/* usage as a percentage of the binding limit, negative when there is none */
double memstate_limit_pct(const struct cg_mem *m);

#endif
