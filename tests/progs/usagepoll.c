// SPDX-License-Identifier: GPL-2.0-only
/*
 * usagepoll: the user-space baseline the pre-OOM benchmark compares memcgctl's
 * policies with, what oomd-style daemons do: read a memory cgroup's usage
 * every interval and signal the workload once it is above a threshold.
 *
 *   usagepoll -f FILE -t BYTES -p PID [-i MS] [-s SIGNAL]
 *   usagepoll -C
 *
 *   -f FILE   the usage file (memory.current, or v1 memory.usage_in_bytes)
 *   -t BYTES  threshold: signal when usage >= BYTES (K/M/G)
 *   -p PID    process to signal
 *   -i MS     poll interval (default 100)
 *   -s SIGNAL signal number (default 15, SIGTERM)
 *   -C        print "<CLOCK_MONOTONIC ns> <CLOCK_REALTIME ns>" and exit: the
 *             offset that turns BPF timestamps (bpf_ktime_get_ns) into wall time
 *
 * Prints "signal usage <bytes> at <ns> real <ns>" (CLOCK_MONOTONIC and
 * CLOCK_REALTIME right after kill(2)) and exits 0 after signalling once, or
 * prints "gone" and exits 0 when PID no longer exists.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "progs.h"

static unsigned long long clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long thresh = 0, usage;
	long interval_ms = 100;
	const char *path = NULL;
	int sig = SIGTERM, c;
	pid_t pid = 0;

	while ((c = getopt(argc, argv, "f:t:p:i:s:C")) != -1) {
		switch (c) {
		case 'f': path = optarg; break;
		case 't': thresh = progs_parse_size("usagepoll", optarg); break;
		case 'p': pid = atoi(optarg); break;
		case 'i': interval_ms = atol(optarg); break;
		case 's': sig = atoi(optarg); break;
		case 'C':
			printf("%llu %llu\n", clock_ns(CLOCK_MONOTONIC), clock_ns(CLOCK_REALTIME));
			return 0;
		default: return 2;
		}
	}
	if (!path || !thresh || pid <= 0 || interval_ms <= 0) {
		fprintf(stderr, "usage: usagepoll -f FILE -t BYTES -p PID [-i MS] [-s SIGNAL]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
		FILE *f = fopen(path, "r");
		int n;

		if (!f) {
			perror("usagepoll: open");
			return 1;
		}
		n = fscanf(f, "%llu", &usage);
		fclose(f);
		if (n != 1) {
			fprintf(stderr, "usagepoll: %s: not a number\n", path);
			return 1;
		}
		if (usage >= thresh) {
			if (kill(pid, sig) < 0) {
				if (errno == ESRCH)
					break;
				perror("usagepoll: kill");
				return 1;
			}
			printf("signal usage %llu at %llu real %llu\n", usage,
			       clock_ns(CLOCK_MONOTONIC), clock_ns(CLOCK_REALTIME));
			return 0;
		}
		if (kill(pid, 0) < 0 && errno == ESRCH)
			break;
		nanosleep(&ts, NULL);
	}
	printf("gone\n");
	return 0;
}
