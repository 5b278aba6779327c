/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memcgctl policy: the pieces other commands and the unit tests use.
 *
 * Parameters of a policy are the members of the struct that is the value
 * type of its "policy_config" map; their names say how values are typed
 * and shown (suffix _ns: duration, _pct: percent, _bytes: size, "signal"
 * or _signal: a signal name; bool: 0/1/true/false; an enum member: the
 * enumerators' names, lower case, without their common prefix (enum
 * preoom_target's PREOOM_TARGET_LARGEST is "largest"); anything else: an
 * integer of the member's width and signedness).
 */
#ifndef MEMCGCTL_POLICY_H
#define MEMCGCTL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/policy.h"	/* event, counters, meta */

#define POLICY_PIN_ROOT "/sys/fs/bpf/memcgctl"
#define POLICY_MAX_PARAMS 64
#define POLICY_CONFIG_MAX 4096	/* bytes of a policy_config struct, at most */

enum policy_param_kind {
	PK_INT,
	PK_BOOL,
	PK_PERCENT,
	PK_DURATION,
	PK_SIZE,
	PK_SIGNAL,
	PK_ENUM,	/* the member is an enum: set and shown by enumerator name */
};

#define POLICY_ENUM_MAX 16

struct policy_enum_val {
	char name[32];		/* lower case, the enumerators' common prefix dropped */
	int64_t val;
};

struct policy_param {
	char name[64];
	uint32_t offset;	/* bytes into the struct */
	uint32_t size;		/* 1, 2, 4 or 8 */
	bool is_signed;
	bool is_switch;		/* an integer that takes 0 or 1 only (policy_params_mark_switches) */
	enum policy_param_kind kind;
	int nenum;		/* PK_ENUM: its enumerators */
	struct policy_enum_val enums[POLICY_ENUM_MAX];
};

struct btf;
/*
 * The parameters described by struct type_id in btf.  Members that are
 * not plain integers (arrays, nested structs, bitfields) or whose name
 * starts with "__" are skipped.  btf is hostile input: a struct larger
 * than POLICY_CONFIG_MAX or a parameter outside the struct's size is
 * refused.  Returns the count or -errno with err set.
 */
int policy_params_from_btf(const struct btf *btf, uint32_t type_id,
			   struct policy_param *out, int max, uint32_t *struct_size,
			   char *err, size_t errlen);
enum policy_param_kind policy_param_kind_of(const char *name, bool is_bool);
/*
 * The contract's on/off parameters: integer members named enabled,
 * dry_run, once or on_* take 0 or 1 (or true/false, yes/no, on/off) and
 * are still shown as 0/1.  Applied to every policy's parameters by the CLI.
 */
void policy_params_mark_switches(struct policy_param *ps, int n);
int policy_param_parse(const struct policy_param *p, const char *s, uint64_t *v,
		       char *err, size_t errlen);
const char *policy_param_format(const struct policy_param *p, uint64_t v,
				char *buf, size_t len);
/* PK_ENUM: the name of value v, or NULL. */
const char *policy_param_enum_name(const struct policy_param *p, uint64_t v);
uint64_t policy_param_get(const struct policy_param *p, const void *blob);
void policy_param_put(const struct policy_param *p, void *blob, uint64_t v);
/* Parse "key=value" items into blob; err names the first bad one. */
int policy_params_apply(const struct policy_param *ps, int n, void *blob,
			char **kv, int nkv, char *err, size_t errlen);

/* A policy instance name: 1..31 of [A-Za-z0-9_-], not starting with '-'. */
bool policy_name_valid(const char *name);
/* "TERM", "SIGTERM", "sigterm", "15" -> 15; -EINVAL otherwise. */
int policy_signal_parse(const char *s);
const char *policy_signal_name(int sig);	/* "SIGTERM", or NULL */

const char *policy_reason_name(uint32_t reason);
const char *policy_action_name(uint32_t action);

/*
 * A pinned struct map of a loaded policy (DIR/maps/MAP: policy_config,
 * policy_counters): its members from the map's BTF and current value.
 */
struct pinned_struct {
	struct policy_param params[POLICY_MAX_PARAMS];
	int n;
	uint32_t size;
	unsigned char *val;
	int fd;
};
int pinned_struct_open(const char *dir, const char *map, struct pinned_struct *ps,
		       char *err, size_t errlen);
void pinned_struct_free(struct pinned_struct *ps);
/* May the loaded policy at DIR take the values in ps (preoom's target)? */
bool policy_target_loadable(const char *dir, const struct pinned_struct *ps);

/*
 * What `policy load POLICY` starts from: the parameters of its
 * policy_config (n 0: it has none) and their defaults.  POLICY is a
 * built-in's name or the absolute path of an object, read with load's
 * checks.  0, or an exit code with err set.  Free val.
 */
struct policy_objcfg {
	struct policy_param params[POLICY_MAX_PARAMS];
	int n;
	uint32_t size;
	unsigned char *val;
	bool builtin;
};
int policy_object_config(const char *policy, struct policy_objcfg *oc, char *err, size_t errlen);
/* `policy load` with argv as it takes it ("load", POLICY, ...), printing nothing when it succeeds. */
int policy_load_quiet(int argc, char **argv);

/* memcgctl policy apply [--dry-run] [FILE] (policy_apply.c) */
int policy_apply(int argc, char **argv);

/* The metadata pinned at DIR/meta; 0 or -errno (-EPROTO: not ours). */
int policy_meta_read(const char *dir, struct policy_meta *m);

/*
 * Reading the actions of loaded policies (for `memcgctl watch -e policy`
 * and `memcgctl policy events`).  Every loaded policy's ring buffer
 * (NAME, or every policy when NULL) is opened; fn runs once per event
 * with the policy's metadata (m->name is always set); e->comm is read as
 * a string of at most 16 bytes (a NUL follows the record).  fn returning
 * non-zero stops the poll.  A ring buffer has one consumer position:
 * each event is read once, by whichever reader gets to it first.
 */
typedef int (*policy_event_fn)(void *ctx, const struct policy_meta *m,
			       const struct policy_event *e);
struct policy_event_reader;
struct policy_event_reader *policy_events_open(const char *name, policy_event_fn fn,
					       void *ctx, char *err, size_t errlen);
/*
 * Pick up policies loaded since, drop those unloaded (what they still
 * held is handed over first).  1 when the set changed (policy_events_fd
 * is then a new fd), 0 when not, -errno.
 */
int policy_events_refresh(struct policy_event_reader *r);
/* An fd to put in an epoll/poll set (-1 while no policy is open). */
int policy_events_fd(struct policy_event_reader *r);
int policy_events_nr(struct policy_event_reader *r);	/* ring buffers opened */
const struct policy_meta *policy_events_meta(struct policy_event_reader *r, int i);
/* Consume waiting events (timeout_ms: 0 = don't wait, -1 = forever). */
int policy_events_poll(struct policy_event_reader *r, int timeout_ms);
void policy_events_close(struct policy_event_reader *r);

#endif
