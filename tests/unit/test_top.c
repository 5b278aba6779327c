// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's renderers and view on a snapshot built by hand: golden text,
 * JSON and Prometheus output (tests/unit/golden/top.*; regenerate with
 * UPDATE_GOLDEN=1 and read the diff), the exposition format checked line
 * by line, and sorting, tree order, filter, fold and --columns parsing.
 */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "top_snap.h"
#include "unit.h"
#include "golden.h"

#define MB (1ULL << 20)

static struct top_row *add(struct top_snap *s, const char *rel, uint64_t id, int depth,
			   int parent)
{
	int i = top_snap_add(s, rel, id, depth, parent);

	return i < 0 ? NULL : &s->rows[i];
}

static void known_row(struct top_row *r, uint64_t cur, uint64_t max, uint64_t high)
{
	struct cg_mem *m = &r->mem;

	m->current = cur;
	m->peak = cur + 4 * MB;
	m->max = max;
	m->high = high;
	m->swap_current = 0;
	m->nr_procs = 2;
	m->stat[CG_STAT_anon] = cur / 4;
	m->stat[CG_STAT_file] = cur / 2;
	m->stat[CG_STAT_kernel] = cur / 8;
	m->stat[CG_STAT_pgsteal] = 1000;
	m->stat[CG_STAT_workingset_refault_anon] = 10;
	m->stat[CG_STAT_workingset_refault_file] = 20;
	m->events[CG_EV_high] = 0;
	m->events[CG_EV_max] = 7;
	m->events[CG_EV_oom_kill] = 1;
	m->psi_some = (struct cg_psi_line){ 12.5, 6.25, 1.0, 2500000 };
	m->psi_full = (struct cg_psi_line){ 3.5, 1.5, 0.25, 700000 };
	r->psi_some_rate = 25.0;
	r->psi_full_rate = 5.0;
	r->reclaim_rate = 512;
	r->stall_rate = 12.345;
	r->refault_rate = 64;
	r->limit_events = 3;
	r->oom_new = 0;
	r->bpf_known = true;
	r->bpf = (struct top_cg_stats){ .stall_ns = 1500000000, .reclaims = 40, .reclaimed = 9000,
					.oom_kills = 1 };
}

/* A tree: / > app.slice > {web.service, "db\"x"}, and batch.slice (unreadable). */
static void build(struct top_snap *s)
{
	struct top_row *r;

	memset(s, 0, sizeof(*s));
	s->time = 1700000000.5;
	s->interval = 1.0;
	s->layout = "v2";
	s->bpf = true;
	s->src = TOP_SRC_ALL;
	r = add(s, "/", 1, 0, -1);
	known_row(r, 900 * MB, CG_NOLIMIT, CG_NOLIMIT);
	r = add(s, "/app.slice", 100, 1, 0);
	known_row(r, 300 * MB, 512 * MB, 400 * MB);
	r = add(s, "/app.slice/web.service", 101, 2, 1);
	known_row(r, 200 * MB, 256 * MB, CG_NOLIMIT);
	r->stall_rate = 80;
	r = add(s, "/app.slice/db\"x", 102, 2, 1);
	known_row(r, 90 * MB, CG_NOLIMIT, CG_NOLIMIT);
	r->mem.psi_some.total_us = CG_UNKNOWN;	/* no cgroup2 twin */
	r->psi_some_rate = -1;
	add(s, "/batch.slice", 200, 1, 0);	/* vanished before it was read: all '-' */
}

static __attribute__((noinline)) char *render(int which, const struct top_snap *s, const struct top_view *v,
		    const struct top_colset *cs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *w;

	switch (which) {
	case 0:
		top_render_text(f, s, v, cs);
		break;
	case 1:
		w = jsonw_new(f, true);
		top_render_json(w, s, v);
		jsonw_end_document(w);
		jsonw_destroy(&w);
		break;
	case 2:
		top_render_metrics(f, s, v, TOP_FMT_PROMETHEUS);
		break;
	default:
		top_render_metrics(f, s, v, TOP_FMT_OPENMETRICS);
		break;
	}
	fclose(f);
	return buf;
}

/*
 * The Prometheus text format, strictly: HELP/TYPE before a family's
 * samples, one TYPE per family, samples of a family together, names and
 * labels well formed, values numbers, no duplicate series.
 */
static bool valid_exposition(const char *text, char *why, size_t whylen)
{
	regex_t help, type, sample;
	char *dup = strdup(text), *save = NULL, family[128] = "", seen[64][128];
	char series[256][256];
	int nseen = 0, nseries = 0;
	bool ok = true;

	regcomp(&help, "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$", REG_EXTENDED | REG_NOSUB);
	regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|untyped)$", REG_EXTENDED);
	regcomp(&sample,
		"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
		"(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*)?\\})? "
		"(-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|\\+Inf|-Inf)$",
		REG_EXTENDED);
	for (char *l = strtok_r(dup, "\n", &save); ok && l; l = strtok_r(NULL, "\n", &save)) {
		regmatch_t m[2];

		if (!strncmp(l, "# HELP ", 7)) {
			ok = !regexec(&help, l, 0, NULL, 0);
		} else if (!regexec(&type, l, 2, m, 0)) {
			snprintf(family, sizeof(family), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
				 l + m[1].rm_so);
			for (int i = 0; i < nseen; i++)
				if (!strcmp(seen[i], family))
					ok = false;	/* a family twice: not contiguous */
			if (nseen < 64)
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", family);
		} else if (!regexec(&sample, l, 2, m, 0)) {
			int n = (int)(m[1].rm_eo - m[1].rm_so);
			char *sp = strrchr(l, ' ');

			ok = (int)strlen(family) == n && !strncmp(l, family, n);
			for (int i = 0; ok && i < nseries; i++)
				if (!strncmp(series[i], l, sp - l) && series[i][sp - l] == '\0')
					ok = false;
			if (nseries < 256)
				snprintf(series[nseries++], sizeof(series[0]), "%.*s", (int)(sp - l), l);
		} else {
			ok = false;
		}
		if (!ok)
			snprintf(why, whylen, "bad line: %s", l);
	}
	regfree(&help);
	regfree(&type);
	regfree(&sample);
	free(dup);
	return ok;
}

static void test_validator(void)
{
	char why[256];

	CHECK("validator-accepts", valid_exposition(
		"# HELP a_total x\n# TYPE a_total counter\na_total{cgroup=\"/x\\\"y\"} 3\n", why, sizeof(why)));
	CHECK("validator-rejects-untyped-sample", !valid_exposition("a 1\n", why, sizeof(why)));
	CHECK("validator-rejects-junk-value", !valid_exposition(
		"# TYPE a gauge\na{cgroup=\"/\"} -\n", why, sizeof(why)));
	CHECK("validator-rejects-dup-series", !valid_exposition(
		"# TYPE a gauge\na{cgroup=\"/\"} 1\na{cgroup=\"/\"} 2\n", why, sizeof(why)));
	CHECK("validator-rejects-split-family", !valid_exposition(
		"# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\na 2\n", why, sizeof(why)));
	CHECK("validator-rejects-bad-escape", !valid_exposition(
		"# TYPE a gauge\na{cgroup=\"x\"y\"} 1\n", why, sizeof(why)));
}

static void test_renderers(void)
{
	struct top_snap s;
	struct top_view v = { .sort_col = top_col_find("current"), .sort_desc = true, .tree = true };
	struct top_colset cs;
	char why[256] = "";
	char *out;

	build(&s);
	top_colset_default(&cs);
	out = render(0, &s, &v, &cs);
	golden("top.txt", out);
	{
		const char *l = strstr(out, "batch.slice");
		size_t len = l ? strcspn(l, "\n") : 0;
		bool digit = false;

		for (size_t i = 0; i < len; i++)
			digit |= l[i] >= '0' && l[i] <= '9';
		CHECK("text-unknown-is-dash-not-0", l && !digit && memchr(l, '-', len));
	}
	free(out);

	v.tree = false;
	top_colset_parse(&cs, "all", why, sizeof(why));
	out = render(0, &s, &v, &cs);
	golden("top-flat-all.txt", out);
	free(out);

	v.tree = true;
	out = render(1, &s, &v, &cs);
	golden("top.json", out);
	free(out);

	out = render(2, &s, &v, &cs);
	golden("top.prom", out);
	CHECK("prom-valid", valid_exposition(out, why, sizeof(why)));
	if (why[0])
		printf("     %s\n", why);
	CHECK("prom-label-escaped", strstr(out, "cgroup=\"/app.slice/db\\\"x\"") != NULL);
	CHECK("prom-unknown-left-out", !strstr(out, "batch.slice"));
	CHECK("prom-no-start-time-unless-exporter", !strstr(out, "memcgctl_start_time_seconds"));
	free(out);

	/* the exporter (--textfile) says when its BPF counters started, to the microsecond */
	v.start_time = 1764633600.25;
	out = render(2, &s, &v, &cs);
	CHECK("prom-start-time", strstr(out, "# TYPE memcgctl_start_time_seconds gauge\n"
				     "memcgctl_start_time_seconds{root=\"/\"} 1764633600.250000\n") != NULL);
	CHECK("prom-start-time-valid", valid_exposition(out, why, sizeof(why)));
	free(out);
	v.start_time = 0;
	out = render(3, &s, &v, &cs);
	golden("top.om", out);
	{
		size_t len = strlen(out);

		CHECK("om-eof-last", len > 6 && !strcmp(out + len - 6, "# EOF\n") &&
		      strstr(out, "# EOF") == out + len - 6);
	}
	CHECK("om-counter-family-and-total", strstr(out, "\n# TYPE memcgctl_oom_kills counter\n") &&
	      strstr(out, "\nmemcgctl_oom_kills_total{") && !strstr(out, "# TYPE memcgctl_oom_kills_total"));
	CHECK("om-unit", strstr(out, "\n# UNIT memcgctl_reclaim_stall_seconds seconds\n") != NULL);
	CHECK("om-unlimited-inf", strstr(out, "memcgctl_memory_max_bytes{cgroup=\"/\",depth=\"0\"} +Inf\n") != NULL);
	free(out);

	s.bpf = false;
	s.bpf_note = "BPF columns need root";
	for (size_t i = 0; i < s.nr; i++)
		s.rows[i].bpf_known = false, s.rows[i].stall_rate = -1;
	top_colset_default(&cs);
	out = render(0, &s, &v, &cs);
	CHECK("text-bpf-note", strstr(out, "note: BPF columns show '-': BPF columns need root") != NULL);
	free(out);
	top_snap_free(&s);
}

/* A cgroup name that is not UTF-8, with a quote, a backslash and a newline. */
static void test_hostile_labels(void)
{
	struct top_snap s;
	struct top_view v = { .sort_col = top_col_find("current"), .sort_desc = true, .tree = true };
	struct top_colset cs;
	char why[256] = "";
	char *out;

	build(&s);
	known_row(add(&s, "/app.slice/a\xff\"\\\nb", 300, 2, 1), MB, CG_NOLIMIT, CG_NOLIMIT);
	known_row(add(&s, "/app.slice/a\\xff\"\\\\x0ab", 301, 2, 1), MB, CG_NOLIMIT, CG_NOLIMIT);
	top_colset_default(&cs);
	out = render(2, &s, &v, &cs);
	CHECK("hostile-prom-valid", valid_exposition(out, why, sizeof(why)));
	if (why[0])
		printf("     %s\n", why);
	CHECK("hostile-prom-escaped", strstr(out, "memcgctl_memory_usage_bytes{cgroup=\"/app.slice/"
	      "a\\\\xff\\\"\\\\\\\\x0ab\",parent=\"/app.slice\",depth=\"2\",cgroup_id=\"300\"} 1048576\n") != NULL);
	/* the literal text of that escape is another series */
	CHECK("hostile-prom-literal", strstr(out, "memcgctl_memory_usage_bytes{cgroup=\"/app.slice/"
	      "a\\\\xff\\\"\\\\\\\\x0ab\",parent=\"/app.slice\",depth=\"2\"} 1048576\n") != NULL);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p >= 0x7f) {
			CHECK("hostile-prom-no-raw-bytes", false);
			break;
		}
	free(out);
	top_snap_free(&s);
}

/* Every field has what its formats need, in the vocabulary's names. */
static void test_fields(void)
{
	for (int i = 0; i < top_nr_cols; i++) {
		const struct top_col *c = &top_cols[i];
		char what[96];
		bool ok = c->name && *c->name && c->header && *c->header && c->desc && *c->desc &&
			  c->unit && (c->kind == TOP_K_NAME ? c->width == 0 : c->width > 0) &&
			  /* text fields print a string, the others a number */
			  (c->kind == TOP_K_NAME || c->kind == TOP_K_TEXT ? c->text && !c->value
									 : c->value && !c->text);

		snprintf(what, sizeof(what), "field-%s-complete", c->name);
		CHECK(what, ok);
		for (int j = 0; j < i; j++) {
			if (!strcmp(top_cols[j].name, c->name) ||
			    (c->json && top_cols[j].json && !strcmp(top_cols[j].json, c->json)) ||
			    (c->metric && top_cols[j].metric && !strcmp(top_cols[j].metric, c->metric))) {
				snprintf(what, sizeof(what), "field-%s-unique", c->name);
				CHECK(what, false);
			}
		}
		if (c->json) {
			size_t n = strlen(c->json);
			bool named = true;

			if (c->kind == TOP_K_BYTES)
				named = n > 6 && !strcmp(c->json + n - 6, "_bytes");
			else if (c->kind == TOP_K_PCT)
				named = n > 4 && !strcmp(c->json + n - 4, "_pct");
			else if (c->kind == TOP_K_RATE && strstr(c->unit, "/s"))
				named = n > 6 && !strcmp(c->json + n - 6, "_per_s");
			snprintf(what, sizeof(what), "field-%s-json-name", c->name);
			CHECK(what, named && strspn(c->json, "abcdefghijklmnopqrstuvwxyz0123456789_") == n);
		}
		if (c->metric) {
			size_t n = strlen(c->metric), u = c->metric_unit ? strlen(c->metric_unit) : 0;
			bool m = !strncmp(c->metric, "memcgctl_", 9) &&
				 strspn(c->metric, "abcdefghijklmnopqrstuvwxyz0123456789_") == n &&
				 (c->mtype == TOP_M_GAUGE || c->mtype == TOP_M_COUNTER) &&
				 !(n > 6 && !strcmp(c->metric + n - 6, "_total")) &&
				 /* the OpenMetrics unit is the name's suffix */
				 (!u || (n > u + 1 && c->metric[n - u - 1] == '_' &&
					 !strcmp(c->metric + n - u, c->metric_unit))) &&
				 /* HELP is written as it is */
				 !strpbrk(c->desc, "\\\"\n") &&
				 c->json && c->value;

			snprintf(what, sizeof(what), "field-%s-metric", c->name);
			CHECK(what, m);
		}
		if (c->color.warn && c->color.crit) {
			snprintf(what, sizeof(what), "field-%s-colour", c->name);
			CHECK(what, c->color.warn <= c->color.crit);
		}
	}
}

static void test_view(void)
{
	struct top_snap s;
	struct top_view v = { .sort_col = top_col_find("current"), .sort_desc = true, .tree = true };
	int order[8];
	size_t n;
	uint64_t fold = 100;

	build(&s);
	n = top_view_order(&s, &v, order);
	CHECK("tree-all-rows", n == 5);
	CHECK("tree-root-first", order[0] == 0);
	/* app.slice (300M) before batch.slice (unknown sorts last), children after parent */
	CHECK("tree-order", order[1] == 1 && order[2] == 2 && order[3] == 3 && order[4] == 4);

	v.sort_desc = false;
	n = top_view_order(&s, &v, order);
	CHECK("tree-ascending-unknown-still-last", order[1] == 1 && order[2] == 3 && order[4] == 4);

	v.sort_col = top_col_find("stall");
	v.sort_desc = true;
	v.tree = false;
	n = top_view_order(&s, &v, order);
	CHECK("flat-sort-stall", n == 5 && order[0] == 2);

	v.tree = true;
	v.filter = "web";
	n = top_view_order(&s, &v, order);
	CHECK("filter-keeps-ancestors", n == 3 && order[0] == 0 && order[1] == 1 && order[2] == 2);
	v.filter = "nomatch";
	CHECK("filter-none", top_view_order(&s, &v, order) == 0);

	v.filter = NULL;
	v.folded = &fold;
	v.nr_folded = 1;
	n = top_view_order(&s, &v, order);
	CHECK("fold-hides-children", n == 3 && order[1] == 1 && order[2] == 4);
	top_snap_free(&s);
}

static void test_columns(void)
{
	struct top_colset cs;
	char err[128];
	char buf[32];
	struct top_snap s;

	CHECK("cols-parse", top_colset_parse(&cs, "stall,current", err, sizeof(err)) == 0 &&
	      cs.nr == 3 && cs.idx[0] == 0 && cs.idx[1] == top_col_find("stall"));
	CHECK("cols-unknown", top_colset_parse(&cs, "current,bogus", err, sizeof(err)) == -EINVAL &&
	      strstr(err, "bogus"));
	CHECK("cols-dup", top_colset_parse(&cs, "oom,oom", err, sizeof(err)) == -EINVAL);
	CHECK("cols-empty", top_colset_parse(&cs, ",", err, sizeof(err)) == -EINVAL);
	CHECK("cols-empty-string", top_colset_parse(&cs, "", err, sizeof(err)) == -EINVAL);
	top_colset_parse(&cs, "current", err, sizeof(err));
	CHECK("cols-src-light", top_colset_src(&cs) == TOP_SRC_USAGE);
	top_colset_default(&cs);
	CHECK("cols-default-src-has-bpf", top_colset_src(&cs) & TOP_SRC_BPF);
	/* hidden columns cost nothing: reclaim needs memory.stat only for v2's pgsteal */
	top_colset_parse(&cs, "reclaim", err, sizeof(err));
	CHECK("cols-src-reclaim", top_colset_src(&cs) == (TOP_SRC_PGSTEAL | TOP_SRC_BPF));
	top_colset_parse(&cs, "swap", err, sizeof(err));
	CHECK("cols-src-swap", top_colset_src(&cs) & TOP_SRC_SWAP);
	top_colset_parse(&cs, "current,limit,peak", err, sizeof(err));
	CHECK("cols-src-no-swap", !(top_colset_src(&cs) & (TOP_SRC_SWAP | TOP_SRC_STAT)));

	build(&s);
	CHECK_STR("fmt-limit-high-binds", "400M",
		  top_col_format(&top_cols[top_col_find("limit")], &s, &s.rows[1], buf, sizeof(buf)));
	CHECK_STR("fmt-limit-none", "max",
		  top_col_format(&top_cols[top_col_find("limit")], &s, &s.rows[0], buf, sizeof(buf)));
	CHECK_STR("fmt-limit-unknown", "-",
		  top_col_format(&top_cols[top_col_find("limit")], &s, &s.rows[4], buf, sizeof(buf)));
	CHECK_STR("fmt-use", "75.0",
		  top_col_format(&top_cols[top_col_find("use")], &s, &s.rows[1], buf, sizeof(buf)));
	CHECK_STR("fmt-rate", "12.3",
		  top_col_format(&top_cols[top_col_find("stall")], &s, &s.rows[1], buf, sizeof(buf)));
	CHECK_STR("fmt-oom-unknown", "-",
		  top_col_format(&top_cols[top_col_find("oom")], &s, &s.rows[4], buf, sizeof(buf)));
	top_snap_free(&s);
}

static void test_rates(void)
{
	struct top_snap a, b;

	build(&a);
	build(&b);
	b.time = a.time + 2;
	b.rows[1].mem.stat[CG_STAT_pgsteal] += 200;
	b.rows[1].mem.psi_some.total_us += 500000;	/* 0.5 s of 2 s: 25% */
	b.rows[1].bpf.stall_ns += 100000000;		/* 100 ms over 2 s */
	b.rows[1].mem.events[CG_EV_max] += 4;
	b.rows[2].mem.events[CG_EV_oom_kill] += 1;
	b.rows[3].id = 999;				/* db"x went, a new cgroup came */
	top_snap_rates(&b, &a);
	CHECK("rate-interval", b.interval == 2);
	CHECK("rate-reclaim-pgsteal-v2", fabs(b.rows[1].reclaim_rate - 100) < 1e-9);
	CHECK("rate-psi-live", fabs(b.rows[1].psi_some_rate - 25) < 1e-9);
	CHECK("rate-stall", fabs(b.rows[1].stall_rate - 50) < 1e-9);
	CHECK("rate-limit-events", b.rows[1].limit_events == 4);
	CHECK("rate-oom-new", b.rows[2].oom_new == 1);
	CHECK("rate-new-row-is-new", b.rows[3].is_new && !b.rows[1].is_new);
	CHECK("rate-vanished-counted", b.vanished == 1);
	CHECK("rate-unknown-stays-unknown", b.rows[4].reclaim_rate < 0 && b.rows[4].limit_events < 0);
	top_snap_free(&a);
	top_snap_free(&b);
}

/* The refault column's memory.stat scan agrees with the full parser. */
static void test_stat_keys(void)
{
	struct cg_env v1 = { .mem_is_v2 = false }, v2 = { .mem_is_v2 = true };
	char b1[] = "cache 1\nworkingset_refault_anon 5\nworkingset_refault_file 6\n"
		    "total_cache 10\ntotal_workingset_refault_anon 50\n"
		    "total_workingset_refault_file 60\n";
	char b2[] = "anon 1\nworkingset_refault_anon 7\nworkingset_refault_file 8\n"
		    "pgsteal_kswapd 3\npgsteal_direct 4\npgsteal 9\nxworkingset_refault_file 99";
	struct cg_mem a, b;

	cg_mem_unknown(&a);
	top_stat_keys(&v1, b1, &a);
	CHECK("stat-keys-v1-total", a.stat[CG_STAT_workingset_refault_anon] == 50 &&
	      a.stat[CG_STAT_workingset_refault_file] == 60);
	cg_mem_unknown(&b);
	cg_parse_mem_stat(&v1, b1, &b);
	CHECK("stat-keys-v1-as-parser", a.stat[CG_STAT_workingset_refault_anon] ==
	      b.stat[CG_STAT_workingset_refault_anon] &&
	      a.stat[CG_STAT_workingset_refault_file] == b.stat[CG_STAT_workingset_refault_file]);
	cg_mem_unknown(&a);
	top_stat_keys(&v2, b2, &a);
	CHECK("stat-keys-v2", a.stat[CG_STAT_workingset_refault_anon] == 7 &&
	      a.stat[CG_STAT_workingset_refault_file] == 8 && a.stat[CG_STAT_pgsteal] == 9);
	CHECK("stat-keys-v2-others-unread", !cg_known(a.stat[CG_STAT_anon]));
	char b3[] = "anon 1\n";

	cg_mem_unknown(&a);
	top_stat_keys(&v2, b3, &a);
	CHECK("stat-keys-missing-unknown", !cg_known(a.stat[CG_STAT_workingset_refault_anon]) &&
	      !cg_known(a.stat[CG_STAT_pgsteal]));
}

/*
 * top_collector_stat_only on a fixture tree (cgroupfs walk, no BPF):
 * memory.stat is read only for the cgroups asked for, the other files
 * for all; NULL asks for all again.
 */
static void test_stat_only(void)
{
	char fx[PATH_MAX], err[256];
	const char *src = getenv("MEMCGCTL_FIXTURES");
	struct cg_env env;
	struct cg_ref ref;
	struct top_collector *c = NULL;
	struct top_collect_opts o = { .env = &env, .root = &ref, .no_iter = true };
	const struct top_snap *s;
	const struct top_row *app = NULL, *sys = NULL;
	uint64_t want;

	if (!realpath(src ? src : "tests/fixtures", fx) ||
	    strlen(fx) + 4 >= sizeof(fx)) {
		CHECK("stat-only-fixtures", false);
		return;
	}
	strcat(fx, "/v2");
	CHECK("stat-only-env", cg_env_init(&env, NULL, fx, NULL, err, sizeof(err)) == 0 &&
	      cg_resolve(&env, "/", &ref, err, sizeof(err)) == 0 &&
	      top_collector_new(&c, &o) == 0);
	if (!c)
		return;
	CHECK("stat-only-first", top_collect(c, TOP_SRC_USAGE | TOP_SRC_STAT, &s) == 0);
	for (size_t i = 0; i < s->nr; i++) {
		if (!strcmp(s->rows[i].rel, "/app.slice"))
			app = &s->rows[i];
		if (!strcmp(s->rows[i].rel, "/system.slice"))
			sys = &s->rows[i];
	}
	CHECK("stat-only-rows", app && sys && cg_known(app->mem.stat[CG_STAT_anon]) &&
	      cg_known(sys->mem.stat[CG_STAT_anon]));
	if (!app || !sys)
		goto out;
	want = app->id;
	top_collector_stat_only(c, &want, 1);
	CHECK("stat-only-collect", top_collect(c, TOP_SRC_USAGE | TOP_SRC_STAT, &s) == 0);
	app = sys = NULL;
	for (size_t i = 0; i < s->nr; i++) {
		if (!strcmp(s->rows[i].rel, "/app.slice"))
			app = &s->rows[i];
		if (!strcmp(s->rows[i].rel, "/system.slice"))
			sys = &s->rows[i];
	}
	CHECK("stat-only-asked-read", app && cg_known(app->mem.stat[CG_STAT_anon]));
	CHECK("stat-only-other-unread", sys && !cg_known(sys->mem.stat[CG_STAT_anon]) &&
	      cg_known(sys->mem.current));
	top_collector_stat_only(c, NULL, 0);
	CHECK("stat-only-all-again", top_collect(c, TOP_SRC_USAGE | TOP_SRC_STAT, &s) == 0);
	sys = NULL;
	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->rows[i].rel, "/system.slice"))
			sys = &s->rows[i];
	CHECK("stat-only-all-read", sys && cg_known(sys->mem.stat[CG_STAT_anon]));
out:
	top_collector_free(c);
}

int main(void)
{
	unit_suite = "top";
	setenv("TZ", "UTC", 1);
	tzset();
	test_validator();
	test_renderers();
	test_hostile_labels();
	test_fields();
	test_view();
	test_columns();
	test_rates();
	test_stat_keys();
	test_stat_only();
	return unit_done();
}
