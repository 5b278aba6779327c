/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * top's PSI shortcut, part of top's object (included by top.bpf.c, so
 * that loading it costs no second parse of the kernel's BTF; user space
 * loads the object without it where the verifier refuses it).
 *
 * Reading a cgroup's memory.pressure makes the kernel collect every
 * possible CPU's stall times into the group's totals and fold them into
 * the averages (psi_show()), then format two lines.  Over
 * a 10,000-cgroup tree that is the largest part of a refresh, and nearly
 * all of it is spent on cgroups nothing has stalled in for minutes.
 *
 * This iterator looks at the same state without changing it.  For each
 * cgroup2 cgroup of the walk it writes a record saying whether the file,
 * if read now, could differ from what the group already holds:
 *   - QUIET: on every CPU no memory stall is in progress (state_mask) and
 *     the stall times equal what the last collection saw (times_prev of
 *     the averaging aggregator), so collecting would add nothing and the
 *     totals (total[PSI_AVGS]) are the file's;
 *   - ZERO_AVG: the memory averages are all 0 and the totals equal what
 *     was last averaged (avg_total), so updating them keeps them at 0.
 * User space takes the values from the record only with both flags and
 * reads the file otherwise.  Nothing here locks or writes kernel state:
 * a stall that begins during the walk is seen at the next refresh.
 *
 * Per-CPU state is reached from the group's __percpu pointer plus the
 * CPU's per-CPU offset.  That offset is not in BTF, and per-CPU variables
 * (bpf_per_cpu_ptr on a ksym) need data symbols in kallsyms, which not
 * every kernel has; so it is learnt from a per-CPU map of our own: the
 * address bpf_map_lookup_percpu_elem() gives for a CPU, less the map's
 * __percpu element pointer (bpf_array.pptrs[0]).  Taking an address as a
 * number is allowed to programs loaded with CAP_PERFMON, as top's are.
 * All kernel reads are CO-RE relocated bpf_probe_read_kernel; the arrays'
 * shapes ([aggregator][state]) come from the enums' values in the running
 * kernel.
 */
#ifndef MEMCGCTL_TOP_PSI_BPF_H
#define MEMCGCTL_TOP_PSI_BPF_H

#include "memcg.bpf.h"
#include "top_psi_rec.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* sized by user space before load */
	__type(key, __u32);
	__type(value, struct top_psi_rec);
} top_psi_recs SEC(".maps");

/* Set before load: the possible CPUs (libbpf_num_possible_cpus()). */
const volatile __u32 top_psi_nr_cpus;

/* per walk, reset by user space: records written, and whether the walk ended */
__u32 top_psi_nr;
__u32 top_psi_done;

/* only its per-CPU addresses are used (see the top) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} top_psi_cpu SEC(".maps");

/* Every possible CPU of a machine memcgctl looks at (a power of two: indexes are masked) */
#define TOP_PSI_MAX_CPUS 1024

/* CSS_ONLINE is in an anonymous enum (no CO-RE name); its value never changed */
#define TOP_PSI_CSS_ONLINE 2

/* learnt at the first walk: each possible CPU's per-CPU offset */
__u64 top_psi_cpu_off[TOP_PSI_MAX_CPUS];
__u32 top_psi_cpu_offs;		/* how many are known (0: not yet) */

static __always_inline int rd(void *dst, __u32 len, const void *base, __u64 off)
{
	return bpf_probe_read_kernel(dst, len, (const char *)base + off);
}

/* A pointer's value as a number (no arithmetic on pointers to maps). */
static __always_inline __u64 addr_of(const void *p)
{
	__u64 a = 0;

	bpf_probe_read_kernel(&a, sizeof(a), &p);
	return a;
}

/* cpu as an index into the per-CPU arrays, masked where the verifier sees it */
static __always_inline __u32 cpu_slot(__u32 cpu)
{
	asm volatile("" : "+r"(cpu));	/* the compiler must not drop the mask */
	return cpu & (TOP_PSI_MAX_CPUS - 1);
}

/*
 * Loops over CPUs are bpf_loop() callbacks, so that the verifier checks
 * one body, not one per possible CPU (a counted loop on a bound it cannot
 * know is explored to its limit, TOP_PSI_MAX_CPUS times, at every load).
 */
static long learn_cb(__u32 cpu, void *arg)
{
	__u64 *base = arg, at;
	__u32 zero = 0;
	void *v;

	if (cpu >= TOP_PSI_MAX_CPUS)
		return 1;
	v = bpf_map_lookup_percpu_elem(&top_psi_cpu, &zero, cpu);
	at = addr_of(v);
	if (!v || !at)
		return 1;
	top_psi_cpu_off[cpu_slot(cpu)] = at - *base;
	top_psi_cpu_offs = cpu + 1;
	return 0;
}

static __always_inline bool learn_cpu_offsets(void)
{
	__u64 map = addr_of(&top_psi_cpu), base = 0;
	__u32 n = top_psi_nr_cpus;

	if (!map || rd(&base, sizeof(base), (const void *)map,
		       bpf_core_field_offset(struct bpf_array, pptrs)) || !base)
		return false;
	if (n > TOP_PSI_MAX_CPUS)
		n = TOP_PSI_MAX_CPUS;
	top_psi_cpu_offs = 0;
	bpf_loop(n, learn_cb, &base, 0);
	if (top_psi_cpu_offs == n)
		return true;
	top_psi_cpu_offs = 0;	/* a CPU whose offset is unknown: no shortcut */
	return false;
}

/*
 * One copy of each structure per look (a probe read costs the same for 8
 * bytes as for a few hundred): the group up to its averages, and each
 * CPU's part of it.  Fields are then taken at their CO-RE offsets.
 */
#define TOP_PSI_GROUP_MAX 1024
#define TOP_PSI_CPU_MAX 256
struct psi_scratch {
	__u8 g[TOP_PSI_GROUP_MAX];
	__u8 c[TOP_PSI_CPU_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct psi_scratch);
} top_psi_scratch SEC(".maps");

#define AT(buf, type, off) (*(type *)((buf) + (off)))

struct busy_arg {
	__u64 pcpu;
	bool busy;
};

/* Whether CPU cpu has memory stall time in progress or not yet collected. */
static long busy_cb(__u32 cpu, void *arg)
{
	struct busy_arg *b = arg;
	/* relocated constants here, for the verifier to bound the copy */
	int some = bpf_core_enum_value(enum psi_states, PSI_MEM_SOME);
	int full = bpf_core_enum_value(enum psi_states, PSI_MEM_FULL);
	int nr = bpf_core_enum_value(enum psi_states, NR_PSI_STATES);
	int avgs = bpf_core_enum_value(enum psi_aggregators, PSI_AVGS);
	__u32 len = bpf_core_field_offset(struct psi_group_cpu, times_prev) +
		    (avgs * nr + full + 1) * 4;
	__u32 o_mask = bpf_core_field_offset(struct psi_group_cpu, state_mask);
	__u32 o_t = bpf_core_field_offset(struct psi_group_cpu, times) + some * 4;
	__u32 o_p = bpf_core_field_offset(struct psi_group_cpu, times_prev) + (avgs * nr + some) * 4;
	struct psi_scratch *x;
	__u32 zero = 0;

	b->busy = true;
	x = bpf_map_lookup_elem(&top_psi_scratch, &zero);
	if (!x || cpu >= TOP_PSI_MAX_CPUS || len > TOP_PSI_CPU_MAX || o_mask > TOP_PSI_CPU_MAX - 4 ||
	    o_t > TOP_PSI_CPU_MAX - 8 || o_p > TOP_PSI_CPU_MAX - 8)
		return 1;
	if (bpf_probe_read_kernel(x->c, len, (const void *)(b->pcpu + top_psi_cpu_off[cpu_slot(cpu)])))
		return 1;
	if ((AT(x->c, __u32, o_mask) & (1u << some | 1u << full)) ||
	    AT(x->c, __u32, o_t) != AT(x->c, __u32, o_p) ||
	    AT(x->c, __u32, o_t + 4) != AT(x->c, __u32, o_p + 4))
		return 1;
	b->busy = false;
	return 0;
}

SEC("iter/cgroup")
int top_psi_idle(struct bpf_iter__cgroup *ctx)
{
	int some = bpf_core_enum_value(enum psi_states, PSI_MEM_SOME);
	int full = bpf_core_enum_value(enum psi_states, PSI_MEM_FULL);
	int nr = bpf_core_enum_value(enum psi_states, NR_PSI_STATES);
	int avgs = bpf_core_enum_value(enum psi_aggregators, PSI_AVGS);
	struct cgroup *cg = ctx->cgroup;
	struct busy_arg ba = {};
	struct psi_scratch *x;
	struct top_psi_rec *r;
	struct psi_group *g;
	__u32 slot, zero = 0, len, o_en, o_pcpu, o_tot, o_avt, o_avg;
	__u64 pcpu, tot0, tot1;
	bool zero_avg;

	if (!cg) {
		top_psi_done = 1;
		return 0;
	}
	/* the root's group is the system's (psi_system): its file is read */
	if (!(cg->self.flags & TOP_PSI_CSS_ONLINE) || !cg->level)
		return 0;
	/* the averages of some and full are adjacent rows of avg[state][3] */
	if (full != some + 1 || nr <= full || some < 0 || nr > 16 || avgs < 0 || avgs > 1)
		return 0;
	g = BPF_CORE_READ(cg, psi);
	x = bpf_map_lookup_elem(&top_psi_scratch, &zero);
	if (!g || !x)
		return 0;
	if (!top_psi_cpu_offs && !learn_cpu_offsets())
		return 0;
	o_en = bpf_core_field_offset(struct psi_group, enabled);
	o_pcpu = bpf_core_field_offset(struct psi_group, pcpu);
	o_tot = bpf_core_field_offset(struct psi_group, total) + (avgs * (nr - 1) + some) * 8;
	o_avt = bpf_core_field_offset(struct psi_group, avg_total) + some * 8;
	o_avg = bpf_core_field_offset(struct psi_group, avg) + some * 3 * 8;
	len = o_avg + 6 * 8;
	if (len > TOP_PSI_GROUP_MAX || o_en > TOP_PSI_GROUP_MAX - 1 ||
	    o_pcpu > TOP_PSI_GROUP_MAX - 8 || o_tot > TOP_PSI_GROUP_MAX - 16 ||
	    o_avt > TOP_PSI_GROUP_MAX - 16 || o_avg > TOP_PSI_GROUP_MAX - 48 ||
	    bpf_probe_read_kernel(x->g, len, g))
		return 0;
	if (!AT(x->g, bool, o_en))
		return 0;	/* cgroup.pressure 0: the file says so itself */
	pcpu = AT(x->g, __u64, o_pcpu);
	tot0 = AT(x->g, __u64, o_tot);
	tot1 = AT(x->g, __u64, o_tot + 8);
	zero_avg = !(AT(x->g, __u64, o_avg) | AT(x->g, __u64, o_avg + 8) |
		     AT(x->g, __u64, o_avg + 16) | AT(x->g, __u64, o_avg + 24) |
		     AT(x->g, __u64, o_avg + 32) | AT(x->g, __u64, o_avg + 40)) &&
		   AT(x->g, __u64, o_avt) == tot0 && AT(x->g, __u64, o_avt + 8) == tot1;
	if (!pcpu)
		return 0;
	ba.pcpu = pcpu;
	ba.busy = false;
	bpf_loop(top_psi_cpu_offs, busy_cb, &ba, 0);
	if (ba.busy)
		return 0;

	slot = top_psi_nr;
	r = bpf_map_lookup_elem(&top_psi_recs, &slot);
	if (!r)
		return 0;	/* map full: the rest are read from their files */
	top_psi_nr = slot + 1;
	r->id = BPF_CORE_READ(cg, kn, id);
	r->total_ns[0] = tot0;
	r->total_ns[1] = tot1;
	r->flags = TOP_PSI_QUIET | (zero_avg ? TOP_PSI_ZERO_AVG : 0);
	r->pad = 0;
	return 0;
}

#endif
