/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small streaming JSON writer.  The writer keeps track of commas and
 * nesting so callers only say what they emit; strings are escaped and
 * invalid UTF-8 is replaced so that the output is always valid JSON.
 */
#ifndef MEMCGCTL_JSON_H
#define MEMCGCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jsonw_new(FILE *f, bool pretty);
void jsonw_destroy(struct json_writer **w);
/* Newline after the top-level value, flush: one object per line for streams. */
void jsonw_end_document(struct json_writer *w);
/*
 * The errno of the first flush that failed (the stream may have lost its
 * own by the time anyone asks), or 0.
 */
int jsonw_error(const struct json_writer *w);
/* Nothing written since the last document end? */
bool jsonw_empty(struct json_writer *w);

void jsonw_start_object(struct json_writer *w);
void jsonw_end_object(struct json_writer *w);
void jsonw_start_array(struct json_writer *w);
void jsonw_end_array(struct json_writer *w);
void jsonw_name(struct json_writer *w, const char *name);

void jsonw_string(struct json_writer *w, const char *s);
void jsonw_u64(struct json_writer *w, uint64_t v);
void jsonw_s64(struct json_writer *w, int64_t v);
void jsonw_float(struct json_writer *w, double v, int decimals);
/* v / 10^decimals, exactly: "1796191958.336325" from microseconds and 6 */
void jsonw_fixed(struct json_writer *w, uint64_t v, int decimals);
void jsonw_bool(struct json_writer *w, bool v);
void jsonw_null(struct json_writer *w);

/* name + value in one call */
void jsonw_string_field(struct json_writer *w, const char *n, const char *s);
void jsonw_u64_field(struct json_writer *w, const char *n, uint64_t v);
void jsonw_s64_field(struct json_writer *w, const char *n, int64_t v);
void jsonw_float_field(struct json_writer *w, const char *n, double v, int decimals);
void jsonw_fixed_field(struct json_writer *w, const char *n, uint64_t v, int decimals);
void jsonw_bool_field(struct json_writer *w, const char *n, bool v);
void jsonw_null_field(struct json_writer *w, const char *n);

/* Escape s as a JSON string (with quotes) into f. */
void json_escape(FILE *f, const char *s);

#endif
