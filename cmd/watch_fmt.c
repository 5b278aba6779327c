// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch's pure helpers: class and type names, the -e grammar, throttle
 * reasons, histogram slots and the policy-action record.  No BPF, no
 * reading: unit-tested directly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "units.h"
#include "watch_events.h"

static const char *const class_names[WATCH_C_NR] = {
	[WATCH_C_RECLAIM] = "reclaim",
	[WATCH_C_DIRECT] = "direct",
	[WATCH_C_OOM] = "oom",
	[WATCH_C_THROTTLE] = "throttle",
	[WATCH_C_LIMIT] = "limit",
	[WATCH_C_CGROUP] = "cgroup",
	[WATCH_C_POLICY] = "policy",
};

const char *watch_class_name(int cls)
{
	return cls >= 0 && cls < WATCH_C_NR ? class_names[cls] : "?";
}

int watch_parse_classes(const char *s, uint32_t *mask, char *bad, size_t badlen)
{
	char word[32];
	uint32_t m = 0;
	const char *p = s;

	if (!s || !*s) {
		snprintf(bad, badlen, "%s", "");
		return -EINVAL;
	}
	while (1) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int i;

		if (len == 0 || len >= sizeof(word)) {
			snprintf(bad, badlen, "%.*s", (int)(len > 31 ? 31 : len), p);
			return -EINVAL;
		}
		memcpy(word, p, len);
		word[len] = 0;
		if (!strcmp(word, "all")) {
			m |= WATCH_ALL_CLASSES;
		} else {
			for (i = 0; i < WATCH_C_NR; i++)
				if (!strcmp(word, class_names[i]))
					break;
			if (i == WATCH_C_NR) {
				snprintf(bad, badlen, "%s", word);
				return -EINVAL;
			}
			m |= 1u << i;
		}
		if (!end)
			break;
		p = end + 1;
	}
	*mask = m;
	return 0;
}

void watch_fmt_classes(uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = 0;
	for (int i = 0; i < WATCH_C_NR; i++) {
		if (!(mask & (1u << i)))
			continue;
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
				off ? "," : "", class_names[i]);
	}
}

const char *watch_type_name(int type)
{
	switch (type) {
	case WATCH_T_RECLAIM: return "reclaim";
	case WATCH_T_DIRECT: return "direct";
	case WATCH_T_OOM: return "oom_kill";
	case WATCH_T_THROTTLE: return "throttle";
	case WATCH_T_MKDIR: return "mkdir";
	case WATCH_T_RMDIR: return "rmdir";
	default: return "?";
	}
}

int watch_type_class(int type)
{
	switch (type) {
	case WATCH_T_RECLAIM: return WATCH_C_RECLAIM;
	case WATCH_T_DIRECT: return WATCH_C_DIRECT;
	case WATCH_T_OOM: return WATCH_C_OOM;
	case WATCH_T_THROTTLE: return WATCH_C_THROTTLE;
	case WATCH_T_MKDIR:
	case WATCH_T_RMDIR: return WATCH_C_CGROUP;
	default: return -1;
	}
}

void watch_fmt_throttle_reason(int reason, char *buf, size_t len)
{
	/* bit numbers of enum vmscan_throttle_state, stable since 5.16 */
	static const char *const names[] = { "writeback", "isolated", "noprogress", "congested" };
	size_t off = 0;

	if (len)
		buf[0] = 0;
	if (!reason) {
		snprintf(buf, len, "none");
		return;
	}
	for (unsigned int i = 0; i < 32; i++) {
		if (!(reason & (1u << i)))
			continue;
		if (i < sizeof(names) / sizeof(names[0]))
			off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
					off ? "|" : "", names[i]);
		else
			off += snprintf(buf + off, off < len ? len - off : 0, "%s0x%x",
					off ? "|" : "", 1u << i);
	}
}

int watch_path_level(const char *rel)
{
	int level = 0;

	for (const char *p = rel; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	return level;
}

void watch_hist_bounds(int slot, uint64_t *lo, uint64_t *hi)
{
	/* slot 0 holds 0 and 1 us; slot k holds [2^k, 2^(k+1)) */
	*lo = slot ? 1ULL << slot : 0;
	*hi = 1ULL << (slot + 1);
}

int watch_hist_used(const __u64 *hist, int nslots)
{
	int used = 0;

	for (int i = 0; i < nslots; i++)
		if (hist[i])
			used = i + 1;
	return used;
}

bool watch_path_in(const char *top, const char *rel)
{
	size_t n = strlen(top);

	while (n > 1 && top[n - 1] == '/')
		n--;
	if (n == 1 && top[0] == '/')
		return rel[0] == '/';
	return !strncmp(top, rel, n) && (rel[n] == 0 || rel[n] == '/');
}

static void comm_of(const struct policy_event *e, char *buf)
{
	memcpy(buf, e->comm, sizeof(e->comm));
	buf[sizeof(e->comm)] = 0;
}

void watch_fmt_policy_details(const struct watch_policy_rec *r, char *buf, size_t len)
{
	const struct policy_event *e = r->e;
	const char *sig = policy_signal_name((int)e->signal);
	char sigbuf[16], u[UNITS_BUF], l[UNITS_BUF], extra[48] = "", act[64] = "";

	if (!sig) {
		snprintf(sigbuf, sizeof(sigbuf), "signal %u", e->signal);
		sig = sigbuf;
	} else {
		snprintf(sigbuf, sizeof(sigbuf), "%s", sig);	/* static buffer */
		sig = sigbuf;
	}
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
		break;
	default:
		snprintf(extra, sizeof(extra), " value=%llu", (unsigned long long)e->value);
	}
	snprintf(buf, len, "%s(%s) %s %s usage=%s limit=%s%s", esc(r->meta->name),
		 r->meta->policy[0] ? esc(r->meta->policy) : "?", act, policy_reason_name(e->reason),
		 fmt_size(u, sizeof(u), e->usage_bytes),
		 e->limit_bytes == ~0ULL ? "max" : fmt_size(l, sizeof(l), e->limit_bytes), extra);
}

void watch_fmt_policy_json(struct json_writer *jw, double time, const struct watch_policy_rec *r)
{
	const struct policy_event *e = r->e;
	const struct policy_meta *m = r->meta;
	const char *sig = policy_signal_name((int)e->signal);
	char comm[sizeof(e->comm) + 1];

	comm_of(e, comm);
	jsonw_start_object(jw);
	jsonw_float_field(jw, "time", time, 6);
	jsonw_string_field(jw, "type", "policy");
	jsonw_string_field(jw, "class", "policy");
	jsonw_string_field(jw, "cgroup", r->cgroup);
	jsonw_u64_field(jw, "id", e->cgroup_id);
	jsonw_u64_field(jw, "pid", e->tgid);
	if (comm[0])
		jsonw_string_field(jw, "comm", comm);
	else
		jsonw_null_field(jw, "comm");
	jsonw_u64_field(jw, "charging_tid", e->pid);
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
	if (e->limit_bytes == ~0ULL)
		jsonw_null_field(jw, "limit_bytes");
	else
		jsonw_u64_field(jw, "limit_bytes", e->limit_bytes);
	jsonw_u64_field(jw, "value", e->value);
	jsonw_u64_field(jw, "value2", e->value2);
	if (e->action == POLICY_ACT_FAILED)
		jsonw_string_field(jw, "error", strerror((int)e->value2));
	else
		jsonw_null_field(jw, "error");
	jsonw_end_object(jw);
	jsonw_end_document(jw);
}
