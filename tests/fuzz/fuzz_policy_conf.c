// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy file of `policy apply` (cmd/policy_conf.c) on arbitrary
 * text.  Besides the sanitizers, checks what policy_conf.h promises:
 * an error names "FILE:LINE:", every entry has a valid name, a POLICY,
 * KEY=VALUE words with a key, no name twice; and what was parsed, written
 * back with every word quoted, parses to the same entries.
 */
#include <errno.h>

#include "fuzz.h"
#include "policy.h"
#include "policy_conf.h"

/* Append s quoted (\" and \\ escaped) and a blank to buf. */
static void put_word(char **buf, size_t *len, size_t *cap, const char *s, bool quote)
{
	size_t need = 2 * strlen(s) + 4;

	if (*len + need >= *cap) {
		*cap = 2 * (*cap + need);
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	if (quote)
		(*buf)[(*len)++] = '"';
	for (; *s; s++) {
		if (quote && (*s == '"' || *s == '\\'))
			(*buf)[(*len)++] = '\\';
		(*buf)[(*len)++] = *s;
	}
	if (quote)
		(*buf)[(*len)++] = '"';
	(*buf)[(*len)++] = ' ';
}

static void check(const struct policy_conf *c)
{
	for (int i = 0; i < c->n; i++) {
		const struct policy_conf_entry *e = &c->e[i];

		FUZZ_ASSERT(policy_name_valid(e->name), "name '%s'", e->name);
		FUZZ_ASSERT(e->policy[0], "empty policy at line %d", e->line);
		FUZZ_ASSERT(!e->cgroup || (e->cgroup[0] && strcmp(e->cgroup, "-") &&
					   !strchr(e->cgroup, '=')), "cgroup '%s'", e->cgroup);
		FUZZ_ASSERT(e->nkv >= 0 && e->nkv <= POLICY_CONF_MAX_KV, "nkv %d", e->nkv);
		FUZZ_ASSERT(i == 0 || e->line > c->e[i - 1].line, "lines out of order");
		for (int j = 0; j < e->nkv; j++)
			FUZZ_ASSERT(strchr(e->kv[j], '=') && e->kv[j][0] != '=', "kv '%s'", e->kv[j]);
		for (int j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(c->e[j].name, e->name), "'%s' twice", e->name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_conf c = { 0 }, back = { 0 };
	char err[1024], err2[1024], *text = NULL;
	size_t len = 0, cap = 0;
	int ret;

	ret = policy_conf_parse(&c, "f.conf", (const char *)data, size, err, sizeof(err));
	if (ret) {
		FUZZ_ASSERT(ret == -EINVAL, "ret %d", ret);
		FUZZ_ASSERT(!strncmp(err, "f.conf:", 7), "error '%s' names no line", err);
	}
	check(&c);
	for (int i = 0; i < c.n; i++) {
		const struct policy_conf_entry *e = &c.e[i];

		put_word(&text, &len, &cap, e->name, true);
		put_word(&text, &len, &cap, e->policy, true);
		put_word(&text, &len, &cap, e->cgroup ? e->cgroup : "-", e->cgroup != NULL);
		for (int j = 0; j < e->nkv; j++)
			put_word(&text, &len, &cap, e->kv[j], true);
		text[len - 1] = '\n';
	}
	ret = policy_conf_parse(&back, "g.conf", text ? text : "", len, err2, sizeof(err2));
	FUZZ_ASSERT(ret == 0, "written back, it does not parse: %s", err2);
	FUZZ_ASSERT(back.n == c.n, "%d entries, %d written back", c.n, back.n);
	for (int i = 0; i < c.n; i++) {
		const struct policy_conf_entry *a = &c.e[i], *b = &back.e[i];

		FUZZ_ASSERT(!strcmp(a->name, b->name) && !strcmp(a->policy, b->policy),
			    "entry %d differs", i);
		FUZZ_ASSERT(!a->cgroup == !b->cgroup && (!a->cgroup || !strcmp(a->cgroup, b->cgroup)),
			    "cgroup of %d differs", i);
		FUZZ_ASSERT(a->nkv == b->nkv, "kv count of %d differs", i);
		for (int j = 0; j < a->nkv; j++)
			FUZZ_ASSERT(!strcmp(a->kv[j], b->kv[j]), "kv %d of %d differs", j, i);
	}
	free(text);
	policy_conf_free(&back);
	policy_conf_free(&c);
	return 0;
}
