// SPDX-License-Identifier: GPL-2.0-only
/*
 * KEY=VALUE parameters against hostile BTF (cmd/policy_params.c), as
 * `policy load` meets them in a user's object: nothing but libbpf's
 * parser stands between the object's BTF and policy_params_from_btf().
 *
 * The input builds a BTF blob: either raw bytes handed to btf__new()
 * as they are, or a short program of btf__add_*() calls (integers of any
 * size and encoding, enums, typedefs and modifiers that may point
 * anywhere, themselves included, structs whose members lie anywhere)
 * whose result is serialised and parsed again by btf__new().  Every type
 * is then taken as policy_config's value type: its parameters are read,
 * a value buffer of the struct's size is allocated as load_params()
 * does, KEY=VALUE items (from the input, and one per parameter found)
 * are applied, and every parameter is read back and formatted.
 */
#include <errno.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fuzz.h"
#include "policy.h"

#define MAX_TYPES 48

static char *name_of(struct fuzz_in *in)
{
	char *s = fuzz_str(in);

	if (strlen(s) > 40)	/* libbpf takes any name; keep the blob small */
		s[40] = '\0';
	return s;
}

static int add_type(struct btf *btf, struct fuzz_in *in, int ntypes)
{
	uint8_t op = fuzz_u8(in);
	/* a reference to any type so far, the next one (itself) or beyond */
	uint32_t ref = ntypes ? fuzz_u8(in) % (ntypes + 3) : fuzz_u8(in) % 3;
	char *name = name_of(in);
	int id = -1;

	switch (op % 6) {
	case 0: {
		static const int sizes[] = { 1, 2, 4, 8, 16, 3 };
		uint8_t enc = fuzz_u8(in);

		id = btf__add_int(btf, name[0] ? name : "int", sizes[enc % 6],
				  (enc >> 4) & (BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL));
		break;
	}
	case 1: {
		int n = fuzz_u8(in) % 20;

		id = btf__add_enum(btf, name, 1u << (fuzz_u8(in) % 4));
		for (int i = 0; id > 0 && i < n && in->n; i++) {
			char *en = name_of(in);

			if (en[0])
				btf__add_enum_value(btf, en, (int64_t)(int32_t)fuzz_u64(in, 4));
			free(en);
		}
		break;
	}
	case 2: id = btf__add_typedef(btf, name[0] ? name : "t", ref); break;
	case 3: id = op & 0x80 ? btf__add_const(btf, ref) : btf__add_volatile(btf, ref); break;
	case 4: {
		int n = fuzz_u8(in) % 12;

		id = btf__add_struct(btf, name, (uint32_t)fuzz_u64(in, op & 0x40 ? 4 : 1));
		for (int i = 0; id > 0 && i < n && in->n; i++) {
			char *mn = name_of(in);
			uint8_t how = fuzz_u8(in);
			uint32_t mref = fuzz_u8(in) % (ntypes + 3);
			/* mostly byte-aligned small offsets, sometimes anything */
			uint32_t off = how & 1 ? (uint32_t)fuzz_u64(in, 4) : fuzz_u8(in) * 8u;

			btf__add_field(btf, mn, mref, off, how & 2 ? (how >> 2) % 65 : 0);
			free(mn);
		}
		break;
	}
	default:
		id = btf__add_ptr(btf, ref);
	}
	free(name);
	return id;
}

static struct btf *build(struct fuzz_in *in)
{
	struct btf *b, *out;
	const void *raw;
	uint32_t sz;
	uint8_t mode = fuzz_u8(in);

	if (mode == 0xff) {
		/* raw: length, then the blob itself */
		size_t len = fuzz_u64(in, 2);

		if (len > in->n)
			len = in->n;
		out = btf__new(in->p, len);
		in->p += len;
		in->n -= len;
		return libbpf_get_error(out) ? NULL : out;
	}
	b = btf__new_empty();
	if (!b)
		return NULL;
	for (int n = 0, types = mode % MAX_TYPES; n < types && in->n; n++)
		if (add_type(b, in, n) < 0)
			break;
	raw = btf__raw_data(b, &sz);
	out = raw ? btf__new(raw, sz) : NULL;
	btf__free(b);
	return libbpf_get_error(out) ? NULL : out;
}

static void exercise(const struct btf *btf, uint32_t id, char **kv, int nkv)
{
	struct policy_param ps[POLICY_MAX_PARAMS];
	char err[256], buf[128], item[128], *synth[POLICY_MAX_PARAMS];
	uint32_t size = 0;
	unsigned char *val;
	int n;

	n = policy_params_from_btf(btf, id, ps, POLICY_MAX_PARAMS, &size, err, sizeof(err));
	if (n < 0)
		return;
	FUZZ_ASSERT(n <= POLICY_MAX_PARAMS, "%d params", n);
	/*
	 * A struct of gigabytes is allocated as asked (the kernel refuses an
	 * array value that large at load): not a memory error, and ASan's
	 * allocator would spend the run on it.
	 */
	if (size > (1u << 20))
		return;
#ifdef FUZZ_SKIP_KNOWN_OOB_MEMBERS
	/*
	 * Development only: members beyond the struct's size overflow the
	 * value buffer (a known bug, fixed separately); skip them to fuzz on.
	 */
	{
		int k = 0;

		for (int i = 0; i < n; i++)
			if ((uint64_t)ps[i].offset + ps[i].size <= size)
				ps[k++] = ps[i];
		n = k;
	}
#endif
	val = calloc(1, size);	/* as load_params() */
	if (!val)
		return;
	policy_params_apply(ps, n, val, kv, nkv, err, sizeof(err));
	for (int i = 0; i < n; i++) {
		const char *v = nkv ? strchr(kv[i % nkv], '=') : NULL;

		snprintf(item, sizeof(item), "%s=%s", ps[i].name, v ? v + 1 : "1");
		synth[i] = strdup(item);
		FUZZ_ASSERT(ps[i].nenum >= 0 && ps[i].nenum <= POLICY_ENUM_MAX, "nenum %d",
			    ps[i].nenum);
	}
	policy_params_apply(ps, n, val, synth, n, err, sizeof(err));
	for (int i = 0; i < n; i++) {
		uint64_t x = policy_param_get(&ps[i], val);

		policy_param_format(&ps[i], x, buf, sizeof(buf));
		FUZZ_ASSERT(strlen(buf) < sizeof(buf), "format");
		/* what is shown parses back (bools show yes/no; sizes round) */
		if (ps[i].kind == PK_BOOL || ps[i].kind == PK_ENUM || ps[i].kind == PK_SIGNAL)
			policy_param_parse(&ps[i], buf, &x, err, sizeof(err));
		free(synth[i]);
	}
	free(val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct btf *btf;
	char *kv[8];
	int nkv = 0;

	btf = build(&in);
	while (nkv < 8 && in.n)
		kv[nkv++] = fuzz_str(&in);
	if (btf) {
		uint32_t nt = btf__type_cnt(btf);

		for (uint32_t id = 0; id < nt + 2 && id < 2 * MAX_TYPES; id++)
			exercise(btf, id, kv, nkv);
		btf__free(btf);
	}
	for (int i = 0; i < nkv; i++)
		free(kv[i]);
	return 0;
}

/* libbpf's warnings about the blobs we feed it are expected: keep them quiet */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	libbpf_set_print(quiet);
	return 0;
}
