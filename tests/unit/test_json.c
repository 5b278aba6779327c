// SPDX-License-Identifier: GPL-2.0-only
/* The JSON writer: nesting, commas, escaping, invalid UTF-8, NaN. */
#include <math.h>
#include <stdlib.h>

#include "json.h"
#include "unit.h"

static char *render(void (*fn)(struct json_writer *), bool pretty)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct json_writer *w = jsonw_new(f, pretty);

	fn(w);
	jsonw_end_document(w);
	jsonw_destroy(&w);
	fclose(f);
	return buf;
}

static void nested(struct json_writer *w)
{
	jsonw_start_object(w);
	jsonw_u64_field(w, "a", 1);
	jsonw_name(w, "b");
	jsonw_start_array(w);
	jsonw_u64(w, 2);
	jsonw_string(w, "x");
	jsonw_null(w);
	jsonw_bool(w, true);
	jsonw_end_array(w);
	jsonw_name(w, "c");
	jsonw_start_object(w);
	jsonw_end_object(w);
	jsonw_s64_field(w, "d", -5);
	jsonw_end_object(w);
}

static void escapes(struct json_writer *w)
{
	jsonw_string(w, "q\"b\\n\n\t\x01\x7f");
}

static void bad_utf8(struct json_writer *w)
{
	/* a lone continuation byte, a truncated sequence, an overlong '/' */
	jsonw_string(w, "a\x80" "b\xe2\x82" "c\xc0\xaf" "d\xc3\xa9");
}

static void terminal_controls(struct json_writer *w)
{
	/* what a hostile cgroup name may hold: ESC, BEL, CR, a raw CSI, 0xff,
	 * an encoded CSI (U+009B), a right-to-left override, a line separator */
	jsonw_string(w, "a\x1b[2Jb\x07\r\x9b" "c\xff" "d\xc2\x9b" "e\xe2\x80\xae" "f\xe2\x80\xa8" "g");
}

static void non_finite(struct json_writer *w)
{
	jsonw_start_array(w);
	jsonw_float(w, NAN, 2);
	jsonw_float(w, INFINITY, 2);
	jsonw_float(w, 1.239, 2);
	jsonw_end_array(w);
}

/* the hand-made digits at their edges, and fixed point */
static void numbers(struct json_writer *w)
{
	jsonw_start_array(w);
	jsonw_u64(w, 0);
	jsonw_u64(w, UINT64_MAX);
	jsonw_s64(w, INT64_MIN);
	jsonw_s64(w, INT64_MAX);
	jsonw_s64(w, 0);
	jsonw_fixed(w, 1796191958000042ULL, 6);
	jsonw_fixed(w, 7, 3);
	jsonw_fixed(w, 0, 6);
	jsonw_fixed(w, 12, 0);
	jsonw_end_array(w);
}

static void empty_array(struct json_writer *w)
{
	jsonw_start_array(w);
	jsonw_end_array(w);
}

int main(void)
{
	unit_suite = "json";
	CHECK_STR("nested", "{\"a\":1,\"b\":[2,\"x\",null,true],\"c\":{},\"d\":-5}\n",
		  render(nested, false));
	CHECK_STR("escapes", "\"q\\\"b\\\\n\\n\\t\\u0001\\u007f\"\n", render(escapes, false));
	CHECK_STR("invalid-utf8-replaced", "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffdd\xc3\xa9\"\n",
		  render(bad_utf8, false));
	CHECK_STR("terminal-controls",
		  "\"a\\u001b[2Jb\\u0007\\r\\ufffdc\\ufffdd\\u009be\\u202ef\\u2028g\"\n",
		  render(terminal_controls, false));
	CHECK_STR("nan-is-null", "[null,null,1.24]\n", render(non_finite, false));
	CHECK_STR("numbers", "[0,18446744073709551615,-9223372036854775808,9223372036854775807,0,"
		  "1796191958.000042,0.007,0.000000,12]\n", render(numbers, false));
	CHECK_STR("empty-array", "[]\n", render(empty_array, false));
	CHECK_STR("pretty", "{\n    \"a\": 1,\n    \"b\": [\n        2,\n        \"x\",\n"
		  "        null,\n        true\n    ],\n    \"c\": {},\n    \"d\": -5\n}\n",
		  render(nested, true));
	return unit_done();
}
