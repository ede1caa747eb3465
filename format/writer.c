/* writer.c - writes .iotr traces (FORMAT.md).
 *
 * Records are buffered per stream as their public structs and written as
 * one chunk per stream when the chunk is full or older than the flush age.
 * Table streams (meta, string, file, proc) are flushed before any data
 * chunk, so a definition always precedes its first use in the file: a
 * reader that streams the file, or recovers a truncated one, never sees an
 * id it cannot resolve. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define DEFAULT_FLUSH_AGE_NS 1000000000ULL
#define AGE_CHECK_EVERY 256

struct wstream {
	const struct stream_schema *s;
	uint8_t *recs;      /* n records of s->rec_size, room for alloc */
	size_t n, alloc, cap; /* cap: records per chunk; alloc grows up to it */
	struct arena strings; /* copies of the pending records' strings */
	uint64_t since_ns;  /* coarse monotonic time of the oldest pending record */
	unsigned store_next; /* chunks to store without trying zstd (zstd_min_gain) */
};

struct widx {
	uint64_t offset;
	struct chunk_hdr h;
};

struct iot_writer {
	int fd;         /* -1 while the file is in memory (iot_writer_open_mem) */
	struct buf mem; /* the file's bytes until iot_writer_spill() */
	struct buf wb;  /* small writes not yet written (opts.write_buffer) */
	uint64_t wb_since; /* coarse monotonic time wb stopped being empty */
	bool in_mem;
	char *path;     /* final name */
	char *tmp_path; /* name while writing (NULL with IOT_W_DIRECT) */
	struct iot_writer_opts opts;
	struct wstream st[IOT_STREAM__MAX + 1];
	struct encoder enc;
	struct buf raw, comp, aggbuf;
	ZSTD_CCtx *cctx;
	uint64_t off;
	struct widx *idx;
	size_t nidx, capidx;
	struct buf idx_aggs; /* packed aggregates of every chunk, index order */
	struct u64map strings; /* hash(text) -> id */
	struct u64map files;   /* hash(path, dev, ino, type) -> id */
	uint64_t next_id;
	uint64_t nrecords;
	unsigned adds_since_check;
	int err;
};

static uint64_t coarse_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* n pieces, all of them, to fd (v is consumed). */
static int writev_all(int fd, struct iovec *v, int n, size_t total)
{
	struct iovec *p = v;
	size_t left = total;
	while (left > 0) {
		ssize_t k = writev(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left -= (size_t)k;
		while (n > 0 && (size_t)k >= p->iov_len) {
			k -= (ssize_t)p->iov_len;
			p++;
			n--;
		}
		if (n > 0) {
			p->iov_base = (char *)p->iov_base + k;
			p->iov_len -= (size_t)k;
		}
	}
	return 0;
}

static void gather_into(struct buf *b, const struct iovec *v, int n)
{
	for (int i = 0; i < n; i++) {
		memcpy(b->p + b->len, v[i].iov_base, v[i].iov_len);
		b->len += v[i].iov_len;
	}
}

/* Append n pieces (n < 8) to the file: to memory (iot_writer_open_mem),
 * to the write buffer while it has room, else to the file in one
 * writev together with what the buffer held. */
static int write_all(iot_writer *w, const struct iovec *iov, int n)
{
	struct iovec v[8];
	size_t total = 0;
	int k = 0;
	if (n < 0 || n > 7)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (w->in_mem) {
		int rc = buf_reserve(&w->mem, total);
		if (rc)
			return rc;
		gather_into(&w->mem, iov, n);
		w->off += total;
		return 0;
	}
	if (w->opts.write_buffer && w->wb.len + total <= w->opts.write_buffer &&
	    buf_reserve(&w->wb, w->opts.write_buffer - w->wb.len) == 0) {
		if (!w->wb.len)
			w->wb_since = coarse_ns();
		gather_into(&w->wb, iov, n);
		w->off += total;
		return 0;
	}
	if (w->wb.len)
		v[k++] = (struct iovec){w->wb.p, w->wb.len};
	for (int i = 0; i < n; i++)
		v[k++] = iov[i];
	int rc = writev_all(w->fd, v, k, total + w->wb.len);
	w->wb.len = 0; /* written, or lost with the error the writer keeps */
	if (rc)
		return rc;
	w->off += total;
	return 0;
}

/* What the write buffer holds, to the file. */
static int write_buffered(iot_writer *w)
{
	if (w->in_mem || !w->wb.len)
		return 0;
	struct iovec v = {w->wb.p, w->wb.len};
	int rc = writev_all(w->fd, &v, 1, w->wb.len);
	w->wb.len = 0;
	return rc;
}

static int fail(iot_writer *w, int rc)
{
	if (rc && !w->err)
		w->err = rc;
	return rc;
}

/* ---- chunk flushing ---- */

static int ts_cmp(const void *a, const void *b, void *arg)
{
	size_t off = *(const size_t *)arg;
	uint64_t x, y;
	memcpy(&x, (const uint8_t *)a + off, 8);
	memcpy(&y, (const uint8_t *)b + off, 8);
	return x < y ? -1 : x > y;
}

static void sort_by_ts(struct wstream *ws)
{
	size_t off = ws->s->ts_offset, rs = ws->s->rec_size;
	uint64_t prev = 0;
	for (size_t i = 0; i < ws->n; i++) {
		uint64_t t;
		memcpy(&t, ws->recs + i * rs + off, 8);
		if (t < prev) {
			qsort_r(ws->recs, ws->n, rs, ts_cmp, &off);
			return;
		}
		prev = t;
	}
}

/* After sort_by_ts the range is the first and the last record. */
static void ts_range(const struct wstream *ws, uint64_t *first, uint64_t *last)
{
	*first = *last = 0;
	if (ws->s->ts_offset == SIZE_MAX || ws->n == 0)
		return;
	size_t off = ws->s->ts_offset, rs = ws->s->rec_size;
	memcpy(first, ws->recs + off, 8);
	memcpy(last, ws->recs + (ws->n - 1) * rs + off, 8);
}

/* Which counter of a pid's totals an operation adds to: 0 read, 1 write,
 * 2 everything else (meta_ops). */
static const uint8_t agg_kind[IOT_OP__COUNT] = {
#define AGG_X(e, name, cat) [IOT_OP_##e] = IOT_CAT_##cat == IOT_CAT_READ ? 0 : IOT_CAT_##cat == IOT_CAT_WRITE ? 1 : 2,
	IOT_OPS(AGG_X)
#undef AGG_X
};

/* Per-pid totals of an I/O chunk, packed into w->aggbuf. Runs of one
 * pid (the common case) are summed in locals, without a branch per
 * operation kind. */
static int build_aggs(iot_writer *w, const struct wstream *ws, uint32_t *nagg)
{
	const struct iot_io_event *ev = (const void *)ws->recs;
	struct u64map slot = {0};
	struct iot_pid_agg *a = NULL;
	size_t na = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; i < ws->n;) {
		uint32_t pid = ev[i].pid;
		uint64_t ops[3] = {0}, bytes[3] = {0}, time_ns = 0, k;
		for (; i < ws->n && ev[i].pid == pid; i++) {
			unsigned kind = ev[i].op < IOT_OP__COUNT ? agg_kind[ev[i].op] : 2;
			ops[kind]++;
			bytes[kind] += ev[i].result > 0 ? (uint64_t)ev[i].result : 0;
			time_ns += ev[i].dur_ns;
		}
		if (!u64map_get(&slot, pid, &k)) {
			if (na == cap) {
				cap = cap ? cap * 2 : 16;
				struct iot_pid_agg *na_ = realloc(a, cap * sizeof *a);
				if (!na_) {
					rc = -ENOMEM;
					goto out;
				}
				a = na_;
			}
			k = na++;
			memset(&a[k], 0, sizeof a[k]);
			a[k].pid = pid;
			if ((rc = u64map_put(&slot, pid, k)))
				goto out;
		}
		struct iot_pid_agg *g = &a[k];
		g->read_ops += (uint32_t)ops[0];
		g->read_bytes += bytes[0];
		g->write_ops += (uint32_t)ops[1];
		g->write_bytes += bytes[1];
		g->meta_ops += (uint32_t)ops[2];
		g->io_time_ns += time_ns;
	}
	w->aggbuf.len = 0;
	if ((rc = buf_reserve(&w->aggbuf, na * IOT_AGG_ENTRY_SIZE)))
		goto out;
	for (size_t j = 0; j < na; j++)
		agg_pack(&a[j], w->aggbuf.p + j * IOT_AGG_ENTRY_SIZE);
	w->aggbuf.len = na * IOT_AGG_ENTRY_SIZE;
	*nagg = (uint32_t)na;
out:
	free(a);
	u64map_free(&slot);
	return rc;
}

static int index_add(iot_writer *w, uint64_t offset, const struct chunk_hdr *h,
		     const uint8_t *aggs)
{
	if (w->nidx == w->capidx) {
		size_t nc = w->capidx ? w->capidx * 2 : 64;
		struct widx *ni = realloc(w->idx, nc * sizeof *ni);
		if (!ni)
			return -ENOMEM;
		w->idx = ni;
		w->capidx = nc;
	}
	w->idx[w->nidx].offset = offset;
	w->idx[w->nidx].h = *h;
	w->nidx++;
	size_t al = (size_t)h->nagg * IOT_AGG_ENTRY_SIZE;
	int rc = buf_reserve(&w->idx_aggs, al);
	if (rc)
		return rc;
	if (al) /* p is NULL before the first aggregate: memcpy(NULL, .., 0) is UB */
		memcpy(w->idx_aggs.p + w->idx_aggs.len, aggs, al);
	w->idx_aggs.len += al;
	return 0;
}

static int flush_stream(iot_writer *w, unsigned sid);

static int flush_tables(iot_writer *w)
{
	static const unsigned order[] = {IOT_STREAM_META, IOT_STREAM_STRING, IOT_STREAM_FILE,
					 IOT_STREAM_PROC};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		int rc = flush_stream(w, order[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Chunks a stream stores without trying zstd after one that zstd shrank
 * by less than opts.zstd_min_gain percent; the next is tried again. */
#define STORE_RUN 15u

/* Header h (its comp_size bytes of payload), the aggregate entries and
 * the payload to the file, and the chunk into the index. */
static int write_chunk(iot_writer *w, const struct chunk_hdr *h, const uint8_t *aggs,
		       size_t agg_len, const uint8_t *payload)
{
	uint8_t hdr[IOT_CHUNK_HEADER_SIZE];
	chunk_hdr_pack(h, hdr);
	struct iovec iov[3] = {{hdr, sizeof hdr}, {(void *)aggs, agg_len},
			       {(void *)payload, h->comp_size}};
	uint64_t at = w->off;
	int rc = write_all(w, iov, 3);
	return rc ? rc : index_add(w, at, h, aggs);
}

/* len bytes at src zstd-compressed into w->comp; *out = their size. */
static int zstd_into_comp(iot_writer *w, const uint8_t *src, size_t len, size_t *out)
{
	size_t bound = ZSTD_compressBound(len);
	w->comp.len = 0;
	int rc = buf_reserve(&w->comp, bound);
	if (rc)
		return rc;
	/* made on first use: a shard that stores every chunk (a short
	 * process) never pays for it */
	if (!w->cctx && !(w->cctx = ZSTD_createCCtx()))
		return -ENOMEM;
	size_t cl = ZSTD_compressCCtx(w->cctx, w->comp.p, bound, src, len, w->opts.zstd_level);
	if (ZSTD_isError(cl))
		return IOT_E_ZSTD;
	*out = cl;
	return 0;
}

/* Did zstd take at least opts.zstd_min_gain percent off raw bytes? */
static bool gain_ok(const iot_writer *w, size_t comp, size_t raw)
{
	unsigned gain = (unsigned)w->opts.zstd_min_gain;
	return !gain || (uint64_t)comp * 100 <= (uint64_t)raw * (100 - gain);
}

/* The chunk's payload: w->raw zstd-compressed into w->comp, or w->raw as
 * is (*payload unchanged) when compression would not make it smaller, or
 * when the stream's chunks have lately not shrunk by zstd_min_gain. */
static int compress_payload(iot_writer *w, struct wstream *ws, const uint8_t **payload,
			    size_t *len)
{
	if (ws->store_next) {
		ws->store_next--;
		return 0;
	}
	if (w->off < w->opts.store_bytes)
		return 0;
	size_t cl;
	int rc = zstd_into_comp(w, w->raw.p, w->raw.len, &cl);
	if (rc)
		return rc;
	if (!gain_ok(w, cl, w->raw.len))
		ws->store_next = STORE_RUN;
	if (cl >= w->raw.len)
		return 0;
	*payload = w->comp.p;
	*len = cl;
	return 0;
}

static int flush_stream(iot_writer *w, unsigned sid)
{
	struct wstream *ws = &w->st[sid];
	if (ws->n == 0)
		return 0;
	if (w->err)
		return w->err;
	int rc;
	if (!ws->s->table && (rc = flush_tables(w)))
		return rc;
	if (ws->s->ts_offset != SIZE_MAX)
		sort_by_ts(ws);

	struct chunk_hdr h = {0};
	h.stream = sid;
	h.nrecords = (uint32_t)ws->n;
	h.ncols = ws->s->ncols;
	ts_range(ws, &h.first_ts, &h.last_ts);
	w->raw.len = 0;
	if ((rc = codec_encode_with(&w->enc, ws->s, ws->recs, ws->n, &w->raw)))
		return fail(w, rc);
	if (w->raw.len > IOT_MAX_CHUNK_RAW)
		return fail(w, IOT_E_TOOBIG);
	h.raw_size = (uint32_t)w->raw.len;
	w->aggbuf.len = 0;
	if (sid == IOT_STREAM_IO && (rc = build_aggs(w, ws, &h.nagg)))
		return fail(w, rc);

	const uint8_t *payload = w->raw.p;
	size_t cl = w->raw.len;
	if ((rc = compress_payload(w, ws, &payload, &cl)))
		return fail(w, rc);
	h.codec = payload == w->raw.p ? IOT_CODEC_NONE : IOT_CODEC_ZSTD;
	h.comp_size = (uint32_t)cl;
	h.payload_crc = iot_crc32_update(iot_crc32(w->aggbuf.p, w->aggbuf.len), payload, cl);

	if ((rc = write_chunk(w, &h, w->aggbuf.p, w->aggbuf.len, payload)))
		return fail(w, rc);
	ws->n = 0;
	arena_reset(&ws->strings);
	return 0;
}

static int flush_old(iot_writer *w, uint64_t now)
{
	for (unsigned s = 1; s <= IOT_STREAM__MAX; s++) {
		struct wstream *ws = &w->st[s];
		if (ws->n && now - ws->since_ns >= w->opts.flush_age_ns) {
			int rc = flush_stream(w, s);
			if (rc)
				return rc;
		}
	}
	/* chunks that waited in the write buffer as long */
	if (w->wb.len && now - w->wb_since >= w->opts.flush_age_ns) {
		int rc = write_buffered(w);
		if (rc)
			return fail(w, rc);
	}
	return 0;
}

/* ---- adding records ---- */

static int copy_strings(struct wstream *ws, uint8_t *rec)
{
	for (unsigned c = 0; c < ws->s->ncols; c++) {
		const struct col_desc *cd = &ws->s->cols[c];
		if (cd->kind != COL_STR)
			continue;
		const char *s;
		memcpy(&s, rec + cd->offset, sizeof s);
		if (!s)
			continue;
		size_t l = strlen(s);
		if (l >= IOT_MAX_STRING)
			return IOT_E_TOOBIG;
		char *d = arena_strdup(&ws->strings, s, l);
		if (!d)
			return -ENOMEM;
		memcpy(rec + cd->offset, &d, sizeof d);
	}
	return 0;
}

/* Room for want more records in stream sid: a full chunk is written
 * first; the buffer starts small and grows to the chunk size, so a
 * short-lived writer (a traced process that makes a few calls) never
 * maps whole chunks it does not fill. */
static int stream_room(iot_writer *w, unsigned sid, size_t want)
{
	struct wstream *ws = &w->st[sid];
	int rc;
	if (ws->n == ws->cap && (rc = flush_stream(w, sid)))
		return rc;
	if (ws->n + want > ws->alloc && ws->alloc < ws->cap) {
		size_t na = ws->alloc ? ws->alloc : 64;
		while (na < ws->n + want && na < ws->cap)
			na *= 2;
		/* past 64 KiB straight to the chunk size: one copy, not a
		 * doubling whose old and new blocks would both be resident */
		if (na > ws->cap || na * ws->s->rec_size > (64u << 10))
			na = ws->cap;
		uint8_t *p = realloc(ws->recs, na * ws->s->rec_size);
		if (!p)
			return fail(w, -ENOMEM);
		ws->recs = p;
		ws->alloc = na;
	}
	return 0;
}

static int add_record(iot_writer *w, unsigned sid, const void *rec)
{
	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	struct wstream *ws = &w->st[sid];
	int rc;
	if (ws->n == ws->alloc && (rc = stream_room(w, sid, 1)))
		return rc;
	uint8_t *slot = ws->recs + ws->n * ws->s->rec_size;
	if (sid == IOT_STREAM_IO) /* the hot path: a fixed-size copy the compiler inlines */
		memcpy(slot, rec, sizeof(struct iot_io_event));
	else
		memcpy(slot, rec, ws->s->rec_size);
	/* only table streams carry strings */
	if (ws->s->table && (rc = copy_strings(ws, slot)))
		return fail(w, rc);
	if (ws->n++ == 0)
		ws->since_ns = coarse_ns();
	w->nrecords++;
	if (++w->adds_since_check >= AGE_CHECK_EVERY) {
		w->adds_since_check = 0;
		return flush_old(w, coarse_ns());
	}
	return 0;
}

int iot_writer_add_io(iot_writer *w, const struct iot_io_event *ev)
{
	return add_record(w, IOT_STREAM_IO, ev);
}

struct iot_io_event *iot_writer_io_room(iot_writer *w, size_t want, size_t *room)
{
	*room = 0;
	if (!w || w->err || want == 0)
		return NULL;
	struct wstream *ws = &w->st[IOT_STREAM_IO];
	if (stream_room(w, IOT_STREAM_IO, want))
		return NULL;
	size_t k = ws->alloc - ws->n;
	*room = k < want ? k : want;
	return (struct iot_io_event *)(void *)(ws->recs + ws->n * sizeof(struct iot_io_event));
}

int iot_writer_io_commit(iot_writer *w, size_t k)
{
	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	struct wstream *ws = &w->st[IOT_STREAM_IO];
	if (k == 0)
		return 0;
	if (k > ws->alloc - ws->n)
		return -EINVAL; /* the caller's mistake: nothing committed */
	if (ws->n == 0)
		ws->since_ns = coarse_ns();
	ws->n += k;
	w->nrecords += k;
	w->adds_since_check += (unsigned)k;
	if (w->adds_since_check >= AGE_CHECK_EVERY) {
		w->adds_since_check = 0;
		return flush_old(w, coarse_ns());
	}
	return 0;
}
int iot_writer_add_proc(iot_writer *w, const struct iot_proc *p)
{
	return add_record(w, IOT_STREAM_PROC, p);
}
int iot_writer_add_disk(iot_writer *w, const struct iot_disk_sample *s)
{
	return add_record(w, IOT_STREAM_DISK, s);
}
int iot_writer_add_procio(iot_writer *w, const struct iot_procio_sample *s)
{
	return add_record(w, IOT_STREAM_PROCIO, s);
}
int iot_writer_add_jobstat(iot_writer *w, const struct iot_jobstat_sample *s)
{
	return add_record(w, IOT_STREAM_JOBSTATS, s);
}
int iot_writer_add_loss(iot_writer *w, const struct iot_loss *l)
{
	return add_record(w, IOT_STREAM_LOSS, l);
}
int iot_writer_add_file(iot_writer *w, const struct iot_file *f)
{
	if (!f || !f->id)
		return -EINVAL;
	return add_record(w, IOT_STREAM_FILE, f);
}

int iot_writer_set_meta(iot_writer *w, const char *key, const char *value)
{
	if (!key || !*key)
		return -EINVAL;
	struct iot_meta m = {key, value ? value : ""};
	return add_record(w, IOT_STREAM_META, &m);
}

int iot_writer_set_metaf(iot_writer *w, const char *key, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return iot_writer_set_meta(w, key, buf);
}

/* Ids are keyed by a 64-bit hash of their content: two different strings
 * sharing an id needs a 64-bit collision, which we accept. */
uint64_t iot_writer_intern(iot_writer *w, const char *text)
{
	if (!w || !text)
		return 0;
	size_t l = strlen(text);
	uint64_t h = hash_bytes(text, l, 0x5354), id;
	if (u64map_get(&w->strings, h, &id))
		return id;
	id = w->next_id++;
	struct iot_string s = {id, text};
	if (add_record(w, IOT_STREAM_STRING, &s) || u64map_put(&w->strings, h, id)) {
		fail(w, -ENOMEM);
		return 0;
	}
	return id;
}

uint64_t iot_writer_file(iot_writer *w, const struct iot_file *f)
{
	if (!w || !f)
		return 0;
	const char *path = f->path ? f->path : "";
	uint64_t h = hash_bytes(path, strlen(path), f->dev * 31 + f->ino * 7 + f->type), id;
	if (u64map_get(&w->files, h, &id))
		return id;
	id = w->next_id++;
	struct iot_file nf = *f;
	nf.id = id;
	nf.path = path;
	if (add_record(w, IOT_STREAM_FILE, &nf) || u64map_put(&w->files, h, id)) {
		fail(w, -ENOMEM);
		return 0;
	}
	return id;
}

int iot_writer_tick(iot_writer *w)
{
	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	return flush_old(w, coarse_ns());
}

int iot_writer_flush(iot_writer *w)
{
	if (!w)
		return -EINVAL;
	int rc = flush_tables(w);
	for (unsigned s = 1; !rc && s <= IOT_STREAM__MAX; s++)
		rc = flush_stream(w, s);
	if (!rc && (rc = write_buffered(w)))
		fail(w, rc);
	return rc;
}

uint64_t iot_writer_bytes(const iot_writer *w) { return w ? w->off : 0; }
uint64_t iot_writer_records(const iot_writer *w) { return w ? w->nrecords : 0; }

int iot_writer_set_fd(iot_writer *w, int fd)
{
	int old = w ? w->fd : -1;

	if (old >= 0)
		w->fd = fd;
	return old;
}

/* ---- open / close ---- */

static int write_file_header(iot_writer *w)
{
	uint8_t h[IOT_FILE_HEADER_SIZE] = {0};
	memcpy(h, IOT_FILE_MAGIC, 8);
	put_le16(h + 8, IOT_FORMAT_MAJOR);
	put_le16(h + 10, IOT_FORMAT_MINOR);
	put_le32(h + 12, IOT_ENDIAN_TAG);
	put_le32(h + 16, 0);
	put_le32(h + 20, IOT_FILE_HEADER_SIZE);
	if (getrandom(h + 24, 16, GRND_NONBLOCK) != 16) {
		uint64_t t = iot_now_wall_ns() ^ ((uint64_t)getpid() << 40);
		put_le64(h + 24, t);
		put_le64(h + 32, hash64(t));
	}
	put_le64(h + 40, iot_now_wall_ns());
	put_le32(h + 60, iot_crc32(h, 60));
	struct iovec iov = {h, sizeof h};
	return write_all(w, &iov, 1);
}

/* ".NAME.tmp.PID.XXXXXXXX" beside NAME (read back by
 * iot_writer_tmp_target). */
static char *tmp_name_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	const char *base = path + dirlen;
	size_t n = strlen(path) + 40;
	char *t = malloc(n);
	if (!t)
		return NULL;
	unsigned r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r = (unsigned)iot_now_mono_ns();
	snprintf(t, n, "%.*s.%s.tmp.%d.%08x", (int)dirlen, path, base, (int)getpid(), r);
	return t;
}

int iot_writer_tmp_target(const char *path, char *out, size_t outlen, int *pid)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path, *t = NULL;
	char *end;

	if (base[0] != '.')
		return 0;
	for (const char *p = base; (p = strstr(p, ".tmp.")); p++)
		t = p; /* the last one: NAME may hold ".tmp." too */
	if (!t || t == base)
		return 0;
	long v = strtol(t + 5, &end, 10);
	if (v <= 0 || *end != '.' || strlen(end + 1) != 8 || strspn(end + 1, "0123456789abcdef") != 8)
		return 0;
	*pid = (int)v;
	snprintf(out, outlen, "%.*s%.*s", (int)(base - path), path, (int)(t - base - 1), base + 1);
	return 1;
}

static void writer_free(iot_writer *w)
{
	for (unsigned s = 1; s <= IOT_STREAM__MAX; s++) {
		free(w->st[s].recs);
		arena_free(&w->st[s].strings);
	}
	encoder_free(&w->enc);
	buf_free(&w->raw);
	buf_free(&w->comp);
	buf_free(&w->aggbuf);
	buf_free(&w->idx_aggs);
	buf_free(&w->mem);
	buf_free(&w->wb);
	ZSTD_freeCCtx(w->cctx);
	free(w->idx);
	u64map_free(&w->strings);
	u64map_free(&w->files);
	free(w->path);
	free(w->tmp_path);
	free(w);
}

/* A writer with its options and streams set up, no output yet. */
static int writer_new(iot_writer **out, const struct iot_writer_opts *opts)
{
	iot_writer *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	if (opts)
		w->opts = *opts;
	if (!w->opts.flush_age_ns)
		w->opts.flush_age_ns = DEFAULT_FLUSH_AGE_NS;
	if (!w->opts.zstd_level)
		w->opts.zstd_level = 1;
	if (w->opts.zstd_min_gain < 0 || w->opts.zstd_min_gain > 100) {
		free(w);
		return -EINVAL;
	}
	w->next_id = w->opts.id_base ? w->opts.id_base : 1;
	for (unsigned s = 1; s <= IOT_STREAM__MAX; s++) {
		struct wstream *ws = &w->st[s];
		ws->s = iot_schema(s);
		ws->cap = ws->s->max_records;
		if (s == IOT_STREAM_IO && w->opts.chunk_records)
			ws->cap = w->opts.chunk_records > IOT_MAX_CHUNK_RECORDS
					  ? IOT_MAX_CHUNK_RECORDS
					  : w->opts.chunk_records;
	}
	*out = w;
	return 0;
}

/* The header and the self-description, first bytes of every output. */
static int writer_start(iot_writer *w)
{
	int rc = write_file_header(w);
	if (rc || (w->opts.flags & IOT_W_NO_AUTO_META))
		return rc;
	uint64_t mono = iot_now_mono_ns(), wall = iot_now_wall_ns();
	iot_writer_set_metaf(w, "clock.wall_offset_ns", "%lld", (long long)(wall - mono));
	return iot_writer_set_meta(w, "format.writer", "libiotrace " IOT_VERSION_STRING);
}

int iot_writer_open(iot_writer **out, const char *path, const struct iot_writer_opts *opts)
{
	if (!out || !path || !*path)
		return -EINVAL;
	*out = NULL;
	iot_writer *w;
	int rc = writer_new(&w, opts);
	if (rc)
		return rc;
	rc = -ENOMEM;
	if (!(w->path = strdup(path)))
		goto err;
	struct stat st;
	if (lstat(path, &st) == 0) {
		rc = -EEXIST;
		goto err;
	}
	const char *create = path;
	if (!(w->opts.flags & IOT_W_DIRECT)) {
		if (!(w->tmp_path = tmp_name_for(path)))
			goto err;
		create = w->tmp_path;
	}
	w->fd = open(create, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		rc = -errno;
		goto err;
	}
	if ((rc = writer_start(w)))
		goto err_unlink;
	*out = w;
	return 0;
err_unlink:
	unlink(create);
err:
	if (w->fd >= 0)
		close(w->fd);
	writer_free(w);
	return rc;
}

int iot_writer_open_mem(iot_writer **out, const struct iot_writer_opts *opts)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	iot_writer *w;
	int rc = writer_new(&w, opts);
	if (rc)
		return rc;
	w->in_mem = true;
	if ((rc = writer_start(w))) {
		writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

const void *iot_writer_mem(const iot_writer *w, size_t *len)
{
	*len = w && w->in_mem ? w->mem.len : 0;
	return w && w->in_mem ? w->mem.p : NULL;
}

int iot_writer_spill(iot_writer *w, const char *path)
{
	if (!w || !path || !*path)
		return -EINVAL;
	if (!w->in_mem)
		return -EALREADY;
	if (w->err)
		return w->err;
	char *name = strdup(path);
	if (!name)
		return -ENOMEM;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int rc = -errno;
		free(name);
		return rc;
	}
	/* the buffered bytes go out as one write, then the writer goes on
	 * in the file as if it had been there from the start */
	uint64_t off = w->off;
	w->fd = fd;
	w->in_mem = false;
	w->off = 0;
	struct iovec iov = {w->mem.p, w->mem.len};
	int rc = w->mem.len ? write_all(w, &iov, 1) : 0;
	if (!rc)
		rc = write_buffered(w);
	if (rc) {
		close(fd);
		unlink(path);
		free(name);
		w->fd = -1;
		w->in_mem = true;
		w->off = off;
		return rc;
	}
	buf_free(&w->mem);
	free(w->path);
	w->path = name;
	w->opts.flags |= IOT_W_DIRECT;
	return 0;
}

static int write_footer(iot_writer *w)
{
	size_t n = w->nidx;
	size_t size = 16 + n * IOT_INDEX_ENTRY_SIZE + w->idx_aggs.len;
	uint8_t *f = malloc(size);
	if (!f)
		return -ENOMEM;
	put_le32(f, IOT_FOOTER_MAGIC);
	put_le32(f + 4, 1);
	put_le64(f + 8, n);
	uint8_t *p = f + 16;
	for (size_t i = 0; i < n; i++, p += IOT_INDEX_ENTRY_SIZE) {
		const struct chunk_hdr *h = &w->idx[i].h;
		put_le64(p, w->idx[i].offset);
		put_le16(p + 8, (uint16_t)h->stream);
		put_le16(p + 10, (uint16_t)h->codec);
		put_le32(p + 12, h->nrecords);
		put_le64(p + 16, h->first_ts);
		put_le64(p + 24, h->last_ts);
		put_le32(p + 32, h->raw_size);
		put_le32(p + 36, h->comp_size);
		put_le32(p + 40, h->nagg);
		put_le32(p + 44, h->ncols);
	}
	if (w->idx_aggs.len) /* NULL when no chunk had aggregates */
		memcpy(p, w->idx_aggs.p, w->idx_aggs.len);
	uint8_t t[IOT_TRAILER_SIZE] = {0};
	put_le32(t, IOT_TRAILER_MAGIC);
	put_le64(t + 8, w->off);
	put_le64(t + 16, size);
	put_le32(t + 24, iot_crc32(f, size));
	put_le32(t + 28, iot_crc32(t, 28));
	struct iovec iov[2] = {{f, size}, {t, sizeof t}};
	int rc = write_all(w, iov, 2);
	free(f);
	return rc;
}

static int publish(iot_writer *w)
{
	if (!w->tmp_path)
		return 0;
	if (renameat2(AT_FDCWD, w->tmp_path, AT_FDCWD, w->path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* File systems without RENAME_NOREPLACE: link() refuses to replace too. */
	if (link(w->tmp_path, w->path) != 0)
		return -errno;
	unlink(w->tmp_path);
	return 0;
}

static int finish(iot_writer *w, bool footer)
{
	int rc = iot_writer_flush(w);
	if (!rc && footer)
		rc = write_footer(w);
	if (!rc)
		rc = write_buffered(w);
	if (!rc && footer && w->fd >= 0 && fsync(w->fd) != 0 && errno != EINVAL)
		rc = -errno;
	if (w->fd >= 0 && close(w->fd) != 0 && !rc)
		rc = -errno;
	w->fd = -1;
	int prc = publish(w);
	if (!rc)
		rc = prc;
	rc = w->err ? w->err : rc;
	writer_free(w);
	return rc;
}

int iot_writer_close(iot_writer *w)
{
	return w ? finish(w, true) : 0;
}

int iot_writer_abandon(iot_writer *w)
{
	return w ? finish(w, false) : 0;
}

/* ---- merging shards ---- */

/* One checked chunk of a shard (header h, bytes at src) into w: as it is,
 * or compressed when it was stored and zstd pays. */
static int append_chunk(iot_writer *w, const struct chunk_hdr *h, const uint8_t *src)
{
	const uint8_t *aggs = src + IOT_CHUNK_HEADER_SIZE;
	size_t agg_len = (size_t)h->nagg * IOT_AGG_ENTRY_SIZE;
	const uint8_t *payload = aggs + agg_len;
	uint64_t at = w->off;
	size_t cl = 0;
	int rc;
	if (h->codec == IOT_CODEC_NONE && h->comp_size >= 64 &&
	    (rc = zstd_into_comp(w, payload, h->comp_size, &cl)))
		return rc;
	if (!cl || cl >= h->comp_size || !gain_ok(w, cl, h->comp_size)) {
		struct iovec iov = {(void *)src, (size_t)chunk_total_size(h)};
		if ((rc = write_all(w, &iov, 1)))
			return rc;
		return index_add(w, at, h, aggs);
	}
	struct chunk_hdr z = *h;
	z.codec = IOT_CODEC_ZSTD;
	z.comp_size = (uint32_t)cl;
	z.payload_crc = iot_crc32_update(iot_crc32(aggs, agg_len), w->comp.p, cl);
	return write_chunk(w, &z, aggs, agg_len, w->comp.p);
}

/* Every checked chunk of the shard open in r into w. */
static int append_reader(iot_writer *w, iot_reader *r, uint64_t upto, uint64_t *dropped_bytes,
			 uint32_t *bad_chunks)
{
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	uint32_t bad = in.corrupt_chunks;
	const uint8_t *data = reader_bytes(r);
	int rc = 0;
	for (size_t i = 0; i < reader_raw_count(r) && !rc; i++) {
		const struct raw_chunk *c = reader_raw_at(r, i);
		if (c->offset + chunk_total_size(&c->h) > upto)
			continue; /* past the bound: the caller has it from elsewhere */
		if (!reader_check_payload(r, i)) {
			bad++;
			continue;
		}
		if ((rc = append_chunk(w, &c->h, data + c->offset)))
			break;
		w->nrecords += c->h.nrecords;
	}
	if (dropped_bytes)
		*dropped_bytes = in.dropped_bytes;
	if (bad_chunks)
		*bad_chunks = bad;
	iot_reader_close(r);
	return fail(w, rc);
}

/* The shard at path, or in memory (len bytes at buf; path names it). */
static int append_shard(iot_writer *w, const char *path, const void *buf, size_t len,
			uint64_t upto, uint64_t *dropped_bytes, uint32_t *bad_chunks,
			struct iot_error *err)
{
	if (!w || !path)
		return -EINVAL;
	if (w->err)
		return w->err;
	int rc = iot_writer_flush(w);
	if (rc)
		return rc;
	iot_reader *r;
	rc = buf ? iot_reader_open_mem(&r, buf, len, path, err) : iot_reader_open(&r, path, err);
	return rc ? rc : append_reader(w, r, upto, dropped_bytes, bad_chunks);
}

int iot_writer_append_trace(iot_writer *w, const char *shard_path, uint64_t *dropped_bytes,
			    uint32_t *bad_chunks, struct iot_error *err)
{
	return append_shard(w, shard_path, NULL, 0, UINT64_MAX, dropped_bytes, bad_chunks, err);
}

int iot_writer_append_trace_upto(iot_writer *w, const char *shard_path, uint64_t upto,
				 uint64_t *dropped_bytes, uint32_t *bad_chunks,
				 struct iot_error *err)
{
	return append_shard(w, shard_path, NULL, 0, upto, dropped_bytes, bad_chunks, err);
}

int iot_writer_append_trace_mem(iot_writer *w, const void *buf, size_t len, const char *name,
				uint64_t *dropped_bytes, uint32_t *bad_chunks,
				struct iot_error *err)
{
	if (!buf)
		return -EINVAL;
	return append_shard(w, name ? name : "(memory)", buf, len, UINT64_MAX, dropped_bytes,
			    bad_chunks, err);
}
