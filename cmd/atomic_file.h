/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replace a file atomically, again and again (top --textfile): a reader
 * sees the previous content or the new one, never a part, and a failed
 * write (ENOSPC, EIO, ...) leaves the previous file as it was.
 *
 * The directory is opened once and verified; every later step is
 * relative to that descriptor and follows no symbolic link: the temp
 * file is created with O_CREAT|O_EXCL|O_NOFOLLOW, and rename() replaces
 * whatever entry holds the name (a link put there is replaced, never
 * followed).
 */
#ifndef MEMCGCTL_ATOMIC_FILE_H
#define MEMCGCTL_ATOMIC_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct atomic_file {
	int dirfd;			/* PATH's directory, O_DIRECTORY */
	char name[NAME_MAX + 1];	/* PATH's last component */
	char tmp[NAME_MAX + 1];		/* ".NAME.PID.tmp", beside it */
	bool tmp_made;			/* tmp may exist: remove it on close */
};

/*
 * Open PATH's directory and check it: a directory owned by root or by
 * us, writable by neither group nor others; PATH itself, if it exists, a
 * regular file (a symbolic link there is refused).  Returns 0, -EPERM
 * when the checks refuse it (err says why), or -errno.
 */
int atomic_file_open(struct atomic_file *af, const char *path, char *err, size_t errlen);

/*
 * Replace PATH's content with buf[0..len): write a new temp file (mode
 * 0644 whatever the umask: the reader is another user), every write
 * checked, fsync it, rename it over PATH, fsync the directory.  Returns
 * 0 or -errno with *step naming what failed ("create", "chmod", "write",
 * "fsync", "close", "rename", "fsync directory"); on failure the temp
 * file is gone and PATH is untouched (a failed directory fsync comes
 * after the rename: PATH is then new, but maybe not yet durable).
 */
int atomic_file_replace(struct atomic_file *af, const void *buf, size_t len, const char **step);

/* Remove a temp file left behind and close the directory; PATH stays. */
void atomic_file_close(struct atomic_file *af);

/*
 * The system calls that can fail for lack of space or I/O errors, so
 * that tests can make them fail (tests/unit/test_atomic_file.c).
 */
struct atomic_file_sys {
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
};
extern struct atomic_file_sys atomic_file_sys;

#endif
