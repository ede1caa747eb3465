/* reader.c - reads .iotr traces: index footer or recovery scan, tables,
 * chunk decoding, and the cursor that merges records by time. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define MAX_WARNINGS 1000

static void release_pages(const iot_reader *r, const struct raw_chunk *c);

/* Decoding state: one for the reader's own calls, one per cursor run. */
struct decoder {
	ZSTD_DCtx *dctx;
	struct buf raw;
	uint8_t *recs; /* decoded records */
	size_t cap_bytes;
	struct arena strings;
};

struct iot_reader {
	char *name;
	const uint8_t *data;
	size_t size;
	bool mapped;
	struct iot_integrity integ;
	struct raw_chunk *raw;
	size_t nraw, capraw;
	struct iot_pid_agg *aggs;
	size_t naggs, capaggs;
	struct iot_chunk_info *idx; /* known streams, file order */
	size_t *idx_raw;            /* idx[i] -> raw index */
	size_t nidx;
	struct iot_error *warn;
	size_t nwarn, capwarn, warn_dropped;
	/* tables */
	struct arena tab;
	struct iot_meta *meta;
	size_t nmeta, capmeta;
	struct u64map str_idx; /* id -> index in strs */
	const char **strs;
	size_t nstrs, capstrs;
	struct iot_file *files;
	size_t nfiles, capfiles;
	struct u64map file_idx;
	struct iot_proc *procs;
	size_t *proc_prev; /* previous entry with the same pid, or SIZE_MAX */
	size_t nprocs, capprocs;
	struct u64map proc_last; /* pid -> newest entry */
	int64_t wall_offset;
	struct decoder dec;
	struct iot_record *recbuf;
	size_t caprecbuf;
};

/* ---- small helpers ---- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 16;
	while (nc < need)
		nc *= 2;
	void *np = realloc(*p, nc * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

static void warnf(iot_reader *r, int code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void warnf(iot_reader *r, int code, uint64_t offset, const char *fmt, ...)
{
	if (r->nwarn >= MAX_WARNINGS ||
	    grow((void **)&r->warn, &r->capwarn, r->nwarn + 1, sizeof *r->warn)) {
		r->warn_dropped++;
		return;
	}
	struct iot_error *e = &r->warn[r->nwarn++];
	e->code = code;
	e->offset = offset;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

static void decoder_free(struct decoder *d)
{
	ZSTD_freeDCtx(d->dctx);
	buf_free(&d->raw);
	free(d->recs);
	arena_free(&d->strings);
	memset(d, 0, sizeof *d);
}

/* Decode raw chunk ri into d->recs as an array of n public structs of the
 * stream's schema, stride `stride` starting `lead` bytes into each slot. */
static int decode_raw_into(iot_reader *r, struct decoder *d, size_t ri, size_t stride,
			   size_t lead, struct arena *strings)
{
	const struct raw_chunk *c = &r->raw[ri];
	const struct stream_schema *s = iot_schema(c->h.stream);
	if (!s)
		return IOT_E_UNKNOWN_STREAM;
	if (!reader_check_payload(r, ri))
		return IOT_E_CORRUPT;
	const uint8_t *comp = r->data + c->offset + IOT_CHUNK_HEADER_SIZE +
			      (uint64_t)c->h.nagg * IOT_AGG_ENTRY_SIZE;
	const uint8_t *payload = comp;
	size_t plen = c->h.comp_size;
	if (c->h.codec == IOT_CODEC_ZSTD) {
		if (!d->dctx && !(d->dctx = ZSTD_createDCtx()))
			return -ENOMEM;
		d->raw.len = 0;
		if (buf_reserve(&d->raw, c->h.raw_size + 1))
			return -ENOMEM;
		size_t got = ZSTD_decompressDCtx(d->dctx, d->raw.p, c->h.raw_size, comp,
						 c->h.comp_size);
		if (ZSTD_isError(got) || got != c->h.raw_size) {
			warnf(r, IOT_E_CORRUPT, c->offset, "%s chunk does not decompress: %s",
			      iot_stream_name(c->h.stream),
			      ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size mismatch");
			r->raw[ri].bad = 1;
			return IOT_E_CORRUPT;
		}
		payload = d->raw.p;
		plen = got;
	} else if (c->h.codec != IOT_CODEC_NONE) {
		warnf(r, IOT_E_CORRUPT, c->offset, "unknown codec %u", c->h.codec);
		return IOT_E_CORRUPT;
	}
	size_t n = c->h.nrecords;
	size_t need = (n + 1) * stride;
	if (need > d->cap_bytes) {
		uint8_t *nr = realloc(d->recs, need);
		if (!nr)
			return -ENOMEM;
		d->recs = nr;
		d->cap_bytes = need;
	}
	int rc = codec_decode(s, payload, plen, c->h.ncols, n, d->recs + lead, stride, strings);
	release_pages(r, c);
	if (rc == IOT_E_CORRUPT) {
		warnf(r, rc, c->offset, "%s chunk payload does not decode",
		      iot_stream_name(c->h.stream));
		r->raw[ri].bad = 1;
	}
	return rc;
}

/* Decode with strings in the decoder's own arena (valid until its next use). */
static int decode_raw(iot_reader *r, struct decoder *d, size_t ri, size_t stride, size_t lead)
{
	arena_reset(&d->strings);
	return decode_raw_into(r, d, ri, stride, lead, &d->strings);
}

/* Chunks found through the footer have their on-disk header checked here,
 * on first use, rather than at open: opening a large trace then touches
 * only its footer. */
static bool check_header_on_disk(iot_reader *r, struct raw_chunk *c)
{
	struct chunk_hdr dh;
	if (!chunk_hdr_unpack(r->data + c->offset, &dh) || dh.stream != c->h.stream ||
	    dh.nrecords != c->h.nrecords || dh.comp_size != c->h.comp_size ||
	    dh.nagg != c->h.nagg || dh.raw_size != c->h.raw_size || dh.ncols != c->h.ncols) {
		c->bad = 1;
		r->integ.corrupt_chunks++;
		warnf(r, IOT_E_CORRUPT, c->offset,
		      "chunk header does not match the index; %s chunk skipped",
		      iot_stream_name(c->h.stream));
		return false;
	}
	c->h.payload_crc = dh.payload_crc;
	c->hdr_ok = 1;
	return true;
}

bool reader_check_payload(iot_reader *r, size_t i)
{
	struct raw_chunk *c = &r->raw[i];
	if (c->bad)
		return false;
	if (!c->hdr_ok && !check_header_on_disk(r, c))
		return false;
	const uint8_t *p = r->data + c->offset + IOT_CHUNK_HEADER_SIZE;
	size_t len = (size_t)c->h.nagg * IOT_AGG_ENTRY_SIZE + c->h.comp_size;
	if (iot_crc32(p, len) != c->h.payload_crc) {
		c->bad = 1;
		r->integ.corrupt_chunks++;
		warnf(r, IOT_E_CORRUPT, c->offset,
		      "%s chunk has a bad checksum; skipped (%" PRIu32 " records)",
		      iot_stream_name(c->h.stream), c->h.nrecords);
		return false;
	}
	return true;
}

/* A mapped chunk that has been decoded is not needed in memory any more:
 * drop its pages from our RSS (they stay in the page cache), so reading a
 * trace costs memory per chunk, not per file. */
static void release_pages(const iot_reader *r, const struct raw_chunk *c)
{
	if (!r->mapped)
		return;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)(r->data + c->offset) & ~(pg - 1);
	uintptr_t hi = ((uintptr_t)(r->data + c->offset + chunk_total_size(&c->h)) + pg - 1) &
		       ~(pg - 1);
	madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

size_t reader_raw_count(const iot_reader *r) { return r->nraw; }
const struct raw_chunk *reader_raw_at(const iot_reader *r, size_t i) { return &r->raw[i]; }
const uint8_t *reader_bytes(const iot_reader *r) { return r->data; }

/* ---- chunk list ---- */

static bool hdr_sane(const struct chunk_hdr *h)
{
	return h->nrecords <= IOT_MAX_CHUNK_RECORDS && h->raw_size <= IOT_MAX_CHUNK_RAW &&
	       h->nagg <= h->nrecords && h->comp_size <= IOT_MAX_CHUNK_RAW * 2u &&
	       h->ncols < 1024 && h->first_ts <= h->last_ts &&
	       (h->codec != IOT_CODEC_NONE || h->comp_size == h->raw_size);
}

static int add_raw(iot_reader *r, uint64_t off, const struct chunk_hdr *h, const uint8_t *aggs)
{
	if (grow((void **)&r->raw, &r->capraw, r->nraw + 1, sizeof *r->raw) ||
	    grow((void **)&r->aggs, &r->capaggs, r->naggs + h->nagg, sizeof *r->aggs))
		return -ENOMEM;
	struct raw_chunk *c = &r->raw[r->nraw++];
	c->offset = off;
	c->h = *h;
	c->agg_index = r->naggs;
	c->bad = 0;
	c->hdr_ok = 1;
	for (uint32_t k = 0; k < h->nagg; k++)
		agg_unpack(aggs + (size_t)k * IOT_AGG_ENTRY_SIZE, &r->aggs[r->naggs++]);
	return 0;
}

/* Read the index footer. Returns 0, or a negative code when the footer is
 * absent or unusable (the caller then scans). */
static int load_footer(iot_reader *r)
{
	if (r->size < IOT_FILE_HEADER_SIZE + IOT_TRAILER_SIZE)
		return -ENOENT;
	const uint8_t *t = r->data + r->size - IOT_TRAILER_SIZE;
	if (get_le32(t) != IOT_TRAILER_MAGIC || get_le32(t + 28) != iot_crc32(t, 28))
		return -ENOENT;
	uint64_t foff = get_le64(t + 8), fsize = get_le64(t + 16);
	if (foff < IOT_FILE_HEADER_SIZE || fsize < 16 || foff > r->size ||
	    fsize != r->size - IOT_TRAILER_SIZE - foff)
		return IOT_E_CORRUPT;
	const uint8_t *f = r->data + foff;
	if (get_le32(f) != IOT_FOOTER_MAGIC || iot_crc32(f, fsize) != get_le32(t + 24))
		return IOT_E_CORRUPT;
	uint64_t n = get_le64(f + 8);
	if (n > (fsize - 16) / IOT_INDEX_ENTRY_SIZE)
		return IOT_E_CORRUPT;
	const uint8_t *e = f + 16, *aggs = e + n * IOT_INDEX_ENTRY_SIZE, *fend = f + fsize;
	uint64_t prev_end = IOT_FILE_HEADER_SIZE;
	for (uint64_t i = 0; i < n; i++, e += IOT_INDEX_ENTRY_SIZE) {
		struct chunk_hdr h = {0};
		uint64_t off = get_le64(e);
		h.stream = get_le16(e + 8);
		h.codec = get_le16(e + 10);
		h.nrecords = get_le32(e + 12);
		h.first_ts = get_le64(e + 16);
		h.last_ts = get_le64(e + 24);
		h.raw_size = get_le32(e + 32);
		h.comp_size = get_le32(e + 36);
		h.nagg = get_le32(e + 40);
		h.ncols = get_le32(e + 44);
		if (!hdr_sane(&h) || off < prev_end || off + chunk_total_size(&h) > foff ||
		    (uint64_t)(fend - aggs) < (uint64_t)h.nagg * IOT_AGG_ENTRY_SIZE)
			goto bad;
		if (add_raw(r, off, &h, aggs))
			return -ENOMEM;
		r->raw[r->nraw - 1].hdr_ok = 0; /* checked on first use */
		aggs += (size_t)h.nagg * IOT_AGG_ENTRY_SIZE;
		prev_end = off + chunk_total_size(&h);
	}
	r->integ.footer_ok = 1;
	r->integ.good_end = r->size;
	return 0;
bad:
	r->nraw = 0;
	r->naggs = 0;
	return IOT_E_CORRUPT;
}

/* Find the next valid chunk header at or after off; size if none. */
static uint64_t resync(const iot_reader *r, uint64_t off)
{
	for (; off + IOT_CHUNK_HEADER_SIZE <= r->size; off++) {
		const uint8_t *p = memchr(r->data + off, 'I', r->size - off);
		if (!p)
			break;
		off = (uint64_t)(p - r->data);
		struct chunk_hdr h;
		if (off + IOT_CHUNK_HEADER_SIZE <= r->size && chunk_hdr_unpack(p, &h) &&
		    hdr_sane(&h))
			return off;
	}
	return r->size;
}

/* Walk the file chunk by chunk (no footer, or a damaged one). */
static int scan_chunks(iot_reader *r)
{
	uint64_t off = IOT_FILE_HEADER_SIZE;
	bool footer_seen = false;
	r->integ.good_end = off;
	while (off < r->size) {
		struct chunk_hdr h;
		if (off + 4 <= r->size && get_le32(r->data + off) == IOT_FOOTER_MAGIC) {
			footer_seen = true;
			break;
		}
		if (off + IOT_CHUNK_HEADER_SIZE > r->size) {
			break;
		}
		if (chunk_hdr_unpack(r->data + off, &h) && hdr_sane(&h)) {
			uint64_t end = off + chunk_total_size(&h);
			if (end > r->size)
				break; /* cut inside this chunk */
			if (add_raw(r, off, &h, r->data + off + IOT_CHUNK_HEADER_SIZE))
				return -ENOMEM;
			off = end;
			r->integ.good_end = off;
			continue;
		}
		uint64_t next = resync(r, off + 1);
		if (next >= r->size)
			break;
		r->integ.corrupt_chunks++;
		warnf(r, IOT_E_CORRUPT, off,
		      "corrupt chunk header; skipped %" PRIu64 " bytes to the next chunk",
		      next - off);
		off = next;
	}
	if (r->integ.good_end < r->size) {
		r->integ.dropped_bytes = r->size - r->integ.good_end;
		if (footer_seen)
			warnf(r, IOT_E_TRUNCATED, r->integ.good_end,
			      "index footer is incomplete or damaged (%" PRIu64
			      " bytes); every chunk was recovered by scanning",
			      r->integ.dropped_bytes);
		else
			warnf(r, IOT_E_TRUNCATED, r->integ.good_end,
		      "trace is truncated: %" PRIu64 " bytes after the last complete chunk dropped",
		      r->integ.dropped_bytes);
	}
	return 0;
}

/* ---- tables ---- */

static int table_string(iot_reader *r, const struct iot_string *s)
{
	if (grow((void **)&r->strs, &r->capstrs, r->nstrs + 1, sizeof *r->strs))
		return -ENOMEM;
	r->strs[r->nstrs] = s->text ? s->text : "";
	return u64map_put(&r->str_idx, s->id, r->nstrs++);
}

static int table_file(iot_reader *r, const struct iot_file *f)
{
	uint64_t k;
	if (u64map_get(&r->file_idx, f->id, &k)) {
		r->files[k] = *f;
		return 0;
	}
	if (grow((void **)&r->files, &r->capfiles, r->nfiles + 1, sizeof *r->files))
		return -ENOMEM;
	r->files[r->nfiles] = *f;
	if (!r->files[r->nfiles].path)
		r->files[r->nfiles].path = "";
	return u64map_put(&r->file_idx, f->id, r->nfiles++);
}

static void proc_merge(struct iot_proc *d, const struct iot_proc *s)
{
#define TAKE(f) if (s->f) d->f = s->f
	TAKE(ts_ns); TAKE(start_ns); TAKE(exit_ns); TAKE(ppid); TAKE(uid); TAKE(gid);
	TAKE(comm); TAKE(exe); TAKE(cmdline); TAKE(cgroup); TAKE(job_id); TAKE(rank);
#undef TAKE
	if (s->exit_status != -1 && (s->exit_ns || s->exit_status != 0))
		d->exit_status = s->exit_status;
}

static int table_proc(iot_reader *r, const struct iot_proc *p)
{
	uint64_t k;
	if (u64map_get(&r->proc_last, p->pid, &k)) {
		struct iot_proc *e = &r->procs[k];
		bool reused = p->start_ns && e->start_ns && p->start_ns != e->start_ns;
		if (!reused) {
			proc_merge(e, p);
			return 0;
		}
	}
	if (grow((void **)&r->procs, &r->capprocs, r->nprocs + 1, sizeof *r->procs))
		return -ENOMEM;
	size_t cap2 = r->capprocs;
	size_t *np = realloc(r->proc_prev, cap2 * sizeof *np);
	if (!np)
		return -ENOMEM;
	r->proc_prev = np;
	r->procs[r->nprocs] = *p;
	r->proc_prev[r->nprocs] = u64map_get(&r->proc_last, p->pid, &k) ? (size_t)k : SIZE_MAX;
	return u64map_put(&r->proc_last, p->pid, r->nprocs++);
}

static int load_tables(iot_reader *r)
{
	struct decoder d = {0};
	int rc = 0;
	for (size_t i = 0; i < r->nraw && rc >= 0; i++) {
		unsigned s = r->raw[i].h.stream;
		if (!stream_known(s) || !iot_schema(s)->table)
			continue;
		const struct stream_schema *sc = iot_schema(s);
		/* strings go to the table arena and live as long as the reader */
		int drc = decode_raw_into(r, &d, i, sc->rec_size, 0, &r->tab);
		if (drc == -ENOMEM) {
			rc = drc;
			break;
		}
		if (drc)
			continue; /* warned */
		for (size_t k = 0; k < r->raw[i].h.nrecords && rc >= 0; k++) {
			const void *rec = d.recs + k * sc->rec_size;
			switch (s) {
			case IOT_STREAM_META:
				if (grow((void **)&r->meta, &r->capmeta, r->nmeta + 1, sizeof *r->meta)) {
					rc = -ENOMEM;
					break;
				}
				r->meta[r->nmeta] = *(const struct iot_meta *)rec;
				if (!r->meta[r->nmeta].key)
					r->meta[r->nmeta].key = "";
				if (!r->meta[r->nmeta].value)
					r->meta[r->nmeta].value = "";
				r->nmeta++;
				break;
			case IOT_STREAM_STRING: rc = table_string(r, rec); break;
			case IOT_STREAM_FILE: rc = table_file(r, rec); break;
			case IOT_STREAM_PROC: rc = table_proc(r, rec); break;
			}
		}
	}
	decoder_free(&d);
	const char *off = iot_reader_meta(r, "clock.wall_offset_ns");
	if (off)
		r->wall_offset = strtoll(off, NULL, 10);
	return rc;
}

static int build_index(iot_reader *r)
{
	r->idx = calloc(r->nraw ? r->nraw : 1, sizeof *r->idx);
	r->idx_raw = calloc(r->nraw ? r->nraw : 1, sizeof *r->idx_raw);
	if (!r->idx || !r->idx_raw)
		return -ENOMEM;
	bool warned = false;
	for (size_t i = 0; i < r->nraw; i++) {
		const struct raw_chunk *c = &r->raw[i];
		if (!stream_known(c->h.stream)) {
			r->integ.unknown_chunks++;
			if (!warned)
				warnf(r, IOT_E_UNKNOWN_STREAM, c->offset,
				      "chunks of unknown stream type %u skipped (written by a newer iorec?)",
				      c->h.stream);
			warned = true;
			continue;
		}
		struct iot_chunk_info *ci = &r->idx[r->nidx];
		ci->offset = c->offset;
		ci->stream = c->h.stream;
		ci->nrecords = c->h.nrecords;
		ci->first_ts = c->h.first_ts;
		ci->last_ts = c->h.last_ts;
		ci->raw_size = c->h.raw_size;
		ci->comp_size = c->h.comp_size;
		ci->codec = c->h.codec;
		ci->nagg = c->h.nagg;
		ci->agg = c->h.nagg ? &r->aggs[c->agg_index] : NULL;
		r->idx_raw[r->nidx++] = i;
	}
	r->integ.nchunks = r->nidx;
	return 0;
}

/* ---- open / close ---- */

static int check_header(iot_reader *r, struct iot_error *err)
{
	const uint8_t *h = r->data;
	if (r->size == 0) {
		iot_set_error(err, IOT_E_EMPTY, 0, "file is empty (0 bytes)");
		return IOT_E_EMPTY;
	}
	size_t cmp = r->size < 8 ? r->size : 8;
	if (memcmp(h, IOT_FILE_MAGIC, cmp) != 0) {
		iot_set_error(err, IOT_E_BADMAGIC, 0, "not an iorec trace (bad magic)");
		return IOT_E_BADMAGIC;
	}
	if (r->size < IOT_FILE_HEADER_SIZE) {
		iot_set_error(err, IOT_E_TRUNCATED, r->size,
			      "trace is truncated inside its %d-byte header", IOT_FILE_HEADER_SIZE);
		return IOT_E_TRUNCATED;
	}
	unsigned major = get_le16(h + 8), minor = get_le16(h + 10);
	r->integ.format_major = major;
	r->integ.format_minor = minor;
	if (get_le32(h + 60) != iot_crc32(h, 60)) {
		iot_set_error(err, IOT_E_CORRUPT, 0, "file header checksum mismatch");
		return IOT_E_CORRUPT;
	}
	if (major != IOT_FORMAT_MAJOR) {
		iot_set_error(err, IOT_E_VERSION, 8,
			      "trace format %u.%u is not readable by this version (reads %d.x); "
			      "use a newer ioanalyze",
			      major, minor, IOT_FORMAT_MAJOR);
		return IOT_E_VERSION;
	}
	if (get_le32(h + 12) != IOT_ENDIAN_TAG) {
		iot_set_error(err, IOT_E_CORRUPT, 12, "unknown byte order tag");
		return IOT_E_CORRUPT;
	}
	return 0;
}

static int open_common(iot_reader *r, struct iot_error *err)
{
	r->integ.file_size = r->size;
	int rc = check_header(r, err);
	if (rc)
		return rc;
	rc = load_footer(r);
	if (rc == -ENOMEM)
		goto oom;
	if (rc) {
		if (rc == IOT_E_CORRUPT)
			warnf(r, IOT_E_CORRUPT, r->size, "index footer is damaged; scanning chunks");
		if ((rc = scan_chunks(r)))
			goto oom;
		if (!r->integ.dropped_bytes && r->integ.corrupt_chunks == 0)
			warnf(r, IOT_E_TRUNCATED, r->integ.good_end,
			      "no index footer (recording did not finish); recovered %zu chunks by scanning",
			      r->nraw);
	}
	if ((rc = build_index(r)) || (rc = load_tables(r)))
		goto oom;
	return 0;
oom:
	iot_set_error(err, rc, 0, "%s", iot_strerror(rc));
	return rc;
}

int iot_reader_open_mem(iot_reader **out, const void *buf, size_t len, const char *name,
			struct iot_error *err)
{
	if (!out || (!buf && len))
		return -EINVAL;
	*out = NULL;
	iot_reader *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->name = strdup(name ? name : "(memory)");
	r->data = buf ? buf : (const uint8_t *)"";
	r->size = len;
	int rc = r->name ? open_common(r, err) : -ENOMEM;
	if (rc) {
		iot_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int iot_reader_open(iot_reader **out, const char *path, struct iot_error *err)
{
	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		iot_set_error(err, rc, 0, "%s", strerror(errno));
		return rc;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		iot_set_error(err, rc, 0, "%s", S_ISDIR(st.st_mode) ? "is a directory"
								 : "not a regular file");
		close(fd);
		return rc;
	}
	const void *map = NULL;
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			int rc = -errno;
			iot_set_error(err, rc, 0, "cannot map file: %s", strerror(errno));
			close(fd);
			return rc;
		}
	}
	close(fd);
	iot_reader *r;
	int rc = iot_reader_open_mem(&r, map, (size_t)st.st_size, path, err);
	if (rc) {
		if (map)
			munmap((void *)map, (size_t)st.st_size);
		return rc;
	}
	r->mapped = map != NULL;
	*out = r;
	return 0;
}

void iot_reader_close(iot_reader *r)
{
	if (!r)
		return;
	if (r->mapped)
		munmap((void *)r->data, r->size);
	free(r->name);
	free(r->raw);
	free(r->aggs);
	free(r->idx);
	free(r->idx_raw);
	free(r->warn);
	arena_free(&r->tab);
	free(r->meta);
	u64map_free(&r->str_idx);
	free(r->strs);
	free(r->files);
	u64map_free(&r->file_idx);
	free(r->procs);
	free(r->proc_prev);
	u64map_free(&r->proc_last);
	decoder_free(&r->dec);
	free(r->recbuf);
	free(r);
}

/* ---- queries ---- */

const char *iot_reader_name(const iot_reader *r) { return r ? r->name : ""; }

void iot_reader_integrity(const iot_reader *r, struct iot_integrity *out)
{
	*out = r->integ;
}

size_t iot_reader_warning_count(const iot_reader *r) { return r->nwarn; }
const struct iot_error *iot_reader_warning(const iot_reader *r, size_t i)
{
	return i < r->nwarn ? &r->warn[i] : NULL;
}

const char *iot_reader_meta(const iot_reader *r, const char *key)
{
	for (size_t i = r->nmeta; i-- > 0;)
		if (strcmp(r->meta[i].key, key) == 0)
			return r->meta[i].value;
	return NULL;
}
size_t iot_reader_meta_count(const iot_reader *r) { return r->nmeta; }
const struct iot_meta *iot_reader_meta_at(const iot_reader *r, size_t i)
{
	return i < r->nmeta ? &r->meta[i] : NULL;
}

const char *iot_reader_string(const iot_reader *r, uint64_t id)
{
	uint64_t k;
	return u64map_get(&r->str_idx, id, &k) ? r->strs[k] : NULL;
}

const struct iot_file *iot_reader_file(const iot_reader *r, uint64_t id)
{
	uint64_t k;
	return u64map_get(&r->file_idx, id, &k) ? &r->files[k] : NULL;
}
size_t iot_reader_file_count(const iot_reader *r) { return r->nfiles; }
const struct iot_file *iot_reader_file_at(const iot_reader *r, size_t i)
{
	return i < r->nfiles ? &r->files[i] : NULL;
}

const struct iot_proc *iot_reader_proc(const iot_reader *r, uint32_t pid, uint64_t ts)
{
	uint64_t k;
	if (!u64map_get(&r->proc_last, pid, &k))
		return NULL;
	size_t i = (size_t)k;
	if (ts == 0)
		return &r->procs[i];
	for (size_t j = i; j != SIZE_MAX; j = r->proc_prev[j])
		if (!r->procs[j].start_ns || r->procs[j].start_ns <= ts)
			return &r->procs[j];
	return &r->procs[i];
}
uint32_t iot_reader_proc_life(const iot_reader *r, uint32_t pid, uint64_t ts)
{
	uint64_t k;
	if (!u64map_get(&r->proc_last, pid, &k) || r->proc_prev[k] == SIZE_MAX)
		return 0;
	return 1 + (uint32_t)(iot_reader_proc(r, pid, ts) - r->procs);
}
size_t iot_reader_proc_count(const iot_reader *r) { return r->nprocs; }
const struct iot_proc *iot_reader_proc_at(const iot_reader *r, size_t i)
{
	return i < r->nprocs ? &r->procs[i] : NULL;
}

uint64_t iot_reader_wall_ns(const iot_reader *r, uint64_t ts_ns)
{
	return ts_ns + (uint64_t)r->wall_offset;
}

int iot_reader_span(const iot_reader *r, uint64_t *first_ts, uint64_t *last_ts)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < r->nidx; i++) {
		const struct iot_chunk_info *c = &r->idx[i];
		if (!stream_is_data(c->stream) || c->nrecords == 0)
			continue;
		lo = c->first_ts < lo ? c->first_ts : lo;
		hi = c->last_ts > hi ? c->last_ts : hi;
	}
	if (lo == UINT64_MAX)
		return -ENOENT;
	if (first_ts)
		*first_ts = lo;
	if (last_ts)
		*last_ts = hi;
	return 0;
}

size_t iot_reader_chunk_count(const iot_reader *r) { return r->nidx; }
const struct iot_chunk_info *iot_reader_chunk(const iot_reader *r, size_t i)
{
	return i < r->nidx ? &r->idx[i] : NULL;
}

size_t iot_reader_seek_chunk(const iot_reader *r, uint32_t stream_mask, uint64_t ts)
{
	for (size_t i = 0; i < r->nidx; i++)
		if ((stream_mask & IOT_STREAM_MASK(r->idx[i].stream)) && r->idx[i].last_ts >= ts)
			return i;
	return r->nidx;
}

int iot_reader_decode_chunk(iot_reader *r, size_t i, const struct iot_record **recs, size_t *n)
{
	if (!r || i >= r->nidx)
		return -EINVAL;
	size_t ri = r->idx_raw[i];
	const struct raw_chunk *c = &r->raw[ri];
	const struct stream_schema *s = iot_schema(c->h.stream);
	int rc = decode_raw(r, &r->dec, ri, sizeof(struct iot_record),
			    offsetof(struct iot_record, u));
	if (rc)
		return rc;
	struct iot_record *out = (struct iot_record *)r->dec.recs;
	for (size_t k = 0; k < c->h.nrecords; k++) {
		out[k].stream = c->h.stream;
		out[k].ts_ns = 0;
		if (s->ts_offset != SIZE_MAX)
			memcpy(&out[k].ts_ns, (const uint8_t *)&out[k].u + s->ts_offset, 8);
	}
	*recs = out;
	*n = c->h.nrecords;
	return 0;
}

int iot_reader_decode_io(iot_reader *r, size_t i, const struct iot_io_event **evs, size_t *n)
{
	if (!r || i >= r->nidx || r->idx[i].stream != IOT_STREAM_IO)
		return -EINVAL;
	int rc = decode_raw(r, &r->dec, r->idx_raw[i], sizeof(struct iot_io_event), 0);
	if (rc)
		return rc;
	*evs = (const struct iot_io_event *)r->dec.recs;
	*n = r->idx[i].nrecords;
	return 0;
}

/* ---- cursor ---- */

struct run {
	size_t reader;
	size_t chunk;      /* public index in that reader */
	unsigned stream;
	const struct stream_schema *s;
	struct decoder dec;
	size_t pos, n;
	int64_t shift;     /* added to ts to get the merge key */
	uint64_t seq;      /* tie breaker: activation order */
};

struct pending {
	uint64_t key; /* first_ts + shift */
	size_t reader, chunk;
};

struct iot_cursor {
	iot_reader **readers;
	size_t nreaders;
	uint32_t mask;
	struct pending *pend; /* all chunks, sorted by key */
	size_t npend, next;
	struct run **heap;
	size_t nheap, capheap;
	struct run **pool; /* finished runs, buffers kept */
	size_t npool, cappool;
	uint64_t from;
	uint64_t seq;
	struct iot_record rec;
};

static inline uint64_t run_key(const struct run *u)
{
	uint64_t ts;
	memcpy(&ts, u->dec.recs + u->pos * u->s->rec_size + u->s->ts_offset, 8);
	return ts + (uint64_t)u->shift;
}

static inline bool run_less(const struct run *a, const struct run *b)
{
	uint64_t ka = run_key(a), kb = run_key(b);
	return ka < kb || (ka == kb && a->seq < b->seq);
}

static void heap_down(iot_cursor *c, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < c->nheap && run_less(c->heap[l], c->heap[m]))
			m = l;
		if (l + 1 < c->nheap && run_less(c->heap[l + 1], c->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		struct run *t = c->heap[i];
		c->heap[i] = c->heap[m];
		c->heap[m] = t;
		i = m;
	}
}

static void heap_up(iot_cursor *c, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!run_less(c->heap[i], c->heap[p]))
			return;
		struct run *t = c->heap[i];
		c->heap[i] = c->heap[p];
		c->heap[p] = t;
		i = p;
	}
}

static int pend_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->reader != y->reader)
		return x->reader < y->reader ? -1 : 1;
	return x->chunk < y->chunk ? -1 : x->chunk > y->chunk;
}

int iot_cursor_open(iot_cursor **out, iot_reader *const *readers, size_t nreaders,
		    uint32_t stream_mask)
{
	if (!out || (!readers && nreaders))
		return -EINVAL;
	*out = NULL;
	iot_cursor *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->readers = malloc((nreaders ? nreaders : 1) * sizeof *c->readers);
	if (!c->readers)
		goto oom;
	memcpy(c->readers, readers, nreaders * sizeof *readers);
	c->nreaders = nreaders;
	uint32_t data_mask = 0;
	for (unsigned s = 1; s <= IOT_STREAM__MAX; s++)
		if (stream_is_data(s))
			data_mask |= IOT_STREAM_MASK(s);
	c->mask = stream_mask & data_mask;
	size_t total = 0;
	for (size_t i = 0; i < nreaders; i++)
		total += readers[i]->nidx;
	c->pend = malloc((total ? total : 1) * sizeof *c->pend);
	if (!c->pend)
		goto oom;
	for (size_t i = 0; i < nreaders; i++) {
		const iot_reader *r = readers[i];
		int64_t shift = nreaders > 1 ? r->wall_offset : 0;
		for (size_t k = 0; k < r->nidx; k++) {
			const struct iot_chunk_info *ci = &r->idx[k];
			if (!(c->mask & IOT_STREAM_MASK(ci->stream)) || !ci->nrecords)
				continue;
			c->pend[c->npend++] =
				(struct pending){ci->first_ts + (uint64_t)shift, i, k};
		}
	}
	qsort(c->pend, c->npend, sizeof *c->pend, pend_cmp);
	*out = c;
	return 0;
oom:
	iot_cursor_close(c);
	return -ENOMEM;
}

static void run_release(iot_cursor *c, struct run *u)
{
	if (grow((void **)&c->pool, &c->cappool, c->npool + 1, sizeof *c->pool)) {
		decoder_free(&u->dec);
		free(u);
		return;
	}
	c->pool[c->npool++] = u;
}

int iot_cursor_seek(iot_cursor *c, uint64_t from_ts)
{
	if (!c)
		return -EINVAL;
	for (size_t i = 0; i < c->nheap; i++)
		run_release(c, c->heap[i]);
	c->nheap = 0;
	c->next = 0;
	c->from = from_ts;
	/* skip chunks that end before from_ts */
	return 0;
}

/* Decode pending chunk p into a run and push it on the heap. */
static int activate(iot_cursor *c, const struct pending *p)
{
	iot_reader *r = c->readers[p->reader];
	const struct iot_chunk_info *ci = &r->idx[p->chunk];
	int64_t shift = c->nreaders > 1 ? r->wall_offset : 0;
	if (c->from && ci->last_ts + (uint64_t)shift < c->from)
		return 0;
	struct run *u = c->npool ? c->pool[--c->npool] : calloc(1, sizeof *u);
	if (!u)
		return -ENOMEM;
	u->reader = p->reader;
	u->chunk = p->chunk;
	u->stream = ci->stream;
	u->s = iot_schema(ci->stream);
	u->shift = shift;
	u->seq = c->seq++;
	int rc = decode_raw(r, &u->dec, r->idx_raw[p->chunk], u->s->rec_size, 0);
	if (rc) {
		run_release(c, u);
		return rc == -ENOMEM ? rc : 0; /* corrupt: warned and skipped */
	}
	u->n = ci->nrecords;
	u->pos = 0;
	while (u->pos < u->n && run_key(u) < c->from)
		u->pos++;
	if (u->pos >= u->n) {
		run_release(c, u);
		return 0;
	}
	if (grow((void **)&c->heap, &c->capheap, c->nheap + 1, sizeof *c->heap)) {
		run_release(c, u);
		return -ENOMEM;
	}
	c->heap[c->nheap++] = u;
	heap_up(c, c->nheap - 1);
	return 0;
}

int iot_cursor_next(iot_cursor *c, const struct iot_record **rec, size_t *reader_index)
{
	if (!c)
		return -EINVAL;
	/* Activate every chunk that could hold a record at or before the
	 * current smallest key: records of later chunks cannot come first. */
	while (c->next < c->npend &&
	       (c->nheap == 0 || c->pend[c->next].key <= run_key(c->heap[0]))) {
		int rc = activate(c, &c->pend[c->next++]);
		if (rc)
			return rc;
	}
	if (c->nheap == 0)
		return 0;
	struct run *u = c->heap[0];
	c->rec.stream = u->stream;
	memcpy(&c->rec.u, u->dec.recs + u->pos * u->s->rec_size, u->s->rec_size);
	memcpy(&c->rec.ts_ns, u->dec.recs + u->pos * u->s->rec_size + u->s->ts_offset, 8);
	if (reader_index)
		*reader_index = u->reader;
	*rec = &c->rec;
	if (++u->pos >= u->n) {
		c->heap[0] = c->heap[--c->nheap];
		run_release(c, u);
	}
	if (c->nheap)
		heap_down(c, 0);
	return 1;
}

void iot_cursor_close(iot_cursor *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nheap; i++) {
		decoder_free(&c->heap[i]->dec);
		free(c->heap[i]);
	}
	for (size_t i = 0; i < c->npool; i++) {
		decoder_free(&c->pool[i]->dec);
		free(c->pool[i]);
	}
	free(c->heap);
	free(c->pool);
	free(c->pend);
	free(c->readers);
	free(c);
}
