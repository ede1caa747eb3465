/* pread_mix - benchmark helper: what the library adds to one random read,
 * measured inside one process so that the machine's drift cancels out.
 *
 *   pread_mix FILE N [BLOCK]
 *
 * Does N random 4 KiB preads from FILE (which should be in the page
 * cache) in alternating blocks of BLOCK calls (default 1024): even blocks
 * call pread(), which the preload library wraps when it is loaded; odd
 * blocks make the same system call through syscall(), which it does not
 * wrap. Neighbouring blocks are a millisecond apart, so a VM whose speed
 * drifts by 10-30% over seconds slows both kinds alike. Prints
 *
 *   wrapped NS untraced NS extra NS ratio R calls C
 *
 * (ns per call for each kind, their difference, their ratio, and how
 * many calls went through pread()).
 * Without the library the two kinds cost the same within about 1%.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv)
{
	static char buf[4096] __attribute__((aligned(4096)));

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: pread_mix FILE N [BLOCK]\n");
		return 2;
	}
	long n = atol(argv[2]), block = argc > 3 ? atol(argv[3]) : 1024;
	if (n < 2 || block < 1) {
		fprintf(stderr, "pread_mix: N must be >= 2 and BLOCK >= 1\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	uint64_t blocks = size / 4096 > 0 ? (uint64_t)(size / 4096) : 1;
	/* warm up: every block into the page cache, untimed */
	for (uint64_t b = 0; b < blocks; b++)
		if (syscall(SYS_pread64, fd, buf, sizeof buf, (off_t)(b * 4096)) < 0) {
			perror("pread");
			return 1;
		}
	uint64_t x = 88172645463325252u; /* xorshift: the same offsets every run */
	uint64_t t_wrapped = 0, t_plain = 0;
	long n_wrapped = 0, n_plain = 0;

	for (long k = 0, i = 0; i < n; k++) {
		uint64_t a = now_ns();
		long j;
		for (j = 0; j < block && i < n; j++, i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			off_t off = (off_t)(x % blocks) * 4096;
			ssize_t r = (k & 1) ? syscall(SYS_pread64, fd, buf, sizeof buf, off)
					    : pread(fd, buf, sizeof buf, off);
			if (r < 0) {
				perror("pread");
				return 1;
			}
		}
		uint64_t d = now_ns() - a;
		if (k & 1)
			t_plain += d, n_plain += j;
		else
			t_wrapped += d, n_wrapped += j;
	}
	close(fd);
	if (!n_plain || !n_wrapped) {
		fprintf(stderr, "pread_mix: N must cover two blocks\n");
		return 2;
	}
	double w = (double)t_wrapped / n_wrapped, p = (double)t_plain / n_plain;
	printf("wrapped %.1f untraced %.1f extra %.1f ratio %.4f calls %ld\n", w, p, w - p, w / p,
	       n_wrapped);
	return 0;
}
