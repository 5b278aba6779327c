/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every BPF-backed command shares: libbpf's messages routed through
 * -d, privilege checks, bpffs, and turning a failed open/load/attach into
 * one line a user can act on.
 */
#ifndef MEMCGCTL_BPFUTIL_H
#define MEMCGCTL_BPFUTIL_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_object;
struct bpf_program;

/* Install the libbpf print callback (silent unless -d). Called by main(). */
void bpf_util_init(void);

/*
 * Check that we may load and attach tracing programs here: privileges
 * (EXIT_PERM), kernel BTF (EXIT_UNSUPPORTED), tracefs (mounted if
 * missing, like bpffs_ensure: nosuid, nodev, noexec, mode 0700, said once
 * on stderr, left mounted).  Prints the error and returns the exit code, 0 if fine.
 */
int bpf_check_privileges(const char *what);

/*
 * Report a failed skeleton step (open/load/attach) for `what` with the
 * negative errno err; returns the exit code to use.  Under -d the
 * verifier log has already gone to stderr through libbpf.
 */
int bpf_report_failure(const char *what, const char *step, int err);

/*
 * Ensure bpffs is mounted at dir: if it is not, mount it (nosuid, nodev,
 * noexec, mode 0700), say so once (p_info) and leave it mounted.
 */
int bpffs_ensure(const char *dir, char *err, size_t errlen);

/* Does the running kernel have tracepoint category:name (via BTF or tracefs)? */
bool tracepoint_exists(const char *category, const char *name);

/* Does vmlinux BTF have a type/func of this name and kind (BTF_KIND_*)? */
bool btf_has_type(const char *name, int kind);
const struct btf *vmlinux_btf(void);
/*
 * Which of names[0..n) are functions in the raw BTF at data: one pass
 * over the type section, no index, no copy (what a parse by libbpf,
 * ~10-20 ms for vmlinux, would cost only to answer this).  -EINVAL for
 * BTF this cannot walk (a kind it does not know): ask btf_has_type.
 */
int btf_raw_find_funcs(const void *data, size_t len, const char *const *names, size_t n,
		       bool *found);
/* btf_raw_find_funcs over /sys/kernel/btf/vmlinux (read for this call only). */
int btf_vmlinux_has_funcs(const char *const *names, size_t n, bool *found);
bool btf_has_enumerator(const char *name);
bool btf_tp_arg_is_ptr(const char *name, unsigned int arg);

/*
 * Set a program's autoload off when the tracepoint it needs is missing,
 * so one absent hook degrades instead of failing the whole load.  Returns
 * true when the program stays enabled.
 */
bool bpf_prog_autoload_if_tp(struct bpf_program *prog, const char *category,
			     const char *name);

#endif
