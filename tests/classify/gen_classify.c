/* gen_classify.c - iotr-gen-classify: the hand-checked trace of the
 * classification, iofs, InfluxDB and HDF5 tests, written with libiotrace.
 *
 *   iotr-gen-classify OUT [edges]
 *
 * Wall time = 1700000000 s + the trace timestamp. Every event and the
 * class the test model (tests/models/hand.csv) gives it:
 *
 *   hand.csv rows (line: type, dir, prediction, bounds)
 *     2 SameOffset     read  0.5 s           0..4096
 *     3 Sequential     read  0.25 s          4096..
 *     4 RandomUncached read  0.5 s           any size
 *     5 Reverse        write 0.001*B - 1 s   any size
 *     6 SameOffset     write 0.125 s         0..100
 *
 * second 1 (pid 100 "alpha", job J1)
 *   r1 pread  4095 B in 0.1 s,  file A  -> SameOffset (rows 2,4 tie at 0.5: row 2)
 *   r2 pread  4096 B in 0.1 s,  file A  -> Sequential (row 3: 0.25 < 0.5)
 *   w1 write   500 B in 1 ns,   file A  -> Unclassified (row 5 predicts -0.5)
 *   w4 write  fails ENOSPC,     file A  -> failed, not classified
 * second 2 (pid 100)
 *   r3 read   4096 B in 0.25 s, file C  -> SameOffset (row 3 predicts 0.25, not > 0.25)
 *   w2 pwrite 2000 B in 0.5 s,  file C  -> Reverse (row 5 predicts 1.0)
 * second 2 (pid 200 "beta", job J2)
 *   r4 read   4097 of 8192 B in 0.3 s, file C -> RandomUncached (row 3 0.25 too fast)
 *   r5 read   4097 B in 0.5 s,  file B  -> Unclassified (nothing above 0.5)
 * second 3 (pid 200)
 *   r6 read      0 B in 1 us,   file B  -> SameOffset (zero-byte read, row 2)
 *   r7 read   fails EIO,        file B  -> failed
 *   w3 write   100 B in 0.01 s, file B  -> SameOffset (row 6, bound edge 100)
 *   w5 writev  101 B in 0.01 s, file C  -> Unclassified (above row 6's bound)
 * plus metadata calls (openat x3 one failing, stat, fstat, close, fsync),
 * 2 diskstats, 2 procio and 2 jobstats samples and one loss record.
 * Paths: A has a comma and double quotes, B a newline, C is plain.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "format/iotrace.h"

#define S 1000000000ull
#define MS 1000000ull
#define US 1000ull

static void ev(iot_writer *w, uint64_t ts, uint64_t dur, uint32_t pid, unsigned op, int fd,
	       uint64_t fid, int64_t off, uint64_t size, int64_t result)
{
	struct iot_io_event e = {.ts_ns = ts, .dur_ns = dur, .pid = pid, .tid = pid,
				 .op = (uint16_t)op, .source = IOT_SRC_EBPF,
				 .ftype = fid ? IOT_FT_REG : 0, .fd = fd, .file_id = fid,
				 .offset = off, .size = size, .result = result};
	if (off < 0)
		e.eflags = IOT_EV_OFFSET_UNKNOWN;
	iot_writer_add_io(w, &e);
}

static void proc(iot_writer *w, uint32_t pid, const char *comm, const char *job)
{
	struct iot_proc p = {.ts_ns = 1 * S, .start_ns = 1 * S, .pid = pid, .ppid = 1, .uid = 1000,
			     .gid = 1000, .exit_status = -1, .comm = comm, .exe = comm,
			     .cmdline = comm, .job_id = job};
	iot_writer_add_proc(w, &p);
}

static void file(iot_writer *w, uint64_t id, const char *path)
{
	struct iot_file f = {.id = id, .dev = 2049, .ino = 500 + id, .type = IOT_FT_REG,
			     .path = path};
	iot_writer_add_file(w, &f);
}

static void counters(iot_writer *w)
{
	uint64_t vda = iot_writer_intern(w, "vda");
	for (int i = 0; i < 2; i++) {
		struct iot_disk_sample d = {.ts_ns = (1 + 2 * (uint64_t)i) * S, .major = 254,
					    .minor = 0, .name_id = vda, .nfields = 17};
		for (int k = 0; k < IOT_DISK_COUNTERS; k++)
			d.c[k] = (uint64_t)(1000 * (i + 1) + k);
		iot_writer_add_disk(w, &d);
		struct iot_procio_sample p = {.ts_ns = (1 + 2 * (uint64_t)i) * S, .pid = 100,
					      .rchar = 8191u * (unsigned)(i + 1),
					      .wchar = 2500u * (unsigned)(i + 1), .syscr = 3,
					      .syscw = 2, .read_bytes = 4096, .write_bytes = 8192};
		iot_writer_add_procio(w, &p);
		struct iot_jobstat_sample j = {
			.ts_ns = (1 + 2 * (uint64_t)i) * S, .snapshot_ns = 1700000001ull * S,
			.target_id = iot_writer_intern(w, "obdfilter.fs-OST0000"),
			.job_id = iot_writer_intern(w, "J1"),
			.counter_id = iot_writer_intern(w, "read_bytes"),
			.unit_id = iot_writer_intern(w, "bytes"), .samples = 10u * (unsigned)(i + 1),
			.min = 4096, .max = 1048576, .sum = 5000000u * (unsigned)(i + 1),
			.flags = IOT_JS_HAS_MINMAX | IOT_JS_HAS_SUM};
		iot_writer_add_jobstat(w, &j);
	}
	struct iot_loss l = {.ts_ns = 3 * S + 500 * MS, .source = IOT_SRC_EBPF, .cpu = 1,
			     .count = 3, .reason = IOT_LOSS_RINGBUF_FULL, .pid = 0};
	iot_writer_add_loss(w, &l);
}

/* iotr-gen-classify OUT edges: the iofs row edges. A read and a stat
 * that end in the second after they start; a zero-byte read, a failed
 * read, write and open (no iofs row); a 1-byte write. */
static void edges(iot_writer *w)
{
	proc(w, 300, "gamma", "J3");
	file(w, 3, "/data/plain.bin");
	ev(w, 1 * S + 900 * MS, 200 * MS, 300, IOT_OP_PREAD, 7, 3, 0, 4096, 4096);
	ev(w, 2 * S + 950 * MS, 100 * MS, 300, IOT_OP_STAT, -1, 3, -1, 0, 0);
	ev(w, 3 * S + 100 * MS, 1 * US, 300, IOT_OP_READ, 7, 3, 4096, 4096, 0);
	ev(w, 3 * S + 200 * MS, 2 * US, 300, IOT_OP_READ, 7, 3, -1, 4096, -EIO);
	ev(w, 3 * S + 300 * MS, 3 * US, 300, IOT_OP_PWRITE, 7, 3, 0, 10, -ENOSPC);
	ev(w, 3 * S + 400 * MS, 4 * US, 300, IOT_OP_OPENAT, -1, 0, -1, 0, -ENOENT);
	ev(w, 3 * S + 500 * MS, 5 * US, 300, IOT_OP_PWRITE, 7, 3, 77, 1, 1);
}

int main(int argc, char **argv)
{
	if (argc != 2 && !(argc == 3 && strcmp(argv[2], "edges") == 0)) {
		fprintf(stderr, "usage: iotr-gen-classify OUT [edges]\n");
		return 2;
	}
	struct iot_writer_opts o = {.flags = IOT_W_NO_AUTO_META};
	iot_writer *w;
	int rc = iot_writer_open(&w, argv[1], &o);
	if (rc < 0) {
		fprintf(stderr, "iotr-gen-classify: %s: %s\n", argv[1], iot_strerror(rc));
		return 1;
	}
	iot_writer_set_meta(w, "clock.wall_offset_ns", "1700000000000000000");
	iot_writer_set_meta(w, "host.name", "node7");
	iot_writer_set_meta(w, "job.id", "J0");
	if (argc == 3) {
		edges(w);
		rc = iot_writer_close(w);
		return rc < 0 ? 1 : 0;
	}
	proc(w, 100, "alpha", "J1");
	proc(w, 200, "beta", "J2");
	file(w, 1, "/data/a,b \"q\".dat");
	file(w, 2, "/data/new\nline.txt");
	file(w, 3, "/data/plain.bin");

	uint64_t t = 1 * S;
	ev(w, t + 0 * MS, 20 * US, 100, IOT_OP_OPENAT, -1, 1, -1, 0, 3);
	ev(w, t + 1 * MS, 100 * MS, 100, IOT_OP_PREAD, 3, 1, 0, 4095, 4095);        /* r1 */
	ev(w, t + 200 * MS, 100 * MS, 100, IOT_OP_PREAD, 3, 1, 4095, 4096, 4096);   /* r2 */
	ev(w, t + 400 * MS, 1, 100, IOT_OP_WRITE, 3, 1, 8191, 500, 500);            /* w1 */
	ev(w, t + 500 * MS, 30 * US, 100, IOT_OP_WRITE, 3, 1, 8691, 4096, -ENOSPC); /* w4 */
	ev(w, t + 600 * MS, 5 * US, 100, IOT_OP_FSTAT, 3, 1, -1, 0, 0);
	t = 2 * S;
	ev(w, t + 0 * MS, 20 * US, 100, IOT_OP_OPENAT, -1, 3, -1, 0, 4);
	ev(w, t + 1 * MS, 250 * MS, 100, IOT_OP_READ, 4, 3, 0, 4096, 4096);         /* r3 */
	ev(w, t + 300 * MS, 500 * MS, 100, IOT_OP_PWRITE, 4, 3, 4096, 2000, 2000);  /* w2 */
	ev(w, t + 310 * MS, 300 * MS, 200, IOT_OP_READ, 5, 3, 0, 8192, 4097);       /* r4 */
	ev(w, t + 320 * MS, 500 * MS, 200, IOT_OP_READ, 6, 2, 0, 4097, 4097);       /* r5 */
	ev(w, t + 900 * MS, 2 * US, 100, IOT_OP_CLOSE, 4, 3, -1, 0, 0);
	t = 3 * S;
	ev(w, t + 0 * MS, 1 * US, 200, IOT_OP_READ, 6, 2, 4097, 4096, 0);           /* r6 */
	ev(w, t + 1 * MS, 40 * US, 200, IOT_OP_READ, 6, 2, -1, 4096, -EIO);         /* r7 */
	ev(w, t + 2 * MS, 10 * MS, 200, IOT_OP_WRITE, 6, 2, 0, 100, 100);           /* w3 */
	ev(w, t + 20 * MS, 10 * MS, 200, IOT_OP_WRITEV, 5, 3, 8192, 101, 101);      /* w5 */
	ev(w, t + 40 * MS, 7 * US, 200, IOT_OP_STAT, -1, 3, -1, 0, 0);
	ev(w, t + 50 * MS, 3 * US, 200, IOT_OP_OPENAT, -1, 0, -1, 0, -ENOENT);
	ev(w, t + 60 * MS, 4 * MS, 200, IOT_OP_FSYNC, 5, 3, -1, 0, 0);
	counters(w);
	rc = iot_writer_close(w);
	if (rc < 0) {
		fprintf(stderr, "iotr-gen-classify: %s: %s\n", argv[1], iot_strerror(rc));
		return 1;
	}
	return 0;
}
