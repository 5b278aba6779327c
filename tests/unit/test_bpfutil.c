// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfutil: btf_raw_find_funcs, the walk of raw BTF that answers "is this
 * kfunc there" without a parse by libbpf, on BTF written by libbpf with
 * a type of every size class before and after the functions; broken and
 * unknown BTF is refused, never half-answered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "bpfutil.h"
#include "unit.h"

static struct btf *fake_btf(void)
{
	struct btf *btf = btf__new_empty();
	int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int s, proto;

	btf__add_ptr(btf, i32);
	btf__add_array(btf, i32, i32, 4);
	s = btf__add_struct(btf, "mem_cgroup", 8);
	btf__add_field(btf, "a", i32, 0, 0);
	btf__add_field(btf, "b", i32, 32, 0);
	btf__add_enum(btf, "node_stat_item", 4);
	btf__add_enum_value(btf, "bpf_mem_cgroup_flush_stats", 0);	/* not a function */
	btf__add_enum64(btf, "e64", 8, false);
	btf__add_enum64_value(btf, "E", 1ULL << 40);
	proto = btf__add_func_proto(btf, i32);
	btf__add_func_param(btf, "memcg", btf__add_ptr(btf, s));
	btf__add_func(btf, "css_rstat_flush", BTF_FUNC_GLOBAL, proto);
	btf__add_typedef(btf, "cgroup_rstat_flush", i32);	/* not a function either */
	btf__add_var(btf, "v", BTF_VAR_GLOBAL_ALLOCATED, i32);
	btf__add_datasec(btf, ".data", 4);
	btf__add_datasec_var_info(btf, btf__type_cnt(btf) - 2, 0, 4);
	btf__add_decl_tag(btf, "tag", proto, -1);
	btf__add_func(btf, "bpf_get_mem_cgroup", BTF_FUNC_GLOBAL, proto);
	return btf;
}

int main(void)
{
	static const char *const names[] = {
		"bpf_mem_cgroup_flush_stats", "css_rstat_flush", "cgroup_rstat_flush",
		"bpf_get_mem_cgroup", "css_rstat",
	};
	struct btf *btf = fake_btf();
	bool found[5];
	__u32 len;
	const void *raw = btf__raw_data(btf, &len);
	char *copy = malloc(len);

	unit_suite = "bpfutil";
	CHECK("raw-data", raw && len > 0 && copy);
	CHECK("walk-ok", btf_raw_find_funcs(raw, len, names, 5, found) == 0);
	CHECK("enumerator-is-not-func", !found[0]);
	CHECK("func-found", found[1]);
	CHECK("typedef-is-not-func", !found[2]);
	CHECK("func-after-every-kind", found[3]);
	CHECK("prefix-is-not-a-match", !found[4]);

	memcpy(copy, raw, len);
	copy[0] ^= 0xff;
	CHECK("bad-magic", btf_raw_find_funcs(copy, len, names, 5, found) == -EINVAL);
	CHECK("truncated", btf_raw_find_funcs(raw, len - 3, names, 5, found) == -EINVAL);
	CHECK("header-only", btf_raw_find_funcs(raw, 8, names, 5, found) == -EINVAL);

	/* a kind from after this code: refused, not skipped with a wrong size */
	memcpy(copy, raw, len);
	{
		const struct btf_header *h = (const void *)copy;
		struct btf_type *t = (void *)(copy + h->hdr_len + h->type_off);

		t->info = (t->info & ~(0x1fU << 24)) | (31U << 24);
		CHECK("unknown-kind", btf_raw_find_funcs(copy, len, names, 5, found) == -EINVAL);
		CHECK("refused-says-nothing", !found[1] && !found[3]);
	}
	free(copy);
	btf__free(btf);
	return unit_done();
}
