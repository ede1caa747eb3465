/* ebpf_drive.c - records COMMAND with iorec's eBPF source alone, through
 * the same iorec_source_ops the recorder core uses. A test and benchmark
 * harness that does not need the core: it forks COMMAND (held on a pipe
 * until the source has started), polls the source when due and writes
 * process records itself.
 *
 *   ebpf_drive -o OUT [--all] [--duration S] [--pid N] [--tid N]
 *              [--comm NAME] [--syscalls a,b] [--path PREFIX]
 *              [--ringbuf-size BYTES] [-v] [-- COMMAND ARG...]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "record/source.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* The core's process table, reduced: one record per pid. */
static uint32_t seen[65536];
static size_t nseen;

int iorec_note_process(struct iorec_ctx *ctx, uint32_t pid)
{
	char path[64], comm[64] = "";
	struct iot_proc p = { 0 };
	FILE *f;

	for (size_t i = 0; i < nseen; i++)
		if (seen[i] == pid)
			return 0;
	if (nseen < sizeof(seen) / sizeof(seen[0]))
		seen[nseen++] = pid;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	p.ts_ns = iot_now_mono_ns();
	p.pid = pid;
	p.exit_status = -1;
	p.comm = comm[0] ? comm : NULL;
	return iot_writer_add_proc(ctx->w, &p);
}

/* (no exec watch here: the first record stays) */
int iorec_recheck_process(struct iorec_ctx *ctx, uint32_t pid)
{
	(void)ctx;
	(void)pid;
	return 0;
}

int iorec_note_exit(struct iorec_ctx *ctx, uint32_t pid, uint64_t ts_ns, int status)
{
	struct iot_proc p = { .ts_ns = ts_ns, .exit_ns = ts_ns, .pid = pid, .exit_status = status };

	return iot_writer_add_proc(ctx->w, &p);
}

static void add(char ***v, size_t *n, const char *s)
{
	*v = realloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = strdup(s);
}

static void add_u32(uint32_t **v, size_t *n, const char *s)
{
	*v = realloc(*v, (*n + 1) * sizeof(uint32_t));
	(*v)[(*n)++] = (uint32_t)strtoul(s, NULL, 10);
}

static void sleep_until(uint64_t t)
{
	uint64_t now = iot_now_mono_ns();
	struct timespec ts;

	if (t <= now)
		return;
	ts.tv_sec = (time_t)((t - now) / 1000000000ull);
	ts.tv_nsec = (long)((t - now) % 1000000000ull);
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, 0, 'a' },    { "duration", required_argument, 0, 'd' },
		{ "pid", required_argument, 0, 'p' }, { "tid", required_argument, 0, 't' },
		{ "comm", required_argument, 0, 'c' }, { "syscalls", required_argument, 0, 's' },
		{ "path", required_argument, 0, 'P' }, { "ringbuf-size", required_argument, 0, 'r' },
		{ 0, 0, 0, 0 },
	};
	struct iorec_config cfg = { .interval_ms = 1000 };
	struct iorec_ctx ctx = { .cfg = &cfg };
	const struct iorec_source_ops *ops = &iorec_source_ebpf;
	const char *out = NULL;
	char why[512] = "", *tok, *save;
	void *state = NULL;
	int opt, rc, gate[2] = { -1, -1 }, status = 0, exit_code = 0;
	pid_t child = 0;
	uint64_t next = 0, end_ns = 0;
	struct rusage ru;

	while ((opt = getopt_long(argc, argv, "+o:vq", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'v': cfg.verbose++; break;
		case 'q': cfg.quiet = 1; break;
		case 'a': cfg.all = 1; break;
		case 'd': cfg.duration_s = atof(optarg); break;
		case 'p': add_u32(&cfg.pids, &cfg.npids, optarg); break;
		case 't': add_u32(&cfg.tids, &cfg.ntids, optarg); break;
		case 'c': add(&cfg.comms, &cfg.ncomms, optarg); break;
		case 'P': add(&cfg.paths, &cfg.npaths, optarg); break;
		case 'r': cfg.ringbuf_bytes = strtoull(optarg, NULL, 0); break;
		case 's':
			for (tok = strtok_r(optarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				add(&cfg.syscalls, &cfg.nsyscalls, tok);
			break;
		default: return 2;
		}
	}
	if (!out || (optind >= argc && !cfg.all)) {
		fprintf(stderr, "usage: ebpf_drive -o OUT [options] [--all] [-- COMMAND ARG...]\n");
		return 2;
	}
	rc = iot_writer_open(&ctx.w, out, NULL);
	if (rc) {
		fprintf(stderr, "ebpf_drive: %s: %s\n", out, iot_strerror(rc));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (optind < argc) {
		if (pipe(gate) || (child = fork()) < 0) {
			perror("ebpf_drive: fork");
			return 1;
		}
		if (child == 0) {
			char c;

			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(127);
			close(gate[0]);
			execvp(argv[optind], argv + optind);
			fprintf(stderr, "ebpf_drive: %s: %s\n", argv[optind], strerror(errno));
			_exit(127);
		}
		close(gate[0]);
		ctx.target_pid = child;
	}
	ctx.start_mono_ns = iot_now_mono_ns();
	rc = ops->init(&state, &ctx, why, sizeof(why));
	if (rc == 0)
		rc = ops->start(state, &ctx);
	if (rc) {
		fprintf(stderr, "ebpf_drive: ebpf: %s\n", why[0] ? why : iot_strerror(rc));
		if (child)
			kill(child, SIGKILL);
		ops->destroy(state);
		iot_writer_abandon(ctx.w);
		return 1;
	}
	if (cfg.verbose)
		fprintf(stderr, "ebpf_drive: recording\n");
	if (child)
		close(gate[1]); /* let COMMAND exec */
	if (cfg.duration_s > 0)
		end_ns = iot_now_mono_ns() + (uint64_t)(cfg.duration_s * 1e9);
	while (!stop_flag) {
		uint64_t now = iot_now_mono_ns();

		if (now >= next) {
			rc = ops->poll(state, &ctx, now, &next);
			if (rc) {
				fprintf(stderr, "ebpf_drive: poll: %s\n", iot_strerror(rc));
				exit_code = 1;
				break;
			}
			iot_writer_tick(ctx.w);
		}
		if (child && waitpid(child, &status, WNOHANG) == child) {
			exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		if (end_ns && now >= end_ns)
			break;
		sleep_until(next < now + 1000000 ? now + 1000000 : next);
	}
	if (ops->stop(state, &ctx))
		exit_code = 1;
	ops->destroy(state);
	rc = iot_writer_close(ctx.w);
	if (rc) {
		fprintf(stderr, "ebpf_drive: %s: %s\n", out, iot_strerror(rc));
		exit_code = 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	if (cfg.verbose)
		fprintf(stderr, "ebpf_drive: self_cpu_s %.3f\n",
			ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
				(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return exit_code;
}
