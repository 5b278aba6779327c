// SPDX-License-Identifier: GPL-2.0-only
/*
 * hog: a memory workload for memcgctl's tests and benchmarks.
 *
 *   hog [-s SIZE] [-c CHUNK] [-i MS] [-H SECS] [-l] [-f FILE] [-T BYTES] [-q]
 *
 *   -s SIZE   anonymous memory to allocate and touch (default 64M)
 *   -c CHUNK  allocate in chunks of CHUNK (default: all at once)
 *   -i MS     pause between chunks
 *   -H SECS   hold this long after allocating, then exit 0 (default: until killed)
 *   -l        keep re-touching every page while holding (a hot working set)
 *   -f FILE   also write SIZE bytes to FILE and read them back (page cache)
 *   -T BYTES  print "cross <ns>" (CLOCK_MONOTONIC) when the touched total
 *             first reaches BYTES: a timestamp for latency benchmarks
 *   -q        quiet
 *
 * Prints "ready <bytes>" when everything is touched.  Sizes take K/M/G.
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

#include "progs.h"

#define parse_size(s) progs_parse_size("hog", (s))

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void file_cache(const char *path, unsigned long long size)
{
	static char buf[1 << 16];
	unsigned long long done;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		perror("hog: open");
		exit(1);
	}
	memset(buf, 'x', sizeof(buf));
	for (done = 0; done < size; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) < 0) {
			perror("hog: write");
			exit(1);
		}
	lseek(fd, 0, SEEK_SET);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned long long size = 64 << 20, chunk = 0, thresh = 0, touched = 0;
	long page = sysconf(_SC_PAGESIZE), interval_ms = 0, hold = -1;
	const char *file = NULL;
	bool loop = false, quiet = false, crossed = false;
	char *mem;
	int c;

	while ((c = getopt(argc, argv, "s:c:i:H:lf:T:q")) != -1) {
		switch (c) {
		case 's': size = parse_size(optarg); break;
		case 'c': chunk = parse_size(optarg); break;
		case 'i': interval_ms = atol(optarg); break;
		case 'H': hold = atol(optarg); break;
		case 'l': loop = true; break;
		case 'f': file = optarg; break;
		case 'T': thresh = parse_size(optarg); break;
		case 'q': quiet = true; break;
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!chunk || chunk > size)
		chunk = size;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("hog: mmap");
		return 1;
	}
	while (touched < size) {
		unsigned long long end = touched + chunk > size ? size : touched + chunk;

		for (; touched < end; touched += page) {
			mem[touched] = (char)touched | 1;
			if (thresh && !crossed && touched + page >= thresh) {
				crossed = true;
				printf("cross %llu\n", now_ns());
			}
		}
		if (interval_ms)
			usleep(interval_ms * 1000);
	}
	if (file)
		file_cache(file, size);
	if (!quiet)
		printf("ready %llu\n", size);
	for (time_t start = time(NULL); hold < 0 || time(NULL) - start < hold;) {
		if (loop)
			for (unsigned long long o = 0; o < size; o += page)
				mem[o]++;
		else
			usleep(100 * 1000);
	}
	return 0;
}
