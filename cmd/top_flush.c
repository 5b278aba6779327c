// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's rstat flush (see top_flush.h): which object is a load-time
 * choice, by the kfunc's presence in BTF (probe_rstat_flush_kfuncs) and
 * then by whether the verifier takes a program calling it from a
 * sleepable cgroup iterator.  The three objects share one program and one
 * counter, so they are handled as plain bpf_objects.  Where neither
 * loads (6.16+ before the memcg kfuncs: see memcg_rstat_flush()), the
 * flush is a read of the view root's memory.stat, kept open: the kernel
 * flushes that memcg's subtree before formatting it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "main.h"
#include "probe.h"
#include "top_flush.h"
#include "top_flush_cgroup.skel.h"
#include "top_flush_memcg.skel.h"

struct top_flush {
	struct bpf_object *obj;
	struct bpf_link *link;
	int bss_fd;
	__u64 flushes;		/* the counter after the last run */
	int stat_fd;		/* no kfunc: the view root's memory.stat, else -1 */
};

static const void *flush_elf(enum probe_id id, size_t *sz)
{
	switch (id) {
	case PROBE_KFUNC_MEMCG_FLUSH: return top_flush_memcg_bpf__elf_bytes(sz);
	case PROBE_KFUNC_CGROUP_RSTAT_FLUSH: return top_flush_cgroup_bpf__elf_bytes(sz);
	default: return NULL;
	}
}

void top_flush_free(struct top_flush *f)
{
	if (!f)
		return;
	bpf_link__destroy(f->link);
	bpf_object__close(f->obj);
	if (f->stat_fd >= 0)
		close(f->stat_fd);
	free(f);
}

static int flush_count(struct top_flush *f, __u64 *n)
{
	__u32 zero = 0;

	/* .bss holds top_flushes alone */
	return bpf_map_lookup_elem(f->bss_fd, &zero, n) ? -errno : 0;
}

int top_flush_run(struct top_flush *f)
{
	char buf[8];
	ssize_t n;
	__u64 after;
	int fd, err;

	if (f->stat_fd >= 0) {
		static char text[16384];	/* read to be formatted, then dropped */

		return pread(f->stat_fd, text, sizeof(text), 0) < 0 ? -errno : 0;
	}
	fd = bpf_iter_create(bpf_link__fd(f->link));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	err = n < 0 ? -errno : 0;
	close(fd);
	if (!err)
		err = flush_count(f, &after);
	if (!err && after == f->flushes)
		err = -ENODATA;	/* the walk ran, the flush did not (no memcg there) */
	if (!err)
		f->flushes = after;
	return err;
}

static struct top_flush *flush_try(enum probe_id id, int cgfd, int *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	LIBBPF_OPTS(bpf_iter_attach_opts, ao);
	union bpf_iter_link_info linfo = {};
	struct top_flush *f = calloc(1, sizeof(*f));
	struct bpf_program *prog;
	struct bpf_map *bss;
	const void *elf;
	size_t sz = 0;

	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->stat_fd = -1;
	oo.object_name = probe_key(id);
	elf = flush_elf(id, &sz);
	f->obj = elf ? bpf_object__open_mem(elf, sz, &oo) : NULL;
	if (!f->obj) {
		*err = -errno;
		goto fail;
	}
	*err = bpf_object__load(f->obj);
	if (*err)
		goto fail;
	prog = bpf_object__find_program_by_name(f->obj, "top_flush");
	bss = bpf_object__find_map_by_name(f->obj, ".bss");
	if (!prog || !bss) {
		*err = -ENOENT;
		goto fail;
	}
	f->bss_fd = bpf_map__fd(bss);
	linfo.cgroup.cgroup_fd = cgfd;
	linfo.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY;
	ao.link_info = &linfo;
	ao.link_info_len = sizeof(linfo);
	f->link = bpf_program__attach_iter(prog, &ao);
	if (!f->link) {
		*err = -errno;
		goto fail;
	}
	*err = top_flush_run(f);
	if (*err)
		goto fail;
	return f;
fail:
	top_flush_free(f);
	return NULL;
}

struct top_flush *top_flush_open(const char *path, const char **kfunc, char *why, size_t len)
{
	enum probe_id ids[PROBE_NR_RSTAT_FLUSH];
	int n = probe_rstat_flush_kfuncs(ids), cgfd, err = 0;
	struct top_flush *f = NULL;
	size_t used = 0;

	snprintf(why, len, "no rstat flush kfunc in BTF");
	cgfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (int i = 0; i < n && !f; i++) {
		f = flush_try(ids[i], cgfd, &err);
		if (f) {
			*kfunc = probe_key(ids[i]);
		} else {
			p_debug("top: rstat flush with %s: %s", probe_key(ids[i]), strerror(-err));
			used += snprintf(why + used, used < len ? len - used : 0, "%s%s: %s",
					 i ? "; " : "", probe_key(ids[i]), strerror(-err));
		}
	}
	if (!f && (f = calloc(1, sizeof(*f)))) {
		f->stat_fd = openat(cgfd, "memory.stat", O_RDONLY | O_CLOEXEC);
		if (f->stat_fd < 0 || top_flush_run(f)) {
			snprintf(why + used, used < len ? len - used : 0, "%s%s/memory.stat: %s",
				 used ? "; " : "", path, strerror(errno));
			top_flush_free(f);
			f = NULL;
		} else {
			*kfunc = "memory.stat";
		}
	}
	close(cgfd);
	return f;
}
