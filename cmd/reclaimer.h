/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `memcgctl reclaim` (one-shot, cmd/reclaim.c) and `reclaim --auto`
 * (cmd/reclaim_auto.c) share: the actuator that takes bytes out of a
 * cgroup on v2 (memory.reclaim) or v1 (a temporarily lowered limit), the
 * BPF measurement, and the pure controllers the unit tests drive.
 */
#ifndef MEMCGCTL_RECLAIMER_H
#define MEMCGCTL_RECLAIMER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "../bpf/reclaim.h"	/* struct reclaim_counters */

struct reclaim_bpf;

/* SIGINT/SIGTERM/SIGHUP set stopsig (stopsig.h); every loop checks it, restores, returns. */
void rc_signals_install(void);

struct rc_target {
	struct cg_env env;
	struct cg_ref ref;
	char psi_dir[PATH_MAX];		/* "" when there is no memory.pressure */
	bool v1;			/* emulate with memory.limit_in_bytes */
	const char *swap_arg;		/* v2: " swappiness=N" or "" */
	/* v1 emulation state: the limit we must put back */
	char limit_path[PATH_MAX + 32];
	char orig_limit[64];		/* exactly as read */
	bool limit_lowered;		/* we may have changed it */
	uint64_t step_bytes;		/* v1: how far to lower per write (0: auto) */
	/*
	 * v1: one process at a time lowers a cgroup's limit (a flock on
	 * RC_STATE_DIR/reclaim-ID.lock), and the original limit is in
	 * RC_STATE_DIR/reclaim-ID.journal from before the first lowering
	 * write until it is back, so that a run killed meanwhile is
	 * repaired by the next one.
	 */
	int state_dfd, lock_fd;		/* -1 until used */
	bool journaled;			/* our journal is on disk */
	bool repaired;			/* this run put back a limit a killed run left */
};

#define RC_STATE_DIR "/run/memcgctl"

/*
 * Open (creating it 0700 if missing) a state directory that must belong
 * to `owner`, be no link, be open to nobody else, and sit in a parent
 * others cannot rename it in.  Returns the directory fd or -errno, with
 * why in err.
 */
int rc_state_dir_open(const char *path, uid_t owner, char *err, size_t errlen);
/* Parse a journal's text: the limit (as written) and the pid; 0 or -EINVAL. */
int rc_journal_parse(const char *text, char *limit, size_t len, long *pid);
/* OOM kills in the cgroup's subtree so far, CG_UNKNOWN when unreadable. */
uint64_t rc_oom_kills(const struct rc_target *t);

/* Outcome of one reclaim request. */
enum rc_result {
	RC_DONE = 0,		/* the kernel took what was asked */
	RC_PARTIAL,		/* it found nothing more to reclaim (EBUSY/EAGAIN) */
	RC_INTERRUPTED,		/* a signal stopped it */
	RC_VANISHED,		/* the cgroup went away */
	RC_ERROR,		/* anything else: errno in *err */
};

int rc_target_init(struct rc_target *t, const char *cgroup, char *err, size_t errlen);
/*
 * One reclaim of `bytes` from CGROUP, run as `memcgctl reclaim CGROUP
 * BYTES` runs it (memory.reclaim on v2, the lowered limit on v1; the same
 * checks, lock and errors), for a caller that owns the terminal (top's R
 * key): nothing is printed, msg says what happened (usage before and
 * after, or reclaim's own error).  Returns reclaim's exit code.
 */
int rc_reclaim_quiet(const char *cgroup, uint64_t bytes, char *msg, size_t len);
/*
 * v1: open the state directory and lock file, and repair a limit a
 * killed run left lowered (said on stderr).  0, or an exit code after
 * reporting.
 */
int rc_v1_prepare(struct rc_target *t);
/* v1: let go of the lock, removing its file when nobody else uses it. */
void rc_v1_release(struct rc_target *t);
/* The wall clock in seconds since the epoch, for JSON "time". */
/* Current usage in bytes, CG_UNKNOWN when unreadable (vanished). */
uint64_t rc_usage(const struct rc_target *t);
/* workingset refaults (anon + file pages) from memory.stat, CG_UNKNOWN if unreadable */
uint64_t rc_refaults(const struct rc_target *t);
/* PSI "some"/"full" totals in us; false when unavailable. */
bool rc_psi_totals(const struct rc_target *t, uint64_t *some, uint64_t *full);
/* Reclaim `bytes`; on v1 the limit is back where it was on return. */
enum rc_result rc_reclaim(struct rc_target *t, uint64_t bytes, int *err);
/* Put back the v1 limit if it may be changed; 0 or -errno.  Idempotent. */
int rc_restore(struct rc_target *t);
const char *rc_result_name(enum rc_result r);

/*
 * Choose the hooks of an opened (not loaded) reclaim skeleton for this
 * kernel, as `reclaim` itself does: 0 all there, 1 degraded (why says
 * what is missing; why may be NULL).
 */
int reclaim_choose_hooks(struct reclaim_bpf *skel, char *why, size_t len);

/* BPF measurement: open/load/attach for t, snapshot the counters. */
int rc_bpf_start(struct rc_target *t, struct reclaim_bpf **skel);
/* The same in parts: load without attaching, attach/detach around a step. */
int rc_bpf_load(struct rc_target *t, bool refaults, struct reclaim_bpf **skel);
int rc_bpf_attach(struct reclaim_bpf *skel);
void rc_bpf_detach(struct reclaim_bpf *skel);
void rc_bpf_snapshot(struct reclaim_bpf *skel, struct reclaim_counters *c);
void rc_bpf_stop(struct reclaim_bpf *skel);
/* Did the optional memcg:* hooks load (newer kernels only)? */
bool rc_have_memcg_events(struct reclaim_bpf *skel);
bool rc_have_refaults(struct reclaim_bpf *skel);
/* c = a - b, field by field */
void rc_counters_sub(struct reclaim_counters *c, const struct reclaim_counters *a,
		     const struct reclaim_counters *b);

/* --psi-target: "0.1%" (fraction of the interval) or "10ms" (stall per interval). */
int rc_parse_psi_target(const char *s, double *frac, uint64_t *us);
/* AMOUNT: a size, or a percentage of `usage`. */
int rc_parse_amount(const char *s, uint64_t usage, uint64_t *bytes);

/* ---- closed loop --------------------------------------------------- */

enum rc_mode { RC_MODE_MEMCGCTL, RC_MODE_SENPAI };

/* Everything `memcgctl reclaim` takes on its command line. */
struct rc_args {
	const char *cgroup, *amount;
	int swappiness;			/* -1: the kernel's choice */
	bool file_only, anon_only, force, auto_mode;
	uint64_t step;			/* v1 one-shot step, 0: auto */
	enum rc_mode mode;
	const char *psi_target;		/* "0.1%" or "10ms" (per interval) */
	uint64_t interval_ns;		/* 0: the mode's default */
	const char *max_step;		/* size or % of usage */
	uint64_t min_size, max_size;	/* CG_UNKNOWN: the mode's default */
	uint64_t duration_ns;		/* 0: until stopped */
};

int rc_auto_run(struct rc_target *t, const struct rc_args *a);

/* One controller tick's view of the world. */
struct rc_obs {
	uint64_t usage;			/* bytes now */
	uint64_t psi_us;		/* PSI some stall time since the last tick */
	uint64_t tick_us;		/* wall time since the last tick */
	uint64_t refaults;		/* workingset refaults since the last tick (pages) */
	uint64_t last_reclaimed;	/* pages our last step reclaimed */
	bool last_partial;		/* the kernel found nothing more last time */
};

enum rc_action { RCA_PROBE, RCA_BACKOFF_PSI, RCA_BACKOFF_REFAULT, RCA_HOLD, RCA_FLOOR };
const char *rc_action_name(enum rc_action a);

/* memcgctl's controller: step grows while quiet, shrinks and holds on signs of harm. */
struct rc_mc_conf {
	double psi_target;		/* stall fraction of the interval, e.g. 0.001 */
	uint64_t psi_target_us;		/* or an absolute stall per interval (if set) */
	double refault_ratio;		/* refaults/last_reclaimed that count as harm */
	uint64_t max_step;		/* bytes, 0: use max_step_pct */
	double max_step_pct;		/* of usage */
	uint64_t min_size;		/* never reclaim below this usage */
};
struct rc_mc_state {
	uint64_t step;			/* bytes for the next probe, 0: start */
	int hold;			/* ticks to wait before probing again */
	int backoffs;			/* consecutive backoffs: longer holds */
	uint64_t ws_floor;		/* usage where PSI last rose: the working set */
	int ws_ticks;			/* ticks the floor still holds */
};
enum rc_action rc_mc_tick(const struct rc_mc_conf *c, struct rc_mc_state *s,
			  const struct rc_obs *o, uint64_t *bytes);

/* senpai's published algorithm: a virtual limit moved by PSI each tick. */
struct rc_senpai_conf {
	uint64_t min_size, max_size;
	int interval;			/* ticks between probes */
	uint64_t pressure_us;		/* target stall per probe interval */
	double max_probe, max_backoff, coeff_probe, coeff_backoff;
};
struct rc_senpai_state {
	double limit;			/* bytes; 0: start at usage */
	uint64_t integral;		/* stall us since the last adjustment */
	int grace;			/* ticks until the next probe */
};
enum rc_action rc_senpai_tick(const struct rc_senpai_conf *c, struct rc_senpai_state *s,
			      const struct rc_obs *o, uint64_t *bytes);

#endif
