// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inputs the fuzz harnesses (tests/fuzz/) found, each kept as a plain
 * unit test of the function that failed on it.  A hang is a failure:
 * every case runs under an alarm.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "unit.h"
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

int main(void)
{
	unit_suite = "fuzz_found";
	signal(SIGALRM, on_alarm);
	modifier_loop();
	return unit_done();
}
