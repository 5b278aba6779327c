// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's PSI shortcut (see top_psi.h and bpf/top_psi.bpf.h): size it before
 * top's object loads, attach it to the cgroup2 directory, run it once per
 * refresh, look its records up by id.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "idmap.h"
#include "top_psi.h"
#include "top.skel.h"
#include "top_psi_rec.h"

struct top_psi {
	struct top_bpf *skel;		/* top's, not ours */
	struct bpf_link *link;
	const struct top_psi_rec *recs;	/* mmap of top_psi_recs */
	size_t cap, len, nr;
	struct idmap ix;		/* id -> record of the last pass */
};

void top_psi_free(struct top_psi *p)
{
	if (!p)
		return;
	bpf_link__destroy(p->link);
	if (p->recs)
		munmap((void *)p->recs, p->len);
	idmap_free(&p->ix);
	free(p);
}

int top_psi_run(struct top_psi *p)
{
	char buf[8];
	ssize_t n;
	int fd;

	idmap_clear(&p->ix);
	p->nr = 0;
	p->skel->bss->top_psi_nr = 0;
	p->skel->bss->top_psi_done = 0;
	fd = bpf_iter_create(bpf_link__fd(p->link));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	if (n < 0)
		return -errno;
	if (!p->skel->bss->top_psi_done)
		return -EAGAIN;	/* cut short: nothing of it is used */
	p->nr = p->skel->bss->top_psi_nr;
	if (p->nr > p->cap)
		p->nr = p->cap;
	for (size_t i = 0; i < p->nr; i++)
		if (idmap_put(&p->ix, p->recs[i].id, i) == -ENOMEM) {
			idmap_clear(&p->ix);	/* then every file is read */
			p->nr = 0;
			return -ENOMEM;
		}
	return 0;
}

enum top_psi_have top_psi_get(const struct top_psi *p, uint64_t id,
			      struct cg_psi_line *some, struct cg_psi_line *full)
{
	const struct top_psi_rec *r;
	size_t at;

	if (!p || !idmap_get(&p->ix, id, &at))
		return TOP_PSI_NONE;
	r = &p->recs[at];
	/* the file prints whole microseconds of the nanosecond totals */
	some->total_us = r->total_ns[0] / 1000;
	full->total_us = r->total_ns[1] / 1000;
	if (!(r->flags & TOP_PSI_ZERO_AVG))
		return TOP_PSI_TOTALS;
	some->avg10 = some->avg60 = some->avg300 = 0;
	full->avg10 = full->avg60 = full->avg300 = 0;
	return TOP_PSI_ALL;
}

bool top_psi_prepare(struct top_bpf *s, size_t cap)
{
	int cpus = libbpf_num_possible_cpus();

	if (cpus <= 0 || !cap)
		return false;
	s->rodata->top_psi_nr_cpus = cpus;
	bpf_map__set_max_entries(s->maps.top_psi_recs, cap);
	/* attached by hand: it needs the cgroup2 directory as its target */
	bpf_program__set_autoattach(s->progs.top_psi_idle, false);
	return true;
}

void top_psi_leave_out(struct top_bpf *s)
{
	bpf_program__set_autoload(s->progs.top_psi_idle, false);
	bpf_map__set_max_entries(s->maps.top_psi_recs, 1);
}

struct top_psi *top_psi_open(struct top_bpf *s, const char *dir, char *why, size_t len)
{
	union bpf_iter_link_info linfo = {};
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	struct top_psi *p = calloc(1, sizeof(*p));
	long page = sysconf(_SC_PAGESIZE);
	int fd = -1, err;
	void *m;

	if (!p) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return NULL;
	}
	p->skel = s;
	p->cap = bpf_map__max_entries(s->maps.top_psi_recs);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	linfo.cgroup.cgroup_fd = fd;
	linfo.cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_PRE;
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	p->link = bpf_program__attach_iter(s->progs.top_psi_idle, &opts);
	if (!p->link) {
		snprintf(why, len, "attach: %s", strerror(errno));
		goto fail;
	}
	p->len = (p->cap * sizeof(struct top_psi_rec) + page - 1) / page * page;
	m = mmap(NULL, p->len, PROT_READ, MAP_SHARED, bpf_map__fd(s->maps.top_psi_recs), 0);
	if (m == MAP_FAILED) {
		snprintf(why, len, "mmap: %s", strerror(errno));
		goto fail;
	}
	p->recs = m;
	err = top_psi_run(p);
	if (err) {
		snprintf(why, len, "first pass: %s", strerror(-err));
		goto fail;
	}
	close(fd);
	return p;
fail:
	if (fd >= 0)
		close(fd);
	top_psi_free(p);
	return NULL;
}
