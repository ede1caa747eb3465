/* check_format.c - libiotrace: round trips, recovery, corruption, merging. */
#include "format/iotrace.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_format.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *tpath(const char *name)
{
	static char p[4][PATH_MAX + 80];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
	return p[k];
}

static iot_reader *open_ok(const char *path)
{
	iot_reader *r = NULL;
	struct iot_error err = {0};
	int rc = iot_reader_open(&r, path, &err);
	ck_assert_msg(rc == 0, "open %s: %s at %" PRIu64 ": %s", path, iot_strerror(rc),
		      err.offset, err.msg);
	return r;
}

/* Deterministic pseudo-random numbers. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t xrand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct iot_io_event make_event(uint64_t i)
{
	struct iot_io_event e = {0};
	e.ts_ns = 1000000000ULL + i * 700 + (xrand() % 100);
	e.dur_ns = 300 + xrand() % 400;
	e.pid = 100 + (uint32_t)(i % 3);
	e.tid = e.pid + (uint32_t)(i % 2);
	e.op = (uint16_t)(i % 5 == 0 ? IOT_OP_OPENAT : IOT_OP_PREAD);
	e.source = IOT_SRC_EBPF;
	e.ftype = IOT_FT_REG;
	e.fd = 3 + (int32_t)(i % 4);
	e.file_id = 1 + i % 7;
	e.offset = (int64_t)(i * 4096);
	e.size = 4096;
	e.result = (i % 11 == 0) ? -ENOENT : 4096;
	return e;
}

static int ev_eq(const struct iot_io_event *a, const struct iot_io_event *b)
{
	return a->ts_ns == b->ts_ns && a->dur_ns == b->dur_ns && a->pid == b->pid &&
	       a->tid == b->tid && a->op == b->op && a->source == b->source &&
	       a->ftype == b->ftype && a->fd == b->fd && a->flags == b->flags &&
	       a->eflags == b->eflags && a->file_id == b->file_id && a->offset == b->offset &&
	       a->size == b->size && a->result == b->result;
}

/* Decode I/O chunk c of r and check each event against want[*got], on
 * from there; *n = its event count. */
static const struct iot_io_event *expect_events(iot_reader *r, size_t c,
						 const struct iot_io_event *want, size_t *got,
						 size_t *n)
{
	const struct iot_io_event *e;
	ck_assert_int_eq(iot_reader_decode_io(r, c, &e, n), 0);
	for (size_t k = 0; k < *n; k++, (*got)++)
		ck_assert_msg(ev_eq(&e[k], &want[*got]), "event %zu differs", *got);
	return e;
}

/* XOR the byte at offset at of file path with mask (damage on purpose). */
static void flip_byte(const char *path, uint64_t at, uint8_t mask)
{
	int fd = open(path, O_RDWR);
	uint8_t b;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &b, 1, (off_t)at), 1);
	b ^= mask;
	ck_assert_int_eq(pwrite(fd, &b, 1, (off_t)at), 1);
	close(fd);
}

/* ---- op table ---- */

START_TEST(test_path_under)
{
	ck_assert(iot_path_under("/scratch", "/scratch"));
	ck_assert(iot_path_under("/scratch/a/b", "/scratch"));
	ck_assert(!iot_path_under("/scratch2/a", "/scratch"));
	ck_assert(!iot_path_under("/scr", "/scratch"));
	ck_assert(iot_path_under("/scratch/a", "/scratch/"));
	ck_assert(!iot_path_under("/scratch", "/scratch/"));
	ck_assert(iot_path_under("/etc/passwd", "/"));
	ck_assert(!iot_path_under("/data/out.bin.bak", "/data/out.bin"));
	ck_assert(!iot_path_under(NULL, "/"));
}
END_TEST

START_TEST(test_op_table)
{
	ck_assert_str_eq(iot_op_name(IOT_OP_PREAD), "pread");
	ck_assert_int_eq(iot_op_category(IOT_OP_PREAD), IOT_CAT_READ);
	ck_assert_int_eq(iot_op_category(IOT_OP_PWRITEV2), IOT_CAT_WRITE);
	ck_assert_int_eq(iot_op_category(IOT_OP_FSYNC), IOT_CAT_SYNC);
	ck_assert_int_eq(iot_op_category(IOT_OP_RENAMEAT2), IOT_CAT_META);
	ck_assert_int_eq(iot_op_from_name("statx"), IOT_OP_STATX);
	ck_assert_int_eq(iot_op_from_name("nope"), -1);
	ck_assert_str_eq(iot_op_name(60000), "unknown");
	/* every name is unique and maps back */
	for (unsigned i = 0; i < IOT_OP__COUNT; i++)
		ck_assert_int_eq(iot_op_from_name(iot_op_name(i)), (int)i);
	ck_assert_str_eq(iot_strerror(IOT_E_VERSION),
			 "trace format version is newer than this reader");
	ck_assert_str_eq(iot_strerror(-ENOENT), strerror(ENOENT));
}
END_TEST

/* ---- round trips ---- */

START_TEST(test_roundtrip_io_many_chunks)
{
	make_tmpdir();
	const char *p = tpath("rt.iotr");
	struct iot_writer_opts o = {.chunk_records = 1000};
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, p, &o), 0);
	enum { N = 25000 };
	struct iot_io_event *ev = malloc(N * sizeof *ev);
	for (int i = 0; i < N; i++) {
		ev[i] = make_event((uint64_t)i);
		ck_assert_int_eq(iot_writer_add_io(w, &ev[i]), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);

	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	iot_reader *r = open_ok(p);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_int_eq(in.footer_ok, 1);
	ck_assert_int_eq(in.dropped_bytes, 0);
	ck_assert_int_eq(in.corrupt_chunks, 0);
	ck_assert_uint_eq(iot_reader_warning_count(r), 0);
	size_t got = 0, io_chunks = 0;
	uint64_t agg_read = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_chunk_info *ci = iot_reader_chunk(r, c);
		if (ci->stream != IOT_STREAM_IO)
			continue;
		io_chunks++;
		size_t n;
		const struct iot_io_event *e = expect_events(r, c, ev, &got, &n);
		ck_assert_uint_eq(n, ci->nrecords);
		ck_assert_uint_eq(ci->first_ts, e[0].ts_ns);
		ck_assert_uint_eq(ci->last_ts, e[n - 1].ts_ns);
		for (uint32_t a = 0; a < ci->nagg; a++)
			agg_read += ci->agg[a].read_ops;
	}
	ck_assert_uint_eq(got, N);
	ck_assert_uint_eq(io_chunks, N / 1000);
	/* aggregates: preads with a non-negative result are read ops */
	uint64_t want_read = 0;
	for (int i = 0; i < N; i++)
		want_read += iot_op_category(ev[i].op) == IOT_CAT_READ;
	ck_assert_uint_eq(agg_read, want_read);
	iot_reader_close(r);
	free(ev);
	rm_tmpdir();
}
END_TEST

/* An event no codec can predict: random time steps, sizes and offsets. */
static struct iot_io_event dense_event(uint64_t i)
{
	struct iot_io_event e = make_event(i);
	e.ts_ns = 1000000000ULL + i * 100000 + xrand() % 100000;
	e.dur_ns = xrand() % 1000000;
	e.offset = (int64_t)(xrand() >> 1);
	e.size = xrand() % 1048576;
	e.result = (int64_t)(xrand() % 1048576);
	e.fd = (int32_t)(xrand() % 1000);
	e.file_id = 1 + xrand() % 100000;
	return e;
}

static size_t count_io(iot_reader *r);

/* zstd_min_gain: dense chunks are stored as is after one that zstd did
 * not shrink enough, the stream is tried again after the run, and
 * compressible chunks go back to zstd; both kinds read back alike. */
START_TEST(test_store_when_zstd_does_not_pay)
{
	make_tmpdir();
	const char *p = tpath("store.iotr");
	struct iot_writer_opts bad = {.zstd_min_gain = 101};
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, p, &bad), -EINVAL);
	struct iot_writer_opts o = {.chunk_records = 1000, .zstd_min_gain = 25};
	ck_assert_int_eq(iot_writer_open(&w, p, &o), 0);
	enum { DENSE = 20000, N = 40000 };
	struct iot_io_event *ev = malloc(N * sizeof *ev);
	for (int i = 0; i < N; i++) {
		ev[i] = i < DENSE ? dense_event((uint64_t)i) : make_event((uint64_t)i);
		ev[i].ts_ns += i < DENSE ? 0 : DENSE * 100000ULL;
		ck_assert_int_eq(iot_writer_add_io(w, &ev[i]), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);

	/* chunks 0 and 16 are tried on dense data and set a store run of 15;
	 * 17-31 are stored untried although compressible from 20 on */
	iot_reader *r = open_ok(p);
	size_t got = 0, k = 0;
	uint64_t stored_at = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_chunk_info *ci = iot_reader_chunk(r, c);
		if (ci->stream != IOT_STREAM_IO)
			continue;
		if (k % 16 != 0 && k < 32) {
			ck_assert_msg(ci->codec == 0, "chunk %zu not stored", k);
			ck_assert_uint_eq(ci->comp_size, ci->raw_size);
			if (!stored_at)
				stored_at = ci->offset + 64 + ci->nagg * 40ULL + ci->comp_size / 2;
		} else if (k >= 32) {
			ck_assert_msg(ci->codec == 1 && ci->comp_size * 2 < ci->raw_size,
				      "chunk %zu: codec %u, %u of %u bytes", k, ci->codec,
				      ci->comp_size, ci->raw_size);
		}
		k++;
		size_t n;
		expect_events(r, c, ev, &got, &n);
	}
	ck_assert_uint_eq(got, N);
	ck_assert_uint_eq(k, N / 1000);
	iot_reader_close(r);

	/* a damaged stored chunk is caught by its checksum like any other */
	flip_byte(p, stored_at, 0x01);
	r = open_ok(p);
	ck_assert_uint_eq(count_io(r), N - 1000);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_uint_eq(in.corrupt_chunks, 1);
	iot_reader_close(r);
	free(ev);
	rm_tmpdir();
}
END_TEST

/* store_bytes: chunks are stored while the file is smaller, compressed
 * after. Appending such a shard compresses its stored chunks on the way:
 * the merged file holds the same events and aggregates, zstd-compressed,
 * with valid checksums. */
START_TEST(test_store_bytes_then_merge_compresses)
{
	make_tmpdir();
	const char *sp = tpath("stored-shard.iotr"), *mp = tpath("merged-z.iotr");
	enum { N = 20000, LIMIT = 40000 };
	struct iot_writer_opts o = {.flags = IOT_W_DIRECT, .chunk_records = 1000,
				    .store_bytes = LIMIT};
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, sp, &o), 0);
	struct iot_io_event *ev = malloc(N * sizeof *ev);
	for (int i = 0; i < N; i++) {
		ev[i] = make_event((uint64_t)i);
		ck_assert_int_eq(iot_writer_add_io(w, &ev[i]), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);
	iot_reader *r = open_ok(sp);
	size_t stored = 0, packed = 0;
	uint64_t agg_ops[2] = {0, 0}; /* ops and io time of every aggregate */
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_chunk_info *ci = iot_reader_chunk(r, c);
		if (ci->stream != IOT_STREAM_IO)
			continue;
		if (ci->offset < LIMIT) {
			ck_assert_msg(ci->codec == 0, "chunk at %" PRIu64 " not stored", ci->offset);
			stored++;
		} else {
			ck_assert_msg(ci->codec == 1, "chunk at %" PRIu64 " stored", ci->offset);
			packed++;
		}
		for (uint32_t a = 0; a < ci->nagg; a++)
			agg_ops[0] += ci->agg[a].read_ops + ci->agg[a].write_ops + ci->agg[a].io_time_ns;
	}
	ck_assert_uint_ge(stored, 2);
	ck_assert_uint_ge(packed, 2);
	iot_reader_close(r);

	iot_writer *m;
	ck_assert_int_eq(iot_writer_open(&m, mp, NULL), 0);
	uint64_t dropped = 1;
	uint32_t bad = 1;
	ck_assert_int_eq(iot_writer_append_trace(m, sp, &dropped, &bad, NULL), 0);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(bad, 0);
	ck_assert_int_eq(iot_writer_close(m), 0);
	r = open_ok(mp);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_uint_eq(in.corrupt_chunks, 0);
	size_t got = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_chunk_info *ci = iot_reader_chunk(r, c);
		if (ci->stream != IOT_STREAM_IO)
			continue;
		ck_assert_msg(ci->codec == 1 && ci->comp_size < ci->raw_size,
			      "merged chunk %zu: codec %u", c, ci->codec);
		for (uint32_t a = 0; a < ci->nagg; a++)
			agg_ops[1] += ci->agg[a].read_ops + ci->agg[a].write_ops + ci->agg[a].io_time_ns;
		size_t n;
		expect_events(r, c, ev, &got, &n);
	}
	ck_assert_uint_eq(got, N);
	ck_assert_uint_gt(agg_ops[0], N);
	ck_assert_uint_eq(agg_ops[1], agg_ops[0]);
	iot_reader_close(r);
	free(ev);
	rm_tmpdir();
}
END_TEST

static off_t file_size(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	char *p = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* write_buffer: small chunks gather in memory and reach the file
 * together, at iot_writer_flush(), when the buffer is full, when they
 * are flush_age_ns old, and at close; the file is byte for byte the one
 * a writer without the buffer makes (but for the header's file id). */
START_TEST(test_write_buffer)
{
	make_tmpdir();
	const char *pa = tpath("buffered.iotr"), *pb = tpath("plain.iotr");
	enum { N = 20000, WB = 16384 };
	struct iot_writer_opts o = {.flags = IOT_W_DIRECT | IOT_W_NO_AUTO_META,
				    .chunk_records = 250, .flush_age_ns = 3600000000000ull};
	iot_writer *wa, *wb;
	ck_assert_int_eq(iot_writer_open(&wb, pb, &o), 0);
	o.write_buffer = WB;
	ck_assert_int_eq(iot_writer_open(&wa, pa, &o), 0);
	for (int i = 0; i < N; i++) {
		struct iot_io_event e = make_event((uint64_t)i);
		ck_assert_int_eq(iot_writer_add_io(wa, &e), 0);
		ck_assert_int_eq(iot_writer_add_io(wb, &e), 0);
		if (i == N / 2) {
			/* some went out, the last few chunks wait */
			uint64_t made = iot_writer_bytes(wa);
			off_t on_disk = file_size(pa);
			ck_assert_int_gt(on_disk, 0);
			ck_assert_uint_lt((uint64_t)on_disk, made);
			ck_assert_uint_le(made - (uint64_t)on_disk, WB);
			ck_assert_int_eq(iot_writer_flush(wa), 0);
			ck_assert_uint_eq((uint64_t)file_size(pa), iot_writer_bytes(wa));
			ck_assert_int_eq(iot_writer_flush(wb), 0);
		}
	}
	ck_assert_int_eq(iot_writer_close(wa), 0);
	ck_assert_int_eq(iot_writer_close(wb), 0);
	size_t la, lb;
	char *a = slurp(pa, &la), *b = slurp(pb, &lb);
	ck_assert_uint_eq(la, lb);
	/* after the 64-byte file header (a random file id, the time) */
	ck_assert_uint_gt(la, 64);
	ck_assert_msg(memcmp(a + 64, b + 64, la - 64) == 0, "buffered and plain files differ");
	free(a);
	free(b);
	iot_reader *r = open_ok(pa);
	ck_assert_uint_eq(count_io(r), N);
	iot_reader_close(r);

	/* by age: a chunk in the buffer goes out once it is flush_age_ns old
	 * (checked as records are added) */
	const char *pc = tpath("aged.iotr");
	o.flush_age_ns = 20000000; /* 20 ms */
	ck_assert_int_eq(iot_writer_open(&wa, pc, &o), 0);
	off_t header = file_size(pc);
	for (int i = 0; i < 250; i++) { /* one full chunk: into the buffer */
		struct iot_io_event e = make_event((uint64_t)i);
		ck_assert_int_eq(iot_writer_add_io(wa, &e), 0);
	}
	ck_assert_int_eq(file_size(pc), header);
	usleep(60000);
	for (int i = 0; i < 256; i++) { /* the age is checked every 256 adds */
		struct iot_io_event e = make_event((uint64_t)(250 + i));
		ck_assert_int_eq(iot_writer_add_io(wa, &e), 0);
	}
	ck_assert_int_gt(file_size(pc), header);
	ck_assert_int_eq(iot_writer_close(wa), 0);
	r = open_ok(pc);
	ck_assert_uint_eq(count_io(r), 506);
	iot_reader_close(r);
	rm_tmpdir();
}
END_TEST

/* A writer in memory: its bytes are a trace (read back from memory,
 * merged from memory); spilled into a file half way, the file holds
 * every event and no byte twice. */
/* A writer's temporary name says which file and which process it is
 * for (iorec --salvage reads it back). */
START_TEST(test_tmp_target)
{
	char out[256];
	int pid = 0;
	make_tmpdir();
	const char *fp = tpath("named.iotr");
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, fp, NULL), 0);
	char dir[256], tmp[512] = "";
	snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(fp, '/') - fp), fp);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, ".named.iotr.tmp.", 16))
			snprintf(tmp, sizeof tmp, "%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
	ck_assert_int_eq(iot_writer_tmp_target(tmp, out, sizeof out, &pid), 1);
	ck_assert_str_eq(out, fp);
	ck_assert_int_eq(pid, getpid());
	ck_assert_int_eq(iot_writer_close(w), 0);
	ck_assert_int_eq(iot_writer_tmp_target("d/.a.tmp.b.tmp.7.0123abcd", out, sizeof out, &pid), 1);
	ck_assert_str_eq(out, "d/a.tmp.b");
	ck_assert_int_eq(pid, 7);
	ck_assert_int_eq(iot_writer_tmp_target("run.iotr", out, sizeof out, &pid), 0);
	ck_assert_int_eq(iot_writer_tmp_target(".run.iotr.tmp.7.xyz", out, sizeof out, &pid), 0);
	ck_assert_int_eq(iot_writer_tmp_target(".run.iotr.tmp.0.0123abcd", out, sizeof out, &pid), 0);
}
END_TEST

START_TEST(test_memory_writer_and_spill)
{
	make_tmpdir();
	const char *fp = tpath("spilled.iotr"), *mp = tpath("merged-mem.iotr");
	enum { N = 5000 };
	struct iot_writer_opts o = {.flags = IOT_W_NO_AUTO_META, .chunk_records = 1000,
				    .store_bytes = 1u << 30};
	struct iot_io_event *ev = malloc(N * sizeof *ev);
	for (int i = 0; i < N; i++)
		ev[i] = make_event((uint64_t)i);

	iot_writer *w;
	size_t len;
	ck_assert_int_eq(iot_writer_open_mem(&w, &o), 0);
	ck_assert_ptr_nonnull(iot_writer_mem(w, &len));
	ck_assert_uint_eq(len, 64); /* the file header */
	for (int i = 0; i < N / 2; i++)
		ck_assert_int_eq(iot_writer_add_io(w, &ev[i]), 0);
	ck_assert_int_eq(iot_writer_flush(w), 0);
	const void *mem = iot_writer_mem(w, &len);
	ck_assert_uint_eq(len, iot_writer_bytes(w));
	/* the bytes so far: a trace (no footer) of the first half */
	void *copy = malloc(len);
	memcpy(copy, mem, len);
	iot_reader *r;
	ck_assert_int_eq(iot_reader_open_mem(&r, copy, len, "mem", NULL), 0);
	size_t got = 0, n;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++)
		if (iot_reader_chunk(r, c)->stream == IOT_STREAM_IO)
			expect_events(r, c, ev, &got, &n);
	ck_assert_uint_eq(got, N / 2);
	iot_reader_close(r);
	/* merged from memory: the same events */
	iot_writer *m;
	ck_assert_int_eq(iot_writer_open(&m, mp, NULL), 0);
	uint64_t dropped = 1;
	uint32_t bad = 1;
	ck_assert_int_eq(iot_writer_append_trace_mem(m, copy, len, "mem", &dropped, &bad, NULL), 0);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(bad, 0);
	ck_assert_int_eq(iot_writer_close(m), 0);
	r = open_ok(mp);
	got = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++)
		if (iot_reader_chunk(r, c)->stream == IOT_STREAM_IO)
			expect_events(r, c, ev, &got, &n);
	ck_assert_uint_eq(got, N / 2);
	iot_reader_close(r);

	ck_assert_int_eq(iot_writer_set_fd(w, 0), -1); /* in memory: no descriptor */
	/* into a file, then on there */
	ck_assert_int_eq(iot_writer_spill(w, fp), 0);
	ck_assert_ptr_null(iot_writer_mem(w, &len));
	ck_assert_int_eq(iot_writer_spill(w, fp), -EALREADY);
	for (int i = N / 2; i < 3 * N / 4; i++)
		ck_assert_int_eq(iot_writer_add_io(w, &ev[i]), 0);
	/* moved to another descriptor of the file (as the preload library
	 * does when an application dup2s onto its number), and the old
	 * number given to another file: the rest still reaches the trace */
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(devnull, 0);
	int old = iot_writer_set_fd(w, devnull);
	ck_assert_int_ge(old, 0);
	int moved = fcntl(old, F_DUPFD_CLOEXEC, 3);
	ck_assert_int_eq(iot_writer_set_fd(w, moved), devnull);
	ck_assert_int_eq(dup2(devnull, old), old);
	for (int i = 3 * N / 4; i < N; i++)
		ck_assert_int_eq(iot_writer_add_io(w, &ev[i]), 0);
	ck_assert_int_eq(iot_writer_close(w), 0);
	close(old);
	close(devnull);
	r = open_ok(fp);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_uint_eq(in.corrupt_chunks, 0);
	ck_assert_uint_eq(in.dropped_bytes, 0);
	got = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++)
		if (iot_reader_chunk(r, c)->stream == IOT_STREAM_IO)
			expect_events(r, c, ev, &got, &n);
	ck_assert_uint_eq(got, N);
	iot_reader_close(r);
	/* a spill never replaces a file */
	ck_assert_int_eq(iot_writer_open_mem(&w, &o), 0);
	ck_assert_int_eq(iot_writer_spill(w, fp), -EEXIST);
	ck_assert_ptr_nonnull(iot_writer_mem(w, &len));
	ck_assert_int_eq(iot_writer_abandon(w), 0);
	free(copy);
	free(ev);
	rm_tmpdir();
}
END_TEST

/* Events written in place (iot_writer_io_room/commit) in runs of every
 * length, partial commits and runs cut by the chunk end, mixed with
 * add_io and add_file: the same trace as event by event. */
START_TEST(test_io_room_in_place)
{
	make_tmpdir();
	const char *p = tpath("room.iotr");
	struct iot_writer_opts o = {.chunk_records = 97};
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, p, &o), 0);
	enum { N = 5000 };
	struct iot_io_event *ev = malloc(N * sizeof *ev);
	for (int i = 0; i < N; i++)
		ev[i] = make_event((uint64_t)i);
	size_t i = 0, run = 1;
	while (i < N) {
		if (run % 7 == 0) {
			ck_assert_int_eq(iot_writer_add_io(w, &ev[i++]), 0);
			struct iot_file f = {.id = 1 + run % 7, .path = "/data/in-between"};
			ck_assert_int_eq(iot_writer_add_file(w, &f), 0);
		} else {
			size_t want = run % 150 + 1, room;
			if (want > N - i)
				want = N - i;
			struct iot_io_event *slot = iot_writer_io_room(w, want, &room);
			ck_assert_ptr_nonnull(slot);
			ck_assert_uint_ge(room, 1);
			ck_assert_uint_le(room, want);
			ck_assert_uint_le(room, 97);
			/* commit fewer than offered now and then */
			size_t k = run % 5 == 0 && room > 1 ? room - 1 : room;
			memcpy(slot, &ev[i], k * sizeof *slot);
			ck_assert_int_eq(iot_writer_io_commit(w, k), 0);
			i += k;
		}
		run++;
	}
	ck_assert_int_eq(iot_writer_io_commit(w, 0), 0);
	/* more than the room: refused, and the writer goes on */
	ck_assert_int_eq(iot_writer_io_commit(w, 1000), -EINVAL);
	ck_assert_int_eq(iot_writer_close(w), 0);
	iot_reader *r = open_ok(p);
	size_t got = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_chunk_info *ci = iot_reader_chunk(r, c);
		if (ci->stream != IOT_STREAM_IO)
			continue;
		ck_assert_uint_le(ci->nrecords, 97);
		size_t n;
		expect_events(r, c, ev, &got, &n);
	}
	ck_assert_uint_eq(got, N);
	ck_assert_ptr_nonnull(iot_reader_file(r, 1));
	iot_reader_close(r);
	free(ev);
	rm_tmpdir();
}
END_TEST

START_TEST(test_roundtrip_edges)
{
	make_tmpdir();
	const char *p = tpath("edges.iotr");
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, p, NULL), 0);
	struct iot_io_event e[6] = {0};
	/* zero, max u64, negative results, huge time gaps, max/min fields */
	e[0].ts_ns = 0;
	e[1].ts_ns = 1;
	e[1].dur_ns = UINT64_MAX;
	e[1].offset = INT64_MAX;
	e[1].size = UINT64_MAX;
	e[1].result = INT64_MIN;
	e[1].pid = UINT32_MAX;
	e[1].tid = UINT32_MAX;
	e[1].fd = INT32_MIN;
	e[1].flags = UINT32_MAX;
	e[1].eflags = UINT32_MAX;
	e[1].op = UINT16_MAX;
	e[1].source = 255;
	e[1].ftype = 255;
	e[1].file_id = UINT64_MAX;
	e[2].ts_ns = UINT64_MAX / 2;
	e[2].offset = -1;
	e[2].result = -EIO;
	e[3].ts_ns = UINT64_MAX / 2 + 5;
	e[3].offset = INT64_MIN;
	e[3].result = INT64_MAX;
	e[4].ts_ns = UINT64_MAX - 1;
	e[4].dur_ns = 12345;
	e[5].ts_ns = UINT64_MAX;
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(iot_writer_add_io(w, &e[i]), 0);
	ck_assert_int_eq(iot_writer_close(w), 0);
	iot_reader *r = open_ok(p);
	size_t c = iot_reader_seek_chunk(r, IOT_STREAM_MASK(IOT_STREAM_IO), 0);
	const struct iot_io_event *d;
	size_t n;
	ck_assert_int_eq(iot_reader_decode_io(r, c, &d, &n), 0);
	ck_assert_uint_eq(n, 6);
	for (int i = 0; i < 6; i++)
		ck_assert_msg(ev_eq(&d[i], &e[i]), "edge event %d differs", i);
	iot_reader_close(r);
	rm_tmpdir();
}
END_TEST

START_TEST(test_roundtrip_all_streams)
{
	make_tmpdir();
	const char *p = tpath("all.iotr");
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, p, NULL), 0);
	ck_assert_int_eq(iot_writer_set_meta(w, "host.name", "node01"), 0);
	ck_assert_int_eq(iot_writer_set_meta(w, "rec.job_id", "4242"), 0);
	ck_assert_int_eq(iot_writer_set_meta(w, "host.name", "node02"), 0); /* later wins */
	struct iot_proc pr = {.ts_ns = 10, .start_ns = 5, .pid = 77, .ppid = 1, .uid = 1000,
			      .gid = 100, .exit_status = -1, .comm = "cp",
			      .exe = "/usr/bin/cp", .cmdline = "cp a b", .cgroup = "/user.slice",
			      .job_id = "4242", .rank = "12"};
	ck_assert_int_eq(iot_writer_add_proc(w, &pr), 0);
	struct iot_proc ex = {.ts_ns = 90, .exit_ns = 90, .pid = 77, .exit_status = 3 << 8};
	ck_assert_int_eq(iot_writer_add_proc(w, &ex), 0);
	struct iot_file f = {.dev = 0x801, .ino = 1234, .type = IOT_FT_REG,
			     .path = "/data/\xc3\xa9t\xc3\xa9,\"x\"\n.dat"};
	uint64_t fid = iot_writer_file(w, &f);
	ck_assert_uint_gt(fid, 0);
	ck_assert_uint_eq(iot_writer_file(w, &f), fid); /* same file, same id */
	uint64_t sid = iot_writer_intern(w, "vda");
	ck_assert_uint_eq(iot_writer_intern(w, "vda"), sid);
	uint64_t empty = iot_writer_intern(w, "");
	ck_assert_uint_gt(empty, 0);
	ck_assert_uint_ne(empty, sid);
	struct iot_disk_sample ds = {.ts_ns = 20, .major = 253, .minor = 0, .name_id = sid,
				     .nfields = 17};
	for (int i = 0; i < IOT_DISK_COUNTERS; i++)
		ds.c[i] = (uint64_t)i * 1000003ULL + (i == 3 ? UINT32_MAX : 0);
	ck_assert_int_eq(iot_writer_add_disk(w, &ds), 0);
	struct iot_procio_sample pio = {.ts_ns = 30, .pid = 77, .rchar = 1, .wchar = 2,
					.syscr = 3, .syscw = 4, .read_bytes = UINT64_MAX,
					.write_bytes = 6, .cancelled_write_bytes = 7};
	ck_assert_int_eq(iot_writer_add_procio(w, &pio), 0);
	struct iot_jobstat_sample js = {.ts_ns = 40, .snapshot_ns = 1700000000123456789ULL,
					.start_ns = 1699999999000000000ULL,
					.target_id = iot_writer_intern(w, "obdfilter.fs-OST0000"),
					.job_id = iot_writer_intern(w, "\"dd.0\""),
					.counter_id = iot_writer_intern(w, "read_bytes"),
					.unit_id = iot_writer_intern(w, "bytes"),
					.samples = 5, .min = 4096, .max = 1 << 20, .sum = 123456,
					.sumsq = UINT64_MAX, .flags = IOT_JS_HAS_MINMAX};
	ck_assert_int_eq(iot_writer_add_jobstat(w, &js), 0);
	struct iot_loss l = {.ts_ns = 50, .source = IOT_SRC_EBPF, .cpu = 1, .count = 99,
			     .reason = IOT_LOSS_RINGBUF_FULL, .pid = 0};
	ck_assert_int_eq(iot_writer_add_loss(w, &l), 0);
	struct iot_io_event e = {.ts_ns = 60, .dur_ns = 5, .pid = 77, .tid = 77,
				 .op = IOT_OP_WRITE, .fd = 4, .file_id = fid, .offset = 0,
				 .size = 10, .result = 10};
	ck_assert_int_eq(iot_writer_add_io(w, &e), 0);
	ck_assert_int_eq(iot_writer_close(w), 0);

	iot_reader *r = open_ok(p);
	ck_assert_str_eq(iot_reader_meta(r, "host.name"), "node02");
	ck_assert_str_eq(iot_reader_meta(r, "rec.job_id"), "4242");
	ck_assert_ptr_nonnull(iot_reader_meta(r, "clock.wall_offset_ns"));
	ck_assert_ptr_null(iot_reader_meta(r, "missing"));
	const struct iot_proc *pp = iot_reader_proc(r, 77, 0);
	ck_assert_ptr_nonnull(pp);
	ck_assert_str_eq(pp->comm, "cp");
	ck_assert_str_eq(pp->exe, "/usr/bin/cp");
	ck_assert_str_eq(pp->cmdline, "cp a b");
	ck_assert_str_eq(pp->job_id, "4242");
	ck_assert_str_eq(pp->rank, "12"); /* kept when the exit record has none */
	ck_assert_uint_eq(pp->exit_ns, 90);
	ck_assert_int_eq(pp->exit_status, 3 << 8);
	ck_assert_uint_eq(pp->start_ns, 5);
	ck_assert_uint_eq(iot_reader_proc_count(r), 1);
	const struct iot_file *rf = iot_reader_file(r, fid);
	ck_assert_ptr_nonnull(rf);
	ck_assert_str_eq(rf->path, f.path);
	ck_assert_uint_eq(rf->ino, 1234);
	ck_assert_uint_eq(rf->dev, 0x801);
	ck_assert_str_eq(iot_reader_string(r, sid), "vda");
	ck_assert_str_eq(iot_reader_string(r, empty), "");
	ck_assert_str_eq(iot_reader_string(r, js.job_id), "\"dd.0\"");

	iot_cursor *cur;
	ck_assert_int_eq(iot_cursor_open(&cur, &r, 1, IOT_STREAM_ALL), 0);
	const struct iot_record *rec;
	unsigned order[8], k = 0;
	while (iot_cursor_next(cur, &rec, NULL) == 1) {
		ck_assert_uint_lt(k, 8);
		order[k++] = rec->stream;
		switch (rec->stream) {
		case IOT_STREAM_DISK:
			ck_assert_uint_eq(rec->u.disk.ts_ns, ds.ts_ns);
			ck_assert_uint_eq(rec->u.disk.major, 253);
			ck_assert_uint_eq(rec->u.disk.name_id, sid);
			ck_assert_uint_eq(rec->u.disk.nfields, 17);
			ck_assert_int_eq(memcmp(rec->u.disk.c, ds.c, sizeof ds.c), 0);
			break;
		case IOT_STREAM_PROCIO:
			ck_assert_uint_eq(rec->u.procio.pid, 77);
			ck_assert_uint_eq(rec->u.procio.read_bytes, UINT64_MAX);
			ck_assert_uint_eq(rec->u.procio.cancelled_write_bytes, 7);
			ck_assert_uint_eq(rec->u.procio.syscw, 4);
			break;
		case IOT_STREAM_JOBSTATS:
			ck_assert_uint_eq(rec->u.js.snapshot_ns, js.snapshot_ns);
			ck_assert_uint_eq(rec->u.js.start_ns, js.start_ns);
			ck_assert_uint_eq(rec->u.js.job_id, js.job_id);
			ck_assert_uint_eq(rec->u.js.counter_id, js.counter_id);
			ck_assert_uint_eq(rec->u.js.unit_id, js.unit_id);
			ck_assert_uint_eq(rec->u.js.target_id, js.target_id);
			ck_assert_uint_eq(rec->u.js.samples, 5);
			ck_assert_uint_eq(rec->u.js.max, 1 << 20);
			ck_assert_uint_eq(rec->u.js.sumsq, UINT64_MAX);
			ck_assert_uint_eq(rec->u.js.flags, IOT_JS_HAS_MINMAX);
			break;
		case IOT_STREAM_LOSS:
			ck_assert_uint_eq(rec->u.loss.count, 99);
			ck_assert_uint_eq(rec->u.loss.reason, IOT_LOSS_RINGBUF_FULL);
			ck_assert_uint_eq(rec->u.loss.cpu, 1);
			break;
		case IOT_STREAM_IO:
			ck_assert(ev_eq(&rec->u.io, &e));
			break;
		}
	}
	ck_assert_uint_eq(k, 5);
	/* merged by time: disk 20, procio 30, jobstats 40, loss 50, io 60 */
	ck_assert_uint_eq(order[0], IOT_STREAM_DISK);
	ck_assert_uint_eq(order[1], IOT_STREAM_PROCIO);
	ck_assert_uint_eq(order[2], IOT_STREAM_JOBSTATS);
	ck_assert_uint_eq(order[3], IOT_STREAM_LOSS);
	ck_assert_uint_eq(order[4], IOT_STREAM_IO);
	iot_cursor_close(cur);
	uint64_t a, b;
	ck_assert_int_eq(iot_reader_span(r, &a, &b), 0);
	ck_assert_uint_eq(a, 20);
	ck_assert_uint_eq(b, 60);
	iot_reader_close(r);
	rm_tmpdir();
}
END_TEST

START_TEST(test_refuses_overwrite)
{
	make_tmpdir();
	const char *p = tpath("x.iotr");
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, p, NULL), 0);
	iot_writer *w2;
	ck_assert_int_eq(iot_writer_close(w), 0);
	ck_assert_int_eq(iot_writer_open(&w2, p, NULL), -EEXIST);
	/* a symlink is never followed */
	ck_assert_int_eq(symlink("/tmp/elsewhere-never", tpath("link.iotr")), 0);
	ck_assert_int_eq(iot_writer_open(&w2, tpath("link.iotr"), NULL), -EEXIST);
	rm_tmpdir();
}
END_TEST

/* The writer sorts each chunk by time; the cursor merges interleaved
 * chunks of several shards and several readers. */
START_TEST(test_cursor_merges_shards_and_readers)
{
	make_tmpdir();
	/* two shards covering the same time range, written one after another */
	for (int s = 0; s < 2; s++) {
		struct iot_writer_opts o = {.flags = IOT_W_DIRECT, .chunk_records = 100,
					    .id_base = (uint64_t)(s + 1) << 32};
		iot_writer *w;
		char name[32];
		snprintf(name, sizeof name, "shard%d.iotr", s);
		ck_assert_int_eq(iot_writer_open(&w, tpath(name), &o), 0);
		struct iot_file f = {.path = s ? "/b" : "/a"};
		uint64_t fid = iot_writer_file(w, &f);
		for (int i = 999; i >= 0; i--) { /* reverse order: the writer sorts */
			struct iot_io_event e = {.ts_ns = (uint64_t)i * 10 + (uint64_t)s,
						 .pid = (uint32_t)(s + 1), .op = IOT_OP_READ,
						 .file_id = fid, .result = 1};
			ck_assert_int_eq(iot_writer_add_io(w, &e), 0);
		}
		ck_assert_int_eq(iot_writer_close(w), 0);
	}
	iot_writer *m;
	ck_assert_int_eq(iot_writer_open(&m, tpath("merged.iotr"), NULL), 0);
	for (int s = 0; s < 2; s++) {
		uint64_t dropped = 1;
		uint32_t bad = 1;
		char name[32];
		snprintf(name, sizeof name, "shard%d.iotr", s);
		ck_assert_int_eq(iot_writer_append_trace(m, tpath(name), &dropped, &bad, NULL), 0);
		ck_assert_uint_eq(dropped, 0);
		ck_assert_uint_eq(bad, 0);
	}
	ck_assert_int_eq(iot_writer_close(m), 0);
	iot_reader *r = open_ok(tpath("merged.iotr"));
	ck_assert_str_eq(iot_reader_file(r, 1ULL << 32)->path, "/a");
	ck_assert_str_eq(iot_reader_file(r, 2ULL << 32)->path, "/b");
	iot_cursor *c;
	ck_assert_int_eq(iot_cursor_open(&c, &r, 1, IOT_STREAM_MASK(IOT_STREAM_IO)), 0);
	const struct iot_record *rec;
	uint64_t prev = 0, n = 0;
	while (iot_cursor_next(c, &rec, NULL) == 1) {
		ck_assert_uint_ge(rec->ts_ns, prev);
		ck_assert_uint_eq(rec->u.io.pid, (rec->ts_ns % 10) + 1);
		prev = rec->ts_ns;
		n++;
	}
	ck_assert_uint_eq(n, 2000);
	/* seek */
	ck_assert_int_eq(iot_cursor_seek(c, 5000), 0);
	ck_assert_int_eq(iot_cursor_next(c, &rec, NULL), 1);
	ck_assert_uint_eq(rec->ts_ns, 5000);
	iot_cursor_close(c);
	/* two readers: merged on the wall clock, reader index reported */
	iot_reader *rs[2] = {open_ok(tpath("shard0.iotr")), open_ok(tpath("shard1.iotr"))};
	ck_assert_int_eq(iot_cursor_open(&c, rs, 2, IOT_STREAM_ALL), 0);
	size_t ri, count[2] = {0, 0};
	while (iot_cursor_next(c, &rec, &ri) == 1)
		count[ri]++;
	ck_assert_uint_eq(count[0], 1000);
	ck_assert_uint_eq(count[1], 1000);
	iot_cursor_close(c);
	iot_reader_close(rs[0]);
	iot_reader_close(rs[1]);
	iot_reader_close(r);
	rm_tmpdir();
}
END_TEST

/* ---- damage ---- */

static void write_sample(const char *p, int nev, int chunk)
{
	struct iot_writer_opts o = {.chunk_records = (uint32_t)chunk};
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, p, &o), 0);
	iot_writer_set_meta(w, "host.name", "n1");
	for (int i = 0; i < nev; i++) {
		struct iot_io_event e = make_event((uint64_t)i);
		ck_assert_int_eq(iot_writer_add_io(w, &e), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);
}

static size_t count_io(iot_reader *r)
{
	size_t total = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_io_event *e;
		size_t n;
		if (iot_reader_chunk(r, c)->stream == IOT_STREAM_IO &&
		    iot_reader_decode_io(r, c, &e, &n) == 0)
			total += n;
	}
	return total;
}

START_TEST(test_truncated_at_every_byte_region)
{
	make_tmpdir();
	const char *p = tpath("full.iotr");
	write_sample(p, 5000, 500);
	FILE *f = fopen(p, "rb");
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	uint8_t *buf = malloc((size_t)size);
	ck_assert_int_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	iot_reader *full;
	ck_assert_int_eq(iot_reader_open_mem(&full, buf, (size_t)size, "full", NULL), 0);
	/* chunk ends, to know how many events each cut must keep */
	size_t nchunks = iot_reader_chunk_count(full);
	uint64_t *ends = calloc(nchunks + 1, sizeof *ends);
	size_t *cum = calloc(nchunks + 1, sizeof *cum);
	size_t acc = 0;
	for (size_t c = 0; c < nchunks; c++) {
		const struct iot_chunk_info *ci = iot_reader_chunk(full, c);
		ends[c] = ci->offset + 64 + (uint64_t)ci->nagg * 40 + ci->comp_size;
		if (ci->stream == IOT_STREAM_IO)
			acc += ci->nrecords;
		cum[c] = acc;
	}
	/* cut at every 7th byte and at every chunk boundary +- 1 */
	for (long cut = 0; cut <= size; cut += (cut % 7 == 0) ? 1 : 6) {
		iot_reader *r = NULL;
		struct iot_error err = {0};
		int rc = iot_reader_open_mem(&r, buf, (size_t)cut, "cut", &err);
		if (cut == 0) {
			ck_assert_int_eq(rc, IOT_E_EMPTY);
			continue;
		}
		if (cut < 64) {
			ck_assert_int_eq(rc, IOT_E_TRUNCATED);
			ck_assert_uint_eq(err.offset, (uint64_t)cut);
			continue;
		}
		ck_assert_msg(rc == 0, "cut at %ld: %s", cut, err.msg);
		size_t want = 0;
		for (size_t c = 0; c < nchunks; c++)
			if (ends[c] <= (uint64_t)cut)
				want = cum[c];
		ck_assert_msg(count_io(r) == want, "cut at %ld: got %zu events, want %zu", cut,
			      count_io(r), want);
		struct iot_integrity in;
		iot_reader_integrity(r, &in);
		if (cut < size) {
			ck_assert_int_eq(in.footer_ok, 0);
			ck_assert_uint_eq(in.good_end + in.dropped_bytes, (uint64_t)cut);
		}
		iot_reader_close(r);
	}
	free(ends);
	free(cum);
	iot_reader_close(full);
	free(buf);
	rm_tmpdir();
}
END_TEST

START_TEST(test_flipped_byte_skips_one_chunk)
{
	make_tmpdir();
	const char *p = tpath("flip.iotr");
	write_sample(p, 3000, 1000);
	iot_reader *r = open_ok(p);
	size_t target = SIZE_MAX;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++)
		if (iot_reader_chunk(r, c)->stream == IOT_STREAM_IO) {
			target = c; /* the first I/O chunk */
			break;
		}
	const struct iot_chunk_info *ci = iot_reader_chunk(r, target);
	uint64_t at = ci->offset + 64 + ci->nagg * 40ULL + ci->comp_size / 2;
	iot_reader_close(r);
	flip_byte(p, at, 0x40);
	r = open_ok(p);
	ck_assert_uint_eq(count_io(r), 2000);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_uint_eq(in.corrupt_chunks, 1);
	ck_assert_uint_ge(iot_reader_warning_count(r), 1);
	ck_assert_uint_eq(iot_reader_warning(r, 0)->offset, ci->offset);
	ck_assert_ptr_nonnull(strstr(iot_reader_warning(r, 0)->msg, "checksum"));
	iot_reader_close(r);
	rm_tmpdir();
}
END_TEST

/* A damaged chunk header in a file whose footer is intact: only that
 * chunk is lost, and the reader says where. */
START_TEST(test_flipped_header_with_footer)
{
	make_tmpdir();
	const char *p = tpath("hdr.iotr");
	write_sample(p, 3000, 1000);
	iot_reader *r = open_ok(p);
	uint64_t at = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++)
		if (iot_reader_chunk(r, c)->stream == IOT_STREAM_IO) {
			at = iot_reader_chunk(r, c)->offset;
			break;
		}
	iot_reader_close(r);
	flip_byte(p, at + 9, 0x01); /* nrecords */
	r = open_ok(p);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_int_eq(in.footer_ok, 1);
	ck_assert_uint_eq(count_io(r), 2000);
	iot_reader_integrity(r, &in);
	ck_assert_uint_eq(in.corrupt_chunks, 1);
	ck_assert_uint_eq(iot_reader_warning(r, 0)->offset, at);
	ck_assert_ptr_nonnull(strstr(iot_reader_warning(r, 0)->msg, "does not match the index"));
	iot_reader_close(r);
	rm_tmpdir();
}
END_TEST

START_TEST(test_bad_inputs)
{
	make_tmpdir();
	struct iot_error err;
	iot_reader *r;
	/* empty */
	int fd = open(tpath("empty"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_int_eq(iot_reader_open(&r, tpath("empty"), &err), IOT_E_EMPTY);
	/* wrong magic */
	FILE *f = fopen(tpath("text"), "w");
	fputs("hello, this is not a trace at all, but it is long enough to have a header\n", f);
	fclose(f);
	ck_assert_int_eq(iot_reader_open(&r, tpath("text"), &err), IOT_E_BADMAGIC);
	ck_assert_uint_eq(err.offset, 0);
	/* missing */
	ck_assert_int_eq(iot_reader_open(&r, tpath("nope"), &err), -ENOENT);
	/* directory */
	ck_assert_int_eq(iot_reader_open(&r, tmpdir, &err), -EISDIR);
	/* future major version: patch the header and its checksum */
	write_sample(tpath("v.iotr"), 10, 100);
	fd = open(tpath("v.iotr"), O_RDWR);
	uint8_t h[64];
	ck_assert_int_eq(pread(fd, h, 64, 0), 64);
	h[8] = 2;
	extern uint32_t iot_crc32(const void *, size_t);
	uint32_t c = iot_crc32(h, 60);
	memcpy(h + 60, &c, 4);
	ck_assert_int_eq(pwrite(fd, h, 64, 0), 64);
	close(fd);
	ck_assert_int_eq(iot_reader_open(&r, tpath("v.iotr"), &err), IOT_E_VERSION);
	char want[16];
	snprintf(want, sizeof want, "2.%d", IOT_FORMAT_MINOR);
	ck_assert_ptr_nonnull(strstr(err.msg, want));
	rm_tmpdir();
}
END_TEST

/* A writer killed with SIGKILL: every chunk older than the flush age is
 * in the file and readable. */
START_TEST(test_sigkill_keeps_flushed_chunks)
{
	make_tmpdir();
	const char *p = tpath("killed.iotr");
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct iot_writer_opts o = {.flags = IOT_W_DIRECT, .flush_age_ns = 100000000};
		iot_writer *w;
		if (iot_writer_open(&w, p, &o))
			_exit(1);
		uint64_t start = iot_now_mono_ns();
		uint64_t i = 0;
		int told = 0;
		for (;;) {
			struct iot_io_event e = make_event(i++);
			e.ts_ns = iot_now_mono_ns();
			iot_writer_add_io(w, &e);
			if (!told && iot_now_mono_ns() - start > 600000000ULL) {
				/* tell the parent how many events are at least 0.3 s old */
				uint64_t old = i;
				if (write(pfd[1], &old, sizeof old) != sizeof old)
					_exit(2);
				told = 1;
			}
			if (i % 1000 == 0)
				usleep(1000);
		}
	}
	close(pfd[1]);
	uint64_t sent = 0;
	ck_assert_int_eq(read(pfd[0], &sent, sizeof sent), sizeof sent);
	usleep(300000); /* everything sent is now older than 3x the flush age */
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	ck_assert(WIFSIGNALED(st));
	iot_reader *r = open_ok(p);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_int_eq(in.footer_ok, 0);
	size_t n = count_io(r);
	ck_assert_msg(n >= sent, "recovered %zu events, %" PRIu64 " were older than the flush age",
		      n, sent);
	iot_reader_close(r);
	rm_tmpdir();
}
END_TEST

START_TEST(test_abandon_recovers)
{
	make_tmpdir();
	const char *p = tpath("ab.iotr");
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, p, NULL), 0);
	for (int i = 0; i < 100; i++) {
		struct iot_io_event e = make_event((uint64_t)i);
		iot_writer_add_io(w, &e);
	}
	ck_assert_int_eq(iot_writer_abandon(w), 0);
	iot_reader *r = open_ok(p);
	ck_assert_uint_eq(count_io(r), 100);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_int_eq(in.footer_ok, 0);
	ck_assert_uint_eq(in.dropped_bytes, 0);
	iot_reader_close(r);
	rm_tmpdir();
}
END_TEST

/* ---- golden files committed under tests/data/format ---- */

static const char *golden(const char *name)
{
	static char p[PATH_MAX];
	const char *src = getenv("SRC");
	snprintf(p, sizeof p, "%s/tests/data/format/%s", src ? src : ".", name);
	return p;
}

START_TEST(test_golden_valid)
{
	iot_reader *r = open_ok(golden("valid.iotr"));
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_int_eq(in.footer_ok, 1);
	ck_assert_uint_eq(count_io(r), 3000);
	ck_assert_str_eq(iot_reader_meta(r, "host.name"), "golden");
	ck_assert_uint_eq(iot_reader_warning_count(r), 0);
	ck_assert_uint_eq(in.format_minor, 0); /* written as 1.0, read by 1.1 */
	iot_reader_close(r);
}
END_TEST

START_TEST(test_golden_truncated)
{
	iot_reader *r = open_ok(golden("truncated.iotr"));
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_int_eq(in.footer_ok, 0);
	ck_assert_uint_gt(in.dropped_bytes, 0);
	ck_assert_uint_eq(count_io(r), 2000); /* cut inside the third chunk */
	ck_assert_str_eq(iot_reader_meta(r, "host.name"), "golden");
	iot_reader_close(r);
}
END_TEST

START_TEST(test_golden_flipped)
{
	iot_reader *r = open_ok(golden("flipped.iotr"));
	ck_assert_uint_eq(count_io(r), 2000);
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_uint_eq(in.corrupt_chunks, 1);
	iot_reader_close(r);
}
END_TEST

START_TEST(test_golden_unknown_stream)
{
	iot_reader *r = open_ok(golden("unknown-stream.iotr"));
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	ck_assert_uint_eq(in.unknown_chunks, 1);
	ck_assert_uint_eq(count_io(r), 3000);
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++)
		ck_assert_uint_le(iot_reader_chunk(r, c)->stream, IOT_STREAM__MAX);
	iot_reader_close(r);
}
END_TEST

START_TEST(test_golden_future_version)
{
	iot_reader *r;
	struct iot_error err = {0};
	ck_assert_int_eq(iot_reader_open(&r, golden("future-version.iotr"), &err), IOT_E_VERSION);
	ck_assert_uint_eq(err.offset, 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("format");
	TCase *t = tcase_create("core");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_op_table);
	tcase_add_test(t, test_path_under);
	tcase_add_test(t, test_roundtrip_io_many_chunks);
	tcase_add_test(t, test_io_room_in_place);
	tcase_add_test(t, test_store_when_zstd_does_not_pay);
	tcase_add_test(t, test_store_bytes_then_merge_compresses);
	tcase_add_test(t, test_tmp_target);
	tcase_add_test(t, test_write_buffer);
	tcase_add_test(t, test_memory_writer_and_spill);
	tcase_add_test(t, test_roundtrip_edges);
	tcase_add_test(t, test_roundtrip_all_streams);
	tcase_add_test(t, test_refuses_overwrite);
	tcase_add_test(t, test_cursor_merges_shards_and_readers);
	tcase_add_test(t, test_truncated_at_every_byte_region);
	tcase_add_test(t, test_flipped_byte_skips_one_chunk);
	tcase_add_test(t, test_flipped_header_with_footer);
	tcase_add_test(t, test_bad_inputs);
	tcase_add_test(t, test_sigkill_keeps_flushed_chunks);
	tcase_add_test(t, test_abandon_recovers);
	suite_add_tcase(s, t);
	TCase *g = tcase_create("golden");
	tcase_add_test(g, test_golden_valid);
	tcase_add_test(g, test_golden_truncated);
	tcase_add_test(g, test_golden_flipped);
	tcase_add_test(g, test_golden_unknown_stream);
	tcase_add_test(g, test_golden_future_version);
	suite_add_tcase(s, g);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
