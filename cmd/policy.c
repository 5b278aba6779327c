// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl policy load|list|show|set|params|unload|events|apply: in-kernel
 * memory policies that keep running after memcgctl exits.  This file
 * dispatches the subcommands and holds what they share: their arguments,
 * the pin root and the pinned maps (policy_int.h lists where each
 * subcommand lives).
 *
 * A loaded policy is a directory on bpffs, root-only:
 *
 *   /sys/fs/bpf/memcgctl/NAME/meta          struct policy_meta (array map)
 *   /sys/fs/bpf/memcgctl/NAME/maps/MAP      every map of the object
 *   /sys/fs/bpf/memcgctl/NAME/progs/PROG    every loaded program
 *   /sys/fs/bpf/memcgctl/NAME/links/PROG    their attachments
 *
 * The links keep the programs attached; removing the directory detaches
 * everything.  meta is pinned last: a directory without it is a load in
 * progress (or one that died), shown as "incomplete".
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "main.h"
#include "pins.h"
#include "policy.h"
#include "policy_brake.h"
#include "policy_conf.h"
#include "policy_int.h"

/* ---- arguments ------------------------------------------------------ */

error_t pol_parse(int key, char *arg, struct argp_state *state)
{
	struct pol_args *a = state->input;

	switch (key) {
	case 'a': a->all = true; break;
	case 'f': a->follow = true; break;
	case OPT_ANY_HOOK: a->any_hook = true; break;
	case OPT_BRAKE: a->brake = true; break;
	case ARGP_KEY_ARG:
		if (a->npos == (int)ARRAY_SIZE(a->pos)) {
			p_err("policy: too many arguments");
			return EINVAL;
		}
		a->pos[a->npos++] = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* argv[0] becomes "policy SUB" so that help and errors name the subcommand. */
int pol_cmd_parse(const struct argp *argp, int argc, char **argv,
		  struct pol_args *a, bool *done)
{
	static char name[32];
	char *saved = argv[0];
	int ret;

	snprintf(name, sizeof(name), "policy %s", argv[0]);
	argv[0] = name;
	ret = cmd_parse(argp, argc, argv, a, done);
	argv[0] = saved;
	return ret;
}

/* ---- helpers -------------------------------------------------------- */

void policy_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", POLICY_PIN_ROOT, name);
}

/*
 * libbpf's own error codes (LIBBPF_ERRNO__*, 4000 and up) in words:
 * strerror() calls them "Unknown error 4001".
 */
const char *lbpf_strerror(int err, char *buf, size_t len)
{
	if (libbpf_strerror(err, buf, len) < 0 || !strncmp(buf, "Unknown", 7))
		snprintf(buf, len, "%s", strerror(err < 0 ? -err : err));
	/* libbpf's words start upper case; the rest of the line is lower case */
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] += 'a' - 'A';
	return buf;
}

bool path_exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/*
 * The verified pin root for cmd (pins.h): 0 with r->fd < 0 when there is
 * none (nothing is loaded), 0 with it open, or an exit code after one line.
 */
int pol_root(const char *cmd, struct pins_root *r, bool create)
{
	char err[PATH_MAX + 128];
	int ret = pins_root_open(r, create, err, sizeof(err));

	if (!ret || (ret == -ENOENT && !create))
		return 0;
	p_err("policy %s: %s", cmd, err);
	if (ret == -EACCES) {
		p_hint("run it with sudo");
		return EXIT_PERM;
	}
	return EXIT_RUNTIME;
}

/*
 * Remove one policy's pin tree, and the pin root with it when that was the
 * last policy: memcgctl leaves nothing on bpffs once no policy is loaded.
 */
int policy_dir_remove(struct pins_root *r, const char *name, char *err, size_t errlen)
{
	int ret = pins_policy_remove(r, name, err, errlen);

	if (!ret)
		pins_root_remove_if_empty(r);
	return ret;
}

static int map_lookup0(int fd, void *val)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, val) ? -errno : 0;
}

void pinned_struct_free(struct pinned_struct *ps)
{
	free(ps->val);
	ps->val = NULL;
	if (ps->fd >= 0)
		close(ps->fd);
	ps->fd = -1;
}

int pinned_struct_open(const char *dir, const char *map, struct pinned_struct *ps,
		       char *err, size_t errlen)
{
	char p[PATH_MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct btf *btf = NULL;
	int ret;

	memset(ps, 0, sizeof(*ps));
	snprintf(p, sizeof(p), "%s/maps/%s", dir, map);
	ps->fd = bpf_obj_get(p);
	if (ps->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
		return ret;
	}
	ret = bpf_obj_get_info_by_fd(ps->fd, &info, &len);
	if (ret || !info.btf_id || !info.btf_value_type_id) {
		snprintf(err, errlen, "%s has no BTF describing its value", p);
		ret = -ENOENT;
		goto fail;
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf) {
		ret = -errno;
		snprintf(err, errlen, "cannot read the BTF of %s: %s", p, strerror(errno));
		goto fail;
	}
	ret = policy_params_from_btf(btf, info.btf_value_type_id, ps->params,
				     POLICY_MAX_PARAMS, &ps->size, err, errlen);
	btf__free(btf);
	if (ret < 0)
		goto fail;
	ps->n = ret;
	policy_params_mark_switches(ps->params, ps->n);
	if (ps->size != info.value_size) {
		snprintf(err, errlen, "%s: BTF and value size disagree", p);
		ret = -EPROTO;
		goto fail;
	}
	ps->val = calloc(1, info.value_size);
	if (!ps->val) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = map_lookup0(ps->fd, ps->val);
	if (ret) {
		snprintf(err, errlen, "cannot read %s: %s", p, strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	pinned_struct_free(ps);
	return ret;
}

/*
 * NAME is a loaded policy in the verified pin root.  Its pins are then
 * read by path: inside a root-owned 0700 directory only root can change
 * what a path resolves to.
 */
int need_loaded(const char *cmd, const char *name)
{
	struct pins_root r;
	char err[PATH_MAX + 128];
	int ret;

	if (!policy_name_valid(name)) {
		p_err("policy %s: '%s' is not a valid policy name", cmd, name);
		p_hint("names are 1-31 letters, digits, '_' or '-'");
		return EXIT_USAGE;
	}
	ret = pol_root(cmd, &r, false);
	if (ret)
		return ret;
	ret = pins_policy_check(&r, name, err, sizeof(err));
	pins_root_close(&r);
	if (ret == -ENOENT) {
		p_err("policy %s: no policy named '%s' is loaded", cmd, name);
		p_hint("'%s policy list' shows the loaded policies", prog_name);
		return EXIT_USAGE;
	}
	if (ret) {
		p_err("policy %s: %s", cmd, err);
		return EXIT_RUNTIME;
	}
	return 0;
}

void target_refused(const char *cmd)
{
	p_err("policy %s: target=largest needs the bpf_send_signal_task kfunc (Linux 6.13+), "
	      "which this kernel lacks", cmd);
	p_hint("target=charger (the default) works on every kernel; '%s feature' shows what "
	       "this kernel has", prog_name);
}

const struct policy_param *param_named(const struct policy_param *ps, int n,
				       const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(ps[i].name, name))
			return &ps[i];
	return NULL;
}

/* The signals that end a process, held back while a load publishes its pins. */
sigset_t publish_sigs;

void publish_sigs_init(void)
{
	sigemptyset(&publish_sigs);
	sigaddset(&publish_sigs, SIGINT);
	sigaddset(&publish_sigs, SIGTERM);
	sigaddset(&publish_sigs, SIGHUP);
	sigaddset(&publish_sigs, SIGQUIT);
}

/* A signal that arrived while publish_sigs were blocked, taken; or 0. */
int publish_interrupted(void)
{
	struct timespec zero = { 0 };
	int sig, got = 0;

	while ((sig = sigtimedwait(&publish_sigs, NULL, &zero)) > 0)
		got = got ?: sig;
	return got;
}

/*
 * Is name loaded, or being loaded?  Only a pin root that memcgctl made
 * counts (bpffs is world-writable): anything else is no policy.  When it
 * cannot tell, it says yes: a brake is never undone under a live policy.
 */
static bool brake_policy_loaded(const char *name)
{
	char err[PATH_MAX + 128];
	struct pins_root r;
	struct stat st;
	int ret = pins_root_open(&r, false, err, sizeof(err));
	bool loaded;

	if (ret == -ENOENT)
		return false;
	if (ret)
		return ret != -EPERM && ret != -ENOTDIR;
	loaded = fstatat(r.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
	pins_root_close(&r);
	return loaded;
}

/* A brake left behind by a policy whose pins are gone, undone: say so. */
static void brake_gc_report(const char *name, const struct brake_rec *rec, int result)
{
	if (result < 0)
		p_err("policy: cannot undo the brake of the vanished policy '%s' on %s", name,
		      rec->path);
	else if (result == BRAKE_RESTORED)
		p_info("policy: restored memory.high of %s to %s (the brake of '%s', whose pins are gone)",
		       rec->path, rec->saved, name);
	else if (result == BRAKE_CHANGED)
		p_info("policy: memory.high of %s was changed since the brake of '%s' (whose pins are "
		       "gone) was set: left as it is", rec->path, name);
}

void brake_gc_run(void)
{
	if (geteuid() == 0)
		brake_gc(brake_policy_loaded, brake_gc_report);
}

/* Names of loaded policies, sorted (pins_list); 0 or an exit code after one line. */
int list_names(const char *cmd, char ***out, int *n)
{
	struct pins_root r;
	int ret = pol_root(cmd, &r, false);

	*out = NULL;
	*n = 0;
	if (ret)
		return ret;
	ret = pins_list(&r, out);
	pins_root_close(&r);
	if (ret < 0) {
		p_err("policy %s: cannot read %s: %s", cmd, POLICY_PIN_ROOT, strerror(-ret));
		return EXIT_RUNTIME;
	}
	*n = ret;
	return 0;
}

/* ---- dispatch ------------------------------------------------------- */

static int do_policy_help(int argc, char **argv)
{
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "builtins");
		jsonw_start_array(json_wtr);
		for (size_t i = 0; i < nbuiltins; i++)
			jsonw_string(json_wtr, builtins[i].name);
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
		return EXIT_OK;
	}
	printf("Usage: %s policy load [--any-hook] [--brake] POLICY [name NAME] [cgroup CGROUP]\n"
	       "                          [KEY=VALUE...]\n"
	       "       %s policy list\n"
	       "       %s policy show NAME\n"
	       "       %s policy set NAME KEY=VALUE...\n"
	       "       %s policy params POLICY\n"
	       "       %s policy unload NAME... | --all\n"
	       "       %s policy events [NAME] [-f]\n"
	       "       %s policy apply [--dry-run] [FILE]\n\n"
	       "POLICY is a built-in or the path of a BPF object that follows the contract in\n"
	       "memcgctl-policy(8). Built-ins:\n",
	       prog_name, prog_name, prog_name, prog_name, prog_name, prog_name, prog_name,
	       prog_name);
	for (size_t i = 0; i < nbuiltins; i++)
		printf("  %-10s %s\n", builtins[i].name, builtins[i].summary);
	printf("\nA user object's programs may attach only to the contract's hooks (memory\n"
	       "management, page fault and cgroup tracepoints); load --any-hook lifts that.\n"
	       "On cgroup v2, preoom's load --brake lowers memory.high just under memory.max\n"
	       "until the policy is unloaded, and restores it then.\n");
	printf("\napply makes the loaded policies what FILE says (default %s\n"
	       "and policies.d/*.conf): one 'NAME POLICY CGROUP [KEY=VALUE...]' per line;\n"
	       "apply --dry-run prints what would change and changes nothing.\n",
	       POLICY_CONF_DEFAULT);
	printf("\nLoaded policies live in %s/NAME\nand keep acting after %s exits.\n",
	       POLICY_PIN_ROOT, prog_name);
	return EXIT_OK;
}

static const struct cmd policy_cmds[] = {
	{ "load", do_load, "load, attach and pin a policy" },
	{ "list", do_list, "list loaded policies" },
	{ "show", do_pshow, "parameters, counters and programs of a policy" },
	{ "set", do_set, "change parameters live" },
	{ "params", do_params, "the parameters a policy takes, before loading it" },
	{ "unload", do_unload, "detach and unpin" },
	{ "events", do_events, "print actions not yet read" },
	{ "apply", policy_apply, "load, update and unload what a policy file says" },
	{ "help", do_policy_help, "this help" },
	{ 0 },
};

int do_policy(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	bool known = !sub || !*sub || is_help_arg(sub);

	/* cmd_select's hint names the top-level help; this one is policy's */
	for (const struct cmd *c = policy_cmds; !known && c->name; c++)
		known = !strncmp(c->name, sub, strlen(sub));
	if (!known) {
		p_err("policy: unknown subcommand '%s'", sub);
		p_hint("'%s policy help' lists them", prog_name);
		return EXIT_USAGE;
	}
	return cmd_select(policy_cmds, argc - 1, argv + 1, do_policy_help);
}
