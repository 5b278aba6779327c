// SPDX-License-Identifier: GPL-2.0-only
/* libbpf glue shared by the BPF-backed commands: see bpfutil.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "main.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* libbpf's format: the attribute lets clang's -Wformat-nonliteral see it is one */
static __attribute__((format(printf, 2, 0)))
int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!gopts.debug)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void bpf_util_init(void)
{
	libbpf_set_print(libbpf_print);
}

static bool have_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

static int tracefs_ensure(const char *what);

int bpf_check_privileges(const char *what)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data)) {
		p_err("%s: cannot read capabilities: %s", what, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (!have_cap(data, CAP_SYS_ADMIN) &&
	    !(have_cap(data, CAP_BPF) && have_cap(data, CAP_PERFMON))) {
		p_err("%s: needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs", what);
		p_hint("run it with sudo; 'memcgctl show' works without BPF");
		return EXIT_PERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		p_err("%s: this kernel has no BTF (/sys/kernel/btf/vmlinux): BPF programs cannot be relocated",
		      what);
		p_hint("a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed; 'memcgctl show' still works");
		return EXIT_UNSUPPORTED;
	}
	return tracefs_ensure(what);
}

/*
 * Mounts memcgctl makes where a file system it needs is missing: no
 * set-id, device or executable files through them, and they stay (they
 * are system file systems, as a boot would mount them; bpffs holds the
 * policies' pins), which the user is told once.
 */
#define MC_MOUNT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* libbpf finds tracepoint ids in tracefs: mount it where it is missing. */
static int tracefs_ensure(const char *what)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", MC_MOUNT_FLAGS, "mode=0700") == 0) {
		p_info("%s: mounted tracefs on /sys/kernel/tracing (nosuid,nodev,noexec, mode 0700); "
		       "it stays mounted", what);
		return 0;
	}
	p_err("%s: tracefs is not mounted and mounting it failed: %s", what, strerror(errno));
	p_hint("mount -t tracefs tracefs /sys/kernel/tracing");
	return EXIT_UNSUPPORTED;
}

int bpf_report_failure(const char *what, const char *step, int err)
{
	if (err > 0)
		err = -err;
	switch (-err) {
	case EPERM:
	case EACCES:
		p_err("%s: %s BPF programs: %s", what, step, strerror(-err));
		p_hint("needs root or CAP_BPF+CAP_PERFMON; lockdown may also forbid it");
		return EXIT_PERM;
	case ENOENT:
	case ESRCH:
	case EINVAL:
	case ENOTSUP:
		p_err("%s: %s BPF programs: %s", what, step, strerror(-err));
		p_hint("'memcgctl feature' shows which hooks this kernel has; -d shows libbpf's log");
		return EXIT_UNSUPPORTED;
	default:
		p_err("%s: %s BPF programs: %s", what, step, strerror(-err));
		p_hint("-d shows libbpf's log and the verifier's");
		return EXIT_RUNTIME;
	}
}

int bpffs_ensure(const char *dir, char *err, size_t errlen)
{
	struct statfs st;

	if (statfs(dir, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (mount("bpf", dir, "bpf", MC_MOUNT_FLAGS, "mode=0700")) {
		int e = errno;

		snprintf(err, errlen, "bpffs is not mounted on %s and mounting it failed: %s "
			 "(try: mount -t bpf bpf %s)", dir, strerror(e), dir);
		return -e;
	}
	p_info("mounted bpffs on %s (nosuid,nodev,noexec, mode 0700); it stays mounted: "
	       "the policies' pins live in it", dir);
	return 0;
}

/*
 * The running kernel's BTF, loaded once per process and kept: callers
 * never free it.  NULL when the kernel has none.
 */
const struct btf *vmlinux_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (!btf)
			btf = NULL;	/* libbpf may return an error pointer */
	}
	return btf;
}

/* Bytes that follow a struct btf_type of this kind and vlen; -1: unknown kind. */
static long btf_raw_extra(unsigned int kind, unsigned int vlen)
{
	switch (kind) {
	case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	default:
		return -1;
	}
}

int btf_raw_find_funcs(const void *data, size_t len, const char *const *names, size_t n,
		       bool *found)
{
	const struct btf_header *h = data;
	const char *types, *strs;
	size_t off;

	memset(found, 0, n * sizeof(*found));
	if (len < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) ||
	    h->hdr_len > len || h->type_off > len - h->hdr_len ||
	    h->type_len > len - h->hdr_len - h->type_off || h->str_off > len - h->hdr_len ||
	    h->str_len > len - h->hdr_len - h->str_off)
		return -EINVAL;
	types = (const char *)data + h->hdr_len + h->type_off;
	strs = (const char *)data + h->hdr_len + h->str_off;
	for (off = 0; off + sizeof(struct btf_type) <= h->type_len;) {
		const struct btf_type *t = (const void *)(types + off);
		long extra = btf_raw_extra(btf_kind(t), btf_vlen(t));

		if (extra < 0)
			return -EINVAL;	/* a kind newer than this code: libbpf knows better */
		off += sizeof(*t) + (size_t)extra;
		if (btf_kind(t) != BTF_KIND_FUNC || t->name_off >= h->str_len ||
		    strnlen(strs + t->name_off, h->str_len - t->name_off) == h->str_len - t->name_off)
			continue;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(strs + t->name_off, names[i]))
				found[i] = true;
	}
	return off == h->type_len ? 0 : -EINVAL;
}

int btf_vmlinux_has_funcs(const char *const *names, size_t n, bool *found)
{
	size_t len = 0, cap = 0;
	char *raw = NULL;
	ssize_t r;
	int fd, err = 0;

	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len == cap) {
			char *p = realloc(raw, cap = cap ? cap * 2 : 8 << 20);

			if (!p) {
				err = -ENOMEM;
				break;
			}
			raw = p;
		}
		r = read(fd, raw + len, cap - len);
		if (r <= 0) {
			err = r < 0 ? -errno : 0;
			break;
		}
		len += (size_t)r;
	}
	close(fd);
	if (!err)
		err = btf_raw_find_funcs(raw, len, names, n, found);
	free(raw);
	return err;
}

/* An enumerator of any enum: the way to see what a kernel's parser takes. */
bool btf_has_enumerator(const char *name)
{
	const struct btf *btf = vmlinux_btf();

	if (!btf)
		return false;
	for (unsigned int i = 1; i < btf__type_cnt(btf); i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (int j = 0; j < btf_vlen(t); j++)
			if (!strcmp(btf__name_by_offset(btf, e[j].name_off), name))
				return true;
	}
	return false;
}

/*
 * Is argument ARG (0 = the first after tp_btf's void *__data) of the raw
 * tracepoint NAME a pointer?  The prototype of its btf_trace_NAME typedef
 * tells, e.g. whether mark_victim passes the victim task or only its pid.
 */
bool btf_tp_arg_is_ptr(const char *name, unsigned int arg)
{
	const struct btf *btf = vmlinux_btf();
	const struct btf_type *t;
	char tn[128];
	int id;

	snprintf(tn, sizeof(tn), "btf_trace_%s", name);
	if (!btf || (id = btf__find_by_name_kind(btf, tn, BTF_KIND_TYPEDEF)) <= 0)
		return false;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));	/* pointer */
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < arg + 2)
		return false;
	t = btf__type_by_id(btf, btf__resolve_type(btf, btf_params(t)[arg + 1].type));
	return t && btf_is_ptr(t);
}

bool btf_has_type(const char *name, int kind)
{
	const struct btf *btf = vmlinux_btf();

	return btf && btf__find_by_name_kind(btf, name, kind) > 0;
}

bool tracepoint_exists(const char *category, const char *name)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	char path[256], typedef_name[128];

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		snprintf(path, sizeof(path), "%s/events/%s/%s", roots[i], category, name);
		if (access(path, F_OK) == 0)
			return true;
	}
	/* without tracefs, the raw tracepoint's BTF typedef still tells */
	snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", name);
	return btf_has_type(typedef_name, BTF_KIND_TYPEDEF);
}

bool bpf_prog_autoload_if_tp(struct bpf_program *prog, const char *category,
			     const char *name)
{
	bool ok = tracepoint_exists(category, name);

	if (!ok) {
		bpf_program__set_autoload(prog, false);
		p_debug("tracepoint %s:%s missing: %s not loaded", category, name,
			bpf_program__name(prog));
	}
	return ok;
}
