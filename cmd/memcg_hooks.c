// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load-time choices shared by every command whose programs are built on
 * bpf/memcg.bpf.h.  Decided from this kernel's BTF and tracefs, never
 * from its version.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfutil.h"
#include "memcg_hooks.h"

bool memcg_hooks_btf_enum_has(const struct btf *btf, const char *type, const char *name)
{
	const struct btf_type *t;
	int id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	if (id <= 0)
		id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM64);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (int i = 0; t && i < btf_vlen(t); i++) {
		__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;

		if (!strcmp(btf__name_by_offset(btf, off), name))
			return true;
	}
	return false;
}

enum memcg_scan_via memcg_hooks_scan_via_btf(const struct btf *btf, bool tp_events,
					     bool tp_lruvec, char *why, size_t len)
{
	enum memcg_scan_via via = MEMCG_SCAN_NONE;
	const char *what;

	/* the enum move of 7.1 (see bpf/memcg.bpf.h) decides, then the hook */
	if (memcg_hooks_btf_enum_has(btf, "vm_event_item", "PGSCAN_KSWAPD")) {
		via = tp_events ? MEMCG_SCAN_VM_EVENTS : MEMCG_SCAN_NONE;
		what = tp_events ? "pgscan is a vm event here, counted by memcg:count_memcg_events"
				 : "pgscan is a vm event here and memcg:count_memcg_events is missing";
	} else if (memcg_hooks_btf_enum_has(btf, "node_stat_item", "PGSCAN_KSWAPD")) {
		via = tp_lruvec ? MEMCG_SCAN_LRUVEC : MEMCG_SCAN_NONE;
		what = tp_lruvec ? "pgscan is a node stat here, updated through "
				   "memcg:mod_memcg_lruvec_state"
				 : "pgscan is a node stat here and memcg:mod_memcg_lruvec_state "
				   "is missing";
	} else {
		what = "this kernel's BTF has no PGSCAN_KSWAPD item";
	}
	if (why && len)
		snprintf(why, len, "%s", what);
	return via;
}

enum memcg_scan_via memcg_hooks_scan_via(char *why, size_t len)
{
	static int cached = -1;
	static char reason[160];

	if (cached < 0) {
		cached = memcg_hooks_scan_via_btf(vmlinux_btf(), tracepoint_exists("memcg", "count_memcg_events"),
						  tracepoint_exists("memcg", "mod_memcg_lruvec_state"),
						  reason, sizeof(reason));
	}
	if (why && len)
		snprintf(why, len, "%s", reason);
	return cached;
}

unsigned int memcg_hooks_page_shift(void)
{
	long sz = sysconf(_SC_PAGESIZE);
	unsigned int shift = 0;

	if (sz <= 0)
		sz = 4096;	/* sysconf cannot fail for this; keep a sane value anyway */
	while ((1L << shift) < sz)
		shift++;
	return shift;
}
