/* preload_wrap.h - the list of wrapped functions of libiorec-preload.so.
 *
 * One X-macro list names every interposed function once with the
 * operation (enum iot_op, from format/iotrace.h IOT_OPS) it is recorded
 * as, its return type and its parameters:
 *   X(symbol, OP, return type, (parameters))
 * preload_wrap.c turns it into the real-function pointers (declare) and
 * their lookup (resolve); adding a function is one line here and one
 * wrapper body. OP is UNKNOWN for functions wrapped for bookkeeping only
 * (exec, exit, signals) and for asynchronous I/O (libaio's io_submit,
 * POSIX aio_read, ...: the requests are recorded as aio_read, aio_write
 * or aio_fsync when they are reaped; see preload_aio.h). PRELOAD_COMPAT
 * lists glibc symbols that only
 * exist with an old version (the __xstat family, removed from the API in
 * glibc 2.33 but still called by older binaries).
 */
#ifndef IOREC_PRELOAD_WRAP_H
#define IOREC_PRELOAD_WRAP_H

#include <aio.h>
#include <dirent.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#define PRELOAD_WRAPPERS(X)                                                          \
	X(open, OPEN, int, (const char *path, int flags, ...))                       \
	X(open64, OPEN, int, (const char *path, int flags, ...))                     \
	X(__open_2, OPEN, int, (const char *path, int flags))                        \
	X(__open64_2, OPEN, int, (const char *path, int flags))                      \
	X(openat, OPENAT, int, (int dirfd, const char *path, int flags, ...))        \
	X(openat64, OPENAT, int, (int dirfd, const char *path, int flags, ...))      \
	X(__openat_2, OPENAT, int, (int dirfd, const char *path, int flags))         \
	X(__openat64_2, OPENAT, int, (int dirfd, const char *path, int flags))       \
	X(creat, CREAT, int, (const char *path, mode_t mode))                        \
	X(creat64, CREAT, int, (const char *path, mode_t mode))                      \
	X(mkstemp, MKSTEMP, int, (char *tmpl))                                       \
	X(mkstemp64, MKSTEMP, int, (char *tmpl))                                     \
	X(mkostemp, MKSTEMP, int, (char *tmpl, int flags))                           \
	X(mkostemp64, MKSTEMP, int, (char *tmpl, int flags))                         \
	X(mkstemps, MKSTEMP, int, (char *tmpl, int suffixlen))                       \
	X(mkostemps, MKSTEMP, int, (char *tmpl, int suffixlen, int flags))           \
	X(close, CLOSE, int, (int fd))                                               \
	X(close_range, CLOSE_RANGE, int, (unsigned first, unsigned last, int flags)) \
	X(closefrom, CLOSE_RANGE, void, (int lowfd))                                 \
	X(read, READ, ssize_t, (int fd, void *buf, size_t n))                        \
	X(__read_chk, READ, ssize_t, (int fd, void *buf, size_t n, size_t buflen))   \
	X(write, WRITE, ssize_t, (int fd, const void *buf, size_t n))                \
	X(pread, PREAD, ssize_t, (int fd, void *buf, size_t n, off_t off))           \
	X(pread64, PREAD, ssize_t, (int fd, void *buf, size_t n, off_t off))         \
	X(__pread_chk, PREAD, ssize_t, (int fd, void *buf, size_t n, off_t off, size_t buflen)) \
	X(__pread64_chk, PREAD, ssize_t, (int fd, void *buf, size_t n, off_t off, size_t buflen)) \
	X(pwrite, PWRITE, ssize_t, (int fd, const void *buf, size_t n, off_t off))   \
	X(pwrite64, PWRITE, ssize_t, (int fd, const void *buf, size_t n, off_t off)) \
	X(readv, READV, ssize_t, (int fd, const struct iovec *iov, int cnt))         \
	X(writev, WRITEV, ssize_t, (int fd, const struct iovec *iov, int cnt))       \
	X(preadv, PREADV, ssize_t, (int fd, const struct iovec *iov, int cnt, off_t off)) \
	X(preadv64, PREADV, ssize_t, (int fd, const struct iovec *iov, int cnt, off_t off)) \
	X(pwritev, PWRITEV, ssize_t, (int fd, const struct iovec *iov, int cnt, off_t off)) \
	X(pwritev64, PWRITEV, ssize_t, (int fd, const struct iovec *iov, int cnt, off_t off)) \
	X(preadv2, PREADV2, ssize_t, (int fd, const struct iovec *iov, int cnt, off_t off, int fl)) \
	X(preadv64v2, PREADV2, ssize_t, (int fd, const struct iovec *iov, int cnt, off_t off, int fl)) \
	X(pwritev2, PWRITEV2, ssize_t, (int fd, const struct iovec *iov, int cnt, off_t off, int fl)) \
	X(pwritev64v2, PWRITEV2, ssize_t, (int fd, const struct iovec *iov, int cnt, off_t off, int fl)) \
	X(copy_file_range, COPY_FILE_RANGE, ssize_t, (int in, off_t *inoff, int out, off_t *outoff, size_t n, unsigned fl)) \
	X(sendfile, SENDFILE, ssize_t, (int out, int in, off_t *off, size_t n))     \
	X(sendfile64, SENDFILE, ssize_t, (int out, int in, off_t *off, size_t n))   \
	X(lseek, LSEEK, off_t, (int fd, off_t off, int whence))                      \
	X(lseek64, LSEEK, off_t, (int fd, off_t off, int whence))                    \
	X(fsync, FSYNC, int, (int fd))                                               \
	X(fdatasync, FDATASYNC, int, (int fd))                                       \
	X(ftruncate, FTRUNCATE, int, (int fd, off_t len))                            \
	X(ftruncate64, FTRUNCATE, int, (int fd, off_t len))                          \
	X(truncate, TRUNCATE, int, (const char *path, off_t len))                    \
	X(truncate64, TRUNCATE, int, (const char *path, off_t len))                  \
	X(fallocate, FALLOCATE, int, (int fd, int mode, off_t off, off_t len))       \
	X(fallocate64, FALLOCATE, int, (int fd, int mode, off_t off, off_t len))     \
	X(posix_fallocate, POSIX_FALLOCATE, int, (int fd, off_t off, off_t len))     \
	X(posix_fallocate64, POSIX_FALLOCATE, int, (int fd, off_t off, off_t len))   \
	X(stat, STAT, int, (const char *path, struct stat *st))                      \
	X(stat64, STAT, int, (const char *path, struct stat64 *st))                    \
	X(lstat, LSTAT, int, (const char *path, struct stat *st))                    \
	X(lstat64, LSTAT, int, (const char *path, struct stat64 *st))                  \
	X(fstat, FSTAT, int, (int fd, struct stat *st))                              \
	X(fstat64, FSTAT, int, (int fd, struct stat64 *st))                            \
	X(fstatat, FSTATAT, int, (int dirfd, const char *path, struct stat *st, int fl)) \
	X(fstatat64, FSTATAT, int, (int dirfd, const char *path, struct stat64 *st, int fl)) \
	X(statx, STATX, int, (int dirfd, const char *path, int fl, unsigned mask, struct statx *sx)) \
	X(access, ACCESS, int, (const char *path, int mode))                         \
	X(faccessat, FACCESSAT, int, (int dirfd, const char *path, int mode, int fl)) \
	X(unlink, UNLINK, int, (const char *path))                                   \
	X(unlinkat, UNLINKAT, int, (int dirfd, const char *path, int fl))            \
	X(rename, RENAME, int, (const char *from, const char *to))                   \
	X(renameat, RENAMEAT, int, (int fromfd, const char *from, int tofd, const char *to)) \
	X(renameat2, RENAMEAT2, int, (int fromfd, const char *from, int tofd, const char *to, unsigned fl)) \
	X(mkdir, MKDIR, int, (const char *path, mode_t mode))                        \
	X(mkdirat, MKDIRAT, int, (int dirfd, const char *path, mode_t mode))         \
	X(rmdir, RMDIR, int, (const char *path))                                     \
	X(dup, DUP, int, (int fd))                                                   \
	X(dup2, DUP2, int, (int fd, int newfd))                                      \
	X(dup3, DUP3, int, (int fd, int newfd, int fl))                              \
	X(fcntl, FCNTL, int, (int fd, int cmd, ...))                                 \
	X(fcntl64, FCNTL, int, (int fd, int cmd, ...))                               \
	X(io_submit, UNKNOWN, int, (aio_context_t ctx, long nr, struct iocb **cbs)) \
	X(io_getevents, UNKNOWN, int, (aio_context_t ctx, long min_nr, long nr, struct io_event *evs, struct timespec *timeout)) \
	X(io_destroy, UNKNOWN, int, (aio_context_t ctx))                             \
	X(aio_read, UNKNOWN, int, (struct aiocb *cb))                                \
	X(aio_read64, UNKNOWN, int, (struct aiocb64 *cb))                            \
	X(aio_write, UNKNOWN, int, (struct aiocb *cb))                               \
	X(aio_write64, UNKNOWN, int, (struct aiocb64 *cb))                           \
	X(aio_fsync, UNKNOWN, int, (int op, struct aiocb *cb))                       \
	X(aio_fsync64, UNKNOWN, int, (int op, struct aiocb64 *cb))                   \
	X(aio_error, UNKNOWN, int, (const struct aiocb *cb))                         \
	X(aio_error64, UNKNOWN, int, (const struct aiocb64 *cb))                     \
	X(aio_return, UNKNOWN, ssize_t, (struct aiocb *cb))                          \
	X(aio_return64, UNKNOWN, ssize_t, (struct aiocb64 *cb))                      \
	X(lio_listio, UNKNOWN, int, (int mode, struct aiocb *const list[], int n, struct sigevent *sig)) \
	X(lio_listio64, UNKNOWN, int, (int mode, struct aiocb64 *const list[], int n, struct sigevent *sig)) \
	X(mmap, MMAP, void *, (void *addr, size_t len, int prot, int fl, int fd, off_t off)) \
	X(mmap64, MMAP, void *, (void *addr, size_t len, int prot, int fl, int fd, off_t off)) \
	X(munmap, MUNMAP, int, (void *addr, size_t len))                             \
	X(fopen, FOPEN, FILE *, (const char *path, const char *mode))                \
	X(fopen64, FOPEN, FILE *, (const char *path, const char *mode))              \
	X(fdopen, FDOPEN, FILE *, (int fd, const char *mode))                        \
	X(fclose, FCLOSE, int, (FILE *fp))                                           \
	X(fread, FREAD, size_t, (void *p, size_t size, size_t n, FILE *fp))          \
	X(fread_unlocked, FREAD, size_t, (void *p, size_t size, size_t n, FILE *fp)) \
	X(fwrite, FWRITE, size_t, (const void *p, size_t size, size_t n, FILE *fp))  \
	X(fwrite_unlocked, FWRITE, size_t, (const void *p, size_t size, size_t n, FILE *fp)) \
	X(fgets, FGETS, char *, (char *s, int n, FILE *fp))                          \
	X(fgets_unlocked, FGETS, char *, (char *s, int n, FILE *fp))                 \
	X(fputs, FPUTS, int, (const char *s, FILE *fp))                              \
	X(fputs_unlocked, FPUTS, int, (const char *s, FILE *fp))                     \
	X(fprintf, FPRINTF, int, (FILE *fp, const char *fmt, ...))                   \
	X(vfprintf, FPRINTF, int, (FILE *fp, const char *fmt, va_list ap))           \
	X(__fprintf_chk, FPRINTF, int, (FILE *fp, int flag, const char *fmt, ...))   \
	X(__vfprintf_chk, FPRINTF, int, (FILE *fp, int flag, const char *fmt, va_list ap)) \
	X(vprintf, FPRINTF, int, (const char *fmt, va_list ap))                      \
	X(__vprintf_chk, FPRINTF, int, (int flag, const char *fmt, va_list ap))      \
	X(printf, FPRINTF, int, (const char *fmt, ...))                              \
	X(__printf_chk, FPRINTF, int, (int flag, const char *fmt, ...))              \
	X(puts, FPUTS, int, (const char *s))                                         \
	X(fflush, FFLUSH, int, (FILE *fp))                                           \
	X(fseek, FSEEK, int, (FILE *fp, long off, int whence))                       \
	X(fseeko, FSEEK, int, (FILE *fp, off_t off, int whence))                     \
	X(fseeko64, FSEEK, int, (FILE *fp, off_t off, int whence))                   \
	X(ftell, FTELL, long, (FILE *fp))                                            \
	X(ftello, FTELL, off_t, (FILE *fp))                                          \
	X(ftello64, FTELL, off_t, (FILE *fp))                                        \
	X(execve, UNKNOWN, int, (const char *path, char *const argv[], char *const envp[])) \
	X(execv, UNKNOWN, int, (const char *path, char *const argv[]))               \
	X(execvp, UNKNOWN, int, (const char *file, char *const argv[]))              \
	X(execvpe, UNKNOWN, int, (const char *file, char *const argv[], char *const envp[])) \
	X(fexecve, UNKNOWN, int, (int fd, char *const argv[], char *const envp[]))   \
	X(posix_spawn, UNKNOWN, int, (pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr, char *const argv[], char *const envp[])) \
	X(posix_spawnp, UNKNOWN, int, (pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr, char *const argv[], char *const envp[])) \
	X(_exit, UNKNOWN, void, (int status))                                        \
	X(_Exit, UNKNOWN, void, (int status))                                        \
	X(sigaction, UNKNOWN, int, (int sig, const struct sigaction *act, struct sigaction *old)) \
	X(signal, UNKNOWN, sighandler_t, (int sig, sighandler_t h))

/* Compat-only glibc symbols: X(symbol, OP, return type, (parameters), version). */
#define PRELOAD_COMPAT(X)                                                            \
	X(__xstat, STAT, int, (int ver, const char *path, struct stat *st), "GLIBC_2.2.5") \
	X(__xstat64, STAT, int, (int ver, const char *path, struct stat *st), "GLIBC_2.2.5") \
	X(__lxstat, LSTAT, int, (int ver, const char *path, struct stat *st), "GLIBC_2.2.5") \
	X(__lxstat64, LSTAT, int, (int ver, const char *path, struct stat *st), "GLIBC_2.2.5") \
	X(__fxstat, FSTAT, int, (int ver, int fd, struct stat *st), "GLIBC_2.2.5")   \
	X(__fxstat64, FSTAT, int, (int ver, int fd, struct stat *st), "GLIBC_2.2.5") \
	X(__fxstatat, FSTATAT, int, (int ver, int dirfd, const char *path, struct stat *st, int fl), "GLIBC_2.4") \
	X(__fxstatat64, FSTATAT, int, (int ver, int dirfd, const char *path, struct stat *st, int fl), "GLIBC_2.4")

/* execl, execlp and execle are variadic; they are wrapped by hand (they
 * call execve inside glibc without going through the PLT). */

/* Number of wrapped symbols and their names (tests check the exports). */
extern const char *const preload_wrapped_names[];
extern const unsigned preload_wrapped_count;

#endif
