// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl reclaim CGROUP AMOUNT [--swappiness N] [--file-only|--anon-only]
 * memcgctl reclaim CGROUP --auto [...]            (see reclaim_auto.c)
 *
 * Proactive reclaim, measured by bpf/reclaim.bpf.c while it happens.
 *
 * cgroup v2 writes memory.reclaim.  cgroup v1 has no such file, so the
 * request is emulated: memory.limit_in_bytes is lowered below usage in
 * steps (the kernel then reclaims synchronously in the writer's context,
 * and answers EBUSY when it cannot get below), and the original limit is
 * written back before rc_reclaim() returns — on success, on EBUSY, on any
 * error, and when SIGINT/SIGTERM/SIGHUP interrupt it (the handler only
 * sets a flag; the restore happens here, in the main path).
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "clock.h"
#include "escape.h"
#include "main.h"
#include "memcg_hooks.h"
#include "memstate.h"
#include "probe.h"
#include "reclaimer.h"
#include "stopsig.h"
#include "units.h"
#include "reclaim.skel.h"

/* ---- signals --------------------------------------------------------- */

void rc_signals_install(void)
{
	/* no STOPSIG_RESTART: a write stuck in reclaim must come back with EINTR */
	stopsig_install(STOPSIG_HUP);
	/* a closed stdout must not kill us with the v1 limit lowered */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- the target and the actuator ------------------------------------ */

const char *rc_result_name(enum rc_result r)
{
	switch (r) {
	case RC_DONE: return "done";
	case RC_PARTIAL: return "partial";
	case RC_INTERRUPTED: return "interrupted";
	case RC_VANISHED: return "vanished";
	default: return "error";
	}
}

int rc_target_init(struct rc_target *t, const char *cgroup, char *err, size_t errlen)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->swap_arg = "";
	t->state_dfd = t->lock_fd = -1;
	if (cg_env_init(&t->env, NULL, gopts.cgroup_root, gopts.psi_root, err, errlen))
		return -ENODEV;
	ret = cg_resolve(&t->env, cgroup, &t->ref, err, errlen);
	if (ret)
		return ret;
	t->v1 = !t->env.mem_is_v2;
	if (!cg_psi_dir(&t->env, &t->ref, t->psi_dir, sizeof(t->psi_dir)))
		t->psi_dir[0] = '\0';
	snprintf(t->limit_path, sizeof(t->limit_path), "%s/memory.limit_in_bytes", t->ref.path);
	return 0;
}

uint64_t rc_usage(const struct rc_target *t)
{
	char path[PATH_MAX + 32];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/%s", t->ref.path,
		 t->v1 ? "memory.usage_in_bytes" : "memory.current");
	return read_file_u64(path, &v) ? CG_UNKNOWN : v;
}

bool rc_psi_totals(const struct rc_target *t, uint64_t *some, uint64_t *full)
{
	struct cg_psi_line s, f;
	bool got = t->psi_dir[0] && cg_read_psi(t->psi_dir, &s, &f) == 0;

	*some = got ? s.total_us : CG_UNKNOWN;
	*full = got ? f.total_us : CG_UNKNOWN;
	return got;
}

uint64_t rc_refaults(const struct rc_target *t)
{
	uint64_t anon, file;
	struct cg_mem m;
	int dfd;

	dfd = open(t->ref.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return CG_UNKNOWN;
	cg_mem_unknown(&m);
	cg_read_mem_at(&t->env, dfd, -1, CG_RD_STAT, &m);
	close(dfd);
	anon = m.stat[CG_STAT_workingset_refault_anon];
	file = m.stat[CG_STAT_workingset_refault_file];
	return cg_known(anon) && cg_known(file) ? anon + file : CG_UNKNOWN;
}

static bool rc_gone(const struct rc_target *t)
{
	struct stat st;

	return stat(t->ref.path, &st) != 0;
}

static void rc_journal_remove(struct rc_target *t);

int rc_restore(struct rc_target *t)
{
	char now[64];
	int ret = 0;

	if (!t->limit_lowered)
		return 0;
	for (int i = 0; i < 10; i++) {
		ret = write_file_str(t->limit_path, t->orig_limit);
		if (ret == -ENOENT || ret == -ENODEV || rc_gone(t)) {
			t->limit_lowered = false;	/* nothing left to restore */
			rc_journal_remove(t);
			return 0;
		}
		if (!ret && read_file_str(t->limit_path, now, sizeof(now)) >= 0 &&
		    !strcmp(now, t->orig_limit)) {
			t->limit_lowered = false;
			rc_journal_remove(t);
			return 0;
		}
		if (!ret)
			ret = -EIO;	/* wrote, but it reads back differently */
		usleep(10000);
	}
	return ret;
}

/* ---- v1: one lowerer per cgroup, and a journal of the limit ---------- */

int rc_state_dir_open(const char *path, uid_t owner, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd;

	if (!slash || (size_t)(slash - path) >= sizeof(parent)) {
		snprintf(err, errlen, "%s: not an absolute path", path);
		return -EINVAL;
	}
	snprintf(parent, sizeof(parent), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	/* whoever may rename entries of the parent could swap ours for theirs */
	if (stat(parent, &st)) {
		snprintf(err, errlen, "%s: %s", parent, strerror(errno));
		return -errno;
	}
	if ((st.st_uid != 0 && st.st_uid != owner) ||
	    ((st.st_mode & 0022) && !(st.st_mode & S_ISVTX))) {
		snprintf(err, errlen, "%s: writable by others (owner uid %u, mode %04o): "
			 "refusing to keep state in it", parent, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	if (mkdir(path, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create it: %s", path, strerror(errno));
		return -errno;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, e == ELOOP || e == ENOTDIR ?
			 "not a directory but a link or a file: refusing it" : strerror(e));
		return -e;
	}
	if (fstat(fd, &st) || st.st_uid != owner || (st.st_mode & 077)) {
		snprintf(err, errlen, "%s: owned by uid %u with mode %04o, not by uid %u with "
			 "mode 0700: refusing it (someone else made it; remove it)", path,
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)owner);
		close(fd);
		return -EPERM;
	}
	return fd;
}

int rc_journal_parse(const char *text, char *limit, size_t len, long *pid)
{
	const char *l = strstr(text, "\nlimit "), *p = strstr(text, "\npid ");
	size_t n;

	if (strncmp(text, "memcgctl reclaim journal 1\n", 27) || !l || !p)
		return -EINVAL;
	l += 7;
	n = strcspn(l, "\n");
	if (!n || n >= len || l[n] != '\n' || strspn(l, "0123456789") != n)
		return -EINVAL;
	memcpy(limit, l, n);
	limit[n] = '\0';
	*pid = strtol(p + 5, NULL, 10);
	return 0;
}

static void rc_state_name(const struct rc_target *t, char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "reclaim-%llu.%s", (unsigned long long)t->ref.id, what);
}

/* Durable before the first lowering write: written, fsynced, renamed into place. */
static int rc_journal_write(struct rc_target *t)
{
	char tmp[64], name[64], buf[PATH_MAX + 160];
	int fd, len, ret = 0;

	rc_state_name(t, tmp, sizeof(tmp), "journal.new");
	rc_state_name(t, name, sizeof(name), "journal");
	len = snprintf(buf, sizeof(buf), "memcgctl reclaim journal 1\nlimit %s\npid %d\npath %s\n",
		       t->orig_limit, (int)getpid(), t->limit_path);
	fd = openat(t->state_dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, buf, len) != len || fsync(fd))
		ret = errno ? -errno : -EIO;
	close(fd);
	if (!ret && renameat(t->state_dfd, tmp, t->state_dfd, name))
		ret = -errno;
	if (!ret && fsync(t->state_dfd))
		ret = -errno;
	if (ret)
		unlinkat(t->state_dfd, tmp, 0);
	else
		t->journaled = true;
	return ret;
}

static void rc_journal_remove(struct rc_target *t)
{
	char name[64];

	if (!t->journaled)
		return;
	rc_state_name(t, name, sizeof(name), "journal");
	unlinkat(t->state_dfd, name, 0);
	fsync(t->state_dfd);
	t->journaled = false;
}

/*
 * With the lock held: a journal left behind is a run that died with the
 * limit lowered (a live one would hold the lock).  Put its limit back,
 * unless someone raised the limit since, and say so.
 */
static int rc_journal_recover(struct rc_target *t)
{
	char name[64], text[PATH_MAX + 160], orig[64], now[64];
	uint64_t o, n;
	struct stat st;
	long pid = 0;
	int fd, len, ret;

	rc_state_name(t, name, sizeof(name), "journal");
	fd = openat(t->state_dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	len = fstat(fd, &st) || !S_ISREG(st.st_mode) ? -1 : read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len < 0 || (text[len] = '\0', rc_journal_parse(text, orig, sizeof(orig), &pid))) {
		fprintf(stderr, "%s: reclaim: %s/%s: not a journal memcgctl wrote: removed\n",
			prog_name, RC_STATE_DIR, name);
		unlinkat(t->state_dfd, name, 0);
		return 0;
	}
	ret = read_file_str(t->limit_path, now, sizeof(now));
	if (ret < 0)
		return ret;
	o = strtoull(orig, NULL, 10);
	n = strtoull(now, NULL, 10);
	t->journaled = true;	/* ours to remove now */
	if (n >= o) {
		if (n > o)
			fprintf(stderr, "%s: reclaim: %s: a reclaim (pid %ld) was killed with "
				"memory.limit_in_bytes lowered from %s; it is %s now, raised since: "
				"left as it is\n", prog_name, esc(t->ref.rel), pid, orig, now);
		rc_journal_remove(t);
		return 0;
	}
	snprintf(t->orig_limit, sizeof(t->orig_limit), "%s", orig);
	t->limit_lowered = true;
	ret = rc_restore(t);
	if (ret)
		return ret;
	t->repaired = true;
	fprintf(stderr, "%s: reclaim: %s: restored memory.limit_in_bytes to %s (it was %s): a "
		"reclaim (pid %ld) was killed before it could put it back\n", prog_name,
		esc(t->ref.rel), orig, now, pid);
	return 0;
}

/* The lock file, created if missing; never a link, always a regular file. */
static int rc_lock_open(struct rc_target *t)
{
	char name[64];
	struct stat st;

	rc_state_name(t, name, sizeof(name), "lock");
	t->lock_fd = openat(t->state_dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (t->lock_fd < 0)
		return -errno;
	if (fstat(t->lock_fd, &st) || !S_ISREG(st.st_mode)) {
		close(t->lock_fd);
		t->lock_fd = -1;
		return -EINVAL;
	}
	return 0;
}

/* Is the lock we hold still on the file by that name (not unlinked by its last user)? */
static bool rc_lock_current(const struct rc_target *t)
{
	struct stat a, b;
	char name[64];

	rc_state_name(t, name, sizeof(name), "lock");
	return !fstat(t->lock_fd, &a) &&
	       !fstatat(t->state_dfd, name, &b, AT_SYMLINK_NOFOLLOW) &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Take the cgroup's lock (waiting for another reclaim if need be) and recover. */
static int rc_v1_lock(struct rc_target *t, bool wait)
{
	char pid[24] = "";
	int ret, n;

	for (;;) {
		if (t->lock_fd < 0 && (ret = rc_lock_open(t)))
			return ret;
		if (flock(t->lock_fd, LOCK_EX | LOCK_NB)) {
			if (errno != EWOULDBLOCK)
				return -errno;
			if (!wait)
				return -EWOULDBLOCK;
			n = pread(t->lock_fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			p_info("reclaim: %s: waiting for pid %s, which is reclaiming from it",
			       t->ref.rel, pid[0] ? pid : "?");
			/* no SA_RESTART: a signal ends the wait with EINTR */
			if (flock(t->lock_fd, LOCK_EX))
				return -errno;
		}
		if (rc_lock_current(t))
			break;
		/* its holder removed the file as it finished: lock the new one */
		close(t->lock_fd);
		t->lock_fd = -1;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(t->lock_fd, 0) || pwrite(t->lock_fd, pid, n, 0) != n)
		p_debug("reclaim: lock file: %s", strerror(errno));
	ret = t->journaled ? 0 : rc_journal_recover(t);
	if (ret)
		flock(t->lock_fd, LOCK_UN);
	return ret;
}

static void rc_v1_unlock(struct rc_target *t)
{
	flock(t->lock_fd, LOCK_UN);
}

void rc_v1_release(struct rc_target *t)
{
	char name[64];

	if (t->lock_fd >= 0) {
		/* nobody waits and nothing is to be repaired: leave nothing in the state dir */
		if (!t->journaled && !flock(t->lock_fd, LOCK_EX | LOCK_NB) && rc_lock_current(t)) {
			rc_state_name(t, name, sizeof(name), "lock");
			unlinkat(t->state_dfd, name, 0);
		}
		close(t->lock_fd);
		t->lock_fd = -1;
	}
	if (t->state_dfd >= 0)
		close(t->state_dfd);
	t->state_dfd = -1;
}

int rc_v1_prepare(struct rc_target *t)
{
	char err[PATH_MAX + 200];
	int ret;

	t->state_dfd = rc_state_dir_open(RC_STATE_DIR, 0, err, sizeof(err));
	if (t->state_dfd < 0) {
		p_err("reclaim: %s", err);
		p_hint("the v1 emulation records the limit it lowers there, to put it back "
		       "after a crash");
		return t->state_dfd == -EPERM || t->state_dfd == -EACCES ||
		       t->state_dfd == -ELOOP || t->state_dfd == -ENOTDIR ? EXIT_PERM : EXIT_RUNTIME;
	}
	ret = rc_lock_open(t);
	if (ret) {
		p_err("reclaim: %s/reclaim-%llu.lock: %s", RC_STATE_DIR,
		      (unsigned long long)t->ref.id,
		      ret == -EINVAL ? "not a regular file" : strerror(-ret));
		return EXIT_RUNTIME;
	}
	/* busy: its holder is alive and restores its own; a dead one's journal waits for our step */
	ret = rc_v1_lock(t, false);
	if (ret == -EWOULDBLOCK)
		return 0;
	if (ret) {
		p_err("reclaim: %s: repairing the limit a killed reclaim left: %s", t->limit_path,
		      strerror(-ret));
		return EXIT_RUNTIME;
	}
	rc_v1_unlock(t);
	return 0;
}

/* ---- OOM kills --------------------------------------------------------- */

static uint64_t rc_oom_kills_at(const struct cg_env *env, const char *path)
{
	struct cg_mem m;
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return CG_UNKNOWN;
	cg_mem_unknown(&m);
	cg_read_mem_at(env, dfd, -1, CG_RD_EVENTS, &m);
	close(dfd);
	return m.events[CG_EV_oom_kill];
}

struct rc_oom_sum {
	const struct cg_env *env;
	uint64_t sum;
};

static int rc_oom_add(const struct cg_ref *ref, int depth, void *ctx)
{
	struct rc_oom_sum *s = ctx;
	uint64_t v = rc_oom_kills_at(s->env, ref->path);

	(void)depth;
	if (cg_known(v))
		s->sum += v;
	return 0;
}

uint64_t rc_oom_kills(const struct rc_target *t)
{
	struct rc_oom_sum s = { .env = &t->env };

	/* v2's memory.events counts the subtree; v1 counts a kill in the victim's cgroup only */
	s.sum = rc_oom_kills_at(&t->env, t->ref.path);
	if (!cg_known(s.sum))
		return CG_UNKNOWN;
	if (t->v1)
		cg_walk(&t->env, &t->ref, 0, rc_oom_add, &s);
	return s.sum;
}

static enum rc_result rc_errno_result(const struct rc_target *t, int ret, int *err)
{
	*err = -ret;
	if (ret == -EINTR)
		return RC_INTERRUPTED;
	if (ret == -ENOENT || ret == -ENODEV || rc_gone(t))
		return RC_VANISHED;
	return RC_ERROR;
}

/* Tests only: hold each step this long, so that a signal reliably lands mid-run. */
static unsigned long rc_test_pause_ms(void)
{
	const char *s = getenv("MEMCGCTL_TEST_STEP_PAUSE_MS");

	return s ? strtoul(s, NULL, 10) % 10000 : 0;
}

/*
 * v1: walk the limit down from usage towards usage - bytes.  Each write
 * makes the kernel reclaim in our context until usage fits; EBUSY means it
 * found nothing more.  Steps keep each write short (signals are seen
 * between them) and stop at the first EBUSY.
 */
static enum rc_result rc_reclaim_v1(struct rc_target *t, uint64_t bytes, int *err)
{
	uint64_t usage, goal, step;
	unsigned long test_pause_ms = 0;
	enum rc_result res = RC_DONE;
	char buf[32];
	int ret;

	ret = rc_v1_lock(t, true);
	if (ret)
		return rc_errno_result(t, ret, err);
	if (!t->limit_lowered) {
		ret = read_file_str(t->limit_path, t->orig_limit, sizeof(t->orig_limit));
		if (ret < 0) {
			rc_v1_unlock(t);
			return rc_errno_result(t, ret, err);
		}
	}
	usage = rc_usage(t);
	if (!cg_known(usage)) {
		rc_v1_unlock(t);
		return RC_VANISHED;
	}
	/* on disk before the limit moves: a SIGKILL from here on is repaired next time */
	if (!t->journaled) {
		ret = rc_journal_write(t);
		if (ret) {
			rc_v1_unlock(t);
			*err = -ret;
			return RC_ERROR;
		}
	}
	goal = usage > bytes ? usage - bytes : 0;
	test_pause_ms = rc_test_pause_ms();	/* tests: hold each lowered step */
	step = t->step_bytes ? t->step_bytes : bytes / 8;
	if (step < (1 << 20))
		step = 1 << 20;

	for (;;) {
		uint64_t next;

		if (stopsig) {
			res = RC_INTERRUPTED;
			break;
		}
		usage = rc_usage(t);
		if (!cg_known(usage)) {
			res = RC_VANISHED;
			break;
		}
		if (usage <= goal)
			break;
		next = usage - goal > step ? usage - step : goal;
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)next);
		p_debug("reclaim: step: memory.limit_in_bytes %s (usage %llu)", buf,
			(unsigned long long)usage);
		t->limit_lowered = true;
		ret = write_file_str(t->limit_path, buf);
		if (ret == -EBUSY) {
			res = RC_PARTIAL;
			break;
		}
		if (ret) {
			res = rc_errno_result(t, ret, err);
			break;
		}
		if (test_pause_ms)
			usleep(test_pause_ms * 1000);	/* a signal cuts it short */
	}
	ret = rc_restore(t);
	rc_v1_unlock(t);
	if (ret && res != RC_VANISHED) {
		*err = -ret;
		return RC_ERROR;
	}
	return res;
}

/*
 * v2: memory.reclaim, in one write, or in writes of at most --step bytes
 * (a signal is then also seen between them).  The kernel reclaims in our
 * context, answers EAGAIN when it could not take it all, and EINTR when a
 * signal arrives.  Nothing persistent is written: memory.max and
 * memory.high are never touched on v2.
 */
static enum rc_result rc_reclaim_v2(struct rc_target *t, uint64_t bytes, int *err)
{
	char path[PATH_MAX + 32], buf[64];
	unsigned long test_pause_ms = rc_test_pause_ms();
	uint64_t left = bytes, step = t->step_bytes ? t->step_bytes : bytes;
	int ret;

	snprintf(path, sizeof(path), "%s/memory.reclaim", t->ref.path);
	while (left) {
		uint64_t n = left < step ? left : step;

		if (stopsig)
			return RC_INTERRUPTED;
		snprintf(buf, sizeof(buf), "%llu%s", (unsigned long long)n, t->swap_arg);
		p_debug("reclaim: step: memory.reclaim %s", buf);
		ret = write_file_str(path, buf);
		if (ret == -EAGAIN)
			return RC_PARTIAL;
		if (ret)
			return rc_errno_result(t, ret, err);
		left -= n;
		if (left && test_pause_ms)
			usleep(test_pause_ms * 1000);	/* a signal cuts it short */
	}
	return RC_DONE;
}

enum rc_result rc_reclaim(struct rc_target *t, uint64_t bytes, int *err)
{
	*err = 0;
	if (stopsig)
		return RC_INTERRUPTED;
	return t->v1 ? rc_reclaim_v1(t, bytes, err) : rc_reclaim_v2(t, bytes, err);
}

/* ---- BPF ------------------------------------------------------------- */

/*
 * The hooks reclaim's programs use on this kernel, chosen before load
 * (bpf/memcg.bpf.h handles the differences inside the programs).
 * pgscan/pgsteal come through count_memcg_events where they are vm
 * events and through mod_memcg_lruvec_state where they are node stats
 * (7.1+); what is missing degrades to cgroupfs numbers.  Returns 0 when
 * every hook is there, 1 when some are not (why says which).
 */
int reclaim_choose_hooks(struct reclaim_bpf *skel, char *why, size_t len)
{
	enum memcg_scan_via via = memcg_hooks_scan_via(NULL, 0);
	bool thr, lru;

	skel->rodata->memcg_page_shift = memcg_hooks_page_shift();
	bpf_program__set_autoload(skel->progs.reclaim_memcg_events, via == MEMCG_SCAN_VM_EVENTS);
	lru = bpf_prog_autoload_if_tp(skel->progs.reclaim_lruvec_state, "memcg",
				      "mod_memcg_lruvec_state");
	thr = bpf_prog_autoload_if_tp(skel->progs.reclaim_throttled, "vmscan",
				      "mm_vmscan_throttled");
	if (why && len) {
		char scan[160];

		memcg_hooks_scan_via(scan, sizeof(scan));
		snprintf(why, len, "%s%s%s%s", via == MEMCG_SCAN_NONE ? scan : "",
			 !lru ? (via == MEMCG_SCAN_NONE ? "; " : "") : "",
			 !lru ? "no memcg:mod_memcg_lruvec_state (refaults)" : "",
			 !thr ? "; no vmscan:mm_vmscan_throttled" : "");
	}
	return via == MEMCG_SCAN_NONE || !lru || !thr;
}

/*
 * Open and load the programs for t, attach none.  The memcg:* hooks fire
 * on every memcg statistics update and event (several times per page
 * fault): they cost the whole machine while attached, so callers attach
 * only around the reclaim they measure.  `refaults`: load the workingset
 * refault hook at all (one-shot reports refaults during the request;
 * --auto reads them from memory.stat between steps instead).
 */
int rc_bpf_load(struct rc_target *t, bool refaults, struct reclaim_bpf **out)
{
	struct reclaim_bpf *skel;
	int err;

	*out = NULL;
	err = bpf_check_privileges("reclaim");
	if (err)
		return err;
	skel = reclaim_bpf__open();
	if (!skel)
		return bpf_report_failure("reclaim", "open", -errno);
	skel->rodata->target_id = t->ref.id;
	skel->rodata->reclaimer_tgid = getpid();
	reclaim_choose_hooks(skel, NULL, 0);
	/* the lruvec hook stays for pgscan where it carries it (7.1+) */
	if (!refaults && memcg_hooks_scan_via(NULL, 0) != MEMCG_SCAN_LRUVEC)
		bpf_program__set_autoload(skel->progs.reclaim_lruvec_state, false);
	err = reclaim_bpf__load(skel);
	if (err) {
		reclaim_bpf__destroy(skel);
		return bpf_report_failure("reclaim", "load", err);
	}
	*out = skel;
	return 0;
}

/* Attach every loaded program; 0 or an exit code (reported). */
int rc_bpf_attach(struct reclaim_bpf *skel)
{
	int err = reclaim_bpf__attach(skel);

	if (err) {
		reclaim_bpf__detach(skel);
		return bpf_report_failure("reclaim", "attach", err);
	}
	return 0;
}

/* Detach them all (the counters stay readable). */
void rc_bpf_detach(struct reclaim_bpf *skel)
{
	reclaim_bpf__detach(skel);
}

int rc_bpf_start(struct rc_target *t, struct reclaim_bpf **out)
{
	int err = rc_bpf_load(t, true, out);

	if (!err && (err = rc_bpf_attach(*out))) {
		reclaim_bpf__destroy(*out);
		*out = NULL;
	}
	return err;
}

void rc_bpf_snapshot(struct reclaim_bpf *skel, struct reclaim_counters *c)
{
	memcpy(c, (const void *)&skel->bss->reclaim_stats, sizeof(*c));
}

void rc_bpf_stop(struct reclaim_bpf *skel)
{
	reclaim_bpf__destroy(skel);
}

void rc_counters_sub(struct reclaim_counters *c, const struct reclaim_counters *a,
		     const struct reclaim_counters *b)
{
	const __u64 *pa = (const __u64 *)a, *pb = (const __u64 *)b;
	__u64 *pc = (__u64 *)c;

	/* the struct is nothing but __u64 counters */
	for (size_t i = 0; i < sizeof(*c) / sizeof(__u64); i++)
		pc[i] = pa[i] - pb[i];
}

bool rc_have_memcg_events(struct reclaim_bpf *skel)
{
	if (memcg_hooks_scan_via(NULL, 0) == MEMCG_SCAN_LRUVEC)
		return bpf_program__autoload(skel->progs.reclaim_lruvec_state);
	return bpf_program__autoload(skel->progs.reclaim_memcg_events);
}

bool rc_have_refaults(struct reclaim_bpf *skel)
{
	return bpf_program__autoload(skel->progs.reclaim_lruvec_state);
}

/*
 * feature's probe: reclaim's programs as a one-shot run loads and attaches
 * them (refault hook included), on the memory root; nothing is reclaimed.
 */
int reclaim_probe(struct cmd_probe *p)
{
	struct reclaim_bpf *skel;
	struct rc_target t = { 0 };
	char err[256];
	int ret;

	if (cg_env_init(&t.env, NULL, gopts.cgroup_root, gopts.psi_root, err, sizeof(err)) ||
	    cg_ref_from_path(&t.env, t.env.mem_root, &t.ref)) {
		cmd_probe_fail(p, -ENOENT, "no memory hierarchy");
		return p->err;
	}
	ret = rc_bpf_start(&t, &skel);
	if (ret) {
		cmd_probe_fail(p, -EINVAL, "%s", "");
		return p->err;
	}
	if (!rc_have_memcg_events(skel))
		cmd_probe_lost(p, "no memcg:count_memcg_events: scan/steal come from memory.stat");
	if (!rc_have_refaults(skel))
		cmd_probe_lost(p, "no memcg:mod_memcg_lruvec_state: refaults come from memory.stat");
	rc_bpf_stop(skel);
	return 0;
}

/* ---- arguments ------------------------------------------------------- */

int rc_parse_psi_target(const char *s, double *frac, uint64_t *us)
{
	size_t l = s ? strlen(s) : 0;
	uint64_t ns;
	uint32_t centi;

	*frac = 0;
	*us = 0;
	if (!l)
		return -EINVAL;
	if (s[l - 1] == '%') {
		if (parse_percent(s, &centi) || !centi)
			return -EINVAL;
		*frac = centi / 10000.0;
		return 0;
	}
	if (parse_duration(s, &ns) || ns < 1000)
		return -EINVAL;
	*us = ns / 1000;
	return 0;
}

int rc_parse_amount(const char *s, uint64_t usage, uint64_t *bytes)
{
	size_t l = s ? strlen(s) : 0;

	if (!l)
		return -EINVAL;
	if (s[l - 1] == '%') {
		uint32_t centi;
		int ret = parse_percent(s, &centi);

		if (ret)
			return ret;
		*bytes = (uint64_t)((long double)usage * centi / 10000.0L);
		return 0;
	}
	return parse_size(s, bytes);
}

enum {
	OPT_SWAPPINESS = 0x100, OPT_FILE_ONLY, OPT_ANON_ONLY, OPT_FORCE, OPT_AUTO,
	OPT_PSI_TARGET, OPT_INTERVAL, OPT_MAX_STEP, OPT_MIN_SIZE, OPT_MAX_SIZE,
	OPT_MODE, OPT_DURATION, OPT_STEP,
};

static const struct argp_option rc_options[] = {
	{ 0, 0, 0, 0, "One-shot (CGROUP AMOUNT):", 1 },
	{ "swappiness", OPT_SWAPPINESS, "N", 0,
	  "v2 (6.12+): balance anon/file like swappiness N (0-200) for this request", 1 },
	{ "file-only", OPT_FILE_ONLY, 0, 0,
	  "v2 (6.12+): reclaim file-backed page cache only (swappiness=0)", 1 },
	{ "anon-only", OPT_ANON_ONLY, 0, 0,
	  "v2 (6.12+): reclaim swap-backed memory (anon, shmem) only", 1 },
	{ "force", OPT_FORCE, 0, 0, "allow the root cgroup", 1 },
	{ "step", OPT_STEP, "SIZE", 0,
	  "at most SIZE per write (v1: default AMOUNT/8, >= 1M; v2: default one write)", 1 },
	{ 0, 0, 0, 0, "Closed loop (CGROUP --auto):", 2 },
	{ "auto", OPT_AUTO, 0, 0, "reclaim gradually while memory pressure stays low", 2 },
	{ "mode", OPT_MODE, "MODE", 0, "memcgctl (default) or senpai", 2 },
	{ "psi-target", OPT_PSI_TARGET, "P", 0,
	  "PSI some stall target: a % of the interval, or a time per interval "
	  "(memcgctl 0.1%, senpai 10ms per 6s)", 2 },
	{ "interval", OPT_INTERVAL, "DUR", 0, "time between steps (memcgctl 2s, senpai 6s)", 2 },
	{ "max-step", OPT_MAX_STEP, "SIZE|%", 0,
	  "largest single step (memcgctl 10% of usage; senpai: its max_probe, 1%)", 2 },
	{ "min-size", OPT_MIN_SIZE, "SIZE", 0, "never reclaim below this usage (memcgctl 0, senpai 100M)", 2 },
	{ "max-size", OPT_MAX_SIZE, "SIZE", 0, "senpai: upper bound of its limit (100G)", 2 },
	{ "duration", OPT_DURATION, "DUR", 0, "stop after this long (default: until signalled)", 2 },
	{ 0 },
};

/* An option with a value: checked here, stored in a.  0, EINVAL or ARGP_ERR_UNKNOWN. */
static error_t rc_parse_value(struct rc_args *a, int key, char *arg)
{
	uint64_t v;

	switch (key) {
	case OPT_SWAPPINESS:
		if (parse_u64(arg, 200, &v)) {
			p_err("reclaim: --swappiness '%s': expected 0 to 200", arg);
			return EINVAL;
		}
		a->swappiness = (int)v;
		break;
	case OPT_STEP:
		if (parse_size(arg, &a->step) || a->step == 0) {
			p_err("reclaim: --step '%s': expected a size above 0 (4M, 1.5G)", arg);
			return EINVAL;
		}
		break;
	case OPT_MODE:
		if (!strcmp(arg, "memcgctl"))
			a->mode = RC_MODE_MEMCGCTL;
		else if (!strcmp(arg, "senpai"))
			a->mode = RC_MODE_SENPAI;
		else {
			p_err("reclaim: --mode '%s': expected memcgctl or senpai", arg);
			return EINVAL;
		}
		break;
	case OPT_PSI_TARGET: a->psi_target = arg; break;
	case OPT_INTERVAL:
		if (parse_duration(arg, &a->interval_ns) || a->interval_ns < 10000000ULL ||
		    a->interval_ns > 3600ULL * 1000000000ULL) {
			p_err("reclaim: --interval '%s': expected a duration from 10ms to 1h", arg);
			return EINVAL;
		}
		break;
	case OPT_MAX_STEP: a->max_step = arg; break;
	case OPT_MIN_SIZE:
		if (parse_size(arg, &a->min_size)) {
			p_err("reclaim: --min-size '%s': expected a size (100M, 1G)", arg);
			return EINVAL;
		}
		break;
	case OPT_MAX_SIZE:
		if (parse_size(arg, &a->max_size) || !a->max_size) {
			p_err("reclaim: --max-size '%s': expected a size above 0", arg);
			return EINVAL;
		}
		break;
	case OPT_DURATION:
		if (parse_duration(arg, &a->duration_ns) || !a->duration_ns) {
			p_err("reclaim: --duration '%s': expected a duration above 0 (30s, 2m)", arg);
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* CGROUP, then AMOUNT. */
static error_t rc_parse_operand(struct rc_args *a, char *arg)
{
	if (!a->cgroup)
		a->cgroup = arg;
	else if (!a->amount)
		a->amount = arg;
	else {
		p_err("reclaim: unexpected argument '%s'", arg);
		return EINVAL;
	}
	return 0;
}

/* AMOUNT or --auto, one of them; AMOUNT's syntax now, its size against usage once read. */
static error_t rc_check_amount(const struct rc_args *a)
{
	uint64_t b;

	if (!a->auto_mode && !a->amount) {
		p_err("reclaim: missing AMOUNT (a size like 64M, or a %% of usage like 20%%), or --auto");
		return EINVAL;
	}
	if (a->auto_mode && a->amount) {
		p_err("reclaim: AMOUNT '%s' and --auto exclude each other", a->amount);
		return EINVAL;
	}
	if (!a->amount)
		return 0;
	if (rc_parse_amount(a->amount, 1ULL << 40, &b)) {
		p_err("reclaim: AMOUNT '%s': expected a size (64M, 1.5G) or a "
		      "%% of usage (25%%)", a->amount);
		return EINVAL;
	}
	if (b == 0) {
		p_err("reclaim: AMOUNT '%s' is zero: nothing to do", a->amount);
		return EINVAL;
	}
	return 0;
}

/* The options kept as text until the end: --psi-target, --max-step. */
static error_t rc_check_auto_opts(const struct rc_args *a)
{
	if (a->psi_target) {
		double f;
		uint64_t us;

		if (rc_parse_psi_target(a->psi_target, &f, &us)) {
			p_err("reclaim: --psi-target '%s': expected a percentage of the "
			      "interval above 0 (0.1%%) or a stall time per interval (10ms)",
			      a->psi_target);
			return EINVAL;
		}
	}
	if (a->max_step) {
		uint64_t b;

		if (rc_parse_amount(a->max_step, 1ULL << 40, &b) || !b) {
			p_err("reclaim: --max-step '%s': expected a size (32M) or a %% of "
			      "usage (10%%) above 0", a->max_step);
			return EINVAL;
		}
	}
	return 0;
}

/* After the last argument: what is missing, malformed or excludes something else. */
static error_t rc_check_args(const struct rc_args *a)
{
	error_t ret;

	if (!a->cgroup) {
		p_err("reclaim: missing CGROUP");
		return EINVAL;
	}
	ret = rc_check_amount(a);
	if (!ret)
		ret = rc_check_auto_opts(a);
	if (ret)
		return ret;
	if (a->file_only && a->anon_only) {
		p_err("reclaim: --file-only and --anon-only exclude each other");
		return EINVAL;
	}
	if ((a->file_only || a->anon_only) && a->swappiness >= 0) {
		p_err("reclaim: --swappiness and --%s-only exclude each other",
		      a->file_only ? "file" : "anon");
		return EINVAL;
	}
	return 0;
}

static error_t rc_parse(int key, char *arg, struct argp_state *state)
{
	struct rc_args *a = state->input;

	switch (key) {
	case OPT_FILE_ONLY: a->file_only = true; break;
	case OPT_ANON_ONLY: a->anon_only = true; break;
	case OPT_FORCE: a->force = true; break;
	case OPT_AUTO: a->auto_mode = true; break;
	case ARGP_KEY_ARG:
		return rc_parse_operand(a, arg);
	case ARGP_KEY_END:
		if (state->argc >= 2 && (!strcmp(state->argv[state->argc - 1], "--help") ||
					 !strcmp(state->argv[state->argc - 1], "--usage")))
			break;	/* argp printed what was asked; nothing to check */
		return rc_check_args(a);
	default:
		return rc_parse_value(a, key, arg);
	}
	return 0;
}

static const struct argp rc_argp = {
	rc_options, rc_parse, "CGROUP AMOUNT\nCGROUP --auto",
	"Proactively reclaim memory from a cgroup and report what the kernel really "
	"did, measured by BPF: pages scanned and reclaimed, anon vs file, time, and "
	"the stalls and refaults it caused. AMOUNT is a size (64M) or a percentage of "
	"current usage (25%). With --auto, reclaim gradually while the cgroup's memory "
	"pressure stays under a target, backing off when pressure or refaults rise.\v"
	"cgroup v2 uses memory.reclaim. cgroup v1 has none: memcgctl lowers "
	"memory.limit_in_bytes below usage in steps, which makes the kernel reclaim, "
	"and always writes the original limit back (also on errors and signals); one "
	"reclaim at a time per cgroup (a second one waits), and the original limit is "
	"journaled under /run/memcgctl so that the next run repairs it after a SIGKILL.\n"
	"Exit: 0 done, 2 usage, 3 no such memory cgroup, 4 permission, 5 unsupported, "
	"7 cgroup vanished, 8 partial (the kernel reclaimed less than asked, a signal "
	"interrupted it, or a process was OOM-killed in the cgroup meanwhile).", 0, 0, 0
};

/* Check everything about the request that does not need the kernel's consent. */
static int rc_setup(struct rc_target *t, const struct rc_args *a)
{
	static char swap_arg[32];
	char err[PATH_MAX + 128];
	int ret;

	ret = rc_target_init(t, a->cgroup, err, sizeof(err));
	if (ret == -ENODEV) {
		p_err("reclaim: %s", err);
		p_hint("mount the memory controller (cgroup v2, or v1 'memory') or pass --cgroup-root");
		return EXIT_UNSUPPORTED;
	}
	if (ret) {
		p_err("reclaim: %s", err);
		return ret == -EINVAL ? EXIT_USAGE : EXIT_NOCGROUP;
	}
	if (!strcmp(t->ref.rel, "/")) {
		if (!a->force) {
			p_err("reclaim: refusing to reclaim from the root cgroup (the whole machine)");
			p_hint("pass --force if that is really what you want");
			return EXIT_USAGE;
		}
		if (t->v1) {
			p_err("reclaim: the root memory cgroup cannot be reclaimed on cgroup v1 "
			      "(it has no limit to lower)");
			return EXIT_UNSUPPORTED;
		}
	}
	if (a->swappiness >= 0 || a->file_only || a->anon_only) {
		const char *opt = a->file_only ? "--file-only" : a->anon_only ? "--anon-only" :
				  "--swappiness";

		if (t->v1) {
			p_err("reclaim: %s needs cgroup v2's memory.reclaim; the v1 emulation "
			      "reclaims with the cgroup's own memory.swappiness", opt);
			return EXIT_UNSUPPORTED;
		}
		if (probe_get(PROBE_RECLAIM_SWAPPINESS, NULL) != PROBE_YES) {
			p_err("reclaim: %s: this kernel's memory.reclaim takes no swappiness= "
			      "(6.12+)", opt);
			p_hint("run without it: the kernel then balances anon and file itself");
			return EXIT_UNSUPPORTED;
		}
		if (a->file_only)
			snprintf(swap_arg, sizeof(swap_arg), " swappiness=0");
		else if (a->anon_only)
			snprintf(swap_arg, sizeof(swap_arg), " swappiness=%s",
				 btf_has_enumerator("MEMORY_RECLAIM_SWAPPINESS_MAX") ? "max" : "200");
		else
			snprintf(swap_arg, sizeof(swap_arg), " swappiness=%d", a->swappiness);
		t->swap_arg = swap_arg;
	}
	if (!t->v1 && probe_get(PROBE_MEM_RECLAIM, NULL) != PROBE_YES) {
		p_err("reclaim: %s/memory.reclaim is missing (kernel older than 5.19)", t->ref.path);
		return EXIT_UNSUPPORTED;
	}
	if (t->v1 && access(t->limit_path, W_OK)) {
		p_err("reclaim: %s: %s", t->limit_path, strerror(errno));
		return errno == EACCES || errno == EPERM ? EXIT_PERM : EXIT_NOCGROUP;
	}
	if (t->v1) {
		ret = rc_v1_prepare(t);
		if (ret)
			return ret;
	}
	t->step_bytes = a->step;
	return 0;
}

/* ---- one-shot report ------------------------------------------------- */

struct rc_report {
	uint64_t requested, before, after, duration_ns;
	uint64_t psi_some, psi_full;	/* deltas in us, CG_UNKNOWN if none */
	uint64_t refaults;		/* pages, CG_UNKNOWN if unknown */
	uint64_t oom_kills;		/* in the subtree while it ran, CG_UNKNOWN if unknown */
	struct reclaim_counters d;
	bool memcg_events;		/* d.memcg_* are valid */
	enum rc_result result;
	int err;
};

static uint64_t sum2(const __u64 v[2]) { return v[0] + v[1]; }

/* Pages reclaimed from the subtree, by anyone, as BPF saw them. */
static uint64_t rep_reclaimed(const struct rc_report *r)
{
	if (r->memcg_events)
		return r->d.memcg_steal;
	return sum2(r->d.who[RC_OURS].reclaimed) + sum2(r->d.who[RC_WORKLOAD].reclaimed);
}

static uint64_t rep_scanned(const struct rc_report *r)
{
	if (r->memcg_events)
		return r->d.memcg_scan;
	return sum2(r->d.who[RC_OURS].scanned) + sum2(r->d.who[RC_WORKLOAD].scanned);
}

static bool rep_oom(const struct rc_report *r)
{
	return cg_known(r->oom_kills) && r->oom_kills;
}

static void json_who(struct json_writer *w, const char *name, const struct reclaim_who *s,
		     bool workload)
{
	jsonw_name(w, name);
	jsonw_start_object(w);
	jsonw_u64_field(w, "scanned_anon_pages", s->scanned[RC_ANON]);
	jsonw_u64_field(w, "scanned_file_pages", s->scanned[RC_FILE]);
	jsonw_u64_field(w, "reclaimed_anon_pages", s->reclaimed[RC_ANON]);
	jsonw_u64_field(w, "reclaimed_file_pages", s->reclaimed[RC_FILE]);
	jsonw_u64_field(w, "passes", s->passes);
	jsonw_u64_field(w, "time_ns", s->time_ns);
	if (workload) {
		jsonw_u64_field(w, "direct_reclaims", s->direct);
		jsonw_u64_field(w, "direct_time_ns", s->direct_ns);
	}
	jsonw_u64_field(w, "throttle_events", s->throttled);
	jsonw_u64_field(w, "throttled_us", s->throttled_us);
	jsonw_end_object(w);
}

static void json_maybe(struct json_writer *w, const char *name, uint64_t v)
{
	if (cg_known(v))
		jsonw_u64_field(w, name, v);
	else
		jsonw_null_field(w, name);
}

static void rc_report_json(const struct rc_target *t, const struct rc_report *r)
{
	struct json_writer *w = json_wtr;
	uint64_t page = sysconf(_SC_PAGESIZE), scanned = rep_scanned(r), recl = rep_reclaimed(r);

	jsonw_start_object(w);
	jsonw_float_field(w, "time", clock_real_us() / 1e6, 6);
	jsonw_string_field(w, "cgroup", t->ref.rel);
	jsonw_u64_field(w, "cgroup_id", t->ref.id);
	jsonw_string_field(w, "method", t->v1 ? "v1-limit" : "memory.reclaim");
	jsonw_string_field(w, "result", rc_result_name(r->result));
	jsonw_bool_field(w, "complete", r->result == RC_DONE && !rep_oom(r));
	json_maybe(w, "oom_kills", r->oom_kills);
	if (t->v1)
		jsonw_bool_field(w, "limit_repaired", t->repaired);
	jsonw_u64_field(w, "requested_bytes", r->requested);
	json_maybe(w, "usage_before_bytes", r->before);
	json_maybe(w, "usage_after_bytes", r->after);
	if (cg_known(r->before) && cg_known(r->after))
		jsonw_s64_field(w, "usage_reduction_bytes", (int64_t)r->before - (int64_t)r->after);
	else
		jsonw_null_field(w, "usage_reduction_bytes");
	jsonw_u64_field(w, "reclaimed_bytes", recl * page);
	jsonw_u64_field(w, "reclaimed_pages", recl);
	jsonw_u64_field(w, "scanned_pages", scanned);
	if (scanned)
		jsonw_float_field(w, "efficiency_pct", 100.0 * recl / scanned, 1);
	else
		jsonw_null_field(w, "efficiency_pct");
	jsonw_u64_field(w, "anon_reclaimed_pages",
			r->d.who[RC_OURS].reclaimed[RC_ANON] + r->d.who[RC_WORKLOAD].reclaimed[RC_ANON]);
	jsonw_u64_field(w, "file_reclaimed_pages",
			r->d.who[RC_OURS].reclaimed[RC_FILE] + r->d.who[RC_WORKLOAD].reclaimed[RC_FILE]);
	jsonw_u64_field(w, "duration_ns", r->duration_ns);
	jsonw_u64_field(w, "page_size", page);
	json_who(w, "by_memcgctl", &r->d.who[RC_OURS], false);
	json_who(w, "by_workload", &r->d.who[RC_WORKLOAD], true);
	json_maybe(w, "refault_pages", r->refaults);
	json_maybe(w, "psi_some_us", r->psi_some);
	json_maybe(w, "psi_full_us", r->psi_full);
	jsonw_end_object(w);
}

static const char *pct(char *buf, size_t len, uint64_t a, uint64_t b)
{
	if (!b)
		return "-";
	snprintf(buf, len, "%.1f%%", 100.0 * a / b);
	return buf;
}

static void rc_report_text(const struct rc_target *t, const struct rc_report *r)
{
	char b1[UNITS_BUF], b2[UNITS_BUF], b3[UNITS_BUF], b4[UNITS_BUF], b5[UNITS_BUF];
	uint64_t page = sysconf(_SC_PAGESIZE), scanned = rep_scanned(r), recl = rep_reclaimed(r);
	const struct reclaim_who *o = &r->d.who[RC_OURS], *wl = &r->d.who[RC_WORKLOAD];
	int64_t red = (int64_t)r->before - (int64_t)r->after;

	printf("reclaim %s (%s): %s\n", esc(t->ref.rel), t->v1 ? "v1 limit emulation" : "memory.reclaim",
	       rc_result_name(r->result));
	if (rep_oom(r))
		printf("  OOM kills   %llu in the cgroup while it ran\n",
		       (unsigned long long)r->oom_kills);
	printf("  requested   %s\n", fmt_size(b1, sizeof(b1), r->requested));
	if (cg_known(r->before) && cg_known(r->after))
		printf("  usage       %s -> %s (%s%s)\n", fmt_size(b1, sizeof(b1), r->before),
		       fmt_size(b2, sizeof(b2), r->after), red < 0 ? "+" : "-",
		       fmt_size(b3, sizeof(b3), red < 0 ? -red : red));
	printf("  reclaimed   %s (%llu pages), scanned %llu pages, efficiency %s\n",
	       fmt_size(b1, sizeof(b1), recl * page), (unsigned long long)recl,
	       (unsigned long long)scanned, pct(b2, sizeof(b2), recl, scanned));
	printf("  anon/file   %s / %s reclaimed\n",
	       fmt_size(b1, sizeof(b1), (o->reclaimed[RC_ANON] + wl->reclaimed[RC_ANON]) * page),
	       fmt_size(b2, sizeof(b2), (o->reclaimed[RC_FILE] + wl->reclaimed[RC_FILE]) * page));
	printf("  time        %s, %s in %llu reclaim passes\n",
	       fmt_duration(b1, sizeof(b1), r->duration_ns), fmt_duration(b2, sizeof(b2), o->time_ns),
	       (unsigned long long)o->passes);
	printf("  caused      %llu stalls in the cgroup (%s), %s refaults, PSI some +%s full +%s\n",
	       (unsigned long long)(wl->passes + wl->direct),
	       fmt_duration(b1, sizeof(b1), wl->time_ns + wl->direct_ns),
	       cg_known(r->refaults) ? fmt_size(b3, sizeof(b3), r->refaults * page) : "-",
	       cg_known(r->psi_some) ? fmt_duration(b4, sizeof(b4), r->psi_some * 1000) : "-",
	       cg_known(r->psi_full) ? fmt_duration(b5, sizeof(b5), r->psi_full * 1000) : "-");
}

static uint64_t delta(uint64_t a, uint64_t b)
{
	return cg_known(a) && cg_known(b) && a >= b ? a - b : CG_UNKNOWN;
}

static int rc_oneshot(struct rc_target *t, const struct rc_args *a)
{
	struct reclaim_counters c0, c1;
	struct reclaim_bpf *skel;
	struct rc_report r = { 0 };
	uint64_t some0, full0, some1, full1, rf0 = CG_UNKNOWN, t0, oom0;
	char b1[UNITS_BUF], b2[UNITS_BUF];
	int ret;

	r.before = rc_usage(t);
	if (!cg_known(r.before)) {
		p_err("reclaim: %s: cannot read usage", t->ref.path);
		return EXIT_NOCGROUP;
	}
	ret = rc_parse_amount(a->amount, r.before, &r.requested);
	if (ret) {
		p_err("reclaim: AMOUNT '%s': expected a size (64M, 1.5G) or a %% of usage (25%%)",
		      a->amount);
		return EXIT_USAGE;
	}
	if (r.requested == 0) {
		p_err("reclaim: AMOUNT '%s' is zero: nothing to do", a->amount);
		return EXIT_USAGE;
	}
	if (r.requested > r.before) {
		p_err("reclaim: AMOUNT %s is more than the cgroup uses (%s)",
		      fmt_size(b1, sizeof(b1), r.requested), fmt_size(b2, sizeof(b2), r.before));
		p_hint("ask for at most its usage, or a percentage such as 50%%");
		return EXIT_USAGE;
	}

	ret = rc_bpf_start(t, &skel);
	if (ret)
		return ret;
	r.memcg_events = rc_have_memcg_events(skel);
	if (!rc_have_refaults(skel))
		rf0 = rc_refaults(t);
	rc_psi_totals(t, &some0, &full0);
	rc_bpf_snapshot(skel, &c0);
	oom0 = rc_oom_kills(t);
	t0 = clock_mono_ns();
	r.result = rc_reclaim(t, r.requested, &r.err);
	r.duration_ns = clock_mono_ns() - t0;
	r.oom_kills = delta(rc_oom_kills(t), oom0);
	rc_bpf_detach(skel);	/* off the hot path at once */
	rc_bpf_snapshot(skel, &c1);
	rc_psi_totals(t, &some1, &full1);
	r.after = rc_usage(t);
	rc_counters_sub(&r.d, &c1, &c0);
	r.refaults = rc_have_refaults(skel) ? sum2(r.d.refault) : delta(rc_refaults(t), rf0);
	r.psi_some = delta(some1, some0);
	r.psi_full = delta(full1, full0);
	rc_bpf_stop(skel);

	if (rc_restore(t)) {	/* rc_reclaim restored already; this is the last resort */
		p_err("reclaim: could not restore %s to %s: %s", t->limit_path, t->orig_limit,
		      strerror(errno));
		return EXIT_RUNTIME;
	}
	if (r.result == RC_VANISHED) {
		p_err("reclaim: %s vanished during reclaim", t->ref.rel);
		return EXIT_VANISHED;
	}
	if (r.result == RC_ERROR) {
		p_err("reclaim: %s: %s", t->v1 ? t->limit_path : "memory.reclaim", strerror(r.err));
		return r.err == EACCES || r.err == EPERM ? EXIT_PERM : EXIT_RUNTIME;
	}
	if (json_wtr)
		rc_report_json(t, &r);
	else
		rc_report_text(t, &r);
	/* a kill is never silent: it says so and the exit code is not 0 */
	if (rep_oom(&r) && !json_wtr)
		fprintf(stderr, "%s: reclaim: %llu OOM kill(s) in %s while it ran: %s\n",
			prog_name, (unsigned long long)r.oom_kills, esc(t->ref.rel),
			t->v1 ? "a workload charged memory while a step held the limit down" :
			"a workload reached its own limit meanwhile");
	if (r.result == RC_PARTIAL || r.result == RC_INTERRUPTED) {
		uint64_t got = cg_known(r.after) && r.after < r.before ? r.before - r.after : 0;

		if (!json_wtr)
			fprintf(stderr, "%s: reclaim: partial: usage fell by %s of %s asked: %s\n",
				prog_name, fmt_size(b1, sizeof(b1), got),
				fmt_size(b2, sizeof(b2), r.requested),
				r.result == RC_INTERRUPTED ? "interrupted by a signal" :
				"the kernel found nothing more to reclaim (without swap, "
				"anonymous memory cannot be reclaimed)");
		return EXIT_PARTIAL;
	}
	return rep_oom(&r) ? EXIT_PARTIAL : EXIT_OK;
}

int rc_reclaim_quiet(const char *cgroup, uint64_t bytes, char *msg, size_t len)
{
	struct rc_args a = { .cgroup = cgroup, .swappiness = -1, .min_size = CG_UNKNOWN,
			     .max_size = CG_UNKNOWN };
	char b1[32], b2[32], b3[32], b4[32];
	uint64_t before, after, oom0, kills;
	struct rc_target t;
	enum rc_result r;
	int ret, err = 0;

	p_capture(msg, len);
	ret = rc_setup(&t, &a);
	if (ret)
		goto out;
	before = rc_usage(&t);
	oom0 = rc_oom_kills(&t);
	r = rc_reclaim(&t, bytes, &err);
	kills = delta(rc_oom_kills(&t), oom0);
	after = rc_usage(&t);
	if (rc_restore(&t)) {	/* rc_reclaim restored already; this is the last resort */
		p_err("reclaim: could not restore %s to %s: %s", t.limit_path, t.orig_limit,
		      strerror(errno));
		ret = EXIT_RUNTIME;
	} else if (r == RC_VANISHED) {
		p_err("reclaim: %s vanished during reclaim", t.ref.rel);
		ret = EXIT_VANISHED;
	} else if (r == RC_ERROR) {
		p_err("reclaim: %s: %s", t.v1 ? t.limit_path : "memory.reclaim", strerror(err));
		ret = err == EACCES || err == EPERM ? EXIT_PERM : EXIT_RUNTIME;
	} else {
		uint64_t got = cg_known(before) && cg_known(after) && after < before ?
			       before - after : 0;

		ret = r == RC_DONE && !kills ? EXIT_OK : EXIT_PARTIAL;
		p_capture(NULL, 0);
		snprintf(msg, len, "reclaim %s: usage %s -> %s, fell by %s of %s asked%s%s%s",
			 esc(t.ref.rel), fmt_size(b1, sizeof(b1), before),
			 fmt_size(b2, sizeof(b2), after), fmt_size(b3, sizeof(b3), got),
			 fmt_size(b4, sizeof(b4), bytes),
			 r == RC_PARTIAL ? "; the kernel found nothing more to reclaim" : "",
			 r == RC_INTERRUPTED ? "; interrupted by a signal" : "",
			 kills ? "; OOM kill(s) in it meanwhile" : "");
	}
out:
	p_capture(NULL, 0);
	rc_v1_release(&t);
	return ret;
}

int do_reclaim(int argc, char **argv)
{
	struct rc_args a = { .swappiness = -1, .min_size = CG_UNKNOWN, .max_size = CG_UNKNOWN };
	struct rc_target t;
	bool done;
	int ret;

	ret = cmd_parse(&rc_argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	/* from here on a signal only sets stopsig: nothing is left half-done */
	rc_signals_install();
	ret = rc_setup(&t, &a);
	if (ret) {
		rc_v1_release(&t);
		return ret;
	}
	ret = a.auto_mode ? rc_auto_run(&t, &a) : rc_oneshot(&t, &a);
	rc_v1_release(&t);
	return ret;
}
