// SPDX-License-Identifier: GPL-2.0-only
/* Shared by the harnesses: see fuzz.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "fuzz.h"

static char scratch[PATH_MAX];

static void scratch_remove(void)
{
	char cmd[PATH_MAX + 16];

	/* only the directory this process made; libFuzzer exits through here */
	if (scratch[0] && snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch) < (int)sizeof(cmd))
		(void)!system(cmd);
}

const char *fuzz_scratch(void)
{
	const char *tmp = getenv("TMPDIR");

	if (scratch[0])
		return scratch;
	/* tmpfs: thousands of small files rewritten per second stay in memory */
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	snprintf(scratch, sizeof(scratch), "%s/memcgctl-fuzz.XXXXXX", tmp);
	if (!mkdtemp(scratch) || chdir(scratch)) {
		perror("fuzz: scratch directory");
		abort();
	}
	atexit(scratch_remove);
	return scratch;
}

void fuzz_write(const char *dir, const char *name, const void *buf, size_t len)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len)) {
		fprintf(stderr, "fuzz: write %s: %s\n", p, strerror(errno));
		abort();
	}
	close(fd);
}

/* ---- a strict JSON checker --------------------------------------------- */

struct jp {
	const unsigned char *p, *end;
	const char *why;
	int depth;
};

static bool jp_fail(struct jp *j, const char *why)
{
	if (!j->why)
		j->why = why;
	return false;
}

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool jp_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return jp_fail(j, "bad literal");
	j->p += n;
	return true;
}

/* One UTF-8 sequence, strictly (no overlong forms, surrogates, > U+10FFFF). */
static bool jp_utf8(struct jp *j)
{
	const unsigned char *s = j->p;
	unsigned int cp, n, min;

	if (s[0] < 0x80) {
		j->p++;
		return true;
	}
	if ((s[0] & 0xe0) == 0xc0) n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0) n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0) n = 4, cp = s[0] & 0x07, min = 0x10000;
	else return jp_fail(j, "invalid UTF-8 lead byte");
	if ((size_t)(j->end - s) < n)
		return jp_fail(j, "truncated UTF-8");
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return jp_fail(j, "invalid UTF-8 continuation");
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return jp_fail(j, "overlong or out-of-range UTF-8");
	j->p += n;
	return true;
}

static bool jp_string(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"')
		return jp_fail(j, "expected a string");
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p < 0x20)
			return jp_fail(j, "raw control character in a string");
		if (*j->p == '\\') {
			j->p++;
			if (j->p >= j->end)
				return jp_fail(j, "truncated escape");
			if (*j->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (j->p + i >= j->end || !strchr("0123456789abcdefABCDEF", j->p[i]) ||
					    !j->p[i])
						return jp_fail(j, "bad \\u escape");
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
				j->p++;
			} else {
				return jp_fail(j, "bad escape");
			}
			continue;
		}
		if (!jp_utf8(j))
			return false;
	}
	if (j->p >= j->end)
		return jp_fail(j, "unterminated string");
	j->p++;
	return true;
}

static bool jp_digits(struct jp *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s || jp_fail(j, "expected digits");
}

static bool jp_number(struct jp *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!jp_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jp_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jp_digits(j))
			return false;
	}
	return true;
}

static bool jp_value(struct jp *j);

static bool jp_container(struct jp *j, char close, bool obj)
{
	j->p++;
	if (++j->depth > 256)
		return jp_fail(j, "nested too deep");
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		jp_ws(j);
		if (obj) {
			if (!jp_string(j))
				return false;
			jp_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return jp_fail(j, "expected ':'");
			j->p++;
		}
		if (!jp_value(j))
			return false;
		jp_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
		return jp_fail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool jp_value(struct jp *j)
{
	jp_ws(j);
	if (j->p >= j->end)
		return jp_fail(j, "expected a value");
	switch (*j->p) {
	case '{': return jp_container(j, '}', true);
	case '[': return jp_container(j, ']', false);
	case '"': return jp_string(j);
	case 't': return jp_lit(j, "true");
	case 'f': return jp_lit(j, "false");
	case 'n': return jp_lit(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return jp_number(j);
		return jp_fail(j, "unexpected character");
	}
}

bool fuzz_json_valid(const char *buf, size_t len, const char **why)
{
	struct jp j = { (const unsigned char *)buf, (const unsigned char *)buf + len, NULL, 0 };
	bool ok = jp_value(&j);

	if (ok) {
		jp_ws(&j);
		if (j.p != j.end)
			ok = jp_fail(&j, "trailing bytes after the value");
	}
	if (why)
		*why = j.why;
	return ok;
}
