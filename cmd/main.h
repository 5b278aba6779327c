/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared vocabulary of memcgctl: exit codes, diagnostics, argument
 * handling and command dispatch.  Every command file includes this.
 */
#ifndef MEMCGCTL_MAIN_H
#define MEMCGCTL_MAIN_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"

#ifndef MEMCGCTL_VERSION
#define MEMCGCTL_VERSION "0.0.0"
#endif

/*
 * Exit codes, documented in memcgctl(8).  Usage errors are distinct from
 * runtime errors; the command-specific codes are shared so that one
 * number never means two things.
 */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* the kernel or the system said no */
	EXIT_USAGE = 2,		/* the user typed something we cannot take */
	EXIT_NOCGROUP = 3,	/* CGROUP does not exist or is not a memcg */
	EXIT_PERM = 4,		/* missing privileges */
	EXIT_UNSUPPORTED = 5,	/* this kernel lacks what the command needs */
	EXIT_TIMEOUT = 6,	/* notify: --timeout expired */
	EXIT_VANISHED = 7,	/* watch/notify: the cgroup was removed */
	EXIT_PARTIAL = 8,	/* reclaim: the kernel reclaimed less than asked */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Global options, set by main() before a command runs. */
struct global_opts {
	bool json;		/* -j: machine-readable output */
	bool pretty;		/* -p: indented JSON (implies -j) */
	bool debug;		/* -d: libbpf messages and verifier logs */
	const char *cgroup_root;	/* --cgroup-root: memory hierarchy */
	const char *psi_root;		/* --psi-root: cgroup2 hierarchy */
};
extern struct global_opts gopts;
extern struct json_writer *json_wtr;	/* stdout writer under -j, else NULL */
extern const char *prog_name;		/* "memcgctl" */

/*
 * Diagnostics.  p_err() prints "memcgctl: <msg>" on stderr, or under -j
 * the JSON object {"error": "<msg>"} on stdout; one error per invocation
 * is emitted as JSON, later ones go to stderr.  p_hint() adds a second
 * line (plain mode only, or the "hint" member under -j when called right
 * after p_err()).  p_info() is silent under -j.
 */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * p_capture(buf, len): from now on diagnostics do not reach stderr (nor
 * JSON); buf keeps the first error, escaped and without the "memcgctl: "
 * prefix, or else the first other line.  p_capture(NULL, 0) ends it.  For
 * a caller that owns the terminal (top's TUI) and runs another command's
 * code, so that it reports that command's own errors.
 */
void p_capture(char *buf, size_t len);
/* Emit any buffered JSON error; called once on exit by main(). */
void diag_flush(void);
/* Is a JSON error waiting to be printed? (Then nothing else goes to stdout.) */
bool diag_error_pending(void);

/*
 * Standard output.  stdout_check() flushes it and returns 0, or the first
 * write error (a positive errno, -1 when the error is known but not its
 * cause): streaming commands call it after each batch and stop on error.
 * stdout_close(ret), called once by main() at the end, flushes and closes
 * stdout and on a write error prints "memcgctl: write error on standard
 * output: <why>" and turns EXIT_OK into EXIT_RUNTIME.  A closed pipe
 * (EPIPE) is the reader's choice and is not reported.
 */
int stdout_check(void);
int stdout_close(int ret);
/* A write error on stdout seen elsewhere (the JSON writer's flush). */
void stdout_failed(int err);

/*
 * Commands.  Each command file exports one do_<name>(argc, argv) where
 * argv[0] is the command's own name, and keeps its subcommands (if any)
 * in a static table passed to cmd_select().
 */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *summary;	/* one line for `memcgctl help` */
};

int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv));
bool is_help_arg(const char *arg);

/*
 * Parse a command's options with argp.  Returns 0, or EXIT_USAGE after
 * printing one line.  `help` and `--help` print the command's help and
 * end with EXIT_OK through *done.
 */
struct argp;
int cmd_parse(const struct argp *argp, int argc, char **argv, void *input,
	      bool *done);

/*
 * The optional positional CGROUP of a command's argp parser: at most one,
 * not empty.  Returns 0 or EINVAL after reporting.
 */
int cmd_arg_cgroup(const char *cmd, const char **slot, const char *arg);

/*
 * Find the memory hierarchy and resolve CGROUP in it, for command CMD
 * (the prefix of its messages).  Returns 0, or the exit code after one
 * line: EXIT_UNSUPPORTED (no memory controller), EXIT_USAGE (a malformed
 * name) or EXIT_NOCGROUP.
 */
struct cg_env;
struct cg_ref;
int cmd_cgroup(const char *cmd, struct cg_env *env, const char *cgroup, struct cg_ref *ref);

int do_show(int argc, char **argv);
int do_feature(int argc, char **argv);
int do_top(int argc, char **argv);
int do_policy(int argc, char **argv);
int do_watch(int argc, char **argv);
int do_notify(int argc, char **argv);
int do_reclaim(int argc, char **argv);

#endif
