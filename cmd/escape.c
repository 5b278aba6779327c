// SPDX-License-Identifier: GPL-2.0-only
/* Terminal-safe names: see escape.h for the rules. */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static bool utf8_ok;

void esc_init(void)
{
	char *saved = setlocale(LC_CTYPE, NULL);

	/* look at the user's locale without keeping it: nothing else changes */
	saved = saved ? strdup(saved) : NULL;
	if (setlocale(LC_CTYPE, ""))
		utf8_ok = !strcmp(nl_langinfo(CODESET), "UTF-8");
	setlocale(LC_CTYPE, saved ? saved : "C");
	free(saved);
}

void esc_set_utf8(bool on)
{
	utf8_ok = on;
}

bool esc_utf8(void)
{
	return utf8_ok;
}

int esc_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	int len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* a NUL stops here too */
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool esc_cp_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       cp == 0x061c ||			/* Arabic letter mark */
	       cp == 0x200e || cp == 0x200f ||	/* LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||	/* line/paragraph separators, embeddings */
	       (cp >= 0x2066 && cp <= 0x2069);	/* isolates */
}

char *esc_mem(char *dst, size_t len, const void *src, size_t n)
{
	const unsigned char *s = src ? src : (const unsigned char *)"";
	size_t o = 0, i = 0;

	if (!len)
		return dst;
	while (i < n && s[i]) {
		char tmp[16];
		uint32_t cp;
		int k = esc_utf8_seq(s + i, n - i, &cp);
		size_t tl;

		if (k == 1 && !esc_cp_unsafe(cp)) {
			tmp[0] = (char)s[i];
			tl = 1;
		} else if (k > 1 && utf8_ok && !esc_cp_unsafe(cp)) {
			memcpy(tmp, s + i, k);
			tl = k;
		} else if (k > 1 && utf8_ok) {
			tl = snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned int)cp);
		} else {
			tl = snprintf(tmp, sizeof(tmp), "\\x%02x", s[i]);
			k = 1;	/* a byte at a time: the next one may start a valid sequence */
		}
		if (o + tl >= len)
			break;
		memcpy(dst + o, tmp, tl);
		o += tl;
		i += k;
	}
	dst[o] = 0;
	return dst;
}

const char *esc(const char *s)
{
	static char bufs[ESC_SLOTS][ESC_BUF];
	static unsigned int next;
	char *b = bufs[next++ % ESC_SLOTS];

	return esc_mem(b, ESC_BUF, s, s ? strlen(s) : 0);
}
