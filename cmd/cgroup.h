/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroup layer: where the memory controller lives (v2, v1 or
 * hybrid), turning a user's CGROUP argument into a directory and an id,
 * and reading a cgroup's memory state into one structure for every
 * layout.  Nothing here prints; errors come back as negative errno and
 * a message in the caller's buffer.
 */
#ifndef MEMCGCTL_CGROUP_H
#define MEMCGCTL_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/nolimit.h"

enum cg_layout {
	CG_LAYOUT_NONE,		/* no memory controller mounted */
	CG_LAYOUT_V2,		/* unified hierarchy with the memory controller */
	CG_LAYOUT_V1,		/* memory on v1, no cgroup2 mounted */
	CG_LAYOUT_HYBRID,	/* memory on v1, cgroup2 (PSI) mounted beside it */
};

struct cg_env {
	enum cg_layout layout;
	char mem_root[PATH_MAX];	/* memory hierarchy mount point */
	char psi_root[PATH_MAX];	/* cgroup2 mount for PSI, "" if none */
	bool mem_is_v2;			/* files are memory.current etc. */
};

const char *cg_layout_name(enum cg_layout l);

/*
 * Detect the layout from a mountinfo file (NULL: /proc/self/mountinfo).
 * mem_root/psi_root override detection (for fixture trees and unusual
 * mounts); either may be NULL.
 */
int cg_env_init(struct cg_env *env, const char *mountinfo,
		const char *mem_root, const char *psi_root,
		char *err, size_t errlen);

/* A resolved memory cgroup. */
struct cg_ref {
	char path[PATH_MAX];	/* absolute directory in the memory hierarchy */
	char rel[PATH_MAX];	/* relative to mem_root: "/" for the root */
	uint64_t id;		/* kernfs id (inode) as BPF sees it */
};

/*
 * Resolve CGROUP: absolute path, path relative to the memory root, a
 * numeric id, or a systemd unit name (foo.service, bar.slice, x.scope)
 * searched in the tree.  Returns 0, -ENOENT (not found / not a memcg),
 * -EINVAL (malformed), -EEXIST (ambiguous unit name), with a message.
 */
int cg_resolve(const struct cg_env *env, const char *arg, struct cg_ref *ref,
	       char *err, size_t errlen);
/* Fill ref from a directory already known to be inside mem_root. */
int cg_ref_from_path(const struct cg_env *env, const char *path,
		     struct cg_ref *ref);
/* The kernfs id of a directory (its inode number). */
int cg_id_of(const char *path, uint64_t *id);
/* The cgroup2 directory that holds PSI for ref ("" if none). */
bool cg_psi_dir(const struct cg_env *env, const struct cg_ref *ref,
		char *buf, size_t len);

/* A value that could not be read is CG_UNKNOWN and prints as "-". */
#define CG_UNKNOWN UINT64_MAX
/* "max" / no limit */
#define CG_NOLIMIT (UINT64_MAX - 1)

static inline bool cg_known(uint64_t v) { return v != CG_UNKNOWN; }

/*
 * A limit as a BPF program sent it (BPF_NOLIMIT: none) in user space's
 * terms (CG_NOLIMIT: none).  The one conversion: BPF_NOLIMIT is all ones,
 * which here would read as CG_UNKNOWN.
 */
static inline uint64_t cg_limit_from_bpf(uint64_t v)
{
	return v == BPF_NOLIMIT ? CG_NOLIMIT : v;
}

/*
 * memory.stat keys we understand, named as cgroup v2 names them; v1's
 * total_* / rss / cache / mapped_file are translated into these.
 */
#define CG_STAT_KEYS(X)							\
	X(anon) X(file) X(kernel) X(kernel_stack) X(pagetables)		\
	X(percpu) X(sock) X(shmem) X(slab) X(slab_reclaimable)		\
	X(slab_unreclaimable) X(file_mapped) X(file_dirty)		\
	X(file_writeback) X(swapcached) X(zswap) X(zswapped)		\
	X(active_anon) X(inactive_anon) X(active_file) X(inactive_file)	\
	X(unevictable) X(pgfault) X(pgmajfault) X(pgscan) X(pgsteal)	\
	X(pgrefill) X(pgactivate) X(pgdeactivate) X(pglazyfree)		\
	X(workingset_refault_anon) X(workingset_refault_file)		\
	X(workingset_activate_anon) X(workingset_activate_file)		\
	X(workingset_restore_anon) X(workingset_restore_file)		\
	X(workingset_nodereclaim) X(thp_fault_alloc)

enum cg_stat {
#define X(n) CG_STAT_##n,
	CG_STAT_KEYS(X)
#undef X
	CG_STAT_NR
};
extern const char *const cg_stat_names[CG_STAT_NR];

#define CG_EVENT_KEYS(X) X(low) X(high) X(max) X(oom) X(oom_kill) X(oom_group_kill)
enum cg_event {
#define X(n) CG_EV_##n,
	CG_EVENT_KEYS(X)
#undef X
	CG_EV_NR
};
extern const char *const cg_event_names[CG_EV_NR];

struct cg_psi_line {
	double avg10, avg60, avg300;	/* percent; negative when unknown */
	uint64_t total_us;		/* CG_UNKNOWN when unknown */
};

struct cg_mem {
	uint64_t current, peak;
	uint64_t min, low, high, max;	/* bytes, CG_NOLIMIT or CG_UNKNOWN */
	uint64_t swap_current, swap_max;
	uint64_t stat[CG_STAT_NR];
	uint64_t events[CG_EV_NR];
	struct cg_psi_line psi_some, psi_full;
	uint64_t nr_procs;
	bool populated_children;	/* has child cgroups */
};

/* Read everything the kernel offers for ref; missing files stay unknown. */
int cg_read_mem(const struct cg_env *env, const struct cg_ref *ref,
		struct cg_mem *m);

/* Groups of files cg_read_mem_at() reads (cg_read_mem reads them all). */
enum {
	CG_RD_USAGE	= 1 << 0,	/* current, peak, min/low/high/max */
	CG_RD_SWAP	= 1 << 1,	/* swap current/max (v1: memsw - usage) */
	CG_RD_STAT	= 1 << 2,	/* memory.stat */
	CG_RD_EVENTS	= 1 << 3,	/* memory.events / failcnt + oom_control */
	CG_RD_PSI	= 1 << 4,	/* memory.pressure in psi_dfd */
	CG_RD_PROCS	= 1 << 5,	/* cgroup.procs line count */
	CG_RD_CHILDREN	= 1 << 6,	/* populated_children */
	CG_RD_ALL	= (1 << 7) - 1,
};

/* Every field unknown, as before a read. */
void cg_mem_unknown(struct cg_mem *m);
/*
 * Read only the groups in what, relative to the cgroup's directory fd
 * (and its cgroup2 twin's, or -1): for callers that read thousands of
 * cgroups per second.  Fields not read are left as they were.
 */
void cg_read_mem_at(const struct cg_env *env, int dfd, int psi_dfd, unsigned what,
		    struct cg_mem *m);

/*
 * The parsers behind cg_read_mem_at(), for callers that keep files open
 * and pread() them: memory.stat's text into m->stat (v1 names mapped to
 * v2's), memory.pressure's into some/full (0 when "some" was there).
 * Both modify buf.
 */
void cg_parse_mem_stat(const struct cg_env *env, char *buf, struct cg_mem *m);
int cg_parse_psi(char *buf, struct cg_psi_line *some, struct cg_psi_line *full);

/* The limit that binds first (lowest of high and max), CG_NOLIMIT if none. */
uint64_t cg_binding_limit(const struct cg_mem *m, const char **which);

/*
 * memory.pressure of a cgroup2 directory (see cg_psi_dir) into some/full;
 * 0 when "some" was read, else negative errno and both stay unknown.
 */
int cg_read_psi(const char *dir, struct cg_psi_line *some, struct cg_psi_line *full);

/* Parse one "some avg10=.. avg60=.. avg300=.. total=.." line. */
int cg_parse_psi_line(const char *line, struct cg_psi_line *out);

/*
 * Walk the subtree below ref (not including ref itself), depth-first in
 * name order, calling fn for each memory cgroup up to max_depth levels
 * (0 = unlimited).  fn returns non-zero to stop.
 */
int cg_walk(const struct cg_env *env, const struct cg_ref *ref, int max_depth,
	    int (*fn)(const struct cg_ref *ref, int depth, void *ctx), void *ctx);

/* Small file helpers shared with commands. */
int read_file_str(const char *path, char *buf, size_t len);
int read_file_u64(const char *path, uint64_t *v);	/* "max" -> CG_NOLIMIT */
int write_file_str(const char *path, const char *s);

#endif
