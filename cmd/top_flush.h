/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * top's rstat flush before each cgroup iterator pass (bpf/top_flush.bpf.h):
 * one of two small objects, the first this kernel has the kfunc for and
 * the verifier takes, attached to the view's root; else a read of the
 * root's memory.stat (the kernel flushes its subtree to format it).
 */
#ifndef MEMCGCTL_TOP_FLUSH_H
#define MEMCGCTL_TOP_FLUSH_H

struct top_flush;

/*
 * Load and attach the flush over the cgroup directory path, and run it
 * once.  NULL when none works here (*why says which were tried), else
 * *kfunc names the kfunc it calls, or "memory.stat".
 */
struct top_flush *top_flush_open(const char *path, const char **kfunc, char *why, size_t len);
/* One flush of the subtree: 0, or -errno when it did not flush. */
int top_flush_run(struct top_flush *f);
void top_flush_free(struct top_flush *f);

#endif
