// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl watch [CGROUP] [options]: stream memory-cgroup events as they
 * happen, then a per-cgroup summary.  This file parses options and
 * renders; watch_events.c collects (BPF, ring buffer, totals, names).
 */
#include <argp.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "clock.h"
#include "escape.h"
#include "main.h"
#include "probe.h"
#include "stopsig.h"
#include "units.h"
#include "watch_events.h"

struct watch_args {
	const char *cgroup;
	uint32_t classes;
	uint32_t tgid;
	uint64_t min_lat_ns;
	uint64_t duration_ns;
	uint64_t count;
	uint64_t interval_ns;
	bool hist;
	bool ids;
	bool no_summary;
};

enum {
	OPT_MIN_LAT = 0x100,
	OPT_NO_SUMMARY,
};

static const struct argp_option watch_options[] = {
	{ "events", 'e', "LIST", 0,
	  "event classes, comma-separated: reclaim, direct, oom, throttle, limit, "
	  "cgroup, policy, or all (default: all but limit, which costs on every page "
	  "fault, and policy, which consumes the policies' events)", 0 },
	{ "pid", 'P', "PID", 0, "only events of this process (the victim, for oom; "
	  "the process signalled or the thread charging, for policy)", 0 },
	{ "min-lat", OPT_MIN_LAT, "DURATION", 0,
	  "only reclaim/direct/throttle events that stalled at least this long", 0 },
	{ "duration", 'D', "DURATION", 0, "stop after this long", 0 },
	{ "count", 'c', "N", 0, "stop after N events", 0 },
	{ "interval", 'i', "DURATION", 0, "limit summary interval (default 1s)", 0 },
	{ "hist", 'H', 0, 0, "log2 reclaim latency histograms in the summary", 0 },
	{ "ids", 'I', 0, 0, "show cgroup ids in text output", 0 },
	{ "no-summary", OPT_NO_SUMMARY, 0, 0, "no summary at the end", 0 },
	{ 0 },
};

static error_t watch_parse(int key, char *arg, struct argp_state *state)
{
	struct watch_args *a = state->input;
	char bad[40];
	uint64_t v;

	switch (key) {
	case 'e':
		if (watch_parse_classes(arg, &a->classes, bad, sizeof(bad))) {
			if (!bad[0]) {
				p_err("watch: -e '%s': empty class name in the list", arg);
				return EINVAL;
			}
			p_err("watch: -e '%s': unknown class '%s' (classes: reclaim, direct, oom, "
			      "throttle, limit, cgroup, policy, all)", arg, bad);
			return EINVAL;
		}
		break;
	case 'P':
		if (parse_u64(arg, 0x7fffffff, &v) || v == 0) {
			p_err("watch: --pid '%s': expected a process id", arg);
			return EINVAL;
		}
		a->tgid = (uint32_t)v;
		break;
	case OPT_MIN_LAT:
		if (parse_duration(arg, &a->min_lat_ns)) {
			p_err("watch: --min-lat '%s': expected a duration such as 500us or 1ms", arg);
			return EINVAL;
		}
		break;
	case 'D':
		if (parse_duration(arg, &a->duration_ns) || a->duration_ns == 0) {
			p_err("watch: --duration '%s': expected a positive duration such as 10s", arg);
			return EINVAL;
		}
		break;
	case 'c':
		if (parse_u64(arg, UINT64_MAX - 1, &a->count) || a->count == 0) {
			p_err("watch: --count '%s': expected a positive number", arg);
			return EINVAL;
		}
		break;
	case 'i':
		if (parse_duration(arg, &a->interval_ns) || a->interval_ns < 10000000ULL) {
			p_err("watch: --interval '%s': expected a duration of at least 10ms", arg);
			return EINVAL;
		}
		break;
	case 'H': a->hist = true; break;
	case 'I': a->ids = true; break;
	case OPT_NO_SUMMARY: a->no_summary = true; break;
	case ARGP_KEY_ARG:
		return cmd_arg_cgroup("watch", &a->cgroup, arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp watch_argp = {
	watch_options, watch_parse, "[CGROUP]",
	"Stream memory-cgroup events as they happen: memcg reclaim and global direct "
	"reclaim (latency, pages reclaimed), OOM kills (victim, rss, cgroup), vmscan "
	"throttling, per-interval limit activity, cgroup creation/removal and the "
	"actions of loaded policies (-e policy), for "
	"CGROUP and its descendants (default: every cgroup). Filters run in the "
	"kernel. Ctrl-C, --duration or --count end the watch with a per-cgroup "
	"summary.\v"
	"Exit status: 0 ended normally, 2 usage, 3 no such cgroup, 4 permission, "
	"5 no requested class available, 7 the watched cgroup was removed.", 0, 0, 0
};

/* ---- state shared by the callbacks ------------------------------------ */

/* Policy actions per cgroup, for the summary (the kernel does not see them). */
struct pol_count {
	uint64_t cgid;
	uint64_t n;
};

struct watch_ctx {
	struct watch_args *a;
	const struct cg_env *env;
	struct cg_ref top;
	struct watch_names *names;
	int64_t mono_to_real_ns;	/* add to CLOCK_MONOTONIC for wall time */
	struct watch_clock clock;	/* the text lines' time prefix */
	long page_size;
	uint32_t active;		/* classes attached */
	struct watch_policies *pol;	/* -e policy */
	struct pol_count *pol_counts;
	size_t pol_n, pol_cap;
	uint64_t delivered;
	uint64_t lost_seen;
	bool vanished;
	bool done;
};

/*
 * How often, at most, the kernel wakes us while events flow (an event
 * after a quiet spell wakes us at once, a ring buffer half full too), and
 * how long we wait for the rest when it does not.  On a terminal this
 * bounds the latency to the screen; into a file or a pipe, fewer wakeups
 * are worth more.
 */
#define WATCH_WAKE_TTY_MS 50
#define WATCH_WAKE_PIPE_MS 250
/* not a terminal: write when this much is buffered, or it is this old */
#define WATCH_OUT_CHUNK (64 * 1024)
#define WATCH_OUT_MAX_AGE_NS 1000000000ULL

/*
 * Output is rendered into a memory buffer and written out in chunks: on a
 * terminal after every batch the ring buffer hands over, otherwise when
 * WATCH_OUT_CHUNK is buffered, when events pause, at most
 * WATCH_OUT_MAX_AGE_NS after the oldest buffered line, and before the
 * watch ends (signal, --count, --duration, errors): one write(2) per
 * batch, not per event.
 */
static FILE *out;
static char *out_buf;
static size_t out_len;
static uint64_t out_since;	/* CLOCK_MONOTONIC of the oldest unwritten line, 0: none */
static struct json_writer *jw;	/* the event stream under -j, into out */

static void out_flush(void)
{
	if (!out)
		return;
	fflush(out);
	if (out_len) {
		fwrite(out_buf, 1, out_len, stdout);
		stdout_check();	/* a write error ends the watch: main() reports it */
	}
	fseeko(out, 0, SEEK_SET);
	out_since = 0;
}

/* Bytes rendered and not yet written. */
static size_t out_pending(void)
{
	fflush(out);
	return out_len;
}

static const char *cg_name(struct watch_ctx *c, uint64_t id, char *buf, size_t len)
{
	const char *p = watch_names_get(c->names, id);

	if (p)
		return p;
	snprintf(buf, len, "id:%llu", (unsigned long long)id);
	return buf;
}

static void fmt_time(struct watch_ctx *c, uint64_t mono, char *buf)
{
	watch_clock_fmt(&c->clock, mono + c->mono_to_real_ns, buf);
}

/* "cgroup" and "cgroup_id"; the path is null for a cgroup gone before we learnt it */
static void json_cgroup(struct watch_ctx *c, uint64_t id)
{
	const char *p = watch_names_get(c->names, id);

	if (p)
		jsonw_string_field(jw, "cgroup", p);
	else
		jsonw_null_field(jw, "cgroup");
	jsonw_u64_field(jw, "cgroup_id", id);
}

static void json_time(struct watch_ctx *c, uint64_t mono)
{
	uint64_t real = mono + c->mono_to_real_ns;

	jsonw_fixed_field(jw, "time", (real + 500) / 1000, 6);	/* seconds, to the us */
}

/* "0x1a2b": printf's parsing costs more than this, once per reclaim event */
static const char *fmt_hex(char *buf, size_t len, uint64_t v)
{
	char *p = buf + len;

	*--p = 0;
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && p > buf + 2);
	*--p = 'x';
	*--p = '0';
	return p;
}

static uint64_t pages_bytes(struct watch_ctx *c, uint64_t pages)
{
	return pages * (uint64_t)c->page_size;
}

/* ---- one event ---------------------------------------------------------- */

static void event_json(struct watch_ctx *c, const struct watch_event *e)
{
	char reason[64], comm[WATCH_COMM_LEN + 1];

	jsonw_start_object(jw);
	jsonw_string_field(jw, "event", watch_type_name(e->type));
	json_time(c, e->ts_ns);
	json_cgroup(c, e->cgid);
	jsonw_string_field(jw, "class", watch_class_name(watch_type_class(e->type)));
	jsonw_u64_field(jw, "pid", e->pid);
	jsonw_u64_field(jw, "tid", e->tid);
	memcpy(comm, e->comm, WATCH_COMM_LEN);
	comm[WATCH_COMM_LEN] = 0;
	if (comm[0])
		jsonw_string_field(jw, "comm", comm);
	else
		jsonw_null_field(jw, "comm");
	switch (e->type) {
	case WATCH_T_RECLAIM:
	case WATCH_T_DIRECT:
		jsonw_u64_field(jw, "latency_ns", e->reclaim.lat_ns);
		jsonw_u64_field(jw, "reclaimed_pages", e->reclaim.nr_reclaimed);
		jsonw_s64_field(jw, "order", e->reclaim.order);
		jsonw_string_field(jw, "gfp_flags", fmt_hex(reason, sizeof(reason), e->reclaim.gfp));
		break;
	case WATCH_T_OOM:
		memcpy(comm, e->oom.killer_comm, WATCH_COMM_LEN);
		comm[WATCH_COMM_LEN] = 0;
		jsonw_u64_field(jw, "killer_pid", e->oom.killer_pid);
		jsonw_string_field(jw, "killer_comm", comm);
		jsonw_string_field(jw, "cgroup_of",
				   e->flags & WATCH_F_CG_OF_KILLER ? "killer" : "victim");
		if (e->flags & WATCH_F_NO_RSS) {
			jsonw_null_field(jw, "total_vm_bytes");
			jsonw_null_field(jw, "anon_rss_bytes");
			jsonw_null_field(jw, "file_rss_bytes");
			jsonw_null_field(jw, "shmem_rss_bytes");
			jsonw_null_field(jw, "pgtables_bytes");
			jsonw_null_field(jw, "oom_score_adj");
			jsonw_null_field(jw, "uid");
		} else {
			jsonw_u64_field(jw, "total_vm_bytes", pages_bytes(c, e->oom.total_vm));
			jsonw_u64_field(jw, "anon_rss_bytes", pages_bytes(c, e->oom.anon_rss));
			jsonw_u64_field(jw, "file_rss_bytes", pages_bytes(c, e->oom.file_rss));
			jsonw_u64_field(jw, "shmem_rss_bytes", pages_bytes(c, e->oom.shmem_rss));
			jsonw_u64_field(jw, "pgtables_bytes", e->oom.pgtables);
			jsonw_s64_field(jw, "oom_score_adj", e->oom.oom_score_adj);
			jsonw_u64_field(jw, "uid", e->oom.uid);
		}
		break;
	case WATCH_T_THROTTLE:
		watch_fmt_throttle_reason(e->throttle.reason, reason, sizeof(reason));
		jsonw_s64_field(jw, "node", e->throttle.nid);
		jsonw_s64_field(jw, "timeout_us", e->throttle.timeout_us);
		jsonw_s64_field(jw, "delayed_us", e->throttle.delayed_us);
		jsonw_string_field(jw, "reason", reason);
		break;
	case WATCH_T_MKDIR:
	case WATCH_T_RMDIR:
		jsonw_s64_field(jw, "level", e->cg.level);
		break;
	}
	jsonw_end_object(jw);
	jsonw_end_document(jw);	/* into out: written as out_flush says */
}

/*
 * After each event: note when the buffer began to fill, and write a full
 * chunk at once, so that a long storm does not pile up in memory.
 */
static void event_out(struct watch_ctx *c)
{
	if (!out_since)
		out_since = clock_mono_ns();
	if (!(c->delivered & 63) && out_pending() >= WATCH_OUT_CHUNK)
		out_flush();
}

static int on_event(const struct watch_event *e, void *data)
{
	struct watch_ctx *c = data;
	char buf[64];
	const char *path;

	if (c->done)
		return 1;
	if (e->type == WATCH_T_MKDIR || e->type == WATCH_T_RMDIR) {
		char rel[WATCH_PATH_LEN + 1];

		memcpy(rel, e->cg.path, WATCH_PATH_LEN);
		rel[WATCH_PATH_LEN] = 0;
		watch_names_add(c->names, e->cgid, rel);
		if (e->type == WATCH_T_RMDIR && (e->flags & WATCH_F_TARGET))
			c->vanished = true;
		/* rmdir may be loaded only to learn that the watched cgroup went */
		if (!(c->active & (1u << WATCH_C_CGROUP)))
			return c->vanished;
	}
	if (jw) {
		event_json(c, e);
	} else {
		path = cg_name(c, e->cgid, buf, sizeof(buf));
		watch_text_event(out, &c->clock, e->ts_ns + c->mono_to_real_ns, e, path,
				 c->a->ids, c->page_size);
	}
	c->delivered++;
	event_out(c);
	if (c->a->count && c->delivered >= c->a->count) {
		c->done = true;
		return 1;
	}
	return c->vanished;
}

static void pol_count_add(struct watch_ctx *c, uint64_t cgid)
{
	for (size_t i = 0; i < c->pol_n; i++)
		if (c->pol_counts[i].cgid == cgid) {
			c->pol_counts[i].n++;
			return;
		}
	if (c->pol_n == c->pol_cap) {
		size_t cap = c->pol_cap ? c->pol_cap * 2 : 16;
		struct pol_count *n = realloc(c->pol_counts, cap * sizeof(*n));

		if (!n)
			return;
		c->pol_counts = n;
		c->pol_cap = cap;
	}
	c->pol_counts[c->pol_n++] = (struct pol_count){ cgid, 1 };
}

static int on_policy(const struct policy_event_rec *rec, void *data)
{
	struct watch_ctx *c = data;
	char tbuf[32], pbuf[32], det[256], comm[sizeof(rec->e->comm) + 1], idcol[32] = "";
	char idbuf[40];
	struct policy_event_rec full = *rec, *r = &full;

	if (c->done)
		return 1;
	full.time = (r->e->ts_ns + c->mono_to_real_ns) / 1e9;
	full.v1 = !c->env->mem_is_v2;
	if (jw) {
		policy_event_json(jw, r);
	} else {
		if (!r->cgroup) {
			snprintf(idbuf, sizeof(idbuf), "id:%llu", (unsigned long long)r->e->cgroup_id);
			full.cgroup = idbuf;
		}
		memcpy(comm, r->e->comm, sizeof(r->e->comm));
		comm[sizeof(r->e->comm)] = 0;
		policy_event_details(r, det, sizeof(det));
		fmt_time(c, r->e->ts_ns, tbuf);
		if (c->a->ids)
			snprintf(idcol, sizeof(idcol), "%-8llu ",
				 (unsigned long long)r->e->cgroup_id);
		fprintf(out, "%s %s%-18s %7u %-12.12s %-8s %s\n", tbuf, idcol,
			watch_tail(r->cgroup, 18, pbuf, sizeof(pbuf)), r->e->tgid,
			comm[0] ? esc(comm) : "-", "policy", det);
	}
	pol_count_add(c, r->e->cgroup_id);
	c->delivered++;
	event_out(c);
	if (c->a->count && c->delivered >= c->a->count) {
		c->done = true;
		return 1;
	}
	return 0;
}

/* ---- lost events and limit intervals ------------------------------------ */

static void report_lost(struct watch_ctx *c, uint64_t total)
{
	uint64_t n = total - c->lost_seen;

	if (!n)
		return;
	c->lost_seen = total;
	if (jw) {
		jsonw_start_object(jw);
		jsonw_string_field(jw, "event", "lost");
		json_time(c, clock_mono_ns());
		jsonw_u64_field(jw, "lost", n);
		jsonw_u64_field(jw, "total_lost", total);
		jsonw_end_object(jw);
		jsonw_end_document(jw);
	} else {
		char tbuf[32];

		fmt_time(c, clock_mono_ns(), tbuf);
		fprintf(out, "%s LOST %llu events (ring buffer full; %llu in all)\n", tbuf,
		       (unsigned long long)n, (unsigned long long)total);
	}
}

/* The previous interval's cumulative counters, to print deltas. */
struct limit_prev {
	struct watch_limit_entry *v;
	size_t n;
};

static const struct watch_limit_val *limit_find(const struct limit_prev *p, uint64_t id)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].cgid == id)
			return &p->v[i].v;
	return NULL;
}

static void report_limit(struct watch_ctx *c, struct watch_session *s,
			 struct limit_prev *prev, uint64_t interval_ns)
{
	static const struct watch_limit_val zero;
	struct watch_limit_entry *cur;
	size_t n;

	if (watch_read_limit(s, &cur, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		const struct watch_limit_val *p = limit_find(prev, cur[i].cgid);
		struct watch_limit_val d;
		char buf[64], pbuf[32], tbuf[32];
		const char *path;

		if (!p)
			p = &zero;
		d.reclaim_entries = cur[i].v.reclaim_entries - p->reclaim_entries;
		d.pgscan = cur[i].v.pgscan - p->pgscan;
		d.pgsteal = cur[i].v.pgsteal - p->pgsteal;
		if (!d.reclaim_entries && !d.pgscan && !d.pgsteal)
			continue;
		path = cg_name(c, cur[i].cgid, buf, sizeof(buf));
		if (jw) {
			jsonw_start_object(jw);
			jsonw_string_field(jw, "event", "limit");
			json_time(c, clock_mono_ns());
			json_cgroup(c, cur[i].cgid);
			jsonw_string_field(jw, "class", "limit");
			jsonw_u64_field(jw, "interval_ms", interval_ns / 1000000);
			jsonw_u64_field(jw, "reclaim_entries", d.reclaim_entries);
			jsonw_u64_field(jw, "pgscan", d.pgscan);
			jsonw_u64_field(jw, "pgsteal", d.pgsteal);
			jsonw_end_object(jw);
			jsonw_end_document(jw);
		} else {
			char idcol[32] = "";

			fmt_time(c, clock_mono_ns(), tbuf);
			if (c->a->ids)
				snprintf(idcol, sizeof(idcol), "%-8llu ",
					 (unsigned long long)cur[i].cgid);
			fprintf(out, "%s %s%-18s %7s %-12s %-8s reclaim_entries=%llu scanned=%llu reclaimed=%llu\n",
			       tbuf, idcol, watch_tail(path, 18, pbuf, sizeof(pbuf)), "-", "-", "limit",
			       (unsigned long long)d.reclaim_entries, (unsigned long long)d.pgscan,
			       (unsigned long long)d.pgsteal);
			}
	}
	free(prev->v);
	prev->v = cur;
	prev->n = n;
}

/* ---- the summary ----------------------------------------------------------- */

static int total_cmp(const void *x, const void *y)
{
	const struct watch_cg_total *a = x, *b = y;
	uint64_t sa = a->st.stall_ns[0] + a->st.stall_ns[1];
	uint64_t sb = b->st.stall_ns[0] + b->st.stall_ns[1];

	if (sa != sb)
		return sa < sb ? 1 : -1;
	return a->cgid < b->cgid ? -1 : a->cgid > b->cgid;
}

static const char *const hist_names[2] = { "reclaim", "direct" };

static void hist_text(const __u64 *h, const char *path, const char *what)
{
	int used = watch_hist_used(h, WATCH_HIST_SLOTS);
	uint64_t max = 0;

	if (!used)
		return;
	for (int i = 0; i < used; i++)
		if (h[i] > max)
			max = h[i];
	fprintf(out, "\n%s: %s latency\n%20s : %-8s %s\n", esc(path), what, "usecs", "count", "distribution");
	for (int i = 0; i < used; i++) {
		uint64_t lo, hi;
		char range[32], bar[41];
		int w = (int)(h[i] * 40 / max);

		watch_hist_bounds(i, &lo, &hi);
		snprintf(range, sizeof(range), "%llu -> %llu", (unsigned long long)lo,
			 (unsigned long long)hi - 1);
		memset(bar, '*', w);
		bar[w] = 0;
		fprintf(out, "%20s : %-8llu |%-40s|\n", range, (unsigned long long)h[i], bar);
	}
}

/*
 * The per-cgroup totals, most active first: the kernel's, with the
 * policy actions counted here merged in.  *t is malloc'd.
 */
static void summary_totals(struct watch_ctx *c, struct watch_session *s,
			   struct watch_cg_total **tp, size_t *np)
{
	struct watch_cg_total *t = NULL;
	size_t n = 0;

	watch_read_stats(s, &t, &n);
	/* policy actions are counted here, not in the kernel */
	for (size_t k = 0; k < c->pol_n; k++) {
		size_t i;

		for (i = 0; i < n && t[i].cgid != c->pol_counts[k].cgid; i++)
			;
		if (i == n) {
			struct watch_cg_total *nt = realloc(t, (n + 1) * sizeof(*t));

			if (!nt)
				continue;
			t = nt;
			memset(&t[n], 0, sizeof(t[n]));
			t[n++].cgid = c->pol_counts[k].cgid;
		}
		t[i].st.events[WATCH_C_POLICY] = c->pol_counts[k].n;
	}
	if (n)
		qsort(t, n, sizeof(*t), total_cmp);
	*tp = t;
	*np = n;
}

/* One reclaim kind's part of a cgroup's summary object (k: 0 memcg, 1 direct). */
static void summary_json_kind(const struct watch_ctx *c, const struct watch_cg_stats *st, int k)
{
	jsonw_name(jw, hist_names[k]);
	jsonw_start_object(jw);
	jsonw_u64_field(jw, "stall_ns", st->stall_ns[k]);
	jsonw_u64_field(jw, "stall_max_ns", st->stall_max_ns[k]);
	jsonw_u64_field(jw, "reclaimed_pages", st->reclaimed[k]);
	if (c->a->hist) {
		int used = watch_hist_used(st->hist[k], WATCH_HIST_SLOTS);

		jsonw_name(jw, "hist");
		jsonw_start_array(jw);
		for (int b = 0; b < used; b++) {
			uint64_t lo, hi;

			watch_hist_bounds(b, &lo, &hi);
			jsonw_start_object(jw);
			jsonw_u64_field(jw, "lo_us", lo);
			jsonw_u64_field(jw, "hi_us", hi);
			jsonw_u64_field(jw, "count", st->hist[k][b]);
			jsonw_end_object(jw);
		}
		jsonw_end_array(jw);
	}
	jsonw_end_object(jw);
}

static void summary_json_cgroup(struct watch_ctx *c, const struct watch_cg_total *t)
{
	const struct watch_cg_stats *st = &t->st;

	jsonw_start_object(jw);
	json_cgroup(c, t->cgid);
	jsonw_name(jw, "events");
	jsonw_start_object(jw);
	for (int k = 0; k < WATCH_C_NR; k++)
		if (k != WATCH_C_LIMIT && (k != WATCH_C_POLICY || (c->active & (1u << k))))
			jsonw_u64_field(jw, watch_class_name(k), st->events[k]);
	jsonw_end_object(jw);
	jsonw_u64_field(jw, "stall_ns", st->stall_ns[0] + st->stall_ns[1]);
	jsonw_u64_field(jw, "stall_max_ns",
			st->stall_max_ns[0] > st->stall_max_ns[1] ?
			st->stall_max_ns[0] : st->stall_max_ns[1]);
	for (int k = 0; k < 2; k++)
		summary_json_kind(c, st, k);
	jsonw_u64_field(jw, "reclaimed_pages", st->reclaimed[0] + st->reclaimed[1]);
	jsonw_u64_field(jw, "throttled_us", st->throttle_us);
	jsonw_u64_field(jw, "lost", st->lost);
	jsonw_end_object(jw);
}

static void summary_json(struct watch_ctx *c, const struct watch_cg_total *t, size_t n,
			 uint64_t elapsed_ns, uint64_t lost, uint64_t dropped)
{
	jsonw_start_object(jw);
	jsonw_string_field(jw, "event", "summary");
	json_time(c, clock_mono_ns());
	jsonw_u64_field(jw, "duration_ms", elapsed_ns / 1000000);
	jsonw_u64_field(jw, "delivered", c->delivered);
	jsonw_u64_field(jw, "lost", lost);
	jsonw_u64_field(jw, "untracked", dropped);
	jsonw_name(jw, "cgroups");
	jsonw_start_array(jw);
	for (size_t i = 0; i < n; i++)
		summary_json_cgroup(c, &t[i]);
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_end_document(jw);
}

/* One row of the text summary; pol: with the POL column. */
static void summary_text_row(struct watch_ctx *c, const struct watch_cg_total *t, bool pol)
{
	const struct watch_cg_stats *st = &t->st;
	uint64_t mx = st->stall_max_ns[0] > st->stall_max_ns[1] ?
		      st->stall_max_ns[0] : st->stall_max_ns[1];
	char buf[64], d1[UNITS_BUF], d2[UNITS_BUF], d3[UNITS_BUF], pbuf[32];
	char polcol[24] = "";

	if (pol)
		snprintf(polcol, sizeof(polcol), " %4llu",
			 (unsigned long long)st->events[WATCH_C_POLICY]);
	fprintf(out, "%-*s %6llu %6llu %4llu %5llu %4llu%s %9s %9s %9s", pol ? 15 : 20,
	       watch_tail(cg_name(c, t->cgid, buf, sizeof(buf)), pol ? 15 : 20, pbuf, sizeof(pbuf)),
	       (unsigned long long)st->events[WATCH_C_RECLAIM],
	       (unsigned long long)st->events[WATCH_C_DIRECT],
	       (unsigned long long)st->events[WATCH_C_OOM],
	       (unsigned long long)st->events[WATCH_C_THROTTLE],
	       (unsigned long long)st->events[WATCH_C_CGROUP], polcol,
	       fmt_duration(d1, sizeof(d1), st->stall_ns[0] + st->stall_ns[1]),
	       fmt_duration(d2, sizeof(d2), mx),
	       fmt_size(d3, sizeof(d3), (st->reclaimed[0] + st->reclaimed[1]) * c->page_size));
	if (st->lost)
		fprintf(out, " lost=%llu", (unsigned long long)st->lost);
	fputc('\n', out);
}

static void summary_text(struct watch_ctx *c, const struct watch_cg_total *t, size_t n,
			 uint64_t elapsed_ns, uint64_t lost, uint64_t dropped)
{
	bool pol = c->active & (1u << WATCH_C_POLICY);
	char buf[64], d1[UNITS_BUF];

	fprintf(out, "\n--- %s: %llu events delivered, %llu lost%s\n",
	       fmt_duration(d1, sizeof(d1), elapsed_ns), (unsigned long long)c->delivered,
	       (unsigned long long)lost, lost ? " (ring buffer full)" : "");
	if (dropped)
		fprintf(out, "--- %llu events not in the totals (too many cgroups)\n",
		       (unsigned long long)dropped);
	if (!n) {
		fprintf(out, "no events\n");
		return;
	}
	/* a POL column when policy actions are watched; CGROUP narrows to fit 80 */
	fprintf(out, "%-*s %6s %6s %4s %5s %4s%s %9s %9s %9s\n", pol ? 15 : 20, "CGROUP", "RECL",
	       "DIRECT", "OOM", "THROT", "CG", pol ? "  POL" : "", "STALL", "STALL-MAX", "RECLAIMED");
	for (size_t i = 0; i < n; i++)
		summary_text_row(c, &t[i], pol);
	if (c->a->hist)
		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < 2; k++)
				hist_text(t[i].st.hist[k], cg_name(c, t[i].cgid, buf, sizeof(buf)),
					  k ? "direct reclaim" : "memcg reclaim");
}

/* At the end of a watch: the totals per cgroup, as JSON or a table. */
static void summary(struct watch_ctx *c, struct watch_session *s, uint64_t elapsed_ns)
{
	uint64_t lost = watch_lost(s), dropped = watch_stats_dropped(s);
	struct watch_cg_total *t;
	size_t n;

	report_lost(c, lost);
	summary_totals(c, s, &t, &n);
	if (jw)
		summary_json(c, t, n, elapsed_ns, lost, dropped);
	else
		summary_text(c, t, n, elapsed_ns, lost, dropped);
	free(t);
}

/* ---- the command ------------------------------------------------------------ */


/* "name": [the class names in mask] */
static void json_classes(const char *name, uint32_t mask)
{
	jsonw_name(jw, name);
	jsonw_start_array(jw);
	for (int i = 0; i < WATCH_C_NR; i++)
		if (mask & (1u << i))
			jsonw_string(jw, watch_class_name(i));
	jsonw_end_array(jw);
}
static void announce(struct watch_ctx *c, uint32_t unavail, uint32_t partial, uint32_t failed)
{
	char cls[128], un[128], pa[128], fa[128];

	watch_fmt_classes(c->active, cls, sizeof(cls));
	watch_fmt_classes(unavail & ~failed, un, sizeof(un));
	watch_fmt_classes(failed, fa, sizeof(fa));
	watch_fmt_classes(partial, pa, sizeof(pa));
	if (jw) {
		jsonw_start_object(jw);
		jsonw_string_field(jw, "event", "start");
		json_time(c, clock_mono_ns());
		jsonw_string_field(jw, "cgroup", c->top.rel);
		jsonw_u64_field(jw, "cgroup_id", c->top.id);
		json_classes("classes", c->active);
		json_classes("unavailable", unavail);
		json_classes("partial", partial);
		if (c->pol) {
			/* the policies loaded now; later ones are picked up as they come */
			jsonw_name(jw, "policies");
			jsonw_start_array(jw);
			for (int i = 0; i < watch_policies_nr(c->pol); i++)
				jsonw_string(jw, watch_policies_meta(c->pol, i)->name);
			jsonw_end_array(jw);
		}
		jsonw_end_object(jw);
		jsonw_end_document(jw);
		return;
	}
	if (unavail & ~failed)
		fprintf(stderr, "%s: watch: this kernel lacks the tracepoints for: %s; "
			"watching the others ('memcgctl feature' tells more)\n", prog_name, un);
	if (failed)
		fprintf(stderr, "%s: watch: the BPF programs for %s did not load on this kernel "
			"(-d tells why); watching the others\n", prog_name, fa);
	if (partial & (1u << WATCH_C_OOM))
		fprintf(stderr, "%s: watch: oom: this kernel's mark_victim gives only the pid: "
			"no rss, and the cgroup is the killing task's\n", prog_name);
	if (partial & (1u << WATCH_C_LIMIT))
		fprintf(stderr, "%s: watch: limit: this kernel feeds no memcg pgscan/pgsteal hook "
			"or lacks the memcg reclaim tracepoints: some limit fields stay 0\n", prog_name);
	if (c->pol && !watch_policies_nr(c->pol))
		fprintf(stderr, "%s: watch: policy: no policy is loaded yet; the actions of "
			"policies loaded while watching are shown as they come\n", prog_name);
	fprintf(stderr, "Watching %s (%s); Ctrl-C to stop.\n", esc(c->top.rel), cls);
	fprintf(out, "%-12s %s%-18s %7s %-12s %-8s %s\n", "TIME", c->a->ids ? "ID       " : "",
	       "CGROUP", "PID", "COMM", "EVENT", "DETAILS");
}

/*
 * Wait for watch's ring buffer and the policies' at once, then hand over
 * what both hold.  Events handled or -errno.
 */
static int wait_events(struct watch_ctx *c, struct watch_session *s, int timeout)
{
	struct pollfd pfd[2];
	int n = 0, ret, got = 0;

	if (!c->pol)
		return watch_poll(s, timeout);
	if (s)
		pfd[n++] = (struct pollfd){ .fd = watch_fd(s), .events = POLLIN };
	if (watch_policies_fd(c->pol) >= 0)
		pfd[n++] = (struct pollfd){ .fd = watch_policies_fd(c->pol), .events = POLLIN };
	if (poll(pfd, n, timeout) < 0)
		return -errno;
	if (s) {
		ret = watch_poll(s, 0);
		if (ret < 0)
			return ret;
		got += ret;
	}
	ret = watch_policies_poll(c->pol, 0);
	if (ret < 0)
		return ret;
	return got + ret;
}

static bool cgroup_gone(const struct cg_ref *ref)
{
	struct stat st;

	return stat(ref->path, &st) && errno == ENOENT;
}

static int probe_event(const struct watch_event *e, void *ctx)
{
	return 0;
}

/*
 * feature's probe: every BPF class, loaded and attached through the same
 * watch_open() a run uses, degrading class by class as it does.
 */
int watch_probe(struct cmd_probe *p)
{
	struct watch_filter f = { .classes = WATCH_BPF_CLASSES };
	struct watch_session *s;
	uint32_t unavail, partial, failed;
	char err[256], names[128];
	int ret;

	ret = watch_open(&f, probe_event, NULL, &s, &unavail, &partial, &failed, err, sizeof(err));
	if (ret) {
		cmd_probe_fail(p, ret, "%s", err);
		return ret;
	}
	if (unavail) {
		watch_fmt_classes(unavail, names, sizeof(names));
		cmd_probe_lost(p, "class %s is not watched here", names);
	}
	if (partial) {
		watch_fmt_classes(partial, names, sizeof(names));
		cmd_probe_lost(p, "class %s is partial here", names);
	}
	watch_close(s);
	return 0;
}

/* The loop's timing: how often it wakes, and when each periodic job is due. */
struct watch_timing {
	bool tty, busy;
	uint64_t wake_ms, tick_ns;
	uint64_t start, deadline, next_limit, next_tick, next_pol;
	struct limit_prev prev;		/* -e limit: the last interval's counters */
};

/* do_watch, step 1: the kernel-side filter and how often to wake. */
static void watch_filter_init(const struct watch_ctx *c, struct watch_filter *f,
			      struct watch_timing *k)
{
	const struct watch_args *a = c->a;

	/* the root is not filtered: no subtree check in the kernel at all */
	f->cgid = watch_path_level(c->top.rel) ? c->top.id : 0;
	f->level = watch_path_level(c->top.rel);
	f->tgid = a->tgid;
	f->min_lat_ns = a->min_lat_ns;
	f->classes = a->classes & WATCH_BPF_CLASSES;	/* policy is read here */
	k->tty = isatty(STDOUT_FILENO);
	k->wake_ms = k->tty ? WATCH_WAKE_TTY_MS : WATCH_WAKE_PIPE_MS;
	/* the tick (lost events, the watched cgroup gone) need not wake us more often */
	k->tick_ns = (k->tty ? 100 : WATCH_WAKE_PIPE_MS) * 1000000ULL;
	f->wake_ns = k->wake_ms * 1000000ULL;
}

/* What watch_out_open() made (any part of it). */
static void watch_out_close(struct watch_ctx *c)
{
	if (jw)
		jsonw_destroy(&jw);
	if (out)
		fclose(out);
	free(out_buf);
	out = NULL;
	out_buf = NULL;
	watch_names_free(c->names);
	c->names = NULL;
}

/* do_watch, step 2: the cgroup names and the buffered output (JSON under -j). */
static int watch_out_open(struct watch_ctx *c, const struct cg_env *env)
{
	c->names = watch_names_new(env, &c->top);
	out = open_memstream(&out_buf, &out_len);
	if (out && json_wtr)
		jw = jsonw_new(out, gopts.pretty);
	if (c->names && out && (!json_wtr || jw))
		return 0;
	watch_out_close(c);
	p_err("watch: out of memory");
	return EXIT_RUNTIME;
}

/*
 * do_watch, step 3: the BPF classes attached (degrading class by class)
 * and, for -e policy, the loaded policies' event streams opened.
 */
static int watch_sources_open(struct watch_ctx *c, const struct watch_filter *f,
			      struct watch_session **s, uint32_t *unavail, uint32_t *partial,
			      uint32_t *failed)
{
	char err[PATH_MAX + 128];
	int ret;

	*unavail = *partial = *failed = 0;
	ret = f->classes ? watch_open(f, on_event, c, s, unavail, partial, failed, err,
				      sizeof(err)) : 0;
	if (ret == -ENOTSUP) {
		char un[128];

		watch_fmt_classes(c->a->classes, un, sizeof(un));
		p_err("watch: %s (%s)", err, un);
		p_hint("'memcgctl feature' lists the tracepoints this kernel has");
		return EXIT_UNSUPPORTED;
	}
	if (ret)
		return bpf_report_failure("watch", strstr(err, "attach") ? "attaching" : "loading", ret);
	c->active = watch_active(*s);
	if (c->a->classes & (1u << WATCH_C_POLICY)) {
		ret = watch_policies_open(f, c->top.rel, c->names, on_policy, c, &c->pol,
					  err, sizeof(err));
		if (ret) {
			p_err("watch: reading policy events: %s", err);
			return EXIT_RUNTIME;
		}
		c->active |= 1u << WATCH_C_POLICY;
	}
	return 0;
}

/*
 * How long the loop may sleep: while events flow the kernel wakes us at
 * most every wake_ms and we poll that often to pick up the rest; when
 * idle, the tick is enough.  Milliseconds.
 */
static int watch_timeout_ms(const struct watch_ctx *c, const struct watch_timing *k,
			    uint64_t now)
{
	uint64_t wake = now + (k->busy ? k->wake_ms * 1000000ULL : k->tick_ns);

	if (wake > k->next_tick)
		wake = k->next_tick;
	if (k->deadline && k->deadline < wake)
		wake = k->deadline;
	if ((c->active & (1u << WATCH_C_LIMIT)) && k->next_limit < wake)
		wake = k->next_limit;
	return wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
}

/* After a wakeup: the tick, the policy list and the limit interval, when due. */
static void watch_periodic(struct watch_ctx *c, struct watch_session *s,
			   const struct watch_filter *f, struct watch_timing *k, uint64_t now)
{
	if (now >= k->next_tick) {
		k->next_tick = now + k->tick_ns;
		report_lost(c, watch_lost(s));
		if (f->cgid && cgroup_gone(&c->top))
			c->vanished = true;
	}
	/* policies loaded since are read from now on, unloaded ones let go */
	if (c->pol && now >= k->next_pol) {
		k->next_pol = now + 500000000ULL;
		watch_policies_refresh(c->pol);
	}
	if ((c->active & (1u << WATCH_C_LIMIT)) && now >= k->next_limit) {
		report_limit(c, s, &k->prev, c->a->interval_ns);
		while (k->next_limit <= now)
			k->next_limit += c->a->interval_ns;
	}
}

/*
 * do_watch, step 4: events until a signal, --count, --duration, the
 * cgroup gone or a closed stdout.  0, or EXIT_RUNTIME if reading failed.
 */
static int watch_loop(struct watch_ctx *c, struct watch_session *s,
		      const struct watch_filter *f, struct watch_timing *k)
{
	while (!stopsig && !c->done && !c->vanished && !stdout_check()) {
		uint64_t now = clock_mono_ns();
		int ret;

		if (k->deadline && now >= k->deadline)
			break;
		ret = wait_events(c, s, watch_timeout_ms(c, k, now));
		if (ret < 0 && ret != -EINTR) {
			out_flush();
			p_err("watch: reading events: %s", strerror(-ret));
			return EXIT_RUNTIME;
		}
		k->busy = ret > 0;
		now = clock_mono_ns();
		watch_periodic(c, s, f, k, now);
		/* a terminal sees each batch; a file or pipe, chunks (see out_flush) */
		if (k->tty || !k->busy || (out_since && now - out_since >= WATCH_OUT_MAX_AGE_NS))
			out_flush();
	}
	/*
	 * Drain what the kernel sent before the end (a signal, --duration,
	 * the cgroup gone): the wakeups it held back leave events waiting.
	 * --count has what it asked for.
	 */
	if (!c->done && !stdout_check()) {
		if (s)
			watch_poll(s, 0);
		if (c->pol)
			watch_policies_poll(c->pol, 0);
	}
	return 0;
}

/* do_watch, step 5: the last limit interval, the summary, and why it ended. */
static void watch_finish(struct watch_ctx *c, struct watch_session *s, struct watch_timing *k)
{
	if (c->active & (1u << WATCH_C_LIMIT))
		report_limit(c, s, &k->prev, c->a->interval_ns);
	if (!c->a->no_summary)
		summary(c, s, clock_mono_ns() - k->start);
	else
		report_lost(c, watch_lost(s));
	out_flush();
	if (!c->vanished)
		return;
	if (jw) {
		jsonw_start_object(jw);
		jsonw_string_field(jw, "event", "vanished");
		json_time(c, clock_mono_ns());
		jsonw_string_field(jw, "cgroup", c->top.rel);
		jsonw_u64_field(jw, "cgroup_id", c->top.id);
		jsonw_end_object(jw);
		jsonw_end_document(jw);
		out_flush();
	}
	fprintf(stderr, "%s: watch: %s was removed; the watch ends\n", prog_name, esc(c->top.rel));
}

int do_watch(int argc, char **argv)
{
	struct watch_args a = { .classes = WATCH_DEFAULT_CLASSES,
				.interval_ns = 1000000000ULL };
	struct watch_ctx c = { .a = &a };
	struct watch_filter f = { 0 };
	struct watch_session *s = NULL;
	struct watch_timing k = { 0 };
	struct cg_env env;
	uint32_t unavail, partial, failed;
	bool done;
	int ret;

	ret = cmd_parse(&watch_argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	ret = cmd_cgroup("watch", &env, a.cgroup ? a.cgroup : "/", &c.top);
	if (ret)
		return ret;
	ret = bpf_check_privileges("watch");
	if (ret)
		return ret;

	c.env = &env;
	c.page_size = sysconf(_SC_PAGESIZE);
	watch_filter_init(&c, &f, &k);
	ret = watch_out_open(&c, &env);
	if (ret)
		return ret;
	ret = watch_sources_open(&c, &f, &s, &unavail, &partial, &failed);
	if (ret)
		goto out;

	/* a closed terminal (SIGHUP) ends the watch like Ctrl-C: with its summary */
	stopsig_install(STOPSIG_HUP);
	k.start = clock_mono_ns();
	c.mono_to_real_ns = (int64_t)(clock_real_ns() - k.start);
	if (a.duration_ns)
		k.deadline = k.start + a.duration_ns;
	k.next_limit = k.start + a.interval_ns;
	k.next_tick = k.next_pol = k.start;
	announce(&c, unavail, partial, failed);
	out_flush();

	ret = watch_loop(&c, s, &f, &k);
	if (!ret)
		ret = c.vanished ? EXIT_VANISHED : EXIT_OK;
	watch_finish(&c, s, &k);
out:
	free(k.prev.v);
	watch_policies_close(c.pol);
	free(c.pol_counts);
	watch_close(s);
	watch_out_close(&c);
	return ret;
}
