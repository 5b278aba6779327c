/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One lookup structure for cgroup ids: id -> index into the caller's own
 * array, open addressing with linear probing.  Id 0 marks a free slot
 * (no cgroup has id 0), so it cannot be stored.  No removal: callers
 * that rebuild (a snapshot each refresh) use idmap_clear, which keeps
 * the table's memory.
 */
#ifndef MEMCGCTL_IDMAP_H
#define MEMCGCTL_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap {
	uint64_t *ids;		/* 0: free */
	size_t *idx;
	size_t cap, nr;		/* cap a power of two, or 0 */
};

#define IDMAP_INIT { 0 }

/* Map id to idx, replacing what it mapped to; 0, -EINVAL (id 0) or -ENOMEM. */
int idmap_put(struct idmap *m, uint64_t id, size_t idx);
/* Whether id is mapped; *idx (may be NULL) gets its index. */
bool idmap_get(const struct idmap *m, uint64_t id, size_t *idx);
/* Forget every id, keep the memory. */
void idmap_clear(struct idmap *m);
void idmap_free(struct idmap *m);

#endif
