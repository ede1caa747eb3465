/* sig_jump - test helper: signal handlers that leave by siglongjmp.
 *
 *   sig_jump DIR JUMPS N [altstack]
 *
 * First a SIGALRM handler, fired every 200 us by an interval timer,
 * leaves by siglongjmp() back into main JUMPS times, while main reads
 * DIR/a in an endless loop of preads (the old pattern of a timeout
 * around I/O). With "altstack" the handler runs on an alternate signal
 * stack (sigaltstack, SA_ONSTACK), as in programs that catch stack
 * overflows. Then, with the timer stopped, main does N preads of DIR/b,
 * a fork child writes one line to DIR/c and exits, and main execs itself
 * to write one line to DIR/d. Prints "jumps J reads N" before the exec.
 *
 * A recorder that still believes it runs inside a handler after the
 * jump never drains its buffer again, and skips its flush at fork, exec
 * and exit: the reads of DIR/b and the writes of DIR/c and DIR/d are
 * then missing from the trace.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile sig_atomic_t jumps;

static void on_alarm(int sig)
{
	(void)sig;
	jumps++;
	siglongjmp(back, 1);
}

static int open_in(const char *dir, const char *name, int flags)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, flags, 0600);
	if (fd < 0)
		perror(path);
	return fd;
}

static int write_line(const char *dir, const char *name)
{
	int fd = open_in(dir, name, O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0)
		return 1;
	if (write(fd, "done\n", 5) != 5 || close(fd) != 0) {
		perror(name);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[4096];

	if (argc == 3 && strcmp(argv[1], "--exec") == 0)
		return write_line(argv[2], "d");
	if (argc != 4 && !(argc == 5 && strcmp(argv[4], "altstack") == 0)) {
		fprintf(stderr, "usage: sig_jump DIR JUMPS N [altstack]\n");
		return 2;
	}
	const char *dir = argv[1];
	long want = atol(argv[2]), n = atol(argv[3]);
	int a = open_in(dir, "a", O_RDWR | O_CREAT | O_TRUNC);
	int b = open_in(dir, "b", O_RDWR | O_CREAT | O_TRUNC);
	if (a < 0 || b < 0 || write(a, buf, sizeof buf) != sizeof buf ||
	    write(b, buf, sizeof buf) != sizeof buf)
		return 1;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	if (argc == 5) {
		stack_t ss = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
		if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0) {
			perror("sigaltstack");
			return 1;
		}
		sa.sa_flags = SA_ONSTACK;
	}
	if (sigaction(SIGALRM, &sa, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	sigsetjmp(back, 1);
	if (jumps == 1 && setitimer(ITIMER_REAL, &it, NULL) != 0) {
		perror("setitimer");
		return 1;
	}
	if (jumps == 0)
		raise(SIGALRM); /* the first jump, then the timer's */
	while (jumps < want)
		if (pread(a, buf, sizeof buf, 0) < 0) {
			perror("pread");
			return 1;
		}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_IGN);

	for (long i = 0; i < n; i++)
		if (pread(b, buf, sizeof buf, 0) != sizeof buf) {
			perror("pread");
			return 1;
		}
	pid_t pid = fork();
	if (pid == 0)
		_exit(write_line(dir, "c"));
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "sig_jump: fork child failed\n");
		return 1;
	}
	printf("jumps %ld reads %ld\n", (long)jumps, n);
	fflush(stdout);
	execl("/proc/self/exe", argv[0], "--exec", dir, (char *)NULL);
	perror("execl");
	return 1;
}
