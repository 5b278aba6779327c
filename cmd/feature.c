// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl feature: what this kernel offers memcgctl, probed for real,
 * and per command whether it works fully, degraded or not at all.
 */
#include <argp.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroup.h"
#include "main.h"
#include "probe.h"

static const struct argp feature_argp = {
	NULL, NULL, "",
	"Probe the running kernel for everything memcgctl may use: BTF, bpffs, "
	"tracefs, the cgroup layout, memory PSI, memory.reclaim, each tracepoint, "
	"hook program types (loaded and attached for real), helpers, kfuncs and "
	"struct_ops types; then load and attach each command's own programs, with "
	"the hook choices the command makes, and say per command whether it works "
	"fully, degraded or not at all.\vProgram probes need root; without it they "
	"say why.",
	0, 0, 0
};

static void print_group_json(const char *group)
{
	jsonw_name(json_wtr, group);
	jsonw_start_object(json_wtr);
	for (int i = 0; i < PROBE_NR; i++) {
		const char *why;

		if (strcmp(probe_group(i), group))
			continue;
		jsonw_bool_field(json_wtr, probe_key(i), probe_get(i, &why) == PROBE_YES);
	}
	jsonw_end_object(json_wtr);
}

static void print_group_plain(const char *group, const char *title)
{
	printf("%s:\n", title);
	for (int i = 0; i < PROBE_NR; i++) {
		const char *why;
		enum probe_state s;

		if (strcmp(probe_group(i), group))
			continue;
		s = probe_get(i, &why);
		if (s == PROBE_YES)
			printf("  %-40s yes\n", probe_key(i));
		else
			printf("  %-40s no: %s\n", probe_key(i), why);
	}
}

static const char *const groups[][2] = {
	{ "system", "System" }, { "tracepoint", "Tracepoints" },
	{ "program", "Program types (loaded and attached)" }, { "map", "Maps" },
	{ "helper", "Helpers" }, { "kfunc", "Kfuncs" }, { "struct_ops", "struct_ops" },
};

int do_feature(int argc, char **argv)
{
	struct cg_env env;
	struct utsname uts;
	char err[512];
	bool done, have_env;
	int ret;

	ret = cmd_parse(&feature_argp, argc, argv, NULL, &done);
	if (ret || done)
		return ret;
	uname(&uts);
	have_env = cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err,
			       sizeof(err)) == 0;

	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "kernel", uts.release);
		jsonw_bool_field(json_wtr, "privileged", geteuid() == 0);
		jsonw_name(json_wtr, "cgroup");
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "layout",
				   cg_layout_name(have_env ? env.layout : CG_LAYOUT_NONE));
		/* unknown is null, never left out */
		if (have_env)
			jsonw_string_field(json_wtr, "memory_root", env.mem_root);
		else
			jsonw_null_field(json_wtr, "memory_root");
		if (have_env && env.psi_root[0])
			jsonw_string_field(json_wtr, "psi_root", env.psi_root);
		else
			jsonw_null_field(json_wtr, "psi_root");
		jsonw_end_object(json_wtr);
		for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
			print_group_json(groups[g][0]);
		jsonw_name(json_wtr, "commands");
		jsonw_start_object(json_wtr);
		for (int i = 0; i < probe_nr_cmds; i++) {
			const struct cmd_report *r = probe_cmd_report(&probe_cmds[i]);

			jsonw_name(json_wtr, probe_cmds[i].name);
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "status", probe_verdict_name(r->verdict));
			jsonw_string_field(json_wtr, "missing", r->missing);
			if (r->verdict != CMD_FULL && r->note[0])
				jsonw_string_field(json_wtr, "note", r->note);
			if (r->probed) {
				/* its own programs, loaded with its own hook choices */
				jsonw_name(json_wtr, "programs");
				jsonw_start_object(json_wtr);
				jsonw_bool_field(json_wtr, "loaded", !r->res.err);
				if (r->res.err)
					jsonw_string_field(json_wtr, "error", r->res.why);
				else
					jsonw_string_field(json_wtr, "lost", r->res.lost);
				jsonw_end_object(json_wtr);
			}
			jsonw_end_object(json_wtr);
		}
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
		return EXIT_OK;
	}

	printf("Kernel: %s%s\n", uts.release,
	       geteuid() ? "  (not root: program probes will fail)" : "");
	if (have_env)
		printf("Cgroup layout: %s (memory on %s, PSI on %s)\n\n",
		       cg_layout_name(env.layout), env.mem_root,
		       env.psi_root[0] ? env.psi_root : "-");
	else
		printf("Cgroup layout: none (%s)\n\n", err);
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		print_group_plain(groups[g][0], groups[g][1]);
		putchar('\n');
	}
	printf("Commands:\n");
	for (int i = 0; i < probe_nr_cmds; i++) {
		const struct cmd_report *r = probe_cmd_report(&probe_cmds[i]);

		printf("  %-10s %s", probe_cmds[i].name, probe_verdict_name(r->verdict));
		if (r->verdict != CMD_FULL) {
			printf(" (");
			if (r->missing[0])
				printf("missing %s%s", r->missing, r->note[0] ? ": " : "");
			printf("%s)", r->note);
		}
		putchar('\n');
	}
	return EXIT_OK;
}
