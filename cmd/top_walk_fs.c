// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's cgroupfs walker: the tree and its files without BPF, on any
 * kernel and any layout, and whenever the cgroup iterator cannot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "top_int.h"

/*
 * The cgroupfs walk, reading each cgroup as it is found: one directory
 * fd per cgroup (and its cgroup2 twin's for PSI), every file opened
 * relative to it, children listed with getdents64 on that same fd.  No
 * path is walked from "/" and no cgroup is stat()ed twice.
 */
struct fs_walk {
	const struct top_collector *c;
	const struct cg_env *env;
	struct top_snap *s;
	unsigned what;		/* CG_RD_* */
	int max_depth;
	bool check_memcg;	/* not on a cgroup fs (fixtures): need memory.stat */
	int err;
	char rel[PATH_MAX];
	char dents[32768];
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Child directory names of dfd, sorted (cg_walk's order); NULL-safe free. */
static char **list_children(struct fs_walk *w, int dfd, size_t *nr)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	long got;

	while ((got = syscall(SYS_getdents64, dfd, w->dents, sizeof(w->dents))) > 0) {
		for (long off = 0; off < got;) {
			struct {
				uint64_t d_ino;
				int64_t d_off;
				unsigned short d_reclen;
				unsigned char d_type;
				char d_name[];
			} *de = (void *)(w->dents + off);

			off += de->d_reclen;
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			if (n == cap) {
				char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

				if (!nn)
					goto oom;
				names = nn;
			}
			if (!(names[n] = strdup(de->d_name)))
				goto oom;
			n++;
		}
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*nr = n;
	return names;
oom:
	w->err = -ENOMEM;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	*nr = 0;
	return NULL;
}

static void fs_walk_dir(struct fs_walk *w, int dfd, int pfd, int depth, int row)
{
	size_t n, rl = strlen(w->rel), base = rl == 1 ? 0 : rl;	/* rel "/" */
	char **names;

	cg_read_mem_at(w->env, dfd, pfd, top_stat_wanted(w->c, w->s->rows[row].id) ? w->what :
		       w->what & ~CG_RD_STAT, &w->s->rows[row].mem);
	if (w->max_depth && depth >= w->max_depth)
		return;
	names = list_children(w, dfd, &n);
	for (size_t i = 0; i < n && !w->err; i++) {
		int cfd, cpfd = -1, idx;
		struct stat st;

		cfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			continue;	/* vanished since the listing */
		if (fstat(cfd, &st) ||
		    (w->check_memcg && faccessat(cfd, "memory.stat", F_OK, 0)) ||
		    depth + 1 >= 256 ||
		    snprintf(w->rel + base, sizeof(w->rel) - base, "/%s",
			     names[i]) >= (int)(sizeof(w->rel) - base)) {
			close(cfd);
			continue;
		}
		idx = top_snap_add(w->s, w->rel, st.st_ino, depth + 1, row);
		if (idx < 0) {
			w->err = -ENOMEM;
			close(cfd);
			break;
		}
		if (pfd >= 0)
			cpfd = openat(pfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fs_walk_dir(w, cfd, cpfd, depth + 1, idx);
		if (cpfd >= 0)
			close(cpfd);
		close(cfd);
		w->rel[rl] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Walk and read the view's subtree from cgroupfs; the root row is row 0. */
int top_fs_collect(struct top_collector *c, struct top_snap *s, unsigned src)
{
	struct fs_walk *w = calloc(1, sizeof(*w));
	struct statfs sfs;
	struct stat st;
	char psi[PATH_MAX];
	int dfd, pfd = -1, err = 0;

	if (!w)
		return -ENOMEM;
	w->c = c;
	w->env = c->env;
	w->s = s;
	w->what = top_src_to_rd(c->env, src);
	w->max_depth = c->depth;
	dfd = open(c->root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* the view's root can itself vanish (and a new one take its name) */
	if (dfd < 0 || fstat(dfd, &st)) {
		err = -ENOENT;
		goto out;
	}
	w->check_memcg = fstatfs(dfd, &sfs) ||
		(sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC);
	if (top_snap_add(s, c->root.rel, st.st_ino, 0, -1) < 0) {
		err = -ENOMEM;
		goto out;
	}
	if ((w->what & CG_RD_PSI) && cg_psi_dir(c->env, &c->root, psi, sizeof(psi)))
		pfd = open(psi, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(w->rel, sizeof(w->rel), "%s", c->root.rel);
	fs_walk_dir(w, dfd, pfd, 0, 0);
	err = w->err;
out:
	if (pfd >= 0)
		close(pfd);
	if (dfd >= 0)
		close(dfd);
	free(w);
	return err;
}
