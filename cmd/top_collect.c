// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's collector: walk the memory cgroup tree, read what the visible
 * columns need, merge the BPF per-cgroup counters with one batched map
 * read, and compute rates against the previous snapshot.  Never prints.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "clock.h"
#include "main.h"
#include "memcg_hooks.h"
#include "probe.h"
#include "top.skel.h"
#include "top_flush.h"
#include "top_snap.h"

/* ---- snapshots -------------------------------------------------------- */

void top_snap_free(struct top_snap *s)
{
	for (size_t i = 0; i < s->nr; i++)
		free(s->rows[i].rel);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

static void row_unknown(struct top_row *r)
{
	cg_mem_unknown(&r->mem);
	r->psi_some_rate = r->psi_full_rate = r->reclaim_rate = -1;
	r->stall_rate = r->refault_rate = r->limit_events = r->oom_new = -1;
	r->reclaims_new = r->reclaimed_new = -1;
}

int top_snap_add(struct top_snap *s, const char *rel, uint64_t id, int depth, int parent)
{
	struct top_row *r;
	const char *slash;

	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct top_row *n = realloc(s->rows, cap * sizeof(*n));

		if (!n)
			return -1;
		s->rows = n;
		s->cap = cap;
	}
	r = &s->rows[s->nr];
	memset(r, 0, sizeof(*r));
	r->rel = strdup(rel);
	if (!r->rel)
		return -1;
	slash = strrchr(r->rel, '/');
	r->name = (slash && slash[1]) ? slash + 1 : r->rel;
	r->id = id;
	r->depth = depth;
	r->parent = parent;
	r->is_new = true;
	row_unknown(r);
	if (parent >= 0)
		s->rows[parent].has_children = true;
	return (int)s->nr++;
}

struct id_idx {
	uint64_t id;
	size_t idx;
};

static int id_idx_cmp(const void *a, const void *b)
{
	const struct id_idx *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static double delta(uint64_t now, uint64_t before)
{
	if (!cg_known(now) || !cg_known(before) || now < before)
		return -1;	/* unknown, or a counter that went back (id reuse) */
	return (double)(now - before);
}

static double sum2(uint64_t a, uint64_t b)
{
	return (cg_known(a) && cg_known(b)) ? (double)a + (double)b : -1;
}

static double per_s(double d, double secs)
{
	return d < 0 || secs <= 0 ? -1 : d / secs;
}

static void row_rates(struct top_row *r, const struct top_row *p, double secs,
		      bool pgsteal)
{
	const struct cg_mem *m = &r->mem, *o = &p->mem;
	double d;

	d = delta(m->psi_some.total_us, o->psi_some.total_us);
	r->psi_some_rate = d < 0 ? -1 : d / 1e6 / secs * 100;
	d = delta(m->psi_full.total_us, o->psi_full.total_us);
	r->psi_full_rate = d < 0 ? -1 : d / 1e6 / secs * 100;

	d = sum2(m->stat[CG_STAT_workingset_refault_anon], m->stat[CG_STAT_workingset_refault_file]);
	if (d >= 0) {
		double b = sum2(o->stat[CG_STAT_workingset_refault_anon],
				o->stat[CG_STAT_workingset_refault_file]);

		r->refault_rate = (b < 0 || d < b) ? -1 : (d - b) / secs;
	}

	/* pages reclaimed from the cgroup: memory.stat when it says (v2) */
	if (pgsteal && cg_known(m->stat[CG_STAT_pgsteal]))
		r->reclaim_rate = per_s(delta(m->stat[CG_STAT_pgsteal], o->stat[CG_STAT_pgsteal]), secs);
	else if (r->bpf_known && p->bpf_known)
		r->reclaim_rate = per_s(delta(r->bpf.reclaimed + r->bpf.direct_reclaimed,
					      p->bpf.reclaimed + p->bpf.direct_reclaimed), secs);
	if (r->bpf_known && p->bpf_known) {
		d = delta(r->bpf.stall_ns + r->bpf.direct_stall_ns,
			  p->bpf.stall_ns + p->bpf.direct_stall_ns);
		r->stall_rate = d < 0 ? -1 : d / 1e6 / secs;
		r->reclaims_new = delta(r->bpf.reclaims, p->bpf.reclaims);
		r->reclaimed_new = delta(r->bpf.reclaimed, p->bpf.reclaimed);
	}

	d = sum2(m->events[CG_EV_high], m->events[CG_EV_max]);
	if (!cg_known(m->events[CG_EV_high]))	/* v1: failcnt only */
		d = cg_known(m->events[CG_EV_max]) ? (double)m->events[CG_EV_max] : -1;
	if (d >= 0) {
		double b = cg_known(o->events[CG_EV_high]) ?
			sum2(o->events[CG_EV_high], o->events[CG_EV_max]) :
			(cg_known(o->events[CG_EV_max]) ? (double)o->events[CG_EV_max] : -1);

		r->limit_events = (b < 0 || d < b) ? -1 : d - b;
	}
	r->oom_new = delta(m->events[CG_EV_oom_kill], o->events[CG_EV_oom_kill]);
}

void top_snap_rates(struct top_snap *cur, const struct top_snap *prev)
{
	struct id_idx *ix;
	double secs;

	cur->vanished = 0;
	if (!prev || !prev->nr)
		return;
	secs = cur->time - prev->time;
	cur->interval = secs > 0 ? secs : 0;
	ix = malloc(prev->nr * sizeof(*ix));
	if (!ix)
		return;
	for (size_t i = 0; i < prev->nr; i++)
		ix[i] = (struct id_idx){ prev->rows[i].id, i };
	qsort(ix, prev->nr, sizeof(*ix), id_idx_cmp);

	size_t matched = 0;
	for (size_t i = 0; i < cur->nr; i++) {
		struct top_row *r = &cur->rows[i];
		struct id_idx key = { r->id, 0 }, *hit;

		hit = bsearch(&key, ix, prev->nr, sizeof(*ix), id_idx_cmp);
		if (!hit)
			continue;
		matched++;
		r->is_new = false;
		if (secs > 0)
			row_rates(r, &prev->rows[hit->idx], secs,
				  cur->layout && !strcmp(cur->layout, "v2"));
	}
	cur->vanished = prev->nr - matched;
	free(ix);
}

/* ---- the collector ---------------------------------------------------- */

/*
 * The files read for every cgroup at every refresh (memory.stat for the
 * refault column, memory.pressure for PSI) stay open and are pread() at
 * offset 0, which makes kernfs regenerate them: no path lookup, open or
 * close per refresh.  Keyed by cgroup id (kernfs ids are not reused).
 */
struct fd_ent {
	uint64_t id;
	int stat_fd, psi_fd;
};

struct ev_hist {
	uint64_t id;
	struct top_event ev[TOP_EV_KEEP];	/* a ring, pos the next slot */
	unsigned n, pos;
	uint64_t victims;	/* victims not yet matched with an oom_kill count */
	unsigned victims_gen;	/* the refresh they came in */
};

struct top_collector {
	const struct cg_env *env;
	struct cg_ref root;
	int depth;
	struct top_bpf *skel;
	const char *bpf_note;
	/* the cgroup iterator fast path */
	bool want_iter;
	struct bpf_link *iter_link;
	const struct top_memcg_rec *recs;	/* mmap of top_iter_recs */
	size_t iter_cap, recs_len;
	uint64_t root_ino;
	bool iter_swap;		/* the kernel has swap files to agree with */
	/* the rstat flush before each pass: refaults from the iterator (top_flush.h) */
	struct top_flush *flush;
	const char *flush_kfunc;
	char flush_why[256];
	bool flush_tried;
	bool one_shot;		/* top_collect_opts.one_shot */
	bool stat_fresh;	/* this pass was flushed: TOP_REC_STAT values are current */
	long page_size;
	const struct top_memcg_rec **order;	/* records sorted by (parent, name) */
	struct top_snap snap[2];
	int cur;		/* index of the latest snapshot */
	bool have_prev;
	/* BPF counters read this round, sorted by id */
	uint64_t *keys;
	struct top_cg_stats *vals;
	struct id_idx *bix;
	size_t bnr;
	/* memory.stat and memory.pressure kept open across refreshes */
	struct fd_ent *fds, *fds_next;	/* sorted by id / filled this refresh */
	size_t nfds, nfds_next, fds_cap;
	size_t open_fds, fd_budget;
	/* recent events per cgroup, sorted by id */
	struct ring_buffer *victims;
	struct ev_hist *evh;
	size_t evh_nr, evh_cap;
	struct top_victim *vq;		/* victims read this refresh */
	size_t vq_nr, vq_cap;
	unsigned gen;			/* refreshes so far */
	uint64_t *stat_ids;		/* memory.stat only for these (sorted), if limited */
	size_t stat_nr;
	bool stat_limited;
};

static const char *bpf_why(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return "BPF columns need root (or CAP_BPF and CAP_PERFMON)";
	case ENOENT:
	case EINVAL:
	case ENOTSUP:
		return "this kernel lacks the reclaim tracepoints top needs (see 'memcgctl feature')";
	default:
		return "the BPF program failed to load (run with -d for libbpf's log)";
	}
}

/* Room for every memory cgroup the kernel has now, and some growth. */
static size_t iter_capacity(void)
{
	char line[256];
	size_t n = 0;
	FILE *f = fopen("/proc/cgroups", "re");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long nr;

		if (sscanf(line, "memory %*d %lu", &nr) == 1)
			n = nr;
	}
	if (f)
		fclose(f);
	n += n / 2 + 1024;
	return n > TOP_MAX_CGROUPS ? TOP_MAX_CGROUPS : n;
}

static int iter_attach(struct top_collector *c, struct top_bpf *s)
{
	union bpf_iter_link_info linfo = {};
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	struct stat st;
	void *m;
	int fd, err = 0;

	fd = open(c->root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	c->root_ino = st.st_ino;
	linfo.cgroup.cgroup_fd = fd;
	linfo.cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_PRE;
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	c->iter_link = bpf_program__attach_iter(s->progs.top_iter_memcg, &opts);
	if (!c->iter_link) {
		err = -errno;
		goto out;
	}
	c->page_size = sysconf(_SC_PAGESIZE);
	c->recs_len = c->iter_cap * sizeof(struct top_memcg_rec);
	c->recs_len = (c->recs_len + c->page_size - 1) / c->page_size * c->page_size;
	m = mmap(NULL, c->recs_len, PROT_READ, MAP_SHARED, bpf_map__fd(s->maps.top_iter_recs), 0);
	if (m == MAP_FAILED) {
		err = -errno;
		bpf_link__destroy(c->iter_link);
		c->iter_link = NULL;
		goto out;
	}
	c->recs = m;
	/* v1 without memsw accounting (or v2 without swap files): swap stays cgroupfs' */
	c->iter_swap = faccessat(fd, c->env->mem_is_v2 ? "memory.swap.current" :
				 "memory.memsw.usage_in_bytes", F_OK, 0) == 0 ||
		(c->env->mem_is_v2 && !strcmp(c->root.rel, "/"));
out:
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * Whether the cgroup2 mount at root was mounted with memory_localevents:
 * then memory.events counts the cgroup's own events (memory_events_local)
 * instead of its subtree's, and the iterator must read the same array.
 */
static bool mount_local_events(const char *root)
{
	char line[4096], mnt[PATH_MAX];
	bool local = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - cgroup2 ");
		const char *opts;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || strcmp(mnt, root))
			continue;
		/* " - cgroup2 SOURCE SUPER_OPTIONS": the last field */
		opts = strrchr(sep, ' ');
		local = opts && strstr(opts, "memory_localevents");
	}
	if (f)
		fclose(f);
	return local;
}

static int victim_cb(void *ctx, void *data, size_t len);

/*
 * The hooks `top` uses on this kernel, set on an opened skeleton: the
 * vmscan reclaim pairs (tp_btf; memcg.bpf.h reads both prototypes) and,
 * with_oom, mark_victim where it passes the victim task.  Returns 0 when
 * all are there, 1 when some are missing.
 */
int top_choose_hooks(struct top_bpf *s, bool with_oom)
{
	bool all = true;

	s->rodata->memcg_page_shift = memcg_hooks_page_shift();
	all &= bpf_prog_autoload_if_tp(s->progs.top_memcg_begin, "vmscan",
				       "mm_vmscan_memcg_reclaim_begin");
	all &= bpf_prog_autoload_if_tp(s->progs.top_memcg_end, "vmscan",
				       "mm_vmscan_memcg_reclaim_end");
	all &= bpf_prog_autoload_if_tp(s->progs.top_direct_begin, "vmscan",
				       "mm_vmscan_direct_reclaim_begin");
	all &= bpf_prog_autoload_if_tp(s->progs.top_direct_end, "vmscan",
				       "mm_vmscan_direct_reclaim_end");
	if (!with_oom || !tracepoint_exists("oom", "mark_victim")) {
		bpf_program__set_autoload(s->progs.top_oom_victim, false);
		all &= !with_oom;
	}
	return !all;
}

/*
 * Of a one-shot run's skeleton (top_collect_opts.one_shot) only the
 * iterator loads: each tp_btf program is a verifier pass over BTF and
 * an attach, a third of top's startup.  The maps stay, at one entry:
 * the counters are read as usual, and read 0.
 */
static void one_shot_trim(struct top_bpf *s)
{
	bpf_program__set_autoload(s->progs.top_memcg_begin, false);
	bpf_program__set_autoload(s->progs.top_memcg_end, false);
	bpf_program__set_autoload(s->progs.top_direct_begin, false);
	bpf_program__set_autoload(s->progs.top_direct_end, false);
	bpf_program__set_autoload(s->progs.top_oom_victim, false);
	bpf_map__set_max_entries(s->maps.top_stats, 1);
	bpf_map__set_max_entries(s->maps.top_memcg_start, 1);
	bpf_map__set_max_entries(s->maps.top_direct_start, 1);
}

static int bpf_open_load(struct top_collector *c, bool with_oom, bool with_iter)
{
	struct top_bpf *s = top_bpf__open();
	int err;

	if (!s)
		return -errno;
	if (with_iter) {
		c->iter_cap = iter_capacity();
		bpf_map__set_max_entries(s->maps.top_iter_recs, c->iter_cap);
		/* attached by hand: it needs the view's root as its target */
		bpf_program__set_autoattach(s->progs.top_iter_memcg, false);
		s->rodata->top_iter_local_events = c->env->mem_is_v2 &&
						   mount_local_events(c->env->mem_root);
		if (!c->flush_tried) {
			c->flush_tried = true;
			c->flush = top_flush_open(c->root.path, &c->flush_kfunc, c->flush_why,
						  sizeof(c->flush_why));
			if (c->flush)
				p_debug("top: refaults from the cgroup iterator, flushed with %s",
					c->flush_kfunc);
			else
				p_debug("top: refaults from memory.stat: %s", c->flush_why);
		}
		s->rodata->top_iter_stats = c->flush != NULL;
	} else {
		bpf_program__set_autoload(s->progs.top_iter_memcg, false);
	}
	top_choose_hooks(s, with_oom);
	if (c->one_shot)
		one_shot_trim(s);
	err = top_bpf__load(s);
	if (!err)
		err = top_bpf__attach(s);
	if (!err && with_iter)
		err = iter_attach(c, s);
	if (err) {
		top_bpf__destroy(s);
		return err;
	}
	c->skel = s;
	/* without the victim program the ring stays empty: no events, no cost */
	if (bpf_program__autoload(s->progs.top_oom_victim))
		c->victims = ring_buffer__new(bpf_map__fd(s->maps.top_victims), victim_cb, c, NULL);
	return 0;
}

static void bpf_setup(struct top_collector *c)
{
	int err;

	if (geteuid() != 0) {
		/* don't even try: libbpf would only say EPERM, noisily */
		c->bpf_note = bpf_why(-EPERM);
		return;
	}
	/*
	 * 6.1's mark_victim has no task argument: go on without OOM
	 * attribution; a kernel whose cgroup iterator or mem_cgroup layout
	 * we cannot use: go on reading cgroupfs.
	 */
	static const struct { bool oom, iter; } tries[] = {
		{ true, true }, { false, true }, { true, false }, { false, false },
	};

	err = -ENOTSUP;
	for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
		if (tries[i].iter && !c->want_iter)
			continue;
		err = bpf_open_load(c, tries[i].oom, tries[i].iter);
		if (!err || err == -EPERM)
			break;
		p_debug("top: BPF load %s OOM victims, %s the cgroup iterator failed: %s",
			tries[i].oom ? "with" : "without", tries[i].iter ? "with" : "without",
			strerror(-err));
		/*
		 * Every kernel from 6.1 has the cgroup iterator: probe for it
		 * (another object, another parse of the kernel's BTF) only
		 * once a load with it failed, to skip the other try with it.
		 */
		if (tries[i].iter && c->want_iter)
			c->want_iter = probe_get(PROBE_PROG_ITER_CGROUP, NULL) == PROBE_YES;
	}
	if (err)
		c->bpf_note = bpf_why(err);
	if (!c->iter_link) {
		top_flush_free(c->flush);	/* nothing to flush for */
		c->flush = NULL;
	}
}

static void fd_close(struct top_collector *c, int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		c->open_fds--;
		*fd = -1;
	}
}

static void fds_drop(struct top_collector *c, struct fd_ent *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fd_close(c, &e[i].stat_fd);
		fd_close(c, &e[i].psi_fd);
	}
}

/*
 * How many files may stay open: the soft RLIMIT_NOFILE raised to the hard
 * limit, less a reserve for everything else; beyond it, open/read/close.
 */
static size_t fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = { rl.rlim_max, rl.rlim_max };

		if (!setrlimit(RLIMIT_NOFILE, &up))
			rl.rlim_cur = rl.rlim_max;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1 << 20;
	return rl.rlim_cur > 512 ? rl.rlim_cur - 256 : 0;
}

int top_collector_new(struct top_collector **out, const struct top_collect_opts *o)
{
	struct top_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->env = o->env;
	c->root = *o->root;
	c->depth = o->depth;
	c->want_iter = !o->no_iter;
	c->one_shot = o->one_shot;
	c->fd_budget = fd_budget();
	if (o->bpf)
		bpf_setup(c);
	*out = c;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* memory.stat is to be read for this cgroup (see top_collector_stat_only) */
static bool stat_wanted(const struct top_collector *c, uint64_t id)
{
	return !c->stat_limited ||
		bsearch(&id, c->stat_ids, c->stat_nr, sizeof(*c->stat_ids), u64_cmp);
}

int top_collector_stat_only(struct top_collector *c, const uint64_t *ids, size_t n)
{
	uint64_t *a = NULL;

	if (ids) {
		a = malloc((n ? n : 1) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		memcpy(a, ids, n * sizeof(*a));
		qsort(a, n, sizeof(*a), u64_cmp);
	}
	free(c->stat_ids);
	c->stat_ids = a;
	c->stat_nr = n;
	c->stat_limited = ids != NULL;
	return 0;
}

bool top_collector_bpf(const struct top_collector *c, const char **note)
{
	if (note)
		*note = c->bpf_note;
	return c->skel != NULL;
}

/*
 * feature's probe: top's programs over the whole tree, loaded the way a
 * run loads them (its fallbacks included); what a fallback gave up is lost.
 */
int top_probe(struct cmd_probe *p)
{
	struct top_collect_opts o = { .bpf = true };
	struct top_collector *c;
	struct cg_env env;
	struct cg_ref root;
	char err[256];
	int ret;

	if (cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err, sizeof(err)) ||
	    cg_ref_from_path(&env, env.mem_root, &root)) {
		cmd_probe_fail(p, -ENOENT, "no memory hierarchy");
		return p->err;
	}
	o.env = &env;
	o.root = &root;
	ret = top_collector_new(&c, &o);
	if (ret) {
		cmd_probe_fail(p, ret, "%s", strerror(-ret));
		return p->err;
	}
	if (!c->skel) {
		cmd_probe_fail(p, -ENOTSUP, "%s", c->bpf_note ? c->bpf_note : "BPF did not load");
	} else {
		if (!c->iter_link)
			cmd_probe_lost(p, "no cgroup iterator: the tree is read from cgroupfs");
		else if (!c->flush)
			cmd_probe_lost(p, "no rstat flush from BPF (%s): refaults are read from "
				       "memory.stat", c->flush_why);
		if (!bpf_program__autoload(c->skel->progs.top_oom_victim))
			cmd_probe_lost(p, "OOM victims are not attributed by BPF");
		if (!bpf_program__autoload(c->skel->progs.top_memcg_end) ||
		    !bpf_program__autoload(c->skel->progs.top_direct_end))
			cmd_probe_lost(p, "no vmscan reclaim hooks: the stall column prints '-'");
	}
	top_collector_free(c);
	return p->err;
}

void top_collector_free(struct top_collector *c)
{
	if (!c)
		return;
	if (c->recs)
		munmap((void *)c->recs, c->recs_len);
	bpf_link__destroy(c->iter_link);
	top_flush_free(c->flush);
	if (c->skel)
		top_bpf__destroy(c->skel);
	ring_buffer__free(c->victims);
	free(c->stat_ids);
	free(c->evh);
	free(c->vq);
	fds_drop(c, c->fds, c->nfds);
	free(c->fds);
	free(c->fds_next);
	free(c->order);
	top_snap_free(&c->snap[0]);
	top_snap_free(&c->snap[1]);
	free(c->keys);
	free(c->vals);
	free(c->bix);
	free(c);
}

/* One batched read of the whole map (falls back to key-by-key iteration). */
static int bpf_read_all(struct top_collector *c)
{
	int fd = bpf_map__fd(c->skel->maps.top_stats);
	size_t cap = TOP_MAX_CGROUPS;
	__u32 count;
	__u64 batch = 0;
	bool first = true;
	int err;

	if (!c->keys) {
		c->keys = malloc(cap * sizeof(*c->keys));
		c->vals = malloc(cap * sizeof(*c->vals));
		c->bix = malloc(cap * sizeof(*c->bix));
		if (!c->keys || !c->vals || !c->bix)
			return -ENOMEM;
	}
	c->bnr = 0;
	for (;;) {
		count = cap - c->bnr;
		if (!count)
			break;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch,
					   c->keys + c->bnr, c->vals + c->bnr, &count, NULL);
		first = false;
		c->bnr += count;
		if (err) {
			if (errno == ENOENT)
				break;	/* end of map */
			if (errno == EINVAL || errno == ENOTSUP)
				goto iterate;
			return -errno;
		}
	}
	goto index;
iterate:
	c->bnr = 0;
	{
		__u64 key, next, *prev = NULL;

		while (c->bnr < cap && !bpf_map_get_next_key(fd, prev, &next)) {
			key = next;
			if (!bpf_map_lookup_elem(fd, &key, &c->vals[c->bnr]))
				c->keys[c->bnr++] = key;
			prev = &key;
		}
	}
index:
	for (size_t i = 0; i < c->bnr; i++)
		c->bix[i] = (struct id_idx){ c->keys[i], i };
	qsort(c->bix, c->bnr, sizeof(*c->bix), id_idx_cmp);
	return 0;
}

static const struct top_cg_stats *bpf_find(const struct top_collector *c, uint64_t id)
{
	struct id_idx key = { id, 0 }, *hit;

	hit = bsearch(&key, c->bix, c->bnr, sizeof(*c->bix), id_idx_cmp);
	return hit ? &c->vals[hit->idx] : NULL;
}

/*
 * The cgroupfs walk, reading each cgroup as it is found: one directory
 * fd per cgroup (and its cgroup2 twin's for PSI), every file opened
 * relative to it, children listed with getdents64 on that same fd.  No
 * path is walked from "/" and no cgroup is stat()ed twice.
 */
struct fs_walk {
	const struct top_collector *c;
	const struct cg_env *env;
	struct top_snap *s;
	unsigned what;		/* CG_RD_* */
	int max_depth;
	bool check_memcg;	/* not on a cgroup fs (fixtures): need memory.stat */
	int err;
	char rel[PATH_MAX];
	char dents[32768];
};

static unsigned src_to_rd(const struct cg_env *env, unsigned src)
{
	unsigned rd = 0;

	/* v1's memory.stat has no pgsteal: its reclaim rate is BPF's alone */
	if ((src & TOP_SRC_PGSTEAL) && env->mem_is_v2)
		rd |= CG_RD_STAT;
	if (src & TOP_SRC_USAGE)
		rd |= CG_RD_USAGE;
	if (src & TOP_SRC_SWAP)
		rd |= CG_RD_SWAP;
	if (src & (TOP_SRC_STAT | TOP_SRC_REFAULT))
		rd |= CG_RD_STAT;
	if (src & TOP_SRC_EVENTS)
		rd |= CG_RD_EVENTS;
	if (src & TOP_SRC_PSI)
		rd |= CG_RD_PSI;
	if (src & TOP_SRC_PROCS)
		rd |= CG_RD_PROCS;
	return rd;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Child directory names of dfd, sorted (cg_walk's order); NULL-safe free. */
static char **list_children(struct fs_walk *w, int dfd, size_t *nr)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	long got;

	while ((got = syscall(SYS_getdents64, dfd, w->dents, sizeof(w->dents))) > 0) {
		for (long off = 0; off < got;) {
			struct {
				uint64_t d_ino;
				int64_t d_off;
				unsigned short d_reclen;
				unsigned char d_type;
				char d_name[];
			} *de = (void *)(w->dents + off);

			off += de->d_reclen;
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			if (n == cap) {
				char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

				if (!nn)
					goto oom;
				names = nn;
			}
			if (!(names[n] = strdup(de->d_name)))
				goto oom;
			n++;
		}
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*nr = n;
	return names;
oom:
	w->err = -ENOMEM;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	*nr = 0;
	return NULL;
}

static void fs_walk_dir(struct fs_walk *w, int dfd, int pfd, int depth, int row)
{
	size_t n, rl = strlen(w->rel), base = rl == 1 ? 0 : rl;	/* rel "/" */
	char **names;

	cg_read_mem_at(w->env, dfd, pfd, stat_wanted(w->c, w->s->rows[row].id) ? w->what :
		       w->what & ~CG_RD_STAT, &w->s->rows[row].mem);
	if (w->max_depth && depth >= w->max_depth)
		return;
	names = list_children(w, dfd, &n);
	for (size_t i = 0; i < n && !w->err; i++) {
		int cfd, cpfd = -1, idx;
		struct stat st;

		cfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			continue;	/* vanished since the listing */
		if (fstat(cfd, &st) ||
		    (w->check_memcg && faccessat(cfd, "memory.stat", F_OK, 0)) ||
		    depth + 1 >= 256 ||
		    snprintf(w->rel + base, sizeof(w->rel) - base, "/%s",
			     names[i]) >= (int)(sizeof(w->rel) - base)) {
			close(cfd);
			continue;
		}
		idx = top_snap_add(w->s, w->rel, st.st_ino, depth + 1, row);
		if (idx < 0) {
			w->err = -ENOMEM;
			close(cfd);
			break;
		}
		if (pfd >= 0)
			cpfd = openat(pfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fs_walk_dir(w, cfd, cpfd, depth + 1, idx);
		if (cpfd >= 0)
			close(cpfd);
		close(cfd);
		w->rel[rl] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Walk and read the view's subtree from cgroupfs; the root row is row 0. */
static int fs_collect(struct top_collector *c, struct top_snap *s, unsigned src)
{
	struct fs_walk *w = calloc(1, sizeof(*w));
	struct statfs sfs;
	struct stat st;
	char psi[PATH_MAX];
	int dfd, pfd = -1, err = 0;

	if (!w)
		return -ENOMEM;
	w->c = c;
	w->env = c->env;
	w->s = s;
	w->what = src_to_rd(c->env, src);
	w->max_depth = c->depth;
	dfd = open(c->root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* the view's root can itself vanish (and a new one take its name) */
	if (dfd < 0 || fstat(dfd, &st)) {
		err = -ENOENT;
		goto out;
	}
	w->check_memcg = fstatfs(dfd, &sfs) ||
		(sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC);
	if (top_snap_add(s, c->root.rel, st.st_ino, 0, -1) < 0) {
		err = -ENOMEM;
		goto out;
	}
	if ((w->what & CG_RD_PSI) && cg_psi_dir(c->env, &c->root, psi, sizeof(psi)))
		pfd = open(psi, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(w->rel, sizeof(w->rel), "%s", c->root.rel);
	fs_walk_dir(w, dfd, pfd, 0, 0);
	err = w->err;
out:
	if (pfd >= 0)
		close(pfd);
	if (dfd >= 0)
		close(dfd);
	free(w);
	return err;
}

/* ---- the cgroup iterator path ------------------------------------------- */

static int rec_cmp(const void *a, const void *b)
{
	const struct top_memcg_rec *x = *(const struct top_memcg_rec *const *)a;
	const struct top_memcg_rec *y = *(const struct top_memcg_rec *const *)b;

	if (x->parent_id != y->parent_id)
		return x->parent_id < y->parent_id ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* One run of the iterator: the records land in the mmap()ed array. */
static int iter_run(struct top_collector *c, size_t *nr)
{
	char buf[64];
	ssize_t n;
	int fd;

	/* first the subtree's rstat flush, as a read of memory.stat would do */
	c->stat_fresh = c->flush && !top_flush_run(c->flush);
	c->skel->bss->top_iter_nr = 0;
	c->skel->bss->top_iter_done = 0;
	fd = bpf_iter_create(bpf_link__fd(c->iter_link));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	if (n < 0)
		return -errno;	/* EOPNOTSUPP: the walk was cut short */
	if (!c->skel->bss->top_iter_done)
		return -EAGAIN;
	if (c->skel->bss->top_iter_nr > c->iter_cap)
		return -ENOSPC;	/* more cgroups than when we sized the map */
	*nr = c->skel->bss->top_iter_nr;
	return 0;
}

static uint64_t pages(const struct top_collector *c, uint64_t p)
{
	/* PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE) is "max" */
	if (p >= (uint64_t)LONG_MAX / (uint64_t)c->page_size)
		return CG_NOLIMIT;
	return p * (uint64_t)c->page_size;
}

/* What cgroupfs would have said, from the page counters; *rd: groups covered. */
static void rec_to_mem(const struct top_collector *c, const struct top_memcg_rec *r,
		       bool refault_only, unsigned *rd, struct cg_mem *m)
{
	*rd = CG_RD_USAGE | CG_RD_EVENTS;
	/* of memory.stat only the refaults are wanted, and the flushed iterator has them */
	if (refault_only && c->stat_fresh && (r->flags & TOP_REC_STAT)) {
		m->stat[CG_STAT_workingset_refault_anon] = r->refault_anon;
		m->stat[CG_STAT_workingset_refault_file] = r->refault_file;
		*rd |= CG_RD_STAT;
	}
	m->current = pages(c, r->usage);
	m->peak = pages(c, r->watermark);
	m->max = pages(c, r->max);
	if (c->env->mem_is_v2) {
		m->min = pages(c, r->min);
		m->low = pages(c, r->low);
		m->high = pages(c, r->high);
		m->events[CG_EV_low] = r->events[TOP_IEV_LOW];
		m->events[CG_EV_high] = r->events[TOP_IEV_HIGH];
		m->events[CG_EV_max] = r->events[TOP_IEV_MAX];
		m->events[CG_EV_oom] = r->events[TOP_IEV_OOM];
		m->events[CG_EV_oom_kill] = r->events[TOP_IEV_OOM_KILL];
		m->events[CG_EV_oom_group_kill] = r->events[TOP_IEV_OOM_GROUP_KILL];
		if (c->iter_swap) {
			m->swap_current = pages(c, r->swap_usage);
			m->swap_max = pages(c, r->swap_max);
			*rd |= CG_RD_SWAP;
		}
	} else {
		/* v1 prints its "unlimited" as a huge byte count: same rule as cgroupfs */
		if (m->max == CG_NOLIMIT || (cg_known(m->max) && m->max >= (1ULL << 62)))
			m->max = CG_NOLIMIT;
		m->events[CG_EV_max] = r->failcnt;
		m->events[CG_EV_oom_kill] = r->events[TOP_IEV_OOM_KILL];
		if (c->iter_swap) {
			uint64_t use = pages(c, r->swap_usage), lim = pages(c, r->swap_max);

			m->swap_current = use > m->current ? use - m->current : 0;
			if (lim == CG_NOLIMIT || lim >= (1ULL << 62))
				m->swap_max = CG_NOLIMIT;
			else if (m->max != CG_NOLIMIT)
				m->swap_max = lim > m->max ? lim - m->max : 0;
			*rd |= CG_RD_SWAP;
		}
	}
}

struct it_walk {
	struct top_collector *c;
	struct top_snap *s;
	const struct top_memcg_rec **by_parent;	/* sorted by (parent_id, name) */
	size_t nr;
	unsigned what;		/* CG_RD_* wanted */
	bool stat_keys;		/* of memory.stat only the refault (and pgsteal) keys */
	bool refault_only;	/* of memory.stat only the refault keys */
	int root_fd, psi_fd;
	char rel[PATH_MAX];
	int err;
};

static int fd_ent_cmp(const void *a, const void *b)
{
	const struct fd_ent *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * pread() a cached file (opening it on first use, through *dfd opened on
 * demand); the file is kept if the budget allows.  A cached file of a
 * cgroup that was removed (and maybe re-created under the same name, for
 * a cgroup2 twin) fails with ENODEV: it is reopened once.
 */
static int cached_read(struct top_collector *c, int *fd, int parent, const char *sub,
		       int *dfd, const char *name, char *buf, size_t len)
{
	ssize_t n = -1;

	for (int tries = 0; tries < 2; tries++) {
		if (*fd < 0) {
			if (*dfd < 0)
				*dfd = openat(parent, *sub ? sub : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (*dfd < 0)
				return -1;
			*fd = openat(*dfd, name, O_RDONLY | O_CLOEXEC);
			if (*fd < 0)
				return -1;
			c->open_fds++;
		}
		n = pread(*fd, buf, len - 1, 0);
		if (n >= 0)
			break;
		fd_close(c, fd);
	}
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (c->open_fds > c->fd_budget)
		fd_close(c, fd);	/* over the budget: read it again next time */
	return 0;
}

/* The value of "KEY N" at the start of a line of buf, or CG_UNKNOWN. */
static uint64_t stat_key(const char *buf, const char *key, size_t klen)
{
	const char *p = buf;
	unsigned long long v;
	char *end;

	while ((p = strstr(p, key))) {
		if ((p == buf || p[-1] == '\n') && p[klen] == ' ') {
			errno = 0;
			v = strtoull(p + klen + 1, &end, 10);
			return errno || end == p + klen + 1 ? CG_UNKNOWN : v;
		}
		p += klen;
	}
	return CG_UNKNOWN;
}

/*
 * Only the keys the refault column (and v2's reclaim rate) need: two or
 * three searches instead of splitting and looking up ~40-80 lines.  v1's
 * hierarchical values are its total_* lines, as cg_parse_mem_stat reads.
 */
void top_stat_keys(const struct cg_env *env, const char *buf, struct cg_mem *m)
{
#define KEY(k) k, sizeof(k) - 1
	if (env->mem_is_v2) {
		m->stat[CG_STAT_workingset_refault_anon] = stat_key(buf, KEY("workingset_refault_anon"));
		m->stat[CG_STAT_workingset_refault_file] = stat_key(buf, KEY("workingset_refault_file"));
		m->stat[CG_STAT_pgsteal] = stat_key(buf, KEY("pgsteal"));
	} else {
		m->stat[CG_STAT_workingset_refault_anon] =
			stat_key(buf, KEY("total_workingset_refault_anon"));
		m->stat[CG_STAT_workingset_refault_file] =
			stat_key(buf, KEY("total_workingset_refault_file"));
	}
#undef KEY
}

/* The rest (memory.stat, PSI, procs) from cgroupfs, relative to the view's root. */
static void it_read_files(struct it_walk *w, int row, unsigned what)
{
	struct top_collector *c = w->c;
	struct top_row *r = &w->s->rows[row];
	const char *sub = w->rel + strlen(c->root.rel);
	struct fd_ent key = { r->id, -1, -1 }, *old, *e;
	int dfd = -1, pfd = -1;
	char buf[16384];
	bool stat_skipped = false;

	while (*sub == '/')
		sub++;
	if ((what & CG_RD_STAT) && !stat_wanted(c, r->id)) {
		what &= ~CG_RD_STAT;	/* not on screen: its file stays open, unread */
		stat_skipped = true;
	}
	/* v1's swap fallback parses memory.stat itself: the plain path */
	if (!(what & CG_RD_SWAP) && ((what & (CG_RD_STAT | CG_RD_PSI)) || stat_skipped)) {
		old = c->nfds ? bsearch(&key, c->fds, c->nfds, sizeof(key), fd_ent_cmp) : NULL;
		e = &c->fds_next[c->nfds_next++];
		*e = old ? *old : key;
		if (old)
			old->stat_fd = old->psi_fd = -1;	/* moved */
		if (stat_skipped) {
			/* kept open, unread, for when the row is on screen again */
		} else if (!(what & CG_RD_STAT))
			fd_close(c, &e->stat_fd);	/* the column was hidden */
		else if (!cached_read(c, &e->stat_fd, w->root_fd, sub, &dfd, "memory.stat",
				      buf, sizeof(buf))) {
			if (w->stat_keys)
				top_stat_keys(c->env, buf, &r->mem);
			else
				cg_parse_mem_stat(c->env, buf, &r->mem);
		}
		if (!(what & CG_RD_PSI) || w->psi_fd < 0)
			fd_close(c, &e->psi_fd);
		else if (!cached_read(c, &e->psi_fd, w->psi_fd, sub, &pfd, "memory.pressure",
				      buf, sizeof(buf)))
			cg_parse_psi(buf, &r->mem.psi_some, &r->mem.psi_full);
		what &= ~(CG_RD_STAT | CG_RD_PSI);
	}
	if (what && dfd < 0)
		dfd = openat(w->root_fd, *sub ? sub : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (what && dfd >= 0) {
		if ((what & CG_RD_PSI) && w->psi_fd >= 0 && pfd < 0)
			pfd = openat(w->psi_fd, *sub ? sub : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cg_read_mem_at(c->env, dfd, pfd, what, &r->mem);
	}
	if (pfd >= 0)
		close(pfd);
	if (dfd >= 0)
		close(dfd);
}

/* After a walk: close the files of cgroups that are gone, keep the rest. */
static void fds_commit(struct top_collector *c)
{
	struct fd_ent *t;

	fds_drop(c, c->fds, c->nfds);
	qsort(c->fds_next, c->nfds_next, sizeof(*c->fds_next), fd_ent_cmp);
	t = c->fds;
	c->fds = c->fds_next;
	c->nfds = c->nfds_next;
	c->fds_next = t;
	c->nfds_next = 0;
}

static void it_add(struct it_walk *w, const struct top_memcg_rec *r, int depth, int parent)
{
	size_t rl = strlen(w->rel), lo = 0, hi = w->nr;
	unsigned covered = 0;
	int row;

	row = top_snap_add(w->s, w->rel, r->id, depth, parent);
	if (row < 0) {
		w->err = -ENOMEM;
		return;
	}
	if (!(r->flags & (TOP_REC_MEMCG_ROOT | TOP_REC_NO_MEMCG))) {
		rec_to_mem(w->c, r, w->refault_only, &covered, &w->s->rows[row].mem);
		w->s->rows[row].from_iter = true;
	}
	it_read_files(w, row, w->what & ~covered);
	if ((w->c->depth && depth >= w->c->depth) || depth + 1 >= 256)
		return;
	/* the children: the run of records whose parent is r */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (w->by_parent[mid]->parent_id < r->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < w->nr && w->by_parent[i]->parent_id == r->id && !w->err; i++) {
		const struct top_memcg_rec *ch = w->by_parent[i];

		if (snprintf(w->rel + (rl == 1 ? 0 : rl), sizeof(w->rel) - rl, "/%s", ch->name) >=
		    (int)(sizeof(w->rel) - rl))
			continue;
		it_add(w, ch, depth + 1, row);
		w->rel[rl] = '\0';
	}
}

/* -EAGAIN & co: use cgroupfs for this refresh; -ENOENT: the root is gone. */
static int iter_collect(struct top_collector *c, struct top_snap *s, unsigned src)
{
	struct it_walk w = { .c = c, .s = s, .what = src_to_rd(c->env, src), .psi_fd = -1,
			     .stat_keys = !(src & TOP_SRC_STAT) };
	/* v2's reclaim rate wants memory.stat's pgsteal too: then the file is read */
	w.refault_only = !(src & TOP_SRC_STAT) &&
		!((src & TOP_SRC_PGSTEAL) && c->env->mem_is_v2);
	char psi[PATH_MAX];
	struct stat st;
	size_t nr = 0;
	int err;

	/* the iterator holds the root it was attached to, even after rmdir */
	w.root_fd = open(c->root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.root_fd < 0 || fstat(w.root_fd, &st) || st.st_ino != c->root_ino) {
		err = -ENOENT;
		goto out;
	}
	err = iter_run(c, &nr);
	if (!err && (!nr || c->recs[0].id != c->root_ino))
		err = -EAGAIN;
	for (size_t i = 0; !err && i < nr; i++)
		if (c->recs[i].flags & TOP_REC_NAME_TRUNC)
			err = -ENAMETOOLONG;
	if (err) {
		p_debug("top: cgroup iterator: %s; reading cgroupfs", strerror(-err));
		goto out;
	}
	if (!c->order && !(c->order = malloc(c->iter_cap * sizeof(*c->order)))) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nr; i++)
		c->order[i] = &c->recs[i];
	qsort(c->order + 1, nr - 1, sizeof(*c->order), rec_cmp);
	if (c->fds_cap < c->iter_cap) {
		struct fd_ent *a = realloc(c->fds, c->iter_cap * sizeof(*a));
		struct fd_ent *b = a ? realloc(c->fds_next, c->iter_cap * sizeof(*b)) : NULL;

		if (a)
			c->fds = a;
		if (!b) {
			err = -ENOMEM;
			goto out;
		}
		c->fds_next = b;
		c->fds_cap = c->iter_cap;
	}
	c->nfds_next = 0;
	w.by_parent = c->order + 1;
	w.nr = nr - 1;
	if ((w.what & CG_RD_PSI) && cg_psi_dir(c->env, &c->root, psi, sizeof(psi)))
		w.psi_fd = open(psi, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(w.rel, sizeof(w.rel), "%s", c->root.rel);
	it_add(&w, &c->recs[0], 0, -1);
	fds_commit(c);
	err = w.err;
	s->iter = !err;
out:
	if (w.psi_fd >= 0)
		close(w.psi_fd);
	if (w.root_fd >= 0)
		close(w.root_fd);
	return err;
}

/* Empty s but keep its rows array: no fresh pages to fault in each refresh. */
static void snap_clear(struct top_snap *s)
{
	struct top_row *rows = s->rows;
	size_t cap = s->cap;

	for (size_t i = 0; i < s->nr; i++)
		free(s->rows[i].rel);
	memset(s, 0, sizeof(*s));
	s->rows = rows;
	s->cap = cap;
}

/* ---- recent events ------------------------------------------------------- */

static int victim_cb(void *ctx, void *data, size_t len)
{
	struct top_collector *c = ctx;

	if (len < sizeof(struct top_victim))
		return 0;
	if (c->vq_nr == c->vq_cap) {
		size_t cap = c->vq_cap ? c->vq_cap * 2 : 16;
		struct top_victim *n = realloc(c->vq, cap * sizeof(*n));

		if (!n)
			return 0;
		c->vq = n;
		c->vq_cap = cap;
	}
	memcpy(&c->vq[c->vq_nr++], data, sizeof(struct top_victim));
	return 0;
}

static struct ev_hist *evh_find(const struct top_collector *c, uint64_t id, size_t *at)
{
	size_t lo = 0, hi = c->evh_nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->evh[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at)
		*at = lo;
	return lo < c->evh_nr && c->evh[lo].id == id ? &c->evh[lo] : NULL;
}

static struct ev_hist *evh_get(struct top_collector *c, uint64_t id)
{
	size_t at;
	struct ev_hist *h = evh_find(c, id, &at);

	if (h)
		return h;
	if (c->evh_nr == c->evh_cap) {
		size_t cap = c->evh_cap ? c->evh_cap * 2 : 16;
		struct ev_hist *n = realloc(c->evh, cap * sizeof(*n));

		if (!n)
			return NULL;
		c->evh = n;
		c->evh_cap = cap;
	}
	memmove(&c->evh[at + 1], &c->evh[at], (c->evh_nr - at) * sizeof(*c->evh));
	c->evh_nr++;
	h = &c->evh[at];
	memset(h, 0, sizeof(*h));
	h->id = id;
	return h;
}

static void ev_push(struct top_collector *c, uint64_t id, const struct top_event *e)
{
	struct ev_hist *h = evh_get(c, id);

	if (!h)
		return;
	h->ev[h->pos] = *e;
	h->pos = (h->pos + 1) % TOP_EV_KEEP;
	if (h->n < TOP_EV_KEEP)
		h->n++;
}

size_t top_collector_events(const struct top_collector *c, uint64_t id,
			    struct top_event *out, size_t max)
{
	const struct ev_hist *h = evh_find(c, id, NULL);
	size_t n;

	if (!h)
		return 0;
	n = h->n < max ? h->n : max;
	for (size_t i = 0; i < n; i++)
		out[i] = h->ev[(h->pos + TOP_EV_KEEP - n + i) % TOP_EV_KEEP];
	return n;
}

static int row_of(const struct top_snap *s, const struct id_idx *ix, uint64_t id)
{
	struct id_idx key = { id, 0 }, *hit;

	hit = bsearch(&key, ix, s->nr, sizeof(*ix), id_idx_cmp);
	return hit ? (int)hit->idx : -1;
}

/* OOM victims, in their cgroup and every ancestor in the view. */
static void events_victims(struct top_collector *c, const struct top_snap *s)
{
	struct id_idx *ix;
	double mono_now;

	c->vq_nr = 0;
	if (!c->victims || ring_buffer__consume(c->victims) < 0 || !c->vq_nr)
		return;
	ix = malloc(s->nr * sizeof(*ix));
	if (!ix)
		return;
	for (size_t i = 0; i < s->nr; i++)
		ix[i] = (struct id_idx){ s->rows[i].id, i };
	qsort(ix, s->nr, sizeof(*ix), id_idx_cmp);
	mono_now = clock_mono_s();
	for (size_t v = 0; v < c->vq_nr; v++) {
		const struct top_victim *tv = &c->vq[v];
		struct top_event e = { .kind = TOP_EV_OOM_VICTIM, .count = 1, .pid = tv->pid,
				       .cg_id = tv->memcg_id };
		int row = row_of(s, ix, tv->memcg_id);

		e.time = s->time - (mono_now - tv->time_ns / 1e9);
		memcpy(e.comm, tv->comm, sizeof(e.comm));
		e.comm[sizeof(e.comm) - 1] = '\0';
		for (; row >= 0; row = s->rows[row].parent) {
			struct ev_hist *h;

			ev_push(c, s->rows[row].id, &e);
			if ((h = evh_find(c, s->rows[row].id, NULL))) {
				h->victims++;
				h->victims_gen = c->gen;
			}
		}
	}
	free(ix);
}

/* What the counters say happened since the previous refresh. */
static void events_counters(struct top_collector *c, const struct top_snap *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		const struct top_row *r = &s->rows[i];
		struct top_event e = { .time = s->time, .cg_id = r->id };

		if (r->oom_new > 0) {
			struct ev_hist *h = evh_find(c, r->id, NULL);
			uint64_t n = (uint64_t)r->oom_new;

			/* a victim is marked just before oom_kill counts it: maybe a refresh earlier */
			if (h && h->victims && h->victims_gen + 1 < c->gen)
				h->victims = 0;
			if (h && h->victims) {
				uint64_t m = h->victims < n ? h->victims : n;

				h->victims -= m;
				n -= m;
			}
			if (n) {
				e.kind = TOP_EV_OOM_KILL;
				e.count = n;
				ev_push(c, r->id, &e);
			}
		}
		if (r->limit_events > 0) {
			e.kind = TOP_EV_LIMIT;
			e.count = (uint64_t)r->limit_events;
			ev_push(c, r->id, &e);
		}
		if (r->reclaims_new > 0) {
			e.kind = TOP_EV_RECLAIM;
			e.count = (uint64_t)r->reclaims_new;
			e.stall_ms = r->stall_rate >= 0 ? r->stall_rate * s->interval : 0;
			e.pages = r->reclaimed_new > 0 ? (uint64_t)r->reclaimed_new : 0;
			ev_push(c, r->id, &e);
		}
	}
}

int top_collect(struct top_collector *c, unsigned src, const struct top_snap **out)
{
	struct top_snap *s = &c->snap[c->cur ^ 1], *prev = &c->snap[c->cur];
	int err;

	snap_clear(s);
	err = c->iter_link ? iter_collect(c, s, src) : -ENOTSUP;
	if (err && err != -ENOENT && err != -ENOMEM) {
		snap_clear(s);	/* this refresh from cgroupfs */
		err = fs_collect(c, s, src);
	}
	if (err) {
		top_snap_free(s);
		return err;
	}
	s->layout = cg_layout_name(c->env->layout);
	s->src = src;
	s->bpf = false;
	s->bpf_note = c->bpf_note;
	s->time = clock_real_s();
	if ((src & TOP_SRC_BPF) && c->skel) {
		err = bpf_read_all(c);
		if (!err)
			s->bpf = true;
		else
			s->bpf_note = "reading the BPF map failed";
	}
	if (s->bpf) {
		for (size_t i = 0; i < s->nr; i++) {
			struct top_row *r = &s->rows[i];
			/* a cgroup with no reclaim or OOM yet simply has no entry */
			const struct top_cg_stats *b = bpf_find(c, r->id);

			r->bpf_known = true;
			if (b)
				r->bpf = *b;
		}
	}
	top_snap_rates(s, c->have_prev ? prev : NULL);
	c->gen++;
	events_victims(c, s);
	events_counters(c, s);
	c->cur ^= 1;
	c->have_prev = true;
	*out = s;
	return 0;
}
