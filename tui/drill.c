/* drill.c - decode the window's events of one row, a few chunks at a time. */
#include "tui/drill.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int drill_init(struct drill *d, struct model *m, size_t cap)
{
	memset(d, 0, sizeof(*d));
	d->m = m;
	d->evs = calloc(cap ? cap : 1, sizeof(*d->evs));
	d->cap = cap;
	d->done = 1;
	return d->evs ? 0 : -ENOMEM;
}

void drill_free(struct drill *d)
{
	agg_free(d->agg);
	free(d->evs);
	memset(d, 0, sizeof(*d));
}

/* Trace-clock bounds of the window on the drilled node. */
static void window_ts(const struct drill *d, uint64_t *from, uint64_t *to)
{
	int64_t off = d->m->nodes[d->node].wall_off;
	int64_t f = (int64_t)d->from - off, t = (int64_t)d->to - off;
	*from = f > 0 ? (uint64_t)f : 0;
	*to = t > 0 ? (uint64_t)t : 0;
}

static int chunk_wanted(const struct drill *d, const struct iot_chunk_info *ci, uint64_t from,
			uint64_t to)
{
	if (ci->stream != IOT_STREAM_IO || ci->last_ts < from || ci->first_ts >= to)
		return 0;
	if (d->kind == DRILL_FILE || !ci->nagg)
		return 1;
	for (uint32_t i = 0; i < ci->nagg; i++)
		if (ci->agg[i].pid == d->pid)
			return 1;
	return 0;
}

int drill_start(struct drill *d, uint32_t node, enum drill_kind kind, uint32_t pid, uint32_t tid,
		uint32_t life, uint64_t file_id, uint64_t from, uint64_t to)
{
	agg_free(d->agg);
	d->agg = agg_new(NULL);
	if (!d->agg || node >= d->m->nnodes)
		return -ENOMEM;
	iot_reader *r = d->m->nodes[node].r;
	if (agg_add_trace(d->agg, r) < 0)
		return -ENOMEM;
	d->node = node;
	d->kind = kind;
	d->pid = pid;
	d->tid = tid;
	d->life = kind == DRILL_FILE ? 0 : life;
	d->file_id = file_id;
	d->from = from;
	d->to = to;
	d->nev = 0;
	d->nmatch = 0;
	d->err = 0;
	d->done = 0;
	d->done_chunks = 0;
	d->nchunks = iot_reader_chunk_count(r);
	uint64_t f, t;
	window_ts(d, &f, &t);
	d->todo = 0;
	for (size_t c = 0; c < d->nchunks; c++)
		d->todo += chunk_wanted(d, iot_reader_chunk(r, c), f, t);
	d->next = 0;
	return 0;
}

static int event_matches(const struct drill *d, const struct iot_io_event *ev, uint64_t from,
			 uint64_t to)
{
	if (ev->ts_ns < from || ev->ts_ns >= to)
		return 0;
	switch (d->kind) {
	case DRILL_PID:
		if (ev->pid != d->pid)
			return 0;
		break;
	case DRILL_TID:
		if (ev->pid != d->pid || ev->tid != d->tid)
			return 0;
		break;
	default:
		return ev->file_id == d->file_id;
	}
	/* a reused pid: only the drilled process's events */
	return !d->life || iot_reader_proc_life(d->m->nodes[d->node].r, ev->pid, ev->ts_ns) == d->life;
}

static int cmp_event(const void *x, const void *y)
{
	const struct tv_event *a = x, *b = y;
	return (a->wall > b->wall) - (a->wall < b->wall);
}

/* Decode chunk c and take its matching events. */
static int drill_chunk(struct drill *d, size_t c, uint64_t from, uint64_t to)
{
	struct tv_node *nd = &d->m->nodes[d->node];
	const struct iot_io_event *evs;
	size_t n;
	int rc = 0;
	pthread_mutex_lock(&nd->lock);
	if (iot_reader_decode_io(nd->r, c, &evs, &n) == 0) {
		for (size_t i = 0; i < n && rc >= 0; i++) {
			if (!event_matches(d, &evs[i], from, to))
				continue;
			rc = agg_add_event(d->agg, 0, &evs[i]);
			d->nmatch++;
			if (d->nev < d->cap) {
				d->evs[d->nev].ev = evs[i];
				d->evs[d->nev].wall = model_wall(d->m, d->node, evs[i].ts_ns);
				d->nev++;
			}
		}
	}
	pthread_mutex_unlock(&nd->lock);
	model_chunk_done(d->m, d->node, c);
	return rc < 0 ? rc : 0;
}

int drill_step(struct drill *d, double budget_s)
{
	if (d->done)
		return d->err ? d->err : 1;
	iot_reader *r = d->m->nodes[d->node].r;
	uint64_t from, to;
	window_ts(d, &from, &to);
	double end = now_s() + budget_s;
	while (d->next < d->nchunks) {
		size_t c = d->next++;
		if (!chunk_wanted(d, iot_reader_chunk(r, c), from, to))
			continue;
		int rc = drill_chunk(d, c, from, to);
		d->done_chunks++;
		if (rc < 0) {
			d->err = rc;
			d->done = 1;
			return rc;
		}
		if (now_s() >= end)
			return 0;
	}
	/* Keep the first events in time: with overlapping chunks (merged
	 * shards) the list may hold later ones first; sorting fixes the
	 * order, the cap is documented as "first N decoded". */
	qsort(d->evs, d->nev, sizeof(*d->evs), cmp_event);
	d->done = 1;
	return 1;
}

unsigned drill_progress(const struct drill *d)
{
	if (d->done || !d->todo)
		return 1000;
	return (unsigned)(d->done_chunks * 1000 / d->todo);
}
