// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sizes, percentages, durations and plain integers (cmd/units.c): the
 * parsers on arbitrary text, the formatters on arbitrary values.  Besides
 * the sanitizers, checks what units.h promises: no trailing junk
 * accepted, results within range, formatted text fits its buffer and
 * parses back as a size or a duration of about the same value.
 */
#include <ctype.h>
#include <errno.h>

#include "fuzz.h"
#include "units.h"

static void check_fmt(uint64_t v)
{
	char buf[UNITS_BUF], small[5];
	uint64_t back;

	fmt_size(buf, sizeof(buf), v);
	FUZZ_ASSERT(strlen(buf) <= 7, "fmt_size(%llu) = '%s' is wider than 7",
		    (unsigned long long)v, buf);
	if (v < 1024) {
		FUZZ_ASSERT(!parse_size(buf, &back) && back == v, "'%s' does not parse back", buf);
	} else if (v < (1ULL << 50)) {
		/* one decimal or none: within 5% (and the rounding of "%.0f") */
		FUZZ_ASSERT(!parse_size(buf, &back), "fmt_size '%s' does not parse", buf);
		FUZZ_ASSERT(back >= v - v / 19 && back <= v + v / 19,
			    "fmt_size(%llu) = '%s' parses to %llu", (unsigned long long)v, buf,
			    (unsigned long long)back);
	}
	fmt_duration(buf, sizeof(buf), v);
	FUZZ_ASSERT(strlen(buf) < sizeof(buf), "fmt_duration overflow");
	if (v < 1000000000000ULL)
		FUZZ_ASSERT(!parse_duration(buf, &back), "fmt_duration '%s' does not parse", buf);
	/* a short buffer truncates, never overflows */
	fmt_size(small, sizeof(small), v);
	fmt_duration(small, sizeof(small), v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_dup(data, size);
	uint64_t v = 0;
	uint32_t centi = 0;
	int r;

	r = parse_size(s, &v);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "parse_size returned %d", r);
	if (!r) {
		FUZZ_ASSERT(isdigit((unsigned char)s[0]), "size '%s' accepted", s);
		check_fmt(v);
	}
	r = parse_percent(s, &centi);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "parse_percent returned %d", r);
	if (!r)
		FUZZ_ASSERT(centi <= 10000 && s[strlen(s) - 1] == '%', "percent '%s' -> %u", s, centi);
	r = parse_duration(s, &v);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "parse_duration returned %d", r);
	if (!r)
		check_fmt(v);
	r = parse_u64(s, 1000000, &v);
	if (!r)
		FUZZ_ASSERT(v <= 1000000, "parse_u64 max ignored");
	if (size >= 8) {
		memcpy(&v, data, 8);
		check_fmt(v);
	}
	free(s);
	return 0;
}
