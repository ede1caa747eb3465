/* pread_loop - benchmark helper: N x pread of 4 KiB from a cached file.
 *
 *   pread_loop FILE N
 *
 * Prints the wall time of the loop in seconds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096];
	struct timespec a, b;

	if (argc != 3) {
		fprintf(stderr, "usage: pread_loop FILE N\n");
		return 2;
	}
	long n = atol(argv[2]);
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	long blocks = size / 4096 > 0 ? size / 4096 : 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		if (pread(fd, buf, sizeof(buf), (off_t)(i % blocks) * 4096) < 0) {
			perror("pread");
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(fd);
	printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
