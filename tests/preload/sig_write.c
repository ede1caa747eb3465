/* sig_write - test helper: write() from a signal handler.
 *
 *   sig_write FILE MILLISECONDS [open]
 *
 * A SIGALRM handler, fired every 200 us by an interval timer, writes one
 * byte to FILE; meanwhile the main thread allocates, frees and writes
 * for MILLISECONDS. A recorder that takes a lock or calls malloc in the
 * handler deadlocks here. With "open", the handler opens FILE, writes
 * and closes it each time (three calls). Prints "handler_writes N
 * main_writes M".
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int sig_fd = -1, reopen;
static const char *sig_path;
static volatile sig_atomic_t handler_writes;

static void on_alarm(int sig)
{
	(void)sig;
	int fd = reopen ? open(sig_path, O_WRONLY | O_APPEND) : sig_fd;
	if (write(fd, "x", 1) == 1)
		handler_writes++;
	if (reopen)
		close(fd);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 3 && !(argc == 4 && strcmp(argv[3], "open") == 0)) {
		fprintf(stderr, "usage: sig_write FILE MILLISECONDS [open]\n");
		return 2;
	}
	reopen = argc == 4;
	sig_path = argv[1];
	char main_path[4096];
	snprintf(main_path, sizeof(main_path), "%s.main", argv[1]);
	sig_fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int main_fd = open(main_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (sig_fd < 0 || main_fd < 0) {
		perror("open");
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	double end = now_ms() + atof(argv[2]);
	long main_writes = 0;
	while (now_ms() < end) {
		void *p = malloc(1000 + (size_t)(main_writes % 5000));
		memset(p, 1, 100);
		free(p);
		if (write(main_fd, "yy", 2) == 2)
			main_writes++;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	close(sig_fd);
	close(main_fd);
	printf("handler_writes %ld main_writes %ld\n", (long)handler_writes, main_writes);
	return 0;
}
