/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One rendering of a policy's action record, in text and JSON, shared by
 * `policy events` and `watch -e policy` so that the two cannot drift.
 */
#ifndef MEMCGCTL_POLICY_EVENT_H
#define MEMCGCTL_POLICY_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct json_writer;

struct policy_event_rec {
	const struct policy_meta *meta;	/* name, policy (built-in or object), its cgroup */
	const struct policy_event *e;
	const char *cgroup;		/* path of e->cgroup_id, NULL when unknown */
	double time;			/* wall clock, seconds since the epoch */
	bool v1;			/* the limit is v1's memory.limit_in_bytes */
};

/*
 * What the record says about the limit, decoded from the reason: the
 * pressure policy's threshold travels in e->limit_bytes and the limit in
 * e->value.  Both converted from the record's POLICY_NOLIMIT here, the
 * one place: limit is CG_NOLIMIT when there is none, threshold CG_NOLIMIT
 * when the reason has none; type is "max", "high", "v1", "none", or NULL
 * when the record does not say (user policies).
 */
struct policy_event_limit {
	uint64_t limit, threshold;
	const char *type;
};
void policy_event_limit(const struct policy_event_rec *r, struct policy_event_limit *l);

/* "shed(pressure) SIGUSR1 threshold usage=.. threshold=.. limit=.." */
void policy_event_details(const struct policy_event_rec *r, char *buf, size_t len);
/* The record as one JSON object (an event record of memcgctl(8) JSON OUTPUT). */
void policy_event_json(struct json_writer *jw, const struct policy_event_rec *r);

#endif
