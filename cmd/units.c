// SPDX-License-Identifier: GPL-2.0-only
/* Sizes, percentages and durations: see units.h. */
#define _GNU_SOURCE	/* fwrite_unlocked */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "units.h"

/*
 * Parse "<digits>[.<digits>]" exactly, into an integer part and a
 * fraction scaled to 1e9, so no floating point rounding leaks into sizes.
 * Returns the number of characters consumed, 0 on malformed input.
 */
static size_t parse_decimal(const char *s, uint64_t *ipart, uint64_t *frac_e9)
{
	const char *p = s;
	uint64_t v = 0, f = 0, scale = 100000000;

	if (!isdigit((unsigned char)*p))
		return 0;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned int d = *p - '0';

		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return (size_t)-1;	/* overflow */
		v = v * 10 + d;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		for (; isdigit((unsigned char)*p); p++) {
			f += (*p - '0') * scale;
			scale /= 10;
		}
	}
	*ipart = v;
	*frac_e9 = f;
	return p - s;
}

/* v * mult + frac * mult / 1e9, or -ERANGE */
static int scale_value(uint64_t v, uint64_t frac_e9, uint64_t mult, uint64_t *out)
{
	uint64_t whole, part;

	if (mult && v > UINT64_MAX / mult)
		return -ERANGE;
	whole = v * mult;
	part = (uint64_t)((unsigned __int128)frac_e9 * mult / 1000000000U);
	if (whole > UINT64_MAX - part)
		return -ERANGE;
	*out = whole + part;
	return 0;
}

/* The number a size, percentage or duration starts with: n chars of s. */
static int lead_number(const char *s, uint64_t *v, uint64_t *f, size_t *n)
{
	if (!s || !*s)
		return -EINVAL;
	*n = parse_decimal(s, v, f);
	if (*n == (size_t)-1)
		return -ERANGE;
	return *n ? 0 : -EINVAL;
}

int parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v, f, mult = 1;
	size_t n;
	int ret;

	ret = lead_number(s, &v, &f, &n);
	if (ret)
		return ret;
	s += n;
	switch (toupper((unsigned char)*s)) {
	case '\0': break;
	case 'K': mult = 1ULL << 10; s++; break;
	case 'M': mult = 1ULL << 20; s++; break;
	case 'G': mult = 1ULL << 30; s++; break;
	case 'T': mult = 1ULL << 40; s++; break;
	case 'B': break;
	default: return -EINVAL;
	}
	if (mult > 1 && (*s == 'i' || *s == 'I'))
		s++;
	if (*s == 'B' || *s == 'b')
		s++;
	if (*s)
		return -EINVAL;
	if (mult == 1 && f)
		return -EINVAL;	/* "1.5" bytes makes no sense */
	return scale_value(v, f, mult, bytes);
}

int parse_percent(const char *s, uint32_t *centi)
{
	uint64_t v, f;
	size_t n;
	int ret;

	ret = lead_number(s, &v, &f, &n);
	if (ret)
		return ret;
	if (strcmp(s + n, "%") != 0)
		return -EINVAL;
	if (v > 100 || (v == 100 && f))
		return -ERANGE;
	*centi = (uint32_t)(v * 100 + f / 10000000);
	return 0;
}

int parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *sfx; uint64_t mult; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ULL }, { "m", 60000000000ULL },
		{ "h", 3600000000000ULL }, { "", 1000000000ULL },
	};
	uint64_t v, f;
	size_t n;
	int ret;

	ret = lead_number(s, &v, &f, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(s + n, units[i].sfx))
			return scale_value(v, f, units[i].mult, ns);
	return -EINVAL;
}

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v, f;
	size_t n;

	if (!s || !*s)
		return -EINVAL;
	n = parse_decimal(s, &v, &f);
	if (n == (size_t)-1)
		return -ERANGE;
	if (n == 0 || s[n] || strchr(s, '.'))
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

const char *fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char sfx[] = "KMGTPE";
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	if (v >= 99.95)
		snprintf(buf, len, "%.0f%c", v, sfx[i]);
	else
		snprintf(buf, len, "%.1f%c", v, sfx[i]);
	return buf;
}

/* Decimal digits of v at p, at least min of them (zero-padded); returns the end. */
static char *put_digits(char *p, uint64_t v, int min)
{
	char tmp[24], *t = tmp + sizeof(tmp);
	int n = 0;

	do {
		*--t = '0' + v % 10;
		v /= 10;
		n++;
	} while (v || (n < min && n < 20));
	memcpy(p, t, tmp + sizeof(tmp) - t);
	return p + (tmp + sizeof(tmp) - t);
}

void fput_u64(FILE *f, uint64_t v, int min, bool neg)
{
	char buf[24], *p = buf + sizeof(buf);
	int n = 0;

	do {
		*--p = '0' + v % 10;
		v /= 10;
		n++;
	} while (v || (n < min && n < 20));
	if (neg)
		*--p = '-';
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, f);
}

/* What snprintf(buf, len, "%s") does with the n bytes at s. */
static void copy_out(char *buf, size_t len, const char *s, size_t n)
{
	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
}

/*
 * ns / unit to dec decimals, rounded as printf("%.*f") rounds the double:
 * the same digits, by hand (watch prints one per event).  Only an exact
 * tie, where printf rounds the binary value to even, and values too large
 * for the double to be within a digit's reach go through printf.
 */
static bool fmt_fixed(char *buf, size_t len, uint64_t ns, uint64_t unit, int dec,
		      const char *sfx)
{
	uint64_t step = unit, q;
	char tmp[48], *p = tmp;
	size_t n;

	for (int i = 0; i < dec; i++)
		step /= 10;
	if (ns % step == step / 2 || ns >= 1000000000000ULL)
		return false;
	q = (ns + step / 2) / step;
	p = put_digits(p, q / (unit / step), 1);
	*p++ = '.';
	p = put_digits(p, q % (unit / step), dec);
	n = strlen(sfx);
	memcpy(p, sfx, n);
	p += n;
	copy_out(buf, len, tmp, p - tmp);
	return true;
}

const char *fmt_duration(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000) {
		char tmp[8], *p = put_digits(tmp, ns, 1);

		*p++ = 'n';
		*p++ = 's';
		copy_out(buf, len, tmp, p - tmp);
	} else if (ns < 1000000) {
		if (!fmt_fixed(buf, len, ns, 1000, 1, "us"))
			snprintf(buf, len, "%.1fus", ns / 1e3);
	} else if (ns < 1000000000ULL) {
		if (!fmt_fixed(buf, len, ns, 1000000, 1, "ms"))
			snprintf(buf, len, "%.1fms", ns / 1e6);
	} else if (!fmt_fixed(buf, len, ns, 1000000000ULL, 2, "s")) {
		snprintf(buf, len, "%.2fs", ns / 1e9);
	}
	return buf;
}
