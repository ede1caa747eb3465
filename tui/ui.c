/* ui.c - ioview's screens: main table, drill-down, help.
 *
 * Keys are looked up in a table of actions; an action changes the state
 * and returns the parts that must be recomputed or repainted (RD_*). The
 * loop recomputes and repaints only those, and only once the input queue
 * is empty, so held or pasted keys never queue up redraws ("sort when the
 * user stops typing"). Drawing reads precomputed rows and writes through
 * stack buffers: nothing is allocated while drawing.
 */
#include "tui/ui.h"

#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <wchar.h>
#include <unistd.h>
#include <wctype.h>

#include "analyze/iostat.h"
#include "analyze/jobs.h"
#include "tui/drill.h"
#include "tui/fmt.h"
#include "tui/view.h"

enum redraw {
	RD_HEADER = 1u << 0,
	RD_TABLE = 1u << 1,
	RD_FOOTER = 1u << 2,
	RD_SCREEN = RD_HEADER | RD_TABLE | RD_FOOTER,
	RD_COMPUTE = 1u << 3, /* window moved: new numbers */
	RD_FILTER = 1u << 4,  /* filter or sort changed */
	RD_REBUILD = 1u << 5, /* view kind or model data changed */
	RD_CLEAR = 1u << 6,   /* erase the screen first (resize, screen change) */
	RD_EVENTS = 1u << 7,  /* drill-down: fetch events again */
};

enum scr_kind { SCR_MAIN, SCR_HELP, SCR_DRILL };
enum prompt { PR_NONE, PR_FILTER, PR_GOTO };
enum { CP_HEAD = 1, CP_READ, CP_WRITE, CP_WARN, CP_KEY, CP_SEL, CP_TITLE };

#define HEADER_LINES 4
#define MAX_CHART 1024
#define MAX_EVENTS 4000
#define MAX_SUB 64

static const double speeds[] = {0.25, 0.5, 1, 2, 5, 10, 30, 100, 1000};
#define NSPEEDS (sizeof(speeds) / sizeof(speeds[0]))

/* One line of the drill-down's list: a file of the process, a process of
 * the file or of the job. */
struct sub_row {
	uint32_t pid;
	const char *name;
	uint64_t rbytes, wbytes, ops;
};

struct ui {
	struct model *m;
	const struct ui_opts *o;
	struct view view;
	enum view_kind vk;
	uint32_t wb0, wlen; /* window: start bin, length in bins */
	int accum;
	int playing, speed_i;
	double next_tick; /* monotonic seconds */
	char filter[128];
	size_t flen;
	char gotobuf[40];
	size_t glen;
	enum prompt prompt;
	int only_active;
	long sel, top;       /* selection and first shown, positions in vis */
	struct ekey sel_key;
	int have_sel;
	enum scr_kind scr, help_from;
	int colors, utf8;
	int quit;
	int scan_err_shown;
	char msg[160];
	int ncolshow;        /* layout of the table for the current width */
	int colshow[16];
	int namex;
	/* drill-down */
	struct row drow;
	enum view_kind dkind;
	struct drill dr;
	long evtop;
	long nlist; /* device / Lustre drill-down: intervals in the window */
	double chart[3][MAX_CHART];
	int chart_n;
	struct sub_row sub[MAX_SUB];
	int nsub;
};

/* ------------------------------------------------------------------ */
/* Small drawing helpers                                               */
/* ------------------------------------------------------------------ */

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Copy s into out replacing bytes that are not valid, printable UTF-8
 * with '?', keeping at most maxcols display columns. Returns the columns. */
static int sanitize(char *out, size_t outsz, const char *s, int maxcols)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t i = 0, o = 0, len = strlen(s);
	int cols = 0;
	while (i < len && o + 8 < outsz) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, len - i, &st);
		int w = 1;
		int ok = k != (size_t)-1 && k != (size_t)-2 && k != 0 && iswprint((wint_t)wc);
		if (ok)
			w = wcwidth(wc);
		if (!ok || w < 0) {
			memset(&st, 0, sizeof(st));
			if (cols + 1 > maxcols)
				break;
			out[o++] = '?';
			cols++;
			i += (k == (size_t)-1 || k == (size_t)-2 || k == 0) ? 1 : k;
			continue;
		}
		if (cols + w > maxcols)
			break;
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
		cols += w;
	}
	out[o] = 0;
	return cols;
}

/* Print s at (y, x) in at most maxcols columns; right-aligned if right.
 * Returns the columns printed. */
static int put(int y, int x, const char *s, int maxcols, int right)
{
	char buf[1024];
	if (maxcols <= 0)
		return 0;
	int cols = sanitize(buf, sizeof(buf), s, maxcols);
	if (right && cols < maxcols)
		x += maxcols - cols;
	mvaddstr(y, x, buf);
	return cols;
}

static void style_on(struct ui *u, int pair, attr_t mono)
{
	if (u->colors && pair)
		attron(COLOR_PAIR(pair));
	else
		attron(mono);
}

static void style_off(struct ui *u, int pair, attr_t mono)
{
	if (u->colors && pair)
		attroff(COLOR_PAIR(pair));
	else
		attroff(mono);
}

/* Arrow after the sort column: the default order (largest first for
 * numbers) points down. */
static const char *sort_mark(const struct ui *u, int reverse)
{
	if (u->utf8)
		return reverse ? "\xe2\x96\xb2" : "\xe2\x96\xbc";
	return reverse ? "^" : "v";
}

static void fill_line(int y)
{
	move(y, 0);
	clrtoeol();
}

/* ------------------------------------------------------------------ */
/* Window arithmetic                                                   */
/* ------------------------------------------------------------------ */

static uint32_t win_start(const struct ui *u)
{
	return u->accum ? 0 : u->wb0;
}

static uint32_t win_end(const struct ui *u)
{
	uint64_t e = (uint64_t)u->wb0 + u->wlen;
	return e > u->m->nbins ? u->m->nbins : (uint32_t)e;
}

static void clamp_window(struct ui *u)
{
	uint32_t nb = u->m->nbins;
	if (u->wlen < 1)
		u->wlen = 1;
	if (u->wlen > nb)
		u->wlen = nb;
	if (u->wb0 + u->wlen > nb)
		u->wb0 = nb - u->wlen;
}

/* ------------------------------------------------------------------ */
/* Layout                                                              */
/* ------------------------------------------------------------------ */

/* Choose the columns that fit: drop the lowest-priority ones until the
 * name column keeps at least 16 cells. */
static void layout(struct ui *u)
{
	const struct view *v = &u->view;
	int keep[16] = {0};
	size_t nc = v->ncols < 16 ? v->ncols : 16;
	for (size_t c = 0; c < nc; c++)
		keep[c] = 1;
	for (;;) {
		int w = 0, lowest = -1;
		for (size_t c = 0; c < nc; c++) {
			if (!keep[c] || v->cols[c].kind == CK_NAME)
				continue;
			w += v->cols[c].width + 1;
			if (lowest < 0 || v->cols[c].prio < v->cols[lowest].prio)
				lowest = (int)c;
		}
		if (w + 16 <= COLS || lowest < 0) {
			u->namex = w;
			break;
		}
		keep[lowest] = 0;
	}
	u->ncolshow = 0;
	for (size_t c = 0; c < nc; c++)
		if (keep[c])
			u->colshow[u->ncolshow++] = (int)c;
}

static int table_rows(void)
{
	int n = LINES - HEADER_LINES - 2;
	return n > 0 ? n : 0;
}

/* ------------------------------------------------------------------ */
/* Header and footer                                                   */
/* ------------------------------------------------------------------ */

static void draw_header(struct ui *u)
{
	const struct model *m = u->m;
	char line[512], a[48], b[48], c[48];
	static const char *const hostk[] = {"host.name", "hostname", "host", NULL};
	static const char *const jobk[] = {"job.id", "rec.job_id", "job_id", "job", NULL};
	static const char *const srck[] = {"rec.sources", "sources", "record.sources", NULL};
	const char *host = model_meta(m, hostk), *job = model_meta(m, jobk), *src = model_meta(m, srck);
	fmt_clock(a, sizeof(a), m->t0);
	fmt_dur(b, sizeof(b), m->t1 - m->t0);
	if (m->exact)
		snprintf(c, sizeof(c), "%llu", (unsigned long long)m->cur.losses);
	else
		snprintf(c, sizeof(c), "?");
	snprintf(line, sizeof(line), "ioview  host %s%s  job %s  span %s  lost %s  start %s  sources %s",
		 host ? host : "?", m->nnodes > 1 ? " (+more)" : "", job ? job : "-", b, c, a,
		 src ? src : "?");
	fill_line(0);
	style_on(u, CP_TITLE, A_BOLD);
	put(0, 0, line, COLS, 0);
	style_off(u, CP_TITLE, A_BOLD);

	uint32_t b0 = win_start(u), b1 = win_end(u);
	fmt_offset(a, sizeof(a), model_bin_time(m, b0) - m->t0);
	fmt_offset(b, sizeof(b), model_bin_time(m, b1) - m->t0);
	fmt_dur(c, sizeof(c), (uint64_t)(b1 - b0) * m->binw);
	char play[32] = "", scan[40] = "";
	if (u->playing)
		snprintf(play, sizeof(play), "  PLAY x%g", speeds[u->speed_i]);
	if (!m->exact && model_scan_error(m))
		snprintf(scan, sizeof(scan), "  approx. (scan failed)");
	else if (!m->exact)
		snprintf(scan, sizeof(scan), "  scanning %u%% (approx.)", model_progress(m) / 10);
	const struct column *sc = &u->view.cols[u->view.sort_col];
	char wall[24];
	fmt_clock(wall, sizeof(wall), model_bin_time(m, b0));
	snprintf(line, sizeof(line), "%s %s..%s (%s) at %s%s%s  view %s  sort %s%s%s",
		 u->accum ? "Accumulated" : "Window", a, b, c, wall, play, scan, view_name(u->vk),
		 sc->title, sort_mark(u, u->view.reverse), u->only_active ? "  active only" : "");
	fill_line(1);
	put(1, 0, line, COLS, 0);
	if (u->flen && u->prompt != PR_FILTER) {
		snprintf(line, sizeof(line), "  filter \"%s\"", u->filter);
		int x = getcurx(stdscr);
		put(1, x, line, COLS - x, 0);
	}

	fill_line(2);
	if (u->vk <= VIEW_FILE) {
		double t[ROW_NV];
		char r[16], w[16], ri[16], wi[16], me[16];
		view_totals(&u->view, t);
		fmt_bytes(r, sizeof(r), t[V_RBPS]);
		fmt_bytes(w, sizeof(w), t[V_WBPS]);
		fmt_rate(ri, sizeof(ri), t[V_RIOPS]);
		fmt_rate(wi, sizeof(wi), t[V_WIOPS]);
		fmt_rate(me, sizeof(me), t[V_META]);
		snprintf(line, sizeof(line),
			 "Total READ %s/s  WRITE %s/s  R-IOPS %s  W-IOPS %s  META %s/s  rows %zu/%zu", r, w,
			 ri, wi, me, u->view.nvis, u->view.nrows);
	} else {
		snprintf(line, sizeof(line), "rows %zu/%zu", u->view.nvis, u->view.nrows);
	}
	put(2, 0, line, COLS, 0);

	fill_line(3);
	if (u->msg[0]) {
		style_on(u, CP_WARN, A_BOLD);
		put(3, 0, u->msg, COLS, 0);
		style_off(u, CP_WARN, A_BOLD);
	} else if (u->o->nwarnings) {
		style_on(u, CP_WARN, A_BOLD | A_REVERSE);
		snprintf(line, sizeof(line), "WARNING: %s%s", u->o->warnings[0],
			 u->o->nwarnings > 1 ? " (more warnings: see ioanalyze info)" : "");
		put(3, 0, line, COLS, 0);
		style_off(u, CP_WARN, A_BOLD | A_REVERSE);
	}
}

/* The key bar: pairs of key and label; a pair that does not fit whole is
 * left out. */
static void draw_keys(struct ui *u, const char *const *kv)
{
	fill_line(LINES - 1);
	int x = 0;
	for (size_t i = 0; kv[i]; i += 2) {
		int kw, lw;
		fmt_fit_utf8(kv[i], 64, &kw);
		fmt_fit_utf8(kv[i + 1], 64, &lw);
		if (x + kw + lw > COLS)
			break;
		style_on(u, 0, A_BOLD);
		x += put(LINES - 1, x, kv[i], kw, 0);
		style_off(u, 0, A_BOLD);
		style_on(u, CP_KEY, A_REVERSE);
		x += put(LINES - 1, x, kv[i + 1], lw, 0);
		style_off(u, CP_KEY, A_REVERSE);
	}
}

static void draw_footer(struct ui *u)
{
	static const char *const main_keys[] = {
		"F1", "Help  ", "Tab", "View  ", "<>", "Sort  ", "/", "Filter ", "Enter", "Drill ",
		"\xe2\x86\x90\xe2\x86\x92", "Time  ", "[]", "Win  ", "Spc", "Play ", "a", "Accum ",
		"q", "Quit  ", NULL};
	static const char *const main_keys_ascii[] = {
		"F1", "Help  ", "Tab", "View  ", "<>", "Sort  ", "/", "Filter ", "Enter", "Drill ",
		"Lt/Rt", "Time  ", "[]", "Win  ", "Spc", "Play ", "a", "Accum ", "q", "Quit  ", NULL};
	static const char *const drill_keys[] = {"Esc", "Back  ", "Up/Dn", "Scroll  ", "Lt/Rt",
						 "Time  ", "[]", "Win  ", "Spc", "Play  ",
						 "q", "Quit  ", NULL};
	char line[256];
	if (u->prompt != PR_NONE) {
		fill_line(LINES - 1);
		if (u->prompt == PR_FILTER)
			snprintf(line, sizeof(line), "Filter (command, path, job): %s_", u->filter);
		else
			snprintf(line, sizeof(line), "Go to time (12.5, 1:30, +5, -5): %s_", u->gotobuf);
		style_on(u, 0, A_BOLD);
		put(LINES - 1, 0, line, COLS, 0);
		style_off(u, 0, A_BOLD);
		return;
	}
	if (u->scr == SCR_DRILL)
		draw_keys(u, drill_keys);
	else
		draw_keys(u, u->utf8 ? main_keys : main_keys_ascii);
}

/* ------------------------------------------------------------------ */
/* Main table                                                          */
/* ------------------------------------------------------------------ */

static void format_cell(const struct row *r, const struct column *c, char *buf, size_t n)
{
	switch (c->kind) {
	case CK_PID:
		snprintf(buf, n, "%u", r->pid);
		break;
	case CK_TID:
		snprintf(buf, n, "%u", r->tid);
		break;
	case CK_JOB:
		snprintf(buf, n, "%s", *r->job ? r->job : "-");
		break;
	case CK_RANK:
		snprintf(buf, n, "%s", r->rank ? r->rank : "-");
		break;
	case CK_NAME:
		snprintf(buf, n, "%s", r->name);
		break;
	case CK_BYTES:
		fmt_bytes(buf, n, r->v[c->vi]);
		break;
	case CK_RATE:
		fmt_rate(buf, n, r->v[c->vi]);
		break;
	case CK_LAT:
		fmt_lat(buf, n, r->v[c->vi]);
		break;
	case CK_PCT:
		fmt_pct(buf, n, r->v[c->vi]);
		break;
	case CK_COUNT:
		snprintf(buf, n, "%.0f", r->v[c->vi]);
		break;
	default:
		snprintf(buf, n, "%.2f", r->v[c->vi]);
		break;
	}
}

static int left_aligned(const struct column *c)
{
	return c->kind == CK_JOB || c->kind == CK_NAME;
}

static void draw_table_header(struct ui *u, int y)
{
	const struct view *v = &u->view;
	fill_line(y);
	style_on(u, CP_HEAD, A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	int x = 0;
	for (int i = 0; i < u->ncolshow; i++) {
		const struct column *c = &v->cols[u->colshow[i]];
		int w = c->kind == CK_NAME ? COLS - x : c->width;
		char t[32];
		snprintf(t, sizeof(t), "%s%s", c->title,
			 u->colshow[i] == v->sort_col ? sort_mark(u, v->reverse) : "");
		if (u->colshow[i] == v->sort_col)
			attron(A_BOLD);
		put(y, x, t, w, !left_aligned(c));
		if (u->colshow[i] == v->sort_col)
			attroff(A_BOLD);
		x += w + 1;
	}
	style_off(u, CP_HEAD, A_REVERSE);
}

static void draw_row(struct ui *u, int y, const struct row *r, int selected)
{
	const struct view *v = &u->view;
	fill_line(y);
	attr_t extra = r->exited ? A_DIM : 0;
	if (selected) {
		style_on(u, CP_SEL, A_REVERSE);
		mvhline(y, 0, ' ', COLS);
	}
	if (extra)
		attron(extra);
	int x = 0;
	for (int i = 0; i < u->ncolshow; i++) {
		const struct column *c = &v->cols[u->colshow[i]];
		int w = c->kind == CK_NAME ? COLS - x : c->width;
		char buf[64];
		int pair = 0;
		if (!selected && c->kind == CK_BYTES && r->v[c->vi] > 0)
			pair = c->vi == V_WBPS ? CP_WRITE : CP_READ;
		if (pair && u->colors)
			attron(COLOR_PAIR(pair));
		if (c->kind == CK_NAME && r->host) {
			char hn[64];
			snprintf(hn, sizeof(hn), "%s: ", r->host);
			put(y, x, hn, w, 0);
			int hx = getcurx(stdscr);
			put(y, hx, r->name, w - (hx - x), 0);
		} else if (c->kind == CK_NAME)
			put(y, x, r->name, w, 0);
		else {
			format_cell(r, c, buf, sizeof(buf));
			put(y, x, buf, w, !left_aligned(c));
		}
		if (pair && u->colors)
			attroff(COLOR_PAIR(pair));
		x += w + 1;
	}
	if (extra)
		attroff(extra);
	if (selected)
		style_off(u, CP_SEL, A_REVERSE);
}

static void fix_scroll(struct ui *u)
{
	long n = (long)u->view.nvis, h = table_rows();
	if (u->sel >= n)
		u->sel = n - 1;
	if (u->sel < 0)
		u->sel = 0;
	if (u->top > u->sel)
		u->top = u->sel;
	if (h > 0 && u->sel >= u->top + h)
		u->top = u->sel - h + 1;
	if (u->top < 0)
		u->top = 0;
}

static void draw_table(struct ui *u)
{
	const struct view *v = &u->view;
	int y0 = HEADER_LINES, h = table_rows();
	draw_table_header(u, y0);
	fix_scroll(u);
	for (int i = 0; i < h; i++) {
		long p = u->top + i;
		int y = y0 + 1 + i;
		if (p < (long)v->nvis) {
			draw_row(u, y, &v->rows[v->vis[p]], p == u->sel);
			continue;
		}
		fill_line(y);
		if (i == 0 && !v->nvis) {
			char line[160];
			if (!u->m->exact && (u->vk != VIEW_PROC && u->vk != VIEW_JOB))
				snprintf(line, sizeof(line), "  (scanning the trace: %u%%; this view fills in when done)",
					 model_progress(u->m) / 10);
			else if (!v->nrows)
				snprintf(line, sizeof(line), "  (no %s in this trace)", view_name(u->vk));
			else
				snprintf(line, sizeof(line), "  (no rows match: %zu hidden by filter or 'o')",
					 v->nrows);
			put(y, 0, line, COLS, 0);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Help                                                                */
/* ------------------------------------------------------------------ */

static const char *const help_text[] = {
	"ioview - browse a recorded I/O trace like iotop          (any key returns)",
	"Time window",
	"  Left/Right  step back/forward    [ ]  halve/double the window length",
	"  Home/End    first/last window    g    go to a time: 12.5, 1:30, +5, -5",
	"  Space       play/pause           + -  play faster/slower",
	"  a           current window <-> accumulated since the start",
	"Views and rows",
	"  Tab / F2    next view: processes threads jobs files devices lustre",
	"  Shift-Tab   previous view        p    processes <-> threads",
	"  Up/Down PgUp/PgDn  select        Enter  drill in: timeline, files, events",
	"  Esc / Backspace  back from the drill-down, or clear the filter",
	"Sort and filter",
	"  < / > / F6  sort by the previous/next column    r  reverse the order",
	"  /           filter on command, path, job or host (Enter keeps, Esc clears)",
	"  o           only rows with I/O in the window",
	"Other:  ? / F1  this help    q  quit",
	"",
	"READ/s WRITE/s: bytes per second.  R-IOPS W-IOPS: calls per second.",
	"META/s: open, stat, close, fsync... per second.  AVG-LAT: mean latency.",
	"%IO-TIME: time inside I/O calls per second of window (threads add up).",
	"Dim rows: processes that exited before the window ends.",
	NULL,
};

static void draw_help(struct ui *u)
{
	erase();
	for (int i = 0; help_text[i] && i < LINES; i++) {
		if (help_text[i][0] && help_text[i][0] != ' ' && i < 16)
			style_on(u, 0, A_BOLD);
		put(i, 0, help_text[i], COLS, 0);
		attroff(A_BOLD);
	}
}

/* ------------------------------------------------------------------ */
/* Drill-down                                                          */
/* ------------------------------------------------------------------ */

/* Series range of the drilled row over bins [b0, b1). */
static void drill_range(struct ui *u, uint32_t b0, uint32_t b1, struct ser_agg *out)
{
	const struct model *m = u->m;
	const struct row *r = &u->drow;
	memset(out, 0, sizeof(*out));
	const struct etab *t = u->dkind == VIEW_THREAD ? &m->cur.tids
			       : u->dkind == VIEW_FILE ? &m->cur.files
						       : &m->cur.pids;
	if (u->dkind == VIEW_JOB) {
		/* The jobs view maps every process to its job's row. */
		long jr = u->view.kind == VIEW_JOB ? view_find(&u->view, &r->key) : -1;
		for (size_t i = 0; jr >= 0 && i < t->n && i < u->view.ngroup; i++) {
			if (u->view.group[i] != jr)
				continue;
			struct ser_agg a;
			ser_range(&t->ent[i].s, b0, b1, &a);
			ser_agg_add(out, &a);
		}
		return;
	}
	long e = etab_find(t, &r->key);
	if (e >= 0)
		ser_range(&t->ent[e].s, b0, b1, out);
}

static int is_counter_kind(enum view_kind k)
{
	return k == VIEW_DEV || k == VIEW_LUSTRE;
}

/* One timeline column of a device (bytes/s from rkB/s and wkB/s, mean
 * await of reads and writes) or a Lustre row (bytes/s, metadata ops/s). */
static void counter_chart_column(struct ui *u, int c, uint32_t b0, uint32_t b1)
{
	struct row t = u->drow;
	view_counter_row(u->dkind, u->m, &t, b0, b1);
	if (u->dkind == VIEW_DEV) {
		double ios = t.v[D_RS] + t.v[D_WS];
		u->chart[0][c] = t.v[D_RKB] * 1024;
		u->chart[1][c] = t.v[D_WKB] * 1024;
		u->chart[2][c] = ios > 0 ? (t.v[D_RAWAIT] * t.v[D_RS] + t.v[D_WAWAIT] * t.v[D_WS]) / ios / 1e3 : 0;
	} else {
		u->chart[0][c] = t.v[L_RB];
		u->chart[1][c] = t.v[L_WB];
		u->chart[2][c] = t.v[L_META];
	}
}

static void drill_compute_chart(struct ui *u)
{
	const struct model *m = u->m;
	int w = COLS - 9;
	if (w > MAX_CHART)
		w = MAX_CHART;
	if (w > (int)m->nbins)
		w = (int)m->nbins;
	if (w < 1)
		w = 1;
	u->chart_n = w;
	for (int c = 0; c < w; c++) {
		uint32_t b0 = (uint32_t)((uint64_t)c * m->nbins / w);
		uint32_t b1 = (uint32_t)((uint64_t)(c + 1) * m->nbins / w);
		if (is_counter_kind(u->dkind)) {
			counter_chart_column(u, c, b0, b1);
			continue;
		}
		struct ser_agg a;
		drill_range(u, b0, b1, &a);
		double secs = (double)(b1 - b0) * (double)m->binw / 1e9;
		uint64_t ops = a.rops + a.wops + a.mops;
		u->chart[0][c] = (double)a.rbytes / secs;
		u->chart[1][c] = (double)a.wbytes / secs;
		u->chart[2][c] = ops ? (double)a.io_ns / (double)ops / 1e9 : 0;
	}
}

static int cmp_sub(const void *x, const void *y)
{
	const struct sub_row *a = x, *b = y;
	uint64_t ta = a->rbytes + a->wbytes, tb = b->rbytes + b->wbytes;
	if (ta != tb)
		return (ta < tb) - (ta > tb);
	return (a->ops < b->ops) - (a->ops > b->ops);
}

/* Keep the busiest MAX_SUB rows. */
static void sub_push(struct ui *u, const struct sub_row *r)
{
	if (u->nsub < MAX_SUB) {
		u->sub[u->nsub++] = *r;
		return;
	}
	qsort(u->sub, (size_t)u->nsub, sizeof(u->sub[0]), cmp_sub);
	if (cmp_sub(r, &u->sub[MAX_SUB - 1]) < 0)
		u->sub[MAX_SUB - 1] = *r;
}

/* Processes of the drilled job in the window (from the series). */
static void drill_job_sub(struct ui *u)
{
	const struct model *m = u->m;
	const struct etab *t = &m->cur.pids;
	long jr = u->view.kind == VIEW_JOB ? view_find(&u->view, &u->drow.key) : -1;
	for (size_t i = 0; jr >= 0 && i < t->n && i < u->view.ngroup; i++) {
		if (u->view.group[i] != jr)
			continue;
		uint32_t pid = MODEL_KEY_PID(t->ent[i].key.a);
		const struct iot_proc *p =
			model_proc(m, t->ent[i].key.node, pid, MODEL_KEY_LIFE(t->ent[i].key.a));
		struct ser_agg a;
		ser_range(&t->ent[i].s, win_start(u), win_end(u), &a);
		struct sub_row r = {.pid = pid, .name = p && p->comm ? p->comm : "?",
				    .rbytes = a.rbytes, .wbytes = a.wbytes,
				    .ops = a.rops + a.wops + a.mops};
		if (r.ops)
			sub_push(u, &r);
	}
}

/* Files of the drilled process or thread, or processes of the drilled
 * file: the analyzer's aggregates over the decoded window. */
static void drill_compute_sub(struct ui *u)
{
	u->nsub = 0;
	if (u->dkind == VIEW_JOB)
		drill_job_sub(u);
	else if (u->dr.done && u->dr.agg && u->dkind == VIEW_FILE) {
		for (size_t i = 0; i < agg_process_count(u->dr.agg); i++) {
			const struct agg_process *p = agg_process(u->dr.agg, i);
			struct sub_row r = {.pid = p->pid, .name = *p->comm ? p->comm : "?",
					    .rbytes = p->st.read_bytes, .wbytes = p->st.write_bytes,
					    .ops = p->st.ops};
			sub_push(u, &r);
		}
	} else if (u->dr.done && u->dr.agg) {
		for (size_t i = 0; i < agg_file_count(u->dr.agg); i++) {
			const struct agg_file *f = agg_file(u->dr.agg, i);
			struct sub_row r = {.name = f->path, .rbytes = f->st.read_bytes,
					    .wbytes = f->st.write_bytes, .ops = f->st.ops};
			sub_push(u, &r);
		}
	}
	qsort(u->sub, (size_t)u->nsub, sizeof(u->sub[0]), cmp_sub);
}

static long counter_interval(const struct ui *u, long k, char *buf, size_t n);

/* Start decoding the drilled row's events of the window. */
static void drill_fetch_events(struct ui *u)
{
	const struct row *r = &u->drow;
	uint64_t from = model_bin_time(u->m, win_start(u));
	uint64_t to = model_bin_time(u->m, win_end(u));
	u->evtop = 0;
	u->nsub = 0;
	if (u->dkind == VIEW_JOB || is_counter_kind(u->dkind)) {
		u->dr.done = 1;
		u->dr.nev = 0;
		u->dr.nmatch = 0;
		if (u->dkind == VIEW_JOB)
			drill_compute_sub(u);
		else
			u->nlist = counter_interval(u, -1, NULL, 0);
		return;
	}
	enum drill_kind k = u->dkind == VIEW_THREAD ? DRILL_TID : u->dkind == VIEW_FILE ? DRILL_FILE : DRILL_PID;
	if (drill_start(&u->dr, r->node, k, r->pid, r->tid, r->life, r->file_id, from, to))
		snprintf(u->msg, sizeof(u->msg), "out of memory starting the drill-down");
}

static void spark(struct ui *u, int y, const char *label, const double *vals, int n, int pair)
{
	static const char *const blocks[] = {" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
					     "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
					     "\xe2\x96\x87", "\xe2\x96\x88"};
	static const char ascii[] = " .:-=+*#@";
	double max = 0;
	for (int i = 0; i < n; i++)
		if (vals[i] > max)
			max = vals[i];
	fill_line(y);
	put(y, 0, label, 8, 0);
	if (pair && u->colors)
		attron(COLOR_PAIR(pair));
	for (int i = 0; i < n && 9 + i < COLS; i++) {
		int lv = max > 0 ? (int)(vals[i] / max * 8.0 + 0.999) : 0;
		if (lv > 8)
			lv = 8;
		if (u->utf8) {
			mvaddstr(y, 9 + i, blocks[lv]);
		} else {
			mvaddch(y, 9 + i, (chtype)ascii[lv]);
		}
	}
	if (pair && u->colors)
		attroff(COLOR_PAIR(pair));
}

static void format_event(const struct ui *u, const struct tv_event *e, char *buf, size_t n)
{
	const struct iot_io_event *ev = &e->ev;
	char off[32], lat[16], sz[16], res[32];
	fmt_offset(off, sizeof(off), e->wall > u->m->t0 ? e->wall - u->m->t0 : 0);
	fmt_lat(lat, sizeof(lat), (double)ev->dur_ns / 1e9);
	fmt_bytes(sz, sizeof(sz), (double)ev->size);
	if (ev->result < 0)
		snprintf(res, sizeof(res), "-1 %s", strerrorname_np((int)-ev->result) ?
			 strerrorname_np((int)-ev->result) : "E?");
	else
		snprintf(res, sizeof(res), "%lld", (long long)ev->result);
	const char *path = ev->file_id ? model_path(u->m, u->dr.node, ev->file_id) : NULL;
	char who[32];
	if (ev->tid && ev->tid != ev->pid)
		snprintf(who, sizeof(who), "%u/%u", ev->pid, ev->tid);
	else
		snprintf(who, sizeof(who), "%u", ev->pid);
	enum iot_op_category cat = iot_op_category(ev->op);
	if (cat == IOT_CAT_READ || cat == IOT_CAT_WRITE) {
		if (ev->offset >= 0)
			snprintf(buf, n, "%s [%s] %s(%d<%s>, %s @%lld) = %s <%s>", off, who,
				 iot_op_name(ev->op), ev->fd, path ? path : "?", sz, (long long)ev->offset,
				 res, lat);
		else
			snprintf(buf, n, "%s [%s] %s(%d<%s>, %s) = %s <%s>", off, who,
				 iot_op_name(ev->op), ev->fd, path ? path : "?", sz, res, lat);
	} else {
		snprintf(buf, n, "%s [%s] %s(%s%s) = %s <%s>", off, who, iot_op_name(ev->op),
			 path ? path : "", path ? "" : "-", res, lat);
	}
}


/* Three sparklines over the whole recording (READ/s, WRITE/s and a third
 * series: latency or a rate), the window marked below, peaks after. */
static void draw_chart(struct ui *u, int y, const char *third, int third_is_lat)
{
	const struct model *m = u->m;
	char line[256], a[16], b[16], c[16], d[16];
	spark(u, y, "READ/s", u->chart[0], u->chart_n, CP_READ);
	spark(u, y + 1, "WRITE/s", u->chart[1], u->chart_n, CP_WRITE);
	spark(u, y + 2, third, u->chart[2], u->chart_n, 0);
	fill_line(y + 3);
	int n = u->chart_n;
	int c0 = (int)((uint64_t)win_start(u) * n / m->nbins);
	int c1 = (int)((uint64_t)win_end(u) * n / m->nbins);
	if (c1 <= c0)
		c1 = c0 + 1;
	put(y + 3, 0, "cursor", 8, 0);
	style_on(u, CP_WARN, A_BOLD);
	for (int i = c0; i < c1 && 9 + i < COLS; i++)
		mvaddch(y + 3, 9 + i, '^');
	style_off(u, CP_WARN, A_BOLD);
	fill_line(y + 4);
	fmt_dur(a, sizeof(a), m->t1 - m->t0);
	double rmax = 0, wmax = 0, lmax = 0;
	for (int i = 0; i < n; i++) {
		rmax = u->chart[0][i] > rmax ? u->chart[0][i] : rmax;
		wmax = u->chart[1][i] > wmax ? u->chart[1][i] : wmax;
		lmax = u->chart[2][i] > lmax ? u->chart[2][i] : lmax;
	}
	fmt_bytes(b, sizeof(b), rmax);
	fmt_bytes(c, sizeof(c), wmax);
	if (third_is_lat)
		fmt_lat(d, sizeof(d), lmax);
	else
		fmt_rate(d, sizeof(d), lmax);
	snprintf(line, sizeof(line), "         0 .. %s   peaks: READ %s/s  WRITE %s/s  %s %s", a, b, c,
		 third, d);
	put(y + 4, 0, line, COLS, 0);
}

/* The k-th poll interval of the drilled device or Lustre row that
 * overlaps the window, formatted into buf; returns the number of such
 * intervals when k < 0. Counters are few (one sample per poll), so a
 * walk per line is cheap and needs no memory. */
static long counter_interval(const struct ui *u, long k, char *buf, size_t n)
{
	const struct model *m = u->m;
	const struct row *r = &u->drow;
	uint64_t ws = model_bin_time(m, win_start(u)), we = model_bin_time(m, win_end(u));
	char a[32], b[32];
	long cnt = 0;
	if (u->dkind == VIEW_DEV) {
		if (r->ent < 0 || (size_t)r->ent >= m->cur.ndevs)
			return 0;
		const struct disk_dev *d = &m->cur.devs[r->ent];
		for (size_t i = 0; i + 1 < d->n; i++) {
			if (d->s[i + 1].ts_ns <= ws || d->s[i].ts_ns >= we)
				continue;
			if (cnt++ != k)
				continue;
			struct iostat_metrics met;
			fmt_offset(a, sizeof(a), d->s[i].ts_ns > m->t0 ? d->s[i].ts_ns - m->t0 : 0);
			fmt_offset(b, sizeof(b), d->s[i + 1].ts_ns > m->t0 ? d->s[i + 1].ts_ns - m->t0 : 0);
			if (iostat_compute(&d->s[i], &d->s[i + 1], &met))
				snprintf(buf, n, "%s..%s  (no interval)", a, b);
			else
				snprintf(buf, n, "%s..%s  r/s %.2f  w/s %.2f  rkB/s %.2f  wkB/s %.2f  r_await %.2f  "
					 "w_await %.2f  aqu-sz %.2f  %%util %.2f", a, b, met.v[IOSTAT_R_S],
					 met.v[IOSTAT_W_S], met.v[IOSTAT_RKB_S], met.v[IOSTAT_WKB_S],
					 met.v[IOSTAT_R_AWAIT], met.v[IOSTAT_W_AWAIT], met.v[IOSTAT_AQU_SZ],
					 met.v[IOSTAT_UTIL]);
			return cnt;
		}
		return cnt;
	}
	if (!m->cur.jobs || r->ent < 0 || (size_t)r->ent >= jobs_count(m->cur.jobs))
		return 0;
	const struct jobs_job *jj = jobs_job(m->cur.jobs, (size_t)r->ent);
	for (size_t i = 0; i < jj->niv; i++) {
		const struct jobs_interval *iv = &jj->iv[i];
		if (strcmp(iv->target, r->name) || iv->end_ns <= ws || iv->start_ns >= we)
			continue;
		if (cnt++ != k)
			continue;
		fmt_offset(a, sizeof(a), iv->start_ns > m->t0 ? iv->start_ns - m->t0 : 0);
		fmt_offset(b, sizeof(b), iv->end_ns > m->t0 ? iv->end_ns - m->t0 : 0);
		int o = snprintf(buf, n, "%s..%s %s", a, b, iv->reset ? " reset" : iv->is_new ? " new" : "");
		for (size_t q = 0; q < iv->nd && o > 0 && (size_t)o < n; q++) {
			const struct jobs_delta *dl = &iv->d[q];
			char v[16];
			if (jobs_is_bytes(dl))
				fmt_bytes(v, sizeof(v), (double)dl->sum);
			else
				snprintf(v, sizeof(v), "%" PRIu64, dl->sum);
			o += snprintf(buf + o, n - (size_t)o, "  %s %" PRIu64 "%s%s", dl->counter, dl->samples,
				      dl->sum ? "/" : "", dl->sum ? v : "");
		}
		return cnt;
	}
	return cnt;
}

/* Drill-down of a device (iostat -x per poll interval) or of a Lustre
 * job on a target (jobstats deltas per interval). */
static void draw_counter_drill(struct ui *u)
{
	const struct model *m = u->m;
	const struct row *r = &u->drow;
	char line[1024], a[16], b[16], c[16], d[16], e[16];
	fill_line(2);
	fill_line(3);
	struct row t = *r;
	view_counter_row(u->dkind, m, &t, win_start(u), win_end(u));
	if (u->dkind == VIEW_DEV)
		snprintf(line, sizeof(line), "DEVICE %s", r->name);
	else
		snprintf(line, sizeof(line), "LUSTRE job %s on %s", r->job, r->name);
	style_on(u, CP_TITLE, A_BOLD);
	put(2, 0, line, COLS, 0);
	style_off(u, CP_TITLE, A_BOLD);
	if (u->dkind == VIEW_DEV) {
		snprintf(line, sizeof(line), "in window: r/s %.2f  w/s %.2f  rkB/s %.2f  wkB/s %.2f  r_await %.2f  "
			 "w_await %.2f  aqu-sz %.2f  %%util %.2f", t.v[D_RS], t.v[D_WS], t.v[D_RKB], t.v[D_WKB],
			 t.v[D_RAWAIT], t.v[D_WAWAIT], t.v[D_AQU], t.v[D_UTIL]);
	} else {
		fmt_bytes(a, sizeof(a), t.v[L_RB]);
		fmt_bytes(b, sizeof(b), t.v[L_WB]);
		fmt_rate(c, sizeof(c), t.v[L_ROPS]);
		fmt_rate(d, sizeof(d), t.v[L_WOPS]);
		fmt_rate(e, sizeof(e), t.v[L_META]);
		snprintf(line, sizeof(line), "in window: READ %s/s  WRITE %s/s  R-OPS %s/s  W-OPS %s/s  META %s/s",
			 a, b, c, d, e);
	}
	put(3, 0, line, COLS, 0);
	int y = HEADER_LINES;
	draw_chart(u, y, u->dkind == VIEW_DEV ? "AWAIT" : "META/s", u->dkind == VIEW_DEV);
	y += 5;
	fill_line(y);
	style_on(u, CP_HEAD, A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	snprintf(line, sizeof(line), "INTERVALS in the window: %ld  (Up/Down to scroll)", u->nlist);
	put(y, 0, line, COLS, 0);
	style_off(u, CP_HEAD, A_REVERSE);
	for (int i = 0; y + 1 + i < LINES - 1; i++) {
		fill_line(y + 1 + i);
		long k = u->evtop + i;
		if (k >= u->nlist) {
			if (i == 0 && !u->nlist)
				put(y + 1, 0, "  (no poll interval in this window)", COLS, 0);
			continue;
		}
		counter_interval(u, k, line, sizeof(line));
		put(y + 1 + i, 0, line, COLS, 0);
	}
}

static void draw_drill(struct ui *u)
{
	if (is_counter_kind(u->dkind)) {
		draw_counter_drill(u);
		return;
	}
	const struct model *m = u->m;
	const struct row *r = &u->drow;
	char line[1024], a[16], b[16], c[16], d[16];
	/* Title of the drilled row with its numbers in the window. */
	fill_line(2);
	fill_line(3);
	struct ser_agg w;
	drill_range(u, win_start(u), win_end(u), &w);
	double secs = (double)(win_end(u) - win_start(u)) * (double)m->binw / 1e9;
	uint64_t ops = w.rops + w.wops + w.mops;
	fmt_bytes(a, sizeof(a), (double)w.rbytes / secs);
	fmt_bytes(b, sizeof(b), (double)w.wbytes / secs);
	fmt_lat(c, sizeof(c), ops ? (double)w.io_ns / (double)ops / 1e9 : 0);
	fmt_rate(d, sizeof(d), (double)ops / secs);
	switch (u->dkind) {
	case VIEW_FILE:
		snprintf(line, sizeof(line), "FILE %s", r->name);
		break;
	case VIEW_JOB:
		snprintf(line, sizeof(line), "JOB %s", r->name);
		break;
	case VIEW_THREAD:
		snprintf(line, sizeof(line), "TID %u (PID %u)  %s  job %s%s%s", r->tid, r->pid, r->name,
			 *r->job ? r->job : "-", r->rank ? "  rank " : "", r->rank ? r->rank : "");
		break;
	default:
		snprintf(line, sizeof(line), "PID %u  %s  job %s%s%s", r->pid, r->name,
			 *r->job ? r->job : "-", r->rank ? "  rank " : "", r->rank ? r->rank : "");
		break;
	}
	style_on(u, CP_TITLE, A_BOLD);
	put(2, 0, line, COLS, 0);
	style_off(u, CP_TITLE, A_BOLD);
	int n0 = snprintf(line, sizeof(line), "in window: READ %s/s  WRITE %s/s  ops %s/s  AVG-LAT %s", a, b, d, c);
	double pio[PIO_N];
	if ((u->dkind == VIEW_PROC || u->dkind == VIEW_THREAD) &&
	    model_procio(m, r->node, r->pid, model_bin_time(m, win_start(u)), model_bin_time(m, win_end(u)), pio)) {
		/* What the kernel counted for the whole process: syscall
		 * bytes vs bytes that reached storage (page cache effects). */
		char p1[16], p2[16], p3[16], p4[16];
		fmt_bytes(p1, sizeof(p1), pio[PIO_RCHAR]);
		fmt_bytes(p2, sizeof(p2), pio[PIO_WCHAR]);
		fmt_bytes(p3, sizeof(p3), pio[PIO_RBYTES]);
		fmt_bytes(p4, sizeof(p4), pio[PIO_WBYTES]);
		snprintf(line + n0, sizeof(line) - (size_t)n0,
			 "  | /proc io/s: rchar %s wchar %s disk r %s w %s", p1, p2, p3, p4);
	}
	put(3, 0, line, COLS, 0);

	/* Timeline over the whole recording, the window marked below. */
	int y = HEADER_LINES;
	draw_chart(u, y, "LAT", 1);
	/* Files (or processes) in the window. */
	y += 5;
	int nsub_lines = 5;
	fill_line(y);
	style_on(u, CP_HEAD, A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	if (u->dkind == VIEW_FILE || u->dkind == VIEW_JOB)
		snprintf(line, sizeof(line), "%7s %7s %6s %6s  %s", "READ/s", "WRITE/s", "OPS/s", "PID", "PROCESS");
	else
		snprintf(line, sizeof(line), "%7s %7s %6s  %s", "READ/s", "WRITE/s", "OPS/s", "FILE");
	put(y, 0, line, COLS, 0);
	style_off(u, CP_HEAD, A_REVERSE);
	for (int i = 0; i < nsub_lines; i++) {
		fill_line(y + 1 + i);
		if (i >= u->nsub) {
			if (i == 0)
				put(y + 1, 0, !u->dr.done ? "  (decoding...)"
					       : u->dkind == VIEW_JOB ? "  (no process of this job did I/O in this window)"
								: "  (no file I/O in this window)", COLS, 0);
			continue;
		}
		const struct sub_row *s = &u->sub[i];
		fmt_bytes(a, sizeof(a), (double)s->rbytes / secs);
		fmt_bytes(b, sizeof(b), (double)s->wbytes / secs);
		fmt_rate(c, sizeof(c), (double)s->ops / secs);
		if (u->dkind == VIEW_FILE || u->dkind == VIEW_JOB)
			snprintf(line, sizeof(line), "%7s %7s %6s %6u  %s", a, b, c, s->pid, s->name);
		else
			snprintf(line, sizeof(line), "%7s %7s %6s  %s", a, b, c, s->name);
		put(y + 1 + i, 0, line, COLS, 0);
	}

	/* Events in the window, scrollable. */
	y += 1 + nsub_lines;
	fill_line(y);
	style_on(u, CP_HEAD, A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	const struct drill *dr = &u->dr;
	if (!dr->done) {
		snprintf(line, sizeof(line), "EVENTS in the window: decoding %u%%...",
			 drill_progress(dr) / 10);
	} else if (u->dkind == VIEW_JOB) {
		snprintf(line, sizeof(line), "EVENTS: drill into one of the job's processes");
	} else {
		const struct agg_stats *st = dr->agg ? agg_totals(dr->agg) : NULL;
		char p50[16] = "-", p99[16] = "-", mx[16] = "-";
		if (st && st->ops) {
			fmt_lat(p50, sizeof(p50), (double)agg_lat_quantile(&st->lat, 0.5) / 1e9);
			fmt_lat(p99, sizeof(p99), (double)agg_lat_quantile(&st->lat, 0.99) / 1e9);
			fmt_lat(mx, sizeof(mx), (double)st->lat.max_ns / 1e9);
		}
		char listed[48] = "";
		if (dr->nmatch > dr->nev)
			snprintf(listed, sizeof(listed), " (first %zu listed)", dr->nev);
		snprintf(line, sizeof(line), "EVENTS in the window: %llu%s  lat p50 %s p99 %s max %s  errors %llu",
			 (unsigned long long)dr->nmatch, listed, p50, p99, mx,
			 st ? (unsigned long long)st->errors : 0ull);
	}
	put(y, 0, line, COLS, 0);
	style_off(u, CP_HEAD, A_REVERSE);
	long nev = dr->done ? (long)dr->nev : 0;
	for (int i = 0; y + 1 + i < LINES - 1; i++) {
		fill_line(y + 1 + i);
		long k = u->evtop + i;
		if (k >= nev) {
			if (i == 0 && !nev && dr->done && u->dkind != VIEW_JOB)
				put(y + 1, 0, "  (no events in this window)", COLS, 0);
			continue;
		}
		format_event(u, &dr->evs[k], line, sizeof(line));
		put(y + 1 + i, 0, line, COLS, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Actions                                                             */
/* ------------------------------------------------------------------ */

typedef unsigned (*action_fn)(struct ui *u);

static unsigned time_changed(struct ui *u)
{
	clamp_window(u);
	return RD_COMPUTE | RD_HEADER | RD_TABLE | (u->scr == SCR_DRILL ? RD_EVENTS : 0);
}

static unsigned act_quit(struct ui *u)
{
	u->quit = 1;
	return 0;
}

static unsigned act_help(struct ui *u)
{
	u->help_from = u->scr;
	u->scr = SCR_HELP;
	return RD_CLEAR | RD_SCREEN;
}

static unsigned set_view(struct ui *u, enum view_kind k)
{
	u->vk = k;
	u->sel = u->top = 0;
	u->have_sel = 0;
	return RD_REBUILD | RD_CLEAR | RD_SCREEN;
}

static unsigned act_view_next(struct ui *u)
{
	return set_view(u, (enum view_kind)((u->vk + 1) % VIEW__COUNT));
}

static unsigned act_view_prev(struct ui *u)
{
	return set_view(u, (enum view_kind)((u->vk + VIEW__COUNT - 1) % VIEW__COUNT));
}

static unsigned act_threads(struct ui *u)
{
	return set_view(u, u->vk == VIEW_THREAD ? VIEW_PROC : VIEW_THREAD);
}

static unsigned act_left(struct ui *u)
{
	u->wb0 = u->wb0 > u->wlen ? u->wb0 - u->wlen : 0;
	return time_changed(u);
}

static unsigned act_right(struct ui *u)
{
	u->wb0 += u->wlen;
	return time_changed(u);
}

static unsigned act_shrink(struct ui *u)
{
	u->wlen = u->wlen > 1 ? u->wlen / 2 : 1;
	return time_changed(u);
}

static unsigned act_grow(struct ui *u)
{
	u->wlen = u->wlen > u->m->nbins / 2 ? u->m->nbins : u->wlen * 2;
	return time_changed(u);
}

static unsigned act_home(struct ui *u)
{
	u->wb0 = 0;
	return time_changed(u);
}

static unsigned act_end(struct ui *u)
{
	u->wb0 = u->m->nbins;
	return time_changed(u);
}

static unsigned act_accum(struct ui *u)
{
	u->accum = !u->accum;
	return time_changed(u);
}

static double tick_interval(const struct ui *u)
{
	double step = (double)u->wlen * (double)u->m->binw / 1e9 / speeds[u->speed_i];
	return step < 0.05 ? 0.05 : step;
}

static unsigned act_play(struct ui *u)
{
	u->playing = !u->playing;
	if (u->playing && win_end(u) >= u->m->nbins)
		u->wb0 = 0; /* at the end: play from the start */
	u->next_tick = mono_s() + tick_interval(u);
	return time_changed(u);
}

static unsigned act_faster(struct ui *u)
{
	if ((size_t)u->speed_i + 1 < NSPEEDS)
		u->speed_i++;
	return RD_HEADER;
}

static unsigned act_slower(struct ui *u)
{
	if (u->speed_i > 0)
		u->speed_i--;
	return RD_HEADER;
}

static unsigned act_goto(struct ui *u)
{
	u->prompt = PR_GOTO;
	u->glen = 0;
	u->gotobuf[0] = 0;
	return RD_FOOTER;
}

static unsigned act_filter(struct ui *u)
{
	u->prompt = PR_FILTER;
	return RD_FOOTER | RD_HEADER;
}

static unsigned act_active(struct ui *u)
{
	u->only_active = !u->only_active;
	return RD_FILTER | RD_HEADER | RD_TABLE;
}

static unsigned sort_move(struct ui *u, int d)
{
	struct view *v = &u->view;
	int n = (int)v->ncols;
	v->sort_col = (v->sort_col + d + n) % n;
	return RD_FILTER | RD_HEADER | RD_TABLE;
}

static unsigned act_sort_next(struct ui *u)
{
	return sort_move(u, 1);
}

static unsigned act_sort_prev(struct ui *u)
{
	return sort_move(u, -1);
}

static unsigned act_reverse(struct ui *u)
{
	u->view.reverse = !u->view.reverse;
	return RD_FILTER | RD_HEADER | RD_TABLE;
}

static unsigned move_sel(struct ui *u, long d)
{
	u->sel += d;
	fix_scroll(u);
	u->have_sel = 0;
	return RD_TABLE;
}

/* Lines of the drill-down's scrollable list. */
static long list_len(const struct ui *u)
{
	return is_counter_kind(u->dkind) ? u->nlist : (long)u->dr.nev;
}

static unsigned act_up(struct ui *u)
{
	if (u->scr == SCR_DRILL) {
		u->evtop = u->evtop > 0 ? u->evtop - 1 : 0;
		return RD_TABLE;
	}
	return move_sel(u, -1);
}

static unsigned act_down(struct ui *u)
{
	if (u->scr == SCR_DRILL) {
		if (u->evtop + 1 < list_len(u))
			u->evtop++;
		return RD_TABLE;
	}
	return move_sel(u, 1);
}

static unsigned act_pgup(struct ui *u)
{
	long h = table_rows() > 1 ? table_rows() - 1 : 1;
	if (u->scr == SCR_DRILL) {
		u->evtop = u->evtop > h ? u->evtop - h : 0;
		return RD_TABLE;
	}
	return move_sel(u, -h);
}

static unsigned act_pgdn(struct ui *u)
{
	long h = table_rows() > 1 ? table_rows() - 1 : 1;
	if (u->scr == SCR_DRILL) {
		long nev = list_len(u);
		u->evtop = u->evtop + h < nev ? u->evtop + h : (nev ? nev - 1 : 0);
		return RD_TABLE;
	}
	return move_sel(u, h);
}

static unsigned act_drill(struct ui *u)
{
	if (u->scr == SCR_DRILL || !u->view.nvis)
		return 0;
	u->drow = u->view.rows[u->view.vis[u->sel]];
	u->dkind = u->vk;
	u->scr = SCR_DRILL;
	return RD_CLEAR | RD_SCREEN | RD_COMPUTE | RD_EVENTS;
}

static unsigned act_back(struct ui *u)
{
	if (u->scr == SCR_DRILL) {
		u->scr = SCR_MAIN;
		return RD_CLEAR | RD_SCREEN | RD_COMPUTE;
	}
	if (u->flen) {
		u->flen = 0;
		u->filter[0] = 0;
		return RD_FILTER | RD_HEADER | RD_TABLE;
	}
	return 0;
}

struct keybind {
	int key;
	action_fn act;
	int drill; /* also active in the drill-down */
};

static const struct keybind keymap[] = {
	{'q', act_quit, 1},
	{'Q', act_quit, 1},
	{'?', act_help, 1},
	{KEY_F(1), act_help, 1},
	{'h', act_help, 1},
	{'\t', act_view_next, 0},
	{KEY_F(2), act_view_next, 0},
	{KEY_BTAB, act_view_prev, 0},
	{'p', act_threads, 0},
	{KEY_LEFT, act_left, 1},
	{KEY_RIGHT, act_right, 1},
	{'[', act_shrink, 1},
	{']', act_grow, 1},
	{KEY_HOME, act_home, 1},
	{KEY_END, act_end, 1},
	{'g', act_goto, 1},
	{' ', act_play, 1},
	{'+', act_faster, 1},
	{'=', act_faster, 1},
	{'-', act_slower, 1},
	{'a', act_accum, 1},
	{'/', act_filter, 0},
	{'o', act_active, 0},
	{'>', act_sort_next, 0},
	{'.', act_sort_next, 0},
	{KEY_F(6), act_sort_next, 0},
	{'<', act_sort_prev, 0},
	{',', act_sort_prev, 0},
	{'r', act_reverse, 0},
	{KEY_UP, act_up, 1},
	{'k', act_up, 1},
	{KEY_DOWN, act_down, 1},
	{'j', act_down, 1},
	{KEY_PPAGE, act_pgup, 1},
	{KEY_NPAGE, act_pgdn, 1},
	{'\n', act_drill, 0},
	{'\r', act_drill, 0},
	{KEY_ENTER, act_drill, 0},
	{27, act_back, 1},
	{KEY_BACKSPACE, act_back, 1},
	{127, act_back, 1},
	{8, act_back, 1},
};

/* Text entry for the filter and go-to prompts. */
static unsigned prompt_key(struct ui *u, int ch)
{
	char *buf = u->prompt == PR_FILTER ? u->filter : u->gotobuf;
	size_t *len = u->prompt == PR_FILTER ? &u->flen : &u->glen;
	size_t cap = u->prompt == PR_FILTER ? sizeof(u->filter) : sizeof(u->gotobuf);
	unsigned rd = RD_FOOTER;
	if (ch == 27) { /* Esc: cancel (and clear the filter) */
		if (u->prompt == PR_FILTER) {
			*len = 0;
			buf[0] = 0;
			rd |= RD_FILTER | RD_TABLE | RD_HEADER;
		}
		u->prompt = PR_NONE;
		return rd;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		if (u->prompt == PR_GOTO) {
			uint64_t cur = model_bin_time(u->m, u->wb0) - u->m->t0, off;
			if (fmt_parse_time(u->gotobuf, cur, &off) == 0) {
				u->wb0 = model_bin(u->m, u->m->t0 + off);
				rd |= time_changed(u);
			} else {
				snprintf(u->msg, sizeof(u->msg), "not a time: \"%s\" (try 12.5, 1:30, +5)",
					 u->gotobuf);
				rd |= RD_HEADER;
			}
		}
		u->prompt = PR_NONE;
		return rd | RD_HEADER;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		/* Remove one UTF-8 character. */
		while (*len > 0 && ((unsigned char)buf[*len - 1] & 0xc0) == 0x80)
			(*len)--;
		if (*len > 0)
			(*len)--;
		buf[*len] = 0;
	} else if (ch >= 32 && ch < 256 && *len + 1 < cap) {
		buf[(*len)++] = (char)ch;
		buf[*len] = 0;
	} else {
		return 0;
	}
	if (u->prompt == PR_FILTER) {
		u->sel = 0;
		rd |= RD_FILTER | RD_TABLE | RD_HEADER;
	}
	return rd;
}

static unsigned dispatch(struct ui *u, int ch)
{
	if (ch == KEY_RESIZE)
		return RD_CLEAR | RD_SCREEN | RD_COMPUTE;
	if (u->prompt != PR_NONE)
		return prompt_key(u, ch);
	unsigned had_msg = u->msg[0] ? RD_HEADER : 0;
	u->msg[0] = 0;
	if (u->scr == SCR_HELP) {
		if (ch == 'q' || ch == 'Q')
			u->quit = 1;
		u->scr = u->help_from;
		return RD_CLEAR | RD_SCREEN | RD_COMPUTE;
	}
	for (size_t i = 0; i < sizeof(keymap) / sizeof(keymap[0]); i++)
		if (keymap[i].key == ch && (u->scr == SCR_MAIN || keymap[i].drill))
			return keymap[i].act(u) | had_msg;
	return had_msg;
}

/* ------------------------------------------------------------------ */
/* Loop                                                                */
/* ------------------------------------------------------------------ */

static void keep_selection(struct ui *u)
{
	if (u->have_sel) {
		long r = view_find(&u->view, &u->sel_key);
		long p = r >= 0 ? view_vis_pos(&u->view, r) : -1;
		if (p >= 0)
			u->sel = p;
	}
	fix_scroll(u);
	if (u->sel >= 0 && (size_t)u->sel < u->view.nvis) {
		u->sel_key = u->view.rows[u->view.vis[u->sel]].key;
		u->have_sel = 1;
	}
}

static void init_colors(struct ui *u)
{
	u->colors = !u->o->no_color && !getenv("NO_COLOR") && has_colors() && start_color() == OK;
	if (!u->colors)
		return;
	use_default_colors();
	init_pair(CP_HEAD, COLOR_BLACK, COLOR_GREEN);
	init_pair(CP_READ, COLOR_GREEN, -1);
	init_pair(CP_WRITE, COLOR_RED, -1);
	init_pair(CP_WARN, COLOR_WHITE, COLOR_RED);
	init_pair(CP_KEY, COLOR_BLACK, COLOR_CYAN);
	init_pair(CP_SEL, COLOR_BLACK, COLOR_CYAN);
	init_pair(CP_TITLE, COLOR_CYAN, -1);
}

/* Processes, unless the recording holds no I/O events (counters only):
 * then devices, or Lustre. Read from the index. */
static enum view_kind first_view(const struct model *m)
{
	unsigned seen = 0;
	for (size_t n = 0; n < m->nnodes; n++)
		for (size_t c = 0; c < iot_reader_chunk_count(m->nodes[n].r); c++) {
			unsigned st = iot_reader_chunk(m->nodes[n].r, c)->stream;
			if (st <= IOT_STREAM__MAX)
				seen |= IOT_STREAM_MASK(st);
		}
	if (seen & IOT_STREAM_MASK(IOT_STREAM_IO))
		return VIEW_PROC;
	if (seen & IOT_STREAM_MASK(IOT_STREAM_DISK))
		return VIEW_DEV;
	if (seen & IOT_STREAM_MASK(IOT_STREAM_JOBSTATS))
		return VIEW_LUSTRE;
	return VIEW_PROC;
}

static void initial_window(struct ui *u)
{
	const struct model *m = u->m;
	uint64_t span = m->t1 - m->t0;
	double want = u->o->window_s > 0 ? u->o->window_s * 1e9 : span >= 2000000000ull ? 1e9 : (double)span / 10;
	u->wlen = (uint32_t)(want / (double)m->binw + 0.5);
	u->wb0 = 0;
	u->accum = u->o->accumulated;
	clamp_window(u);
	u->speed_i = 2; /* 1x */
	u->vk = first_view(m);
	for (int k = 0; u->o->view && k < VIEW__COUNT; k++)
		if (!strcmp(u->o->view, view_name((enum view_kind)k)))
			u->vk = (enum view_kind)k;
}

static void refresh_data(struct ui *u, unsigned *rd)
{
	if (*rd & RD_REBUILD) {
		if (view_build(&u->view, u->vk, u->m))
			snprintf(u->msg, sizeof(u->msg), "out of memory building the %s view",
				 view_name(u->vk));
		layout(u);
		*rd |= RD_COMPUTE | RD_FILTER | RD_SCREEN;
	}
	if (*rd & RD_CLEAR)
		layout(u);
	if (*rd & RD_COMPUTE) {
		view_compute(&u->view, u->m, win_start(u), win_end(u));
		*rd |= RD_FILTER | RD_SCREEN;
		if (u->scr == SCR_DRILL)
			drill_compute_chart(u);
	}
	if (*rd & RD_FILTER) {
		view_filter(&u->view, u->filter, u->only_active);
		keep_selection(u);
	}
	if ((*rd & RD_EVENTS) && u->scr == SCR_DRILL)
		drill_fetch_events(u);
	*rd &= ~(unsigned)(RD_REBUILD | RD_COMPUTE | RD_FILTER | RD_EVENTS);
}

/* A key typed into a prompt needs no fresh data; any other key may act on
 * the rows, so pending work is done first. */
static int is_prompt_char(const struct ui *u, int ch)
{
	return u->prompt != PR_NONE && ch >= 32 && ch < 256 && ch != 127;
}

static void paint(struct ui *u, unsigned rd)
{
	if (rd & RD_CLEAR)
		erase();
	if (u->scr == SCR_HELP) {
		draw_help(u);
		return;
	}
	if (rd & RD_HEADER) {
		draw_header(u);
	}
	if (u->scr == SCR_DRILL && (rd & (RD_TABLE | RD_HEADER)))
		draw_drill(u);
	else if (rd & RD_TABLE)
		draw_table(u);
	if (rd & (RD_FOOTER | RD_HEADER))
		draw_footer(u);
}

/* Time until something must happen without a key: play tick or scan poll. */
static int wait_ms(const struct ui *u)
{
	int ms = -1;
	if (u->playing) {
		double d = (u->next_tick - mono_s()) * 1000.0;
		ms = d < 1 ? 1 : (int)d;
	}
	if (!u->m->exact && !u->scan_err_shown && (ms < 0 || ms > 100))
		ms = 100;
	if (u->scr == SCR_DRILL && !u->dr.done)
		ms = 0; /* decoding: come back between chunks */
	return ms;
}

static unsigned idle(struct ui *u)
{
	unsigned rd = 0;
	if (model_poll(u->m))
		rd |= RD_REBUILD | RD_SCREEN | (u->scr == SCR_DRILL ? RD_EVENTS : 0);
	else if (model_scan_error(u->m) && !u->scan_err_shown) {
		u->scan_err_shown = 1;
		snprintf(u->msg, sizeof(u->msg), "background scan failed (%s): numbers stay approximate",
			 iot_strerror(model_scan_error(u->m)));
		rd |= RD_HEADER;
	} else if (!u->m->exact && !model_scan_error(u->m))
		rd |= RD_HEADER | (u->vk == VIEW_PROC ? 0 : RD_TABLE);
	if (u->scr == SCR_DRILL && !u->dr.done) {
		int rc = drill_step(&u->dr, 0.02);
		if (rc < 0)
			snprintf(u->msg, sizeof(u->msg), "drill-down: %s", iot_strerror(rc));
		if (rc != 0)
			drill_compute_sub(u);
		rd |= RD_TABLE | (rc < 0 ? RD_HEADER : 0);
	}
	if (u->playing && mono_s() >= u->next_tick) {
		u->next_tick = mono_s() + tick_interval(u);
		double adv = speeds[u->speed_i] * tick_interval(u) * 1e9 / (double)u->m->binw;
		uint32_t step = adv < 1 ? 1 : (uint32_t)(adv + 0.5);
		if (win_end(u) >= u->m->nbins)
			u->playing = 0;
		else
			u->wb0 += step;
		rd |= time_changed(u);
	}
	return rd;
}
/* getch() returned ERR: a timeout, or the terminal is gone (hangup, or
 * EOF on stdin, where getch() returns ERR at once, forever). */
static int terminal_gone(void)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	if (poll(&p, 1, 0) != 1)
		return 0;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return 1;
	/* readable, yet curses read no key and nothing is queued: EOF (or
	 * stdin is not a terminal at all, e.g. /dev/null) */
	int queued = 0;
	return (p.revents & POLLIN) && (ioctl(STDIN_FILENO, FIONREAD, &queued) != 0 || queued == 0);
}


int ui_run(struct model *m, const struct ui_opts *o)
{
	struct ui *u = calloc(1, sizeof(*u));
	if (!u)
		return -12;
	u->m = m;
	u->o = o;
	if (drill_init(&u->dr, m, MAX_EVENTS)) {
		free(u);
		return -12;
	}
	setlocale(LC_ALL, "");
	u->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	if (!initscr()) {
		drill_free(&u->dr);
		free(u);
		return -5;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	init_colors(u);
	initial_window(u);
	unsigned rd = RD_REBUILD | RD_CLEAR | RD_SCREEN;
	while (!u->quit) {
		refresh_data(u, &rd);
		paint(u, rd);
		refresh();
		rd = 0;
		timeout(wait_ms(u));
		int ch = getch();
		if (ch == ERR && terminal_gone()) {
			u->quit = 1; /* never spin on a closed terminal */
			break;
		}
		rd |= ch == ERR ? idle(u) : dispatch(u, ch);
		/* Take every key already typed before drawing: the screen is
		 * painted once the user stops typing. */
		timeout(0);
		while (!u->quit && (ch = getch()) != ERR) {
			if (!is_prompt_char(u, ch))
				refresh_data(u, &rd);
			rd |= dispatch(u, ch);
		}
		if (u->playing)
			rd |= idle(u);
	}
	endwin();
	view_free(&u->view);
	drill_free(&u->dr);
	free(u);
	return 0;
}
