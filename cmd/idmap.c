// SPDX-License-Identifier: GPL-2.0-only
/*
 * id -> index, open addressing (see idmap.h).  The id is mixed before
 * it picks a slot: cgroup ids are inode numbers, handed out in runs, and
 * runs of keys make long probe chains under a plain mask.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

static size_t slot_of(uint64_t id, size_t cap)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

/* The slot holding id, or the free slot where it would go. */
static size_t find(const struct idmap *m, uint64_t id)
{
	size_t i = slot_of(id, m->cap);

	while (m->ids[i] && m->ids[i] != id)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int grow(struct idmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct idmap n = { calloc(cap, sizeof(*n.ids)), malloc(cap * sizeof(*n.idx)), cap, 0 };

	if (!n.ids || !n.idx) {
		free(n.ids);
		free(n.idx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->ids[i]) {
			size_t j = find(&n, m->ids[i]);

			n.ids[j] = m->ids[i];
			n.idx[j] = m->idx[i];
			n.nr++;
		}
	}
	idmap_free(m);
	*m = n;
	return 0;
}

int idmap_put(struct idmap *m, uint64_t id, size_t idx)
{
	size_t i;

	if (!id)
		return -EINVAL;
	/* at most half full: probe chains stay short */
	if ((m->nr + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	i = find(m, id);
	if (!m->ids[i]) {
		m->ids[i] = id;
		m->nr++;
	}
	m->idx[i] = idx;
	return 0;
}

bool idmap_get(const struct idmap *m, uint64_t id, size_t *idx)
{
	size_t i;

	if (!id || !m->cap)
		return false;
	i = find(m, id);
	if (!m->ids[i])
		return false;
	if (idx)
		*idx = m->idx[i];
	return true;
}

void idmap_clear(struct idmap *m)
{
	if (m->cap)
		memset(m->ids, 0, m->cap * sizeof(*m->ids));
	m->nr = 0;
}

void idmap_free(struct idmap *m)
{
	free(m->ids);
	free(m->idx);
	memset(m, 0, sizeof(*m));
}
