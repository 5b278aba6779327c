// SPDX-License-Identifier: GPL-2.0-only
/* reclaim's pure parts: AMOUNT and --psi-target parsing, both controllers. */
#include <math.h>

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

int main(void)
{
	unit_suite = "reclaim";
	test_parsers();
	test_memcgctl();
	test_senpai();
	return unit_done();
}
