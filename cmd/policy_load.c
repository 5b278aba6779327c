// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl policy load and params: the built-in policies, reading a
 * user's object, its parameters, the contract's checks, attaching,
 * pinning (policy.c describes the pins) and the brake's setting.  feature's
 * probe loads every built-in through here too.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "escape.h"
#include "main.h"
#include "memcg_hooks.h"
#include "pins.h"
#include "policy.h"
#include "policy_brake.h"
#include "policy_int.h"
#include "probe.h"
#include "policy_preoom.skel.h"
#include "policy_pressure.skel.h"

#define MAX_OBJ_SIZE (16 << 20)
#define MAX_PROGS 32

const struct builtin builtins[] = {
	{ "preoom", "SIGTERM the charging process when reclaim fails at the limit",
	  policy_preoom_bpf__elf_bytes },
	{ "pressure", "SIGUSR1 processes charging above a threshold or memory.high",
	  policy_pressure_bpf__elf_bytes },
};
const size_t nbuiltins = ARRAY_SIZE(builtins);

static const struct argp_option load_options[] = {
	{ "any-hook", OPT_ANY_HOOK, 0, 0,
	  "let a user object attach to hooks outside the policy contract", 0 },
	{ "brake", OPT_BRAKE, 0, 0,
	  "preoom, cgroup v2: lower memory.high to memory.max minus the headroom until unload", 0 },
	{ 0 },
};

/* ---- load ----------------------------------------------------------- */

struct load_ctx {
	const char *cmd;		/* "load" or "params", for messages */
	const struct builtin *builtin;
	const char *source;		/* object path */
	char name[POLICY_NAME_LEN];
	char policy[64];
	void *buf;			/* the object file's bytes */
	size_t size;
	struct bpf_object *obj;
	struct bpf_link *links[MAX_PROGS];
	int nlinks;
	char dir[PATH_MAX];
	struct pins_root root;		/* verified, open from the publish phase on */
	bool dir_made;
	struct cg_ref cg;
	bool have_cg;
	bool cg_v2;			/* the memory controller is on cgroup v2 */
	uint64_t brake_target;		/* --brake: the memory.high to set (0: none) */
	bool braked;			/* the brake is set (and recorded) */
	struct brake_rec brake;
};

/* The subcommand a load_ctx works for, as its messages name it. */
static const char *lc_cmd(const struct load_ctx *lc)
{
	return lc->cmd ? lc->cmd : "load";
}

/*
 * Read a user's object, refusing one that someone other than root could
 * have changed.  The checks and the read use the same open file.  An exit
 * code with err (and maybe *hint) set, or 0 with *buf malloc'd.
 */
static int object_read(const char *path, void **buf, size_t *size, char *err, size_t errlen,
		       const char **hint)
{
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd, e;

	*hint = NULL;
	/* O_NONBLOCK: a FIFO must not block the open before fstat refuses it */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		if (e == ELOOP)
			*hint = "symbolic links are not followed: give the object's real path";
		/* the classes of memcgctl-policy(8): a bad object is a usage error */
		if (e == ENOENT || e == ELOOP || e == ENOTDIR || e == ENXIO)
			return EXIT_USAGE;
		return e == EACCES ? EXIT_PERM : EXIT_RUNTIME;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return EXIT_USAGE;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (st.st_uid != 0 || (st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0)) {
		snprintf(err, errlen, "%s: refusing an object %s", path,
			 st.st_uid != 0 ? "not owned by root" : "writable by other users");
		*hint = "chown root:root and chmod go-w the object (it runs in the kernel)";
		close(fd);
		return EXIT_PERM;
	}
	if (st.st_size <= 0 || st.st_size > MAX_OBJ_SIZE) {
		snprintf(err, errlen, "%s: size %lld is not that of a BPF object", path,
			 (long long)st.st_size);
		close(fd);
		return EXIT_USAGE;
	}
	*size = st.st_size;
	*buf = malloc(*size);
	if (!*buf) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return EXIT_RUNTIME;
	}
	while (off < *size && (n = read(fd, (char *)*buf + off, *size - off)) > 0)
		off += n;
	close(fd);
	if (off != *size) {
		snprintf(err, errlen, "%s: short read", path);
		free(*buf);
		*buf = NULL;
		return EXIT_RUNTIME;
	}
	return 0;
}

static int read_object(struct load_ctx *lc)
{
	char err[PATH_MAX + 128];
	const char *hint;
	int ret = object_read(lc->source, &lc->buf, &lc->size, err, sizeof(err), &hint);

	if (ret) {
		p_err("policy %s: %s", lc_cmd(lc), err);
		if (hint)
			p_hint("%s", hint);
	}
	return ret;
}

/* A variable in the object's .rodata, writable before load. */
static void *rodata_var(struct bpf_object *obj, const char *var, size_t *size)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *sec;
	const struct btf_var_secinfo *vs;
	struct bpf_map *map, *ro = NULL;
	size_t ro_size;
	char *data;
	int id;

	if (!btf)
		return NULL;
	bpf_object__for_each_map(map, obj)
		if (bpf_map__is_internal(map) && strstr(bpf_map__name(map), ".rodata") &&
		    !strstr(bpf_map__name(map), ".rodata."))
			ro = map;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!ro || id <= 0)
		return NULL;
	/* before load this is libbpf's writable copy (what skeletons write through) */
	data = (char *)bpf_map__initial_value(ro, &ro_size);
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	/* the object's BTF is hostile input: nothing in it is taken on trust */
	for (int i = 0; data && i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		const char *n = v ? btf__name_by_offset(btf, v->name_off) : NULL;

		if (!n || strcmp(n, var))
			continue;
		if ((uint64_t)vs->offset + vs->size > ro_size)
			return NULL;
		*size = vs->size;
		return data + vs->offset;
	}
	return NULL;
}

static int count_nodes(void)
{
	char p[64];
	int n = 0;

	for (int i = 0; i < 1024; i++) {
		snprintf(p, sizeof(p), "/sys/devices/system/node/node%d", i);
		if (access(p, F_OK))
			break;
		n = i + 1;
	}
	return n ? n : 1;
}

/* Set while feature's probe runs do_load(): load and attach, pin nothing. */
static struct cmd_probe *load_probe;

/* Set while `policy apply` runs do_load(): it prints its own line. */
static bool load_quiet;

/* Disable programs whose hook this kernel lacks; returns how many stay. */
static int choose_programs(struct bpf_object *obj)
{
	struct bpf_program *prog;
	int on = 0;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		char cat[64], tp[128];
		bool ok = true;

		if (!bpf_program__autoload(prog))
			continue;	/* left out on purpose (choose_target) */
		if (sscanf(sec, "tp_btf/%127s", tp) == 1 || sscanf(sec, "raw_tp/%127s", tp) == 1 ||
		    sscanf(sec, "raw_tracepoint/%127s", tp) == 1) {
			char td[160];

			snprintf(td, sizeof(td), "btf_trace_%s", tp);
			ok = btf_has_type(td, BTF_KIND_TYPEDEF);
		} else if (sscanf(sec, "tracepoint/%63[^/]/%127s", cat, tp) == 2 ||
			   sscanf(sec, "tp/%63[^/]/%127s", cat, tp) == 2) {
			ok = tracepoint_exists(cat, tp);
		}
		if (!ok) {
			bpf_program__set_autoload(prog, false);
			p_info("policy load: %s: this kernel lacks hook '%s'; the policy runs without it",
			       bpf_program__name(prog), sec);
			if (load_probe)
				cmd_probe_lost(load_probe, "%s runs without hook %s",
					       bpf_program__name(prog), sec);
		} else {
			on++;
		}
	}
	return on;
}

/*
 * preoom's target=largest signals another process than the current one:
 * it needs bpf_send_signal_task (6.13+) and bpf_task_from_pid/release.
 */
static bool task_kfuncs_available(void)
{
	return probe_get(PROBE_KFUNC_SEND_SIGNAL_TASK, NULL) == PROBE_YES &&
	       btf_has_type("bpf_task_from_pid", BTF_KIND_FUNC) &&
	       btf_has_type("bpf_task_release", BTF_KIND_FUNC);
}

static const struct builtin *find_builtin(const char *name);

struct obj_params {
	struct policy_param params[POLICY_MAX_PARAMS];
	int n;
	uint32_t size;
	unsigned char *val;
	struct bpf_map *map;
};

/*
 * The parameters of obj's policy_config and the defaults it starts from
 * (policy_defaults in .rodata, else 0): what load writes before KEY=VALUE.
 * 0 (op->map NULL: no parameters), or -EINVAL with err set.
 */
static int obj_config(struct bpf_object *obj, const char *policy, struct obj_params *op,
		      char *err, size_t errlen)
{
	struct btf *btf = bpf_object__btf(obj);
	void *defs;
	size_t dsize = 0;
	int ret;

	op->map = bpf_object__find_map_by_name(obj, "policy_config");
	if (!op->map)
		return 0;
	if (!btf || !bpf_map__btf_value_type_id(op->map) ||
	    bpf_map__type(op->map) != BPF_MAP_TYPE_ARRAY) {
		snprintf(err, errlen, "%s: policy_config must be an array map whose value is a "
			 "struct with BTF", policy);
		return -EINVAL;
	}
	ret = policy_params_from_btf(btf, bpf_map__btf_value_type_id(op->map), op->params,
				     POLICY_MAX_PARAMS, &op->size, err, errlen);
	if (ret < 0)
		return -EINVAL;
	op->n = ret;
	policy_params_mark_switches(op->params, op->n);
	op->val = calloc(1, op->size);
	if (!op->val) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	defs = rodata_var(obj, "policy_defaults", &dsize);
	if (defs && dsize == op->size)
		memcpy(op->val, defs, dsize);
	else if (defs)
		p_info("policy load: %s: policy_defaults does not match policy_config; defaults are 0",
		       policy);
	return 0;
}

static int load_params(struct load_ctx *lc, struct obj_params *op, char **kv, int nkv)
{
	char err[256];
	int ret = obj_config(lc->obj, lc->policy, op, err, sizeof(err));

	if (ret) {
		p_err("policy %s: %s", lc_cmd(lc), err);
		return ret == -ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
	}
	if (!op->map) {
		if (nkv) {
			p_err("policy %s: %s takes no parameters (it has no policy_config map)",
			      lc_cmd(lc), lc->policy);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (policy_params_apply(op->params, op->n, op->val, kv, nkv, err, sizeof(err))) {
		p_err("policy %s: %s", lc_cmd(lc), err);
		p_hint("'%s policy params POLICY' lists the parameters it takes; "
		       "memcgctl-policy(8) documents the built-ins'", prog_name);
		return EXIT_USAGE;
	}
	return 0;
}

int policy_object_config(const char *policy, struct policy_objcfg *oc, char *err, size_t errlen)
{
	const struct builtin *b = find_builtin(policy);
	struct obj_params op = { 0 };
	struct bpf_object *obj;
	const char *hint;
	void *buf = NULL;
	size_t size = 0;
	int ret;

	memset(oc, 0, sizeof(*oc));
	if (b) {
		buf = (void *)b->elf(&size);
	} else if (policy[0] != '/') {
		snprintf(err, errlen, "'%s' is neither a built-in policy (preoom, pressure) nor "
			 "the absolute path of a BPF object", policy);
		return EXIT_USAGE;
	} else {
		ret = object_read(policy, &buf, &size, err, errlen, &hint);
		if (ret)
			return ret;
	}
	obj = bpf_object__open_mem(buf, size, NULL);
	if (!obj) {
		snprintf(err, errlen, "%s: not a BPF object libbpf can open", policy);
		ret = EXIT_USAGE;
		goto out;
	}
	if (!bpf_object__find_map_by_name(obj, "policy_counters") ||
	    !bpf_object__find_map_by_name(obj, "policy_events")) {
		/* load's check_contract says it at length */
		snprintf(err, errlen, "%s is not a memcgctl policy: it lacks policy_counters or "
			 "policy_events", policy);
		bpf_object__close(obj);
		ret = EXIT_USAGE;
		goto out;
	}
	ret = obj_config(obj, policy, &op, err, errlen);
	ret = ret == -ENOMEM ? EXIT_RUNTIME : ret ? EXIT_USAGE : 0;
	bpf_object__close(obj);
	if (ret || !op.map)
		goto out;
	memcpy(oc->params, op.params, sizeof(op.params));
	oc->n = op.n;
	oc->size = op.size;
	oc->val = op.val;
	op.val = NULL;
out:
	free(op.val);
	if (!b)
		free(buf);
	oc->builtin = b != NULL;
	return ret;
}

/*
 * preoom's actions come in two copies: policy_oom_end and the charge-path
 * trigger policy_oom_near (the charger, every kernel), and
 * policy_oom_end_tk and policy_oom_rss, the charge-path trigger with the
 * largest-process tracker (charger or largest, needs the task kfuncs).
 * Where the kfuncs exist the second pair is loaded, whatever target is,
 * so that `set target=largest` works live; elsewhere target=largest is
 * refused.
 */
static int choose_target(struct load_ctx *lc, const struct obj_params *op)
{
	struct bpf_program *tk = bpf_object__find_program_by_name(lc->obj, "policy_oom_end_tk");
	struct bpf_program *cur = bpf_object__find_program_by_name(lc->obj, "policy_oom_end");
	struct bpf_program *rss = bpf_object__find_program_by_name(lc->obj, "policy_oom_rss");
	struct bpf_program *near = bpf_object__find_program_by_name(lc->obj, "policy_oom_near");
	const struct policy_param *p = param_named(op->params, op->n, "target");

	if (!tk || !cur)
		return 0;
	if (task_kfuncs_available()) {
		bpf_program__set_autoload(cur, false);
		if (near)
			bpf_program__set_autoload(near, false);
		return 0;
	}
	bpf_program__set_autoload(tk, false);
	if (rss)
		bpf_program__set_autoload(rss, false);
	if (p && op->val && policy_param_get(p, op->val) != PREOOM_TARGET_CHARGER) {
		target_refused("load");
		return EXIT_UNSUPPORTED;
	}
	p_debug("policy load: no bpf_send_signal_task: %s signals the charger only", lc->policy);
	return 0;
}

static int check_contract(struct load_ctx *lc)
{
	struct bpf_map *cnt = bpf_object__find_map_by_name(lc->obj, "policy_counters");
	struct bpf_map *ev = bpf_object__find_map_by_name(lc->obj, "policy_events");

	if (!cnt || bpf_map__type(cnt) != BPF_MAP_TYPE_ARRAY || !bpf_map__btf_value_type_id(cnt)) {
		p_err("policy load: %s is not a memcgctl policy: it has no policy_counters array map",
		      lc->policy);
		p_hint("start from examples/policy-template.bpf.c; memcgctl-policy(8) has the contract");
		return EXIT_USAGE;
	}
	if (!ev || bpf_map__type(ev) != BPF_MAP_TYPE_RINGBUF) {
		p_err("policy load: %s is not a memcgctl policy: it has no policy_events ring buffer",
		      lc->policy);
		p_hint("start from examples/policy-template.bpf.c; memcgctl-policy(8) has the contract");
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The hooks of the policy contract (memcgctl-policy(8)): tracepoints of
 * memory management, page faults and cgroup creation and removal, as
 * tracepoint/, tp_btf/ or raw_tp/ programs.  A root-owned object is still
 * code from a file: anything else (syscalls, the scheduler, kprobes, LSM,
 * networking) needs --any-hook.
 */
static const char *const contract_categories[] = {
	"memcg", "vmscan", "oom", "kmem", "filemap", "compaction", "migrate", "huge_memory",
	"thp", "pagemap", "writeback", "exceptions", "cgroup",
};

static bool contract_category(const char *cat)
{
	for (size_t i = 0; i < ARRAY_SIZE(contract_categories); i++)
		if (!strcmp(cat, contract_categories[i]))
			return true;
	return false;
}

/* tp_btf/ and raw_tp/ name an event without its category: find it in tracefs. */
static bool contract_event(const char *tp)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[256];

	if (strchr(tp, '/') || tp[0] == '.')
		return false;
	for (size_t r = 0; r < ARRAY_SIZE(roots); r++)
		for (size_t i = 0; i < ARRAY_SIZE(contract_categories); i++) {
			snprintf(path, sizeof(path), "%s/events/%s/%s", roots[r],
				 contract_categories[i], tp);
			if (access(path, F_OK) == 0)
				return true;
		}
	return false;
}

static bool contract_hook(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	enum bpf_prog_type type = bpf_program__type(prog);
	char cat[64], tp[128], end;

	if (type == BPF_PROG_TYPE_TRACEPOINT &&
	    (sscanf(sec, "tracepoint/%63[^/]/%127[^/]%c", cat, tp, &end) == 2 ||
	     sscanf(sec, "tp/%63[^/]/%127[^/]%c", cat, tp, &end) == 2))
		return contract_category(cat);
	if (type == BPF_PROG_TYPE_RAW_TRACEPOINT &&
	    (sscanf(sec, "raw_tp/%127[^/]%c", tp, &end) == 1 ||
	     sscanf(sec, "raw_tracepoint/%127[^/]%c", tp, &end) == 1))
		return contract_event(tp);
	if (type == BPF_PROG_TYPE_TRACING &&
	    bpf_program__expected_attach_type(prog) == BPF_TRACE_RAW_TP &&
	    sscanf(sec, "tp_btf/%127[^/]%c", tp, &end) == 1)
		return contract_event(tp);
	return false;
}

static int check_hooks(struct load_ctx *lc)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, lc->obj) {
		if (!bpf_program__autoload(prog) || contract_hook(prog))
			continue;
		p_err("policy load: %s: program %s attaches to '%s', which is not a hook of the "
		      "policy contract", lc->policy, bpf_program__name(prog),
		      bpf_program__section_name(prog));
		p_hint("memcgctl-policy(8) lists the hooks; --any-hook loads it anyway");
		return EXIT_USAGE;
	}
	return 0;
}

static void pin_name(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s", name);
	for (char *p = out; *p; p++)
		if (*p == '.' || *p == '/')
			*p = '_';
}

static int pin_all(struct load_ctx *lc, char *err, size_t errlen)
{
	char p[PATH_MAX + 64], n[128];
	struct bpf_program *prog;
	struct bpf_map *map;
	int i = 0, ret;

	for (const char *sub = "maps"; sub; sub = !strcmp(sub, "maps") ? "progs" :
	     !strcmp(sub, "progs") ? "links" : NULL) {
		snprintf(p, sizeof(p), "%s/%s", lc->dir, sub);
		if (mkdir(p, 0700)) {
			snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
			return -errno;
		}
	}
	bpf_object__for_each_map(map, lc->obj) {
		pin_name(n, sizeof(n), bpf_map__name(map));
		snprintf(p, sizeof(p), "%s/maps/%s", lc->dir, n);
		ret = bpf_map__pin(map, p);
		if (ret) {
			snprintf(err, errlen, "cannot pin %s: %s", p, strerror(-ret));
			return ret;
		}
	}
	bpf_object__for_each_program(prog, lc->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		pin_name(n, sizeof(n), bpf_program__name(prog));
		snprintf(p, sizeof(p), "%s/progs/%s", lc->dir, n);
		ret = bpf_program__pin(prog, p);
		if (ret) {
			snprintf(err, errlen, "cannot pin %s: %s", p, strerror(-ret));
			return ret;
		}
		if (i >= lc->nlinks || !lc->links[i])
			continue;
		snprintf(p, sizeof(p), "%s/links/%s", lc->dir, n);
		ret = bpf_link__pin(lc->links[i++], p);
		if (ret) {
			snprintf(err, errlen, "cannot pin %s: %s", p, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int pin_meta(struct load_ctx *lc, char *err, size_t errlen)
{
	struct policy_meta m = { .magic = POLICY_META_MAGIC, .version = POLICY_META_VERSION };
	char p[PATH_MAX + 8];
	__u32 zero = 0;
	int fd, ret = 0;

	m.loaded_at = time(NULL);
	m.builtin = lc->builtin != NULL;
	snprintf(m.name, sizeof(m.name), "%s", lc->name);
	snprintf(m.policy, sizeof(m.policy), "%s", lc->policy);
	if (lc->source)
		snprintf(m.source, sizeof(m.source), "%s", lc->source);
	if (lc->have_cg) {
		m.cgroup_id = lc->cg.id;
		snprintf(m.cgroup, sizeof(m.cgroup), "%s", lc->cg.rel);
		snprintf(m.cgroup_path, sizeof(m.cgroup_path), "%s", lc->cg.path);
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "policy_meta", sizeof(__u32), sizeof(m), 1, NULL);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create the metadata map: %s", strerror(errno));
		return -errno;
	}
	snprintf(p, sizeof(p), "%s/meta", lc->dir);
	if (bpf_map_update_elem(fd, &zero, &m, BPF_ANY) || bpf_obj_pin(fd, p)) {
		ret = -errno;
		snprintf(err, errlen, "cannot pin %s: %s", p, strerror(errno));
	}
	close(fd);
	return ret;
}

/*
 * MEMCGCTL_POLICY_FAULT=pin makes load fail after pinning, before meta;
 * =pin-SIGNAL (pin-SIGTERM, pin-INT) sends load that signal there: how the
 * tests prove that a half-done load rolls back.
 */
static int fault_injected(const char *where, char *err, size_t errlen)
{
	const char *f = getenv("MEMCGCTL_POLICY_FAULT");
	size_t wl = strlen(where);

	if (f && !strncmp(f, where, wl) && f[wl] == '-' && policy_signal_parse(f + wl + 1) > 0) {
		raise(policy_signal_parse(f + wl + 1));
		return 0;
	}
	if (!f || strcmp(f, where))
		return 0;
	snprintf(err, errlen, "fault injected at '%s' (MEMCGCTL_POLICY_FAULT)", where);
	return -EIO;
}

static const struct builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

/* The default instance name: the built-in's, or the object file's stem. */
static void default_name(struct load_ctx *lc)
{
	const char *base = lc->builtin ? lc->builtin->name : strrchr(lc->source, '/');
	size_t i = 0;

	base = base ? (lc->builtin ? base : base + 1) : lc->source;
	for (; base[i] && i < sizeof(lc->policy) - 1; i++) {
		if (!strcmp(base + i, ".bpf.o") || !strcmp(base + i, ".o"))
			break;
		lc->policy[i] = base[i];
	}
	lc->policy[i] = '\0';
	snprintf(lc->name, sizeof(lc->name), "%s", lc->policy);
	for (char *p = lc->name; *p; p++)
		if (*p != '_' && *p != '-' && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
						 (*p >= '0' && *p <= '9')))
			*p = '_';
}

static int load_parse(struct load_ctx *lc, struct pol_args *a, char ***kv, int *nkv,
		      const char **cgroup, const char **name)
{
	const char *pol = a->pos[0];

	*nkv = 0;
	*kv = a->pos + 1;
	lc->builtin = find_builtin(pol);
	if (!lc->builtin) {
		if (!strchr(pol, '/') && !path_exists(pol)) {
			p_err("policy load: '%s' is neither a built-in policy (preoom, pressure) nor a file",
			      pol);
			return EXIT_USAGE;
		}
		lc->source = pol;
	}
	for (int i = 1; i < a->npos; i++) {
		const char *w = a->pos[i];

		if (!strcmp(w, "name") || !strcmp(w, "cgroup")) {
			if (i + 1 >= a->npos) {
				p_err("policy load: '%s' needs a value", w);
				return EXIT_USAGE;
			}
			if (w[0] == 'n')
				*name = a->pos[++i];
			else
				*cgroup = a->pos[++i];
		} else if (strchr(w, '=')) {
			(*kv)[(*nkv)++] = a->pos[i];	/* compact in place */
		} else {
			p_err("policy load: unexpected '%s': expected name NAME, cgroup CGROUP or KEY=VALUE",
			      w);
			return EXIT_USAGE;
		}
	}
	default_name(lc);
	if (*name) {
		if (!policy_name_valid(*name)) {
			p_err("policy load: '%s' is not a valid policy name", *name);
			p_hint("names are 1-31 letters, digits, '_' or '-'");
			return EXIT_USAGE;
		}
		snprintf(lc->name, sizeof(lc->name), "%s", *name);
	} else if (!policy_name_valid(lc->name)) {
		p_err("policy load: cannot derive a name from '%s'; give one with 'name NAME'", pol);
		return EXIT_USAGE;
	}
	return 0;
}

static void load_cleanup(struct load_ctx *lc, bool rollback)
{
	char err[PATH_MAX + 128];

	/* the brake first: it is what would outlive a failed load */
	if (rollback && lc->braked && brake_release(lc->name, NULL, err, sizeof(err)) < 0)
		p_err("policy load: rolling back the brake: %s", err);
	if (rollback && lc->dir_made && policy_dir_remove(&lc->root, lc->name, err, sizeof(err)))
		p_err("policy load: rolling back: %s", err);
	pins_root_close(&lc->root);
	for (int i = 0; i < lc->nlinks; i++)
		bpf_link__destroy(lc->links[i]);
	bpf_object__close(lc->obj);
	free(lc->buf);
}

/* ---- the brake (policy_brake.h) ------------------------------------ */

/* --brake's own requirements, checked before anything is loaded. */
static int brake_check(struct load_ctx *lc, const struct pol_args *a)
{
	if (!a->brake)
		return 0;
	if (!lc->builtin || strcmp(lc->builtin->name, "preoom")) {
		p_err("policy load: --brake: only preoom has the headroom a brake is set from");
		return EXIT_USAGE;
	}
	if (!lc->have_cg) {
		p_err("policy load: --brake: needs the cgroup whose memory.high it lowers");
		p_hint("add 'cgroup CGROUP'");
		return EXIT_USAGE;
	}
	if (!lc->cg_v2) {
		p_err("policy load: --brake: memory.high needs the memory controller on cgroup v2; "
		      "here it is on v1");
		return EXIT_UNSUPPORTED;
	}
	return 0;
}

/* The memory.high to set: memory.max minus the policy's static headroom. */
static int brake_prepare(struct load_ctx *lc, const struct obj_params *op)
{
	const struct policy_param *hb = param_named(op->params, op->n, "headroom_bytes");
	const struct policy_param *hp = param_named(op->params, op->n, "headroom_pct");
	char path[PATH_MAX + 16];
	uint64_t max, room;
	int ret;

	snprintf(path, sizeof(path), "%s/memory.max", lc->cg.path);
	ret = read_file_u64(path, &max);
	if (ret) {
		p_err("policy load: --brake: cannot read %s: %s", path, strerror(-ret));
		return EXIT_RUNTIME;
	}
	if (max == CG_NOLIMIT) {
		p_err("policy load: --brake: %s has no memory.max to brake under", lc->cg.rel);
		p_hint("set memory.max of the cgroup, or load without --brake");
		return EXIT_USAGE;
	}
	room = hb && op->val ? policy_param_get(hb, op->val) : 0;
	if (!room && hp && op->val)
		room = max / 100 * policy_param_get(hp, op->val) +
		       max % 100 * policy_param_get(hp, op->val) / 100;
	if (!room || room >= max) {
		p_err("policy load: --brake: the headroom (%" PRIu64 " bytes) leaves no memory.high "
		      "under memory.max (%" PRIu64 ")", room, max);
		return EXIT_USAGE;
	}
	lc->brake_target = max - room;
	/* memory.high keeps whole pages: what brake_engage sets, and what load says */
	lc->brake_target -= lc->brake_target % (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

/* Set the brake, recorded, once the policy's directory exists (its pins). */
static int brake_engage_lc(struct load_ctx *lc, char *err, size_t errlen)
{
	int ret;

	if (!lc->brake_target)
		return 0;
	ret = brake_engage(lc->name, lc->cg.path, lc->cg.id, lc->brake_target, &lc->brake,
			   err, errlen);
	if (ret < 0)
		return ret;
	lc->braked = ret == 1;
	return 0;
}

/*
 * The object's bytes (the built-in's, or the file's after object_read's
 * checks) opened by libbpf: what load and params both start from.
 * object_name NULL: libbpf's default.  An exit code, or 0.
 */
static int lc_open(struct load_ctx *lc, const char *object_name)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = object_name);
	char ebuf[128];
	int ret;

	if (lc->builtin) {
		const void *elf = lc->builtin->elf(&lc->size);

		lc->buf = malloc(lc->size);
		if (!lc->buf)
			return EXIT_RUNTIME;
		memcpy(lc->buf, elf, lc->size);
	} else {
		ret = read_object(lc);
		if (ret)
			return ret;
	}
	lc->obj = bpf_object__open_mem(lc->buf, lc->size, &oo);
	if (!lc->obj) {
		ret = -errno;
		p_err("policy %s: %s: not a BPF object libbpf can open: %s", lc_cmd(lc), lc->policy,
		      lbpf_strerror(ret, ebuf, sizeof(ebuf)));
		p_hint("-d shows libbpf's messages");
		return EXIT_USAGE;
	}
	return 0;
}

/* load, step 1: CGROUP resolved, --brake and privileges checked, the name free. */
static int load_preflight(struct load_ctx *lc, const struct pol_args *a, const char *cgroup)
{
	struct stat st;
	int ret;

	if (cgroup) {
		struct cg_env env;

		ret = cmd_cgroup("policy load", &env, cgroup, &lc->cg);
		if (ret)
			return ret;
		lc->have_cg = true;
		lc->cg_v2 = env.mem_is_v2;
	}
	ret = brake_check(lc, a);
	if (ret)
		return ret;
	ret = bpf_check_privileges("policy load");
	if (ret)
		return ret;
	policy_dir(lc->dir, sizeof(lc->dir), lc->name);
	ret = pol_root("load", &lc->root, false);
	if (ret)
		return ret;
	/* feature's probe pins nothing: a loaded policy of the same name is no conflict */
	if (!load_probe && lc->root.fd >= 0 &&
	    fstatat(lc->root.fd, lc->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		p_err("policy load: a policy named '%s' is already loaded", lc->name);
		p_hint("unload it first, or load this one with 'name OTHER'");
		pins_root_close(&lc->root);
		return EXIT_RUNTIME;
	}
	pins_root_close(&lc->root);
	return 0;
}

/* Set a __u32 in .rodata if the object has it. */
static void rodata_set_u32(struct bpf_object *obj, const char *name, __u32 v)
{
	size_t vsize;
	void *var = rodata_var(obj, name, &vsize);

	if (var && vsize == sizeof(v))
		memcpy(var, &v, sizeof(v));
}

/*
 * load, step 3 (the object is open, nothing is in the kernel): the
 * contract and hooks checked, KEY=VALUE and the cgroup into the object,
 * the target and the programs for this kernel chosen.
 */
static int load_configure(struct load_ctx *lc, const struct pol_args *a, struct obj_params *op,
			  char **kv, int nkv)
{
	size_t vsize;
	void *var;
	int ret;

	ret = check_contract(lc);
	if (!ret && !lc->builtin && !a->any_hook)
		ret = check_hooks(lc);
	if (ret)
		return ret;
	ret = load_params(lc, op, kv, nkv);
	if (ret)
		return ret;
	var = rodata_var(lc->obj, "policy_cgroup_id", &vsize);
	if (lc->have_cg) {
		if (!var || vsize != sizeof(__u64)) {
			p_err("policy load: %s cannot be limited to a cgroup (no policy_cgroup_id)",
			      lc->policy);
			return EXIT_USAGE;
		}
		memcpy(var, &lc->cg.id, sizeof(__u64));
	}
	/* the page size the memcg layer converts page counters with */
	rodata_set_u32(lc->obj, "memcg_page_shift", memcg_hooks_page_shift());
	rodata_set_u32(lc->obj, "policy_nr_nodes", count_nodes());
	ret = choose_target(lc, op);
	if (!ret && a->brake) {
		ret = brake_prepare(lc, op);
		brake_gc_run();	/* a record left under this name by pins removed by hand */
	}
	if (ret)
		return ret;
	if (!choose_programs(lc->obj)) {
		p_err("policy load: %s: this kernel has none of the hooks it needs", lc->policy);
		p_hint("'%s feature' shows which hooks this kernel has", prog_name);
		return EXIT_UNSUPPORTED;
	}
	return 0;
}

/* load, step 4: load, write the parameters, attach; still nothing pinned. */
static int load_attach(struct load_ctx *lc, const struct obj_params *op)
{
	struct bpf_program *prog;
	char ebuf[128];
	int ret;

	ret = bpf_object__load(lc->obj);
	if (ret) {
		if (ret == -EPERM)
			return bpf_report_failure("policy load", "cannot load", ret);
		/* EACCES and EINVAL are how the verifier says no */
		p_err("policy load: %s: the kernel refused to load it: %s", lc->policy,
		      lbpf_strerror(ret, ebuf, sizeof(ebuf)));
		p_hint("the verifier rejected it or this kernel lacks what it uses; "
		       "-d prints libbpf's messages and the verifier's log");
		return EXIT_UNSUPPORTED;
	}
	if (op->map) {
		__u32 zero = 0;

		if (bpf_map_update_elem(bpf_map__fd(op->map), &zero, op->val, BPF_ANY)) {
			p_err("policy load: cannot write the parameters: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
	}
	bpf_object__for_each_program(prog, lc->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (lc->nlinks == MAX_PROGS) {
			p_err("policy load: %s has more than %d programs", lc->policy, MAX_PROGS);
			return EXIT_USAGE;
		}
		link = bpf_program__attach(prog);
		if (!link)
			return bpf_report_failure("policy load", "cannot attach", -errno);
		lc->links[lc->nlinks++] = link;
	}
	return 0;
}

/*
 * load, step 5: pin everything under the policy's directory.  A failure
 * (or a signal, held off meanwhile) leaves lc->dir_made for the rollback.
 */
static int load_publish(struct load_ctx *lc)
{
	char err[PATH_MAX + 256];
	int ret, sig;

	ret = pins_policy_mkdir(&lc->root, lc->name);
	if (ret) {
		if (ret == -EEXIST)
			p_err("policy load: a policy named '%s' was loaded meanwhile", lc->name);
		else
			p_err("policy load: cannot create %s: %s", lc->dir, strerror(-ret));
		return EXIT_RUNTIME;
	}
	lc->dir_made = true;
	if (pin_all(lc, err, sizeof(err)) || fault_injected("pin", err, sizeof(err)) ||
	    brake_engage_lc(lc, err, sizeof(err)) || fault_injected("brake", err, sizeof(err)) ||
	    pin_meta(lc, err, sizeof(err))) {
		p_err("policy load: %s", err);
		return EXIT_RUNTIME;
	}
	sig = publish_interrupted();
	if (sig) {
		p_err("policy load: interrupted by %s while pinning: rolled back, nothing is loaded",
		      policy_signal_name(sig) ?: "a signal");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* load, the end: what was loaded, and what the brake did. */
static void load_report(const struct load_ctx *lc, const struct pol_args *a)
{
	if (json_wtr) {
		show_policy(lc->name);	/* the brake is its "brake" */
		return;
	}
	printf("loaded policy '%s' (%s) on %s, pinned at %s\n", esc(lc->name),
	       esc(lc->policy), lc->have_cg ? esc(lc->cg.rel) : "every cgroup", esc(lc->dir));
	if (lc->braked)
		printf("brake: memory.high of %s lowered from %s to %" PRIu64
		       " until the policy is unloaded\n", esc(lc->cg.rel), lc->brake.saved,
		       lc->brake.set);
	else if (a->brake)
		printf("brake: memory.high of %s is already at or under %" PRIu64
		       ": left as it is\n", esc(lc->cg.rel), lc->brake_target);
}

int do_load(int argc, char **argv)
{
	static const struct argp argp = {
		load_options, pol_parse, "POLICY [name NAME] [cgroup CGROUP] [KEY=VALUE...]",
		"Load a policy (a built-in: preoom, pressure; or a BPF object file), attach it "
		"and pin it under " POLICY_PIN_ROOT "/NAME so that it keeps acting after "
		"memcgctl exits. CGROUP limits it to a memory cgroup and its descendants.", 0, 0, 0 };
	struct load_ctx lc = { .cmd = "load", .root.fd = -1 };
	struct obj_params op = { 0 };
	struct pol_args a = { 0 };
	const char *cgroup = NULL, *name = NULL;
	char objname[64];
	sigset_t oldmask;
	char **kv;
	int nkv, ret;
	bool done, ok = false, blocked = false;

	ret = pol_cmd_parse(&argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	if (a.npos < 1) {
		p_err("policy load: which policy? (preoom, pressure, or a BPF object file)");
		return EXIT_USAGE;
	}
	ret = load_parse(&lc, &a, &kv, &nkv, &cgroup, &name);
	if (!ret)
		ret = load_preflight(&lc, &a, cgroup);
	if (ret)
		return ret;

	/* open: nothing exists in the kernel yet */
	/* object (and so map) names start with policy_ for the leak checks */
	snprintf(objname, sizeof(objname), "policy_%s", lc.policy);
	ret = lc_open(&lc, objname);
	if (!ret)
		ret = load_configure(&lc, &a, &op, kv, nkv);
	if (!ret)
		ret = load_probe ? 0 : pol_root("load", &lc.root, true);
	/* load and attach: closing undoes it all */
	if (!ret)
		ret = load_attach(&lc, &op);
	if (ret)
		goto out;
	if (load_probe) {
		ret = EXIT_OK;	/* loaded and attached: the probe's answer; nothing pinned */
		goto out;
	}

	/*
	 * publish: a failure from here on removes the whole directory.  The
	 * signals that end a process wait until it is done: a Ctrl-C here
	 * rolls back instead of leaving a half-pinned, attached policy.
	 */
	publish_sigs_init();
	sigprocmask(SIG_BLOCK, &publish_sigs, &oldmask);
	blocked = true;
	ret = load_publish(&lc);
	ok = ret == EXIT_OK;
out:
	free(op.val);
	load_cleanup(&lc, !ok);
	if (blocked) {
		publish_interrupted();	/* consumed: it has been answered */
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
	}
	if (ok && !load_quiet)
		load_report(&lc, &a);
	return ret;
}

int policy_load_quiet(int argc, char **argv)
{
	int ret;

	load_quiet = true;
	ret = do_load(argc, argv);
	load_quiet = false;
	return ret;
}

/*
 * feature's probe: every built-in through `policy load`'s own path, with
 * its hook and target choices, loaded and attached but never pinned.
 */
int policy_probe(struct cmd_probe *p)
{
	int ok = 0;

	for (size_t i = 0; i < nbuiltins; i++) {
		char *argv[] = { "load", (char *)builtins[i].name, NULL };
		int ret;

		load_probe = p;
		ret = do_load(2, argv);
		load_probe = NULL;
		if (ret == EXIT_OK)
			ok++;
		else
			cmd_probe_lost(p, "the built-in %s does not load here (exit %d; "
				       "'policy load %s' says why)", builtins[i].name, ret,
				       builtins[i].name);
	}
	if (!ok)
		cmd_probe_fail(p, -ENOTSUP, "no built-in policy loads");
	return p->err;
}

/* ---- params -------------------------------------------------------- */

static const char *param_kind_name(const struct policy_param *p)
{
	if (p->is_switch)
		return "switch";
	switch (p->kind) {
	case PK_BOOL: return "bool";
	case PK_PERCENT: return "percent";
	case PK_DURATION: return "duration";
	case PK_SIZE: return "size";
	case PK_SIGNAL: return "signal";
	case PK_ENUM: return "enum";
	default: return "int";
	}
}

static void params_json(const struct obj_params *op, const char *policy)
{
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "policy", policy);
	jsonw_name(json_wtr, "parameters");
	jsonw_start_array(json_wtr);
	for (int i = 0; i < op->n; i++) {
		const struct policy_param *p = &op->params[i];
		uint64_t v = policy_param_get(p, op->val);

		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", p->name);
		jsonw_string_field(json_wtr, "kind", param_kind_name(p));
		if (p->kind == PK_BOOL)
			jsonw_bool_field(json_wtr, "default", v);
		else if (p->kind == PK_ENUM && policy_param_enum_name(p, v))
			jsonw_string_field(json_wtr, "default", policy_param_enum_name(p, v));
		else if (p->is_signed)
			jsonw_s64_field(json_wtr, "default", (int64_t)v);
		else
			jsonw_u64_field(json_wtr, "default", v);
		jsonw_name(json_wtr, "values");
		if (p->kind == PK_ENUM) {
			jsonw_start_array(json_wtr);
			for (int j = 0; j < p->nenum; j++)
				jsonw_string(json_wtr, p->enums[j].name);
			jsonw_end_array(json_wtr);
		} else {
			jsonw_null(json_wtr);
		}
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

static void params_plain(const struct obj_params *op, const char *policy)
{
	char buf[64];

	if (!op->n) {
		printf("%s takes no parameters\n", esc(policy));
		return;
	}
	printf("%-20s %-9s %s\n", "PARAMETER", "KIND", "DEFAULT");
	for (int i = 0; i < op->n; i++) {
		const struct policy_param *p = &op->params[i];

		printf("%-20s %-9s %s", esc(p->name), param_kind_name(p),
		       policy_param_format(p, policy_param_get(p, op->val), buf, sizeof(buf)));
		for (int j = 0; j < p->nenum; j++)
			printf("%s%s", j ? "|" : "  (", esc(p->enums[j].name));
		printf("%s\n", p->nenum ? ")" : "");
	}
}

/*
 * What `policy load POLICY KEY=VALUE` accepts, read from the object as
 * load reads it (the BTF of policy_config, the defaults in
 * policy_defaults): nothing is loaded, so bash completion asks this.
 */
int do_params(int argc, char **argv)
{
	static const struct argp argp = { 0, pol_parse, "POLICY",
		"List the parameters a policy takes, with their kinds and defaults: a built-in "
		"(preoom, pressure) or a BPF object file, read from the BTF of its "
		"policy_config map. Nothing is loaded.", 0, 0, 0 };
	struct load_ctx lc = { .cmd = "params", .root.fd = -1 };
	struct obj_params op = { 0 };
	struct pol_args a = { 0 };
	bool done;
	int ret;

	ret = pol_cmd_parse(&argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	if (a.npos != 1) {
		p_err("policy params: expected one POLICY (preoom, pressure, or a BPF object file)");
		return EXIT_USAGE;
	}
	lc.builtin = find_builtin(a.pos[0]);
	if (!lc.builtin && !strchr(a.pos[0], '/') && !path_exists(a.pos[0])) {
		p_err("policy params: '%s' is neither a built-in policy (preoom, pressure) nor a file",
		      a.pos[0]);
		return EXIT_USAGE;
	}
	if (!lc.builtin)
		lc.source = a.pos[0];
	default_name(&lc);
	ret = lc_open(&lc, NULL);
	if (!ret)
		ret = load_params(&lc, &op, NULL, 0);
	if (ret)
		goto out;
	if (json_wtr)
		params_json(&op, lc.policy);
	else
		params_plain(&op, lc.policy);
out:
	free(op.val);
	bpf_object__close(lc.obj);
	free(lc.buf);
	return ret;
}
