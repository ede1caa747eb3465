/* vfork_dup - test helper: a vfork child that rewires descriptors.
 *
 *   vfork_dup FILE
 *
 * Opens FILE, vforks; the child (which shares the parent's memory, so
 * also the recorder's tables) dup2's /dev/null over the descriptor and
 * _exits; the parent then writes "parent\n" to FILE. The trace must
 * still put that write on FILE.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vfork_dup FILE\n");
		return 2;
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	pid_t p = vfork();
	if (p == 0) {
		int n = open("/dev/null", O_WRONLY);
		dup2(n, fd);
		close(n);
		_exit(0);
	}
	waitpid(p, NULL, 0);
	if (write(fd, "parent\n", 7) != 7)
		return 1;
	close(fd);
	return 0;
}
