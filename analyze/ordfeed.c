/* ordfeed.c - parallel decoding, in-order delivery (see ordfeed.h). */
#include "analyze/ordfeed.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct feed {
	struct input_set *in;
	size_t t;
	size_t *chunks;  /* chunk indexes to deliver, in file order */
	size_t n;
	ordfeed_fn fn;
	int (*idle)(void *ctx);
	void *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;     /* next task to take */
	size_t turn;     /* task whose callback runs next */
	int rc;          /* first error; stops every thread */
};

struct worker {
	struct feed *f;
	iot_reader *r;   /* the input's reader (worker 0) or its own */
	size_t warn0;    /* warnings of the own reader when opened */
	pthread_t th;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	struct feed *f = w->f;
	pthread_mutex_lock(&f->mu);
	while (!f->rc && f->next < f->n) {
		size_t task = f->next++;
		pthread_mutex_unlock(&f->mu);

		size_t idx = f->chunks[task];
		struct ordfeed_chunk c = { .trace = f->t, .ci = iot_reader_chunk(w->r, idx) };
		int rc = c.ci->stream == IOT_STREAM_IO
				 ? iot_reader_decode_io(w->r, idx, &c.evs, &c.n)
				 : iot_reader_decode_chunk(w->r, idx, &c.recs, &c.n);
		if (rc == IOT_E_CORRUPT) { /* skipped; the reader keeps a warning */
			c = (struct ordfeed_chunk){ .trace = f->t, .ci = c.ci };
			rc = 0;
		}

		pthread_mutex_lock(&f->mu);
		while (f->turn != task && !f->rc) {
			if (f->idle) { /* rather than sleep, help */
				pthread_mutex_unlock(&f->mu);
				int did = f->idle(f->ctx);
				pthread_mutex_lock(&f->mu);
				if (did || f->turn == task || f->rc)
					continue;
			}
			pthread_cond_wait(&f->cv, &f->mu);
		}
		if (f->rc)
			break;
		pthread_mutex_unlock(&f->mu);
		if (rc == 0)
			rc = f->fn(f->ctx, &c);
		pthread_mutex_lock(&f->mu);
		if (rc < 0 && !f->rc)
			f->rc = rc;
		f->turn++;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int ordfeed_run(struct input_set *in, size_t t, uint32_t mask, unsigned nthreads, ordfeed_fn fn,
		int (*idle)(void *ctx), void *ctx, input_msg_fn msg, void *msg_ctx)
{
	iot_reader *r = in->t[t].r;
	size_t nc = iot_reader_chunk_count(r);
	struct feed f = { .in = in, .t = t, .fn = fn, .idle = idle, .ctx = ctx };
	f.chunks = malloc((nc ? nc : 1) * sizeof *f.chunks);
	if (!f.chunks)
		return -ENOMEM;
	for (size_t i = 0; i < nc; i++) {
		unsigned s = iot_reader_chunk(r, i)->stream;
		if (s < 32 && (mask & IOT_STREAM_MASK(s)))
			f.chunks[f.n++] = i;
	}
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > f.n)
		nthreads = f.n ? (unsigned)f.n : 1;
	struct worker *w = calloc(nthreads, sizeof *w);
	if (!w) {
		free(f.chunks);
		return -ENOMEM;
	}
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.cv, NULL);
	w[0] = (struct worker){ .f = &f, .r = r };
	/* the extra readers are opened before any thread runs: opening
	 * touches the shared mapping (input_reopen) */
	unsigned nw = 1;
	for (; nw < nthreads; nw++) {
		w[nw].f = &f;
		if (input_reopen(in, t, &w[nw].r) < 0)
			break;
		w[nw].warn0 = iot_reader_warning_count(w[nw].r);
	}
	unsigned started = 1;
	while (started < nw && pthread_create(&w[started].th, NULL, run, &w[started]) == 0)
		started++;
	run(&w[0]);
	for (unsigned k = 1; k < nw; k++) {
		if (k < started)
			pthread_join(w[k].th, NULL);
		for (size_t i = w[k].warn0; msg && i < iot_reader_warning_count(w[k].r); i++)
			msg(msg_ctx, INPUT_WARNING, in->t[t].name, iot_reader_warning(w[k].r, i));
		iot_reader_close(w[k].r);
	}
	pthread_mutex_destroy(&f.mu);
	pthread_cond_destroy(&f.cv);
	int rc = f.rc;
	free(w);
	free(f.chunks);
	return rc;
}
