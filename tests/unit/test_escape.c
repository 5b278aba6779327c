// SPDX-License-Identifier: GPL-2.0-only
/* Terminal-safe names (escape.h): controls, C1, bidi, invalid UTF-8, truncation. */
#include <stdlib.h>

#include "escape.h"
#include "unit.h"

static const char *e(const char *s)
{
	static char buf[256];

	return esc_mem(buf, sizeof(buf), s, strlen(s));
}

int main(void)
{
	char small[8], comm[16];

	unit_suite = "escape";
	esc_set_utf8(true);
	CHECK_STR("plain", "/app.slice/web-1.service", e("/app.slice/web-1.service"));
	CHECK_STR("systemd-escape-kept", "system-foo\\x2dbar.slice", e("system-foo\\x2dbar.slice"));
	CHECK_STR("esc", "x\\x1b[2Jy", e("x\x1b[2Jy"));
	CHECK_STR("bel-cr-lf-tab", "\\x07\\x0d\\x0a\\x09", e("\a\r\n\t"));
	CHECK_STR("del", "a\\x7fb", e("a\x7f" "b"));
	CHECK_STR("osc-title", "\\x1b]0;owned\\x07", e("\x1b]0;owned\a"));
	CHECK_STR("raw-csi-byte", "a\\x9bb", e("a\x9b" "b"));
	CHECK_STR("raw-ff", "\\xff\\xfe", e("\xff\xfe"));
	CHECK_STR("encoded-c1", "a\\u009bb\\u0085", e("a\xc2\x9b" "b\xc2\x85"));
	CHECK_STR("bidi-override", "ab\\u202ecd\\u2066", e("ab\xe2\x80\xae" "cd\xe2\x81\xa6"));
	CHECK_STR("line-separator", "\\u2028\\u2029", e("\xe2\x80\xa8\xe2\x80\xa9"));
	CHECK_STR("utf8-kept", "caf\xc3\xa9-\xe6\x97\xa5-\xf0\x9f\x90\xa7", e("caf\xc3\xa9-\xe6\x97\xa5-\xf0\x9f\x90\xa7"));
	CHECK_STR("overlong", "\\xc0\\xaf", e("\xc0\xaf"));
	CHECK_STR("surrogate", "\\xed\\xa0\\x80", e("\xed\xa0\x80"));
	CHECK_STR("truncated-seq-then-ascii", "\\xe2\\x82c", e("\xe2\x82" "c"));
	CHECK_STR("above-10ffff", "\\xf4\\x90\\x80\\x80", e("\xf4\x90\x80\x80"));

	esc_set_utf8(false);
	CHECK_STR("c-locale-bytes", "caf\\xc3\\xa9", e("caf\xc3\xa9"));
	CHECK_STR("c-locale-encoded-c1", "\\xc2\\x9b", e("\xc2\x9b"));
	esc_set_utf8(true);

	/* a whole escape or none: never a cut "\x1" */
	CHECK_STR("truncate-whole-escapes", "ab\\x1b", esc_mem(small, sizeof(small), "ab\x1b\x1b", 4));
	CHECK_STR("truncate-utf8-whole", "abcdef", esc_mem(small, sizeof(small), "abcdef\xc3\xa9", 8));
	CHECK_STR("len-one", "", esc_mem(small, 1, "abc", 3));

	/* comm: 16 bytes, no NUL, a sequence cut by the end of the field */
	memcpy(comm, "0123456789abcd\xc3\xa9", 16);
	CHECK_STR("comm-no-nul", "0123456789abcd\xc3\xa9", esc_mem((char[64]){ 0 }, 64, comm, 16));
	memcpy(comm, "0123456789abcde\xc3", 16);
	CHECK_STR("comm-cut-seq", "0123456789abcde\\xc3", esc_mem((char[64]){ 0 }, 64, comm, 16));
	CHECK_STR("stops-at-nul", "ab", esc_mem((char[64]){ 0 }, 64, "ab\0\x1b", 4));

	CHECK_STR("null-is-empty", "", esc(NULL));
	{
		const char *a = esc("\x1b"), *b = esc("x");

		CHECK("slots-distinct", a != b && !strcmp(a, "\\x1b") && !strcmp(b, "x"));
	}
	{
		char *big = malloc(PATH_MAX + 1);

		memset(big, '\x1b', PATH_MAX);
		big[PATH_MAX] = 0;
		CHECK("path-max-fits", strlen(esc(big)) == (size_t)ESC_GROWTH * PATH_MAX);
		free(big);
	}
	CHECK("unsafe-cp", esc_cp_unsafe(0x1b) && esc_cp_unsafe(0x9b) && esc_cp_unsafe(0x7f) &&
	      esc_cp_unsafe(0x202e) && !esc_cp_unsafe('a') && !esc_cp_unsafe(0xe9));
	return unit_done();
}
