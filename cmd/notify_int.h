/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * notify's internal vocabulary, shared by its three files:
 *   notify.c      the CLI, the event loop and --exec
 *   notify_bpf.c  the BPF program: which hooks this kernel gets, load, attach, arm
 *   notify_fmt.c  a firing as a line, a JSON object or MEMCGCTL_* variables
 * Not for other commands: they have notify_cond.h and probe.h.
 */
#ifndef MEMCGCTL_NOTIFY_INT_H
#define MEMCGCTL_NOTIFY_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "notify_cond.h"

struct notify_bpf;
struct ring_buffer;

struct notify_args {
	const char *cgroup;
	struct notify_cond conds[NOTIFY_MAX_CONDS];
	int nr;
	bool all, forever, wait_next, count_set;
	uint64_t count;
	uint64_t timeout_ns;
	uint64_t band;
	bool band_pct;
	char **exec_argv;	/* NULL: print only */
	uint64_t exec_timeout_ns;
	const char *exec_timeout_arg;	/* as typed, for messages */
};

/* One report: from a BPF edge, a PSI trigger, the arming snapshot or rmdir. */
struct firing {
	int cond;
	bool initial;
	uint64_t event_ns, wake_ns;
	bool have_mem;
	uint64_t usage, max, high, thresh;
	bool have_counter;
	uint64_t value, delta;
	uint32_t pid;
	char comm[NOTIFY_COMM_LEN + 1];
	uint32_t hook;
	bool have_psi;
	struct cg_psi_line psi;
};

struct notify_run {
	struct notify_args *a;
	struct cg_env env;
	struct cg_ref ref;
	char psi_dir[PATH_MAX];
	struct notify_bpf *skel;
	struct ring_buffer *rb;
	int epfd, sigfd, timerfd;
	int psi_fd[NOTIFY_MAX_CONDS];
	bool holds[NOTIFY_MAX_CONDS];
	uint64_t psi_until[NOTIFY_MAX_CONDS];
	uint64_t limit_count;	/* 0: unlimited */
	uint64_t firings;
	uint64_t wake_ns;
	bool done;
	int ret;
};

/* notify_bpf.c */
int notify_bpf_setup(struct notify_run *r);
int notify_bpf_arm(struct notify_run *r, struct notify_snapshot *snap);
void notify_bpf_report_stats(const struct notify_run *r);

/* notify_fmt.c */
void notify_firing_json(const struct notify_run *r, const struct notify_cond *c,
			const struct firing *f);
void notify_firing_plain(const struct notify_run *r, const struct notify_cond *c,
			 const struct firing *f);
/* In the --exec child: the firing as MEMCGCTL_* variables (setenv). */
void notify_firing_env(const struct notify_run *r, const struct notify_cond *c,
		       const struct firing *f);
/* "memcg:mod_memcg_state", "start" (the arming iterator); NULL if out of range. */
const char *notify_hook_name(uint32_t hook);

#endif
