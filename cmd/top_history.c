// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's recent events per cgroup, for the TUI's detail pane: OOM
 * victims from the BPF ring buffer, and what the counters say happened
 * between two refreshes (OOM kills, limit events, reclaim passes).
 */
#include <errno.h>
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

static struct ev_hist *evh_find(const struct top_collector *c, uint64_t id)
{
	size_t at;

	return idmap_get(&c->evh_ix, id, &at) ? &c->evh[at] : NULL;
}

static struct ev_hist *evh_get(struct top_collector *c, uint64_t id)
{
	struct ev_hist *h = evh_find(c, id);

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
	if (idmap_put(&c->evh_ix, id, c->evh_nr))
		return NULL;
	h = &c->evh[c->evh_nr++];
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
	const struct ev_hist *h = evh_find(c, id);
	size_t n;

	if (!h)
		return 0;
	n = h->n < max ? h->n : max;
	for (size_t i = 0; i < n; i++)
		out[i] = h->ev[(h->pos + TOP_EV_KEEP - n + i) % TOP_EV_KEEP];
	return n;
}

/* OOM victims, in their cgroup and every ancestor in the view. */
static void events_victims(struct top_collector *c, const struct top_snap *s)
{
	double mono_now;

	c->vq_nr = 0;
	if (!c->victims || ring_buffer__consume(c->victims) < 0 || !c->vq_nr)
		return;
	idmap_clear(&c->rows_ix);
	for (size_t i = 0; i < s->nr; i++)
		if (idmap_put(&c->rows_ix, s->rows[i].id, i) == -ENOMEM)
			return;
	mono_now = clock_mono_s();
	for (size_t v = 0; v < c->vq_nr; v++) {
		const struct top_victim *tv = &c->vq[v];
		struct top_event e = { .kind = TOP_EV_OOM_VICTIM, .count = 1, .pid = tv->pid,
				       .cg_id = tv->memcg_id };
		size_t at;
		int row = idmap_get(&c->rows_ix, tv->memcg_id, &at) ? (int)at : -1;

		e.time = s->time - (mono_now - tv->time_ns / 1e9);
		memcpy(e.comm, tv->comm, sizeof(e.comm));
		e.comm[sizeof(e.comm) - 1] = '\0';
		for (; row >= 0; row = s->rows[row].parent) {
			struct ev_hist *h;

			ev_push(c, s->rows[row].id, &e);
			if ((h = evh_find(c, s->rows[row].id))) {
				h->victims++;
				h->victims_gen = c->gen;
			}
		}
	}
}

/* What the counters say happened since the previous refresh. */
static void events_counters(struct top_collector *c, const struct top_snap *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		const struct top_row *r = &s->rows[i];
		struct top_event e = { .time = s->time, .cg_id = r->id };

		if (r->oom_new > 0) {
			struct ev_hist *h = evh_find(c, r->id);
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
