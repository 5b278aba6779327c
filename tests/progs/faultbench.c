// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultbench: the page-fault/charge microbenchmark.  Maps SIZE bytes of
 * anonymous memory, touches every page (each touch faults, allocates and
 * charges a page to the memory cgroup), unmaps, and repeats.  Prints the
 * median ns per page over the rounds, so that a run with BPF programs
 * attached can be compared to one without, as a ratio.
 *
 *   faultbench [-s SIZE_MB] [-r ROUNDS] [-j]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE), size_mb = 64, rounds = 15;
	int c, json = 0;
	double *ns;

	while ((c = getopt(argc, argv, "s:r:j")) != -1) {
		switch (c) {
		case 's': size_mb = atol(optarg); break;
		case 'r': rounds = atol(optarg); break;
		case 'j': json = 1; break;
		default:
			fprintf(stderr, "usage: faultbench [-s MB] [-r ROUNDS] [-j]\n");
			return 2;
		}
	}
	if (size_mb <= 0 || rounds <= 0) {
		fprintf(stderr, "faultbench: -s and -r must be positive\n");
		return 2;
	}
	ns = calloc(rounds, sizeof(*ns));
	for (long r = 0; r < rounds; r++) {
		size_t size = (size_t)size_mb << 20;
		char *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		double t0;

		if (m == MAP_FAILED) {
			perror("faultbench: mmap");
			return 1;
		}
		t0 = now();
		for (size_t o = 0; o < size; o += page)
			m[o] = 1;
		ns[r] = (now() - t0) / (size / page);
		munmap(m, size);
	}
	qsort(ns, rounds, sizeof(*ns), cmp);
	if (json)
		printf("{\"ns_per_page\": %.1f, \"min\": %.1f, \"max\": %.1f, \"rounds\": %ld, \"mb\": %ld}\n",
		       ns[rounds / 2], ns[0], ns[rounds - 1], rounds, size_mb);
	else
		printf("%.1f ns/page (median of %ld rounds of %ld MB; min %.1f, max %.1f)\n",
		       ns[rounds / 2], rounds, size_mb, ns[0], ns[rounds - 1]);
	free(ns);
	return 0;
}
