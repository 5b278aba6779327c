// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcg_hooks: which hook carries pgscan, decided from BTF shaped like
 * the kernels before and after the 7.1 move of PGSCAN_* / PGSTEAL_* from
 * enum vm_event_item to enum node_stat_item; and the page size.
 */
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "memcg_hooks.h"
#include "unit.h"

/* A BTF with the two enums; `moved`: PGSCAN_KSWAPD in node_stat_item. */
static struct btf *fake_btf(bool moved, bool with_item)
{
	struct btf *btf = btf__new_empty();

	btf__add_enum(btf, "vm_event_item", 4);
	btf__add_enum_value(btf, "PGPGIN", 0);
	if (with_item && !moved)
		btf__add_enum_value(btf, "PGSCAN_KSWAPD", 32);
	btf__add_enum(btf, "node_stat_item", 4);
	btf__add_enum_value(btf, "NR_LRU_BASE", 0);
	if (with_item && moved)
		btf__add_enum_value(btf, "PGSCAN_KSWAPD", 55);
	return btf;
}

int main(void)
{
	struct btf *old = fake_btf(false, true), *new = fake_btf(true, true);
	struct btf *none = fake_btf(false, false);
	char why[160];

	unit_suite = "memcg_hooks";
	CHECK("enum-has-old", memcg_hooks_btf_enum_has(old, "vm_event_item", "PGSCAN_KSWAPD"));
	CHECK("enum-not-in-other", !memcg_hooks_btf_enum_has(old, "node_stat_item", "PGSCAN_KSWAPD"));
	CHECK("enum-has-new", memcg_hooks_btf_enum_has(new, "node_stat_item", "PGSCAN_KSWAPD"));
	CHECK("enum-missing-type", !memcg_hooks_btf_enum_has(old, "no_such_enum", "PGPGIN"));
	CHECK("enum-null-btf", !memcg_hooks_btf_enum_has(NULL, "vm_event_item", "PGPGIN"));

	/* up to 7.0: count_memcg_events, even where the lruvec hook exists too */
	CHECK("old-events", memcg_hooks_scan_via_btf(old, true, true, why, sizeof(why)) ==
			    MEMCG_SCAN_VM_EVENTS);
	CHECK("old-why", strstr(why, "count_memcg_events") != NULL);
	/* 6.1 .. 6.13: the items are vm events but the tracepoint is missing */
	CHECK("old-no-tp", memcg_hooks_scan_via_btf(old, false, false, why, sizeof(why)) ==
			   MEMCG_SCAN_NONE);
	CHECK("old-no-tp-why", strstr(why, "missing") != NULL);
	/* 7.1+: count_memcg_events still exists but never carries pgscan */
	CHECK("new-lruvec", memcg_hooks_scan_via_btf(new, true, true, why, sizeof(why)) ==
			    MEMCG_SCAN_LRUVEC);
	CHECK("new-why", strstr(why, "mod_memcg_lruvec_state") != NULL);
	CHECK("new-no-lruvec-tp", memcg_hooks_scan_via_btf(new, true, false, NULL, 0) ==
				  MEMCG_SCAN_NONE);
	CHECK("no-item", memcg_hooks_scan_via_btf(none, true, true, why, sizeof(why)) ==
			 MEMCG_SCAN_NONE);
	CHECK("no-item-why", strstr(why, "PGSCAN_KSWAPD") != NULL);

	CHECK("page-shift", (1L << memcg_hooks_page_shift()) == sysconf(_SC_PAGESIZE));

	btf__free(old);
	btf__free(new);
	btf__free(none);
	return unit_done();
}
