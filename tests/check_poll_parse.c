/* check_poll_parse.c - jobstats and diskstats parsers against every
 * captured fixture in samples/ and hand-made edge cases. Expected values
 * were read off the fixture text (awk/grep), not from the parser. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/iotrace.h"
#include "record/poll/diskstats_parse.h"
#include "record/poll/jobstats_parse.h"

/* ---- helpers ------------------------------------------------------ */

static char *slurp(const char *rel, size_t *len)
{
	const char *src = getenv("SRC");
	char path[4096];
	FILE *f;
	char *buf;
	long n;
	snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#define MAX_JOBS 64
struct job_copy {
	char target[128];
	char job_id[128];
	uint64_t snapshot_ns, start_ns;
	uint32_t flags;
	size_t ncounters;
	struct {
		char name[64], unit[16];
		uint64_t samples, min, max, sum, sumsq;
		uint32_t flags;
	} c[JOBSTATS_MAX_COUNTERS];
};
struct collected {
	size_t njobs;
	struct job_copy jobs[MAX_JOBS];
};

static void copy_str(char *dst, size_t cap, struct jobstats_str s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static int collect(const struct jobstats_job *job, void *arg)
{
	struct collected *c = arg;
	struct job_copy *j;
	if (c->njobs >= MAX_JOBS)
		return 0;
	j = &c->jobs[c->njobs++];
	copy_str(j->target, sizeof j->target, job->target);
	copy_str(j->job_id, sizeof j->job_id, job->job_id);
	j->snapshot_ns = job->snapshot_ns;
	j->start_ns = job->start_ns;
	j->flags = job->flags;
	j->ncounters = job->ncounters;
	for (size_t i = 0; i < job->ncounters; i++) {
		copy_str(j->c[i].name, sizeof j->c[i].name, job->counters[i].name);
		copy_str(j->c[i].unit, sizeof j->c[i].unit, job->counters[i].unit);
		j->c[i].samples = job->counters[i].samples;
		j->c[i].min = job->counters[i].min;
		j->c[i].max = job->counters[i].max;
		j->c[i].sum = job->counters[i].sum;
		j->c[i].sumsq = job->counters[i].sumsq;
		j->c[i].flags = job->counters[i].flags;
	}
	return 0;
}

static int find_counter(const struct job_copy *j, const char *name)
{
	for (size_t i = 0; i < j->ncounters; i++)
		if (strcmp(j->c[i].name, name) == 0)
			return (int)i;
	return -1;
}

static struct collected *parse_text(const char *text, size_t len, const char *def,
				    struct jobstats_stats *st)
{
	struct collected *c = calloc(1, sizeof *c);
	ck_assert_int_eq(jobstats_parse(text, len, def, collect, c, st), 0);
	return c;
}

static struct collected *parse_file(const char *rel, struct jobstats_stats *st)
{
	size_t len;
	char *text = slurp(rel, &len);
	struct collected *c = parse_text(text, len, "default", st);
	free(text);
	return c;
}

/* ---- jobstats fixtures ------------------------------------------- */

START_TEST(js_lustre_2_12)
{
	struct jobstats_stats st;
	struct collected *c = parse_file("samples/jobstats/ost-2.12.txt", &st);
	const struct job_copy *j = &c->jobs[0];
	int i;
	ck_assert_uint_eq(c->njobs, 1);
	ck_assert_uint_eq(st.bad_blocks, 0);
	ck_assert_uint_eq(st.targets, 1);
	ck_assert_str_eq(j->target, "obdfilter.scratch-OST0000");
	ck_assert_str_eq(j->job_id, "4211870:10231:c0412");
	ck_assert_uint_eq(j->snapshot_ns, 1718031723ull * 1000000000ull);
	ck_assert_uint_eq(j->start_ns, 0);
	ck_assert_uint_eq(j->flags, 0);
	ck_assert_uint_eq(j->ncounters, 12);
	i = find_counter(j, "write_bytes");
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(j->c[i].samples, 1537);
	ck_assert_uint_eq(j->c[i].min, 4096);
	ck_assert_uint_eq(j->c[i].max, 4194304);
	ck_assert_uint_eq(j->c[i].sum, 6442455040ull);
	ck_assert_uint_eq(j->c[i].flags, IOT_JS_HAS_MINMAX | IOT_JS_HAS_SUM);
	ck_assert_str_eq(j->c[i].unit, "bytes");
	/* "unit:  reqs" with two spaces, samples only */
	i = find_counter(j, "punch");
	ck_assert_uint_eq(j->c[i].samples, 1);
	ck_assert_str_eq(j->c[i].unit, "reqs");
	ck_assert_uint_eq(j->c[i].flags, 0);
	free(c);
}
END_TEST

START_TEST(js_lustre_2_16_ost)
{
	struct jobstats_stats st;
	struct collected *c = parse_file("samples/jobstats/ost-2.16.txt", &st);
	const struct job_copy *j = &c->jobs[0];
	int i;
	ck_assert_uint_eq(c->njobs, 3);
	ck_assert_uint_eq(st.bad_blocks, 0);
	ck_assert_uint_eq(st.bad_lines, 0);
	ck_assert_uint_eq(st.targets, 2);
	ck_assert_uint_eq(st.empty_targets, 1);
	ck_assert_str_eq(j->job_id, "\"4211870:10231:c0412\"");
	ck_assert_uint_eq(j->snapshot_ns, 1718031723512338091ull);
	ck_assert_uint_eq(j->start_ns, 1718031187020447113ull);
	ck_assert_uint_eq(j->ncounters, 15);
	i = find_counter(j, "write_bytes");
	ck_assert_uint_eq(j->c[i].samples, 1545);
	ck_assert_uint_eq(j->c[i].sumsq, 27029363081871360ull);
	ck_assert_uint_eq(j->c[i].flags, IOT_JS_HAS_MINMAX | IOT_JS_HAS_SUM | IOT_JS_HAS_SUMSQ);
	ck_assert_str_eq(c->jobs[1].job_id, "\":10231:c0413\"");
	ck_assert_str_eq(c->jobs[2].job_id, "rsync.20417");
	i = find_counter(&c->jobs[2], "setattr");
	ck_assert_uint_eq(c->jobs[2].c[i].sum, 41);
	ck_assert_str_eq(c->jobs[2].target, "obdfilter.scratch-OST0000");
	free(c);
}
END_TEST

START_TEST(js_lustre_2_16_mdt)
{
	struct jobstats_stats st;
	struct collected *c = parse_file("samples/jobstats/mdt-2.16.txt", &st);
	int i;
	ck_assert_uint_eq(c->njobs, 2);
	ck_assert_uint_eq(st.bad_blocks, 0);
	ck_assert_str_eq(c->jobs[0].target, "mdt.scratch-MDT0000");
	ck_assert_uint_eq(c->jobs[0].ncounters, 25);
	ck_assert_uint_eq(c->jobs[1].ncounters, 25);
	/* unpadded long name */
	i = find_counter(&c->jobs[0], "parallel_rename_file");
	ck_assert_int_ge(i, 0);
	i = find_counter(&c->jobs[0], "open");
	ck_assert_uint_eq(c->jobs[0].c[i].samples, 640);
	ck_assert_uint_eq(c->jobs[0].c[i].sumsq, 8304384);
	ck_assert_str_eq(c->jobs[1].job_id, "cp.0");
	free(c);
}
END_TEST

START_TEST(js_ddn_2_14_real)
{
	struct jobstats_stats st;
	struct collected *c = parse_file("samples/jobstats/ddn-2.14-real-ost.txt", &st);
	uint64_t samples = 0, sum = 0;
	ck_assert_uint_eq(c->njobs, 16);
	ck_assert_uint_eq(st.bad_blocks, 0);
	ck_assert_uint_eq(st.bad_lines, 0);
	ck_assert_uint_eq(st.targets, 1);
	for (size_t k = 0; k < c->njobs; k++) {
		int i = find_counter(&c->jobs[k], "write_bytes");
		ck_assert_uint_eq(c->jobs[k].ncounters, 15);
		ck_assert_str_eq(c->jobs[k].target, "obdfilter.es01a-OST0001");
		samples += c->jobs[k].c[i].samples;
		sum += c->jobs[k].c[i].sum;
	}
	/* awk over the capture: 6835 write_bytes samples, 89786580992 bytes */
	ck_assert_uint_eq(samples, 6835);
	ck_assert_uint_eq(sum, 89786580992ull);
	ck_assert_str_eq(c->jobs[0].job_id, "\"SLURM_JOB10:0:es18kxe-co-client\"");
	ck_assert_str_eq(c->jobs[8].job_id, "SLURM_JOB10");
	ck_assert_uint_eq(c->jobs[8].snapshot_ns, 1723114484787905609ull);
	free(c);
}
END_TEST

START_TEST(js_lustre_2_15_0_boot)
{
	struct jobstats_stats st;
	struct collected *c = parse_file("samples/jobstats/ost-2.15.0-boot.txt", &st);
	int i;
	ck_assert_uint_eq(c->njobs, 2);
	ck_assert_uint_eq(st.bad_blocks, 0);
	ck_assert_uint_eq(st.targets, 2);
	ck_assert_uint_eq(st.empty_targets, 1);
	ck_assert_uint_eq(c->jobs[0].snapshot_ns, 4711108412633ull);
	ck_assert_uint_eq(c->jobs[0].start_ns, 4700004040017ull);
	ck_assert(c->jobs[0].flags & IOT_JS_SNAPSHOT_BOOT);
	i = find_counter(&c->jobs[0], "write_bytes");
	ck_assert_uint_eq(c->jobs[0].c[i].sum, 10485760);
	ck_assert_str_eq(c->jobs[1].job_id, "lfs.0.");
	ck_assert_uint_eq(c->jobs[1].ncounters, 1);
	free(c);
}
END_TEST

/* ---- jobstats edge cases ----------------------------------------- */

START_TEST(js_empty_targets)
{
	static const char t[] = "obdfilter.a-OST0000.job_stats=job_stats:\n"
				"mdt.a-MDT0000.job_stats=job_stats:\n";
	struct jobstats_stats st;
	struct collected *c = parse_text(t, sizeof t - 1, "x", &st);
	ck_assert_uint_eq(c->njobs, 0);
	ck_assert_uint_eq(st.targets, 2);
	ck_assert_uint_eq(st.empty_targets, 2);
	ck_assert_uint_eq(st.bad_lines + st.bad_blocks, 0);
	free(c);
	/* 2.17 prints nothing at all for an empty target */
	c = parse_text("", 0, "x", &st);
	ck_assert_uint_eq(c->njobs + st.targets + st.bad_lines, 0);
	free(c);
}
END_TEST

START_TEST(js_bare_file_default_target)
{
	static const char t[] = "job_stats:\n"
				"- job_id:          a.1\n"
				"  snapshot_time:   1718031723\n"
				"  open:            { samples: 3, unit: usecs, min: 1, max: 2, sum: 5 }\n";
	struct jobstats_stats st;
	struct collected *c = parse_text(t, sizeof t - 1, "mdt.fs-MDT0000", &st);
	ck_assert_uint_eq(c->njobs, 1);
	ck_assert_str_eq(c->jobs[0].target, "mdt.fs-MDT0000");
	ck_assert_uint_eq(c->jobs[0].c[0].sum, 5);
	free(c);
}
END_TEST

START_TEST(js_any_order_unknown_kept)
{
	static const char t[] =
		"job_stats:\n"
		"- job_id: x.2\n"
		"  frobnicate: { samples: 7, unit: widgets, min: 1, max: 9, sum: 20, sumsq: 90, weird: 3 }\n"
		"  write_bytes: { sum: 8192, unit: bytes, samples: 2, max: 4096, min: 4096 }\n"
		"  future_scalar: 12 parsecs\n"
		"  snapshot_time: 1718031723.5 secs.nsecs\n";
	struct jobstats_stats st;
	struct collected *c = parse_text(t, sizeof t - 1, "t", &st);
	int i;
	ck_assert_uint_eq(c->njobs, 1);
	ck_assert_uint_eq(c->jobs[0].ncounters, 2);
	i = find_counter(&c->jobs[0], "frobnicate");
	ck_assert_uint_eq(c->jobs[0].c[i].samples, 7);
	ck_assert_uint_eq(c->jobs[0].c[i].sumsq, 90);
	ck_assert_str_eq(c->jobs[0].c[i].unit, "widgets");
	i = find_counter(&c->jobs[0], "write_bytes");
	ck_assert_uint_eq(c->jobs[0].c[i].samples, 2);
	ck_assert_uint_eq(c->jobs[0].c[i].sum, 8192);
	ck_assert_uint_eq(c->jobs[0].snapshot_ns, 1718031723500000000ull);
	free(c);
}
END_TEST

START_TEST(js_malformed_block_skipped)
{
	static const char t[] =
		"obdfilter.f-OST0000.job_stats=\n"
		"job_stats:\n"
		"- job_id: good.1\n"
		"  read: { samples: 1, unit: usecs, min: 1, max: 1, sum: 1, sumsq: 1 }\n"
		"- job_id: bad.2\n"
		"  read: { samples: many, unit: usecs }\n"
		"  write: { samples: 1, unit: usecs }\n"
		"- job_id: bad.3\n"
		"  this line is garbage\n"
		"- job_id: bad.4\n"
		"  read: { samples: 99999999999999999999999, unit: usecs }\n"
		"- job_id:\n"
		"  read: { samples: 1, unit: usecs }\n"
		"- job_id: bad.6\n"
		"  snapshot_time: yesterday\n"
		"  read: { samples: 1, unit: usecs }\n"
		"- job_id: bad.7\n"
		"  read: { samples: 1, unit: usecs, hist: { 4K: 1 }\n"
		"- job_id: good.8\n"
		"  read: { samples: 2, unit: usecs, hist: { 4K: 1, 8K: 1 } }\n"
		"- job_id: bad.9\n"
		"  read: { samples: 1, unit: usecs";  /* cut mid-line */
	struct jobstats_stats st;
	struct collected *c = parse_text(t, sizeof t - 1, "t", &st);
	ck_assert_uint_eq(c->njobs, 2);
	ck_assert_str_eq(c->jobs[0].job_id, "good.1");
	ck_assert_str_eq(c->jobs[1].job_id, "good.8");
	ck_assert_uint_eq(c->jobs[1].c[0].samples, 2);
	ck_assert_uint_eq(st.bad_blocks, 7);
	ck_assert_uint_eq(st.first_bad_line, 5);
	free(c);
}
END_TEST

START_TEST(js_garbage_and_crlf)
{
	static const char t[] =
		"random words before\r\n"
		"obdfilter.f-OST0001.job_stats=\r\n"
		"job_stats:\r\n"
		"- job_id: \"a\\x20b:1/2\"\r\n"
		"  read_bytes: { samples: 5, unit: bytes, min: 1, max: 5, sum: 15, sumsq: 55, hist: { 1: 1, 2: 1, 4: 3 } }\r\n";
	struct jobstats_stats st;
	struct collected *c = parse_text(t, sizeof t - 1, "t", &st);
	char dec[64];
	ck_assert_uint_eq(c->njobs, 1);
	ck_assert_uint_eq(st.bad_lines, 1);
	ck_assert_str_eq(c->jobs[0].job_id, "\"a\\x20b:1/2\"");
	ck_assert_int_eq(jobstats_decode_id(c->jobs[0].job_id, strlen(c->jobs[0].job_id),
					    dec, sizeof dec), 7);
	ck_assert_str_eq(dec, "a b:1/2");
	ck_assert_uint_eq(c->jobs[0].c[0].sumsq, 55);
	free(c);
}
END_TEST

START_TEST(js_too_many_counters)
{
	char *t = malloc(200 * 64 + 64);
	size_t n = (size_t)sprintf(t, "- job_id: big\n");
	struct jobstats_stats st;
	struct collected *c;
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(t + n, "  c%d: { samples: %d, unit: reqs }\n", i, i);
	c = parse_text(t, n, "t", &st);
	ck_assert_uint_eq(c->njobs, 1);
	ck_assert_uint_eq(c->jobs[0].ncounters, JOBSTATS_MAX_COUNTERS);
	ck_assert_uint_eq(st.dropped_counters, 100 - JOBSTATS_MAX_COUNTERS);
	free(c);
	free(t);
}
END_TEST

START_TEST(js_number_limits)
{
	static const char t[] =
		"- job_id: max\n"
		"  r: { samples: 18446744073709551615, unit: reqs }\n"
		"- job_id: over\n"
		"  r: { samples: 18446744073709551616, unit: reqs }\n"
		"- job_id: long\n"
		"  r: { samples: 000000000000000000001, unit: reqs }\n"
		"- job_id: padded\n"
		"  r: { samples:                                   7, unit: reqs, sum:\t\t  9 }\n";
	struct jobstats_stats st;
	struct collected *c = parse_text(t, sizeof t - 1, "t", &st);
	ck_assert_uint_eq(c->njobs, 2);
	ck_assert_str_eq(c->jobs[0].job_id, "max");
	ck_assert_uint_eq(c->jobs[0].c[0].samples, UINT64_MAX);
	ck_assert_str_eq(c->jobs[1].job_id, "padded");
	ck_assert_uint_eq(c->jobs[1].c[0].samples, 7);
	ck_assert_uint_eq(c->jobs[1].c[0].sum, 9);
	ck_assert_uint_eq(st.bad_blocks, 2);
	free(c);
}
END_TEST

START_TEST(js_decode_id)
{
	char out[32];
	ck_assert_int_eq(jobstats_decode_id("cp.0", 4, out, sizeof out), 4);
	ck_assert_str_eq(out, "cp.0");
	ck_assert_int_eq(jobstats_decode_id("\"x\\\"y\\\\z\"", 9, out, sizeof out), 5);
	ck_assert_str_eq(out, "x\"y\\z");
	ck_assert_int_eq(jobstats_decode_id("\"\\xZZ\"", 6, out, sizeof out), -EINVAL);
	ck_assert_int_eq(jobstats_decode_id("\"abc", 4, out, sizeof out), -EINVAL);
	ck_assert_int_eq(jobstats_decode_id("abcdef", 6, out, 4), -ENOSPC);
}
END_TEST

START_TEST(js_target_from_path)
{
	char out[128];
	jobstats_target_from_path("/proc/fs/lustre/obdfilter/fs-OST0000/job_stats", out, sizeof out);
	ck_assert_str_eq(out, "obdfilter.fs-OST0000");
	jobstats_target_from_path("/proc/fs/lustre/mdt/fs-MDT0000/job_stats", out, sizeof out);
	ck_assert_str_eq(out, "mdt.fs-MDT0000");
	jobstats_target_from_path("/tmp/capture.txt", out, sizeof out);
	ck_assert_str_eq(out, "/tmp/capture.txt");
	jobstats_target_from_path("job_stats", out, sizeof out);
	ck_assert_str_eq(out, "job_stats");
}
END_TEST

/* ---- diskstats ----------------------------------------------------- */

struct dcollect {
	size_t n;
	struct diskstats_line l[64];
	char names[64][32];
};

static int dcollect_fn(const struct diskstats_line *l, void *arg)
{
	struct dcollect *d = arg;
	if (d->n < 64) {
		size_t k = l->name_len < 31 ? l->name_len : 31;
		memcpy(d->names[d->n], l->name, k);
		d->names[d->n][k] = '\0';
		d->l[d->n++] = *l;
	}
	return 0;
}

static struct dcollect *dparse_file(const char *rel, struct diskstats_stats *st)
{
	size_t len;
	char *text = slurp(rel, &len);
	struct dcollect *d = calloc(1, sizeof *d);
	ck_assert_int_eq(diskstats_parse(text, len, dcollect_fn, d, st), 0);
	free(text);
	return d;
}

START_TEST(ds_vm_6_18)
{
	struct diskstats_stats st;
	struct dcollect *a = dparse_file("samples/diskstats/vm-6.18-a.txt", &st);
	struct dcollect *b;
	size_t vda = 64;
	ck_assert_uint_eq(a->n, 10);
	ck_assert_uint_eq(st.bad_lines, 0);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_uint_eq(a->l[i].nfields, 17);
		if (strcmp(a->names[i], "vda") == 0)
			vda = i;
	}
	ck_assert_uint_lt(vda, 64);
	b = dparse_file("samples/diskstats/vm-6.18-b.txt", &st);
	ck_assert_str_eq(b->names[vda], "vda");
	/* 64 MiB written between the snapshots = 131072 sectors at least */
	ck_assert_uint_ge(b->l[vda].c[6] - a->l[vda].c[6], 131072);
	ck_assert_uint_gt(b->l[vda].c[4], a->l[vda].c[4]);
	free(a);
	free(b);
}
END_TEST

START_TEST(ds_kernel_doc_nvme)
{
	struct diskstats_stats st;
	struct dcollect *d = dparse_file("samples/diskstats/kernel-doc-nvme.txt", &st);
	ck_assert_uint_eq(d->n, 2);
	ck_assert_str_eq(d->names[0], "nvme0n1");
	ck_assert_uint_eq(d->l[0].major, 259);
	ck_assert_uint_eq(d->l[0].c[0], 255999);
	ck_assert_uint_eq(d->l[0].c[6], 36123024);
	ck_assert_uint_eq(d->l[0].c[15], 60602);
	ck_assert_uint_eq(d->l[0].c[16], 106555);
	ck_assert_uint_eq(d->l[1].minor, 1);
	free(d);
}
END_TEST

START_TEST(ds_old_partition)
{
	struct diskstats_stats st;
	struct dcollect *d = dparse_file("samples/diskstats/old-2.6-partition.txt", &st);
	ck_assert_uint_eq(d->n, 2);
	ck_assert_uint_eq(d->l[0].nfields, 11);
	ck_assert_uint_eq(d->l[0].c[10], 394908);
	ck_assert_uint_eq(d->l[1].nfields, 4);
	ck_assert_str_eq(d->names[1], "sda1");
	/* raw, as printed: reads, sectors read, writes, sectors written */
	ck_assert_uint_eq(d->l[1].c[0], 22659);
	ck_assert_uint_eq(d->l[1].c[1], 1096988);
	ck_assert_uint_eq(d->l[1].c[2], 37433);
	ck_assert_uint_eq(d->l[1].c[3], 299464);
	ck_assert_uint_eq(d->l[1].c[4] + d->l[1].c[5] + d->l[1].c[6], 0);
	free(d);
}
END_TEST

START_TEST(ds_bad_lines)
{
	static const char t[] =
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"      /* 18 fields */
		"   8       1 sda1 1 2 3 4 5 6 7 8 9 10 11 12\n"              /* 15: bad */
		"   8       2 sda2 1 2 x 4\n"                                 /* bad */
		"\n"
		"   8       3 sda3 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n" /* extra */
		"   8\n"
		"   8       4 sda4 1 2 3 4 99999999999999999999999 6 7 8 9 10 11\n"; /* overflow */
	struct diskstats_stats st;
	struct dcollect *d = calloc(1, sizeof *d);
	ck_assert_int_eq(diskstats_parse(t, sizeof t - 1, dcollect_fn, d, &st), 0);
	ck_assert_uint_eq(d->n, 2);
	ck_assert_uint_eq(d->l[0].nfields, 15);
	ck_assert_uint_eq(d->l[0].c[14], 15);
	ck_assert_uint_eq(d->l[1].nfields, 17);
	ck_assert_int_eq(d->l[1].extra, 1);
	ck_assert_uint_eq(d->l[1].c[16], 17);
	ck_assert_uint_eq(st.bad_lines, 4);
	ck_assert_uint_eq(st.extra_lines, 1);
	ck_assert_uint_eq(st.first_bad_line, 2);
	ck_assert_uint_eq(st.first_bad_nfields, 15);
	free(d);
}
END_TEST

static Suite *poll_parse_suite(void)
{
	Suite *s = suite_create("poll_parse");
	TCase *js = tcase_create("jobstats");
	TCase *ds = tcase_create("diskstats");
	tcase_add_test(js, js_lustre_2_12);
	tcase_add_test(js, js_lustre_2_16_ost);
	tcase_add_test(js, js_lustre_2_16_mdt);
	tcase_add_test(js, js_ddn_2_14_real);
	tcase_add_test(js, js_lustre_2_15_0_boot);
	tcase_add_test(js, js_empty_targets);
	tcase_add_test(js, js_bare_file_default_target);
	tcase_add_test(js, js_any_order_unknown_kept);
	tcase_add_test(js, js_malformed_block_skipped);
	tcase_add_test(js, js_garbage_and_crlf);
	tcase_add_test(js, js_too_many_counters);
	tcase_add_test(js, js_number_limits);
	tcase_add_test(js, js_decode_id);
	tcase_add_test(js, js_target_from_path);
	tcase_add_test(ds, ds_vm_6_18);
	tcase_add_test(ds, ds_kernel_doc_nvme);
	tcase_add_test(ds, ds_old_partition);
	tcase_add_test(ds, ds_bad_lines);
	suite_add_tcase(s, js);
	suite_add_tcase(s, ds);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(poll_parse_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
