/* check_record_core.c - iorec's option parser, environment builder,
 * path anonymisation and process table (against the live /proc). */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/anon.h"
#include "record/env.h"
#include "record/options.h"
#include "record/proctab.h"

static int parse(struct iorec_options *o, char *err, int argc, ...)
{
	static char *argv[32]; /* o keeps pointers into it */
	va_list ap;
	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	return iorec_options_parse(argc, argv, o, err, 256);
}

START_TEST(opt_command_and_defaults)
{
	struct iorec_options o;
	char err[256];
	unsetenv("SLURM_JOB_ID");
	unsetenv("PBS_JOBID");
	unsetenv("LSB_JOBID");
	unsetenv("FLUX_JOB_ID");
	ck_assert_int_eq(parse(&o, err, 6, "iorec", "-o", "x.iotr", "--", "ls", "-l"), 0);
	ck_assert_str_eq(o.output, "x.iotr");
	ck_assert_int_eq(o.ncommand, 2);
	ck_assert_str_eq(o.command[0], "ls");
	ck_assert_str_eq(o.command[1], "-l");
	ck_assert_uint_eq(o.cfg.interval_ms, 1000);
	ck_assert_ptr_null(o.cfg.job_id);
	iorec_options_free(&o);
	/* COMMAND's own options are not iorec's, even without "--" */
	ck_assert_int_eq(parse(&o, err, 4, "iorec", "ls", "-o", "zzz"), 0);
	ck_assert_ptr_null(o.output);
	ck_assert_int_eq(o.ncommand, 3);
	iorec_options_free(&o);
}
END_TEST

START_TEST(opt_repeatable_and_values)
{
	struct iorec_options o;
	char err[256];
	ck_assert_int_eq(parse(&o, err, 20, "iorec", "--pid", "10", "--pid", "20", "--comm", "fio",
			       "--syscalls", "read,pwrite", "--path", "/scratch", "--jobstats-glob", "/a/*",
			       "--jobstats-glob", "/b/*", "-i", "250", "--ringbuf-size", "64M", "--all"),
			 0);
	ck_assert_uint_eq(o.cfg.npids, 2);
	ck_assert_uint_eq(o.cfg.pids[1], 20);
	ck_assert_uint_eq(o.cfg.ncomms, 1);
	ck_assert_uint_eq(o.cfg.nsyscalls, 2);
	ck_assert_str_eq(o.cfg.syscalls[1], "pwrite");
	ck_assert_uint_eq(o.cfg.njobstats_globs, 2);
	ck_assert_uint_eq(o.cfg.interval_ms, 250);
	ck_assert_uint_eq(o.cfg.ringbuf_bytes, 64u << 20);
	ck_assert_int_eq(o.cfg.all, 1);
	iorec_options_free(&o);
}
END_TEST

START_TEST(opt_job_id_from_env)
{
	struct iorec_options o;
	char err[256];
	unsetenv("SLURM_JOB_ID");
	setenv("PBS_JOBID", "77.pbs", 1);
	ck_assert_int_eq(parse(&o, err, 2, "iorec", "true"), 0);
	ck_assert_str_eq(o.cfg.job_id, "77.pbs");
	iorec_options_free(&o);
	setenv("SLURM_JOB_ID", "99", 1);
	ck_assert_int_eq(parse(&o, err, 2, "iorec", "true"), 0);
	ck_assert_str_eq(o.cfg.job_id, "99");
	iorec_options_free(&o);
	ck_assert_int_eq(parse(&o, err, 4, "iorec", "--job-id", "mine", "true"), 0);
	ck_assert_str_eq(o.cfg.job_id, "mine");
	iorec_options_free(&o);
	unsetenv("SLURM_JOB_ID");
	unsetenv("PBS_JOBID");
}
END_TEST

START_TEST(opt_usage_errors_say_what)
{
	struct iorec_options o;
	char err[256];
	ck_assert_int_eq(parse(&o, err, 3, "iorec", "--nope", "ls"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "--nope"));
	iorec_options_free(&o);
	ck_assert_int_eq(parse(&o, err, 4, "iorec", "-i", "9", "ls"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "'9'"));
	iorec_options_free(&o);
	ck_assert_int_eq(parse(&o, err, 2, "iorec", "-o"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs a value"));
	iorec_options_free(&o);
	ck_assert_int_eq(parse(&o, err, 3, "iorec", "--force=yes", "ls"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "takes no value"));
	iorec_options_free(&o);
	ck_assert_int_eq(parse(&o, err, 4, "iorec", "--duration", "abc", "--all"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "--duration"));
	iorec_options_free(&o);
	ck_assert_int_eq(parse(&o, err, 1, "iorec"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "COMMAND"));
	iorec_options_free(&o);
	ck_assert_int_eq(parse(&o, err, 5, "iorec", "--jobstats-cmd", "x", "--jobstats-glob", "y"), -EINVAL);
	iorec_options_free(&o);
	/* --help needs nothing else */
	ck_assert_int_eq(parse(&o, err, 2, "iorec", "--help"), 0);
	ck_assert_int_eq(o.help, 1);
	iorec_options_free(&o);
}
END_TEST

START_TEST(opt_sizes)
{
	size_t v;
	ck_assert_int_eq(iorec_parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(iorec_parse_size("2K", &v), 0);
	ck_assert_uint_eq(v, 2048);
	ck_assert_int_eq(iorec_parse_size("1GiB", &v), 0);
	ck_assert_uint_eq(v, 1u << 30);
	ck_assert_int_eq(iorec_parse_size("-1", &v), -1);
	ck_assert_int_eq(iorec_parse_size("12Q", &v), -1);
	ck_assert_int_eq(iorec_parse_size("", &v), -1);
}
END_TEST

START_TEST(env_build)
{
	char *base[] = {"A=1", "PATH=/bin", "B=", NULL};
	struct iorec_env *e = iorec_env_new(base);
	char *const *arr;
	size_t n = 0;
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(iorec_env_get(e, "PATH"), "/bin");
	ck_assert_str_eq(iorec_env_get(e, "B"), "");
	ck_assert_ptr_null(iorec_env_get(e, "PAT"));
	ck_assert_int_eq(iorec_env_set(e, "LD_PRELOAD", "/x/lib.so"), 0);
	ck_assert_int_eq(iorec_env_set(e, "A", "2"), 0);
	ck_assert_str_eq(iorec_env_get(e, "A"), "2");
	ck_assert_int_eq(iorec_env_set(e, "BAD=NAME", "x"), -EINVAL);
	ck_assert_int_eq(iorec_env_unset(e, "B"), 0);
	arr = iorec_env_array(e);
	for (; arr[n]; n++)
		;
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_null(iorec_env_get(e, "B"));
	iorec_env_free(e);
}
END_TEST

START_TEST(anon_siphash_vectors)
{
	/* Reference vectors of the SipHash paper: key 00..0f. */
	struct anon_key k = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	unsigned char msg[15];
	for (int i = 0; i < 15; i++)
		msg[i] = (unsigned char)i;
	ck_assert_uint_eq(anon_siphash(&k, msg, 0), 0x726fdb47dd0e0e31ull);
	ck_assert_uint_eq(anon_siphash(&k, msg, 15), 0xa129ca6149be45e5ull);
}
END_TEST

START_TEST(anon_paths)
{
	struct anon_key k1 = {1, 2}, k2 = {3, 4};
	char a[256], b[256], c[256];
	anon_path(&k1, "/home/ann/data/x.h5", a, sizeof a);
	anon_path(&k1, "/home/ann/data/y.h5", b, sizeof b);
	anon_path(&k2, "/home/ann/data/x.h5", c, sizeof c);
	ck_assert_ptr_null(strstr(a, "ann"));
	ck_assert_ptr_null(strstr(a, "x.h5"));
	/* same directories hash alike, the tree shape stays */
	ck_assert_int_eq(strncmp(a, b, 3 * 13 + 1), 0);
	ck_assert_str_ne(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_uint_eq(strlen(a), 4 * 13);
	anon_path(&k1, "rel//x", a, sizeof a);
	ck_assert_uint_eq(strlen(a), 12 + 2 + 12);
	anon_path(&k1, "/home/ann", a, 8);
	ck_assert_uint_eq(strlen(a), 7);
}
END_TEST

START_TEST(proctab_reads_self)
{
	struct proctab_opts po = {.job_id = "j1"};
	struct proctab *t = proctab_new(&po);
	char val[64];
	ck_assert_ptr_nonnull(t);
	setenv("IOREC_CHECK_MARK", "here", 1);
	/* environ of /proc/self is the one at exec: PATH is there */
	ck_assert_int_eq(proctab_environ_get((uint32_t)getpid(), "PATH", val, sizeof val) == 0 ||
				 proctab_environ_get((uint32_t)getpid(), "HOME", val, sizeof val) == 0,
			 1);
	ck_assert_int_eq(proctab_environ_get((uint32_t)getpid(), "NO_SUCH_VAR_XYZ", val, sizeof val),
			 -ENOENT);
	ck_assert_uint_eq(proctab_count(t), 0);
	proctab_free(t);
}
END_TEST

START_TEST(proctab_writes_records)
{
	struct proctab_opts po = {.job_id = "job-9"};
	struct proctab *t = proctab_new(&po);
	char path[] = "/tmp/check_record_core_XXXXXX";
	char trace[64];
	iot_writer *w;
	iot_reader *r;
	const struct iot_proc *p;
	int fd = mkstemp(path);
	uint32_t me = (uint32_t)getpid(), ghost = 4194303;
	char comm[64] = "";
	FILE *f;
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	snprintf(trace, sizeof trace, "%s.iotr", path);
	ck_assert_int_eq(iot_writer_open(&w, trace, NULL), 0);
	ck_assert_int_eq(proctab_note(t, w, me, 100), 0);
	ck_assert_int_eq(proctab_note(t, w, me, 200), 0); /* no second record */
	ck_assert_int_eq(proctab_note(t, w, ghost, 300), 0); /* not in /proc */
	ck_assert_int_eq(proctab_note(t, w, ghost, 400), 0); /* cached as gone */
	ck_assert_uint_eq(proctab_count(t), 1);
	ck_assert_int_eq(proctab_exit(t, w, me, 500, 3 << 8), 0);
	ck_assert_int_eq(proctab_exit(t, w, me, 600, 0), 0); /* once only */
	ck_assert_int_eq(iot_writer_close(w), 0);
	ck_assert_int_eq(iot_reader_open(&r, trace, NULL), 0);
	p = iot_reader_proc(r, me, 0);
	ck_assert_ptr_nonnull(p);
	f = fopen("/proc/self/comm", "r");
	ck_assert_ptr_nonnull(fgets(comm, sizeof comm, f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	ck_assert_str_eq(p->comm, comm);
	ck_assert_uint_eq(p->ppid, (uint32_t)getppid());
	ck_assert_uint_eq(p->uid, (uint32_t)getuid());
	ck_assert_str_eq(p->job_id, "job-9");
	ck_assert_uint_eq(p->exit_ns, 500);
	ck_assert_int_eq(p->exit_status, 3 << 8);
	ck_assert_uint_gt(p->start_ns, 0);
	ck_assert_uint_le(p->start_ns, iot_now_mono_ns());
	ck_assert_ptr_null(iot_reader_proc(r, ghost, 0));
	iot_reader_close(r);
	unlink(trace);
	proctab_free(t);
}
END_TEST

START_TEST(proctab_sees_exec)
{
	struct proctab_opts po = {0};
	struct proctab *t = proctab_new(&po);
	char trace[] = "/tmp/check_record_exec_XXXXXX.iotr";
	iot_writer *w;
	iot_reader *r;
	const struct iot_proc *p;
	int go[2], fd = mkstemps(trace, 5);
	pid_t child;
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(trace);
	ck_assert_int_eq(pipe(go), 0);
	child = fork();
	if (child == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) == 1)
			execlp("sleep", "sleep", "5", (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	ck_assert_int_eq(iot_writer_open(&w, trace, NULL), 0);
	/* seen between fork and exec: the parent's name */
	ck_assert_int_eq(proctab_note(t, w, (uint32_t)child, iot_now_mono_ns()), 0);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	for (int i = 0; i < 200; i++) {
		char path[64], comm[32] = "";
		FILE *f;
		snprintf(path, sizeof path, "/proc/%d/comm", (int)child);
		f = fopen(path, "r");
		if (f && fgets(comm, sizeof comm, f) && strncmp(comm, "sleep", 5) == 0) {
			fclose(f);
			break;
		}
		if (f)
			fclose(f);
		usleep(10000);
	}
	ck_assert_int_eq(proctab_refresh(t, w, (uint32_t)child, iot_now_mono_ns()), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ck_assert_int_eq(iot_writer_close(w), 0);
	ck_assert_int_eq(iot_reader_open(&r, trace, NULL), 0);
	p = iot_reader_proc(r, (uint32_t)child, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "sleep");
	ck_assert_str_eq(p->cmdline, "sleep 5");
	iot_reader_close(r);
	unlink(trace);
	proctab_free(t);
}
END_TEST

static Suite *record_core_suite(void)
{
	Suite *s = suite_create("record_core");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, opt_command_and_defaults);
	tcase_add_test(tc, opt_repeatable_and_values);
	tcase_add_test(tc, opt_job_id_from_env);
	tcase_add_test(tc, opt_usage_errors_say_what);
	tcase_add_test(tc, opt_sizes);
	tcase_add_test(tc, env_build);
	tcase_add_test(tc, anon_siphash_vectors);
	tcase_add_test(tc, anon_paths);
	tcase_add_test(tc, proctab_reads_self);
	tcase_add_test(tc, proctab_writes_records);
	tcase_add_test(tc, proctab_sees_exec);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(record_core_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
