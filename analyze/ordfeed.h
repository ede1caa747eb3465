/* ordfeed.h - the chunks of one trace, decoded in parallel, handed over in
 * file order.
 *
 * For work that must see records in the order they were recorded (one
 * output stream, one aggregator) but whose decoding can run ahead: each
 * thread has its own reader, takes the next chunk, decodes it, then waits
 * for its turn and calls the callback. Decoding of chunk i+1 thus overlaps
 * the callback of chunk i, and at most one decoded chunk per thread is
 * held in memory. The callbacks never run concurrently, and they run in
 * chunk order, so they need no locking of their own.
 *
 * Never prints: warnings of the extra readers (corrupt chunks they met)
 * are reported through msg at the end; the first reader's stay with the
 * input set (input_flush_warnings).
 */
#ifndef ANALYZE_ORDFEED_H
#define ANALYZE_ORDFEED_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"

/* A corrupt chunk comes with n = 0 (its reader keeps the warning). */
struct ordfeed_chunk {
	size_t trace;                   /* input index */
	const struct iot_chunk_info *ci;
	/* I/O chunks: the typed events; other streams: records */
	const struct iot_io_event *evs;
	const struct iot_record *recs;
	size_t n;
};

/* Called once per chunk of a stream in mask, in file order; returning a
 * negative code stops the run with that code. */
typedef int (*ordfeed_fn)(void *ctx, const struct ordfeed_chunk *c);

/* Feed the chunks of trace t of in whose stream is in mask to fn, using
 * nthreads decoding threads (the calling thread is one of them; 1 = no
 * extra thread). A thread waiting for its turn calls idle (if not NULL)
 * instead of sleeping, for as long as it returns nonzero ("did some
 * work"); idle runs concurrently with fn and with other idle calls.
 * Returns 0, fn's negative code, or a negative decode or allocation
 * error. */
int ordfeed_run(struct input_set *in, size_t t, uint32_t mask, unsigned nthreads, ordfeed_fn fn,
		int (*idle)(void *ctx), void *ctx, input_msg_fn msg, void *msg_ctx);

#endif
