// SPDX-License-Identifier: GPL-2.0-only
/* Parsers and formatters of sizes, percentages and durations. */
#include <errno.h>

#include "unit.h"
#include "units.h"

static void sizes(void)
{
	uint64_t v;

	CHECK("size-plain", parse_size("4096", &v) == 0 && v == 4096);
	CHECK("size-K", parse_size("4K", &v) == 0 && v == 4096);
	CHECK("size-M", parse_size("512M", &v) == 0 && v == 512ULL << 20);
	CHECK("size-G-decimal", parse_size("1.5G", &v) == 0 && v == 3ULL << 29);
	CHECK("size-lowercase", parse_size("2g", &v) == 0 && v == 2ULL << 30);
	CHECK("size-iB", parse_size("1GiB", &v) == 0 && v == 1ULL << 30);
	CHECK("size-B", parse_size("10MB", &v) == 0 && v == 10ULL << 20);
	CHECK("size-T", parse_size("1T", &v) == 0 && v == 1ULL << 40);
	CHECK("size-zero", parse_size("0", &v) == 0 && v == 0);
	CHECK("size-empty", parse_size("", &v) == -EINVAL);
	CHECK("size-null", parse_size(NULL, &v) == -EINVAL);
	CHECK("size-negative", parse_size("-1M", &v) == -EINVAL);
	CHECK("size-junk-suffix", parse_size("12Mx", &v) == -EINVAL);
	CHECK("size-unknown-unit", parse_size("12Q", &v) == -EINVAL);
	CHECK("size-space", parse_size(" 12M", &v) == -EINVAL);
	CHECK("size-dot-only", parse_size("1.", &v) == -EINVAL);
	CHECK("size-fraction-bytes", parse_size("1.5", &v) == -EINVAL);
	CHECK("size-overflow-digits", parse_size("99999999999999999999999", &v) == -ERANGE);
	CHECK("size-overflow-unit", parse_size("17179869184G", &v) == -ERANGE);
	CHECK("size-max-u64", parse_size("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK("size-non-utf8", parse_size("12\xff", &v) == -EINVAL);
	CHECK("size-percent-is-not-size", parse_size("80%", &v) == -EINVAL);
}

static void percents(void)
{
	uint32_t c;

	CHECK("pct-int", parse_percent("80%", &c) == 0 && c == 8000);
	CHECK("pct-decimal", parse_percent("12.5%", &c) == 0 && c == 1250);
	CHECK("pct-100", parse_percent("100%", &c) == 0 && c == 10000);
	CHECK("pct-0", parse_percent("0%", &c) == 0 && c == 0);
	CHECK("pct-over-100", parse_percent("101%", &c) == -ERANGE);
	CHECK("pct-100.1", parse_percent("100.1%", &c) == -ERANGE);
	CHECK("pct-no-sign", parse_percent("80", &c) == -EINVAL);
	CHECK("pct-junk", parse_percent("80%%", &c) == -EINVAL);
	CHECK("pct-negative", parse_percent("-5%", &c) == -EINVAL);
	CHECK("pct-empty", parse_percent("", &c) == -EINVAL);
}

static void durations(void)
{
	uint64_t ns;

	CHECK("dur-ms", parse_duration("500ms", &ns) == 0 && ns == 500000000ULL);
	CHECK("dur-s", parse_duration("2s", &ns) == 0 && ns == 2000000000ULL);
	CHECK("dur-bare-is-s", parse_duration("3", &ns) == 0 && ns == 3000000000ULL);
	CHECK("dur-m", parse_duration("1m", &ns) == 0 && ns == 60000000000ULL);
	CHECK("dur-h", parse_duration("1h", &ns) == 0 && ns == 3600000000000ULL);
	CHECK("dur-us", parse_duration("250us", &ns) == 0 && ns == 250000);
	CHECK("dur-ns", parse_duration("7ns", &ns) == 0 && ns == 7);
	CHECK("dur-decimal", parse_duration("1.5s", &ns) == 0 && ns == 1500000000ULL);
	CHECK("dur-junk", parse_duration("5 s", &ns) == -EINVAL);
	CHECK("dur-unknown-unit", parse_duration("5d", &ns) == -EINVAL);
	CHECK("dur-negative", parse_duration("-1s", &ns) == -EINVAL);
	CHECK("dur-overflow", parse_duration("99999999999h", &ns) == -ERANGE);
	CHECK("dur-empty", parse_duration("", &ns) == -EINVAL);
}

static void integers(void)
{
	uint64_t v;

	CHECK("u64-ok", parse_u64("42", 100, &v) == 0 && v == 42);
	CHECK("u64-over-max", parse_u64("101", 100, &v) == -ERANGE);
	CHECK("u64-decimal", parse_u64("1.5", 100, &v) == -EINVAL);
	CHECK("u64-suffix", parse_u64("4k", 100000, &v) == -EINVAL);
	CHECK("u64-overflow", parse_u64("184467440737095516160", UINT64_MAX, &v) == -ERANGE);
}

static void formats(void)
{
	char b[UNITS_BUF];

	CHECK_STR("fmt-bytes", "512B", fmt_size(b, sizeof(b), 512));
	CHECK_STR("fmt-K", "4.0K", fmt_size(b, sizeof(b), 4096));
	CHECK_STR("fmt-M", "1.5M", fmt_size(b, sizeof(b), 3 << 19));
	CHECK_STR("fmt-G-round", "100G", fmt_size(b, sizeof(b), 100ULL << 30));
	CHECK_STR("fmt-max-u64", "16.0E", fmt_size(b, sizeof(b), UINT64_MAX));
	CHECK_STR("fmt-ns", "999ns", fmt_duration(b, sizeof(b), 999));
	CHECK_STR("fmt-us", "1.5us", fmt_duration(b, sizeof(b), 1500));
	CHECK_STR("fmt-ms", "2.0ms", fmt_duration(b, sizeof(b), 2000000));
	CHECK_STR("fmt-s", "3.25s", fmt_duration(b, sizeof(b), 3250000000ULL));
}

/* printf's fmt_duration, the one the digits by hand must match byte for byte */
static const char *duration_printf(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000ULL)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

static void durations_as_printf(void)
{
	static const uint64_t edge[] = {
		0, 1, 999, 1000, 1049, 1050, 1051, 1150, 1250, 2350, 999949, 999950, 999951,
		999999, 1000000, 1050000, 1250000, 999950000, 999999999, 1000000000ULL,
		1005000000ULL, 1015000000ULL, 1025000000ULL, 999995000000ULL, 999999999999ULL,
		1000000000000ULL, 123456789012345ULL, UINT64_MAX - 1, UINT64_MAX,
	};
	char want[UNITS_BUF], got[UNITS_BUF], small[6], small_want[6];
	uint64_t x = 88172645463325252ULL;
	int bad = 0;

	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		duration_printf(want, sizeof(want), edge[i]);
		CHECK_STR("dur-as-printf-edge", want, fmt_duration(got, sizeof(got), edge[i]));
	}
	/* every value around each unit's boundaries, and a random spread of sizes */
	for (uint64_t ns = 0; ns < 1100000; ns++) {
		if (strcmp(duration_printf(want, sizeof(want), ns), fmt_duration(got, sizeof(got), ns)))
			bad++;
	}
	for (int i = 0; i < 500000; i++) {
		uint64_t ns;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ns = x >> (x % 60);
		if (strcmp(duration_printf(want, sizeof(want), ns), fmt_duration(got, sizeof(got), ns)))
			bad++;
		if (strcmp(duration_printf(small_want, sizeof(small_want), ns),
			   fmt_duration(small, sizeof(small), ns)))
			bad++;
	}
	CHECK("dur-as-printf-all", bad == 0);
}

int main(void)
{
	unit_suite = "units";
	durations_as_printf();
	sizes();
	percents();
	durations();
	integers();
	formats();
	return unit_done();
}
