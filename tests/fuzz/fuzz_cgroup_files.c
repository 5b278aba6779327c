// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroupfs readers (cmd/cgroup.c) on hostile file contents: the
 * input is cut at NUL bytes into the files of a fake cgroup directory
 * (v2 names, then v1 names), which cg_read_mem_at() reads as it reads a
 * real one; the buffer parsers (memory.stat, memory.pressure, one PSI
 * line) and read_file_u64() get the pieces directly as well.  What was
 * read is then rendered as show renders it (cmd/memstate.c), as text and
 * as JSON, under a cgroup name made of the input's last piece: the JSON
 * must be valid.
 */
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "cgroup.h"
#include "json.h"
#include "memstate.h"

static const char *const files[] = {
	"memory.stat", "memory.events", "memory.pressure", "memory.current",
	"memory.max", "memory.high", "memory.peak", "memory.min", "memory.low",
	"memory.swap.current", "memory.swap.max", "cgroup.procs",
	/* v1 */
	"memory.oom_control", "memory.failcnt", "memory.usage_in_bytes",
	"memory.limit_in_bytes", "memory.max_usage_in_bytes",
	"memory.memsw.usage_in_bytes", "memory.memsw.limit_in_bytes",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static int dfd = -1;

static void render(const struct cg_env *env, const struct cg_ref *ref, const struct cg_mem *m)
{
	char *buf = NULL;
	size_t len = 0;
	const char *why = NULL;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *w = f ? jsonw_new(f, false) : NULL;

	if (!w)
		abort();
	memstate_json(w, env, ref, m);
	jsonw_end_document(w);
	FUZZ_ASSERT(fuzz_json_valid(buf, len, &why), "show -j: %s: %.*s", why, (int)len, buf);
	jsonw_destroy(&w);
	fseeko(f, 0, SEEK_SET);
	memstate_print(f, env, ref, m);
	memstate_limit_pct(m);
	fclose(f);
	free(buf);
}

static void check_psi(const struct cg_psi_line *p)
{
	/* a value that was read is a number: NaN would print as "nan" in text */
	FUZZ_ASSERT(!isnan(p->avg10) && !isnan(p->avg60) && !isnan(p->avg300), "PSI NaN");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_env v2 = { .layout = CG_LAYOUT_V2, .mem_is_v2 = true };
	struct cg_env v1 = { .layout = CG_LAYOUT_V1, .mem_is_v2 = false };
	struct fuzz_in in = { data, size };
	struct cg_psi_line some, full;
	struct cg_mem m;
	struct cg_ref *ref = calloc(1, sizeof(*ref));
	char *piece[NFILES], *name;
	uint64_t v;

	if (dfd < 0) {
		const char *d = fuzz_scratch();

		if (mkdir("cg", 0755) || mkdir("cg/child", 0755) ||
		    (dfd = open("cg", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			perror(d);
			abort();
		}
	}
	for (size_t i = 0; i < NFILES; i++) {
		piece[i] = fuzz_str(&in);
		fuzz_write("cg", files[i], piece[i], strlen(piece[i]));
	}
	name = fuzz_str(&in);
	if (!ref)
		abort();
	snprintf(ref->rel, sizeof(ref->rel), "/%s", name);
	snprintf(ref->path, sizeof(ref->path), "/sys/fs/cgroup%s", ref->rel);
	ref->id = 4242;

	cg_mem_unknown(&m);
	cg_read_mem_at(&v2, dfd, dfd, CG_RD_ALL, &m);
	check_psi(&m.psi_some);
	check_psi(&m.psi_full);
	FUZZ_ASSERT(m.populated_children, "cg/child not seen");
	render(&v2, ref, &m);
	cg_mem_unknown(&m);
	cg_read_mem_at(&v1, dfd, dfd, CG_RD_ALL, &m);
	render(&v1, ref, &m);

	/* the buffer parsers on their own, as top's pread() path calls them */
	for (size_t i = 0; i < 3; i++) {
		char *b = strdup(piece[i]);

		cg_mem_unknown(&m);
		cg_parse_mem_stat(i & 1 ? &v1 : &v2, b, &m);
		strcpy(b, piece[i]);
		if (!cg_parse_psi(b, &some, &full))
			check_psi(&some);
		if (!cg_parse_psi_line(piece[i], &some))
			check_psi(&some);
		free(b);
	}
	read_file_u64("cg/memory.current", &v);
	for (size_t i = 0; i < NFILES; i++)
		free(piece[i]);
	free(name);
	free(ref);
	return 0;
}
