/* preload_wrap.c - the interposed functions of libiorec-preload.so.
 *
 * Each wrapper makes the real call first, with no lock held, and returns
 * its result and errno unchanged; only then is the call recorded
 * (preload_record). The real functions are declared and resolved from
 * the one list in preload_wrap.h.
 */
/* No glibc extern-inline bodies (vprintf, fread_unlocked, ...): this file
 * defines those functions itself. Must come before any header. */
#ifndef __NO_INLINE__
#define __NO_INLINE__ 1
#endif
#include "record/preload/preload_wrap.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/iotrace.h"
#include "record/preload/preload_aio.h"
#include "record/preload/preload_fd.h"
#include "record/preload/preload_rt.h"

#define EXPORT __attribute__((visibility("default")))

/* glibc may define these as macros when optimizing. */
#undef fread_unlocked
#undef fwrite_unlocked
#undef fgets_unlocked
#undef fputs_unlocked

/* Declare: one pointer to the real function per list entry. */
#define PRELOAD_DECLARE(sym, op, ret, params) static ret(*real_##sym) params;
#define PRELOAD_DECLARE_COMPAT(sym, op, ret, params, ver) static ret(*real_##sym) params;
PRELOAD_WRAPPERS(PRELOAD_DECLARE)
PRELOAD_COMPAT(PRELOAD_DECLARE_COMPAT)

/* Resolve: the next definition after this library. */
static void preload_resolve(void)
{
#define PRELOAD_RESOLVE(sym, op, ret, params) \
	*(void **)&real_##sym = dlsym(RTLD_NEXT, #sym);
#define PRELOAD_RESOLVE_COMPAT(sym, op, ret, params, ver) \
	*(void **)&real_##sym = dlvsym(RTLD_NEXT, #sym, ver);
	PRELOAD_WRAPPERS(PRELOAD_RESOLVE)
	PRELOAD_COMPAT(PRELOAD_RESOLVE_COMPAT)
}

#define REAL(sym) (*(__builtin_expect(real_##sym != NULL, 1) ? (void)0 : preload_resolve(), real_##sym))

__attribute__((constructor(101))) static void wrap_ctor(void)
{
	preload_resolve();
}

/* Record after the real call: saves and restores errno; the result
 * expression may use e_ (errno after the call). */
#define RECORD(res, ...)                                         \
	do {                                                     \
		int *ep_ = preload_errno();                      \
		int e_ = *ep_;                                   \
		struct preload_call c_ = { __VA_ARGS__ };        \
		c_.result = (res);                               \
		preload_record(&c_);                             \
		*ep_ = e_;                                       \
	} while (0)
#define NEG(r) ((r) < 0 ? -(int64_t)e_ : (int64_t)(r))
#define ZERO_OR_NEG(r) ((r) == 0 ? 0 : -(int64_t)e_)

static uint64_t iov_bytes(const struct iovec *iov, int cnt)
{
	uint64_t n = 0;

	for (int i = 0; iov && i < cnt; i++)
		n += iov[i].iov_len;
	return n;
}

/* ------------------------------------------------------------------ */
/* open family                                                         */
/* ------------------------------------------------------------------ */

#define OPEN_MODE(flags)                                       \
	mode_t mode = 0;                                       \
	if (__OPEN_NEEDS_MODE(flags)) {                        \
		va_list ap;                                    \
		va_start(ap, flags);                           \
		mode = (mode_t)va_arg(ap, int);                \
		va_end(ap);                                    \
	}

/* The library's own shard is opened through here too: it is moved
 * out of the application's descriptor range. */
#define OPEN_BODY(OPC, dfd, call)                                                   \
	if (!preload_want()) {                                                      \
		int r_ = call;                                                      \
		if (preload_capturing_fd && preload_own_call() && r_ >= 0)          \
			r_ = preload_relocate_fd(r_);                               \
		return r_;                                                          \
	}                                                                           \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	RECORD(NEG(r), .t0 = t0, .op = IOT_OP_##OPC, .fd = -1, .path = path,        \
	       .dirfd = (dfd), .flags = (uint32_t)flags, .opened = 1);              \
	return r

EXPORT int open(const char *path, int flags, ...)
{
	OPEN_MODE(flags);
	OPEN_BODY(OPEN, AT_FDCWD, REAL(open)(path, flags, mode));
}

EXPORT int open64(const char *path, int flags, ...)
{
	OPEN_MODE(flags);
	OPEN_BODY(OPEN, AT_FDCWD, REAL(open64)(path, flags, mode));
}

EXPORT int __open_2(const char *path, int flags)
{
	OPEN_BODY(OPEN, AT_FDCWD, REAL(__open_2)(path, flags));
}

EXPORT int __open64_2(const char *path, int flags)
{
	OPEN_BODY(OPEN, AT_FDCWD, REAL(__open64_2)(path, flags));
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags);
	OPEN_BODY(OPENAT, dirfd, REAL(openat)(dirfd, path, flags, mode));
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags);
	OPEN_BODY(OPENAT, dirfd, REAL(openat64)(dirfd, path, flags, mode));
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	OPEN_BODY(OPENAT, dirfd, REAL(__openat_2)(dirfd, path, flags));
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	OPEN_BODY(OPENAT, dirfd, REAL(__openat64_2)(dirfd, path, flags));
}

EXPORT int creat(const char *path, mode_t mode)
{
	int flags = O_CREAT | O_WRONLY | O_TRUNC;
	OPEN_BODY(CREAT, AT_FDCWD, REAL(creat)(path, mode));
}

EXPORT int creat64(const char *path, mode_t mode)
{
	int flags = O_CREAT | O_WRONLY | O_TRUNC;
	OPEN_BODY(CREAT, AT_FDCWD, REAL(creat64)(path, mode));
}

#define MKSTEMP_BODY(call, oflags)                                                  \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	RECORD(NEG(r), .t0 = t0, .op = IOT_OP_MKSTEMP, .fd = -1, .path = tmpl,      \
	       .dirfd = AT_FDCWD, .flags = (uint32_t)(O_RDWR | O_CREAT | O_EXCL | (oflags)), \
	       .opened = 1);                                                        \
	return r

EXPORT int mkstemp(char *tmpl) { MKSTEMP_BODY(REAL(mkstemp)(tmpl), 0); }
EXPORT int mkstemp64(char *tmpl) { MKSTEMP_BODY(REAL(mkstemp64)(tmpl), 0); }
EXPORT int mkostemp(char *tmpl, int flags) { MKSTEMP_BODY(REAL(mkostemp)(tmpl, flags), flags); }
EXPORT int mkostemp64(char *tmpl, int flags) { MKSTEMP_BODY(REAL(mkostemp64)(tmpl, flags), flags); }
EXPORT int mkstemps(char *tmpl, int suffixlen) { MKSTEMP_BODY(REAL(mkstemps)(tmpl, suffixlen), 0); }
EXPORT int mkostemps(char *tmpl, int suffixlen, int flags)
{
	MKSTEMP_BODY(REAL(mkostemps)(tmpl, suffixlen, flags), flags);
}

/* ------------------------------------------------------------------ */
/* close                                                               */
/* ------------------------------------------------------------------ */

/* The shard descriptor survives an application that closes every
 * descriptor (daemons): closing it reports success and does nothing. */
static int is_shard_fd(int fd)
{
	return fd >= 0 && fd == preload_shard_fd && !preload_own_call();
}

EXPORT int close(int fd)
{
	if (is_shard_fd(fd))
		return 0;
	if (!preload_want())
		return REAL(close)(fd);
	uint64_t t0 = preload_now();
	int r = REAL(close)(fd);
	RECORD(ZERO_OR_NEG(r), .t0 = t0, .op = IOT_OP_CLOSE, .fd = fd);
	return r;
}

/* close_range around the shard descriptor. */
static int close_range_split(unsigned first, unsigned last, int flags)
{
	int s = preload_shard_fd, r = 0;

	if (preload_own_call() || s < 0 || (unsigned)s < first || (unsigned)s > last)
		return REAL(close_range)(first, last, flags);
	if ((unsigned)s > first)
		r = REAL(close_range)(first, (unsigned)s - 1, flags);
	if (r == 0 && (unsigned)s < last)
		r = REAL(close_range)((unsigned)s + 1, last, flags);
	return r;
}

EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	uint64_t t0 = preload_want() ? preload_now() : 0;
	int r = close_range_split(first, last, flags);

	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && !preload_in_vfork_child())
		preload_fd_close_range(first, last);
	if (t0)
		RECORD(ZERO_OR_NEG(r), .t0 = t0, .op = IOT_OP_CLOSE_RANGE, .fd = (int)first,
		       .size = (uint64_t)last - first + 1, .flags = (uint32_t)flags);
	return r;
}

EXPORT void closefrom(int lowfd)
{
	int s = preload_shard_fd;
	uint64_t t0 = preload_want() ? preload_now() : 0;

	if (!preload_own_call() && s >= 0 && s >= lowfd) {
		if (s > lowfd)
			REAL(close_range)((unsigned)lowfd, (unsigned)s - 1, 0);
		REAL(closefrom)(s + 1);
	} else {
		REAL(closefrom)(lowfd);
	}
	if (lowfd >= 0 && !preload_in_vfork_child())
		preload_fd_close_range((unsigned)lowfd, ~0u);
	if (t0)
		RECORD(0, .t0 = t0, .op = IOT_OP_CLOSE_RANGE, .fd = lowfd);
}

/* ------------------------------------------------------------------ */
/* read and write                                                      */
/* ------------------------------------------------------------------ */

#define RW_BODY(OPC, AT, dfd, off, sz, call)                                        \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	ssize_t r = call;                                                           \
	int *ep_ = preload_errno();                                                 \
	int e_ = *ep_;                                                              \
	preload_record_rw(t0, IOT_OP_##OPC, (dfd), (AT), (off), (sz), NEG(r));      \
	*ep_ = e_;                                                                  \
	return r

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	RW_BODY(READ, PRELOAD_AT_CUR, fd, 0, n, REAL(read)(fd, buf, n));
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	RW_BODY(READ, PRELOAD_AT_CUR, fd, 0, n, REAL(__read_chk)(fd, buf, n, buflen));
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	RW_BODY(WRITE, PRELOAD_AT_CUR, fd, 0, n, REAL(write)(fd, buf, n));
}

EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	RW_BODY(PREAD, PRELOAD_AT_GIVEN, fd, off, n, REAL(pread)(fd, buf, n, off));
}

EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	RW_BODY(PREAD, PRELOAD_AT_GIVEN, fd, off, n, REAL(pread64)(fd, buf, n, off));
}

EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	RW_BODY(PREAD, PRELOAD_AT_GIVEN, fd, off, n, REAL(__pread_chk)(fd, buf, n, off, buflen));
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	RW_BODY(PREAD, PRELOAD_AT_GIVEN, fd, off, n, REAL(__pread64_chk)(fd, buf, n, off, buflen));
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	RW_BODY(PWRITE, PRELOAD_AT_GIVEN, fd, off, n, REAL(pwrite)(fd, buf, n, off));
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	RW_BODY(PWRITE, PRELOAD_AT_GIVEN, fd, off, n, REAL(pwrite64)(fd, buf, n, off));
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	RW_BODY(READV, PRELOAD_AT_CUR, fd, 0, iov_bytes(iov, cnt), REAL(readv)(fd, iov, cnt));
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	RW_BODY(WRITEV, PRELOAD_AT_CUR, fd, 0, iov_bytes(iov, cnt), REAL(writev)(fd, iov, cnt));
}

/* preadv2/pwritev2 with offset -1 use and move the file position. */
#define V2_AT(off) ((off) == -1 ? PRELOAD_AT_CUR : PRELOAD_AT_GIVEN)

EXPORT ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	RW_BODY(PREADV, PRELOAD_AT_GIVEN, fd, off, iov_bytes(iov, cnt),
		REAL(preadv)(fd, iov, cnt, off));
}

EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	RW_BODY(PREADV, PRELOAD_AT_GIVEN, fd, off, iov_bytes(iov, cnt),
		REAL(preadv64)(fd, iov, cnt, off));
}

EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	RW_BODY(PWRITEV, PRELOAD_AT_GIVEN, fd, off, iov_bytes(iov, cnt),
		REAL(pwritev)(fd, iov, cnt, off));
}

EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	RW_BODY(PWRITEV, PRELOAD_AT_GIVEN, fd, off, iov_bytes(iov, cnt),
		REAL(pwritev64)(fd, iov, cnt, off));
}

EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int fl)
{
	RW_BODY(PREADV2, V2_AT(off), fd, off, iov_bytes(iov, cnt),
		REAL(preadv2)(fd, iov, cnt, off, fl));
}

EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int cnt, off_t off, int fl)
{
	RW_BODY(PREADV2, V2_AT(off), fd, off, iov_bytes(iov, cnt),
		REAL(preadv64v2)(fd, iov, cnt, off, fl));
}

EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int fl)
{
	RW_BODY(PWRITEV2, V2_AT(off), fd, off, iov_bytes(iov, cnt),
		REAL(pwritev2)(fd, iov, cnt, off, fl));
}

EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off_t off, int fl)
{
	RW_BODY(PWRITEV2, V2_AT(off), fd, off, iov_bytes(iov, cnt),
		REAL(pwritev64v2)(fd, iov, cnt, off, fl));
}

/* The input side of copy_file_range and sendfile moves too. */
static void advance_input(int fd, const off_t *explicit_off, ssize_t r)
{
	struct preload_ofd *o;

	if (explicit_off || r <= 0 || !(o = preload_fd_get(fd)) || !o->seekable)
		return;
	if (atomic_load(&o->offset) >= 0)
		atomic_fetch_add(&o->offset, r);
}

EXPORT ssize_t copy_file_range(int in, off_t *inoff, int out, off_t *outoff, size_t n,
			       unsigned fl)
{
	if (!preload_want())
		return REAL(copy_file_range)(in, inoff, out, outoff, n, fl);
	off_t o0 = outoff ? *outoff : 0;
	uint64_t t0 = preload_now();
	ssize_t r = REAL(copy_file_range)(in, inoff, out, outoff, n, fl);
	advance_input(in, inoff, r);
	RECORD(NEG(r), .t0 = t0, .op = IOT_OP_COPY_FILE_RANGE, .fd = out,
	       .at = outoff ? PRELOAD_AT_GIVEN : PRELOAD_AT_CUR, .offset = o0, .size = n,
	       .flags = fl);
	return r;
}

#define SENDFILE_BODY(call)                                                         \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	ssize_t r = call;                                                           \
	advance_input(in, off, r);                                                  \
	RECORD(NEG(r), .t0 = t0, .op = IOT_OP_SENDFILE, .fd = out,                  \
	       .at = PRELOAD_AT_CUR, .size = n);                                    \
	return r

EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
	SENDFILE_BODY(REAL(sendfile)(out, in, off, n));
}

EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t n)
{
	SENDFILE_BODY(REAL(sendfile64)(out, in, off, n));
}

/* ------------------------------------------------------------------ */
/* position, sync, size                                                */
/* ------------------------------------------------------------------ */

#define SEEK_BODY(call)                                                             \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	off_t r = call;                                                             \
	RECORD(NEG(r), .t0 = t0, .op = IOT_OP_LSEEK, .fd = fd, .at = PRELOAD_AT_SEEK, \
	       .flags = (uint32_t)whence);                                          \
	return r

EXPORT off_t lseek(int fd, off_t off, int whence) { SEEK_BODY(REAL(lseek)(fd, off, whence)); }
EXPORT off_t lseek64(int fd, off_t off, int whence) { SEEK_BODY(REAL(lseek64)(fd, off, whence)); }

#define FD_BODY(OPC, dfd, sz, call)                                                 \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	RECORD(ZERO_OR_NEG(r), .t0 = t0, .op = IOT_OP_##OPC, .fd = (dfd), .size = (sz)); \
	return r

EXPORT int fsync(int fd) { FD_BODY(FSYNC, fd, 0, REAL(fsync)(fd)); }
EXPORT int fdatasync(int fd) { FD_BODY(FDATASYNC, fd, 0, REAL(fdatasync)(fd)); }
EXPORT int ftruncate(int fd, off_t len) { FD_BODY(FTRUNCATE, fd, (uint64_t)len, REAL(ftruncate)(fd, len)); }
EXPORT int ftruncate64(int fd, off_t len) { FD_BODY(FTRUNCATE, fd, (uint64_t)len, REAL(ftruncate64)(fd, len)); }

#define FALLOC_BODY(call)                                                           \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	RECORD(ZERO_OR_NEG(r), .t0 = t0, .op = IOT_OP_FALLOCATE, .fd = fd,          \
	       .at = PRELOAD_AT_GIVEN, .offset = off, .size = (uint64_t)len,        \
	       .flags = (uint32_t)mode);                                            \
	return r

EXPORT int fallocate(int fd, int mode, off_t off, off_t len) { FALLOC_BODY(REAL(fallocate)(fd, mode, off, len)); }
EXPORT int fallocate64(int fd, int mode, off_t off, off_t len) { FALLOC_BODY(REAL(fallocate64)(fd, mode, off, len)); }

/* posix_fallocate returns the error number instead of setting errno. */
#define PFALLOC_BODY(call)                                                          \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	RECORD(-(int64_t)r, .t0 = t0, .op = IOT_OP_POSIX_FALLOCATE, .fd = fd,       \
	       .at = PRELOAD_AT_GIVEN, .offset = off, .size = (uint64_t)len);       \
	return r

EXPORT int posix_fallocate(int fd, off_t off, off_t len) { PFALLOC_BODY(REAL(posix_fallocate)(fd, off, len)); }
EXPORT int posix_fallocate64(int fd, off_t off, off_t len) { PFALLOC_BODY(REAL(posix_fallocate64)(fd, off, len)); }

/* ------------------------------------------------------------------ */
/* calls on paths: stat family, access, unlink, rename, mkdir, ...     */
/* ------------------------------------------------------------------ */

#define PATH_BODY(OPC, dfd, p, sz, stp, kind, fl, call)                             \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	RECORD(ZERO_OR_NEG(r), .t0 = t0, .op = IOT_OP_##OPC, .fd = -1, .path = (p), \
	       .dirfd = (dfd), .size = (sz), .st = (stp), .st_kind = (kind),        \
	       .flags = (uint32_t)(fl));                                            \
	return r

EXPORT int truncate(const char *path, off_t len) { PATH_BODY(TRUNCATE, AT_FDCWD, path, (uint64_t)len, NULL, 0, 0, REAL(truncate)(path, len)); }
EXPORT int truncate64(const char *path, off_t len) { PATH_BODY(TRUNCATE, AT_FDCWD, path, (uint64_t)len, NULL, 0, 0, REAL(truncate64)(path, len)); }
EXPORT int stat(const char *path, struct stat *st) { PATH_BODY(STAT, AT_FDCWD, path, 0, st, 1, 0, REAL(stat)(path, st)); }
EXPORT int stat64(const char *path, struct stat64 *st) { PATH_BODY(STAT, AT_FDCWD, path, 0, st, 1, 0, REAL(stat64)(path, st)); }
EXPORT int lstat(const char *path, struct stat *st) { PATH_BODY(LSTAT, AT_FDCWD, path, 0, st, 1, 0, REAL(lstat)(path, st)); }
EXPORT int lstat64(const char *path, struct stat64 *st) { PATH_BODY(LSTAT, AT_FDCWD, path, 0, st, 1, 0, REAL(lstat64)(path, st)); }
EXPORT int access(const char *path, int mode) { PATH_BODY(ACCESS, AT_FDCWD, path, 0, NULL, 0, mode, REAL(access)(path, mode)); }
EXPORT int faccessat(int dirfd, const char *path, int mode, int fl) { PATH_BODY(FACCESSAT, dirfd, path, 0, NULL, 0, mode, REAL(faccessat)(dirfd, path, mode, fl)); }
EXPORT int unlink(const char *path) { PATH_BODY(UNLINK, AT_FDCWD, path, 0, NULL, 0, 0, REAL(unlink)(path)); }
EXPORT int unlinkat(int dirfd, const char *path, int fl) { PATH_BODY(UNLINKAT, dirfd, path, 0, NULL, 0, fl, REAL(unlinkat)(dirfd, path, fl)); }
EXPORT int rename(const char *from, const char *to) { PATH_BODY(RENAME, AT_FDCWD, from, 0, NULL, 0, 0, REAL(rename)(from, to)); }
EXPORT int renameat(int fromfd, const char *from, int tofd, const char *to) { PATH_BODY(RENAMEAT, fromfd, from, 0, NULL, 0, 0, REAL(renameat)(fromfd, from, tofd, to)); }
EXPORT int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned fl) { PATH_BODY(RENAMEAT2, fromfd, from, 0, NULL, 0, fl, REAL(renameat2)(fromfd, from, tofd, to, fl)); }
EXPORT int mkdir(const char *path, mode_t mode) { PATH_BODY(MKDIR, AT_FDCWD, path, 0, NULL, 0, mode, REAL(mkdir)(path, mode)); }
EXPORT int mkdirat(int dirfd, const char *path, mode_t mode) { PATH_BODY(MKDIRAT, dirfd, path, 0, NULL, 0, mode, REAL(mkdirat)(dirfd, path, mode)); }
EXPORT int rmdir(const char *path) { PATH_BODY(RMDIR, AT_FDCWD, path, 0, NULL, 0, 0, REAL(rmdir)(path)); }
EXPORT int __xstat(int ver, const char *path, struct stat *st) { PATH_BODY(STAT, AT_FDCWD, path, 0, st, 1, 0, REAL(__xstat)(ver, path, st)); }
EXPORT int __xstat64(int ver, const char *path, struct stat *st) { PATH_BODY(STAT, AT_FDCWD, path, 0, st, 1, 0, REAL(__xstat64)(ver, path, st)); }
EXPORT int __lxstat(int ver, const char *path, struct stat *st) { PATH_BODY(LSTAT, AT_FDCWD, path, 0, st, 1, 0, REAL(__lxstat)(ver, path, st)); }
EXPORT int __lxstat64(int ver, const char *path, struct stat *st) { PATH_BODY(LSTAT, AT_FDCWD, path, 0, st, 1, 0, REAL(__lxstat64)(ver, path, st)); }

/* fstatat/statx with AT_EMPTY_PATH and "" work on dirfd itself. */
#define AT_BODY(OPC, stp, kind, call)                                               \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	const char *p_ = path; /* glibc says nonnull; callers may pass NULL */      \
	__asm__("" : "+r"(p_));                                                     \
	int on_fd = (!p_ || !*p_) && (fl & AT_EMPTY_PATH);                          \
	RECORD(ZERO_OR_NEG(r), .t0 = t0, .op = IOT_OP_##OPC, .fd = on_fd ? dirfd : -1, \
	       .path = on_fd ? NULL : p_, .dirfd = dirfd, .st = (stp), .st_kind = (kind), \
	       .flags = (uint32_t)fl);                                              \
	return r

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int fl) { AT_BODY(FSTATAT, st, 1, REAL(fstatat)(dirfd, path, st, fl)); }
EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int fl) { AT_BODY(FSTATAT, st, 1, REAL(fstatat64)(dirfd, path, st, fl)); }
EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int fl) { AT_BODY(FSTATAT, st, 1, REAL(__fxstatat)(ver, dirfd, path, st, fl)); }
EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat *st, int fl) { AT_BODY(FSTATAT, st, 1, REAL(__fxstatat64)(ver, dirfd, path, st, fl)); }
EXPORT int statx(int dirfd, const char *path, int fl, unsigned mask, struct statx *sx) { AT_BODY(STATX, sx, 2, REAL(statx)(dirfd, path, fl, mask, sx)); }

EXPORT int fstat(int fd, struct stat *st) { FD_BODY(FSTAT, fd, 0, REAL(fstat)(fd, st)); }
EXPORT int fstat64(int fd, struct stat64 *st) { FD_BODY(FSTAT, fd, 0, REAL(fstat64)(fd, st)); }
EXPORT int __fxstat(int ver, int fd, struct stat *st) { FD_BODY(FSTAT, fd, 0, REAL(__fxstat)(ver, fd, st)); }
EXPORT int __fxstat64(int ver, int fd, struct stat *st) { FD_BODY(FSTAT, fd, 0, REAL(__fxstat64)(ver, fd, st)); }

/* ------------------------------------------------------------------ */
/* descriptors: dup, fcntl                                             */
/* ------------------------------------------------------------------ */

/* The library's descriptor is not the application's (see close): dup
 * and fcntl of it fail as on a closed descriptor, so that a shell does
 * not save and restore it around a redirection, and dup2/dup3 onto it
 * get the number once the library has moved its file out of the way. */
#define HIDE_SHARD_FD(fd)                                                           \
	if (is_shard_fd(fd)) {                                                      \
		errno = EBADF;                                                      \
		return -1;                                                          \
	}

#define DUP_BODY(OPC, fl, newfd, call)                                              \
	HIDE_SHARD_FD(fd);                                                          \
	int moved_ = is_shard_fd(newfd) && preload_yield_fd(newfd);                 \
	uint64_t t0 = preload_want() ? preload_now() : 0;                           \
	int r = call;                                                               \
	if (moved_ && r < 0) { /* the library's old number, not reused */          \
		int e = errno;                                                      \
		REAL(close)(newfd);                                                 \
		errno = e;                                                          \
	}                                                                           \
	if (t0)                                                                     \
		RECORD(NEG(r), .t0 = t0, .op = IOT_OP_##OPC, .fd = fd, .flags = (uint32_t)(fl)); \
	return r

EXPORT int dup(int fd) { DUP_BODY(DUP, 0, -1, REAL(dup)(fd)); }
EXPORT int dup2(int fd, int newfd) { DUP_BODY(DUP2, 0, newfd, REAL(dup2)(fd, newfd)); }
EXPORT int dup3(int fd, int newfd, int fl) { DUP_BODY(DUP3, fl, newfd, REAL(dup3)(fd, newfd, fl)); }

/* Only F_DUPFD* is recorded: it makes a descriptor. F_SETFL is followed
 * (it can switch O_APPEND and O_DIRECT on and off). */
#define FCNTL_BODY(sym)                                                             \
	va_list ap;                                                                 \
	va_start(ap, cmd);                                                          \
	void *arg = va_arg(ap, void *);                                             \
	va_end(ap);                                                                 \
	HIDE_SHARD_FD(fd);                                                          \
	if (cmd == F_SETFL) { /* O_APPEND, O_DIRECT: how offsets go */              \
		int r = REAL(sym)(fd, cmd, arg);                                    \
		if (r == 0 && preload_want()) {                                     \
			int e = errno;                                              \
			preload_fd_setfl(fd, (int)(intptr_t)arg);                   \
			errno = e;                                                  \
		}                                                                   \
		return r;                                                           \
	}                                                                           \
	if ((cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC) || !preload_want())          \
		return REAL(sym)(fd, cmd, arg);                                     \
	uint64_t t0 = preload_now();                                                \
	int r = REAL(sym)(fd, cmd, arg);                                            \
	RECORD(NEG(r), .t0 = t0, .op = IOT_OP_FCNTL, .fd = fd, .flags = (uint32_t)cmd); \
	return r

EXPORT int fcntl(int fd, int cmd, ...) { FCNTL_BODY(fcntl); }
EXPORT int fcntl64(int fd, int cmd, ...) { FCNTL_BODY(fcntl64); }

/* ------------------------------------------------------------------ */
/* Linux AIO (libaio)                                                  */
/* ------------------------------------------------------------------ */

/* libaio's functions return -errno; they exist only when the
 * application links libaio (or loads it later). */
#define AIO_REAL(sym)                                                               \
	if (__builtin_expect(!real_##sym, 0))                                       \
		preload_resolve();                                                  \
	if (!real_##sym)                                                            \
		return -ENOSYS

/* What a control block asks for, copied while it is known to be valid
 * (see preload_aio.h). 0 for requests that move no data (poll, noop). */
static int aio_request(const struct iocb *cb, uint64_t t0, struct preload_aio_req *rq)
{
	uint16_t op;

	switch (cb->aio_lio_opcode) {
	case IOCB_CMD_PREAD:
	case IOCB_CMD_PREADV:
		op = IOT_OP_AIO_READ;
		break;
	case IOCB_CMD_PWRITE:
	case IOCB_CMD_PWRITEV:
		op = IOT_OP_AIO_WRITE;
		break;
	case IOCB_CMD_FSYNC:
	case IOCB_CMD_FDSYNC:
		op = IOT_OP_AIO_FSYNC;
		break;
	default:
		return 0;
	}
	*rq = (struct preload_aio_req){
		.t0 = t0, .fd = (int32_t)cb->aio_fildes, .op = op, .opcode = cb->aio_lio_opcode,
		.offset = op == IOT_OP_AIO_FSYNC ? -1 : (int64_t)cb->aio_offset, .size = cb->aio_nbytes,
	};
	if (cb->aio_lio_opcode == IOCB_CMD_PREADV || cb->aio_lio_opcode == IOCB_CMD_PWRITEV)
		rq->size = iov_bytes((const struct iovec *)(uintptr_t)cb->aio_buf, (int)cb->aio_nbytes);
	return 1;
}

/* Submitted requests (the first r blocks: the kernel read them, so they
 * are valid) wait in the table for their end. */
EXPORT int io_submit(aio_context_t ctx, long nr, struct iocb **cbs)
{
	AIO_REAL(io_submit);
	if (!preload_want())
		return real_io_submit(ctx, nr, cbs);
	uint64_t t0 = preload_now();
	int r = real_io_submit(ctx, nr, cbs);
	int e = errno;
	struct preload_aio_req rq;

	for (int i = 0; i < r; i++)
		if (aio_request(cbs[i], t0, &rq))
			preload_aio_put(cbs[i], ctx, &rq); /* no room: counted when reaped */
	errno = e;
	return r;
}

/* The request of block cb has ended for the application (result: bytes
 * or -errno): one event from its submission to now. Unknown ones were
 * submitted before recording started, found the table full, or were
 * reaped before their io_submit returned; each io_getevents result is
 * a request that ended, so there they count as lost (count_unknown). */
static void aio_done(const void *cb, int64_t result, int count_unknown)
{
	struct preload_aio_req rq;

	if (!preload_aio_take(cb, &rq)) {
		if (count_unknown && preload_want())
			preload_missed();
		return;
	}
	if (!preload_want())
		return;
	struct preload_call c = {
		.t0 = rq.t0, .op = rq.op, .fd = rq.fd,
		.at = rq.op == IOT_OP_AIO_FSYNC ? PRELOAD_AT_NONE : PRELOAD_AT_GIVEN,
		.offset = rq.offset, .size = rq.size, .result = result,
		.flags = rq.opcode, .eflags = IOT_EV_ASYNC,
	};
	preload_record(&c);
}

EXPORT int io_getevents(aio_context_t ctx, long min_nr, long nr, struct io_event *evs,
			struct timespec *timeout)
{
	AIO_REAL(io_getevents);
	int r = real_io_getevents(ctx, min_nr, nr, evs, timeout);
	int e = errno;

	for (int i = 0; i < r; i++)
		aio_done((const void *)(uintptr_t)evs[i].obj, evs[i].res, 1);
	errno = e;
	return r;
}

/* POSIX AIO. glibc carries the requests out on threads of its own that
 * call the kernel directly, unseen; a request is recorded from its
 * aio_read/aio_write/aio_fsync to the first aio_error that reports it
 * done, or its aio_return, whichever the application calls first. */

/* On 64-bit glibc an aiocb64 is an aiocb: the helpers take either. */
_Static_assert(sizeof(struct aiocb64) == sizeof(struct aiocb) &&
	       offsetof(struct aiocb64, __return_value) == offsetof(struct aiocb, __return_value),
	       "aiocb64 and aiocb differ");

/* Note the request of block cb, submitted at t0 (lost, and counted, if
 * the table is full); 1 if noted. */
static int paio_note(const struct aiocb *cb, uint64_t t0, uint16_t op, uint16_t opcode)
{
	int sync = op == IOT_OP_AIO_FSYNC;
	struct preload_aio_req rq = {
		.t0 = t0, .fd = cb->aio_fildes, .op = op, .opcode = opcode,
		.offset = sync ? -1 : (int64_t)cb->aio_offset, .size = sync ? 0 : cb->aio_nbytes,
	};
	if (preload_aio_put(cb, 0, &rq))
		return 1;
	preload_missed();
	return 0;
}

/* aio_error's answer for cb: 0 (done), an error number (failed) or
 * EINPROGRESS. Done or failed, the request is recorded; done, the bytes
 * are in the block (what aio_return will give). */
static void paio_settle(const struct aiocb *cb, int status)
{
	if (status >= 0 && status != EINPROGRESS)
		aio_done(cb, status == 0 ? (int64_t)cb->__return_value : -(int64_t)status, 0);
}

#define PAIO_SUBMIT(OP, opcode_, call)                                              \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	if (r == 0) {                                                               \
		int e = errno;                                                      \
		paio_note((const struct aiocb *)cb, t0, IOT_OP_##OP, (opcode_));    \
		errno = e;                                                          \
	}                                                                           \
	return r

/* Opcodes as Linux AIO's (IOCB_CMD_*), so that both kinds read alike. */
#define PAIO_SYNC_CMD(op) ((op) == O_DSYNC ? IOCB_CMD_FDSYNC : IOCB_CMD_FSYNC)

EXPORT int aio_read(struct aiocb *cb) { PAIO_SUBMIT(AIO_READ, IOCB_CMD_PREAD, REAL(aio_read)(cb)); }
EXPORT int aio_read64(struct aiocb64 *cb) { PAIO_SUBMIT(AIO_READ, IOCB_CMD_PREAD, REAL(aio_read64)(cb)); }
EXPORT int aio_write(struct aiocb *cb) { PAIO_SUBMIT(AIO_WRITE, IOCB_CMD_PWRITE, REAL(aio_write)(cb)); }
EXPORT int aio_write64(struct aiocb64 *cb) { PAIO_SUBMIT(AIO_WRITE, IOCB_CMD_PWRITE, REAL(aio_write64)(cb)); }
EXPORT int aio_fsync(int op, struct aiocb *cb) { PAIO_SUBMIT(AIO_FSYNC, PAIO_SYNC_CMD(op), REAL(aio_fsync)(op, cb)); }
EXPORT int aio_fsync64(int op, struct aiocb64 *cb) { PAIO_SUBMIT(AIO_FSYNC, PAIO_SYNC_CMD(op), REAL(aio_fsync64)(op, cb)); }

#define PAIO_ERROR(call)                                                            \
	int r = call;                                                               \
	int e = errno;                                                              \
	paio_settle((const struct aiocb *)cb, r);                                   \
	errno = e;                                                                  \
	return r

EXPORT int aio_error(const struct aiocb *cb) { PAIO_ERROR(REAL(aio_error)(cb)); }
EXPORT int aio_error64(const struct aiocb64 *cb) { PAIO_ERROR(REAL(aio_error64)(cb)); }

#define PAIO_RETURN(call)                                                           \
	ssize_t r = call;                                                           \
	int e = errno;                                                              \
	aio_done(cb, r >= 0 ? (int64_t)r : -(int64_t)e, 0);                         \
	errno = e;                                                                  \
	return r

EXPORT ssize_t aio_return(struct aiocb *cb) { PAIO_RETURN(REAL(aio_return)(cb)); }
EXPORT ssize_t aio_return64(struct aiocb64 *cb) { PAIO_RETURN(REAL(aio_return64)(cb)); }

/* lio_listio: each LIO_READ and LIO_WRITE of the list as if by
 * aio_read/aio_write at the call. With LIO_WAIT the call returns with
 * every request done, and a program may never ask for the results (0
 * said they all succeeded): those are recorded at the return, from
 * aio_error. With LIO_NOWAIT and EAGAIN, EINTR or EIO, some requests
 * may be under way: all are noted, and aio_error tells each one's fate.
 * (Programs linked before glibc 2.4 call lio_listio@GLIBC_2.2.5; the
 * wrapper calls the current version for them too.) */
#define LIO_BODY(call)                                                              \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	int e = errno;                                                              \
	__typeof__(&list[0]) l_ = list; /* glibc says nonnull; callers may pass NULL */ \
	__asm__("" : "+r"(l_));                                                     \
	for (int i = 0; l_ && (r == 0 || e == EAGAIN || e == EINTR || e == EIO) && i < n; i++) { \
		__typeof__(list[0]) cb = l_[i];                                     \
		if (!cb || (cb->aio_lio_opcode != LIO_READ && cb->aio_lio_opcode != LIO_WRITE)) \
			continue;                                                   \
		const struct aiocb *c_ = (const struct aiocb *)cb;                  \
		int rd_ = cb->aio_lio_opcode == LIO_READ;                           \
		if (paio_note(c_, t0, rd_ ? IOT_OP_AIO_READ : IOT_OP_AIO_WRITE,     \
			      rd_ ? IOCB_CMD_PREAD : IOCB_CMD_PWRITE) && mode == LIO_WAIT) \
			paio_settle(c_, REAL(aio_error)(c_));                       \
	}                                                                           \
	errno = e;                                                                  \
	return r

EXPORT int lio_listio(int mode, struct aiocb *const list[], int n, struct sigevent *sig)
{
	LIO_BODY(REAL(lio_listio)(mode, list, n, sig));
}
EXPORT int lio_listio64(int mode, struct aiocb64 *const list[], int n, struct sigevent *sig)
{
	LIO_BODY(REAL(lio_listio64)(mode, list, n, sig));
}

EXPORT int io_destroy(aio_context_t ctx)
{
	AIO_REAL(io_destroy);
	int r = real_io_destroy(ctx);
	int e = errno;

	if (r == 0)
		preload_aio_forget_ctx(ctx);
	errno = e;
	return r;
}

/* ------------------------------------------------------------------ */
/* mmap of files                                                       */
/* ------------------------------------------------------------------ */

/* File mappings we recorded (address -> file id), so that munmap of
 * anonymous memory (malloc) is not recorded and munmap of a file mapping
 * names its file. Lock-free, bounded; a full table just loses munmaps. */
#define MAPS_MAX 256
static _Atomic(uintptr_t) maps[MAPS_MAX];
static _Atomic(uint64_t) maps_fid[MAPS_MAX];
static _Atomic int maps_live;

static void maps_add(void *addr, int fd)
{
	struct preload_ofd *o = preload_fd_get(fd);

	for (int i = 0; i < MAPS_MAX; i++) {
		uintptr_t zero = 0;
		if (atomic_compare_exchange_strong(&maps[i], &zero, (uintptr_t)addr)) {
			atomic_store(&maps_fid[i], o ? o->file_id : 0);
			atomic_fetch_add(&maps_live, 1);
			return;
		}
	}
}

/* 1 and *fid if addr was a recorded file mapping (now forgotten). */
static int maps_remove(void *addr, uint64_t *fid)
{
	if (atomic_load_explicit(&maps_live, memory_order_relaxed) == 0)
		return 0;
	for (int i = 0; i < MAPS_MAX; i++) {
		uintptr_t a = (uintptr_t)addr;
		if (atomic_load_explicit(&maps[i], memory_order_relaxed) != a)
			continue;
		*fid = atomic_load(&maps_fid[i]);
		if (atomic_compare_exchange_strong(&maps[i], &a, 0)) {
			atomic_fetch_sub(&maps_live, 1);
			return 1;
		}
	}
	return 0;
}

#define MMAP_BODY(call)                                                             \
	if (fd < 0 || (fl & MAP_ANONYMOUS) || !preload_want())                      \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	void *r = call;                                                             \
	RECORD(r == MAP_FAILED ? -(int64_t)e_ : 0, .t0 = t0, .op = IOT_OP_MMAP, .fd = fd, \
	       .at = PRELOAD_AT_GIVEN, .offset = off, .size = len,                  \
	       .flags = (uint32_t)prot << 16 | ((uint32_t)fl & 0xffff));            \
	if (r != MAP_FAILED)                                                        \
		maps_add(r, fd); /* after RECORD: the descriptor is known now */    \
	return r

EXPORT void *mmap(void *addr, size_t len, int prot, int fl, int fd, off_t off)
{
	MMAP_BODY(REAL(mmap)(addr, len, prot, fl, fd, off));
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int fl, int fd, off_t off)
{
	MMAP_BODY(REAL(mmap64)(addr, len, prot, fl, fd, off));
}

EXPORT int munmap(void *addr, size_t len)
{
	uint64_t fid = 0;

	if (!preload_want() || !maps_remove(addr, &fid))
		return REAL(munmap)(addr, len);
	uint64_t t0 = preload_now();
	int r = REAL(munmap)(addr, len);
	RECORD(ZERO_OR_NEG(r), .t0 = t0, .op = IOT_OP_MUNMAP, .fd = -1, .size = len,
	       .file_id = fid);
	return r;
}

/* ------------------------------------------------------------------ */
/* stdio                                                               */
/* ------------------------------------------------------------------ */

/* The stream's descriptor; errno untouched (fileno sets EBADF for
 * streams without one, e.g. fopencookie). */
static int stream_fd(FILE *fp)
{
	int e = errno, fd = fp ? fileno_unlocked(fp) : -1;

	errno = e;
	return fd;
}

/* open(2) flags equivalent to an fopen mode. */
static int mode_flags(const char *mode)
{
	int f = 0;

	if (!mode)
		return 0;
	if (mode[0] == 'r')
		f = O_RDONLY;
	else if (mode[0] == 'w')
		f = O_WRONLY | O_CREAT | O_TRUNC;
	else if (mode[0] == 'a')
		f = O_WRONLY | O_CREAT | O_APPEND;
	if (strchr(mode, '+'))
		f = (f & ~O_WRONLY) | O_RDWR;
	return f;
}

#define FOPEN_BODY(call)                                                            \
	if (!preload_want())                                                        \
		return call;                                                        \
	uint64_t t0 = preload_now();                                                \
	FILE *r = call;                                                             \
	int flags = mode_flags(mode);                                               \
	RECORD(r ? stream_fd(r) : -(int64_t)e_, .t0 = t0, .op = IOT_OP_FOPEN, .fd = -1, \
	       .path = path, .dirfd = AT_FDCWD, .flags = (uint32_t)flags, .opened = 1, \
	       .at = PRELOAD_AT_STDIO_SET, .offset = (flags & O_APPEND) ? -1 : 0);  \
	return r

EXPORT FILE *fopen(const char *path, const char *mode) { FOPEN_BODY(REAL(fopen)(path, mode)); }
EXPORT FILE *fopen64(const char *path, const char *mode) { FOPEN_BODY(REAL(fopen64)(path, mode)); }

EXPORT FILE *fdopen(int fd, const char *mode)
{
	if (!preload_want())
		return REAL(fdopen)(fd, mode);
	uint64_t t0 = preload_now();
	FILE *r = REAL(fdopen)(fd, mode);
	struct preload_ofd *o = preload_fd_get(fd);
	RECORD(r ? fd : -(int64_t)e_, .t0 = t0, .op = IOT_OP_FDOPEN, .fd = fd,
	       .flags = (uint32_t)mode_flags(mode), .at = PRELOAD_AT_STDIO_SET,
	       .offset = o ? atomic_load(&o->offset) : -1);
	return r;
}

EXPORT int fclose(FILE *fp)
{
	if (!preload_want())
		return REAL(fclose)(fp);
	int fd = stream_fd(fp);
	uint64_t t0 = preload_now();
	int r = REAL(fclose)(fp);
	RECORD(r == 0 ? 0 : -(int64_t)e_, .t0 = t0, .op = IOT_OP_FCLOSE, .fd = fd);
	return r;
}

#define FRW_BODY(OPC, call)                                                         \
	if (!preload_want())                                                        \
		return call;                                                        \
	int fd = stream_fd(fp);                                                     \
	uint64_t t0 = preload_now();                                                \
	size_t r = call;                                                            \
	RECORD((int64_t)(r * size), .t0 = t0, .op = IOT_OP_##OPC, .fd = fd,         \
	       .at = PRELOAD_AT_STDIO, .size = (uint64_t)size * n);                 \
	return r

EXPORT size_t fread(void *p, size_t size, size_t n, FILE *fp) { FRW_BODY(FREAD, REAL(fread)(p, size, n, fp)); }
EXPORT size_t fread_unlocked(void *p, size_t size, size_t n, FILE *fp) { FRW_BODY(FREAD, REAL(fread_unlocked)(p, size, n, fp)); }
EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *fp) { FRW_BODY(FWRITE, REAL(fwrite)(p, size, n, fp)); }
EXPORT size_t fwrite_unlocked(const void *p, size_t size, size_t n, FILE *fp) { FRW_BODY(FWRITE, REAL(fwrite_unlocked)(p, size, n, fp)); }

#define FGETS_BODY(call)                                                            \
	if (!preload_want())                                                        \
		return call;                                                        \
	int fd = stream_fd(fp);                                                     \
	uint64_t t0 = preload_now();                                                \
	char *r = call;                                                             \
	RECORD(r ? (int64_t)strlen(r) : 0, .t0 = t0, .op = IOT_OP_FGETS, .fd = fd,  \
	       .at = PRELOAD_AT_STDIO, .size = n > 0 ? (uint64_t)n : 0);            \
	return r

EXPORT char *fgets(char *s, int n, FILE *fp) { FGETS_BODY(REAL(fgets)(s, n, fp)); }
EXPORT char *fgets_unlocked(char *s, int n, FILE *fp) { FGETS_BODY(REAL(fgets_unlocked)(s, n, fp)); }

#define FPUTS_BODY(call)                                                            \
	if (!preload_want())                                                        \
		return call;                                                        \
	int fd = stream_fd(fp);                                                     \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	uint64_t len = strlen(s);                                                   \
	RECORD(r >= 0 ? (int64_t)len : -(int64_t)e_, .t0 = t0, .op = IOT_OP_FPUTS,  \
	       .fd = fd, .at = PRELOAD_AT_STDIO, .size = len);                      \
	return r

EXPORT int fputs(const char *s, FILE *fp) { FPUTS_BODY(REAL(fputs)(s, fp)); }
EXPORT int fputs_unlocked(const char *s, FILE *fp) { FPUTS_BODY(REAL(fputs_unlocked)(s, fp)); }

#define FPRINTF_BODY(call)                                                          \
	if (!preload_want())                                                        \
		return call;                                                        \
	int fd = stream_fd(fp);                                                     \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	RECORD(NEG(r), .t0 = t0, .op = IOT_OP_FPRINTF, .fd = fd,                    \
	       .at = PRELOAD_AT_STDIO, .size = r > 0 ? (uint64_t)r : 0);            \
	return r

EXPORT int vfprintf(FILE *fp, const char *fmt, va_list ap) { FPRINTF_BODY(REAL(vfprintf)(fp, fmt, ap)); }
EXPORT int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap)
{
	FPRINTF_BODY(REAL(__vfprintf_chk)(fp, flag, fmt, ap));
}

EXPORT int fprintf(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(fp, fmt, ap);
	va_end(ap);
	return r;
}

EXPORT int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = __vfprintf_chk(fp, flag, fmt, ap);
	va_end(ap);
	return r;
}

/* printf family on stdout. */
#define PRINTF_BODY(call)                                                           \
	if (!preload_want())                                                        \
		return call;                                                        \
	FILE *fp = stdout;                                                          \
	FPRINTF_BODY(call)

EXPORT int vprintf(const char *fmt, va_list ap) { PRINTF_BODY(REAL(vprintf)(fmt, ap)); }
EXPORT int __vprintf_chk(int flag, const char *fmt, va_list ap) { PRINTF_BODY(REAL(__vprintf_chk)(flag, fmt, ap)); }

EXPORT int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

EXPORT int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = __vprintf_chk(flag, fmt, ap);
	va_end(ap);
	return r;
}

/* puts writes the string and a newline. */
EXPORT int puts(const char *s)
{
	if (!preload_want())
		return REAL(puts)(s);
	int fd = stream_fd(stdout);
	uint64_t t0 = preload_now();
	int r = REAL(puts)(s);
	uint64_t len = strlen(s) + 1;
	RECORD(r >= 0 ? (int64_t)len : -(int64_t)e_, .t0 = t0, .op = IOT_OP_FPUTS, .fd = fd,
	       .at = PRELOAD_AT_STDIO, .size = len);
	return r;
}

EXPORT int fflush(FILE *fp)
{
	if (!preload_want())
		return REAL(fflush)(fp);
	int fd = stream_fd(fp);
	uint64_t t0 = preload_now();
	int r = REAL(fflush)(fp);
	RECORD(r == 0 ? 0 : -(int64_t)e_, .t0 = t0, .op = IOT_OP_FFLUSH, .fd = fd);
	return r;
}

/* After a seek the FILE position is asked for once (ftello), so that
 * every later fread/fwrite offset is exact. */
#define FSEEK_BODY(call)                                                            \
	if (!preload_want())                                                        \
		return call;                                                        \
	int fd = stream_fd(fp);                                                     \
	uint64_t t0 = preload_now();                                                \
	int r = call;                                                               \
	int e0 = errno;                                                             \
	off_t pos = r == 0 ? REAL(ftello)(fp) : -1;                                 \
	errno = e0;                                                                 \
	RECORD(r == 0 ? 0 : -(int64_t)e_, .t0 = t0, .op = IOT_OP_FSEEK, .fd = fd,   \
	       .at = PRELOAD_AT_STDIO_SET, .offset = pos, .flags = (uint32_t)whence); \
	return r

EXPORT int fseek(FILE *fp, long off, int whence) { FSEEK_BODY(REAL(fseek)(fp, off, whence)); }
EXPORT int fseeko(FILE *fp, off_t off, int whence) { FSEEK_BODY(REAL(fseeko)(fp, off, whence)); }
EXPORT int fseeko64(FILE *fp, off_t off, int whence) { FSEEK_BODY(REAL(fseeko64)(fp, off, whence)); }

#define FTELL_BODY(type, call)                                                      \
	if (!preload_want())                                                        \
		return call;                                                        \
	int fd = stream_fd(fp);                                                     \
	uint64_t t0 = preload_now();                                                \
	type r = call;                                                              \
	RECORD(NEG(r), .t0 = t0, .op = IOT_OP_FTELL, .fd = fd,                      \
	       .at = PRELOAD_AT_STDIO_SET, .offset = r);                            \
	return r

EXPORT long ftell(FILE *fp) { FTELL_BODY(long, REAL(ftell)(fp)); }
EXPORT off_t ftello(FILE *fp) { FTELL_BODY(off_t, REAL(ftello)(fp)); }
EXPORT off_t ftello64(FILE *fp) { FTELL_BODY(off_t, REAL(ftello64)(fp)); }

/* ------------------------------------------------------------------ */
/* exec and exit: the shard is closed first                            */
/* ------------------------------------------------------------------ */

#define EXEC_BODY(file, search, call)                                                \
	preload_before_exec(file, search);                                          \
	int r = call;                                                               \
	int e = errno;                                                              \
	preload_after_failed_exec();                                                \
	errno = e;                                                                  \
	return r

/* A child is traced only with LD_PRELOAD naming this library and the
 * IOREC_PRELOAD_* variables; a program that builds its children's
 * environment (env -i, subprocess with env=..., launchers) drops them.
 * They are put back. */
static int env_has(char *const envp[], const char *entry)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (strcmp(envp[i], entry) == 0)
			return 1;
	return 0;
}

static int ld_preload_has(const char *value, const char *so)
{
	size_t n = strlen(so);

	for (const char *p = value; p && (p = strstr(p, so)); p += n)
		if ((p == value || p[-1] == ' ' || p[-1] == ':') && (p[n] == 0 || p[n] == ' ' || p[n] == ':'))
			return 1;
	return 0;
}

static int env_complete(char *const envp[])
{
	char *const *need = preload_child_env();
	const char *ld = NULL;

	if (!need)
		return 1; /* not tracing children */
	for (size_t i = 0; need[i]; i++)
		if (!env_has(envp, need[i]))
			return 0;
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0)
			ld = envp[i] + 11;
	return ld_preload_has(ld, preload_so_path());
}

static size_t env_count(char *const envp[])
{
	size_t n = 0;

	while (envp && envp[n])
		n++;
	return n;
}

/* Fill out (room for env_count(envp) + 18) with envp plus what is
 * missing; ld is scratch for the new LD_PRELOAD entry. */
static char *const *env_fixed(char *const envp[], char **out, char *ld, size_t ldlen)
{
	char *const *need = preload_child_env();
	const char *theirs = NULL;
	size_t k = 0;

	for (size_t i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0)
			theirs = envp[i] + 11;
		else if (strncmp(envp[i], "IOREC_PRELOAD_", 14) != 0)
			out[k++] = envp[i];
	}
	for (size_t i = 0; need[i]; i++)
		out[k++] = need[i];
	if (theirs && ld_preload_has(theirs, preload_so_path()))
		out[k++] = (char *)(theirs - 11); /* their entry, as it was */
	else if ((size_t)snprintf(ld, ldlen, "LD_PRELOAD=%s%s%s", preload_so_path(),
				  theirs && *theirs ? " " : "", theirs ? theirs : "") < ldlen)
		out[k++] = ld;
	else if ((size_t)snprintf(ld, ldlen, "LD_PRELOAD=%s", preload_so_path()) < ldlen)
		out[k++] = ld;
	out[k] = NULL;
	return out;
}

/* In the wrapper's frame: envp_ok is envp, or a completed copy. */
#define ENV_COMPLETE(envp)                                                          \
	int env_ok_ = env_complete(envp);                                           \
	char *env_arr_[env_ok_ ? 1 : env_count(envp) + 18];                         \
	char env_ld_[env_ok_ ? 1 : 8192];                                           \
	char *const *envp_ok = env_ok_ ? (envp) : env_fixed(envp, env_arr_, env_ld_, sizeof(env_ld_))

extern char **environ;

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	ENV_COMPLETE(envp);
	EXEC_BODY(path, 0, REAL(execve)(path, argv, envp_ok));
}

EXPORT int execv(const char *path, char *const argv[])
{
	ENV_COMPLETE(environ);
	EXEC_BODY(path, 0, env_ok_ ? REAL(execv)(path, argv) : REAL(execve)(path, argv, envp_ok));
}

EXPORT int execvp(const char *file, char *const argv[])
{
	ENV_COMPLETE(environ);
	EXEC_BODY(file, 1, env_ok_ ? REAL(execvp)(file, argv) : REAL(execvpe)(file, argv, envp_ok));
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	ENV_COMPLETE(envp);
	EXEC_BODY(file, 1, REAL(execvpe)(file, argv, envp_ok));
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	char self[64];
	ENV_COMPLETE(envp);
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	EXEC_BODY(self, 0, REAL(fexecve)(fd, argv, envp_ok));
}

/* posix_spawn runs the exec inside glibc: only the environment needs
 * completing (the parent goes on, its shard stays open). */
EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	ENV_COMPLETE(envp);
	return REAL(posix_spawn)(pid, path, fa, attr, argv, envp_ok);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	ENV_COMPLETE(envp);
	return REAL(posix_spawnp)(pid, file, fa, attr, argv, envp_ok);
}

/* execl family: collect the arguments, then the execv* wrappers. */
#define EXECL_ARGS(last)                                                            \
	va_list ap;                                                                 \
	size_t argc = 1;                                                            \
	va_start(ap, arg);                                                          \
	while (va_arg(ap, char *))                                                  \
		argc++;                                                             \
	va_end(ap);                                                                 \
	char *argv[argc + 1];                                                       \
	argv[0] = (char *)arg;                                                      \
	va_start(ap, arg);                                                          \
	for (size_t i = 1; i <= argc; i++)                                          \
		argv[i] = va_arg(ap, char *);                                       \
	last;                                                                       \
	va_end(ap)

EXPORT int execl(const char *path, const char *arg, ...)
{
	EXECL_ARGS((void)0);
	return execv(path, argv);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	EXECL_ARGS((void)0);
	return execvp(file, argv);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	char *const *envp;
	EXECL_ARGS(envp = va_arg(ap, char *const *));
	return execve(path, argv, envp);
}

EXPORT void _exit(int status)
{
	preload_before_exit();
	REAL(_exit)(status);
	__builtin_unreachable();
}

EXPORT void _Exit(int status)
{
	preload_before_exit();
	REAL(_Exit)(status);
	__builtin_unreachable();
}

/* ------------------------------------------------------------------ */
/* signal handlers: run with sig_depth raised                          */
/* ------------------------------------------------------------------ */

/* The application's handlers; the kernel sees signal_trampoline. */
static struct sigaction user_act[_NSIG];

static void signal_trampoline(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *a = &user_act[sig];
	int guard = preload_tls.guard, depth = preload_tls.sig_depth;
	volatile char frame;

	/* A handler may leave by siglongjmp instead of returning here: note
	 * where this frame is (preload_sig_depth) before raising the depth. */
	if (depth >= 0 && depth < PRELOAD_SIG_LEVELS) {
		preload_tls.sig_sp[depth] = (uintptr_t)&frame;
		preload_tls.sig_guard[depth] = (uint8_t)guard;
	}
	atomic_signal_fence(memory_order_seq_cst);
	/* Interrupted in an append (or in a handler that was): the ring is
	 * in use, the handler's calls are counted lost. Interrupted in a
	 * drain or outside the library: they are recorded. */
	preload_tls.guard = guard == PRELOAD_GUARD_BUSY || guard == PRELOAD_GUARD_CUT
				    ? PRELOAD_GUARD_CUT : PRELOAD_GUARD_NONE;
	preload_tls.sig_depth = depth + 1;
	atomic_signal_fence(memory_order_seq_cst);
	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else
		a->sa_handler(sig);
	/* as on entry, even if a jump between here and a deeper handler
	 * made the library drop levels meanwhile */
	preload_tls.sig_depth = depth;
	preload_tls.guard = guard;
}

static int is_user_handler(int sig, const struct sigaction *act)
{
	return act && sig > 0 && sig < _NSIG && act->sa_handler != SIG_DFL &&
	       act->sa_handler != SIG_IGN && act->sa_sigaction != signal_trampoline;
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev = { 0 };
	int r;

	if (sig > 0 && sig < _NSIG)
		prev = user_act[sig];
	if (preload_active && is_user_handler(sig, act)) {
		struct sigaction mine = *act;
		mine.sa_sigaction = signal_trampoline;
		mine.sa_flags |= SA_SIGINFO;
		user_act[sig] = *act;
		r = REAL(sigaction)(sig, &mine, old);
		if (r != 0)
			user_act[sig] = prev;
	} else {
		r = REAL(sigaction)(sig, act, old);
	}
	if (r == 0 && old && (old->sa_flags & SA_SIGINFO) && old->sa_sigaction == signal_trampoline)
		*old = prev;
	return r;
}

/* Handlers installed before the library started recording (by other
 * libraries' constructors) get the trampoline too. */
void preload_wrap_signal_handlers(void)
{
	for (int sig = 1; sig < _NSIG; sig++) {
		struct sigaction cur;
		if (sig == SIGKILL || sig == SIGSTOP || REAL(sigaction)(sig, NULL, &cur) != 0 ||
		    !is_user_handler(sig, &cur))
			continue;
		sigaction(sig, &cur, NULL);
	}
}

/* glibc's signal() has BSD semantics: restart, block the signal. */
EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	struct sigaction act = { 0 }, old;

	if (!preload_active)
		return REAL(signal)(sig, h);
	act.sa_handler = h;
	act.sa_flags = SA_RESTART;
	sigemptyset(&act.sa_mask);
	if (sig > 0 && sig < _NSIG)
		sigaddset(&act.sa_mask, sig);
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}
