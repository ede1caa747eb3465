/* golden.c - writes the traces ioview's tests and benchmark look at.
 *
 *   ioview-golden [--host NAME] OUT.iotr   the golden trace (numbers below)
 *   ioview-golden --big N OUT.iotr         N synthetic events over 100 s (bench)
 *
 * Golden trace, 10 s from t = 0, one node "goldnode", job "job-A"/"job-B":
 *   pid 1001 reader     job-A  4 x pread 1 MiB per second of /data/input.dat, 2 ms each
 *   pid 1002 writer     job-B  tid 1002: 4 x pwrite 1 MiB/s to /data/out.dat (5 ms)
 *                              tid 1010: 4 x pwrite 1 MiB/s to /data/données/файл.dat (5 ms)
 *   pid 1004 statter    job-A  10 x stat /etc/passwd per second (100 us)
 *   pid 1005 shortlived job-B  2 x write 1 MiB per second during 0..3 s, exits at 4 s
 * so a 1 s window at the start shows READ/s 4.0M for 1001, WRITE/s 8.0M and
 * W-IOPS 8.0 for 1002, META/s 10.0 for 1004, WRITE/s 2.0M for 1005.
 * diskstats: vda every second: +100 reads, +8192 sectors read, +200 ms
 * reading, +50 writes, +16384 sectors written, +500 ms writing, +600 ms
 * io_ticks, +700 weighted ms => r/s 100, rkB/s 4096, r_await 2.00, w/s 50,
 * wkB/s 8192, w_await 10.00, aqu-sz 0.70, %util 60.00.
 * jobstats: lustre-OST0000 job-A read_bytes +4 MiB/s, job-B write_bytes +8 MiB/s.
 * procio: pid 1002 wchar +8 MiB/s, write_bytes +4 MiB/s.
 * A loss record of 7 events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/iotrace.h"

#define SEC 1000000000ull
#define MIB 1048576ull
#define T0 (5 * SEC)

static int fail(const char *what, int rc)
{
	fprintf(stderr, "ioview-golden: %s: %s\n", what, iot_strerror(rc));
	return 1;
}

static int add_proc(iot_writer *w, uint32_t pid, const char *comm, const char *cmd, const char *job,
		    uint64_t exit_ns)
{
	struct iot_proc p = {.ts_ns = T0, .start_ns = T0 - SEC, .exit_ns = exit_ns, .pid = pid,
			     .ppid = 1, .uid = 1000, .gid = 1000, .exit_status = exit_ns ? 0 : -1,
			     .comm = comm, .exe = comm, .cmdline = cmd, .cgroup = "/", .job_id = job};
	return iot_writer_add_proc(w, &p);
}

static uint64_t add_file(iot_writer *w, const char *path)
{
	struct iot_file f = {.dev = 0x801, .ino = strlen(path) * 7919, .type = IOT_FT_REG, .path = path};
	return iot_writer_file(w, &f);
}

static int io(iot_writer *w, uint64_t ts, uint32_t pid, uint32_t tid, unsigned op, uint64_t file,
	      int64_t off, uint64_t size, uint64_t dur)
{
	struct iot_io_event ev = {.ts_ns = ts, .dur_ns = dur, .pid = pid, .tid = tid, .op = (uint16_t)op,
				  .source = IOT_SRC_EBPF, .ftype = IOT_FT_REG, .fd = file ? 3 : -1,
				  .file_id = file, .offset = off, .size = size,
				  .result = (int64_t)size};
	if (iot_op_category(op) == IOT_CAT_META)
		ev.result = 0;
	return iot_writer_add_io(w, &ev);
}

static const char *host_name = "goldnode";

static int set_meta(iot_writer *w)
{
	int rc = 0;
	rc |= iot_writer_set_meta(w, "host.name", host_name);
	rc |= iot_writer_set_meta(w, "job.id", "job-A");
	rc |= iot_writer_set_meta(w, "sources", "ebpf,diskstats,jobstats");
	/* Monotonic 0 = 2026-01-01 00:00:00 UTC, whenever the trace is made. */
	rc |= iot_writer_set_metaf(w, "clock.wall_offset_ns", "%llu", 1767225600ull * SEC);
	return rc;
}

static int golden_io(iot_writer *w)
{
	uint64_t fin = add_file(w, "/data/input.dat"), fout = add_file(w, "/data/out.dat");
	uint64_t futf = add_file(w, "/data/donn\xc3\xa9" "es/\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb.dat");
	uint64_t fpw = add_file(w, "/etc/passwd"), fshort = add_file(w, "/scratch/short.tmp");
	if (!fin || !fout || !futf || !fpw || !fshort)
		return -ENOMEM;
	int rc = 0;
	for (uint64_t s = 0; s < 10 && !rc; s++) {
		for (uint64_t k = 0; k < 10 && !rc; k++) {
			uint64_t t = T0 + s * SEC + k * (SEC / 10);
			rc |= io(w, t + 1000, 1004, 1004, IOT_OP_STAT, fpw, -1, 0, 100000);
			if (k % 5 == 0 && s < 3)
				rc |= io(w, t + 2000, 1005, 1005, IOT_OP_WRITE, fshort,
					 (int64_t)((s * 2 + k / 5) * MIB), MIB, 3000000);
		}
		for (uint64_t k = 0; k < 4 && !rc; k++) {
			uint64_t t = T0 + s * SEC + k * (SEC / 4);
			int64_t off = (int64_t)((s * 4 + k) * MIB);
			rc |= io(w, t, 1001, 1001, IOT_OP_PREAD, fin, off, MIB, 2000000);
			rc |= io(w, t + 500, 1002, 1002, IOT_OP_PWRITE, fout, off, MIB, 5000000);
			rc |= io(w, t + 700, 1002, 1010, IOT_OP_PWRITE, futf, off, MIB, 5000000);
		}
	}
	return rc;
}

static int golden_counters(iot_writer *w)
{
	uint64_t vda = iot_writer_intern(w, "vda");
	uint64_t ost = iot_writer_intern(w, "obdfilter.lustre-OST0000");
	uint64_t ja = iot_writer_intern(w, "job-A"), jb = iot_writer_intern(w, "job-B");
	uint64_t rb = iot_writer_intern(w, "read_bytes"), wb = iot_writer_intern(w, "write_bytes");
	uint64_t bytes = iot_writer_intern(w, "bytes");
	if (!vda || !ost || !ja || !jb || !rb || !wb || !bytes)
		return -ENOMEM;
	int rc = 0;
	for (uint64_t s = 0; s <= 10 && !rc; s++) {
		struct iot_disk_sample d = {.ts_ns = T0 + s * SEC, .major = 253, .minor = 0,
					    .name_id = vda, .nfields = 17};
		d.c[0] = 1000 + 100 * s;
		d.c[2] = 50000 + 8192 * s;
		d.c[3] = 3000 + 200 * s;
		d.c[4] = 2000 + 50 * s;
		d.c[6] = 90000 + 16384 * s;
		d.c[7] = 7000 + 500 * s;
		d.c[9] = 11000 + 600 * s;
		d.c[10] = 13000 + 700 * s;
		rc |= iot_writer_add_disk(w, &d);
		struct iot_jobstat_sample js = {.ts_ns = T0 + s * SEC, .snapshot_ns = (1767225600ull + 5 + s) * SEC,
						.target_id = ost, .job_id = ja, .counter_id = rb,
						.unit_id = bytes, .samples = 4 * s, .min = MIB, .max = MIB,
						.sum = 4 * MIB * s, .sumsq = 4 * MIB * MIB * s,
						.flags = IOT_JS_HAS_MINMAX | IOT_JS_HAS_SUM | IOT_JS_HAS_SUMSQ};
		rc |= iot_writer_add_jobstat(w, &js);
		js.job_id = jb;
		js.counter_id = wb;
		js.samples = 8 * s;
		js.sum = 8 * MIB * s;
		js.sumsq = 8 * MIB * MIB * s;
		rc |= iot_writer_add_jobstat(w, &js);
	}
	/* /proc/1002/io: wchar +8 MiB/s (its pwrites), write_bytes +4 MiB/s
	 * (half reached the disk), syscw +8/s. */
	for (uint64_t s = 0; s <= 10 && !rc; s++) {
		struct iot_procio_sample p = {.ts_ns = T0 + s * SEC, .pid = 1002, .rchar = 1000,
					      .wchar = 8 * MIB * s, .syscr = 3, .syscw = 8 * s,
					      .write_bytes = 4 * MIB * s};
		rc |= iot_writer_add_procio(w, &p);
	}
	struct iot_loss l = {.ts_ns = T0 + 5 * SEC, .source = IOT_SRC_EBPF, .cpu = 0, .count = 7,
			     .reason = IOT_LOSS_RINGBUF_FULL};
	rc |= iot_writer_add_loss(w, &l);
	return rc;
}

static int write_golden(iot_writer *w)
{
	int rc = set_meta(w);
	rc |= add_proc(w, 1001, "reader", "reader --in /data/input.dat", "job-A", 0);
	rc |= add_proc(w, 1002, "writer", "writer -t 2", "job-B", 0);
	rc |= add_proc(w, 1004, "statter", "statter /etc/passwd", "job-A", 0);
	rc |= add_proc(w, 1005, "shortlived", "shortlived", "job-B", T0 + 4 * SEC);
	if (rc)
		return rc;
	rc = golden_io(w);
	return rc ? rc : golden_counters(w);
}

/* n events over 100 s: 64 processes x 4 threads, 256 files, mixed ops. */
static int write_big(iot_writer *w, uint64_t n)
{
	int rc = set_meta(w);
	char comm[32], path[64];
	uint64_t files[256];
	for (uint32_t p = 0; p < 64 && !rc; p++) {
		snprintf(comm, sizeof(comm), "rank%02u", p);
		rc = add_proc(w, 20000 + p, comm, comm, p < 32 ? "job-A" : "job-B", 0);
	}
	for (int f = 0; f < 256 && !rc; f++) {
		snprintf(path, sizeof(path), "/scratch/big/file%03d.dat", f);
		files[f] = add_file(w, path);
		if (!files[f])
			rc = -ENOMEM;
	}
	uint64_t step = 100 * SEC / (n ? n : 1);
	uint64_t x = 88172645463325252ull;
	for (uint64_t i = 0; i < n && !rc; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t p = (uint32_t)(x % 64), t = (uint32_t)(x >> 8) % 4;
		unsigned op = (x >> 16) % 8 < 4 ? IOT_OP_PREAD : (x >> 16) % 8 < 7 ? IOT_OP_PWRITE : IOT_OP_FSTAT;
		uint64_t f = files[(x >> 24) % 256];
		rc = io(w, T0 + i * step, 20000 + p, 20000 + p + t * 1000, op, f,
			(int64_t)((x >> 32) % 1024) * 4096, 4096, 2000 + (x >> 40) % 50000);
	}
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t big = 0;
	const char *out;
	if (argc == 4 && !strcmp(argv[1], "--host")) {
		host_name = argv[2];
		out = argv[3];
	} else if (argc == 4 && !strcmp(argv[1], "--big")) {
		big = strtoull(argv[2], NULL, 10);
		out = argv[3];
	} else if (argc == 2) {
		out = argv[1];
	} else {
		fprintf(stderr, "usage: ioview-golden [--host NAME | --big N] OUT.iotr\n");
		return 2;
	}
	iot_writer *w;
	int rc = iot_writer_open(&w, out, NULL);
	if (rc)
		return fail(out, rc);
	rc = big ? write_big(w, big) : write_golden(w);
	int rc2 = iot_writer_close(w);
	if (rc)
		return fail("writing", rc);
	if (rc2)
		return fail("closing", rc2);
	return 0;
}
