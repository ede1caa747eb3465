/* check_model.c - model CSV parsing and the iofs decision rule, on
 * hand-computed cases and on the two published dummy models. */
#include "analyze/model.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR "benchmark_type,is_read_op,slope,y_intercept,left_bound,right_bound\n"

static struct model *parse_ok(const char *text)
{
	struct model *m = NULL;
	struct model_errors errs;
	int rc = model_parse(&m, text, strlen(text), "t.csv", &errs);
	ck_assert_msg(rc == 0, "parse failed: %d, line %u: %s", rc,
		      errs.ndiags ? errs.diags[0].line : 0,
		      errs.ndiags ? errs.diags[0].msg : "");
	return m;
}

/* Parse must fail with exactly one problem at line `line` whose message
 * contains `needle`. */
static void parse_bad(const char *text, unsigned line, const char *needle)
{
	struct model *m = (struct model *)1;
	struct model_errors errs;
	int rc = model_parse(&m, text, strlen(text), "t.csv", &errs);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_uint_ge(errs.ndiags, 1);
	ck_assert_uint_eq(errs.diags[0].line, line);
	ck_assert_msg(strstr(errs.diags[0].msg, needle), "message '%s' lacks '%s'",
		      errs.diags[0].msg, needle);
}

static const char *cls_at(const struct model *m, unsigned dir, uint64_t b, double t,
			  int *line)
{
	int row = model_pick(m, dir, b, t, NULL);
	*line = row < 0 ? 0 : (int)m->rows[row].line;
	return model_class_name(row < 0 ? MODEL_UNCLASSIFIED : m->rows[row].cls);
}

#define EXPECT(m, dir, b, t, name, ln)                                            \
	do {                                                                      \
		int line_;                                                        \
		const char *got_ = cls_at(m, dir, b, t, &line_);                  \
		ck_assert_msg(strcmp(got_, name) == 0 && line_ == (ln),           \
			      "%s %llu B %.9g s: got %s (line %d), want %s (line %d)", \
			      (dir) ? "read" : "write", (unsigned long long)(b),  \
			      (double)(t), got_, line_, name, ln);                \
	} while (0)

/* Line 2: SameOffset read, 0..4096, 0.5 s flat.
 * Line 3: Sequential read, 4096.., 0.25 s flat.
 * Line 4: RandomUncached read, any size, 0.5 s flat (ties with line 2).
 * Line 5: Reverse write, 0.001*b - 1 s (negative below 1000 bytes).
 * Line 6: SameOffset write, 0..100, 0.125 s. */
static const char *hand_model = HDR
	"SameOffset,1,0,0.5,0,4096\n"
	"Sequential,1,0,0.25,4096,0\n"
	"RandomUncached,1,0,0.5,0,0\n"
	"Reverse,0,0.001,-1,0,0\n"
	"SameOffset,0,0,0.125,0,100\n";

START_TEST(rule_hand_cases)
{
	struct model *m = parse_ok(hand_model);
	ck_assert_uint_eq(m->nrows, 5);
	/* below the edge: lines 2 and 4 tie at 0.5, the earlier row wins */
	EXPECT(m, MODEL_READ, 4095, 0.1, "SameOffset", 2);
	/* exactly at 4096 both bounded rows hold the size (inclusive) */
	EXPECT(m, MODEL_READ, 4096, 0.1, "Sequential", 3);
	/* a prediction equal to t is not greater than t */
	EXPECT(m, MODEL_READ, 4096, 0.25, "SameOffset", 2);
	/* one byte above the edge: only lines 3 and 4 */
	EXPECT(m, MODEL_READ, 4097, 0.3, "RandomUncached", 4);
	EXPECT(m, MODEL_READ, 4097, 0.1, "Sequential", 3);
	/* slower than every prediction */
	EXPECT(m, MODEL_READ, 4097, 0.5, "Unclassified", 0);
	EXPECT(m, MODEL_READ, 1u << 30, 7.0, "Unclassified", 0);
	/* zero-byte read: size 0 lies in 0..4096 and in the unbounded row */
	EXPECT(m, MODEL_READ, 0, 0.0, "SameOffset", 2);
	/* negative prediction (0.001*500 - 1 = -0.5) never exceeds a latency;
	 * 500 B is above line 6's bound of 100 */
	EXPECT(m, MODEL_WRITE, 500, 0.0, "Unclassified", 0);
	EXPECT(m, MODEL_WRITE, 2000, 0.5, "Reverse", 5);
	/* 100 B: line 6 (0.125) and line 5 (0.001*100-1 < 0) */
	EXPECT(m, MODEL_WRITE, 100, 0.01, "SameOffset", 6);
	EXPECT(m, MODEL_WRITE, 101, 0.01, "Unclassified", 0);
	/* reads never use write rows and the reverse */
	EXPECT(m, MODEL_WRITE, 4096, 0.1, "Reverse", 5);
	model_free(m);
}
END_TEST

START_TEST(rule_row_order)
{
	/* the same rows, the unbounded one first: now it wins the tie */
	struct model *m = parse_ok(HDR
		"RandomUncached,1,0,0.5,0,0\n"
		"Sequential,1,0,0.25,4096,0\n"
		"SameOffset,1,0,0.5,0,4096\n");
	EXPECT(m, MODEL_READ, 4095, 0.1, "RandomUncached", 2);
	EXPECT(m, MODEL_READ, 4096, 0.1, "Sequential", 3);
	model_free(m);
}
END_TEST

START_TEST(rule_above_every_bound)
{
	struct model *m = parse_ok(HDR
		"SameOffset,1,0,1,0,4096\n"
		"Sequential,1,0,1,4097,65536\n");
	EXPECT(m, MODEL_READ, 65536, 0.5, "Sequential", 3);
	EXPECT(m, MODEL_READ, 65537, 0.5, "Unclassified", 0);
	EXPECT(m, MODEL_READ, 100000, 0.0, "Unclassified", 0);
	/* no write rows at all */
	EXPECT(m, MODEL_WRITE, 10, 0.0, "Unclassified", 0);
	model_free(m);
}
END_TEST

static struct model *load_sample(const char *name)
{
	char path[512];
	const char *src = getenv("SRC");
	snprintf(path, sizeof path, "%s/samples/models/%s", src ? src : ".", name);
	struct model *m = NULL;
	struct model_errors errs;
	int rc = model_load(&m, path, &errs);
	ck_assert_msg(rc == 0, "%s: %s", path, errs.ndiags ? errs.diags[0].msg : "?");
	return m;
}

/* Expected classes worked out by hand from the rows (line numbers count
 * the header as line 1). */
START_TEST(fixture_constant_linear)
{
	struct model *m = load_sample("constant-linear.csv");
	ck_assert_uint_eq(m->nrows, 16);
	/* 4096 B read: both (0,4096) and (4096,0) rows apply. Predictions:
	 * Seq 9.47e-7 (l10), SO 1.086e-6 (l2), RU 2.207e-4 (l6), Seq 2.635e-4
	 * (l11), RU 1.066e-3 (l7), Rev 1.073e-3 (l15), Rev 4.77e-3 (l14);
	 * SO (l3) is negative: 2.0995e-10*4096 - 6.338e-5. */
	EXPECT(m, MODEL_READ, 4096, 5e-7, "Sequential", 10);
	EXPECT(m, MODEL_READ, 4096, 1e-6, "SameOffset", 2);
	EXPECT(m, MODEL_READ, 4096, 2e-4, "RandomUncached", 6);
	EXPECT(m, MODEL_READ, 4096, 2.5e-4, "Sequential", 11);
	EXPECT(m, MODEL_READ, 4096, 1.07e-3, "Reverse", 15);
	EXPECT(m, MODEL_READ, 4096, 4e-3, "Reverse", 14);
	EXPECT(m, MODEL_READ, 4096, 5e-3, "Unclassified", 0);
	/* 4097 B: only the (4096,0) rows */
	EXPECT(m, MODEL_READ, 4097, 1e-6, "Sequential", 11);
	/* 4095 B: only the (0,4096) rows */
	EXPECT(m, MODEL_READ, 4095, 1e-6, "SameOffset", 2);
	EXPECT(m, MODEL_READ, 0, 0.0, "Sequential", 10);
	/* writes: SO 7.43e-7 (l4), Seq 1.509e-4 (l12), Rev 2.015e-4 (l16) */
	EXPECT(m, MODEL_WRITE, 4096, 5e-7, "SameOffset", 4);
	EXPECT(m, MODEL_WRITE, 4096, 1.6e-4, "Reverse", 16);
	/* 1 MiB writes: SO 1.508e-4 (l5), Seq 2.773e-3 (l13), Rev 4.269e-3
	 * (l17), RU 7.4e-3 (l9) */
	EXPECT(m, MODEL_WRITE, 1u << 20, 1e-5, "SameOffset", 5);
	EXPECT(m, MODEL_WRITE, 1u << 20, 1e-3, "Sequential", 13);
	EXPECT(m, MODEL_WRITE, 1u << 20, 3e-3, "Reverse", 17);
	EXPECT(m, MODEL_WRITE, 1u << 20, 5e-3, "RandomUncached", 9);
	EXPECT(m, MODEL_WRITE, 1u << 20, 1.0, "Unclassified", 0);
	model_free(m);
}
END_TEST

START_TEST(fixture_linear)
{
	struct model *m = load_sample("linear.csv");
	ck_assert_uint_eq(m->nrows, 8);
	ck_assert_uint_eq(m->ndir[MODEL_READ], 4);
	ck_assert_uint_eq(m->ndir[MODEL_WRITE], 4);
	/* 1 MiB reads: SO 1.898e-4, Seq 7.245e-4, RU 1.620e-3, Rev 1.875e-3 */
	EXPECT(m, MODEL_READ, 1u << 20, 1e-4, "SameOffset", 2);
	EXPECT(m, MODEL_READ, 1u << 20, 5e-4, "Sequential", 6);
	EXPECT(m, MODEL_READ, 1u << 20, 1e-3, "RandomUncached", 4);
	EXPECT(m, MODEL_READ, 1u << 20, 1.7e-3, "Reverse", 8);
	EXPECT(m, MODEL_READ, 1u << 20, 2e-3, "Unclassified", 0);
	/* zero-byte read: SO's intercept is negative, Seq's 1.12e-4 is least */
	EXPECT(m, MODEL_READ, 0, 0.0, "Sequential", 6);
	/* writes of 1 MiB: SO 1.871e-4, Seq 2.941e-3, Rev 3.893e-3, RU 5.782e-3 */
	EXPECT(m, MODEL_WRITE, 1u << 20, 1e-4, "SameOffset", 3);
	EXPECT(m, MODEL_WRITE, 1u << 20, 2e-3, "Sequential", 7);
	EXPECT(m, MODEL_WRITE, 1u << 20, 3.5e-3, "Reverse", 9);
	EXPECT(m, MODEL_WRITE, 1u << 20, 5e-3, "RandomUncached", 5);
	EXPECT(m, MODEL_WRITE, 0, 0.0, "Reverse", 9);
	/* the row's prediction is reported */
	double pred = 0;
	int row = model_pick(m, MODEL_READ, 1u << 20, 1e-4, &pred);
	ck_assert_int_eq(row, 0);
	ck_assert_double_eq_tol(pred, 2.06696970578501e-10 * 1048576 - 2.69465751041496e-05,
				1e-15);
	model_free(m);
}
END_TEST

START_TEST(parse_variants)
{
	/* columns in another order, CRLF, blank lines, spaces, ".5", true */
	struct model *m = parse_ok(
		"is_read_op, benchmark_type ,slope,left_bound,right_bound,y_intercept\r\n"
		"\r\n"
		"1,SameOffset,0,0,0,.5\r\n"
		"true , Reverse , 1e-9 , 10 , 20 , -1e-3\r\n");
	ck_assert_uint_eq(m->nrows, 2);
	ck_assert_uint_eq(m->rows[0].line, 3);
	ck_assert_uint_eq(m->rows[0].cls, MODEL_SAME_OFFSET);
	ck_assert_double_eq(m->rows[0].intercept, 0.5);
	ck_assert_uint_eq(m->rows[1].cls, MODEL_REVERSE);
	ck_assert_uint_eq(m->rows[1].is_read, 1);
	ck_assert_uint_eq(m->rows[1].left, 10);
	ck_assert_uint_eq(m->rows[1].right, 20);
	ck_assert_double_eq(m->rows[1].intercept, -1e-3);
	model_free(m);
}
END_TEST

START_TEST(parse_bom)
{
	struct model *m = parse_ok("\xef\xbb\xbf" HDR "Sequential,0,0,1,0,0\n");
	ck_assert_uint_eq(m->nrows, 1);
	ck_assert_uint_eq(m->rows[0].line, 2);
	model_free(m);
}
END_TEST

START_TEST(parse_errors)
{
	parse_bad(HDR "SameOffset,1,0,0.5,0\n", 2, "wrong column count: 5 fields");
	parse_bad(HDR "SameOffset,1,0,0.5,0,0\nSameOffset,1,0,0.5,0,0,7\n", 3,
		  "wrong column count: 7 fields");
	parse_bad(HDR "\nFooBar,1,0,0.5,0,0\n", 3, "unknown benchmark type 'FooBar'");
	parse_bad(HDR "sameoffset,1,0,0.5,0,0\n", 2, "unknown benchmark type");
	parse_bad(HDR "SameOffset,1,abc,0.5,0,0\n", 2, "non-numeric slope 'abc'");
	parse_bad(HDR "SameOffset,1,0,0.5x,0,0\n", 2, "non-numeric y_intercept");
	parse_bad(HDR "SameOffset,1,0,nan,0,0\n", 2, "non-numeric y_intercept");
	parse_bad(HDR "SameOffset,1,0,,0,0\n", 2, "non-numeric y_intercept");
	parse_bad(HDR "SameOffset,yes,0,0.5,0,0\n", 2, "non-numeric is_read_op");
	parse_bad(HDR "SameOffset,2,0,0.5,0,0\n", 2, "is_read_op must be 0 or 1");
	parse_bad(HDR "SameOffset,1,0,0.5,-1,0\n", 2, "negative left_bound '-1'");
	parse_bad(HDR "SameOffset,1,0,0.5,0,-4096\n", 2, "negative right_bound");
	parse_bad(HDR "SameOffset,1,0,0.5,0,4096.5\n", 2, "not a whole number");
	parse_bad(HDR "SameOffset,1,0,0.5,8192,4096\n", 2, "above right_bound");
	/* header problems */
	parse_bad("SameOffset,1,0,0.5,0,0\n", 1, "expected the header line");
	parse_bad("benchmark_type,is_read_op,slope,y_intercept,left_bound\n", 1,
		  "expected the header line");
	parse_bad("benchmark_type,is_read_op,slope,slope,left_bound,right_bound\n", 1,
		  "expected the header line");
	parse_bad("", 0, "empty file");
	parse_bad("\n  \n", 0, "empty file");
	/* a model with no usable row */
	parse_bad(HDR, 0, "no model rows");
	parse_bad(HDR "\n\n", 0, "no model rows");
}
END_TEST

START_TEST(parse_reports_every_bad_row)
{
	struct model *m = NULL;
	struct model_errors errs;
	const char *t = HDR "SameOffset,1,0,0.5,0,0\nBad,1,0,0.5,0,0\n"
		"SameOffset,1,x,0.5,-3,0\nSameOffset,0,0,0.5,0,0\n";
	ck_assert_int_eq(model_parse(&m, t, strlen(t), "t.csv", &errs), -EINVAL);
	ck_assert_uint_eq(errs.ndiags, 3);
	ck_assert_uint_eq(errs.diags[0].line, 3);
	ck_assert_uint_eq(errs.diags[1].line, 4);
	ck_assert_ptr_nonnull(strstr(errs.diags[1].msg, "slope"));
	ck_assert_uint_eq(errs.diags[2].line, 4);
	ck_assert_ptr_nonnull(strstr(errs.diags[2].msg, "negative left_bound"));
}
END_TEST

START_TEST(parse_nul_byte)
{
	struct model *m = NULL;
	struct model_errors errs;
	static const char t[] = HDR "Same\0Offset,1,0,0.5,0,0\n";
	ck_assert_int_eq(model_parse(&m, t, sizeof t - 1, "t.csv", &errs), -EINVAL);
	ck_assert_uint_eq(errs.diags[0].line, 2);
	ck_assert_ptr_nonnull(strstr(errs.diags[0].msg, "NUL"));
}
END_TEST

START_TEST(load_missing_file)
{
	struct model *m = NULL;
	struct model_errors errs;
	ck_assert_int_eq(model_load(&m, "/nonexistent/model.csv", &errs), -ENOENT);
	ck_assert_uint_eq(errs.ndiags, 1);
	ck_assert_uint_eq(errs.diags[0].line, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");
	tcase_add_test(tc, rule_hand_cases);
	tcase_add_test(tc, rule_row_order);
	tcase_add_test(tc, rule_above_every_bound);
	tcase_add_test(tc, fixture_constant_linear);
	tcase_add_test(tc, fixture_linear);
	tcase_add_test(tc, parse_variants);
	tcase_add_test(tc, parse_bom);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, parse_reports_every_bad_row);
	tcase_add_test(tc, parse_nul_byte);
	tcase_add_test(tc, load_missing_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
