// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl top [CGROUP]: the per-cgroup memory pressure view.  Options
 * and dispatch: the full-screen view on a terminal, batch output (text,
 * JSON, Prometheus text) otherwise, the --textfile exporter and --demo.
 */
#define _GNU_SOURCE	/* ppoll */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cgroup.h"
#include "clock.h"
#include "main.h"
#include "stopsig.h"
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
	const char *textfile;	/* --textfile: the exporter's output */
};

enum {
	OPT_DEPTH = 0x100, OPT_COLUMNS, OPT_FILTER, OPT_NO_COLOR, OPT_NO_BPF, OPT_NO_ITER, OPT_DEMO,
	OPT_TREE, OPT_TEXTFILE,
};

static const struct argp_option top_options[] = {
	{ "batch", 'b', 0, 0, "batch mode: print snapshots instead of the full-screen view", 0 },
	{ "iterations", 'n', "N", 0,
	  "stop after N refreshes (batch; default: forever; metrics: 1, the only choice but with --textfile)", 0 },
	{ "delay", 'd', "SECS", 0, "refresh interval (default 1; 500ms, 2s also work)", 0 },
	{ "output", 'o', "FMT", 0, "batch format: text, json, prometheus (text 0.0.4), openmetrics (1.0)", 0 },
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
	{ "textfile", OPT_TEXTFILE, "PATH", 0,
	  "exporter: keep BPF attached and replace PATH atomically every -d with Prometheus text", 0 },
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
			p_err("top: --output '%s': expected text, json, prometheus or openmetrics", arg);
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
	case OPT_TEXTFILE:
		if (!*arg) {
			p_err("top: --textfile: expected a file name");
			return EINVAL;
		}
		a->textfile = arg;
		break;
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
	"terminal (press h for keys); batch text, JSON, Prometheus text or OpenMetrics "
	"otherwise; with --textfile a long-running exporter for node_exporter's textfile collector. "
	"CGROUP limits the view to a subtree.\v"
	"Values that cannot be read print as '-', never 0. Without root the BPF "
	"columns (stall, and reclaim on cgroup v1) print as '-'.", 0, 0, 0
};

static void install_signals(void)
{
	stopsig_install(STOPSIG_HUP);
	signal(SIGPIPE, SIG_IGN);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	/* a signal cuts the sleep short, and stopsig says so */
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
			if (top_cols[i].json)
				jsonw_string_field(json_wtr, "json", top_cols[i].json);
			else
				jsonw_null_field(json_wtr, "json");
			if (top_cols[i].metric)
				jsonw_string_field(json_wtr, "metric", top_cols[i].metric);
			else
				jsonw_null_field(json_wtr, "metric");
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
		return;
	}
	printf("%-12s %-8s %-8s %s\n", "NAME", "HEADER", "UNIT", "DESCRIPTION");
	for (int i = 0; i < top_nr_cols; i++)
		printf("%-12s %-8s %-8s %s%s\n", top_cols[i].name, top_cols[i].header,
		       top_cols[i].unit, top_cols[i].desc, top_cols[i].deflt ? " [default]" : "");
}

/* How many snapshots batch mode prints (0: until stopped). */
static uint64_t batch_iterations(const struct top_args *a)
{
	return !a->iterations_set && top_format_metrics(a->fmt) ? 1 : a->iterations;
}

static int run_batch(struct top_collector *col, struct top_args *a, struct top_view *v,
		     struct top_colset *cs)
{
	uint64_t n = batch_iterations(a);
	/* JSON and OpenMetrics print every field, unless --columns says which are needed */
	unsigned src = a->fmt == TOP_FMT_TEXT || a->columns ? top_colset_src(cs) : TOP_SRC_ALL;
	const struct top_snap *s;
	int err;

	if (!a->no_bpf)
		src |= TOP_SRC_BPF;
	for (uint64_t i = 0; !stopsig && (n == 0 || i < n); i++) {
		if (i)
			sleep_ns(a->delay_ns);
		if (stopsig)
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
		case TOP_FMT_PROMETHEUS:
		case TOP_FMT_OPENMETRICS:
			top_render_metrics(stdout, s, v, a->fmt);
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

/* ---- --textfile: the exporter -------------------------------------------- */

/*
 * Move *next (CLOCK_MONOTONIC, when the previous refresh was due) one
 * interval on and sleep until then: refreshes keep their period however
 * long each takes.  The stop signals are blocked outside this wait and
 * let in only inside ppoll(), so one that comes while a refresh is
 * written is not lost until the next interval.  Returns false when a
 * signal asks to stop.
 */
static bool textfile_wait(struct timespec *next, uint64_t delay_ns, const sigset_t *waitmask)
{
	struct timespec now, ts;
	int64_t left;

	next->tv_sec += (time_t)(delay_ns / 1000000000ULL);
	next->tv_nsec += (long)(delay_ns % 1000000000ULL);
	if (next->tv_nsec >= 1000000000L) {
		next->tv_sec++;
		next->tv_nsec -= 1000000000L;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (next->tv_sec - now.tv_sec) * 1000000000LL + (next->tv_nsec - now.tv_nsec);
	if (left > 0) {
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		ppoll(NULL, 0, &ts, waitmask);
	} else {
		*next = now;	/* a refresh took longer than the interval: no burst to catch up */
	}
	return !stopsig;
}

/*
 * Render one snapshot in memory and replace the file with it.  Returns
 * 0 or -errno with *step saying what failed.
 */
static int textfile_write(struct atomic_file *af, const struct top_snap *s,
			  const struct top_view *v, enum top_format fmt, const char **step)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	*step = "render";
	if (!f)
		return -errno;
	top_render_metrics(f, s, v, fmt);
	err = ferror(f) ? -ENOMEM : 0;
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (!err)
		err = atomic_file_replace(af, buf, len, step);
	free(buf);
	return err;
}

/*
 * Every interval, until a signal or -n: collect (the BPF programs stay
 * attached, so their counters keep counting), write the file.  A failed
 * write keeps the previous file, is reported once when a run of
 * failures starts and once when it ends, and does not stop the exporter.
 * Exit status: 0 when the last write succeeded, 1 when it failed (the
 * file is then older than the last refresh), 7 when CGROUP vanished.
 */
static int run_textfile(struct top_collector *col, struct top_args *a, struct top_view *v,
			struct atomic_file *af)
{
	uint64_t failed = 0;	/* refreshes of the current run of failures */
	struct timespec next;
	sigset_t stop, waitmask;
	const struct top_snap *s;
	const char *step, *note;
	int err, ret = EXIT_OK;

	if (!a->no_bpf && !top_collector_bpf(col, &note))
		p_info("memcgctl: top: --textfile: the BPF counters are left out: %s", note);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t i = 0; !stopsig && (!a->iterations_set || i < a->iterations); i++) {
		if (i && !textfile_wait(&next, a->delay_ns, &waitmask))
			break;
		err = top_collect(col, TOP_SRC_ALL, &s);	/* BPF's too, where loaded */
		if (err == -ENOENT) {
			p_err("top: %s: the cgroup was removed", a->cgroup ? a->cgroup : "/");
			ret = EXIT_VANISHED;
			break;
		}
		if (err) {
			p_err("top: collecting: %s", strerror(-err));
			ret = EXIT_RUNTIME;
			break;
		}
		err = textfile_write(af, s, v, a->fmt, &step);
		if (err && !failed++)
			p_err("top: --textfile %s: %s: %s; the previous file stays, retrying every %.1fs",
			      a->textfile, step, strerror(-err), a->delay_ns / 1e9);
		if (!err && failed) {
			p_info("memcgctl: top: --textfile %s: written again after %llu failed refreshes",
			       a->textfile, (unsigned long long)failed);
			failed = 0;
		}
	}
	sigprocmask(SIG_UNBLOCK, &stop, NULL);
	if (ret == EXIT_OK && failed)
		ret = EXIT_RUNTIME;
	return ret;
}

static int top_demo(const struct cg_env *env, struct top_args *a, struct top_view *v,
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
	if (a.textfile) {
		/* the exporter writes the Prometheus text format and nothing else */
		if (gopts.json || (a.batch_set_format && !top_format_metrics(a.fmt))) {
			p_err("top: --textfile writes metrics (prometheus or openmetrics): not with %s",
			      gopts.json ? "-j" : "--output text or json");
			return EXIT_USAGE;
		}
		if (a.demo) {
			p_err("top: --textfile and --demo: one at a time");
			return EXIT_USAGE;
		}
		if (!a.batch_set_format)
			a.fmt = TOP_FMT_PROMETHEUS;	/* what the textfile collector reads */
		a.batch = true;
	}
	if (gopts.json) {
		if (a.batch_set_format && a.fmt != TOP_FMT_JSON) {
			p_err("top: -j and --output %s disagree", top_format_name(a.fmt));
			return EXIT_USAGE;
		}
		a.fmt = TOP_FMT_JSON;
	}
	/*
	 * One exposition holds each family once: a second snapshot on the
	 * same stream would repeat them (Prometheus text has no separator).
	 */
	if (top_format_metrics(a.fmt) && a.iterations > 1 && !a.textfile) {
		p_err("top: --output %s prints one exposition: -n must be 1", top_format_name(a.fmt));
		p_hint("--textfile FILE keeps one exposition in FILE, rewritten every interval");
		return EXIT_USAGE;
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

	ret = cmd_cgroup("top", &env, a.cgroup ? a.cgroup : "/", &ref);
	if (ret)
		return ret;
	tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	if (a.demo) {
		if (!tty || a.batch || a.fmt != TOP_FMT_TEXT) {
			p_err("top: --demo needs a terminal (it opens the full-screen view)");
			return EXIT_USAGE;
		}
		install_signals();
		return top_demo(&env, &a, &v, &cs);
	}

	bool batch = !a.textfile && (a.batch || !tty || a.fmt != TOP_FMT_TEXT);
	struct top_collect_opts co = { .env = &env, .root = &ref, .depth = a.depth, .bpf = !a.no_bpf,
					 .no_iter = a.no_iter,
					 .one_shot = batch && batch_iterations(&a) == 1 };
	struct atomic_file af = { .dirfd = -1 };

	/* before loading anything: a bad PATH is said at once */
	if (a.textfile) {
		ret = atomic_file_open(&af, a.textfile, err, sizeof(err));
		if (ret) {
			p_err("top: --textfile %s", err);
			return ret == -EPERM || ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	ret = top_collector_new(&col, &co);
	if (ret) {
		p_err("top: %s", strerror(-ret));
		atomic_file_close(&af);
		return EXIT_RUNTIME;
	}
	install_signals();
	if (a.textfile) {
		/* the programs are attached: what they count, they count from now */
		v.start_time = clock_real_s();
		ret = run_textfile(col, &a, &v, &af);
		atomic_file_close(&af);
	} else if (batch) {
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

static int top_demo(const struct cg_env *env, struct top_args *a, struct top_view *v,
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
