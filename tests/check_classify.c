/* check_classify.c - the pure parts around the model: class tables, the
 * iofs row writer, the line-protocol writer, intervals and output files. */
#include "analyze/classify.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/classify_cmd.h"
#include "analyze/influx.h"
#include "analyze/iofs.h"
#include "analyze/outfile.h"

#define HDR "benchmark_type,is_read_op,slope,y_intercept,left_bound,right_bound\n"

static struct model *hand_model(void)
{
	static const char t[] = HDR "SameOffset,1,0,0.5,0,4096\nSequential,1,0,0.25,4096,0\n"
		"Reverse,0,0.001,-1,0,0\n";
	struct model *m = NULL;
	ck_assert_int_eq(model_parse(&m, t, sizeof t - 1, "t.csv", NULL), 0);
	return m;
}

static struct iot_io_event ev(unsigned op, uint64_t dur_ns, int64_t result)
{
	return (struct iot_io_event){.op = (uint16_t)op, .dur_ns = dur_ns, .size = 8192,
				     .result = result, .pid = 1};
}

START_TEST(table_counts_and_failures)
{
	struct model *m = hand_model();
	struct class_table t = {0};
	struct iot_io_event e;
	e = ev(IOT_OP_PREAD, 100000000, 4096); /* 0.1 s: Sequential 0.25 < SameOffset 0.5 */
	ck_assert_int_eq(class_table_add(&t, m, &e), MODEL_SEQUENTIAL);
	e = ev(IOT_OP_FREAD, 300000000, 4096); /* 0.3 s: only SameOffset */
	ck_assert_int_eq(class_table_add(&t, m, &e), MODEL_SAME_OFFSET);
	e = ev(IOT_OP_READV, 600000000, 4096); /* slower than every row */
	ck_assert_int_eq(class_table_add(&t, m, &e), MODEL_UNCLASSIFIED);
	e = ev(IOT_OP_READ, 1000, -5);         /* failed: not classified */
	ck_assert_int_eq(class_table_add(&t, m, &e), -1);
	e = ev(IOT_OP_PWRITE, 1000, -28);
	ck_assert_int_eq(class_table_add(&t, m, &e), -1);
	e = ev(IOT_OP_OPENAT, 1000, 3);        /* not a transfer */
	ck_assert_int_eq(class_table_add(&t, m, &e), -1);
	e = ev(IOT_OP_SENDFILE, 500000000, 2000); /* write family: 0.001*2000-1 = 1 s */
	ck_assert_int_eq(class_table_add(&t, m, &e), MODEL_REVERSE);
	ck_assert_uint_eq(t.cell[MODEL_SEQUENTIAL][MODEL_READ].ops, 1);
	ck_assert_uint_eq(t.cell[MODEL_SEQUENTIAL][MODEL_READ].bytes, 4096);
	ck_assert_uint_eq(t.cell[MODEL_SAME_OFFSET][MODEL_READ].time_ns, 300000000);
	ck_assert_uint_eq(t.cell[MODEL_UNCLASSIFIED][MODEL_READ].ops, 1);
	ck_assert_uint_eq(t.cell[MODEL_REVERSE][MODEL_WRITE].bytes, 2000);
	ck_assert_uint_eq(t.failed[MODEL_READ], 1);
	ck_assert_uint_eq(t.failed[MODEL_WRITE], 1);
	ck_assert_uint_eq(class_table_requests(&t), 4);
	ck_assert_uint_eq(t.classified, 3);
	ck_assert_double_eq_tol(class_table_share(&t), 0.75, 1e-12);
	/* |pred - t|: 0.25-0.1, 0.5-0.3, 1-0.5 */
	ck_assert_double_eq_tol(class_table_mae(&t), (0.15 + 0.2 + 0.5) / 3, 1e-12);
	struct class_table u = {0};
	class_table_merge(&u, &t);
	class_table_merge(&u, &t);
	ck_assert_uint_eq(u.classified, 6);
	ck_assert_uint_eq(u.failed[MODEL_WRITE], 2);
	ck_assert_uint_eq(u.cell[MODEL_REVERSE][MODEL_WRITE].bytes, 4000);
	model_free(m);
}
END_TEST

/* Write through a memory stream and return the text (caller frees). */
#define CAPTURE(buf, code)                                   \
	do {                                                 \
		size_t len_;                                 \
		FILE *f = open_memstream(&(buf), &len_);     \
		code;                                        \
		fclose(f);                                   \
	} while (0)

START_TEST(iofs_rows)
{
	char *s = NULL;
	struct iofs_row r = {.wall_ns = 1700000001999999999ull, .type = IOFS_READ,
			     .path = "/a,b \"c\"", .offset = 4096, .bytes = 100, .dur_ns = 1234567};
	CAPTURE(s, iofs_write_row(f, &r, 0));
	ck_assert_str_eq(s, "1700000001,read,\"/a,b \"\"c\"\"\",4096,100,0.001235\n");
	free(s);
	r.type = IOFS_GETATTR; /* metadata rows: offset 0, bytes 1 */
	r.path = "/x";
	r.dur_ns = 999;
	CAPTURE(s, iofs_write_row(f, &r, 1));
	ck_assert_str_eq(s, "1700000001,getattr,/x,0,1,0.000001,\n");
	free(s);
	r.type = IOFS_WRITE;
	r.path = "new\nline";
	r.offset = -1;
	r.cls = "SameOffset";
	r.dur_ns = 2500000000ull;
	CAPTURE(s, iofs_write_row(f, &r, 1));
	ck_assert_str_eq(s, "1700000001,write,\"new\nline\",-1,100,2.500000,SameOffset\n");
	free(s);
	CAPTURE(s, iofs_write_header(f, 1));
	ck_assert_str_eq(s, "timestamp_unix,operation_type,path,offset,bytes_transferred,"
			    "latency_seconds,class\n");
	free(s);
	ck_assert_int_eq(iofs_op_of(IOT_OP_STATX), IOFS_GETATTR);
	ck_assert_int_eq(iofs_op_of(IOT_OP_FSTAT), IOFS_GETATTR);
	ck_assert_int_eq(iofs_op_of(IOT_OP_OPENAT), IOFS_OPEN);
	ck_assert_int_eq(iofs_op_of(IOT_OP_CREAT), IOFS_OPEN);
	ck_assert_int_eq(iofs_op_of(IOT_OP_PREADV2), IOFS_READ);
	ck_assert_int_eq(iofs_op_of(IOT_OP_IOURING_WRITE), IOFS_WRITE);
	ck_assert_int_eq(iofs_op_of(IOT_OP_CLOSE), IOFS_NONE);
	ck_assert_int_eq(iofs_op_of(IOT_OP_UNLINK), IOFS_NONE);
}
END_TEST

START_TEST(influx_buckets_and_escapes)
{
	ck_assert_str_eq(influx_size_label(influx_size_bucket(0)), "4096");
	ck_assert_str_eq(influx_size_label(influx_size_bucket(4095)), "4096");
	ck_assert_str_eq(influx_size_label(influx_size_bucket(4096)), "8192");
	ck_assert_str_eq(influx_size_label(influx_size_bucket(65535)), "65536");
	ck_assert_str_eq(influx_size_label(influx_size_bucket(262143)), "262144");
	ck_assert_str_eq(influx_size_label(influx_size_bucket(262144)), "large");
	ck_assert_str_eq(influx_size_label(influx_size_bucket(UINT64_MAX)), "large");
	char *s = NULL;
	CAPTURE(s, influx_put_tag(f, "a b,c=d\\e"));
	ck_assert_str_eq(s, "a\\ b\\,c\\=d\\\\e");
	free(s);
	CAPTURE(s, influx_put_tag(f, ""));
	ck_assert_str_eq(s, "none");
	free(s);
	unsigned parent;
	ck_assert_uint_eq(influx_counter_of(IOT_OP_STAT, &parent), INFLUX_C_GETATTR);
	ck_assert_uint_eq(parent, INFLUX_C_MD_GET);
	ck_assert_uint_eq(influx_counter_of(IOT_OP_RENAMEAT2, &parent), INFLUX_C_RENAME);
	ck_assert_uint_eq(parent, INFLUX_C_MD_MOD);
	ck_assert_uint_eq(influx_counter_of(IOT_OP_PREAD, &parent), INFLUX_C_READ);
	ck_assert_uint_eq(parent, INFLUX_C_NONE);
}
END_TEST

START_TEST(influx_interval_lines)
{
	struct influx_counts c;
	influx_counts_reset(&c);
	struct iot_io_event e = ev(IOT_OP_READ, 2000, 4096);
	influx_counts_add(&c, &e, MODEL_SEQUENTIAL);
	e = ev(IOT_OP_READ, 4000, -5); /* failed: counted, latency kept, no size */
	influx_counts_add(&c, &e, MODEL_NCLASSES);
	e = ev(IOT_OP_STAT, 1000, 0);
	influx_counts_add(&c, &e, MODEL_NCLASSES);
	char *s = NULL;
	CAPTURE(s, influx_write_interval(f, "n 1", "J", 5000000000ull, &c, 1));
	const char *want =
		"iofs_classifications,host=n\\ 1,job=J,type=RandomUncached read=0,write=0 5000000000\n"
		"iofs_classifications,host=n\\ 1,job=J,type=SameOffset read=0,write=0 5000000000\n"
		"iofs_classifications,host=n\\ 1,job=J,type=Sequential read=1,write=0 5000000000\n"
		"iofs_classifications,host=n\\ 1,job=J,type=Reverse read=0,write=0 5000000000\n"
		"iofs_classifications,host=n\\ 1,job=J,type=Unclassified read=0,write=0 5000000000\n"
		"iofs_size,host=n\\ 1,job=J,size=4096 read=0,write=0 5000000000\n"
		"iofs_size,host=n\\ 1,job=J,size=8192 read=1,write=0 5000000000\n"
		"iofs_size,host=n\\ 1,job=J,size=16384 read=0,write=0 5000000000\n"
		"iofs_size,host=n\\ 1,job=J,size=65536 read=0,write=0 5000000000\n"
		"iofs_size,host=n\\ 1,job=J,size=131072 read=0,write=0 5000000000\n"
		"iofs_size,host=n\\ 1,job=J,size=262144 read=0,write=0 5000000000\n"
		"iofs_size,host=n\\ 1,job=J,size=large read=0,write=0 5000000000\n"
		"iofs_counts,host=n\\ 1,job=J MD_get=1,MD_mod=0,MD_other=0,read=2,write=0,getattr=1,"
		"access=0,readdir=0,mkdir=0,unlink=0,rmdir=0,rename=0,truncate=0,create=0,open=0,"
		"release=0,fsync=0,fallocate=0 5000000000\n"
		"iofs_lat,host=n\\ 1,job=J,latency=sum MD_get=1e-06,read=6e-06,getattr=1e-06 5000000000\n"
		"iofs_lat,host=n\\ 1,job=J,latency=mean MD_get=1e-06,read=3e-06,getattr=1e-06 5000000000\n"
		"iofs_lat,host=n\\ 1,job=J,latency=min MD_get=1e-06,read=2e-06,getattr=1e-06 5000000000\n"
		"iofs_lat,host=n\\ 1,job=J,latency=max MD_get=1e-06,read=4e-06,getattr=1e-06 5000000000\n";
	ck_assert_str_eq(s, want);
	free(s);
}
END_TEST

START_TEST(influx_stream_intervals)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);
	struct influx_stream *st;
	ck_assert_int_eq(influx_stream_open(&st, f, 10, 0), 0);
	struct iot_io_event e = ev(IOT_OP_READ, 1, 1);
	ck_assert_int_eq(influx_stream_add(st, "h", "a", 15, &e, MODEL_NCLASSES), 0);
	ck_assert_int_eq(influx_stream_add(st, "h", "b", 19, &e, MODEL_NCLASSES), 0);
	ck_assert_int_eq(influx_stream_add(st, "h", "a", 42, &e, MODEL_NCLASSES), 0);
	ck_assert_int_eq(influx_stream_close(st), 0);
	fclose(f);
	/* series a at 10 and 40, series b at 10; 7 size + 1 count + 4 latency lines */
	int lines = 0, at10 = 0, at40 = 0;
	for (char *p = s; (p = strchr(p, '\n')); p++)
		lines++;
	for (char *p = s; (p = strstr(p, " 10\n")); p++)
		at10++;
	for (char *p = s; (p = strstr(p, " 40\n")); p++)
		at40++;
	ck_assert_int_eq(lines, 3 * 12);
	ck_assert_int_eq(at10, 2 * 12);
	ck_assert_int_eq(at40, 12);
	ck_assert_ptr_null(strstr(s, "iofs_classifications")); /* no model */
	free(s);
	ck_assert_int_eq(influx_stream_open(&st, stdout, 0, 0), -EINVAL);
}
END_TEST

START_TEST(intervals)
{
	uint64_t ns;
	ck_assert_int_eq(classify_parse_interval("10", &ns), 0);
	ck_assert_uint_eq(ns, 10000000000ull);
	ck_assert_int_eq(classify_parse_interval("0.5", &ns), 0);
	ck_assert_uint_eq(ns, 500000000);
	ck_assert_int_eq(classify_parse_interval("250ms", &ns), 0);
	ck_assert_uint_eq(ns, 250000000);
	ck_assert_int_eq(classify_parse_interval("1m", &ns), 0);
	ck_assert_uint_eq(ns, 60000000000ull);
	ck_assert_int_eq(classify_parse_interval("2h", &ns), 0);
	ck_assert_uint_eq(ns, 7200000000000ull);
	ck_assert_int_eq(classify_parse_interval("0", &ns), -EINVAL);
	ck_assert_int_eq(classify_parse_interval("-1", &ns), -EINVAL);
	ck_assert_int_eq(classify_parse_interval("5 s", &ns), -EINVAL);
	ck_assert_int_eq(classify_parse_interval("1x", &ns), -EINVAL);
	ck_assert_int_eq(classify_parse_interval("", &ns), -EINVAL);
	ck_assert_int_eq(classify_parse_interval("nan", &ns), -EINVAL);
}
END_TEST

START_TEST(output_files)
{
	char dir[] = "/tmp/check_classify.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/out.csv", dir);
	struct outfile o;
	ck_assert_int_eq(outfile_open(&o, path), 0);
	fputs("hello\n", o.f);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), -1); /* not visible before commit */
	ck_assert_int_eq(outfile_commit(&o), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, 6);
	ck_assert_int_eq(outfile_open(&o, path), -EEXIST);
	/* a discarded file leaves nothing behind */
	snprintf(path, sizeof path, "%s/gone.csv", dir);
	ck_assert_int_eq(outfile_open(&o, path), 0);
	outfile_discard(&o);
	ck_assert_int_eq(stat(path, &st), -1);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) = 1 && rm -rf %s", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("classify");
	tcase_add_test(tc, table_counts_and_failures);
	tcase_add_test(tc, iofs_rows);
	tcase_add_test(tc, influx_buckets_and_escapes);
	tcase_add_test(tc, influx_interval_lines);
	tcase_add_test(tc, influx_stream_intervals);
	tcase_add_test(tc, intervals);
	tcase_add_test(tc, output_files);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
