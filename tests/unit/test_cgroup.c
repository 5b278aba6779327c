// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroup layer against fixture trees (tests/fixtures): layout
 * detection from mountinfo, CGROUP resolution in every form, and reading
 * v1 and v2 files into one structure, unknowns included.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "unit.h"

static char fx[PATH_MAX];	/* absolute tests/fixtures */

/* a few buffers in rotation: two fixture paths may be used in one call */
static const char *fixture(const char *rel)
{
	static char p[4][PATH_MAX];
	static int n;
	char *b = p[n++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", fx, rel);
	return b;
}

/* A mountinfo file mounting the fixtures as the given layout. */
static const char *mountinfo(const char *v1_mem, const char *v2)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/memcgctl-unit-mountinfo-XXXXXX");
	fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "22 1 0:21 / /proc rw - proc proc rw\n");
	if (v1_mem)
		fprintf(f, "31 23 0:30 / %s rw,relatime - cgroup cgroup rw,cpu,memory\n", v1_mem);
	if (v2)
		fprintf(f, "40 23 0:40 / %s rw,relatime - cgroup2 cgroup2 rw\n", v2);
	fclose(f);
	return path;
}

static void layouts(void)
{
	struct cg_env env;
	char err[256];
	const char *mi;

	mi = mountinfo(NULL, fixture("v2"));
	CHECK("v2-detected", cg_env_init(&env, mi, NULL, NULL, err, sizeof(err)) == 0 &&
	      env.layout == CG_LAYOUT_V2 && env.mem_is_v2 &&
	      !strcmp(env.psi_root, env.mem_root));
	unlink(mi);

	mi = mountinfo(fixture("v1"), fixture("psi"));
	CHECK("hybrid-detected", cg_env_init(&env, mi, NULL, NULL, err, sizeof(err)) == 0 &&
	      env.layout == CG_LAYOUT_HYBRID && !env.mem_is_v2 &&
	      !strcmp(env.psi_root, fixture("psi")));
	unlink(mi);

	mi = mountinfo(fixture("v1"), NULL);
	CHECK("v1-detected", cg_env_init(&env, mi, NULL, NULL, err, sizeof(err)) == 0 &&
	      env.layout == CG_LAYOUT_V1 && !env.psi_root[0]);
	unlink(mi);

	/* cgroup2 without the memory controller and no v1: nothing to work with */
	mi = mountinfo(NULL, fixture("psi/app.slice"));
	CHECK("none-detected", cg_env_init(&env, mi, NULL, NULL, err, sizeof(err)) == -ENOENT &&
	      strstr(err, "no memory cgroup controller"));
	unlink(mi);

	CHECK("missing-mountinfo", cg_env_init(&env, "/nonexistent/mountinfo", NULL, NULL,
					       err, sizeof(err)) < 0 && err[0]);
	CHECK("root-override-not-memcg",
	      cg_env_init(&env, NULL, fixture("v1/notmem"), NULL, err, sizeof(err)) == -ENOENT);
}

static void resolve(void)
{
	struct cg_env env;
	struct cg_ref ref;
	char err[PATH_MAX + 128];
	uint64_t id;

	cg_env_init(&env, NULL, fixture("v2"), NULL, err, sizeof(err));
	CHECK("resolve-root", cg_resolve(&env, "/", &ref, err, sizeof(err)) == 0 &&
	      !strcmp(ref.rel, "/"));
	CHECK("resolve-relative", cg_resolve(&env, "app.slice/web.service", &ref, err,
					     sizeof(err)) == 0 &&
	      !strcmp(ref.rel, "/app.slice/web.service"));
	CHECK("resolve-leading-slash", cg_resolve(&env, "/app.slice", &ref, err, sizeof(err)) == 0 &&
	      !strcmp(ref.rel, "/app.slice"));
	CHECK("resolve-trailing-slash", cg_resolve(&env, "/app.slice/", &ref, err,
						   sizeof(err)) == 0 && !strcmp(ref.rel, "/app.slice"));
	CHECK("resolve-absolute", cg_resolve(&env, fixture("v2/app.slice/db.service"), &ref, err,
					     sizeof(err)) == 0 &&
	      !strcmp(ref.rel, "/app.slice/db.service"));
	CHECK("resolve-unit", cg_resolve(&env, "cron.service", &ref, err, sizeof(err)) == 0 &&
	      !strcmp(ref.rel, "/system.slice/cron.service"));
	CHECK("resolve-unit-ambiguous", cg_resolve(&env, "web.service", &ref, err,
						   sizeof(err)) == -EINVAL &&
	      strstr(err, "ambiguous"));
	CHECK("resolve-unit-missing", cg_resolve(&env, "nope.service", &ref, err,
						 sizeof(err)) == -ENOENT);
	cg_id_of(fixture("v2/app.slice/db.service"), &id);
	snprintf(err, sizeof(err), "%llu", (unsigned long long)id);
	{
		char idarg[32];

		snprintf(idarg, sizeof(idarg), "%s", err);
		CHECK("resolve-id", cg_resolve(&env, idarg, &ref, err, sizeof(err)) == 0 &&
		      !strcmp(ref.rel, "/app.slice/db.service") && ref.id == id);
	}
	CHECK("resolve-id-missing", cg_resolve(&env, "1", &ref, err, sizeof(err)) == -ENOENT);
	CHECK("resolve-id-overflow", cg_resolve(&env, "99999999999999999999999", &ref, err,
						sizeof(err)) == -EINVAL);
	CHECK("resolve-dotdot", cg_resolve(&env, "app.slice/../..", &ref, err, sizeof(err)) ==
	      -EINVAL && strstr(err, ".."));
	CHECK("resolve-dot", cg_resolve(&env, "./app.slice", &ref, err, sizeof(err)) == -EINVAL);
	CHECK("resolve-empty", cg_resolve(&env, "", &ref, err, sizeof(err)) == -EINVAL);
	CHECK("resolve-missing", cg_resolve(&env, "no/such", &ref, err, sizeof(err)) == -ENOENT &&
	      strstr(err, "not found"));
	CHECK("resolve-file-not-dir", cg_resolve(&env, "memory.stat", &ref, err,
						 sizeof(err)) == -ENOENT);
	{
		char big[PATH_MAX + 10];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK("resolve-too-long", cg_resolve(&env, big, &ref, err, sizeof(err)) == -EINVAL);
	}
	CHECK("resolve-non-utf8", cg_resolve(&env, "\xff\xfe", &ref, err, sizeof(err)) == -ENOENT);

	cg_env_init(&env, NULL, fixture("v1"), fixture("psi"), err, sizeof(err));
	CHECK("resolve-not-memcg", cg_resolve(&env, "notmem", &ref, err, sizeof(err)) == -ENOENT &&
	      strstr(err, "not a memory cgroup"));
	/* hybrid: a cgroup2 path names the same cgroup in the memory tree */
	CHECK("resolve-v2-path-in-hybrid",
	      cg_resolve(&env, fixture("psi/app.slice/web.service"), &ref, err, sizeof(err)) == 0 &&
	      !strcmp(ref.rel, "/app.slice/web.service"));
}

static void read_v2(void)
{
	struct cg_env env;
	struct cg_ref ref;
	struct cg_mem m;
	char err[256];
	const char *which;

	cg_env_init(&env, NULL, fixture("v2"), NULL, err, sizeof(err));
	cg_resolve(&env, "app.slice/web.service", &ref, err, sizeof(err));
	CHECK("v2-read", cg_read_mem(&env, &ref, &m) == 0);
	CHECK("v2-current", m.current == 150994944);
	CHECK("v2-peak", m.peak == 180000000);
	CHECK("v2-min", m.min == 1048576);
	CHECK("v2-high", m.high == 201326592);
	CHECK("v2-max", m.max == 268435456);
	CHECK("v2-swap-max-unlimited", m.swap_max == CG_NOLIMIT);
	CHECK("v2-swap-current", m.swap_current == 4096);
	CHECK("v2-anon", m.stat[CG_STAT_anon] == 100663296);
	CHECK("v2-pgscan", m.stat[CG_STAT_pgscan] == 5000);
	CHECK("v2-refault-file", m.stat[CG_STAT_workingset_refault_file] == 22);
	CHECK("v2-absent-key-unknown", !cg_known(m.stat[CG_STAT_zswap]));
	CHECK("v2-events", m.events[CG_EV_high] == 17 && m.events[CG_EV_max] == 3 &&
	      m.events[CG_EV_oom_kill] == 1);
	CHECK("v2-psi", m.psi_some.avg10 == 1.5 && m.psi_full.total_us == 65432);
	CHECK("v2-procs", m.nr_procs == 3);
	CHECK("v2-binding-is-high", cg_binding_limit(&m, &which) == 201326592 &&
	      !strcmp(which, "high"));

	/* the root has none of the limit files: all unknown, not 0 */
	cg_resolve(&env, "/", &ref, err, sizeof(err));
	cg_read_mem(&env, &ref, &m);
	CHECK("v2-root-current-unknown", !cg_known(m.current) && !cg_known(m.max));
	CHECK("v2-root-no-binding", cg_binding_limit(&m, &which) == CG_NOLIMIT && !which);
	CHECK("v2-root-children", m.populated_children);
}

static void read_v1(void)
{
	struct cg_env env;
	struct cg_ref ref;
	struct cg_mem m;
	char err[256];

	cg_env_init(&env, NULL, fixture("v1"), fixture("psi"), err, sizeof(err));
	cg_resolve(&env, "/app.slice/web.service", &ref, err, sizeof(err));
	CHECK("v1-read", cg_read_mem(&env, &ref, &m) == 0);
	CHECK("v1-current", m.current == 104857600);
	CHECK("v1-peak", m.peak == 115343360);
	CHECK("v1-max", m.max == 134217728);
	CHECK("v1-no-high", !cg_known(m.high) && !cg_known(m.min) && !cg_known(m.low));
	CHECK("v1-swap-from-memsw", m.swap_current == 106954752 - 104857600);
	CHECK("v1-swap-max-unlimited", m.swap_max == CG_NOLIMIT);
	CHECK("v1-total-rss-is-anon", m.stat[CG_STAT_anon] == 67108864);
	CHECK("v1-total-cache-is-file", m.stat[CG_STAT_file] == 33554432);
	CHECK("v1-mapped", m.stat[CG_STAT_file_mapped] == 8192);
	CHECK("v1-dirty", m.stat[CG_STAT_file_dirty] == 12288);
	CHECK("v1-refault", m.stat[CG_STAT_workingset_refault_file] == 9);
	CHECK("v1-no-pgscan", !cg_known(m.stat[CG_STAT_pgscan]));
	CHECK("v1-failcnt-is-max-event", m.events[CG_EV_max] == 42);
	CHECK("v1-oom-kill", m.events[CG_EV_oom_kill] == 2);
	CHECK("v1-no-high-event", !cg_known(m.events[CG_EV_high]));
	CHECK("v1-psi-from-twin", m.psi_some.avg10 == 2.0 && m.psi_full.total_us == 333);
	CHECK("v1-procs", m.nr_procs == 1);

	cg_resolve(&env, "/app.slice", &ref, err, sizeof(err));
	cg_read_mem(&env, &ref, &m);
	CHECK("v1-psi-missing-twin-unknown", !cg_known(m.psi_some.total_us));
}

/* The masked reader reads only the groups asked for, and agrees with cg_read_mem. */
static void read_masked(void)
{
	struct cg_env env;
	struct cg_ref ref;
	struct cg_mem all, m;
	char err[256];
	int dfd, pfd;

	cg_env_init(&env, NULL, fixture("v1"), fixture("psi"), err, sizeof(err));
	cg_resolve(&env, "/app.slice/web.service", &ref, err, sizeof(err));
	cg_read_mem(&env, &ref, &all);
	dfd = open(ref.path, O_RDONLY | O_DIRECTORY);
	pfd = open(fixture("psi/app.slice/web.service"), O_RDONLY | O_DIRECTORY);
	CHECK("mask-fds", dfd >= 0 && pfd >= 0);

	cg_mem_unknown(&m);
	cg_read_mem_at(&env, dfd, pfd, CG_RD_USAGE, &m);
	CHECK("mask-usage-read", m.current == all.current && m.max == all.max && m.peak == all.peak);
	CHECK("mask-usage-no-stat", !cg_known(m.stat[CG_STAT_anon]));
	CHECK("mask-usage-no-swap", !cg_known(m.swap_current));
	CHECK("mask-usage-no-events", !cg_known(m.events[CG_EV_max]));
	CHECK("mask-usage-no-psi", !cg_known(m.psi_some.total_us));
	CHECK("mask-usage-no-procs", !cg_known(m.nr_procs));

	cg_mem_unknown(&m);
	cg_read_mem_at(&env, dfd, pfd, CG_RD_SWAP, &m);
	CHECK("mask-swap-alone", m.swap_current == all.swap_current && m.swap_max == all.swap_max);

	cg_mem_unknown(&m);
	cg_read_mem_at(&env, dfd, pfd, CG_RD_STAT | CG_RD_EVENTS | CG_RD_PSI | CG_RD_PROCS, &m);
	CHECK("mask-stat", !memcmp(m.stat, all.stat, sizeof(m.stat)));
	CHECK("mask-events", !memcmp(m.events, all.events, sizeof(m.events)));
	CHECK("mask-psi", m.psi_full.total_us == all.psi_full.total_us &&
	      m.psi_some.avg10 == all.psi_some.avg10);
	CHECK("mask-procs", m.nr_procs == all.nr_procs && m.nr_procs == 1);
	CHECK("mask-no-usage", !cg_known(m.current) && !cg_known(m.peak));

	cg_mem_unknown(&m);
	cg_read_mem_at(&env, dfd, -1, CG_RD_ALL, &m);
	CHECK("mask-no-psi-fd", !cg_known(m.psi_some.total_us) && m.current == all.current);
	close(pfd);
	close(dfd);
}

static void psi_lines(void)
{
	struct cg_psi_line p;

	CHECK("psi-line", cg_parse_psi_line("some avg10=1.00 avg60=2.00 avg300=3.00 total=4",
					    &p) == 0 && p.avg60 == 2.0 && p.total_us == 4);
	CHECK("psi-bad-kind", cg_parse_psi_line("most avg10=1 avg60=2 avg300=3 total=4", &p));
	CHECK("psi-truncated", cg_parse_psi_line("some avg10=1.00", &p));
	CHECK("psi-empty", cg_parse_psi_line("", &p));
}

struct walk_ctx {
	char seen[512];
	int max_depth;
};

static int walk_cb(const struct cg_ref *ref, int depth, void *data)
{
	struct walk_ctx *c = data;

	size_t l = strlen(c->seen);

	snprintf(c->seen + l, sizeof(c->seen) - l, "%s ", ref->rel);
	if (depth > c->max_depth)
		c->max_depth = depth;
	return 0;
}

static void walk(void)
{
	struct cg_env env;
	struct cg_ref root;
	struct walk_ctx c = { 0 };
	char err[256];

	cg_env_init(&env, NULL, fixture("v2"), NULL, err, sizeof(err));
	cg_resolve(&env, "/", &root, err, sizeof(err));
	cg_walk(&env, &root, 0, walk_cb, &c);
	CHECK_STR("walk-order", "/app.slice /app.slice/db.service /app.slice/web.service "
		  "/other.slice /other.slice/web.service /system.slice "
		  "/system.slice/cron.service ", c.seen);
	memset(&c, 0, sizeof(c));
	cg_walk(&env, &root, 1, walk_cb, &c);
	CHECK_STR("walk-depth-1", "/app.slice /other.slice /system.slice ", c.seen);
}

int main(int argc, char **argv)
{
	const char *src = getenv("MEMCGCTL_FIXTURES");

	unit_suite = "cgroup";
	if (!src || !realpath(src, fx)) {
		if (!realpath("tests/fixtures", fx)) {
			printf("FAIL cgroup/fixtures: set MEMCGCTL_FIXTURES or run from the repo\n");
			return 1;
		}
	}
	layouts();
	resolve();
	read_v2();
	read_v1();
	read_masked();
	psi_lines();
	walk();
	return unit_done();
}
