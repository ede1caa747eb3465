/* ebpf_syscalls.c - the table of traced syscalls. Numbers come from the
 * libc headers of the build architecture (the kernel side knows none);
 * syscalls an architecture lacks (arm64 has no open, stat, ...) are left
 * out by the #ifdefs. */
#include "record/ebpf/ebpf_syscalls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/types.h>

#include "format/iotrace.h"
#include "record/ebpf/iorec.h"

#define N IOREC_ARG_NONE
#define T IOREC_S_TRACED
#define F IOREC_S_FILE
#define SPEC(fd, size, off, fl, path, bits) IOREC_SPEC(fd, size, off, fl, path, (bits) | T)
#define E(sys, opname, cls, spec) { #sys, SYS_##sys, IOT_OP_##opname, EBPF_SC_##cls, spec },

static const struct ebpf_syscall table[] = {
	E(read, READ, FD, SPEC(0, 2, N, N, N, F | IOREC_S_FPOS))
	E(write, WRITE, FD, SPEC(0, 2, N, N, N, F | IOREC_S_FPOS))
	E(readv, READV, FD, SPEC(0, 2, N, N, N, F | IOREC_S_FPOS | IOREC_S_IOV))
	E(writev, WRITEV, FD, SPEC(0, 2, N, N, N, F | IOREC_S_FPOS | IOREC_S_IOV))
	E(pread64, PREAD, FD, SPEC(0, 2, 3, N, N, F))
	E(pwrite64, PWRITE, FD, SPEC(0, 2, 3, N, N, F))
	E(preadv, PREADV, FD, SPEC(0, 2, 3, N, N, F | IOREC_S_IOV))
	E(pwritev, PWRITEV, FD, SPEC(0, 2, 3, N, N, F | IOREC_S_IOV))
	E(preadv2, PREADV2, FD, SPEC(0, 2, 3, 5, N, F | IOREC_S_IOV | IOREC_S_FPOS))
	E(pwritev2, PWRITEV2, FD, SPEC(0, 2, 3, 5, N, F | IOREC_S_IOV | IOREC_S_FPOS))
#ifdef SYS_open
	E(open, OPEN, OPEN, SPEC(N, N, N, 1, 0, IOREC_S_RESFD))
#endif
	E(openat, OPENAT, OPEN, SPEC(0, N, N, 2, 1, IOREC_S_RESFD))
#ifdef SYS_openat2
	E(openat2, OPENAT2, OPEN, SPEC(0, N, N, 2, 1, IOREC_S_RESFD | IOREC_S_HOW))
#endif
#ifdef SYS_creat
	E(creat, CREAT, OPEN, SPEC(N, N, N, N, 0, IOREC_S_RESFD))
#endif
	E(close, CLOSE, CLOSE, SPEC(0, N, N, N, N, F | IOREC_S_CLOSE))
#ifdef SYS_close_range
	E(close_range, CLOSE_RANGE, CLOSE_RANGE, SPEC(0, 1, N, 2, N, 0))
#endif
	E(lseek, LSEEK, FD, SPEC(0, N, 1, 2, N, F))
	E(fsync, FSYNC, FD, SPEC(0, N, N, N, N, F))
	E(fdatasync, FDATASYNC, FD, SPEC(0, N, N, N, N, F))
	E(sync_file_range, SYNC_FILE_RANGE, FD, SPEC(0, 2, 1, 3, N, F))
#ifdef SYS_stat
	E(stat, STAT, PATH, SPEC(N, N, N, N, 0, 0))
	E(lstat, LSTAT, PATH, SPEC(N, N, N, N, 0, 0))
#endif
	E(fstat, FSTAT, FD, SPEC(0, N, N, N, N, F))
#ifdef SYS_newfstatat
	E(newfstatat, FSTATAT, PATH, SPEC(0, N, N, 3, 1, 0))
#endif
	E(statx, STATX, PATH, SPEC(0, N, N, 2, 1, 0))
#ifdef SYS_access
	E(access, ACCESS, PATH, SPEC(N, N, N, 1, 0, 0))
#endif
	E(faccessat, FACCESSAT, PATH, SPEC(0, N, N, 2, 1, 0))
#ifdef SYS_faccessat2
	E(faccessat2, FACCESSAT, PATH, SPEC(0, N, N, 2, 1, 0))
#endif
#ifdef SYS_unlink
	E(unlink, UNLINK, PATH, SPEC(N, N, N, N, 0, 0))
#endif
	E(unlinkat, UNLINKAT, PATH, SPEC(0, N, N, 2, 1, 0))
#ifdef SYS_rename
	E(rename, RENAME, PATH, SPEC(N, N, N, N, 0, 0))
#endif
#ifdef SYS_renameat
	E(renameat, RENAMEAT, PATH, SPEC(0, N, N, N, 1, 0))
#endif
	E(renameat2, RENAMEAT2, PATH, SPEC(0, N, N, 4, 1, 0))
#ifdef SYS_mkdir
	E(mkdir, MKDIR, PATH, SPEC(N, N, N, 1, 0, 0))
#endif
	E(mkdirat, MKDIRAT, PATH, SPEC(0, N, N, 2, 1, 0))
#ifdef SYS_rmdir
	E(rmdir, RMDIR, PATH, SPEC(N, N, N, N, 0, 0))
#endif
	E(truncate, TRUNCATE, PATH, SPEC(N, 1, N, N, 0, 0))
	E(ftruncate, FTRUNCATE, FD, SPEC(0, 1, N, N, N, F))
	E(fallocate, FALLOCATE, FD, SPEC(0, 3, 2, 1, N, F))
	E(mmap, MMAP, FD, SPEC(4, 1, 5, 3, N, F | IOREC_S_NEEDFD))
	E(munmap, MUNMAP, NONE, SPEC(N, 1, N, N, N, 0))
#ifdef SYS_sendfile
	E(sendfile, SENDFILE, FD, SPEC(0, 3, 2, N, N, F | IOREC_S_OFFPTR))
#endif
	E(copy_file_range, COPY_FILE_RANGE, FD, SPEC(2, 4, 3, 5, N, F | IOREC_S_OFFPTR))
	E(splice, SPLICE, FD, SPEC(2, 4, 3, 5, N, F | IOREC_S_OFFPTR))
	E(getdents64, GETDENTS64, FD, SPEC(0, 2, N, N, N, F))
	E(dup, DUP, DUP, SPEC(0, N, N, N, N, F | IOREC_S_RESFD))
#ifdef SYS_dup2
	E(dup2, DUP2, DUP, SPEC(0, N, N, N, N, F | IOREC_S_RESFD))
#endif
	E(dup3, DUP3, DUP, SPEC(0, N, N, 2, N, F | IOREC_S_RESFD))
	E(fcntl, FCNTL, FD, SPEC(0, N, N, 1, N, F))
};

size_t ebpf_syscall_count(void)
{
	return sizeof(table) / sizeof(table[0]);
}

const struct ebpf_syscall *ebpf_syscall_at(size_t i)
{
	return i < ebpf_syscall_count() ? &table[i] : NULL;
}

const struct ebpf_syscall *ebpf_syscall_by_nr(int nr)
{
	for (size_t i = 0; i < ebpf_syscall_count(); i++)
		if (table[i].nr == nr)
			return &table[i];
	return NULL;
}

/* A name selects syscalls by the first kind it is: a syscall name
 * ("read" is the syscall, not the category), an op name, a category. */
enum match_kind { M_NONE, M_SYSCALL, M_OP, M_CATEGORY };

static enum match_kind match_kind(const char *name)
{
	for (size_t i = 0; i < ebpf_syscall_count(); i++)
		if (!strcmp(name, table[i].name))
			return M_SYSCALL;
	for (size_t i = 0; i < ebpf_syscall_count(); i++)
		if (!strcmp(name, iot_op_name(table[i].op)))
			return M_OP;
	for (int c = IOT_CAT_READ; c < IOT_CAT__COUNT; c++)
		if (!strcmp(name, iot_category_name(c)))
			return M_CATEGORY;
	return M_NONE;
}

static int name_matches(const struct ebpf_syscall *s, const char *name)
{
	switch (match_kind(name)) {
	case M_SYSCALL:
		return !strcmp(name, s->name);
	case M_OP:
		return !strcmp(name, iot_op_name(s->op));
	case M_CATEGORY:
		return !strcmp(name, iot_category_name(iot_op_category(s->op)));
	default:
		return 0;
	}
}

/* Asynchronous ops a name selects (a mask of EBPF_URING_BIT). */
static unsigned async_ops_of(const char *name)
{
	static const uint16_t ops[] = { IOT_OP_IOURING_READ, IOT_OP_IOURING_WRITE,
					IOT_OP_IOURING_FSYNC, IOT_OP_IOURING_OTHER,
					IOT_OP_AIO_READ, IOT_OP_AIO_WRITE, IOT_OP_AIO_FSYNC };
	unsigned mask = 0;

	if (!strcmp(name, "io_uring"))
		return EBPF_URING_ALL;
	if (!strcmp(name, "aio"))
		return EBPF_AIO_ALL;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(name, iot_op_name(ops[i])) ||
		    (match_kind(name) == M_CATEGORY &&
		     !strcmp(name, iot_category_name(iot_op_category(ops[i])))))
			mask |= EBPF_URING_BIT(ops[i]);
	return mask;
}

/* Linux AIO: io_submit (nr at 1, the iocb pointers at 2) and the calls
 * that reap (events at 3); the kernel side reads the pointer arguments
 * itself. */
static void select_aio(uint32_t *spec, size_t nspec)
{
	static const struct { int nr; uint32_t bits; } aio[] = {
		{ SYS_io_submit, IOREC_S_AIO_SUBMIT },
		{ SYS_io_getevents, IOREC_S_AIO_REAP },
#ifdef SYS_io_pgetevents
		{ SYS_io_pgetevents, IOREC_S_AIO_REAP },
#endif
	};

	for (size_t i = 0; i < sizeof(aio) / sizeof(aio[0]); i++)
		if (aio[i].nr >= 0 && (size_t)aio[i].nr < nspec)
			spec[aio[i].nr] = SPEC(N, 1, N, N, N, aio[i].bits);
}

int ebpf_syscalls_select(uint32_t *spec, size_t nspec, char *const *names,
			 size_t nnames, unsigned *async_ops, char *bad, size_t badlen)
{
	int selected = 0;

	memset(spec, 0, nspec * sizeof(*spec));
	*async_ops = nnames == 0 ? EBPF_URING_ALL | EBPF_AIO_ALL : 0;
	for (size_t j = 0; j < nnames; j++) {
		unsigned u = async_ops_of(names[j]);

		*async_ops |= u;
		if (!u && match_kind(names[j]) == M_NONE) {
			snprintf(bad, badlen, "%s", names[j]);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < ebpf_syscall_count(); i++) {
		int want = nnames == 0;

		for (size_t j = 0; j < nnames && !want; j++)
			want = name_matches(&table[i], names[j]);
		if (want && table[i].nr >= 0 && (size_t)table[i].nr < nspec) {
			spec[table[i].nr] = table[i].spec;
			selected++;
		}
	}
	if (*async_ops & EBPF_AIO_ALL)
		select_aio(spec, nspec);
	return selected;
}
