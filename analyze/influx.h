/* influx.h - the measurements iofs streams to InfluxDB, as a line-protocol
 * file for a later `influx write`. Nothing is sent anywhere.
 *
 * Per interval and per (host, job) series, at the interval's start time in
 * nanoseconds since the epoch:
 *   iofs_classifications,host=H,job=J,type=CLASS read=N,write=N T   (with a model;
 *                                       one line per class, Unclassified too)
 *   iofs_size,host=H,job=J,size=4096 read=N,write=N T ... size=large   (7 lines;
 *                    size=S counts requests below S bytes and at or above the
 *                    previous bucket, as iofs does)
 *   iofs_counts,host=H,job=J MD_get=N,MD_mod=N,...,read=N,write=N,... T
 *   iofs_lat,host=H,job=J,latency=sum|mean|min|max read=S,... T   (seconds;
 *                    only counters with requests in the interval)
 * Field values are written without the integer suffix, so they are floats
 * in InfluxDB exactly like the values iofs sends. Intervals in which a
 * series did no I/O are not written.
 */
#ifndef ANALYZE_INFLUX_H
#define ANALYZE_INFLUX_H

#include <stdint.h>
#include <stdio.h>

#include "analyze/model.h"
#include "format/iotrace.h"

#define INFLUX_SIZE_BUCKETS 7

/* iofs counters, in the order iofs prints them. */
#define INFLUX_COUNTERS(X) \
	X(MD_GET, "MD_get") X(MD_MOD, "MD_mod") X(MD_OTHER, "MD_other") \
	X(READ, "read") X(WRITE, "write") X(GETATTR, "getattr") X(ACCESS, "access") \
	X(READDIR, "readdir") X(MKDIR, "mkdir") X(UNLINK, "unlink") X(RMDIR, "rmdir") \
	X(RENAME, "rename") X(TRUNCATE, "truncate") X(CREATE, "create") X(OPEN, "open") \
	X(RELEASE, "release") X(FSYNC, "fsync") X(FALLOCATE, "fallocate")

enum influx_counter {
#define INFLUX_X_ENUM(e, n) INFLUX_C_##e,
	INFLUX_COUNTERS(INFLUX_X_ENUM)
#undef INFLUX_X_ENUM
	INFLUX_NCOUNTERS,
	INFLUX_C_NONE = INFLUX_NCOUNTERS
};

const char *influx_counter_name(unsigned c);

struct influx_ctr {
	uint64_t count;
	double lat_sum, lat_min, lat_max; /* seconds */
};

/* What one series did in one interval. */
struct influx_counts {
	uint64_t requests;                              /* events added */
	uint64_t cls[MODEL_NCLASSES][2];               /* [class][enum model_dir] */
	uint64_t size[INFLUX_SIZE_BUCKETS][2];         /* [bucket][enum model_dir] */
	struct influx_ctr ctr[INFLUX_NCOUNTERS];
};

/* Bucket index for a transfer size: <4096, <8192, <16384, <65536, <131072,
 * <262144, large. */
unsigned influx_size_bucket(uint64_t bytes);
/* Label of a bucket: "4096", ..., "262144", "large". */
const char *influx_size_label(unsigned bucket);
/* The iofs counter an operation counts under, and its parent (MD_get,
 * MD_mod) or INFLUX_C_NONE. */
unsigned influx_counter_of(unsigned op, unsigned *parent);

void influx_counts_reset(struct influx_counts *c);
/* Count one event. cls is the event's class (enum model_class) for a
 * successful read or write when a model is in use, else MODEL_NCLASSES. */
void influx_counts_add(struct influx_counts *c, const struct iot_io_event *ev,
		       unsigned cls);

/* Write a tag value or key escaped for line protocol (commas, spaces and
 * equals signs get a backslash; an empty value becomes "none"). */
int influx_put_tag(FILE *f, const char *s);

/* Write every line of one interval of one series. with_classes adds the
 * iofs_classifications lines. Returns 0 or -EIO. */
int influx_write_interval(FILE *f, const char *host, const char *job, uint64_t ts_ns,
			  const struct influx_counts *c, int with_classes);

/* A stream of intervals over events that come in time order. */
struct influx_stream;
/* interval_ns > 0. The FILE stays the caller's. */
int influx_stream_open(struct influx_stream **out, FILE *f, uint64_t interval_ns,
		       int with_classes);
/* Add an event at wall time wall_ns for series (host, job); the strings
 * must stay valid until influx_stream_close(). Events older than the
 * current interval are counted into the current interval. */
int influx_stream_add(struct influx_stream *s, const char *host, const char *job,
		      uint64_t wall_ns, const struct iot_io_event *ev, unsigned cls);
/* Write the last interval and free the stream; returns the first error. */
int influx_stream_close(struct influx_stream *s);
/* Lines written so far. */
uint64_t influx_stream_lines(const struct influx_stream *s);

#endif /* ANALYZE_INFLUX_H */
