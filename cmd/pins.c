// SPDX-License-Identifier: GPL-2.0-only
/* The verified pin root of loaded policies and its walks: see pins.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bpfutil.h"
#include "pins.h"
#include "policy.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define PINS_DEPTH 1	/* NAME/{maps,progs,links}/PIN: directories one level below NAME */

static const char *type_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISREG(m))
		return "a file";
	return "a special file";
}

int pins_root_open(struct pins_root *r, bool create, char *err, size_t errlen)
{
	struct statfs sf;
	struct stat st;
	bool made = false;
	int ret;

	r->fd = -1;
	if (create) {
		ret = bpffs_ensure("/sys/fs/bpf", err, errlen);
		if (ret)
			return ret;
		if (mkdir(POLICY_PIN_ROOT, 0700) == 0)
			made = true;
		else if (errno != EEXIST) {
			ret = -errno;
			snprintf(err, errlen, "cannot create %s: %s", POLICY_PIN_ROOT, strerror(errno));
			return ret;
		}
	}
	r->fd = open(POLICY_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->fd < 0) {
		ret = -errno;
		if (errno == ENOENT)
			snprintf(err, errlen, "%s does not exist: no policy is loaded", POLICY_PIN_ROOT);
		else if (errno == EACCES)
			snprintf(err, errlen, "%s is readable by root only", POLICY_PIN_ROOT);
		else if (errno == ELOOP || errno == ENOTDIR) {
			snprintf(err, errlen, "%s is not a directory (a link or a file someone else "
				 "made): refusing to use it", POLICY_PIN_ROOT);
			ret = -EPERM;
		} else
			snprintf(err, errlen, "cannot open %s: %s", POLICY_PIN_ROOT, strerror(errno));
		return ret;
	}
	if (fstat(r->fd, &st) || fstatfs(r->fd, &sf)) {
		ret = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", POLICY_PIN_ROOT, strerror(errno));
		goto fail;
	}
	ret = -EPERM;
	if (sf.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen, "%s is not on bpffs: refusing to use it", POLICY_PIN_ROOT);
		goto fail;
	}
	if (st.st_uid != 0) {
		snprintf(err, errlen, "%s is owned by uid %u, not root: refusing to use it "
			 "(remove it if no one should have made it)", POLICY_PIN_ROOT,
			 (unsigned)st.st_uid);
		goto fail;
	}
	/* our own fresh mkdir may have lost bits to the umask; never someone else's */
	if (made && fchmod(r->fd, 0700)) {
		ret = -errno;
		snprintf(err, errlen, "cannot chmod %s: %s", POLICY_PIN_ROOT, strerror(errno));
		goto fail;
	}
	if (!made && (st.st_mode & 07777) != 0700) {
		snprintf(err, errlen, "%s has mode %04o, not 0700: refusing to use it "
			 "(remove it if no one should have made it)", POLICY_PIN_ROOT,
			 (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	r->dev = st.st_dev;
	return 0;
fail:
	close(r->fd);
	r->fd = -1;
	return ret;
}

void pins_root_close(struct pins_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void pins_root_remove_if_empty(struct pins_root *r)
{
	struct stat st;

	/* rmdir removes only an empty directory, never follows a link */
	if (r->fd >= 0 && stat(POLICY_PIN_ROOT, &st) == 0 && st.st_dev == r->dev)
		rmdir(POLICY_PIN_ROOT);
}

/* Is an entry (st, lstat'ed) what memcgctl pins there: a directory or a pin file? */
static int entry_check(const struct stat *st, bool want_dir, dev_t dev, const char *where,
		       const char *name, char *err, size_t errlen)
{
	const char *why = NULL;

	if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		why = type_of(st->st_mode);
	else if (st->st_uid != 0)
		why = "owned by another user";
	else if (st->st_dev != dev)
		why = "on another file system";
	else if (want_dir && (st->st_mode & 077))
		why = "a directory open to other users";
	if (!why)
		return 0;
	snprintf(err, errlen, "%s/%s is %s, not what memcgctl pinned: left alone", where, name, why);
	return -EPERM;
}

int pins_policy_check(const struct pins_root *r, const char *name, char *err, size_t errlen)
{
	struct stat st;

	if (r->fd < 0)
		return -ENOENT;
	if (fstatat(r->fd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		int e = errno;

		snprintf(err, errlen, "%s/%s: %s", POLICY_PIN_ROOT, name, strerror(e));
		return -e;
	}
	return entry_check(&st, true, r->dev, POLICY_PIN_ROOT, name, err, errlen);
}

int pins_policy_mkdir(const struct pins_root *r, const char *name)
{
	return mkdirat(r->fd, name, 0700) ? -errno : 0;
}

/*
 * Walk directory dfd (at path where, depth levels below NAME): check every
 * entry, and with remove unlink it.  Directories are opened O_NOFOLLOW
 * and checked again through the open fd, so a swap between the check and
 * the open is caught.
 */
static int tree_walk(int dfd, dev_t dev, const char *where, int depth, bool remove,
		     char *err, size_t errlen)
{
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot read %s: %s", where, strerror(-ret));
		return ret;
	}
	while (!ret && (de = readdir(d))) {
		char sub[PATH_MAX];
		struct stat st, fst;
		bool dir;
		int cfd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno == ENOENT)
				continue;
			ret = -errno;
			snprintf(err, errlen, "%s/%s: %s", where, de->d_name, strerror(errno));
			break;
		}
		dir = S_ISDIR(st.st_mode) && depth < PINS_DEPTH;
		ret = entry_check(&st, dir, dev, where, de->d_name, err, errlen);
		if (ret)
			break;
		if (!S_ISDIR(st.st_mode)) {
			if (remove && unlinkat(dfd, de->d_name, 0) && errno != ENOENT) {
				ret = -errno;
				snprintf(err, errlen, "cannot remove %s/%s: %s", where, de->d_name,
					 strerror(errno));
			}
			continue;
		}
		cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0 || fstat(cfd, &fst) || fst.st_ino != st.st_ino || fst.st_dev != dev) {
			ret = cfd < 0 ? -errno : -EPERM;
			snprintf(err, errlen, "%s/%s changed while being checked: left alone",
				 where, de->d_name);
			if (cfd >= 0)
				close(cfd);
			break;
		}
		snprintf(sub, sizeof(sub), "%s/%s", where, de->d_name);
		ret = tree_walk(cfd, dev, sub, depth + 1, remove, err, errlen);
		close(cfd);
		if (!ret && remove && unlinkat(dfd, de->d_name, AT_REMOVEDIR) && errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "cannot remove %s: %s", sub, strerror(errno));
		}
	}
	closedir(d);
	return ret;
}

int pins_policy_remove(const struct pins_root *r, const char *name, char *err, size_t errlen)
{
	char where[PATH_MAX];
	struct stat st, fst;
	int fd, ret;

	ret = pins_policy_check(r, name, err, errlen);
	if (ret)
		return ret;
	fd = openat(r->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s/%s: %s", POLICY_PIN_ROOT, name, strerror(errno));
		return ret == -ELOOP || ret == -ENOTDIR ? -EPERM : ret;
	}
	/* what was opened is what was checked */
	if (fstat(fd, &fst) || fstatat(r->fd, name, &st, AT_SYMLINK_NOFOLLOW) ||
	    fst.st_ino != st.st_ino || fst.st_dev != r->dev) {
		snprintf(err, errlen, "%s/%s changed while being checked: left alone",
			 POLICY_PIN_ROOT, name);
		close(fd);
		return -EPERM;
	}
	snprintf(where, sizeof(where), "%s/%s", POLICY_PIN_ROOT, name);
	/* check it all, then remove: a tree with anything foreign stays whole */
	ret = tree_walk(fd, r->dev, where, 0, false, err, errlen);
	if (!ret)
		ret = tree_walk(fd, r->dev, where, 0, true, err, errlen);
	close(fd);
	if (!ret && unlinkat(r->fd, name, AT_REMOVEDIR) && errno != ENOENT) {
		ret = -errno;
		snprintf(err, errlen, "cannot remove %s: %s", where, strerror(errno));
	}
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pins_list(const struct pins_root *r, char ***out)
{
	struct dirent *de;
	char **names = NULL, err[PATH_MAX];
	int n = 0, fd;
	DIR *d;

	*out = NULL;
	if (r->fd < 0)
		return 0;
	fd = openat(r->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.' || !policy_name_valid(de->d_name) ||
		    pins_policy_check(r, de->d_name, err, sizeof(err)))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	return n;
}

void pins_names_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
