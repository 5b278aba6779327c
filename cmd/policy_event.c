// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one formatter of policy action records: `policy events` and
 * `watch -e policy` both print through here.  Pure: unit-tested directly.
 */
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "escape.h"
#include "json.h"
#include "policy_event.h"
#include "units.h"

void policy_event_limit(const struct policy_event_rec *r, struct policy_event_limit *l)
{
	const struct policy_event *e = r->e;
	const char *max = r->v1 ? "v1" : "max";

	l->threshold = CG_NOLIMIT;
	switch (e->reason) {
	case POLICY_REASON_THRESHOLD:
		/* pressure: the threshold crossed is in limit_bytes, memory.max in value */
		l->threshold = cg_limit_from_bpf(e->limit_bytes);
		l->limit = cg_limit_from_bpf(e->value);
		l->type = max;
		break;
	case POLICY_REASON_HIGH:
		l->limit = cg_limit_from_bpf(e->limit_bytes);
		l->type = "high";
		break;
	case POLICY_REASON_RECLAIM_FAILING:
	case POLICY_REASON_RECLAIM_STALL:
	case POLICY_REASON_NEAR_LIMIT:
		l->limit = cg_limit_from_bpf(e->limit_bytes);
		l->type = max;
		break;
	default:
		/* a user policy's contract says "the limit compared against", not which */
		l->limit = cg_limit_from_bpf(e->limit_bytes);
		l->type = NULL;
	}
	if (l->limit == CG_NOLIMIT && l->type)
		l->type = "none";
}

static const char *signal_of(const struct policy_event *e, char *buf, size_t len)
{
	const char *sig = policy_signal_name((int)e->signal);

	if (sig)
		snprintf(buf, len, "%s", sig);
	else
		snprintf(buf, len, "signal %u", e->signal);
	return buf;
}

void policy_event_details(const struct policy_event_rec *r, char *buf, size_t len)
{
	const struct policy_event *e = r->e;
	char sig[16], u[UNITS_BUF], l[UNITS_BUF], t[UNITS_BUF], extra[80] = "", act[64];
	char thr[UNITS_BUF + 16] = "";
	struct policy_event_limit lim;

	signal_of(e, sig, sizeof(sig));
	policy_event_limit(r, &lim);
	if (e->action == POLICY_ACT_DRY_RUN)
		snprintf(act, sizeof(act), "dry-run %s", sig);
	else if (e->action == POLICY_ACT_FAILED)
		snprintf(act, sizeof(act), "%s failed (%s)", sig, strerror((int)e->value2));
	else
		snprintf(act, sizeof(act), "%s", sig);
	switch (e->reason) {
	case POLICY_REASON_RECLAIM_FAILING:
		snprintf(extra, sizeof(extra), " failures=%llu", (unsigned long long)e->value);
		break;
	case POLICY_REASON_RECLAIM_STALL:
		snprintf(extra, sizeof(extra), " stalled=%s",
			 fmt_duration(u, sizeof(u), e->value2));
		break;
	case POLICY_REASON_THRESHOLD:
	case POLICY_REASON_HIGH:
	case POLICY_REASON_NEAR_LIMIT:
		break;
	default:
		snprintf(extra, sizeof(extra), " value=%llu", (unsigned long long)e->value);
	}
	if (e->headroom_bytes) {	/* what preoom saw */
		char h[UNITS_BUF], rt[UNITS_BUF];
		size_t n = strlen(extra);

		snprintf(extra + n, sizeof(extra) - n, " unreclaimable=%s headroom=%s rate=%s%s",
			 fmt_size(u, sizeof(u), e->unreclaimable_bytes),
			 fmt_size(h, sizeof(h), e->headroom_bytes),
			 e->rate_bps ? fmt_size(rt, sizeof(rt), e->rate_bps) : "-",
			 e->rate_bps ? "/s" : "");
		n = strlen(extra);
		if (e->rate_headroom_bytes)	/* the headroom's rate term counted */
			snprintf(extra + n, sizeof(extra) - n, " rate_headroom=%s",
				 fmt_size(h, sizeof(h), e->rate_headroom_bytes));
	}
	if (lim.threshold != CG_NOLIMIT)
		snprintf(thr, sizeof(thr), " threshold=%s", fmt_size(t, sizeof(t), lim.threshold));
	snprintf(buf, len, "%s(%s) %s %s usage=%s%s limit=%s%s", esc(r->meta->name),
		 r->meta->policy[0] ? esc(r->meta->policy) : "?", act, policy_reason_name(e->reason),
		 fmt_size(u, sizeof(u), e->usage_bytes), thr,
		 lim.limit == CG_NOLIMIT ? "max" : fmt_size(l, sizeof(l), lim.limit), extra);
}

static void bytes_or_null(struct json_writer *jw, const char *name, uint64_t v, bool known)
{
	if (known)
		jsonw_u64_field(jw, name, v);
	else
		jsonw_null_field(jw, name);
}

void policy_event_json(struct json_writer *jw, const struct policy_event_rec *r)
{
	const struct policy_event *e = r->e;
	const struct policy_meta *m = r->meta;
	const char *sig = policy_signal_name((int)e->signal);
	char comm[sizeof(e->comm) + 1];
	struct policy_event_limit lim;
	bool seen = e->headroom_bytes != 0;	/* preoom's view of the cgroup */

	/* the kernel's comm fills its 16 bytes without a NUL when it is 16 long */
	memcpy(comm, e->comm, sizeof(e->comm));
	comm[sizeof(e->comm)] = 0;
	policy_event_limit(r, &lim);
	jsonw_start_object(jw);
	jsonw_string_field(jw, "event", "policy");
	jsonw_float_field(jw, "time", r->time, 6);
	/* the kernel's CLOCK_MONOTONIC stamp, to line up with other monotonic clocks */
	jsonw_u64_field(jw, "ts_ns", e->ts_ns);
	if (r->cgroup)
		jsonw_string_field(jw, "cgroup", r->cgroup);
	else
		jsonw_null_field(jw, "cgroup");
	/* a user policy may leave it 0: no cgroup has id 0, so it is unknown */
	if (e->cgroup_id)
		jsonw_u64_field(jw, "cgroup_id", e->cgroup_id);
	else
		jsonw_null_field(jw, "cgroup_id");
	jsonw_string_field(jw, "class", "policy");
	jsonw_u64_field(jw, "pid", e->tgid);
	jsonw_u64_field(jw, "tid", e->pid);
	if (comm[0])
		jsonw_string_field(jw, "comm", comm);
	else
		jsonw_null_field(jw, "comm");
	jsonw_string_field(jw, "policy", m->name);
	jsonw_string_field(jw, "policy_type", m->policy[0] ? m->policy : "?");
	jsonw_bool_field(jw, "builtin", m->builtin);
	if (m->cgroup_id)
		jsonw_string_field(jw, "policy_cgroup", m->cgroup);
	else
		jsonw_null_field(jw, "policy_cgroup");
	jsonw_string_field(jw, "action", policy_action_name(e->action));
	jsonw_u64_field(jw, "signal", e->signal);
	if (sig)
		jsonw_string_field(jw, "signal_name", sig);
	else
		jsonw_null_field(jw, "signal_name");
	jsonw_string_field(jw, "reason", policy_reason_name(e->reason));
	jsonw_u64_field(jw, "reason_code", e->reason);
	jsonw_u64_field(jw, "usage_bytes", e->usage_bytes);
	bytes_or_null(jw, "limit_bytes", lim.limit, lim.limit != CG_NOLIMIT);
	if (lim.type)
		jsonw_string_field(jw, "limit_type", lim.type);
	else
		jsonw_null_field(jw, "limit_type");
	bytes_or_null(jw, "threshold_bytes", lim.threshold, lim.threshold != CG_NOLIMIT);
	jsonw_u64_field(jw, "value", e->value);
	jsonw_u64_field(jw, "value2", e->value2);
	if (e->action == POLICY_ACT_FAILED)
		jsonw_string_field(jw, "error", strerror((int)e->value2));
	else
		jsonw_null_field(jw, "error");
	bytes_or_null(jw, "unreclaimable_bytes", e->unreclaimable_bytes, seen);
	bytes_or_null(jw, "headroom_bytes", e->headroom_bytes, seen);
	bytes_or_null(jw, "rate_bytes_per_s", e->rate_bps, seen && e->rate_bps);
	bytes_or_null(jw, "rate_headroom_bytes", e->rate_headroom_bytes, seen);
	jsonw_end_object(jw);
	jsonw_end_document(jw);
}
