// SPDX-License-Identifier: GPL-2.0-only
/*
 * preoom: graceful pre-OOM.  Signal (SIGTERM by default) a process of a
 * memory cgroup that is about to be OOM-killed, early enough for it to
 * shut down cleanly, and leave the kernel's OOM killer as the fallback.
 *
 * Two triggers, one signalling tail (preoom_signal()):
 *
 * 1. The charge path (tp_btf/rss_stat, every kernel: the anon/shmem
 *    counters of the charging process's mm change right after each
 *    successful charge; 6.1 reports one change in 128 pages).  Cheap test
 *    first: is usage, from the page counters, within the headroom
 *    (headroom_bytes, else headroom_pct of memory.max) of memory.max of the
 *    charger's memory cgroup or an ancestor up to the policy's?  Only then,
 *    at most once a millisecond per cgroup (sooner when usage jumped by an
 *    eighth of the headroom), the estimate of what reclaim cannot free:
 *        unreclaimable = usage - file LRU - min(anon LRU, swap room)
 *    i.e. anonymous and shmem memory that swap cannot take, unevictable
 *    and kernel memory.  When that is within the headroom of the limit the
 *    policy acts; otherwise the check is a near miss.  Within twice the
 *    headroom the usage's growth rate is sampled, and the headroom the
 *    decision uses grows to what that rate charges in rate_grace_ns (at
 *    most twice the static one, preoom_headroom.h): a fast allocator is
 *    signalled earlier than a slow one.  Page cache is
 *    reclaimable, so a cache-heavy cgroup at 95% is never signalled.
 *    memory.high is not the binding limit: exceeding it throttles, it does
 *    not OOM-kill.
 *
 * 2. Reclaim failing at the limit (vmscan:mm_vmscan_memcg_reclaim_begin/end,
 *    present since long before 6.1; both prototypes read through
 *    memcg.bpf.h): consecutive reclaims that free fewer than
 *    min_reclaim_pages, or after which unreclaimable is unreclaimable_pct
 *    of the limit, or too long stalled in them.  It still catches what the
 *    charge path does not see: page cache that cannot be written back,
 *    tmpfs written with write(2), kernel memory.
 *
 * Before 7.1 the vmscan tracepoints carry no cgroup, so the charging task
 * (current) is used on every kernel: the memcg whose limit was hit is its
 * memory cgroup or an ancestor.
 *
 * target=largest (kernels with the bpf_send_signal_task kfunc, 6.13+):
 * policy_oom_rss keeps the process with the largest anonymous RSS of each
 * scope (the policy's cgroup; without one, the charger's memory cgroup),
 * whose exit frees what reclaim cannot, and both triggers signal it
 * instead of the charger, falling back to the charger when it is gone or
 * has left the cgroup.  memcgctl loads policy_oom_rss + policy_oom_end_tk
 * where the kfuncs exist and policy_oom_near + policy_oom_end elsewhere
 * (which know only the charger).
 */
#include "mm_rss.bpf.h"
#include "policy_common.bpf.h"
#include "preoom_headroom.h"

char LICENSE[] SEC("license") = "GPL";

/* struct preoom_config (its parameters) is in policy.h */

const struct preoom_config policy_defaults = {
	.enabled = 1,
	.dry_run = 0,
	.signal = 15,	/* SIGTERM */
	.once = 1,
	.usage_pct = 95,
	.unreclaimable_pct = 90,
	.min_reclaim_pages = 32,	/* SWAP_CLUSTER_MAX: what one reclaim aims for */
	.failures = 4,
	.target = PREOOM_TARGET_CHARGER,
	.headroom_pct = 10,
	.stall_ns = 0,
	.window_ns = 10000000000ULL,
	.interval_ns = 5000000000ULL,
	.headroom_bytes = 0,
	.grace_ns = 1000000000ULL,
	/*
	 * How long a workload may keep allocating after the signal: its
	 * handler has to run and the allocating loop to notice.  redis, for
	 * one, acts on SIGTERM in serverCron, 10 times a second by default.
	 */
	.rate_grace_ns = 100000000ULL,
};

/* Set by memcgctl: how many NUMA nodes the memcg's per-node data has. */
const volatile __u32 policy_nr_nodes = 1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct preoom_config);
} policy_config SEC(".maps");

/* reclaim start per thread */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} policy_oom_start SEC(".maps");

struct preoom_state {
	__u64 window_start;
	__u64 stall_ns;
	__u64 last_action;
	__u32 fails;
	__u32 __pad;
	/* the charge path's last estimate, and its growth rate */
	__u64 est_ns;
	__u64 est_usage;
	__u64 rate_ns;		/* start of the rate sample */
	__u64 rate_base;	/* usage at rate_ns */
	__u64 rate_bps;
};

/* The charge path's estimate: at most once per PREOOM_EST_NS per cgroup. */
#define PREOOM_EST_NS	1000000ULL
/* growth rate over samples at least this long, at most that old */
#define PREOOM_RATE_NS		1000000ULL
#define PREOOM_RATE_MAX_NS	1000000000ULL

/* per memory cgroup id */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct preoom_state);
} policy_oom_state SEC(".maps");

/* processes signalled, and when (once, grace_ns) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} policy_oom_sent SEC(".maps");

/* target=largest: the largest process of a scope (keyed by its cgroup id) */
struct preoom_largest {
	__u32 tgid;
	__u32 __pad;
	__u64 rss_pages;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct preoom_largest);
} policy_oom_largest SEC(".maps");

/*
 * rss_stat fires at every page the process maps or unmaps; the tracker
 * looks at one change in PREOOM_RSS_SAMPLE per CPU.  A process that grows
 * to be the largest does so through thousands of changes, so it is still
 * found, at an eighth of the cost on the fault path.
 */
#define PREOOM_RSS_SAMPLE 8

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} policy_oom_rss_tick SEC(".maps");

/* 6.13+ (bpf_task_from_pid 6.2+); only policy_oom_end_tk calls them */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type,
				u64 value) __ksym __weak;

/* Is task's memory cgroup css or below it? */
static __always_inline bool task_in(struct task_struct *t, struct cgroup_subsys_state *css)
{
	return memcg_css_under(memcg_task_css(t), memcg_css_id(css));
}

/* policy_act() for another process: sig to t's whole thread group */
static __always_inline void policy_act_task(struct policy_event *ev, struct task_struct *t,
					    __u32 sig, __u32 dry_run)
{
	ev->ts_ns = bpf_ktime_get_ns();
	ev->pid = BPF_CORE_READ(t, pid);
	ev->tgid = BPF_CORE_READ(t, tgid);
	ev->signal = sig;
	BPF_CORE_READ_STR_INTO(&ev->comm, t, comm);
	policy_record(ev, dry_run ? 0 : bpf_send_signal_task(t, sig, PIDTYPE_TGID, 0), dry_run);
}

/*
 * target=largest: the scope's largest process as policy_oom_rss recorded
 * it, referenced, unless it is the charger itself.  A record whose process
 * is gone or no longer in css (the cgroup whose limit was hit) is
 * forgotten.  NULL: signal the charger.
 */
static __always_inline struct task_struct *
largest_in(struct cgroup_subsys_state *scope, struct cgroup_subsys_state *css, __u32 charger)
{
	__u64 key = policy_css_id(scope);
	struct preoom_largest *big = bpf_map_lookup_elem(&policy_oom_largest, &key);
	struct task_struct *t;
	__u32 want = big ? big->tgid : 0;

	if (!want || want == charger)
		return NULL;
	t = bpf_task_from_pid(want);
	if (t && task_in(t, css))
		return t;
	if (t)
		bpf_task_release(t);
	bpf_map_delete_elem(&policy_oom_largest, &key);
	return NULL;
}

/* Free swap pages of the whole system (absent from kallsyms: unknown, 0). */
extern const void nr_swap_pages __ksym __weak;

/*
 * How many pages reclaim could still swap out for a limit hit in css:
 * the system's free swap, bounded on cgroup v2 by memory.swap.max of css
 * and its ancestors, on v1 by memory.memsw.limit_in_bytes (and nothing
 * when the memcg's swappiness is 0).  0 when the kernel does not tell.
 */
static __always_inline __u64 memcg_swap_room(struct cgroup_subsys_state *css)
{
	long global = 0;
	__u64 room;
	bool v2;

	if (!&nr_swap_pages)
		return 0;
	if (bpf_probe_read_kernel(&global, sizeof(global), &nr_swap_pages) || global <= 0)
		return 0;
	room = global;
	v2 = memcg_on_v2(css);
	if (!v2 && memcg_swappiness(memcg_from_css(css)) == 0)
		return 0;
	for (int i = 0; i < MEMCG_MAX_DEPTH && css; i++) {
		unsigned long max, usage;

		memcg_swap_pages(memcg_from_css(css), v2, &usage, &max);
		if (!memcg_pc_unlimited(max))
			room = usage >= max ? 0 : (max - usage < room ? max - usage : room);
		css = css->parent;
	}
	return room;
}

/* The per-cgroup state of the memcg with this id, created if need be. */
static __always_inline struct preoom_state *preoom_state_of(__u64 id, __u64 now)
{
	struct preoom_state *st = bpf_map_lookup_elem(&policy_oom_state, &id), fresh = {};

	if (st)
		return st;
	fresh.window_start = now;
	bpf_map_update_elem(&policy_oom_state, &id, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&policy_oom_state, &id);
}

/* The headroom below a limit of max bytes. */
static __always_inline __u64 preoom_headroom(const struct preoom_config *cfg, __u64 max)
{
	if (cfg->headroom_bytes)
		return cfg->headroom_bytes;
	return max / 100 * cfg->headroom_pct + max % 100 * cfg->headroom_pct / 100;
}

/*
 * What reclaim cannot free in m (css its css, usage its usage): usage
 * minus the file LRU pages and minus the anon LRU pages the swap room can
 * take.  PREOOM_UNRECL_UNKNOWN when the LRU sizes are unknown (both 0): no
 * decision.
 */
#define PREOOM_UNRECL_UNKNOWN (~0ULL)	/* "unknown", not BPF_NOLIMIT: never sent as is */
static __always_inline __u64 preoom_unreclaimable(struct mem_cgroup *m,
						  struct cgroup_subsys_state *css, __u64 usage)
{
	__u64 file, anon, room, free;

	memcg_lru_pages_now(m, policy_nr_nodes, &file, &anon);
	if (!file && !anon)
		return PREOOM_UNRECL_UNKNOWN;
	room = memcg_swap_room(css);
	free = memcg_pages_bytes(file + (anon < room ? anon : room));
	return usage > free ? usage - free : 0;
}

/*
 * The tail both triggers share, once their condition held for the memcg
 * of css (whose limit binds; scope is the policy's): the per-cgroup
 * interval, the process to signal (task_kfuncs: a constant, whether this
 * copy may call the task kfuncs), one signal per process per grace
 * period (ever, with once), the signal and its event.
 */
static __always_inline void preoom_signal(struct preoom_config *cfg, struct preoom_state *st,
					  struct cgroup_subsys_state *scope,
					  struct cgroup_subsys_state *css, struct policy_event *ev,
					  __u64 now, bool task_kfuncs)
{
	struct task_struct *t = NULL;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 *sent;

	POLICY_COUNT(triggers);
	if (st->last_action && now - st->last_action < cfg->interval_ns) {
		POLICY_COUNT(rate_limited);
		return;
	}
	if (task_kfuncs && cfg->target == PREOOM_TARGET_LARGEST)
		t = largest_in(scope, css, tgid);
	if (t)
		tgid = BPF_CORE_READ(t, tgid);	/* the process to signal from here on */
	sent = bpf_map_lookup_elem(&policy_oom_sent, &tgid);
	if (sent && (cfg->once || now - *sent < cfg->grace_ns)) {
		if (t)
			bpf_task_release(t);
		POLICY_COUNT(rate_limited);
		return;
	}
	ev->cgroup_id = policy_css_id(css);
	if (t) {
		policy_act_task(ev, t, cfg->signal, cfg->dry_run);
		bpf_task_release(t);
	} else {
		policy_act(ev, cfg->signal, cfg->dry_run);
	}
	st->last_action = now;
	st->fails = 0;
	st->stall_ns = 0;
	bpf_map_update_elem(&policy_oom_sent, &tgid, &now, BPF_ANY);
}

/* Both prototypes of the vmscan tracepoints: see memcg.bpf.h. */
SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(policy_oom_begin)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	if (!policy_scope(policy_task_memcg(bpf_get_current_task_btf())))
		return 0;
	bpf_map_update_elem(&policy_oom_start, &tid, &now, BPF_ANY);
	return 0;
}

static __always_inline int oom_end(unsigned long nr_reclaimed, bool task_kfuncs)
{
	struct cgroup_subsys_state *css, *leaf, *scope;
	struct preoom_config *cfg;
	struct preoom_state *st;
	struct policy_event ev = {};
	struct mem_cgroup *m = NULL;
	__u64 now = bpf_ktime_get_ns(), stall = 0, usage = 0, max = 0, *start;
	__u64 unrecl = PREOOM_UNRECL_UNKNOWN;
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	bool fail, fired_stall;

	leaf = policy_task_memcg(bpf_get_current_task_btf());
	scope = policy_scope(leaf);
	if (!scope)
		return 0;
	start = bpf_map_lookup_elem(&policy_oom_start, &tid);
	if (start) {
		stall = now - *start;
		bpf_map_delete_elem(&policy_oom_start, &tid);
	}
	cfg = bpf_map_lookup_elem(&policy_config, &zero);
	if (!cfg || !cfg->enabled)
		return 0;
	POLICY_COUNT(evaluations);

	/* the memcg whose limit was hit: the nearest one near its max */
	css = leaf;
	for (int i = 0; i < MEMCG_MAX_DEPTH && css; i++) {
		struct mem_cgroup *c = policy_memcg(css);

		max = policy_max(c);
		usage = policy_usage(c);
		if (max != POLICY_NOLIMIT && usage * 100 >= max * cfg->usage_pct) {
			m = c;
			break;
		}
		if (policy_cgroup_id && policy_css_id(css) == policy_cgroup_id)
			break;
		css = css->parent;
	}
	if (!m)
		return 0;	/* memory.high or proactive reclaim, not the limit */

	fail = nr_reclaimed < cfg->min_reclaim_pages;
	if (!fail && cfg->unreclaimable_pct < 100) {
		unrecl = preoom_unreclaimable(m, css, usage);
		if (unrecl != PREOOM_UNRECL_UNKNOWN && unrecl * 100 >= max * cfg->unreclaimable_pct)
			fail = true;
	}

	st = preoom_state_of(policy_css_id(css), now);
	if (!st)
		return 0;
	if (now - st->window_start > cfg->window_ns) {
		st->window_start = now;
		st->fails = 0;
		st->stall_ns = 0;
	}
	if (!fail) {
		st->fails = 0;
		return 0;
	}
	st->fails++;
	st->stall_ns += stall;
	fired_stall = cfg->stall_ns && st->stall_ns >= cfg->stall_ns;
	if (!(cfg->failures && st->fails >= cfg->failures) && !fired_stall)
		return 0;

	if (unrecl == PREOOM_UNRECL_UNKNOWN)
		unrecl = preoom_unreclaimable(m, css, usage);
	ev.usage_bytes = usage;
	ev.limit_bytes = max;
	ev.value = st->fails;
	ev.value2 = st->stall_ns;
	ev.reason = fired_stall ? POLICY_REASON_RECLAIM_STALL : POLICY_REASON_RECLAIM_FAILING;
	ev.unreclaimable_bytes = unrecl == PREOOM_UNRECL_UNKNOWN ? 0 : unrecl;
	ev.rate_headroom_bytes = preoom_rate_headroom(preoom_headroom(cfg, max), st->rate_bps,
						      cfg->rate_grace_ns);
	ev.headroom_bytes = preoom_effective_headroom(preoom_headroom(cfg, max), st->rate_bps,
						      cfg->rate_grace_ns);
	ev.rate_bps = st->rate_bps;
	preoom_signal(cfg, st, scope, css, &ev, now, task_kfuncs);
	return 0;
}

/* every kernel: the charger */
SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(policy_oom_end)
{
	return oom_end(memcg_vmscan_end_reclaimed(ctx), false);
}

/* with the task kfuncs (6.13+): the charger or the largest process */
SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(policy_oom_end_tk)
{
	return oom_end(memcg_vmscan_end_reclaimed(ctx), true);
}

/*
 * The charge-path trigger, for a charge to leaf, the current task's
 * memory cgroup.  Returns at its first test for every cgroup whose usage
 * is not within the headroom of a limit.
 */
static __always_inline void oom_near(struct cgroup_subsys_state *leaf, bool task_kfuncs)
{
	struct cgroup_subsys_state *scope, *css;
	struct policy_event ev;		/* zeroed when used: not on the fault path */
	struct preoom_config *cfg;
	struct preoom_state *st;
	struct mem_cgroup *m = NULL;
	__u64 now, usage = 0, max = 0, room = 0, eff, unrecl;
	__u32 zero = 0;

	scope = policy_scope(leaf);
	if (!scope)
		return;
	cfg = bpf_map_lookup_elem(&policy_config, &zero);
	if (!cfg || !cfg->enabled || (!cfg->headroom_bytes && !cfg->headroom_pct))
		return;
	/*
	 * The cheap test: the nearest memcg whose usage is within twice the
	 * headroom of its max (where the growth rate is sampled); nothing
	 * more unless it is within the headroom.
	 */
	css = leaf;
	for (int i = 0; i < MEMCG_MAX_DEPTH && css; i++) {
		struct mem_cgroup *c = memcg_from_css(css);

		max = memcg_max(c);
		if (max != POLICY_NOLIMIT) {
			room = preoom_headroom(cfg, max);
			usage = memcg_usage(c);
			if (usage + 2 * room >= max) {
				m = c;
				break;
			}
		}
		if (policy_cgroup_id && css == scope)
			break;
		css = css->parent;
	}
	if (!m)
		return;

	now = bpf_ktime_get_ns();
	st = preoom_state_of(memcg_css_id(css), now);
	if (!st)
		return;
	/* usage growth, over samples at least PREOOM_RATE_NS apart */
	if (!st->rate_ns || now - st->rate_ns >= PREOOM_RATE_NS) {
		if (st->rate_ns && now - st->rate_ns <= PREOOM_RATE_MAX_NS)
			st->rate_bps = usage > st->rate_base ?
				(usage - st->rate_base) * 1000000 / ((now - st->rate_ns) / 1000) : 0;
		else
			st->rate_bps = 0;	/* no recent sample: unknown */
		st->rate_ns = now;
		st->rate_base = usage;
	}
	/* the headroom the decision uses: the static one, or more when growing fast */
	eff = preoom_effective_headroom(room, st->rate_bps, cfg->rate_grace_ns);
	if (usage + eff < max)
		return;
	if (st->est_ns && now - st->est_ns < PREOOM_EST_NS && usage < st->est_usage + room / 8)
		return;
	st->est_ns = now;
	st->est_usage = usage;
	POLICY_COUNT(evaluations);
	unrecl = preoom_unreclaimable(m, css, usage);
	if (unrecl == PREOOM_UNRECL_UNKNOWN) {
		POLICY_COUNT(near_misses);
		return;
	}
	if (unrecl + eff < max) {
		POLICY_COUNT(near_misses);
		return;
	}
	__builtin_memset(&ev, 0, sizeof(ev));
	ev.usage_bytes = usage;
	ev.limit_bytes = max;
	ev.value = unrecl;
	ev.value2 = eff;
	ev.reason = POLICY_REASON_NEAR_LIMIT;
	ev.unreclaimable_bytes = unrecl;
	ev.headroom_bytes = eff;
	ev.rate_bps = st->rate_bps;
	ev.rate_headroom_bytes = preoom_rate_headroom(room, st->rate_bps, cfg->rate_grace_ns);
	preoom_signal(cfg, st, scope, css, &ev, now, task_kfuncs);
}

/* every kernel: the charge-path trigger, signalling the charger */
SEC("tp_btf/rss_stat")
int BPF_PROG(policy_oom_near, struct mm_struct *mm, int member)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (task->mm == mm && (member == MM_ANON || member == MM_SHMEM))
		oom_near(memcg_task_css(task), false);
	return 0;
}

/*
 * With the task kfuncs: the charge-path trigger (charger or largest), and
 * the largest process of each scope by anonymous RSS (anon pages: what
 * its exit frees; shmem stays in tmpfs and swap entries are not memory),
 * sampled: one change in PREOOM_RSS_SAMPLE per CPU.
 */
SEC("tp_btf/rss_stat")
int BPF_PROG(policy_oom_rss, struct mm_struct *mm, int member)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cgroup_subsys_state *scope;
	struct preoom_largest *big, nb;
	struct preoom_config *cfg;
	__u32 zero = 0, tgid, *tick;
	__u64 key, rss;

	if (task->mm != mm)
		return 0;
	if (member == MM_ANON || member == MM_SHMEM)
		oom_near(memcg_task_css(task), true);
	if (member != MM_ANON)
		return 0;
	cfg = bpf_map_lookup_elem(&policy_config, &zero);
	if (!cfg || cfg->target != PREOOM_TARGET_LARGEST || !cfg->enabled)
		return 0;
	tick = bpf_map_lookup_elem(&policy_oom_rss_tick, &zero);
	if (!tick || (++*tick % PREOOM_RSS_SAMPLE))
		return 0;
	scope = policy_task_scope(task, &key);
	if (!scope)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	rss = mm_counter(mm, MM_ANON);
	big = bpf_map_lookup_elem(&policy_oom_largest, &key);
	if (big) {
		if (big->tgid == tgid)
			big->rss_pages = rss;	/* it shrinks too */
		else if (rss > big->rss_pages) {
			big->tgid = tgid;	/* racy pair, good enough for "largest" */
			big->rss_pages = rss;
		}
		return 0;
	}
	nb.tgid = tgid;
	nb.__pad = 0;
	nb.rss_pages = rss;
	bpf_map_update_elem(&policy_oom_largest, &key, &nb, BPF_NOEXIST);
	return 0;
}
