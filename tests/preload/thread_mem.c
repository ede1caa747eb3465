/* thread_mem - benchmark helper: memory of threads that do I/O.
 *
 *   thread_mem FILE NTHREADS NOPS
 *
 * NTHREADS threads each do NOPS preads of 4 KiB from FILE (enough to
 * wrap a recorder's per-thread buffer), then wait until all are done;
 * while they are all alive the process prints its VmRSS in KiB.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fd, nops;
static pthread_barrier_t done, report;

static void *worker(void *arg)
{
	char buf[4096];
	(void)arg;
	for (int i = 0; i < nops; i++)
		if (pread(fd, buf, sizeof(buf), (off_t)(i % 64) * 4096) < 0)
			exit(1);
	pthread_barrier_wait(&done);
	pthread_barrier_wait(&report);
	return NULL;
}

static long rss_kib(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: thread_mem FILE NTHREADS NOPS\n");
		return 2;
	}
	int n = atoi(argv[2]);
	nops = atoi(argv[3]);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || n < 1 || n > 1024)
		return 2;
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	pthread_barrier_init(&done, NULL, (unsigned)n + 1);
	pthread_barrier_init(&report, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	pthread_barrier_wait(&done);
	printf("%ld\n", rss_kib());
	fflush(stdout);
	pthread_barrier_wait(&report);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
