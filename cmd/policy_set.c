// SPDX-License-Identifier: GPL-2.0-only
/* memcgctl policy set NAME KEY=VALUE...: a loaded policy's parameters, live. */
#include <argp.h>
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpfutil.h"
#include "main.h"
#include "policy.h"
#include "policy_int.h"

/*
 * A preoom loaded without policy_oom_end_tk (a kernel without the task
 * kfuncs) only knows the charger: refuse another target rather than
 * store a value it would ignore.
 */
bool policy_target_loadable(const char *dir, const struct pinned_struct *ps)
{
	const struct policy_param *p = param_named(ps->params, ps->n, "target");
	struct policy_meta m;
	char prog[PATH_MAX + 32];

	if (!p || policy_param_get(p, ps->val) == PREOOM_TARGET_CHARGER)
		return true;
	if (policy_meta_read(dir, &m) || !m.builtin || strcmp(m.policy, "preoom"))
		return true;
	snprintf(prog, sizeof(prog), "%s/progs/policy_oom_end_tk", dir);
	return path_exists(prog);
}

int do_set(int argc, char **argv)
{
	static const struct argp argp = { 0, pol_parse, "NAME KEY=VALUE...",
		"Change parameters of a loaded policy, live: the policy reads them from its "
		"pinned config map at every decision.", 0, 0, 0 };
	struct pol_args a = { 0 };
	struct pinned_struct ps;
	char dir[PATH_MAX], err[256];
	__u32 zero = 0;
	bool done;
	int ret;

	ret = pol_cmd_parse(&argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	if (a.npos < 2) {
		p_err("policy set: expected NAME and at least one KEY=VALUE");
		return EXIT_USAGE;
	}
	ret = need_loaded("set", a.pos[0]);
	if (ret)
		return ret;
	ret = bpf_check_privileges("policy set");
	if (ret)
		return ret;
	policy_dir(dir, sizeof(dir), a.pos[0]);
	if (pinned_struct_open(dir, "policy_config", &ps, err, sizeof(err))) {
		p_err("policy set: %s has no parameters: %s", a.pos[0], err);
		return EXIT_USAGE;
	}
	if (policy_params_apply(ps.params, ps.n, ps.val, a.pos + 1, a.npos - 1, err, sizeof(err))) {
		p_err("policy set: %s", err);
		p_hint("'%s policy show %s' lists its parameters", prog_name, a.pos[0]);
		pinned_struct_free(&ps);
		return EXIT_USAGE;
	}
	if (!policy_target_loadable(dir, &ps)) {
		target_refused("set");
		pinned_struct_free(&ps);
		return EXIT_UNSUPPORTED;
	}
	/* one write: the program sees the old set or the new one */
	if (bpf_map_update_elem(ps.fd, &zero, ps.val, BPF_ANY)) {
		p_err("policy set: cannot write the parameters: %s", strerror(errno));
		pinned_struct_free(&ps);
		return EXIT_RUNTIME;
	}
	pinned_struct_free(&ps);
	if (json_wtr)
		return show_policy(a.pos[0]);
	printf("policy '%s' updated\n", a.pos[0]);
	return EXIT_OK;
}
