/* check_record_loop.c - the recorder core with a stand-in event source,
 * the way ebpf and preload plug in: this suite defines its own source
 * table. Checks the contract of record/source.h on a real COMMAND:
 * prepare_child's environment reaches COMMAND, start() runs with the pid
 * before exec, poll() is called from the loop, stop() sees COMMAND as a
 * zombie, destroy() always runs, a failing init is written down and the
 * recording goes on. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/options.h"
#include "record/recorder.h"
#include "record/source.h"

struct fake_log {
	int inited, prepared, started, polls, stopped, destroyed;
	char comm_at_start[64];
	char state_at_stop;
	pid_t pid;
};
static struct fake_log fl;

static int read_first_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
	return 0;
}

static int fake_available(const struct iorec_config *cfg, char *why, size_t whylen)
{
	return 1;
}

static int fake_init(void **state, struct iorec_ctx *ctx, char *why, size_t whylen)
{
	fl.inited++;
	*state = &fl;
	return 0;
}

static int fake_prepare(void *state, struct iorec_ctx *ctx, struct iorec_env *env)
{
	fl.prepared++;
	return iorec_env_set(env, "IOREC_FAKE", "from-prepare_child");
}

static int fake_start(void *state, struct iorec_ctx *ctx)
{
	char path[64];
	fl.started++;
	fl.pid = ctx->target_pid;
	snprintf(path, sizeof path, "/proc/%d/comm", (int)ctx->target_pid);
	read_first_line(path, fl.comm_at_start, sizeof fl.comm_at_start);
	return 0;
}

static int fake_poll(void *state, struct iorec_ctx *ctx, uint64_t now, uint64_t *next)
{
	struct iot_io_event ev = {.ts_ns = now, .dur_ns = 1000, .pid = (uint32_t)ctx->target_pid,
				  .tid = (uint32_t)ctx->target_pid, .op = IOT_OP_PREAD, .source = IOT_SRC_EBPF,
				  .fd = 3, .offset = 0, .size = 4096, .result = 4096};
	fl.polls++;
	iorec_note_process(ctx, (uint32_t)ctx->target_pid);
	*next = now + 10000000ull;
	return iot_writer_add_io(ctx->w, &ev);
}

static int fake_stop(void *state, struct iorec_ctx *ctx)
{
	char path[64], buf[512], *rp;
	fl.stopped++;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)fl.pid);
	if (read_first_line(path, buf, sizeof buf) == 0 && (rp = strrchr(buf, ')')))
		fl.state_at_stop = rp[2];
	return 0;
}

static void fake_destroy(void *state)
{
	fl.destroyed++;
}

static int broken_init(void **state, struct iorec_ctx *ctx, char *why, size_t whylen)
{
	snprintf(why, whylen, "no permission to load (test)");
	return -EPERM;
}

static const struct iorec_source_ops fake_source = {
	.name = "fake", .kind = IOREC_SRC_EVENTS, .available = fake_available,
	.init = fake_init, .prepare_child = fake_prepare, .start = fake_start,
	.poll = fake_poll, .stop = fake_stop, .destroy = fake_destroy,
};
static const struct iorec_source_ops broken_source = {
	.name = "broken", .kind = IOREC_SRC_EVENTS, .available = fake_available,
	.init = broken_init,
};

const struct iorec_source_ops *const iorec_sources[] = {
	&fake_source, &broken_source, &iorec_source_diskstats, &iorec_source_procio,
	&iorec_source_jobstats,
};
const size_t iorec_nsources = sizeof iorec_sources / sizeof iorec_sources[0];

static int run_iorec(const char *out, const char *sources, const char *script)
{
	struct iorec_options o;
	char err[256];
	char *argv[] = {"iorec", "-q", "-i", "50", "-o", (char *)out, "-s", (char *)sources,
			"--", "sh", "-c", (char *)script, NULL};
	int argc = 12, code;
	unlink(out);
	ck_assert_int_eq(iorec_options_parse(argc, argv, &o, err, sizeof err), 0);
	code = iorec_record(&o, argc, argv);
	iorec_options_free(&o);
	return code;
}

START_TEST(event_source_contract)
{
	const char *out = "/tmp/check_record_loop.iotr";
	char self[64];
	iot_reader *r;
	uint64_t nio = 0;
	int code;
	memset(&fl, 0, sizeof fl);
	read_first_line("/proc/self/comm", self, sizeof self);
	code = run_iorec(out, "fake,procio",
			 "sleep 0.3; test \"$IOREC_FAKE\" = from-prepare_child && exit 7; exit 1");
	ck_assert_int_eq(code, 7); /* COMMAND saw prepare_child's variable */
	ck_assert_int_eq(fl.inited, 1);
	ck_assert_int_eq(fl.prepared, 1);
	ck_assert_int_eq(fl.started, 1);
	ck_assert_str_eq(fl.comm_at_start, self); /* start() ran before exec */
	ck_assert_int_ge(fl.polls, 5);
	ck_assert_int_eq(fl.stopped, 1);
	ck_assert_int_eq(fl.state_at_stop, 'Z'); /* COMMAND not reaped yet */
	ck_assert_int_eq(fl.destroyed, 1);
	ck_assert_int_eq(iot_reader_open(&r, out, NULL), 0);
	ck_assert_str_eq(iot_reader_meta(r, "source.fake.status"), "ok");
	ck_assert_str_eq(iot_reader_meta(r, "rec.sources"), "fake,procio");
	ck_assert_str_eq(iot_reader_meta(r, "rec.exit_code"), "7");
	for (size_t i = 0; i < iot_reader_chunk_count(r); i++)
		if (iot_reader_chunk(r, i)->stream == IOT_STREAM_IO)
			nio += iot_reader_chunk(r, i)->nrecords;
	ck_assert_uint_eq(nio, (uint64_t)fl.polls);
	ck_assert_ptr_nonnull(iot_reader_proc(r, (uint32_t)fl.pid, 0));
	ck_assert_str_eq(iot_reader_proc(r, (uint32_t)fl.pid, 0)->comm, "sh");
	iot_reader_close(r);
	unlink(out);
}
END_TEST

START_TEST(failing_source_written_down)
{
	const char *out = "/tmp/check_record_loop2.iotr";
	iot_reader *r;
	int code = run_iorec(out, "broken,diskstats", "exit 5");
	ck_assert_int_eq(code, 5);
	ck_assert_int_eq(iot_reader_open(&r, out, NULL), 0);
	ck_assert_str_eq(iot_reader_meta(r, "source.broken.status"), "failed: no permission to load (test)");
	ck_assert_str_eq(iot_reader_meta(r, "source.diskstats.status"), "ok");
	iot_reader_close(r);
	unlink(out);
}
END_TEST

START_TEST(default_selection_takes_one_event_source)
{
	struct iorec_options o;
	const struct iorec_source_ops *sel[16];
	char err[256];
	char *argv[] = {"iorec", "--", "true", NULL};
	int n;
	ck_assert_int_eq(iorec_options_parse(3, argv, &o, err, sizeof err), 0);
	n = iorec_select_sources(&o, sel, 16, err, sizeof err);
	/* fake (first event source that can run), not broken; then pollers */
	ck_assert_int_ge(n, 3);
	ck_assert_str_eq(sel[0]->name, "fake");
	ck_assert_str_eq(sel[1]->name, "diskstats");
	ck_assert_str_eq(sel[2]->name, "procio");
	iorec_options_free(&o);
	{
		char *argv2[] = {"iorec", "-s", "fake,broken", "--", "true", NULL};
		ck_assert_int_eq(iorec_options_parse(5, argv2, &o, err, sizeof err), 0);
		ck_assert_int_eq(iorec_select_sources(&o, sel, 16, err, sizeof err), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "pick one"));
		iorec_options_free(&o);
	}
}
END_TEST

static Suite *record_loop_suite(void)
{
	Suite *s = suite_create("record_loop");
	TCase *tc = tcase_create("loop");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, event_source_contract);
	tcase_add_test(tc, failing_source_written_down);
	tcase_add_test(tc, default_selection_takes_one_event_source);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(record_loop_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
