/* check_ebpf.c - unit tests of the eBPF source's user side that need no
 * BPF: syscall selection (--syscalls), the fd table (paths from a fake
 * /proc, dup/close/fork, --path) and the event conversion. The FILE
 * records written are read back with the format library. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record/ebpf/ebpf_event.h"
#include "record/ebpf/ebpf_syscalls.h"
#include "record/ebpf/fdtable.h"

static char tmp[64], proc[PATH_MAX], trace[PATH_MAX], real[PATH_MAX];
static iot_writer *w;
static struct fd_ident real_id;

static void mk_link(uint32_t pid, const char *what, const char *target)
{
	char p[PATH_MAX + 64], d[PATH_MAX + 64];

	snprintf(d, sizeof(d), "%s/%u/fd", proc, pid);
	mkdir(proc, 0700);
	snprintf(p, sizeof(p), "%s/%u", proc, pid);
	mkdir(p, 0700);
	mkdir(d, 0700);
	snprintf(p, sizeof(p), "%s/%u/%s", proc, pid, what);
	unlink(p);
	ck_assert_int_eq(symlink(target, p), 0);
}

static void setup(void)
{
	struct stat st;
	int fd;

	snprintf(tmp, sizeof(tmp), "/tmp/check_ebpf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	snprintf(trace, sizeof(trace), "%s/t.iotr", tmp);
	snprintf(real, sizeof(real), "%s/real.dat", tmp);
	fd = open(real, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	fstat(fd, &st);
	close(fd);
	real_id = (struct fd_ident){ st.st_dev, st.st_ino, IOT_FT_REG };
	ck_assert_int_eq(iot_writer_open(&w, trace, NULL), 0);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	iot_writer_close(w);
	w = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

/* Path of FILE record id in the closed trace. */
static const char *file_path(iot_reader *r, uint64_t id)
{
	const struct iot_file *f = iot_reader_file(r, id);

	return f && f->path ? f->path : "(none)";
}

static iot_reader *reopen(void)
{
	iot_reader *r = NULL;

	ck_assert_int_eq(iot_writer_close(w), 0);
	w = NULL;
	ck_assert_int_eq(iot_reader_open(&r, trace, NULL), 0);
	return r;
}

START_TEST(select_names)
{
	uint32_t spec[IOREC_NR_MAX];
	char bad[64] = "";
	unsigned uring;
	int n;

	n = ebpf_syscalls_select(spec, IOREC_NR_MAX, NULL, 0, &uring, bad, sizeof(bad));
	ck_assert_int_eq(n, (int)ebpf_syscall_count());
	ck_assert_uint_eq(uring, EBPF_URING_ALL | EBPF_AIO_ALL);
	ck_assert(spec[SYS_pread64] & IOREC_S_TRACED);
	ck_assert(spec[SYS_io_submit] & IOREC_S_AIO_SUBMIT);
	ck_assert(spec[SYS_io_getevents] & IOREC_S_AIO_REAP);

	char *one[] = { "read" }; /* the syscall, not the category */
	ck_assert_int_eq(ebpf_syscalls_select(spec, IOREC_NR_MAX, one, 1, &uring, bad, sizeof(bad)), 1);
	ck_assert(spec[SYS_read] && !spec[SYS_pread64] && !spec[SYS_io_submit]);
	ck_assert_uint_eq(uring, 0);

	char *op[] = { "pread", "io_uring" }; /* an op name, and io_uring */
	ck_assert_int_eq(ebpf_syscalls_select(spec, IOREC_NR_MAX, op, 2, &uring, bad, sizeof(bad)), 1);
	ck_assert(spec[SYS_pread64] && !spec[SYS_read]);
	ck_assert_uint_eq(uring, EBPF_URING_ALL);

	char *uops[] = { "io_uring_write" }; /* an io_uring op alone */
	ck_assert_int_eq(ebpf_syscalls_select(spec, IOREC_NR_MAX, uops, 1, &uring, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(uring, EBPF_URING_BIT(IOT_OP_IOURING_WRITE));
	ck_assert(!spec[SYS_io_submit]);

	char *aops[] = { "aio_write" }; /* a Linux AIO op: io_submit and the reaping calls */
	ck_assert_int_eq(ebpf_syscalls_select(spec, IOREC_NR_MAX, aops, 1, &uring, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(uring, EBPF_URING_BIT(IOT_OP_AIO_WRITE));
	ck_assert(spec[SYS_io_submit] && spec[SYS_io_getevents] && !spec[SYS_pwrite64]);
	char *aio[] = { "aio" };
	ck_assert_int_eq(ebpf_syscalls_select(spec, IOREC_NR_MAX, aio, 1, &uring, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(uring, EBPF_AIO_ALL);

	char *cat[] = { "sync" }; /* a category */
	ck_assert_int_eq(ebpf_syscalls_select(spec, IOREC_NR_MAX, cat, 1, &uring, bad, sizeof(bad)), 3);
	ck_assert(spec[SYS_fsync] && spec[SYS_fdatasync] && spec[SYS_sync_file_range]);
	ck_assert_uint_eq(uring, EBPF_URING_BIT(IOT_OP_IOURING_FSYNC) | EBPF_URING_BIT(IOT_OP_AIO_FSYNC));

	char *wrong[] = { "pread64", "frobnicate" };
	ck_assert_int_eq(ebpf_syscalls_select(spec, IOREC_NR_MAX, wrong, 2, &uring, bad, sizeof(bad)),
			 -EINVAL);
	ck_assert_str_eq(bad, "frobnicate");
}
END_TEST

START_TEST(table_is_consistent)
{
	for (size_t i = 0; i < ebpf_syscall_count(); i++) {
		const struct ebpf_syscall *s = ebpf_syscall_at(i);

		ck_assert_ptr_eq(ebpf_syscall_by_nr(s->nr), s);
		ck_assert_int_lt(s->nr, IOREC_NR_MAX);
		ck_assert_int_gt(s->op, IOT_OP_UNKNOWN);
		/* open and path calls name their path argument */
		if (s->cls == EBPF_SC_OPEN || s->cls == EBPF_SC_PATH)
			ck_assert_uint_ne(IOREC_SPEC_PATH(s->spec), IOREC_ARG_NONE);
	}
	ck_assert_ptr_null(ebpf_syscall_by_nr(-1));
}
END_TEST

START_TEST(abspath_folds_and_uses_cwd)
{
	struct fdtable *t;
	char out[PATH_MAX];

	ck_assert_int_eq(fdtable_new(&t, w, proc, NULL, 0), 0);
	mk_link(42, "cwd", "/work/dir");
	mk_link(42, "fd/5", "/data/set");
	ck_assert_int_eq(fdtable_abspath(t, 42, AT_FDCWD, NULL, "a/../b/./c", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/work/dir/b/c");
	ck_assert_int_eq(fdtable_abspath(t, 42, 5, NULL, "x.h5", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/data/set/x.h5");
	ck_assert_int_eq(fdtable_abspath(t, 42, AT_FDCWD, NULL, "//x//y/../z/", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/x/z");
	ck_assert_int_eq(fdtable_abspath(t, 42, AT_FDCWD, NULL, "/..", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/");
	/* the kernel's base wins over /proc (the process may be gone) */
	ck_assert_int_eq(fdtable_abspath(t, 43, AT_FDCWD, "/k/base", "./f", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/k/base/f");
	/* unknown process: the path stays as given */
	ck_assert_int_eq(fdtable_abspath(t, 43, AT_FDCWD, NULL, "rel", out, sizeof(out)), -ENOENT);
	ck_assert_str_eq(out, "rel");
	fdtable_free(t);
}
END_TEST

START_TEST(fds_from_proc_dup_close_fork)
{
	struct fdtable *t;
	struct fd_file a, b, c;
	struct fd_ident other = { makedev(8, 1), 999999, IOT_FT_REG };
	char p[PATH_MAX + 64];
	iot_reader *r;

	ck_assert_int_eq(fdtable_new(&t, w, proc, NULL, 0), 0);
	mk_link(7, "fd/3", real);
	a = fdtable_lookup(t, 7, 3, &real_id); /* resolved from /proc, inode checked */
	ck_assert_uint_gt(a.id, 0);
	snprintf(p, sizeof(p), "%s/7/fd/3", proc);
	unlink(p); /* from now on only the table knows */
	fdtable_dup(t, 7, 3, 9);
	ck_assert_uint_eq(fdtable_lookup(t, 7, 9, &real_id).id, a.id);
	fdtable_fork(t, 7, 8);
	ck_assert_uint_eq(fdtable_lookup(t, 8, 3, &real_id).id, a.id);
	fdtable_close(t, 7, 3);
	fdtable_exit(t, 8);
	/* a closed fd reused for another inode is not the old file */
	b = fdtable_lookup(t, 7, 3, &other);
	ck_assert_uint_ne(b.id, a.id);
	/* but the same inode is found again by the inode cache */
	c = fdtable_lookup(t, 11, 4, &real_id);
	ck_assert_uint_eq(c.id, a.id);
	fdtable_close_range(t, 7, 0, 100);
	fdtable_free(t);
	r = reopen();
	ck_assert_str_eq(file_path(r, a.id), real);
	ck_assert_str_eq(file_path(r, b.id), "[dev 8:1 inode 999999]");
	iot_reader_close(r);
}
END_TEST

START_TEST(path_prefix_excludes)
{
	struct fdtable *t;
	char *prefixes[] = { "/keep" };
	struct fd_ident none = { 0, 0, 0 };

	ck_assert_int_eq(fdtable_new(&t, w, proc, prefixes, 1), 0);
	ck_assert_int_eq(fdtable_filtering(t), 1);
	ck_assert_int_eq(fdtable_path(t, 1, AT_FDCWD, NULL, "/keep/a").excluded, 0);
	ck_assert_int_eq(fdtable_path(t, 1, AT_FDCWD, NULL, "/other/a").excluded, 1);
	/* an fd opened outside stays excluded for its later calls */
	ck_assert_int_eq(fdtable_open(t, 1, AT_FDCWD, NULL, "/other/b", 4, &none).excluded, 1);
	ck_assert_int_eq(fdtable_lookup(t, 1, 4, &none).excluded, 1);
	fdtable_free(t);
}
END_TEST

static struct iorec_event ev(int nr, int fd, int64_t off, uint64_t size, int64_t res)
{
	struct iorec_event e = {
		.ts_ns = 1000, .dur_ns = 50, .offset = off, .size = size, .result = res,
		.ino = real_id.ino, .dev = (major(real_id.dev) << 20) | minor(real_id.dev),
		.pid = 7, .tid = 8, .fd = fd, .nr = (uint16_t)nr, .type = IOREC_EV_SYSCALL,
		.ftype = 8, .kflags = IOREC_KF_FILE,
	};
	return e;
}

START_TEST(convert_events)
{
	struct fdtable *t;
	struct iot_io_event io;
	struct iorec_event e;
	uint64_t open_id;
	iot_reader *r;

	ck_assert_int_eq(fdtable_new(&t, w, proc, NULL, 0), 0);
	mk_link(7, "cwd", tmp);
	/* openat(AT_FDCWD, "real.dat") = 3, relative to the cwd */
	e = ev(SYS_openat, AT_FDCWD, -1, 0, 3);
	e.flags = O_RDONLY;
	ck_assert_int_eq(ebpf_event_to_io(&e, "real.dat", NULL, t, &io), 1);
	ck_assert_uint_eq(io.op, IOT_OP_OPENAT);
	ck_assert_int_eq(io.fd, 3);
	open_id = io.file_id;
	ck_assert_uint_gt(open_id, 0);
	/* pread64(3, 4096 @ 8192) = 100: partial */
	e = ev(SYS_pread64, 3, 8192, 4096, 100);
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), 1);
	ck_assert_uint_eq(io.op, IOT_OP_PREAD);
	ck_assert_uint_eq(io.source, IOT_SRC_EBPF);
	ck_assert_uint_eq(io.file_id, open_id);
	ck_assert_int_eq(io.offset, 8192);
	ck_assert_uint_eq(io.size, 4096);
	ck_assert_int_eq(io.result, 100);
	ck_assert_uint_eq(io.ftype, IOT_FT_REG);
	ck_assert_uint_eq(io.eflags, IOT_EV_PARTIAL);
	ck_assert_uint_eq(io.ts_ns, 1000);
	ck_assert_uint_eq(io.dur_ns, 50);
	ck_assert_uint_eq(io.pid, 7);
	ck_assert_uint_eq(io.tid, 8);
	/* a write to a pipe has no offset */
	e = ev(SYS_write, 1, 0, 10, 10);
	e.ftype = 1;
	e.ino = 4242;
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), 1);
	ck_assert_int_eq(io.offset, -1);
	ck_assert_uint_eq(io.ftype, IOT_FT_FIFO);
	/* io_uring READ (opcode 22) on fd 3 */
	e = ev(22, 3, 0, 4096, 4096);
	e.type = IOREC_EV_URING;
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), 1);
	ck_assert_uint_eq(io.op, IOT_OP_IOURING_READ);
	ck_assert_uint_eq(io.source, IOT_SRC_IOURING);
	ck_assert(io.eflags & IOT_EV_ASYNC);
	ck_assert_uint_eq(io.file_id, open_id);
	/* a Linux AIO PWRITEV (opcode 8) on fd 3, short */
	e = ev(8, 3, 8192, 4096, 1024);
	e.type = IOREC_EV_AIO;
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), 1);
	ck_assert_uint_eq(io.op, IOT_OP_AIO_WRITE);
	ck_assert_uint_eq(io.source, IOT_SRC_EBPF);
	ck_assert_uint_eq(io.eflags, IOT_EV_ASYNC | IOT_EV_PARTIAL);
	ck_assert_uint_eq(io.flags, 8);
	ck_assert_int_eq(io.offset, 8192);
	ck_assert_uint_eq(io.file_id, open_id);
	/* failed open: ENOENT, no fd, the path still recorded */
	e = ev(SYS_openat, AT_FDCWD, -1, 0, -ENOENT);
	e.ino = 0;
	e.kflags = 0;
	ck_assert_int_eq(ebpf_event_to_io(&e, "/nope/x", NULL, t, &io), 1);
	ck_assert_int_eq(io.fd, -1);
	ck_assert_int_eq(io.result, -ENOENT);
	/* fcntl(F_DUPFD) = 12 names the same file */
	e = ev(SYS_fcntl, 3, -1, 0, 12);
	e.flags = F_DUPFD;
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), 1);
	e = ev(SYS_read, 12, 0, 10, 10);
	e.ino = 0; /* no identity from the kernel: the table alone must know */
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), 1);
	ck_assert_uint_eq(io.file_id, open_id);
	/* close forgets the fd */
	e = ev(SYS_close, 3, -1, 0, 0);
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), 1);
	ck_assert_uint_eq(io.file_id, open_id);
	/* nonsense is refused */
	e = ev(IOREC_NR_MAX - 1, 3, 0, 0, 0);
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), -EINVAL);
	e.type = 99;
	ck_assert_int_eq(ebpf_event_to_io(&e, NULL, NULL, t, &io), -EINVAL);
	fdtable_free(t);
	r = reopen();
	ck_assert_str_eq(file_path(r, open_id), real);
	iot_reader_close(r);
}
END_TEST

static Suite *ebpf_suite(void)
{
	Suite *s = suite_create("ebpf");
	TCase *tc = tcase_create("user side");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, select_names);
	tcase_add_test(tc, table_is_consistent);
	tcase_add_test(tc, abspath_folds_and_uses_cwd);
	tcase_add_test(tc, fds_from_proc_dup_close_fork);
	tcase_add_test(tc, path_prefix_excludes);
	tcase_add_test(tc, convert_events);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ebpf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
