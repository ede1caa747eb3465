/* out.c - report writing helpers (see out.h). */
#include "out.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int out_format_parse(const char *s)
{
	if (strcmp(s, "text") == 0)
		return OUT_TEXT;
	if (strcmp(s, "json") == 0)
		return OUT_JSON;
	if (strcmp(s, "csv") == 0)
		return OUT_CSV;
	return -1;
}

void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->first[0] = 1;
}

/* Length of a valid UTF-8 sequence at p (1-4), or 0. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
	      : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 2 && p[0] < 0xc2)
		return 0; /* overlong */
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* JSON string. Paths are bytes, not always UTF-8: a byte that is not part
 * of a valid sequence is written as the code point of the same value
 * (\u00HH), so the document stays valid. */
static void escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = utf8_len(p);
		if (n > 1) {
			fwrite(p, 1, (size_t)n, f);
			p += n;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
		p++;
	}
	fputc('"', f);
}

/* Comma, newline, indentation and key before a value. */
static void pre(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->first[w->depth])
			fputc(',', w->f);
		fputc('\n', w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	w->first[w->depth] = 0;
	if (key) {
		escape(w->f, key);
		fputs(": ", w->f);
	}
}

static void open_(struct jw *w, const char *key, char c)
{
	pre(w, key);
	fputc(c, w->f);
	if (w->depth < 63)
		w->depth++;
	w->first[w->depth] = 1;
}

static void close_(struct jw *w, char c)
{
	int empty = w->first[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (!empty) {
		fputc('\n', w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	fputc(c, w->f);
}

void jw_obj(struct jw *w, const char *key) { open_(w, key, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr(struct jw *w, const char *key) { open_(w, key, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

void jw_str(struct jw *w, const char *key, const char *val)
{
	pre(w, key);
	if (val)
		escape(w->f, val);
	else
		fputs("null", w->f);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	pre(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	pre(w, key);
	fprintf(w->f, "%" PRId64, v);
}

void jw_num(struct jw *w, const char *key, double v)
{
	pre(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.9g", v);
	else
		fputs("null", w->f);
}

void jw_fix(struct jw *w, const char *key, double v, int decimals)
{
	pre(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.*f", decimals, v);
	else
		fputs("null", w->f);
}

void jw_time(struct jw *w, const char *key, uint64_t wall_ns)
{
	pre(w, key);
	fprintf(w->f, "%" PRIu64 ".%09" PRIu64, wall_ns / 1000000000u, wall_ns % 1000000000u);
}

void jw_bool(struct jw *w, const char *key, int v)
{
	pre(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	pre(w, key);
	fputs("null", w->f);
}

void jw_end(struct jw *w)
{
	fputc('\n', w->f);
}

void csv_str(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

const char *fmt_bytes(char *buf, size_t n, double b)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	int i = 0;
	while (b >= 1024 && i < 5) {
		b /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, n, "%.0f %s", b, u[i]);
	else
		snprintf(buf, n, "%.*f %s", b < 10 ? 2 : b < 100 ? 1 : 0, b, u[i]);
	return buf;
}

const char *fmt_dur(char *buf, size_t n, double ns)
{
	if (ns < 1e3)
		snprintf(buf, n, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, n, "%.*f us", ns < 1e4 ? 2 : 1, ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, n, "%.*f ms", ns < 1e7 ? 2 : 1, ns / 1e6);
	else if (ns < 600e9)
		snprintf(buf, n, "%.2f s", ns / 1e9);
	else
		snprintf(buf, n, "%.1f min", ns / 60e9);
	return buf;
}

const char *fmt_count(char *buf, size_t n, double v)
{
	if (v < 1e4)
		snprintf(buf, n, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, n, "%.2fM", v / 1e6);
	else
		snprintf(buf, n, "%.2fG", v / 1e9);
	return buf;
}

const char *fmt_wall(char *buf, size_t n, uint64_t wall_ns)
{
	time_t s = (time_t)(wall_ns / 1000000000u);
	struct tm tm;
	gmtime_r(&s, &tm);
	char tmp[32];
	strftime(tmp, sizeof tmp, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03u UTC", tmp, (unsigned)(wall_ns % 1000000000u / 1000000u));
	return buf;
}

int parse_wall(const char *s, uint64_t *ns)
{
	char *end;
	double v = strtod(s, &end);
	if (end != s && *end == 0 && v >= 0) {
		*ns = (uint64_t)(v * 1e9 + 0.5);
		return 0;
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return -EINVAL;
	double frac = 0;
	if (*rest == '.') {
		frac = strtod(rest, &end);
		rest = end;
	}
	while (*rest == ' ')
		rest++;
	if (*rest && strcmp(rest, "UTC") != 0 && strcmp(rest, "Z") != 0)
		return -EINVAL;
	time_t t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*ns = (uint64_t)t * 1000000000u + (uint64_t)(frac * 1e9 + 0.5);
	return 0;
}
