// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inputs the fuzz harnesses (tests/fuzz/) found, each kept as a plain
 * unit test of the function that failed on it.  A hang is a failure:
 * every case runs under an alarm.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "unit.h"
#include "cgroup.h"
#include "policy.h"

static const char *running;

static void on_alarm(int sig)
{
	/* async-signal-safe: the name is all that is printed */
	static const char pre[] = "FAIL fuzz_found/";
	static const char post[] = ": hangs (alarm after 5 s)\n";

	(void)!write(1, pre, sizeof(pre) - 1);
	(void)!write(1, running, strlen(running));
	(void)!write(1, post, sizeof(post) - 1);
	_exit(1);
}

/*
 * fuzz_policy_params: a member whose type is a volatile of itself.  An
 * object's BTF reaches policy_params_from_btf() before the kernel checks
 * it (policy load reads it before loading; libbpf resolves the value's
 * size, not its members' types), and walking the modifier chain never
 * ended.
 */
static void modifier_loop(void)
{
	struct btf *b = btf__new_empty();
	struct policy_param ps[POLICY_MAX_PARAMS];
	char err[128] = "";
	uint32_t size = 0;
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int loop = btf__add_volatile(b, 0);	/* patched to point at itself below */
	int s = btf__add_struct(b, "cfg", 8);
	int n;

	btf__add_field(b, "ok", u32, 0, 0);
	btf__add_field(b, "looping", loop, 32, 0);
	((struct btf_type *)btf__type_by_id(b, loop))->type = loop;

	running = "btf-modifier-loop";
	alarm(5);
	n = policy_params_from_btf(b, s, ps, POLICY_MAX_PARAMS, &size, err, sizeof(err));
	alarm(0);
	CHECK("btf-modifier-loop", n == 1 && !strcmp(ps[0].name, "ok") && size == 8);
	btf__free(b);
}

/*
 * fuzz_cgroup_files: strtod() takes "nan" and "inf", so a PSI average
 * could come out as NaN (printed "nan%" by show and top's text) or as
 * a negative number (which means "unknown" in struct cg_psi_line).
 */
static void psi_not_a_share(void)
{
	static const char *const bad[] = {
		"some avg10=nan avg60=0.00 avg300=0.00 total=1",
		"some avg10=0.00 avg60=inf avg300=0.00 total=1",
		"full avg10=0.00 avg60=0.00 avg300=-1.5 total=1",
		"some avg10=100.01 avg60=0.00 avg300=0.00 total=1",
	};
	struct cg_psi_line p;
	char buf[] = "some avg10=NAN avg60=1.00 avg300=1.00 total=5\n"
		     "full avg10=0.50 avg60=0.25 avg300=0.00 total=7\n";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK("psi-rejects-non-share", cg_parse_psi_line(bad[i], &p) == -EINVAL);
	CHECK("psi-accepts-100", !cg_parse_psi_line("some avg10=100.00 avg60=0 avg300=0 total=3", &p) &&
				 p.avg10 == 100 && p.total_us == 3);
	/* the file as a whole: the bad "some" line is not taken */
	CHECK("psi-file-nan-some", cg_parse_psi(buf, &p, &p) == -ENOENT);
}

int main(void)
{
	unit_suite = "fuzz_found";
	signal(SIGALRM, on_alarm);
	modifier_loop();
	psi_not_a_share();
	return unit_done();
}
