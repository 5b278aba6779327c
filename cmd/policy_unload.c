// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl policy unload NAME... | --all: a policy's pins removed (which
 * detaches it) and its brake undone.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bpfutil.h"
#include "escape.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "policy_brake.h"
#include "policy_int.h"

static const struct argp_option unload_options[] = {
	{ "all", 'a', 0, 0, "unload every policy", 0 },
	{ 0 },
};

/*
 * Undo name's brake before its pins go (a failure keeps both, for a
 * retry): *br says what happened, BRAKE_NONE without one.
 */
static int unload_brake(const char *name, int *br)
{
	char err[PATH_MAX + 128];
	struct brake_rec rec;

	*br = brake_release(name, &rec, err, sizeof(err));
	if (*br < 0) {
		p_err("policy unload: %s: %s; the policy stays loaded", name, err);
		return -EXIT_RUNTIME;
	}
	if (*br == BRAKE_RESTORED && !json_wtr)
		printf("restored memory.high of %s to %s\n", esc(rec.path), rec.saved);
	else if (*br == BRAKE_CHANGED)
		p_info("memory.high of %s was changed since the brake set it to %" PRIu64
		       ": left as it is", rec.path, rec.set);
	return 0;
}

/* 1: unloaded, 0: was not loaded, or an exit code after one line */
static int unload_one(struct pins_root *r, const char *name, int *br)
{
	char err[PATH_MAX + 128];
	int ret;

	*br = BRAKE_NONE;
	ret = unload_brake(name, br);
	if (ret)
		return ret;
	if (r->fd < 0)
		return *br ? 1 : 0;
	ret = policy_dir_remove(r, name, err, sizeof(err));
	if (ret == -ENOENT)
		return *br ? 1 : 0;	/* already gone: unload is idempotent */
	if (ret) {
		p_err("policy unload: %s", err);
		return -EXIT_RUNTIME;
	}
	return 1;
}

int do_unload(int argc, char **argv)
{
	static const struct argp argp = { unload_options, pol_parse, "NAME... | --all",
		"Detach policies and remove their pins. Unloading a policy that is not "
		"loaded is not an error.", 0, 0, 0 };
	struct pins_root root;
	struct pol_args a = { 0 };
	char **names = NULL;
	bool *removed = NULL;
	int *brakes = NULL;
	sigset_t oldmask;
	int n, ret, rc = EXIT_OK;
	bool done;

	ret = pol_cmd_parse(&argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	if (!a.all == !a.npos) {
		p_err("policy unload: give policy NAMEs or --all (not both)");
		return EXIT_USAGE;
	}
	for (int i = 0; i < a.npos; i++)
		if (!policy_name_valid(a.pos[i])) {
			p_err("policy unload: '%s' is not a valid policy name", a.pos[i]);
			return EXIT_USAGE;
		}
	ret = bpf_check_privileges("policy unload");
	if (ret)
		return ret;
	if (a.all) {
		ret = list_names("unload", &names, &n);
		if (ret)
			return ret;
	} else {
		names = a.pos;
		n = a.npos;
	}
	ret = pol_root("unload", &root, false);
	if (ret) {
		if (a.all)
			pins_names_free(names, n);
		return ret;
	}
	/* a name that is not a pin memcgctl made stops the command before any removal */
	for (int i = 0; i < n && root.fd >= 0; i++) {
		char err[PATH_MAX + 128];

		ret = pins_policy_check(&root, names[i], err, sizeof(err));
		if (ret && ret != -ENOENT) {
			p_err("policy unload: %s", err);
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	removed = calloc(n > 0 ? (size_t)n : 1, sizeof(*removed));
	brakes = calloc(n > 0 ? (size_t)n : 1, sizeof(*brakes));
	if (!removed || !brakes) {
		p_err("policy unload: out of memory");
		rc = EXIT_RUNTIME;
		goto out;
	}
	/* a Ctrl-C waits until each brake is restored and its record dropped */
	publish_sigs_init();
	sigprocmask(SIG_BLOCK, &publish_sigs, &oldmask);
	for (int i = 0; i < n; i++) {
		ret = unload_one(&root, names[i], &brakes[i]);
		removed[i] = ret == 1;
		if (ret == 1 && !json_wtr)
			printf("unloaded policy '%s'\n", esc(names[i]));
		else if (ret == 0 && !json_wtr)
			p_info("policy '%s' was not loaded", names[i]);
		else if (ret < 0)
			rc = -ret;
	}
	/* under -j a failure is the one document: {"error": ...} */
	if (json_wtr && rc == EXIT_OK) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "unloaded");
		jsonw_start_array(json_wtr);
		for (int i = 0; i < n; i++)
			if (removed[i])
				jsonw_string(json_wtr, names[i]);
		jsonw_end_array(json_wtr);
		/* what became of their brakes: restored, changed (left alone), gone */
		jsonw_name(json_wtr, "brakes");
		jsonw_start_object(json_wtr);
		for (int i = 0; i < n; i++)
			if (brakes[i] > 0)
				jsonw_string_field(json_wtr, names[i], brake_result_name(brakes[i]));
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
	}
	if (rc == EXIT_OK && !a.npos)
		brake_gc_run();
	sigprocmask(SIG_SETMASK, &oldmask, NULL);	/* what arrived meanwhile ends it now */
out:
	free(removed);
	free(brakes);
	pins_root_close(&root);
	if (a.all)
		pins_names_free(names, n);
	return rc;
}
