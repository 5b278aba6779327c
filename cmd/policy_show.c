// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl policy show NAME and policy list: a loaded policy described
 * from its pins (meta, policy_config, policy_counters, its programs).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* nftw() */
#endif
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "escape.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "policy_brake.h"
#include "policy_int.h"
#include "units.h"

static uint64_t orphan_want;

static int orphan_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return flag == FTW_D && st->st_ino == orphan_want;
}

/*
 * Is the policy's cgroup gone?  Its id is never reused, so the directory
 * at cgroup_path must have that inode.  A path of sizeof(cgroup_path)
 * bytes or more was cut when it was recorded: everything up to the cut's
 * last '/' is still an exact ancestor, and the cgroup is looked for by
 * id below it.
 */
static bool meta_orphaned(const struct policy_meta *m)
{
	char anc[sizeof(m->cgroup_path)];
	uint64_t id;
	char *slash;

	if (!m->cgroup_id)
		return false;
	if (strlen(m->cgroup_path) < sizeof(m->cgroup_path) - 1)
		return cg_id_of(m->cgroup_path, &id) || id != m->cgroup_id;
	snprintf(anc, sizeof(anc), "%s", m->cgroup_path);
	slash = strrchr(anc, '/');
	if (!slash || slash == anc)
		return false;	/* cannot tell: do not call an active policy orphaned */
	*slash = '\0';
	orphan_want = m->cgroup_id;
	return nftw(anc, orphan_visit, 16, FTW_PHYS | FTW_MOUNT) != 1;
}

static bool pinned_get(const struct pinned_struct *ps, const char *name, uint64_t *v)
{
	for (int i = 0; i < ps->n; i++)
		if (!strcmp(ps->params[i].name, name)) {
			*v = policy_param_get(&ps->params[i], ps->val);
			return true;
		}
	return false;
}

static const char *fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
	return buf;
}

static bool bpf_stats_enabled(void)
{
	uint64_t v;

	return read_file_u64("/proc/sys/kernel/bpf_stats_enabled", &v) == 0 && v;
}

/* ---- describing a loaded policy ------------------------------------ */

struct pol_info {
	char name[POLICY_NAME_LEN];
	char dir[PATH_MAX];
	struct policy_meta meta;
	bool have_meta, orphaned, paused;
	uint64_t actions;
	bool have_actions;
};

static const char *pol_state(const struct pol_info *pi)
{
	if (!pi->have_meta)
		return "incomplete";
	if (pi->orphaned)
		return "orphaned";
	if (pi->paused)
		return "paused";
	return "active";
}

static void pol_info_read(const char *name, struct pol_info *pi)
{
	struct pinned_struct ps;
	char err[256];
	uint64_t v;

	memset(pi, 0, sizeof(*pi));
	snprintf(pi->name, sizeof(pi->name), "%s", name);
	policy_dir(pi->dir, sizeof(pi->dir), name);
	pi->have_meta = policy_meta_read(pi->dir, &pi->meta) == 0;
	if (pi->have_meta)
		pi->orphaned = meta_orphaned(&pi->meta);
	if (pinned_struct_open(pi->dir, "policy_counters", &ps, err, sizeof(err)) == 0) {
		pi->have_actions = pinned_get(&ps, "actions", &pi->actions);
		pinned_struct_free(&ps);
	}
	if (pinned_struct_open(pi->dir, "policy_config", &ps, err, sizeof(err)) == 0) {
		pi->paused = pinned_get(&ps, "enabled", &v) && !v;
		pinned_struct_free(&ps);
	}
}

static void json_struct(const char *name, const struct pinned_struct *ps, bool typed)
{
	jsonw_name(json_wtr, name);
	jsonw_start_object(json_wtr);
	for (int i = 0; i < ps->n; i++) {
		const struct policy_param *p = &ps->params[i];
		uint64_t v = policy_param_get(p, ps->val);

		if (typed && p->kind == PK_BOOL)
			jsonw_bool_field(json_wtr, p->name, v);
		else if (typed && p->kind == PK_ENUM && policy_param_enum_name(p, v))
			jsonw_string_field(json_wtr, p->name, policy_param_enum_name(p, v));
		else if (p->is_signed)
			jsonw_s64_field(json_wtr, p->name, (int64_t)v);
		else
			jsonw_u64_field(json_wtr, p->name, v);
	}
	jsonw_end_object(json_wtr);
}

static void print_struct(const char *title, const struct pinned_struct *ps)
{
	char buf[64];

	printf("%s:\n", title);
	for (int i = 0; i < ps->n; i++)
		printf("  %-20s %s\n", esc(ps->params[i].name),
		       policy_param_format(&ps->params[i], policy_param_get(&ps->params[i], ps->val),
					   buf, sizeof(buf)));
}

static void show_programs(const char *dir)
{
	char p[PATH_MAX], lp[PATH_MAX + 16], buf[UNITS_BUF];
	bool stats = bpf_stats_enabled();
	struct dirent *de;
	DIR *d;

	snprintf(p, sizeof(p), "%s/progs", dir);
	d = opendir(p);
	if (json_wtr) {
		jsonw_name(json_wtr, "programs");
		jsonw_start_array(json_wtr);
	} else {
		printf("programs:%s\n", stats ? "" : " (run counts need sysctl kernel.bpf_stats_enabled=1)");
	}
	while (d && (de = readdir(d))) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		char pp[PATH_MAX + 256];
		bool attached;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(pp, sizeof(pp), "%s/%s", p, de->d_name);
		fd = bpf_obj_get(pp);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		snprintf(lp, sizeof(lp), "%s/links/%s", dir, de->d_name);
		attached = path_exists(lp);
		if (json_wtr) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", de->d_name);
			jsonw_u64_field(json_wtr, "prog_id", info.id);
			jsonw_bool_field(json_wtr, "attached", attached);
			if (stats) {
				jsonw_u64_field(json_wtr, "run_cnt", info.run_cnt);
				jsonw_u64_field(json_wtr, "run_time_ns", info.run_time_ns);
			} else {
				jsonw_null_field(json_wtr, "run_cnt");
				jsonw_null_field(json_wtr, "run_time_ns");
			}
			jsonw_end_object(json_wtr);
		} else if (stats) {
			printf("  %-20s id %-6u %s runs %" PRIu64 ", %s\n", esc(de->d_name), info.id,
			       attached ? "attached," : "detached,", (uint64_t)info.run_cnt,
			       fmt_duration(buf, sizeof(buf), info.run_time_ns));
		} else {
			printf("  %-20s id %-6u %s\n", esc(de->d_name), info.id,
			       attached ? "attached" : "detached");
		}
	}
	if (d)
		closedir(d);
	if (json_wtr)
		jsonw_end_array(json_wtr);
}

/* One policy, in full: what `show`, `load` and `set` print. */
int show_policy(const char *name)
{
	struct pinned_struct cfg, cnt;
	struct pol_info pi;
	struct brake_rec brake;
	char err[256], tbuf[32];
	bool have_cfg, have_cnt, have_brake;

	pol_info_read(name, &pi);
	have_cfg = pinned_struct_open(pi.dir, "policy_config", &cfg, err, sizeof(err)) == 0;
	have_cnt = pinned_struct_open(pi.dir, "policy_counters", &cnt, err, sizeof(err)) == 0;
	have_brake = brake_read(name, &brake) == 0;
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", pi.name);
		if (pi.have_meta)
			jsonw_string_field(json_wtr, "policy", pi.meta.policy);
		else
			jsonw_null_field(json_wtr, "policy");	/* its metadata is unreadable */
		jsonw_bool_field(json_wtr, "builtin", pi.have_meta && pi.meta.builtin);
		if (pi.have_meta && pi.meta.source[0])
			jsonw_string_field(json_wtr, "source", pi.meta.source);
		if (pi.have_meta && pi.meta.cgroup_id) {
			jsonw_string_field(json_wtr, "cgroup", pi.meta.cgroup);
			jsonw_u64_field(json_wtr, "cgroup_id", pi.meta.cgroup_id);
		} else {
			jsonw_null_field(json_wtr, "cgroup");
			jsonw_null_field(json_wtr, "cgroup_id");
		}
		if (pi.have_meta)
			jsonw_u64_field(json_wtr, "loaded_at", pi.meta.loaded_at);
		else
			jsonw_null_field(json_wtr, "loaded_at");
		jsonw_string_field(json_wtr, "state", pol_state(&pi));
		jsonw_bool_field(json_wtr, "orphaned", pi.orphaned);
		jsonw_string_field(json_wtr, "pinned", pi.dir);
		if (have_cfg)
			json_struct("parameters", &cfg, true);
		else
			jsonw_null_field(json_wtr, "parameters");
		if (have_cnt)
			json_struct("counters", &cnt, false);
		else
			jsonw_null_field(json_wtr, "counters");
		show_programs(pi.dir);
		if (have_brake) {
			jsonw_name(json_wtr, "brake");
			jsonw_start_object(json_wtr);
			jsonw_u64_field(json_wtr, "high_bytes", brake.set);
			if (strcmp(brake.saved, "max"))
				jsonw_u64_field(json_wtr, "saved_high_bytes", strtoull(brake.saved, NULL, 10));
			else
				jsonw_null_field(json_wtr, "saved_high_bytes");
			jsonw_end_object(json_wtr);
		} else {
			jsonw_null_field(json_wtr, "brake");
		}
		jsonw_end_object(json_wtr);
	} else {
		printf("policy %s: %s", esc(pi.name), pi.have_meta ? esc(pi.meta.policy) : "?");
		if (pi.have_meta && pi.meta.cgroup_id)
			printf(" on %s (id %" PRIu64 ")", esc(pi.meta.cgroup), (uint64_t)pi.meta.cgroup_id);
		else
			printf(" on every cgroup");
		printf(", %s\n", pol_state(&pi));
		if (pi.have_meta)
			printf("  loaded %s%s%s\n", fmt_time(pi.meta.loaded_at, tbuf, sizeof(tbuf)),
			       pi.meta.source[0] ? " from " : "", esc(pi.meta.source));
		printf("  pinned at %s\n", esc(pi.dir));
		if (pi.orphaned)
			printf("  its cgroup is gone: the policy no longer acts; unload it\n");
		if (have_brake)
			printf("  brake: memory.high %" PRIu64 " until unload (was %s)\n", brake.set,
			       brake.saved);
		if (have_cfg)
			print_struct("parameters", &cfg);
		if (have_cnt)
			print_struct("counters", &cnt);
		show_programs(pi.dir);
	}
	if (have_cfg)
		pinned_struct_free(&cfg);
	if (have_cnt)
		pinned_struct_free(&cnt);
	return EXIT_OK;
}

int do_list(int argc, char **argv)
{
	static const struct argp argp = { 0, pol_parse, "",
		"List loaded policies: name, policy, cgroup, when it was loaded, actions taken "
		"and state (active, paused, orphaned: its cgroup is gone, incomplete).", 0, 0, 0 };
	struct pol_args a = { 0 };
	char **names, tbuf[32], cgbuf[40], act[24];
	bool done;
	int n, ret;

	ret = pol_cmd_parse(&argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	if (a.npos) {
		p_err("policy list: unexpected '%s'", a.pos[0]);
		return EXIT_USAGE;
	}
	brake_gc_run();
	ret = list_names("list", &names, &n);
	if (ret)
		return ret;
	if (json_wtr)
		jsonw_start_array(json_wtr);
	else if (n)
		printf("%-16s %-10s %-22s %-19s %7s %s\n", "NAME", "POLICY", "CGROUP", "LOADED",
		       "ACTIONS", "STATE");
	for (int i = 0; i < n; i++) {
		struct pol_info pi;
		const char *cg;

		pol_info_read(names[i], &pi);
		cg = pi.have_meta && pi.meta.cgroup_id ? pi.meta.cgroup : NULL;
		if (cg && !json_wtr)
			cg = esc(cg);	/* escaped first, so that the cut below counts what shows */
		if (json_wtr) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", pi.name);
			if (pi.have_meta)
				jsonw_string_field(json_wtr, "policy", pi.meta.policy);
			else
				jsonw_null_field(json_wtr, "policy");
			if (cg) {
				jsonw_string_field(json_wtr, "cgroup", cg);
				jsonw_u64_field(json_wtr, "cgroup_id", pi.meta.cgroup_id);
			} else {
				jsonw_null_field(json_wtr, "cgroup");
				jsonw_null_field(json_wtr, "cgroup_id");
			}
			if (pi.have_meta)
				jsonw_u64_field(json_wtr, "loaded_at", pi.meta.loaded_at);
			else
				jsonw_null_field(json_wtr, "loaded_at");
			if (pi.have_actions)
				jsonw_u64_field(json_wtr, "actions", pi.actions);
			else
				jsonw_null_field(json_wtr, "actions");
			jsonw_string_field(json_wtr, "state", pol_state(&pi));
			jsonw_bool_field(json_wtr, "orphaned", pi.orphaned);
			jsonw_end_object(json_wtr);
			continue;
		}
		if (!cg)
			snprintf(cgbuf, sizeof(cgbuf), "%s", pi.have_meta ? "(all)" : "-");
		else if (strlen(cg) > 22)
			snprintf(cgbuf, sizeof(cgbuf), "...%s", cg + strlen(cg) - 19);
		else
			snprintf(cgbuf, sizeof(cgbuf), "%s", cg);
		if (pi.have_actions)
			snprintf(act, sizeof(act), "%" PRIu64, pi.actions);
		else
			snprintf(act, sizeof(act), "-");
		printf("%-16s %-10s %-22s %-19s %7s %s\n", esc(pi.name),
		       pi.have_meta ? esc(pi.meta.policy) : "-", cgbuf,
		       pi.have_meta ? fmt_time(pi.meta.loaded_at, tbuf, sizeof(tbuf)) : "-",
		       act, pol_state(&pi));
	}
	if (json_wtr)
		jsonw_end_array(json_wtr);
	else if (!n)
		printf("no policies loaded\n");
	pins_names_free(names, n);
	return EXIT_OK;
}

int do_pshow(int argc, char **argv)
{
	static const struct argp argp = { 0, pol_parse, "NAME",
		"Show a loaded policy: its cgroup and state, its parameters with their current "
		"values, its counters and its programs.", 0, 0, 0 };
	struct pol_args a = { 0 };
	bool done;
	int ret;

	ret = pol_cmd_parse(&argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	if (a.npos != 1) {
		p_err("policy show: expected one policy NAME");
		return EXIT_USAGE;
	}
	ret = need_loaded("show", a.pos[0]);
	return ret ?: show_policy(a.pos[0]);
}
