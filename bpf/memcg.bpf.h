/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The memory cgroup as every memcgctl BPF program sees it, on every kernel
 * memcgctl runs on (6.1 ... 7.x).  Each difference between kernels is
 * handled here, once, by a CO-RE existence check resolved at load time
 * (never by a version number); the comment at each one names the change
 * it tracks: the mainline release that made it, or, where that is not
 * known exactly, the Debian kernels whose BTF lacks and has it (6.1,
 * 6.12, 6.18 and 7.3 were compared).
 *
 * Pointers: memcg_task_css(), memcg_css_under() and memcg_css_id() read
 * with direct (CO-RE relocated) loads, one instruction each, so what they
 * are given must be a BTF pointer: bpf_get_current_task_btf(), a tp_btf
 * argument, an iterator's context, or what these functions return.  The
 * mem_cgroup is reached by pointer arithmetic from its css, so its own
 * fields are read with bpf_probe_read_kernel (BPF_CORE_READ).
 *
 * Load-time inputs (set by user space before load):
 *   memcg_page_shift   log2 of the page size (page counters count pages)
 *
 * Usage: include it instead of vmlinux.h and the libbpf headers (it
 * includes them); in the loader, set skel->rodata->memcg_page_shift =
 * memcg_hooks_page_shift() and choose the pgscan hook with
 * memcg_hooks_scan_via() (cmd/memcg_hooks.h).  Every program under bpf/
 * includes it; subtree membership is memcg_css_under() everywhere.
 */
#ifndef MEMCGCTL_MEMCG_BPF_H
#define MEMCGCTL_MEMCG_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "nolimit.h"

/* Set by user space from sysconf(_SC_PAGESIZE); 0 if it forgot (bytes read 0). */
const volatile __u32 memcg_page_shift;

/*
 * The deepest memory cgroup nesting walked, for membership and for
 * charging an event to every ancestor.  systemd trees are < 10 deep.
 */
#define MEMCG_MAX_DEPTH 32

/* ---- task -> css -> mem_cgroup ---------------------------------------- */

/* The memory cgroup css of a task (v1 and v2 alike; not its cgroup2 id). */
static __always_inline struct cgroup_subsys_state *memcg_task_css(struct task_struct *t)
{
	int sid = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

	return t->cgroups->subsys[sid];
}

/* The memory cgroup css of a cgroup (an iterator's or a hook's). */
static __always_inline struct cgroup_subsys_state *memcg_cgroup_css(struct cgroup *cg)
{
	return cg->subsys[bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)];
}

/* The cgroup id (kernfs inode, what cgroupfs and `watch` show) of a css. */
static __always_inline __u64 memcg_css_id(struct cgroup_subsys_state *css)
{
	return css->cgroup->kn->id;
}

/* container_of(css, struct mem_cgroup, css), by this kernel's offset. */
static __always_inline struct mem_cgroup *memcg_from_css(struct cgroup_subsys_state *css)
{
	if (!css)
		return NULL;
	return (void *)((char *)css - bpf_core_field_offset(struct mem_cgroup, css));
}

/*
 * The one subtree test.  Is css the memory cgroup whose id is want, or one
 * of its descendants?  Returns that ancestor's css (css itself when want
 * is 0: everything is in scope), NULL when outside or deeper than
 * MEMCG_MAX_DEPTH below it.  A cgroup's own css (&cgrp->self) works too:
 * its parents are the ancestors' own csses.
 */
static __always_inline struct cgroup_subsys_state *
memcg_css_under(struct cgroup_subsys_state *css, __u64 want)
{
	if (!want)
		return css;
	for (int i = 0; i < MEMCG_MAX_DEPTH && css; i++) {
		if (memcg_css_id(css) == want)
			return css;
		css = css->parent;
	}
	return NULL;
}

/* ---- page counters and limits ------------------------------------------ */

/* page_counter's "no limit" (PAGE_COUNTER_MAX = LONG_MAX / PAGE_SIZE). */
static __always_inline bool memcg_pc_unlimited(unsigned long pages)
{
	return pages >= (~0UL >> 1) >> memcg_page_shift;
}

static __always_inline __u64 memcg_pages_bytes(unsigned long pages)
{
	return (__u64)pages << memcg_page_shift;
}

/* A limit in bytes, BPF_NOLIMIT for none. */
static __always_inline __u64 memcg_limit_bytes(unsigned long pages)
{
	return memcg_pc_unlimited(pages) ? BPF_NOLIMIT : memcg_pages_bytes(pages);
}

static __always_inline __u64 memcg_usage(struct mem_cgroup *m)
{
	return memcg_pages_bytes(BPF_CORE_READ(m, memory.usage.counter));
}

static __always_inline __u64 memcg_max(struct mem_cgroup *m)
{
	return memcg_limit_bytes(BPF_CORE_READ(m, memory.max));
}

/*
 * memory.high.  page_counter.high is in every kernel memcgctl supports
 * (6.1+); checked anyway, so that a kernel without it costs this helper,
 * not the whole object.
 */
static __always_inline __u64 memcg_high(struct mem_cgroup *m)
{
	if (!bpf_core_field_exists(m->memory.high))
		return BPF_NOLIMIT;
	return memcg_limit_bytes(BPF_CORE_READ(m, memory.high));
}

/*
 * Swap (v2: memory.swap.*) or memory+swap (v1: memory.memsw.*): the two
 * page counters share a union in struct mem_cgroup, so the hierarchy the
 * memcg lives on says which one it is.  In pages.
 */
static __always_inline bool memcg_on_v2(struct cgroup_subsys_state *css)
{
	/* the default (cgroup2) hierarchy has id 0 */
	return css->cgroup->root->hierarchy_id == 0;
}

static __always_inline void memcg_swap_pages(struct mem_cgroup *m, bool v2,
					     unsigned long *usage, unsigned long *max)
{
	if (v2) {
		*usage = BPF_CORE_READ(m, swap.usage.counter);
		*max = BPF_CORE_READ(m, swap.max);
	} else {
		*usage = BPF_CORE_READ(m, memsw.usage.counter);
		*max = BPF_CORE_READ(m, memsw.max);
	}
}

/*
 * mem_cgroup.swappiness, the v1 memory.swappiness; -1 where it is gone
 * (in 6.18's BTF, not in 7.3's).
 */
static __always_inline int memcg_swappiness(struct mem_cgroup *m)
{
	if (!bpf_core_field_exists(m->swappiness))
		return -1;
	return BPF_CORE_READ(m, swappiness);
}

/* ---- memory events (memory.events, memory.events.local) ---------------- */

/*
 * The count of one enum memcg_memory_event item, e.g.
 * memcg_memory_event(m, bpf_core_enum_value(enum memcg_memory_event,
 * MEMCG_MAX), false).  The array grows with the enum (9 items in 6.1 ..
 * 6.18, 10 in 7.3): bounded by this kernel's size of it.  -1 or
 * out-of-range items read 0.
 */
static __always_inline __u64 memcg_memory_event(struct mem_cgroup *m, int item, bool local)
{
	__u32 n = bpf_core_field_size(m->memory_events) / sizeof(long);
	long v = 0;
	char *p;

	if (item < 0 || item >= (int)n)
		return 0;
	p = (char *)m + (local ? bpf_core_field_offset(m->memory_events_local)
			       : bpf_core_field_offset(m->memory_events));
	bpf_probe_read_kernel(&v, sizeof(v), p + item * sizeof(long));
	return v > 0 ? v : 0;
}

/* An enum memcg_memory_event value, -1 where this kernel lacks it. */
#define MEMCG_MEMORY_EVENT(name)						\
	(bpf_core_enum_value_exists(enum memcg_memory_event, name) ?		\
	 (int)bpf_core_enum_value(enum memcg_memory_event, name) : -1)

/* ---- memory.stat counters (memcg->vmstats) ------------------------------- */

/*
 * The hierarchical value memory.stat prints for a node_stat_item (v2
 * "workingset_refault_anon", v1 "total_workingset_refault_anon"): the
 * kernel's memcg_page_state(), memcg->vmstats->state[index].  That array
 * is only as fresh as the last rstat flush: a caller must have flushed
 * (memcg_rstat_flush() below) the subtree first, as the cgroupfs read
 * path does.  The index differs:
 *  - direct: state[] has MEMCG_NR_STAT items, indexed by the enum value
 *    (6.1's BTF: state[50], MEMCG_NR_STAT 50);
 *  - compact ("memcg: reduce memory for the lruvec and memcg stats",
 *    6.10): state[] holds only the items memcg accounts, in the order of
 *    the kernel's memcg_node_stat_items[] table, whose contents BTF does
 *    not carry.  Its head has been the LRU lists, the two slab items,
 *    NR_PERCPU_B where enum node_stat_item has it (it was added to both
 *    at once), then the two workingset refault items (6.12: state[38],
 *    6.18: state[40], 7.3: state[57] were read against memory.stat).
 *    Only those two items are mapped here; others read -1.
 * Returns the count, or -1 where this kernel's layout is not known.
 */
struct memcg_vmstats___memcg {
	long state[1];
} __attribute__((preserve_access_index));

struct mem_cgroup___vmstats {
	struct memcg_vmstats___memcg *vmstats;
} __attribute__((preserve_access_index));

enum node_stat_item___memcg_pcpu { NR_PERCPU_B___pcpu };

static __always_inline int memcg_stat_index(int item)
{
	int n = bpf_core_field_size(struct memcg_vmstats___memcg, state) / sizeof(long);
	int anon = bpf_core_enum_value(enum node_stat_item, WORKINGSET_REFAULT_ANON);
	int file = bpf_core_enum_value(enum node_stat_item, WORKINGSET_REFAULT_FILE);
	int head;

	if (!bpf_core_enum_value_exists(enum memcg_stat_item, MEMCG_NR_STAT))
		return -1;
	if (n >= (int)bpf_core_enum_value(enum memcg_stat_item, MEMCG_NR_STAT))
		return item < n ? item : -1;		/* direct */
	head = bpf_core_enum_value(enum lru_list, NR_LRU_LISTS) + 2;
	if (bpf_core_enum_value_exists(enum node_stat_item___memcg_pcpu, NR_PERCPU_B___pcpu))
		head++;
	if (item == anon)
		return head < n ? head : -1;
	if (item == file)
		return head + 1 < n ? head + 1 : -1;
	return -1;
}

static __always_inline long memcg_page_state(struct mem_cgroup *m, int item)
{
	struct mem_cgroup___vmstats *mv = (void *)m;
	struct memcg_vmstats___memcg *vs;
	int idx = memcg_stat_index(item);
	long v = 0;

	if (idx < 0 || !bpf_core_field_exists(mv->vmstats))
		return -1;
	vs = BPF_CORE_READ(mv, vmstats);
	if (!vs || bpf_probe_read_kernel(&v, sizeof(v), (char *)vs +
			bpf_core_field_offset(struct memcg_vmstats___memcg, state) +
			idx * sizeof(long)))
		return -1;
	return v > 0 ? v : 0;	/* per-CPU deltas may leave it briefly negative */
}

/*
 * The rstat flush before reading memcg_page_state(): what the memory.stat
 * read path does, once per pass over a subtree, from a sleepable cgroup
 * iterator (the flush kfuncs are KF_SLEEPABLE), given the iterator's
 * (trusted) cgroup:
 *   bpf_mem_cgroup_flush_stats(memcg)  7.0+ (the memcg kfuncs; the memcg
 *                                      from bpf_get_mem_cgroup(&cg->self))
 *   cgroup_rstat_flush(cgroup)         6.1 .. 6.15 (bpf_rstat_kfunc_ids,
 *                                      KF_SLEEPABLE, for tracing programs)
 *                                      (the Debian 6.1 guest's verifier
 *                                      refuses this object, EINVAL, its log
 *                                      not read yet: it falls back below)
 * 6.16 .. 6.x have css_rstat_flush(css), which wants the memory css as a
 * trusted pointer, and a sleepable program can only load cgroup->subsys[]
 * (__rcu) as an untrusted one (the 6.18 verifier: "R1 must be referenced
 * or trusted"); there user space flushes by reading the view root's
 * memory.stat, one file per pass (cmd/top_flush.c).
 * libbpf 1.1 has no weak kfunc calls: an object naming a kfunc the kernel
 * lacks does not load.  So each is its own object (bpf/top_flush_*.bpf.c
 * define MEMCG_FLUSH_WITH_* before including this), and user space loads
 * the first whose kfunc is in BTF and that the verifier accepts.
 */
#if defined(MEMCG_FLUSH_WITH_MEMCG_KFUNC)
extern struct mem_cgroup *bpf_get_mem_cgroup(struct cgroup_subsys_state *css) __ksym;
extern void bpf_put_mem_cgroup(struct mem_cgroup *memcg) __ksym;
extern void bpf_mem_cgroup_flush_stats(struct mem_cgroup *memcg) __ksym;

static __always_inline int memcg_rstat_flush(struct cgroup *cg)
{
	struct mem_cgroup *m = bpf_get_mem_cgroup(&cg->self);

	if (!m)
		return -1;
	bpf_mem_cgroup_flush_stats(m);
	bpf_put_mem_cgroup(m);
	return 0;
}
#elif defined(MEMCG_FLUSH_WITH_CGROUP_RSTAT)
extern void cgroup_rstat_flush(struct cgroup *cgrp) __ksym;

static __always_inline int memcg_rstat_flush(struct cgroup *cg)
{
	cgroup_rstat_flush(cg);
	return 0;
}
#endif

/* ---- LRU sizes ---------------------------------------------------------- */

/*
 * mem_cgroup_per_node.lru_zone_size is [MAX_NR_ZONES][NR_LRU_LISTS] in the
 * source; pahole encodes it as one flat array on most builds and as a 2-D
 * array on others (Debian's 7.2 build).  A CO-RE access through the wrong
 * shape fails relocation, so both shapes are described and only the one
 * this kernel has is used, by byte offset.
 */
struct mem_cgroup_per_node___flat {
	unsigned long lru_zone_size[1];
} __attribute__((preserve_access_index));

struct mem_cgroup_per_node___2d {
	unsigned long lru_zone_size[1][1];
} __attribute__((preserve_access_index));

/*
 * The memcg's per-node LRU statistics (their first NR_LRU_LISTS items are
 * the LRU lists in both the node_stat_item and the compact numbering):
 * embedded in mem_cgroup_per_node up to 6.9, a pointer from 6.10
 * ("memcg: dynamically allocate lruvec_stats").
 */
struct lruvec_stats___memcg {
	long state[1];
} __attribute__((preserve_access_index));

struct mem_cgroup_per_node___ptr {
	struct lruvec_stats___memcg *lruvec_stats;
} __attribute__((preserve_access_index));

struct mem_cgroup_per_node___emb {
	struct lruvec_stats___memcg lruvec_stats;
} __attribute__((preserve_access_index));

#define MEMCG_MAX_ZONES 8
#define MEMCG_MAX_NODES 8

static __always_inline long memcg_pn_lru_stat(struct mem_cgroup_per_node *pn, int lru)
{
	struct lruvec_stats___memcg *ls = NULL;
	long v = 0;

	if (bpf_core_field_exists(((struct mem_cgroup_per_node___ptr *)0)->lruvec_stats)) {
		struct mem_cgroup_per_node___ptr *p = (void *)pn;

		ls = BPF_CORE_READ(p, lruvec_stats);
	} else if (bpf_core_field_exists(((struct mem_cgroup_per_node___emb *)0)->lruvec_stats)) {
		struct mem_cgroup_per_node___emb *e = (void *)pn;

		ls = &e->lruvec_stats;
	}
	if (ls)
		bpf_probe_read_kernel(&v, sizeof(v), (char *)ls +
				      bpf_core_field_offset(struct lruvec_stats___memcg, state) +
				      lru * sizeof(long));
	return v > 0 ? v : 0;
}

/* lru_zone_size of this kernel: its byte offset and size, 0 size if none. */
static __always_inline void memcg_zone_size_field(__u32 *off, __u32 *size)
{
	*off = *size = 0;
	if (bpf_core_field_exists(((struct mem_cgroup_per_node___flat *)0)->lru_zone_size)) {
		*off = bpf_core_field_offset(struct mem_cgroup_per_node___flat, lru_zone_size);
		*size = bpf_core_field_size(struct mem_cgroup_per_node___flat, lru_zone_size);
	} else if (bpf_core_field_exists(((struct mem_cgroup_per_node___2d *)0)->lru_zone_size)) {
		*off = bpf_core_field_offset(struct mem_cgroup_per_node___2d, lru_zone_size);
		*size = bpf_core_field_size(struct mem_cgroup_per_node___2d, lru_zone_size);
	}
}

/* File and anon pages of a memcg from its exact per-zone LRU sizes. */
static __always_inline void memcg_zone_lru_pages(struct mem_cgroup *m, __u32 nr_nodes,
						 __u64 *file, __u64 *anon)
{
	int nr_lru = bpf_core_enum_value(enum lru_list, NR_LRU_LISTS);
	int lru_af = bpf_core_enum_value(enum lru_list, LRU_ACTIVE_FILE);
	int lru_if = bpf_core_enum_value(enum lru_list, LRU_INACTIVE_FILE);
	int lru_aa = bpf_core_enum_value(enum lru_list, LRU_ACTIVE_ANON);
	int lru_ia = bpf_core_enum_value(enum lru_list, LRU_INACTIVE_ANON);
	struct mem_cgroup_per_node *pn;
	__u32 off, size, zones;

	*file = *anon = 0;
	memcg_zone_size_field(&off, &size);
	zones = nr_lru > 0 ? size / sizeof(unsigned long) / nr_lru : 0;
	for (__u32 n = 0; n < MEMCG_MAX_NODES && n < nr_nodes; n++) {
		pn = BPF_CORE_READ(m, nodeinfo[n]);
		if (!pn)
			break;
		for (__u32 z = 0; z < MEMCG_MAX_ZONES && z < zones; z++) {
			char *row = (char *)pn + off + z * nr_lru * sizeof(unsigned long);
			unsigned long v[4] = {};

			bpf_probe_read_kernel(&v[0], sizeof(long), row + lru_ia * sizeof(long));
			bpf_probe_read_kernel(&v[1], sizeof(long), row + lru_aa * sizeof(long));
			bpf_probe_read_kernel(&v[2], sizeof(long), row + lru_if * sizeof(long));
			bpf_probe_read_kernel(&v[3], sizeof(long), row + lru_af * sizeof(long));
			*anon += v[0] + v[1];
			*file += v[2] + v[3];
		}
	}
}

/* The same from the per-node LRU statistics (flushed, hierarchical). */
static __always_inline void memcg_stat_lru_pages(struct mem_cgroup *m, __u32 nr_nodes,
						 __u64 *file, __u64 *anon)
{
	int lru_af = bpf_core_enum_value(enum lru_list, LRU_ACTIVE_FILE);
	int lru_if = bpf_core_enum_value(enum lru_list, LRU_INACTIVE_FILE);
	int lru_aa = bpf_core_enum_value(enum lru_list, LRU_ACTIVE_ANON);
	int lru_ia = bpf_core_enum_value(enum lru_list, LRU_INACTIVE_ANON);
	struct mem_cgroup_per_node *pn;

	*file = *anon = 0;
	for (__u32 n = 0; n < MEMCG_MAX_NODES && n < nr_nodes; n++) {
		pn = BPF_CORE_READ(m, nodeinfo[n]);
		if (!pn)
			break;
		*anon += memcg_pn_lru_stat(pn, lru_ia) + memcg_pn_lru_stat(pn, lru_aa);
		*file += memcg_pn_lru_stat(pn, lru_if) + memcg_pn_lru_stat(pn, lru_af);
	}
}

/*
 * File and anon LRU pages of a memcg (its descendants' included) over its
 * first nr_nodes NUMA nodes.  The exact per-zone lru_zone_size first; it
 * stays 0 when the multi-gen LRU is on (MGLRU only updates the node
 * counters), and then the per-node LRU statistics (flushed by reclaim and
 * every 2 s) are used.  Both 0: unknown.
 */
static __always_inline void memcg_lru_pages(struct mem_cgroup *m, __u32 nr_nodes,
					    __u64 *file, __u64 *anon)
{
	memcg_zone_lru_pages(m, nr_nodes, file, anon);
	if (!*file && !*anon)
		memcg_stat_lru_pages(m, nr_nodes, file, anon);
}

/*
 * The multi-gen LRU's own page counts, exact at every folio move (no
 * flush): lruvec.lrugen.nr_pages[MAX_NR_GENS][ANON_AND_FILE][MAX_NR_ZONES]
 * (struct lru_gen_struct up to 6.2, lru_gen_folio since; CONFIG_LRU_GEN).
 * Flat or nested, like lru_zone_size; MAX_NR_GENS (4) and the type order
 * (anon 0, file 1) are defines, unchanged since MGLRU was merged in 6.1.
 */
#define MEMCG_LRU_GENS 4

struct lru_gen_folio___flat {
	long nr_pages[1];
} __attribute__((preserve_access_index));

struct lru_gen_folio___3d {
	long nr_pages[1][1][1];
} __attribute__((preserve_access_index));

struct lruvec___flat {
	struct lru_gen_folio___flat lrugen;
} __attribute__((preserve_access_index));

struct lruvec___3d {
	struct lru_gen_folio___3d lrugen;
} __attribute__((preserve_access_index));

struct mem_cgroup_per_node___lruvec_flat {
	struct lruvec___flat lruvec;
} __attribute__((preserve_access_index));

struct mem_cgroup_per_node___lruvec_3d {
	struct lruvec___3d lruvec;
} __attribute__((preserve_access_index));

/* File and anon pages on a memcg's own multi-gen lists; both 0 if none. */
static __always_inline void memcg_lrugen_pages(struct mem_cgroup *m, __u32 nr_nodes,
					       __u64 *file, __u64 *anon)
{
	__u32 off = 0, size = 0, zones;
	long f = 0, a = 0;

	*file = *anon = 0;
	if (bpf_core_field_exists(((struct mem_cgroup_per_node___lruvec_flat *)0)->lruvec.lrugen.nr_pages)) {
		off = bpf_core_field_offset(struct mem_cgroup_per_node___lruvec_flat, lruvec.lrugen.nr_pages);
		size = bpf_core_field_size(struct mem_cgroup_per_node___lruvec_flat, lruvec.lrugen.nr_pages);
	} else if (bpf_core_field_exists(((struct mem_cgroup_per_node___lruvec_3d *)0)->lruvec.lrugen.nr_pages)) {
		off = bpf_core_field_offset(struct mem_cgroup_per_node___lruvec_3d, lruvec.lrugen.nr_pages);
		size = bpf_core_field_size(struct mem_cgroup_per_node___lruvec_3d, lruvec.lrugen.nr_pages);
	}
	zones = size / sizeof(long) / (MEMCG_LRU_GENS * 2);
	if (zones > MEMCG_MAX_ZONES)
		zones = MEMCG_MAX_ZONES;
	for (__u32 n = 0; zones && n < MEMCG_MAX_NODES && n < nr_nodes; n++) {
		struct mem_cgroup_per_node *pn = BPF_CORE_READ(m, nodeinfo[n]);

		if (!pn)
			break;
		for (__u32 g = 0; g < MEMCG_LRU_GENS; g++) {
			long v[2 * MEMCG_MAX_ZONES] = {};
			char *row = (char *)pn + off + g * 2 * zones * sizeof(long);

			bpf_probe_read_kernel(v, 2 * zones * sizeof(long), row);
			for (__u32 z = 0; z < MEMCG_MAX_ZONES && z < zones; z++) {
				a += v[z];
				f += v[zones + z];
			}
		}
	}
	*file = f > 0 ? f : 0;
	*anon = a > 0 ? a : 0;
}

/*
 * memcg_lru_pages() for a decision that cannot wait for the 2 s flush of
 * the LRU statistics (preoom's charge path): the exact per-zone sizes,
 * else the multi-gen LRU's exact counts, else the flushed statistics.
 */
static __always_inline void memcg_lru_pages_now(struct mem_cgroup *m, __u32 nr_nodes,
						__u64 *file, __u64 *anon)
{
	memcg_zone_lru_pages(m, nr_nodes, file, anon);
	if (!*file && !*anon)
		memcg_lrugen_pages(m, nr_nodes, file, anon);
	if (!*file && !*anon)
		memcg_stat_lru_pages(m, nr_nodes, file, anon);
}

/* ---- reclaim counters: pages scanned and stolen -------------------------- */

/*
 * Where the memcg's pgscan/pgsteal items live:
 *  - up to 7.0, enum vm_event_item, counted with count_memcg_events()
 *    (tracepoint memcg:count_memcg_events from 6.14);
 *  - from 7.1, enum node_stat_item, updated with mod_lruvec_state() and
 *    seen by memcg:mod_memcg_lruvec_state.
 * One local flavour of each enum, so that the build machine's vmlinux.h
 * may have either; each item is relocated only behind its existence check.
 * The per-reclaimer items: kswapd and direct (every kernel), khugepaged
 * (not in 6.1, in 6.12), proactive (memory.reclaim; not in 6.12, in
 * 6.18).  Their sum is memory.stat's pgscan/pgsteal (PGSCAN_ANON/FILE split the same
 * pages a second way and are not added).
 */
enum vm_event_item___memcg {
	PGSCAN_KSWAPD___ev, PGSCAN_DIRECT___ev, PGSCAN_KHUGEPAGED___ev, PGSCAN_PROACTIVE___ev,
	PGSTEAL_KSWAPD___ev, PGSTEAL_DIRECT___ev, PGSTEAL_KHUGEPAGED___ev, PGSTEAL_PROACTIVE___ev,
};

enum node_stat_item___memcg {
	PGSCAN_KSWAPD___ns, PGSCAN_DIRECT___ns, PGSCAN_KHUGEPAGED___ns, PGSCAN_PROACTIVE___ns,
	PGSTEAL_KSWAPD___ns, PGSTEAL_DIRECT___ns, PGSTEAL_KHUGEPAGED___ns, PGSTEAL_PROACTIVE___ns,
};

/* An enumerator's value on this kernel, -1 where its enum lacks it. */
#define MEMCG_ENUM(etype, name)							\
	(bpf_core_enum_value_exists(etype, name) ? (int)bpf_core_enum_value(etype, name) : -1)

/* memcg_reclaim_item() flags */
#define MEMCG_RI_SCAN		1	/* pages scanned */
#define MEMCG_RI_STEAL		2	/* pages reclaimed */
#define MEMCG_RI_PROACTIVE	4	/* by memory.reclaim, not by a charge or kswapd */

#define MEMCG_RI_MATCH(item, etype, sfx, r)					\
	do {									\
		if ((item) == MEMCG_ENUM(etype, PGSCAN_KSWAPD##sfx) ||		\
		    (item) == MEMCG_ENUM(etype, PGSCAN_DIRECT##sfx) ||		\
		    (item) == MEMCG_ENUM(etype, PGSCAN_KHUGEPAGED##sfx))	\
			(r) = MEMCG_RI_SCAN;					\
		else if ((item) == MEMCG_ENUM(etype, PGSTEAL_KSWAPD##sfx) ||	\
			 (item) == MEMCG_ENUM(etype, PGSTEAL_DIRECT##sfx) ||	\
			 (item) == MEMCG_ENUM(etype, PGSTEAL_KHUGEPAGED##sfx))	\
			(r) = MEMCG_RI_STEAL;					\
		else if ((item) == MEMCG_ENUM(etype, PGSCAN_PROACTIVE##sfx))	\
			(r) = MEMCG_RI_SCAN | MEMCG_RI_PROACTIVE;		\
		else if ((item) == MEMCG_ENUM(etype, PGSTEAL_PROACTIVE##sfx))	\
			(r) = MEMCG_RI_STEAL | MEMCG_RI_PROACTIVE;		\
	} while (0)

/*
 * Classify an item of a memcg stats hook: 0 (not reclaim) or MEMCG_RI_*.
 * from_lruvec: the item came from memcg:mod_memcg_lruvec_state (a
 * node_stat_item), else from memcg:count_memcg_events (a vm_event_item).
 * User space attaches the hook whose enum has the items on this kernel
 * (memcg_hooks_scan_via()); the other one classifies nothing.
 */
static __always_inline int memcg_reclaim_item(int item, bool from_lruvec)
{
	int r = 0;

	if (item < 0)
		return 0;
	if (from_lruvec)
		MEMCG_RI_MATCH(item, enum node_stat_item___memcg, ___ns, r);
	else
		MEMCG_RI_MATCH(item, enum vm_event_item___memcg, ___ev, r);
	return r;
}

/* ---- vmscan reclaim tracepoints ------------------------------------------ */

/*
 * memcgctl attaches the vmscan reclaim tracepoints one way, tp_btf, and
 * reads their arguments here.  From 7.1 begin is (gfp_t, int order,
 * struct mem_cgroup *) instead of (int order, gfp_t), and end is
 * (nr_reclaimed, memcg) instead of (nr_reclaimed).  The same change gave
 * their event class (mm_vmscan_direct_reclaim_begin_template, used by
 * both the memcg and the direct reclaim tracepoints) a memcg_id field,
 * and that field's existence is what tells the prototypes apart (clang
 * 14 cannot emit bpf_core_type_matches()).  ctx is BPF_PROG's ctx.
 */
struct trace_event_raw_mm_vmscan_direct_reclaim_begin_template___memcg {
	__u64 memcg_id;
} __attribute__((preserve_access_index));

static __always_inline bool memcg_vmscan_args_have_memcg(void)
{
	return bpf_core_field_exists(
		((struct trace_event_raw_mm_vmscan_direct_reclaim_begin_template___memcg *)0)
			->memcg_id);
}

static __always_inline void memcg_vmscan_begin_args(__u64 *ctx, int *order, __u64 *gfp)
{
	if (memcg_vmscan_args_have_memcg()) {
		*gfp = (__u32)ctx[0];
		*order = (int)ctx[1];
	} else {
		*order = (int)ctx[0];
		*gfp = (__u32)ctx[1];
	}
}

/* Pages reclaimed, the first argument of both end prototypes. */
static __always_inline unsigned long memcg_vmscan_end_reclaimed(__u64 *ctx)
{
	return ctx[0];
}

#endif
