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
 * (task->cgroups->subsys[memory_cgrp_id]->cgroup), which is right on v1,
 * v2 and hybrid layouts (bpf_get_current_cgroup_id() is the v2 cgroup).
 * Reclaim and throttling tracepoints carry no cgroup: they are charged
 * to the memory cgroup of the task that stalled.  An OOM kill is charged
 * to the victim's memory cgroup (from the victim task on kernels whose
 * mark_victim passes it; else to the killing task's, flagged).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "mm_rss.bpf.h"
#include "watch.h"

char LICENSE[] SEC("license") = "GPL";

/* Filters, set by user space before load. */
const volatile __u64 targ_cgid = 0;	/* 0: every cgroup */
const volatile __s32 targ_level = 0;	/* level of targ_cgid in its hierarchy */
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

/* kernels before 6.1 named the ancestor array differently */
struct cgroup___old {
	int level;
	u64 ancestor_ids[];
};

static __always_inline struct cgroup *task_memcg(struct task_struct *t)
{
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

	return BPF_CORE_READ(t, cgroups, subsys[id], cgroup);
}

static __always_inline __u64 cg_id(struct cgroup *cg)
{
	return BPF_CORE_READ(cg, kn, id);
}

/* Is cg the watched cgroup or one of its descendants? */
static __always_inline bool cg_in_subtree(struct cgroup *cg)
{
	int level;

	if (!targ_cgid)
		return true;
	if (!cg)
		return false;
	level = BPF_CORE_READ(cg, level);
	if (level < targ_level)
		return false;
	if (bpf_core_field_exists(cg->ancestors)) {
		struct cgroup *anc = NULL;

		bpf_core_read(&anc, sizeof(anc), &cg->ancestors[targ_level]);
		return anc && cg_id(anc) == targ_cgid;
	} else {
		struct cgroup___old *old = (void *)cg;
		__u64 id = 0;

		bpf_core_read(&id, sizeof(id), &old->ancestor_ids[targ_level]);
		return id == targ_cgid;
	}
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
	struct task_struct *t = (void *)bpf_get_current_task_btf();
	__u64 pt = bpf_get_current_pid_tgid();
	struct cgroup *cg = task_memcg(t);
	struct start st = {};
	__u64 key, cgid;

	if (!tgid_ok(pt >> 32) || !cg_in_subtree(cg))
		return 0;
	cgid = cg_id(cg);
	if (cls == WATCH_C_RECLAIM && (class_mask & (1u << WATCH_C_LIMIT))) {
		/* a charge met the limit (max or high) and reclaims */
		static const struct watch_limit_val zero;
		struct watch_limit_val *lv = bpf_map_lookup_elem(&watch_limit, &cgid);

		if (!lv) {
			bpf_map_update_elem(&watch_limit, &cgid, &zero, BPF_NOEXIST);
			lv = bpf_map_lookup_elem(&watch_limit, &cgid);
		}
		if (lv)
			__sync_fetch_and_add(&lv->hits, 1);
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

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_begin")
int watch_memcg_rb(struct trace_event_raw_mm_vmscan_direct_reclaim_begin_template *ctx)
{
	return reclaim_begin(WATCH_C_RECLAIM, BPF_CORE_READ(ctx, order),
			     BPF_CORE_READ(ctx, gfp_flags));
}

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_end")
int watch_memcg_re(struct trace_event_raw_mm_vmscan_direct_reclaim_end_template *ctx)
{
	return reclaim_end(WATCH_C_RECLAIM, BPF_CORE_READ(ctx, nr_reclaimed));
}

SEC("tracepoint/vmscan/mm_vmscan_direct_reclaim_begin")
int watch_direct_rb(struct trace_event_raw_mm_vmscan_direct_reclaim_begin_template *ctx)
{
	return reclaim_begin(WATCH_C_DIRECT, BPF_CORE_READ(ctx, order),
			     BPF_CORE_READ(ctx, gfp_flags));
}

SEC("tracepoint/vmscan/mm_vmscan_direct_reclaim_end")
int watch_direct_re(struct trace_event_raw_mm_vmscan_direct_reclaim_end_template *ctx)
{
	return reclaim_end(WATCH_C_DIRECT, BPF_CORE_READ(ctx, nr_reclaimed));
}

/* ---- throttling ------------------------------------------------------ */

SEC("tracepoint/vmscan/mm_vmscan_throttled")
int watch_throttle(struct trace_event_raw_mm_vmscan_throttled *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task_btf();
	__u64 pt = bpf_get_current_pid_tgid();
	struct cgroup *cg = task_memcg(t);
	struct watch_cg_stats *s;
	struct watch_event *e;
	__s32 delayed;
	__u64 cgid;

	if (!tgid_ok(pt >> 32) || !cg_in_subtree(cg))
		return 0;
	cgid = cg_id(cg);
	delayed = BPF_CORE_READ(ctx, usec_delayed);
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
	e->throttle.nid = BPF_CORE_READ(ctx, nid);
	e->throttle.timeout_us = BPF_CORE_READ(ctx, usec_timeout);
	e->throttle.delayed_us = delayed;
	e->throttle.reason = BPF_CORE_READ(ctx, reason);
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

/* Kernels whose mark_victim passes the victim task (6.8+). */
SEC("tp_btf/mark_victim")
int BPF_PROG(watch_oom_btf, struct task_struct *task, uid_t uid)
{
	struct cgroup *cg = task_memcg(task);
	struct watch_cg_stats *s;
	struct watch_event *e;
	struct mm_struct *mm;
	__u64 cgid;
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (!tgid_ok(tgid) || !cg_in_subtree(cg))
		return 0;
	cgid = cg_id(cg);
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
 * Older kernels (6.1): mark_victim carries only the pid.  The victim
 * task is not at hand, so the event is charged to the memory cgroup of
 * the task running the OOM killer (for a memcg OOM, inside the OOMing
 * subtree) and flagged as such.
 */
SEC("tracepoint/oom/mark_victim")
int watch_oom_tp(struct trace_event_raw_mark_victim *ctx)
{
	struct task_struct *cur = (void *)bpf_get_current_task_btf();
	struct cgroup *cg = task_memcg(cur);
	struct watch_cg_stats *s;
	struct watch_event *e;
	__u32 pid = BPF_CORE_READ(ctx, pid);
	__u64 cgid;

	if (!tgid_ok(pid) || !cg_in_subtree(cg))
		return 0;
	cgid = cg_id(cg);
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

SEC("tp_btf/count_memcg_events")
int BPF_PROG(watch_memcg_events, struct mem_cgroup *memcg, int item, unsigned long val)
{
	struct watch_limit_val *lv;
	struct cgroup *cg;
	bool scan, steal;
	__u64 cgid;

	/* the hot path: most calls are page faults; leave at once */
	scan = item == bpf_core_enum_value(enum vm_event_item, PGSCAN_DIRECT) ||
	       item == bpf_core_enum_value(enum vm_event_item, PGSCAN_KSWAPD);
	steal = item == bpf_core_enum_value(enum vm_event_item, PGSTEAL_DIRECT) ||
		item == bpf_core_enum_value(enum vm_event_item, PGSTEAL_KSWAPD);
	if (!scan && !steal)
		return 0;
	cg = BPF_CORE_READ(memcg, css.cgroup);
	if (!cg_in_subtree(cg))
		return 0;
	cgid = cg_id(cg);
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
	if (scan)
		__sync_fetch_and_add(&lv->pgscan, val);
	else
		__sync_fetch_and_add(&lv->pgsteal, val);
	return 0;
}

/* ---- cgroup creation and removal ------------------------------------- */

static __always_inline int cgroup_event(struct cgroup *cgrp, const char *path, int type)
{
	struct task_struct *t = (void *)bpf_get_current_task_btf();
	struct watch_cg_stats *s;
	struct watch_event *e;
	__u64 cgid;

	/* cgroup_mkdir/rmdir fire for every hierarchy: keep the memory one */
	if (BPF_CORE_READ(cgrp, root) != BPF_CORE_READ(task_memcg(t), root))
		return 0;
	if (!cg_in_subtree(cgrp))
		return 0;
	cgid = cg_id(cgrp);
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
	e->cg.level = BPF_CORE_READ(cgrp, level);
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
