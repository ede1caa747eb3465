/* fmt.c - number, time and UTF-8 width helpers for ioview. */
#include "tui/fmt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

void fmt_bytes(char *buf, size_t n, double v)
{
	static const char unit[] = "KMGTPE";
	if (v <= 0) {
		snprintf(buf, n, "0");
		return;
	}
	if (v < 1024) {
		snprintf(buf, n, "%.0fB", v);
		return;
	}
	int u = -1;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	/* Round first so that 99.96 prints as "100", not "100.0". */
	if (v < 99.95)
		snprintf(buf, n, "%.1f%c", v, unit[u]);
	else
		snprintf(buf, n, "%.0f%c", v, unit[u]);
}

void fmt_rate(char *buf, size_t n, double v)
{
	if (v <= 0)
		snprintf(buf, n, "0");
	else if (v < 99.95)
		snprintf(buf, n, "%.1f", v);
	else if (v < 99999.5)
		snprintf(buf, n, "%.0f", v);
	else if (v < 99.95e6)
		snprintf(buf, n, v < 9.995e6 ? "%.2fM" : "%.1fM", v / 1e6);
	else
		snprintf(buf, n, "%.0fM", v / 1e6);
}

void fmt_lat(char *buf, size_t n, double s)
{
	if (s <= 0)
		snprintf(buf, n, "-");
	else if (s < 1e-6)
		snprintf(buf, n, "%.0fns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, n, "%.0fus", s * 1e6);
	else if (s < 1)
		snprintf(buf, n, "%.2fms", s * 1e3);
	else
		snprintf(buf, n, "%.2fs", s);
}

void fmt_pct(char *buf, size_t n, double p)
{
	if (p <= 0)
		snprintf(buf, n, "0.0");
	else if (p < 99.95)
		snprintf(buf, n, "%.1f", p);
	else
		snprintf(buf, n, "%.0f", p);
}

void fmt_dur(char *buf, size_t n, uint64_t ns)
{
	double s = (double)ns / 1e9;
	if (ns < 1000000ull)
		snprintf(buf, n, "%.0fus", (double)ns / 1e3);
	else if (ns < 1000000000ull)
		snprintf(buf, n, "%.0fms", (double)ns / 1e6);
	else if (s < 60)
		snprintf(buf, n, "%.4gs", s);
	else if (s < 3600)
		snprintf(buf, n, "%um%02us", (unsigned)(s / 60), (unsigned)s % 60);
	else
		snprintf(buf, n, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s / 60) % 60);
}

void fmt_offset(char *buf, size_t n, uint64_t ns)
{
	double s = (double)ns / 1e9;
	if (s < 1000) {
		snprintf(buf, n, "+%.3fs", s);
		return;
	}
	unsigned h = (unsigned)(s / 3600), m = (unsigned)(s / 60) % 60;
	snprintf(buf, n, "+%u:%02u:%04.1f", h, m, s - (double)h * 3600 - (double)m * 60);
}

void fmt_clock(char *buf, size_t n, uint64_t wall_ns)
{
	time_t t = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	if (!localtime_r(&t, &tm)) {
		snprintf(buf, n, "?");
		return;
	}
	snprintf(buf, n, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(wall_ns / 1000000ull % 1000));
}

int fmt_parse_time(const char *s, uint64_t cur_ns, uint64_t *out_ns)
{
	while (isspace((unsigned char)*s))
		s++;
	int sign = 0;
	if (*s == '+' || *s == '-')
		sign = *s++ == '+' ? 1 : -1;
	double parts[3];
	int np = 0;
	const char *p = s;
	for (;;) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno || v < 0 || np == 3)
			return -EINVAL;
		parts[np++] = v;
		p = end;
		if (*p != ':')
			break;
		p++;
	}
	if (*p == 's')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	double sec = 0;
	for (int i = 0; i < np; i++)
		sec = sec * 60 + parts[i];
	uint64_t d = (uint64_t)(sec * 1e9 + 0.5);
	if (sign > 0)
		d = cur_ns + d;
	else if (sign < 0)
		d = d > cur_ns ? 0 : cur_ns - d;
	*out_ns = d;
	return 0;
}

size_t fmt_fit_utf8(const char *s, int maxcols, int *cols)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t i = 0, len = strlen(s);
	int c = 0;
	while (i < len) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, len - i, &st);
		int w;
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			k = 1;
			w = 1;
		} else {
			w = wcwidth(wc);
			if (w < 0)
				w = 1;
		}
		if (c + w > maxcols)
			break;
		c += w;
		i += k;
	}
	*cols = c;
	return i;
}

int fmt_contains(const char *hay, const char *needle)
{
	if (!*needle)
		return 1;
	if (!hay)
		return 0;
	size_t nl = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, nl))
			return 1;
	return 0;
}
