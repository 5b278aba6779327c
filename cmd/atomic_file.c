// SPDX-License-Identifier: GPL-2.0-only
/*
 * Atomic replacement of a file by a temp file and rename(), everything
 * relative to one verified directory descriptor (see atomic_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

struct atomic_file_sys atomic_file_sys = { .write = write, .fsync = fsync };

static int __attribute__((format(printf, 3, 4)))
refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EPERM;
}

int atomic_file_open(struct atomic_file *af, const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	struct stat st;
	int n;

	af->dirfd = -1;
	af->tmp_made = false;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		snprintf(err, errlen, "%s: not a file name", path);
		return -EINVAL;
	}
	/* ".NAME.PID.tmp": hidden, and not *.prom, so node_exporter skips it */
	n = snprintf(af->tmp, sizeof(af->tmp), ".%s.%d.tmp", base, (int)getpid());
	if (n < 0 || n >= (int)sizeof(af->tmp)) {
		snprintf(err, errlen, "%s: name too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(af->name, sizeof(af->name), "%s", base);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path) >= (int)sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}

	af->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (af->dirfd < 0) {
		n = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-n));
		return n;
	}
	/*
	 * Whoever may write the directory may swap entries under us: only
	 * root and we may (the temp file's name is predictable).
	 */
	n = 0;
	if (fstat(af->dirfd, &st))
		n = -errno, snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		n = refuse(err, errlen, "%s: the directory belongs to another user", dir);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		n = refuse(err, errlen, "%s: the directory is writable by group or others", dir);
	else if (!fstatat(af->dirfd, base, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISLNK(st.st_mode))
			n = refuse(err, errlen, "%s: is a symbolic link, not following it", path);
		else if (!S_ISREG(st.st_mode))
			n = refuse(err, errlen, "%s: not a regular file", path);
	} else if (errno != ENOENT) {
		n = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	}
	if (n) {
		close(af->dirfd);
		af->dirfd = -1;
	}
	return n;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = atomic_file_sys.write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;	/* no progress and no reason: never a short file */
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int atomic_file_replace(struct atomic_file *af, const void *buf, size_t len, const char **step)
{
	int fd, err;

	for (int tries = 0;; tries++) {
		fd = openat(af->dirfd, af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0644);
		if (fd >= 0)
			break;
		/*
		 * Left by an earlier run that had our pid (a container's pid 1
		 * killed hard): the directory admits no one else, so remove it.
		 */
		if (errno == EEXIST && tries == 0 && !unlinkat(af->dirfd, af->tmp, 0))
			continue;
		*step = "create";
		return -errno;
	}
	af->tmp_made = true;
	err = 0;
	if (fchmod(fd, 0644))
		err = -errno, *step = "chmod";
	else if ((err = write_all(fd, buf, len)))
		*step = "write";
	else if (atomic_file_sys.fsync(fd))
		err = -errno, *step = "fsync";
	if (close(fd) && !err)
		err = -errno, *step = "close";
	if (!err && renameat(af->dirfd, af->tmp, af->dirfd, af->name))
		err = -errno, *step = "rename";
	if (err) {
		unlinkat(af->dirfd, af->tmp, 0);
		af->tmp_made = false;
		return err;
	}
	af->tmp_made = false;
	/* the rename is durable once the directory is */
	if (atomic_file_sys.fsync(af->dirfd)) {
		*step = "fsync directory";
		return -errno;
	}
	return 0;
}

void atomic_file_close(struct atomic_file *af)
{
	if (af->dirfd < 0)
		return;
	if (af->tmp_made)
		unlinkat(af->dirfd, af->tmp, 0);
	af->tmp_made = false;
	close(af->dirfd);
	af->dirfd = -1;
}
