/* jobstats_parse.h - parser for Lustre job_stats text (no I/O).
 *
 * Accepts what `lctl get_param obdfilter.*.job_stats mdt.*.job_stats`
 * prints (one "TARGET.job_stats=" header per target) and the bare content
 * of a /proc/fs/lustre/.../job_stats file (no header: the caller names
 * the target). Layouts handled:
 *   - Lustre 2.12: integer snapshot_time, "{ samples: N, unit:  reqs }"
 *   - 2.14 (also DDN builds): secs.nsecs times, start_time, hist fields
 *   - 2.15.0/2.15.1: snapshot_time etc. unindented and counted from boot
 *     (IOT_JS_SNAPSHOT_BOOT is set when a time is below 10^9 s)
 *   - 2.15.2+: secs.nsecs epoch times, start_time/elapsed_time
 *   - 2.16: quoted ids with \xHH escapes, ':' and '/' literal in quotes
 *   - empty targets ("obdfilter.X.job_stats=job_stats:"), unpadded long
 *     counter names, counters in any order, unknown counters (kept) and
 *     unknown scalar keys (ignored).
 * A malformed job block is skipped and counted; the rest of the text is
 * still parsed. Strings in the results point into the caller's text.
 */
#ifndef IOREC_JOBSTATS_PARSE_H
#define IOREC_JOBSTATS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Counters kept per job; more are dropped and counted (Lustre has < 40). */
#define JOBSTATS_MAX_COUNTERS 96

/* A slice of the input text (not NUL-terminated). */
struct jobstats_str {
	const char *p;
	size_t n;
};

struct jobstats_counter {
	struct jobstats_str name; /* "read_bytes", "open", ... */
	struct jobstats_str unit; /* "bytes", "usecs", "reqs"; may be empty */
	uint64_t samples, min, max, sum, sumsq;
	uint32_t flags; /* IOT_JS_HAS_MINMAX | IOT_JS_HAS_SUM | IOT_JS_HAS_SUMSQ */
};

struct jobstats_job {
	struct jobstats_str target; /* "obdfilter.fs-OST0000", or the default */
	struct jobstats_str job_id; /* exactly as printed, quotes included */
	uint64_t snapshot_ns;       /* 0 if absent */
	uint64_t start_ns;          /* 0 if absent (before 2.15.2) */
	uint32_t flags;             /* IOT_JS_SNAPSHOT_BOOT */
	size_t line;                /* 1-based line of "- job_id:" */
	size_t ncounters;
	struct jobstats_counter counters[JOBSTATS_MAX_COUNTERS];
};

struct jobstats_stats {
	uint64_t jobs;             /* job blocks handed to the callback */
	uint64_t bad_blocks;       /* malformed job blocks skipped */
	uint64_t bad_lines;        /* unrecognised lines outside any job */
	uint64_t targets;          /* target sections seen */
	uint64_t empty_targets;    /* sections without a job */
	uint64_t dropped_counters; /* counters beyond JOBSTATS_MAX_COUNTERS */
	size_t first_bad_line;     /* 1-based, 0 if none */
};

/* Called once per well-formed job block; job is valid during the call
 * only. A nonzero return stops the parse and is returned by
 * jobstats_parse(). */
typedef int (*jobstats_job_fn)(const struct jobstats_job *job, void *arg);

/* Parse len bytes of text. default_target names the target of jobs that
 * come before any "X.job_stats=" header (NUL-terminated, may be ""). st
 * is zeroed first and filled. Returns 0, or the callback's nonzero value.
 * Never allocates; safe on arbitrary bytes. */
int jobstats_parse(const char *text, size_t len, const char *default_target,
		   jobstats_job_fn fn, void *arg, struct jobstats_stats *st);

/* Decode a raw job id: strip the surrounding quotes of a quoted id and
 * expand \xHH, \\ and \" escapes; an unquoted id is copied. out gets a
 * NUL-terminated string. Returns its length, -ENOSPC if outlen is too
 * small, or -EINVAL for a broken escape or quote. */
int jobstats_decode_id(const char *raw, size_t n, char *out, size_t outlen);

/* Target name for a job_stats file path: ".../obdfilter/X/job_stats" ->
 * "obdfilter.X"; other paths are copied as they are. Returns the length
 * written (truncated to outlen - 1). */
size_t jobstats_target_from_path(const char *path, char *out, size_t outlen);

#endif
