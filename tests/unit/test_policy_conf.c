// SPDX-License-Identifier: GPL-2.0-only
/* The policy file of `policy apply` (cmd/policy_conf.c): lines, errors, files. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_conf.h"
#include "unit.h"

static int parse(struct policy_conf *c, const char *text, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	return policy_conf_parse(c, "t.conf", text, strlen(text), err, errlen);
}

/* The error of a one-file text, or "" when it parses. */
static const char *parse_err(const char *text)
{
	static char err[512];
	struct policy_conf c;

	parse(&c, text, err, sizeof(err));
	policy_conf_free(&c);
	return err;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

int main(void)
{
	struct policy_conf c;
	char err[512], dir[] = "/tmp/memcgctl-unit-conf.XXXXXX", p[256], q[256];

	unit_suite = "policy_conf";

	CHECK("parse", parse(&c, "# a comment\n\n  web-oom  preoom  web.service  headroom_pct=15 "
			   "signal=TERM # trailing\n"
			   "all\tpressure\t-\n"
			   "q \"/usr/lib/my policy.bpf.o\" \"a b.slice\" k=\"x \\\"y\\\" #z\"\r\n",
			   err, sizeof(err)) == 0);
	CHECK_STR("parse-no-error", "", err);
	CHECK("parse-count", c.n == 3);
	CHECK_STR("name", "web-oom", c.e[0].name);
	CHECK_STR("policy", "preoom", c.e[0].policy);
	CHECK_STR("cgroup", "web.service", c.e[0].cgroup);
	CHECK("line", c.e[0].line == 3 && c.e[1].line == 4 && c.e[2].line == 5);
	CHECK("comment-ends-kv", c.e[0].nkv == 2);
	CHECK_STR("kv0", "headroom_pct=15", c.e[0].kv[0]);
	CHECK_STR("kv1", "signal=TERM", c.e[0].kv[1]);
	CHECK("dash-every-cgroup", c.e[1].cgroup == NULL && c.e[1].nkv == 0);
	CHECK_STR("tabs", "pressure", c.e[1].policy);
	CHECK_STR("quoted-blank", "/usr/lib/my policy.bpf.o", c.e[2].policy);
	CHECK_STR("quoted-cgroup", "a b.slice", c.e[2].cgroup);
	CHECK_STR("quoted-escapes-hash", "k=x \"y\" #z", c.e[2].kv[0]);
	CHECK_STR("file", "t.conf", c.e[0].file);
	policy_conf_free(&c);

	CHECK("empty", parse(&c, "", err, sizeof(err)) == 0 && c.n == 0);
	policy_conf_free(&c);
	CHECK("no-final-newline", parse(&c, "a preoom -", err, sizeof(err)) == 0 && c.n == 1);
	policy_conf_free(&c);

	CHECK_STR("too-few", "t.conf:2: expected NAME POLICY CGROUP [KEY=VALUE...]",
		  parse_err("a preoom -\nb preoom\n"));
	CHECK_STR("bad-name", "t.conf:1: 'a/b' is not a valid policy name (1-31 letters, "
		  "digits, '_' or '-')", parse_err("a/b preoom -\n"));
	CHECK_STR("dash-name", "t.conf:1: '-x' is not a valid policy name (1-31 letters, "
		  "digits, '_' or '-')", parse_err("-x preoom -\n"));
	CHECK_STR("duplicate", "t.conf:3: policy 'a' is already defined at t.conf:1",
		  parse_err("a preoom -\n# x\na pressure app.slice\n"));
	CHECK_STR("kv-shape", "t.conf:1: 'threshold_pct': expected KEY=VALUE",
		  parse_err("a pressure - threshold_pct\n"));
	CHECK_STR("kv-no-key", "t.conf:1: '=5': expected KEY=VALUE", parse_err("a pressure - =5\n"));
	CHECK_STR("cgroup-forgotten", "t.conf:1: 'threshold_pct=5': expected CGROUP (\"-\" for "
		  "every cgroup) before the parameters", parse_err("a pressure threshold_pct=5\n"));
	CHECK_STR("kv-twice", "t.conf:1: parameter 'once' is given twice",
		  parse_err("a preoom - once=1 signal=TERM once=0\n"));
	CHECK_STR("kv-prefix-not-twice", "", parse_err("a preoom - on=1 once=0\n"));
	CHECK_STR("unterminated", "t.conf:1: unterminated quote", parse_err("a \"preoom -\n"));
	CHECK_STR("empty-policy", "t.conf:1: empty POLICY", parse_err("a \"\" -\n"));
	CHECK_STR("control-escaped", "t.conf:1: 'a\\x1b[2J' is not a valid policy name (1-31 "
		  "letters, digits, '_' or '-')", parse_err("a\033[2J preoom -\n"));
	{
		static const char nul[] = "a preoom -\nb\0 preoom -\n";

		memset(&c, 0, sizeof(c));
		CHECK("nul", policy_conf_parse(&c, "t.conf", nul, sizeof(nul) - 1, err,
					       sizeof(err)) == -EINVAL);
		CHECK_STR("nul-msg", "t.conf:2: a NUL byte: not a text file", err);
		policy_conf_free(&c);
	}
	{
		char big[4096] = "a preoom -";

		for (int i = 0; i <= POLICY_CONF_MAX_KV; i++)
			snprintf(big + strlen(big), sizeof(big) - strlen(big), " k%d=1", i);
		CHECK_STR("too-many-kv", "t.conf:1: more than 64 parameters", parse_err(big));
	}

	/* files: FILE, then FILE's .d directory sorted; other names there are not read */
	if (!mkdtemp(dir)) {
		CHECK("mkdtemp", 0);
		return unit_done();
	}
	snprintf(p, sizeof(p), "%s/policies.conf", dir);
	write_file(p, "main preoom -\n", 0644);
	snprintf(q, sizeof(q), "%s/policies.d", dir);
	mkdir(q, 0755);
	snprintf(q, sizeof(q), "%s/policies.d/20-b.conf", dir);
	write_file(q, "b pressure -\n", 0644);
	snprintf(q, sizeof(q), "%s/policies.d/10-a.conf", dir);
	write_file(q, "\na pressure -\n", 0644);
	snprintf(q, sizeof(q), "%s/policies.d/30-c.conf.disabled", dir);
	write_file(q, "c pressure -\n", 0644);
	snprintf(q, sizeof(q), "%s/policies.d/.hidden.conf", dir);
	write_file(q, "h pressure -\n", 0644);
	CHECK("read", policy_conf_read(&c, p, err, sizeof(err)) == 0);
	CHECK("read-count", c.n == 3 && c.nfiles == 3);
	if (c.n == 3) {
		CHECK_STR("read-order-0", "main", c.e[0].name);
		CHECK_STR("read-order-1", "a", c.e[1].name);
		CHECK_STR("read-order-2", "b", c.e[2].name);
		CHECK("read-line", c.e[1].line == 2);
		CHECK("read-file", strstr(c.e[1].file, "policies.d/10-a.conf") != NULL);
	}
	policy_conf_free(&c);

	/* a duplicate across files names the first one */
	snprintf(q, sizeof(q), "%s/policies.d/40-d.conf", dir);
	write_file(q, "main pressure -\n", 0644);
	CHECK("read-dup", policy_conf_read(&c, p, err, sizeof(err)) == -EINVAL);
	CHECK("read-dup-msg", strstr(err, "40-d.conf:1: policy 'main' is already defined at ") &&
	      strstr(err, "policies.conf:1"));
	policy_conf_free(&c);
	unlink(q);

	/* writable by others: refused, whoever reads it */
	snprintf(q, sizeof(q), "%s/policies.d/20-b.conf", dir);
	chmod(q, 0666);
	CHECK("read-world-writable", policy_conf_read(&c, p, err, sizeof(err)) == -EPERM);
	CHECK("read-world-writable-msg", strstr(err, "refusing a policy file writable by other users"));
	policy_conf_free(&c);
	unlink(q);

	snprintf(q, sizeof(q), "%s/missing.conf", dir);
	CHECK("read-missing", policy_conf_read(&c, q, err, sizeof(err)) == -ENOENT);
	policy_conf_free(&c);
	CHECK("read-dir-is-not-a-file", policy_conf_read(&c, dir, err, sizeof(err)) == -EINVAL);
	policy_conf_free(&c);

	/* cleanup */
	snprintf(q, sizeof(q), "%s/policies.d/10-a.conf", dir);
	unlink(q);
	snprintf(q, sizeof(q), "%s/policies.d/30-c.conf.disabled", dir);
	unlink(q);
	snprintf(q, sizeof(q), "%s/policies.d/.hidden.conf", dir);
	unlink(q);
	snprintf(q, sizeof(q), "%s/policies.d", dir);
	rmdir(q);
	unlink(p);
	rmdir(dir);
	return unit_done();
}
