// SPDX-License-Identifier: GPL-2.0-only
/*
 * Layout detection from /proc/self/mountinfo (cg_env_init in
 * cmd/cgroup.c).  The input is written as the mountinfo file; the scratch
 * directory holds the trees it may point at through /proc/self/cwd:
 * v1 (a v1 memory hierarchy), v2 (cgroup2 with the memory controller),
 * psi (cgroup2 without it).  Checks that a success names a hierarchy
 * that is one and a layout that matches it.
 */
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "cgroup.h"

static void tree(const char *dir, const char *controllers)
{
	if (mkdir(dir, 0755)) {
		perror(dir);
		abort();
	}
	fuzz_write(dir, "memory.stat", "anon 0\n", 7);
	if (controllers)
		fuzz_write(dir, "cgroup.controllers", controllers, strlen(controllers));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct cg_env env;
	char err[256];
	int r;

	if (!ready) {
		fuzz_scratch();
		tree("v1", NULL);
		tree("v2", "cpuset cpu io memory pids\n");
		tree("psi", "cpu io pids\n");
		ready = true;
	}
	fuzz_write(".", "mountinfo", data, size);
	err[0] = '\0';
	r = cg_env_init(&env, "mountinfo", NULL, NULL, err, sizeof(err));
	if (r) {
		FUZZ_ASSERT(err[0], "failed (%d) without a message", r);
		return 0;
	}
	FUZZ_ASSERT(env.mem_root[0] && env.layout != CG_LAYOUT_NONE, "success without a root");
	FUZZ_ASSERT(env.mem_is_v2 == (env.layout == CG_LAYOUT_V2), "layout %s but mem_is_v2 %d",
		    cg_layout_name(env.layout), env.mem_is_v2);
	FUZZ_ASSERT(env.layout != CG_LAYOUT_HYBRID || env.psi_root[0], "hybrid without PSI");
	return 0;
}
