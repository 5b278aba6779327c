/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * watch's data collection: loading bpf/watch.bpf.c with the filters,
 * consuming its ring buffer, reading the kernel-side totals, and naming
 * cgroup ids.  Nothing here prints; records go to the caller's callback.
 * The pure helpers (class names, parsing, histogram math) are in
 * watch_fmt.c so unit tests can reach them without BPF.
 */
#ifndef MEMCGCTL_WATCH_EVENTS_H
#define MEMCGCTL_WATCH_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <linux/types.h>

#include "cgroup.h"
#include "../bpf/watch.h"	/* relative: unit tests build without -Ibpf */
#include "policy.h"
#include "policy_event.h"

/* ---- pure helpers (watch_fmt.c) ------------------------------------- */

#define WATCH_ALL_CLASSES ((1u << WATCH_C_NR) - 1)
/*
 * limit hooks the page-fault path (count_memcg_events): opt-in.  policy
 * is opt-in too: reading a policy's events consumes them (a ring buffer
 * has one reader position), so a plain `watch` must not take them from
 * `memcgctl policy events -f` or another watch that asked for them.
 */
#define WATCH_BPF_CLASSES (WATCH_ALL_CLASSES & ~(1u << WATCH_C_POLICY))
#define WATCH_DEFAULT_CLASSES (WATCH_ALL_CLASSES & ~(1u << WATCH_C_LIMIT) & \
			       ~(1u << WATCH_C_POLICY))

const char *watch_class_name(int cls);
/* "reclaim,oom" / "all" into a mask; -EINVAL with the bad word in bad */
int watch_parse_classes(const char *s, uint32_t *mask, char *bad, size_t badlen);
/* "reclaim,oom" from a mask ("" for none) */
void watch_fmt_classes(uint32_t mask, char *buf, size_t len);
const char *watch_type_name(int type);
int watch_type_class(int type);
/* VMSCAN_THROTTLE_* bit mask as "writeback|noprogress" ("none" for 0) */
void watch_fmt_throttle_reason(int reason, char *buf, size_t len);
/* The level of a cgroup from its path relative to the hierarchy root. */
int watch_path_level(const char *rel);
/* The tail of a long path, escaped (escape.h): every path in watch's text output. */
const char *watch_tail(const char *path, size_t width, char *buf, size_t len);

/* ---- the text line (watch_text.c) ----------------------------------- */

/* "hh:mm:ss." of the last epoch second formatted */
struct watch_clock {
	bool valid;
	time_t sec;
	size_t len;
	char hms[16];
};

/* "hh:mm:ss.mmm" of a CLOCK_REALTIME in ns into buf (>= 16); returns its length. */
size_t watch_clock_fmt(struct watch_clock *k, uint64_t real_ns, char *buf);
/* One event's text line into f (watch(8), OUTPUT). */
void watch_text_event(FILE *f, struct watch_clock *k, uint64_t real_ns,
		      const struct watch_event *e, const char *path, bool ids,
		      uint64_t page_size);

/* Histogram slot bounds in microseconds: [lo, hi) */
void watch_hist_bounds(int slot, uint64_t *lo, uint64_t *hi);
/* Last non-empty slot + 1 (0 when empty). */
int watch_hist_used(const __u64 *hist, int nslots);
/* Is rel (relative to the hierarchy root) top or below it? */
bool watch_path_in(const char *top, const char *rel);

/* One action of a loaded policy (class policy): see policy_event.h. */

/* ---- the session ---------------------------------------------------- */

struct watch_filter {
	uint64_t cgid;		/* 0: every cgroup */
	int level;		/* of cgid */
	uint32_t tgid;		/* 0: every process */
	uint64_t min_lat_ns;
	uint32_t classes;	/* requested classes */
	uint64_t wake_ns;	/* wake the reader at most this often in a storm (0: 10ms) */
};

struct watch_session;

/*
 * Called for every record from the ring buffer.  Returning non-zero
 * stops the current poll (the caller decides whether to go on).
 */
typedef int (*watch_event_fn)(const struct watch_event *e, void *ctx);

/*
 * Open, filter, load and attach.  *unavail gets the requested classes
 * this kernel cannot deliver (missing tracepoints, or programs the
 * verifier refused: those are also in *load_failed), *partial those it
 * delivers with fewer fields.  It prints nothing.  Returns 0 or a negative errno with a
 * message; -ENOTSUP when none of the requested classes is available.
 */
int watch_open(const struct watch_filter *f, watch_event_fn fn, void *ctx,
	       struct watch_session **out, uint32_t *unavail, uint32_t *partial,
	       uint32_t *load_failed, char *err, size_t errlen);
/* Wait up to timeout_ms and hand over what arrived; events handled or -errno. */
int watch_poll(struct watch_session *s, int timeout_ms);
/* Events the kernel could not deliver (ring buffer full) so far. */
uint64_t watch_lost(struct watch_session *s);
/* Per-cgroup entries dropped because a totals map was full. */
uint64_t watch_stats_dropped(struct watch_session *s);
/* The classes actually attached. */
uint32_t watch_active(struct watch_session *s);
/* The ring buffer's epoll fd, to wait on it with other fds. */
int watch_fd(struct watch_session *s);

struct watch_cg_total {
	uint64_t cgid;
	struct watch_cg_stats st;
};
/* All per-cgroup totals; *n entries in a malloc'ed array (caller frees). */
int watch_read_stats(struct watch_session *s, struct watch_cg_total **out, size_t *n);

struct watch_limit_entry {
	uint64_t cgid;
	struct watch_limit_val v;
};
/* Current cumulative limit counters per cgroup (caller frees). */
int watch_read_limit(struct watch_session *s, struct watch_limit_entry **out, size_t *n);

void watch_close(struct watch_session *s);

/*
 * The hooks `watch` chooses on this kernel for the classes want, set on
 * an opened (not loaded) skeleton: returns the classes it can feed,
 * *partial those that lose some fields (see watch_open()).
 */
struct watch_bpf;
uint32_t watch_choose_hooks(struct watch_bpf *skel, uint32_t want, uint32_t *partial);

/*
 * ---- policy actions (-e policy) ----------------------------------------
 * Read from the ring buffers of the policies pinned by `memcgctl policy`,
 * not from watch's BPF program; the cgroup subtree and pid filters are
 * applied here.  A policy loaded or unloaded while watching is picked up
 * or let go by watch_policies_refresh().
 */
struct watch_names;
struct watch_policies;
typedef int (*watch_policy_fn)(const struct policy_event_rec *r, void *ctx);
/* top_rel: the watched cgroup (f->cgid 0: everything passes). */
int watch_policies_open(const struct watch_filter *f, const char *top_rel,
			struct watch_names *names, watch_policy_fn fn, void *ctx,
			struct watch_policies **out, char *err, size_t errlen);
/* 1 when the set of policies changed (the fd may be new), 0, -errno */
int watch_policies_refresh(struct watch_policies *p);
int watch_policies_fd(struct watch_policies *p);	/* -1: none loaded */
int watch_policies_nr(struct watch_policies *p);
const struct policy_meta *watch_policies_meta(struct watch_policies *p, int i);
/* Hand over waiting actions (timeout_ms 0: don't wait); count or -errno */
int watch_policies_poll(struct watch_policies *p, int timeout_ms);
/* Actions read but filtered out (another subtree or process). */
void watch_policies_close(struct watch_policies *p);

/* ---- cgroup names ----------------------------------------------------- */

struct watch_names;
struct watch_names *watch_names_new(const struct cg_env *env, const struct cg_ref *top);
/* The path relative to the memory root, or NULL if unknown (even after a rescan). */
const char *watch_names_get(struct watch_names *n, uint64_t id);
void watch_names_add(struct watch_names *n, uint64_t id, const char *rel);
void watch_names_free(struct watch_names *n);

#endif
