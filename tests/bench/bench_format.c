/* bench_format.c - libiotrace throughput and size (make bench-format).
 *
 * Two workloads of 10M I/O events each, single thread:
 *   seq   pread 4 KiB sequentially from the page cache (latency ~0.35-1 us)
 *   rand  pread 4 KiB at random 4 KiB-aligned offsets of a 1 GiB file,
 *         device latencies (50 us + exponential, ns resolution)
 * Write = generate + encode + compress + write; read = open + decompress +
 * decode every I/O chunk. The writer's peak RSS is measured in a child
 * process that only writes. Prints BENCH lines and a table. */
#include "format/iotrace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static inline uint64_t xrand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
/* Exponential samples come from a table so that generating an event costs
 * a few ns and the write figure measures the writer, not libm. */
static double expo_table[4096];
static void expo_init(void)
{
	for (int i = 0; i < 4096; i++)
		expo_table[i] = -log(1.0 - (i + 0.5) / 4096.0);
}
static inline uint64_t expo(double mean) { return (uint64_t)(expo_table[xrand() & 4095] * mean); }

struct gen {
	int random;
	uint64_t ts, off, i;
	uint64_t fid;
};

static void gen_next(struct gen *g, struct iot_io_event *e)
{
	memset(e, 0, sizeof *e);
	e->pid = 4242;
	e->tid = 4242;
	e->op = IOT_OP_PREAD;
	e->source = IOT_SRC_EBPF;
	e->ftype = IOT_FT_REG;
	e->fd = 3;
	e->file_id = g->fid;
	e->size = 4096;
	e->result = 4096;
	if (g->random) {
		e->dur_ns = 50000 + expo(100000.0);
		e->offset = (int64_t)((xrand() % (1ULL << 18)) << 12);
		g->ts += 1500 + expo(800.0);
	} else {
		e->dur_ns = 350 + expo(80.0);
		e->offset = (int64_t)g->off;
		g->off += 4096;
		g->ts += 150 + expo(60.0);
	}
	e->ts_ns = g->ts;
	g->ts += e->dur_ns;
	g->i++;
}

static double now_s(void) { return (double)iot_now_mono_ns() / 1e9; }

static int write_trace(const char *path, int random, uint64_t n)
{
	unlink(path);
	iot_writer *w;
	int rc = iot_writer_open(&w, path, NULL);
	if (rc)
		return rc;
	struct iot_file f = {.dev = 2049, .ino = 77, .type = IOT_FT_REG, .path = "/scratch/data.bin"};
	struct gen g = {.random = random, .ts = 1000000000ULL, .fid = iot_writer_file(w, &f)};
	struct iot_io_event e;
	for (uint64_t i = 0; i < n && !rc; i++) {
		gen_next(&g, &e);
		rc = iot_writer_add_io(w, &e);
	}
	int crc = iot_writer_close(w);
	return rc ? rc : crc;
}

static int read_trace(const char *path, uint64_t *events, uint64_t *checksum)
{
	iot_reader *r;
	struct iot_error err;
	int rc = iot_reader_open(&r, path, &err);
	if (rc)
		return rc;
	uint64_t n = 0, sum = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		if (iot_reader_chunk(r, c)->stream != IOT_STREAM_IO)
			continue;
		const struct iot_io_event *e;
		size_t k;
		if ((rc = iot_reader_decode_io(r, c, &e, &k)))
			break;
		for (size_t i = 0; i < k; i++)
			sum += e[i].dur_ns + (uint64_t)e[i].offset;
		n += k;
	}
	iot_reader_close(r);
	*events = n;
	*checksum = sum;
	return rc;
}

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ULL;
	expo_init();
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char seq[512], rnd[512];
	snprintf(seq, sizeof seq, "%s/bench-format-seq.%d.iotr", dir, (int)getpid());
	snprintf(rnd, sizeof rnd, "%s/bench-format-rand.%d.iotr", dir, (int)getpid());

	enum { RUNS = 3 };
	double wt[RUNS], rt[RUNS];
	uint64_t evs = 0, sum = 0;
	int rc;
	for (int k = 0; k < RUNS; k++) {
		double t0 = now_s();
		if ((rc = write_trace(seq, 0, n)))
			goto fail;
		double t1 = now_s();
		if ((rc = read_trace(seq, &evs, &sum)))
			goto fail;
		double t2 = now_s();
		wt[k] = t1 - t0;
		rt[k] = t2 - t1;
		if (evs != n) {
			fprintf(stderr, "bench-format: read %llu events, wrote %llu\n",
				(unsigned long long)evs, (unsigned long long)n);
			return 1;
		}
	}
	struct stat st;
	stat(seq, &st);
	double seq_bpe = (double)st.st_size / (double)n;
	double wmed = median(wt, RUNS), rmed = median(rt, RUNS);

	if ((rc = write_trace(rnd, 1, n)))
		goto fail;
	stat(rnd, &st);
	double rand_bpe = (double)st.st_size / (double)n;
	double t0 = now_s();
	if ((rc = read_trace(rnd, &evs, &sum)))
		goto fail;
	double rand_read = (double)n / (now_s() - t0);

	/* writer peak RSS, in a child that only writes */
	pid_t pid = fork();
	if (pid == 0) {
		unlink(rnd);
		_exit(write_trace(rnd, 1, n) ? 1 : 0);
	}
	int status;
	struct rusage ru;
	wait4(pid, &status, 0, &ru);
	double rss_mib = (double)ru.ru_maxrss / 1024.0;
	unlink(seq);
	unlink(rnd);

	printf("libiotrace, %llu events per run, single thread (median of %d runs for seq)\n",
	       (unsigned long long)n, RUNS);
	printf("  %-28s %14.0f events/s\n", "write seq (gen+enc+zstd)", (double)n / wmed);
	printf("  %-28s %14.0f events/s\n", "read seq (dec+zstd)", (double)n / rmed);
	printf("  %-28s %14.0f events/s\n", "read rand", rand_read);
	printf("  %-28s %14.2f bytes/event\n", "size seq", seq_bpe);
	printf("  %-28s %14.2f bytes/event\n", "size rand", rand_bpe);
	printf("  %-28s %14.1f MiB\n", "writer peak RSS", rss_mib);
	printf("BENCH format.write_events_per_s %.0f\n", (double)n / wmed);
	printf("BENCH format.read_events_per_s %.0f\n", (double)n / rmed);
	printf("BENCH format.seq_bytes_per_event %.3f\n", seq_bpe);
	printf("BENCH format.rand_bytes_per_event %.3f\n", rand_bpe);
	printf("BENCH format.writer_peak_rss_mib %.1f\n", rss_mib);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
fail:
	fprintf(stderr, "bench-format: %s\n", iot_strerror(rc));
	unlink(seq);
	unlink(rnd);
	return 1;
}
