/* view.h - the rows of one ioview table: build from the model, fill the
 * numbers of a time window, filter, sort, find by key. No curses here. */
#ifndef TUI_VIEW_H
#define TUI_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "tui/model.h"
#include "tui/series.h"

enum view_kind { VIEW_PROC, VIEW_THREAD, VIEW_JOB, VIEW_FILE, VIEW_DEV, VIEW_LUSTRE, VIEW__COUNT };

enum col_kind {
	CK_PID,   /* row->pid */
	CK_TID,   /* row->tid */
	CK_JOB,   /* row->job */
	CK_RANK,  /* row->rank (MPI rank or task number) */
	CK_NAME,  /* row->name, the last, flexible column */
	CK_BYTES, /* v[vi] bytes per second */
	CK_RATE,  /* v[vi] per second or plain count */
	CK_LAT,   /* v[vi] seconds */
	CK_PCT,   /* v[vi] percent */
	CK_NUM,   /* v[vi] plain number with 2 decimals */
	CK_COUNT, /* v[vi] whole number */
};

struct column {
	const char *title;
	uint8_t width;
	uint8_t kind; /* enum col_kind */
	uint8_t vi;   /* index into row->v */
	uint8_t prio; /* columns with the lowest prio go first on a narrow screen */
};

/* Value slots of the I/O views. */
enum { V_RBPS, V_WBPS, V_RIOPS, V_WIOPS, V_META, V_LAT, V_PIO, V_PROCS, ROW_NV = 10 };

struct row {
	struct ekey key;   /* identity; jobs use kind 'J' and a = string hash */
	long ent;          /* entity index in the model table, -1 if derived */
	uint32_t node, pid, tid;
	uint32_t life;     /* the pid's life (MODEL_KEY_LIFE), 0 if not reused */
	uint64_t file_id;
	const char *job;   /* "" if none */
	const char *rank;  /* MPI rank or task number of the process, NULL if none */
	const char *name;  /* command, path, device or target */
	const char *host;  /* node's host name when several traces are open, else NULL */
	uint64_t exit_t;   /* wall ns of the process exit, 0 if running */
	struct ser_agg a;  /* window totals (I/O views) */
	double v[ROW_NV];
	uint8_t active;    /* did something in the window */
	uint8_t exited;    /* process gone before the window ends */
	char buf[48];      /* owned text for derived names (device names) */
};

struct view {
	enum view_kind kind;
	const struct column *cols;
	size_t ncols;
	struct row *rows;
	size_t nrows;
	uint32_t *vis;      /* visible rows, filtered and sorted */
	size_t nvis;
	int sort_col;       /* index into cols */
	int reverse;        /* 1 = ascending (default is largest first) */
	int exact;          /* built from exact (scanned) data */
	uint32_t *slot;     /* key -> row index + 1 */
	size_t nslot;
	long *group;        /* jobs: pid entity -> job row */
	size_t ngroup;
};

const char *view_name(enum view_kind k);
/* Column set of a view kind. */
const struct column *view_columns(enum view_kind k, int ranks, size_t *n);

/* (Re)build the rows of kind k from the model's current data. Returns 0 or
 * -ENOMEM. The old rows are freed. */
int view_build(struct view *v, enum view_kind k, const struct model *m);
void view_free(struct view *v);

/* Fill every row's numbers for the bins [b0, b1). */
void view_compute(struct view *v, const struct model *m, uint32_t b0, uint32_t b1);

/* Numbers of one device or Lustre row (kind VIEW_DEV or VIEW_LUSTRE) for
 * the bins [b0, b1); used by the drill-down's timeline. */
void view_counter_row(enum view_kind k, const struct model *m, struct row *r, uint32_t b0, uint32_t b1);

/* Lustre row value slots. */
enum { L_RB, L_WB, L_ROPS, L_WOPS, L_META };
/* Device row value slots (iostat -x). */
enum { D_RS, D_WS, D_RKB, D_WKB, D_RAWAIT, D_WAWAIT, D_AQU, D_UTIL };

/* Keep rows matching filter (command, path or job; case-insensitive) and,
 * with only_active, rows that did something; then sort. */
void view_filter(struct view *v, const char *filter, int only_active);
void view_sort(struct view *v);

/* Row index for a key, or -1. */
long view_find(const struct view *v, const struct ekey *key);
/* Position of a row index in vis, or -1. */
long view_vis_pos(const struct view *v, long row);

/* Totals of the visible rows of an I/O view for the header line. */
void view_totals(const struct view *v, double out[ROW_NV]);

#endif
