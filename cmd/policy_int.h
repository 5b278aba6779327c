/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of `memcgctl policy` share among themselves; policy.h is
 * what other commands and the unit tests use.  Where a subcommand lives:
 *
 *   policy.c          dispatch and help, arguments, the pin root and the
 *                     pinned maps every subcommand reads
 *   policy_load.c     load and params: the built-ins, reading an object,
 *                     the contract, pinning, the brake's setting
 *   policy_show.c     show and list
 *   policy_set.c      set
 *   policy_unload.c   unload
 *   policy_events.c   events (the records' formatter: policy_event.c)
 *   policy_apply.c    apply (its file: policy_conf.c)
 *   policy_params.c   parameters and names, no kernel needed; the event reader
 *   policy_brake.c    the brake's record on /run
 */
#ifndef MEMCGCTL_POLICY_INT_H
#define MEMCGCTL_POLICY_INT_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct pins_root;

/* ---- the built-in policies (policy_load.c) -------------------------- */

struct builtin {
	const char *name;
	const char *summary;
	const void *(*elf)(size_t *sz);
};
extern const struct builtin builtins[];
extern const size_t nbuiltins;

/* ---- arguments (policy.c) ------------------------------------------- */

struct pol_args {
	char *pos[256];
	int npos;
	bool all;
	bool follow;
	bool any_hook;
	bool brake;
};

enum { OPT_ANY_HOOK = 0x100, OPT_BRAKE };

/* Every subcommand's argp parser: its options land in struct pol_args. */
error_t pol_parse(int key, char *arg, struct argp_state *state);
int pol_cmd_parse(const struct argp *argp, int argc, char **argv,
		  struct pol_args *a, bool *done);

/* ---- helpers (policy.c) --------------------------------------------- */

void policy_dir(char *buf, size_t len, const char *name);	/* POLICY_PIN_ROOT/NAME */
const char *lbpf_strerror(int err, char *buf, size_t len);
bool path_exists(const char *p);
int pol_root(const char *cmd, struct pins_root *r, bool create);
int policy_dir_remove(struct pins_root *r, const char *name, char *err, size_t errlen);
/* 0 when NAME is a loaded policy, or an exit code after one line. */
int need_loaded(const char *cmd, const char *name);
int list_names(const char *cmd, char ***out, int *n);
void target_refused(const char *cmd);
const struct policy_param *param_named(const struct policy_param *ps, int n,
				       const char *name);
/* The signals held back while pins are published or removed. */
extern sigset_t publish_sigs;
void publish_sigs_init(void);
int publish_interrupted(void);
/* Undo the brakes of policies whose pins are gone (root only). */
void brake_gc_run(void);

/* ---- the subcommands ------------------------------------------------ */

int do_load(int argc, char **argv);		/* policy_load.c */
int do_params(int argc, char **argv);		/* policy_load.c */
int show_policy(const char *name);		/* policy_show.c: what `show NAME` prints */
int do_list(int argc, char **argv);		/* policy_show.c */
int do_pshow(int argc, char **argv);		/* policy_show.c */
int do_set(int argc, char **argv);		/* policy_set.c */
int do_unload(int argc, char **argv);		/* policy_unload.c */
int do_events(int argc, char **argv);		/* policy_events.c */

#endif
