// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl: global options, diagnostics and command dispatch.
 */
#include <argp.h>
#include <string.h>

#include "bpfutil.h"
#include "escape.h"
#include "main.h"

/* ---- global options ------------------------------------------------- */

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "watch",	do_watch,	"stream memory-cgroup events as they happen" },
	{ "top",	do_top,		"full-screen per-cgroup memory pressure view" },
	{ "notify",	do_notify,	"block until a memory condition holds, then print / exec" },
	{ "policy",	do_policy,	"in-kernel BPF memory policies, pinned on bpffs" },
	{ "reclaim",	do_reclaim,	"proactive reclaim, measured by BPF" },
	{ "show",	do_show,	"one-shot snapshot of a cgroup's memory state" },
	{ "feature",	do_feature,	"what this kernel supports, per command" },
	{ "help",	do_help,	"this list" },
	{ "version",	do_version,	"print the version" },
	{ 0 },
};

static int do_help(int argc, char **argv)
{
	if (gopts.json) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "commands");
		jsonw_start_array(json_wtr);
		for (const struct cmd *c = cmds; c->name; c++)
			jsonw_string(json_wtr, c->name);
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
		return EXIT_OK;
	}
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n"
	       "       %s COMMAND help\n\n"
	       "Commands:\n", prog_name, prog_name);
	for (const struct cmd *c = cmds; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\nOptions:\n"
	       "  -j, --json         JSON output (errors too)\n"
	       "  -p, --pretty       indented JSON (implies -j)\n"
	       "  -d, --debug        libbpf messages and verifier logs\n"
	       "  -V, --version      print the version\n"
	       "  -h, --help         this help\n"
	       "      --cgroup-root=DIR  memory cgroup hierarchy (default: detected)\n"
	       "      --psi-root=DIR     cgroup2 hierarchy for PSI (default: detected)\n"
	       "\nCommands match by unambiguous prefix ('%s sh' is 'show').\n"
	       "Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 no such cgroup,\n"
	       "4 permission denied, 5 unsupported by this kernel (see memcgctl(8)).\n",
	       prog_name);
	return EXIT_OK;
}

static int do_version(int argc, char **argv)
{
	if (gopts.json) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "version", MEMCGCTL_VERSION);
		jsonw_end_object(json_wtr);
	} else {
		printf("%s %s\n", prog_name, MEMCGCTL_VERSION);
	}
	return EXIT_OK;
}

enum { OPT_CGROUP_ROOT = 0x100, OPT_PSI_ROOT, OPT_USAGE };

static const struct argp_option global_options[] = {
	{ "json", 'j', 0, 0, "JSON output", 0 },
	{ "pretty", 'p', 0, 0, "indented JSON (implies -j)", 0 },
	{ "debug", 'd', 0, 0, "libbpf messages and verifier logs", 0 },
	{ "version", 'V', 0, 0, "print the version", 0 },
	{ "help", 'h', 0, 0, "this help", 0 },
	{ 0, '?', 0, OPTION_HIDDEN, "this help", 0 },
	{ "usage", OPT_USAGE, 0, OPTION_HIDDEN, "this help", 0 },
	{ "cgroup-root", OPT_CGROUP_ROOT, "DIR", 0, "memory cgroup hierarchy", 0 },
	{ "psi-root", OPT_PSI_ROOT, "DIR", 0, "cgroup2 hierarchy for PSI", 0 },
	{ 0 },
};

struct global_state {
	int cmd_index;		/* argv index of COMMAND, 0 if none */
	bool version, help;
};

static error_t global_parse(int key, char *arg, struct argp_state *state)
{
	struct global_state *gs = state->input;

	switch (key) {
	case 'j': gopts.json = true; break;
	case 'p': gopts.json = gopts.pretty = true; break;
	case 'd': gopts.debug = true; break;
	case 'V': gs->version = true; break;
	case 'h': case '?': case OPT_USAGE: gs->help = true; break;
	case OPT_CGROUP_ROOT: gopts.cgroup_root = arg; break;
	case OPT_PSI_ROOT: gopts.psi_root = arg; break;
	case ARGP_KEY_ARG:
		/* COMMAND: stop here, the rest belongs to it */
		gs->cmd_index = state->next - 1;
		state->next = state->argc;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { global_options, global_parse, "COMMAND [ARGS]",
					  "Memory cgroups, seen and steered with BPF.", 0, 0, 0 };
	struct global_state gs = { 0 };
	int err, ret;

	esc_init();
	/* -j must be known before argp reports an error */
	for (int i = 1; i < argc && argv[i][0] == '-'; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json") ||
		    !strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			gopts.json = true;

	err = argp_parse(&argp, argc, argv,
			 ARGP_IN_ORDER | ARGP_NO_HELP | ARGP_NO_EXIT |
			 (gopts.json ? ARGP_NO_ERRS : 0), NULL, &gs);
	if (err) {
		if (gopts.json)
			p_err("invalid global option; see '%s help'", prog_name);
		diag_flush();
		return stdout_close(EXIT_USAGE);
	}
	if (gopts.json) {
		json_wtr = jsonw_new(stdout, gopts.pretty);
		if (!json_wtr) {
			fprintf(stderr, "%s: out of memory\n", prog_name);
			return EXIT_RUNTIME;
		}
	}
	bpf_util_init();

	if (gs.version)
		ret = do_version(0, NULL);
	else if (gs.help)
		ret = do_help(0, NULL);
	else if (!gs.cmd_index)
		do_help(0, NULL), ret = EXIT_USAGE;	/* no COMMAND is a usage error */
	else
		ret = cmd_select(cmds, argc - gs.cmd_index, argv + gs.cmd_index, do_help);

	if (json_wtr) {
		/* a command that failed before writing anything leaves only the error */
		if (!diag_error_pending() && !jsonw_empty(json_wtr))
			jsonw_end_document(json_wtr);
		stdout_failed(jsonw_error(json_wtr));
		jsonw_destroy(&json_wtr);
	}
	diag_flush();
	return stdout_close(ret);
}
