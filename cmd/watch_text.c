// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch's text line for one event, written straight into its stdio
 * stream: the time prefix computed once a second, the numbers by hand and
 * the columns with fwrite, which in an event storm costs a fraction of
 * the localtime_r + snprintf + fprintf it replaces.  The bytes are those
 * of the printf formats named beside each column (tests/unit/test_watch.c
 * holds them side by side).  Pure: unit-tested directly.
 */
#define _GNU_SOURCE	/* fwrite_unlocked, fputc_unlocked */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "units.h"
#include "watch_events.h"

static const char spaces[] = "                                ";

const char *watch_tail(const char *path, size_t width, char *buf, size_t len)
{
	const char *s = esc(path);
	size_t n = strlen(s);

	if (n <= width)
		return s;
	snprintf(buf, len, "..%s", s + n - (width - 2));
	return buf;
}

/*
 * "hh:mm:ss.mmm" (13 bytes with the NUL).  The local time is looked up
 * again whenever the epoch second changes, so a timezone or DST change
 * shows from the next second on, as it did with a lookup per line.
 */
size_t watch_clock_fmt(struct watch_clock *k, uint64_t real_ns, char *buf)
{
	time_t sec = real_ns / 1000000000ULL;
	unsigned int ms = real_ns % 1000000000ULL / 1000000;

	if (!k->valid || k->sec != sec) {
		struct tm tm = { 0 };

		localtime_r(&sec, &tm);
		snprintf(k->hms, sizeof(k->hms), "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		k->len = strlen(k->hms);
		k->sec = sec;
		k->valid = true;
	}
	memcpy(buf, k->hms, k->len);
	buf[k->len] = '0' + ms / 100;
	buf[k->len + 1] = '0' + ms / 10 % 10;
	buf[k->len + 2] = '0' + ms % 10;
	buf[k->len + 3] = 0;
	return k->len + 3;
}

/* "%-*s" of the n bytes at s */
static void put_left(FILE *f, const char *s, size_t n, size_t width)
{
	fwrite_unlocked(s, 1, n, f);
	if (n < width)
		fwrite_unlocked(spaces, 1, width - n, f);
}

/* "%*u" */
static void put_right_u64(FILE *f, uint64_t v, size_t width)
{
	char buf[24], *p = buf + sizeof(buf);
	size_t n;

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	n = buf + sizeof(buf) - p;
	if (n < width)
		fwrite_unlocked(spaces, 1, width - n, f);
	fwrite_unlocked(p, 1, n, f);
}

static void put_str(FILE *f, const char *s)
{
	fwrite_unlocked(s, 1, strlen(s), f);
}

/* The details column: by hand for the storm's events, printf for the rare ones. */
static void put_details(FILE *f, const struct watch_event *e, uint64_t page_size)
{
	char d1[UNITS_BUF], d2[UNITS_BUF], d3[UNITS_BUF], det[160];

	switch (e->type) {
	case WATCH_T_RECLAIM:
	case WATCH_T_DIRECT:	/* "lat=%s reclaimed=%llu" */
		fwrite_unlocked("lat=", 1, 4, f);
		put_str(f, fmt_duration(d1, sizeof(d1), e->reclaim.lat_ns));
		fwrite_unlocked(" reclaimed=", 1, 11, f);
		fput_u64(f, e->reclaim.nr_reclaimed, 1, false);
		return;
	case WATCH_T_THROTTLE:	/* "slept=%s %s" */
		watch_fmt_throttle_reason(e->throttle.reason, det, sizeof(det));
		fwrite_unlocked("slept=", 1, 6, f);
		put_str(f, fmt_duration(d1, sizeof(d1), (uint64_t)(e->throttle.delayed_us > 0 ?
						     e->throttle.delayed_us : 0) * 1000));
		fputc_unlocked(' ', f);
		put_str(f, det);
		return;
	case WATCH_T_OOM: {
		char kc[WATCH_COMM_LEN + 1];

		memcpy(kc, e->oom.killer_comm, WATCH_COMM_LEN);
		kc[WATCH_COMM_LEN] = 0;
		if (e->flags & WATCH_F_NO_RSS)
			snprintf(det, sizeof(det), "by=%s[%u]%s", esc(kc), e->oom.killer_pid,
				 e->flags & WATCH_F_CG_OF_KILLER ? " (cgroup of killer)" : "");
		else
			snprintf(det, sizeof(det), "anon=%s file=%s shmem=%s adj=%d by=%s[%u]",
				 fmt_size(d1, sizeof(d1), e->oom.anon_rss * page_size),
				 fmt_size(d2, sizeof(d2), e->oom.file_rss * page_size),
				 fmt_size(d3, sizeof(d3), e->oom.shmem_rss * page_size),
				 e->oom.oom_score_adj, esc(kc), e->oom.killer_pid);
		break;
	}
	default:
		snprintf(det, sizeof(det), "level=%d", e->cg.level);
		break;
	}
	put_str(f, det);
}

/* "%s %s%-18s %7u %-12.12s %-8s %s\n": time, [id], cgroup, pid, comm, event, details */
void watch_text_event(FILE *f, struct watch_clock *k, uint64_t real_ns,
		      const struct watch_event *e, const char *path, bool ids,
		      uint64_t page_size)
{
	char tbuf[32], pbuf[32], comm[WATCH_COMM_LEN + 1];
	const char *s;
	size_t n;

	n = watch_clock_fmt(k, real_ns, tbuf);
	tbuf[n++] = ' ';
	fwrite_unlocked(tbuf, 1, n, f);
	if (ids) {	/* "%-8llu " */
		char *p = tbuf + sizeof(tbuf);
		uint64_t v = e->cgid;

		do {
			*--p = '0' + v % 10;
			v /= 10;
		} while (v);
		put_left(f, p, tbuf + sizeof(tbuf) - p, 8);
		fputc_unlocked(' ', f);
	}
	s = watch_tail(path, 18, pbuf, sizeof(pbuf));
	put_left(f, s, strlen(s), 18);
	fputc_unlocked(' ', f);
	put_right_u64(f, e->pid, 7);
	fputc_unlocked(' ', f);
	memcpy(comm, e->comm, WATCH_COMM_LEN);
	comm[WATCH_COMM_LEN] = 0;
	s = comm[0] ? esc(comm) : "-";
	put_left(f, s, strnlen(s, 12), 12);
	fputc_unlocked(' ', f);
	s = watch_type_name(e->type);
	put_left(f, s, strlen(s), 8);
	fputc_unlocked(' ', f);
	put_details(f, e, page_size);
	fputc_unlocked('\n', f);
}
