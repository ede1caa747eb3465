/* gen_traces.c - iotr-gen: writes test traces with libiotrace, so the
 * analyzer's tests do not depend on the recorder.
 *
 *   iotr-gen golden OUT            the hand-checked trace of test_summary.sh
 *   iotr-gen golden2 OUT           a second node for the merge tests
 *   iotr-gen bench OUT NEVENTS     a large synthetic trace for benchmarks
 *   iotr-gen jobstats OUT T FILE [T FILE ...]
 *                                  one poll per Lustre job_stats capture at
 *                                  monotonic time T seconds
 *   iotr-gen disk OUT T FILE [T FILE ...]
 *                                  one poll per /proc/diskstats capture
 *
 * Every trace uses clock.wall_offset_ns = 1700000000 s, so a timestamp of
 * T seconds is the wall time 1700000000 + T.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/iotrace.h"

#define WALL_BASE "1700000000000000000"
#define MS 1000000ull
#define US 1000ull
#define S 1000000000ull

static int open_trace(iot_writer **w, const char *path, const char *host, const char *job)
{
	struct iot_writer_opts o = { .flags = IOT_W_NO_AUTO_META };
	int rc = iot_writer_open(w, path, &o);
	if (rc < 0) {
		fprintf(stderr, "iotr-gen: %s: %s\n", path, iot_strerror(rc));
		return rc;
	}
	iot_writer_set_meta(*w, "clock.wall_offset_ns", WALL_BASE);
	if (host)
		iot_writer_set_meta(*w, "host.name", host);
	if (job)
		iot_writer_set_meta(*w, "job.id", job);
	return 0;
}

static void proc(iot_writer *w, uint32_t pid, const char *comm, const char *cmdline, const char *job)
{
	struct iot_proc p = { .ts_ns = 1 * S, .start_ns = 1 * S, .pid = pid, .ppid = 1, .uid = 1000,
			      .exit_status = -1, .comm = comm, .exe = comm, .cmdline = cmdline,
			      .job_id = job };
	iot_writer_add_proc(w, &p);
}

static void file(iot_writer *w, uint64_t id, const char *path, uint32_t type)
{
	struct iot_file f = { .id = id, .dev = 2049, .ino = id + 100, .type = type, .path = path };
	iot_writer_add_file(w, &f);
}

static void ev(iot_writer *w, uint64_t ts, uint64_t dur, uint32_t pid, unsigned op, int fd,
	       uint64_t fid, int64_t off, uint64_t size, int64_t result)
{
	struct iot_io_event e = { .ts_ns = ts, .dur_ns = dur, .pid = pid, .tid = pid, .op = (uint16_t)op,
				  .source = IOT_SRC_EBPF, .ftype = fid ? IOT_FT_REG : 0, .fd = fd,
				  .file_id = fid, .offset = off, .size = size, .result = result };
	if (off < 0)
		e.eflags = IOT_EV_OFFSET_UNKNOWN;
	iot_writer_add_io(w, &e);
}

/* The numbers of this trace are checked one by one in test_summary.sh. */
static int golden(const char *path)
{
	iot_writer *w;
	if (open_trace(&w, path, "node1", "J42"))
		return 1;
	proc(w, 100, "writer", "writer -n 4 /data/out.bin", "J42");
	proc(w, 200, "reader", "reader /data/in.bin", "J42");
	file(w, 1, "/data/out.bin", IOT_FT_REG);
	file(w, 2, "/data/in.bin", IOT_FT_REG);
	file(w, 3, "/etc/missing", IOT_FT_UNKNOWN);
	uint64_t t = 1 * S;
	ev(w, t + 0 * MS, 10 * US, 100, IOT_OP_OPENAT, -1, 1, -1, 0, 3);
	ev(w, t + 1 * MS, 100 * US, 100, IOT_OP_WRITE, 3, 1, 0, 4096, 4096);
	ev(w, t + 2 * MS, 200 * US, 100, IOT_OP_WRITE, 3, 1, 4096, 4096, 4096);
	ev(w, t + 3 * MS, 1 * MS, 100, IOT_OP_WRITE, 3, 1, 16384, 1048576, 1048576);
	ev(w, t + 4 * MS, 50 * US, 100, IOT_OP_PWRITE, 3, 1, 0, 100, 100);
	ev(w, t + 5 * MS, 20 * US, 100, IOT_OP_READ, 3, 1, 0, 4096, 4096);
	ev(w, t + 6 * MS, 5 * MS, 100, IOT_OP_FSYNC, 3, 1, -1, 0, 0);
	ev(w, t + 7 * MS, 2 * US, 100, IOT_OP_CLOSE, 3, 1, -1, 0, 0);
	t = 2 * S;
	ev(w, t + 0 * MS, 3 * US, 200, IOT_OP_OPENAT, -1, 3, -1, 0, -ENOENT);
	ev(w, t + 1 * MS, 8 * US, 200, IOT_OP_OPENAT, -1, 2, -1, 0, 4);
	ev(w, t + 2 * MS, 300 * US, 200, IOT_OP_READ, 4, 2, 0, 65536, 65536);
	ev(w, t + 3 * MS, 150 * US, 200, IOT_OP_READ, 4, 2, 65536, 65536, 32768);
	ev(w, t + 4 * MS, 1 * US, 200, IOT_OP_READ, 4, 2, 98304, 65536, 0);
	ev(w, t + 5 * MS, 1 * US, 200, IOT_OP_READ, 99, 0, -1, 100, -EBADF);
	ev(w, t + 6 * MS, 4 * US, 200, IOT_OP_STAT, -1, 2, -1, 0, 0);
	ev(w, t + 7 * MS, 2 * US, 200, IOT_OP_CLOSE, 4, 2, -1, 0, 0);
	struct iot_loss l = { .ts_ns = t + 8 * MS, .source = IOT_SRC_EBPF, .cpu = 0, .count = 7,
			      .reason = IOT_LOSS_RINGBUF_FULL };
	iot_writer_add_loss(w, &l);
	int rc = iot_writer_close(w);
	if (rc)
		fprintf(stderr, "iotr-gen: %s: %s\n", path, iot_strerror(rc));
	return rc ? 1 : 0;
}

/* Another node of the same job: pid 100 again (a different process) and
 * the same path, which the summary merges. */
static int golden2(const char *path)
{
	iot_writer *w;
	if (open_trace(&w, path, "node2", "J42"))
		return 1;
	proc(w, 100, "writer", "writer -n 10 /data/out.bin", "J42");
	file(w, 1, "/data/out.bin", IOT_FT_REG);
	uint64_t t = 3 * S;
	for (int i = 0; i < 10; i++)
		ev(w, t + (uint64_t)i * MS, 2 * MS, 100, IOT_OP_PWRITE, 5, 1, (int64_t)i << 20, 1 << 20, 1 << 20);
	int rc = iot_writer_close(w);
	return rc ? 1 : 0;
}

static int bench(const char *path, uint64_t n)
{
	iot_writer *w;
	if (open_trace(&w, path, "benchnode", "B1"))
		return 1;
	enum { NPID = 16, NFILE = 64 };
	char name[64];
	for (uint32_t p = 0; p < NPID; p++) {
		snprintf(name, sizeof name, "app%u", p);
		proc(w, 1000 + p, name, name, "B1");
	}
	for (uint64_t f = 1; f <= NFILE; f++) {
		snprintf(name, sizeof name, "/scratch/bench/file%02llu", (unsigned long long)f);
		file(w, f, name, IOT_FT_REG);
	}
	uint64_t x = 88172645463325252ull, off[NPID][4] = { { 0 } };
	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* runs of 64 events of one process on one of its 4 files */
		uint32_t p = (uint32_t)((i >> 6) % NPID);
		unsigned k = (unsigned)((i >> 10) & 3);
		uint64_t fid = 1 + (p * 4 + k) % NFILE;
		unsigned r = (unsigned)(x & 15);
		unsigned op = r < 7 ? IOT_OP_PREAD : r < 13 ? IOT_OP_PWRITE : r < 15 ? IOT_OP_FSTAT : IOT_OP_LSEEK;
		uint64_t size = 4096u << (x >> 60 & 3);
		int64_t o = (int64_t)off[p][k];
		if ((x >> 20 & 7) == 0)
			o = (int64_t)((x >> 24) & 0xfffff000);
		off[p][k] = (uint64_t)o + size;
		int is_rw = op == IOT_OP_PREAD || op == IOT_OP_PWRITE;
		ev(w, 1 * S + i * 500, 1000 + (x >> 40 & 0xffff), 1000 + p, op, 3 + (int)k, fid,
		   is_rw ? o : -1, is_rw ? size : 0, is_rw ? (int64_t)size : 0);
	}
	int rc = iot_writer_close(w);
	if (rc)
		fprintf(stderr, "iotr-gen: %s: %s\n", path, iot_strerror(rc));
	return rc ? 1 : 0;
}

/* ---- Lustre job_stats text (enough of it for test inputs) -------------- */

static uint64_t parse_time_ns(const char *s)
{
	char *end;
	unsigned long long sec = strtoull(s, &end, 10);
	uint64_t ns = 0;
	if (*end == '.') {
		const char *p = end + 1;
		uint64_t scale = 100000000;
		for (; *p >= '0' && *p <= '9' && scale; p++, scale /= 10)
			ns += (uint64_t)(*p - '0') * scale;
	}
	return (uint64_t)sec * S + ns;
}

static uint64_t field(const char *brace, const char *name, int *found)
{
	char key[32];
	snprintf(key, sizeof key, "%s:", name);
	const char *p = strstr(brace, key);
	if (!p) {
		*found = 0;
		return 0;
	}
	*found = 1;
	return strtoull(p + strlen(key), NULL, 10);
}

static int jobstats_poll(iot_writer *w, uint64_t ts, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	char line[1024], target[256] = "", job[256] = "";
	uint64_t snap = 0, start = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *p = line;
		while (*p == ' ')
			p++;
		char *eq = strstr(line, ".job_stats=");
		if (eq && p == line) {
			snprintf(target, sizeof target, "%.*s", (int)(eq - line), line);
			continue;
		}
		if (strncmp(p, "- job_id:", 9) == 0) {
			p += 9;
			while (*p == ' ')
				p++;
			snprintf(job, sizeof job, "%s", p);
			snap = start = 0;
			continue;
		}
		char *colon = strchr(p, ':');
		if (!colon || !*job)
			continue;
		*colon = 0;
		char *val = colon + 1;
		while (*val == ' ')
			val++;
		if (strcmp(p, "snapshot_time") == 0) {
			snap = parse_time_ns(val);
		} else if (strcmp(p, "start_time") == 0) {
			start = parse_time_ns(val);
		} else if (*val == '{') {
			struct iot_jobstat_sample s = { .ts_ns = ts, .snapshot_ns = snap, .start_ns = start };
			int has_min, has_sum, has_sq, dummy;
			char unit[32] = "";
			const char *u = strstr(val, "unit:");
			if (u)
				sscanf(u + 5, " %31[a-z]", unit);
			s.samples = field(val, "samples", &dummy);
			s.min = field(val, "min", &has_min);
			s.max = field(val, "max", &dummy);
			s.sum = field(val, "sum", &has_sum);
			s.sumsq = field(val, "sumsq", &has_sq);
			s.flags = (has_min ? IOT_JS_HAS_MINMAX : 0) | (has_sum ? IOT_JS_HAS_SUM : 0) |
				  (has_sq ? IOT_JS_HAS_SUMSQ : 0);
			s.target_id = iot_writer_intern(w, target);
			s.job_id = iot_writer_intern(w, job);
			s.counter_id = iot_writer_intern(w, p);
			s.unit_id = iot_writer_intern(w, unit);
			if (iot_writer_add_jobstat(w, &s)) {
				fclose(f);
				return 1;
			}
		}
	}
	fclose(f);
	return 0;
}

static int disk_poll(iot_writer *w, uint64_t ts, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		struct iot_disk_sample s = { .ts_ns = ts };
		char name[64];
		int pos = 0;
		if (sscanf(line, "%u %u %63s%n", &s.major, &s.minor, name, &pos) != 3)
			continue;
		char *p = line + pos, *end;
		while (s.nfields < IOT_DISK_COUNTERS) {
			unsigned long long v = strtoull(p, &end, 10);
			if (end == p)
				break;
			s.c[s.nfields++] = v;
			p = end;
		}
		s.name_id = iot_writer_intern(w, name);
		if (iot_writer_add_disk(w, &s)) {
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

static int polls(const char *kind, const char *path, int argc, char **argv)
{
	iot_writer *w;
	if (argc < 2 || argc % 2) {
		fprintf(stderr, "iotr-gen %s: need pairs of T FILE\n", kind);
		return 2;
	}
	if (open_trace(&w, path, "oss1", NULL))
		return 1;
	int rc = 0;
	for (int i = 0; i < argc && !rc; i += 2) {
		uint64_t ts = parse_time_ns(argv[i]);
		rc = strcmp(kind, "disk") == 0 ? disk_poll(w, ts, argv[i + 1])
					       : jobstats_poll(w, ts, argv[i + 1]);
	}
	int crc = iot_writer_close(w);
	return rc || crc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: iotr-gen golden|golden2|bench|jobstats|disk OUT [ARGS]\n");
		return 2;
	}
	if (strcmp(argv[1], "golden") == 0)
		return golden(argv[2]);
	if (strcmp(argv[1], "golden2") == 0)
		return golden2(argv[2]);
	if (strcmp(argv[1], "bench") == 0 && argc == 4)
		return bench(argv[2], strtoull(argv[3], NULL, 10));
	if (strcmp(argv[1], "jobstats") == 0 || strcmp(argv[1], "disk") == 0)
		return polls(argv[1], argv[2], argc - 3, argv + 3);
	fprintf(stderr, "iotr-gen: unknown kind '%s'\n", argv[1]);
	return 2;
}
