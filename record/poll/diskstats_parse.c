/* diskstats_parse.c - /proc/diskstats lines to struct diskstats_line. */
#include "record/poll/diskstats_parse.h"

#include <errno.h>
#include <string.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Next whitespace-separated token in [*pp, end); 0 if none. */
static size_t next_token(const char **pp, const char *end, const char **tok)
{
	const char *p = *pp;
	while (p < end && is_space(*p))
		p++;
	*tok = p;
	while (p < end && !is_space(*p))
		p++;
	*pp = p;
	return (size_t)(p - *tok);
}

static int token_u64(const char *t, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;
		if (t[i] < '0' || t[i] > '9')
			return -1;
		d = (unsigned)(t[i] - '0');
		/* overflow check without a division per digit */
		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

uint32_t diskstats_count_fields(const char *line, size_t len)
{
	const char *p = line, *end = line + len, *t;
	uint32_t n = 0;
	while (next_token(&p, end, &t))
		n++;
	return n;
}

int diskstats_parse_line(const char *line, size_t len, struct diskstats_line *out)
{
	const char *p = line, *end = line + len, *t;
	uint64_t v[IOT_DISK_COUNTERS], num;
	uint32_t n = 0;
	size_t tn;
	int extra = 0;

	memset(out, 0, sizeof *out);
	tn = next_token(&p, end, &t);
	if (token_u64(t, tn, &num) < 0 || num > UINT32_MAX)
		return -EINVAL;
	out->major = (uint32_t)num;
	tn = next_token(&p, end, &t);
	if (token_u64(t, tn, &num) < 0 || num > UINT32_MAX)
		return -EINVAL;
	out->minor = (uint32_t)num;
	out->name_len = next_token(&p, end, &out->name);
	if (!out->name_len || memchr(out->name, '\0', out->name_len))
		return -EINVAL;
	while ((tn = next_token(&p, end, &t)) != 0) {
		if (token_u64(t, tn, &num) < 0)
			return -EINVAL;
		if (n < IOT_DISK_COUNTERS)
			v[n++] = num;
		else
			extra = 1;
	}
	switch (n) {
	case 4: /* 2.6.0-2.6.24 partition: reads, sectors read, writes, sectors written */
	case 11:
	case 15:
	case IOT_DISK_COUNTERS:
		memcpy(out->c, v, n * sizeof v[0]);
		break;
	default:
		return -EINVAL;
	}
	out->nfields = n;
	out->extra = extra;
	return 0;
}

int diskstats_parse(const char *text, size_t len, diskstats_line_fn fn, void *arg,
		    struct diskstats_stats *st)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;
	int rc = 0;
	memset(st, 0, sizeof *st);
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *t;
		const char *q = p;
		struct diskstats_line l;
		lineno++;
		if (next_token(&q, eol, &t) == 0) {
			/* blank line */
		} else if (diskstats_parse_line(p, (size_t)(eol - p), &l) < 0) {
			st->bad_lines++;
			if (!st->first_bad_line) {
				st->first_bad_line = lineno;
				st->first_bad_nfields = diskstats_count_fields(p, (size_t)(eol - p));
			}
		} else {
			st->lines++;
			if (l.extra)
				st->extra_lines++;
			if (fn)
				rc = fn(&l, arg);
		}
		p = nl ? nl + 1 : end;
	}
	return rc;
}
