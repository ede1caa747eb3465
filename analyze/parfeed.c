/* parfeed.c - parallel feeding of I/O events into aggregators (see
 * parfeed.h). */
#include "parfeed.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

struct work {
	size_t trace, chunk;
	uint64_t nrec;
};

struct worker {
	struct feed *f;
	size_t from, to;   /* range of f->w */
	struct agg *agg;
	iot_reader **readers; /* per trace, NULL until needed */
	size_t *warn0;        /* warnings of each extra reader when opened */
	int rc;
	pthread_t th;
};

struct feed {
	struct input_set *in;
	struct work *w;
	size_t nw;
	_Atomic uint64_t done;
	struct progress pg;
};

unsigned parfeed_workers(uint64_t nevents)
{
	const char *env = getenv("IOANALYZE_WORKERS");
	if (env && *env) {
		long v = strtol(env, NULL, 10);
		return v < 1 ? 1 : v > 64 ? 64 : (unsigned)v;
	}
	if (nevents < 2000000)
		return 1;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

static iot_reader *reader_for(struct worker *wk, size_t t, int first)
{
	if (first)
		return wk->f->in->t[t].r;
	if (!wk->readers[t]) {
		if (input_reopen(wk->f->in, t, &wk->readers[t]) < 0)
			return NULL;
		wk->warn0[t] = iot_reader_warning_count(wk->readers[t]);
	}
	return wk->readers[t];
}

static void *run_worker(void *arg)
{
	struct worker *wk = arg;
	struct feed *f = wk->f;
	int first = wk->readers == NULL; /* worker 0 uses the input readers */
	uint64_t released_from = 0;
	size_t released_trace = SIZE_MAX;
	for (size_t i = wk->from; i < wk->to && !wk->rc; i++) {
		const struct work *w = &f->w[i];
		iot_reader *r = reader_for(wk, w->trace, first);
		if (!r) {
			wk->rc = -ENOMEM;
			break;
		}
		const struct iot_io_event *evs;
		size_t n;
		int rc = iot_reader_decode_io(r, w->chunk, &evs, &n);
		if (rc == IOT_E_CORRUPT)
			continue; /* the reader keeps a warning */
		if (rc < 0) {
			wk->rc = rc;
			break;
		}
		for (size_t k = 0; k < n; k++) {
			rc = agg_add_event(wk->agg, (int)w->trace, &evs[k]);
			if (rc < 0) {
				wk->rc = rc;
				break;
			}
		}
		/* give back the pages before this chunk */
		const struct iot_chunk_info *ci = iot_reader_chunk(r, w->chunk);
		if (released_trace != w->trace) {
			released_trace = w->trace;
			released_from = ci->offset;
		}
		input_release(f->in, w->trace, released_from, ci->offset);
		uint64_t d = atomic_fetch_add(&f->done, w->nrec) + w->nrec;
		if (first)
			progress_update(&f->pg, d);
	}
	return NULL;
}

static int build_work(struct feed *f)
{
	size_t cap = 0;
	for (size_t t = 0; t < f->in->n; t++)
		cap += iot_reader_chunk_count(f->in->t[t].r);
	f->w = malloc((cap + 1) * sizeof *f->w);
	if (!f->w)
		return -ENOMEM;
	for (size_t t = 0; t < f->in->n; t++) {
		const iot_reader *r = f->in->t[t].r;
		for (size_t i = 0; i < iot_reader_chunk_count(r); i++) {
			const struct iot_chunk_info *ci = iot_reader_chunk(r, i);
			if (ci->stream == IOT_STREAM_IO)
				f->w[f->nw++] = (struct work){ t, i, ci->nrecords };
		}
	}
	return 0;
}

int parfeed_run(struct input_set *in, struct agg *a, const struct agg_opts *opts,
		unsigned nworkers, int progress, input_msg_fn msg, void *msg_ctx)
{
	struct feed f;
	memset(&f, 0, sizeof f);
	f.in = in;
	int rc = build_work(&f);
	if (rc)
		return rc;
	uint64_t total = 0;
	for (size_t i = 0; i < f.nw; i++)
		total += f.w[i].nrec;
	if (nworkers < 1)
		nworkers = 1;
	if (nworkers > f.nw)
		nworkers = f.nw ? (unsigned)f.nw : 1;
	struct worker *wk = calloc(nworkers, sizeof *wk);
	if (!wk) {
		free(f.w);
		return -ENOMEM;
	}
	/* contiguous runs of about equal event counts */
	size_t pos = 0;
	uint64_t acc = 0;
	for (unsigned k = 0; k < nworkers; k++) {
		wk[k].f = &f;
		wk[k].from = pos;
		uint64_t goal = total * (k + 1) / nworkers;
		while (pos < f.nw && (acc < goal || k == nworkers - 1)) {
			acc += f.w[pos].nrec;
			pos++;
		}
		wk[k].to = pos;
	}
	progress_start(&f.pg, "reading", total, progress);
	wk[0].agg = a;
	for (unsigned k = 1; k < nworkers && !rc; k++) {
		wk[k].agg = agg_new(opts);
		wk[k].readers = calloc(in->n, sizeof *wk[k].readers);
		wk[k].warn0 = calloc(in->n, sizeof *wk[k].warn0);
		if (!wk[k].agg || !wk[k].readers || !wk[k].warn0) {
			rc = -ENOMEM;
			break;
		}
		for (size_t t = 0; t < in->n && !rc; t++)
			if (agg_add_trace(wk[k].agg, in->t[t].r) < 0)
				rc = -ENOMEM;
	}
	/* extra readers are opened here, before any thread runs: opening
	 * touches the shared mapping (input_reopen) */
	for (unsigned k = 1; k < nworkers && !rc; k++)
		for (size_t i = wk[k].from; i < wk[k].to && !rc; i++)
			if (!reader_for(&wk[k], f.w[i].trace, 0))
				rc = -ENOMEM;
	unsigned started = 1;
	for (unsigned k = 1; k < nworkers && !rc; k++, started++)
		if (pthread_create(&wk[k].th, NULL, run_worker, &wk[k]) != 0)
			break;
	/* this thread is worker 0; workers that could not start are run here */
	run_worker(&wk[0]);
	for (unsigned k = 1; k < started; k++)
		pthread_join(wk[k].th, NULL);
	for (unsigned k = started; k < nworkers && !rc; k++)
		run_worker(&wk[k]);
	progress_end(&f.pg);
	for (unsigned k = 0; k < nworkers; k++) {
		if (!rc && wk[k].rc)
			rc = wk[k].rc;
		if (k && !rc && wk[k].agg)
			rc = agg_merge(a, wk[k].agg);
		if (k)
			agg_free(wk[k].agg);
		for (size_t t = 0; wk[k].readers && t < in->n; t++) {
			iot_reader *r = wk[k].readers[t];
			if (!r)
				continue;
			for (size_t i = wk[k].warn0[t]; msg && i < iot_reader_warning_count(r); i++)
				msg(msg_ctx, INPUT_WARNING, in->t[t].name, iot_reader_warning(r, i));
			iot_reader_close(r);
		}
		free(wk[k].readers);
		free(wk[k].warn0);
	}
	free(wk);
	free(f.w);
	return rc;
}
