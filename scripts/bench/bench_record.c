/* bench_record.c - jobstats parse time for 1000 jobs x 2 OST targets in
 * the Lustre 2.16 layout (15 counters each, as a real OSS prints them).
 *   iorec-bench-poll            print BENCH poll.jobstats_parse_ms_2000
 *   iorec-bench-poll --write D  also write the two targets as job_stats files
 *                           under D/obdfilter/fs-OST000N/ (for bench-record.sh)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "format/iotrace.h"
#include "record/poll/jobstats_parse.h"

#define JOBS 1000
#define TARGETS 2
#define RUNS 31

static const char *const counters[] = {"read_bytes", "write_bytes", "read", "write", "getattr",
				       "setattr", "punch", "sync", "destroy", "create",
				       "statfs", "get_info", "set_info", "quotactl", "prealloc"};

static size_t gen_target(char *buf, size_t cap, int t)
{
	size_t o = 0;
	o += (size_t)snprintf(buf + o, cap - o, "obdfilter.fs-OST%04d.job_stats=\njob_stats:\n", t);
	for (int j = 0; j < JOBS; j++) {
		unsigned long long n = (unsigned long long)(j * 37 + t);
		o += (size_t)snprintf(buf + o, cap - o,
				      "- job_id:          \"%d:%d:node%04d\"\n"
				      "  snapshot_time:   1718031723.%09d secs.nsecs\n"
				      "  start_time:      1718031187.020447113 secs.nsecs\n"
				      "  elapsed_time:    536.491890978 secs.nsecs\n",
				      4211870 + j, 10000 + j % 50, j % 512, j);
		for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
			int bytes = c < 2;
			char name[32];
			snprintf(name, sizeof name, "%s:", counters[c]);
			o += (size_t)snprintf(buf + o, cap - o,
					      "  %-16s { samples: %11llu, unit: %s, min: %8u, max: %8u, sum: %16llu, sumsq: %18llu%s }\n",
					      name, n, bytes ? "bytes" : "usecs", bytes ? 4096u : 10u,
					      bytes ? 4194304u : 2000u, n * 65536, n * 65536 * 4096,
					      bytes ? ", hist: { 4K: 1, 64K: 3, 4M: 9 }" : "");
		}
	}
	return o;
}

static int count_job(const struct jobstats_job *job, void *arg)
{
	*(size_t *)arg += job->ncounters;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int write_files(const char *dir, char *const *texts, const size_t *lens)
{
	char path[4096];
	mkdir(dir, 0755);
	for (int t = 0; t < TARGETS; t++) {
		FILE *f;
		const char *body = strstr(texts[t], "job_stats:\n"); /* bare file: no header */
		snprintf(path, sizeof path, "%s/obdfilter", dir);
		mkdir(path, 0755);
		snprintf(path, sizeof path, "%s/obdfilter/fs-OST%04d", dir, t);
		mkdir(path, 0755);
		snprintf(path, sizeof path, "%s/obdfilter/fs-OST%04d/job_stats", dir, t);
		if (!(f = fopen(path, "w")))
			return -1;
		fwrite(body, 1, lens[t] - (size_t)(body - texts[t]), f);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *texts[TARGETS];
	size_t lens[TARGETS], cap = 8u << 20;
	double ms[RUNS], wall[RUNS];
	size_t total = 0;
	for (int t = 0; t < TARGETS; t++) {
		texts[t] = malloc(cap);
		if (!texts[t])
			return 1;
		lens[t] = gen_target(texts[t], cap, t);
	}
	if (argc == 3 && strcmp(argv[1], "--write") == 0)
		return write_files(argv[2], texts, lens) < 0 ? 1 : 0;
	/* CPU time of this thread: on a shared machine, time spent waiting
	 * for a core is not parse time (wall time is printed beside it) */
	for (int r = 0; r < RUNS; r++) {
		struct timespec a, b, wa, wb;
		struct jobstats_stats st;
		size_t n = 0;
		clock_gettime(CLOCK_MONOTONIC, &wa);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		for (int t = 0; t < TARGETS; t++)
			jobstats_parse(texts[t], lens[t], "", count_job, &n, &st);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		clock_gettime(CLOCK_MONOTONIC, &wb);
		ms[r] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		wall[r] = (double)(wb.tv_sec - wa.tv_sec) * 1e3 + (double)(wb.tv_nsec - wa.tv_nsec) / 1e6;
		total = n;
	}
	qsort(ms, RUNS, sizeof ms[0], cmp_double);
	qsort(wall, RUNS, sizeof wall[0], cmp_double);
	printf("jobstats parse: %d jobs x %d targets, %zu counters, %.1f MiB of text: "
	       "median %.3f ms CPU (min %.3f, max %.3f), median %.3f ms wall\n",
	       JOBS, TARGETS, total, (double)(lens[0] + lens[1]) / 1048576.0, ms[RUNS / 2], ms[0],
	       ms[RUNS - 1], wall[RUNS / 2]);
	printf("BENCH poll.jobstats_parse_ms_2000 %.3f\n", ms[RUNS / 2]);
	for (int t = 0; t < TARGETS; t++)
		free(texts[t]);
	return total == (size_t)JOBS * TARGETS * 15 ? 0 : 1;
}
