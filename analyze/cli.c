/* cli.c - shared options and input opening (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	O_FORMAT = 'f', O_OUTPUT = 'o', O_HELP = 'h',
	O_PID = 256, O_COMM, O_PATH, O_SINCE, O_UNTIL, O_BY, O_TOP, O_STREAM, O_MODEL,
	O_INFLUX, O_HDF5, O_THREADS, O_PROGRESS, O_NO_PROGRESS,
};

struct opt_def {
	struct option o;
	unsigned need; /* CLI_* bit, 0 = always */
};

static const struct opt_def defs[] = {
	{ { "format", required_argument, NULL, O_FORMAT }, CLI_FORMAT },
	{ { "output", required_argument, NULL, O_OUTPUT }, CLI_OUTPUT },
	{ { "pid", required_argument, NULL, O_PID }, CLI_FILTERS },
	{ { "comm", required_argument, NULL, O_COMM }, CLI_FILTERS },
	{ { "path", required_argument, NULL, O_PATH }, CLI_FILTERS },
	{ { "since", required_argument, NULL, O_SINCE }, CLI_FILTERS },
	{ { "until", required_argument, NULL, O_UNTIL }, CLI_FILTERS },
	{ { "by", required_argument, NULL, O_BY }, CLI_BY },
	{ { "top", required_argument, NULL, O_TOP }, CLI_TOP },
	{ { "stream", required_argument, NULL, O_STREAM }, CLI_STREAM },
	{ { "model", required_argument, NULL, O_MODEL }, CLI_MODEL },
	{ { "influx", required_argument, NULL, O_INFLUX }, CLI_INFLUX },
	{ { "hdf5", required_argument, NULL, O_HDF5 }, CLI_HDF5 },
	{ { "threads", no_argument, NULL, O_THREADS }, CLI_THREADS },
	{ { "progress", no_argument, NULL, O_PROGRESS }, 0 },
	{ { "no-progress", no_argument, NULL, O_NO_PROGRESS }, 0 },
	{ { "help", no_argument, NULL, O_HELP }, 0 },
};
#define NDEFS (sizeof defs / sizeof defs[0])

void cli_error(const struct cli *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "ioanalyze %s: ", c->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int push(void **arr, size_t *n, size_t elem, const void *val)
{
	void *na = realloc(*arr, (*n + 1) * elem);
	if (!na)
		return -ENOMEM;
	memcpy((char *)na + *n * elem, val, elem);
	*arr = na;
	(*n)++;
	return 0;
}

static int parse_by(const char *s)
{
	static const char *const names[] = { "all", "job", "process", "file", "op" };
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	if (strcmp(s, "proc") == 0 || strcmp(s, "pid") == 0)
		return BY_PROCESS;
	return -1;
}

static int parse_stream(const char *s)
{
	for (unsigned i = 1; i <= IOT_STREAM__MAX; i++)
		if (strcmp(iot_stream_name(i), s) == 0)
			return (int)i;
	return -1;
}

/* One option; 0 or 2 (usage error, printed). */
static int take(struct cli *c, int opt, const char *arg)
{
	char *end;
	switch (opt) {
	case O_FORMAT:
		if ((c->format = out_format_parse(arg)) < 0) {
			cli_error(c, "--format must be text, json or csv, not '%s'", arg);
			return 2;
		}
		c->format_set = 1;
		return 0;
	case O_OUTPUT: c->output = arg; return 0;
	case O_MODEL: c->model = arg; return 0;
	case O_INFLUX: c->influx = arg; return 0;
	case O_HDF5: c->hdf5 = arg; return 0;
	case O_THREADS: c->threads = 1; return 0;
	case O_PROGRESS: c->progress = 1; return 0;
	case O_NO_PROGRESS: c->progress = 0; return 0;
	case O_PID: {
		unsigned long v = strtoul(arg, &end, 10);
		uint32_t pid = (uint32_t)v;
		if (end == arg || *end || v > UINT32_MAX) {
			cli_error(c, "--pid needs a process id, not '%s'", arg);
			return 2;
		}
		return push((void **)&c->pids, &c->npids, sizeof pid, &pid) ? 1 : 0;
	}
	case O_COMM: return push((void **)&c->comms, &c->ncomms, sizeof(char *), &arg) ? 1 : 0;
	case O_PATH: return push((void **)&c->paths, &c->npaths, sizeof(char *), &arg) ? 1 : 0;
	case O_SINCE:
	case O_UNTIL:
		if (parse_wall(arg, opt == O_SINCE ? &c->since_ns : &c->until_ns)) {
			cli_error(c, "--%s needs seconds since the epoch or 'YYYY-MM-DD HH:MM:SS' (UTC), not '%s'",
				  opt == O_SINCE ? "since" : "until", arg);
			return 2;
		}
		return 0;
	case O_BY: {
		int b = parse_by(arg);
		if (b < 0) {
			cli_error(c, "--by must be job, process, file or op, not '%s'", arg);
			return 2;
		}
		c->by = (enum cli_by)b;
		return 0;
	}
	case O_TOP: {
		unsigned long v = strtoul(arg, &end, 10);
		if (end == arg || *end) {
			cli_error(c, "--top needs a number, not '%s'", arg);
			return 2;
		}
		c->top = v;
		return 0;
	}
	case O_STREAM: {
		int s = parse_stream(arg);
		if (s < 0) {
			cli_error(c, "unknown --stream '%s' (io, proc, file, disk, procio, jobstats, loss, meta, string)", arg);
			return 2;
		}
		c->streams |= IOT_STREAM_MASK(s);
		return 0;
	}
	}
	return 2;
}

int cli_parse(struct cli *c, int argc, char **argv, unsigned accepted, const char *usage,
	      int *exit_now)
{
	struct option longopts[NDEFS + 1];
	char shortopts[16] = "+";
	size_t n = 0;
	memset(c, 0, sizeof *c);
	c->cmd = argv[0];
	c->progress = -1;
	for (size_t i = 0; i < NDEFS; i++)
		if (!defs[i].need || (accepted & defs[i].need))
			longopts[n++] = defs[i].o;
	memset(&longopts[n], 0, sizeof longopts[n]);
	strcat(shortopts, "h");
	if (accepted & CLI_FORMAT)
		strcat(shortopts, "f:");
	if (accepted & CLI_OUTPUT)
		strcat(shortopts, "o:");
	optind = 1;
	opterr = 0;
	int opt;
	*exit_now = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == O_HELP) {
			fputs(usage, stdout);
			*exit_now = 1;
			return 0;
		}
		if (opt == '?' || opt == ':') {
			if (optopt)
				cli_error(c, "unknown option or missing argument: -%c (see --help)", optopt);
			else
				cli_error(c, "unknown option or missing argument: %s (see --help)", argv[optind - 1]);
			*exit_now = 1;
			return 2;
		}
		int rc = take(c, opt, optarg);
		if (rc) {
			*exit_now = 1;
			return rc;
		}
	}
	c->args = argv + optind;
	c->nargs = (size_t)(argc - optind);
	if (!c->nargs) {
		cli_error(c, "no TRACE given (a .iotr file, a directory or an archive; see --help)");
		*exit_now = 1;
		return 2;
	}
	return 0;
}

void cli_free(struct cli *c)
{
	free(c->pids);
	free(c->comms);
	free(c->paths);
}

int cli_open(struct cli *c, struct input_set *in)
{
	memset(in, 0, sizeof *in);
	int n = input_open(in, c->args, c->nargs, input_print_msg, NULL);
	if (n < 0) {
		cli_error(c, "%s", iot_strerror(n));
		return 1;
	}
	if (n == 0) {
		cli_error(c, "no usable trace among the inputs");
		return 1;
	}
	return 0;
}
