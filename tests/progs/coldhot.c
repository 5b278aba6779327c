// SPDX-License-Identifier: GPL-2.0-only
/*
 * coldhot: a workload with a large cold region and a small hot set, for
 * `memcgctl reclaim` tests and benchmarks.
 *
 *   coldhot -c COLD -h HOT {-f PREFIX | -a} [-t SECS] [-p MS]
 *
 * -f: page cache.  Writes PREFIX.cold (COLD bytes) and PREFIX.hot (HOT
 * bytes), syncs them (so reclaim finds clean pages), reads both once into
 * the page cache.  On tmpfs these pages are shmem: swap-backed, on the anon
 * LRU, reclaimable only to swap.
 * -a: anonymous memory (private mappings, every page written), reclaimable
 * only to swap.
 * Then prints "ready", and re-reads the hot region in a loop, pausing -p MS
 * (default 10) between passes.  On exit (after -t SECS, or SIGTERM/SIGINT)
 * it prints one line:
 *   done passes=N secs=S pass_us=MEAN hot_mbs=MB_PER_S_WHILE_READING
 * and removes its files.
 */
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

static volatile sig_atomic_t stop;
static char buf[1 << 16];

static void on_sig(int s) { stop = s; }

static unsigned long long parse(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || end == s) {
		fprintf(stderr, "coldhot: bad size '%s'\n", s);
		exit(2);
	}
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make_file(const char *path, unsigned long long size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		perror("coldhot: open");
		exit(1);
	}
	memset(buf, 'c', sizeof(buf));
	for (unsigned long long done = 0; done < size; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) < 0) {
			perror("coldhot: write");
			exit(1);
		}
	fsync(fd);
	return fd;
}

static void read_all(int fd, unsigned long long size)
{
	for (off_t o = 0; (unsigned long long)o < size && !stop; o += sizeof(buf))
		if (pread(fd, buf, sizeof(buf), o) < 0 && errno != EINTR) {
			perror("coldhot: read");
			exit(1);
		}
}

/* An anonymous region, every page written (not the zero page). */
static unsigned char *make_anon(unsigned long long size)
{
	unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);

	if (p == MAP_FAILED) {
		perror("coldhot: mmap");
		exit(1);
	}
	for (unsigned long long o = 0; o < size; o += 4096)
		memset(p + o, 'a' + (int)(o >> 12) % 26, 4096);
	return p;
}

/* Read every cache line of the region; the sum keeps the loads. */
static unsigned long read_anon(const unsigned char *p, unsigned long long size)
{
	unsigned long sum = 0;

	for (unsigned long long o = 0; o < size && !stop; o += 64)
		sum += *(const volatile unsigned char *)(p + o);
	return sum;
}

int main(int argc, char **argv)
{
	unsigned long long cold = 64 << 20, hot = 8 << 20, passes = 0;
	const char *prefix = NULL;
	double secs = 0, reading = 0, t0;
	long pause_ms = 10;
	char pc[4096], ph[4096];
	unsigned char *ac = NULL, *ah = NULL;
	unsigned long sum = 0;
	bool anon = false;
	int c, fc = -1, fh = -1;

	while ((c = getopt(argc, argv, "c:h:f:t:p:a")) != -1) {
		switch (c) {
		case 'c': cold = parse(optarg); break;
		case 'h': hot = parse(optarg); break;
		case 'f': prefix = optarg; break;
		case 't': secs = atof(optarg); break;
		case 'p': pause_ms = atol(optarg); break;
		case 'a': anon = true; break;
		default: return 2;
		}
	}
	if (!prefix == !anon) {
		fprintf(stderr, "coldhot: one of -f PREFIX and -a is required\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	if (anon) {
		ac = make_anon(cold);
		ah = make_anon(hot);
	} else {
		snprintf(pc, sizeof(pc), "%s.cold", prefix);
		snprintf(ph, sizeof(ph), "%s.hot", prefix);
		fc = make_file(pc, cold);
		fh = make_file(ph, hot);
		read_all(fc, cold);
		read_all(fh, hot);
	}
	printf("ready %llu %llu\n", cold, hot);
	t0 = now();
	while (!stop && (secs <= 0 || now() - t0 < secs)) {
		double s = now();

		if (anon)
			sum += read_anon(ah, hot);
		else
			read_all(fh, hot);
		reading += now() - s;
		passes++;
		if (pause_ms)
			usleep(pause_ms * 1000);
	}
	printf("done passes=%llu secs=%.1f pass_us=%.0f hot_mbs=%.1f\n", passes, now() - t0,
	       passes ? reading / passes * 1e6 : 0,
	       reading > 0 ? passes * (double)hot / reading / (1 << 20) : 0);
	if (anon) {
		munmap(ac, cold);
		munmap(ah, hot);
		return sum == 1;	/* never: keeps the reads */
	}
	close(fc);
	close(fh);
	unlink(pc);
	unlink(ph);
	return 0;
}
