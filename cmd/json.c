// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streaming JSON writer: see json.h.  A writer is used by one thread, and
 * memcgctl has no others: the stdio calls are the _unlocked ones, which
 * watch's event stream (a few dozen per event) notices.
 */
#define _GNU_SOURCE	/* fputs_unlocked, fwrite_unlocked */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "units.h"	/* fput_u64: digits by hand */

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* nothing emitted yet at this level */
	bool after_name;		/* a name was written, value follows */
	bool wrote;			/* anything since the last document end */
	int err;			/* the first failed flush's errno */
};

struct json_writer *jsonw_new(FILE *f, bool pretty)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

static void flush(struct json_writer *w)
{
	errno = 0;
	if (fflush(w->f) == EOF && !w->err)
		w->err = errno ? errno : EIO;
}

int jsonw_error(const struct json_writer *w)
{
	return w->err;
}

void jsonw_destroy(struct json_writer **w)
{
	if (!*w)
		return;
	flush(*w);
	free(*w);
	*w = NULL;
}

static void indent(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc_unlocked('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs_unlocked("    ", w->f);
}

/* Separator before a value or a name at the current level. */
static void sep(struct json_writer *w)
{
	w->wrote = true;
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (!w->first[w->depth])
		fputc_unlocked(',', w->f);
	if (w->depth > 0)
		indent(w);
	w->first[w->depth] = false;
}

void jsonw_end_document(struct json_writer *w)
{
	fputc_unlocked('\n', w->f);
	flush(w);
	w->first[0] = true;
	w->wrote = false;
}

bool jsonw_empty(struct json_writer *w)
{
	return !w->wrote;
}

static void open_level(struct json_writer *w, char c)
{
	sep(w);
	fputc_unlocked(c, w->f);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_level(struct json_writer *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (!empty)
		indent(w);
	fputc_unlocked(c, w->f);
}

void jsonw_start_object(struct json_writer *w) { open_level(w, '{'); }
void jsonw_end_object(struct json_writer *w) { close_level(w, '}'); }
void jsonw_start_array(struct json_writer *w) { open_level(w, '['); }
void jsonw_end_array(struct json_writer *w) { close_level(w, ']'); }

/*
 * RFC 8259: '"', '\\' and the C0 controls must be escaped.  So that -j
 * output is also safe to read on a terminal, DEL, the C1 controls and the
 * bidi and line-separator code points (esc_cp_unsafe) are escaped as
 * \uXXXX too: the same string, spelt differently.  A byte that is not
 * valid UTF-8 becomes U+FFFD (\ufffd): the output is always valid JSON,
 * at the price of the exact byte (memcgctl(8), OUTPUT).
 */
void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t left = strlen((const char *)s);

	fputc_unlocked('"', f);
	while (*s) {
		uint32_t cp;
		size_t run = 0;
		int n;

		/* the common case, a run of plain printable ASCII: one write */
		while (s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\')
			run++;
		if (run) {
			fwrite_unlocked(s, 1, run, f);
			s += run, left -= run;
			continue;
		}
		n = esc_utf8_seq(s, left, &cp);

		if (n == 0) {
			fputs_unlocked("\\ufffd", f);	/* invalid byte: replacement char */
			s++, left--;
			continue;
		}
		switch (cp) {
		case '"': fputs_unlocked("\\\"", f); break;
		case '\\': fputs_unlocked("\\\\", f); break;
		case '\n': fputs_unlocked("\\n", f); break;
		case '\r': fputs_unlocked("\\r", f); break;
		case '\t': fputs_unlocked("\\t", f); break;
		case '\b': fputs_unlocked("\\b", f); break;
		case '\f': fputs_unlocked("\\f", f); break;
		default:
			if (esc_cp_unsafe(cp))
				fprintf(f, "\\u%04x", (unsigned int)cp);
			else
				fwrite_unlocked(s, 1, n, f);
		}
		s += n, left -= n;
	}
	fputc_unlocked('"', f);
}

void jsonw_name(struct json_writer *w, const char *name)
{
	sep(w);
	json_escape(w->f, name);
	fputs_unlocked(w->pretty ? ": " : ":", w->f);
	w->after_name = true;
}

void jsonw_string(struct json_writer *w, const char *s)
{
	sep(w);
	json_escape(w->f, s);
}

void jsonw_u64(struct json_writer *w, uint64_t v)
{
	sep(w);
	fput_u64(w->f, v, 1, false);
}

void jsonw_s64(struct json_writer *w, int64_t v)
{
	sep(w);
	fput_u64(w->f, v < 0 ? -(uint64_t)v : (uint64_t)v, 1, v < 0);
}

void jsonw_fixed(struct json_writer *w, uint64_t v, int decimals)
{
	uint64_t scale = 1;

	for (int i = 0; i < decimals; i++)
		scale *= 10;
	sep(w);
	fput_u64(w->f, v / scale, 1, false);
	if (decimals > 0) {
		fputc_unlocked('.', w->f);
		fput_u64(w->f, v % scale, decimals, false);
	}
}

void jsonw_float(struct json_writer *w, double v, int decimals)
{
	sep(w);
	if (!isfinite(v))
		fputs_unlocked("null", w->f);	/* JSON has no NaN/inf */
	else
		fprintf(w->f, "%.*f", decimals, v);
}

void jsonw_bool(struct json_writer *w, bool v)
{
	sep(w);
	fputs_unlocked(v ? "true" : "false", w->f);
}

void jsonw_null(struct json_writer *w)
{
	sep(w);
	fputs_unlocked("null", w->f);
}

void jsonw_string_field(struct json_writer *w, const char *n, const char *s)
{
	jsonw_name(w, n);
	jsonw_string(w, s);
}

void jsonw_u64_field(struct json_writer *w, const char *n, uint64_t v)
{
	jsonw_name(w, n);
	jsonw_u64(w, v);
}

void jsonw_s64_field(struct json_writer *w, const char *n, int64_t v)
{
	jsonw_name(w, n);
	jsonw_s64(w, v);
}

void jsonw_float_field(struct json_writer *w, const char *n, double v, int decimals)
{
	jsonw_name(w, n);
	jsonw_float(w, v, decimals);
}

void jsonw_fixed_field(struct json_writer *w, const char *n, uint64_t v, int decimals)
{
	jsonw_name(w, n);
	jsonw_fixed(w, v, decimals);
}

void jsonw_bool_field(struct json_writer *w, const char *n, bool v)
{
	jsonw_name(w, n);
	jsonw_bool(w, v);
}

void jsonw_null_field(struct json_writer *w, const char *n)
{
	jsonw_name(w, n);
	jsonw_null(w);
}
