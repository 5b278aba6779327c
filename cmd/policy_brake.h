/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroup v2 brake of `policy load --brake`: memory.high lowered just
 * under memory.max, so that the kernel throttles the allocating task
 * instead of OOM-killing it while it handles the policy's signal, and
 * restored exactly when the policy goes.
 *
 * What memory.high held before is recorded in a root-owned file,
 * BRAKE_DIR/NAME, written before memory.high is touched: it outlives the
 * loading process (the policy is pinned) and even the policy's pins, so
 * that a brake is never left behind.  A value someone else wrote since is
 * never overwritten: memory.high is restored only while it still holds
 * what memcgctl set.
 */
#ifndef MEMCGCTL_POLICY_BRAKE_H
#define MEMCGCTL_POLICY_BRAKE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRAKE_RUN_DIR	"/run/memcgctl"
#define BRAKE_DIR	BRAKE_RUN_DIR "/brake"

struct brake_rec {
	uint64_t cgroup_id;	/* the cgroup's id (inode): the path must still be it */
	uint64_t set;		/* bytes memcgctl wrote to memory.high */
	char saved[32];		/* memory.high before: "max" or bytes, as the kernel printed it */
	char path[PATH_MAX];	/* the cgroup's directory */
};

/* What brake_release() did. */
enum brake_result {
	BRAKE_NONE = 0,		/* no brake recorded for this policy */
	BRAKE_RESTORED,		/* memory.high holds the saved value again */
	BRAKE_CHANGED,		/* someone changed memory.high since: left alone */
	BRAKE_GONE,		/* the cgroup is gone, and its memory.high with it */
};

const char *brake_result_name(enum brake_result r);

/*
 * Lower memory.high of the cgroup at path (id: its inode) to at most
 * target bytes (rounded down to a page), never above its current value.
 * The record for policy name is written first.  Returns 1 when it set
 * the brake (*rec filled), 0 when memory.high was already that low
 * (nothing recorded), or -errno with err set (nothing left behind).
 */
int brake_engage(const char *name, const char *path, uint64_t id, uint64_t target,
		 struct brake_rec *rec, char *err, size_t errlen);

/*
 * Undo policy name's brake, if it has one: restore the saved value if
 * memory.high still holds what was set, then drop the record.  On error
 * (-errno, err set) the record is kept, for a retry.  *rec (may be NULL)
 * says what it was.
 */
int brake_release(const char *name, struct brake_rec *rec, char *err, size_t errlen);

/* Policy name's record: 0, -ENOENT when it has none, or -errno. */
int brake_read(const char *name, struct brake_rec *rec);

/*
 * Release the brakes whose policy is no longer loaded (loaded(name) says
 * whether it is): its pins were removed by other means than unload.  Each
 * one released is reported through report(name, rec, result).  Returns
 * how many were found, or -errno.
 */
int brake_gc(bool (*loaded)(const char *name),
	     void (*report)(const char *name, const struct brake_rec *rec, int result));

/* For the unit tests: records under dir/brake instead of BRAKE_RUN_DIR. */
void brake_use_run_dir(const char *dir);

/* Parse a record's text (for the unit tests); 0 or -EINVAL. */
int brake_parse(const char *text, struct brake_rec *rec);
/* Format one; the length, or -ENAMETOOLONG. */
int brake_format(const struct brake_rec *rec, char *buf, size_t len);

#endif
