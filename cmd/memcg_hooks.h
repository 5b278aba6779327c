/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The load-time half of bpf/memcg.bpf.h: which memcg hooks this kernel
 * really feeds, and the constants every memcg program takes before load.
 * Each command's own *_choose_hooks() builds on these.
 */
#ifndef MEMCGCTL_MEMCG_HOOKS_H
#define MEMCGCTL_MEMCG_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

/* Where the memcg's pgscan/pgsteal items arrive on this kernel. */
enum memcg_scan_via {
	MEMCG_SCAN_NONE = 0,	/* neither hook: cgroupfs numbers only */
	MEMCG_SCAN_VM_EVENTS,	/* vm_event_item, memcg:count_memcg_events (6.14 .. 7.0) */
	MEMCG_SCAN_LRUVEC,	/* node_stat_item, memcg:mod_memcg_lruvec_state (7.1+) */
};

/*
 * Which hook carries PGSCAN_KSWAPD here: the enum that has it in this
 * kernel's BTF and the tracepoint that is fed from that enum.  why (may
 * be NULL) gets a sentence for -d and `feature`.
 */
enum memcg_scan_via memcg_hooks_scan_via(char *why, size_t len);

/*
 * The same decision for a given BTF and tracepoints (testable without a
 * kernel), and the enum lookup it rests on.
 */
struct btf;
enum memcg_scan_via memcg_hooks_scan_via_btf(const struct btf *btf, bool tp_events,
					     bool tp_lruvec, char *why, size_t len);
bool memcg_hooks_btf_enum_has(const struct btf *btf, const char *type, const char *name);

/* log2 of the page size, for memcg_page_shift. */
unsigned int memcg_hooks_page_shift(void);

#endif
