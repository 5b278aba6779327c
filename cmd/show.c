// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl show [CGROUP] [-r|--depth N]: a one-shot snapshot of a
 * cgroup's memory state, straight from cgroupfs (no BPF).
 */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "main.h"
#include "memstate.h"
#include "units.h"

struct show_args {
	const char *cgroup;
	int depth;		/* -1: just the cgroup; 0: whole subtree */
};

static const struct argp_option show_options[] = {
	{ "recursive", 'r', 0, 0, "also show every descendant", 0 },
	{ "depth", 'D', "N", 0, "also show descendants down to N levels", 0 },
	{ 0 },
};

static error_t show_parse(int key, char *arg, struct argp_state *state)
{
	struct show_args *a = state->input;
	uint64_t v;

	switch (key) {
	case 'r':
		a->depth = 0;
		break;
	case 'D':
		if (parse_u64(arg, 1000, &v) || v == 0) {
			p_err("show: --depth '%s': expected a number from 1 to 1000", arg);
			return EINVAL;
		}
		a->depth = (int)v;
		break;
	case ARGP_KEY_ARG:
		return cmd_arg_cgroup("show", &a->cgroup, arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp show_argp = {
	show_options, show_parse, "[CGROUP]",
	"Print a one-shot snapshot of a memory cgroup: usage against its limits, the "
	"memory.stat breakdown, memory.events and memory PSI. CGROUP is a path "
	"(absolute, or relative to the memory hierarchy), a cgroup id or a systemd "
	"unit name; the default is the hierarchy's root.\v"
	"Values that cannot be read print as '-'.", 0, 0, 0
};

struct show_ctx {
	const struct cg_env *env;
	bool first;
	int err;
};

static int show_one(const struct cg_env *env, const struct cg_ref *ref)
{
	struct cg_mem m;
	int err;

	err = cg_read_mem(env, ref, &m);
	if (err)
		return err;	/* vanished between listing and reading */
	if (json_wtr)
		memstate_json(json_wtr, env, ref, &m);
	else
		memstate_print(stdout, env, ref, &m);
	return 0;
}

static int show_walk_cb(const struct cg_ref *ref, int depth, void *data)
{
	struct show_ctx *c = data;

	if (!json_wtr)
		putchar('\n');
	show_one(c->env, ref);	/* a child vanishing mid-walk is not an error */
	return 0;
}

int do_show(int argc, char **argv)
{
	struct show_args a = { .depth = -1 };
	struct cg_env env;
	struct cg_ref ref;
	bool done;
	int ret;

	ret = cmd_parse(&show_argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	ret = cmd_cgroup("show", &env, a.cgroup ? a.cgroup : "/", &ref);
	if (ret)
		return ret;

	if (a.depth >= 0 && json_wtr)
		jsonw_start_array(json_wtr);
	ret = show_one(&env, &ref);
	if (ret) {
		if (a.depth >= 0 && json_wtr)
			jsonw_end_array(json_wtr);
		p_err("show: %s: %s", ref.rel, strerror(-ret));
		return EXIT_NOCGROUP;
	}
	if (a.depth >= 0) {
		struct show_ctx c = { .env = &env };

		cg_walk(&env, &ref, a.depth, show_walk_cb, &c);
		if (json_wtr)
			jsonw_end_array(json_wtr);
	}
	return EXIT_OK;
}
