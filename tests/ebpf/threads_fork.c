/* threads_fork.c - attribution test workload: two threads write their own
 * files, then a forked child writes its own. Prints who did what:
 *   THREAD <tid> <path> <nwrites>   (writes of 512 bytes)
 *   CHILD <pid> <path> <nwrites>
 *   MAIN <pid>
 * The test checks that each file's events carry exactly that pid/tid. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;

static void write_file(const char *name, int n, char *path, size_t len)
{
	char buf[512];
	int fd;

	memset(buf, 'a', sizeof(buf));
	snprintf(path, len, "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		exit(1);
	for (int i = 0; i < n; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			exit(1);
	close(fd);
}

static void *thread_main(void *arg)
{
	long i = (long)arg;
	char name[32], path[4096];

	snprintf(name, sizeof(name), "thread%ld.dat", i);
	write_file(name, (int)(i + 2), path, sizeof(path));
	printf("THREAD %ld %s %ld\n", (long)syscall(SYS_gettid), path, i + 2);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[2];
	char path[4096];
	pid_t child;
	int status;

	if (argc != 2)
		return 2;
	dir = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, thread_main, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	child = fork();
	if (child == 0) {
		write_file("child.dat", 5, path, sizeof(path));
		printf("CHILD %d %s 5\n", (int)getpid(), path);
		_exit(0);
	}
	waitpid(child, &status, 0);
	printf("MAIN %d\n", (int)getpid());
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
