/* influx.c - iofs measurements in InfluxDB line protocol. */
#include "analyze/influx.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const counter_names[INFLUX_NCOUNTERS] = {
#define INFLUX_X_NAME(e, n) n,
	INFLUX_COUNTERS(INFLUX_X_NAME)
#undef INFLUX_X_NAME
};

/* iofs's histogram: 4 KiB, 8 KiB, 16 KiB, 64 KiB, 128 KiB, 256 KiB, large. */
static const uint64_t size_limits[INFLUX_SIZE_BUCKETS - 1] = {
	4096, 8192, 16384, 65536, 131072, 262144,
};
static const char *const size_labels[INFLUX_SIZE_BUCKETS] = {
	"4096", "8192", "16384", "65536", "131072", "262144", "large",
};

const char *influx_counter_name(unsigned c)
{
	return c < INFLUX_NCOUNTERS ? counter_names[c] : "?";
}

unsigned influx_size_bucket(uint64_t bytes)
{
	unsigned i = 0;
	while (i < INFLUX_SIZE_BUCKETS - 1 && bytes >= size_limits[i])
		i++;
	return i;
}

const char *influx_size_label(unsigned bucket)
{
	return bucket < INFLUX_SIZE_BUCKETS ? size_labels[bucket] : "?";
}

unsigned influx_counter_of(unsigned op, unsigned *parent)
{
	unsigned p = INFLUX_C_NONE, c;
	switch (op) {
	case IOT_OP_STAT: case IOT_OP_LSTAT: case IOT_OP_FSTAT:
	case IOT_OP_FSTATAT: case IOT_OP_STATX:
		c = INFLUX_C_GETATTR; p = INFLUX_C_MD_GET; break;
	case IOT_OP_ACCESS: case IOT_OP_FACCESSAT:
		c = INFLUX_C_ACCESS; p = INFLUX_C_MD_GET; break;
	case IOT_OP_GETDENTS64:
		c = INFLUX_C_READDIR; p = INFLUX_C_MD_GET; break;
	case IOT_OP_OPEN: case IOT_OP_OPENAT: case IOT_OP_OPENAT2: case IOT_OP_FOPEN:
		c = INFLUX_C_OPEN; p = INFLUX_C_MD_GET; break;
	case IOT_OP_CREAT: case IOT_OP_MKSTEMP:
		c = INFLUX_C_CREATE; p = INFLUX_C_MD_MOD; break;
	case IOT_OP_MKDIR: case IOT_OP_MKDIRAT:
		c = INFLUX_C_MKDIR; p = INFLUX_C_MD_MOD; break;
	case IOT_OP_UNLINK: case IOT_OP_UNLINKAT:
		c = INFLUX_C_UNLINK; p = INFLUX_C_MD_MOD; break;
	case IOT_OP_RMDIR:
		c = INFLUX_C_RMDIR; p = INFLUX_C_MD_MOD; break;
	case IOT_OP_RENAME: case IOT_OP_RENAMEAT: case IOT_OP_RENAMEAT2:
		c = INFLUX_C_RENAME; p = INFLUX_C_MD_MOD; break;
	case IOT_OP_TRUNCATE: case IOT_OP_FTRUNCATE:
		c = INFLUX_C_TRUNCATE; p = INFLUX_C_MD_MOD; break;
	case IOT_OP_CLOSE: case IOT_OP_CLOSE_RANGE: case IOT_OP_FCLOSE:
		c = INFLUX_C_RELEASE; break;
	case IOT_OP_FSYNC: case IOT_OP_FDATASYNC: case IOT_OP_SYNC_FILE_RANGE:
	case IOT_OP_FFLUSH: case IOT_OP_IOURING_FSYNC:
		c = INFLUX_C_FSYNC; break;
	case IOT_OP_FALLOCATE: case IOT_OP_POSIX_FALLOCATE:
		c = INFLUX_C_FALLOCATE; break;
	default:
		switch (iot_op_category(op)) {
		case IOT_CAT_READ: c = INFLUX_C_READ; break;
		case IOT_CAT_WRITE: c = INFLUX_C_WRITE; break;
		default: c = INFLUX_C_NONE; break;
		}
	}
	if (parent)
		*parent = p;
	return c;
}

void influx_counts_reset(struct influx_counts *c)
{
	memset(c, 0, sizeof *c);
}

static void ctr_add(struct influx_ctr *k, double t)
{
	if (k->count == 0 || t < k->lat_min)
		k->lat_min = t;
	if (k->count == 0 || t > k->lat_max)
		k->lat_max = t;
	k->count++;
	k->lat_sum += t;
}

void influx_counts_add(struct influx_counts *c, const struct iot_io_event *ev,
		       unsigned cls)
{
	unsigned parent;
	unsigned k = influx_counter_of(ev->op, &parent);
	double t = (double)ev->dur_ns * 1e-9;
	c->requests++;
	if (k != INFLUX_C_NONE)
		ctr_add(&c->ctr[k], t);
	if (parent != INFLUX_C_NONE)
		ctr_add(&c->ctr[parent], t);
	if ((k == INFLUX_C_READ || k == INFLUX_C_WRITE) && ev->result >= 0) {
		unsigned dir = k == INFLUX_C_READ ? MODEL_READ : MODEL_WRITE;
		c->size[influx_size_bucket((uint64_t)ev->result)][dir]++;
		if (cls < MODEL_NCLASSES)
			c->cls[cls][dir]++;
	}
}

int influx_put_tag(FILE *f, const char *s)
{
	if (!s || !*s)
		s = "none";
	for (; *s; s++) {
		char ch = *s;
		if (ch == '\n' || ch == '\r' || ch == '\t')
			ch = ' '; /* line protocol has no escape for these */
		if ((ch == ',' || ch == ' ' || ch == '=' || ch == '\\') && putc('\\', f) == EOF)
			return -EIO;
		if (putc(ch, f) == EOF)
			return -EIO;
	}
	return 0;
}

static int put_key(FILE *f, const char *measurement, const char *host, const char *job)
{
	if (fputs(measurement, f) < 0 || fputs(",host=", f) < 0 || influx_put_tag(f, host) < 0 ||
	    fputs(",job=", f) < 0 || influx_put_tag(f, job) < 0)
		return -EIO;
	return 0;
}

static int write_classes(FILE *f, const char *host, const char *job, uint64_t ts,
			 const struct influx_counts *c)
{
	for (unsigned k = 0; k < MODEL_NCLASSES; k++) {
		if (put_key(f, "iofs_classifications", host, job) < 0 ||
		    fprintf(f, ",type=%s read=%" PRIu64 ",write=%" PRIu64 " %" PRIu64 "\n",
			    model_class_name(k), c->cls[k][MODEL_READ], c->cls[k][MODEL_WRITE],
			    ts) < 0)
			return -EIO;
	}
	return 0;
}

static int write_sizes(FILE *f, const char *host, const char *job, uint64_t ts,
		       const struct influx_counts *c)
{
	for (unsigned b = 0; b < INFLUX_SIZE_BUCKETS; b++) {
		if (put_key(f, "iofs_size", host, job) < 0 ||
		    fprintf(f, ",size=%s read=%" PRIu64 ",write=%" PRIu64 " %" PRIu64 "\n",
			    size_labels[b], c->size[b][MODEL_READ], c->size[b][MODEL_WRITE],
			    ts) < 0)
			return -EIO;
	}
	return 0;
}

static int write_counts(FILE *f, const char *host, const char *job, uint64_t ts,
			const struct influx_counts *c)
{
	if (put_key(f, "iofs_counts", host, job) < 0)
		return -EIO;
	for (unsigned k = 0; k < INFLUX_NCOUNTERS; k++)
		if (fprintf(f, "%c%s=%" PRIu64, k ? ',' : ' ', counter_names[k],
			    c->ctr[k].count) < 0)
			return -EIO;
	return fprintf(f, " %" PRIu64 "\n", ts) < 0 ? -EIO : 0;
}

enum lat_kind { LAT_SUM, LAT_MEAN, LAT_MIN, LAT_MAX };

static double lat_value(const struct influx_ctr *k, enum lat_kind kind)
{
	switch (kind) {
	case LAT_SUM: return k->lat_sum;
	case LAT_MEAN: return k->lat_sum / (double)k->count;
	case LAT_MIN: return k->lat_min;
	default: return k->lat_max;
	}
}

static int write_latency(FILE *f, const char *host, const char *job, uint64_t ts,
			 const struct influx_counts *c)
{
	static const char *const kinds[] = {"sum", "mean", "min", "max"};
	int any = 0;
	for (unsigned k = 0; k < INFLUX_NCOUNTERS; k++)
		any |= c->ctr[k].count > 0;
	if (!any)
		return 0;
	for (unsigned kind = LAT_SUM; kind <= LAT_MAX; kind++) {
		if (put_key(f, "iofs_lat", host, job) < 0 ||
		    fprintf(f, ",latency=%s", kinds[kind]) < 0)
			return -EIO;
		char sep = ' ';
		for (unsigned k = 0; k < INFLUX_NCOUNTERS; k++) {
			if (!c->ctr[k].count)
				continue;
			if (fprintf(f, "%c%s=%.9g", sep, counter_names[k],
				    lat_value(&c->ctr[k], kind)) < 0)
				return -EIO;
			sep = ',';
		}
		if (fprintf(f, " %" PRIu64 "\n", ts) < 0)
			return -EIO;
	}
	return 0;
}

int influx_write_interval(FILE *f, const char *host, const char *job, uint64_t ts_ns,
			  const struct influx_counts *c, int with_classes)
{
	if (with_classes && write_classes(f, host, job, ts_ns, c) < 0)
		return -EIO;
	if (write_sizes(f, host, job, ts_ns, c) < 0 || write_counts(f, host, job, ts_ns, c) < 0 ||
	    write_latency(f, host, job, ts_ns, c) < 0)
		return -EIO;
	return 0;
}

/* ------------------------------------------------------------------ */

struct influx_series {
	const char *host, *job;
	struct influx_counts counts;
};

struct influx_stream {
	FILE *f;
	uint64_t interval_ns;
	uint64_t cur;       /* current interval index (wall_ns / interval_ns) */
	int started;
	int with_classes;
	int err;
	uint64_t lines;
	size_t nseries, cap;
	struct influx_series *series;
	size_t last;        /* series of the previous event */
};

int influx_stream_open(struct influx_stream **out, FILE *f, uint64_t interval_ns,
		       int with_classes)
{
	*out = NULL;
	if (!interval_ns)
		return -EINVAL;
	struct influx_stream *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->f = f;
	s->interval_ns = interval_ns;
	s->with_classes = with_classes;
	*out = s;
	return 0;
}

static uint64_t lines_per_interval(const struct influx_stream *s, const struct influx_counts *c)
{
	uint64_t n = INFLUX_SIZE_BUCKETS + 1 + (s->with_classes ? MODEL_NCLASSES : 0);
	for (unsigned k = 0; k < INFLUX_NCOUNTERS; k++)
		if (c->ctr[k].count)
			return n + 4;
	return n;
}

static void flush_interval(struct influx_stream *s)
{
	uint64_t ts = s->cur * s->interval_ns;
	for (size_t i = 0; i < s->nseries; i++) {
		struct influx_series *se = &s->series[i];
		if (!se->counts.requests)
			continue;
		if (!s->err && influx_write_interval(s->f, se->host, se->job, ts, &se->counts,
						     s->with_classes) < 0)
			s->err = -EIO;
		s->lines += lines_per_interval(s, &se->counts);
		influx_counts_reset(&se->counts);
	}
}

static struct influx_series *find_series(struct influx_stream *s, const char *host,
					 const char *job)
{
	if (s->last < s->nseries) {
		struct influx_series *se = &s->series[s->last];
		if ((se->host == host || strcmp(se->host, host) == 0) &&
		    (se->job == job || strcmp(se->job, job) == 0))
			return se;
	}
	for (size_t i = 0; i < s->nseries; i++)
		if (strcmp(s->series[i].host, host) == 0 && strcmp(s->series[i].job, job) == 0) {
			s->last = i;
			return &s->series[i];
		}
	if (s->nseries == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		struct influx_series *n = realloc(s->series, ncap * sizeof *n);
		if (!n)
			return NULL;
		s->series = n;
		s->cap = ncap;
	}
	struct influx_series *se = &s->series[s->nseries];
	se->host = host;
	se->job = job;
	influx_counts_reset(&se->counts);
	s->last = s->nseries++;
	return se;
}

int influx_stream_add(struct influx_stream *s, const char *host, const char *job,
		      uint64_t wall_ns, const struct iot_io_event *ev, unsigned cls)
{
	if (!host)
		host = "";
	if (!job)
		job = "";
	uint64_t idx = wall_ns / s->interval_ns;
	if (!s->started) {
		s->cur = idx;
		s->started = 1;
	} else if (idx > s->cur) {
		flush_interval(s);
		s->cur = idx;
	}
	struct influx_series *se = find_series(s, host, job);
	if (!se)
		return -ENOMEM;
	influx_counts_add(&se->counts, ev, cls);
	return s->err;
}

uint64_t influx_stream_lines(const struct influx_stream *s)
{
	return s->lines;
}

int influx_stream_close(struct influx_stream *s)
{
	if (!s)
		return 0;
	if (s->started)
		flush_interval(s);
	int rc = s->err;
	free(s->series);
	free(s);
	return rc;
}
