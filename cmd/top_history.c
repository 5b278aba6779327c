// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's recent events per cgroup, for the TUI's detail pane: OOM
 * victims from the BPF ring buffer, and what the counters say happened
 * between two refreshes (OOM kills, limit events, reclaim passes).
 */
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "clock.h"
#include "top_int.h"

int top_hist_victim_cb(void *ctx, void *data, size_t len)
{
	struct top_collector *c = ctx;

	if (len < sizeof(struct top_victim))
		return 0;
	if (c->vq_nr == c->vq_cap) {
		size_t cap = c->vq_cap ? c->vq_cap * 2 : 16;
		struct top_victim *n = realloc(c->vq, cap * sizeof(*n));

		if (!n)
			return 0;
		c->vq = n;
		c->vq_cap = cap;
	}
	memcpy(&c->vq[c->vq_nr++], data, sizeof(struct top_victim));
	return 0;
}

static struct ev_hist *evh_find(const struct top_collector *c, uint64_t id, size_t *at)
{
	size_t lo = 0, hi = c->evh_nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->evh[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at)
		*at = lo;
	return lo < c->evh_nr && c->evh[lo].id == id ? &c->evh[lo] : NULL;
}

static struct ev_hist *evh_get(struct top_collector *c, uint64_t id)
{
	size_t at;
	struct ev_hist *h = evh_find(c, id, &at);

	if (h)
		return h;
	if (c->evh_nr == c->evh_cap) {
		size_t cap = c->evh_cap ? c->evh_cap * 2 : 16;
		struct ev_hist *n = realloc(c->evh, cap * sizeof(*n));

		if (!n)
			return NULL;
		c->evh = n;
		c->evh_cap = cap;
	}
	memmove(&c->evh[at + 1], &c->evh[at], (c->evh_nr - at) * sizeof(*c->evh));
	c->evh_nr++;
	h = &c->evh[at];
	memset(h, 0, sizeof(*h));
	h->id = id;
	return h;
}

static void ev_push(struct top_collector *c, uint64_t id, const struct top_event *e)
{
	struct ev_hist *h = evh_get(c, id);

	if (!h)
		return;
	h->ev[h->pos] = *e;
	h->pos = (h->pos + 1) % TOP_EV_KEEP;
	if (h->n < TOP_EV_KEEP)
		h->n++;
}

size_t top_collector_events(const struct top_collector *c, uint64_t id,
			    struct top_event *out, size_t max)
{
	const struct ev_hist *h = evh_find(c, id, NULL);
	size_t n;

	if (!h)
		return 0;
	n = h->n < max ? h->n : max;
	for (size_t i = 0; i < n; i++)
		out[i] = h->ev[(h->pos + TOP_EV_KEEP - n + i) % TOP_EV_KEEP];
	return n;
}

static int row_of(const struct top_snap *s, const struct id_idx *ix, uint64_t id)
{
	struct id_idx key = { id, 0 }, *hit;

	hit = bsearch(&key, ix, s->nr, sizeof(*ix), top_id_idx_cmp);
	return hit ? (int)hit->idx : -1;
}

/* OOM victims, in their cgroup and every ancestor in the view. */
static void events_victims(struct top_collector *c, const struct top_snap *s)
{
	struct id_idx *ix;
	double mono_now;

	c->vq_nr = 0;
	if (!c->victims || ring_buffer__consume(c->victims) < 0 || !c->vq_nr)
		return;
	ix = malloc(s->nr * sizeof(*ix));
	if (!ix)
		return;
	for (size_t i = 0; i < s->nr; i++)
		ix[i] = (struct id_idx){ s->rows[i].id, i };
	qsort(ix, s->nr, sizeof(*ix), top_id_idx_cmp);
	mono_now = clock_mono_s();
	for (size_t v = 0; v < c->vq_nr; v++) {
		const struct top_victim *tv = &c->vq[v];
		struct top_event e = { .kind = TOP_EV_OOM_VICTIM, .count = 1, .pid = tv->pid,
				       .cg_id = tv->memcg_id };
		int row = row_of(s, ix, tv->memcg_id);

		e.time = s->time - (mono_now - tv->time_ns / 1e9);
		memcpy(e.comm, tv->comm, sizeof(e.comm));
		e.comm[sizeof(e.comm) - 1] = '\0';
		for (; row >= 0; row = s->rows[row].parent) {
			struct ev_hist *h;

			ev_push(c, s->rows[row].id, &e);
			if ((h = evh_find(c, s->rows[row].id, NULL))) {
				h->victims++;
				h->victims_gen = c->gen;
			}
		}
	}
	free(ix);
}

/* What the counters say happened since the previous refresh. */
static void events_counters(struct top_collector *c, const struct top_snap *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		const struct top_row *r = &s->rows[i];
		struct top_event e = { .time = s->time, .cg_id = r->id };

		if (r->oom_new > 0) {
			struct ev_hist *h = evh_find(c, r->id, NULL);
			uint64_t n = (uint64_t)r->oom_new;

			/* a victim is marked just before oom_kill counts it: maybe a refresh earlier */
			if (h && h->victims && h->victims_gen + 1 < c->gen)
				h->victims = 0;
			if (h && h->victims) {
				uint64_t m = h->victims < n ? h->victims : n;

				h->victims -= m;
				n -= m;
			}
			if (n) {
				e.kind = TOP_EV_OOM_KILL;
				e.count = n;
				ev_push(c, r->id, &e);
			}
		}
		if (r->limit_events > 0) {
			e.kind = TOP_EV_LIMIT;
			e.count = (uint64_t)r->limit_events;
			ev_push(c, r->id, &e);
		}
		if (r->reclaims_new > 0) {
			e.kind = TOP_EV_RECLAIM;
			e.count = (uint64_t)r->reclaims_new;
			e.stall_ms = r->stall_rate >= 0 ? r->stall_rate * s->interval : 0;
			e.pages = r->reclaimed_new > 0 ? (uint64_t)r->reclaimed_new : 0;
			ev_push(c, r->id, &e);
		}
	}
}

void top_hist_update(struct top_collector *c, const struct top_snap *s)
{
	c->gen++;
	events_victims(c, s);
	events_counters(c, s);
}
