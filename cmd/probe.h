/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Feature probes: what the running kernel offers memcgctl.  Each probe
 * runs once, on first use, and is cached; commands use them to explain a
 * failure ("this kernel lacks X; Y still works").  Nothing here prints.
 */
#ifndef MEMCGCTL_PROBE_H
#define MEMCGCTL_PROBE_H

#include <stdbool.h>

#define PROBE_LIST(X)								\
	/* id                  key                              group */	\
	X(BTF,                 "btf",                           "system")	\
	X(BPFFS,               "bpffs",                         "system")	\
	X(TRACEFS,             "tracefs",                       "system")	\
	X(MEMCG,               "memory_cgroup",                 "system")	\
	X(PSI,                 "memory_psi",                    "system")	\
	X(MEM_RECLAIM,         "memory.reclaim",                "system")	\
	X(RECLAIM_SWAPPINESS,  "memory.reclaim_swappiness",     "system")	\
	X(TP_COUNT_EVENTS,     "memcg:count_memcg_events",      "tracepoint")	\
	X(TP_MOD_STATE,        "memcg:mod_memcg_state",         "tracepoint")	\
	X(TP_MOD_LRUVEC,       "memcg:mod_memcg_lruvec_state",  "tracepoint")	\
	X(TP_FLUSH_STATS,      "memcg:memcg_flush_stats",       "tracepoint")	\
	X(TP_MEMCG_RECLAIM_B,  "vmscan:mm_vmscan_memcg_reclaim_begin", "tracepoint") \
	X(TP_MEMCG_RECLAIM_E,  "vmscan:mm_vmscan_memcg_reclaim_end", "tracepoint") \
	X(TP_DIRECT_RECLAIM_B, "vmscan:mm_vmscan_direct_reclaim_begin", "tracepoint") \
	X(TP_DIRECT_RECLAIM_E, "vmscan:mm_vmscan_direct_reclaim_end", "tracepoint") \
	X(TP_THROTTLED,        "vmscan:mm_vmscan_throttled",    "tracepoint")	\
	X(TP_RECLAIM_PAGES,    "vmscan:mm_vmscan_reclaim_pages", "tracepoint")	\
	X(TP_LRU_SHRINK_INACT, "vmscan:mm_vmscan_lru_shrink_inactive", "tracepoint") \
	X(TP_MARK_VICTIM,      "oom:mark_victim",               "tracepoint")	\
	X(TP_CGROUP_MKDIR,     "cgroup:cgroup_mkdir",           "tracepoint")	\
	X(TP_CGROUP_RMDIR,     "cgroup:cgroup_rmdir",           "tracepoint")	\
	X(PROG_TRACEPOINT,     "tracepoint",                    "program")	\
	X(PROG_RAW_TP,         "raw_tp",                        "program")	\
	X(PROG_TP_BTF,         "tp_btf",                        "program")	\
	X(PROG_ITER_CGROUP,    "iter/cgroup",                   "program")	\
	X(PROG_FENTRY,         "fentry",                        "program")	\
	X(PROG_KPROBE,         "kprobe",                        "program")	\
	X(MAP_RINGBUF,         "ringbuf",                       "map")		\
	X(HELPER_SEND_SIGNAL,  "bpf_send_signal",               "helper")	\
	X(KFUNC_SEND_SIGNAL_TASK, "bpf_send_signal_task",       "kfunc")	\
	X(KFUNC_GET_MEMCG,     "bpf_get_mem_cgroup",            "kfunc")	\
	X(KFUNC_MEMCG_USAGE,   "bpf_mem_cgroup_usage",          "kfunc")	\
	X(KFUNC_MEMCG_EVENTS,  "bpf_mem_cgroup_memory_events",  "kfunc")	\
	X(KFUNC_MEMCG_PSTATE,  "bpf_mem_cgroup_page_state",     "kfunc")	\
	X(KFUNC_MEMCG_VMEV,    "bpf_mem_cgroup_vm_events",      "kfunc")	\
	X(KFUNC_MEMCG_FLUSH,   "bpf_mem_cgroup_flush_stats",    "kfunc")	\
	X(KFUNC_CGROUP_RSTAT_FLUSH, "cgroup_rstat_flush",       "kfunc")	\
	X(STRUCT_OPS_OOM,      "bpf_oom_ops",                   "struct_ops")	\
	X(STRUCT_OPS_MEMCG,    "memcg_bpf_ops",                 "struct_ops")

enum probe_id {
#define X(id, key, group) PROBE_##id,
	PROBE_LIST(X)
#undef X
	PROBE_NR
};

enum probe_state { PROBE_NO = 0, PROBE_YES = 1 };

const char *probe_key(enum probe_id id);
const char *probe_group(enum probe_id id);
/* Run (once) and return the verdict; *why explains a NO (may be NULL). */
enum probe_state probe_get(enum probe_id id, const char **why);

/*
 * The rstat flush kfuncs, best first, that vmlinux BTF has as functions
 * (being there is not being callable: the caller loads a program to
 * know).  Fills ids (room for PROBE_NR_RSTAT_FLUSH); returns how many.
 */
#define PROBE_NR_RSTAT_FLUSH 2
int probe_rstat_flush_kfuncs(enum probe_id *ids);

/*
 * Per-command verdicts: a command is unavailable when a required probe
 * says no or its own programs (cmd_probe below) do not load and attach;
 * degraded when an optional probe says no or its programs lose something
 * on this kernel; full otherwise.
 */
struct probe_opt {
	enum probe_id id;
	const char *loss;	/* what the command lacks without it */
};
struct cmd_probe;
struct probe_cmd {
	const char *name;
	enum probe_id required[8];
	int nr_required;
	struct probe_opt optional[12];
	int nr_optional;
	int (*probe)(struct cmd_probe *p);	/* its own programs; NULL: it has none */
	const char *without;	/* it runs without its programs: what that costs */
};
extern const struct probe_cmd probe_cmds[];
extern const int probe_nr_cmds;

/*
 * What a command's own programs did on this kernel: each BPF-backed command
 * exposes <cmd>_probe(), which opens its skeleton, makes the hook choices
 * the command itself would make, loads, attaches (and, where cheap, checks
 * that its key events arrive), then destroys everything.
 */
struct cmd_probe {
	int err;		/* 0: loaded and attached; else a negative errno */
	char why[200];		/* err: the step that failed and why */
	char lost[400];		/* loaded, but this is lost on this kernel; "" = nothing */
};
void cmd_probe_fail(struct cmd_probe *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cmd_probe_lost(struct cmd_probe *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int notify_probe(struct cmd_probe *p);
int watch_probe(struct cmd_probe *p);
int top_probe(struct cmd_probe *p);
int reclaim_probe(struct cmd_probe *p);
int policy_probe(struct cmd_probe *p);

enum cmd_verdict { CMD_FULL, CMD_DEGRADED, CMD_UNAVAILABLE };

/* A command's verdict on this kernel, with the reasons (run once, cached). */
struct cmd_report {
	enum cmd_verdict verdict;
	char missing[512];	/* keys of the probes that said no, ", "-separated */
	char note[1024];	/* what is lost, or why it is unavailable */
	bool probed;		/* its own programs were tried */
	struct cmd_probe res;
};
const struct cmd_report *probe_cmd_report(const struct probe_cmd *c);
enum cmd_verdict probe_cmd_verdict(const struct probe_cmd *c);
const char *probe_verdict_name(enum cmd_verdict v);

#endif
