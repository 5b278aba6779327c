// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultcpu: the page-fault/charge hot path, timed in CPU time.
 * (The reclaim branch has faultbench, wall-clock medians; this one
 * counts CPU time so that other load on the machine does not skew it.)
 *
 *   faultcpu [-s SIZE] [-t SECS] [-n ITERATIONS]
 *
 * Loops mmap(SIZE, anonymous) -> write one byte per page -> munmap, so
 * every page is faulted in, zeroed, charged to the memory cgroup and
 * uncharged again.  Prints
 *
 *   ns_per_page <cpu ns per page touched> wall_ns_per_page <...> pages <n>
 *
 * CPU time (user+sys of this process) is the main figure: it is what a
 * tracing program attached to the fault path adds to, and it does not
 * count time the benchmark spent waiting for a CPU on a busy machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "progs.h"

#define parse_size(s) progs_parse_size("faultcpu", (s))

static unsigned long long ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long size = 32 << 20, secs = 2, iters = 0, pages = 0;
	unsigned long long c0, w0, c1, w1;
	long page = sysconf(_SC_PAGESIZE);
	int c;

	while ((c = getopt(argc, argv, "s:t:n:")) != -1) {
		switch (c) {
		case 's': size = parse_size(optarg); break;
		case 't': secs = parse_size(optarg); break;
		case 'n': iters = parse_size(optarg); break;
		default:
			fprintf(stderr, "usage: faultcpu [-s SIZE] [-t SECS] [-n ITERATIONS]\n");
			return 2;
		}
	}
	c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	w0 = ns(CLOCK_MONOTONIC);
	for (unsigned long long i = 0;; i++) {
		char *m;

		if (iters ? i >= iters : ns(CLOCK_MONOTONIC) - w0 >= secs * 1000000000ULL)
			break;
		m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			perror("faultcpu: mmap");
			return 1;
		}
		for (unsigned long long o = 0; o < size; o += page)
			m[o] = 1;
		munmap(m, size);
		pages += size / page;
	}
	c1 = ns(CLOCK_PROCESS_CPUTIME_ID);
	w1 = ns(CLOCK_MONOTONIC);
	printf("ns_per_page %.1f wall_ns_per_page %.1f pages %llu\n",
	       (double)(c1 - c0) / pages, (double)(w1 - w0) / pages, pages);
	return 0;
}
