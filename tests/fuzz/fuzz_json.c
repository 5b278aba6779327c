// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON writer (cmd/json.c).  The input is a program: each byte picks
 * an operation (open/close an object or array, a name, a string, a
 * number), strings come from the input; the harness only issues
 * sequences a caller may issue (names inside objects, values after
 * them).  The output, compact and pretty, must be valid JSON: strings
 * with any bytes, invalid UTF-8 included, come out escaped or replaced.
 */
#include "fuzz.h"
#include "json.h"

#define MAX_DEPTH 24	/* memcgctl nests 4 deep; the writer takes 31 */

static void check(const char *buf, size_t len, const char *what)
{
	const char *why = NULL;

	FUZZ_ASSERT(fuzz_json_valid(buf, len, &why), "%s: %s in: %.*s", what, why, (int)len, buf);
}

static void run(const uint8_t *data, size_t size, bool pretty)
{
	struct fuzz_in in = { data, size };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *w = jsonw_new(f, pretty);
	bool obj[MAX_DEPTH + 1] = { false };
	int depth = 0;

	if (!f || !w)
		abort();
	/* one string alone: json_escape itself */
	{
		struct fuzz_in first = in;
		char *s = fuzz_str(&first), *ebuf = NULL;
		size_t elen = 0;
		FILE *ef = open_memstream(&ebuf, &elen);

		if (!ef)
			abort();
		json_escape(ef, s);
		fclose(ef);
		check(ebuf, elen, "json_escape");
		free(ebuf);
		free(s);
	}
	jsonw_start_object(w);
	obj[0] = true;
	depth = 1;
	while (in.n) {
		uint8_t op = fuzz_u8(&in);
		char *s = NULL;

		/* inside an object every value needs its name first */
		if (obj[depth - 1] && op % 8 != 1) {
			s = fuzz_str(&in);
			jsonw_name(w, s);
			free(s);
			s = NULL;
		}
		switch (op % 8) {
		case 0:
			if (depth < MAX_DEPTH) {
				jsonw_start_object(w);
				obj[depth++] = true;
			} else {
				jsonw_null(w);
			}
			break;
		case 1:
			if (depth > 1) {
				if (obj[--depth])
					jsonw_end_object(w);
				else
					jsonw_end_array(w);
			}
			break;
		case 2:
			if (depth < MAX_DEPTH) {
				jsonw_start_array(w);
				obj[depth++] = false;
			} else {
				jsonw_null(w);
			}
			break;
		case 3:
			s = fuzz_str(&in);
			jsonw_string(w, s);
			break;
		case 4: jsonw_u64(w, fuzz_u64(&in, 8)); break;
		case 5: jsonw_s64(w, (int64_t)fuzz_u64(&in, 8)); break;
		case 6: {
			uint64_t bits = fuzz_u64(&in, 8);
			double d;

			memcpy(&d, &bits, sizeof(d));
			jsonw_float(w, d, fuzz_u8(&in) % 10);
			break;
		}
		default:
			if (op & 0x80)
				jsonw_bool(w, op & 0x40);
			else
				jsonw_null(w);
		}
		free(s);
	}
	while (depth > 0) {
		if (obj[--depth])
			jsonw_end_object(w);
		else
			jsonw_end_array(w);
	}
	FUZZ_ASSERT(!jsonw_empty(w), "empty after a document");
	jsonw_end_document(w);
	FUZZ_ASSERT(jsonw_empty(w), "not empty after the end of a document");
	fflush(f);
	check(buf, len, pretty ? "pretty" : "compact");
	FUZZ_ASSERT(len && buf[len - 1] == '\n', "no newline at the end of the document");
	jsonw_destroy(&w);
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, false);
	run(data, size, true);
	return 0;
}
