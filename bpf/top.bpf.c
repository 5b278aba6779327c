// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl top: per-memory-cgroup reclaim stall time, reclaimed pages
 * and OOM victims, counted in the kernel so a refresh is one map read.
 *
 * Only slow paths are hooked (reclaim begin/end, OOM victim marking):
 * nothing here runs on a page fault or a charge that succeeds.  The
 * vmscan tracepoints carry no cgroup, so a reclaim is attributed to the
 * memory cgroup of the task doing it, read from the task with CO-RE
 * (bpf_get_current_cgroup_id() would give the cgroup v2 id, which on a
 * hybrid host is not the memory cgroup).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "top.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TOP_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct top_cg_stats);
} top_stats SEC(".maps");

/* reclaim start time per task; memcg and direct reclaim kept apart */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} top_memcg_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} top_direct_start SEC(".maps");

/* 6.1 kept ancestor ids instead of pointers */
struct cgroup___old {
	int level;
	u64 ancestor_ids[];
} __attribute__((preserve_access_index));

enum top_field { F_MEMCG, F_DIRECT, F_OOM };

static __always_inline struct cgroup *task_memcg(struct task_struct *task)
{
	int idx = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cs;

	cs = BPF_CORE_READ(task, cgroups);
	if (!cs || idx < 0 || idx >= CGROUP_SUBSYS_COUNT)
		return NULL;
	bpf_core_read(&css, sizeof(css), &cs->subsys[idx]);
	if (!css)
		return NULL;
	return BPF_CORE_READ(css, cgroup);
}

static __always_inline __u64 ancestor_id(struct cgroup *cg, int i)
{
	if (bpf_core_field_exists(cg->ancestors)) {
		struct cgroup *a = NULL;

		bpf_core_read(&a, sizeof(a), &cg->ancestors[i]);
		return a ? BPF_CORE_READ(a, kn, id) : 0;
	} else {
		struct cgroup___old *o = (void *)cg;
		__u64 id = 0;

		bpf_core_read(&id, sizeof(id), &o->ancestor_ids[i]);
		return id;
	}
}

static __always_inline void add_one(__u64 id, enum top_field f, __u64 ns, __u64 pages)
{
	struct top_cg_stats *s, zero = {};

	if (!id)
		return;
	s = bpf_map_lookup_elem(&top_stats, &id);
	if (!s) {
		bpf_map_update_elem(&top_stats, &id, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&top_stats, &id);
		if (!s)
			return;
	}
	switch (f) {
	case F_MEMCG:
		__sync_fetch_and_add(&s->stall_ns, ns);
		__sync_fetch_and_add(&s->reclaims, 1);
		__sync_fetch_and_add(&s->reclaimed, pages);
		break;
	case F_DIRECT:
		__sync_fetch_and_add(&s->direct_stall_ns, ns);
		__sync_fetch_and_add(&s->direct_reclaimed, pages);
		break;
	case F_OOM:
		__sync_fetch_and_add(&s->oom_kills, 1);
		break;
	}
}

/* Add to the task's memory cgroup and every ancestor (hierarchical). */
static __always_inline void account(struct task_struct *task, enum top_field f,
				    __u64 ns, __u64 pages)
{
	struct cgroup *cg = task_memcg(task);
	int level;

	if (!cg)
		return;
	level = BPF_CORE_READ(cg, level);
	for (int i = 0; i < TOP_MAX_LEVEL; i++) {
		if (i > level)
			break;
		add_one(ancestor_id(cg, i), f, ns, pages);
	}
}

static __always_inline int reclaim_begin(void *map)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(map, &pid, &ts, BPF_ANY);
	return 0;
}

static __always_inline int reclaim_end(void *map, enum top_field f, __u64 pages)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	__u64 *start, ns;

	start = bpf_map_lookup_elem(map, &pid);
	if (!start)
		return 0;	/* began before we attached */
	ns = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(map, &pid);
	account((struct task_struct *)bpf_get_current_task(), f, ns, pages);
	return 0;
}

struct reclaim_end_args {
	unsigned long long common;
	unsigned long nr_reclaimed;
};

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_begin")
int top_memcg_begin(void *ctx)
{
	return reclaim_begin(&top_memcg_start);
}

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_end")
int top_memcg_end(struct reclaim_end_args *ctx)
{
	return reclaim_end(&top_memcg_start, F_MEMCG, ctx->nr_reclaimed);
}

SEC("tracepoint/vmscan/mm_vmscan_direct_reclaim_begin")
int top_direct_begin(void *ctx)
{
	return reclaim_begin(&top_direct_start);
}

SEC("tracepoint/vmscan/mm_vmscan_direct_reclaim_end")
int top_direct_end(struct reclaim_end_args *ctx)
{
	return reclaim_end(&top_direct_start, F_DIRECT, ctx->nr_reclaimed);
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} top_victims SEC(".maps");

/*
 * The victim is not the current task (the OOM killer runs in whoever
 * failed to charge), so this needs the typed argument: tp_btf.  Kernels
 * whose mark_victim passes only a pid (6.1) load without it.
 */
SEC("tp_btf/mark_victim")
int BPF_PROG(top_oom_victim, struct task_struct *task)
{
	struct cgroup *cg = task_memcg(task);
	struct top_victim *v;

	account(task, F_OOM, 0, 0);
	if (!cg)
		return 0;
	v = bpf_ringbuf_reserve(&top_victims, sizeof(*v), 0);
	if (!v)
		return 0;	/* user space is behind: the counters still have it */
	v->memcg_id = BPF_CORE_READ(cg, kn, id);
	v->time_ns = bpf_ktime_get_ns();
	v->pid = BPF_CORE_READ(task, tgid);
	v->pad = 0;
	BPF_CORE_READ_STR_INTO(&v->comm, task, comm);
	bpf_ringbuf_submit(v, 0);
	return 0;
}

/* ---- iter/cgroup: the memory cgroup tree's page counters in one pass ---- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* sized by user space before load */
	__type(key, __u32);
	__type(value, struct top_memcg_rec);
} top_iter_recs SEC(".maps");

/*
 * Set before load: the cgroup2 mount has memory_localevents, so
 * memory.events shows this cgroup's own events, not its subtree's.
 */
const volatile bool top_iter_local_events;

/* per walk, reset by user space: records seen (may exceed the map), done */
__u64 top_iter_nr;
__u32 top_iter_done;

/* CSS_ONLINE is in an anonymous enum (no CO-RE name); its value never changed */
#define TOP_CSS_ONLINE 2

static __always_inline __u64 pc_read(struct page_counter *pc)
{
	return BPF_CORE_READ(pc, usage.counter);
}

static __always_inline void pc_limits(struct page_counter *pc, __u64 *min, __u64 *low,
				      __u64 *high, __u64 *max)
{
	*min = BPF_CORE_READ(pc, min);
	*low = BPF_CORE_READ(pc, low);
	*high = BPF_CORE_READ(pc, high);
	*max = BPF_CORE_READ(pc, max);
}

/* memory_events[] has these first six in this order on every kernel we know */
#define TOP_EV_READ 6

static __always_inline __u64 ev_at(const __u64 *ev, int i)
{
	return i >= 0 && i < TOP_EV_READ ? ev[i] : 0;
}

SEC("iter/cgroup")
int top_iter_memcg(struct bpf_iter__cgroup *ctx)
{
	int idx = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup *cg = ctx->cgroup;
	struct cgroup_subsys_state *css = NULL, *pcss;
	struct top_memcg_rec *r;
	struct mem_cgroup *mc;
	__u32 slot;
	long n;

	__u64 ev[TOP_EV_READ] = {};

	if (!cg) {
		top_iter_done = 1;	/* the walk reached its end */
		return 0;
	}
	/*
	 * ctx->cgroup is a trusted pointer: its fields are read with plain
	 * (CO-RE relocated) loads, no helper call; the mem_cgroup is reached
	 * by pointer arithmetic, so its fields need bpf_probe_read_kernel.
	 */
	/* a removed cgroup is skipped, as it is gone from cgroupfs */
	if (!(cg->self.flags & TOP_CSS_ONLINE))
		return 0;
	if (idx < 0 || idx >= CGROUP_SUBSYS_COUNT)
		return 0;
	css = cg->subsys[idx];
	slot = top_iter_nr++;
	r = bpf_map_lookup_elem(&top_iter_recs, &slot);
	if (!r)
		return 0;	/* map too small: user space sees nr > capacity */

	r->id = cg->kn->id;
	r->level = cg->level;
	pcss = cg->self.parent;
	r->parent_id = pcss ? pcss->cgroup->kn->id : 0;
	r->flags = r->level == 0 ? TOP_REC_MEMCG_ROOT : 0;
	n = bpf_probe_read_kernel_str(r->name, sizeof(r->name), cg->kn->name);
	if (n < 0 || n >= (long)sizeof(r->name))
		r->flags |= TOP_REC_NAME_TRUNC;	/* n counts the NUL: a full buffer may be cut */
	/*
	 * v2: memory not enabled in the parent's subtree_control.  cgroupfs
	 * still lists the directory (with no memory.* files), so the record
	 * stays in the tree, with nothing read.
	 */
	if (!css) {
		r->flags |= TOP_REC_NO_MEMCG;
		return 0;
	}
	mc = (void *)css - bpf_core_field_offset(struct mem_cgroup, css);

	r->usage = pc_read(&mc->memory);
	r->watermark = BPF_CORE_READ(mc, memory.watermark);
	r->failcnt = BPF_CORE_READ(mc, memory.failcnt);
	pc_limits(&mc->memory, &r->min, &r->low, &r->high, &r->max);
	/* swap and memsw share a union: v2 uses swap, v1 memsw */
	r->swap_usage = pc_read(&mc->swap);
	r->swap_max = BPF_CORE_READ(mc, swap.max);

	if (top_iter_local_events)
		bpf_core_read(ev, sizeof(ev), &mc->memory_events_local[0]);
	else
		bpf_core_read(ev, sizeof(ev), &mc->memory_events[0]);
	r->events[TOP_IEV_LOW] = ev_at(ev, bpf_core_enum_value(enum memcg_memory_event, MEMCG_LOW));
	r->events[TOP_IEV_HIGH] = ev_at(ev, bpf_core_enum_value(enum memcg_memory_event, MEMCG_HIGH));
	r->events[TOP_IEV_MAX] = ev_at(ev, bpf_core_enum_value(enum memcg_memory_event, MEMCG_MAX));
	r->events[TOP_IEV_OOM] = ev_at(ev, bpf_core_enum_value(enum memcg_memory_event, MEMCG_OOM));
	r->events[TOP_IEV_OOM_KILL] =
		ev_at(ev, bpf_core_enum_value(enum memcg_memory_event, MEMCG_OOM_KILL));
	r->events[TOP_IEV_OOM_GROUP_KILL] = bpf_core_enum_value_exists(enum memcg_memory_event,
								       MEMCG_OOM_GROUP_KILL) ?
		ev_at(ev, bpf_core_enum_value(enum memcg_memory_event, MEMCG_OOM_GROUP_KILL)) : 0;
	return 0;
}
