// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch's pure helpers: class and type names, the -e grammar, throttle
 * reasons, histogram slots and the policy-action record.  No BPF, no
 * reading: unit-tested directly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
