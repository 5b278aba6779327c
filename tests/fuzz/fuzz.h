/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the libFuzzer harnesses share: taking the input apart, a scratch
 * directory for fake cgroupfs trees, and a strict JSON checker that is
 * the oracle of every harness that writes JSON (memcgctl promises valid
 * JSON whatever the bytes of a cgroup name or a comm).
 */
#ifndef MEMCGCTL_FUZZ_H
#define MEMCGCTL_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Report a broken property the way a sanitizer would: loudly, then abort. */
#define FUZZ_ASSERT(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/* A cursor over the input: bytes, integers and strings taken off its front. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_u64(struct fuzz_in *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in) { return (uint8_t)fuzz_u64(in, 1); }

/*
 * The next string: up to a NUL byte or the end, copied and NUL-terminated
 * (malloc'ed, caller frees) so ASan sees reads past its end.
 */
static inline char *fuzz_str(struct fuzz_in *in)
{
	const uint8_t *z = memchr(in->p, 0, in->n);
	size_t len = z ? (size_t)(z - in->p) : in->n;
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, in->p, len);
	s[len] = '\0';
	in->p += len + (z ? 1 : 0);
	in->n -= len + (z ? 1 : 0);
	return s;
}

/* The whole input as one string (malloc'ed). */
static inline char *fuzz_dup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A private scratch directory under $TMPDIR (or /dev/shm, or /tmp), made
 * once and removed at exit; cwd moves into it so fake trees can use
 * relative names.
 */
const char *fuzz_scratch(void);
/* Write len bytes to dir/name (replacing it); aborts on failure. */
void fuzz_write(const char *dir, const char *name, const void *buf, size_t len);

/* Is buf[0..len) exactly one JSON value (RFC 8259), optionally newline-ended? */
bool fuzz_json_valid(const char *buf, size_t len, const char **why);

#endif
