// SPDX-License-Identifier: GPL-2.0-only
/* idmap: cgroup id -> index, the one lookup structure of top and watch. */
#include <errno.h>
#include <stdlib.h>

#include "idmap.h"
#include "unit.h"

static void basics(void)
{
	struct idmap m = IDMAP_INIT;
	size_t idx = 99;

	CHECK("empty-get", !idmap_get(&m, 5, &idx) && idx == 99);
	CHECK("zero-put", idmap_put(&m, 0, 1) == -EINVAL && m.nr == 0);
	CHECK("put", idmap_put(&m, 5, 7) == 0 && m.nr == 1);
	CHECK("get", idmap_get(&m, 5, &idx) && idx == 7);
	CHECK("get-null-idx", idmap_get(&m, 5, NULL));
	CHECK("zero-get", !idmap_get(&m, 0, &idx));
	CHECK("missing", !idmap_get(&m, 6, NULL));
	CHECK("replace", idmap_put(&m, 5, 8) == 0 && m.nr == 1 &&
	      idmap_get(&m, 5, &idx) && idx == 8);
	CHECK("high-bits", idmap_put(&m, 5 | 1ULL << 63, 9) == 0 &&
	      idmap_get(&m, 5 | 1ULL << 63, &idx) && idx == 9 &&
	      idmap_get(&m, 5, &idx) && idx == 8);
	idmap_clear(&m);
	CHECK("clear", m.nr == 0 && m.cap > 0 && !idmap_get(&m, 5, NULL));
	CHECK("after-clear", idmap_put(&m, 5, 1) == 0 && idmap_get(&m, 5, &idx) && idx == 1);
	idmap_free(&m);
	CHECK("free", !m.cap && !m.nr && !idmap_get(&m, 5, NULL));
}

/* Inode-like runs and random ids against a plain array, through growth. */
static void many(void)
{
	enum { N = 20000 };
	struct idmap m = IDMAP_INIT;
	uint64_t *ids = malloc(N * sizeof(*ids));
	bool ok = ids != NULL;
	size_t idx;

	srand(17);
	for (size_t i = 0; ok && i < N; i++) {
		ids[i] = i < N / 2 ? 1000 + i :
			 ((uint64_t)rand() << 33 | (uint64_t)rand() << 2 | 1);
		ok = idmap_put(&m, ids[i], i) == 0;
	}
	CHECK("many-put", ok);
	for (size_t i = 0; ok && i < N; i++)
		ok = idmap_get(&m, ids[i], &idx) && ids[idx] == ids[i];
	CHECK("many-get", ok);
	CHECK("many-half-full", m.nr * 2 <= m.cap && m.nr <= N);
	/* even ids: none of the random ones, and below or past the run */
	CHECK("many-missing", !idmap_get(&m, 998, NULL) && !idmap_get(&m, 1000 + N, NULL) &&
	      !idmap_get(&m, 2ULL << 40, NULL));
	idmap_free(&m);
	free(ids);
}

int main(void)
{
	unit_suite = "idmap";
	basics();
	many();
	return unit_done();
}
