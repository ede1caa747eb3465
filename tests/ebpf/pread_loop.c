/* pread_loop.c - benchmark workload: COUNT x pread SIZE bytes cycling
 * over FILE (kept in the page cache), the worst case for a tracer.
 * Prints "loop_s <wall seconds of the loop> cpu_s <own CPU seconds>". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct timespec a, b;
	struct rusage ru;
	struct stat st;
	long count, size, span;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: pread_loop FILE COUNT SIZE\n");
		return 2;
	}
	count = atol(argv[2]);
	size = atol(argv[3]);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || size <= 0 || size > (long)sizeof(buf) || st.st_size < size)
		return 1;
	span = st.st_size / size;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < count; i++)
		if (pread(fd, buf, (size_t)size, (i % span) * size) != size)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	getrusage(RUSAGE_SELF, &ru);
	printf("loop_s %.6f cpu_s %.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
	       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	close(fd);
	return 0;
}
