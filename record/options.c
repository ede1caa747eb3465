/* options.c - iorec's options, as listed in DESIGN.md. */
#include "record/options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_FORCE = 256,
	OPT_COMM,
	OPT_PID,
	OPT_TID,
	OPT_SYSCALLS,
	OPT_PATH,
	OPT_JS_GLOB,
	OPT_JS_CMD,
	OPT_DISKSTATS_FILE,
	OPT_JOB_ID,
	OPT_ANONYMIZE,
	OPT_RINGBUF,
	OPT_ALL,
	OPT_DURATION,
	OPT_VERSION,
	OPT_CHECK,
	OPT_SALVAGE,
};

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"force", no_argument, NULL, OPT_FORCE},
	{"sources", required_argument, NULL, 's'},
	{"interval", required_argument, NULL, 'i'},
	{"comm", required_argument, NULL, OPT_COMM},
	{"pid", required_argument, NULL, OPT_PID},
	{"tid", required_argument, NULL, OPT_TID},
	{"syscalls", required_argument, NULL, OPT_SYSCALLS},
	{"path", required_argument, NULL, OPT_PATH},
	{"jobstats-glob", required_argument, NULL, OPT_JS_GLOB},
	{"jobstats-cmd", required_argument, NULL, OPT_JS_CMD},
	{"diskstats-file", required_argument, NULL, OPT_DISKSTATS_FILE},
	{"job-id", required_argument, NULL, OPT_JOB_ID},
	{"anonymize", no_argument, NULL, OPT_ANONYMIZE},
	{"ringbuf-size", required_argument, NULL, OPT_RINGBUF},
	{"all", no_argument, NULL, OPT_ALL},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"check", no_argument, NULL, OPT_CHECK},
	{"salvage", no_argument, NULL, OPT_SALVAGE},
	{NULL, 0, NULL, 0},
};

static int usage_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int iorec_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v, mul = 1;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	default: break;
	}
	if ((*end == 'i' || *end == 'B') && mul > 1)
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v > SIZE_MAX / mul)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

/* Append to a NULL-terminated growable array of strings. */
static int push_str(char ***arr, size_t *n, const char *s)
{
	char **na = realloc(*arr, (*n + 2) * sizeof *na);
	if (!na)
		return -ENOMEM;
	*arr = na;
	na[(*n)++] = (char *)s;
	na[*n] = NULL;
	return 0;
}

static int push_u32(uint32_t **arr, size_t *n, uint32_t v)
{
	uint32_t *na = realloc(*arr, (*n + 1) * sizeof *na);
	if (!na)
		return -ENOMEM;
	*arr = na;
	na[(*n)++] = v;
	return 0;
}

/* --syscalls a,b,c: each name must be a known operation. */
static int push_syscalls(struct iorec_config *c, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int rc = 0;
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		char *name;
		if (iot_op_from_name(tok) < 0) {
			rc = usage_err(err, errlen, "--syscalls: unknown operation '%s'", tok);
			break;
		}
		if (!(name = strdup(tok)))
			rc = -ENOMEM;
		else if ((rc = push_str(&c->syscalls, &c->nsyscalls, name)) < 0)
			free(name);
	}
	free(copy);
	if (rc == 0 && c->nsyscalls == 0)
		rc = usage_err(err, errlen, "--syscalls: empty list");
	return rc;
}

static const char *job_id_from_env(void)
{
	static const char *const vars[] = {"SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID", "FLUX_JOB_ID"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

static int parse_one(int opt, const char *arg, const char *optname,
		     struct iorec_options *o, char *err, size_t errlen)
{
	struct iorec_config *c = &o->cfg;
	uint32_t u;
	char *end;
	switch (opt) {
	case 'o':
		if (!*arg)
			return usage_err(err, errlen, "-o: empty file name");
		o->output = arg;
		return 0;
	case OPT_FORCE:
		o->force = 1;
		return 0;
	case 's':
		o->sources_arg = arg;
		return 0;
	case 'i':
		if (parse_u32(arg, 10, 3600000, &u) < 0)
			return usage_err(err, errlen,
					 "-i/--interval: '%s' is not a number of milliseconds in 10..3600000", arg);
		c->interval_ms = u;
		return 0;
	case OPT_COMM:
		if (!*arg || strlen(arg) > 15)
			return usage_err(err, errlen, "--comm: '%s' is not a command name (1 to 15 characters)", arg);
		return push_str(&c->comms, &c->ncomms, arg);
	case OPT_PID:
	case OPT_TID:
		if (parse_u32(arg, 1, 4194304, &u) < 0)
			return usage_err(err, errlen, "--%s: '%s' is not a process id", optname, arg);
		return opt == OPT_PID ? push_u32(&c->pids, &c->npids, u)
				      : push_u32(&c->tids, &c->ntids, u);
	case OPT_SYSCALLS:
		return push_syscalls(c, arg, err, errlen);
	case OPT_PATH:
		if (!*arg)
			return usage_err(err, errlen, "--path: empty prefix");
		return push_str(&c->paths, &c->npaths, arg);
	case OPT_JS_GLOB:
		if (!*arg)
			return usage_err(err, errlen, "--jobstats-glob: empty pattern");
		return push_str(&c->jobstats_globs, &c->njobstats_globs, arg);
	case OPT_JS_CMD:
		if (!*arg)
			return usage_err(err, errlen, "--jobstats-cmd: empty command");
		c->jobstats_cmd = arg;
		return 0;
	case OPT_DISKSTATS_FILE:
		if (!*arg)
			return usage_err(err, errlen, "--diskstats-file: empty path");
		c->diskstats_file = arg;
		return 0;
	case OPT_JOB_ID:
		c->job_id = arg;
		return 0;
	case OPT_ANONYMIZE:
		c->anonymize = 1;
		return 0;
	case OPT_RINGBUF:
		if (iorec_parse_size(arg, &c->ringbuf_bytes) < 0 || c->ringbuf_bytes < 4096)
			return usage_err(err, errlen,
					 "--ringbuf-size: '%s' is not a size of at least 4K (e.g. 64M)", arg);
		return 0;
	case OPT_ALL:
		c->all = 1;
		return 0;
	case OPT_DURATION:
		errno = 0;
		c->duration_s = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(c->duration_s) || c->duration_s <= 0 ||
		    c->duration_s > 1e9)
			return usage_err(err, errlen, "--duration: '%s' is not a positive number of seconds", arg);
		return 0;
	case 'q':
		c->quiet = 1;
		c->verbose = 0;
		return 0;
	case 'v':
		c->verbose++;
		c->quiet = 0;
		return 0;
	case 'h':
		o->help = 1;
		return 0;
	case OPT_VERSION:
		o->version = 1;
		return 0;
	case OPT_CHECK:
		o->check = 1;
		return 0;
	case OPT_SALVAGE:
		o->salvage = 1;
		return 0;
	default:
		return usage_err(err, errlen, "internal: option %d", opt);
	}
}

/* How the unknown or incomplete option at argv[optind - 1] is named. */
static int bad_option(int argc, char **argv, char *err, size_t errlen)
{
	const char *arg = optind - 1 < argc ? argv[optind - 1] : "?";
	if (optopt && strchr("osi", optopt) && arg[0] == '-' && arg[1] == optopt)
		return usage_err(err, errlen, "option -%c needs a value", optopt);
	for (const struct option *lo = long_opts; lo->name; lo++) {
		size_t n = strlen(lo->name);
		if (strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, lo->name, n) == 0 &&
		    (arg[2 + n] == '\0' || arg[2 + n] == '=') && lo->has_arg == required_argument)
			return usage_err(err, errlen, "option --%s needs a value", lo->name);
		if (strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, lo->name, n) == 0 &&
		    arg[2 + n] == '=' && lo->has_arg == no_argument)
			return usage_err(err, errlen, "option --%s takes no value", lo->name);
	}
	if (optopt && !(arg[0] == '-' && arg[1] == '-'))
		return usage_err(err, errlen, "unknown option -%c", optopt);
	return usage_err(err, errlen, "unknown option '%s'", arg);
}

int iorec_options_parse(int argc, char **argv, struct iorec_options *o, char *err,
			size_t errlen)
{
	struct iorec_config *c = &o->cfg;
	int opt, idx, rc;
	memset(o, 0, sizeof *o);
	c->interval_ms = 1000;
	opterr = 0;
	optind = 1;
	/* '+': stop at COMMAND, so its own options are left alone */
	while ((opt = getopt_long(argc, argv, "+o:s:i:qvh", long_opts, &idx)) != -1) {
		const char *name = "?";
		if (opt == '?' || opt == ':')
			return bad_option(argc, argv, err, errlen);
		for (const struct option *lo = long_opts; lo->name; lo++)
			if (lo->val == opt)
				name = lo->name;
		if ((rc = parse_one(opt, optarg, name, o, err, errlen)) < 0)
			return rc;
	}
	if (!c->job_id)
		c->job_id = job_id_from_env();
	o->command = argv + optind;
	o->ncommand = argc - optind;
	c->command = o->ncommand > 0 ? o->command : NULL;
	if (o->help || o->version || o->check || o->salvage)
		return 0; /* --salvage: the paths are checked by iorec_salvage() */
	if (c->all && o->ncommand > 0)
		return usage_err(err, errlen, "--all records the whole node: give either --all or a COMMAND, not both");
	if (!c->all && o->ncommand == 0)
		return usage_err(err, errlen, "no COMMAND to run (use: iorec [OPTIONS] -- COMMAND [ARG...], or --all)");
	if (c->duration_s > 0 && !c->all)
		return usage_err(err, errlen, "--duration works with --all (a COMMAND's recording ends when it exits)");
	if (c->jobstats_cmd && c->njobstats_globs)
		return usage_err(err, errlen, "--jobstats-cmd and --jobstats-glob exclude each other");
	return 0;
}

void iorec_options_free(struct iorec_options *o)
{
	struct iorec_config *c = &o->cfg;
	for (size_t i = 0; i < c->nsyscalls; i++)
		free(c->syscalls[i]);
	free(c->syscalls);
	free(c->pids);
	free(c->tids);
	free(c->comms);
	free(c->paths);
	free(c->jobstats_globs);
	memset(o, 0, sizeof *o);
}
