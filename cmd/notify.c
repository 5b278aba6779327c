// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl notify CGROUP CONDITION... : block until a memory condition
 * holds, then print it (or run a command per firing).
 *
 * Usage and event conditions are evaluated in the kernel by
 * bpf/notify.bpf.c on the cgroup's own memory events; PSI conditions by
 * the kernel's PSI triggers on memory.pressure.  This process sleeps in
 * epoll_wait() on the ring buffer, the PSI trigger fds, a signalfd and a
 * timerfd: there is no polling loop, and an idle notify uses no CPU.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "clock.h"
#include "main.h"
#include "notify_int.h"
#include "units.h"
#include "notify.skel.h"

#define NOTIFY_DEFAULT_BAND_CENTI 500	/* re-arm 5% of the threshold back */
/* --exec: how long one command may run, and how long it has after SIGTERM */
#define NOTIFY_EXEC_TIMEOUT_NS (60ULL * 1000000000ULL)
#define NOTIFY_EXEC_GRACE_MS 3000

enum {
	OPT_ANY = 0x100, OPT_ALL, OPT_FOREVER, OPT_REARM, OPT_WAIT_NEXT, OPT_EXEC_TIMEOUT,
};

static const struct argp_option notify_options[] = {
	{ "any", OPT_ANY, 0, 0, "fire when any condition holds (default)", 0 },
	{ "all", OPT_ALL, 0, 0, "fire when all conditions hold at once", 0 },
	{ "count", 'n', "N", 0, "exit after N firings (default 1; unlimited with --exec)", 0 },
	{ "forever", OPT_FOREVER, 0, 0, "never exit on a firing", 0 },
	{ "timeout", 't', "DUR", 0, "give up after DUR (exit 6)", 0 },
	{ "rearm", OPT_REARM, "BAND", 0,
	  "re-arm a usage condition only once it went back past its threshold by BAND: "
	  "a size or a percentage of the threshold (default 5%)", 0 },
	{ "wait-next", OPT_WAIT_NEXT, 0, 0,
	  "if a usage condition already holds at start, wait for its next crossing "
	  "instead of reporting it at once", 0 },
	{ "exec", 'x', "CMD", 0,
	  "run CMD [ARGS...] (all the remaining arguments) per firing, no shell, the "
	  "event in MEMCGCTL_* variables; keeps watching", 0 },
	{ "exec-timeout", OPT_EXEC_TIMEOUT, "DUR", 0,
	  "end a command that runs longer than DUR: SIGTERM to its process group, "
	  "SIGKILL 3s later (default 60s); comes before --exec", 0 },
	{ 0 },
};

/* One hint line after a bad or missing condition; `notify help` has the grammar. */
static void hint_grammar(void)
{
	p_hint("conditions: usage>=SIZE|PCT%% (>= > <= <), psi.some|psi.full>=PCT%%/WINDOW, "
	       "oom_kill[+N], max[+N], high[+N], removed; see 'memcgctl notify help'");
}

static error_t notify_parse(int key, char *arg, struct argp_state *state)
{
	struct notify_args *a = state->input;
	char err[160];
	uint64_t v;
	int r;

	switch (key) {
	case OPT_ANY:
		a->all = false;
		break;
	case OPT_ALL:
		a->all = true;
		break;
	case 'n':
		if (parse_u64(arg, 1000000000, &v) || v == 0) {
			p_err("notify: --count '%s': expected a number from 1 to 1000000000", arg);
			return EINVAL;
		}
		a->count = v;
		a->count_set = true;
		break;
	case OPT_FOREVER:
		a->forever = true;
		break;
	case 't':
		if (parse_duration(arg, &v) || v == 0 || v > 366ULL * 86400 * 1000000000) {
			p_err("notify: --timeout '%s': expected a duration like 500ms, 30s or 5m", arg);
			return EINVAL;
		}
		a->timeout_ns = v;
		break;
	case OPT_REARM:
		if (notify_parse_band(arg, &a->band, &a->band_pct)) {
			p_err("notify: --rearm '%s': expected a size (64M) or a percentage of "
			      "the threshold (5%%)", arg);
			return EINVAL;
		}
		break;
	case OPT_WAIT_NEXT:
		a->wait_next = true;
		break;
	case OPT_EXEC_TIMEOUT:
		if (parse_duration(arg, &v) || v < 1000000 || v > 86400ULL * 1000000000) {
			p_err("notify: --exec-timeout '%s': expected a duration from 1ms to 24h "
			      "(500ms, 30s, 5m)", arg);
			return EINVAL;
		}
		a->exec_timeout_ns = v;
		a->exec_timeout_arg = arg;
		break;
	case 'x':
		/* do_notify() split --exec and what follows off argv */
		p_err("notify: --exec takes the rest of the command line: --exec CMD [ARGS...]");
		return EINVAL;
	case ARGP_KEY_ARG:
		if (!a->cgroup) {
			a->cgroup = arg;
			break;
		}
		if (a->nr >= NOTIFY_MAX_CONDS) {
			p_err("notify: at most %d conditions", NOTIFY_MAX_CONDS);
			return EINVAL;
		}
		r = notify_cond_parse(arg, &a->conds[a->nr], err, sizeof(err));
		if (r) {
			p_err("notify: bad condition '%s': %s", arg, err);
			hint_grammar();
			return EINVAL;
		}
		a->nr++;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp notify_argp = {
	notify_options, notify_parse, "CGROUP CONDITION... [--exec CMD [ARGS...]]",
	"Block until a memory condition holds for CGROUP (or below it), then print "
	"one line (JSON with -j) and exit 0. Usage and event conditions are evaluated "
	"in the kernel by a BPF program on the cgroup's own memory events; PSI "
	"conditions by the kernel's PSI triggers. No polling: an idle notify uses no "
	"CPU.\v"
	"Conditions:\n"
	"  usage>=SIZE | usage>=PCT%   (>= > <= <; PCT of memory.high or memory.max)\n"
	"  psi.some>=PCT%/WINDOW | psi.full>=PCT%/WINDOW   (WINDOW 500ms..10s)\n"
	"  oom_kill[+N]  max[+N]  high[+N]  removed\n"
	"A usage condition that already holds at start is reported at once (JSON "
	"\"initial\": true) unless --wait-next. Exit: 0 fired, 2 usage, 3 no cgroup, "
	"4 permission, 5 unsupported, 6 timeout, 7 cgroup removed. See memcgctl-notify(8).",
	0, 0, 0
};

/* ---- runtime ----------------------------------------------------------- */

/*
 * A firing's memory fields from what the BPF side sent: its limits say
 * "none" with NOTIFY_NOLIMIT, a firing holds CG_NOLIMIT (and CG_UNKNOWN
 * for what could not be read, from cgroupfs).
 */
static void firing_mem_from_bpf(struct firing *f, uint64_t usage, uint64_t max, uint64_t high)
{
	f->have_mem = true;
	f->usage = usage;
	f->max = cg_limit_from_bpf(max);
	f->high = cg_limit_from_bpf(high);
}


/*
 * In the child: none of the MEMCGCTL_* variables notify itself was started
 * with, so that a firing which does not set one (no limit, no PID) does not
 * hand on a stale or forged value.
 */
static void exec_clear_env(void)
{
	extern char **environ;
	char **env;
	size_t n = 0, k = 0;

	for (char **e = environ; e && *e; e++)
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		_exit(127);
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "MEMCGCTL_", 9))
			env[k++] = *e;
	environ = env;
}
/*
 * In the child: its own process group (so that notify can signal the
 * command and everything it started), death with notify, the event in
 * MEMCGCTL_* variables, then execvp.
 */
static void exec_child(struct notify_run *r, const struct notify_cond *c,
		       const struct firing *f, pid_t parent)
{
	sigset_t none;

	setpgid(0, 0);
	/* SIGKILL of notify must not orphan the command; notify may already be gone */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	exec_clear_env();
	notify_firing_env(r, c, f);
	execvp(r->a->exec_argv[0], r->a->exec_argv);
	fprintf(stderr, "%s: notify: cannot run '%s': %s\n", prog_name, r->a->exec_argv[0],
		strerror(errno));
	_exit(127);
}

/*
 * Wait for the command (process group `pid`) to end.  Meanwhile a
 * SIGINT/SIGTERM/SIGHUP to notify is passed on to the group and ends
 * notify once the command is gone; a command that outlives
 * --exec-timeout gets SIGTERM; either way SIGKILL follows after the grace.
 */
static void exec_wait(struct notify_run *r, pid_t pid, int *status)
{
	const char *cmd = r->a->exec_argv[0];
	uint64_t deadline = clock_mono_ns() + r->a->exec_timeout_ns, term_ns = 0;
	bool killed = false;
	int pidfd;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = r->sigfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};
		uint64_t now, until;
		int ms;
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		now = clock_mono_ns();
		if (!term_ns && now >= deadline) {
			fprintf(stderr, "%s: notify: '%s' still running after %s (--exec-timeout): "
				"SIGTERM to its process group\n", prog_name, cmd, r->a->exec_timeout_arg);
			kill(-pid, SIGTERM);
			term_ns = now;
		}
		if (term_ns && !killed && now >= term_ns + NOTIFY_EXEC_GRACE_MS * 1000000ULL) {
			fprintf(stderr, "%s: notify: '%s' still running %d ms after SIGTERM: "
				"SIGKILL to its process group\n", prog_name, cmd, NOTIFY_EXEC_GRACE_MS);
			kill(-pid, SIGKILL);
			killed = true;
		}
		until = killed ? 0 : term_ns ? term_ns + NOTIFY_EXEC_GRACE_MS * 1000000ULL : deadline;
		ms = until ? (int)((until - now + 999999) / 1000000) : -1;
		if (pidfd < 0 && (ms < 0 || ms > 50))
			ms = 50;	/* no pidfd (before 5.3): look again soon */
		if (poll(pfd, pidfd < 0 ? 1 : 2, ms) > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
				kill(-pid, (int)si.ssi_signo);
				if (!r->done) {
					r->done = true;
					r->ret = 128 + (int)si.ssi_signo;
				}
				if (!term_ns)
					term_ns = clock_mono_ns();
			}
		}
	}
	if (pidfd >= 0)
		close(pidfd);
}

static void run_exec(struct notify_run *r, const struct notify_cond *c, const struct firing *f)
{
	pid_t pid, self = getpid();
	int status = 0;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: notify: fork: %s\n", prog_name, strerror(errno));
		return;
	}
	if (pid == 0)
		exec_child(r, c, f, self);
	setpgid(pid, pid);	/* also here: no signal may reach the group before it exists */
	/* one command at a time: edges meanwhile wait in the ring buffer */
	exec_wait(r, pid, &status);
	if (WIFEXITED(status) && WEXITSTATUS(status) && !gopts.json)
		fprintf(stderr, "%s: notify: '%s' exited with status %d\n", prog_name,
			r->a->exec_argv[0], WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && !gopts.json)
		fprintf(stderr, "%s: notify: '%s' killed by signal %d\n", prog_name,
			r->a->exec_argv[0], WTERMSIG(status));
}

static void fire(struct notify_run *r, const struct firing *f)
{
	const struct notify_cond *c = &r->a->conds[f->cond];

	if (r->done)
		return;
	r->firings++;
	if (json_wtr)
		notify_firing_json(r, c, f);
	else
		notify_firing_plain(r, c, f);
	if (r->a->exec_argv)
		run_exec(r, c, f);
	if (r->limit_count && r->firings >= r->limit_count) {
		r->done = true;
		r->ret = EXIT_OK;
	}
}

/* --all: does every condition hold now? Event-like ones are latched. */
static bool all_hold(struct notify_run *r)
{
	for (int i = 0; i < r->a->nr; i++) {
		if (r->a->conds[i].kind == NOTIFY_K_PSI) {
			if (r->psi_until[i] < r->wake_ns)
				return false;
		} else if (!r->holds[i]) {
			return false;
		}
	}
	return true;
}

/* After an --all firing, latched conditions must happen again. */
static void all_reset(struct notify_run *r)
{
	for (int i = 0; i < r->a->nr; i++)
		if (r->a->conds[i].kind != NOTIFY_K_USAGE)
			r->holds[i] = false, r->psi_until[i] = 0;
}

static void cond_true(struct notify_run *r, const struct firing *f)
{
	r->holds[f->cond] = true;
	if (!r->a->all) {
		fire(r, f);
		return;
	}
	if (all_hold(r)) {
		fire(r, f);
		all_reset(r);
	}
}

static void vanished(struct notify_run *r)
{
	int rm = -1;

	for (int i = 0; i < r->a->nr; i++)
		if (r->a->conds[i].kind == NOTIFY_K_REMOVED)
			rm = i;
	if (rm >= 0) {
		struct firing f = { .cond = rm, .wake_ns = r->wake_ns, .hook = NOTIFY_H_RMDIR };

		cond_true(r, &f);
		if (r->done)
			return;
	}
	r->done = true;
	if (rm >= 0 && r->firings)
		r->ret = EXIT_OK;	/* it was what we waited for */
	else {
		p_err("notify: %s: the cgroup was removed", r->ref.rel);
		r->ret = EXIT_VANISHED;
	}
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct notify_run *r = ctx;
	const struct notify_event *e = data;
	struct firing f = { 0 };

	if (size < sizeof(*e) || r->done)
		return 0;
	if (e->edge == NOTIFY_E_REMOVED) {
		vanished(r);
		return 0;
	}
	if (e->cond >= (uint32_t)r->a->nr)
		return 0;
	if (e->edge == NOTIFY_E_REARM) {
		p_debug("notify: %s re-armed at usage %llu", r->a->conds[e->cond].text,
			(unsigned long long)e->usage);
		r->holds[e->cond] = false;
		return 0;
	}
	f.cond = e->cond;
	f.event_ns = e->ts_ns;
	f.wake_ns = r->wake_ns;
	firing_mem_from_bpf(&f, e->usage, e->max, e->high);
	f.thresh = e->thresh;
	f.hook = e->hook;
	if (r->a->conds[e->cond].kind != NOTIFY_K_USAGE) {
		f.have_counter = true;
		f.value = e->value;
		f.delta = e->delta;
	}
	f.pid = e->pid;
	memcpy(f.comm, e->comm, NOTIFY_COMM_LEN);
	cond_true(r, &f);
	return 0;
}

static void on_psi(struct notify_run *r, int i)
{
	const struct notify_cond *c = &r->a->conds[i];
	struct firing f = { .cond = i, .wake_ns = r->wake_ns, .hook = NOTIFY_H_NR };
	struct cg_mem m;

	/* a firing counts as holding for one window (for --all) */
	r->psi_until[i] = r->wake_ns + c->window_us * 1000;
	if (!cg_read_mem(&r->env, &r->ref, &m)) {
		f.have_mem = cg_known(m.current);
		f.usage = m.current;
		f.max = m.max;
		f.high = m.high;
		f.psi = c->flags & NOTIFY_F_FULL ? m.psi_full : m.psi_some;
		f.have_psi = f.psi.avg10 >= 0;
	}
	cond_true(r, &f);
}


static int setup_psi(struct notify_run *r)
{
	struct notify_args *a = r->a;
	char path[PATH_MAX + 32], trig[64];
	bool need = false;

	for (int i = 0; i < a->nr; i++)
		need |= a->conds[i].kind == NOTIFY_K_PSI;
	if (!need)
		return 0;
	if (!cg_psi_dir(&r->env, &r->ref, r->psi_dir, sizeof(r->psi_dir))) {
		p_err("notify: %s: no cgroup2 directory with memory.pressure for it", r->ref.rel);
		p_hint(r->env.layout == CG_LAYOUT_HYBRID ?
		       "in the hybrid layout PSI comes from the cgroup2 twin of the same path; create "
		       "it and move the workload into both" :
		       "PSI needs cgroup2 and CONFIG_PSI (psi=1 on the kernel command line)");
		return EXIT_UNSUPPORTED;
	}
	snprintf(path, sizeof(path), "%s/memory.pressure", r->psi_dir);
	for (int i = 0; i < a->nr; i++) {
		struct epoll_event ev = { .events = EPOLLPRI | EPOLLERR };
		int fd;

		if (a->conds[i].kind != NOTIFY_K_PSI)
			continue;
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			p_err("notify: %s: %s", path, strerror(errno));
			return errno == ENOENT ? EXIT_UNSUPPORTED : EXIT_RUNTIME;
		}
		r->psi_fd[i] = fd;
		notify_psi_trigger(&a->conds[i], trig, sizeof(trig));
		if (write(fd, trig, strlen(trig) + 1) < 0) {
			int e = errno;

			p_err("notify: PSI trigger '%s' on %s: %s", trig, path, strerror(e));
			if (e == EOPNOTSUPP)
				p_hint("PSI is disabled: boot with psi=1");
			else if (e == EINVAL && a->conds[i].window_us % 2000000)
				p_hint("without CAP_SYS_RESOURCE the kernel takes only PSI windows "
				       "that are multiples of 2s (psi.some>=10%%/2s)");
			else if (e == EPERM || e == EACCES)
				p_hint("PSI triggers need write access to memory.pressure (root)");
			return e == EOPNOTSUPP ? EXIT_UNSUPPORTED :
			       e == EPERM || e == EACCES ? EXIT_PERM : EXIT_RUNTIME;
		}
		ev.data.u32 = 0x100 + i;
		epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
		p_debug("notify: PSI trigger '%s' on %s", trig, path);
	}
	return 0;
}

static void report_initial(struct notify_run *r, const struct notify_snapshot *s)
{
	int first = -1;

	for (int i = 0; i < r->a->nr; i++) {
		r->holds[i] = s->holds[i];
		if (s->holds[i] && first < 0)
			first = i;
	}
	if (first < 0 || r->a->wait_next)
		return;
	if (r->a->all && !all_hold(r))
		return;
	for (int i = 0; i < r->a->nr && !r->done; i++) {
		const struct notify_cond *c = &r->a->conds[i];
		struct firing f = {
			.cond = i, .initial = true, .wake_ns = r->wake_ns, .hook = NOTIFY_H_ITER,
		};
		/* the binding limit as the BPF side has it: NOTIFY_NOLIMIT is the largest */
		uint64_t lim = s->high < s->max ? s->high : s->max;

		if (!s->holds[i])
			continue;
		firing_mem_from_bpf(&f, s->usage, s->max, s->high);
		f.thresh = c->flags & NOTIFY_F_PCT ?
			lim / 10000 * c->thresh + lim % 10000 * c->thresh / 10000 : c->thresh;
		fire(r, &f);
		if (r->a->all)
			break;	/* one report for the whole set */
	}
}

static int loop(struct notify_run *r)
{
	struct epoll_event evs[16];

	while (!r->done) {
		int n = epoll_wait(r->epfd, evs, ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			p_err("notify: epoll_wait: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		r->wake_ns = clock_mono_ns();
		for (int k = 0; k < n && !r->done; k++) {
			uint32_t tag = evs[k].data.u32;

			if (tag == 1) {
				ring_buffer__consume(r->rb);
			} else if (tag == 2) {
				struct signalfd_siginfo si;

				if (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
					r->done = true;
					r->ret = 128 + (int)si.ssi_signo;
				}
			} else if (tag == 3) {
				/* an expected end, not an error: no JSON on stdout */
				p_info("notify: %s: timed out with %llu firing(s)", r->ref.rel,
				       (unsigned long long)r->firings);
				r->done = true;
				r->ret = EXIT_TIMEOUT;
			} else if (tag >= 0x100) {
				int i = tag - 0x100;

				if (evs[k].events & EPOLLERR) {
					/* the cgroup2 directory went away */
					epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->psi_fd[i], NULL);
					if (access(r->ref.path, F_OK))
						vanished(r);
					continue;
				}
				on_psi(r, i);
			}
		}
	}
	notify_bpf_report_stats(r);
	return r->ret;
}

static int run(struct notify_run *r)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct notify_snapshot snap = { 0 };
	sigset_t mask;
	int ret;

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (r->epfd < 0 || r->sigfd < 0) {
		p_err("notify: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	ev.data.u32 = 2;
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->sigfd, &ev);

	ret = setup_psi(r);
	if (ret)
		return ret;
	ret = notify_bpf_setup(r);
	if (ret)
		return ret;
	r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.notify_events), on_event, r, NULL);
	if (!r->rb) {
		p_err("notify: ring buffer: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	ev.data.u32 = 1;
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(r->rb), &ev);

	ret = notify_bpf_arm(r, &snap);
	if (ret == -ENOENT || (!ret && access(r->ref.path, F_OK))) {
		p_err("notify: %s: the cgroup was removed", r->ref.rel);
		return EXIT_VANISHED;
	}
	if (ret)
		return bpf_report_failure("notify", "run the arming iterator of", ret);
	if (!snap.ok) {
		p_err("notify: %s: not a memory cgroup as the kernel sees it", r->ref.rel);
		return EXIT_NOCGROUP;
	}
	for (int i = 0; i < r->a->nr; i++)
		if ((r->a->conds[i].flags & NOTIFY_F_PCT) && snap.max == NOTIFY_NOLIMIT &&
		    snap.high == NOTIFY_NOLIMIT)
			p_info("notify: %s has no memory limit: '%s' holds only once one is set",
			       r->ref.rel, r->a->conds[i].text);
	p_debug("notify: armed %s (id %llu): usage %llu", r->ref.rel,
		(unsigned long long)r->ref.id, (unsigned long long)snap.usage);

	if (r->a->timeout_ns) {
		struct itimerspec its = {
			.it_value = { r->a->timeout_ns / 1000000000ULL,
				      r->a->timeout_ns % 1000000000ULL },
		};

		r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (r->timerfd < 0 || timerfd_settime(r->timerfd, 0, &its, NULL)) {
			p_err("notify: timerfd: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		ev.data.u32 = 3;
		epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->timerfd, &ev);
	}

	r->wake_ns = clock_mono_ns();
	report_initial(r, &snap);
	/* edges that raced with arming are already waiting */
	ring_buffer__consume(r->rb);
	return loop(r);
}

/* Split "--exec CMD ARGS..." (or -x) off the end of argv. */
static int split_exec(int *argc, char **argv, char ***exec_argv)
{
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (strcmp(argv[i], "--exec") && strcmp(argv[i], "-x"))
			continue;
		if (i + 1 >= *argc) {
			p_err("notify: --exec needs a command: --exec CMD [ARGS...]");
			return EXIT_USAGE;
		}
		if (!argv[i + 1][0]) {
			p_err("notify: --exec: empty command");
			return EXIT_USAGE;
		}
		*exec_argv = &argv[i + 1];
		*argc = i;
		return 0;
	}
	return 0;
}

int do_notify(int argc, char **argv)
{
	struct notify_args a = { .band = NOTIFY_DEFAULT_BAND_CENTI, .band_pct = true,
				 .exec_timeout_ns = NOTIFY_EXEC_TIMEOUT_NS, .exec_timeout_arg = "60s" };
	struct notify_run r = { .a = &a, .epfd = -1, .sigfd = -1, .timerfd = -1 };
	char **exec_argv = NULL;
	bool done;
	int ret;

	ret = split_exec(&argc, argv, &exec_argv);
	if (ret)
		return ret;
	ret = cmd_parse(&notify_argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	a.exec_argv = exec_argv;
	if (!a.cgroup || !a.nr) {
		if (!a.cgroup)
			p_err("notify: missing CGROUP and CONDITION; see 'memcgctl notify help'");
		else
			p_err("notify: missing CONDITION after '%s'", a.cgroup);
		hint_grammar();
		return EXIT_USAGE;
	}
	if (a.forever && a.count_set) {
		p_err("notify: --forever and --count exclude each other");
		return EXIT_USAGE;
	}
	r.limit_count = a.forever ? 0 : a.count_set ? a.count : exec_argv ? 0 : 1;
	for (int i = 0; i < NOTIFY_MAX_CONDS; i++)
		r.psi_fd[i] = -1;

	ret = cmd_cgroup("notify", &r.env, a.cgroup, &r.ref);
	if (ret)
		return ret;
	ret = bpf_check_privileges("notify");
	if (ret)
		return ret;

	ret = run(&r);

	ring_buffer__free(r.rb);
	notify_bpf__destroy(r.skel);
	for (int i = 0; i < NOTIFY_MAX_CONDS; i++)
		if (r.psi_fd[i] >= 0)
			close(r.psi_fd[i]);
	if (r.timerfd >= 0)
		close(r.timerfd);
	if (r.sigfd >= 0)
		close(r.sigfd);
	if (r.epfd >= 0)
		close(r.epfd);
	return ret;
}
