// SPDX-License-Identifier: GPL-2.0-only
/*
 * sigcatch: a workload that grows toward its cgroup's limit and handles
 * the signals memcgctl's policies send, for the policy tests.
 *
 *   sigcatch [-s SIZE] [-c CHUNK] [-i MS] [-f FILE] [-F FSIZE] [-S DIR] [-r] [-H SECS] [-T SECS]
 *
 *   -s SIZE   anonymous memory to reach (default 128M), touched CHUNK at a time
 *   -c CHUNK  growth step (default 1M)
 *   -i MS     pause between steps (default 10)
 *   -f FILE   first fill the page cache: write FSIZE bytes to FILE, read them back
 *   -F FSIZE  size of that file (default 32M); FILE may be a block device
 *   -S DIR    grow shmem instead of anonymous memory: write(2) CHUNK at a time
 *             to a file in the tmpfs DIR, unlinked at once (freed when the
 *             process goes, also when it is killed)
 *   -r        "release" mode: on SIGUSR1 free half of what is held and keep going
 *             (a cache that sheds); without it SIGUSR1 is only counted
 *   -H SECS   after reaching SIZE, hold that long, then exit 0 (default: exit at once)
 *   -T SECS   stop growing after SECS and exit 0 ("timeout <bytes>")
 *
 * On SIGTERM it prints "got SIGTERM held <bytes> at <ns> real <ns>" (the
 * handler's CLOCK_MONOTONIC and CLOCK_REALTIME) and exits 0 cleanly: the
 * graceful shutdown a pre-OOM policy buys.  Each handled SIGUSR1 prints
 * "got SIGUSR1 <n> held <bytes> at <ns>" (CLOCK_MONOTONIC of the handler, to
 * measure signal latency against the policy event's ts_ns).  "ready" is printed once the file is cached.
 * "done <bytes>" is printed when SIZE was reached without a SIGTERM.
 */
#define _GNU_SOURCE	/* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "progs.h"

#define parse_size(s) progs_parse_size("sigcatch", (s))

static volatile sig_atomic_t got_term, got_usr1;
static volatile unsigned long long sig_ns;	/* CLOCK_MONOTONIC when the last signal arrived */
static volatile unsigned long long sig_real_ns;	/* and CLOCK_REALTIME */

static void on_signal(int sig)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* async-signal-safe */
	sig_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	clock_gettime(CLOCK_REALTIME, &ts);
	sig_real_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (sig == SIGTERM)
		got_term = 1;
	else
		got_usr1++;
}

static void file_cache(const char *path, unsigned long long size)
{
	static char buf[1 << 16];
	unsigned long long done;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		perror("sigcatch: open");
		exit(1);
	}
	memset(buf, 'x', sizeof(buf));
	for (done = 0; done < size && !got_term; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) < 0) {
			perror("sigcatch: write");
			exit(1);
		}
	lseek(fd, 0, SEEK_SET);
	while (!got_term && read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/*
 * Append len bytes to the shmem file.  EINTR from a signal is retried: like
 * the anonymous chunk being touched, the step in progress is finished.
 */
static int shm_grow(int fd, unsigned long long len)
{
	static char buf[1 << 16];

	memset(buf, 's', sizeof(buf));
	while (len) {
		ssize_t n = write(fd, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		len -= n;
	}
	return 0;
}

#define MAX_CHUNKS 65536

int main(int argc, char **argv)
{
	unsigned long long size = 128 << 20, chunk = 1 << 20, fsize = 32 << 20, held = 0;
	long page = sysconf(_SC_PAGESIZE), interval_ms = 10, hold = 0, max_secs = 0;
	time_t t0 = time(NULL);
	static char *chunks[MAX_CHUNKS];
	int nchunks = 0, seen_usr1 = 0;
	const char *file = NULL, *shm_dir = NULL;
	int shm_fd = -1;
	bool release = false;
	struct sigaction sa;
	int c;

	while ((c = getopt(argc, argv, "s:c:i:f:F:S:rH:T:")) != -1) {
		switch (c) {
		case 's': size = parse_size(optarg); break;
		case 'c': chunk = parse_size(optarg); break;
		case 'i': interval_ms = atol(optarg); break;
		case 'f': file = optarg; break;
		case 'F': fsize = parse_size(optarg); break;
		case 'S': shm_dir = optarg; break;
		case 'r': release = true; break;
		case 'H': hold = atol(optarg); break;
		case 'T': max_secs = atol(optarg); break;
		default: return 2;
		}
	}
	if (!chunk || size / chunk >= MAX_CHUNKS) {
		fprintf(stderr, "sigcatch: bad chunk size\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	if (shm_dir) {
		shm_fd = open(shm_dir, O_TMPFILE | O_RDWR, 0600);
		if (shm_fd < 0) {
			perror("sigcatch: open -S DIR");
			return 1;
		}
	}
	if (file)
		file_cache(file, fsize);
	printf("ready\n");
	for (;;) {
		if (got_term) {
			printf("got SIGTERM held %llu at %llu real %llu\n", held, sig_ns, sig_real_ns);
			return 0;
		}
		if (got_usr1 != seen_usr1) {
			seen_usr1 = got_usr1;
			if (release && shm_fd >= 0) {
				held -= held / 2 / chunk * chunk;
				if (ftruncate(shm_fd, held) < 0)
					perror("sigcatch: ftruncate");
			} else if (release)
				for (unsigned long long keep = held / 2; nchunks > 0 && held > keep;) {
					munmap(chunks[--nchunks], chunk);
					held -= chunk;
				}
			printf("got SIGUSR1 %d held %llu at %llu\n", seen_usr1, held, sig_ns);
		}
		if (held >= size)
			break;
		if (max_secs && time(NULL) - t0 >= max_secs) {
			printf("timeout %llu\n", held);
			return 0;
		}
		if (shm_fd >= 0) {
			if (shm_grow(shm_fd, chunk) < 0) {
				perror("sigcatch: write -S");
				return 1;
			}
			held += chunk;
			goto pause;
		}
		chunks[nchunks] = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chunks[nchunks] == MAP_FAILED) {
			perror("sigcatch: mmap");
			return 1;
		}
		for (unsigned long long o = 0; o < chunk; o += page)
			chunks[nchunks][o] = 1;
		nchunks++;
		held += chunk;
pause:
		if (interval_ms) {
			struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	printf("done %llu\n", held);
	for (time_t start = time(NULL); time(NULL) - start < hold && !got_term;)
		usleep(50 * 1000);
	if (got_term)
		printf("got SIGTERM held %llu at %llu real %llu\n", held, sig_ns, sig_real_ns);
	return 0;
}
