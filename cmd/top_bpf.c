// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's BPF side: load the programs with the fallbacks this kernel needs
 * (no OOM attribution, no cgroup iterator), attach the iterator to the
 * view's root, and read the per-cgroup counters in one batched map read.
 * Failures become c->bpf_note; nothing is printed but p_debug under -d.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "main.h"
#include "memcg_hooks.h"
#include "probe.h"
#include "top.skel.h"
#include "top_flush.h"
#include "top_psi.h"
#include "top_int.h"

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

static int bpf_open_load(struct top_collector *c, bool with_oom, bool with_iter, bool with_psi)
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
	/* one snapshot reads every memory.pressure anyway: no PSI pass */
	with_psi = with_psi && with_iter && !c->one_shot && top_psi_prepare(s, c->iter_cap);
	if (!with_psi)
		top_psi_leave_out(s);
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
	c->psi_loaded = with_psi;
	/* without the victim program the ring stays empty: no events, no cost */
	if (bpf_program__autoload(s->progs.top_oom_victim))
		c->victims = ring_buffer__new(bpf_map__fd(s->maps.top_victims), top_hist_victim_cb, c, NULL);
	return 0;
}

void top_bpf_setup(struct top_collector *c)
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
		err = bpf_open_load(c, tries[i].oom, tries[i].iter, true);
		if (err && err != -EPERM && tries[i].iter) {
			p_debug("top: BPF load with the PSI pass failed: %s; again without it",
				strerror(-err));
			err = bpf_open_load(c, tries[i].oom, tries[i].iter, false);
		}
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

/* One batched read of the whole map (falls back to key-by-key iteration). */
int top_bpf_read_all(struct top_collector *c)
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
		if (!c->keys || !c->vals)
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
	idmap_clear(&c->bix);
	for (size_t i = 0; i < c->bnr; i++)
		if (idmap_put(&c->bix, c->keys[i], i) == -ENOMEM)
			return -ENOMEM;
	return 0;
}

const struct top_cg_stats *top_bpf_find(const struct top_collector *c, uint64_t id)
{
	size_t i;

	return idmap_get(&c->bix, id, &i) ? &c->vals[i] : NULL;
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

/* Undo top_bpf_setup: the iterator's link and mmap, the flush, the skeleton, the ring. */
void top_bpf_free(struct top_collector *c)
{
	if (c->recs)
		munmap((void *)c->recs, c->recs_len);
	bpf_link__destroy(c->iter_link);
	top_flush_free(c->flush);
	top_psi_free(c->psi);
	if (c->skel)
		top_bpf__destroy(c->skel);
	ring_buffer__free(c->victims);
}
