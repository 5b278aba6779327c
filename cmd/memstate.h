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
/*
 * The vocabulary's name of a memory.events counter; CG_EV_max is
 * "max_events" on v2 and "failcnt" (memory.failcnt) on v1.
 */
const char *memstate_event_name(const struct cg_env *env, enum cg_event ev);
/* show's record: see memcgctl(8) JSON OUTPUT and schema/show.schema.json */
void memstate_json(struct json_writer *w, const struct cg_env *env,
		   const struct cg_ref *ref, const struct cg_mem *m);
void memstate_print(FILE *f, const struct cg_env *env, const struct cg_ref *ref,
		    const struct cg_mem *m);
/* "512M", "max" or "-" into buf (>= UNITS_BUF). */
const char *memstate_fmt_bytes(char *buf, size_t len, uint64_t v);
/* usage as a percentage of the binding limit, negative when there is none */
double memstate_limit_pct(const struct cg_mem *m);

#endif
