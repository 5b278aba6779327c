// SPDX-License-Identifier: GPL-2.0-only
/*
 * top's full-screen view: the only file that includes curses.  It reads
 * snapshots from the collector and the shared view/column code; rows
 * are formatted into buffers first, then drawn.
 */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "escape.h"
#include "idmap.h"
#include "main.h"
#include "memstate.h"
#include "reclaimer.h"
#include "stopsig.h"
#include "top_snap.h"
#include "units.h"

#define HIST 120	/* samples of history per cgroup for the sparklines */

enum { C_OK = 1, C_WARN, C_CRIT, C_HEAD, C_NOTE };

struct hist {
	float use[HIST];	/* % of limit, or bytes when unlimited */
	float psi[HIST];	/* PSI some over the interval, % */
	int n, pos;
};

struct tui {
	struct top_tui_opts *o;
	const struct top_snap *s;
	int *order;
	size_t nr, order_cap;
	size_t sel;		/* index into order */
	uint64_t sel_id;
	size_t scroll;
	bool paused, detail, help, utf8;
	/* the column picker: every column, the visible ones first in order */
	bool picker;
	int body;		/* rows of the table on screen, at the last draw */
	uint64_t *vis_ids;	/* their ids, for the collector */
	int pick[TOP_MAX_COLS], pick_n, pick_cur;
	bool pick_vis[TOP_MAX_COLS];
	uint64_t *folded;
	size_t nr_folded, cap_folded;
	char filter[PATH_MAX];	/* --filter, then what '/' typed */
	char msg[256];		/* one-line message in the status bar */
	struct hist *hist;	/* per cgroup ever seen, hist_ix: id -> index */
	size_t hist_nr, hist_cap;
	struct idmap hist_ix;
};

/* ---- history ------------------------------------------------------------ */

static struct hist *hist_slot(struct tui *t, uint64_t id, bool create)
{
	struct hist *h;
	size_t at;

	if (idmap_get(&t->hist_ix, id, &at))
		return &t->hist[at];
	if (!create)
		return NULL;
	if (t->hist_nr == t->hist_cap) {
		size_t cap = t->hist_cap ? t->hist_cap * 2 : 256;
		struct hist *n = realloc(t->hist, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->hist = n;
		t->hist_cap = cap;
	}
	if (idmap_put(&t->hist_ix, id, t->hist_nr))
		return NULL;
	h = &t->hist[t->hist_nr++];
	memset(h, 0, sizeof(*h));
	return h;
}

static void hist_record(struct tui *t)
{
	for (size_t i = 0; i < t->s->nr; i++) {
		const struct top_row *r = &t->s->rows[i];
		struct hist *h = hist_slot(t, r->id, true);
		double pct = memstate_limit_pct(&r->mem);

		if (!h)
			return;
		h->use[h->pos] = pct >= 0 ? (float)pct :
				 cg_known(r->mem.current) ? (float)r->mem.current : NAN;
		h->psi[h->pos] = r->psi_some_rate >= 0 ? (float)r->psi_some_rate : NAN;
		h->pos = (h->pos + 1) % HIST;
		if (h->n < HIST)
			h->n++;
	}
}

/* ---- drawing -------------------------------------------------------------- */

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void put_trunc(int y, int x, const char *s, int w)
{
	int len = (int)strlen(s);

	if (w <= 0)
		return;
	if (len <= w) {
		mvaddnstr(y, x, s, w);
	} else {
		mvaddnstr(y, x, s, w - 1);
		addch('~');
	}
}

static int name_width(const struct tui *t)
{
	int w = COLS;

	for (int c = 0; c < t->o->cols.nr; c++)
		if (top_cols[t->o->cols.idx[c]].kind != TOP_K_NAME)
			w -= top_cols[t->o->cols.idx[c]].width + 1;
	return w < 12 ? 12 : w;
}

/* top_col_level() to colour pairs */
static const int level_pair[] = { 0, C_OK, C_WARN, C_CRIT };

static bool folded(const struct tui *t, uint64_t id)
{
	for (size_t i = 0; i < t->nr_folded; i++)
		if (t->folded[i] == id)
			return true;
	return false;
}

static void draw_header(struct tui *t)
{
	char tbuf[16], line[512];
	time_t now = (time_t)t->s->time;
	struct tm tm;
	const char *note = NULL;
	int nw = name_width(t), x = 0;

	localtime_r(&now, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	top_collector_bpf(t->o->col, &note);
	snprintf(line, sizeof(line), "memcgctl top  %s  %zu cgroups  %s  %s  every %.1fs%s%s%s",
		 tbuf, t->s->nr, t->s->layout, t->s->bpf ? "BPF on" : "BPF off",
		 t->o->delay, t->paused ? "  [PAUSED]" : "",
		 t->filter[0] ? "  filter: " : "", esc(t->filter));
	attron(A_BOLD);
	put_trunc(0, 0, line, COLS);
	attroff(A_BOLD);
	if (!t->s->bpf && note) {
		if (t->o->color)
			attron(COLOR_PAIR(C_NOTE));
		snprintf(line, sizeof(line), "BPF columns show '-': %s", note);
		put_trunc(1, 0, line, COLS);
		if (t->o->color)
			attroff(COLOR_PAIR(C_NOTE));
	}
	/* column headers; the sort column marked */
	attron(t->o->color ? COLOR_PAIR(C_HEAD) : A_REVERSE);
	mvhline(2, 0, ' ', COLS);
	for (int c = 0; c < t->o->cols.nr && x < COLS; c++) {
		const struct top_col *col = &top_cols[t->o->cols.idx[c]];
		bool sorted = t->o->cols.idx[c] == t->o->view.sort_col;
		char h[64];

		if (col->kind == TOP_K_NAME) {
			snprintf(h, sizeof(h), "%s%s", col->header,
				 sorted ? (t->o->view.sort_desc ? "v" : "^") : "");
			if (sorted)
				attron(A_BOLD);
			put_trunc(2, x, h, COLS - x);
			x += nw + 1;
		} else {
			snprintf(h, sizeof(h), "%*s", col->width, col->header);
			if (sorted) {
				attron(A_BOLD | A_UNDERLINE);
			}
			put_trunc(2, x, h, COLS - x);
			x += col->width + 1;
		}
		if (sorted)
			attroff(A_BOLD | A_UNDERLINE);
	}
	attroff(t->o->color ? COLOR_PAIR(C_HEAD) : A_REVERSE);
}

static void draw_row(struct tui *t, int y, const struct top_row *r, bool selected)
{
	int nw = name_width(t), x = 0;
	char buf[ESC_BUF + 64], val[32];

	if (selected)
		attron(A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	for (int c = 0; c < t->o->cols.nr && x < COLS; c++) {
		const struct top_col *col = &top_cols[t->o->cols.idx[c]];

		if (col->kind == TOP_K_NAME) {
			if (t->o->view.tree) {
				const char *mark = !r->has_children ? "  " :
						   folded(t, r->id) ? "+ " : "- ";

				snprintf(buf, sizeof(buf), "%*s%s%s", 2 * r->depth, "", mark,
					 esc(r->depth ? r->name : r->rel));
			} else {
				snprintf(buf, sizeof(buf), "%s", esc(r->rel));
			}
			put_trunc(y, x, buf, nw < COLS - x ? nw : COLS - x);
			x += nw + 1;
			continue;
		}
		snprintf(buf, sizeof(buf), "%*s", col->width,
			 top_col_format(col, t->s, r, val, sizeof(val)));
		int pair = t->o->color ? level_pair[top_col_level(col, t->s, r)] : 0;

		if (pair && !selected)
			attron(COLOR_PAIR(pair));
		put_trunc(y, x, buf, COLS - x);
		if (pair && !selected)
			attroff(COLOR_PAIR(pair));
		x += col->width + 1;
	}
	if (selected)
		attroff(A_REVERSE);
}

static void sparkline(struct tui *t, int y, int x, int w, const float *v, int n, int pos,
		      const char *label)
{
	static const char *const utf[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char ascii[] = "_.-:=+*#";
	float mx = 0;
	int k = n < w ? n : w;

	mvaddnstr(y, x, label, w);
	x += (int)strlen(label);
	w -= (int)strlen(label);
	k = k > w ? w : k;
	for (int i = 0; i < k; i++) {
		float f = v[(pos - k + i + HIST) % HIST];

		if (!isnan(f) && f > mx)
			mx = f;
	}
	for (int i = 0; i < k; i++) {
		float f = v[(pos - k + i + HIST) % HIST];
		int lvl = (isnan(f) || mx <= 0) ? 0 : (int)(f / mx * 7.99f);

		if (isnan(f))
			mvaddch(y, x + i, ' ');
		else if (t->utf8)
			mvaddstr(y, x + i, utf[clamp(lvl, 0, 7)]);
		else
			mvaddch(y, x + i, ascii[clamp(lvl, 0, 7)]);
	}
}

static const char *cnt(char *buf, uint64_t v)
{
	if (!cg_known(v))
		return "-";
	snprintf(buf, 24, "%llu", (unsigned long long)v);
	return buf;
}

#define DETAIL_EVENTS 6	/* recent events shown in the detail pane */

static const char *row_rel(const struct tui *t, uint64_t id)
{
	for (size_t i = 0; i < t->s->nr; i++)
		if (t->s->rows[i].id == id)
			return t->s->rows[i].rel;
	return NULL;
}

/* The newest events first, as many as fit. */
static void draw_events(struct tui *t, int *y, int end, const struct top_row *r)
{
	struct top_event ev[DETAIL_EVENTS];
	size_t n = top_collector_events(t->o->col, r->id, ev, DETAIL_EVENTS);
	char line[512], tb[16], what[256];

	if (*y >= end)
		return;
	mvhline(*y, 0, ' ', COLS);
	put_trunc((*y)++, 1, n ? "recent events (this cgroup and below), newest first:" :
		  "recent events: none since top started", COLS - 2);
	for (size_t i = n; i-- > 0 && *y < end;) {
		const struct top_event *e = &ev[i];
		time_t when = (time_t)e->time;
		struct tm tm;
		const char *in = e->cg_id != r->id ? row_rel(t, e->cg_id) : NULL;

		localtime_r(&when, &tm);
		strftime(tb, sizeof(tb), "%H:%M:%S", &tm);
		switch (e->kind) {
		case TOP_EV_OOM_VICTIM:
			snprintf(what, sizeof(what), "OOM kill: pid %u (%s)%s%s", e->pid, esc(e->comm),
				 in ? " in " : "", in ? esc(in) : "");
			break;
		case TOP_EV_OOM_KILL:
			snprintf(what, sizeof(what), "OOM kill x%llu", (unsigned long long)e->count);
			break;
		case TOP_EV_LIMIT:
			snprintf(what, sizeof(what), "limit events: %llu (high/max breaches)",
				 (unsigned long long)e->count);
			break;
		case TOP_EV_RECLAIM:
			snprintf(what, sizeof(what), "reclaim: %llu passes, %.1f ms stalled, %llu pages",
				 (unsigned long long)e->count, e->stall_ms, (unsigned long long)e->pages);
			break;
		}
		snprintf(line, sizeof(line), "  %s  %s", tb, what);
		mvhline(*y, 0, ' ', COLS);
		put_trunc((*y)++, 1, line, COLS - 2);
	}
}

static void draw_detail(struct tui *t, int top, int h, const struct top_row *r)
{
	const struct cg_mem *m = &r->mem;
	char a[UNITS_BUF], b[UNITS_BUF], c[UNITS_BUF], d[UNITS_BUF], e[UNITS_BUF], kb[32];
	char line[512];
	const char *which;
	uint64_t lim = cg_binding_limit(m, &which);
	struct hist *hs = hist_slot(t, r->id, false);
	int y = top;

	attron(A_BOLD);
	mvhline(y, 0, ACS_HLINE, COLS);
	snprintf(line, sizeof(line), " %s (id %llu) ", esc(r->rel), (unsigned long long)r->id);
	put_trunc(y++, 2, line, COLS - 4);
	attroff(A_BOLD);
#define LINE(...) do { if (y < top + h) { snprintf(line, sizeof(line), __VA_ARGS__); \
		mvhline(y, 0, ' ', COLS); put_trunc(y++, 1, line, COLS - 2); } } while (0)
	LINE("usage %s  peak %s  limit %s%s%s  swap %s", memstate_fmt_bytes(a, sizeof(a), m->current),
	     memstate_fmt_bytes(b, sizeof(b), m->peak), which ? which : "none",
	     which ? " " : "", which ? memstate_fmt_bytes(c, sizeof(c), lim) : "",
	     memstate_fmt_bytes(d, sizeof(d), m->swap_current));
	LINE("limits: high %s  max %s  low %s  min %s", memstate_fmt_bytes(a, sizeof(a), m->high),
	     memstate_fmt_bytes(b, sizeof(b), m->max), memstate_fmt_bytes(c, sizeof(c), m->low),
	     memstate_fmt_bytes(d, sizeof(d), m->min));
	LINE("anon %s  file %s  kernel %s  shmem %s  file_dirty %s",
	     memstate_fmt_bytes(a, sizeof(a), m->stat[CG_STAT_anon]),
	     memstate_fmt_bytes(b, sizeof(b), m->stat[CG_STAT_file]),
	     top_col_format(&top_cols[top_col_find("kernel")], t->s, r, kb, sizeof(kb)),
	     memstate_fmt_bytes(d, sizeof(d), m->stat[CG_STAT_shmem]),
	     memstate_fmt_bytes(e, sizeof(e), m->stat[CG_STAT_file_dirty]));
	char e1[24], e2[24], e3[24], e4[24];

	LINE("events: high %s  max %s  oom %s  oom_kill %s", cnt(e1, m->events[CG_EV_high]),
	     cnt(e2, m->events[CG_EV_max]), cnt(e3, m->events[CG_EV_oom]),
	     cnt(e4, m->events[CG_EV_oom_kill]));
	if (cg_known(m->psi_some.total_us))
		LINE("psi some %.2f/%.2f/%.2f  full %.2f/%.2f/%.2f (avg10/60/300 %%)",
		     m->psi_some.avg10, m->psi_some.avg60, m->psi_some.avg300,
		     m->psi_full.avg10, m->psi_full.avg60, m->psi_full.avg300);
	else
		LINE("psi -");
	if (r->bpf_known)
		LINE("BPF since start: reclaim stall %.1f ms in %llu passes, %llu pages; direct %.1f ms; OOM victims %llu",
		     r->bpf.stall_ns / 1e6, (unsigned long long)r->bpf.reclaims,
		     (unsigned long long)r->bpf.reclaimed, r->bpf.direct_stall_ns / 1e6,
		     (unsigned long long)r->bpf.oom_kills);
	else
		LINE("BPF: -");
#undef LINE
	if (hs && y < top + h)
		sparkline(t, y++, 1, COLS - 2, hs->use, hs->n, hs->pos,
			  memstate_limit_pct(m) >= 0 ? "use%  " : "usage ");
	if (hs && y < top + h)
		sparkline(t, y++, 1, COLS - 2, hs->psi, hs->n, hs->pos, "psi   ");
	draw_events(t, &y, top + h, r);
}

static const char *const help_lines[] = {
	"memcgctl top: keys",
	"",
	"  Up/Down PgUp/PgDn Home/End   move",
	"  < >          sort by the previous / next column",
	"  I            invert the sort order",
	"  c            choose and reorder columns (space show/hide, [ ] move)",
	"  t            tree / flat",
	"  + - Enter    unfold / fold / toggle the selected subtree",
	"  /            filter by path (empty: clear)",
	"  space        pause / resume",
	"  d            set the refresh delay",
	"  i            detail pane: breakdown, limits, events, history, recent events",
	"  R            reclaim from the selected cgroup (v2 and v1)",
	"  h ?          this help",
	"  q            quit",
	"",
	"Columns (choose with c or --columns):",
};

static void draw_help(struct tui *t)
{
	int y = 0;

	erase();
	for (size_t i = 0; i < ARRAY_SIZE(help_lines) && y < LINES - 1; i++)
		put_trunc(y++, 1, help_lines[i], COLS - 2);
	for (int i = 0; i < top_nr_cols && y < LINES - 1; i++) {
		char line[256];

		snprintf(line, sizeof(line), "  %-12s %-8s %s", top_cols[i].name, top_cols[i].header,
			 top_cols[i].desc);
		put_trunc(y++, 1, line, COLS - 2);
	}
	attron(A_REVERSE);
	put_trunc(LINES - 1, 0, "press any key", COLS);
	attroff(A_REVERSE);
}

/* Over the body: the header row above shows the change at once. */
static void draw_picker(struct tui *t)
{
	int y = 3, first = 0, rows = LINES - 6;
	char line[256];

	if (rows < 1)
		rows = 1;
	if (t->pick_cur >= rows)
		first = t->pick_cur - rows + 1;
	for (int yy = 3; yy < LINES - 1; yy++)
		mvhline(yy, 0, ' ', COLS);
	attron(A_BOLD);
	put_trunc(y++, 1, "Columns: space show/hide, [ ] move left/right, Enter/Esc close", COLS - 2);
	attroff(A_BOLD);
	for (int i = first; i < t->pick_n && y < LINES - 1; i++, y++) {
		const struct top_col *c = &top_cols[t->pick[i]];

		snprintf(line, sizeof(line), "[%c] %-12s %-8s %s", t->pick_vis[i] ? 'x' : ' ',
			 c->name, c->header, c->desc);
		if (i == t->pick_cur)
			attron(A_REVERSE);
		mvhline(y, 0, ' ', COLS);
		put_trunc(y, 1, line, COLS - 2);
		if (i == t->pick_cur)
			attroff(A_REVERSE);
	}
}

static void draw(struct tui *t)
{
	int body, y;

	erase();
	if (LINES < 6 || COLS < 30) {
		put_trunc(0, 0, "terminal too small", COLS);
		refresh();
		return;
	}
	if (t->help) {
		draw_help(t);
		refresh();
		return;
	}
	draw_header(t);
	body = LINES - 4;
	int dh = 0;

	if (t->detail && t->nr) {
		dh = clamp(LINES / 2, 4, 12 + DETAIL_EVENTS);
		body -= dh;
		if (body < 1)
			body = 1, dh = LINES - 5;
	}
	if (t->sel >= t->nr)
		t->sel = t->nr ? t->nr - 1 : 0;
	if (t->sel < t->scroll)
		t->scroll = t->sel;
	if (t->sel >= t->scroll + (size_t)body)
		t->scroll = t->sel - body + 1;
	t->body = body;
	y = 3;
	for (size_t i = t->scroll; i < t->nr && y < 3 + body; i++, y++)
		draw_row(t, y, &t->s->rows[t->order[i]], i == t->sel);
	if (!t->nr)
		put_trunc(3, 1, t->filter[0] ? "(no cgroup matches the filter)" : "(no cgroups)", COLS - 2);
	if (dh && t->nr)
		draw_detail(t, 3 + body, dh, &t->s->rows[t->order[t->sel]]);
	if (t->picker)
		draw_picker(t);
	attron(A_REVERSE);
	mvhline(LINES - 1, 0, ' ', COLS);
	put_trunc(LINES - 1, 0, t->msg[0] ? t->msg :
		  t->picker ? "space show/hide  [ ] move  Up/Down select  Enter/Esc close" :
		  "q quit  h help  </> sort  c columns  t tree  / filter  i detail  R reclaim  space pause",
		  COLS);
	attroff(A_REVERSE);
	refresh();
}

/* ---- state ---------------------------------------------------------------- */

static void reorder(struct tui *t)
{
	struct top_view v = t->o->view;

	if (t->order_cap < t->s->nr) {
		int *n = realloc(t->order, t->s->nr * sizeof(*n));

		if (!n)
			return;
		t->order = n;
		t->order_cap = t->s->nr;
	}
	v.filter = t->filter[0] ? t->filter : NULL;
	v.folded = t->folded;
	v.nr_folded = t->nr_folded;
	t->nr = top_view_order(t->s, &v, t->order);
	/* keep the selection on the same cgroup when it still shows */
	for (size_t i = 0; i < t->nr; i++)
		if (t->s->rows[t->order[i]].id == t->sel_id) {
			t->sel = i;
			return;
		}
	if (t->sel >= t->nr)
		t->sel = t->nr ? t->nr - 1 : 0;
	t->sel_id = t->nr ? t->s->rows[t->order[t->sel]].id : 0;
}

static void select_idx(struct tui *t, long i)
{
	if (!t->nr)
		return;
	t->sel = (size_t)(i < 0 ? 0 : i >= (long)t->nr ? (long)t->nr - 1 : i);
	t->sel_id = t->s->rows[t->order[t->sel]].id;
}

static void set_fold(struct tui *t, uint64_t id, int how)	/* 1 fold, 0 unfold, -1 toggle */
{
	bool is = folded(t, id);

	if (how < 0)
		how = !is;
	if (how && !is) {
		if (t->nr_folded == t->cap_folded) {
			size_t cap = t->cap_folded ? t->cap_folded * 2 : 16;
			uint64_t *n = realloc(t->folded, cap * sizeof(*n));

			if (!n)
				return;
			t->folded = n;
			t->cap_folded = cap;
		}
		t->folded[t->nr_folded++] = id;
	} else if (!how && is) {
		for (size_t i = 0; i < t->nr_folded; i++)
			if (t->folded[i] == id) {
				t->folded[i] = t->folded[--t->nr_folded];
				break;
			}
	}
}

/* A one-line prompt in the status bar; false when cancelled with Esc. */
static bool prompt(const char *label, char *buf, size_t len)
{
	size_t n = strlen(buf);
	int ch;

	timeout(-1);
	curs_set(1);
	for (;;) {
		attron(A_REVERSE);
		mvhline(LINES - 1, 0, ' ', COLS);
		mvprintw(LINES - 1, 0, "%s%s", label, esc(buf));
		attroff(A_REVERSE);
		refresh();
		ch = getch();
		if (ch == 27) {
			curs_set(0);
			return false;
		}
		if (ch == '\n' || ch == KEY_ENTER)
			break;
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n)
			buf[--n] = '\0';
		else if (ch >= 32 && ch < 127 && n + 1 < len)
			buf[n++] = (char)ch, buf[n] = '\0';
	}
	curs_set(0);
	return true;
}

/* R: reclaim from the selected cgroup through reclaim's own code (v2 and v1) */
static void tui_reclaim(struct tui *t)
{
	const struct top_row *r;
	char amount[32] = "", yn[8] = "", q[PATH_MAX + 64];
	uint64_t bytes;

	if (!t->nr)
		return;
	r = &t->s->rows[t->order[t->sel]];
	if (!prompt("reclaim how much (e.g. 64M)? ", amount, sizeof(amount)) || !amount[0])
		return;
	if (parse_size(amount, &bytes) || !bytes) {
		snprintf(t->msg, sizeof(t->msg), "reclaim: '%s' is not a size", esc(amount));
		return;
	}
	snprintf(q, sizeof(q), "reclaim %s from %s? [y/N] ", esc(amount), esc(r->rel));
	if (!prompt(q, yn, sizeof(yn)) || (yn[0] != 'y' && yn[0] != 'Y')) {
		snprintf(t->msg, sizeof(t->msg), "reclaim cancelled");
		return;
	}
	snprintf(t->msg, sizeof(t->msg), "reclaiming %s from %s...", esc(amount), esc(r->rel));
	draw(t);
	rc_reclaim_quiet(r->rel, bytes, t->msg, sizeof(t->msg));
}

static unsigned sources(const struct tui *t)
{
	unsigned src = top_colset_src(&t->o->cols) | TOP_SRC_USAGE | TOP_SRC_PSI | TOP_SRC_BPF;

	src |= top_cols[t->o->view.sort_col].src;	/* sorted by a hidden column */

	if (t->detail)
		src |= TOP_SRC_ALL;
	return src;
}

/*
 * memory.stat, the costly file, only for the rows on screen (and the
 * selected one), unless the sort key needs it for every row.  A row that
 * scrolls into view shows '-' there until the next refresh reads it.
 */
static void stat_rows(struct tui *t)
{
	size_t n = 0, max = (size_t)(t->body > 0 ? t->body : 0) + 1;
	uint64_t *ids;

	if (top_cols[t->o->view.sort_col].src & (TOP_SRC_STAT | TOP_SRC_PGSTEAL | TOP_SRC_REFAULT) ||
	    !t->body) {
		top_collector_stat_only(t->o->col, NULL, 0);
		return;
	}
	ids = realloc(t->vis_ids, max * sizeof(*ids));
	if (!ids) {
		top_collector_stat_only(t->o->col, NULL, 0);
		return;
	}
	t->vis_ids = ids;
	for (size_t i = t->scroll; i < t->nr && n + 1 < max; i++)
		ids[n++] = t->s->rows[t->order[i]].id;
	if (t->nr)
		ids[n++] = t->s->rows[t->order[t->sel]].id;
	top_collector_stat_only(t->o->col, ids, n);
}

static int collect(struct tui *t)
{
	int err;

	stat_rows(t);
	err = top_collect(t->o->col, sources(t), &t->s);

	if (err)
		return err;
	hist_record(t);
	reorder(t);
	return 0;
}

/* The picker's last arrangement still matches the view: hidden columns keep their place. */
static bool picker_current(const struct tui *t)
{
	int v = 0;

	for (int i = 0; i < t->pick_n; i++)
		if (t->pick_vis[i] && (v >= t->o->cols.nr || t->o->cols.idx[v++] != t->pick[i]))
			return false;
	return t->pick_n == top_nr_cols && v == t->o->cols.nr;
}

static void picker_open(struct tui *t)
{
	bool shown[TOP_MAX_COLS] = { false };

	t->picker = true;
	t->pick_cur = 0;
	if (picker_current(t))
		return;
	t->pick_n = 0;
	for (int i = 0; i < t->o->cols.nr; i++) {
		shown[t->o->cols.idx[i]] = true;
		t->pick_vis[t->pick_n] = true;
		t->pick[t->pick_n++] = t->o->cols.idx[i];
	}
	for (int i = 0; i < top_nr_cols && t->pick_n < TOP_MAX_COLS; i++)
		if (!shown[i]) {
			t->pick_vis[t->pick_n] = false;
			t->pick[t->pick_n++] = i;
		}
}

/* The visible columns, in the picker's order, become the view's at once. */
static void picker_apply(struct tui *t, bool *recollect)
{
	struct top_colset cs = { .nr = 0 };

	for (int i = 0; i < t->pick_n; i++)
		if (t->pick_vis[i])
			cs.idx[cs.nr++] = t->pick[i];
	t->o->cols = cs;
	/* a column shown again needs a source the last refresh skipped */
	if (sources(t) & ~t->s->src)
		*recollect = true;
}

static void picker_key(struct tui *t, int ch, bool *recollect)
{
	int c = t->pick_cur, o;

	switch (ch) {
	case KEY_UP: case 'k':
		t->pick_cur = c > 0 ? c - 1 : 0;
		break;
	case KEY_DOWN: case 'j':
		t->pick_cur = c + 1 < t->pick_n ? c + 1 : c;
		break;
	case KEY_HOME: case 'g':
		t->pick_cur = 0;
		break;
	case KEY_END: case 'G':
		t->pick_cur = t->pick_n - 1;
		break;
	case ' ':
		if (top_cols[t->pick[c]].kind == TOP_K_NAME) {
			snprintf(t->msg, sizeof(t->msg), "the cgroup column always shows");
			break;
		}
		t->pick_vis[c] = !t->pick_vis[c];
		picker_apply(t, recollect);
		snprintf(t->msg, sizeof(t->msg), "%s %s", top_cols[t->pick[c]].name,
			 t->pick_vis[c] ? "shown" : "hidden");
		break;
	case '[': case ']': {
		int tp = t->pick[c];
		bool tv = t->pick_vis[c];

		o = ch == '[' ? c - 1 : c + 1;
		if (o < 0 || o >= t->pick_n)
			break;
		t->pick[c] = t->pick[o], t->pick_vis[c] = t->pick_vis[o];
		t->pick[o] = tp, t->pick_vis[o] = tv;
		t->pick_cur = o;
		picker_apply(t, recollect);
		break;
	}
	case '\n': case KEY_ENTER: case 27: case 'c': case 'q':
		t->picker = false;
		break;
	default:
		break;
	}
}

/* Returns true to quit. */
static bool handle_key(struct tui *t, int ch, bool *recollect)
{
	int page = LINES - 4 > 1 ? LINES - 4 : 1;
	const struct top_row *r = t->nr ? &t->s->rows[t->order[t->sel]] : NULL;

	if (t->help) {
		t->help = false;
		return false;
	}
	t->msg[0] = '\0';
	if (t->picker) {
		picker_key(t, ch, recollect);
		return false;
	}
	switch (ch) {
	case 'q': case 'Q':
		return true;
	case KEY_UP: case 'k': select_idx(t, (long)t->sel - 1); break;
	case KEY_DOWN: case 'j': select_idx(t, (long)t->sel + 1); break;
	case KEY_PPAGE: select_idx(t, (long)t->sel - page); break;
	case KEY_NPAGE: select_idx(t, (long)t->sel + page); break;
	case KEY_HOME: case 'g': select_idx(t, 0); break;
	case KEY_END: case 'G': select_idx(t, (long)t->nr - 1); break;
	case '<': case '>': {
		int i = 0;

		for (; i < t->o->cols.nr; i++)
			if (t->o->cols.idx[i] == t->o->view.sort_col)
				break;
		i = (i + (ch == '>' ? 1 : t->o->cols.nr - 1)) % t->o->cols.nr;
		if (i >= t->o->cols.nr)
			i = 0;
		t->o->view.sort_col = t->o->cols.idx[i];
		t->o->view.sort_desc = top_cols[t->o->view.sort_col].sort_desc;
		snprintf(t->msg, sizeof(t->msg), "sorted by %s", top_cols[t->o->view.sort_col].name);
		reorder(t);
		break;
	}
	case 'c':
		picker_open(t);
		break;
	case 'I':
		t->o->view.sort_desc = !t->o->view.sort_desc;
		reorder(t);
		break;
	case 't':
		t->o->view.tree = !t->o->view.tree;
		reorder(t);
		break;
	case '+': case '=':
		if (r)
			set_fold(t, r->id, 0), reorder(t);
		break;
	case '-':
		if (r)
			set_fold(t, r->id, 1), reorder(t);
		break;
	case '\n': case KEY_ENTER:
		if (r && t->o->view.tree)
			set_fold(t, r->id, -1), reorder(t);
		break;
	case '/':
		prompt("filter: ", t->filter, sizeof(t->filter));
		reorder(t);
		break;
	case ' ':
		t->paused = !t->paused;
		break;
	case 'd': {
		char buf[32] = "";
		uint64_t ns;

		if (prompt("delay (e.g. 2, 500ms): ", buf, sizeof(buf)) && buf[0]) {
			if (parse_duration(buf, &ns) || ns < 100000000ULL || ns > 3600000000000ULL)
				snprintf(t->msg, sizeof(t->msg), "delay: expected 0.1s to 1h");
			else
				t->o->delay = ns / 1e9;
		}
		break;
	}
	case 'i':
		t->detail = !t->detail;
		if (t->detail)
			*recollect = true;	/* the breakdown needs memory.stat */
		break;
	case 'R':
		tui_reclaim(t);
		*recollect = true;
		break;
	case 'h': case '?':
		t->help = true;
		break;
	case KEY_RESIZE:
		break;
	default:
		break;
	}
	return false;
}

int top_tui_run(struct top_tui_opts *o)
{
	struct tui t = { .o = o };
	double next;
	int ret = EXIT_OK, err;

	setlocale(LC_ALL, "");
	t.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	err = top_collect(o->col, TOP_SRC_ALL, &t.s);
	if (err) {
		p_err("top: %s", err == -ENOENT ? "the cgroup was removed" : strerror(-err));
		return err == -ENOENT ? EXIT_VANISHED : EXIT_RUNTIME;
	}
	if (!initscr()) {
		p_err("top: cannot initialise the terminal; try -b");
		return EXIT_RUNTIME;
	}
	stopsig_install(STOPSIG_HUP);	/* after initscr(): ncurses sets its own where none is */
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (o->color && has_colors()) {
		start_color();
		use_default_colors();
		init_pair(C_OK, COLOR_GREEN, -1);
		init_pair(C_WARN, COLOR_YELLOW, -1);
		init_pair(C_CRIT, COLOR_RED, -1);
		init_pair(C_HEAD, COLOR_BLACK, COLOR_CYAN);
		init_pair(C_NOTE, COLOR_YELLOW, -1);
	} else {
		o->color = false;
	}
	/* --filter applies from the first frame; '/' edits it from there */
	if (o->view.filter)
		snprintf(t.filter, sizeof(t.filter), "%s", o->view.filter);
	hist_record(&t);
	reorder(&t);
	if (o->demo_cgroup)
		for (size_t i = 0; i < t.nr; i++)
			if (!strcmp(t.s->rows[t.order[i]].rel, o->demo_cgroup))
				select_idx(&t, (long)i);
	next = clock_mono_s() + o->delay;
	while (!stopsig) {
		bool recollect = false;
		int ch, wait_ms;

		draw(&t);
		wait_ms = (int)((next - clock_mono_s()) * 1000);
		timeout(clamp(wait_ms, 0, 3600000));
		ch = getch();
		if (ch != ERR && handle_key(&t, ch, &recollect))
			break;
		if ((!t.paused && clock_mono_s() >= next) || recollect) {
			err = collect(&t);
			if (err) {
				ret = err == -ENOENT ? EXIT_VANISHED : EXIT_RUNTIME;
				break;
			}
			next = clock_mono_s() + o->delay;
		}
		if (t.paused && clock_mono_s() >= next)
			next = clock_mono_s() + o->delay;
	}
	endwin();
	if (ret == EXIT_VANISHED)
		p_err("top: the cgroup was removed");
	else if (ret)
		p_err("top: collecting: %s", strerror(-err));
	free(t.order);
	free(t.vis_ids);
	free(t.folded);
	free(t.hist);
	idmap_free(&t.hist_ix);
	return ret;
}
