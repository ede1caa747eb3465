/* progress.c - progress bar on stderr (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void progress_start(struct progress *p, const char *label, uint64_t total, int enabled)
{
	memset(p, 0, sizeof *p);
	p->label = label;
	p->total = total;
	p->enabled = enabled < 0 ? isatty(STDERR_FILENO) : enabled;
	p->start_ns = now_ns();
}

static void draw(struct progress *p, uint64_t t)
{
	const int width = 40;
	double frac = p->total ? (double)p->done / (double)p->total : 0;
	if (frac > 1)
		frac = 1;
	int fill = (int)(frac * width);
	char bar[64];
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(width - fill));
	bar[width] = 0;
	double el = (double)(t - p->start_ns) / 1e9;
	double eta = frac > 0.01 ? el / frac - el : 0;
	fprintf(stderr, "\r%s [%s] %3.0f%%  %.0fs left ", p->label, bar, frac * 100, eta);
	fflush(stderr);
	p->drawn = 1;
	p->last_draw_ns = t;
}

void progress_update(struct progress *p, uint64_t done)
{
	p->done = done;
	if (!p->enabled)
		return;
	uint64_t t = now_ns();
	if (t - p->start_ns < 1000000000ull || t - p->last_draw_ns < 100000000ull)
		return;
	draw(p, t);
}

void progress_end(struct progress *p)
{
	if (p->drawn) {
		fprintf(stderr, "\r%*s\r", 80, "");
		fflush(stderr);
	}
	p->drawn = 0;
	p->enabled = 0;
}
