// SPDX-License-Identifier: GPL-2.0-only
/* notify's condition grammar (cmd/notify_cond.c). */
#include <errno.h>
#include <stdint.h>

#include "notify_cond.h"
#include "unit.h"

static struct notify_cond c;
static char err[160];

static int parse(const char *s)
{
	return notify_cond_parse(s, &c, err, sizeof(err));
}

int main(void)
{
	char buf[64];
	uint64_t band;
	bool pct;

	unit_suite = "notify_cond";

	CHECK("usage-ge-size", parse("usage>=1.5G") == 0 && c.kind == NOTIFY_K_USAGE &&
	      c.thresh == 1536ULL << 20 && c.flags == NOTIFY_F_RISING);
	CHECK_STR("text-kept", "usage>=1.5G", c.text);
	CHECK("usage-gt-size", parse("usage>512M") == 0 &&
	      c.flags == (NOTIFY_F_RISING | NOTIFY_F_STRICT) && c.thresh == 512ULL << 20);
	CHECK("usage-pct", parse("usage>=90%") == 0 && (c.flags & NOTIFY_F_PCT) &&
	      c.thresh == 9000);
	CHECK("usage-pct-fraction", parse("usage>=12.5%") == 0 && c.thresh == 1250);
	CHECK("usage-falling", parse("usage<50%") == 0 && !(c.flags & NOTIFY_F_RISING) &&
	      (c.flags & NOTIFY_F_STRICT) && c.thresh == 5000);
	CHECK("usage-le", parse("usage<=4096") == 0 && c.flags == 0 && c.thresh == 4096);
	CHECK("blanks-ignored", parse(" usage >= 1G ") == 0 && c.thresh == 1ULL << 30);
	CHECK_STR("blanks-stripped", "usage>=1G", c.text);
	CHECK("usage-no-op", parse("usage1G") == -EINVAL);
	CHECK("usage-eq-rejected", parse("usage=1G") == -EINVAL);
	CHECK("usage-no-value", parse("usage>=") == -EINVAL);
	CHECK("usage-junk", parse("usage>=1x") == -EINVAL);
	CHECK("usage-negative", parse("usage>=-1G") == -EINVAL);
	CHECK("usage-overflow", parse("usage>=99999999999999999999") == -ERANGE);
	CHECK("usage-overflow-suffix", parse("usage>=99999999999T") == -ERANGE);
	CHECK("usage-pct-over-100", parse("usage>=101%") == -ERANGE);
	CHECK("usage-prefix-word", parse("usages>=1G") == -EINVAL);

	CHECK("psi-some", parse("psi.some>=10%/1s") == 0 && c.kind == NOTIFY_K_PSI &&
	      !(c.flags & NOTIFY_F_FULL) && c.window_us == 1000000 && c.stall_us == 100000);
	CHECK("psi-trigger-text", notify_psi_trigger(&c, buf, sizeof(buf)) == 0);
	CHECK_STR("psi-trigger", "some 100000 1000000", buf);
	CHECK("psi-full", parse("psi.full>5%/500ms") == 0 && (c.flags & NOTIFY_F_FULL) &&
	      c.window_us == 500000 && c.stall_us == 25000);
	CHECK("psi-window-too-short", parse("psi.some>=10%/100ms") == -ERANGE);
	CHECK("psi-window-too-long", parse("psi.some>=10%/11s") == -ERANGE);
	CHECK("psi-no-window", parse("psi.some>=10%") == -EINVAL);
	CHECK("psi-falling-rejected", parse("psi.some<10%/1s") == -EINVAL);
	CHECK("psi-zero-rejected", parse("psi.some>=0%/1s") == -EINVAL);
	CHECK("psi-bad-kind", parse("psi.avg10>=10%/1s") == -EINVAL);
	CHECK("psi-bad-duration", parse("psi.some>=10%/1y") == -EINVAL);

	CHECK("oom-kill", parse("oom_kill") == 0 && c.kind == NOTIFY_K_OOM_KILL && c.n == 1);
	CHECK("oom-kill-n", parse("oom_kill+3") == 0 && c.n == 3);
	CHECK("oom-kill-zero", parse("oom_kill+0") == -EINVAL);
	CHECK("oom-kill-junk", parse("oom_kill+x") == -EINVAL);
	CHECK("oom-kill-no-plus", parse("oom_kill3") == -EINVAL);
	CHECK("oom-kill-huge", parse("oom_kill+99999999999") == -ERANGE);
	CHECK("max", parse("max") == 0 && c.kind == NOTIFY_K_MAX && c.n == 1);
	CHECK("high-n", parse("high+10") == 0 && c.kind == NOTIFY_K_HIGH && c.n == 10);
	CHECK("removed", parse("removed") == 0 && c.kind == NOTIFY_K_REMOVED);
	CHECK("removed-junk", parse("removedx") == -EINVAL);
	CHECK("empty", parse("") == -EINVAL);
	CHECK("blank", parse("   ") == -EINVAL);
	CHECK("unknown", parse("swap>=1G") == -EINVAL && strstr(err, "unknown"));
	CHECK("too-long", parse("usage>=111111111111111111111111111111111111111111111111111111"
				"1111111111111") == -EINVAL);

	CHECK("band-pct", notify_parse_band("5%", &band, &pct) == 0 && pct && band == 500);
	CHECK("band-size", notify_parse_band("64M", &band, &pct) == 0 && !pct &&
	      band == 64ULL << 20);
	CHECK("band-zero", notify_parse_band("0", &band, &pct) == 0 && band == 0);
	CHECK("band-junk", notify_parse_band("x", &band, &pct) != 0);
	CHECK("band-empty", notify_parse_band("", &band, &pct) != 0);

	CHECK_STR("kind-name", "oom_kill", notify_kind_name(NOTIFY_K_OOM_KILL));
	return unit_done();
}
