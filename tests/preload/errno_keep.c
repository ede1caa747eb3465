/* errno_keep - test helper: what wrapped calls return and leave in errno.
 *
 *   errno_keep DIR
 *
 * For failing calls, prints the result and errno the call gave; for
 * succeeding calls made with errno set to a sentinel first, prints the
 * result and errno after (a library that does its own I/O inside the
 * wrapper must not leave its errno behind). Run traced and untraced: the
 * two outputs must be identical.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SENTINEL 4242

static void show(const char *what, long r, int e)
{
	printf("%-28s r=%ld errno=%d\n", what, r, e);
}

#define FAIL(what, call)                     \
	do {                                 \
		errno = 0;                   \
		long r_ = (long)(call);      \
		show(what, r_, errno);       \
	} while (0)
#define KEEP(what, call)                     \
	do {                                 \
		errno = SENTINEL;            \
		long r_ = (long)(call);      \
		show(what, r_, errno);       \
	} while (0)

int main(int argc, char **argv)
{
	char path[4096], missing[4096], buf[64];
	struct stat st;
	if (argc != 2) {
		fprintf(stderr, "usage: errno_keep DIR\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/errno_keep.dat", argv[1]);
	snprintf(missing, sizeof missing, "%s/no/such/file", argv[1]);

	FAIL("open missing", open(missing, O_RDONLY));
	FAIL("openat missing", openat(AT_FDCWD, missing, O_RDONLY));
	FAIL("creat in missing dir", creat(missing, 0600));
	FAIL("stat missing", stat(missing, &st));
	FAIL("lstat missing", lstat(missing, &st));
	FAIL("access missing", access(missing, R_OK));
	FAIL("unlink missing", unlink(missing));
	FAIL("rename missing", rename(missing, path));
	FAIL("mkdir missing parent", mkdir(missing, 0700));
	FAIL("rmdir missing", rmdir(missing));
	FAIL("read bad fd", read(987, buf, sizeof buf));
	FAIL("write bad fd", write(987, buf, 1));
	FAIL("pread bad fd", pread(987, buf, sizeof buf, 0));
	FAIL("close bad fd", close(987));
	FAIL("fstat bad fd", fstat(987, &st));
	FAIL("lseek bad fd", lseek(987, 0, SEEK_SET));
	FAIL("fsync bad fd", fsync(987));
	FAIL("dup bad fd", dup(987));
	FAIL("fopen missing", fopen(missing, "r") != NULL);

	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	FAIL("pread negative offset", pread(fd, buf, sizeof buf, -1));
	FAIL("lseek bad whence", lseek(fd, 0, 77));
	KEEP("write ok", write(fd, "hello", 5));
	KEEP("pwrite ok", pwrite(fd, "world", 5, 5));
	KEEP("lseek ok", lseek(fd, 0, SEEK_SET));
	KEEP("read ok", read(fd, buf, sizeof buf));
	KEEP("read at eof", read(fd, buf, sizeof buf));
	KEEP("pread ok", pread(fd, buf, 4, 2));
	KEEP("fstat ok", fstat(fd, &st) == 0 ? (long)st.st_size : -1L);
	KEEP("fsync ok", fsync(fd));
	int fd2 = dup(fd);
	KEEP("dup ok", fd2 >= 0);
	KEEP("close dup", close(fd2));
	KEEP("close ok", close(fd));
	FILE *f = NULL;
	KEEP("fopen ok", (f = fopen(path, "r")) != NULL);
	if (f) {
		KEEP("fread ok", fread(buf, 1, 3, f));
		KEEP("fclose ok", fclose(f));
	}
	KEEP("stat ok", stat(path, &st) == 0 ? (long)st.st_size : -1L);
	KEEP("unlink ok", unlink(path));
	return 0;
}
