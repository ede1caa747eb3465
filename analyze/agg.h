/* agg.h - I/O event aggregation: the analyzer's and the viewer's shared
 * engine. Never prints.
 *
 * Feed I/O events of one or many traces; get aggregates per process, per
 * thread, per job, per file and per operation, plus totals. Every
 * aggregate (struct agg_stats) merges exactly with agg_stats_merge():
 * latencies live in log-bucket histograms, not sorted arrays, so the
 * summary of many traces (or many time windows) is the sum of the parts.
 *
 *   struct agg *a = agg_new(NULL);
 *   int t = agg_add_trace(a, reader);          // once per trace
 *   for each event ev of that trace: agg_add_event(a, t, &ev);
 *   const struct agg_stats *tot = agg_totals(a);
 *   for (size_t i = 0; i < agg_process_count(a); i++) agg_process(a, i)...
 *   agg_free(a);
 *
 * Processes are keyed by (trace, pid); a pid reused within one trace
 * (process records of that pid with different start times) gives one
 * process per life, each event going to the life whose [start, next
 * start) holds it, as iot_reader_proc() decides.
 *
 * Times in the aggregates (first_ns, last_ns) are wall-clock ns since the
 * epoch, so traces of several nodes line up. A time window and filters
 * (agg_opts) select events; events outside are ignored.
 *
 * Access pattern (Darshan's definitions, per process and file, reads and
 * writes separately): an access is "consecutive" when its offset equals
 * the end of the previous access of the same direction, "sequential" when
 * its offset is at or beyond that end (so sequential includes
 * consecutive, as in Darshan), random otherwise. The first access of a
 * process to a file compares with offset 0. Accesses with an unknown
 * offset are not classified. A "rw switch" is a read after a write or a
 * write after a read by the same process on the same file.
 */
#ifndef ANALYZE_AGG_H
#define ANALYZE_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "format/iotrace.h"

/* ---- latency histogram -------------------------------------------- */

/* 8 buckets per power of two (relative error <= 6.25% at the bucket
 * midpoint); values below 8 ns are exact; values from 2^45 ns (~9.8 h)
 * up share the last bucket. */
#define AGG_LAT_SUB_BITS 3
#define AGG_LAT_MAX_EXP 45
#define AGG_LAT_NBUCKETS ((AGG_LAT_MAX_EXP - AGG_LAT_SUB_BITS + 2) << AGG_LAT_SUB_BITS)

struct agg_lat {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns; /* UINT64_MAX when count == 0 */
	uint64_t max_ns;
	uint64_t bucket[AGG_LAT_NBUCKETS];
};

void agg_lat_init(struct agg_lat *h);
void agg_lat_add(struct agg_lat *h, uint64_t ns);
void agg_lat_merge(struct agg_lat *dst, const struct agg_lat *src);
/* Bucket of a value and the [lo, hi] range of values a bucket holds. */
unsigned agg_lat_bucket(uint64_t ns);
void agg_lat_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi);
/* Value at quantile q in [0, 1]: the midpoint of the bucket that holds
 * the ceil(q*count)-th smallest value, clamped to [min, max]; exact for
 * q = 0 and q = 1. 0 when empty. */
uint64_t agg_lat_quantile(const struct agg_lat *h, double q);

/* ---- request sizes (Darshan's buckets) ------------------------------ */

#define AGG_NSIZE 10
/* Bucket of a transfer size: 0-100, 101-1K, 1K-10K, 10K-100K, 100K-1M,
 * 1M-4M, 4M-10M, 10M-100M, 100M-1G, 1G+ (upper bounds inclusive, K=1024). */
unsigned agg_size_bucket(uint64_t bytes);
/* "0-100", "100-1K", ..., "1G+". */
const char *agg_size_bucket_name(unsigned b);

/* ---- one aggregate -------------------------------------------------- */

/* errno values 1..AGG_NERRNO-2 have their own slot; larger ones share the
 * last slot (AGG_NERRNO-1); slot 0 is unused. */
#define AGG_NERRNO 136

struct agg_stats {
	uint64_t ops;            /* every event */
	uint64_t read_ops, read_bytes;   /* IOT_CAT_READ; bytes transferred */
	uint64_t write_ops, write_bytes; /* IOT_CAT_WRITE */
	uint64_t meta_ops;       /* IOT_CAT_META */
	uint64_t sync_ops;       /* IOT_CAT_SYNC */
	uint64_t other_ops;      /* IOT_CAT_MMAP, IOT_CAT_OTHER */
	uint64_t io_time_ns;     /* sum of dur_ns, all events */
	uint64_t read_time_ns, write_time_ns, meta_time_ns;
	uint64_t errors;         /* events with result < 0 */
	uint64_t err_by_errno[AGG_NERRNO];
	uint64_t read_size[AGG_NSIZE];  /* successful reads by bytes transferred */
	uint64_t write_size[AGG_NSIZE];
	/* access pattern, see the top of this file */
	uint64_t read_known, read_seq, read_consec;    /* reads with a known offset */
	uint64_t write_known, write_seq, write_consec;
	uint64_t rw_switches;
	uint64_t first_ns;       /* wall ns of the first event start; UINT64_MAX if none */
	uint64_t last_ns;        /* wall ns of the last event end; 0 if none */
	struct agg_lat lat;      /* latency of every event */
};

void agg_stats_init(struct agg_stats *s);
/* Count one event whose start is at wall time wall_ns. Access-pattern
 * fields are left alone (they need per-process state: agg_add_event). */
void agg_stats_add(struct agg_stats *s, const struct iot_io_event *ev, uint64_t wall_ns);
void agg_stats_merge(struct agg_stats *dst, const struct agg_stats *src);
/* Bytes read + written, and (read+write bytes) / (last - first) in bytes
 * per second (0 when the span is empty). */
uint64_t agg_stats_bytes(const struct agg_stats *s);
double agg_stats_bandwidth(const struct agg_stats *s);

/* ---- the aggregator ------------------------------------------------- */

enum agg_flags {
	AGG_THREADS = 1u << 0,  /* keep per-thread aggregates too */
};

/* Filters and window; zero = no filter. Several pids/comms/paths are
 * OR-ed within a kind and AND-ed between kinds. */
struct agg_opts {
	uint32_t flags;
	uint64_t since_ns, until_ns; /* wall ns, event start in [since, until) */
	const uint32_t *pids; size_t npids;
	const char *const *comms; size_t ncomms;     /* exact comm */
	const char *const *paths; size_t npaths;     /* path prefix */
};

struct agg;

/* New aggregator (opts copied, the arrays it points to must outlive the
 * aggregator; opts may be NULL). NULL on out of memory. */
struct agg *agg_new(const struct agg_opts *opts);
void agg_free(struct agg *a);

/* Register a trace; returns its index (>= 0) or -ENOMEM. The reader's
 * process and file tables give names; it must outlive the aggregator. */
int agg_add_trace(struct agg *a, const iot_reader *r);

/* Count one I/O event of trace t. Returns 1 if counted, 0 if filtered
 * out, or -ENOMEM. */
int agg_add_event(struct agg *a, int t, const struct iot_io_event *ev);

/* Count a loss record of trace t (events lost by the recorder). */
void agg_add_loss(struct agg *a, int t, const struct iot_loss *l);

/* Merge everything of src into dst (both fed with the same traces in the
 * same order, e.g. two time windows or two threads). When src's events
 * come after dst's (consecutive windows, or a trace split into two runs
 * of chunks), the access pattern is exact too: src's first accesses of
 * each (process, file) are classified again against dst's state.
 * -ENOMEM or 0. */
int agg_merge(struct agg *dst, const struct agg *src);

/* Results. Pointers stay valid until the next agg_add_* / agg_merge. */
const struct agg_stats *agg_totals(const struct agg *a);
/* Per operation (index = enum iot_op); ops == 0 when never seen. */
const struct agg_stats *agg_op(const struct agg *a, unsigned op);

struct agg_process {
	int trace;           /* index from agg_add_trace */
	uint32_t pid;
	const char *comm;    /* "" if unknown; strings owned by the reader */
	const char *cmdline;
	const char *job;     /* "" if none */
	const char *rank;    /* MPI rank or task number, "" if none */
	const char *host;    /* trace's host name, "" if unknown */
	uint32_t life;       /* 0, or 1 + the reader's process index when the
			      * pid was reused within the trace */
	struct agg_stats st;
};
size_t agg_process_count(const struct agg *a);
const struct agg_process *agg_process(const struct agg *a, size_t i);

struct agg_thread {
	int trace;
	uint32_t pid, tid;
	uint32_t life;       /* its process's (agg_process.life) */
	struct agg_stats st;
};
size_t agg_thread_count(const struct agg *a);
const struct agg_thread *agg_thread(const struct agg *a, size_t i);

struct agg_file {
	const char *path;   /* path, or "<fd N of pid P>" when the trace has none */
	uint32_t type;      /* enum iot_file_type */
	uint32_t nprocs;    /* distinct (trace, pid) that touched it */
	struct agg_stats st;
};
size_t agg_file_count(const struct agg *a);
const struct agg_file *agg_file(const struct agg *a, size_t i);

struct agg_job {
	const char *job;    /* job id; "" = events of processes without a job */
	uint32_t nprocs;
	struct agg_stats st;
};
size_t agg_job_count(const struct agg *a);
const struct agg_job *agg_job(const struct agg *a, size_t i);

/* Loss totals (sum of iot_loss.count) and number of loss records. */
uint64_t agg_lost_events(const struct agg *a);
uint64_t agg_loss_records(const struct agg *a);

#endif
