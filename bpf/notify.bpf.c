// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl notify: usage and event conditions evaluated in the kernel.
 *
 * Every hook here is a moment at which the watched cgroup's state may
 * have changed: a page charged or uncharged (memcg:mod_memcg_lruvec_state
 * and memcg:mod_memcg_state, which follow every charge on every config;
 * PGPGOUT of memcg:count_memcg_events where the v1 code counts it), a
 * process freed (its memory is uncharged by then), memcg reclaim
 * starting or ending (after memory.events max/high were raised, and after
 * reclaimed pages were uncharged), an OOM victim chosen, a cgroup removed.
 * Each hook finds the watched cgroup among the ancestors of the memory
 * cgroup it saw, reads the page counter and event counters straight from
 * struct mem_cgroup, and moves each condition through a small state
 * machine (armed -> fired -> re-armed past the hysteresis band).  Only an
 * edge reaches user space, through the ring buffer: nothing runs on a
 * timer, and an idle notify costs nothing.
 *
 * Kernels without memcg:* tracepoints (before 6.14) use kmem:rss_stat and
 * filemap:mm_filemap_add_to_page_cache instead, attributed to the current
 * task's memory cgroup; user space picks the hooks at load time.  The value
 * compared is always the page counter (memcg->memory.usage), whichever hook
 * woke the program.
 */
#include "memcg.bpf.h"
#include "notify.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile __u64 watch_id = 0;		/* kernfs id of the watched cgroup */
const volatile __u32 nr_conds = 0;
const volatile struct notify_bcond conds[NOTIFY_MAX_CONDS] = {};

/* Shared with user space through the skeleton's mmap'ed .bss. */
__u64 armed;			/* 1 once the arming iterator ran */
__u64 hierarchy_id;		/* of the watched cgroup, to tell v1 from v2 ids */
__u64 state[NOTIFY_MAX_CONDS];	/* enum notify_cstate */
__u64 base[NOTIFY_MAX_CONDS];	/* counter value at the last firing */
__u64 oom_kills;		/* victims seen in the subtree since arming */
__u64 lost;			/* edges the ring buffer had no room for */
__u64 hits[NOTIFY_H_NR];	/* hook runs that reached the watched cgroup */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} notify_events SEC(".maps");

struct notify_sample {
	__u64 usage, max, high;		/* bytes; NOTIFY_NOLIMIT = none */
	__u64 ev_max, ev_high;
};

/*
 * The hot path reads through BTF-typed pointers (tp_btf arguments,
 * bpf_get_current_task_btf(), the iterator's cgroup): memcg.bpf.h's css
 * helpers are plain loads that the JIT guards, several times cheaper than
 * a bpf_probe_read_kernel() call each.
 */
/* Page counter pages in bytes; PAGE_COUNTER_MAX ("max") is NOTIFY_NOLIMIT. */
static __always_inline __u64 pages_to_bytes(unsigned long pages)
{
	return memcg_limit_bytes(pages);
}

#define EV_MAX bpf_core_enum_value(enum memcg_memory_event, MEMCG_MAX)
#define EV_HIGH bpf_core_enum_value(enum memcg_memory_event, MEMCG_HIGH)

/*
 * Read the watched memcg.  With a BTF-typed struct mem_cgroup pointer (the
 * charge hook's argument, when the charge is the watched cgroup's own: the
 * hot case) these are plain loads; a css pointer cannot be retyped to its
 * mem_cgroup on every kernel, so the other paths read with CO-RE helpers.
 */
static __always_inline void take_sample(struct cgroup_subsys_state *wcss,
					struct mem_cgroup *typed, struct notify_sample *s)
{
	struct mem_cgroup *w = (struct mem_cgroup *)wcss;	/* css comes first */

	if (typed) {
		s->usage = pages_to_bytes(typed->memory.usage.counter);
		s->max = pages_to_bytes(typed->memory.max);
		s->high = NOTIFY_NOLIMIT;
		if (bpf_core_field_exists(typed->memory.high))
			s->high = pages_to_bytes(typed->memory.high);
		s->ev_max = typed->memory_events[EV_MAX].counter;
		s->ev_high = typed->memory_events[EV_HIGH].counter;
		return;
	}
	s->usage = pages_to_bytes(BPF_CORE_READ(w, memory.usage.counter));
	s->max = pages_to_bytes(BPF_CORE_READ(w, memory.max));
	s->high = NOTIFY_NOLIMIT;
	if (bpf_core_field_exists(w->memory.high))
		s->high = pages_to_bytes(BPF_CORE_READ(w, memory.high));
	s->ev_max = s->ev_high = 0;
	bpf_core_read(&s->ev_max, sizeof(s->ev_max), &w->memory_events[EV_MAX]);
	bpf_core_read(&s->ev_high, sizeof(s->ev_high), &w->memory_events[EV_HIGH]);
}

/* v * centi / 10000 without overflow for any realistic v */
static __always_inline __u64 centi_of(__u64 v, __u64 centi)
{
	return v / 10000 * centi + v % 10000 * centi / 10000;
}

/* The threshold of usage condition i in bytes, NOTIFY_NOLIMIT if it has none. */
static __always_inline __u64 usage_thresh(__u32 i, const struct notify_sample *s)
{
	__u64 lim;

	if (!(conds[i].flags & NOTIFY_F_PCT))
		return conds[i].thresh;
	lim = s->high < s->max ? s->high : s->max;
	if (lim == NOTIFY_NOLIMIT)
		return NOTIFY_NOLIMIT;
	return centi_of(lim, conds[i].thresh);
}

static __always_inline bool holds_at(__u32 flags, __u64 usage, __u64 level)
{
	if (flags & NOTIFY_F_RISING)
		return (flags & NOTIFY_F_STRICT) ? usage > level : usage >= level;
	return (flags & NOTIFY_F_STRICT) ? usage < level : usage <= level;
}

/* Past the re-arm level: the threshold moved back by the band. */
static __always_inline bool rearmed(__u32 i, __u64 usage, __u64 thr)
{
	__u32 flags = conds[i].flags;
	__u64 band = conds[i].band, level;

	if (flags & NOTIFY_F_BAND_PCT)
		band = centi_of(thr, band);
	if (flags & NOTIFY_F_RISING)
		level = thr > band ? thr - band : 0;
	else
		level = thr + band < thr ? NOTIFY_NOLIMIT : thr + band;
	if ((flags & NOTIFY_F_RISING) && level == 0 && band)
		return false;	/* a band as wide as the threshold never re-arms */
	return !holds_at(flags, usage, level);
}

static __always_inline void emit(__u32 i, __u32 edge, __u32 hook, const struct notify_sample *s,
				 __u64 thresh, __u64 value, __u64 delta,
				 struct task_struct *who, __u64 cgid)
{
	struct notify_event *e;

	e = bpf_ringbuf_reserve(&notify_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost, 1);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->usage = s ? s->usage : 0;
	e->max = s ? s->max : NOTIFY_NOLIMIT;
	e->high = s ? s->high : NOTIFY_NOLIMIT;
	e->thresh = thresh;
	e->value = value;
	e->delta = delta;
	e->cgid = cgid;
	e->cond = i;
	e->edge = edge;
	e->hook = hook;
	if (who) {
		e->pid = BPF_CORE_READ(who, tgid);
		BPF_CORE_READ_STR_INTO(&e->comm, who, comm);
	} else {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(&e->comm, sizeof(e->comm));
	}
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void eval_usage(__u32 i, __u32 hook, const struct notify_sample *s, __u64 cgid)
{
	__u64 thr = usage_thresh(i, s);

	if (thr == NOTIFY_NOLIMIT)
		return;
	if (state[i] == NOTIFY_S_ARMED) {
		if (!holds_at(conds[i].flags, s->usage, thr))
			return;
		if (__sync_val_compare_and_swap(&state[i], NOTIFY_S_ARMED, NOTIFY_S_FIRED) ==
		    NOTIFY_S_ARMED)
			emit(i, NOTIFY_E_FIRE, hook, s, thr, s->usage, 0, NULL, cgid);
	} else if (state[i] == NOTIFY_S_FIRED) {
		if (!rearmed(i, s->usage, thr))
			return;
		if (__sync_val_compare_and_swap(&state[i], NOTIFY_S_FIRED, NOTIFY_S_ARMED) ==
		    NOTIFY_S_FIRED)
			emit(i, NOTIFY_E_REARM, hook, s, thr, s->usage, 0, NULL, cgid);
	}
}

/* Fire when the counter rose by n since the last firing (or arming). */
static __always_inline void eval_counter(__u32 i, __u32 hook, const struct notify_sample *s,
					 __u64 v, struct task_struct *who, __u64 cgid)
{
	__u64 b = base[i];

	if (state[i] != NOTIFY_S_ARMED || v < b + conds[i].n)
		return;
	if (__sync_val_compare_and_swap(&base[i], b, v) == b)
		emit(i, NOTIFY_E_FIRE, hook, s, b + conds[i].n, v, v - b, who, cgid);
}

/* A hook saw a memory cgroup: evaluate the usage and counter conditions. */
static __always_inline int evaluate(struct cgroup_subsys_state *css, struct mem_cgroup *typed,
				    __u32 hook)
{
	struct cgroup_subsys_state *w;
	struct notify_sample s;
	__u64 id;

	if (!armed)
		return 0;
	w = memcg_css_under(css, watch_id);
	if (!w)
		return 0;
	if (hook < NOTIFY_H_NR)
		hits[hook]++;	/* for -d; a lost update does not matter */
	take_sample(w, w == css ? typed : NULL, &s);
	id = memcg_css_id(css);
	for (__u32 i = 0; i < NOTIFY_MAX_CONDS; i++) {
		if (i >= nr_conds)
			break;
		switch (conds[i].kind) {
		case NOTIFY_K_USAGE:
			eval_usage(i, hook, &s, id);
			break;
		case NOTIFY_K_MAX:
			eval_counter(i, hook, &s, s.ev_max, NULL, id);
			break;
		case NOTIFY_K_HIGH:
			eval_counter(i, hook, &s, s.ev_high, NULL, id);
			break;
		}
	}
	return 0;
}

static __always_inline int evaluate_current(__u32 hook)
{
	if (!armed)
		return 0;
	return evaluate(memcg_task_css(bpf_get_current_task_btf()), NULL, hook);
}

/* ---- charge and uncharge (6.14+) ------------------------------------ */

/*
 * Every charge is followed by a stat update of the charged memcg: the
 * NR_ANON_MAPPED / NR_FILE_PAGES / NR_SHMEM / NR_SLAB_* / LRU-size items of
 * its lruvec, or MEMCG_KMEM / MEMCG_SOCK / MEMCG_SWAP of the memcg itself.
 * Those are counted by every config, so any of them is a wake-up to re-read
 * the page counter; no item is special.  (The v1-only PGPGIN/PGPGOUT items
 * of count_memcg_events never come without CONFIG_MEMCG_V1.)
 */
SEC("tp_btf/mod_memcg_lruvec_state")
int BPF_PROG(notify_memcg_lruvec, struct mem_cgroup *memcg)
{
	return evaluate(&memcg->css, memcg, NOTIFY_H_MEMCG_LRUVEC);
}

SEC("tp_btf/mod_memcg_state")
int BPF_PROG(notify_memcg_state, struct mem_cgroup *memcg)
{
	return evaluate(&memcg->css, memcg, NOTIFY_H_MEMCG_STATE);
}

/*
 * Where the v1 code is built, PGPGOUT is counted right after an uncharge:
 * the one stat update that follows the page counter on the way down (v2's
 * uncharge updates no stat after it).  Loaded only where the controller is
 * mounted on v1: elsewhere it would run once per page fault for nothing.
 */
SEC("tp_btf/count_memcg_events")
int BPF_PROG(notify_memcg_events, struct mem_cgroup *memcg, int item)
{
	if (item != bpf_core_enum_value(enum vm_event_item, PGPGIN) &&
	    item != bpf_core_enum_value(enum vm_event_item, PGPGOUT))
		return 0;
	return evaluate(&memcg->css, memcg, NOTIFY_H_MEMCG_EVENTS);
}

/* ---- before 6.14: faults and page cache, by the current task -------- */

SEC("raw_tp/rss_stat")
int notify_rss_stat(void *ctx)
{
	return evaluate_current(NOTIFY_H_RSS_STAT);
}

SEC("raw_tp/mm_filemap_add_to_page_cache")
int notify_page_cache(void *ctx)
{
	return evaluate_current(NOTIFY_H_PAGE_CACHE);
}

/* a process's memory is uncharged by the time it is freed: the falling edge
 * on every kernel (v2 updates no memcg stat after an uncharge) */
SEC("tp_btf/sched_process_free")
int BPF_PROG(notify_proc_free, struct task_struct *p)
{
	if (!armed)
		return 0;
	return evaluate(memcg_task_css(p), NULL, NOTIFY_H_PROC_FREE);
}

/* ---- memcg reclaim: max/high events raised, pages uncharged ---------- */

SEC("raw_tp/mm_vmscan_memcg_reclaim_begin")
int notify_reclaim_begin(void *ctx)
{
	return evaluate_current(NOTIFY_H_RECLAIM_BEGIN);
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_end")
int notify_reclaim_end(void *ctx)
{
	return evaluate_current(NOTIFY_H_RECLAIM_END);
}

/* ---- OOM victims ------------------------------------------------------ */

static __always_inline int oom_victim(struct task_struct *victim)
{
	struct cgroup_subsys_state *css, *w;
	__u64 n;

	if (!armed)
		return 0;
	css = memcg_task_css(victim);
	w = memcg_css_under(css, watch_id);
	if (!w)
		return 0;
	__sync_fetch_and_add(&hits[NOTIFY_H_MARK_VICTIM], 1);
	n = __sync_add_and_fetch(&oom_kills, 1);
	for (__u32 i = 0; i < NOTIFY_MAX_CONDS; i++) {
		struct notify_sample s;

		if (i >= nr_conds)
			break;
		if (conds[i].kind != NOTIFY_K_OOM_KILL)
			continue;
		take_sample(w, NULL, &s);
		eval_counter(i, NOTIFY_H_MARK_VICTIM, &s, n, victim, memcg_css_id(css));
	}
	return 0;
}

/* 6.2+: the victim is an argument */
SEC("tp_btf/mark_victim")
int BPF_PROG(notify_mark_victim, struct task_struct *task)
{
	return oom_victim(task);
}

/* 6.1: only the pid; the OOM killer runs in a task of the OOMing memcg */
SEC("raw_tp/mark_victim")
int notify_mark_victim_cur(void *ctx)
{
	return oom_victim(bpf_get_current_task_btf());
}

/* ---- removal ---------------------------------------------------------- */

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(notify_rmdir, struct cgroup *cgrp, const char *path)
{
	if (!armed)
		return 0;
	if (cgrp->kn->id != watch_id || cgrp->root->hierarchy_id != (int)hierarchy_id)
		return 0;
	__sync_fetch_and_add(&hits[NOTIFY_H_RMDIR], 1);
	emit(0, NOTIFY_E_REMOVED, NOTIFY_H_RMDIR, NULL, 0, 0, 0, NULL, watch_id);
	return 0;
}

/* ---- arming ------------------------------------------------------------ */

/*
 * Run once by user space over the watched cgroup alone: records the
 * counters' baselines, tells which usage conditions already hold (those
 * start "fired": they fire again only after re-arming), and arms the
 * hooks.  Reading the page counter here, the same way the hooks do, is
 * what makes the start race-free.
 */
SEC("iter/cgroup")
int notify_arm(struct bpf_iter__cgroup *ctx)
{
	struct notify_snapshot snap = {};
	struct cgroup *cg = ctx->cgroup;
	struct cgroup_subsys_state *w;
	struct notify_sample s;

	if (!cg)
		return 0;
	w = memcg_cgroup_css(cg);
	if (w) {
		take_sample(w, NULL, &s);
		for (__u32 i = 0; i < NOTIFY_MAX_CONDS; i++) {
			__u64 thr;

			if (i >= nr_conds)
				break;
			switch (conds[i].kind) {
			case NOTIFY_K_USAGE:
				thr = usage_thresh(i, &s);
				snap.holds[i] = thr != NOTIFY_NOLIMIT &&
						holds_at(conds[i].flags, s.usage, thr);
				state[i] = snap.holds[i] ? NOTIFY_S_FIRED : NOTIFY_S_ARMED;
				break;
			case NOTIFY_K_MAX:
				base[i] = s.ev_max;
				state[i] = NOTIFY_S_ARMED;
				break;
			case NOTIFY_K_HIGH:
				base[i] = s.ev_high;
				state[i] = NOTIFY_S_ARMED;
				break;
			case NOTIFY_K_OOM_KILL:
				base[i] = oom_kills;
				state[i] = NOTIFY_S_ARMED;
				break;
			}
		}
		hierarchy_id = cg->root->hierarchy_id;
		armed = 1;
		snap.usage = s.usage;
		snap.max = s.max;
		snap.high = s.high;
		snap.events_max = s.ev_max;
		snap.events_high = s.ev_high;
		snap.hierarchy_id = hierarchy_id;
		snap.ok = 1;
	}
	snap.ts_ns = bpf_ktime_get_ns();
	bpf_seq_write(ctx->meta->seq, &snap, sizeof(snap));
	return 0;
}
