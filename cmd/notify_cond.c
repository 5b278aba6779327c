// SPDX-License-Identifier: GPL-2.0-only
/* notify's condition grammar: see notify_cond.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "notify_cond.h"
#include "units.h"

const char *notify_kind_name(uint32_t kind)
{
	switch (kind) {
	case NOTIFY_K_USAGE: return "usage";
	case NOTIFY_K_OOM_KILL: return "oom_kill";
	case NOTIFY_K_MAX: return "max";
	case NOTIFY_K_HIGH: return "high";
	case NOTIFY_K_PSI: return "psi";
	case NOTIFY_K_REMOVED: return "removed";
	default: return "?";
	}
}

/* ">=", ">", "<=", "<" at s: sets flags, returns the length, 0 if none. */
static size_t parse_op(const char *s, uint32_t *flags)
{
	if (s[0] == '>' && s[1] == '=') {
		*flags |= NOTIFY_F_RISING;
		return 2;
	}
	if (s[0] == '<' && s[1] == '=')
		return 2;
	if (s[0] == '>') {
		*flags |= NOTIFY_F_RISING | NOTIFY_F_STRICT;
		return 1;
	}
	if (s[0] == '<') {
		*flags |= NOTIFY_F_STRICT;
		return 1;
	}
	return 0;
}

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

static int parse_usage(const char *s, struct notify_cond *c, char *err, size_t errlen)
{
	size_t n = parse_op(s, &c->flags);
	const char *v = s + n;
	uint32_t centi;
	int r;

	if (!n)
		return ERR("expected an operator (>=, >, <=, <) after 'usage'");
	if (!*v)
		return ERR("expected a size or a percentage after the operator");
	c->kind = NOTIFY_K_USAGE;
	if (v[strlen(v) - 1] == '%') {
		r = parse_percent(v, &centi);
		if (r == -ERANGE)
			return snprintf(err, errlen, "percentage '%s' out of range (0%%..100%%)", v),
			       -ERANGE;
		if (r)
			return ERR("'%s' is not a percentage (like 90%%)", v);
		c->flags |= NOTIFY_F_PCT;
		c->thresh = centi;
		return 0;
	}
	r = parse_size(v, &c->thresh);
	if (r == -ERANGE)
		return snprintf(err, errlen, "size '%s' is too large", v), -ERANGE;
	if (r)
		return ERR("'%s' is not a size (like 512M or 1.5G) or a percentage", v);
	return 0;
}

static int parse_psi(const char *s, struct notify_cond *c, char *err, size_t errlen)
{
	char pct[32];
	const char *slash, *v;
	uint32_t centi;
	uint64_t win_ns;
	size_t n;

	c->kind = NOTIFY_K_PSI;
	if (!strncmp(s, "some", 4)) {
		s += 4;
	} else if (!strncmp(s, "full", 4)) {
		c->flags |= NOTIFY_F_FULL;
		s += 4;
	} else {
		return ERR("expected psi.some or psi.full");
	}
	n = parse_op(s, &c->flags);
	if (!n || !(c->flags & NOTIFY_F_RISING))
		return ERR("PSI conditions take >= or > (a PSI trigger fires on rising stall)");
	v = s + n;
	slash = strchr(v, '/');
	if (!slash)
		return ERR("expected PCT%%/WINDOW, like psi.some>=10%%/1s");
	if ((size_t)(slash - v) >= sizeof(pct))
		return ERR("'%s' is not a percentage", v);
	memcpy(pct, v, slash - v);
	pct[slash - v] = '\0';
	if (parse_percent(pct, &centi) || centi == 0)
		return ERR("'%s' is not a percentage above 0%% (like 10%%)", pct);
	if (parse_duration(slash + 1, &win_ns))
		return ERR("'%s' is not a duration (like 500ms or 2s)", slash + 1);
	c->window_us = win_ns / 1000;
	if (c->window_us < NOTIFY_PSI_WINDOW_MIN_US || c->window_us > NOTIFY_PSI_WINDOW_MAX_US)
		return snprintf(err, errlen, "PSI window '%s' out of range (500ms..10s)", slash + 1),
		       -ERANGE;
	c->thresh = centi;
	c->stall_us = c->window_us * centi / 10000;
	if (!c->stall_us)
		c->stall_us = 1;
	return 0;
}

static int parse_event(const char *s, uint32_t kind, struct notify_cond *c, char *err,
		       size_t errlen)
{
	int r;

	c->kind = kind;
	c->n = 1;
	if (!*s)
		return 0;
	if (*s != '+')
		return ERR("expected '+N' after '%s' (or nothing)", notify_kind_name(kind));
	r = parse_u64(s + 1, 1000000000, &c->n);
	if (r == -ERANGE)
		return snprintf(err, errlen, "'%s' is too large", s + 1), -ERANGE;
	if (r || c->n == 0)
		return ERR("'%s' is not a count of 1 or more", s + 1);
	return 0;
}

int notify_cond_parse(const char *in, struct notify_cond *c, char *err, size_t errlen)
{
	char buf[sizeof(c->text)];
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	for (const char *p = in; *p; p++) {
		if (isspace((unsigned char)*p))
			continue;
		if (n + 1 >= sizeof(buf))
			return ERR("too long");
		buf[n++] = *p;
	}
	buf[n] = '\0';
	if (!n)
		return ERR("empty condition");
	memcpy(c->text, buf, n + 1);

	if (!strncmp(buf, "usage", 5) && !isalpha((unsigned char)buf[5]) && buf[5] != '_')
		return parse_usage(buf + 5, c, err, errlen);
	if (!strncmp(buf, "psi.", 4))
		return parse_psi(buf + 4, c, err, errlen);
	if (!strncmp(buf, "oom_kill", 8))
		return parse_event(buf + 8, NOTIFY_K_OOM_KILL, c, err, errlen);
	if (!strncmp(buf, "max", 3))
		return parse_event(buf + 3, NOTIFY_K_MAX, c, err, errlen);
	if (!strncmp(buf, "high", 4))
		return parse_event(buf + 4, NOTIFY_K_HIGH, c, err, errlen);
	if (!strcmp(buf, "removed")) {
		c->kind = NOTIFY_K_REMOVED;
		return 0;
	}
	return ERR("unknown condition");
}

int notify_psi_trigger(const struct notify_cond *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %llu %llu", c->flags & NOTIFY_F_FULL ? "full" : "some",
			 (unsigned long long)c->stall_us, (unsigned long long)c->window_us);

	return n < 0 || (size_t)n >= len ? -ERANGE : 0;
}

int notify_parse_band(const char *s, uint64_t *band, bool *pct)
{
	uint32_t centi;
	size_t len = s ? strlen(s) : 0;
	int r;

	if (!len)
		return -EINVAL;
	if (s[len - 1] == '%') {
		r = parse_percent(s, &centi);
		if (r)
			return r;
		*band = centi;
		*pct = true;
		return 0;
	}
	*pct = false;
	return parse_size(s, band);
}
