// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl top: per-memory-cgroup reclaim stall time, reclaimed pages
 * and OOM victims, counted in the kernel so a refresh is one map read.
 *
 * Only slow paths are hooked (reclaim begin/end, OOM victim marking):
 * nothing here runs on a page fault or a charge that succeeds.  The
 * vmscan tracepoints carry no cgroup, so a reclaim is attributed to the
 * memory cgroup of the task doing it (memcg_task_css(); the cgroup v2 id
 * of bpf_get_current_cgroup_id() is not the memory cgroup on a hybrid
 * host).
 */
#include "memcg.bpf.h"
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

enum top_field { F_MEMCG, F_DIRECT, F_OOM };

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
	struct cgroup_subsys_state *css = memcg_task_css(task);

	for (int i = 0; i < MEMCG_MAX_DEPTH && css; i++) {
		add_one(memcg_css_id(css), f, ns, pages);
		css = css->parent;
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
	account(bpf_get_current_task_btf(), f, ns, pages);
	return 0;
}

/* tp_btf, as everywhere in memcgctl; the arguments via memcg.bpf.h */
SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(top_memcg_begin)
{
	return reclaim_begin(&top_memcg_start);
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(top_memcg_end)
{
	return reclaim_end(&top_memcg_start, F_MEMCG, memcg_vmscan_end_reclaimed(ctx));
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(top_direct_begin)
{
	return reclaim_begin(&top_direct_start);
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(top_direct_end)
{
	return reclaim_end(&top_direct_start, F_DIRECT, memcg_vmscan_end_reclaimed(ctx));
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} top_victims SEC(".maps");

/*
 * The victim is not the current task (the OOM killer runs in whoever
 * failed to charge), so this needs the typed argument: tp_btf.  Kernels
 * whose mark_victim passes only a pid (before 6.9) load without it.
 */
SEC("tp_btf/mark_victim")
int BPF_PROG(top_oom_victim, struct task_struct *task)
{
	struct cgroup_subsys_state *css = memcg_task_css(task);
	struct top_victim *v;

	account(task, F_OOM, 0, 0);
	if (!css)
		return 0;
	v = bpf_ringbuf_reserve(&top_victims, sizeof(*v), 0);
	if (!v)
		return 0;	/* user space is behind: the counters still have it */
	v->memcg_id = memcg_css_id(css);
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

/*
 * Set before load: top_flush_*.bpf.o loaded, so every pass is preceded
 * by an rstat flush of the view's subtree and the memcg vmstats are as
 * fresh as memory.stat would show them; else they are not read.
 */
const volatile bool top_iter_stats;

/* per walk, reset by user space: records seen (may exceed the map), done */
__u64 top_iter_nr;
__u32 top_iter_done;

/* CSS_ONLINE is in an anonymous enum (no CO-RE name); its value never changed */
#define TOP_CSS_ONLINE 2

/*
 * A probe read costs about the same for 8 bytes as for a few hundred, so
 * the pass copies each region of the mem_cgroup it needs once (the two
 * page counters, then the memory events) and takes the fields at their
 * CO-RE offsets from the copy; one read per field was most of a pass.
 */
#define TOP_COPY_MAX 1024
struct top_copy {
	__u8 pc[TOP_COPY_MAX];		/* memory .. the end of swap/memsw */
	long ev[32];			/* memory_events or memory_events_local */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct top_copy);
} top_copy SEC(".maps");

#define TOP_AT(x, expr, base)							\
	({									\
		__u32 __o = bpf_core_field_offset(expr) - (base);		\
		__o <= TOP_COPY_MAX - 8 ? *(unsigned long *)((x)->pc + __o) : 0;\
	})

static __always_inline __u64 ev_at(const struct top_copy *x, __u32 n, int item)
{
	if (item < 0 || item >= (int)n || item >= 32)
		return 0;
	return x->ev[item] > 0 ? x->ev[item] : 0;
}

SEC("iter/cgroup")
int top_iter_memcg(struct bpf_iter__cgroup *ctx)
{
	int idx = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup *cg = ctx->cgroup;
	struct cgroup_subsys_state *css = NULL, *pcss;
	bool local = top_iter_local_events;
	struct top_memcg_rec *r;
	struct mem_cgroup *mc;
	struct top_copy *cx;
	__u32 slot, zero = 0, base, len, nev;
	long n;

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
	mc = memcg_from_css(css);

	cx = bpf_map_lookup_elem(&top_copy, &zero);
	if (!cx)
		return 0;
	/* in pages: user space knows the page size */
	base = bpf_core_field_offset(mc->memory);
	len = bpf_core_field_offset(mc->swap) + bpf_core_field_size(mc->swap) - base;
	if (len > TOP_COPY_MAX || bpf_probe_read_kernel(cx->pc, len, (char *)mc + base))
		return 0;
	r->usage = TOP_AT(cx, mc->memory.usage.counter, base);
	r->watermark = TOP_AT(cx, mc->memory.watermark, base);
	r->failcnt = TOP_AT(cx, mc->memory.failcnt, base);
	r->min = TOP_AT(cx, mc->memory.min, base);
	r->low = TOP_AT(cx, mc->memory.low, base);
	r->high = TOP_AT(cx, mc->memory.high, base);
	r->max = TOP_AT(cx, mc->memory.max, base);
	/* swap and memsw share a union: v2 uses swap, v1 memsw */
	r->swap_usage = TOP_AT(cx, mc->swap.usage.counter, base);
	r->swap_max = TOP_AT(cx, mc->swap.max, base);

	/* the array grows with the enum (9 items in 6.1 .. 6.18, 10 in 7.3) */
	nev = bpf_core_field_size(mc->memory_events) / sizeof(long);
	if (nev > 32 || bpf_probe_read_kernel(cx->ev, nev * sizeof(long), (char *)mc +
			(local ? bpf_core_field_offset(mc->memory_events_local)
			       : bpf_core_field_offset(mc->memory_events))))
		return 0;
	r->events[TOP_IEV_LOW] = ev_at(cx, nev, MEMCG_MEMORY_EVENT(MEMCG_LOW));
	r->events[TOP_IEV_HIGH] = ev_at(cx, nev, MEMCG_MEMORY_EVENT(MEMCG_HIGH));
	r->events[TOP_IEV_MAX] = ev_at(cx, nev, MEMCG_MEMORY_EVENT(MEMCG_MAX));
	r->events[TOP_IEV_OOM] = ev_at(cx, nev, MEMCG_MEMORY_EVENT(MEMCG_OOM));
	r->events[TOP_IEV_OOM_KILL] = ev_at(cx, nev, MEMCG_MEMORY_EVENT(MEMCG_OOM_KILL));
	r->events[TOP_IEV_OOM_GROUP_KILL] =
		ev_at(cx, nev, MEMCG_MEMORY_EVENT(MEMCG_OOM_GROUP_KILL));

	if (top_iter_stats) {
		long ra = memcg_page_state(mc, bpf_core_enum_value(enum node_stat_item,
								   WORKINGSET_REFAULT_ANON));
		long rf = memcg_page_state(mc, bpf_core_enum_value(enum node_stat_item,
								   WORKINGSET_REFAULT_FILE));

		if (ra >= 0 && rf >= 0) {
			r->refault_anon = ra;
			r->refault_file = rf;
			r->flags |= TOP_REC_STAT;
		}
	}
	return 0;
}

/* ---- iter/cgroup: which cgroups' memory.pressure need not be read ---- */
#include "top_psi.bpf.h"
