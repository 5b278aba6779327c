// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feature probes: see probe.h.  Where loading a program is the only
 * honest answer (hook types), the tiny programs in bpf/feature.bpf.c are
 * loaded and attached one at a time, then released.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "main.h"
#include "probe.h"
#include "feature.h"
#include "feature.skel.h"
#include "feature_kfunc.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static const struct {
	const char *key, *group;
} probe_defs[PROBE_NR] = {
#define X(id, key, group) [PROBE_##id] = { key, group },
	PROBE_LIST(X)
#undef X
};

static struct {
	bool done;
	enum probe_state state;
	char why[160];
} cache[PROBE_NR];

const char *probe_key(enum probe_id id) { return probe_defs[id].key; }
const char *probe_group(enum probe_id id) { return probe_defs[id].group; }

static enum probe_state no(enum probe_id id, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static enum probe_state no(enum probe_id id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cache[id].why, sizeof(cache[id].why), fmt, ap);
	va_end(ap);
	return PROBE_NO;
}

/* Load and attach exactly one program of the feature skeleton. */
static enum probe_state probe_prog(enum probe_id id)
{
	struct feature_bpf *skel;
	struct bpf_program *prog, *want = NULL;
	struct bpf_link *link = NULL;
	const char *name;
	int err;

	switch (id) {
	case PROBE_PROG_TRACEPOINT: name = "probe_tracepoint"; break;
	case PROBE_PROG_RAW_TP: name = "probe_raw_tp"; break;
	case PROBE_PROG_TP_BTF: name = "probe_tp_btf"; break;
	case PROBE_PROG_ITER_CGROUP: name = "probe_iter_cgroup"; break;
	case PROBE_PROG_FENTRY: name = "probe_fentry"; break;
	case PROBE_PROG_KPROBE: name = "probe_kprobe"; break;
	default: return no(id, "internal: no program for this probe");
	}
	skel = feature_bpf__open();
	if (!skel)
		return no(id, "cannot open the probe object: %s", strerror(errno));
	bpf_object__for_each_program(prog, skel->obj) {
		bool on = !strcmp(bpf_program__name(prog), name);

		bpf_program__set_autoload(prog, on);
		if (on)
			want = prog;
	}
	err = feature_bpf__load(skel);
	if (err) {
		no(id, "load failed: %s", strerror(-err));
		goto out;
	}
	if (id == PROBE_PROG_ITER_CGROUP) {
		/* attaching an iterator needs a target cgroup; loading is the test */
		cache[id].state = PROBE_YES;
		goto out;
	}
	link = bpf_program__attach(want);
	if (!link) {
		no(id, "attach failed: %s", strerror(errno));
		goto out;
	}
	cache[id].state = PROBE_YES;
out:
	bpf_link__destroy(link);
	feature_bpf__destroy(skel);
	return cache[id].state;
}

/*
 * The memcg kfuncs (7.0+): in BTF is not callable.  Where BTF has all of
 * them, feature_kfunc.bpf.c calls each from a sleepable cgroup iterator
 * over the memory root, as a program of memcgctl would; cached.
 */
static enum probe_state memcg_kfuncs_callable(enum probe_id id)
{
	static const char *const names[] = { "bpf_get_mem_cgroup", "bpf_put_mem_cgroup",
		"bpf_mem_cgroup_usage", "bpf_mem_cgroup_page_state", "bpf_mem_cgroup_vm_events",
		"bpf_mem_cgroup_memory_events", "bpf_mem_cgroup_flush_stats" };
	static int done, ok;
	static char why[160];
	union bpf_iter_link_info linfo = { 0 };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	struct feature_kfunc_rec rec = { 0 };
	struct feature_kfunc_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	struct cg_env env;
	char err[256];
	int cgfd = -1, fd, ret;

	if (done)
		goto out;
	done = 1;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!btf_has_type(names[i], BTF_KIND_FUNC)) {
			snprintf(why, sizeof(why), "in BTF, but %s is not: the set was not called",
				 names[i]);
			goto out;
		}
	if (cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err, sizeof(err)) ||
	    (cgfd = open(env.mem_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, sizeof(why), "in BTF; no memory hierarchy to call it on");
		goto out;
	}
	skel = feature_kfunc_bpf__open();
	ret = skel ? feature_kfunc_bpf__load(skel) : -errno;
	if (ret) {
		snprintf(why, sizeof(why), "in BTF, but a program calling it does not load: %s",
			 strerror(-ret));
		goto out;
	}
	linfo.cgroup.cgroup_fd = cgfd;
	linfo.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY;
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	link = bpf_program__attach_iter(skel->progs.probe_memcg_kfuncs, &opts);
	fd = link ? bpf_iter_create(bpf_link__fd(link)) : -1;
	if (fd < 0) {
		snprintf(why, sizeof(why), "in BTF, but its iterator does not run: %s",
			 strerror(errno));
		goto out;
	}
	ret = read(fd, &rec, sizeof(rec));
	close(fd);
	if (ret != (int)sizeof(rec) || !rec.ok || !rec.pgfault)
		snprintf(why, sizeof(why), "in BTF and loaded, but it read no memcg");
	else
		ok = 1;
	p_debug("feature: memcg kfuncs on %s: usage %llu, anon %llu pages, pgfault %llu, max %llu",
		env.mem_root, (unsigned long long)rec.usage, (unsigned long long)rec.anon,
		(unsigned long long)rec.pgfault, (unsigned long long)rec.ev_max);
out:
	bpf_link__destroy(link);
	feature_kfunc_bpf__destroy(skel);
	if (cgfd >= 0)
		close(cgfd);
	return ok ? PROBE_YES : no(id, "%s", why);
}

static bool psi_file_readable(void)
{
	struct cg_env env;
	char path[PATH_MAX + 32], buf[256], err[256];

	if (cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err, sizeof(err)) &&
	    !env.psi_root[0])
		return false;
	snprintf(path, sizeof(path), "%s/memory.pressure", env.psi_root);
	return env.psi_root[0] && read_file_str(path, buf, sizeof(buf)) > 0;
}

/* memory.reclaim exists on v2 memory cgroups, root included (5.19+). */
static enum probe_state probe_mem_reclaim(enum probe_id id)
{
	struct cg_env env;
	char path[PATH_MAX + 32], err[256];

	if (cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err, sizeof(err)))
		return no(id, "%s", err);
	if (!env.mem_is_v2)
		return no(id, "the memory controller is on cgroup v1 (no memory.reclaim)");
	snprintf(path, sizeof(path), "%s/memory.reclaim", env.mem_root);
	if (access(path, F_OK))
		return no(id, "%s is missing (kernel older than 5.19)", path);
	return PROBE_YES;
}

static enum probe_state run_probe(enum probe_id id)
{
	const char *key = probe_defs[id].key;
	char err[256];
	struct statfs st;
	struct cg_env env;

	if (!strcmp(probe_defs[id].group, "tracepoint")) {
		char cat[64], name[96];

		if (sscanf(key, "%63[^:]:%95s", cat, name) != 2)
			return no(id, "internal: bad tracepoint key");
		return tracepoint_exists(cat, name) ? PROBE_YES :
			no(id, "the kernel has no such tracepoint");
	}
	if (!strcmp(probe_defs[id].group, "program"))
		return probe_prog(id);
	if (!strcmp(probe_defs[id].group, "kfunc")) {
		if (!btf_has_type(key, BTF_KIND_FUNC))
			return no(id, "not in this kernel's BTF (newer kernels only)");
		if (!strncmp(key, "bpf_get_mem_cgroup", 18) || !strncmp(key, "bpf_mem_cgroup_", 15))
			return memcg_kfuncs_callable(id);
		return PROBE_YES;
	}
	if (!strcmp(probe_defs[id].group, "struct_ops"))
		return btf_has_type(key, BTF_KIND_STRUCT) ? PROBE_YES :
			no(id, "not in this kernel's BTF (not in mainline yet)");

	switch (id) {
	case PROBE_BTF:
		return access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? PROBE_YES :
			no(id, "/sys/kernel/btf/vmlinux is missing (CONFIG_DEBUG_INFO_BTF)");
	case PROBE_BPFFS:
		return statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC ? PROBE_YES :
			no(id, "not mounted on /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)");
	case PROBE_TRACEFS:
		return access("/sys/kernel/tracing/events", F_OK) == 0 ||
		       access("/sys/kernel/debug/tracing/events", F_OK) == 0 ? PROBE_YES :
			no(id, "not mounted (mount -t tracefs tracefs /sys/kernel/tracing)");
	case PROBE_MEMCG:
		return cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err,
				   sizeof(err)) == 0 ? PROBE_YES : no(id, "%s", err);
	case PROBE_PSI:
		return psi_file_readable() ? PROBE_YES :
			no(id, "no readable memory.pressure on a cgroup2 mount (PSI off, or no cgroup2)");
	case PROBE_MEM_RECLAIM:
		return probe_mem_reclaim(id);
	case PROBE_RECLAIM_SWAPPINESS:
		return btf_has_enumerator("MEMORY_RECLAIM_SWAPPINESS") ? PROBE_YES :
			no(id, "memory.reclaim takes no swappiness= here (6.12+)");
	case PROBE_MAP_RINGBUF:
		return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1 ? PROBE_YES :
			no(id, "BPF ring buffers are not supported (5.8+)");
	case PROBE_HELPER_SEND_SIGNAL:
		return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal,
					       NULL) == 1 ? PROBE_YES :
			no(id, "helper not available to tracepoint programs");
	default:
		return no(id, "internal: unknown probe");
	}
}

enum probe_state probe_get(enum probe_id id, const char **why)
{
	if (!cache[id].done) {
		cache[id].why[0] = '\0';
		cache[id].state = run_probe(id);
		cache[id].done = true;
	}
	if (why)
		*why = cache[id].why;
	return cache[id].state;
}

int probe_rstat_flush_kfuncs(enum probe_id *ids)
{
	/* the memcg kfunc flushes only what memory.stat would; cgroup_rstat_flush all of rstat */
	static const enum probe_id order[PROBE_NR_RSTAT_FLUSH] = {
		PROBE_KFUNC_MEMCG_FLUSH, PROBE_KFUNC_CGROUP_RSTAT_FLUSH,
	};
	const char *names[PROBE_NR_RSTAT_FLUSH];
	bool found[PROBE_NR_RSTAT_FLUSH];
	int n = 0;

	for (int i = 0; i < PROBE_NR_RSTAT_FLUSH; i++)
		names[i] = probe_defs[order[i]].key;
	/* a walk of the raw BTF: top's startup need not pay for a parse by libbpf */
	if (btf_vmlinux_has_funcs(names, PROBE_NR_RSTAT_FLUSH, found))
		for (int i = 0; i < PROBE_NR_RSTAT_FLUSH; i++)
			found[i] = btf_has_type(names[i], BTF_KIND_FUNC);
	for (int i = 0; i < PROBE_NR_RSTAT_FLUSH; i++)
		if (found[i])
			ids[n++] = order[i];
	return n;
}

/* ---- per-command verdicts ------------------------------------------- */

void cmd_probe_fail(struct cmd_probe *p, int err, const char *fmt, ...)
{
	va_list ap;

	p->err = err ? err : -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
}

void cmd_probe_lost(struct cmd_probe *p, const char *fmt, ...)
{
	size_t n = strlen(p->lost);
	va_list ap;

	if (n && n + 2 < sizeof(p->lost)) {
		strcpy(p->lost + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(p->lost + n, sizeof(p->lost) - n, fmt, ap);
	va_end(ap);
}

#define REQ(...) .required = { __VA_ARGS__ }, \
	.nr_required = sizeof((enum probe_id[]){ __VA_ARGS__ }) / sizeof(enum probe_id)
#define OPT(...) .optional = { __VA_ARGS__ }, \
	.nr_optional = sizeof((struct probe_opt[]){ __VA_ARGS__ }) / sizeof(struct probe_opt)

const struct probe_cmd probe_cmds[] = {
	{ .name = "show", REQ(PROBE_MEMCG),
	  OPT({ PROBE_PSI, "no memory PSI: the psi fields print as '-'" }) },
	{ .name = "top", REQ(PROBE_MEMCG),
	  OPT({ PROBE_PSI, "no memory PSI: the some/full columns print '-'" }),
	  .probe = top_probe,
	  .without = "it reads cgroupfs alone: the BPF stall, reclaim and OOM-victim columns print '-'" },
	{ .name = "feature", REQ(PROBE_BTF),
	  OPT({ PROBE_TRACEFS, "hook programs cannot be probed without tracefs" }) },
	{ .name = "policy", REQ(PROBE_BTF, PROBE_BPFFS, PROBE_PROG_TP_BTF, PROBE_MAP_RINGBUF,
				PROBE_HELPER_SEND_SIGNAL),
	  OPT({ PROBE_KFUNC_SEND_SIGNAL_TASK, "no bpf_send_signal_task (6.13+): preoom signals "
	      "only the charging process (target=largest is refused)" }),
	  .probe = policy_probe },
	{ .name = "watch", REQ(PROBE_BTF, PROBE_MEMCG, PROBE_MAP_RINGBUF, PROBE_PROG_TRACEPOINT),
	  OPT({ PROBE_TP_COUNT_EVENTS, "no memcg:count_memcg_events: limit events carry no "
	      "page counts" }),
	  .probe = watch_probe },
	{ .name = "notify",
	  REQ(PROBE_BTF, PROBE_MEMCG, PROBE_PROG_TP_BTF, PROBE_PROG_ITER_CGROUP, PROBE_MAP_RINGBUF),
	  OPT({ PROBE_PSI, "no memory PSI: psi.* conditions are refused" }),
	  .probe = notify_probe },
	{ .name = "reclaim", REQ(PROBE_MEMCG, PROBE_BTF, PROBE_PROG_TP_BTF, PROBE_TP_MEMCG_RECLAIM_E,
				 PROBE_TP_LRU_SHRINK_INACT),
	  OPT({ PROBE_MEM_RECLAIM, "no memory.reclaim: emulated by lowering the limit" },
	      { PROBE_RECLAIM_SWAPPINESS, "memory.reclaim takes no swappiness=: no --swappiness, "
		"--anon-only or --file-only" },
	      { PROBE_PSI, "no memory PSI: no --auto" },
	      { PROBE_TP_THROTTLED, "no vmscan:mm_vmscan_throttled: throttling is not counted" }),
	  .probe = reclaim_probe },
};
const int probe_nr_cmds = ARRAY_SIZE(probe_cmds);

static void join(char *buf, size_t len, const char *sep, const char *s)
{
	size_t n = strlen(buf);

	if (n && n + strlen(sep) < len)
		strcpy(buf + n, sep), n += strlen(sep);
	snprintf(buf + n, len - n, "%s", s);
}

/*
 * Run a command's probe in a child: the command's own load path may print
 * (its errors, libbpf's log under -d) and keeps process-wide state; none of
 * that may reach feature's output.  Its stderr goes to a file whose first
 * "memcgctl: " line explains a failure the probe did not word itself.
 */
static void run_cmd_probe(int (*fn)(struct cmd_probe *), struct cmd_probe *res)
{
	FILE *errf = tmpfile();
	char line[512];
	ssize_t n = -1;
	int pfd[2], st;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (!errf || pipe(pfd)) {
		cmd_probe_fail(res, -errno, "cannot run the probe: %s", strerror(errno));
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct cmd_probe p = { 0 };
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		close(pfd[0]);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		dup2(fileno(errf), STDERR_FILENO);
		gopts.json = false;	/* errors as text, into errf */
		fn(&p);
		n = write(pfd[1], &p, sizeof(p));
		_exit(n == (ssize_t)sizeof(p) ? 0 : 1);
	}
	close(pfd[1]);
	if (pid > 0) {
		n = read(pfd[0], res, sizeof(*res));
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	close(pfd[0]);
	if (n != (ssize_t)sizeof(*res)) {
		memset(res, 0, sizeof(*res));
		cmd_probe_fail(res, -EIO, "the probe died (%s)",
			       pid < 0 ? strerror(errno) : "signal or crash");
	}
	rewind(errf);
	while (fgets(line, sizeof(line), errf)) {
		size_t pl = strlen(prog_name);

		if (gopts.debug)
			fputs(line, stderr);
		line[strcspn(line, "\n")] = '\0';
		if (res->err && !res->why[0] && !strncmp(line, prog_name, pl) &&
		    !strncmp(line + pl, ": ", 2))
			snprintf(res->why, sizeof(res->why), "%s", line + pl + 2);
	}
out:
	if (errf)
		fclose(errf);
	if (res->err && !res->why[0])
		snprintf(res->why, sizeof(res->why), "%s", strerror(-res->err));
}

static struct cmd_report reports[ARRAY_SIZE(probe_cmds)];
static bool reported[ARRAY_SIZE(probe_cmds)];

const struct cmd_report *probe_cmd_report(const struct probe_cmd *c)
{
	int idx = c - probe_cmds;
	struct cmd_report *r = &reports[idx];

	if (reported[idx])
		return r;
	reported[idx] = true;
	memset(r, 0, sizeof(*r));
	r->verdict = CMD_FULL;
	for (int i = 0; i < c->nr_required; i++) {
		const char *why;

		if (probe_get(c->required[i], &why) == PROBE_YES)
			continue;
		join(r->missing, sizeof(r->missing), ", ", probe_key(c->required[i]));
		r->verdict = CMD_UNAVAILABLE;
	}
	for (int i = 0; i < c->nr_optional; i++) {
		if (probe_get(c->optional[i].id, NULL) == PROBE_YES)
			continue;
		join(r->missing, sizeof(r->missing), ", ", probe_key(c->optional[i].id));
		if (r->verdict == CMD_FULL)
			r->verdict = CMD_DEGRADED;
		if (r->verdict == CMD_DEGRADED)
			join(r->note, sizeof(r->note), "; ", c->optional[i].loss);
	}
	/* the command's own programs, only when the basics are there */
	if (r->verdict == CMD_UNAVAILABLE || !c->probe)
		return r;
	r->probed = true;
	run_cmd_probe(c->probe, &r->res);
	if (r->res.err && c->without) {
		char note[sizeof(r->res.why) + 256];

		r->verdict = CMD_DEGRADED;
		join(r->missing, sizeof(r->missing), ", ", "programs");
		snprintf(note, sizeof(note), "its programs do not load here (%s): %s",
			 r->res.why, c->without);
		join(r->note, sizeof(r->note), "; ", note);
	} else if (r->res.err) {
		char note[sizeof(r->res.why) + 64];

		r->verdict = CMD_UNAVAILABLE;
		join(r->missing, sizeof(r->missing), ", ", "programs");
		/* through a copy: why and note are fields of the same object */
		snprintf(note, sizeof(note), "its programs do not load or attach here: %s",
			 r->res.why);
		join(r->note, sizeof(r->note), "; ", note);
	} else if (r->res.lost[0]) {
		r->verdict = CMD_DEGRADED;
		join(r->note, sizeof(r->note), "; ", r->res.lost);
	}
	return r;
}

enum cmd_verdict probe_cmd_verdict(const struct probe_cmd *c)
{
	return probe_cmd_report(c)->verdict;
}

const char *probe_verdict_name(enum cmd_verdict v)
{
	switch (v) {
	case CMD_FULL: return "full";
	case CMD_DEGRADED: return "degraded";
	default: return "unavailable";
	}
}
