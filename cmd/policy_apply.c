// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl policy apply [FILE]: make the loaded policies what the policy
 * file says (policy_conf.h), idempotently.
 *
 * Every line is checked first (syntax, the policy and its object, each
 * KEY=VALUE against the policy's own parameters, the CGROUP's form):
 * one bad line and nothing changes.  Then each policy the file names is
 *   load    not loaded: `policy load`'s own path;
 *   reload  loaded as another policy or object, on another cgroup, or
 *           incomplete: unloaded, then loaded (a cgroup is fixed at load);
 *   set     parameters differ from the file's (unlisted ones are the
 *           policy's defaults): one write of its config map, as `policy set`;
 *   keep    loaded as the file says: untouched.
 * and each loaded policy it does not name is
 *   unload  when a previous apply loaded (or adopted) it: its directory
 *           carries the marker NAME/applied, which only root can create
 *           inside the verified pin root;
 *   skip    otherwise: loaded by hand with `policy load`, left alone.
 * A policy the file names that was loaded by hand is adopted: from then
 * on apply manages it.  A failure part-way stops nothing else; the lines
 * say what was done, and the next apply converges from there.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "escape.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "policy_brake.h"
#include "policy_conf.h"

#define APPLIED_PIN "applied"
#define APPLIED_MAP "policy_applied"	/* policy_: the leak checks' prefix */
#define APPLIED_MAGIC 0x4150504cu	/* "LPPA" */

enum act { ACT_LOAD, ACT_RELOAD, ACT_SET, ACT_KEEP, ACT_UNLOAD, ACT_SKIP };

static const char *const act_names[] = {
	[ACT_LOAD] = "load", [ACT_RELOAD] = "reload", [ACT_SET] = "set",
	[ACT_KEEP] = "keep", [ACT_UNLOAD] = "unload", [ACT_SKIP] = "skip",
};

struct change {
	const struct policy_param *p;	/* the file's side */
	uint64_t from, to;
};

/* One line of the plan: a policy the file names, or one loaded that it does not. */
struct step {
	enum act act;
	const char *name;
	const struct policy_conf_entry *e;	/* NULL: not in the file */
	struct policy_objcfg oc;		/* parameters, with the file's values */
	struct cg_ref cg;
	bool have_cg;
	bool cg_missing;			/* CGROUP does not exist (yet) */
	bool loaded, applied;
	struct policy_meta meta;
	char why[160];				/* reload, skip: the reason */
	struct change ch[POLICY_MAX_PARAMS];
	int nch;
	bool adopt;				/* keep/set: mark it as apply's */
	int rc;					/* after running: 0 or an exit code */
};

struct apply_args {
	const char *file;
	bool dry_run;
};

enum { OPT_DRY_RUN = 0x200 };

static const struct argp_option apply_options[] = {
	{ "dry-run", OPT_DRY_RUN, 0, 0, "print what would change; change nothing", 0 },
	{ 0 },
};

static error_t apply_parse(int key, char *arg, struct argp_state *state)
{
	struct apply_args *a = state->input;

	switch (key) {
	case OPT_DRY_RUN: a->dry_run = true; break;
	case ARGP_KEY_ARG:
		if (a->file) {
			p_err("policy apply: one FILE at most (got '%s' and '%s')", a->file, arg);
			return EINVAL;
		}
		if (!*arg) {
			p_err("policy apply: empty FILE name");
			return EINVAL;
		}
		a->file = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- checking the file --------------------------------------------- */

/* 0, or EXIT_USAGE after one line naming FILE:LINE. */
static int check_entry(struct step *s, const struct cg_env *env)
{
	const struct policy_conf_entry *e = s->e;
	char err[PATH_MAX + 256];
	int ret;

	ret = policy_object_config(e->policy, &s->oc, err, sizeof(err));
	if (ret) {
		p_err("policy apply: %s:%d: %s", esc(e->file), e->line, err);
		return ret == EXIT_PERM ? EXIT_PERM : EXIT_USAGE;
	}
	if (!s->oc.n && e->nkv) {
		p_err("policy apply: %s:%d: %s takes no parameters", esc(e->file), e->line,
		      esc(e->policy));
		return EXIT_USAGE;
	}
	if (s->oc.n &&
	    policy_params_apply(s->oc.params, s->oc.n, s->oc.val, e->kv, e->nkv, err, sizeof(err))) {
		p_err("policy apply: %s:%d: %s: %s", esc(e->file), e->line, e->name, err);
		return EXIT_USAGE;
	}
	if (!e->cgroup)
		return 0;
	ret = cg_resolve(env, e->cgroup, &s->cg, err, sizeof(err));
	if (ret == -ENOENT) {
		/* not an error of the file: a cgroup made later (a slice at boot) */
		s->cg_missing = true;
		snprintf(s->why, sizeof(s->why), "%s", err);
		return 0;
	}
	if (ret) {
		p_err("policy apply: %s:%d: %s", esc(e->file), e->line, err);
		return EXIT_USAGE;
	}
	s->have_cg = true;
	return 0;
}

/* ---- what is loaded ------------------------------------------------- */

static void pol_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", POLICY_PIN_ROOT, name);
}

/* Did apply load or adopt NAME?  Its marker is an array map of ours. */
static bool applied_marked(const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char p[PATH_MAX];
	bool ok;
	int fd;

	snprintf(p, sizeof(p), "%s/%s/%s", POLICY_PIN_ROOT, name, APPLIED_PIN);
	fd = bpf_obj_get(p);
	if (fd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_ARRAY &&
	     !strcmp(info.name, APPLIED_MAP) && info.value_size == sizeof(__u32);
	close(fd);
	return ok;
}

static int applied_mark(const char *name, char *err, size_t errlen)
{
	char p[PATH_MAX];
	__u32 zero = 0, magic = APPLIED_MAGIC;
	int fd, ret = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, APPLIED_MAP, sizeof(__u32), sizeof(__u32), 1, NULL);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create the apply marker: %s", strerror(errno));
		return -errno;
	}
	snprintf(p, sizeof(p), "%s/%s/%s", POLICY_PIN_ROOT, name, APPLIED_PIN);
	if (bpf_map_update_elem(fd, &zero, &magic, BPF_ANY) ||
	    (bpf_obj_pin(fd, p) && errno != EEXIST)) {
		ret = -errno;
		snprintf(err, errlen, "cannot pin %s: %s", p, strerror(errno));
	}
	close(fd);
	return ret;
}

static bool same_policy(const struct step *s)
{
	const struct policy_meta *m = &s->meta;

	if (s->oc.builtin)
		return m->builtin && !strcmp(m->policy, s->e->policy);
	return !m->builtin && !strcmp(m->source, s->e->policy);
}

/* Compare a loaded policy the file names with the file: keep, set or reload. */
static void plan_loaded(struct step *s)
{
	struct pinned_struct ps;
	char dir[PATH_MAX], err[256];

	pol_dir(dir, sizeof(dir), s->name);
	s->adopt = !s->applied;
	if (policy_meta_read(dir, &s->meta)) {
		s->act = ACT_RELOAD;
		snprintf(s->why, sizeof(s->why), "its load never completed");
		return;
	}
	if (!same_policy(s)) {
		s->act = ACT_RELOAD;
		snprintf(s->why, sizeof(s->why), "loaded as %s",
			 s->meta.builtin ? s->meta.policy : s->meta.source);
		return;
	}
	if (s->cg_missing) {
		s->act = ACT_RELOAD;	/* fails: reported as what cannot be done */
		return;
	}
	if (s->have_cg ? s->meta.cgroup_id != s->cg.id : s->meta.cgroup_id != 0) {
		s->act = ACT_RELOAD;
		snprintf(s->why, sizeof(s->why), "loaded on %s",
			 s->meta.cgroup_id ? s->meta.cgroup : "every cgroup");
		return;
	}
	s->act = ACT_KEEP;
	if (s->adopt)
		snprintf(s->why, sizeof(s->why), "loaded by hand: adopted, apply manages it now");
	if (!s->oc.n)
		return;
	if (pinned_struct_open(dir, "policy_config", &ps, err, sizeof(err))) {
		s->act = ACT_RELOAD;
		snprintf(s->why, sizeof(s->why), "its parameters cannot be read");
		return;
	}
	for (int i = 0; i < s->oc.n; i++) {
		const struct policy_param *want = &s->oc.params[i], *have = NULL;
		uint64_t to = policy_param_get(want, s->oc.val), from;

		for (int j = 0; j < ps.n && !have; j++)
			if (!strcmp(ps.params[j].name, want->name))
				have = &ps.params[j];
		if (!have || have->size != want->size || have->is_signed != want->is_signed) {
			s->act = ACT_RELOAD;
			snprintf(s->why, sizeof(s->why), "its parameters are not the object's");
			break;
		}
		from = policy_param_get(have, ps.val);
		if (from != to) {
			s->ch[s->nch++] = (struct change){ want, from, to };
			s->act = ACT_SET;
		}
	}
	pinned_struct_free(&ps);
	if (s->act == ACT_RELOAD)
		s->nch = 0;
}

/* ---- doing it ------------------------------------------------------- */

static int do_unload_one(const char *name)
{
	struct pins_root r;
	char err[PATH_MAX + 128];
	int ret;

	/* a brake goes before the pins, as in unload: a failure keeps both */
	if (brake_release(name, NULL, err, sizeof(err)) < 0) {
		p_err("policy apply: unload %s: %s; the policy stays loaded", name, err);
		return EXIT_RUNTIME;
	}
	ret = pins_root_open(&r, false, err, sizeof(err));
	if (ret == -ENOENT)
		return 0;
	if (!ret) {
		ret = pins_policy_remove(&r, name, err, sizeof(err));
		if (!ret)
			pins_root_remove_if_empty(&r);
		pins_root_close(&r);
	}
	if (ret && ret != -ENOENT) {
		p_err("policy apply: unload %s: %s", name, err);
		return EXIT_RUNTIME;
	}
	return 0;
}

static int do_load_one(struct step *s)
{
	const struct policy_conf_entry *e = s->e;
	char *argv[6 + POLICY_CONF_MAX_KV + 1];
	char err[PATH_MAX + 128];
	int argc = 0, ret;

	if (s->cg_missing) {
		p_err("policy apply: %s:%d: %s: %s", esc(e->file), e->line, s->name, s->why);
		return EXIT_NOCGROUP;
	}
	argv[argc++] = "load";
	argv[argc++] = e->policy;
	argv[argc++] = "name";
	argv[argc++] = e->name;
	if (s->have_cg) {
		argv[argc++] = "cgroup";
		argv[argc++] = s->cg.path;
	}
	for (int i = 0; i < e->nkv; i++)
		argv[argc++] = e->kv[i];
	argv[argc] = NULL;
	ret = policy_load_quiet(argc, argv);
	if (ret)
		return ret;
	if (applied_mark(s->name, err, sizeof(err))) {
		/* loaded and named in the file: the next apply adopts it */
		p_err("policy apply: %s: %s", s->name, err);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* `policy set`'s write: the file's values, checked as set checks them, in one update. */
static int do_set_one(struct step *s)
{
	struct pinned_struct ps;
	char dir[PATH_MAX], err[256];
	__u32 zero = 0;
	int ret = 0;

	pol_dir(dir, sizeof(dir), s->name);
	if (pinned_struct_open(dir, "policy_config", &ps, err, sizeof(err))) {
		p_err("policy apply: set %s: %s", s->name, err);
		return EXIT_RUNTIME;
	}
	for (int i = 0; i < s->nch; i++)
		for (int j = 0; j < ps.n; j++)
			if (!strcmp(ps.params[j].name, s->ch[i].p->name))
				policy_param_put(&ps.params[j], ps.val, s->ch[i].to);
	if (!policy_target_loadable(dir, &ps)) {
		p_err("policy apply: set %s: target=largest needs the bpf_send_signal_task kfunc "
		      "(Linux 6.13+), which this kernel lacks", s->name);
		ret = EXIT_UNSUPPORTED;
	} else if (bpf_map_update_elem(ps.fd, &zero, ps.val, BPF_ANY)) {
		p_err("policy apply: set %s: cannot write the parameters: %s", s->name,
		      strerror(errno));
		ret = EXIT_RUNTIME;
	}
	pinned_struct_free(&ps);
	return ret;
}

static int run_step(struct step *s)
{
	char err[PATH_MAX + 128];
	int ret = 0;

	switch (s->act) {
	case ACT_UNLOAD:
		return do_unload_one(s->name);
	case ACT_RELOAD:
		if (s->cg_missing) {
			/* the loaded one stays: better than none until the cgroup exists */
			p_err("policy apply: %s:%d: %s: %s", esc(s->e->file), s->e->line, s->name,
			      s->why);
			return EXIT_NOCGROUP;
		}
		ret = do_unload_one(s->name);
		return ret ?: do_load_one(s);
	case ACT_LOAD:
		return do_load_one(s);
	case ACT_SET:
		ret = do_set_one(s);
		break;
	case ACT_KEEP:
	case ACT_SKIP:
		break;
	}
	if (!ret && s->adopt && applied_mark(s->name, err, sizeof(err))) {
		p_err("policy apply: %s: %s", s->name, err);
		ret = EXIT_RUNTIME;
	}
	return ret;
}

/* ---- printing ------------------------------------------------------- */

static void json_value(const struct policy_param *p, uint64_t v)
{
	if (p->kind == PK_BOOL)
		jsonw_bool(json_wtr, v);
	else if (p->kind == PK_ENUM && policy_param_enum_name(p, v))
		jsonw_string(json_wtr, policy_param_enum_name(p, v));
	else if (p->is_signed)
		jsonw_s64(json_wtr, (int64_t)v);
	else
		jsonw_u64(json_wtr, v);
}

static void print_step(const struct step *s, bool dry_run, bool ran)
{
	const char *policy = s->e ? s->e->policy : s->meta.builtin ? s->meta.policy :
			     s->meta.source[0] ? s->meta.source : NULL;
	char a[64], b[64];

	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "action", act_names[s->act]);
		jsonw_string_field(json_wtr, "name", s->name);
		if (policy)
			jsonw_string_field(json_wtr, "policy", policy);
		else
			jsonw_null_field(json_wtr, "policy");
		if (s->e ? s->have_cg : s->meta.cgroup_id != 0) {
			jsonw_string_field(json_wtr, "cgroup", s->e ? s->cg.rel : s->meta.cgroup);
			jsonw_u64_field(json_wtr, "cgroup_id", s->e ? s->cg.id : s->meta.cgroup_id);
		} else {
			/* every cgroup, or one that does not exist: no id */
			if (s->e && s->e->cgroup)
				jsonw_string_field(json_wtr, "cgroup", s->e->cgroup);
			else
				jsonw_null_field(json_wtr, "cgroup");
			jsonw_null_field(json_wtr, "cgroup_id");
		}
		if (s->e) {
			jsonw_string_field(json_wtr, "file", s->e->file);
			jsonw_u64_field(json_wtr, "line", s->e->line);
		} else {
			jsonw_null_field(json_wtr, "file");
			jsonw_null_field(json_wtr, "line");
		}
		if (s->why[0])
			jsonw_string_field(json_wtr, "reason", s->why);
		else
			jsonw_null_field(json_wtr, "reason");
		jsonw_name(json_wtr, "changes");
		jsonw_start_array(json_wtr);
		for (int i = 0; i < s->nch; i++) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "parameter", s->ch[i].p->name);
			jsonw_name(json_wtr, "from");
			json_value(s->ch[i].p, s->ch[i].from);
			jsonw_name(json_wtr, "to");
			json_value(s->ch[i].p, s->ch[i].to);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
		jsonw_bool_field(json_wtr, "dry_run", dry_run);
		if (ran)
			jsonw_bool_field(json_wtr, "ok", s->rc == 0);
		else
			jsonw_null_field(json_wtr, "ok");
		jsonw_end_object(json_wtr);
		jsonw_end_document(json_wtr);
		return;
	}
	printf("%-6s %s", act_names[s->act], esc(s->name));
	switch (s->act) {
	case ACT_LOAD:
	case ACT_RELOAD:
		printf(" (%s on %s)", esc(policy),
		       s->have_cg ? esc(s->cg.rel) : s->e->cgroup ? esc(s->e->cgroup) : "every cgroup");
		/* a failure's reason is the error line's */
		if (s->why[0] && !(ran && s->rc))
			printf(": %s", esc(s->why));
		break;
	case ACT_SET:
		for (int i = 0; i < s->nch; i++)
			printf("%s %s %s -> %s", i ? "," : ":", esc(s->ch[i].p->name),
			       policy_param_format(s->ch[i].p, s->ch[i].from, a, sizeof(a)),
			       policy_param_format(s->ch[i].p, s->ch[i].to, b, sizeof(b)));
		break;
	case ACT_SKIP:
	case ACT_KEEP:
		if (s->why[0])
			printf(": %s", esc(s->why));
		break;
	default:
		break;
	}
	if (ran && s->rc)
		printf(" [FAILED]");
	putchar('\n');
}

/* ---- the command ---------------------------------------------------- */

static void steps_free(struct step *st, int n)
{
	for (int i = 0; i < n; i++)
		free(st[i].oc.val);
	free(st);
}

int policy_apply(int argc, char **argv)
{
	static const struct argp argp = { apply_options, apply_parse, "[FILE]",
		"Load, update and unload policies so that what is loaded is what FILE says "
		"(default " POLICY_CONF_DEFAULT " and policies.d/*.conf beside it). Policies "
		"loaded by hand and not named in the file are left alone.", 0, 0, 0 };
	struct apply_args a = { 0 };
	struct policy_conf conf;
	struct pins_root root;
	struct cg_env env;
	struct step *st = NULL;
	char err[PATH_MAX + 256], **names = NULL;
	int nst = 0, nnames = 0, ret, rc = EXIT_OK, failed = 0, changes = 0;
	bool done, env_ok = false;
	static char name0[] = "policy apply";
	char *saved = argv[0];

	argv[0] = name0;
	ret = cmd_parse(&argp, argc, argv, &a, &done);
	argv[0] = saved;
	if (ret || done)
		return ret;

	/* 1. the file, every line of it, before anything else */
	ret = policy_conf_read(&conf, a.file, err, sizeof(err));
	if (ret) {
		p_err("policy apply: %s", err);
		policy_conf_free(&conf);
		return ret == -EPERM ? EXIT_PERM : ret == -ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
	}
	st = calloc(conf.n + 1, sizeof(*st));
	if (!st) {
		p_err("policy apply: out of memory");
		policy_conf_free(&conf);
		return EXIT_RUNTIME;
	}
	for (int i = 0; i < conf.n; i++) {
		st[i].e = &conf.e[i];
		st[i].name = conf.e[i].name;
		if (conf.e[i].cgroup && !env_ok) {
			if (cg_env_init(&env, NULL, gopts.cgroup_root, gopts.psi_root, err,
					sizeof(err))) {
				p_err("policy apply: %s", err);
				rc = EXIT_UNSUPPORTED;
				goto out;
			}
			env_ok = true;
		}
		rc = check_entry(&st[i], &env);
		nst = i + 1;
		if (rc)
			goto out;
	}
	nst = conf.n;

	/* 2. what is loaded */
	rc = bpf_check_privileges("policy apply");
	if (rc)
		goto out;
	ret = pins_root_open(&root, false, err, sizeof(err));
	if (ret && ret != -ENOENT) {
		p_err("policy apply: %s", err);
		rc = ret == -EACCES ? EXIT_PERM : EXIT_RUNTIME;
		goto out;
	}
	if (!ret) {
		nnames = pins_list(&root, &names);
		pins_root_close(&root);
		if (nnames < 0) {
			p_err("policy apply: cannot read %s: %s", POLICY_PIN_ROOT, strerror(-nnames));
			nnames = 0;
			rc = EXIT_RUNTIME;
			goto out;
		}
	}

	/* 3. the plan: the file's policies in its order, then what it no longer names */
	for (int i = 0; i < conf.n; i++) {
		for (int j = 0; j < nnames; j++)
			if (!strcmp(names[j], st[i].name))
				st[i].loaded = true;
		st[i].applied = st[i].loaded && applied_marked(st[i].name);
		if (st[i].loaded)
			plan_loaded(&st[i]);
		else
			st[i].act = ACT_LOAD;
	}
	for (int j = 0; j < nnames; j++) {
		struct step *s, *ns;
		bool named = false;
		char dir[PATH_MAX];

		for (int i = 0; i < conf.n && !named; i++)
			named = !strcmp(names[j], st[i].name);
		if (named)
			continue;
		ns = realloc(st, (nst + 1) * sizeof(*st));
		if (!ns) {
			p_err("policy apply: out of memory");
			rc = EXIT_RUNTIME;
			goto out;
		}
		st = ns;
		s = &st[nst++];
		memset(s, 0, sizeof(*s));
		s->name = names[j];
		s->loaded = true;
		pol_dir(dir, sizeof(dir), s->name);
		policy_meta_read(dir, &s->meta);
		s->applied = applied_marked(s->name);
		s->act = s->applied ? ACT_UNLOAD : ACT_SKIP;
		if (!s->applied)
			snprintf(s->why, sizeof(s->why), "not loaded by apply and not in the file: "
				 "left alone");
	}

	/* 4. do it: unloads first, so that what they held is free for the loads */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < nst; i++) {
			struct step *s = &st[i];

			if ((s->act == ACT_UNLOAD) != (pass == 0))
				continue;
			if (a.dry_run) {
				print_step(s, true, false);
				continue;
			}
			s->rc = run_step(s);
			if (s->act != ACT_KEEP && s->act != ACT_SKIP)
				changes++;
			if (s->rc) {
				failed++;
				if (rc == EXIT_OK)
					rc = s->rc;
			}
			print_step(s, false, true);
		}
	if (a.dry_run)
		p_info("policy apply: --dry-run: nothing was changed");
	if (failed) {
		p_err("policy apply: %d of %d changes failed (the others are done); "
		      "'%s policy apply' again once fixed", failed, changes, prog_name);
	}
out:
	if (names)
		pins_names_free(names, nnames);
	steps_free(st, nst);
	policy_conf_free(&conf);
	return rc;
}
