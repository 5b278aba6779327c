// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify's BPF side (bpf/notify.bpf.c): which hooks this kernel gets, the
 * conditions into rodata, load, attach, and the arming iterator run once
 * over the watched cgroup.  feature's probe loads the same programs here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "main.h"
#include "memcg_hooks.h"
#include "notify_int.h"
#include "probe.h"
#include "notify.skel.h"

/* Which condition kinds a run has: they decide which hooks are loaded. */
struct notify_needs {
	bool usage, counters, oom;
	bool v1;		/* the memory controller is mounted on cgroup v1 */
};

/*
 * Pick the hooks for this kernel and load them; the command and feature's
 * probe (p != NULL) share it, so feature judges the programs notify runs.
 * The usage value is always the page counter, read in the program; a hook
 * only has to wake it on the cgroup's charge path.  From 6.14 every charge
 * is followed by a memcg:mod_memcg_lruvec_state or mod_memcg_state update
 * of the charged memcg on every config; before that, the faults and page-
 * cache inserts of the cgroup's own tasks are the wake-ups.  Returns 0 or
 * a negative errno.
 */
static int notify_load(struct notify_bpf *skel, struct notify_needs n, struct cmd_probe *p)
{
	bool wake = n.usage || n.counters, memcg_stat;
	struct bpf_program *prog;

	/* MEMCGCTL_NOTIFY_OLD_HOOKS=1: the pre-6.14 hooks, to test them anywhere */
	memcg_stat = btf_has_type("btf_trace_mod_memcg_lruvec_state", BTF_KIND_TYPEDEF) &&
		     btf_has_type("btf_trace_mod_memcg_state", BTF_KIND_TYPEDEF) &&
		     !getenv("MEMCGCTL_NOTIFY_OLD_HOOKS");
	bpf_program__set_autoload(skel->progs.notify_memcg_lruvec, wake && memcg_stat);
	bpf_program__set_autoload(skel->progs.notify_memcg_state, wake && memcg_stat);
	/*
	 * PGPGOUT (count_memcg_events) is the one update after an uncharge, but
	 * only the v1 code counts it: where the controller is mounted on v1 that
	 * code is certainly built; elsewhere the hook would only cost a run per
	 * page fault (PGFAULT) for nothing notify uses.
	 */
	bpf_program__set_autoload(skel->progs.notify_memcg_events, wake && memcg_stat && n.v1 &&
				  btf_has_type("btf_trace_count_memcg_events", BTF_KIND_TYPEDEF));
	bpf_program__set_autoload(skel->progs.notify_rss_stat, n.usage && !memcg_stat);
	bpf_program__set_autoload(skel->progs.notify_page_cache, n.usage && !memcg_stat);
	bpf_program__set_autoload(skel->progs.notify_proc_free, n.usage);
	if (!memcg_stat && n.usage) {
		static const char lost[] = "no memcg:mod_memcg_lruvec_state (before 6.14): "
			"usage is evaluated at page faults, page-cache inserts, memcg reclaim "
			"and exits of the cgroup's own tasks";
		if (p)
			cmd_probe_lost(p, "%s", lost);
		else
			p_info("notify: %s", lost);
	}
	bpf_program__set_autoload(skel->progs.notify_reclaim_begin, wake);
	bpf_program__set_autoload(skel->progs.notify_reclaim_end, wake);
	if (n.oom) {
		bool has_task = btf_tp_arg_is_ptr("mark_victim", 0);

		bpf_program__set_autoload(skel->progs.notify_mark_victim, has_task);
		bpf_program__set_autoload(skel->progs.notify_mark_victim_cur, !has_task);
	} else {
		bpf_program__set_autoload(skel->progs.notify_mark_victim, false);
		bpf_program__set_autoload(skel->progs.notify_mark_victim_cur, false);
	}
	if (!tracepoint_exists("cgroup", "cgroup_rmdir")) {
		static const char lost[] = "no cgroup:cgroup_rmdir: removal is not detected";

		bpf_program__set_autoload(skel->progs.notify_rmdir, false);
		if (p)
			cmd_probe_lost(p, "%s", lost);
		else
			p_info("notify: this kernel has %s", lost);
	}
	/* the arming iterator is run by hand over one cgroup, never attached */
	bpf_program__set_autoattach(skel->progs.notify_arm, false);
	bpf_object__for_each_program(prog, skel->obj)
		if (bpf_program__autoload(prog))
			p_debug("notify: hook %s", bpf_program__section_name(prog));
	return notify_bpf__load(skel);
}

int notify_bpf_setup(struct notify_run *r)
{
	struct notify_args *a = r->a;
	struct notify_needs n = { .v1 = !r->env.mem_is_v2 };
	struct notify_bpf *skel;
	int err;

	for (int i = 0; i < a->nr; i++) {
		n.usage |= a->conds[i].kind == NOTIFY_K_USAGE;
		n.counters |= a->conds[i].kind == NOTIFY_K_MAX || a->conds[i].kind == NOTIFY_K_HIGH;
		n.oom |= a->conds[i].kind == NOTIFY_K_OOM_KILL;
	}
	skel = notify_bpf__open();
	if (!skel)
		return bpf_report_failure("notify", "open", -errno);
	r->skel = skel;
	skel->rodata->watch_id = r->ref.id;
	skel->rodata->nr_conds = a->nr;
	skel->rodata->memcg_page_shift = memcg_hooks_page_shift();
	for (int i = 0; i < a->nr; i++) {
		const struct notify_cond *c = &a->conds[i];
		struct notify_bcond *b = (struct notify_bcond *)&skel->rodata->conds[i];

		b->kind = c->kind;
		b->flags = c->flags;
		b->thresh = c->thresh;
		b->n = c->n;
		b->band = a->band;
		if (a->band_pct)
			b->flags |= NOTIFY_F_BAND_PCT;
	}
	err = notify_load(skel, n, NULL);
	if (err)
		return bpf_report_failure("notify", "load", err);
	/* the skeleton owns the links: destroyed with it */
	err = notify_bpf__attach(skel);
	if (err)
		return bpf_report_failure("notify", "attach", err);
	return 0;
}

/*
 * feature's probe: notify's programs for every condition kind, as a run
 * would load them, armed on the memory root with no condition; then a few
 * pages faulted in here must wake a charge-path hook, or usage conditions
 * could never fire on this kernel.
 */
int notify_probe(struct cmd_probe *p)
{
	static const int wake_hooks[] = { NOTIFY_H_MEMCG_LRUVEC, NOTIFY_H_MEMCG_STATE,
		NOTIFY_H_MEMCG_EVENTS, NOTIFY_H_RSS_STAT, NOTIFY_H_PAGE_CACHE };
	struct notify_needs n = { .usage = true, .counters = true, .oom = true };
	size_t len = 64 * (size_t)sysconf(_SC_PAGESIZE);
	struct notify_bpf *skel;
	char err[256];
	struct cg_env env;
	struct stat st;
	uint64_t woke = 0;
	char *mem;
	int ret;

	if (cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err, sizeof(err)) ||
	    stat(env.mem_root, &st)) {
		cmd_probe_fail(p, -ENOENT, "no memory hierarchy");
		return p->err;
	}
	skel = notify_bpf__open();
	if (!skel) {
		cmd_probe_fail(p, -errno, "open: %s", strerror(errno));
		return p->err;
	}
	n.v1 = !env.mem_is_v2;
	skel->rodata->watch_id = st.st_ino;
	skel->rodata->memcg_page_shift = memcg_hooks_page_shift();
	ret = notify_load(skel, n, p);
	if (ret) {
		cmd_probe_fail(p, ret, "load: %s", strerror(-ret));
		goto out;
	}
	ret = notify_bpf__attach(skel);
	if (ret) {
		cmd_probe_fail(p, ret, "attach: %s", strerror(-ret));
		goto out;
	}
	skel->bss->armed = 1;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem != MAP_FAILED) {
		memset(mem, 1, len);
		munmap(mem, len);
	}
	for (size_t i = 0; i < ARRAY_SIZE(wake_hooks); i++)
		woke += skel->bss->hits[wake_hooks[i]];
	if (!woke)
		cmd_probe_lost(p, "no charge-path hook woke on %zu KiB faulted in: usage "
			       "conditions never fire", len >> 10);
out:
	notify_bpf__destroy(skel);
	return p->err;
}

/* Run the arming iterator over the watched cgroup; fills snap. */
int notify_bpf_arm(struct notify_run *r, struct notify_snapshot *snap)
{
	union bpf_iter_link_info linfo = { 0 };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	struct bpf_link *link;
	int cgfd, fd, n, err = 0;

	cgfd = open(r->ref.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return -errno;
	linfo.cgroup.cgroup_fd = cgfd;
	linfo.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY;
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	link = bpf_program__attach_iter(r->skel->progs.notify_arm, &opts);
	if (!link) {
		err = -errno;
		goto out;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out_link;
	}
	n = read(fd, snap, sizeof(*snap));
	if (n != (int)sizeof(*snap))
		err = n < 0 ? -errno : -EIO;
	close(fd);
out_link:
	bpf_link__destroy(link);
out:
	close(cgfd);
	return err;
}

/* At the end of a run: what the ring buffer dropped; with -d, each hook's runs. */
void notify_bpf_report_stats(const struct notify_run *r)
{
	if (r->skel && r->skel->bss->lost)
		fprintf(stderr, "%s: notify: %llu edge(s) lost: the ring buffer was full\n",
			prog_name, (unsigned long long)r->skel->bss->lost);
	if (r->skel && gopts.debug)
		for (int h = 0; h < NOTIFY_H_NR; h++)
			if (r->skel->bss->hits[h])
				p_debug("notify: %s: %llu evaluations", notify_hook_name(h),
					(unsigned long long)r->skel->bss->hits[h]);
}
