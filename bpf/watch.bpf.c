// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl watch: memory-cgroup events from stable tracepoints.
 *
 * Every program filters before anything leaves the kernel: the memory
 * cgroup subtree (descendants included), the process, the class and the
 * minimum latency.  Events go through one ring buffer; a full buffer is
 * counted (watch_lost, and per cgroup in watch_stats), never silent.
 * Per-cgroup totals and latency histograms are kept here too, so the
 * summary is complete even when --min-lat keeps events from user space.
 *
 * Cgroup attribution: the memory cgroup is read from the task with CO-RE
 * (memcg_task_css()), which is right on v1, v2 and hybrid layouts
 * (bpf_get_current_cgroup_id() is the v2 cgroup).
 * Reclaim and throttling tracepoints carry no cgroup: they are charged
 * to the memory cgroup of the task that stalled.  An OOM kill is charged
 * to the victim's memory cgroup (from the victim task on kernels whose
 * mark_victim passes it; else to the killing task's, flagged).
 */
#include "memcg.bpf.h"
#include "mm_rss.bpf.h"
#include "watch.h"

char LICENSE[] SEC("license") = "GPL";

/* Filters, set by user space before load. */
const volatile __u64 targ_cgid = 0;	/* 0: every cgroup */
const volatile __u32 targ_tgid = 0;	/* 0: every process */
const volatile __u64 min_lat_ns = 0;	/* latency classes below this are not sent */
const volatile __u32 class_mask = 0;	/* classes sent as events */
const volatile __u64 wake_ns = 10000000;	/* wake user space at most this often */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} watch_events SEC(".maps");

struct start {
	__u64 ts;
	__u64 cgid;
	__u64 gfp;
	__s32 order;
	__u32 pad;
};

/* In-flight reclaim per task: key = tid | class << 32. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct start);
} watch_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct watch_cg_stats);
} watch_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct watch_limit_val);
} watch_limit SEC(".maps");

/* [0] events dropped by a full ring buffer, [1] stats/limit map full */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} watch_lost SEC(".maps");

/* [0] when user space was last woken */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} watch_wake SEC(".maps");

/* Is css the watched memory cgroup or one of its descendants? */
static __always_inline bool css_ok(struct cgroup_subsys_state *css)
{
	return css && memcg_css_under(css, targ_cgid);
}

static __always_inline bool tgid_ok(__u32 tgid)
{
	return !targ_tgid || tgid == targ_tgid;
}

static __always_inline void count_lost(int idx)
{
	__u32 k = idx;
	__u64 *v = bpf_map_lookup_elem(&watch_lost, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline struct watch_cg_stats *stats_of(__u64 cgid)
{
	static const struct watch_cg_stats zero;
	struct watch_cg_stats *s;

	s = bpf_map_lookup_elem(&watch_stats, &cgid);
	if (s)
		return s;
	bpf_map_update_elem(&watch_stats, &cgid, &zero, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&watch_stats, &cgid);
	if (!s)
		count_lost(1);
	return s;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline struct watch_event *event_reserve(__u64 cgid, struct watch_cg_stats *s)
{
	struct watch_event *e = bpf_ringbuf_reserve(&watch_events, sizeof(*e), 0);

	if (!e) {
		count_lost(0);
		if (s)
			__sync_fetch_and_add(&s->lost, 1);
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->cgid = cgid;
	e->flags = 0;
	e->pad = 0;
	return e;
}

/*
 * Waking the reader for every event costs far more than the event; in a
 * storm, wake it at most every wake_ns (it polls as often while events
 * flow) or when the buffer is half full.  An isolated event still wakes
 * it at once.
 */
static __always_inline void event_submit(struct watch_event *e)
{
	__u32 k = 0;
	__u64 *last = bpf_map_lookup_elem(&watch_wake, &k);
	__u64 now = e->ts_ns, flags = BPF_RB_NO_WAKEUP;

	if (!last || now - *last >= wake_ns ||
	    bpf_ringbuf_query(&watch_events, BPF_RB_AVAIL_DATA) >= (1 << 19)) {
		flags = BPF_RB_FORCE_WAKEUP;
		if (last)
			*last = now;
	}
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void fill_current(struct watch_event *e)
{
	__u64 pt = bpf_get_current_pid_tgid();

	e->pid = pt >> 32;
	e->tid = (__u32)pt;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* ---- reclaim: begin stores, end measures ----------------------------- */

static __always_inline int reclaim_begin(int cls, int order, __u64 gfp)
{
	struct cgroup_subsys_state *css = memcg_task_css(bpf_get_current_task_btf());
	__u64 pt = bpf_get_current_pid_tgid();
	struct start st = {};
	__u64 key, cgid;

	if (!tgid_ok(pt >> 32) || !css_ok(css))
		return 0;
	cgid = memcg_css_id(css);
	if (cls == WATCH_C_RECLAIM && (class_mask & (1u << WATCH_C_LIMIT))) {
		/* a charge met the limit (max or high) and reclaims */
		static const struct watch_limit_val zero;
		struct watch_limit_val *lv = bpf_map_lookup_elem(&watch_limit, &cgid);

		if (!lv) {
			bpf_map_update_elem(&watch_limit, &cgid, &zero, BPF_NOEXIST);
			lv = bpf_map_lookup_elem(&watch_limit, &cgid);
		}
		if (lv)
			__sync_fetch_and_add(&lv->reclaim_entries, 1);
		else
			count_lost(1);
	}
	if (!(class_mask & (1u << cls)))
		return 0;
	st.ts = bpf_ktime_get_ns();
	st.cgid = cgid;
	st.gfp = gfp;
	st.order = order;
	key = (__u32)pt | ((__u64)cls << 32);
	bpf_map_update_elem(&watch_start, &key, &st, BPF_ANY);
	return 0;
}

static __always_inline int reclaim_end(int cls, __u64 nr_reclaimed)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 key = (__u32)pt | ((__u64)cls << 32);
	struct watch_cg_stats *s;
	struct watch_event *e;
	struct start *st;
	__u64 lat, cgid;
	int i = cls == WATCH_C_DIRECT;
	__u32 slot;

	st = bpf_map_lookup_elem(&watch_start, &key);
	if (!st)
		return 0;
	lat = bpf_ktime_get_ns() - st->ts;
	cgid = st->cgid;
	s = stats_of(cgid);
	if (s) {
		__sync_fetch_and_add(&s->events[cls], 1);
		__sync_fetch_and_add(&s->stall_ns[i], lat);
		__sync_fetch_and_add(&s->reclaimed[i], nr_reclaimed);
		if (lat > s->stall_max_ns[i])
			s->stall_max_ns[i] = lat;	/* racy max: good enough */
		slot = log2_u64(lat / 1000);
		if (slot >= WATCH_HIST_SLOTS)
			slot = WATCH_HIST_SLOTS - 1;
		/* keep clang from dropping the mask the verifier needs to see */
		asm volatile("" : "+r"(slot));
		slot &= WATCH_HIST_SLOTS - 1;
		__sync_fetch_and_add(&s->hist[i][slot], 1);
	}
	if (lat < min_lat_ns)
		goto out;
	e = event_reserve(cgid, s);
	if (!e)
		goto out;
	fill_current(e);
	e->type = cls == WATCH_C_DIRECT ? WATCH_T_DIRECT : WATCH_T_RECLAIM;
	e->reclaim.lat_ns = lat;
	e->reclaim.nr_reclaimed = nr_reclaimed;
	e->reclaim.gfp = st->gfp;
	e->reclaim.order = st->order;
	e->reclaim.pad = 0;
	event_submit(e);
out:
	bpf_map_delete_elem(&watch_start, &key);
	return 0;
}

/* tp_btf, as everywhere in memcgctl; the arguments via memcg.bpf.h */
SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(watch_memcg_rb)
{
	__u64 gfp;
	int order;

	memcg_vmscan_begin_args(ctx, &order, &gfp);
	return reclaim_begin(WATCH_C_RECLAIM, order, gfp);
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(watch_memcg_re)
{
	return reclaim_end(WATCH_C_RECLAIM, memcg_vmscan_end_reclaimed(ctx));
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(watch_direct_rb)
{
	__u64 gfp;
	int order;

	memcg_vmscan_begin_args(ctx, &order, &gfp);
	return reclaim_begin(WATCH_C_DIRECT, order, gfp);
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(watch_direct_re)
{
	return reclaim_end(WATCH_C_DIRECT, memcg_vmscan_end_reclaimed(ctx));
}

/* ---- throttling ------------------------------------------------------ */

SEC("tp_btf/mm_vmscan_throttled")
int BPF_PROG(watch_throttle, int nid, int usec_timeout, int usec_delayed, int reason)
{
	struct cgroup_subsys_state *css = memcg_task_css(bpf_get_current_task_btf());
	__u64 pt = bpf_get_current_pid_tgid();
	struct watch_cg_stats *s;
	struct watch_event *e;
	__s32 delayed = usec_delayed;
	__u64 cgid;

	if (!tgid_ok(pt >> 32) || !css_ok(css))
		return 0;
	cgid = memcg_css_id(css);
	s = stats_of(cgid);
	if (s) {
		__sync_fetch_and_add(&s->events[WATCH_C_THROTTLE], 1);
		if (delayed > 0)
			__sync_fetch_and_add(&s->throttle_us, delayed);
	}
	if ((__u64)(delayed > 0 ? delayed : 0) * 1000 < min_lat_ns)
		return 0;
	e = event_reserve(cgid, s);
	if (!e)
		return 0;
	fill_current(e);
	e->type = WATCH_T_THROTTLE;
	e->throttle.nid = nid;
	e->throttle.timeout_us = usec_timeout;
	e->throttle.delayed_us = delayed;
	e->throttle.reason = reason;
	event_submit(e);
	return 0;
}

/* ---- OOM kills ------------------------------------------------------- */

static __always_inline void oom_common(struct watch_event *e)
{
	struct task_struct *cur = (void *)bpf_get_current_task_btf();

	e->type = WATCH_T_OOM;
	e->oom.killer_pid = BPF_CORE_READ(cur, tgid);
	bpf_get_current_comm(e->oom.killer_comm, sizeof(e->oom.killer_comm));
	e->oom.pad = 0;
}

/*
 * Kernels whose mark_victim passes the victim task (6.9; Debian's 6.1
 * has it backported): user space reads the prototype.
 */
SEC("tp_btf/mark_victim")
int BPF_PROG(watch_oom_btf, struct task_struct *task, uid_t uid)
{
	struct cgroup_subsys_state *css = memcg_task_css(task);
	struct watch_cg_stats *s;
	struct watch_event *e;
	struct mm_struct *mm;
	__u64 cgid;
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (!tgid_ok(tgid) || !css_ok(css))
		return 0;
	cgid = memcg_css_id(css);
	s = stats_of(cgid);
	if (s)
		__sync_fetch_and_add(&s->events[WATCH_C_OOM], 1);
	e = event_reserve(cgid, s);
	if (!e)
		return 0;
	e->pid = tgid;
	e->tid = BPF_CORE_READ(task, pid);
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	oom_common(e);
	e->oom.uid = uid;
	e->oom.oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	mm = BPF_CORE_READ(task, mm);
	if (mm && mm_has_rss()) {
		e->oom.total_vm = BPF_CORE_READ(mm, total_vm);
		e->oom.anon_rss = mm_counter(mm, MM_ANON);
		e->oom.file_rss = mm_counter(mm, MM_FILE);
		e->oom.shmem_rss = mm_counter(mm, MM_SHMEM);
		e->oom.pgtables = BPF_CORE_READ(mm, pgtables_bytes.counter);
	} else {
		e->oom.total_vm = e->oom.anon_rss = e->oom.file_rss = 0;
		e->oom.shmem_rss = e->oom.pgtables = 0;
		e->flags |= WATCH_F_NO_RSS;
	}
	event_submit(e);
	return 0;
}

/*
 * Older kernels: mark_victim carries only the pid.  The victim
 * task is not at hand, so the event is charged to the memory cgroup of
 * the task running the OOM killer (for a memcg OOM, inside the OOMing
 * subtree) and flagged as such.
 */
SEC("tracepoint/oom/mark_victim")
int watch_oom_tp(struct trace_event_raw_mark_victim *ctx)
{
	struct cgroup_subsys_state *css = memcg_task_css(bpf_get_current_task_btf());
	struct watch_cg_stats *s;
	struct watch_event *e;
	__u32 pid = BPF_CORE_READ(ctx, pid);
	__u64 cgid;

	if (!tgid_ok(pid) || !css_ok(css))
		return 0;
	cgid = memcg_css_id(css);
	s = stats_of(cgid);
	if (s)
		__sync_fetch_and_add(&s->events[WATCH_C_OOM], 1);
	e = event_reserve(cgid, s);
	if (!e)
		return 0;
	e->pid = pid;
	e->tid = pid;
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	oom_common(e);
	e->flags |= WATCH_F_CG_OF_KILLER | WATCH_F_NO_RSS;
	e->oom.uid = 0;
	e->oom.oom_score_adj = 0;
	e->oom.total_vm = e->oom.anon_rss = e->oom.file_rss = 0;
	e->oom.shmem_rss = e->oom.pgtables = 0;
	event_submit(e);
	return 0;
}

/* ---- limit activity: pages scanned/stolen per memcg ------------------- */

/*
 * Pages scanned and stolen by charges and kswapd (not by memory.reclaim),
 * from whichever hook this kernel feeds (memcg.bpf.h, watch_choose_hooks()).
 */
static __always_inline int limit_pages(struct mem_cgroup *memcg, int ri, long val)
{
	struct cgroup_subsys_state *css = &memcg->css;
	struct watch_limit_val *lv;
	__u64 cgid;

	/* the hot path: most calls are page faults; leave at once */
	if (!ri || (ri & MEMCG_RI_PROACTIVE) || val <= 0 || !css_ok(css))
		return 0;
	cgid = memcg_css_id(css);
	lv = bpf_map_lookup_elem(&watch_limit, &cgid);
	if (!lv) {
		static const struct watch_limit_val zero;

		bpf_map_update_elem(&watch_limit, &cgid, &zero, BPF_NOEXIST);
		lv = bpf_map_lookup_elem(&watch_limit, &cgid);
		if (!lv) {
			count_lost(1);
			return 0;
		}
	}
	if (ri & MEMCG_RI_SCAN)
		__sync_fetch_and_add(&lv->pgscan, val);
	else
		__sync_fetch_and_add(&lv->pgsteal, val);
	return 0;
}

SEC("tp_btf/count_memcg_events")
int BPF_PROG(watch_memcg_events, struct mem_cgroup *memcg, int item, unsigned long val)
{
	return limit_pages(memcg, memcg_reclaim_item(item, false), val);
}

/* 7.1+; val is an int before, a long since (the low half is the same) */
SEC("tp_btf/mod_memcg_lruvec_state")
int BPF_PROG(watch_lruvec_state, struct mem_cgroup *memcg, int item, int val)
{
	return limit_pages(memcg, memcg_reclaim_item(item, true), val);
}

/* ---- cgroup creation and removal ------------------------------------- */

static __always_inline int cgroup_event(struct cgroup *cgrp, const char *path, int type)
{
	struct cgroup_subsys_state *mine = memcg_task_css(bpf_get_current_task_btf());
	struct watch_cg_stats *s;
	struct watch_event *e;
	__u64 cgid;

	/* cgroup_mkdir/rmdir fire for every hierarchy: keep the memory one */
	if (!mine || cgrp->root != mine->cgroup->root)
		return 0;
	if (!css_ok(&cgrp->self))
		return 0;
	cgid = cgrp->kn->id;
	if (!(class_mask & (1u << WATCH_C_CGROUP)) && cgid != targ_cgid)
		return 0;	/* loaded only to see the watched cgroup go */
	s = NULL;
	if (class_mask & (1u << WATCH_C_CGROUP)) {
		s = stats_of(cgid);
		if (s)
			__sync_fetch_and_add(&s->events[WATCH_C_CGROUP], 1);
	}
	e = event_reserve(cgid, s);
	if (!e)
		return 0;
	fill_current(e);
	e->type = type;
	if (cgid == targ_cgid)
		e->flags |= WATCH_F_TARGET;
	e->cg.level = cgrp->level;
	e->cg.pad = 0;
	bpf_probe_read_kernel_str(e->cg.path, sizeof(e->cg.path), path);
	event_submit(e);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(watch_mkdir, struct cgroup *cgrp, const char *path)
{
	return cgroup_event(cgrp, path, WATCH_T_MKDIR);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(watch_rmdir, struct cgroup *cgrp, const char *path)
{
	return cgroup_event(cgrp, path, WATCH_T_RMDIR);
}
