/* drill.h - the drill-down's decoding work: the events of one process,
 * thread or file in the current window, with the analyzer's aggregates
 * (per file / per process, latency histograms) over them.
 *
 * Only the I/O chunks that overlap the window (and, for a process, whose
 * index aggregates name it) are decoded, a few at a time (drill_step), so
 * the UI stays responsive on any window size and shows the progress.
 */
#ifndef TUI_DRILL_H
#define TUI_DRILL_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/agg.h"
#include "tui/model.h"

/* An event for the drill-down list. */
struct tv_event {
	uint64_t wall; /* wall-clock ns of ev.ts_ns */
	struct iot_io_event ev;
};

enum drill_kind { DRILL_PID, DRILL_TID, DRILL_FILE };

struct drill {
	struct model *m;
	uint32_t node;
	enum drill_kind kind;
	uint32_t pid, tid;
	uint32_t life;         /* the pid's life (iot_reader_proc_life), 0: any */
	uint64_t file_id;
	uint64_t from, to;     /* window, wall ns, [from, to) */
	size_t next, nchunks;  /* chunk cursor in the node's index */
	size_t todo, done_chunks;
	int done;
	struct agg *agg;       /* aggregates of the matching events */
	struct tv_event *evs;  /* the first cap matching events, by time once done */
	size_t nev, cap;
	uint64_t nmatch;       /* all matching events (may exceed cap) */
	int err;
};

/* Prepare for at most cap listed events (allocates once). 0 or -ENOMEM. */
int drill_init(struct drill *d, struct model *m, size_t cap);
/* Start over for a new target or window (drops the previous results).
 * life: for a pid the trace reused, which of its processes (a row's
 * life), else 0. */
int drill_start(struct drill *d, uint32_t node, enum drill_kind kind, uint32_t pid, uint32_t tid,
		uint32_t life, uint64_t file_id, uint64_t from, uint64_t to);
/* Decode chunks for about budget_s seconds. Returns 1 when finished, 0 if
 * work remains, or a negative code. */
int drill_step(struct drill *d, double budget_s);
/* Progress in per mille. */
unsigned drill_progress(const struct drill *d);
void drill_free(struct drill *d);

#endif
