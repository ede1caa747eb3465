/* check_tui.c - unit tests of ioview's model: binned series, the entity
 * table, formatting, the index vs scan totals, views and the drill-down. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <locale.h>

#include "format/iotrace.h"
#include "tui/drill.h"
#include "tui/fmt.h"
#include "tui/model.h"
#include "tui/series.h"
#include "tui/view.h"

static struct ser_agg A(uint64_t r, uint64_t w, uint64_t rb, uint64_t wb, uint64_t ns)
{
	struct ser_agg a = {.rops = r, .wops = w, .rbytes = rb, .wbytes = wb, .io_ns = ns};
	return a;
}

START_TEST(series_ranges_out_of_order)
{
	struct series s = {0};
	struct ser_agg a;
	/* Appended out of order with a duplicate bin, as merged shards do. */
	a = A(1, 0, 10, 0, 5);
	ck_assert_int_eq(ser_add(&s, 7, &a), 0);
	a = A(0, 2, 0, 20, 6);
	ck_assert_int_eq(ser_add(&s, 3, &a), 0);
	a = A(1, 0, 30, 0, 7);
	ck_assert_int_eq(ser_add(&s, 7, &a), 0); /* merged into the last */
	a = A(0, 1, 0, 40, 8);
	ck_assert_int_eq(ser_add(&s, 5, &a), 0);
	a = A(4, 0, 50, 0, 9);
	ck_assert_int_eq(ser_add(&s, 3, &a), 0); /* same bin as an earlier one */
	ser_finish(&s);
	ck_assert_uint_eq(s.n, 3);
	struct ser_agg out;
	ser_range(&s, 0, 100, &out);
	ck_assert_uint_eq(out.rops, 6);
	ck_assert_uint_eq(out.wops, 3);
	ck_assert_uint_eq(out.rbytes, 90);
	ck_assert_uint_eq(out.wbytes, 60);
	ck_assert_uint_eq(out.io_ns, 35);
	ser_range(&s, 3, 4, &out);
	ck_assert_uint_eq(out.rops, 4);
	ck_assert_uint_eq(out.wbytes, 20);
	ser_range(&s, 4, 7, &out); /* only bin 5 */
	ck_assert_uint_eq(out.wops, 1);
	ck_assert_uint_eq(out.rops, 0);
	ser_range(&s, 8, 100, &out);
	ck_assert_uint_eq(out.rops + out.wops + out.io_ns, 0);
	ser_range(&s, 6, 6, &out); /* empty range */
	ck_assert_uint_eq(out.io_ns, 0);
	ser_free(&s);
}
END_TEST

START_TEST(entity_table_many_keys)
{
	struct etab t = {0};
	for (uint64_t i = 0; i < 5000; i++) {
		struct ekey k = {.node = (uint32_t)(i % 3), .kind = 'P', .a = i, .b = i * 7};
		ck_assert_int_eq(etab_get(&t, &k), (long)i);
	}
	for (uint64_t i = 0; i < 5000; i += 37) {
		struct ekey k = {.node = (uint32_t)(i % 3), .kind = 'P', .a = i, .b = i * 7};
		ck_assert_int_eq(etab_find(&t, &k), (long)i);
		ck_assert_int_eq(etab_get(&t, &k), (long)i);
		k.node++;
		ck_assert_int_eq(etab_find(&t, &k), -1);
	}
	ck_assert_uint_eq(t.n, 5000);
	etab_free(&t);
}
END_TEST

START_TEST(formats)
{
	char b[32];
	fmt_bytes(b, sizeof b, 0);
	ck_assert_str_eq(b, "0");
	fmt_bytes(b, sizeof b, 512);
	ck_assert_str_eq(b, "512B");
	fmt_bytes(b, sizeof b, 8.0 * 1048576);
	ck_assert_str_eq(b, "8.0M");
	fmt_bytes(b, sizeof b, 123.0 * 1048576);
	ck_assert_str_eq(b, "123M");
	fmt_bytes(b, sizeof b, 99.97 * 1024);
	ck_assert_str_eq(b, "100K");
	fmt_rate(b, sizeof b, 4);
	ck_assert_str_eq(b, "4.0");
	fmt_rate(b, sizeof b, 25369);
	ck_assert_str_eq(b, "25369");
	fmt_rate(b, sizeof b, 2500000);
	ck_assert_str_eq(b, "2.50M");
	fmt_lat(b, sizeof b, 0);
	ck_assert_str_eq(b, "-");
	fmt_lat(b, sizeof b, 0.0001);
	ck_assert_str_eq(b, "100us");
	fmt_lat(b, sizeof b, 0.005);
	ck_assert_str_eq(b, "5.00ms");
	fmt_pct(b, sizeof b, 0.8);
	ck_assert_str_eq(b, "0.8");
	fmt_offset(b, sizeof b, 7500000000ull);
	ck_assert_str_eq(b, "+7.500s");
	fmt_offset(b, sizeof b, 3723400000000ull);
	ck_assert_str_eq(b, "+1:02:03.4");
	fmt_dur(b, sizeof b, 500000000ull);
	ck_assert_str_eq(b, "500ms");
	fmt_dur(b, sizeof b, 99000000000ull);
	ck_assert_str_eq(b, "1m39s");
}
END_TEST

START_TEST(parse_times)
{
	uint64_t t;
	ck_assert_int_eq(fmt_parse_time("12.5", 0, &t), 0);
	ck_assert_uint_eq(t, 12500000000ull);
	ck_assert_int_eq(fmt_parse_time(" 7s ", 0, &t), 0);
	ck_assert_uint_eq(t, 7000000000ull);
	ck_assert_int_eq(fmt_parse_time("1:30", 0, &t), 0);
	ck_assert_uint_eq(t, 90000000000ull);
	ck_assert_int_eq(fmt_parse_time("1:02:03", 0, &t), 0);
	ck_assert_uint_eq(t, 3723000000000ull);
	ck_assert_int_eq(fmt_parse_time("+5", 2000000000ull, &t), 0);
	ck_assert_uint_eq(t, 7000000000ull);
	ck_assert_int_eq(fmt_parse_time("-5", 2000000000ull, &t), 0);
	ck_assert_uint_eq(t, 0);
	ck_assert_int_eq(fmt_parse_time("", 0, &t), -EINVAL);
	ck_assert_int_eq(fmt_parse_time("abc", 0, &t), -EINVAL);
	ck_assert_int_eq(fmt_parse_time("1:2:3:4", 0, &t), -EINVAL);
	ck_assert_int_eq(fmt_parse_time("5x", 0, &t), -EINVAL);
}
END_TEST

START_TEST(utf8_width)
{
	int cols;
	setlocale(LC_ALL, "C.UTF-8");
	/* "файл" is 4 columns in 8 bytes. */
	ck_assert_uint_eq(fmt_fit_utf8("\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb.dat", 4, &cols), 8);
	ck_assert_int_eq(cols, 4);
	/* A wide CJK character does not fit in the last column. */
	ck_assert_uint_eq(fmt_fit_utf8("ab\xe6\x97\xa5", 3, &cols), 2);
	ck_assert_int_eq(cols, 2);
	/* Invalid bytes count one column each. */
	ck_assert_uint_eq(fmt_fit_utf8("\xff\xfe" "a", 10, &cols), 3);
	ck_assert_int_eq(cols, 3);
	ck_assert(fmt_contains("/data/Input.DAT", "input"));
	ck_assert(!fmt_contains("/data/out", "input"));
	ck_assert(fmt_contains("x", ""));
}
END_TEST

START_TEST(bin_width)
{
	ck_assert_uint_eq(model_pick_binw(10000000000ull, 4000), 5000000ull);
	ck_assert_uint_eq(model_pick_binw(0, 4000), 1000000ull);
	uint64_t w = model_pick_binw(86400ull * 1000000000ull, 4000);
	ck_assert(86400ull * 1000000000ull / w < 4000);
}
END_TEST

/* A writer on a fresh name made from the template path (chunks of 16
 * records, so the index spreads aggregates across bins). */
static iot_writer *open_trace(char *path)
{
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	iot_writer *w;
	struct iot_writer_opts o = {.chunk_records = 16};
	ck_assert_int_eq(iot_writer_open(&w, path, &o), 0);
	return w;
}

/* Decode the drill-down to its end. */
static void drill_to_end(struct drill *d)
{
	int rc;
	while ((rc = drill_step(d, 0.001)) == 0)
		;
	ck_assert_int_eq(rc, 1);
}

/* A pid the kernel reused within the trace is two processes, in the
 * index view and after the exact scan, with each life's name: "first"
 * writes 30 times in second 0, "second" reads 40 times in second 2. */
START_TEST(model_pid_reuse_two_rows)
{
	char path[] = "/tmp/check_tui.XXXXXX";
	iot_writer *w = open_trace(path);
	const uint64_t T0 = 1000000000ull, S = 1000000000ull;
	struct iot_proc p = {.ts_ns = T0, .start_ns = T0, .exit_ns = T0 + S, .pid = 10,
			     .comm = "first"};
	ck_assert_int_eq(iot_writer_add_proc(w, &p), 0);
	p = (struct iot_proc){.ts_ns = T0 + 2 * S, .start_ns = T0 + 2 * S, .pid = 10, .comm = "second"};
	ck_assert_int_eq(iot_writer_add_proc(w, &p), 0);
	for (uint64_t i = 0; i < 70; i++) {
		int first = i < 30;
		struct iot_io_event ev = {
			.ts_ns = first ? T0 + i * 10000000ull : T0 + 2 * S + (i - 30) * 10000000ull,
			.dur_ns = 1000, .pid = 10, .tid = 10, .op = first ? IOT_OP_WRITE : IOT_OP_READ,
			.fd = 3, .offset = 0, .size = 4096, .result = 4096};
		ck_assert_int_eq(iot_writer_add_io(w, &ev), 0);
		if (i == 29) /* a chunk does not span both lives */
			ck_assert_int_eq(iot_writer_flush(w), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);
	iot_reader *r;
	ck_assert_int_eq(iot_reader_open(&r, path, NULL), 0);
	struct model m;
	ck_assert_int_eq(model_open(&m, &r, 1), 0);
	for (int pass = 0; pass < 2; pass++) {
		if (pass) {
			ck_assert_int_eq(model_start_scan(&m), 0);
			for (int i = 0; i < 500 && !model_poll(&m); i++)
				usleep(10000);
			ck_assert(m.exact);
		}
		static const enum view_kind kinds[] = {VIEW_PROC, VIEW_THREAD};
		for (int k = 0; k < 1 + pass; k++) { /* threads come with the scan */
			struct view v = {0};
			ck_assert_int_eq(view_build(&v, kinds[k], &m), 0);
			view_compute(&v, &m, 0, m.nbins);
			ck_assert_uint_eq(v.nrows, 2);
			int seen = 0;
			for (size_t i = 0; i < v.nrows; i++) {
				const struct row *row = &v.rows[i];
				ck_assert_uint_eq(row->pid, 10);
				if (!strcmp(row->name, "first") && row->a.wops == 30 && row->a.rops == 0)
					seen |= 1;
				if (!strcmp(row->name, "second") && row->a.rops == 40 && row->a.wops == 0)
					seen |= 2;
			}
			ck_assert_msg(seen == 3, "pass %d view %d: lives not apart (%d)", pass, k, seen);
			/* the drill-down of each row: that process's events only */
			for (size_t i = 0; pass && i < v.nrows; i++) {
				const struct row *row = &v.rows[i];
				struct drill d;
				ck_assert_int_eq(drill_init(&d, &m, 100), 0);
				ck_assert_int_eq(drill_start(&d, 0, k ? DRILL_TID : DRILL_PID, 10, 10, row->life,
							     0, m.t0, m.t1 + 1), 0);
				drill_to_end(&d);
				ck_assert_uint_eq(d.nmatch, strcmp(row->name, "first") ? 40 : 30);
				ck_assert_uint_eq(agg_totals(d.agg)->write_ops, strcmp(row->name, "first") ? 0 : 30);
				drill_free(&d);
			}
			view_free(&v);
		}
	}
	model_close(&m);
	iot_reader_close(r);
	unlink(path);
}
END_TEST

/* A small trace: pid 10 reads 1 MiB every 100 ms for 2 s (threads 10 and
 * 11 alternate), pid 20 writes 4 KiB every 10 ms for 2 s; chunks of 16
 * records so the index spreads aggregates across bins. */
static char *make_trace(void)
{
	static char path[] = "/tmp/check_tui.XXXXXX";
	iot_writer *w = open_trace(path);
	struct iot_proc p = {.ts_ns = 1, .pid = 10, .comm = "reader", .job_id = "J1"};
	ck_assert_int_eq(iot_writer_add_proc(w, &p), 0);
	p.pid = 20;
	p.comm = "writer";
	p.job_id = "J2";
	ck_assert_int_eq(iot_writer_add_proc(w, &p), 0);
	struct iot_file f = {.dev = 1, .ino = 2, .type = IOT_FT_REG, .path = "/in"};
	uint64_t fin = iot_writer_file(w, &f);
	f.path = "/out";
	f.ino = 3;
	uint64_t fout = iot_writer_file(w, &f);
	const uint64_t T0 = 1000000000ull;
	for (uint64_t i = 0; i < 200; i++) {
		uint64_t t = T0 + i * 10000000ull;
		struct iot_io_event ev = {.ts_ns = t, .dur_ns = 1000, .pid = 20, .tid = 20,
					  .op = IOT_OP_WRITE, .fd = 4, .file_id = fout,
					  .offset = (int64_t)i * 4096, .size = 4096, .result = 4096};
		ck_assert_int_eq(iot_writer_add_io(w, &ev), 0);
		if (i % 10 == 0) {
			ev.pid = 10;
			ev.tid = 10 + (uint32_t)(i / 10 % 2);
			ev.op = IOT_OP_PREAD;
			ev.file_id = fin;
			ev.size = ev.result = 1048576;
			ev.dur_ns = 2000000;
			ck_assert_int_eq(iot_writer_add_io(w, &ev), 0);
		}
	}
	for (uint64_t k = 0; k <= 2; k++) {
		struct iot_procio_sample ps = {.ts_ns = T0 + k * 1000000000ull, .pid = 20,
					       .wchar = k * 409600, .write_bytes = k * 4096,
					       .syscw = k * 100};
		ck_assert_int_eq(iot_writer_add_procio(w, &ps), 0);
	}
	ck_assert_int_eq(iot_writer_close(w), 0);
	return path;
}

static const struct row *find_row(const struct view *v, uint32_t kind, uint64_t a, uint64_t b)
{
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].key.kind == kind && v->rows[i].key.a == a && v->rows[i].key.b == b)
			return &v->rows[i];
	return NULL;
}

START_TEST(model_index_then_exact)
{
	char *path = make_trace();
	iot_reader *r;
	ck_assert_int_eq(iot_reader_open(&r, path, NULL), 0);
	struct model m;
	ck_assert_int_eq(model_open(&m, &r, 1), 0);
	ck_assert(!m.exact);
	/* Whole-span totals from the index equal the events written. */
	struct view v = {0};
	ck_assert_int_eq(view_build(&v, VIEW_PROC, &m), 0);
	view_compute(&v, &m, 0, m.nbins);
	const struct row *w = find_row(&v, EK_PID, 20, 0), *rd = find_row(&v, EK_PID, 10, 0);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(rd);
	ck_assert_uint_eq(w->a.wops, 200);
	ck_assert_uint_eq(w->a.wbytes, 200 * 4096);
	ck_assert_uint_eq(rd->a.rops, 20);
	ck_assert_str_eq(rd->name, "reader");
	ck_assert_str_eq(rd->job, "J1");

	ck_assert_int_eq(model_start_scan(&m), 0);
	for (int i = 0; i < 500 && !model_poll(&m); i++)
		usleep(10000);
	ck_assert(m.exact);
	ck_assert_uint_eq(model_progress(&m), 1000);
	ck_assert_int_eq(view_build(&v, VIEW_PROC, &m), 0);
	/* First second exactly: 100 writes, 10 reads. */
	uint32_t b1 = model_bin(&m, m.t0 + 1000000000ull);
	view_compute(&v, &m, 0, b1);
	w = find_row(&v, EK_PID, 20, 0);
	rd = find_row(&v, EK_PID, 10, 0);
	ck_assert_uint_eq(w->a.wops, 100);
	ck_assert_uint_eq(rd->a.rops, 10);
	ck_assert_double_eq_tol(w->v[V_WBPS], 100 * 4096.0, 1e-6);
	ck_assert_double_eq_tol(rd->v[V_LAT], 0.002, 1e-12);
	/* Sorted by %IO: the reader (20 ms of I/O per second) first. */
	view_filter(&v, "", 0);
	ck_assert_uint_eq(v.nvis, 2);
	ck_assert_uint_eq(v.rows[v.vis[0]].pid, 10);
	v.reverse = 1;
	view_sort(&v);
	ck_assert_uint_eq(v.rows[v.vis[0]].pid, 20);
	view_filter(&v, "WRIT", 0);
	ck_assert_uint_eq(v.nvis, 1);
	ck_assert_int_eq(view_find(&v, &v.rows[v.vis[0]].key), (long)v.vis[0]);

	/* /proc/PID/io deltas over the window, or over the poll interval
	 * holding a shorter one; nothing for a pid without samples. */
	double pio[PIO_N];
	ck_assert_int_eq(model_procio(&m, 0, 20, m.t0, m.t0 + 1000000000ull, pio), 1);
	ck_assert_double_eq_tol(pio[PIO_WCHAR], 409600, 1e-6);
	ck_assert_double_eq_tol(pio[PIO_WBYTES], 4096, 1e-6);
	ck_assert_double_eq_tol(pio[PIO_SYSCW], 100, 1e-6);
	ck_assert_int_eq(model_procio(&m, 0, 20, m.t0 + 1200000000ull, m.t0 + 1300000000ull, pio), 1);
	ck_assert_double_eq_tol(pio[PIO_WCHAR], 409600, 1e-6);
	ck_assert_int_eq(model_procio(&m, 0, 20, m.t0 + 5000000000ull, m.t0 + 6000000000ull, pio), 1);
	ck_assert_double_eq_tol(pio[PIO_WCHAR], 409600, 1e-6);
	ck_assert_int_eq(model_procio(&m, 0, 10, m.t0, m.t1, pio), 0);
	ck_assert_int_eq(model_procio(&m, 0, 21, m.t0, m.t1, pio), 0);

	/* Threads: 10 and 11 share the reads. */
	ck_assert_int_eq(view_build(&v, VIEW_THREAD, &m), 0);
	view_compute(&v, &m, 0, m.nbins);
	ck_assert_uint_eq(find_row(&v, EK_TID, 10, 10)->a.rops, 10);
	ck_assert_uint_eq(find_row(&v, EK_TID, 10, 11)->a.rops, 10);
	/* Jobs group processes. */
	ck_assert_int_eq(view_build(&v, VIEW_JOB, &m), 0);
	view_compute(&v, &m, 0, m.nbins);
	view_filter(&v, "J2", 0);
	ck_assert_uint_eq(v.nvis, 1);
	ck_assert_uint_eq(v.rows[v.vis[0]].a.wops, 200);

	/* Drill-down of the reader over its second half: 10 events, one file. */
	struct drill d;
	ck_assert_int_eq(drill_init(&d, &m, 4), 0);
	ck_assert_int_eq(drill_start(&d, 0, DRILL_PID, 10, 0, 0, 0, m.t0 + 1000000000ull, m.t1 + 1), 0);
	drill_to_end(&d);
	ck_assert_uint_eq(d.nmatch, 10);
	ck_assert_uint_eq(d.nev, 4); /* capped list, first in time */
	ck_assert(d.evs[0].wall <= d.evs[1].wall);
	ck_assert_uint_eq(agg_file_count(d.agg), 1);
	ck_assert_str_eq(agg_file(d.agg, 0)->path, "/in");
	ck_assert_uint_eq(agg_totals(d.agg)->read_bytes, 10 * 1048576ull);
	drill_free(&d);

	view_free(&v);
	model_close(&m);
	iot_reader_close(r);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tui");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, series_ranges_out_of_order);
	tcase_add_test(tc, entity_table_many_keys);
	tcase_add_test(tc, formats);
	tcase_add_test(tc, parse_times);
	tcase_add_test(tc, utf8_width);
	tcase_add_test(tc, bin_width);
	tcase_add_test(tc, model_index_then_exact);
	tcase_add_test(tc, model_pid_reuse_two_rows);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
