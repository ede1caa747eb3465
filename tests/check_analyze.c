/* check_analyze.c - unit tests of the analyzer's pure engines: latency
 * histogram, size buckets, exact merging of aggregates, jobstats deltas
 * and job id decoding, iostat metrics with wrap and re-attach. */
#include <check.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/agg.h"
#include "analyze/iostat.h"
#include "analyze/jobs.h"
#include "analyze/out.h"

START_TEST(lat_buckets_cover_every_value)
{
	/* buckets are contiguous and each value falls in its own range */
	uint64_t prev_hi = 0;
	for (unsigned b = 0; b < AGG_LAT_NBUCKETS; b++) {
		uint64_t lo, hi;
		agg_lat_bucket_range(b, &lo, &hi);
		if (b)
			ck_assert_uint_eq(lo, prev_hi + 1);
		ck_assert_uint_le(lo, hi);
		ck_assert_uint_eq(agg_lat_bucket(lo), b);
		if (hi != UINT64_MAX)
			ck_assert_uint_eq(agg_lat_bucket(hi), b);
		prev_hi = hi;
	}
	ck_assert_uint_eq(prev_hi, UINT64_MAX);
	/* relative width <= 1/8 above the exact range */
	uint64_t lo, hi;
	agg_lat_bucket_range(agg_lat_bucket(1000000), &lo, &hi);
	ck_assert(lo <= 1000000 && hi >= 1000000 && (double)(hi - lo + 1) / (double)lo <= 0.125);
}
END_TEST

START_TEST(lat_quantiles)
{
	struct agg_lat h;
	agg_lat_init(&h);
	ck_assert_uint_eq(agg_lat_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 1000; v++)
		agg_lat_add(&h, v * 1000);
	ck_assert_uint_eq(h.count, 1000);
	ck_assert_uint_eq(h.min_ns, 1000);
	ck_assert_uint_eq(h.max_ns, 1000000);
	ck_assert_uint_eq(agg_lat_quantile(&h, 0), 1000);
	ck_assert_uint_eq(agg_lat_quantile(&h, 1), 1000000);
	double p50 = (double)agg_lat_quantile(&h, 0.5), p99 = (double)agg_lat_quantile(&h, 0.99);
	ck_assert(p50 > 500000 * 0.93 && p50 < 500000 * 1.07);
	ck_assert(p99 > 990000 * 0.93 && p99 <= 1000000);
	/* small values are exact */
	agg_lat_init(&h);
	agg_lat_add(&h, 3);
	agg_lat_add(&h, 5);
	agg_lat_add(&h, 7);
	ck_assert_uint_eq(agg_lat_quantile(&h, 0.5), 5);
}
END_TEST

START_TEST(size_buckets_darshan_bounds)
{
	ck_assert_uint_eq(agg_size_bucket(0), 0);
	ck_assert_uint_eq(agg_size_bucket(100), 0);
	ck_assert_uint_eq(agg_size_bucket(101), 1);
	ck_assert_uint_eq(agg_size_bucket(1024), 1);
	ck_assert_uint_eq(agg_size_bucket(1025), 2);
	ck_assert_uint_eq(agg_size_bucket(1048576), 4);
	ck_assert_uint_eq(agg_size_bucket(1048577), 5);
	ck_assert_uint_eq(agg_size_bucket(4194304), 5);
	ck_assert_uint_eq(agg_size_bucket(10485760), 6);
	ck_assert_uint_eq(agg_size_bucket(1073741824), 8);
	ck_assert_uint_eq(agg_size_bucket(1073741825), 9);
	ck_assert_str_eq(agg_size_bucket_name(9), "1G+");
}
END_TEST

static struct iot_io_event mkev(uint64_t i)
{
	struct iot_io_event e;
	memset(&e, 0, sizeof e);
	e.ts_ns = 1000 + i * 10;
	e.dur_ns = 100 + (i * 7919) % 100000;
	e.pid = 10 + (uint32_t)(i % 3);
	e.tid = e.pid;
	e.op = i % 5 == 0 ? IOT_OP_OPENAT : i % 2 ? IOT_OP_PREAD : IOT_OP_PWRITE;
	e.fd = 3;
	e.file_id = 0;
	e.offset = e.op == IOT_OP_OPENAT ? -1 : (int64_t)(i * 4096);
	e.size = 4096;
	e.result = i % 17 == 0 ? -EIO : 4096;
	return e;
}

/* The aggregates of two halves merged equal the aggregate of the whole
 * (histograms, errors, sizes, first/last). */
START_TEST(stats_merge_is_exact)
{
	struct agg_stats all, a, b;
	agg_stats_init(&all);
	agg_stats_init(&a);
	agg_stats_init(&b);
	for (uint64_t i = 0; i < 10000; i++) {
		struct iot_io_event e = mkev(i);
		agg_stats_add(&all, &e, e.ts_ns);
		agg_stats_add(i < 3777 ? &a : &b, &e, e.ts_ns);
	}
	agg_stats_merge(&a, &b);
	ck_assert_int_eq(memcmp(&a, &all, sizeof a), 0);
	ck_assert_uint_eq(all.errors, 589);
	ck_assert_uint_eq(all.err_by_errno[EIO], 589);
	ck_assert_uint_eq(all.ops, 10000);
	ck_assert_uint_eq(all.meta_ops, 2000);
	ck_assert_uint_eq(all.first_ns, 1000);
}
END_TEST

/* A fresh name for a trace in /tmp (the file itself does not exist). */
static void tmp_trace_name(char *path)
{
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
}

/* Feed every I/O event of r to all, and to b where to_b says so, else
 * to a; then merge b into a. */
static void feed_split(iot_reader *r, struct agg *all, struct agg *a, struct agg *b,
		       int (*to_b)(const struct iot_io_event *))
{
	ck_assert_int_eq(agg_add_trace(all, r), 0);
	ck_assert_int_eq(agg_add_trace(a, r), 0);
	ck_assert_int_eq(agg_add_trace(b, r), 0);
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_io_event *evs;
		size_t n;
		if (iot_reader_chunk(r, c)->stream != IOT_STREAM_IO)
			continue;
		ck_assert_int_eq(iot_reader_decode_io(r, c, &evs, &n), 0);
		for (size_t k = 0; k < n; k++) {
			ck_assert_int_eq(agg_add_event(all, 0, &evs[k]), 1);
			ck_assert_int_eq(agg_add_event(to_b(&evs[k]) ? b : a, 0, &evs[k]), 1);
		}
	}
	ck_assert_int_eq(agg_merge(a, b), 0);
}

/* Free what a feed_split test made and remove its trace. */
static void free_split(iot_reader *r, const char *path, struct agg *all, struct agg *a,
		       struct agg *b)
{
	agg_free(all);
	agg_free(a);
	agg_free(b);
	iot_reader_close(r);
	unlink(path);
}

static int pid_is_11(const struct iot_io_event *e) { return e->pid == 11; }
static int after_2000(const struct iot_io_event *e) { return e->ts_ns >= 2000; }

/* Whole aggregators over a real trace: one fed everything equals two fed
 * disjoint sets of processes, merged. */
START_TEST(agg_merge_is_exact)
{
	char path[] = "/tmp/check_analyze_XXXXXX";
	tmp_trace_name(path);
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, path, NULL), 0);
	struct iot_proc p = { .pid = 10, .comm = "ten", .job_id = "J1" };
	iot_writer_add_proc(w, &p);
	p.pid = 11;
	p.comm = "eleven";
	iot_writer_add_proc(w, &p);
	p.pid = 12;
	p.comm = "twelve";
	iot_writer_add_proc(w, &p);
	struct iot_file f = { .id = 1, .path = "/x", .type = IOT_FT_REG };
	iot_writer_add_file(w, &f);
	for (uint64_t i = 0; i < 5000; i++) {
		struct iot_io_event e = mkev(i);
		e.file_id = 1;
		ck_assert_int_eq(iot_writer_add_io(w, &e), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);
	iot_reader *r;
	ck_assert_int_eq(iot_reader_open(&r, path, NULL), 0);
	struct agg *all = agg_new(NULL), *a = agg_new(NULL), *b = agg_new(NULL);
	feed_split(r, all, a, b, pid_is_11);
	ck_assert_int_eq(memcmp(agg_totals(a), agg_totals(all), sizeof(struct agg_stats)), 0);
	ck_assert_uint_eq(agg_process_count(a), 3);
	ck_assert_uint_eq(agg_file_count(a), 1);
	ck_assert_int_eq(memcmp(&agg_file(a, 0)->st, &agg_file(all, 0)->st, sizeof(struct agg_stats)), 0);
	ck_assert_uint_eq(agg_file(a, 0)->nprocs, 3);
	ck_assert_uint_eq(agg_job_count(a), 1);
	ck_assert_str_eq(agg_job(a, 0)->job, "J1");
	ck_assert_uint_eq(agg_job(a, 0)->st.ops, 5000);
	for (size_t i = 0; i < agg_process_count(all); i++) {
		const struct agg_process *x = agg_process(all, i);
		size_t j;
		for (j = 0; j < agg_process_count(a) && agg_process(a, j)->pid != x->pid; j++)
			;
		ck_assert_uint_lt(j, agg_process_count(a));
		ck_assert_int_eq(memcmp(&agg_process(a, j)->st, &x->st, sizeof x->st), 0);
	}
	free_split(r, path, all, a, b);
}
END_TEST

/* A pid reused within one trace is two processes: each event goes to the
 * life that was running at its time, threads included, and a thread id
 * that comes back as another process's pid is another thread. Merging
 * two aggregators fed a time split each keeps the lives apart. */
START_TEST(agg_pid_reuse_is_two_processes)
{
	char path[] = "/tmp/check_analyze_XXXXXX";
	tmp_trace_name(path);
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, path, NULL), 0);
	struct iot_proc p = { .ts_ns = 100, .start_ns = 100, .exit_ns = 40000, .pid = 10,
			      .comm = "first" };
	iot_writer_add_proc(w, &p);
	p = (struct iot_proc){ .ts_ns = 100, .start_ns = 100, .pid = 20, .comm = "other" };
	iot_writer_add_proc(w, &p);
	p = (struct iot_proc){ .ts_ns = 50000, .start_ns = 50000, .pid = 10, .comm = "second" };
	iot_writer_add_proc(w, &p);
	p = (struct iot_proc){ .ts_ns = 50000, .start_ns = 50000, .pid = 30, .comm = "thirty" };
	iot_writer_add_proc(w, &p);
	/* first life of 10: 300 reads; pid 20's thread 30: 200 writes; then
	 * the second life of 10: 100 writes; process 30: 50 reads */
	for (uint64_t i = 0; i < 650; i++) {
		struct iot_io_event e = { .dur_ns = 10, .fd = 3, .offset = 0, .size = 8, .result = 8 };
		if (i < 300)
			e.ts_ns = 1000 + i * 10, e.pid = e.tid = 10, e.op = IOT_OP_READ;
		else if (i < 500)
			e.ts_ns = 1005 + (i - 300) * 10, e.pid = 20, e.tid = 30, e.op = IOT_OP_WRITE;
		else if (i < 600)
			e.ts_ns = 60000 + (i - 500) * 10, e.pid = e.tid = 10, e.op = IOT_OP_WRITE;
		else
			e.ts_ns = 60005 + (i - 600) * 10, e.pid = e.tid = 30, e.op = IOT_OP_READ;
		ck_assert_int_eq(iot_writer_add_io(w, &e), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);
	iot_reader *r;
	ck_assert_int_eq(iot_reader_open(&r, path, NULL), 0);
	struct agg_opts o = { .flags = AGG_THREADS };
	struct agg *all = agg_new(&o), *a = agg_new(&o), *b = agg_new(&o);
	feed_split(r, all, a, b, after_2000);
	static const struct { uint32_t pid; const char *comm; uint64_t reads, writes; } want[] = {
		{ 10, "first", 300, 0 }, { 20, "other", 0, 200 },
		{ 10, "second", 0, 100 }, { 30, "thirty", 50, 0 },
	};
	for (int m = 0; m < 2; m++) {
		struct agg *x = m ? a : all;
		ck_assert_uint_eq(agg_process_count(x), 4);
		for (size_t k = 0; k < 4; k++) {
			size_t i;
			for (i = 0; i < 4 && strcmp(agg_process(x, i)->comm, want[k].comm); i++)
				;
			ck_assert_uint_lt(i, 4);
			ck_assert_uint_eq(agg_process(x, i)->pid, want[k].pid);
			ck_assert_uint_eq(agg_process(x, i)->st.read_ops, want[k].reads);
			ck_assert_uint_eq(agg_process(x, i)->st.write_ops, want[k].writes);
		}
		/* threads: 10 twice, 20/30 and 30/30 */
		ck_assert_uint_eq(agg_thread_count(x), 4);
		uint64_t tid30 = 0;
		for (size_t i = 0; i < agg_thread_count(x); i++)
			if (agg_thread(x, i)->tid == 30)
				tid30 += agg_thread(x, i)->pid == 20 ? agg_thread(x, i)->st.write_ops
								     : 1000 * agg_thread(x, i)->st.read_ops;
		ck_assert_uint_eq(tid30, 200 + 1000 * 50);
	}
	free_split(r, path, all, a, b);
}
END_TEST

/* A path seen first without its inode (a stat that failed before the
 * file was created) and then opened is two file ids, one row: its type
 * is the one the open learned, whichever aggregator saw which id. */
START_TEST(agg_file_type_known_wins)
{
	char path[] = "/tmp/check_analyze_XXXXXX";
	tmp_trace_name(path);
	iot_writer *w;
	ck_assert_int_eq(iot_writer_open(&w, path, NULL), 0);
	struct iot_file f = { .id = 1, .path = "/made", .type = IOT_FT_UNKNOWN };
	iot_writer_add_file(w, &f);
	f = (struct iot_file){ .id = 2, .path = "/made", .type = IOT_FT_REG, .dev = 5, .ino = 9 };
	iot_writer_add_file(w, &f);
	for (uint64_t i = 0; i < 300; i++) {
		struct iot_io_event e = mkev(i);
		e.file_id = i < 100 ? 1 : 2; /* ts 1000 + 10 i: id 1 before 2000 */
		ck_assert_int_eq(iot_writer_add_io(w, &e), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);
	iot_reader *r;
	ck_assert_int_eq(iot_reader_open(&r, path, NULL), 0);
	struct agg *all = agg_new(NULL), *a = agg_new(NULL), *b = agg_new(NULL);
	feed_split(r, all, a, b, after_2000);
	for (int m = 0; m < 2; m++) {
		struct agg *x = m ? a : all;
		ck_assert_uint_eq(agg_file_count(x), 1);
		ck_assert_uint_eq(agg_file(x, 0)->type, IOT_FT_REG);
		ck_assert_uint_eq(agg_file(x, 0)->st.ops, 300);
	}
	free_split(r, path, all, a, b);
}
END_TEST

START_TEST(jobid_decode)
{
	struct jobs_id id;
	ck_assert_int_eq(jobs_id_decode("\"4211870:10231:c0412\"", &id), 0);
	ck_assert_str_eq(id.id, "4211870:10231:c0412");
	ck_assert_str_eq(id.job, "4211870");
	ck_assert_str_eq(id.uid, "10231");
	ck_assert_str_eq(id.host, "c0412");
	ck_assert_int_eq(id.missing_job, 0);
	jobs_id_free(&id);
	ck_assert_int_eq(jobs_id_decode("\":10231:c0413\"", &id), 0);
	ck_assert_ptr_null(id.job);
	ck_assert_int_eq(id.missing_job, 1);
	jobs_id_free(&id);
	ck_assert_int_eq(jobs_id_decode("rsync.20417", &id), 0);
	ck_assert_str_eq(id.exe, "rsync");
	ck_assert_str_eq(id.uid, "20417");
	ck_assert_ptr_null(id.job);
	ck_assert_int_eq(id.missing_job, 0);
	jobs_id_free(&id);
	ck_assert_int_eq(jobs_id_decode("lfs.0.", &id), 0);
	ck_assert_str_eq(id.exe, "lfs");
	ck_assert_int_eq(id.missing_job, 1);
	jobs_id_free(&id);
	ck_assert_int_eq(jobs_id_decode("dd.0.1234", &id), 0);
	ck_assert_str_eq(id.job, "1234");
	jobs_id_free(&id);
	ck_assert_int_eq(jobs_id_decode("\"a\\x20b\\x3a\\x22c:0:h\"", &id), 0);
	ck_assert_str_eq(id.id, "a b:\"c:0:h");
	ck_assert_str_eq(id.job, "a b");
	jobs_id_free(&id);
	ck_assert_int_eq(jobs_id_decode("SLURM_JOB10", &id), 0);
	ck_assert_str_eq(id.job, "SLURM_JOB10");
	ck_assert_ptr_null(id.uid);
	jobs_id_free(&id);
	/* a bad escape is kept as text */
	ck_assert_int_eq(jobs_id_decode("\"x\\xZZ\"", &id), 0);
	ck_assert_str_eq(id.id, "x\\xZZ");
	jobs_id_free(&id);
}
END_TEST

static void add(struct jobs *j, uint64_t t, const char *job, uint64_t samples, uint64_t sum, uint64_t start)
{
	struct jobs_sample s = { .target = "ost0", .job = job, .counter = "write_bytes", .unit = "bytes",
				 .poll_ns = t * 1000000000ull, .start_ns = start, .samples = samples, .sum = sum };
	ck_assert_int_eq(jobs_add(j, &s), 0);
}

START_TEST(jobs_deltas)
{
	struct jobs *j = jobs_new();
	add(j, 1, "a", 10, 1000, 5);
	add(j, 2, "a", 15, 1500, 5);   /* +5 */
	add(j, 2, "b", 2, 200, 0);     /* new: from zero at t=1 */
	add(j, 3, "a", 3, 300, 9);     /* start changed: reset */
	add(j, 4, "a", 4, 250, 9);     /* sum went down: reset */
	add(j, 4, "b", 3, 300, 0);     /* b missing at t=3: back from zero */
	ck_assert_uint_eq(jobs_count(j), 2);
	const struct jobs_job *a = jobs_job(j, 0), *b = jobs_job(j, 1);
	ck_assert_uint_eq(a->niv, 3);
	ck_assert_uint_eq(a->iv[0].d[0].sum, 500);
	ck_assert_int_eq(a->iv[0].reset, 0);
	ck_assert_uint_eq(a->iv[1].d[0].sum, 300);
	ck_assert_int_eq(a->iv[1].reset, 1);
	ck_assert_uint_eq(a->iv[2].d[0].sum, 250);
	ck_assert_uint_eq(a->resets, 2);
	ck_assert_uint_eq(a->totals[0].sum, 1050);
	ck_assert_uint_eq(a->totals[0].samples, 12);
	ck_assert_uint_eq(b->niv, 2);
	ck_assert_uint_eq(b->iv[0].start_ns, 1000000000ull);
	ck_assert_int_eq(b->iv[0].is_new, 1);
	ck_assert_uint_eq(b->iv[1].start_ns, 3000000000ull);
	ck_assert_uint_eq(b->iv[1].d[0].sum, 300);
	ck_assert_uint_eq(b->returns, 1);
	ck_assert_uint_eq(b->totals[0].sum, 500);
	struct jobs_delta d = { .counter = "write_bytes", .unit = "bytes", .samples = 5, .sum = 2000000 };
	ck_assert(jobs_rate(&d, 2.0) == 1.0);
	struct jobs_delta o = { .counter = "open", .unit = "usecs", .samples = 4, .sum = 100 };
	ck_assert(jobs_rate(&o, 2.0) == 2.0);
	ck_assert(jobs_mean(&o) == 25.0);
	jobs_free(j);
}
END_TEST

static struct iot_disk_sample disk(uint64_t t, uint32_t nf, const uint64_t *c)
{
	struct iot_disk_sample s;
	memset(&s, 0, sizeof s);
	s.ts_ns = t;
	s.nfields = nf;
	memcpy(s.c, c, nf * sizeof *c);
	return s;
}

START_TEST(iostat_wrap_and_reattach)
{
	uint64_t a[17] = { 100, 10, 8000, 4294967000ull, 50, 5, 4000, 100, 1, 4294967200ull, 4294967290ull,
			   0, 0, 0, 0, 0, 0 };
	uint64_t b[17] = { 200, 10, 16000, 704, 150, 5, 12000, 300, 0, 504, 1000, 0, 0, 0, 0, 0, 0 };
	struct iot_disk_sample x = disk(1000000000ull, 17, a), y = disk(3000000000ull, 17, b);
	struct iostat_metrics m;
	ck_assert_int_eq(iostat_compute(&x, &y, &m), 0);
	ck_assert(m.v[IOSTAT_R_S] == 50.0);
	ck_assert(m.v[IOSTAT_RKB_S] == 2000.0);
	ck_assert(m.v[IOSTAT_R_AWAIT] == 10.0);   /* (2^32-4294967000+704)/100 */
	ck_assert(m.v[IOSTAT_RAREQ_SZ] == 40.0);
	ck_assert(m.v[IOSTAT_W_AWAIT] == 2.0);
	ck_assert(m.v[IOSTAT_UTIL] == 30.0);       /* 600 ms of 2000 */
	ck_assert(m.v[IOSTAT_AQU_SZ] == 0.503);    /* 1006 / 2000 */
	ck_assert_int_eq(m.reset, 0);
	ck_assert_int_eq(m.has_flush, 1);
	/* counters down: device re-attached */
	struct iot_disk_sample z = disk(4000000000ull, 17, a);
	z.c[0] = 5;
	ck_assert_int_eq(iostat_compute(&y, &z, &m), 0);
	ck_assert_int_eq(m.reset, 1);
	ck_assert(m.v[IOSTAT_R_S] == 5.0);
	ck_assert_int_eq(iostat_compute(&y, &x, &m), -EINVAL);
	ck_assert_str_eq(iostat_col_name(IOSTAT_AQU_SZ), "aqu-sz");
	ck_assert_str_eq(iostat_col_name(IOSTAT_UTIL), "%util");
}
END_TEST

START_TEST(wall_time_parse)
{
	uint64_t ns;
	ck_assert_int_eq(parse_wall("1700000001.5", &ns), 0);
	ck_assert_uint_eq(ns, 1700000001500000000ull);
	ck_assert_int_eq(parse_wall("2023-11-14 22:13:21", &ns), 0);
	ck_assert_uint_eq(ns, 1700000001000000000ull);
	ck_assert_int_eq(parse_wall("2023-11-14T22:13:21.25Z", &ns), 0);
	ck_assert_uint_eq(ns, 1700000001250000000ull);
	ck_assert_int_eq(parse_wall("yesterday", &ns), -EINVAL);
}
END_TEST

/* JSON strings stay valid for paths that are not UTF-8. */
START_TEST(json_strings)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;
	jw_init(&w, f);
	jw_arr(&w, NULL);
	jw_str(&w, NULL, "caf\xc3\xa9 \xff \xe2\x82\xac \"q\"\t\x01 \xc3");
	jw_null(&w, NULL);
	jw_arr_end(&w);
	fclose(f);
	ck_assert_str_eq(buf, "[\n  \"caf\xc3\xa9 \\u00ff \xe2\x82\xac \\\"q\\\"\\t\\u0001 \\u00c3\",\n  null\n]");
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("analyze");
	TCase *tc = tcase_create("engines");
	tcase_add_test(tc, lat_buckets_cover_every_value);
	tcase_add_test(tc, lat_quantiles);
	tcase_add_test(tc, size_buckets_darshan_bounds);
	tcase_add_test(tc, stats_merge_is_exact);
	tcase_add_test(tc, agg_merge_is_exact);
	tcase_add_test(tc, agg_pid_reuse_is_two_processes);
	tcase_add_test(tc, agg_file_type_known_wins);
	tcase_add_test(tc, jobid_decode);
	tcase_add_test(tc, jobs_deltas);
	tcase_add_test(tc, iostat_wrap_and_reattach);
	tcase_add_test(tc, wall_time_parse);
	tcase_add_test(tc, json_strings);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
