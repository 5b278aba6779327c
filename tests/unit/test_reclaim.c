// SPDX-License-Identifier: GPL-2.0-only
/*
 * reclaim's pure parts: AMOUNT and --psi-target parsing, both controllers,
 * and the v1 state directory's checks and journal format.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "reclaimer.h"

#define M (1ULL << 20)

static void test_parsers(void)
{
	uint64_t b, us;
	double f;

	CHECK("amount-size", rc_parse_amount("64M", 0, &b) == 0 && b == 64 * M);
	CHECK("amount-percent-of-usage", rc_parse_amount("25%", 400 * M, &b) == 0 && b == 100 * M);
	CHECK("amount-fraction-percent", rc_parse_amount("12.5%", 800, &b) == 0 && b == 100);
	CHECK("amount-zero-parses", rc_parse_amount("0", 1, &b) == 0 && b == 0);
	CHECK("amount-junk", rc_parse_amount("junk", 1, &b) != 0);
	CHECK("amount-empty", rc_parse_amount("", 1, &b) != 0);
	CHECK("amount-over-100pct", rc_parse_amount("150%", 1, &b) != 0);
	CHECK("amount-negative", rc_parse_amount("-5M", 1, &b) != 0);
	CHECK("psi-percent", rc_parse_psi_target("0.1%", &f, &us) == 0 && fabs(f - 0.001) < 1e-9 && !us);
	CHECK("psi-duration", rc_parse_psi_target("10ms", &f, &us) == 0 && us == 10000 && f == 0);
	CHECK("psi-zero-refused", rc_parse_psi_target("0%", &f, &us) != 0);
	CHECK("psi-junk", rc_parse_psi_target("lots", &f, &us) != 0);
}

static void test_memcgctl(void)
{
	struct rc_mc_conf c = { .psi_target = 0.001, .refault_ratio = 0.1, .max_step_pct = 0.10 };
	struct rc_mc_state s = { 0 };
	struct rc_obs o = { .usage = 100 * M, .tick_us = 1000000 };
	uint64_t b, first;
	enum rc_action a;

	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-first-probe", a == RCA_PROBE && b == 2 * M);
	first = b;
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-step-grows-when-quiet", a == RCA_PROBE && b > first);
	for (int i = 0; i < 10; i++)
		rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-step-capped-at-max-step", b <= 10 * M);

	o.psi_us = 5000;	/* 0.5% > 0.1% */
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-backoff-psi", a == RCA_BACKOFF_PSI && b == 0 && s.hold >= 2);
	CHECK("mc-backoff-quarters-step", s.step <= 10 * M / 4);
	o.psi_us = 0;
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-holds-after-backoff", a == RCA_HOLD && b == 0);
	while ((a = rc_mc_tick(&c, &s, &o, &b)) == RCA_HOLD)
		;
	CHECK("mc-no-probe-below-working-set", a == RCA_FLOOR && b == 0);
	o.usage = 120 * M;	/* new cold memory above it: reclaimable again */
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-probe-above-working-set", a == RCA_PROBE && b > 0 && b <= 20 * M);
	o.usage = 100 * M;
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-working-set-floor-again", a == RCA_FLOOR);
	for (int i = 0; i < 40 && a != RCA_PROBE; i++)
		a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-working-set-floor-expires", a == RCA_PROBE && b > 0);

	s = (struct rc_mc_state){ .step = 4 * M };
	o.last_reclaimed = 1000;
	o.refaults = 200;	/* 20% of what we took came back */
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-backoff-refault", a == RCA_BACKOFF_REFAULT && b == 0 && s.step == 2 * M);
	o.refaults = 50;	/* 5%: fine */
	s.hold = 0;
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-small-refaults-ok", a == RCA_PROBE && b == 2 * M);

	o = (struct rc_obs){ .usage = 10 * M, .tick_us = 1000000 };
	c.min_size = 10 * M;
	s = (struct rc_mc_state){ 0 };
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-floor-at-min-size", a == RCA_FLOOR && b == 0);
	c.min_size = 9 * M;
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-never-below-min-size", a == RCA_PROBE && b <= M);
	o.last_partial = true;
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-partial-holds", a == RCA_FLOOR && b == 0 && s.hold > 0);

	c = (struct rc_mc_conf){ .psi_target_us = 10000, .refault_ratio = 0.1, .max_step = 4 * M };
	s = (struct rc_mc_state){ 0 };
	o = (struct rc_obs){ .usage = 1000 * M, .tick_us = 1000000, .psi_us = 9000 };
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-absolute-target-under", a == RCA_PROBE && b == 4 * M);
	o.psi_us = 11000;
	a = rc_mc_tick(&c, &s, &o, &b);
	CHECK("mc-absolute-target-over", a == RCA_BACKOFF_PSI);
}

static void test_senpai(void)
{
	struct rc_senpai_conf c = { .min_size = 100 * M, .max_size = 100ULL << 30, .interval = 6,
				    .pressure_us = 10000, .max_probe = 0.01, .max_backoff = 1.0,
				    .coeff_probe = 10, .coeff_backoff = 20 };
	struct rc_senpai_state s = { 0 };
	struct rc_obs o = { .usage = 1000 * M, .tick_us = 1000000 };
	enum rc_action a;
	uint64_t b;
	int holds = 0;

	a = rc_senpai_tick(&c, &s, &o, &b);
	CHECK("senpai-starts-at-usage", a == RCA_HOLD && b == 0 && s.limit == 1000.0 * M);
	for (int i = 0; i < 10 && (a = rc_senpai_tick(&c, &s, &o, &b)) == RCA_HOLD; i++)
		holds++;
	CHECK("senpai-probes-every-interval", holds == 4 && a == RCA_PROBE);
	CHECK("senpai-probe-is-max-probe-without-pressure", fabs(s.limit - 990.0 * M) < 1);
	CHECK("senpai-reclaims-down-to-limit", b == 10 * M);

	/* twice the target: back off at once by (2/20)^2 = 1% */
	o.psi_us = 20000;
	a = rc_senpai_tick(&c, &s, &o, &b);
	CHECK("senpai-backoff", a == RCA_BACKOFF_PSI && fabs(s.limit - 990.0 * M * 1.01) < 1);
	CHECK("senpai-backoff-resets-integral", s.integral == 0 && s.grace == 5);

	/* half the target integrated: probe by (2/10)^2 * 1% = 0.04% */
	s = (struct rc_senpai_state){ .limit = 1000.0 * M };
	o.psi_us = 5000;
	a = rc_senpai_tick(&c, &s, &o, &b);
	CHECK("senpai-gentle-probe-near-target", a == RCA_PROBE && fabs(s.limit - 999.6 * M) < 1);

	/* huge pressure: at most max_backoff (doubles) */
	s = (struct rc_senpai_state){ .limit = 1000.0 * M };
	o.psi_us = 10000000;
	rc_senpai_tick(&c, &s, &o, &b);
	CHECK("senpai-backoff-capped", fabs(s.limit - 2000.0 * M) < 1);

	/* min_size bounds the limit */
	s = (struct rc_senpai_state){ .limit = 100.5 * M };
	o = (struct rc_obs){ .usage = 200 * M, .tick_us = 1000000 };
	rc_senpai_tick(&c, &s, &o, &b);
	CHECK("senpai-min-size", s.limit == 100.0 * M && b == 100 * M);
}

/* rc_state_dir_open() on directories made to be refused (no root needed) */
static void test_state_dir(void)
{
	char base[] = "/tmp/memcgctl-unit-XXXXXX", p[128], q[128], err[512];
	uid_t me = geteuid();
	struct stat st;
	int fd;

	if (!mkdtemp(base)) {
		CHECK("state-dir-tmp", 0);
		return;
	}
	snprintf(p, sizeof(p), "%s/state", base);
	fd = rc_state_dir_open(p, me, err, sizeof(err));
	CHECK("state-dir-created", fd >= 0 && !stat(p, &st) && (st.st_mode & 07777) == 0700);
	if (fd >= 0)
		close(fd);
	fd = rc_state_dir_open(p, me, err, sizeof(err));
	CHECK("state-dir-reopened", fd >= 0);
	if (fd >= 0)
		close(fd);
	/* open to others: refused, and left as it is */
	chmod(p, 0755);
	fd = rc_state_dir_open(p, me, err, sizeof(err));
	CHECK("state-dir-open-mode-refused", fd == -EPERM && strstr(err, "refusing"));
	CHECK("state-dir-mode-untouched", !stat(p, &st) && (st.st_mode & 07777) == 0755);
	rmdir(p);
	/* someone else's: refused (the owner asked for is not the one it has) */
	mkdir(p, 0700);
	fd = rc_state_dir_open(p, me + 1, err, sizeof(err));
	CHECK("state-dir-other-owner-refused", fd == -EPERM && strstr(err, "owned by uid"));
	rmdir(p);
	/* a link planted in its place: refused, never followed */
	snprintf(q, sizeof(q), "%s/elsewhere", base);
	mkdir(q, 0700);
	CHECK("state-dir-link-planted", !symlink(q, p));
	fd = rc_state_dir_open(p, me, err, sizeof(err));
	CHECK("state-dir-link-refused", fd < 0 && strstr(err, "link"));
	unlink(p);
	rmdir(q);
	/* a file in its place */
	close(open(p, O_WRONLY | O_CREAT, 0600));
	fd = rc_state_dir_open(p, me, err, sizeof(err));
	CHECK("state-dir-file-refused", fd < 0);
	unlink(p);
	/* a parent others may rename entries in (no sticky bit) */
	chmod(base, 0777);
	fd = rc_state_dir_open(p, me, err, sizeof(err));
	CHECK("state-dir-open-parent-refused", fd == -EPERM && strstr(err, "writable by others"));
	chmod(base, 01777);
	fd = rc_state_dir_open(p, me, err, sizeof(err));
	CHECK("state-dir-sticky-parent-ok", fd >= 0);
	if (fd >= 0)
		close(fd);
	rmdir(p);
	rmdir(base);
	CHECK("state-dir-relative-refused", rc_state_dir_open("state", me, err, sizeof(err)) < 0);
}

static void test_journal(void)
{
	char lim[64];
	long pid = 0;

	CHECK("journal-parse", !rc_journal_parse("memcgctl reclaim journal 1\nlimit 536870912\n"
						  "pid 42\npath /x\n", lim, sizeof(lim), &pid) &&
	      !strcmp(lim, "536870912") && pid == 42);
	CHECK("journal-bad-magic", rc_journal_parse("journal 1\nlimit 5\npid 1\n", lim,
						    sizeof(lim), &pid) == -EINVAL);
	CHECK("journal-no-limit", rc_journal_parse("memcgctl reclaim journal 1\npid 1\n", lim,
						   sizeof(lim), &pid) == -EINVAL);
	CHECK("journal-limit-not-a-number",
	      rc_journal_parse("memcgctl reclaim journal 1\nlimit 5; rm\npid 1\n", lim,
			       sizeof(lim), &pid) == -EINVAL);
	CHECK("journal-limit-empty", rc_journal_parse("memcgctl reclaim journal 1\nlimit \npid 1\n",
						      lim, sizeof(lim), &pid) == -EINVAL);
	CHECK("journal-limit-too-long",
	      rc_journal_parse("memcgctl reclaim journal 1\nlimit 1234567890\npid 1\n", lim, 5,
			       &pid) == -EINVAL);
	CHECK("journal-truncated", rc_journal_parse("memcgctl reclaim journal 1\nlimit 123", lim,
						    sizeof(lim), &pid) == -EINVAL);
}

int main(void)
{
	unit_suite = "reclaim";
	test_state_dir();
	test_journal();
	test_parsers();
	test_memcgctl();
	test_senpai();
	return unit_done();
}
