/* jobstats_parse.c - Lustre job_stats text to jobstats_job records. */
#include "record/poll/jobstats_parse.h"

#include <errno.h>
#include <string.h>

#include "format/iotrace.h"

/* Times below this many seconds cannot be epoch times of a running
 * Lustre server: 2.15.0/2.15.1 printed seconds since boot. */
#define JOBSTATS_BOOT_LIMIT_S 1000000000ull

struct parser {
	const char *default_target;
	jobstats_job_fn fn;
	void *arg;
	struct jobstats_stats *st;
	struct jobstats_str target;
	int section_open;     /* a target section is open */
	uint64_t section_jobs; /* job blocks (good or bad) in the section */
	int in_job;           /* a job block is open */
	int job_bad;          /* ... and it is malformed */
	size_t lineno;
	struct jobstats_job job;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static struct jobstats_str trim(const char *p, size_t n)
{
	while (n && is_space(*p)) {
		p++;
		n--;
	}
	while (n && is_space(p[n - 1]))
		n--;
	return (struct jobstats_str){p, n};
}

static inline int str_eq(struct jobstats_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && s.p[0] == lit[0] && memcmp(s.p, lit, n) == 0;
}

static int starts_with(struct jobstats_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

/* Unsigned decimal at *pp (no sign); advances *pp. 0 or -1. */
static int parse_u64(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	size_t n = 0;
	/* 19 digits cannot overflow: no check in the loop */
	while (p < end && n < 19 && (unsigned)(*p - '0') <= 9) {
		v = v * 10 + (unsigned)(*p - '0');
		p++;
		n++;
	}
	if (n == 0)
		return -1;
	if (p < end && (unsigned)(*p - '0') <= 9) {
		/* a 20th digit: fits only below 2^64 */
		unsigned d = (unsigned)(*p - '0');
		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return -1;
		v = v * 10 + d;
		p++;
		if (p < end && (unsigned)(*p - '0') <= 9)
			return -1;
	}
	*pp = p;
	*out = v;
	return 0;
}

/* "1718031723", "1718031723.512338091 secs.nsecs" -> ns. *secs gets the
 * whole seconds (for the boot-time test). 0 or -1. */
static int parse_time(struct jobstats_str v, uint64_t *ns, uint64_t *secs)
{
	const char *p = v.p, *end = v.p + v.n;
	uint64_t s, frac = 0;
	if (parse_u64(&p, end, &s) < 0 || s > UINT64_MAX / 1000000000ull - 1)
		return -1;
	if (p < end && *p == '.') {
		unsigned digits = 0;
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (digits < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
		}
		for (; digits < 9; digits++)
			frac *= 10;
	}
	/* Only a unit word may follow ("secs.nsecs"). */
	if (p < end && !is_space(*p))
		return -1;
	*ns = s * 1000000000ull + frac;
	*secs = s;
	return 0;
}

static void skip_ws(const char **pp, const char *end)
{
	static const uint64_t spaces8 = 0x2020202020202020ull;
	const char *p = *pp;
	uint64_t w;
	/* Lustre pads numbers with long runs of spaces: 8 at a time */
	while (end - p >= 8 && (memcpy(&w, p, 8), w == spaces8))
		p += 8;
	while (p < end && (*p == ' ' || is_space(*p)))
		p++;
	*pp = p;
}

/* Skip a "{ ... }" group (hist), nested braces allowed. 0 or -1. */
static int skip_group(const char **pp, const char *end)
{
	const char *p = *pp;
	int depth = 0;
	for (; p < end; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0) {
			*pp = p + 1;
			return 0;
		}
	}
	return -1;
}

static inline int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
}

/* One "key: value" inside a counter's braces. */
static int parse_counter_field(const char **pp, const char *end,
			       struct jobstats_counter *c, int *have_samples)
{
	const char *p = *pp;
	struct jobstats_str key = {p, 0};
	uint64_t v;
	while (p < end && is_key_char(*p))
		p++;
	key.n = (size_t)(p - key.p);
	if (!key.n || p >= end || *p != ':')
		return -1;
	p++;
	skip_ws(&p, end);
	if (str_eq(key, "hist")) {
		if (p >= end || *p != '{' || skip_group(&p, end) < 0)
			return -1;
	} else if (str_eq(key, "unit")) {
		c->unit.p = p;
		while (p < end && *p != ',' && *p != '}' && !is_space(*p))
			p++;
		c->unit.n = (size_t)(p - c->unit.p);
		if (memchr(c->unit.p, '\0', c->unit.n))
			return -1;
	} else if (p < end && *p >= '0' && *p <= '9') {
		if (parse_u64(&p, end, &v) < 0)
			return -1;
		if (str_eq(key, "samples")) {
			c->samples = v;
			*have_samples = 1;
		} else if (str_eq(key, "min")) {
			c->min = v;
			c->flags |= IOT_JS_HAS_MINMAX;
		} else if (str_eq(key, "max")) {
			c->max = v;
			c->flags |= IOT_JS_HAS_MINMAX;
		} else if (str_eq(key, "sum")) {
			c->sum = v;
			c->flags |= IOT_JS_HAS_SUM;
		} else if (str_eq(key, "sumsq")) {
			c->sumsq = v;
			c->flags |= IOT_JS_HAS_SUMSQ;
		}
		/* other numeric fields: ignored */
	} else {
		return -1;
	}
	*pp = p;
	return 0;
}

/* "{ samples: 1, unit: usecs, min: 2, ..., hist: { 4K: 1 } }" */
static int parse_counter(struct jobstats_str name, struct jobstats_str v,
			 struct jobstats_counter *c)
{
	const char *p = v.p, *end = v.p + v.n;
	int have_samples = 0;
	memset(c, 0, sizeof *c);
	c->name = name;
	if (p >= end || *p != '{')
		return -1;
	p++;
	for (;;) {
		skip_ws(&p, end);
		if (p < end && *p == '}') {
			p++;
			break;
		}
		if (parse_counter_field(&p, end, c, &have_samples) < 0)
			return -1;
		skip_ws(&p, end);
		if (p < end && *p == ',')
			p++;
		else if (p >= end || *p != '}')
			return -1;
	}
	skip_ws(&p, end);
	return p == end && have_samples ? 0 : -1;
}

static void mark_bad(struct parser *ps)
{
	ps->job_bad = 1;
}

static int finish_job(struct parser *ps)
{
	int rc = 0;
	if (!ps->in_job)
		return 0;
	ps->in_job = 0;
	if (ps->job_bad || ps->job.ncounters == 0) {
		ps->st->bad_blocks++;
		if (!ps->st->first_bad_line)
			ps->st->first_bad_line = ps->job.line;
		return 0;
	}
	ps->st->jobs++;
	if (ps->fn)
		rc = ps->fn(&ps->job, ps->arg);
	return rc;
}

static void finish_section(struct parser *ps)
{
	if (ps->section_open && ps->section_jobs == 0)
		ps->st->empty_targets++;
	ps->section_open = 0;
	ps->section_jobs = 0;
}

static void open_section(struct parser *ps, struct jobstats_str target)
{
	finish_section(ps);
	ps->target = target;
	ps->section_open = 1;
	ps->st->targets++;
}

static void open_default_section(struct parser *ps)
{
	open_section(ps, (struct jobstats_str){ps->default_target,
					       strlen(ps->default_target)});
}

static void start_job(struct parser *ps, struct jobstats_str id)
{
	if (!ps->section_open)
		open_default_section(ps);
	ps->section_jobs++;
	memset(&ps->job, 0, offsetof(struct jobstats_job, counters));
	ps->in_job = 1;
	ps->job_bad = 0;
	ps->job.target = ps->target;
	ps->job.job_id = id;
	ps->job.line = ps->lineno;
	/* strings are handed on as C strings: a NUL byte is garbage */
	if (!id.n || memchr(id.p, '\0', id.n))
		mark_bad(ps);
}

/* A "key: value" line inside a job block. */
static void job_line(struct parser *ps, struct jobstats_str line)
{
	const char *colon = memchr(line.p, ':', line.n);
	struct jobstats_str key, val;
	uint64_t ns, secs;
	size_t i;
	if (!colon) {
		mark_bad(ps);
		return;
	}
	key = trim(line.p, (size_t)(colon - line.p));
	val = trim(colon + 1, line.n - (size_t)(colon + 1 - line.p));
	for (i = 0; i < key.n; i++)
		if (!is_key_char(key.p[i]))
			break;
	if (!key.n || i < key.n) {
		mark_bad(ps);
		return;
	}
	if (str_eq(key, "snapshot_time") || str_eq(key, "start_time")) {
		if (parse_time(val, &ns, &secs) < 0) {
			mark_bad(ps);
			return;
		}
		if (secs < JOBSTATS_BOOT_LIMIT_S)
			ps->job.flags |= IOT_JS_SNAPSHOT_BOOT;
		if (key.p[1] == 'n')
			ps->job.snapshot_ns = ns;
		else
			ps->job.start_ns = ns;
	} else if (val.n && val.p[0] == '{') {
		struct jobstats_counter c;
		if (parse_counter(key, val, &c) < 0) {
			mark_bad(ps);
			return;
		}
		if (ps->job.ncounters < JOBSTATS_MAX_COUNTERS)
			ps->job.counters[ps->job.ncounters++] = c;
		else
			ps->st->dropped_counters++;
	}
	/* elapsed_time and other scalar keys carry nothing we store */
}

/* "obdfilter.X.job_stats=" (+ optional "job_stats:") header? Sets
 * *target to "obdfilter.X". */
static int is_header_line(struct jobstats_str line, struct jobstats_str *target)
{
	static const char tag[] = ".job_stats=";
	const char *p;
	struct jobstats_str rest;
	if (line.n < sizeof tag || line.p[0] == '-')
		return 0;
	p = memmem(line.p, line.n, tag, sizeof tag - 1);
	if (!p || p == line.p || memchr(line.p, '\0', (size_t)(p - line.p)))
		return 0;
	rest = trim(p + sizeof tag - 1, line.n - (size_t)(p - line.p) - (sizeof tag - 1));
	if (rest.n && !str_eq(rest, "job_stats:"))
		return 0;
	*target = (struct jobstats_str){line.p, (size_t)(p - line.p)};
	return 1;
}

/* The common line, an indented "name: { ... }" counter inside a good
 * job block, parsed in one pass. 1 if handled, 0 to take the general
 * path. */
static int counter_line_fast(struct parser *ps, struct jobstats_str raw)
{
	const char *p = raw.p, *end = raw.p + raw.n, *key;
	struct jobstats_counter c;
	struct jobstats_str name, val;
	if (!ps->in_job || ps->job_bad || !raw.n || raw.p[0] != ' ')
		return 0;
	while (p < end && *p == ' ')
		p++;
	key = p;
	while (p < end && is_key_char(*p))
		p++;
	if (p == key || p >= end || *p != ':')
		return 0;
	name = (struct jobstats_str){key, (size_t)(p - key)};
	p++;
	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p != '{')
		return 0;
	val = trim(p, (size_t)(end - p));
	if (parse_counter(name, val, &c) < 0)
		mark_bad(ps);
	else if (ps->job.ncounters < JOBSTATS_MAX_COUNTERS)
		ps->job.counters[ps->job.ncounters++] = c;
	else
		ps->st->dropped_counters++;
	return 1;
}

static int handle_line(struct parser *ps, struct jobstats_str raw)
{
	struct jobstats_str line, target;
	int rc;
	if (counter_line_fast(ps, raw))
		return 0;
	line = trim(raw.p, raw.n);
	if (!line.n)
		return 0;
	/* headers start in column 0; most lines are indented counters */
	if (line.p == raw.p && is_header_line(line, &target)) {
		rc = finish_job(ps);
		open_section(ps, target);
		return rc;
	}
	if (str_eq(line, "job_stats:")) {
		rc = finish_job(ps);
		/* a bare file, or a second listing without a header */
		if (!ps->section_open || ps->section_jobs)
			open_default_section(ps);
		return rc;
	}
	if (line.p[0] == '-') {
		struct jobstats_str rest = trim(line.p + 1, line.n - 1);
		rc = finish_job(ps);
		if (starts_with(rest, "job_id:"))
			start_job(ps, trim(rest.p + 7, rest.n - 7));
		else {
			/* an unknown list item: a block we cannot trust */
			start_job(ps, rest);
			mark_bad(ps);
		}
		return rc;
	}
	if (ps->in_job) {
		if (!ps->job_bad)
			job_line(ps, line);
		return 0;
	}
	ps->st->bad_lines++;
	if (!ps->st->first_bad_line)
		ps->st->first_bad_line = ps->lineno;
	return 0;
}

int jobstats_parse(const char *text, size_t len, const char *default_target,
		   jobstats_job_fn fn, void *arg, struct jobstats_stats *st)
{
	struct parser ps;
	const char *p = text, *end = text + len;
	int rc = 0;
	memset(st, 0, sizeof *st);
	memset(&ps, 0, offsetof(struct parser, job));
	ps.default_target = default_target ? default_target : "";
	ps.fn = fn;
	ps.arg = arg;
	ps.st = st;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		ps.lineno++;
		rc = handle_line(&ps, (struct jobstats_str){p, (size_t)(eol - p)});
		p = nl ? nl + 1 : end;
	}
	if (rc == 0)
		rc = finish_job(&ps);
	finish_section(&ps);
	return rc;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int jobstats_decode_id(const char *raw, size_t n, char *out, size_t outlen)
{
	size_t i = 0, o = 0;
	int quoted = n >= 1 && raw[0] == '"';
	if (!outlen)
		return -ENOSPC;
	if (quoted) {
		if (n < 2 || raw[n - 1] != '"')
			return -EINVAL;
		i = 1;
		n--;
	}
	while (i < n) {
		char c = raw[i++];
		if (quoted && c == '\\') {
			if (i >= n)
				return -EINVAL;
			c = raw[i++];
			if (c == 'x') {
				int hi, lo;
				if (i + 2 > n || (hi = hex_val(raw[i])) < 0 ||
				    (lo = hex_val(raw[i + 1])) < 0)
					return -EINVAL;
				c = (char)(hi * 16 + lo);
				i += 2;
			} else if (c != '\\' && c != '"') {
				return -EINVAL;
			}
		}
		if (o + 1 >= outlen)
			return -ENOSPC;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

size_t jobstats_target_from_path(const char *path, char *out, size_t outlen)
{
	static const char leaf[] = "/job_stats";
	size_t n = strlen(path), ln = sizeof leaf - 1, o = 0;
	const char *dir_end, *type_end, *type_start, *p;
	if (!outlen)
		return 0;
	if (n > ln && strcmp(path + n - ln, leaf) == 0) {
		dir_end = path + n - ln; /* end of ".../TYPE/TARGET" */
		type_end = dir_end;
		while (type_end > path && type_end[-1] != '/')
			type_end--;
		if (type_end > path + 1) {
			type_start = type_end - 1;
			while (type_start > path && type_start[-1] != '/')
				type_start--;
			if (type_start < type_end - 1) {
				/* "TYPE/TARGET" -> "TYPE.TARGET" */
				for (p = type_start; p < dir_end && o + 1 < outlen; p++)
					out[o++] = (p == type_end - 1) ? '.' : *p;
				out[o] = '\0';
				return o;
			}
		}
	}
	for (p = path; *p && o + 1 < outlen; p++)
		out[o++] = *p;
	out[o] = '\0';
	return o;
}
