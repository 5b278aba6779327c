/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * top's PSI shortcut (bpf/top_psi.bpf.h): before each refresh one cgroup
 * iterator pass over the cgroup2 twin of the view's root tells which
 * cgroups' memory.pressure would read as it did (no stall since it was
 * last collected, averages 0.00): their values come from the pass and
 * their files are not read.  Every other cgroup's file is read as before.
 */
#ifndef MEMCGCTL_TOP_PSI_H
#define MEMCGCTL_TOP_PSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

struct top_psi;
struct top_bpf;

/*
 * Before top's object is loaded: size the pass for cap cgroups (false:
 * it cannot run here), or leave it out of the load.
 */
bool top_psi_prepare(struct top_bpf *s, size_t cap);
void top_psi_leave_out(struct top_bpf *s);
/*
 * Attach the loaded pass over the cgroup2 directory dir and run it once.
 * NULL when it does not work here, with *why saying why.
 */
struct top_psi *top_psi_open(struct top_bpf *s, const char *dir, char *why, size_t len);
/* One pass: 0, or -errno (then every file is read this refresh). */
int top_psi_run(struct top_psi *p);

enum top_psi_have {
	TOP_PSI_NONE,		/* read the file */
	TOP_PSI_TOTALS,		/* the totals are known, the averages are not */
	TOP_PSI_ALL,		/* both lines as the file would show them */
};
/* What the last pass knows of cgroup2 cgroup id (its inode number). */
enum top_psi_have top_psi_get(const struct top_psi *p, uint64_t id,
			      struct cg_psi_line *some, struct cg_psi_line *full);
void top_psi_free(struct top_psi *p);

#endif
