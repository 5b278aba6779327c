// SPDX-License-Identifier: GPL-2.0-only
/* watch's pure helpers: the -e grammar, names, throttle reasons, histograms. */
#include <errno.h>
#include <stdlib.h>

#include "unit.h"
#include "golden.h"
#include "escape.h"
#include "json.h"
#include "units.h"
#include "watch_events.h"

static void test_classes(void)
{
	char bad[40], buf[128];
	uint32_t m = 0;

	CHECK("one", watch_parse_classes("oom", &m, bad, sizeof(bad)) == 0 &&
		     m == 1u << WATCH_C_OOM);
	CHECK("two", watch_parse_classes("reclaim,direct", &m, bad, sizeof(bad)) == 0 &&
		     m == ((1u << WATCH_C_RECLAIM) | (1u << WATCH_C_DIRECT)));
	CHECK("all", watch_parse_classes("all", &m, bad, sizeof(bad)) == 0 &&
		     m == WATCH_ALL_CLASSES);
	CHECK("all-plus-one", watch_parse_classes("oom,all", &m, bad, sizeof(bad)) == 0 &&
			      m == WATCH_ALL_CLASSES);
	CHECK("repeat", watch_parse_classes("oom,oom", &m, bad, sizeof(bad)) == 0 &&
			m == 1u << WATCH_C_OOM);
	m = 7;
	CHECK("junk", watch_parse_classes("oom,junk", &m, bad, sizeof(bad)) == -EINVAL && m == 7);
	CHECK_STR("junk-named", "junk", bad);
	CHECK("empty", watch_parse_classes("", &m, bad, sizeof(bad)) == -EINVAL);
	CHECK("null", watch_parse_classes(NULL, &m, bad, sizeof(bad)) == -EINVAL);
	CHECK("trailing-comma", watch_parse_classes("oom,", &m, bad, sizeof(bad)) == -EINVAL);
	CHECK_STR("trailing-comma-empty", "", bad);
	CHECK("leading-comma", watch_parse_classes(",oom", &m, bad, sizeof(bad)) == -EINVAL);
	CHECK("double-comma", watch_parse_classes("oom,,direct", &m, bad, sizeof(bad)) == -EINVAL);
	CHECK("case-sensitive", watch_parse_classes("OOM", &m, bad, sizeof(bad)) == -EINVAL);
	CHECK("prefix-not-a-class", watch_parse_classes("rec", &m, bad, sizeof(bad)) == -EINVAL);
	CHECK("long-word", watch_parse_classes("reclaimreclaimreclaimreclaimreclaimreclaim",
					       &m, bad, sizeof(bad)) == -EINVAL);
	CHECK("space", watch_parse_classes("oom, direct", &m, bad, sizeof(bad)) == -EINVAL);

	watch_fmt_classes(WATCH_ALL_CLASSES, buf, sizeof(buf));
	CHECK_STR("fmt-all", "reclaim,direct,oom,throttle,limit,cgroup,policy", buf);
	watch_fmt_classes(0, buf, sizeof(buf));
	CHECK_STR("fmt-none", "", buf);
	watch_fmt_classes((1u << WATCH_C_OOM) | (1u << WATCH_C_CGROUP), buf, sizeof(buf));
	CHECK_STR("fmt-two", "oom,cgroup", buf);
	watch_fmt_classes(WATCH_ALL_CLASSES, buf, 8);
	CHECK("fmt-truncates", strlen(buf) == 7);
	/* round trip */
	watch_fmt_classes(WATCH_ALL_CLASSES, buf, sizeof(buf));
	CHECK("roundtrip", watch_parse_classes(buf, &m, bad, sizeof(bad)) == 0 &&
			   m == WATCH_ALL_CLASSES);
}

static void test_names(void)
{
	CHECK_STR("type-reclaim", "reclaim", watch_type_name(WATCH_T_RECLAIM));
	CHECK_STR("type-oom", "oom_kill", watch_type_name(WATCH_T_OOM));
	CHECK_STR("type-unknown", "?", watch_type_name(99));
	CHECK("type-class-rmdir", watch_type_class(WATCH_T_RMDIR) == WATCH_C_CGROUP);
	CHECK("type-class-unknown", watch_type_class(0) == -1);
	CHECK_STR("class-bad", "?", watch_class_name(WATCH_C_NR));
	CHECK_STR("class-neg", "?", watch_class_name(-1));
}

static void test_throttle(void)
{
	char buf[64];

	watch_fmt_throttle_reason(0, buf, sizeof(buf));
	CHECK_STR("reason-none", "none", buf);
	watch_fmt_throttle_reason(1, buf, sizeof(buf));
	CHECK_STR("reason-writeback", "writeback", buf);
	watch_fmt_throttle_reason(1 | 4, buf, sizeof(buf));
	CHECK_STR("reason-two", "writeback|noprogress", buf);
	watch_fmt_throttle_reason(1 << 6, buf, sizeof(buf));
	CHECK_STR("reason-unknown-bit", "0x40", buf);
	watch_fmt_throttle_reason(-1, buf, 12);
	CHECK("reason-truncates", strlen(buf) == 11);
}

static void test_level(void)
{
	CHECK("level-root", watch_path_level("/") == 0);
	CHECK("level-empty", watch_path_level("") == 0);
	CHECK("level-1", watch_path_level("/a") == 1);
	CHECK("level-3", watch_path_level("/a/b.slice/c") == 3);
	CHECK("level-trailing", watch_path_level("/a/b/") == 2);
	CHECK("level-double-slash", watch_path_level("/a//b") == 2);
}

static void test_hist(void)
{
	__u64 h[WATCH_HIST_SLOTS] = { 0 };
	uint64_t lo, hi;

	watch_hist_bounds(0, &lo, &hi);
	CHECK("slot0", lo == 0 && hi == 2);
	watch_hist_bounds(1, &lo, &hi);
	CHECK("slot1", lo == 2 && hi == 4);
	watch_hist_bounds(10, &lo, &hi);
	CHECK("slot10", lo == 1024 && hi == 2048);
	watch_hist_bounds(WATCH_HIST_SLOTS - 1, &lo, &hi);
	CHECK("slot-last", lo == 1ULL << 31 && hi == 1ULL << 32);
	CHECK("used-empty", watch_hist_used(h, WATCH_HIST_SLOTS) == 0);
	h[3] = 1;
	h[7] = 5;
	CHECK("used", watch_hist_used(h, WATCH_HIST_SLOTS) == 8);
	h[WATCH_HIST_SLOTS - 1] = 1;
	CHECK("used-last", watch_hist_used(h, WATCH_HIST_SLOTS) == WATCH_HIST_SLOTS);
}

static void test_subtree(void)
{
	CHECK("in-root", watch_path_in("/", "/a/b"));
	CHECK("in-self", watch_path_in("/a", "/a"));
	CHECK("in-child", watch_path_in("/a", "/a/b"));
	CHECK("in-trailing-slash", watch_path_in("/a/", "/a/b"));
	CHECK("not-sibling-prefix", !watch_path_in("/a", "/ab"));
	CHECK("not-parent", !watch_path_in("/a/b", "/a"));
	CHECK("not-other", !watch_path_in("/a", "/b/a"));
}

static void test_policy_rec(void)
{
	struct policy_meta m = { .builtin = 1, .cgroup_id = 42 };
	struct policy_event e = {
		.ts_ns = 5, .cgroup_id = 42, .usage_bytes = 40ULL << 20,
		.limit_bytes = 32ULL << 20, .value = 64ULL << 20, .pid = 1235, .tgid = 1234,
		.signal = 10, .reason = POLICY_REASON_THRESHOLD, .action = POLICY_ACT_SIGNAL,
		.comm = "sigcatch",
	};
	struct policy_event_rec r = { .meta = &m, .e = &e, .cgroup = "/app/db" };
	struct json_writer *jw;
	char buf[256], *txt = NULL, *js = NULL;
	size_t tl = 0, jl = 0;
	FILE *tf = open_memstream(&txt, &tl), *jf = open_memstream(&js, &jl);

	snprintf(m.name, sizeof(m.name), "shed");
	snprintf(m.policy, sizeof(m.policy), "pressure");
	snprintf(m.cgroup, sizeof(m.cgroup), "/app");
	jw = jsonw_new(jf, false);

	/* the four actions/reasons a reader meets, each in text and JSON */
	policy_event_details(&r, buf, sizeof(buf));
	fprintf(tf, "%s\n", buf);
	r.time = 1700000000.25;
	policy_event_json(jw, &r);

	e.action = POLICY_ACT_DRY_RUN;
	e.reason = POLICY_REASON_HIGH;
	e.limit_bytes = ~0ULL;
	policy_event_details(&r, buf, sizeof(buf));
	fprintf(tf, "%s\n", buf);
	r.time = 1700000000.5;
	policy_event_json(jw, &r);

	snprintf(m.name, sizeof(m.name), "grace");
	snprintf(m.policy, sizeof(m.policy), "preoom");
	m.cgroup_id = 0;
	e.signal = 15;
	e.action = POLICY_ACT_FAILED;
	e.value2 = ESRCH;
	e.reason = POLICY_REASON_RECLAIM_FAILING;
	e.value = 4;
	e.limit_bytes = 64ULL << 20;
	policy_event_details(&r, buf, sizeof(buf));
	fprintf(tf, "%s\n", buf);
	r.time = 1700000001.0;
	policy_event_json(jw, &r);

	snprintf(m.name, sizeof(m.name), "mine");
	snprintf(m.policy, sizeof(m.policy), "my.bpf.o");
	m.builtin = 0;
	memset(e.comm, 0, sizeof(e.comm));
	e.signal = 99;
	e.action = POLICY_ACT_SIGNAL;
	e.reason = POLICY_REASON_USER + 1;
	e.value = 7;
	r.cgroup = NULL;	/* gone before its path was learnt: null */
	r.time = 1700000002.0;
	policy_event_json(jw, &r);
	e.cgroup_id = 0;	/* a user policy that did not say: null too */
	policy_event_json(jw, &r);
	e.cgroup_id = 42;
	r.cgroup = "id:77";
	policy_event_details(&r, buf, sizeof(buf));
	fprintf(tf, "%s\n", buf);

	/* preoom's view of the cgroup, on v1: limit_type v1, no unknown rate */
	snprintf(m.name, sizeof(m.name), "grace");
	snprintf(m.policy, sizeof(m.policy), "preoom");
	m.builtin = 1;
	r.cgroup = "/app/db";
	r.v1 = true;
	e.reason = POLICY_REASON_NEAR_LIMIT;
	e.unreclaimable_bytes = 30ULL << 20;
	e.headroom_bytes = 8ULL << 20;
	e.rate_bps = 0;
	policy_event_details(&r, buf, sizeof(buf));
	fprintf(tf, "%s\n", buf);
	r.time = 1700000003.000001;
	policy_event_json(jw, &r);

	/* a long name and a small buffer: truncated, terminated */
	policy_event_details(&r, buf, 12);
	CHECK("details-truncates", strlen(buf) == 11);

	jsonw_destroy(&jw);
	fclose(tf);
	fclose(jf);
	golden("watch-policy.txt", txt);
	golden("watch-policy.json", js);
	free(txt);
	free(js);
}

/* The text line as printf wrote it before watch_text.c: the oracle. */
static void text_printf(FILE *f, uint64_t real, const struct watch_event *e, const char *path,
			bool ids, uint64_t page_size)
{
	char tbuf[32], pbuf[32], d1[UNITS_BUF], d2[UNITS_BUF], det[160], comm[WATCH_COMM_LEN + 1];
	char idcol[32] = "", kc[WATCH_COMM_LEN + 1], reason[64];
	time_t sec = real / 1000000000ULL;
	struct tm tm;

	memcpy(comm, e->comm, WATCH_COMM_LEN);
	comm[WATCH_COMM_LEN] = 0;
	switch (e->type) {
	case WATCH_T_RECLAIM:
	case WATCH_T_DIRECT:
		snprintf(det, sizeof(det), "lat=%s reclaimed=%llu",
			 fmt_duration(d1, sizeof(d1), e->reclaim.lat_ns),
			 (unsigned long long)e->reclaim.nr_reclaimed);
		break;
	case WATCH_T_OOM:
		memcpy(kc, e->oom.killer_comm, WATCH_COMM_LEN);
		kc[WATCH_COMM_LEN] = 0;
		if (e->flags & WATCH_F_NO_RSS)
			snprintf(det, sizeof(det), "by=%s[%u]%s", esc(kc), e->oom.killer_pid,
				 e->flags & WATCH_F_CG_OF_KILLER ? " (cgroup of killer)" : "");
		else
			snprintf(det, sizeof(det), "anon=%s file=%s shmem=%s adj=%d by=%s[%u]",
				 fmt_size(d1, sizeof(d1), e->oom.anon_rss * page_size),
				 fmt_size(d2, sizeof(d2), e->oom.file_rss * page_size),
				 fmt_size(pbuf, sizeof(pbuf), e->oom.shmem_rss * page_size),
				 e->oom.oom_score_adj, esc(kc), e->oom.killer_pid);
		break;
	case WATCH_T_THROTTLE:
		watch_fmt_throttle_reason(e->throttle.reason, reason, sizeof(reason));
		snprintf(det, sizeof(det), "slept=%s %s",
			 fmt_duration(d1, sizeof(d1), (uint64_t)(e->throttle.delayed_us > 0 ?
						     e->throttle.delayed_us : 0) * 1000),
			 reason);
		break;
	default:
		snprintf(det, sizeof(det), "level=%d", e->cg.level);
		break;
	}
	localtime_r(&sec, &tm);
	snprintf(tbuf, sizeof(tbuf), "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(real % 1000000000ULL / 1000000));
	if (ids)
		snprintf(idcol, sizeof(idcol), "%-8llu ", (unsigned long long)e->cgid);
	fprintf(f, "%s %s%-18s %7u %-12.12s %-8s %s\n", tbuf, idcol,
		watch_tail(path, 18, pbuf, sizeof(pbuf)), e->pid, comm[0] ? esc(comm) : "-",
		watch_type_name(e->type), det);
}

static void test_text(void)
{
	static const char *const paths[] = {
		"/", "/a", "/system.slice/foo-bar.service", "/user.slice/\x1b[31mred",
		"/evil/\033]0;title\a\n2020 fake line", "/caf\xc3\xa9/\xe2\x80\xae/x",
		"/exactly/eighteen1", "/exactly/nineteen12", "/\xff\xfe",
	};
	static const char *const comms[] = {
		"", "bash", "kworker/u8:3", "0123456789abcde", "\x1b[2J\x9b", "a\nb\rc\td",
		"\xc3\xa9t\xc3\xa9", ("\xe2\x80\xae" "bidi"),
	};
	static const uint64_t lats[] = { 0, 999, 1050, 1250, 54321, 999950, 1234567, 2500000000ULL,
					 UINT64_MAX };
	struct watch_clock k = { 0 };
	char *want = NULL, *got = NULL, *gold = NULL;
	size_t wl, gl, dl;
	FILE *wf = open_memstream(&want, &wl), *gf = open_memstream(&got, &gl);
	FILE *df = open_memstream(&gold, &dl);
	uint64_t real = 1700000000123456789ULL;
	int n = 0;

	esc_set_utf8(true);
	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
		for (size_t c = 0; c < sizeof(comms) / sizeof(comms[0]); c++) {
			for (int t = WATCH_T_RECLAIM; t <= WATCH_T_RMDIR; t++) {
				struct watch_event e = { 0 };
				char path[128];
				bool ids = n & 1;

				snprintf(path, sizeof(path), "%s", paths[p]);
				e.type = t;
				e.pid = (uint32_t)(n * 2654435761u) >> (n % 32);
				e.cgid = (uint64_t)n * 0x9e3779b97f4a7c15ULL >> (n % 64);
				memcpy(e.comm, comms[c], strnlen(comms[c], WATCH_COMM_LEN));
				e.reclaim.lat_ns = lats[n % 9];
				e.reclaim.nr_reclaimed = (uint64_t)n << (n % 40);
				if (t == WATCH_T_OOM) {
					e.flags = n % 3 == 0 ? WATCH_F_NO_RSS | (n & 2 ? WATCH_F_CG_OF_KILLER : 0) : 0;
					e.oom.anon_rss = (uint64_t)n << 10;
					e.oom.file_rss = n;
					e.oom.shmem_rss = (uint64_t)n << 20;
					e.oom.oom_score_adj = n % 2001 - 1000;
					e.oom.killer_pid = n;
					memcpy(e.oom.killer_comm, comms[(c + 1) % 8],
					       strnlen(comms[(c + 1) % 8], WATCH_COMM_LEN));
				} else if (t == WATCH_T_THROTTLE) {
					e.throttle.delayed_us = n % 5 == 0 ? -1 : n * 997;
					e.throttle.reason = n % 8;
				} else if (t == WATCH_T_MKDIR || t == WATCH_T_RMDIR) {
					e.cg.level = n % 7;
				}
				/* milliseconds, seconds and minutes go by, the cache with them */
				real += (uint64_t)(n % 4) * 377000000ULL + (n % 11 == 0) * 61000000000ULL;
				text_printf(wf, real, &e, path, ids, 4096);
				watch_text_event(gf, &k, real, &e, path, ids, 4096);
				if (n % 7 == 0)
					watch_text_event(df, &k, real, &e, path, ids, 4096);
				n++;
			}
		}
	}
	fclose(wf);
	fclose(gf);
	fclose(df);
	CHECK("text-lines", n > 300);
	if (strcmp(want, got))
		printf("---- want\n%s---- got\n%s----\n", want, got);
	CHECK("text-as-printf", !strcmp(want, got));
	golden("watch-text.txt", gold);
	free(want);
	free(got);
	free(gold);
}

int main(void)
{
	unit_suite = "watch";
	test_text();
	test_classes();
	test_names();
	test_throttle();
	test_level();
	test_hist();
	test_subtree();
	test_policy_rec();
	return unit_done();
}
