// SPDX-License-Identifier: GPL-2.0-only
/*
 * coldhot: a page-cache workload with a large cold region and a small hot
 * set, for `memcgctl reclaim` tests and benchmarks.
 *
 *   coldhot -c COLD -h HOT -f PREFIX [-t SECS] [-p MS]
 *
 * Writes PREFIX.cold (COLD bytes) and PREFIX.hot (HOT bytes), syncs them
 * (so reclaim finds clean pages), reads both once into the page cache,
 * prints "ready", then re-reads the hot file in a loop, pausing -p MS
 * (default 10) between passes.  On exit (after -t SECS, or SIGTERM/SIGINT)
 * it prints one line:
 *   done passes=N secs=S pass_us=MEAN hot_mbs=MB_PER_S_WHILE_READING
 * and removes its files.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
	unsigned long long cold = 64 << 20, hot = 8 << 20, passes = 0;
	const char *prefix = NULL;
	double secs = 0, reading = 0, t0;
	long pause_ms = 10;
	char pc[4096], ph[4096];
	int c, fc, fh;

	while ((c = getopt(argc, argv, "c:h:f:t:p:")) != -1) {
		switch (c) {
		case 'c': cold = parse(optarg); break;
		case 'h': hot = parse(optarg); break;
		case 'f': prefix = optarg; break;
		case 't': secs = atof(optarg); break;
		case 'p': pause_ms = atol(optarg); break;
		default: return 2;
		}
	}
	if (!prefix) {
		fprintf(stderr, "coldhot: -f PREFIX is required\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	snprintf(pc, sizeof(pc), "%s.cold", prefix);
	snprintf(ph, sizeof(ph), "%s.hot", prefix);
	fc = make_file(pc, cold);
	fh = make_file(ph, hot);
	read_all(fc, cold);
	read_all(fh, hot);
	printf("ready %llu %llu\n", cold, hot);
	t0 = now();
	while (!stop && (secs <= 0 || now() - t0 < secs)) {
		double s = now();

		read_all(fh, hot);
		reading += now() - s;
		passes++;
		if (pause_ms)
			usleep(pause_ms * 1000);
	}
	printf("done passes=%llu secs=%.1f pass_us=%.0f hot_mbs=%.1f\n", passes, now() - t0,
	       passes ? reading / passes * 1e6 : 0,
	       reading > 0 ? passes * (double)hot / reading / (1 << 20) : 0);
	close(fc);
	close(fh);
	unlink(pc);
	unlink(ph);
	return 0;
}
