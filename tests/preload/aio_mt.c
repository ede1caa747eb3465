/* aio_mt.c - Linux AIO with the reaping done by another thread.
 *
 * aio_mt FILE N THREADS: THREADS threads each submit N 4 KiB reads of
 * FILE (page-cached: they complete inside io_submit) one at a time,
 * while one more thread reaps with io_getevents. Prints
 * "submitted S reaped R". libaio is loaded at run time and its
 * functions are looked up in the global scope, so that an LD_PRELOAD
 * library's io_submit/io_getevents are the ones called; no libaio
 * headers needed (the kernel ABI from <linux/aio_abi.h>).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int (*p_setup)(int, aio_context_t *);
static int (*p_submit)(aio_context_t, long, struct iocb **);
static int (*p_getevents)(aio_context_t, long, long, struct io_event *, struct timespec *);
static int (*p_destroy)(aio_context_t);

static aio_context_t ctx;
static int fd;
static long per_thread;
static long total, reaped;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *submitter(void *arg)
{
	long id = (long)arg;
	static __thread char buf[4096] __attribute__((aligned(4096)));
	struct iocb cb;
	struct iocb *cbs[1] = { &cb };

	for (long i = 0; i < per_thread; i++) {
		/* one block in flight per thread: wait until it is reaped */
		memset(&cb, 0, sizeof(cb));
		cb.aio_lio_opcode = IOCB_CMD_PREAD;
		cb.aio_fildes = (unsigned)fd;
		cb.aio_buf = (uintptr_t)buf;
		cb.aio_nbytes = sizeof(buf);
		cb.aio_offset = (long long)(((id * 7919 + i) % 256) * 4096);
		cb.aio_data = 1;
		int r = p_submit(ctx, 1, cbs);
		if (r != 1) {
			fprintf(stderr, "io_submit: %d\n", r);
			exit(1);
		}
		while (__atomic_load_n(&cb.aio_data, __ATOMIC_ACQUIRE) == 1)
			; /* the reaper clears it */
	}
	return NULL;
}

static void *reaper(void *unused)
{
	struct io_event ev[64];
	(void)unused;
	while (__atomic_load_n(&reaped, __ATOMIC_RELAXED) < total) {
		struct timespec ts = { 1, 0 };
		int n = p_getevents(ctx, 1, 64, ev, &ts);
		for (int i = 0; i < n; i++) {
			struct iocb *cb = (struct iocb *)(uintptr_t)ev[i].obj;
			if (ev[i].res != 4096) {
				fprintf(stderr, "read result %lld\n", (long long)ev[i].res);
				exit(1);
			}
			__atomic_store_n(&cb->aio_data, 0, __ATOMIC_RELEASE);
		}
		if (n > 0) {
			pthread_mutex_lock(&lock);
			reaped += n;
			pthread_mutex_unlock(&lock);
		}
	}
	return unused;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: aio_mt FILE N THREADS\n");
		return 2;
	}
	per_thread = atol(argv[2]);
	long nthreads = atol(argv[3]);
	total = per_thread * nthreads;
	if (!dlopen("libaio.so.1", RTLD_NOW | RTLD_GLOBAL)) {
		fprintf(stderr, "libaio.so.1: %s\n", dlerror());
		return 77;
	}
	*(void **)&p_setup = dlsym(RTLD_DEFAULT, "io_setup");
	*(void **)&p_submit = dlsym(RTLD_DEFAULT, "io_submit");
	*(void **)&p_getevents = dlsym(RTLD_DEFAULT, "io_getevents");
	*(void **)&p_destroy = dlsym(RTLD_DEFAULT, "io_destroy");
	if (!p_setup || !p_submit || !p_getevents || !p_destroy || (fd = open(argv[1], O_RDONLY)) < 0 ||
	    p_setup(1024, &ctx) != 0) {
		fprintf(stderr, "aio_mt: cannot set up\n");
		return 1;
	}
	pthread_t rt, st[64];
	pthread_create(&rt, NULL, reaper, NULL);
	for (long t = 0; t < nthreads && t < 64; t++)
		pthread_create(&st[t], NULL, submitter, (void *)t);
	for (long t = 0; t < nthreads && t < 64; t++)
		pthread_join(st[t], NULL);
	pthread_join(rt, NULL);
	p_destroy(ctx);
	close(fd);
	printf("submitted %ld reaped %ld\n", total, reaped);
	return 0;
}
