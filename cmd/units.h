/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parsing and printing of the units a user types and reads: sizes
 * (512M, 1.5G, 4096), percentages (80%) and durations (500ms, 2s, 1m).
 * Parsers return 0 or -EINVAL/-ERANGE and never accept trailing junk.
 */
#ifndef MEMCGCTL_UNITS_H
#define MEMCGCTL_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bytes; suffixes K M G T (binary, optional trailing B/iB), decimals allowed. */
int parse_size(const char *s, uint64_t *bytes);
/* "80%" or "12.5%" into hundredths of a percent (8000, 1250); 0..100%. */
int parse_percent(const char *s, uint32_t *centi);
/* ns us ms s m h; a bare number is seconds. */
int parse_duration(const char *s, uint64_t *ns);
/* Non-negative integer with no suffix, at most max. */
int parse_u64(const char *s, uint64_t max, uint64_t *v);

/* "1.5G", "512M", "4.0K", "0" — fits 7 chars; buf >= 16. */
const char *fmt_size(char *buf, size_t len, uint64_t bytes);
/* "1.2ms", "350us", "2.0s"; buf >= 16. */
const char *fmt_duration(char *buf, size_t len, uint64_t ns);

/*
 * The decimal digits of v into f, at least min of them (zero-padded), '-'
 * in front if neg: printf's format parsing costs more than the conversion
 * on watch's per-event paths.
 */
void fput_u64(FILE *f, uint64_t v, int min, bool neg);

#define UNITS_BUF 24

#endif
