/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names that come from the kernel or from other users (cgroup names,
 * comm strings, unit names, paths) made safe to print on a terminal.
 *
 * On cgroup v2 a delegated user chooses the names of its cgroups, and
 * any process chooses its comm: printed raw, ESC, CSI (0x9b), BEL, CR or
 * a newline in them would let that user redraw root's screen, set the
 * terminal title or forge output lines.  Every human-readable output
 * path (show, top, watch, policy, diagnostics) prints such strings
 * through esc() or esc_mem(); the JSON writer applies the same
 * classification (esc_cp_unsafe) in its own syntax.
 *
 * The rules, documented in memcgctl(8) under OUTPUT:
 *  - printable ASCII (0x20-0x7e) is copied, backslash included, so that
 *    systemd's own escapes (system-foo\x2dbar.slice) read as they are;
 *  - C0 controls (0x00-0x1f) and DEL print as \xNN;
 *  - in a UTF-8 locale a valid UTF-8 sequence is copied, except the C1
 *    controls U+0080-U+009F and the invisible characters that reorder or
 *    break lines (bidi controls, U+2028/U+2029): those print as \uXXXX;
 *  - every other byte (invalid UTF-8, or any byte >= 0x80 when the locale
 *    is not UTF-8) prints as \xNN.
 * The result is for reading, not for parsing back: -j gives the exact name.
 */
#ifndef MEMCGCTL_ESCAPE_H
#define MEMCGCTL_ESCAPE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest escape of one input byte: \xNN. */
#define ESC_GROWTH 4
/* Enough for any path: the static buffers of esc(). */
#define ESC_BUF (ESC_GROWTH * PATH_MAX + 1)

/*
 * Decide from the locale (LC_CTYPE) whether valid UTF-8 may be printed
 * as is.  Called once by main(); unit tests use esc_set_utf8().
 */
void esc_init(void);
void esc_set_utf8(bool on);
bool esc_utf8(void);

/*
 * Escape at most n bytes of src (stopping early at a NUL) into dst, which
 * always ends up NUL-terminated; an escape that does not fit whole is
 * left out, with everything after it.  Returns dst.
 */
char *esc_mem(char *dst, size_t len, const void *src, size_t n);

/*
 * esc_mem() of a NUL-terminated string into one of a few rotating static
 * buffers: for printf() arguments, several per call.  NULL gives "".
 */
#define ESC_SLOTS 8
const char *esc(const char *s);

/*
 * Length of the valid UTF-8 sequence in the n bytes at s (1-4) with its
 * code point in *cp, or 0 when s does not start one (overlong forms,
 * surrogates and code points above U+10FFFF are invalid, and so is a
 * sequence cut short by n or by a NUL, which it never reads past).
 */
int esc_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* A code point that must not reach a terminal raw (controls, bidi, line breaks). */
bool esc_cp_unsafe(uint32_t cp);

#endif
