/* mt_io - test helper: threads with known I/O.
 *
 *   mt_io DIR NTHREADS NOPS
 *
 * Thread t (0-based) creates DIR/f<t>, waits until every thread has
 * opened its file (all alive at once), writes NOPS blocks of (t+1)*512
 * bytes with write(), reads them back with pread() and closes. Each
 * thread prints "thread TID writes N bytes B reads N bytes B" so that the
 * test can compare with the trace per thread.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *dir;
static int nops;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t all_open; /* every thread alive at once */

static void *worker(void *arg)
{
	long t = (long)arg;
	size_t bs = (size_t)(t + 1) * 512;
	char path[4096], *buf = malloc(bs);
	long wn = 0, rn = 0, wb = 0, rb = 0;

	memset(buf, 'a' + (int)t, bs);
	snprintf(path, sizeof(path), "%s/f%ld", dir, t);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	pthread_barrier_wait(&all_open);
	for (int i = 0; i < nops; i++) {
		ssize_t k = write(fd, buf, bs);
		wn++;
		wb += k > 0 ? k : 0;
	}
	for (int i = 0; i < nops; i++) {
		ssize_t k = pread(fd, buf, bs, (off_t)(i * bs));
		rn++;
		rb += k > 0 ? k : 0;
	}
	close(fd);
	free(buf);
	pthread_mutex_lock(&out_lock);
	printf("thread %ld writes %ld bytes %ld reads %ld bytes %ld\n", (long)syscall(SYS_gettid),
	       wn, wb, rn, rb);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mt_io DIR NTHREADS NOPS\n");
		return 2;
	}
	dir = argv[1];
	int n = atoi(argv[2]);
	nops = atoi(argv[3]);
	pthread_t th[64];
	if (n < 1 || n > 64)
		return 2;
	pthread_barrier_init(&all_open, NULL, (unsigned)n);
	for (long t = 0; t < n; t++)
		pthread_create(&th[t], NULL, worker, (void *)t);
	for (int t = 0; t < n; t++)
		pthread_join(th[t], NULL);
	return 0;
}
