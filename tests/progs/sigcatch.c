// SPDX-License-Identifier: GPL-2.0-only
/*
 * sigcatch: a workload that grows toward its cgroup's limit and handles
 * the signals memcgctl's policies send, for the policy tests.
 *
 *   sigcatch [-s SIZE] [-c CHUNK] [-i MS] [-f FILE] [-F FSIZE] [-r] [-H SECS] [-T SECS]
 *
 *   -s SIZE   anonymous memory to reach (default 128M), touched CHUNK at a time
 *   -c CHUNK  growth step (default 1M)
 *   -i MS     pause between steps (default 10)
 *   -f FILE   first fill the page cache: write FSIZE bytes to FILE, read them back
 *   -F FSIZE  size of that file (default 32M)
 *   -r        "release" mode: on SIGUSR1 free half of what is held and keep going
 *             (a cache that sheds); without it SIGUSR1 is only counted
 *   -H SECS   after reaching SIZE, hold that long, then exit 0 (default: exit at once)
 *   -T SECS   stop growing after SECS and exit 0 ("timeout <bytes>")
 *
 * On SIGTERM it prints "got SIGTERM" and exits 0 cleanly: the graceful
 * shutdown a pre-OOM policy buys.  Each handled SIGUSR1 prints
 * "got SIGUSR1 <n> held <bytes> at <ns>" (CLOCK_MONOTONIC of the handler, to
 * measure signal latency against the policy event's ts_ns).  "ready" is printed once the file is cached.
 * "done <bytes>" is printed when SIZE was reached without a SIGTERM.
 */
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

static void on_signal(int sig)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* async-signal-safe */
	sig_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
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

#define MAX_CHUNKS 65536

int main(int argc, char **argv)
{
	unsigned long long size = 128 << 20, chunk = 1 << 20, fsize = 32 << 20, held = 0;
	long page = sysconf(_SC_PAGESIZE), interval_ms = 10, hold = 0, max_secs = 0;
	time_t t0 = time(NULL);
	static char *chunks[MAX_CHUNKS];
	int nchunks = 0, seen_usr1 = 0;
	const char *file = NULL;
	bool release = false;
	struct sigaction sa;
	int c;

	while ((c = getopt(argc, argv, "s:c:i:f:F:rH:T:")) != -1) {
		switch (c) {
		case 's': size = parse_size(optarg); break;
		case 'c': chunk = parse_size(optarg); break;
		case 'i': interval_ms = atol(optarg); break;
		case 'f': file = optarg; break;
		case 'F': fsize = parse_size(optarg); break;
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

	if (file)
		file_cache(file, fsize);
	printf("ready\n");
	for (;;) {
		if (got_term) {
			printf("got SIGTERM held %llu\n", held);
			return 0;
		}
		if (got_usr1 != seen_usr1) {
			seen_usr1 = got_usr1;
			if (release)
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
		if (interval_ms) {
			struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	printf("done %llu\n", held);
	for (time_t start = time(NULL); time(NULL) - start < hold && !got_term;)
		usleep(50 * 1000);
	if (got_term)
		printf("got SIGTERM held %llu\n", held);
	return 0;
}
