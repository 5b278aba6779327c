// SPDX-License-Identifier: GPL-2.0-only
/* watch's pure helpers: the -e grammar, names, throttle reasons, histograms. */
#include <errno.h>

#include "unit.h"
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
	CHECK_STR("fmt-all", "reclaim,direct,oom,throttle,limit,cgroup", buf);
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

int main(void)
{
	unit_suite = "watch";
	test_classes();
	test_names();
	test_throttle();
	test_level();
	test_hist();
	return unit_done();
}
