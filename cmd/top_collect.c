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
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "main.h"
#include "top.skel.h"
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
	struct cg_mem *m = &r->mem;

	memset(m, 0, sizeof(*m));
	m->current = m->peak = m->min = m->low = m->high = m->max = CG_UNKNOWN;
	m->swap_current = m->swap_max = m->nr_procs = CG_UNKNOWN;
	for (int i = 0; i < CG_STAT_NR; i++)
		m->stat[i] = CG_UNKNOWN;
	for (int i = 0; i < CG_EV_NR; i++)
		m->events[i] = CG_UNKNOWN;
	m->psi_some.avg10 = m->psi_some.avg60 = m->psi_some.avg300 = -1;
	m->psi_full = m->psi_some;
	m->psi_some.total_us = m->psi_full.total_us = CG_UNKNOWN;
	r->psi_some_rate = r->psi_full_rate = r->reclaim_rate = -1;
	r->stall_rate = r->refault_rate = r->limit_events = r->oom_new = -1;
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

struct top_collector {
	const struct cg_env *env;
	struct cg_ref root;
	int depth;
	struct top_bpf *skel;
	const char *bpf_note;
	struct top_snap snap[2];
	int cur;		/* index of the latest snapshot */
	bool have_prev;
	/* BPF counters read this round, sorted by id */
	uint64_t *keys;
	struct top_cg_stats *vals;
	struct id_idx *bix;
	size_t bnr;
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

static int bpf_open_load(struct top_collector *c, bool with_oom)
{
	struct top_bpf *s = top_bpf__open();
	int err;

	if (!s)
		return -errno;
	bpf_prog_autoload_if_tp(s->progs.top_memcg_begin, "vmscan", "mm_vmscan_memcg_reclaim_begin");
	bpf_prog_autoload_if_tp(s->progs.top_memcg_end, "vmscan", "mm_vmscan_memcg_reclaim_end");
	bpf_prog_autoload_if_tp(s->progs.top_direct_begin, "vmscan", "mm_vmscan_direct_reclaim_begin");
	bpf_prog_autoload_if_tp(s->progs.top_direct_end, "vmscan", "mm_vmscan_direct_reclaim_end");
	if (!with_oom || !tracepoint_exists("oom", "mark_victim"))
		bpf_program__set_autoload(s->progs.top_oom_victim, false);
	err = top_bpf__load(s);
	if (!err)
		err = top_bpf__attach(s);
	if (err) {
		top_bpf__destroy(s);
		return err;
	}
	c->skel = s;
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
	err = bpf_open_load(c, true);
	if (err && err != -EPERM) {
		/* 6.1's mark_victim has no task argument: go on without OOM attribution */
		p_debug("top: retrying without the OOM victim program (%s)", strerror(-err));
		err = bpf_open_load(c, false);
	}
	if (err)
		c->bpf_note = bpf_why(err);
}

int top_collector_new(struct top_collector **out, const struct top_collect_opts *o)
{
	struct top_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->env = o->env;
	c->root = *o->root;
	c->depth = o->depth;
	if (o->bpf)
		bpf_setup(c);
	*out = c;
	return 0;
}

bool top_collector_bpf(const struct top_collector *c, const char **note)
{
	if (note)
		*note = c->bpf_note;
	return c->skel != NULL;
}

void top_collector_free(struct top_collector *c)
{
	if (!c)
		return;
	if (c->skel)
		top_bpf__destroy(c->skel);
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
	const struct cg_env *env;
	struct top_snap *s;
	unsigned what;		/* CG_RD_* */
	int max_depth;
	bool check_memcg;	/* not on a cgroup fs (fixtures): need memory.stat */
	int err;
	char rel[PATH_MAX];
	char dents[32768];
};

static unsigned src_to_rd(unsigned src)
{
	unsigned rd = 0;

	if (src & TOP_SRC_USAGE)
		rd |= CG_RD_USAGE;
	if (src & TOP_SRC_SWAP)
		rd |= CG_RD_SWAP;
	if (src & TOP_SRC_STAT)
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

	cg_read_mem_at(w->env, dfd, pfd, w->what, &w->s->rows[row].mem);
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
	w->env = c->env;
	w->s = s;
	w->what = src_to_rd(src);
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

static double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int top_collect(struct top_collector *c, unsigned src, const struct top_snap **out)
{
	struct top_snap *s = &c->snap[c->cur ^ 1], *prev = &c->snap[c->cur];
	int err;

	top_snap_free(s);
	s->layout = cg_layout_name(c->env->layout);
	s->src = src;
	s->bpf = false;
	s->bpf_note = c->bpf_note;
	err = fs_collect(c, s, src);
	if (err) {
		top_snap_free(s);
		return err;
	}
	s->time = now_wall();
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
	c->cur ^= 1;
	c->have_prev = true;
	*out = s;
	return 0;
}
