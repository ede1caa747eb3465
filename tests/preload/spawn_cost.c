/* spawn_cost - benchmark helper: what the preload library adds to the
 * start and exit of a short process.
 *
 *   spawn_cost N PROGRAM ENV...
 *
 * Starts PROGRAM (no arguments) N times for each environment ENV and
 * waits for it, taking the environments in turn so that the machine's
 * drift slows them alike. An ENV is a space-separated list of NAME=value
 * entries, or "-" for an empty environment. Prints one line per ENV, in
 * order:
 *
 *   us MEDIAN
 *
 * (median microseconds from posix_spawn to the end of waitpid). This
 * process itself is not traced: run it without LD_PRELOAD.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_VARS 15

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 4 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: spawn_cost N PROGRAM ENV...\n");
		return 2;
	}
	int n = atoi(argv[1]), k = argc - 3;
	char *prog = argv[2], *args[] = { prog, NULL };
	char *envs[k][MAX_VARS + 1];
	double *t = malloc(sizeof(double) * (size_t)n * (size_t)k);
	if (!t)
		return 1;
	for (int v = 0; v < k; v++) {
		int e = 0;
		if (strcmp(argv[3 + v], "-") != 0)
			for (char *w = strtok(argv[3 + v], " "); w && e < MAX_VARS; w = strtok(NULL, " "))
				envs[v][e++] = w;
		envs[v][e] = NULL;
	}
	for (int i = 0; i < n; i++)
		for (int v = 0; v < k; v++) {
			struct timespec a, b;
			pid_t pid;
			int st;
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (posix_spawn(&pid, prog, NULL, NULL, args, envs[v]) != 0 ||
			    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "spawn_cost: %s failed\n", prog);
				return 1;
			}
			clock_gettime(CLOCK_MONOTONIC, &b);
			t[(size_t)v * (size_t)n + (size_t)i] =
				((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3;
		}
	for (int v = 0; v < k; v++) {
		double *s = t + (size_t)v * (size_t)n;
		qsort(s, (size_t)n, sizeof(double), cmp_double);
		printf("us %.1f\n", s[n / 2]);
	}
	free(t);
	return 0;
}
