// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parts of `memcgctl policy` that need no kernel: parameters described
 * by BTF (parse, check, format), instance names, signal names, and the
 * reader of policy events that `watch` shares.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "main.h"
#include "pins.h"
#include "policy.h"
#include "units.h"

/* ---- names ---------------------------------------------------------- */

bool policy_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= POLICY_NAME_LEN || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

static const struct {
	int sig;
	const char *name;
} signals[] = {
	{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" }, { SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" }, { SIGUSR2, "USR2" }, { SIGTERM, "TERM" }, { SIGALRM, "ALRM" },
	{ SIGCONT, "CONT" }, { SIGSTOP, "STOP" }, { SIGTSTP, "TSTP" }, { SIGPWR, "PWR" },
	{ SIGWINCH, "WINCH" }, { SIGURG, "URG" }, { SIGXCPU, "XCPU" }, { SIGXFSZ, "XFSZ" },
};

int policy_signal_parse(const char *s)
{
	uint64_t v;

	if (!s || !*s)
		return -EINVAL;
	if (isdigit((unsigned char)s[0])) {
		if (parse_u64(s, 64, &v) || v == 0)
			return -EINVAL;
		return (int)v;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	return -EINVAL;
}

const char *policy_signal_name(int sig)
{
	static char buf[16];

	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (signals[i].sig == sig) {
			snprintf(buf, sizeof(buf), "SIG%s", signals[i].name);
			return buf;
		}
	return NULL;
}

const char *policy_reason_name(uint32_t reason)
{
	switch (reason) {
	case POLICY_REASON_RECLAIM_FAILING: return "reclaim_failing";
	case POLICY_REASON_RECLAIM_STALL: return "reclaim_stall";
	case POLICY_REASON_THRESHOLD: return "threshold";
	case POLICY_REASON_HIGH: return "memory_high";
	case POLICY_REASON_NEAR_LIMIT: return "near_limit";
	default: return reason >= POLICY_REASON_USER ? "user" : "unknown";
	}
}

const char *policy_action_name(uint32_t action)
{
	switch (action) {
	case POLICY_ACT_SIGNAL: return "signal";
	case POLICY_ACT_DRY_RUN: return "dry_run";
	case POLICY_ACT_FAILED: return "failed";
	default: return "unknown";
	}
}

/* ---- parameters ----------------------------------------------------- */

static bool ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);

	return a >= b && !strcmp(s + a - b, sfx);
}

enum policy_param_kind policy_param_kind_of(const char *name, bool is_bool)
{
	if (is_bool)
		return PK_BOOL;
	if (ends_with(name, "_ns"))
		return PK_DURATION;
	if (ends_with(name, "_pct"))
		return PK_PERCENT;
	if (ends_with(name, "_bytes"))
		return PK_SIZE;
	if (!strcmp(name, "signal") || ends_with(name, "_signal"))
		return PK_SIGNAL;
	return PK_INT;
}

void policy_params_mark_switches(struct policy_param *ps, int n)
{
	for (int i = 0; i < n; i++) {
		const char *nm = ps[i].name;

		ps[i].is_switch = ps[i].kind == PK_INT &&
			(!strcmp(nm, "enabled") || !strcmp(nm, "dry_run") || !strcmp(nm, "once") ||
			 !strncmp(nm, "on_", 3));
	}
}

/*
 * Through typedefs and modifiers to the type itself.  An object's BTF is
 * not checked by the kernel before load_params() reads it, and libbpf
 * lets a modifier chain loop (a volatile of itself): give up after as
 * many steps as libbpf's own resolver takes.
 */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (int depth = 0; t && (btf_is_mod(t) || btf_is_typedef(t)); depth++) {
		if (depth == 32)
			return NULL;
		t = btf__type_by_id(btf, t->type);
	}
	return t;
}

/*
 * An enum member's names: lower case, without the longest prefix up to an
 * '_' that all enumerators share (with one enumerator, up to its last '_').
 */
static void enum_names(const struct btf *btf, const struct btf_type *et, struct policy_param *p)
{
	const struct btf_enum *e = btf_enum(et);
	int n = btf_vlen(et), pre = -1;
	const char *first;

	if (n > POLICY_ENUM_MAX)
		n = POLICY_ENUM_MAX;
	first = n ? btf__name_by_offset(btf, e[0].name_off) : NULL;
	if (!first)
		return;
	/* pre: the length of the shared prefix ending in '_' */
	for (int len = 0; first[len]; len++) {
		bool all = true;

		if (first[len] != '_' || !first[len + 1])
			continue;
		for (int i = 1; i < n && all; i++) {
			const char *o = btf__name_by_offset(btf, e[i].name_off);

			all = o && !strncmp(o, first, len + 1) && o[len + 1];
		}
		if (all)
			pre = len;
	}
	for (int i = 0; i < n; i++) {
		const char *o = btf__name_by_offset(btf, e[i].name_off);
		struct policy_enum_val *v = &p->enums[p->nenum];
		size_t j;

		if (!o)
			continue;
		o += pre + 1;
		for (j = 0; o[j] && j < sizeof(v->name) - 1; j++)
			v->name[j] = tolower((unsigned char)o[j]);
		v->name[j] = '\0';
		v->val = btf_kflag(et) ? e[i].val : (int64_t)(uint32_t)e[i].val;
		p->nenum++;
	}
}

int policy_params_from_btf(const struct btf *btf, uint32_t type_id,
			   struct policy_param *out, int max, uint32_t *struct_size,
			   char *err, size_t errlen)
{
	const struct btf_type *t = skip_mods(btf, type_id);
	const struct btf_member *m;
	int n = 0;

	if (!t || !btf_is_struct(t)) {
		snprintf(err, errlen, "the value of policy_config is not a struct");
		return -EINVAL;
	}
	/* the object's BTF is hostile input: every member we write must lie inside */
	if (t->size > POLICY_CONFIG_MAX) {
		snprintf(err, errlen, "its policy_config struct has %u bytes, more than %u",
			 t->size, POLICY_CONFIG_MAX);
		return -E2BIG;
	}
	*struct_size = t->size;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt = skip_mods(btf, m->type);
		struct policy_param *p;
		bool is_bool = false, is_signed = false;
		uint32_t bit_off = btf_member_bit_offset(t, i);

		if (!name || !*name || !strncmp(name, "__", 2) || !mt)
			continue;
		if (btf_member_bitfield_size(t, i) || bit_off % 8)
			continue;
		if (btf_is_int(mt)) {
			uint8_t enc = btf_int_encoding(mt);

			is_bool = enc & BTF_INT_BOOL;
			is_signed = enc & BTF_INT_SIGNED;
		} else if (!btf_is_enum(mt)) {
			continue;
		}
		if (mt->size != 1 && mt->size != 2 && mt->size != 4 && mt->size != 8)
			continue;
		if ((uint64_t)bit_off / 8 + mt->size > t->size) {
			snprintf(err, errlen, "policy_config member '%.63s' (%u bytes at offset %u) "
				 "lies outside its struct of %u bytes", name, mt->size, bit_off / 8,
				 t->size);
			return -EINVAL;
		}
		if (n == max) {
			snprintf(err, errlen, "more than %d parameters", max);
			return -E2BIG;
		}
		p = &out[n++];
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->offset = bit_off / 8;
		p->size = mt->size;
		p->is_signed = is_signed;
		p->is_switch = false;
		p->kind = policy_param_kind_of(name, is_bool);
		p->nenum = 0;
		if (btf_is_enum(mt)) {
			p->kind = PK_ENUM;
			p->is_signed = btf_kflag(mt);	/* kflag: a signed enum */
			enum_names(btf, mt, p);
		}
	}
	return n;
}

uint64_t policy_param_get(const struct policy_param *p, const void *blob)
{
	const unsigned char *b = (const unsigned char *)blob + p->offset;
	uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64 = 0;

	switch (p->size) {
	case 1: memcpy(&u8, b, 1); return p->is_signed ? (uint64_t)(int64_t)(int8_t)u8 : u8;
	case 2: memcpy(&u16, b, 2); return p->is_signed ? (uint64_t)(int64_t)(int16_t)u16 : u16;
	case 4: memcpy(&u32, b, 4); return p->is_signed ? (uint64_t)(int64_t)(int32_t)u32 : u32;
	default: memcpy(&u64, b, 8); return u64;
	}
}

void policy_param_put(const struct policy_param *p, void *blob, uint64_t v)
{
	unsigned char *b = (unsigned char *)blob + p->offset;
	uint8_t u8 = v; uint16_t u16 = v; uint32_t u32 = v;

	switch (p->size) {
	case 1: memcpy(b, &u8, 1); break;
	case 2: memcpy(b, &u16, 2); break;
	case 4: memcpy(b, &u32, 4); break;
	default: memcpy(b, &v, 8); break;
	}
}

static uint64_t umax_of(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

int policy_param_parse(const struct policy_param *p, const char *s, uint64_t *v,
		       char *err, size_t errlen)
{
	uint64_t u, umax = umax_of(p->size);
	uint32_t centi;
	int sig;

	if (!*s) {
		snprintf(err, errlen, "%s: empty value", p->name);
		return -EINVAL;
	}
	switch (p->is_switch ? PK_BOOL : p->kind) {
	case PK_BOOL:
		if (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
		    !strcasecmp(s, "on"))
			*v = 1;
		else if (!strcmp(s, "0") || !strcasecmp(s, "false") || !strcasecmp(s, "no") ||
			 !strcasecmp(s, "off"))
			*v = 0;
		else
			goto bad_bool;
		return 0;
	case PK_PERCENT: {
		char tmp[32];

		snprintf(tmp, sizeof(tmp), "%s%s", s, strchr(s, '%') ? "" : "%");
		if (strlen(s) >= sizeof(tmp) - 1 || parse_percent(tmp, &centi) || centi % 100) {
			snprintf(err, errlen, "%s: '%s' is not a whole percentage from 0 to 100",
				 p->name, s);
			return -EINVAL;
		}
		u = centi / 100;
		break;
	}
	case PK_DURATION:
		if (!strcmp(s, "0")) {
			u = 0;
			break;
		}
		if (isdigit((unsigned char)s[strlen(s) - 1]) || parse_duration(s, &u)) {
			snprintf(err, errlen, "%s: '%s' is not a duration with a unit (500ms, 2s, 1m)",
				 p->name, s);
			return -EINVAL;
		}
		break;
	case PK_SIZE:
		if (parse_size(s, &u)) {
			snprintf(err, errlen, "%s: '%s' is not a size (4096, 512M, 1.5G)", p->name, s);
			return -EINVAL;
		}
		break;
	case PK_ENUM:
		for (int i = 0; i < p->nenum; i++)
			if (!strcasecmp(s, p->enums[i].name)) {
				*v = (uint64_t)p->enums[i].val;
				return 0;
			}
		{
			char names[256] = "";
			size_t off = 0;

			for (int i = 0; i < p->nenum && off < sizeof(names); i++)
				off += snprintf(names + off, sizeof(names) - off, "%s%s",
						i ? ", " : "", p->enums[i].name);
			snprintf(err, errlen, "%s: '%s' is not one of %s", p->name, s, names);
		}
		return -EINVAL;
	case PK_SIGNAL:
		sig = policy_signal_parse(s);
		if (sig < 0) {
			snprintf(err, errlen, "%s: '%s' is not a signal (TERM, SIGUSR1, 10)", p->name, s);
			return -EINVAL;
		}
		u = sig;
		break;
	default:
		if (p->is_signed) {
			char *end;
			long long x;
			int64_t lo = p->size >= 8 ? INT64_MIN : -(1LL << (p->size * 8 - 1));
			int64_t hi = p->size >= 8 ? INT64_MAX : (1LL << (p->size * 8 - 1)) - 1;

			errno = 0;
			x = strtoll(s, &end, 10);
			if (errno || *end || end == s || isspace((unsigned char)*s) || x < lo || x > hi) {
				snprintf(err, errlen, "%s: '%s' is not an integer from %" PRId64
					 " to %" PRId64, p->name, s, lo, hi);
				return -EINVAL;
			}
			*v = (uint64_t)x;
			return 0;
		}
		if (parse_u64(s, umax, &u)) {
			snprintf(err, errlen, "%s: '%s' is not an integer from 0 to %" PRIu64,
				 p->name, s, umax);
			return -EINVAL;
		}
		break;
	}
	if (u > umax) {
		snprintf(err, errlen, "%s: '%s' does not fit in %u bytes", p->name, s, p->size);
		return -ERANGE;
	}
	*v = u;
	return 0;
bad_bool:
	snprintf(err, errlen, "%s: '%s' is not a boolean (0, 1, true, false)", p->name, s);
	return -EINVAL;
}

const char *policy_param_enum_name(const struct policy_param *p, uint64_t v)
{
	for (int i = 0; i < p->nenum; i++)
		if ((uint64_t)p->enums[i].val == v)
			return p->enums[i].name;
	return NULL;
}

const char *policy_param_format(const struct policy_param *p, uint64_t v, char *buf, size_t len)
{
	const char *name;

	switch (p->kind) {
	case PK_BOOL: snprintf(buf, len, "%s", v ? "yes" : "no"); break;
	case PK_PERCENT: snprintf(buf, len, "%" PRIu64 "%%", v); break;
	case PK_DURATION:
		if (v == 0)
			snprintf(buf, len, "0");
		else
			fmt_duration(buf, len, v);
		break;
	case PK_SIZE: fmt_size(buf, len, v); break;
	case PK_ENUM:
		name = policy_param_enum_name(p, v);
		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "%" PRId64, (int64_t)v);
		break;
	case PK_SIGNAL:
		name = policy_signal_name((int)v);
		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "%" PRIu64, v);
		break;
	default:
		if (p->is_signed)
			snprintf(buf, len, "%" PRId64, (int64_t)v);
		else
			snprintf(buf, len, "%" PRIu64, v);
	}
	return buf;
}

int policy_params_apply(const struct policy_param *ps, int n, void *blob,
			char **kv, int nkv, char *err, size_t errlen)
{
	for (int i = 0; i < nkv; i++) {
		char key[64];
		const char *eq = strchr(kv[i], '=');
		const struct policy_param *p = NULL;
		uint64_t v;
		size_t klen;

		if (!eq || eq == kv[i]) {
			snprintf(err, errlen, "'%s': expected KEY=VALUE", kv[i]);
			return -EINVAL;
		}
		klen = eq - kv[i];
		if (klen >= sizeof(key)) {
			snprintf(err, errlen, "'%.40s...': no such parameter", kv[i]);
			return -ENOENT;
		}
		memcpy(key, kv[i], klen);
		key[klen] = '\0';
		for (int j = 0; j < n; j++)
			if (!strcmp(ps[j].name, key))
				p = &ps[j];
		if (!p) {
			snprintf(err, errlen, "'%s': no such parameter", key);
			return -ENOENT;
		}
		if (policy_param_parse(p, eq + 1, &v, err, errlen))
			return -EINVAL;
		policy_param_put(p, blob, v);
	}
	return 0;
}

/* ---- metadata ------------------------------------------------------- */

int policy_meta_read(const char *dir, struct policy_meta *m)
{
	char p[PATH_MAX];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	int fd, err = 0;

	snprintf(p, sizeof(p), "%s/meta", dir);
	fd = bpf_obj_get(p);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.value_size != sizeof(*m))
		err = -EPROTO;
	else if (bpf_map_lookup_elem(fd, &zero, m))
		err = -errno;
	close(fd);
	if (!err && (m->magic != POLICY_META_MAGIC || m->version != POLICY_META_VERSION))
		err = -EPROTO;
	if (!err) {
		m->name[sizeof(m->name) - 1] = m->policy[sizeof(m->policy) - 1] = '\0';
		m->source[sizeof(m->source) - 1] = m->cgroup[sizeof(m->cgroup) - 1] = '\0';
		m->cgroup_path[sizeof(m->cgroup_path) - 1] = '\0';
	}
	return err;
}

/* ---- events --------------------------------------------------------- */

#define POLICY_READER_MAX 256

/* One loaded policy's ring buffer; ino tells a reload under the same name. */
struct policy_event_src {
	struct policy_meta meta;	/* name always set */
	ino_t ino;			/* of the pinned ring buffer */
	struct policy_event_reader *r;
	int fd;
};

struct policy_event_reader {
	struct ring_buffer *rb;
	policy_event_fn fn;
	void *ctx;
	char only[POLICY_NAME_LEN];	/* "" = every policy */
	char err[PATH_MAX + 128];	/* why the last refresh failed */
	int nr;
	struct policy_event_src *srcs;
};

struct pin_entry {
	char name[POLICY_NAME_LEN];
	ino_t ino;
};

static int reader_cb(void *ctx, void *data, size_t size)
{
	struct policy_event_src *src = ctx;
	/* a record comes from a BPF program: comm need not end in a NUL, this one does */
	struct {
		struct policy_event e;
		char nul;
	} z;

	memset(&z, 0, sizeof(z));
	memcpy(&z.e, data, size < sizeof(z.e) ? size : sizeof(z.e));
	return src->r->fn(src->r->ctx, &src->meta, &z.e);
}

/*
 * The policies whose loading is complete (meta is pinned last) and that
 * have an event ring buffer, sorted by name; -errno when the pin root is
 * there but not one to trust (pins.h).
 */
static int pins_scan(const char *only, struct pin_entry *out, int max, char *err, size_t errlen)
{
	struct pins_root root;
	char **names;
	int n = 0, nn, ret;

	ret = pins_root_open(&root, false, err, errlen);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	nn = pins_list(&root, &names);
	for (int i = 0; i < nn && n < max; i++) {
		char path[PATH_MAX];
		struct stat st;

		if (*only && strcmp(names[i], only))
			continue;
		snprintf(path, sizeof(path), "%s/%s/meta", POLICY_PIN_ROOT, names[i]);
		if (access(path, F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/%s/maps/policy_events", POLICY_PIN_ROOT, names[i]);
		if (stat(path, &st))
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", names[i]);
		out[n].ino = st.st_ino;
		n++;
	}
	if (nn > 0)
		pins_names_free(names, nn);
	pins_root_close(&root);
	return nn < 0 ? nn : n;	/* pins_list sorted them */
}

static bool srcs_match(const struct policy_event_reader *r, const struct pin_entry *pe, int n)
{
	if (n != r->nr)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(pe[i].name, r->srcs[i].meta.name) || pe[i].ino != r->srcs[i].ino)
			return false;
	return true;
}

int policy_events_refresh(struct policy_event_reader *r)
{
	struct pin_entry *pe;
	struct policy_event_src *ns;
	struct ring_buffer *nrb = NULL;
	int n, nn = 0, ret = 1;

	r->err[0] = '\0';
	pe = calloc(POLICY_READER_MAX, sizeof(*pe));
	ns = calloc(POLICY_READER_MAX, sizeof(*ns));
	if (!pe || !ns) {
		free(pe);
		free(ns);
		return -ENOMEM;
	}
	n = pins_scan(r->only, pe, POLICY_READER_MAX, r->err, sizeof(r->err));
	if (n < 0) {
		ret = n;
		goto out;
	}
	if (srcs_match(r, pe, n)) {
		ret = 0;
		goto out;
	}
	/* hand over what the old set holds before it goes */
	if (r->rb)
		ring_buffer__consume(r->rb);
	for (int i = 0; i < n; i++) {
		struct policy_event_src *src = &ns[nn], *old = NULL;
		char dir[PATH_MAX], path[PATH_MAX + 32];

		for (int j = 0; j < r->nr; j++)
			if (r->srcs[j].fd >= 0 && !strcmp(r->srcs[j].meta.name, pe[i].name) &&
			    r->srcs[j].ino == pe[i].ino)
				old = &r->srcs[j];
		if (old) {
			*src = *old;
			old->fd = -1;	/* moved */
		} else {
			snprintf(dir, sizeof(dir), "%s/%s", POLICY_PIN_ROOT, pe[i].name);
			if (policy_meta_read(dir, &src->meta))
				continue;	/* half loaded or going: next time */
			snprintf(src->meta.name, sizeof(src->meta.name), "%s", pe[i].name);
			snprintf(path, sizeof(path), "%s/maps/policy_events", dir);
			src->fd = bpf_obj_get(path);
			if (src->fd < 0)
				continue;
			src->ino = pe[i].ino;
		}
		src->r = r;
		if ((!nrb && !(nrb = ring_buffer__new(src->fd, reader_cb, src, NULL))) ||
		    (nn && ring_buffer__add(nrb, src->fd, reader_cb, src))) {
			close(src->fd);	/* not a ring buffer we can map: leave it out */
			continue;
		}
		nn++;
	}
	ring_buffer__free(r->rb);
	for (int j = 0; j < r->nr; j++)
		if (r->srcs[j].fd >= 0)
			close(r->srcs[j].fd);
	free(r->srcs);
	r->srcs = ns;
	r->rb = nrb;
	r->nr = nn;
	ns = NULL;
out:
	free(pe);
	free(ns);
	return ret;
}

struct policy_event_reader *policy_events_open(const char *name, policy_event_fn fn,
					       void *ctx, char *err, size_t errlen)
{
	struct policy_event_reader *r;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->fn = fn;
	r->ctx = ctx;
	if (name)
		snprintf(r->only, sizeof(r->only), "%s", name);
	ret = policy_events_refresh(r);
	if (ret < 0) {
		snprintf(err, errlen, "%s", r->err[0] ? r->err : strerror(-ret));
		policy_events_close(r);
		return NULL;
	}
	if (name && !r->nr) {
		snprintf(err, errlen, "no policy named '%s' is loaded", name);
		policy_events_close(r);
		errno = ENOENT;
		return NULL;
	}
	return r;
}

int policy_events_fd(struct policy_event_reader *r)
{
	return r->rb ? ring_buffer__epoll_fd(r->rb) : -1;
}

int policy_events_nr(struct policy_event_reader *r)
{
	return r->nr;
}

const struct policy_meta *policy_events_meta(struct policy_event_reader *r, int i)
{
	return i >= 0 && i < r->nr ? &r->srcs[i].meta : NULL;
}

int policy_events_poll(struct policy_event_reader *r, int timeout_ms)
{
	if (!r->rb)
		return 0;
	return timeout_ms == 0 ? ring_buffer__consume(r->rb) : ring_buffer__poll(r->rb, timeout_ms);
}

void policy_events_close(struct policy_event_reader *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	for (int i = 0; i < r->nr; i++)
		if (r->srcs[i].fd >= 0)
			close(r->srcs[i].fd);
	free(r->srcs);
	free(r);
}
