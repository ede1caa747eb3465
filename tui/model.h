/* model.h - what ioview knows about the opened traces.
 *
 * Opening reads only the index: the per-chunk, per-pid aggregates of the
 * footer are spread over time bins, which gives the process table and its
 * timelines at once (marked approximate where a chunk straddles a bin).
 * A background thread then decodes every I/O chunk once and builds exact
 * series per process, thread and file, plus the counter streams
 * (diskstats; jobstats through the analyzer's delta engine) and the loss
 * records; the UI adopts them
 * when the thread is done (model_poll). The drill-down decodes only the
 * chunks of its window, a few at a time (drill.h).
 */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "format/iotrace.h"
#include "tui/series.h"

/* Entity kinds (struct ekey.kind). */
enum { EK_PID = 'P', EK_TID = 'T', EK_FILE = 'F' };

struct tv_node {
	iot_reader *r;
	pthread_mutex_t lock; /* a reader is not thread-safe for decoding */
	int64_t wall_off;     /* wall ns = ts + wall_off */
};

/* Process and thread entities carry the pid's life in the high half of
 * key.a (iot_reader_proc_life: 0 unless the pid was reused within the
 * trace), as ioanalyze keys them. */
#define MODEL_KEY_PID(a) ((uint32_t)(a))
#define MODEL_KEY_LIFE(a) ((uint32_t)((a) >> 32))

/* The diskstats samples of one device; ts_ns is on the wall clock. */
struct disk_dev {
	uint32_t node;
	uint32_t major, minor;
	char name[40];
	size_t n, cap;
	struct iot_disk_sample *s;
};

struct jobs;

/* One /proc/PID/io sample of a node; s.ts_ns is on the wall clock. */
struct procio_rec {
	uint32_t node;
	struct iot_procio_sample s;
};

/* What the background scan produced; adopted by the UI thread at once. */
struct scan_out {
	struct etab pids, tids, files;
	struct disk_dev *devs;
	size_t ndevs;
	struct jobs *jobs; /* Lustre jobstats deltas (analyze/jobs), NULL if none */
	struct procio_rec *pio; /* by node, pid, time once the scan is done */
	size_t npio, cappio;
	uint64_t losses;
	uint64_t events;
	int err; /* first error (negative) or 0 */
};

struct model {
	struct tv_node *nodes;
	size_t nnodes;
	uint64_t t0, t1;  /* wall-clock span of all data */
	uint64_t binw;    /* bin width, ns */
	uint32_t nbins;

	struct scan_out cur; /* pids from the index until the scan is adopted */
	int exact;           /* cur holds the scan's exact data */
	int has_ranks;       /* some process has an MPI rank (model_open) */

	pthread_t thread;
	int thread_started;
	atomic_int stop;
	atomic_int scan_state;     /* 0 running, 1 result ready, -1 failed */
	atomic_ulong chunks_done;
	unsigned long chunks_total;
	struct scan_out next;      /* written by the thread until scan_state != 0 */

	/* Optional: called (from any thread) once a chunk's bytes at file
	 * offsets [from, to) of node have been decoded, so the caller can
	 * drop the pages of a mapped trace (analyze/input's input_release). */
	void (*release)(void *ctx, uint32_t node, uint64_t from, uint64_t to);
	void *release_ctx;
};

/* Tell the release hook that chunk c of node was decoded. */
void model_chunk_done(const struct model *m, uint32_t node, size_t c);

/* Build the index series of readers, which must outlive the model (the
 * caller closes them after model_close); does not start the scan.
 * Returns 0 or a negative code. */
int model_open(struct model *m, iot_reader *const *readers, size_t n);
/* Start the background scan. */
int model_start_scan(struct model *m);
/* Adopt a finished scan: 1 when new data was adopted (redraw all), 0 if
 * nothing changed. */
int model_poll(struct model *m);
/* The scan's error (negative) once it failed, else 0. */
int model_scan_error(const struct model *m);
/* Scan progress in per mille (1000 = done). */
unsigned model_progress(const struct model *m);
void model_close(struct model *m);

/* Bin of a wall time, clamped to [0, nbins]. */
uint32_t model_bin(const struct model *m, uint64_t wall_ns);
/* Wall time of the start of bin b. */
uint64_t model_bin_time(const struct model *m, uint32_t b);
/* Wall time of a timestamp of node (0 stays 0). */
uint64_t model_wall(const struct model *m, uint32_t node, uint64_t ts);

/* Process info of pid on node, of that life (MODEL_KEY_LIFE; 0 = the
 * latest); NULL if unknown. */
const struct iot_proc *model_proc(const struct model *m, uint32_t node, uint32_t pid,
				  uint32_t life);
/* Path of a file (NULL if unknown). */
const char *model_path(const struct model *m, uint32_t node, uint64_t file_id);
/* First meta value among keys on any node, or NULL. */
const char *model_meta(const struct model *m, const char *const *keys);

/* /proc/PID/io of a process between the samples that bracket [from, to]
 * (the poll interval holding a shorter window), per second: rchar, wchar,
 * syscr, syscw, read_bytes, write_bytes. Returns 1, or 0 when the process
 * has fewer than two samples. */
enum { PIO_RCHAR, PIO_WCHAR, PIO_SYSCR, PIO_SYSCW, PIO_RBYTES, PIO_WBYTES, PIO_N };
int model_procio(const struct model *m, uint32_t node, uint32_t pid, uint64_t from, uint64_t to,
		 double out[PIO_N]);

/* Nice bin width for a span: 1, 2, 5 x 10^k ns, at least 1 ms, at most
 * maxbins bins (unless that needs more than 10^15 ns). */
uint64_t model_pick_binw(uint64_t span, uint32_t maxbins);

#endif
