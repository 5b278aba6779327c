/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pin root of loaded policies, /sys/fs/bpf/memcgctl, and the only
 * code that walks it.
 *
 * bpffs is mode 1777 by default: any local user can create entries in
 * /sys/fs/bpf.  So the pin root is trusted only when it is a real
 * directory (not a link) on bpffs, owned by root, mode 0700; an existing
 * root that is not is refused, never adopted.  Inside a trusted root only
 * root can create entries, and every walk still uses openat/fstatat
 * without following links and never leaves the root's device: anything
 * that is not what memcgctl pins (a link, a foreign owner, another entry
 * type) is refused and left alone.
 */
#ifndef MEMCGCTL_PINS_H
#define MEMCGCTL_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pins_root {
	int fd;		/* O_DIRECTORY of POLICY_PIN_ROOT, -1 when closed */
	dev_t dev;	/* its bpffs instance: walks never leave it */
};

/*
 * Open and verify the pin root; with create, mount bpffs on /sys/fs/bpf
 * if needed and make the root.  0, or -errno with err set: -ENOENT (no
 * root: nothing is loaded), -EACCES (not root), -EPERM (the root is not
 * one memcgctl made: refused), others.
 */
int pins_root_open(struct pins_root *r, bool create, char *err, size_t errlen);
void pins_root_close(struct pins_root *r);
/* Remove the root if it is empty: nothing stays on bpffs once no policy is loaded. */
void pins_root_remove_if_empty(struct pins_root *r);

/*
 * Is NAME in the root a policy directory memcgctl made (a directory, not
 * a link, root's, mode without group/other bits, on the root's bpffs)?
 * 0, -ENOENT, or -EPERM with err saying what it is instead.
 */
int pins_policy_check(const struct pins_root *r, const char *name, char *err, size_t errlen);

/* Make NAME's directory (0700): 0 or -errno (-EEXIST: it exists). */
int pins_policy_mkdir(const struct pins_root *r, const char *name);

/*
 * Remove NAME's pin tree: the whole tree is checked first (directories
 * two levels deep, pins that are root's regular bpffs files), and nothing
 * is removed when any entry is not.  0, -ENOENT, or -errno with err.
 */
int pins_policy_remove(const struct pins_root *r, const char *name, char *err, size_t errlen);

/*
 * The names of the policy directories in the root that pass
 * pins_policy_check and policy_name_valid, sorted; *out is malloc'd
 * (free with pins_names_free).  Returns the count or -errno.
 */
int pins_list(const struct pins_root *r, char ***out);
void pins_names_free(char **names, int n);

#endif
