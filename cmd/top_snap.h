/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memcgctl top's internal vocabulary: the snapshot table the collector
 * fills, the column table, the view (order, fold, filter) and the
 * renderers.  Collection never prints; renderers only read a snapshot,
 * so they can be fed one built by hand (tests/unit/test_top.c).
 */
#ifndef MEMCGCTL_TOP_SNAP_H
#define MEMCGCTL_TOP_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cgroup.h"
#include <linux/types.h>

#include "json.h"
#include "../bpf/top.h"

/* Data sources a column needs; the collector reads only those asked for. */
enum {
	TOP_SRC_USAGE	= 1 << 0,	/* current, peak, limits */
	TOP_SRC_STAT	= 1 << 1,	/* memory.stat */
	TOP_SRC_EVENTS	= 1 << 2,	/* memory.events / failcnt / oom_control */
	TOP_SRC_PSI	= 1 << 3,	/* memory.pressure on the cgroup2 twin */
	TOP_SRC_PROCS	= 1 << 4,	/* cgroup.procs */
	TOP_SRC_BPF	= 1 << 5,	/* top_stats map */
	TOP_SRC_SWAP	= 1 << 6,	/* swap files (v1: memsw) */
	TOP_SRC_PGSTEAL	= 1 << 7,	/* memory.stat, but only on v2 (pgsteal) */
	TOP_SRC_REFAULT	= 1 << 8,	/* memory.stat, only the workingset_refault keys */
	TOP_SRC_ALL	= (1 << 9) - 1,
};

struct top_row {
	char *rel;		/* "/a/b" relative to the memory root (owned) */
	const char *name;	/* last component of rel, or rel for the root */
	uint64_t id;
	int depth;		/* 0 for the view's root */
	int parent;		/* row index, -1 for the root */
	bool has_children;	/* rows below it in this snapshot */
	bool is_new;		/* not in the previous snapshot */
	struct cg_mem mem;	/* CG_UNKNOWN where not read or not readable */
	bool bpf_known;
	bool from_iter;		/* page counters and events came from the cgroup iterator */
	struct top_cg_stats bpf; /* cumulative, hierarchical */
	/* over the interval since the previous snapshot; negative = unknown */
	double psi_some_rate, psi_full_rate;	/* % of wall time stalled */
	double reclaim_rate;	/* pages/s */
	double stall_rate;	/* ms of reclaim stall per s */
	double refault_rate;	/* pages/s */
	double limit_events;	/* high+max events in the interval */
	double oom_new;		/* OOM kills in the interval */
	double reclaims_new;	/* memcg reclaim passes in the interval (BPF) */
	double reclaimed_new;	/* pages those passes reclaimed */
};

struct top_snap {
	struct top_row *rows;	/* depth-first, parents before children */
	size_t nr, cap;
	double time;		/* wall clock, seconds since the epoch */
	double interval;	/* seconds since the previous snapshot, 0 if first */
	const char *layout;	/* "v2", "v1", "hybrid" */
	bool bpf;		/* BPF counters were read */
	const char *bpf_note;	/* why not, when !bpf and BPF was wanted */
	unsigned src;		/* TOP_SRC_* that were read */
	bool iter;		/* the cgroup iterator walked the tree (not cgroupfs) */
	size_t vanished;	/* rows of the previous snapshot that are gone */
};

void top_snap_free(struct top_snap *s);
/* Append a row (copies rel); returns its index or -1 on ENOMEM. */
int top_snap_add(struct top_snap *s, const char *rel, uint64_t id, int depth, int parent);
/* Compute rates of cur against prev (matched by id); interval from times. */
void top_snap_rates(struct top_snap *cur, const struct top_snap *prev);

/* ---- collector (top_collect.c; which file holds what: top_int.h) ---- */

struct top_collector;
struct top_collect_opts {
	const struct cg_env *env;
	const struct cg_ref *root;
	int depth;		/* 0: unlimited */
	bool bpf;		/* try to load the BPF program */
	bool no_iter;		/* never use the cgroup iterator (compare, debug) */
	/*
	 * One snapshot and done: the reclaim and OOM programs would count
	 * from attach to that snapshot, nothing, so they are not loaded
	 * (their counters read 0, as they would have); the iterator is.
	 */
	bool one_shot;
};
int top_collector_new(struct top_collector **out, const struct top_collect_opts *o);
/*
 * Take a snapshot of the sources in src; rates are against the previous
 * call's.  The snapshot is owned by the collector and valid until the
 * next call.  Returns 0 or -errno (the root vanished: -ENOENT).
 */
int top_collect(struct top_collector *c, unsigned src, const struct top_snap **out);
bool top_collector_bpf(const struct top_collector *c, const char **note);
/*
 * Of memory.stat's text only the refault keys (and v2's pgsteal): the
 * RFLT/s column's (top_snap.c).
 */
void top_stat_keys(const struct cg_env *env, const char *buf, struct cg_mem *m);
/*
 * Read memory.stat (the costly file: the kernel formats ~40-80 lines per
 * cgroup) only for these cgroups from now on, e.g. the rows on screen;
 * ids NULL: for every cgroup (batch mode, or a sort key that needs it).
 * Other rows keep their files open and show '-' for memory.stat columns.
 */
int top_collector_stat_only(struct top_collector *c, const uint64_t *ids, size_t n);

/*
 * Recent events of a cgroup's subtree for the detail pane, kept by the
 * collector: OOM victims (BPF ring buffer: pid and command), OOM kills,
 * limit events and reclaim passes seen between two refreshes (from the
 * hierarchical counters, so nothing more runs in the kernel).
 */
enum top_ev_kind { TOP_EV_OOM_VICTIM, TOP_EV_OOM_KILL, TOP_EV_LIMIT, TOP_EV_RECLAIM };
struct top_event {
	double time;		/* wall clock */
	enum top_ev_kind kind;
	uint64_t count;		/* kills, limit events or reclaim passes */
	double stall_ms;	/* TOP_EV_RECLAIM: time stalled in them */
	uint64_t pages;		/* TOP_EV_RECLAIM: pages reclaimed */
	uint32_t pid;		/* TOP_EV_OOM_VICTIM */
	char comm[16];
	uint64_t cg_id;		/* the cgroup it happened in (a descendant, or itself) */
};
#define TOP_EV_KEEP 16
/* Up to max of the newest events for id into out, oldest first; returns how many. */
size_t top_collector_events(const struct top_collector *c, uint64_t id,
			    struct top_event *out, size_t max);
void top_collector_free(struct top_collector *c);

/* ---- fields (top_columns.c) -------------------------------------------- */

/*
 * Every value top shows is one entry of top_cols[]: a column of the text
 * and full-screen views, a member of the JSON row, a metric family.  The
 * renderers only iterate the table; adding a value is one entry plus its
 * value function (and, for a JSON member, its line in
 * schema/top.schema.json, whose closed objects the tests hold output to).
 */
enum top_kind { TOP_K_NAME, TOP_K_TEXT, TOP_K_BYTES, TOP_K_PCT, TOP_K_RATE, TOP_K_COUNT };
enum top_mtype { TOP_M_NONE, TOP_M_GAUGE, TOP_M_COUNTER };

struct top_col {
	const char *name;	/* --columns / --sort key */
	const char *header;
	int width;		/* 0: the name column, takes what is left */
	const char *unit;	/* of the text column, for --columns help */
	const char *desc;	/* --columns help, and the metric's HELP */
	bool sort_desc;		/* biggest first by default */
	unsigned src;		/* TOP_SRC_* it needs */
	enum top_kind kind;	/* how the text views print it */
	bool deflt;		/* in the default set */
	/*
	 * The value in the JSON unit: NAN when unknown, INFINITY when there
	 * is no limit (text "max", JSON null, metric +Inf).  TOP_K_NAME and
	 * TOP_K_TEXT fields have text() instead: NULL when unknown.
	 */
	double (*value)(const struct top_snap *s, const struct top_row *r);
	const char *(*text)(const struct top_snap *s, const struct top_row *r);
	double text_scale;	/* text views show value * text_scale (0: 1) */
	/* JSON: the member (NULL: not in JSON), an integer unless decimals > 0 */
	const char *json;
	int decimals;
	/*
	 * Metrics: the family name (NULL: not exported), without the
	 * counter's _total; its OpenMetrics unit, which the name ends in
	 * (NULL: none); the sample is value * metric_scale (0: 1).
	 */
	const char *metric;
	enum top_mtype mtype;
	const char *metric_unit;
	double metric_scale;
	/*
	 * Colour in the full-screen view, of color_by (NULL: value):
	 * >= crit red, >= warn yellow, else green if ok_green, else none.
	 * warn and crit 0: no colour.
	 */
	struct {
		double (*by)(const struct top_snap *s, const struct top_row *r);
		double warn, crit;
		bool ok_green;
	} color;
};

extern const struct top_col top_cols[];
extern const int top_nr_cols;

#define TOP_MAX_COLS 64
struct top_colset {
	int idx[TOP_MAX_COLS];
	int nr;
};

int top_col_find(const char *name);	/* -1 if none */
void top_colset_default(struct top_colset *cs);
/* "current,limit,oom" or "all" or "default"; err gets the bad name. */
int top_colset_parse(struct top_colset *cs, const char *list, char *err, size_t errlen);
unsigned top_colset_src(const struct top_colset *cs);
/* A numeric field's value (NAN for text fields). */
double top_col_value(const struct top_col *c, const struct top_snap *s, const struct top_row *r);
/* Value of a column as text ("-" when unknown, "max" when unlimited); buf >= 32. */
const char *top_col_format(const struct top_col *c, const struct top_snap *s,
			   const struct top_row *r, char *buf, size_t len);
/* Colour level of a cell: 0 none, 1 ok, 2 warn, 3 crit. */
int top_col_level(const struct top_col *c, const struct top_snap *s, const struct top_row *r);

/* The view: which rows, in which order. */
struct top_view {
	int sort_col;		/* top_cols index */
	bool sort_desc;
	bool tree;
	const char *filter;	/* substring of rel, NULL for none */
	const uint64_t *folded;	/* ids whose children are hidden */
	size_t nr_folded;
	double start_time;	/* wall clock the BPF counters count from (--textfile), 0: none */
};
/*
 * Fill order[] (capacity snap->nr) with the visible rows; returns how
 * many.  Tree: siblings sorted by the key, children after their parent,
 * a filter keeps matches and their ancestors.  Flat: all rows sorted.
 */
size_t top_view_order(const struct top_snap *s, const struct top_view *v, int *order);

/* ---- batch renderers (top_batch.c) ------------------------------------ */

enum top_format { TOP_FMT_TEXT, TOP_FMT_JSON, TOP_FMT_PROMETHEUS, TOP_FMT_OPENMETRICS };

int top_format_parse(const char *s, enum top_format *f);
const char *top_format_name(enum top_format f);
static inline bool top_format_metrics(enum top_format f)
{
	return f == TOP_FMT_PROMETHEUS || f == TOP_FMT_OPENMETRICS;
}
void top_render_text(FILE *f, const struct top_snap *s, const struct top_view *v,
		     const struct top_colset *cs);
void top_render_json(struct json_writer *w, const struct top_snap *s,
		     const struct top_view *v);
/*
 * One exposition of the snapshot: the Prometheus text format 0.0.4
 * (TOP_FMT_PROMETHEUS) or OpenMetrics 1.0 (TOP_FMT_OPENMETRICS, ending
 * in "# EOF").
 */
void top_render_metrics(FILE *f, const struct top_snap *s, const struct top_view *v,
			enum top_format fmt);

/*
 * The hooks `top` chooses on this kernel, set on an opened (not loaded)
 * skeleton (top_bpf.c): 0 all there, 1 some missing.
 */
struct top_bpf;
int top_choose_hooks(struct top_bpf *s, bool with_oom);

/* ---- TUI (top_tui.c: the only file that includes curses) -------------- */

struct top_tui_opts {
	struct top_collector *col;
	struct top_view view;
	struct top_colset cols;
	double delay;		/* seconds */
	bool color;
	const struct cg_env *env;
	const char *demo_cgroup;	/* rel path to select first, or NULL */
};
int top_tui_run(struct top_tui_opts *o);

#endif
