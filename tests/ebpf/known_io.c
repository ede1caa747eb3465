/* known_io.c - a program whose I/O is known exactly, for the eBPF tests
 * (test_known_io.sh asserts every call below in the trace):
 *   openat(DIR/known.dat, O_CREAT|O_WRONLY|O_TRUNC) = fd
 *   3 x write 4096 at offsets 0, 4096, 8192; pwrite64 100 at 50000; fsync; close
 *   openat(DIR/known.dat, O_RDONLY); pread64 4096 at 8192; lseek 1000;
 *   read 500 (offset 1000); readv 100+200 (offset 1500); close
 *   openat(DIR/missing.dat) = -ENOENT; newfstatat(DIR/known.dat); unlink(DIR/known.dat)
 *   openat(DIR/append.dat, O_CREAT|O_WRONLY|O_APPEND) = 3; 2 x write 10 (offsets
 *   0, 10: O_APPEND); dup2(3, 9); write 5 on fd 9 (offset 20); close 3, 9
 *   pipe; write 3 bytes into it (no offset, a fifo)
 * Raw syscalls keep the calls independent of libc's choices. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int append_dup_pipe(const char *dir)
{
	char path[4096];
	int p[2];
	long fd;

	snprintf(path, sizeof(path), "%s/append.dat", dir);
	fd = syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY | O_APPEND, 0644);
	if (fd != 3 || syscall(SYS_write, fd, "0123456789", 10) != 10 ||
	    syscall(SYS_write, fd, "0123456789", 10) != 10 || syscall(SYS_dup2, fd, 9) != 9 ||
	    syscall(SYS_write, 9, "abcde", 5) != 5)
		return 1;
	syscall(SYS_close, fd);
	syscall(SYS_close, 9);
	if (pipe(p) || syscall(SYS_write, p[1], "abc", 3) != 3)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[4096];
	char path[4096], missing[4096];
	struct iovec iov[2] = { { buf, 100 }, { buf + 100, 200 } };
	struct stat st;
	long fd;

	if (argc != 2) {
		fprintf(stderr, "usage: known_io DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/known.dat", argv[1]);
	snprintf(missing, sizeof(missing), "%s/missing.dat", argv[1]);
	memset(buf, 'x', sizeof(buf));
	fd = syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	for (int i = 0; i < 3; i++)
		if (syscall(SYS_write, fd, buf, 4096) != 4096)
			return 1;
	if (syscall(SYS_pwrite64, fd, buf, 100, 50000) != 100 || syscall(SYS_fsync, fd))
		return 1;
	syscall(SYS_close, fd);
	fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
	if (fd < 0 || syscall(SYS_pread64, fd, buf, 4096, 8192) != 4096 ||
	    syscall(SYS_lseek, fd, 1000, SEEK_SET) != 1000 ||
	    syscall(SYS_read, fd, buf, 500) != 500 || syscall(SYS_readv, fd, iov, 2) != 300)
		return 1;
	syscall(SYS_close, fd);
	if (syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY) != -1)
		return 1;
	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) || st.st_size != 50100)
		return 1;
	if (syscall(SYS_unlink, path))
		return 1;
	return append_dup_pipe(argv[1]);
}
