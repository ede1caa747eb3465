/* replay.h - the event replay loop shared by every command.
 *
 * Two ways through the records of an input set:
 *  - by chunk (fast): trace after trace, chunk after chunk in file order;
 *    I/O chunks are handed over as decoded arrays (on_io), other streams
 *    record by record (on_record). For aggregations, whose result does
 *    not depend on the interleaving of traces.
 *  - by time (ordered): every record of every trace merged on wall-clock
 *    time through iot_cursor (on_record only). For dump and anything that
 *    needs the global order.
 * A progress bar (stderr, terminals only) follows the chunks.
 */
#ifndef ANALYZE_REPLAY_H
#define ANALYZE_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"

struct replay {
	uint32_t stream_mask;   /* IOT_STREAM_MASK(...) of the streams wanted */
	int ordered;            /* merge on time through a cursor */
	int progress;           /* -1 auto (tty), 0 never, 1 always */
	/* A batch of I/O events of trace t (by-chunk mode; if NULL, I/O
	 * events go to on_record). Return < 0 to stop with that code. */
	int (*on_io)(void *ctx, size_t t, const struct iot_io_event *evs, size_t n);
	/* One record of trace t. Return < 0 to stop with that code. */
	int (*on_record)(void *ctx, size_t t, const struct iot_record *rec);
	void *ctx;
};

/* Run the replay. Returns 0, a callback's negative code, or a library
 * error. Corrupt chunks are skipped (the reader records a warning; see
 * input_flush_warnings()). */
int replay_run(struct input_set *in, const struct replay *rp);

/* Total records in the chosen streams per the chunk index (for sizing
 * and progress). */
uint64_t replay_count(const struct input_set *in, uint32_t stream_mask);

#endif
