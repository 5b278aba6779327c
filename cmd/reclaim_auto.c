// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl reclaim CGROUP --auto: closed-loop proactive reclaim.
 *
 * Every tick the controller sees the cgroup's usage, the memory PSI
 * "some" stall time since the last tick, and (from bpf/reclaim.bpf.c) the
 * workingset refaults in the subtree, then decides how much to reclaim.
 *
 * --mode memcgctl (default): probe with a step that grows while the
 *   workload shows no harm; when PSI exceeds the target, cut the step to a
 *   quarter and hold for exponentially longer, and do not probe below the
 *   usage where that happened (the working set) for 16 << backoffs ticks
 *   (a probe there costs a stall every time: under MGLRU even a small
 *   memory.reclaim request can evict megabytes of it); when the pages we just
 *   reclaimed come back as refaults (more than 10% of them), halve the
 *   step and hold: the working set is being hit before PSI has moved.
 * --mode senpai: senpai's published algorithm and defaults: a limit
 *   that tightens by up to max-probe (1%) per interval (6 s) while the
 *   stall time integrated since the last adjustment stays under the target
 *   (10 ms), quadratically less as pressure nears the target, and loosens
 *   by up to max-backoff (100%) as soon as it exceeds it.  The limit is
 *   virtual: memcgctl reclaims usage - limit when usage is above it (v1 has
 *   no memory.high, and a hard limit would OOM the workload).
 *
 * Foreground, one log line (or JSON object) per tick; SIGINT/SIGTERM stop
 * it between or during steps, and the v1 limit is back before it exits.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "escape.h"
#include "main.h"
#include "reclaimer.h"
#include "stopsig.h"
#include "units.h"

#define MIB (1ULL << 20)

const char *rc_action_name(enum rc_action a)
{
	switch (a) {
	case RCA_PROBE: return "probe";
	case RCA_BACKOFF_PSI: return "backoff-psi";
	case RCA_BACKOFF_REFAULT: return "backoff-refault";
	case RCA_HOLD: return "hold";
	default: return "floor";
	}
}

/* ---- memcgctl's controller ------------------------------------------ */

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

enum rc_action rc_mc_tick(const struct rc_mc_conf *c, struct rc_mc_state *s,
			  const struct rc_obs *o, uint64_t *bytes)
{
	uint64_t max_step, psi_limit, room, floor;

	*bytes = 0;
	max_step = c->max_step ? c->max_step : (uint64_t)(o->usage * c->max_step_pct);
	max_step = max_u64(max_step, MIB);
	psi_limit = c->psi_target_us ? c->psi_target_us : (uint64_t)(c->psi_target * o->tick_us);
	if (!s->step)
		s->step = min_u64(max_u64(o->usage / 50, MIB), max_step);

	if (o->psi_us > psi_limit) {
		/* pressure: back off fast, and wait longer each time in a row */
		s->step = max_u64(s->step / 4, MIB / 4);
		s->backoffs = s->backoffs < 4 ? s->backoffs + 1 : 4;
		s->hold = 2 << s->backoffs;
		s->ws_floor = o->usage;
		s->ws_ticks = 16 << s->backoffs;
		return RCA_BACKOFF_PSI;
	}
	if (o->last_reclaimed && o->refaults * 1.0 > c->refault_ratio * o->last_reclaimed) {
		/* what we took is coming back: the working set, before PSI says so */
		s->step = max_u64(s->step / 2, MIB / 4);
		s->backoffs = s->backoffs < 4 ? s->backoffs + 1 : 4;
		s->hold = 1 << s->backoffs;
		return RCA_BACKOFF_REFAULT;
	}
	if (s->ws_ticks > 0)
		s->ws_ticks--;
	else
		s->ws_floor = 0;
	/* the last step did no harm: forget one backoff */
	if (o->last_reclaimed && s->backoffs)
		s->backoffs--;
	if (s->hold > 0) {
		s->hold--;
		return RCA_HOLD;
	}
	if (o->last_partial) {
		/* the kernel found nothing more: nothing cold is left for now */
		s->step = max_u64(s->step / 2, MIB / 4);
		s->hold = 4;
		return RCA_FLOOR;
	}
	floor = max_u64(c->min_size, s->ws_ticks > 0 ? s->ws_floor : 0);
	room = o->usage > floor ? o->usage - floor : 0;
	if (room < MIB / 4)
		return RCA_FLOOR;
	*bytes = min_u64(s->step, room);
	/* quiet: grow the step for next time */
	if (o->psi_us * 2 <= psi_limit)
		s->step = min_u64(s->step + s->step / 2, max_step);
	return RCA_PROBE;
}

/* ---- senpai --------------------------------------------------------- */

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

enum rc_action rc_senpai_tick(const struct rc_senpai_conf *c, struct rc_senpai_state *s,
			      const struct rc_obs *o, uint64_t *bytes)
{
	enum rc_action act;
	double err, adj;

	if (s->limit <= 0) {
		s->limit = clampd(o->usage, c->min_size, c->max_size);
		s->grace = c->interval - 1;
	}
	s->integral += o->psi_us;
	if (s->integral > c->pressure_us) {
		/* above target: loosen, the more the further above (squared) */
		err = (double)s->integral / c->pressure_us;
		adj = pow(err / c->coeff_backoff, 2);
		adj = fmin(adj * c->max_backoff, c->max_backoff);
		s->limit = clampd(s->limit * (1 + adj), c->min_size, c->max_size);
		s->integral = 0;
		s->grace = c->interval - 1;
		act = RCA_BACKOFF_PSI;
	} else if (s->grace > 0) {
		s->grace--;
		act = RCA_HOLD;
	} else {
		/* below target: tighten, the more the further below (squared) */
		err = (double)c->pressure_us / (s->integral ? s->integral : 1);
		adj = pow(err / c->coeff_probe, 2);
		adj = fmin(adj * c->max_probe, c->max_probe);
		s->limit = clampd(s->limit * (1 - adj), c->min_size, c->max_size);
		s->integral = 0;
		s->grace = c->interval - 1;
		act = RCA_PROBE;
	}
	/* the limit is enforced every tick, like memory.high would be */
	*bytes = o->usage > s->limit ? o->usage - (uint64_t)s->limit : 0;
	if (act != RCA_BACKOFF_PSI && *bytes == 0 && s->limit <= c->min_size)
		act = RCA_FLOOR;
	return act;
}

/* ---- the loop ------------------------------------------------------- */

/* Sleep until `deadline` (monotonic ns) or a signal. */
static void sleep_until(uint64_t deadline)
{
	struct timespec ts = { .tv_sec = deadline / 1000000000ULL,
			       .tv_nsec = deadline % 1000000000ULL };

	while (!stopsig && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

struct rc_auto {
	struct rc_target *t;
	struct reclaim_bpf *skel;
	enum rc_mode mode;
	struct rc_mc_conf mc;
	struct rc_mc_state mcs;
	struct rc_senpai_conf sp;
	struct rc_senpai_state sps;
	uint64_t tick_ns;
	bool memcg_events;
	/* totals for the summary */
	uint64_t start_usage, min_usage, steps, reclaimed_pages, psi_us, refaults, ticks;
	uint64_t backoffs;
	uint64_t oom_kills;		/* in the subtree during the run, CG_UNKNOWN if unknown */
};

/* Pages reclaimed from the subtree between two snapshots. */
static uint64_t pages_reclaimed(const struct rc_auto *r, const struct reclaim_counters *d)
{
	if (r->memcg_events)
		return d->memcg_steal;
	return d->who[RC_OURS].reclaimed[0] + d->who[RC_OURS].reclaimed[1] +
	       d->who[RC_WORKLOAD].reclaimed[0] + d->who[RC_WORKLOAD].reclaimed[1];
}

static int auto_config(struct rc_auto *r, const struct rc_args *a)
{
	double frac = 0;
	uint64_t us = 0, ms_bytes = 0;
	bool ms_pct = false;
	uint32_t centi = 0;

	if (a->psi_target)
		rc_parse_psi_target(a->psi_target, &frac, &us);	/* checked at parse time */
	if (a->max_step) {
		size_t l = strlen(a->max_step);

		ms_pct = a->max_step[l - 1] == '%';
		if (ms_pct)
			parse_percent(a->max_step, &centi);
		else
			parse_size(a->max_step, &ms_bytes);
	}
	r->mode = a->mode;
	if (a->mode == RC_MODE_SENPAI) {
		uint64_t interval = a->interval_ns ? a->interval_ns : 6000000000ULL;

		r->tick_ns = 1000000000ULL;	/* senpai ticks every second */
		r->sp.interval = interval / r->tick_ns ? (int)(interval / r->tick_ns) : 1;
		r->sp.pressure_us = us ? us : frac > 0 ? (uint64_t)(frac * interval / 1000) : 10000;
		if (a->max_step && !ms_pct) {
			p_err("reclaim: --mode senpai: --max-step is its max-probe, a percentage "
			      "of the limit (1%% by default)");
			return EXIT_USAGE;
		}
		r->sp.max_probe = ms_pct ? centi / 10000.0 : 0.01;
		r->sp.max_backoff = 1.0;
		r->sp.coeff_probe = 10;
		r->sp.coeff_backoff = 20;
		r->sp.min_size = cg_known(a->min_size) ? a->min_size : 100 * MIB;
		r->sp.max_size = cg_known(a->max_size) ? a->max_size : 100ULL << 30;
		if (r->sp.min_size > r->sp.max_size) {
			p_err("reclaim: --min-size is above --max-size");
			return EXIT_USAGE;
		}
	} else {
		if (cg_known(a->max_size)) {
			p_err("reclaim: --max-size is for --mode senpai");
			return EXIT_USAGE;
		}
		r->tick_ns = a->interval_ns ? a->interval_ns : 2000000000ULL;
		r->mc.psi_target = us ? 0 : frac > 0 ? frac : 0.001;
		r->mc.psi_target_us = us;
		r->mc.refault_ratio = 0.1;
		r->mc.max_step = ms_pct ? 0 : ms_bytes;
		r->mc.max_step_pct = ms_pct ? centi / 10000.0 : 0.10;
		r->mc.min_size = cg_known(a->min_size) ? a->min_size : 0;
	}
	return 0;
}

static void log_header(const struct rc_auto *r)
{
	char b1[UNITS_BUF];

	if (json_wtr)
		return;
	if (r->mode == RC_MODE_SENPAI)
		printf("# reclaim --auto %s: senpai, tick 1s, probe every %ds, target %s stall "
		       "per interval\n", esc(r->t->ref.rel), r->sp.interval,
		       fmt_duration(b1, sizeof(b1), r->sp.pressure_us * 1000));
	else if (r->mc.psi_target_us)
		printf("# reclaim --auto %s: memcgctl, every %s, target %s stall per interval\n",
		       esc(r->t->ref.rel), fmt_duration(b1, sizeof(b1), r->tick_ns),
		       fmt_duration(b1, sizeof(b1), r->mc.psi_target_us * 1000));
	else
		printf("# reclaim --auto %s: memcgctl, every %s, target %.2f%% stall\n",
		       esc(r->t->ref.rel), fmt_duration(b1, sizeof(b1), r->tick_ns),
		       r->mc.psi_target * 100);
	printf("#   time   usage  psi%%  refault action             asked  reclaimed%s\n",
	       r->mode == RC_MODE_SENPAI ? "    limit" : "");
}

static void log_tick(const struct rc_auto *r, double t, const struct rc_obs *o,
		     enum rc_action act, uint64_t asked, uint64_t got_pages, enum rc_result res)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	char b1[UNITS_BUF], b2[UNITS_BUF], b3[UNITS_BUF], b4[UNITS_BUF], b5[UNITS_BUF];
	double psi_pct = o->tick_us ? 100.0 * o->psi_us / o->tick_us : 0;

	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "event", "tick");
		jsonw_float_field(json_wtr, "time", clock_real_us() / 1e6, 6);
		jsonw_string_field(json_wtr, "cgroup", r->t->ref.rel);
		jsonw_u64_field(json_wtr, "cgroup_id", r->t->ref.id);
		jsonw_u64_field(json_wtr, "elapsed_ms", (uint64_t)(t * 1000));
		jsonw_u64_field(json_wtr, "usage_bytes", o->usage);
		jsonw_u64_field(json_wtr, "psi_some_us", o->psi_us);
		jsonw_float_field(json_wtr, "psi_some_pct", psi_pct, 4);
		jsonw_u64_field(json_wtr, "refault_pages", o->refaults);
		jsonw_string_field(json_wtr, "action", rc_action_name(act));
		jsonw_u64_field(json_wtr, "requested_bytes", asked);
		jsonw_u64_field(json_wtr, "reclaimed_bytes", got_pages * page);
		if (asked)
			jsonw_string_field(json_wtr, "result", rc_result_name(res));
		else
			jsonw_null_field(json_wtr, "result");
		/* senpai's virtual limit is a target it reclaims down to, not a limit */
		if (r->mode == RC_MODE_SENPAI)
			jsonw_u64_field(json_wtr, "target_bytes", (uint64_t)r->sps.limit);
		else
			jsonw_null_field(json_wtr, "target_bytes");
		jsonw_end_object(json_wtr);
		jsonw_end_document(json_wtr);
		(void)stdout_check();
		return;
	}
	printf("%8.1fs %7s %5.2f %7s %-16s %7s %7s%s%s", t, fmt_size(b1, sizeof(b1), o->usage),
	       psi_pct, fmt_size(b2, sizeof(b2), o->refaults * page), rc_action_name(act),
	       asked ? fmt_size(b3, sizeof(b3), asked) : "-",
	       asked ? fmt_size(b4, sizeof(b4), got_pages * page) : "-",
	       r->mode == RC_MODE_SENPAI ? "  " : "",
	       r->mode == RC_MODE_SENPAI ? fmt_size(b5, sizeof(b5), (uint64_t)r->sps.limit) : "");
	printf("%s\n", asked && res == RC_PARTIAL ? " (partial)" : "");
	(void)stdout_check();
}

static void log_summary(const struct rc_auto *r, double elapsed, uint64_t end_usage,
			const char *why)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	double red = r->start_usage && cg_known(end_usage) && end_usage < r->start_usage ?
		     100.0 * (r->start_usage - end_usage) / r->start_usage : 0;
	char b1[UNITS_BUF], b2[UNITS_BUF], b3[UNITS_BUF], b4[UNITS_BUF], b5[UNITS_BUF];

	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "event", "summary");
		jsonw_float_field(json_wtr, "time", clock_real_us() / 1e6, 6);
		jsonw_string_field(json_wtr, "cgroup", r->t->ref.rel);
		jsonw_u64_field(json_wtr, "cgroup_id", r->t->ref.id);
		jsonw_string_field(json_wtr, "mode", r->mode == RC_MODE_SENPAI ? "senpai" : "memcgctl");
		jsonw_string_field(json_wtr, "stopped", why);
		jsonw_u64_field(json_wtr, "duration_ms", (uint64_t)(elapsed * 1000));
		jsonw_u64_field(json_wtr, "usage_start_bytes", r->start_usage);
		if (cg_known(end_usage))
			jsonw_u64_field(json_wtr, "usage_end_bytes", end_usage);
		else
			jsonw_null_field(json_wtr, "usage_end_bytes");
		jsonw_u64_field(json_wtr, "usage_min_bytes", r->min_usage);
		jsonw_float_field(json_wtr, "reduction_pct", red, 1);
		jsonw_u64_field(json_wtr, "steps", r->steps);
		jsonw_u64_field(json_wtr, "backoffs", r->backoffs);
		jsonw_u64_field(json_wtr, "reclaimed_bytes", r->reclaimed_pages * page);
		jsonw_u64_field(json_wtr, "psi_some_us", r->psi_us);
		jsonw_float_field(json_wtr, "psi_some_pct", elapsed > 0 ? r->psi_us / (elapsed * 1e4) : 0, 4);
		jsonw_u64_field(json_wtr, "refault_pages", r->refaults);
		jsonw_bool_field(json_wtr, "limit_restored", !r->t->limit_lowered);
		if (cg_known(r->oom_kills))
			jsonw_u64_field(json_wtr, "oom_kills", r->oom_kills);
		else
			jsonw_null_field(json_wtr, "oom_kills");
		jsonw_end_object(json_wtr);
		jsonw_end_document(json_wtr);
		return;
	}
	printf("# %s after %.1fs: usage %s -> %s (-%.1f%%), %llu steps, %s reclaimed, "
	       "PSI some %s, refaults %s\n", why, elapsed, fmt_size(b1, sizeof(b1), r->start_usage),
	       cg_known(end_usage) ? fmt_size(b2, sizeof(b2), end_usage) : "-", red,
	       (unsigned long long)r->steps, fmt_size(b3, sizeof(b3), r->reclaimed_pages * page),
	       fmt_duration(b4, sizeof(b4), r->psi_us * 1000),
	       fmt_size(b5, sizeof(b5), r->refaults * page));
	if (cg_known(r->oom_kills) && r->oom_kills)
		printf("# %llu OOM kill(s) in the cgroup during the run\n",
		       (unsigned long long)r->oom_kills);
}

static bool gone(const struct rc_target *t)
{
	struct stat st;

	return stat(t->ref.path, &st) != 0;
}

/* The run's readings from one tick to the next, and how it ended. */
struct auto_run {
	uint64_t t0, t_prev;		/* CLOCK_MONOTONIC: start, last tick */
	uint64_t some_prev, rf_prev;	/* PSI some total, refaults at the last tick */
	uint64_t oom0;			/* OOM kills at the start */
	uint64_t last_pages;		/* the last step's reclaim, for the controller */
	bool last_partial;
	const char *why;		/* "signal", "vanished", "error", "duration" */
	int exit_code;
};

/*
 * rc_auto_run, step 1: the controller configured, PSI there, the BPF
 * counters loaded, the first readings taken.
 */
static int auto_start(struct rc_auto *r, const struct rc_args *a, struct auto_run *u)
{
	struct rc_target *t = r->t;
	uint64_t full;
	int ret;

	ret = auto_config(r, a);
	if (ret)
		return ret;
	if (!rc_psi_totals(t, &u->some_prev, &full)) {
		p_err("reclaim: --auto needs memory PSI for %s (no memory.pressure%s%s)",
		      t->ref.rel, t->psi_dir[0] ? " in " : "", t->psi_dir);
		p_hint("boot with psi=1; on a v1/hybrid host create the cgroup2 twin and move "
		       "the workload into it too");
		return EXIT_UNSUPPORTED;
	}
	/*
	 * Loaded once, attached only while a step reclaims: between steps
	 * nothing of ours runs in the kernel, and the refaults the controller
	 * watches come from memory.stat (the kernel's own workingset counters).
	 */
	ret = rc_bpf_load(t, false, &r->skel);
	if (ret)
		return ret;
	r->memcg_events = rc_have_memcg_events(r->skel);
	u->rf_prev = rc_refaults(t);
	r->start_usage = r->min_usage = rc_usage(t);
	u->oom0 = rc_oom_kills(t);
	log_header(r);
	u->t0 = u->t_prev = clock_mono_ns();
	return 0;
}

/* What the controller sees at this tick: usage, PSI and refaults since the last. */
static bool auto_observe(struct rc_auto *r, struct auto_run *u, uint64_t now, struct rc_obs *o)
{
	struct rc_target *t = r->t;
	uint64_t some, full, rf;

	o->usage = rc_usage(t);
	if (!cg_known(o->usage) || gone(t))
		return false;
	o->tick_us = (now - u->t_prev) / 1000;
	u->t_prev = now;
	if (rc_psi_totals(t, &some, &full) && cg_known(some) && some >= u->some_prev) {
		o->psi_us = some - u->some_prev;
		u->some_prev = some;
	}
	rf = rc_refaults(t);
	o->refaults = cg_known(rf) && cg_known(u->rf_prev) && rf >= u->rf_prev ? rf - u->rf_prev : 0;
	u->rf_prev = rf;
	o->last_reclaimed = u->last_pages;
	o->last_partial = u->last_partial;
	return true;
}

/*
 * One reclaim step of bytes, the BPF counters attached around it; the
 * pages it took into *got.  0, or the exit code of a failed attach.
 */
static int auto_reclaim(struct rc_auto *r, struct auto_run *u, uint64_t bytes,
			enum rc_result *res, uint64_t *got, int *err)
{
	struct reclaim_counters c_a, c_b, d;
	int ret;

	ret = rc_bpf_attach(r->skel);
	if (ret)
		return ret;
	rc_bpf_snapshot(r->skel, &c_a);
	*res = rc_reclaim(r->t, bytes, err);
	rc_bpf_detach(r->skel);
	rc_bpf_snapshot(r->skel, &c_b);
	rc_counters_sub(&d, &c_b, &c_a);
	*got = u->last_pages = pages_reclaimed(r, &d);
	u->last_partial = *res == RC_PARTIAL;
	r->steps++;
	r->reclaimed_pages += *got;
	return 0;
}

/* After a tick's step: does the run end (u->why, u->exit_code say how)? */
static bool auto_ends(const struct rc_auto *r, const struct rc_args *a, struct auto_run *u,
		      enum rc_result res, int err)
{
	const struct rc_target *t = r->t;

	if (res == RC_VANISHED || (res == RC_ERROR && gone(t))) {
		u->why = "vanished";
		return true;
	}
	if (res == RC_ERROR) {
		p_err("reclaim: %s: %s", t->v1 ? t->limit_path : "memory.reclaim", strerror(err));
		u->why = "error";
		u->exit_code = err == EACCES || err == EPERM ? EXIT_PERM : EXIT_RUNTIME;
		return true;
	}
	if (a->duration_ns && clock_mono_ns() - u->t0 >= a->duration_ns) {
		u->why = "duration";
		return true;
	}
	return false;
}

/* rc_auto_run, step 2: one tick: observe, ask the controller, maybe reclaim, log. */
static bool auto_tick(struct rc_auto *r, const struct rc_args *a, struct auto_run *u)
{
	struct rc_obs o = { 0 };
	uint64_t now, bytes = 0, got = 0;
	enum rc_result res = RC_DONE;
	enum rc_action act;
	int ret, err = 0;

	sleep_until(u->t_prev + r->tick_ns);
	if (stopsig)
		return true;
	now = clock_mono_ns();
	if (!auto_observe(r, u, now, &o)) {
		u->why = "vanished";
		return true;
	}
	if (r->mode == RC_MODE_SENPAI)
		act = rc_senpai_tick(&r->sp, &r->sps, &o, &bytes);
	else
		act = rc_mc_tick(&r->mc, &r->mcs, &o, &bytes);
	if (act == RCA_BACKOFF_PSI || act == RCA_BACKOFF_REFAULT)
		r->backoffs++;

	u->last_pages = 0;
	u->last_partial = false;
	if (bytes >= (uint64_t)sysconf(_SC_PAGESIZE)) {
		ret = auto_reclaim(r, u, bytes, &res, &got, &err);
		if (ret) {
			u->why = "error";
			u->exit_code = ret;
			return true;
		}
	} else {
		bytes = 0;
	}
	r->ticks++;
	r->psi_us += o.psi_us;
	r->refaults += o.refaults;
	if (o.usage < r->min_usage)
		r->min_usage = o.usage;
	log_tick(r, (now - u->t0) / 1e9, &o, act, bytes, got, res);
	return auto_ends(r, a, u, res, err);
}

/* rc_auto_run, step 3: the limit restored, the summary, the exit code. */
static int auto_finish(struct rc_auto *r, struct auto_run *u)
{
	struct rc_target *t = r->t;
	uint64_t oom1;

	rc_bpf_stop(r->skel);
	if (rc_restore(t)) {
		p_err("reclaim: could not restore %s to %s", t->limit_path, t->orig_limit);
		u->exit_code = EXIT_RUNTIME;
	}
	oom1 = rc_oom_kills(t);
	r->oom_kills = cg_known(u->oom0) && cg_known(oom1) && oom1 >= u->oom0 ? oom1 - u->oom0 :
		       CG_UNKNOWN;
	log_summary(r, (clock_mono_ns() - u->t0) / 1e9, rc_usage(t), u->why);
	if (!strcmp(u->why, "vanished")) {
		if (!json_wtr)
			p_err("reclaim: %s vanished; stopping", t->ref.rel);
		return EXIT_VANISHED;
	}
	if (cg_known(r->oom_kills) && r->oom_kills && u->exit_code == EXIT_OK) {
		if (!json_wtr)
			fprintf(stderr, "%s: reclaim: %llu OOM kill(s) in %s during the run\n",
				prog_name, (unsigned long long)r->oom_kills, t->ref.rel);
		u->exit_code = EXIT_PARTIAL;
	}
	return u->exit_code;
}

int rc_auto_run(struct rc_target *t, const struct rc_args *a)
{
	struct rc_auto r = { .t = t };
	struct auto_run u = { .rf_prev = CG_UNKNOWN, .why = "signal", .exit_code = EXIT_OK };
	int ret;

	ret = auto_start(&r, a, &u);
	if (ret)
		return ret;
	while (!stopsig && !auto_tick(&r, a, &u))
		;
	return auto_finish(&r, &u);
}
