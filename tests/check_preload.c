/* check_preload.c - unit tests of the preload source's pieces that run
 * outside an interposed process: descriptor/offset tables, file ids,
 * shard merging (closed and killed shards), library lookup and the
 * static-binary check. The interposer itself is tested on real programs
 * by tests/preload/test_*.sh. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "format/iotrace.h"
#include "record/preload/preload_aio.h"
#include "record/preload/preload_fd.h"
#include "record/preload/preload_rt.h"
#include "record/preload/preload_spool.h"

START_TEST(dup_shares_offset)
{
	ck_assert_int_eq(preload_fd_init(), 0);
	struct preload_ofd *o = preload_fd_new(10, 77, IOT_FT_REG, 1, 0, O_RDWR);
	ck_assert_ptr_nonnull(o);
	preload_fd_dup(10, 11);
	ck_assert_ptr_eq(preload_fd_get(11), o);
	atomic_fetch_add(&preload_fd_get(11)->offset, 4096);
	ck_assert_int_eq(atomic_load(&preload_fd_get(10)->offset), 4096);
	/* closing one keeps the description for the other, like the kernel */
	preload_fd_close(10);
	ck_assert_ptr_null(preload_fd_get(10));
	ck_assert_ptr_eq(preload_fd_get(11), o);
	ck_assert_uint_eq(atomic_load(&o->refs), 1);
	preload_fd_close(11);
	ck_assert_uint_eq(atomic_load(&o->refs), 0);
}
END_TEST

START_TEST(dup2_replaces_and_range_closes)
{
	ck_assert_int_eq(preload_fd_init(), 0);
	struct preload_ofd *a = preload_fd_new(20, 1, IOT_FT_REG, 1, 0, 0);
	struct preload_ofd *b = preload_fd_new(21, 2, IOT_FT_REG, 1, 100, 0);
	ck_assert_ptr_ne(a, b);
	preload_fd_dup(20, 21); /* dup2(20, 21): 21's description goes away */
	ck_assert_uint_eq(atomic_load(&b->refs), 0);
	ck_assert_uint_eq(preload_fd_get(21)->file_id, 1);
	/* dup of an unknown descriptor makes the target unknown too */
	preload_fd_dup(500, 21);
	ck_assert_ptr_null(preload_fd_get(21));
	for (int fd = 30; fd < 40; fd++)
		ck_assert_ptr_nonnull(preload_fd_new(fd, (uint64_t)fd, IOT_FT_REG, 1, 0, 0));
	preload_fd_close_range(32, 35);
	ck_assert_ptr_nonnull(preload_fd_get(31));
	for (int fd = 32; fd <= 35; fd++)
		ck_assert_ptr_null(preload_fd_get(fd));
	ck_assert_ptr_nonnull(preload_fd_get(36));
	preload_fd_close_range(0, ~0u);
	ck_assert_ptr_null(preload_fd_get(20));
	ck_assert_ptr_null(preload_fd_get(-1));
	ck_assert_ptr_null(preload_fd_get(1 << 30));
}
END_TEST

START_TEST(file_ids_dedup)
{
	int is_new;

	ck_assert_int_eq(preload_fd_init(), 0);
	preload_file_id_base(1000);
	uint64_t k1 = preload_key_named(2049, 12, NULL, 0), k2 = preload_key_named(2049, 13, NULL, 0);
	uint64_t kp = preload_key_path("/tmp/x");
	ck_assert_uint_ne(k1, k2);
	/* an inode number reused by another name is another file; the same
	 * name relative to a directory descriptor is another spelling */
	uint64_t kn = preload_key_named(2049, 12, "/tmp/a", 0);
	ck_assert_uint_eq(kn, preload_key_named(2049, 12, "/tmp/a", 0));
	ck_assert_uint_ne(kn, preload_key_named(2049, 12, "/tmp/b", 0));
	ck_assert_uint_ne(kn, k1);
	ck_assert_uint_ne(preload_key_named(2049, 12, "a", 0), preload_key_named(2049, 12, "a", 1));
	ck_assert_uint_eq(kn & 1, 1);
	ck_assert_uint_ne(kp, preload_key_path("/tmp/y"));
	ck_assert_uint_ne(kp & 1, k1 & 1); /* path and inode keys never meet */
	uint64_t id1 = preload_file_id(k1, &is_new);
	ck_assert_int_eq(is_new, 1);
	ck_assert_uint_eq(id1, 1000);
	ck_assert_uint_eq(preload_file_id(k1, &is_new), id1);
	ck_assert_int_eq(is_new, 0);
	uint64_t id2 = preload_file_id(k2, &is_new);
	ck_assert_int_eq(is_new, 1);
	ck_assert_uint_eq(id2, 1001);
	/* a new base (fork child's shard) keeps old ids, new ones move on */
	preload_file_id_base(5000);
	ck_assert_uint_eq(preload_file_id(k1, &is_new), id1);
	ck_assert_uint_eq(preload_file_id(kp, &is_new), 5000);
}
END_TEST

/* What the library writes into a shard: one file in the shard's id
 * range, the process, n reads of it. */
static void fill_shard(iot_writer *w, uint64_t id_base, uint32_t pid, const char *comm, int n)
{
	struct iot_file f = { .id = id_base + (1ull << 31), .dev = 1, .ino = pid, .type = IOT_FT_REG,
			      .path = "/data/file" };
	ck_assert_int_eq(iot_writer_add_file(w, &f), 0);
	struct iot_proc p = { .ts_ns = 1, .pid = pid, .comm = comm, .exit_status = -1 };
	ck_assert_int_eq(iot_writer_add_proc(w, &p), 0);
	for (int i = 0; i < n; i++) {
		struct iot_io_event ev = { .ts_ns = 1000 + (uint64_t)i, .pid = pid, .tid = pid,
					   .op = IOT_OP_PREAD, .source = IOT_SRC_PRELOAD, .fd = 3,
					   .file_id = f.id, .offset = i * 4096, .size = 4096, .result = 4096 };
		ck_assert_int_eq(iot_writer_add_io(w, &ev), 0);
	}
}

/* A shard like the library writes one: own id range, one file, n reads. */
static void write_shard(const char *path, uint64_t id_base, uint32_t pid, int n, int close_it)
{
	iot_writer *w;
	struct iot_writer_opts o = { .flags = IOT_W_DIRECT | IOT_W_NO_AUTO_META, .id_base = id_base };
	ck_assert_int_eq(iot_writer_open(&w, path, &o), 0);
	fill_shard(w, id_base, pid, "shardtest", n);
	if (close_it)
		ck_assert_int_eq(iot_writer_close(w), 0);
	else
		ck_assert_int_eq(iot_writer_abandon(w), 0); /* like SIGKILL after a flush */
}

/* Events of trace path (each on a file "/data/file"), their bytes into
 * *bytes, and the command of the last process record of pid. */
static uint64_t count_events(const char *path, uint64_t *bytes, uint32_t pid, char *comm,
			     size_t commlen)
{
	iot_reader *r;
	ck_assert_int_eq(iot_reader_open(&r, path, NULL), 0);
	uint64_t n = 0;
	*bytes = 0;
	for (size_t i = 0; i < iot_reader_chunk_count(r); i++) {
		const struct iot_io_event *ev;
		size_t k;
		if (iot_reader_chunk(r, i)->stream != IOT_STREAM_IO)
			continue;
		ck_assert_int_eq(iot_reader_decode_io(r, i, &ev, &k), 0);
		for (size_t j = 0; j < k; j++) {
			const struct iot_file *f = iot_reader_file(r, ev[j].file_id);
			ck_assert_ptr_nonnull(f); /* ids of every shard resolve */
			ck_assert_str_eq(f->path, "/data/file");
			*bytes += (uint64_t)ev[j].result;
		}
		n += k;
	}
	const struct iot_proc *p = iot_reader_proc(r, pid, 0);
	snprintf(comm, commlen, "%s", p && p->comm ? p->comm : "");
	iot_reader_close(r);
	return n;
}

START_TEST(merge_spool_closed_and_killed)
{
	char dir[] = "/tmp/check-preload.XXXXXX", p[512], out[512];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/100-1" PRELOAD_SHARD_DONE_SUFFIX, dir);
	write_shard(p, 1ull << 32, 100, 500, 1);
	snprintf(p, sizeof(p), "%s/200-2" PRELOAD_SHARD_OPEN_SUFFIX, dir);
	write_shard(p, 2ull << 32, 200, 300, 0);
	snprintf(p, sizeof(p), "%s/300-3" PRELOAD_SHARD_OPEN_SUFFIX, dir);
	close(open(p, O_WRONLY | O_CREAT, 0600)); /* killed before its header */
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	close(open(p, O_WRONLY | O_CREAT, 0600));

	snprintf(out, sizeof(out), "%s.iotr", dir);
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, out, NULL), 0);
	struct preload_merge_stats st = { 0 };
	/* while running: only closed shards */
	ck_assert_int_eq(preload_merge_spool(w, dir, 0, &st, NULL, NULL), 1);
	ck_assert_uint_eq(st.shards, 1);
	/* at the end: the rest; the empty one is counted, not fatal */
	ck_assert_int_eq(preload_merge_spool(w, dir, 1, &st, NULL, NULL), 2);
	ck_assert_uint_eq(st.shards, 2);
	ck_assert_uint_eq(st.unclosed, 1);
	ck_assert_uint_eq(st.failed, 1);
	ck_assert_int_eq(iot_writer_close(w), 0);

	uint64_t bytes;
	char comm[32];
	ck_assert_uint_eq(count_events(out, &bytes, 200, comm, sizeof(comm)), 800);
	ck_assert_uint_eq(bytes, 800 * 4096);
	ck_assert_str_eq(comm, "shardtest");
	/* merged shards are gone, other files stay */
	snprintf(p, sizeof(p), "%s/100-1" PRELOAD_SHARD_DONE_SUFFIX, dir);
	ck_assert_int_ne(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	ck_assert_int_eq(access(p, F_OK), 0);
	unlink(p);
	snprintf(p, sizeof(p), "%s/300-3" PRELOAD_SHARD_OPEN_SUFFIX, dir);
	unlink(p);
	unlink(out);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The bytes of a shard as a short process keeps it in memory. */
static void *shard_mem(uint64_t id_base, uint32_t pid, const char *comm, int n, size_t *len)
{
	iot_writer *w;
	struct iot_writer_opts o = { .flags = IOT_W_NO_AUTO_META, .id_base = id_base };
	ck_assert_int_eq(iot_writer_open_mem(&w, &o), 0);
	fill_shard(w, id_base, pid, comm, n);
	ck_assert_int_eq(iot_writer_flush(w), 0);
	const void *m = iot_writer_mem(w, len);
	void *copy = malloc(*len);
	memcpy(copy, m, *len);
	iot_writer_abandon(w);
	return copy;
}

/* Append a batch frame (header as preload_rt.h describes it, packed here
 * on its own) holding the first keep bytes of the shard; keep < len
 * makes a frame cut short, like a writer killed in its write. */
static void append_frame(const char *batch, uint64_t key, uint32_t pid, const void *shard,
			 size_t len, size_t keep)
{
	uint8_t h[32];
	uint32_t v[] = { (uint32_t)key, (uint32_t)(key >> 32), (uint32_t)len, pid,
			 (uint32_t)crc32(0, shard, (uInt)len) };
	memcpy(h, "IORECBF1", 8);
	for (int i = 0; i < 5; i++)
		for (int b = 0; b < 4; b++)
			h[8 + 4 * i + b] = (uint8_t)(v[i] >> (8 * b));
	uint32_t hc = (uint32_t)crc32(0, h, 28);
	for (int b = 0; b < 4; b++)
		h[28 + b] = (uint8_t)(hc >> (8 * b));
	int fd = open(batch, O_WRONLY | O_APPEND | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, h, keep < 32 ? keep : 32), keep < 32 ? (ssize_t)keep : 32);
	if (keep > 32)
		ck_assert_int_eq(write(fd, shard, keep - 32), (ssize_t)(keep - 32));
	close(fd);
}

/* The batch file: frames merge among the shard files by time (a pid's
 * image before exec, in a file, comes before its short exec'd image, in
 * the batch); a frame cut short by a killed
 * writer is skipped up to the next one; a frame still being written
 * waits for the next merge; at the end everything is read and the file
 * deleted. */
START_TEST(merge_spool_batch_frames)
{
	char dir[] = "/tmp/check-preload.XXXXXX", p[512], out[512], batch[512], comm[32];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(batch, sizeof(batch), "%s/%s", dir, PRELOAD_BATCH_NAME);
	size_t la, lb, lc, ld;
	void *a = shard_mem(1ull << 32, 7, "exec-image", 100, &la);
	void *b = shard_mem(2ull << 32, 8, "killed", 150, &lb);
	void *c = shard_mem(3ull << 32, 9, "short", 300, &lc);
	void *d = shard_mem(4ull << 32, 10, "late", 50, &ld);
	append_frame(batch, 0x100, 7, a, la, 32 + la);
	append_frame(batch, 0x150, 8, b, lb, 32 + lb / 2);
	append_frame(batch, 0x300, 9, c, lc, 32 + lc);
	snprintf(p, sizeof(p), "%s/0000000000000080-7-1" PRELOAD_SHARD_DONE_SUFFIX, dir);
	write_shard(p, 5ull << 32, 7, 200, 1);
	append_frame(batch, 0x400, 10, d, ld, 32 + ld / 2); /* still being written */

	snprintf(out, sizeof(out), "%s.iotr", dir);
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, out, NULL), 0);
	struct preload_merge_stats st = { 0 };
	ck_assert_int_eq(preload_merge_spool(w, dir, 0, &st, NULL, NULL), 3);
	ck_assert_uint_eq(st.shards, 3);
	ck_assert_uint_eq(st.batched, 2);
	ck_assert_uint_eq(st.bad_frames, 1);
	ck_assert_uint_eq(st.dropped_bytes, 32 + lb / 2);
	ck_assert_uint_eq(st.batch_read, 3 * 32 + la + lb / 2 + lc);
	/* the rest of the frame arrives */
	int fd = open(batch, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, (char *)d + ld / 2, ld - ld / 2), (ssize_t)(ld - ld / 2));
	ck_assert_int_eq(write(fd, "garbage", 7), 7); /* and a torn tail */
	close(fd);
	ck_assert_int_eq(preload_merge_spool(w, dir, 0, &st, NULL, NULL), 1);
	ck_assert_uint_eq(st.batched, 3);
	ck_assert_uint_eq(st.dropped_bytes, 32 + lb / 2); /* the tail may be a header to come */
	ck_assert_int_eq(preload_merge_spool(w, dir, 1, &st, NULL, NULL), 0);
	ck_assert_uint_eq(st.dropped_bytes, 32 + lb / 2 + 7);
	ck_assert_uint_eq(st.bad_frames, 2);
	ck_assert_uint_eq(st.failed, 0);
	ck_assert_int_eq(iot_writer_close(w), 0);
	ck_assert_int_ne(access(batch, F_OK), 0);

	uint64_t bytes;
	ck_assert_uint_eq(count_events(out, &bytes, 7, comm, sizeof(comm)), 100 + 300 + 200 + 50);
	ck_assert_uint_eq(bytes, 650 * 4096);
	ck_assert_str_eq(comm, "exec-image"); /* the exec'd image's record is the last */
	count_events(out, &bytes, 10, comm, sizeof(comm));
	ck_assert_str_eq(comm, "late");
	unlink(out);
	ck_assert_int_eq(rmdir(dir), 0);
	free(a), free(b), free(c), free(d);
}
END_TEST

/* The table of asynchronous requests in flight: what goes in comes out
 * once, a block submitted again before its end was seen is its latest
 * request, io_destroy forgets a context, a full table refuses. */
START_TEST(aio_table)
{
	enum { N = 6000 };
	static char blocks[N][64]; /* control blocks: only their addresses count */
	struct preload_aio_req rq, got;
	int stored = 0;

	preload_aio_reset();
	for (int i = 0; i < N; i++) {
		rq = (struct preload_aio_req){ .t0 = 1000 + (uint64_t)i, .offset = i * 4096,
					       .size = 4096, .fd = 3 + i % 2, .op = IOT_OP_AIO_READ,
					       .opcode = (uint16_t)(i % 2) };
		stored += preload_aio_put(blocks[i], (uint64_t)(1 + i % 2), &rq);
	}
	/* no more than the table holds, and most of it */
	ck_assert_int_le(stored, 4096);
	ck_assert_int_gt(stored, 3000);
	int taken = 0;
	for (int i = 0; i < N; i += 2) { /* context 1: taken */
		if (!preload_aio_take(blocks[i], &got))
			continue;
		taken++;
		ck_assert_uint_eq(got.t0, 1000 + (uint64_t)i);
		ck_assert_int_eq(got.offset, (int64_t)i * 4096);
		ck_assert_int_eq(got.fd, 3);
		ck_assert(!preload_aio_take(blocks[i], &got)); /* once */
	}
	preload_aio_forget_ctx(2); /* context 2: destroyed */
	for (int i = 1; i < N; i += 2)
		ck_assert(!preload_aio_take(blocks[i], &got));
	ck_assert_int_gt(taken, 1500);
	/* a block submitted again before its end was seen */
	rq = (struct preload_aio_req){ .t0 = 1, .op = IOT_OP_AIO_WRITE };
	ck_assert(preload_aio_put(blocks[0], 7, &rq));
	rq.t0 = 2;
	ck_assert(preload_aio_put(blocks[0], 7, &rq));
	ck_assert(preload_aio_take(blocks[0], &got));
	ck_assert_uint_eq(got.t0, 2);
	ck_assert(!preload_aio_take(blocks[0], &got));
	/* NULL is no block; reset forgets all */
	ck_assert(!preload_aio_put(NULL, 7, &rq));
	ck_assert(preload_aio_put(blocks[5], 7, &rq));
	preload_aio_reset();
	ck_assert(!preload_aio_take(blocks[5], &got));
}
END_TEST

START_TEST(interposable)
{
	char why[512] = "", buf[4096];
	const char *sh = preload_which("sh", buf, sizeof(buf));
	ck_assert_ptr_nonnull(sh);
	ck_assert_int_eq(preload_check_interposable(sh, why, sizeof(why)), 1);
	ck_assert_ptr_null(preload_which("no-such-program-here", buf, sizeof(buf)));
	ck_assert_str_eq(preload_which("./x", buf, sizeof(buf)), "./x");
	ck_assert_int_eq(preload_check_interposable("/no/such/file", why, sizeof(why)), -ENOENT);
	/* a script: its interpreter is what runs */
	char script[] = "/tmp/check-preload-script.XXXXXX";
	int fd = mkstemp(script);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	ck_assert_int_eq(preload_check_interposable(script, why, sizeof(why)), 1);
	/* an ELF without PT_INTERP: a minimal static-looking header */
	unsigned char elf[64 + 56] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	elf[16] = 2;                          /* ET_EXEC */
	elf[32] = 64;                         /* e_phoff */
	elf[54] = 56;                         /* e_phentsize */
	elf[56] = 1;                          /* e_phnum */
	elf[64] = 1;                          /* PT_LOAD */
	fd = open(script, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, elf, sizeof(elf)), (ssize_t)sizeof(elf));
	close(fd);
	ck_assert_int_eq(preload_check_interposable(script, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "statically linked"));
	ck_assert_ptr_nonnull(strstr(why, script));
	elf[64] = 3;                          /* PT_INTERP */
	fd = open(script, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, elf, sizeof(elf)), (ssize_t)sizeof(elf));
	close(fd);
	ck_assert_int_eq(preload_check_interposable(script, why, sizeof(why)), 1);
	unlink(script);
}
END_TEST

START_TEST(find_library)
{
	char out[4096], why[512] = "", dir[] = "/tmp/check-preload-lib.XXXXXX", p[600];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/bin", dir);
	mkdir(p, 0700);
	unsetenv("IOREC_PRELOAD_LIB");
	ck_assert_int_eq(preload_find_library(p, out, sizeof(out), why, sizeof(why)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(why, PRELOAD_SO_NAME));
	snprintf(p, sizeof(p), "%s/lib", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/lib/iorec", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/lib/iorec/" PRELOAD_SO_NAME, dir);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	snprintf(p, sizeof(p), "%s/bin", dir);
	ck_assert_int_eq(preload_find_library(p, out, sizeof(out), why, sizeof(why)), 0);
	snprintf(p, sizeof(p), "%s/lib/iorec/" PRELOAD_SO_NAME, dir);
	ck_assert_str_eq(out, p);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lib/iorec", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/lib", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/bin", dir);
	rmdir(p);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("preload");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, dup_shares_offset);
	tcase_add_test(tc, dup2_replaces_and_range_closes);
	tcase_add_test(tc, file_ids_dedup);
	tcase_add_test(tc, merge_spool_closed_and_killed);
	tcase_add_test(tc, merge_spool_batch_frames);
	tcase_add_test(tc, aio_table);
	tcase_add_test(tc, interposable);
	tcase_add_test(tc, find_library);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
