/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy file of `memcgctl policy apply`: the policies that should be
 * loaded, one per line (memcgctl-policy(8), FILES):
 *
 *   # NAME    POLICY   CGROUP          [KEY=VALUE...]
 *   web-oom   preoom   web.service     headroom_pct=15 signal=SIGTERM
 *   caches    pressure app.slice       threshold_pct=70
 *   all       /usr/lib/memcgctl/x.bpf.o  -
 *
 * Words are separated by blanks; a word starting with '#' starts a
 * comment; "..." quotes a word (\" and \\ inside).  CGROUP "-" is every
 * cgroup.  This file only splits and checks the syntax (names, duplicates,
 * KEY=VALUE shape): the values are parsed by policy_params_apply() against
 * the policy's own parameters, as `policy load` and `policy set` do.
 */
#ifndef MEMCGCTL_POLICY_CONF_H
#define MEMCGCTL_POLICY_CONF_H

#include <stddef.h>

#define POLICY_CONF_DEFAULT "/etc/memcgctl/policies.conf"
#define POLICY_CONF_MAX_BYTES (1 << 20)	/* of one file */
#define POLICY_CONF_MAX_ENTRIES 1024
#define POLICY_CONF_MAX_KV 64		/* KEY=VALUE words of one line */

struct policy_conf_entry {
	const char *file;	/* points into policy_conf.files */
	int line;
	char *name;
	char *policy;		/* a built-in's name or an object's path */
	char *cgroup;		/* NULL: every cgroup */
	char **kv;		/* "KEY=VALUE" */
	int nkv;
};

struct policy_conf {
	struct policy_conf_entry *e;
	int n;
	char **files;		/* the files read, in order */
	int nfiles;
};

/*
 * Parse one file's text, appending its entries to c.  0, or -EINVAL /
 * -ENOMEM with err "FILE:LINE: why" (c keeps the entries of earlier
 * lines; free it).
 */
int policy_conf_parse(struct policy_conf *c, const char *file, const char *text, size_t len,
		      char *err, size_t errlen);

/*
 * Read PATH (NULL: POLICY_CONF_DEFAULT), then, when PATH ends in ".conf",
 * the "*.conf" files of the directory beside it named ".d" instead
 * (policies.conf -> policies.d/), sorted by name.  A missing default file
 * or directory is no policy; a missing PATH given by the user is -ENOENT.
 * Files writable by users other than root and the caller are refused
 * (-EPERM).  0 or -errno with err set.
 */
int policy_conf_read(struct policy_conf *c, const char *path, char *err, size_t errlen);

void policy_conf_free(struct policy_conf *c);

#endif
