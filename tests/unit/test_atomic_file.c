// SPDX-License-Identifier: GPL-2.0-only
/*
 * The atomic file writer of top --textfile in a scratch directory: the
 * file is replaced whole; a write that fails (simulated ENOSPC after a
 * short write, a failing fsync, and a real EFBIG from RLIMIT_FSIZE)
 * leaves the previous file and no temp file; symbolic links are never
 * followed; directories others can write are refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "unit.h"

static char dir[64], path[128], victim[128];

static const char *slurp(const char *p)
{
	static char buf[256];
	int fd = open(p, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return n < 0 ? NULL : buf;
}

/* entries of dir but "." and ".." */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static size_t fail_after;	/* bytes the simulated disk still takes */
static ssize_t write_enospc(int fd, const void *buf, size_t len)
{
	if (!fail_after) {
		errno = ENOSPC;
		return -1;
	}
	if (len > fail_after)
		len = fail_after;	/* a short write first, as a filling disk does */
	fail_after -= len;
	return write(fd, buf, len);
}

static ssize_t write_eintr(int fd, const void *buf, size_t len)
{
	static int n;

	if (n++ % 2 == 0) {
		errno = EINTR;
		return -1;
	}
	return write(fd, buf, len > 3 ? 3 : len);
}

static int fsync_eio(int fd)
{
	errno = EIO;
	return -1;
}

static void test_replace(void)
{
	struct atomic_file af;
	const char *step = NULL;
	char err[256] = "";
	struct stat st;
	mode_t old = umask(077);

	CHECK("open", atomic_file_open(&af, path, err, sizeof(err)) == 0);
	CHECK("first-write", atomic_file_replace(&af, "one\n", 4, &step) == 0);
	CHECK_STR("first-content", "one\n", slurp(path));
	/* the reader is node_exporter, another user: 0644 whatever the umask */
	CHECK("mode-0644", !stat(path, &st) && (st.st_mode & 07777) == 0644);
	CHECK("no-temp-left", entries() == 1);
	CHECK("second-write", atomic_file_replace(&af, "two\n", 4, &step) == 0);
	CHECK_STR("replaced-whole", "two\n", slurp(path));
	umask(old);

	/* the disk fills in the middle of the write */
	atomic_file_sys.write = write_enospc;
	fail_after = 5;
	CHECK("enospc-reported", atomic_file_replace(&af, "three and more\n", 15, &step) == -ENOSPC);
	CHECK_STR("enospc-step", "write", step);
	CHECK_STR("enospc-previous-intact", "two\n", slurp(path));
	CHECK("enospc-no-temp-left", entries() == 1);
	fail_after = 0;
	CHECK("enospc-at-once", atomic_file_replace(&af, "x\n", 2, &step) == -ENOSPC);
	CHECK_STR("enospc-at-once-intact", "two\n", slurp(path));

	/* interrupted and short writes are carried on, not mistaken for errors */
	atomic_file_sys.write = write_eintr;
	CHECK("eintr-short-writes", atomic_file_replace(&af, "four, in bits\n", 14, &step) == 0);
	CHECK_STR("eintr-content", "four, in bits\n", slurp(path));
	atomic_file_sys.write = write;

	atomic_file_sys.fsync = fsync_eio;
	CHECK("fsync-eio", atomic_file_replace(&af, "five\n", 5, &step) == -EIO);
	CHECK_STR("fsync-step", "fsync", step);
	CHECK_STR("fsync-previous-intact", "four, in bits\n", slurp(path));
	CHECK("fsync-no-temp-left", entries() == 1);
	atomic_file_sys.fsync = fsync;

	/* a real failure from the kernel: the file size limit (EFBIG) */
	{
		struct rlimit rl, lim = { 3, 3 };
		void (*h)(int) = signal(SIGXFSZ, SIG_IGN);

		getrlimit(RLIMIT_FSIZE, &rl);
		lim.rlim_max = rl.rlim_max;
		setrlimit(RLIMIT_FSIZE, &lim);
		CHECK("efbig-reported", atomic_file_replace(&af, "six six\n", 8, &step) == -EFBIG);
		setrlimit(RLIMIT_FSIZE, &rl);
		signal(SIGXFSZ, h);
		CHECK_STR("efbig-previous-intact", "four, in bits\n", slurp(path));
		CHECK("efbig-no-temp-left", entries() == 1);
	}

	/* a stale temp file of an earlier run with our pid is replaced */
	{
		char tmp[192];
		int fd;

		snprintf(tmp, sizeof(tmp), "%s/%s", dir, af.tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0)
			close(fd);
		CHECK("stale-temp-replaced", atomic_file_replace(&af, "seven\n", 6, &step) == 0);
		CHECK_STR("stale-temp-content", "seven\n", slurp(path));
		CHECK("stale-temp-gone", entries() == 1);
	}

	/* a link put in PATH's place while running is replaced, never followed */
	unlink(path);
	CHECK("symlink-swapped-in", !symlink(victim, path));
	CHECK("symlink-replaced", atomic_file_replace(&af, "eight\n", 6, &step) == 0);
	CHECK("symlink-now-file", !lstat(path, &st) && S_ISREG(st.st_mode));
	CHECK_STR("symlink-victim-untouched", "victim\n", slurp(victim));
	atomic_file_close(&af);
	CHECK_STR("close-keeps-path", "eight\n", slurp(path));
}

static void test_refuse(void)
{
	struct atomic_file af;
	char err[256] = "", p[192];

	unlink(path);
	symlink(victim, path);
	CHECK("refuse-symlink", atomic_file_open(&af, path, err, sizeof(err)) == -EPERM);
	CHECK("refuse-symlink-says", strstr(err, "symbolic link") != NULL);
	CHECK("refuse-symlink-no-fd", af.dirfd == -1);
	unlink(path);

	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0755);
	CHECK("refuse-directory", atomic_file_open(&af, p, err, sizeof(err)) == -EPERM);
	CHECK("refuse-directory-says", strstr(err, "not a regular file") != NULL);
	rmdir(p);

	chmod(dir, 0777);
	CHECK("refuse-world-writable", atomic_file_open(&af, path, err, sizeof(err)) == -EPERM);
	CHECK("refuse-world-writable-says", strstr(err, "writable by group or others") != NULL);
	chmod(dir, 0700);

	snprintf(p, sizeof(p), "%s/missing/x.prom", dir);
	CHECK("missing-directory", atomic_file_open(&af, p, err, sizeof(err)) == -ENOENT);
	CHECK("empty-name", atomic_file_open(&af, "/tmp/", err, sizeof(err)) == -EINVAL);
}

int main(void)
{
	unit_suite = "atomic_file";
	snprintf(dir, sizeof(dir), "/tmp/memcgctl-unit-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/m.prom", dir);
	snprintf(victim, sizeof(victim), "%s.victim", dir);
	{
		int fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || write(fd, "victim\n", 7) != 7)
			return 2;
		close(fd);
	}
	test_replace();
	test_refuse();
	unlink(path);
	rmdir(dir);
	unlink(victim);
	return unit_done();
}
