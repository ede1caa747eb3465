/* export_hdf5.c - traces into one HDF5 file (see export_hdf5.h, HDF5.md). */
#include "analyze/export_hdf5.h"

#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/agg.h"
#include "analyze/cli.h"
#include "analyze/h5pipe.h"
#include "analyze/ordfeed.h"
#include "analyze/outfile.h"
#include "analyze/parfeed.h"
#include "analyze/progress.h"
#include "analyze/replay.h"

/* ------------------------------------------------------------------ */
/* In-memory records, also the file's compound layouts                  */

struct h5_event {
	uint64_t ts_ns;   /* call start, ns since the epoch */
	uint64_t dur_ns;
	uint64_t file_id;
	int64_t offset;
	uint64_t size;    /* bytes requested */
	int64_t result;   /* bytes transferred, fd, 0 or -errno */
	uint32_t pid;
	uint32_t tid;
	int32_t fd;
	uint16_t op;      /* enum iot_op, an HDF5 enum in the file */
	uint16_t trace;   /* index into /metadata */
};

struct h5_proc {
	uint64_t start_ns, exit_ns; /* ns since the epoch, 0 = unknown */
	uint32_t pid, ppid, uid, gid;
	int32_t exit_status;
	uint16_t trace;
	const char *comm, *exe, *cmdline, *cgroup, *job_id, *rank;
};

struct h5_file {
	uint64_t id, dev, ino;
	uint16_t trace;
	uint8_t type;
	const char *path;
};

struct h5_disk {
	uint64_t ts_ns;
	uint64_t c[IOT_DISK_COUNTERS];
	uint32_t major, minor, nfields;
	uint16_t trace;
	const char *name;
};

struct h5_procio {
	uint64_t ts_ns, rchar, wchar, syscr, syscw, read_bytes, write_bytes,
		cancelled_write_bytes;
	uint32_t pid;
	uint16_t trace;
};

struct h5_jobstat {
	uint64_t ts_ns, snapshot_ns, start_ns, samples, min, max, sum, sumsq;
	uint32_t flags;
	uint16_t trace;
	const char *target, *job_id, *counter, *unit;
};

struct h5_loss {
	uint64_t ts_ns, count;
	uint32_t source, cpu, reason, pid;
	uint16_t trace;
};

/* The summary tables: key columns, then the same counters everywhere. */
struct h5_stats {
	uint64_t ops, read_ops, read_bytes, write_ops, write_bytes, meta_ops, sync_ops,
		other_ops, errors;
	double io_time_s, read_time_s, write_time_s, meta_time_s;
	double first_s, last_s; /* seconds since the epoch; NaN if no event */
};

struct h5_sum_op {
	uint16_t op;
	struct h5_stats st;
};

struct h5_sum_proc {
	uint32_t pid;
	uint16_t trace;
	const char *comm, *job, *host;
	struct h5_stats st;
};

struct h5_sum_file {
	const char *path;
	uint8_t type;
	uint32_t nprocs;
	struct h5_stats st;
};

struct h5_sum_job {
	const char *job;
	uint32_t nprocs;
	struct h5_stats st;
};

/* ------------------------------------------------------------------ */
/* Errors                                                              */

struct ctx {
	char *err;
	size_t errlen;
	int failed;
};

static int fail(struct ctx *x, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ctx *x, int code, const char *fmt, ...)
{
	if (!x->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(x->err, x->errlen, fmt, ap);
		va_end(ap);
		x->failed = 1;
	}
	return code;
}

/* ------------------------------------------------------------------ */
/* Types                                                               */

struct types {
	hid_t str;      /* variable-length UTF-8 string */
	hid_t op;       /* enum of every operation name */
	hid_t ftype;    /* enum of file types */
	hid_t disk_c;   /* uint64[17] */
	hid_t event, proc, file, disk, procio, jobstat, loss;
	hid_t sum_op, sum_proc, sum_file, sum_job, sum_tot;
};

#define INS(t, S, m, ty) H5Tinsert(t, #m, offsetof(S, m), ty)

static hid_t make_op_enum(void)
{
	hid_t t = H5Tenum_create(H5T_NATIVE_UINT16);
	for (unsigned op = 0; op < IOT_OP__COUNT && t >= 0; op++) {
		uint16_t v = (uint16_t)op;
		if (H5Tenum_insert(t, iot_op_name(op), &v) < 0) {
			H5Tclose(t);
			return -1;
		}
	}
	return t;
}

static hid_t make_ftype_enum(void)
{
	hid_t t = H5Tenum_create(H5T_NATIVE_UINT8);
	for (unsigned ft = 0; ft < IOT_FT__COUNT && t >= 0; ft++) {
		uint8_t v = (uint8_t)ft;
		if (H5Tenum_insert(t, iot_file_type_name(ft), &v) < 0) {
			H5Tclose(t);
			return -1;
		}
	}
	return t;
}

static void insert_stats(hid_t t, size_t base)
{
#define ST(m, ty) H5Tinsert(t, #m, base + offsetof(struct h5_stats, m), ty)
	ST(ops, H5T_NATIVE_UINT64);
	ST(read_ops, H5T_NATIVE_UINT64);
	ST(read_bytes, H5T_NATIVE_UINT64);
	ST(write_ops, H5T_NATIVE_UINT64);
	ST(write_bytes, H5T_NATIVE_UINT64);
	ST(meta_ops, H5T_NATIVE_UINT64);
	ST(sync_ops, H5T_NATIVE_UINT64);
	ST(other_ops, H5T_NATIVE_UINT64);
	ST(errors, H5T_NATIVE_UINT64);
	ST(io_time_s, H5T_NATIVE_DOUBLE);
	ST(read_time_s, H5T_NATIVE_DOUBLE);
	ST(write_time_s, H5T_NATIVE_DOUBLE);
	ST(meta_time_s, H5T_NATIVE_DOUBLE);
	ST(first_s, H5T_NATIVE_DOUBLE);
	ST(last_s, H5T_NATIVE_DOUBLE);
#undef ST
}

static int make_record_types(struct types *T)
{
	hid_t t;
	T->event = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_event));
	INS(t, struct h5_event, ts_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_event, dur_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_event, pid, H5T_NATIVE_UINT32);
	INS(t, struct h5_event, tid, H5T_NATIVE_UINT32);
	INS(t, struct h5_event, op, T->op);
	INS(t, struct h5_event, fd, H5T_NATIVE_INT32);
	INS(t, struct h5_event, file_id, H5T_NATIVE_UINT64);
	INS(t, struct h5_event, offset, H5T_NATIVE_INT64);
	INS(t, struct h5_event, size, H5T_NATIVE_UINT64);
	INS(t, struct h5_event, result, H5T_NATIVE_INT64);
	INS(t, struct h5_event, trace, H5T_NATIVE_UINT16);

	T->proc = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_proc));
	INS(t, struct h5_proc, trace, H5T_NATIVE_UINT16);
	INS(t, struct h5_proc, pid, H5T_NATIVE_UINT32);
	INS(t, struct h5_proc, ppid, H5T_NATIVE_UINT32);
	INS(t, struct h5_proc, uid, H5T_NATIVE_UINT32);
	INS(t, struct h5_proc, gid, H5T_NATIVE_UINT32);
	INS(t, struct h5_proc, start_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_proc, exit_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_proc, exit_status, H5T_NATIVE_INT32);
	INS(t, struct h5_proc, comm, T->str);
	INS(t, struct h5_proc, exe, T->str);
	INS(t, struct h5_proc, cmdline, T->str);
	INS(t, struct h5_proc, cgroup, T->str);
	INS(t, struct h5_proc, job_id, T->str);
	INS(t, struct h5_proc, rank, T->str);

	T->file = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_file));
	INS(t, struct h5_file, trace, H5T_NATIVE_UINT16);
	INS(t, struct h5_file, id, H5T_NATIVE_UINT64);
	INS(t, struct h5_file, dev, H5T_NATIVE_UINT64);
	INS(t, struct h5_file, ino, H5T_NATIVE_UINT64);
	INS(t, struct h5_file, type, T->ftype);
	INS(t, struct h5_file, path, T->str);

	T->disk = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_disk));
	INS(t, struct h5_disk, trace, H5T_NATIVE_UINT16);
	INS(t, struct h5_disk, ts_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_disk, major, H5T_NATIVE_UINT32);
	INS(t, struct h5_disk, minor, H5T_NATIVE_UINT32);
	INS(t, struct h5_disk, name, T->str);
	INS(t, struct h5_disk, nfields, H5T_NATIVE_UINT32);
	H5Tinsert(t, "counters", offsetof(struct h5_disk, c), T->disk_c);

	T->procio = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_procio));
	INS(t, struct h5_procio, trace, H5T_NATIVE_UINT16);
	INS(t, struct h5_procio, ts_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_procio, pid, H5T_NATIVE_UINT32);
	INS(t, struct h5_procio, rchar, H5T_NATIVE_UINT64);
	INS(t, struct h5_procio, wchar, H5T_NATIVE_UINT64);
	INS(t, struct h5_procio, syscr, H5T_NATIVE_UINT64);
	INS(t, struct h5_procio, syscw, H5T_NATIVE_UINT64);
	INS(t, struct h5_procio, read_bytes, H5T_NATIVE_UINT64);
	INS(t, struct h5_procio, write_bytes, H5T_NATIVE_UINT64);
	INS(t, struct h5_procio, cancelled_write_bytes, H5T_NATIVE_UINT64);

	T->jobstat = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_jobstat));
	INS(t, struct h5_jobstat, trace, H5T_NATIVE_UINT16);
	INS(t, struct h5_jobstat, ts_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_jobstat, snapshot_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_jobstat, start_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_jobstat, target, T->str);
	INS(t, struct h5_jobstat, job_id, T->str);
	INS(t, struct h5_jobstat, counter, T->str);
	INS(t, struct h5_jobstat, unit, T->str);
	INS(t, struct h5_jobstat, samples, H5T_NATIVE_UINT64);
	INS(t, struct h5_jobstat, min, H5T_NATIVE_UINT64);
	INS(t, struct h5_jobstat, max, H5T_NATIVE_UINT64);
	INS(t, struct h5_jobstat, sum, H5T_NATIVE_UINT64);
	INS(t, struct h5_jobstat, sumsq, H5T_NATIVE_UINT64);
	INS(t, struct h5_jobstat, flags, H5T_NATIVE_UINT32);

	T->loss = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_loss));
	INS(t, struct h5_loss, trace, H5T_NATIVE_UINT16);
	INS(t, struct h5_loss, ts_ns, H5T_NATIVE_UINT64);
	INS(t, struct h5_loss, source, H5T_NATIVE_UINT32);
	INS(t, struct h5_loss, cpu, H5T_NATIVE_UINT32);
	INS(t, struct h5_loss, count, H5T_NATIVE_UINT64);
	INS(t, struct h5_loss, reason, H5T_NATIVE_UINT32);
	INS(t, struct h5_loss, pid, H5T_NATIVE_UINT32);
	return 0;
}

static void make_summary_types(struct types *T)
{
	hid_t t;
	T->sum_op = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_sum_op));
	INS(t, struct h5_sum_op, op, T->op);
	insert_stats(t, offsetof(struct h5_sum_op, st));

	T->sum_proc = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_sum_proc));
	INS(t, struct h5_sum_proc, trace, H5T_NATIVE_UINT16);
	INS(t, struct h5_sum_proc, pid, H5T_NATIVE_UINT32);
	INS(t, struct h5_sum_proc, comm, T->str);
	INS(t, struct h5_sum_proc, job, T->str);
	INS(t, struct h5_sum_proc, host, T->str);
	insert_stats(t, offsetof(struct h5_sum_proc, st));

	T->sum_file = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_sum_file));
	INS(t, struct h5_sum_file, path, T->str);
	INS(t, struct h5_sum_file, type, T->ftype);
	INS(t, struct h5_sum_file, nprocs, H5T_NATIVE_UINT32);
	insert_stats(t, offsetof(struct h5_sum_file, st));

	T->sum_job = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_sum_job));
	INS(t, struct h5_sum_job, job, T->str);
	INS(t, struct h5_sum_job, nprocs, H5T_NATIVE_UINT32);
	insert_stats(t, offsetof(struct h5_sum_job, st));

	T->sum_tot = t = H5Tcreate(H5T_COMPOUND, sizeof(struct h5_stats));
	insert_stats(t, 0);
}

static void close_types(struct types *T)
{
	hid_t *all[] = {&T->event, &T->proc, &T->file, &T->disk, &T->procio, &T->jobstat,
			&T->loss, &T->sum_op, &T->sum_proc, &T->sum_file, &T->sum_job,
			&T->sum_tot, &T->disk_c, &T->op, &T->ftype, &T->str};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (*all[i] > 0) {
			H5Tclose(*all[i]);
			*all[i] = -1;
		}
}

static int make_types(struct types *T)
{
	memset(T, 0, sizeof *T);
	T->str = H5Tcopy(H5T_C_S1);
	if (T->str < 0 || H5Tset_size(T->str, H5T_VARIABLE) < 0 ||
	    H5Tset_cset(T->str, H5T_CSET_UTF8) < 0)
		return -1;
	T->op = make_op_enum();
	T->ftype = make_ftype_enum();
	hsize_t n = IOT_DISK_COUNTERS;
	T->disk_c = H5Tarray_create2(H5T_NATIVE_UINT64, 1, &n);
	if (T->op < 0 || T->ftype < 0 || T->disk_c < 0)
		return -1;
	make_record_types(T);
	make_summary_types(T);
	hid_t check[] = {T->event, T->proc, T->file, T->disk, T->procio, T->jobstat, T->loss,
			 T->sum_op, T->sum_proc, T->sum_file, T->sum_job, T->sum_tot};
	for (size_t i = 0; i < sizeof check / sizeof check[0]; i++)
		if (check[i] < 0)
			return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Appenders: a buffer of records flushed into an extendible dataset    */

struct app {
	hid_t dset;
	hid_t type;
	size_t recsize;
	size_t cap;      /* records per buffer = chunk size */
	size_t n;        /* records buffered */
	hsize_t total;   /* records written */
	unsigned char *buf;
	const char *name;
};

static int app_create(struct ctx *x, struct app *a, hid_t loc, const char *name, hid_t type,
		      size_t recsize, size_t chunk, int level)
{
	hsize_t zero = 0, unlimited = H5S_UNLIMITED, ch = chunk;
	memset(a, 0, sizeof *a);
	a->dset = -1;
	a->type = type;
	a->recsize = recsize;
	a->cap = chunk;
	a->name = name;
	a->buf = malloc(chunk * recsize);
	if (!a->buf)
		return fail(x, -ENOMEM, "out of memory");
	hid_t space = H5Screate_simple(1, &zero, &unlimited);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	int ok = space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, &ch) >= 0;
	if (ok && level > 0)
		ok = H5Pset_shuffle(dcpl) >= 0 && H5Pset_deflate(dcpl, (unsigned)level) >= 0;
	if (ok)
		a->dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (space >= 0)
		H5Sclose(space);
	if (a->dset < 0)
		return fail(x, -EIO, "cannot create dataset %s", name);
	return 0;
}

static int app_flush(struct ctx *x, struct app *a)
{
	if (!a->n)
		return 0;
	hsize_t start = a->total, count = a->n, newsize = a->total + a->n;
	int ok = H5Dset_extent(a->dset, &newsize) >= 0;
	hid_t fs = ok ? H5Dget_space(a->dset) : -1;
	hid_t ms = H5Screate_simple(1, &count, NULL);
	ok = ok && fs >= 0 && ms >= 0 &&
	     H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
	     H5Dwrite(a->dset, a->type, ms, fs, H5P_DEFAULT, a->buf) >= 0;
	if (fs >= 0)
		H5Sclose(fs);
	if (ms >= 0)
		H5Sclose(ms);
	if (!ok)
		return fail(x, -EIO, "writing dataset %s failed", a->name);
	a->total = newsize;
	a->n = 0;
	return 0;
}

/* Room for one more record; flushes a full buffer first. */
static inline void *app_slot(struct ctx *x, struct app *a)
{
	if (a->n == a->cap && app_flush(x, a) < 0)
		return NULL;
	return a->buf + a->recsize * a->n++;
}

static int app_close(struct ctx *x, struct app *a)
{
	int rc = a->dset >= 0 ? app_flush(x, a) : 0;
	if (a->dset >= 0 && H5Dclose(a->dset) < 0 && rc == 0)
		rc = fail(x, -EIO, "closing dataset %s failed", a->name);
	a->dset = -1;
	free(a->buf);
	a->buf = NULL;
	return rc;
}

/* A whole small table at once: an appender sized to it. */
static int write_table(struct ctx *x, hid_t loc, const char *name, hid_t type, size_t recsize,
		       const void *recs, size_t n, int level)
{
	struct app a;
	size_t chunk = n < 1024 ? 1024 : n > 16384 ? 16384 : n;
	int rc = app_create(x, &a, loc, name, type, recsize, chunk, level);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		void *slot = app_slot(x, &a);
		if (!slot)
			rc = -EIO;
		else
			memcpy(slot, (const char *)recs + i * recsize, recsize);
	}
	int rc2 = app_close(x, &a);
	return rc ? rc : rc2;
}

/* ------------------------------------------------------------------ */
/* Attributes                                                          */

static int attr_str(hid_t loc, hid_t strtype, const char *name, const char *value)
{
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t at = sp >= 0 ? H5Acreate2(loc, name, strtype, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
	const char *v = value ? value : "";
	int ok = at >= 0 && H5Awrite(at, strtype, &v) >= 0;
	if (at >= 0)
		H5Aclose(at);
	if (sp >= 0)
		H5Sclose(sp);
	return ok ? 0 : -1;
}

static int attr_u64(hid_t loc, const char *name, uint64_t value)
{
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t at = sp >= 0 ? H5Acreate2(loc, name, H5T_NATIVE_UINT64, sp, H5P_DEFAULT,
					H5P_DEFAULT) : -1;
	int ok = at >= 0 && H5Awrite(at, H5T_NATIVE_UINT64, &value) >= 0;
	if (at >= 0)
		H5Aclose(at);
	if (sp >= 0)
		H5Sclose(sp);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* The export                                                          */

struct exporter {
	struct ctx x;
	struct input_set *in;
	const struct export_hdf5_opts *o;
	struct types T;
	hid_t file, g_meta, g_io, g_counters, g_summary;
	hid_t events_dset;
	struct h5pipe *events;
	struct app disk, procio, jobstats, loss;
	struct agg *agg;
	int *agg_trace;  /* agg's index of each input trace */
	unsigned decoders; /* threads of export_by_chunk; 1 for a replay */
	uint64_t nrecords; /* records to export (the progress bar's total) */
	struct export_hdf5_stats st;
};

static inline uint64_t wall(const iot_reader *r, uint64_t ts)
{
	return ts ? iot_reader_wall_ns(r, ts) : 0;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int on_io(void *ctx, size_t t, const struct iot_io_event *evs, size_t n)
{
	struct exporter *e = ctx;
	const iot_reader *r = e->in->t[t].r;
	for (size_t i = 0; i < n;) {
		size_t got;
		struct h5_event *h = h5pipe_slots(e->events, n - i, &got);
		if (!h)
			return fail(&e->x, -EIO, "writing dataset /io/events failed");
		for (size_t k = 0; k < got; k++, i++) {
			const struct iot_io_event *ev = &evs[i];
			h[k] = (struct h5_event){
				.ts_ns = iot_reader_wall_ns(r, ev->ts_ns),
				.dur_ns = ev->dur_ns,
				.file_id = ev->file_id,
				.offset = ev->offset,
				.size = ev->size,
				.result = ev->result,
				.pid = ev->pid,
				.tid = ev->tid,
				.fd = ev->fd,
				.op = ev->op,
				.trace = (uint16_t)t,
			};
			if (agg_add_event(e->agg, e->agg_trace[t], ev) < 0)
				return -ENOMEM;
		}
	}
	e->st.events += n;
	return 0;
}

static int put_counter(struct exporter *e, size_t t, const iot_reader *r,
		       const struct iot_record *rec)
{
	switch (rec->stream) {
	case IOT_STREAM_DISK: {
		const struct iot_disk_sample *s = &rec->u.disk;
		struct h5_disk *h = app_slot(&e->x, &e->disk);
		if (!h)
			return -EIO;
		h->ts_ns = wall(r, s->ts_ns);
		memcpy(h->c, s->c, sizeof h->c);
		h->major = s->major;
		h->minor = s->minor;
		h->nfields = s->nfields;
		h->trace = (uint16_t)t;
		h->name = nz(iot_reader_string(r, s->name_id));
		e->st.disk++;
		return 0;
	}
	case IOT_STREAM_PROCIO: {
		const struct iot_procio_sample *s = &rec->u.procio;
		struct h5_procio *h = app_slot(&e->x, &e->procio);
		if (!h)
			return -EIO;
		*h = (struct h5_procio){wall(r, s->ts_ns), s->rchar, s->wchar, s->syscr, s->syscw,
					s->read_bytes, s->write_bytes, s->cancelled_write_bytes,
					s->pid, (uint16_t)t};
		e->st.procio++;
		return 0;
	}
	case IOT_STREAM_JOBSTATS: {
		const struct iot_jobstat_sample *s = &rec->u.js;
		struct h5_jobstat *h = app_slot(&e->x, &e->jobstats);
		if (!h)
			return -EIO;
		*h = (struct h5_jobstat){wall(r, s->ts_ns), s->snapshot_ns, s->start_ns, s->samples,
					 s->min, s->max, s->sum, s->sumsq, s->flags, (uint16_t)t,
					 nz(iot_reader_string(r, s->target_id)),
					 nz(iot_reader_string(r, s->job_id)),
					 nz(iot_reader_string(r, s->counter_id)),
					 nz(iot_reader_string(r, s->unit_id))};
		e->st.jobstats++;
		return 0;
	}
	case IOT_STREAM_LOSS: {
		const struct iot_loss *l = &rec->u.loss;
		struct h5_loss *h = app_slot(&e->x, &e->loss);
		if (!h)
			return -EIO;
		*h = (struct h5_loss){wall(r, l->ts_ns), l->count, l->source, l->cpu, l->reason,
				      l->pid, (uint16_t)t};
		agg_add_loss(e->agg, e->agg_trace[t], l);
		e->st.loss++;
		return 0;
	}
	default:
		return 0;
	}
}

static int on_record(void *ctx, size_t t, const struct iot_record *rec)
{
	struct exporter *e = ctx;
	const iot_reader *r = e->in->t[t].r;
	if (rec->stream == IOT_STREAM_IO)
		return on_io(e, t, &rec->u.io, 1);
	return put_counter(e, t, r, rec);
}

/* One trace, chunk by chunk in file order: ordfeed decodes the next
 * chunks on other threads while this one is packed and aggregated, and
 * the pages of the trace file are given back as they are consumed
 * (input_release), so memory does not grow with the trace. */
struct by_chunk {
	struct exporter *e;
	struct progress pg;
	uint64_t from;    /* offset of the trace's first chunk */
	uint64_t done;
};

static int on_chunk(void *ctx, const struct ordfeed_chunk *c)
{
	struct by_chunk *b = ctx;
	struct exporter *e = b->e;
	int rc = 0;
	if (c->ci->stream == IOT_STREAM_IO)
		rc = on_io(e, c->trace, c->evs, c->n);
	else
		for (size_t k = 0; rc == 0 && k < c->n; k++)
			rc = on_record(e, c->trace, &c->recs[k]);
	input_release(e->in, c->trace, b->from, c->ci->offset);
	b->done += c->ci->nrecords;
	progress_update(&b->pg, b->done);
	return rc;
}

/* A decoding thread waiting for its turn compresses event chunks. */
static int help_compress(void *ctx)
{
	struct by_chunk *b = ctx;
	return h5pipe_help(b->e->events);
}

static int export_by_chunk(struct exporter *e, uint32_t mask)
{
	struct by_chunk b = { .e = e };
	progress_start(&b.pg, "exporting", e->nrecords, e->o->progress);
	int rc = 0;
	for (size_t t = 0; t < e->in->n && rc == 0; t++) {
		const iot_reader *r = e->in->t[t].r;
		b.from = iot_reader_chunk_count(r) ? iot_reader_chunk(r, 0)->offset : 0;
		rc = ordfeed_run(e->in, t, mask, e->decoders, on_chunk, help_compress, &b, e->o->msg,
				 e->o->msg_ctx);
	}
	progress_end(&b.pg);
	return rc;
}

static int write_metadata(struct exporter *e)
{
	struct ctx *x = &e->x;
	if (attr_str(e->file, e->T.str, "format", "iorec-hdf5") < 0 ||
	    attr_u64(e->file, "layout_version", EXPORT_HDF5_LAYOUT) < 0 ||
	    attr_str(e->file, e->T.str, "created_by", "ioanalyze " IOT_VERSION_STRING) < 0 ||
	    attr_u64(e->file, "traces", e->in->n) < 0)
		return fail(x, -EIO, "cannot write the root attributes");
	for (size_t t = 0; t < e->in->n; t++) {
		const iot_reader *r = e->in->t[t].r;
		char name[32];
		snprintf(name, sizeof name, "%zu", t);
		hid_t g = H5Gcreate2(e->g_meta, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		if (g < 0)
			return fail(x, -EIO, "cannot create group /metadata/%s", name);
		int bad = attr_str(g, e->T.str, "trace_name", e->in->t[t].name) < 0;
		size_t n = iot_reader_meta_count(r);
		for (size_t i = 0; i < n && !bad; i++) {
			const struct iot_meta *m = iot_reader_meta_at(r, i);
			if (!m->key || !*m->key || strcmp(m->key, "trace_name") == 0)
				continue;
			/* a key written twice: the last value wins, as in the reader */
			if (H5Aexists(g, m->key) > 0)
				H5Adelete(g, m->key);
			bad = attr_str(g, e->T.str, m->key, iot_reader_meta(r, m->key)) < 0;
		}
		H5Gclose(g);
		if (bad)
			return fail(x, -EIO, "cannot write the metadata of %s", e->in->t[t].name);
	}
	return 0;
}

static int write_tables(struct exporter *e)
{
	struct ctx *x = &e->x;
	size_t np = 0, nf = 0;
	for (size_t t = 0; t < e->in->n; t++) {
		np += iot_reader_proc_count(e->in->t[t].r);
		nf += iot_reader_file_count(e->in->t[t].r);
	}
	struct h5_proc *procs = calloc(np ? np : 1, sizeof *procs);
	struct h5_file *files = calloc(nf ? nf : 1, sizeof *files);
	int rc = -ENOMEM;
	if (!procs || !files) {
		rc = fail(x, -ENOMEM, "out of memory");
		goto out;
	}
	np = nf = 0;
	for (size_t t = 0; t < e->in->n; t++) {
		const iot_reader *r = e->in->t[t].r;
		for (size_t i = 0; i < iot_reader_proc_count(r); i++) {
			const struct iot_proc *p = iot_reader_proc_at(r, i);
			procs[np++] = (struct h5_proc){wall(r, p->start_ns), wall(r, p->exit_ns), p->pid,
						       p->ppid, p->uid, p->gid, p->exit_status,
						       (uint16_t)t, nz(p->comm), nz(p->exe),
						       nz(p->cmdline), nz(p->cgroup), nz(p->job_id),
						       nz(p->rank)};
		}
		for (size_t i = 0; i < iot_reader_file_count(r); i++) {
			const struct iot_file *f = iot_reader_file_at(r, i);
			files[nf++] = (struct h5_file){f->id, f->dev, f->ino, (uint16_t)t,
						       (uint8_t)f->type, nz(f->path)};
		}
	}
	rc = write_table(x, e->file, "processes", e->T.proc, sizeof *procs, procs, np,
			 e->o->deflate_level);
	if (rc == 0)
		rc = write_table(x, e->file, "files", e->T.file, sizeof *files, files, nf,
				 e->o->deflate_level);
	e->st.processes = np;
	e->st.files = nf;
out:
	free(procs);
	free(files);
	return rc;
}

static void fill_stats(struct h5_stats *h, const struct agg_stats *s)
{
	h->ops = s->ops;
	h->read_ops = s->read_ops;
	h->read_bytes = s->read_bytes;
	h->write_ops = s->write_ops;
	h->write_bytes = s->write_bytes;
	h->meta_ops = s->meta_ops;
	h->sync_ops = s->sync_ops;
	h->other_ops = s->other_ops;
	h->errors = s->errors;
	h->io_time_s = (double)s->io_time_ns * 1e-9;
	h->read_time_s = (double)s->read_time_ns * 1e-9;
	h->write_time_s = (double)s->write_time_ns * 1e-9;
	h->meta_time_s = (double)s->meta_time_ns * 1e-9;
	h->first_s = s->first_ns == UINT64_MAX ? NAN : (double)s->first_ns * 1e-9;
	h->last_s = s->ops ? (double)s->last_ns * 1e-9 : NAN;
}

static int write_summary(struct exporter *e)
{
	struct ctx *x = &e->x;
	int lvl = e->o->deflate_level, rc;
	struct h5_stats tot;
	fill_stats(&tot, agg_totals(e->agg));
	rc = write_table(x, e->g_summary, "totals", e->T.sum_tot, sizeof tot, &tot, 1, lvl);
	if (rc < 0)
		return rc;

	struct h5_sum_op ops[IOT_OP__COUNT];
	size_t nops = 0;
	for (unsigned op = 0; op < IOT_OP__COUNT; op++) {
		const struct agg_stats *s = agg_op(e->agg, op);
		if (!s->ops)
			continue;
		ops[nops].op = (uint16_t)op;
		fill_stats(&ops[nops++].st, s);
	}
	rc = write_table(x, e->g_summary, "ops", e->T.sum_op, sizeof ops[0], ops, nops, lvl);
	if (rc < 0)
		return rc;

	size_t n = agg_process_count(e->agg);
	struct h5_sum_proc *pr = calloc(n ? n : 1, sizeof *pr);
	if (!pr)
		return fail(x, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct agg_process *p = agg_process(e->agg, i);
		pr[i] = (struct h5_sum_proc){p->pid, (uint16_t)p->trace, nz(p->comm), nz(p->job),
					     nz(p->host), {0}};
		fill_stats(&pr[i].st, &p->st);
	}
	rc = write_table(x, e->g_summary, "processes", e->T.sum_proc, sizeof *pr, pr, n, lvl);
	free(pr);
	if (rc < 0)
		return rc;

	n = agg_file_count(e->agg);
	struct h5_sum_file *fr = calloc(n ? n : 1, sizeof *fr);
	if (!fr)
		return fail(x, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct agg_file *f = agg_file(e->agg, i);
		fr[i] = (struct h5_sum_file){nz(f->path), (uint8_t)f->type, f->nprocs, {0}};
		fill_stats(&fr[i].st, &f->st);
	}
	rc = write_table(x, e->g_summary, "files", e->T.sum_file, sizeof *fr, fr, n, lvl);
	free(fr);
	if (rc < 0)
		return rc;

	n = agg_job_count(e->agg);
	struct h5_sum_job *jr = calloc(n ? n : 1, sizeof *jr);
	if (!jr)
		return fail(x, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct agg_job *j = agg_job(e->agg, i);
		jr[i] = (struct h5_sum_job){nz(j->job), j->nprocs, {0}};
		fill_stats(&jr[i].st, &j->st);
	}
	rc = write_table(x, e->g_summary, "jobs", e->T.sum_job, sizeof *jr, jr, n, lvl);
	free(jr);
	if (rc < 0)
		return rc;
	if (attr_u64(e->g_summary, "lost_events", agg_lost_events(e->agg)) < 0)
		return fail(x, -EIO, "cannot write /summary attributes");
	return 0;
}

/* The event dataset: filled through h5pipe, which compresses on its own
 * thread unless the decoding threads do it (e->decoders > 1). */
static int create_events(struct exporter *e, size_t chunk, int level)
{
	hsize_t zero = 0, unlimited = H5S_UNLIMITED;
	hid_t space = H5Screate_simple(1, &zero, &unlimited);
	hid_t dcpl = h5pipe_dcpl(chunk, level);
	if (space >= 0 && dcpl >= 0)
		e->events_dset = H5Dcreate2(e->g_io, "events", e->T.event, space, H5P_DEFAULT, dcpl,
					    H5P_DEFAULT);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (space >= 0)
		H5Sclose(space);
	if (e->events_dset < 0)
		return fail(&e->x, -EIO, "cannot create dataset /io/events");
	int rc = h5pipe_open(&e->events, e->events_dset, sizeof(struct h5_event), chunk, level,
			     e->decoders < 2);
	return rc < 0 ? fail(&e->x, rc, "%s", strerror(-rc)) : 0;
}

static int create_layout(struct exporter *e, const char *path)
{
	struct ctx *x = &e->x;
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	/* the 1.8 file format: readable by every HDF5 and h5py in use */
	if (fapl >= 0)
		H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_LATEST);
	e->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	if (fapl >= 0)
		H5Pclose(fapl);
	if (e->file < 0)
		return fail(x, -EIO, "cannot create the HDF5 file");
	if (make_types(&e->T) < 0)
		return fail(x, -EIO, "cannot build the HDF5 types");
	e->g_meta = H5Gcreate2(e->file, "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	e->g_io = H5Gcreate2(e->file, "io", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	e->g_counters = H5Gcreate2(e->file, "counters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	e->g_summary = H5Gcreate2(e->file, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (e->g_meta < 0 || e->g_io < 0 || e->g_counters < 0 || e->g_summary < 0)
		return fail(x, -EIO, "cannot create the groups");
	size_t chunk = e->o->chunk_records ? e->o->chunk_records : 16384;
	int lvl = e->o->deflate_level;
	int rc = create_events(e, chunk, lvl < 1 ? 1 : lvl);
	if (!rc)
		rc = app_create(x, &e->disk, e->g_counters, "diskstats", e->T.disk,
				sizeof(struct h5_disk), 4096, lvl);
	if (!rc)
		rc = app_create(x, &e->procio, e->g_counters, "procio", e->T.procio,
				sizeof(struct h5_procio), 4096, lvl);
	if (!rc)
		rc = app_create(x, &e->jobstats, e->g_counters, "jobstats", e->T.jobstat,
				sizeof(struct h5_jobstat), 4096, lvl);
	if (!rc)
		rc = app_create(x, &e->loss, e->file, "loss", e->T.loss, sizeof(struct h5_loss), 1024,
				lvl);
	return rc;
}

static int close_all(struct exporter *e, int rc)
{
	int r = h5pipe_close(e->events);
	e->events = NULL;
	if (r < 0 && rc == 0)
		rc = fail(&e->x, r, "writing dataset /io/events failed");
	if (e->events_dset > 0 && H5Dclose(e->events_dset) < 0 && rc == 0)
		rc = fail(&e->x, -EIO, "closing dataset /io/events failed");
	struct app *apps[] = {&e->disk, &e->procio, &e->jobstats, &e->loss};
	for (size_t i = 0; i < sizeof apps / sizeof apps[0]; i++) {
		int r2 = apps[i]->buf || apps[i]->dset > 0 ? app_close(&e->x, apps[i]) : 0;
		if (rc == 0)
			rc = r2;
	}
	hid_t *groups[] = {&e->g_meta, &e->g_io, &e->g_counters, &e->g_summary};
	for (size_t i = 0; i < 4; i++)
		if (*groups[i] > 0)
			H5Gclose(*groups[i]);
	close_types(&e->T);
	if (e->file > 0 && H5Fclose(e->file) < 0 && rc == 0)
		rc = fail(&e->x, -EIO, "closing the HDF5 file failed");
	agg_free(e->agg);
	free(e->agg_trace);
	return rc;
}

int export_hdf5_write(const char *path, struct input_set *in,
		      const struct export_hdf5_opts *o, struct export_hdf5_stats *st,
		      char *errbuf, size_t errlen)
{
	struct exporter e;
	memset(&e, 0, sizeof e);
	e.x.err = errbuf;
	e.x.errlen = errlen;
	e.in = in;
	e.o = o;
	e.file = e.g_meta = e.g_io = e.g_counters = e.g_summary = -1;
	e.events_dset = e.disk.dset = e.procio.dset = e.jobstats.dset = e.loss.dset = -1;
	if (errlen)
		errbuf[0] = '\0';
	/* libraries never print: HDF5's error stack printer is switched off */
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

	int rc = 0;
	e.agg = agg_new(NULL);
	e.agg_trace = calloc(in->n ? in->n : 1, sizeof *e.agg_trace);
	if (!e.agg || !e.agg_trace)
		rc = fail(&e.x, -ENOMEM, "out of memory");
	for (size_t t = 0; rc == 0 && t < in->n; t++) {
		e.agg_trace[t] = agg_add_trace(e.agg, in->t[t].r);
		if (e.agg_trace[t] < 0)
			rc = fail(&e.x, -ENOMEM, "out of memory");
	}
	uint32_t mask = IOT_STREAM_MASK(IOT_STREAM_IO) | IOT_STREAM_MASK(IOT_STREAM_DISK) |
			IOT_STREAM_MASK(IOT_STREAM_PROCIO) | IOT_STREAM_MASK(IOT_STREAM_JOBSTATS) |
			IOT_STREAM_MASK(IOT_STREAM_LOSS);
	/* one trace: every core decodes, and compresses while it waits for
	 * its turn; several traces are merged on time by one thread */
	e.nrecords = replay_count(in, mask);
	e.decoders = in->n == 1 ? parfeed_workers(e.nrecords) : 1;
	if (rc == 0)
		rc = create_layout(&e, path);
	if (rc == 0)
		rc = write_metadata(&e);
	if (rc == 0)
		rc = write_tables(&e);
	if (rc == 0) {
		/* several traces (nodes) are merged on time; one is read chunk
		 * by chunk, in the order it was recorded */
		struct replay rp = {
			.stream_mask = mask,
			.ordered = 1,
			.progress = o->progress,
			.on_record = on_record,
			.ctx = &e,
		};
		rc = in->n > 1 ? replay_run(in, &rp) : export_by_chunk(&e, mask);
		if (rc < 0 && !e.x.failed)
			fail(&e.x, rc, "%s", iot_strerror(rc));
	}
	if (rc == 0)
		rc = write_summary(&e);
	rc = close_all(&e, rc);
	if (st)
		*st = e.st;
	return rc;
}

/* ------------------------------------------------------------------ */
/* ioanalyze export                                                    */

static const char export_usage[] =
	"usage: ioanalyze export --hdf5 OUT.h5 [OPTIONS] TRACE...\n"
	"\n"
	"Write the traces into one HDF5 file for h5py, pandas, MATLAB or h5dump:\n"
	"  /metadata/N          attributes: every metadata key of trace N\n"
	"  /processes, /files   the process and file tables\n"
	"  /io/events           one compound row per I/O call (ts_ns, dur_ns, pid, tid,\n"
	"                       op as an HDF5 enum, fd, file_id, offset, size, result,\n"
	"                       trace)\n"
	"  /counters/diskstats, /counters/procio, /counters/jobstats, /loss\n"
	"  /summary/totals, ops, processes, files, jobs   the summary's tables\n"
	"Times are ns since the epoch. Datasets are chunked and compressed (shuffle +\n"
	"deflate); strings are variable-length UTF-8. Records stream through, so a\n"
	"trace of any size exports in bounded memory. The layout is in analyze/HDF5.md.\n"
	"\n"
	"Options:\n"
	"  --hdf5 OUT.h5        the file to create (never overwritten)\n"
	"  --progress, --no-progress  progress bar on stderr\n"
	"  -h, --help           this help\n"
	"\n"
	"Examples:\n"
	"  ioanalyze export --hdf5 run.h5 run.iotr\n"
	"  ioanalyze export --hdf5 job.h5 job-1234.tar.zst\n"
	"  python3 -c 'import h5py; print(h5py.File(\"run.h5\")[\"io/events\"][:10])'\n";

int cmd_export(int argc, char **argv)
{
	struct cli c;
	struct input_set in;
	int exit_now;
	int status = cli_parse(&c, argc, argv, CLI_HDF5, export_usage, &exit_now);
	if (exit_now)
		goto out_cli;
	if (!c.hdf5) {
		cli_error(&c, "--hdf5 OUT.h5 is required (see --help)");
		status = 2;
		goto out_cli;
	}
	struct outfile of;
	int rc = outfile_reserve(&of, c.hdf5);
	if (rc < 0) {
		cli_error(&c, "%s: %s", c.hdf5,
			  rc == -EEXIST ? "exists already (not overwritten)" : strerror(-rc));
		status = 1;
		goto out_cli;
	}
	status = cli_open(&c, &in);
	if (status) {
		outfile_discard(&of);
		goto out_cli;
	}
	char err[256];
	struct export_hdf5_opts o = {.progress = c.progress, .deflate_level = 1,
				      .msg = input_print_msg};
	rc = export_hdf5_write(of.tmp, &in, &o, NULL, err, sizeof err);
	input_flush_warnings(&in, input_print_msg, NULL);
	if (rc < 0) {
		cli_error(&c, "%s: %s", c.hdf5, err);
		outfile_discard(&of);
		status = 1;
	} else if ((rc = outfile_commit(&of)) < 0) {
		cli_error(&c, "%s: %s", c.hdf5, strerror(-rc));
		status = 1;
	}
	input_close(&in);
out_cli:
	cli_free(&c);
	return status;
}
