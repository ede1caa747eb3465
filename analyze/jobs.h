/* jobs.h - Lustre jobstats delta engine. Pure, never prints.
 *
 * Feed samples (one counter of one job on one target at one poll) in
 * poll order; the engine turns the cumulative counters into deltas per
 * interval per (target, job, counter) and totals per job:
 *
 *  - the first poll of a target is its baseline (no interval);
 *  - a job seen for the first time, or again after it was missing from
 *    the previous poll of its target (Lustre cleaned it up), starts from
 *    zero at that previous poll: its delta is the value itself;
 *  - a counter that goes down, or a changed start_time, is a reset: the
 *    delta is the new value;
 *  - otherwise the delta is the difference with the previous poll.
 *
 * Job ids are decoded (surrounding double quotes, \xHH escapes) and split
 * into job / uid / host / exe where the id follows %j:%u:%H or
 * %e.%u[.%j] (Lustre's jobid_name formats); an id whose job part is
 * present but empty is kept and flagged (missing_job).
 */
#ifndef ANALYZE_JOBS_H
#define ANALYZE_JOBS_H

#include <stddef.h>
#include <stdint.h>

/* A decoded job id. Strings owned by the struct (jobs_id_free). NULL
 * where the id has no such part. */
struct jobs_id {
	char *id;    /* decoded id */
	char *job;
	char *uid;
	char *host;
	char *exe;
	int missing_job; /* the format has a job part and it is empty */
};
/* Decode raw (as printed by Lustre). Returns 0 or -ENOMEM. */
int jobs_id_decode(const char *raw, struct jobs_id *out);
void jobs_id_free(struct jobs_id *id);

struct jobs_sample {
	const char *target;  /* "obdfilter.fs-OST0000" */
	const char *job;     /* raw job id as printed */
	const char *counter; /* "read_bytes", "open", ... */
	const char *unit;    /* "bytes", "usecs", "reqs", may be NULL */
	uint64_t poll_ns;    /* wall ns of the poll */
	uint64_t start_ns;   /* job start_time, 0 if absent */
	uint64_t samples;
	uint64_t sum;        /* 0 if absent */
};

/* Delta of one counter over one interval. */
struct jobs_delta {
	const char *counter; /* interned in the engine */
	const char *unit;    /* "" if unknown */
	uint64_t samples;
	uint64_t sum;
	int reset;           /* counter went down / start_time changed */
};

/* One (target, poll interval) of a job. */
struct jobs_interval {
	const char *target;
	uint64_t start_ns, end_ns; /* previous poll, this poll (wall ns) */
	int is_new;                /* job (re)appeared in this interval */
	int reset;                 /* any counter reset */
	struct jobs_delta *d; size_t nd;
};

struct jobs_total {
	const char *counter;
	const char *unit;
	uint64_t samples, sum;
};

struct jobs_job {
	struct jobs_id id;
	const char *raw;
	const char **targets; size_t ntargets;
	struct jobs_total *totals; size_t ntotals;
	struct jobs_interval *iv; size_t niv;
	uint32_t resets;   /* intervals with a reset */
	uint32_t returns;  /* times the job came back after vanishing */
};

struct jobs;

struct jobs *jobs_new(void);
void jobs_free(struct jobs *j);
/* Add one sample; polls of a target must come in time order. 0 or -ENOMEM. */
int jobs_add(struct jobs *j, const struct jobs_sample *s);
/* Results, jobs in order of first appearance. */
size_t jobs_count(const struct jobs *j);
const struct jobs_job *jobs_job(const struct jobs *j, size_t i);
/* Number of polls seen per target summed (for reports). */
size_t jobs_poll_count(const struct jobs *j);

/* Rate helpers for a delta over an interval of dt seconds: ops/s for
 * op counters, MB/s (10^6) for byte counters, mean latency in the unit of
 * the counter (usecs) from sum/samples. */
int jobs_is_bytes(const struct jobs_delta *d);
double jobs_rate(const struct jobs_delta *d, double dt_s);
double jobs_mean(const struct jobs_delta *d);

#endif
