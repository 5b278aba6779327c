// SPDX-License-Identifier: GPL-2.0-only
/*
 * policy load --brake: memory.high just under memory.max while a policy
 * is loaded, recorded in BRAKE_DIR so that it is always restored
 * (policy_brake.h).
 *
 * BRAKE_DIR and BRAKE_RUN_DIR are root-owned, mode 0700, opened without
 * following links and checked on the open descriptor; records are
 * written to a temporary name and renamed, so a record is whole or
 * absent.  Every operation holds an exclusive flock on BRAKE_DIR: a
 * concurrent load, unload and garbage collection see one another's
 * records complete.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "policy_brake.h"

#define BRAKE_MAGIC "memcgctl-brake 1\n"

/* BRAKE_RUN_DIR; the unit tests point it at a directory of theirs */
static const char *brake_run_dir = BRAKE_RUN_DIR;

void brake_use_run_dir(const char *dir)
{
	brake_run_dir = dir;
}

const char *brake_result_name(enum brake_result r)
{
	switch (r) {
	case BRAKE_RESTORED: return "restored";
	case BRAKE_CHANGED: return "changed";
	case BRAKE_GONE: return "gone";
	default: return "none";
	}
}

/* ---- the record ------------------------------------------------------ */

int brake_format(const struct brake_rec *rec, char *buf, size_t len)
{
	int n = snprintf(buf, len, BRAKE_MAGIC "cgroup_id %" PRIu64 "\nset %" PRIu64
			 "\nsaved %s\npath %s\n", rec->cgroup_id, rec->set, rec->saved, rec->path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

static bool saved_valid(const char *s)
{
	if (!strcmp(s, "max"))
		return true;
	if (!*s || strlen(s) > 20)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int brake_parse(const char *text, struct brake_rec *rec)
{
	const char *p = text, *nl;
	size_t n;

	memset(rec, 0, sizeof(*rec));
	if (strncmp(p, BRAKE_MAGIC, strlen(BRAKE_MAGIC)))
		return -EINVAL;
	p += strlen(BRAKE_MAGIC);
	if (sscanf(p, "cgroup_id %" SCNu64 "\nset %" SCNu64 "\nsaved %31[^\n]\n",
		   &rec->cgroup_id, &rec->set, rec->saved) != 3)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		p = strchr(p, '\n');
		if (!p)
			return -EINVAL;
		p++;
	}
	if (strncmp(p, "path /", 6))
		return -EINVAL;
	p += 5;
	nl = strchr(p, '\n');
	if (!nl || nl[1])
		return -EINVAL;
	n = (size_t)(nl - p);
	if (n >= sizeof(rec->path) || !rec->cgroup_id || !rec->set || !saved_valid(rec->saved))
		return -EINVAL;
	memcpy(rec->path, p, n);
	rec->path[n] = '\0';
	return 0;
}

/* ---- the directory --------------------------------------------------- */

/* A root-owned directory nobody else can write, at dirfd/name, opened. */
static int open_private_dir(int dirfd, const char *name, bool create)
{
	struct stat st;
	int fd;

	if (create && mkdirat(dirfd, name, 0700) && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* BRAKE_DIR, open and locked; -ENOENT when it does not exist and !create. */
static int brake_dir_lock(bool create, char *err, size_t errlen)
{
	int run, fd;

	run = open_private_dir(AT_FDCWD, brake_run_dir, create);
	if (run < 0) {
		if (err)
			snprintf(err, errlen, "%s: %s", brake_run_dir, run == -EPERM ?
				 "not a directory owned by root and private to it" : strerror(-run));
		return run;
	}
	fd = open_private_dir(run, "brake", create);
	close(run);
	if (fd < 0) {
		if (err)
			snprintf(err, errlen, "%s: %s", BRAKE_DIR, fd == -EPERM ?
				 "not a directory owned by root and private to it" : strerror(-fd));
		return fd;
	}
	if (flock(fd, LOCK_EX)) {
		int e = -errno;

		if (err)
			snprintf(err, errlen, "cannot lock %s: %s", BRAKE_DIR, strerror(errno));
		close(fd);
		return e;
	}
	return fd;
}

static int rec_read_at(int dfd, const char *name, struct brake_rec *rec)
{
	char buf[PATH_MAX + 256];
	struct stat st;
	ssize_t n;
	int fd, ret;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[n] = '\0';
	return brake_parse(buf, rec);
}

/* Write name's record whole: a temporary file, synced, renamed over it. */
static int rec_write_at(int dfd, const char *name, const struct brake_rec *rec)
{
	char buf[PATH_MAX + 256], tmp[POLICY_NAME_LEN + 8];
	int fd, n, ret = 0;

	n = brake_format(rec, buf, sizeof(buf));
	if (n < 0)
		return n;
	snprintf(tmp, sizeof(tmp), ".%s.new", name);
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n || fsync(fd))
		ret = errno ? -errno : -EIO;
	close(fd);
	if (!ret && renameat(dfd, tmp, dfd, name))
		ret = -errno;
	if (ret)
		unlinkat(dfd, tmp, 0);
	else
		fsync(dfd);
	return ret;
}

/* ---- memory.high ----------------------------------------------------- */

/* The cgroup directory of rec, if it still is that cgroup: fd, -ENOENT if gone. */
static int cgroup_open(const char *path, uint64_t id)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	if (fstat(fd, &st) || (uint64_t)st.st_ino != id) {
		close(fd);
		return -ENOENT;	/* removed, and maybe another made with its name */
	}
	return fd;
}

static int high_read(int cgfd, char *buf, size_t len)
{
	ssize_t n;
	int fd = openat(cgfd, "memory.high", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return saved_valid(buf) ? 0 : -EINVAL;
}

static int high_write(int cgfd, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd = openat(cgfd, "memory.high", O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int brake_engage(const char *name, const char *path, uint64_t id, uint64_t target,
		 struct brake_rec *rec, char *err, size_t errlen)
{
	char cur[32], want[32];
	long page = sysconf(_SC_PAGESIZE);
	int dfd, cgfd, ret;
	struct brake_rec old;

	memset(rec, 0, sizeof(*rec));
	if (strchr(path, '\n') || strlen(path) >= sizeof(rec->path)) {
		snprintf(err, errlen, "%s: a path memcgctl cannot record", path);
		return -EINVAL;
	}
	target -= target % (uint64_t)(page > 0 ? page : 4096);
	if (!target) {
		snprintf(err, errlen, "the headroom leaves no room under memory.max");
		return -EINVAL;
	}
	cgfd = cgroup_open(path, id);
	if (cgfd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-cgfd));
		return cgfd;
	}
	ret = high_read(cgfd, cur, sizeof(cur));
	if (ret) {
		snprintf(err, errlen, "cannot read %s/memory.high: %s", path, strerror(-ret));
		goto out_cg;
	}
	if (strcmp(cur, "max") && strtoull(cur, NULL, 10) <= target) {
		ret = 0;	/* already that low: never raised, nothing to restore */
		goto out_cg;
	}
	dfd = brake_dir_lock(true, err, errlen);
	if (dfd < 0) {
		ret = dfd;
		goto out_cg;
	}
	if (rec_read_at(dfd, name, &old) != -ENOENT) {
		snprintf(err, errlen, "%s/%s: a brake is already recorded for a policy of this name",
			 BRAKE_DIR, name);
		ret = -EEXIST;
		goto out_dir;
	}
	rec->cgroup_id = id;
	rec->set = target;
	snprintf(rec->saved, sizeof(rec->saved), "%s", cur);
	snprintf(rec->path, sizeof(rec->path), "%s", path);
	ret = rec_write_at(dfd, name, rec);
	if (ret) {
		snprintf(err, errlen, "cannot write %s/%s: %s", BRAKE_DIR, name, strerror(-ret));
		goto out_dir;
	}
	/* recorded: from here on the brake can always be found and undone */
	snprintf(want, sizeof(want), "%" PRIu64, target);
	ret = high_write(cgfd, want);
	if (!ret)
		ret = high_read(cgfd, cur, sizeof(cur));
	if (!ret && strcmp(cur, want))
		ret = -EIO;	/* the kernel keeps what it was given, in pages */
	if (ret) {
		int n = snprintf(err, errlen, "cannot set %s/memory.high to %s: %s", path, want,
				 strerror(-ret));

		/* undo what may have been written; the record goes only once it is undone */
		if (high_read(cgfd, cur, sizeof(cur)) || (!strcmp(cur, want) &&
							 high_write(cgfd, rec->saved))) {
			if (n > 0 && (size_t)n < errlen)
				snprintf(err + n, errlen - n, "; %s/%s keeps the value to restore",
					 BRAKE_DIR, name);
		} else {
			unlinkat(dfd, name, 0);
		}
		goto out_dir;
	}
	ret = 1;
out_dir:
	close(dfd);	/* and the lock */
out_cg:
	close(cgfd);
	return ret;
}

/* Undo rec's brake, the record's directory locked as dfd; the result. */
static int release_locked(int dfd, const char *name, const struct brake_rec *rec,
			  char *err, size_t errlen)
{
	char cur[32], set[32];
	int cgfd, ret, result;

	cgfd = cgroup_open(rec->path, rec->cgroup_id);
	if (cgfd == -ENOENT) {
		result = BRAKE_GONE;
	} else if (cgfd < 0) {
		snprintf(err, errlen, "%s: %s", rec->path, strerror(-cgfd));
		return cgfd;
	} else {
		snprintf(set, sizeof(set), "%" PRIu64, rec->set);
		ret = high_read(cgfd, cur, sizeof(cur));
		if (!ret && strcmp(cur, set)) {
			result = BRAKE_CHANGED;	/* someone else's value now: theirs */
		} else if (!ret) {
			ret = high_write(cgfd, rec->saved);
			result = BRAKE_RESTORED;
		}
		close(cgfd);
		if (ret == -ENOENT || ret == -ENODEV) {
			result = BRAKE_GONE;	/* removed meanwhile */
		} else if (ret) {
			snprintf(err, errlen, "cannot restore %s/memory.high to %s: %s", rec->path,
				 rec->saved, strerror(-ret));
			return ret;	/* the record stays: a retry can still restore */
		}
	}
	if (unlinkat(dfd, name, 0) && errno != ENOENT) {
		ret = -errno;
		snprintf(err, errlen, "cannot remove %s/%s: %s", BRAKE_DIR, name, strerror(errno));
		return ret;
	}
	return result;
}

int brake_release(const char *name, struct brake_rec *rec, char *err, size_t errlen)
{
	struct brake_rec r;
	int dfd, ret;

	if (!rec)
		rec = &r;
	memset(rec, 0, sizeof(*rec));
	dfd = brake_dir_lock(false, err, errlen);
	if (dfd == -ENOENT)
		return BRAKE_NONE;
	if (dfd < 0)
		return dfd;
	ret = rec_read_at(dfd, name, rec);
	if (ret == -ENOENT)
		ret = BRAKE_NONE;
	else if (ret)
		snprintf(err, errlen, "%s/%s: %s", BRAKE_DIR, name,
			 ret == -EINVAL ? "not a brake record memcgctl wrote" :
			 ret == -EPERM ? "not a file owned by root and private to it" :
			 strerror(-ret));
	else
		ret = release_locked(dfd, name, rec, err, errlen);
	close(dfd);
	return ret;
}

int brake_read(const char *name, struct brake_rec *rec)
{
	int dfd = brake_dir_lock(false, NULL, 0), ret;

	if (dfd < 0)
		return dfd;
	ret = rec_read_at(dfd, name, rec);
	close(dfd);
	return ret;
}

int brake_gc(bool (*loaded)(const char *name),
	     void (*report)(const char *name, const struct brake_rec *rec, int result))
{
	struct dirent *de;
	DIR *d;
	int dfd, n = 0;

	dfd = brake_dir_lock(false, NULL, 0);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	d = fdopendir(dup(dfd));
	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct brake_rec rec;
		char err[PATH_MAX + 128];
		int ret;

		if (de->d_name[0] == '.' || !policy_name_valid(de->d_name))
			continue;
		/* the record first: a load makes its policy's directory before it */
		if (rec_read_at(dfd, de->d_name, &rec) || loaded(de->d_name))
			continue;
		n++;
		ret = release_locked(dfd, de->d_name, &rec, err, sizeof(err));
		report(de->d_name, &rec, ret);
	}
	closedir(d);
	close(dfd);
	return n;
}
