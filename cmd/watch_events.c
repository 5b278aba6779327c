// SPDX-License-Identifier: GPL-2.0-only
/*
 * watch's data collection: see watch_events.h.  One skeleton, one
 * program per hook; a class whose tracepoint this kernel lacks is not
 * loaded and is reported back, the others work.
 */
#define _GNU_SOURCE	/* open_by_handle_at */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "idmap.h"
#include "main.h"
#include "memcg_hooks.h"
#include "watch_events.h"
#include "watch.skel.h"

struct watch_session {
	struct watch_bpf *skel;
	struct ring_buffer *rb;
	watch_event_fn fn;
	void *ctx;
	uint32_t active;
};

static int rb_cb(void *ctx, void *data, size_t size)
{
	struct watch_session *s = ctx;

	if (size < sizeof(struct watch_event))
		return 0;
	return s->fn(data, s->ctx);
}

/* What one load of the skeleton is asked to carry. */
struct load_plan {
	uint32_t have;		/* classes */
	bool oom_task;		/* oom through tp_btf (the victim task) */
	bool tp_memcg, tp_cnt;	/* tracepoints the limit class can use */
	enum memcg_scan_via scan;	/* the hook pgscan/pgsteal come through */
	bool vanish;		/* rmdir only to see the watched cgroup go */
};

static void autoload(struct bpf_program *p, bool on)
{
	bpf_program__set_autoload(p, on);
}

/*
 * Which classes this kernel's hooks can feed (of want), and how: the
 * plan's hooks and *partial (classes that lose some fields).
 */
static uint32_t plan_hooks(uint32_t want, struct load_plan *pl, uint32_t *partial)
{
	bool tp_memcg, tp_direct, tp_thr, tp_oom, tp_mkdir, tp_rmdir;
	uint32_t have = 0;

	tp_memcg = tracepoint_exists("vmscan", "mm_vmscan_memcg_reclaim_begin") &&
		   tracepoint_exists("vmscan", "mm_vmscan_memcg_reclaim_end");
	tp_direct = tracepoint_exists("vmscan", "mm_vmscan_direct_reclaim_begin") &&
		    tracepoint_exists("vmscan", "mm_vmscan_direct_reclaim_end");
	tp_thr = tracepoint_exists("vmscan", "mm_vmscan_throttled");
	tp_oom = tracepoint_exists("oom", "mark_victim");
	/* pgscan/pgsteal: count_memcg_events up to 7.0, lruvec stats from 7.1 */
	pl->scan = memcg_hooks_scan_via(NULL, 0);
	pl->tp_cnt = pl->scan != MEMCG_SCAN_NONE;
	tp_mkdir = tracepoint_exists("cgroup", "cgroup_mkdir");
	tp_rmdir = tracepoint_exists("cgroup", "cgroup_rmdir");
	pl->oom_task = tp_oom && btf_tp_arg_is_ptr("mark_victim", 0);
	pl->tp_memcg = tp_memcg;

#define CLS(c) (want & (1u << (c)))
	if (CLS(WATCH_C_RECLAIM) && tp_memcg)
		have |= 1u << WATCH_C_RECLAIM;
	if (CLS(WATCH_C_DIRECT) && tp_direct)
		have |= 1u << WATCH_C_DIRECT;
	if (CLS(WATCH_C_THROTTLE) && tp_thr)
		have |= 1u << WATCH_C_THROTTLE;
	if (CLS(WATCH_C_OOM) && tp_oom) {
		have |= 1u << WATCH_C_OOM;
		if (!pl->oom_task)
			*partial |= 1u << WATCH_C_OOM;
	}
	/* limit: entries into memcg reclaim, pages from the memcg stat hooks */
	if (CLS(WATCH_C_LIMIT) && (tp_memcg || pl->tp_cnt)) {
		have |= 1u << WATCH_C_LIMIT;
		if (!tp_memcg || !pl->tp_cnt)
			*partial |= 1u << WATCH_C_LIMIT;
	}
	if (CLS(WATCH_C_CGROUP) && tp_mkdir && tp_rmdir)
		have |= 1u << WATCH_C_CGROUP;
#undef CLS
	pl->have = have;
	pl->vanish = false;
	return have;
}

/* Autoload exactly the programs of pl (skel opened, not loaded). */
static void plan_autoload(struct watch_bpf *skel, const struct load_plan *pl)
{
	uint32_t have = pl->have;

	skel->rodata->class_mask = have;
	skel->rodata->memcg_page_shift = memcg_hooks_page_shift();
#define HAVE(c) (have & (1u << (c)))
	autoload(skel->progs.watch_memcg_rb, HAVE(WATCH_C_RECLAIM) ||
		 (HAVE(WATCH_C_LIMIT) && pl->tp_memcg));
	autoload(skel->progs.watch_memcg_re, HAVE(WATCH_C_RECLAIM));
	autoload(skel->progs.watch_direct_rb, HAVE(WATCH_C_DIRECT));
	autoload(skel->progs.watch_direct_re, HAVE(WATCH_C_DIRECT));
	autoload(skel->progs.watch_throttle, HAVE(WATCH_C_THROTTLE));
	autoload(skel->progs.watch_oom_btf, HAVE(WATCH_C_OOM) && pl->oom_task);
	autoload(skel->progs.watch_oom_tp, HAVE(WATCH_C_OOM) && !pl->oom_task);
	autoload(skel->progs.watch_memcg_events,
		 HAVE(WATCH_C_LIMIT) && pl->scan == MEMCG_SCAN_VM_EVENTS);
	autoload(skel->progs.watch_lruvec_state,
		 HAVE(WATCH_C_LIMIT) && pl->scan == MEMCG_SCAN_LRUVEC);
	autoload(skel->progs.watch_mkdir, HAVE(WATCH_C_CGROUP));
	/* rmdir also tells at once when the watched cgroup goes away */
	autoload(skel->progs.watch_rmdir, HAVE(WATCH_C_CGROUP) || pl->vanish);
#undef HAVE
}

uint32_t watch_choose_hooks(struct watch_bpf *skel, uint32_t want, uint32_t *partial)
{
	struct load_plan pl = { 0 };
	uint32_t have;

	*partial = 0;
	have = plan_hooks(want, &pl, partial);
	plan_autoload(skel, &pl);
	return have;
}

/* Open and load the skeleton with exactly the programs plan asks for. */
static int load_plan(const struct watch_filter *f, const struct load_plan *pl,
		     struct watch_bpf **out)
{
	struct watch_bpf *skel;
	int ret;

	*out = NULL;
	skel = watch_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->targ_cgid = f->cgid;
	skel->rodata->targ_tgid = f->tgid;
	skel->rodata->min_lat_ns = f->min_lat_ns;
	if (f->wake_ns)
		skel->rodata->wake_ns = f->wake_ns;
	plan_autoload(skel, pl);

	ret = watch_bpf__load(skel);
	if (ret) {
		watch_bpf__destroy(skel);
		return ret;
	}
	*out = skel;
	return 0;
}

/* Would a class's programs load on their own?  (The skeleton is freed.) */
static bool plan_loads(const struct watch_filter *f, struct load_plan pl, uint32_t cls)
{
	struct watch_bpf *skel;

	pl.have = 1u << cls;
	pl.vanish = false;
	if (load_plan(f, &pl, &skel))
		return false;
	watch_bpf__destroy(skel);
	return true;
}

/*
 * Load what was asked for.  The object loads all or nothing, so when it
 * fails, each class is tried alone: one hook this kernel's verifier or
 * BTF rejects costs its own class (the oom class first falls back to the
 * plain tracepoint), never the whole watch.  Lack of privilege or memory
 * fails every class alike and is returned as is.
 */
static int load_degrading(const struct watch_filter *f, struct load_plan *pl,
			  uint32_t *failed, uint32_t *partial, struct watch_bpf **out)
{
	uint32_t ok = 0;
	int ret, first;

	*failed = 0;
	first = ret = load_plan(f, pl, out);
	if (!ret || ret == -EPERM || ret == -ENOMEM)
		return ret;
	p_debug("watch: loading every class at once failed (%s); trying them one by one",
		strerror(-ret));
	for (int c = 0; c < WATCH_C_NR; c++) {
		if (!(pl->have & (1u << c)))
			continue;
		if (plan_loads(f, *pl, c)) {
			ok |= 1u << c;
		} else if (c == WATCH_C_OOM && pl->oom_task) {
			struct load_plan tp = *pl;

			tp.oom_task = false;
			if (plan_loads(f, tp, c)) {
				pl->oom_task = false;
				*partial |= 1u << c;
				ok |= 1u << c;
			}
		}
	}
	*failed = pl->have & ~ok;
	pl->have = ok;
	if (!ok)
		return first;
	ret = load_plan(f, pl, out);
	if (ret && pl->vanish && !(ok & (1u << WATCH_C_CGROUP))) {
		/* the watched cgroup's removal is still seen by polling */
		pl->vanish = false;
		ret = load_plan(f, pl, out);
	}
	return ret;
}

int watch_open(const struct watch_filter *f, watch_event_fn fn, void *ctx,
	       struct watch_session **out, uint32_t *unavail, uint32_t *partial,
	       uint32_t *load_failed, char *err, size_t errlen)
{
	struct watch_session *s;
	struct watch_bpf *skel;
	struct load_plan pl = { 0 };
	uint32_t want = f->classes, have = 0, failed = 0;
	int ret;

	*unavail = *partial = *load_failed = 0;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->fn = fn;
	s->ctx = ctx;

	have = plan_hooks(want, &pl, partial);
	*unavail = want & ~have;
	if (!have) {
		snprintf(err, errlen, "this kernel has none of the tracepoints the requested classes need");
		free(s);
		return -ENOTSUP;
	}

	pl.vanish = tracepoint_exists("cgroup", "cgroup_rmdir") && f->cgid;
	ret = load_degrading(f, &pl, &failed, partial, &skel);
	if (ret) {
		snprintf(err, errlen, "loading BPF programs: %s", strerror(-ret));
		goto fail;
	}
	have = pl.have;
	*unavail |= failed;
	*load_failed = failed;
	s->skel = skel;
	ret = watch_bpf__attach(skel);
	if (ret) {
		snprintf(err, errlen, "attaching BPF programs: %s", strerror(-ret));
		goto fail;
	}
	s->rb = ring_buffer__new(bpf_map__fd(skel->maps.watch_events), rb_cb, s, NULL);
	if (!s->rb) {
		ret = -errno;
		snprintf(err, errlen, "ring buffer: %s", strerror(errno));
		goto fail;
	}
	s->active = have;
	*out = s;
	return 0;
fail:
	watch_close(s);
	return ret;
}

int watch_poll(struct watch_session *s, int timeout_ms)
{
	int n, m;

	n = ring_buffer__poll(s->rb, timeout_ms);
	if (n < 0)
		return n;
	/* records whose wakeup the kernel held back (see event_submit) */
	m = ring_buffer__consume(s->rb);
	return m < 0 ? m : n + m;
}

static uint64_t lost_at(struct watch_session *s, __u32 k)
{
	__u64 v = 0;

	bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.watch_lost), &k, &v);
	return v;
}

/* A session may be absent (only -e policy): these read as empty then. */
uint64_t watch_lost(struct watch_session *s) { return s ? lost_at(s, 0) : 0; }
uint64_t watch_stats_dropped(struct watch_session *s) { return s ? lost_at(s, 1) : 0; }
uint32_t watch_active(struct watch_session *s) { return s ? s->active : 0; }
int watch_fd(struct watch_session *s) { return s && s->rb ? ring_buffer__epoll_fd(s->rb) : -1; }

/* Read a hash map keyed by __u64 into an array of { key, value } records. */
static int read_hash(int fd, size_t vsz, void **out, size_t *n)
{
	size_t rec = sizeof(__u64) + vsz, cap = 0, cnt = 0;
	__u64 key, next, *prev = NULL;
	char *arr = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (cnt == cap) {
			char *na = realloc(arr, (cap = cap ? cap * 2 : 64) * rec);

			if (!na) {
				free(arr);
				return -ENOMEM;
			}
			arr = na;
		}
		memcpy(arr + cnt * rec, &next, sizeof(next));
		if (bpf_map_lookup_elem(fd, &next, arr + cnt * rec + sizeof(__u64)) == 0)
			cnt++;
		key = next;
		prev = &key;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

int watch_read_stats(struct watch_session *s, struct watch_cg_total **out, size_t *n)
{
	_Static_assert(sizeof(struct watch_cg_total) ==
		       sizeof(__u64) + sizeof(struct watch_cg_stats), "packed record");
	if (!s) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	return read_hash(bpf_map__fd(s->skel->maps.watch_stats),
			 sizeof(struct watch_cg_stats), (void **)out, n);
}

int watch_read_limit(struct watch_session *s, struct watch_limit_entry **out, size_t *n)
{
	_Static_assert(sizeof(struct watch_limit_entry) ==
		       sizeof(__u64) + sizeof(struct watch_limit_val), "packed record");
	if (!s) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	return read_hash(bpf_map__fd(s->skel->maps.watch_limit),
			 sizeof(struct watch_limit_val), (void **)out, n);
}

void watch_close(struct watch_session *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	watch_bpf__destroy(s->skel);
	free(s);
}

/* ---- policy actions -------------------------------------------------- */

struct watch_policies {
	struct policy_event_reader *r;
	struct watch_names *names;
	watch_policy_fn fn;
	void *ctx;
	uint64_t cgid;		/* 0: every cgroup */
	uint32_t tgid;		/* 0: every process */
	char top[PATH_MAX];
};

static int policy_cb(void *ctx, const struct policy_meta *m, const struct policy_event *e)
{
	struct watch_policies *p = ctx;
	struct policy_event_rec rec = { .meta = m, .e = e };
	const char *rel = watch_names_get(p->names, e->cgroup_id);

	/* the process signalled, or the thread that was charging */
	if (p->tgid && e->tgid != p->tgid && e->pid != p->tgid)
		return 0;
	/* a cgroup that is gone cannot be placed: not ours to show */
	if (p->cgid && (!rel || !watch_path_in(p->top, rel)))
		return 0;
	rec.cgroup = rel;	/* NULL: gone before we learnt its path */
	return p->fn(&rec, p->ctx);
}

int watch_policies_open(const struct watch_filter *f, const char *top_rel,
			struct watch_names *names, watch_policy_fn fn, void *ctx,
			struct watch_policies **out, char *err, size_t errlen)
{
	struct watch_policies *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->names = names;
	p->fn = fn;
	p->ctx = ctx;
	p->cgid = f->cgid;
	p->tgid = f->tgid;
	snprintf(p->top, sizeof(p->top), "%s", top_rel);
	p->r = policy_events_open(NULL, policy_cb, p, err, errlen);
	if (!p->r) {
		int ret = errno ? -errno : -EINVAL;

		free(p);
		return ret;
	}
	*out = p;
	return 0;
}

int watch_policies_refresh(struct watch_policies *p)
{
	return policy_events_refresh(p->r);
}

int watch_policies_fd(struct watch_policies *p) { return policy_events_fd(p->r); }
int watch_policies_nr(struct watch_policies *p) { return policy_events_nr(p->r); }

const struct policy_meta *watch_policies_meta(struct watch_policies *p, int i)
{
	return policy_events_meta(p->r, i);
}

int watch_policies_poll(struct watch_policies *p, int timeout_ms)
{
	return policy_events_poll(p->r, timeout_ms);
}

void watch_policies_close(struct watch_policies *p)
{
	if (!p)
		return;
	policy_events_close(p->r);
	free(p);
}

/* ---- cgroup names ---------------------------------------------------- */

/* id -> path: ix maps the id to its index in paths. */
struct watch_names {
	const struct cg_env *env;
	struct cg_ref top;
	struct idmap ix;
	char **paths;
	size_t n, cap;
	time_t last_scan;
	int mount_fd;		/* the memory hierarchy's root, for handles */
};

/* kernfs file handles: the handle is the 64-bit cgroup id */
#define WATCH_FILEID_KERNFS 0xfe

/*
 * Name a cgroup by its id without walking the tree: cgroupfs accepts
 * the id as a file handle, and /proc/self/fd tells the path.
 */
static int names_by_handle(struct watch_names *nm, uint64_t id, char *rel, size_t len)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = WATCH_FILEID_KERNFS } };
	char link[64], path[PATH_MAX];
	size_t rl = strlen(nm->env->mem_root);
	ssize_t n;
	int fd;

	if (nm->mount_fd < 0)
		return -EBADF;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(nm->mount_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	path[n] = 0;
	if (strncmp(path, nm->env->mem_root, rl) || (path[rl] && path[rl] != '/'))
		return -ENOENT;	/* another hierarchy with the same id */
	snprintf(rel, len, "%s", path[rl] ? path + rl : "/");
	return 0;
}

static void names_put(struct watch_names *nm, uint64_t id, const char *rel)
{
	char *p;
	size_t at;

	if (!id)
		return;
	if (idmap_get(&nm->ix, id, &at)) {
		if (strcmp(nm->paths[at], rel) && (p = strdup(rel))) {
			free(nm->paths[at]);
			nm->paths[at] = p;
		}
		return;
	}
	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 256;
		char **n = realloc(nm->paths, cap * sizeof(*n));

		if (!n)
			return;
		nm->paths = n;
		nm->cap = cap;
	}
	p = strdup(rel);
	if (!p || idmap_put(&nm->ix, id, nm->n)) {
		free(p);
		return;
	}
	nm->paths[nm->n++] = p;
}

static int names_scan_cb(const struct cg_ref *ref, int depth, void *ctx)
{
	names_put(ctx, ref->id, ref->rel);
	return 0;
}

static void names_scan(struct watch_names *nm)
{
	nm->last_scan = time(NULL);
	names_put(nm, nm->top.id, nm->top.rel);
	cg_walk(nm->env, &nm->top, 0, names_scan_cb, nm);
}

struct watch_names *watch_names_new(const struct cg_env *env, const struct cg_ref *top)
{
	struct watch_names *nm = calloc(1, sizeof(*nm));

	if (!nm)
		return NULL;
	nm->env = env;
	nm->top = *top;
	/* no walk here: a tree of 10,000 cgroups would delay the start */
	names_put(nm, top->id, top->rel);
	nm->last_scan = time(NULL);
	nm->mount_fd = open(env->mem_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return nm;
}

static const char *names_find(struct watch_names *nm, uint64_t id)
{
	size_t at;

	return idmap_get(&nm->ix, id, &at) ? nm->paths[at] : NULL;
}

const char *watch_names_get(struct watch_names *nm, uint64_t id)
{
	const char *p = names_find(nm, id);
	char rel[PATH_MAX];

	if (p)
		return p;
	if (names_by_handle(nm, id, rel, sizeof(rel)) == 0) {
		names_put(nm, id, rel);
		return names_find(nm, id);
	}
	/* no handles (old kernel, no CAP_DAC_READ_SEARCH): walk, rarely */
	if (time(NULL) - nm->last_scan >= 5) {
		names_scan(nm);
		p = names_find(nm, id);
	}
	return p;
}

void watch_names_add(struct watch_names *nm, uint64_t id, const char *rel)
{
	names_put(nm, id, rel);
}

void watch_names_free(struct watch_names *nm)
{
	if (!nm)
		return;
	if (nm->mount_fd >= 0)
		close(nm->mount_fd);
	for (size_t i = 0; i < nm->n; i++)
		free(nm->paths[i]);
	free(nm->paths);
	idmap_free(&nm->ix);
	free(nm);
}
