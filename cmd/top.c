// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl top [CGROUP]: the per-cgroup memory pressure view.  Options
 * and dispatch: the full-screen view on a terminal, batch output (text,
 * JSON, Prometheus text) otherwise, and --demo.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "main.h"
#include "top_snap.h"
#include "units.h"

struct top_args {
	const char *cgroup;
	bool batch, batch_set_format, flat, no_color, no_bpf, no_iter, demo, reverse;
	uint64_t iterations;	/* 0: forever */
	bool iterations_set;
	uint64_t delay_ns;
	int depth;
	enum top_format fmt;
	const char *sort;
	const char *columns;
	const char *filter;
};

enum {
	OPT_DEPTH = 0x100, OPT_COLUMNS, OPT_FILTER, OPT_NO_COLOR, OPT_NO_BPF, OPT_NO_ITER, OPT_DEMO,
	OPT_TREE,
};

static const struct argp_option top_options[] = {
	{ "batch", 'b', 0, 0, "batch mode: print snapshots instead of the full-screen view", 0 },
	{ "iterations", 'n', "N", 0, "stop after N refreshes (batch; default: forever, 1 for openmetrics)", 0 },
	{ "delay", 'd', "SECS", 0, "refresh interval (default 1; 500ms, 2s also work)", 0 },
	{ "output", 'o', "FMT", 0, "batch format: text, json, openmetrics", 0 },
	{ "depth", OPT_DEPTH, "N", 0, "show N levels below CGROUP (default: all)", 0 },
	{ "flat", 'F', 0, 0, "a flat list of paths instead of the tree", 0 },
	{ "tree", OPT_TREE, 0, 0, "the tree (default)", 0 },
	{ "sort", 's', "COL", 0, "sort by column COL (default: current)", 0 },
	{ "reverse", 'r', 0, 0, "reverse the sort direction", 0 },
	{ "columns", OPT_COLUMNS, "LIST", 0, "columns to show, comma separated; 'all', 'default', 'help'", 0 },
	{ "filter", OPT_FILTER, "TEXT", 0, "only cgroups whose path contains TEXT", 0 },
	{ "no-color", OPT_NO_COLOR, 0, 0, "no colours (also: NO_COLOR set)", 0 },
	{ "no-bpf", OPT_NO_BPF, 0, 0, "do not load the BPF program (its columns show '-')", 0 },
	{ "no-iter", OPT_NO_ITER, 0, 0, "read every cgroup from cgroupfs, not with the BPF cgroup iterator", 0 },
	{ "demo", OPT_DEMO, 0, 0, "run a memory hog in a scratch cgroup and watch it", 0 },
	{ 0 },
};

static error_t top_parse(int key, char *arg, struct argp_state *state)
{
	struct top_args *a = state->input;
	uint64_t v;

	switch (key) {
	case 'b':
		a->batch = true;
		break;
	case 'n':
		if (parse_u64(arg, 1000000000, &v) || v == 0) {
			p_err("top: --iterations '%s': expected a positive number", arg);
			return EINVAL;
		}
		a->iterations = v;
		a->iterations_set = true;
		break;
	case 'd':
		if (parse_duration(arg, &v) || v < 100000000ULL || v > 3600ULL * 1000000000ULL) {
			p_err("top: --delay '%s': expected a duration from 0.1s to 1h", arg);
			return EINVAL;
		}
		a->delay_ns = v;
		break;
	case 'o':
		if (top_format_parse(arg, &a->fmt)) {
			p_err("top: --output '%s': expected text, json or openmetrics", arg);
			return EINVAL;
		}
		a->batch_set_format = true;
		break;
	case OPT_DEPTH:
		if (parse_u64(arg, 1000, &v) || v == 0) {
			p_err("top: --depth '%s': expected a number from 1 to 1000", arg);
			return EINVAL;
		}
		a->depth = (int)v;
		break;
	case 'F': a->flat = true; break;
	case OPT_TREE: a->flat = false; break;
	case 's':
		if (top_col_find(arg) < 0) {
			p_err("top: --sort '%s': no such column; see 'memcgctl top --columns help'", arg);
			return EINVAL;
		}
		a->sort = arg;
		break;
	case 'r': a->reverse = true; break;
	case OPT_COLUMNS: a->columns = arg; break;
	case OPT_FILTER:
		if (strlen(arg) >= PATH_MAX) {
			p_err("top: --filter: longer than any cgroup path");
			return EINVAL;
		}
		a->filter = arg;
		break;
	case OPT_NO_COLOR: a->no_color = true; break;
	case OPT_NO_BPF: a->no_bpf = true; break;
	case OPT_NO_ITER: a->no_iter = true; break;
	case OPT_DEMO: a->demo = true; break;
	case ARGP_KEY_ARG:
		return cmd_arg_cgroup("top", &a->cgroup, arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp top_argp = {
	top_options, top_parse, "[CGROUP]",
	"Per-cgroup memory pressure, refreshed: usage against the binding limit, "
	"memory PSI, reclaim rate, the reclaim stall each cgroup's tasks suffer "
	"(measured by BPF), refaults, limit events and OOM kills. Full-screen on a "
	"terminal (press h for keys); batch text, JSON or Prometheus text otherwise. "
	"CGROUP limits the view to a subtree.\v"
	"Values that cannot be read print as '-', never 0. Without root the BPF "
	"columns (stall, and reclaim on cgroup v1) print as '-'.", 0, 0, 0
};

static volatile sig_atomic_t top_stop;

static void on_signal(int sig)
{
	top_stop = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	/* a signal cuts the sleep short, and top_stop says so */
	nanosleep(&ts, NULL);
}

static void columns_help(void)
{
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "columns");
		jsonw_start_array(json_wtr);
		for (int i = 0; i < top_nr_cols; i++) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", top_cols[i].name);
			jsonw_string_field(json_wtr, "header", top_cols[i].header);
			jsonw_string_field(json_wtr, "unit", top_cols[i].unit);
			jsonw_string_field(json_wtr, "description", top_cols[i].desc);
			jsonw_bool_field(json_wtr, "default", top_cols[i].deflt);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
		return;
	}
	printf("%-9s %-8s %-8s %s\n", "NAME", "HEADER", "UNIT", "DESCRIPTION");
	for (int i = 0; i < top_nr_cols; i++)
		printf("%-9s %-8s %-8s %s%s\n", top_cols[i].name, top_cols[i].header,
		       top_cols[i].unit, top_cols[i].desc, top_cols[i].deflt ? " [default]" : "");
}

static int run_batch(struct top_collector *col, struct top_args *a, struct top_view *v,
		     struct top_colset *cs)
{
	uint64_t n = a->iterations;
	/* JSON and OpenMetrics print every field, unless --columns says which are needed */
	unsigned src = a->fmt == TOP_FMT_TEXT || a->columns ? top_colset_src(cs) : TOP_SRC_ALL;
	const struct top_snap *s;
	int err;

	if (!a->iterations_set && a->fmt == TOP_FMT_OPENMETRICS)
		n = 1;
	if (!a->no_bpf)
		src |= TOP_SRC_BPF;
	for (uint64_t i = 0; !top_stop && (n == 0 || i < n); i++) {
		if (i)
			sleep_ns(a->delay_ns);
		if (top_stop)
			break;
		err = top_collect(col, src, &s);
		if (err == -ENOENT) {
			p_err("top: %s: the cgroup was removed", a->cgroup ? a->cgroup : "/");
			return EXIT_VANISHED;
		}
		if (err) {
			p_err("top: collecting: %s", strerror(-err));
			return EXIT_RUNTIME;
		}
		switch (a->fmt) {
		case TOP_FMT_JSON:
			top_render_json(json_wtr, s, v);
			jsonw_end_document(json_wtr);
			break;
		case TOP_FMT_OPENMETRICS:
			top_render_openmetrics(stdout, s, v);
			break;
		default:
			if (i)
				putchar('\n');
			top_render_text(stdout, s, v, cs);
			break;
		}
		if (stdout_check())
			break;	/* main() reports it; a reader that went away ends it quietly */
	}
	return EXIT_OK;
}

int top_demo(const struct cg_env *env, struct top_args *a, struct top_view *v,
	     struct top_colset *cs);

int do_top(int argc, char **argv)
{
	struct top_args a = { .delay_ns = 1000000000ULL, .fmt = TOP_FMT_TEXT };
	struct top_collector *col = NULL;
	struct top_colset cs;
	struct top_view v = { 0 };
	struct cg_env env;
	struct cg_ref ref;
	char err[PATH_MAX + 128];
	bool done, tty;
	int ret;

	ret = cmd_parse(&top_argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	if (gopts.json) {
		if (a.batch_set_format && a.fmt != TOP_FMT_JSON) {
			p_err("top: -j and --output %s disagree", a.fmt == TOP_FMT_TEXT ? "text" : "openmetrics");
			return EXIT_USAGE;
		}
		a.fmt = TOP_FMT_JSON;
	}
	if (a.fmt == TOP_FMT_JSON && !json_wtr) {
		json_wtr = jsonw_new(stdout, gopts.pretty);
		if (!json_wtr)
			return EXIT_RUNTIME;
	}
	if (a.columns && !strcmp(a.columns, "help")) {
		columns_help();	/* JSON under -j or -o json, like everything else */
		return EXIT_OK;
	}
	top_colset_default(&cs);
	if (a.columns && top_colset_parse(&cs, a.columns, err, sizeof(err))) {
		p_err("top: --columns: %s; see 'memcgctl top --columns help'", err);
		return EXIT_USAGE;
	}
	v.tree = !a.flat;
	v.sort_col = top_col_find(a.sort ? a.sort : "current");
	v.sort_desc = top_cols[v.sort_col].sort_desc ^ a.reverse;
	v.filter = a.filter;

	if (cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err, sizeof(err))) {
		p_err("top: %s", err);
		p_hint("mount the memory controller (cgroup v2, or v1 'memory') or pass --cgroup-root");
		return EXIT_UNSUPPORTED;
	}
	tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	if (a.demo) {
		if (!tty || a.batch || a.fmt != TOP_FMT_TEXT) {
			p_err("top: --demo needs a terminal (it opens the full-screen view)");
			return EXIT_USAGE;
		}
		install_signals();
		return top_demo(&env, &a, &v, &cs);
	}
	ret = cg_resolve(&env, a.cgroup ? a.cgroup : "/", &ref, err, sizeof(err));
	if (ret) {
		p_err("top: %s", err);
		return ret == -EINVAL ? EXIT_USAGE : EXIT_NOCGROUP;
	}

	struct top_collect_opts co = { .env = &env, .root = &ref, .depth = a.depth, .bpf = !a.no_bpf,
					 .no_iter = a.no_iter };

	ret = top_collector_new(&col, &co);
	if (ret) {
		p_err("top: %s", strerror(-ret));
		return EXIT_RUNTIME;
	}
	install_signals();
	if (a.batch || !tty || a.fmt != TOP_FMT_TEXT) {
		ret = run_batch(col, &a, &v, &cs);
	} else {
		struct top_tui_opts to = {
			.col = col, .view = v, .cols = cs, .delay = a.delay_ns / 1e9,
			.color = !a.no_color && !getenv("NO_COLOR"), .env = &env,
		};
		ret = top_tui_run(&to);
	}
	top_collector_free(col);
	return ret;
}

/* ---- --demo ------------------------------------------------------------- */

/*
 * A scratch cgroup with a 64M limit and a child that cycles through
 * growth (anonymous memory in steps), reclaim (page cache beyond the
 * limit) and an OOM kill (a grandchild asking for 4x the limit).
 */
#define DEMO_LIMIT (64ULL << 20)

static void demo_touch(size_t bytes)
{
	char *p = malloc(bytes);

	if (!p)
		return;
	for (size_t o = 0; o < bytes; o += 4096)
		p[o] = 1;
	/* leaked on purpose until the phase's process exits */
}

static void demo_phase(int phase, const char *file)
{
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid == 0) {
		static char buf[1 << 16];

		switch (phase) {
		case 0:		/* growth: 4M steps to 40M, then hold */
			for (int i = 0; i < 10; i++) {
				demo_touch(4 << 20);
				usleep(400000);
			}
			sleep(3);
			break;
		case 1: {	/* reclaim: write and re-read 3x the limit of page cache */
			for (int round = 0; round < 3; round++) {
				int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);

				if (fd < 0)
					_exit(1);
				memset(buf, 'x', sizeof(buf));
				for (unsigned long long d = 0; d < 3 * DEMO_LIMIT; d += sizeof(buf))
					if (write(fd, buf, sizeof(buf)) < 0)
						break;
				lseek(fd, 0, SEEK_SET);
				while (read(fd, buf, sizeof(buf)) > 0)
					;
				close(fd);
			}
			unlink(file);
			break;
		}
		default:	/* OOM: ask for 4x the limit */
			demo_touch(4 * DEMO_LIMIT);
			sleep(1);
			break;
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static int demo_mkdir(const char *root, const char *name, char *out, size_t len)
{
	if (snprintf(out, len, "%s/%s", root, name) >= (int)len)
		return -ENAMETOOLONG;
	return mkdir(out, 0755) ? -errno : 0;
}

int top_demo(const struct cg_env *env, struct top_args *a, struct top_view *v,
	     struct top_colset *cs)
{
	char name[64], mem[PATH_MAX], psi[PATH_MAX] = "", file[PATH_MAX], f[PATH_MAX + 32];
	char err[PATH_MAX + 64];
	struct top_collector *col = NULL;
	struct cg_ref root, ref;
	pid_t child;
	int ret;

	if (geteuid() != 0) {
		p_err("top: --demo creates a cgroup: it needs root");
		return EXIT_PERM;
	}
	snprintf(name, sizeof(name), "memcgctl-demo-%d", (int)getpid());
	ret = demo_mkdir(env->mem_root, name, mem, sizeof(mem));
	if (ret) {
		p_err("top: --demo: cannot create %s/%s: %s", env->mem_root, name, strerror(-ret));
		return EXIT_RUNTIME;
	}
	snprintf(f, sizeof(f), "%s/%s", mem, env->mem_is_v2 ? "memory.max" : "memory.limit_in_bytes");
	snprintf(err, sizeof(err), "%llu", DEMO_LIMIT);
	write_file_str(f, err);
	/* no swap: anonymous memory beyond the limit means an OOM kill */
	snprintf(f, sizeof(f), "%s/%s", mem, env->mem_is_v2 ? "memory.swap.max" : "memory.swappiness");
	write_file_str(f, "0");
	if (env->psi_root[0] && strcmp(env->psi_root, env->mem_root))
		if (demo_mkdir(env->psi_root, name, psi, sizeof(psi)))
			psi[0] = '\0';
	snprintf(file, sizeof(file), "/var/tmp/%s.cache", name);

	child = fork();
	if (child == 0) {
		char pid[32];

		setpgid(0, 0);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		snprintf(f, sizeof(f), "%s/cgroup.procs", mem);
		if (write_file_str(f, pid))
			_exit(1);
		if (psi[0]) {
			snprintf(f, sizeof(f), "%s/cgroup.procs", psi);
			write_file_str(f, pid);
		}
		for (int phase = 0;; phase = (phase + 1) % 3)
			demo_phase(phase, file);
	}
	if (child < 0) {
		p_err("top: --demo: fork: %s", strerror(errno));
		ret = EXIT_RUNTIME;
		goto out_rmdir;
	}
	ret = EXIT_RUNTIME;
	if (cg_resolve(env, "/", &root, err, sizeof(err)) || cg_ref_from_path(env, mem, &ref)) {
		p_err("top: --demo: %s", err);
		goto out_kill;
	}
	struct top_collect_opts co = { .env = env, .root = &root, .depth = a->depth, .bpf = !a->no_bpf,
					 .no_iter = a->no_iter };

	if (top_collector_new(&col, &co))
		goto out_kill;
	struct top_tui_opts to = {
		.col = col, .view = *v, .cols = *cs, .delay = a->delay_ns / 1e9,
		.color = !a->no_color && !getenv("NO_COLOR"), .env = env, .demo_cgroup = ref.rel,
	};
	ret = top_tui_run(&to);
	top_collector_free(col);
out_kill:
	kill(-child, SIGKILL);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* the phase grandchild may still be exiting */
	for (int i = 0; i < 50; i++) {
		if (!rmdir(mem))
			break;
		usleep(100000);
	}
	unlink(file);
out_rmdir:
	rmdir(mem);
	if (psi[0])
		rmdir(psi);
	return ret;
}
