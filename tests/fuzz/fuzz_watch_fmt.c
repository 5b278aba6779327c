// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch's formatters (cmd/watch_fmt.c): the -e class grammar, class and
 * throttle-reason lists, path levels and subtree tests, histogram slots,
 * and a policy action as a text line and as JSON, from an event and
 * metadata made of input bytes.  The event's comm is 16 bytes without a
 * NUL as the kernel may send it; the metadata's strings are terminated,
 * as policy_meta_read() leaves them.  The JSON must be valid.
 */
#include <linux/types.h>

#include "fuzz.h"
#include "json.h"
#include "watch_events.h"

static void take(struct fuzz_in *in, void *dst, size_t len)
{
	size_t n = in->n < len ? in->n : len;

	memset(dst, 0, len);
	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
}

#define TERMINATE(a) ((a)[sizeof(a) - 1] = '\0')

static void policy_record(struct fuzz_in *in)
{
	struct policy_event *e = malloc(sizeof(*e));	/* heap: ASan sees past its end */
	struct policy_meta *m = malloc(sizeof(*m));
	char *cgroup, line[256], *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct json_writer *w;
	const char *why = NULL;
	struct policy_event_rec r;

	if (!e || !m)
		abort();
	take(in, e, sizeof(*e));
	take(in, m, sizeof(*m));
	TERMINATE(m->name);
	TERMINATE(m->policy);
	TERMINATE(m->source);
	TERMINATE(m->cgroup);
	TERMINATE(m->cgroup_path);
	cgroup = fuzz_str(in);
	r = (struct policy_event_rec){ .meta = m, .e = e, .cgroup = (in->n & 2) ? cgroup : NULL,
				     .time = (double)e->ts_ns / 1e9, .v1 = in->n & 4 };

	policy_event_details(&r, line, sizeof(line));
	FUZZ_ASSERT(strlen(line) < sizeof(line), "details overflow");
	policy_event_details(&r, line, 8);

	f = open_memstream(&buf, &len);
	w = f ? jsonw_new(f, in->n & 1) : NULL;
	if (!w)
		abort();
	policy_event_json(w, &r);
	fflush(f);
	FUZZ_ASSERT(fuzz_json_valid(buf, len, &why), "policy json: %s: %.*s", why, (int)len, buf);
	jsonw_destroy(&w);
	fclose(f);
	free(buf);
	free(cgroup);
	free(m);
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char *classes = fuzz_str(&in), *top = fuzz_str(&in), *rel = fuzz_str(&in);
	char bad[32], buf[128], tiny[6];
	uint32_t mask = 0, m2;
	uint64_t lo, hi, reason = fuzz_u64(&in, 4);
	__u64 hist[WATCH_HIST_SLOTS];
	int used;

	if (!watch_parse_classes(classes, &mask, bad, sizeof(bad))) {
		FUZZ_ASSERT(mask && !(mask & ~WATCH_ALL_CLASSES), "mask %#x", mask);
		watch_fmt_classes(mask, buf, sizeof(buf));
		/* the list of names parses back to the same mask */
		FUZZ_ASSERT(!watch_parse_classes(buf, &m2, bad, sizeof(bad)) && m2 == mask,
			    "'%s' -> %#x -> '%s'", classes, mask, buf);
	} else {
		FUZZ_ASSERT(strlen(bad) < sizeof(bad), "bad word");
	}
	watch_fmt_classes((uint32_t)reason, tiny, sizeof(tiny));
	watch_fmt_throttle_reason((int)reason, buf, sizeof(buf));
	watch_fmt_throttle_reason((int)reason, tiny, sizeof(tiny));
	for (int t = -1; t < 8; t++) {
		watch_type_name(t);
		watch_class_name(watch_type_class(t));
	}
	FUZZ_ASSERT(watch_path_level(rel) >= 0, "level");
	if (top[0] == '/' && rel[0] == '/')
		watch_path_in(top, rel);
	take(&in, hist, sizeof(hist));
	used = watch_hist_used(hist, WATCH_HIST_SLOTS);
	FUZZ_ASSERT(used >= 0 && used <= WATCH_HIST_SLOTS, "used %d", used);
	for (int i = 0; i < WATCH_HIST_SLOTS; i++) {
		watch_hist_bounds(i, &lo, &hi);
		FUZZ_ASSERT(lo < hi, "slot %d: [%llu, %llu)", i, (unsigned long long)lo,
			    (unsigned long long)hi);
	}
	policy_record(&in);
	free(classes);
	free(top);
	free(rel);
	return 0;
}
