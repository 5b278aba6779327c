// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify's output: one firing as a text line, a JSON object (schema/
 * notify.json) or, for --exec, MEMCGCTL_* variables.  Only reads the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "escape.h"
#include "json.h"
#include "main.h"
#include "notify_int.h"
#include "units.h"

static void fmt_time(char *buf, size_t len, bool iso)
{
	struct timespec ts;
	struct tm tm;
	char b[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (iso) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%03ldZ", b, ts.tv_nsec / 1000000);
	} else {
		localtime_r(&ts.tv_sec, &tm);
		strftime(b, sizeof(b), "%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%03ld", b, ts.tv_nsec / 1000000);
	}
}

/*
 * The limit that binds: *which is "high", "max" ("v1" on v1), "none" when
 * the cgroup has none, NULL when it is unknown.  Returns CG_NOLIMIT or
 * CG_UNKNOWN then.
 */
static uint64_t binding(const struct notify_run *r, const struct firing *f, const char **which)
{
	bool max = cg_known(f->max) && f->max != CG_NOLIMIT;
	bool high = cg_known(f->high) && f->high != CG_NOLIMIT;

	if (high && (!max || f->high < f->max)) {
		*which = "high";
		return f->high;
	}
	if (max) {
		*which = r->env.mem_is_v2 ? "max" : "v1";
		return f->max;
	}
	if (cg_known(f->max)) {
		*which = "none";
		return CG_NOLIMIT;
	}
	*which = NULL;
	return CG_UNKNOWN;
}

static const char *const hook_names[NOTIFY_H_NR] = {
	[NOTIFY_H_ITER] = "start",
	[NOTIFY_H_MEMCG_EVENTS] = "memcg:count_memcg_events",
	[NOTIFY_H_RSS_STAT] = "kmem:rss_stat",
	[NOTIFY_H_PAGE_CACHE] = "filemap:mm_filemap_add_to_page_cache",
	[NOTIFY_H_RECLAIM_BEGIN] = "vmscan:mm_vmscan_memcg_reclaim_begin",
	[NOTIFY_H_RECLAIM_END] = "vmscan:mm_vmscan_memcg_reclaim_end",
	[NOTIFY_H_MARK_VICTIM] = "oom:mark_victim",
	[NOTIFY_H_RMDIR] = "cgroup:cgroup_rmdir",
	[NOTIFY_H_PROC_FREE] = "sched:sched_process_free",
	[NOTIFY_H_MEMCG_LRUVEC] = "memcg:mod_memcg_lruvec_state",
	[NOTIFY_H_MEMCG_STATE] = "memcg:mod_memcg_state",
};

const char *notify_hook_name(uint32_t hook)
{
	return hook < NOTIFY_H_NR ? hook_names[hook] : NULL;
}

/* Which counter a counting condition watches, by its vocabulary name. */
static const char *counter_name(int kind)
{
	switch (kind) {
	case NOTIFY_K_MAX: return "max_events";	/* memory.events max (MEMCG_MAX) */
	case NOTIFY_K_HIGH: return "high_events";
	case NOTIFY_K_OOM_KILL: return "oom_kills";
	default: return NULL;
	}
}

void notify_firing_json(const struct notify_run *r, const struct notify_cond *c,
			const struct firing *f)
{
	struct json_writer *w = json_wtr;
	const char *which, *counter = counter_name(c->kind);
	uint64_t lim;

	jsonw_start_object(w);
	jsonw_string_field(w, "event", notify_kind_name(c->kind));
	jsonw_float_field(w, "time", clock_real_us() / 1e6, 6);
	jsonw_string_field(w, "cgroup", r->ref.rel);
	jsonw_u64_field(w, "cgroup_id", r->ref.id);
	jsonw_string_field(w, "condition", c->text);
	if (r->a->all && r->a->nr > 1) {
		jsonw_name(w, "all");
		jsonw_start_array(w);
		for (int i = 0; i < r->a->nr; i++)
			jsonw_string(w, r->a->conds[i].text);
		jsonw_end_array(w);
	}
	jsonw_u64_field(w, "firing", r->firings);
	jsonw_bool_field(w, "initial", f->initial);
	jsonw_u64_field(w, "timestamp_ns", f->wake_ns);
	if (f->event_ns)
		jsonw_u64_field(w, "event_ns", f->event_ns);
	else
		jsonw_null_field(w, "event_ns");
	if (f->have_mem) {
		jsonw_u64_field(w, "usage_bytes", f->usage);
		lim = binding(r, f, &which);
		if (cg_known(lim) && lim != CG_NOLIMIT)
			jsonw_u64_field(w, "limit_bytes", lim);
		else
			jsonw_null_field(w, "limit_bytes");
		if (which)
			jsonw_string_field(w, "limit_type", which);
		else
			jsonw_null_field(w, "limit_type");
		if (c->kind == NOTIFY_K_USAGE)
			jsonw_u64_field(w, "threshold_bytes", f->thresh);
	}
	if (f->have_counter) {
		if (counter)
			jsonw_string_field(w, "counter", counter);
		jsonw_u64_field(w, "value", f->value);
		jsonw_u64_field(w, "delta", f->delta);
	}
	if (c->kind == NOTIFY_K_OOM_KILL && f->pid) {
		jsonw_name(w, "victim");
		jsonw_start_object(w);
		jsonw_u64_field(w, "pid", f->pid);
		jsonw_string_field(w, "comm", f->comm);
		jsonw_end_object(w);
	} else if (f->pid) {
		jsonw_u64_field(w, "pid", f->pid);
		jsonw_string_field(w, "comm", f->comm);
	}
	if (c->kind == NOTIFY_K_PSI) {
		jsonw_u64_field(w, "stall_us", c->stall_us);
		jsonw_u64_field(w, "window_us", c->window_us);
		if (f->have_psi) {
			jsonw_float_field(w, "avg10_pct", f->psi.avg10, 2);
			jsonw_u64_field(w, "total_us", f->psi.total_us);
		} else {
			jsonw_null_field(w, "avg10_pct");
			jsonw_null_field(w, "total_us");
		}
	}
	if (!f->initial && c->kind != NOTIFY_K_PSI && f->hook < NOTIFY_H_NR)
		jsonw_string_field(w, "hook", hook_names[f->hook]);
	jsonw_end_object(w);
	jsonw_end_document(w);
}

void notify_firing_plain(const struct notify_run *r, const struct notify_cond *c,
			 const struct firing *f)
{
	char tbuf[32], b1[UNITS_BUF], b2[UNITS_BUF], b3[UNITS_BUF];
	const char *which;
	uint64_t lim;

	fmt_time(tbuf, sizeof(tbuf), false);
	printf("%s %s %s: ", tbuf, esc(r->ref.rel), r->a->all && r->a->nr > 1 ? "all" : c->text);
	if (f->initial)
		printf("already holds at start: ");
	switch (c->kind) {
	case NOTIFY_K_USAGE:
		lim = binding(r, f, &which);
		printf("usage %s, threshold %s", fmt_size(b1, sizeof(b1), f->usage),
		       fmt_size(b2, sizeof(b2), f->thresh));
		if (cg_known(lim) && lim != CG_NOLIMIT)
			printf(", limit %s (%s)", fmt_size(b3, sizeof(b3), lim), which);
		break;
	case NOTIFY_K_OOM_KILL:
		printf("pid %u (%s) OOM-killed, %llu since start", f->pid, esc(f->comm),
		       (unsigned long long)f->value);
		break;
	case NOTIFY_K_MAX:
	case NOTIFY_K_HIGH:
		printf("memory.events %s %llu (+%llu)", notify_kind_name(c->kind),
		       (unsigned long long)f->value, (unsigned long long)f->delta);
		break;
	case NOTIFY_K_PSI:
		if (f->have_psi)
			printf("memory %s avg10 %.2f%%", c->flags & NOTIFY_F_FULL ? "full" : "some",
			       f->psi.avg10);
		else
			printf("memory pressure over the trigger");
		break;
	case NOTIFY_K_REMOVED:
		printf("the cgroup was removed");
		break;
	}
	putchar('\n');
	(void)stdout_check();
}

static void setenv_u64(const char *name, uint64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	setenv(name, b, 1);
}

void notify_firing_env(const struct notify_run *r, const struct notify_cond *c,
		       const struct firing *f)
{
	const char *which;
	char tbuf[48];
	uint64_t lim;

	fmt_time(tbuf, sizeof(tbuf), true);
	setenv("MEMCGCTL_CONDITION", r->a->all && r->a->nr > 1 ? "all" : c->text, 1);
	setenv("MEMCGCTL_TYPE", notify_kind_name(c->kind), 1);
	setenv("MEMCGCTL_CGROUP", r->ref.rel, 1);
	setenv("MEMCGCTL_CGROUP_PATH", r->ref.path, 1);
	setenv_u64("MEMCGCTL_CGROUP_ID", r->ref.id);
	setenv_u64("MEMCGCTL_FIRING", r->firings);
	setenv("MEMCGCTL_INITIAL", f->initial ? "1" : "0", 1);
	setenv("MEMCGCTL_TIME", tbuf, 1);
	setenv_u64("MEMCGCTL_TIMESTAMP_NS", f->wake_ns);
	if (f->event_ns)
		setenv_u64("MEMCGCTL_EVENT_NS", f->event_ns);
	if (f->have_mem) {
		setenv_u64("MEMCGCTL_USAGE", f->usage);
		lim = binding(r, f, &which);
		if (cg_known(lim) && lim != CG_NOLIMIT)
			setenv_u64("MEMCGCTL_LIMIT", lim);
		if (c->kind == NOTIFY_K_USAGE)
			setenv_u64("MEMCGCTL_THRESHOLD", f->thresh);
	}
	if (f->have_counter) {
		setenv_u64("MEMCGCTL_VALUE", f->value);
		setenv_u64("MEMCGCTL_DELTA", f->delta);
	}
	if (f->pid) {
		setenv_u64("MEMCGCTL_PID", f->pid);
		setenv("MEMCGCTL_COMM", f->comm, 1);
	}
	if (c->kind == NOTIFY_K_PSI && f->have_psi) {
		char b[32];

		snprintf(b, sizeof(b), "%.2f", f->psi.avg10);
		setenv("MEMCGCTL_PSI_AVG10", b, 1);
	}
}
