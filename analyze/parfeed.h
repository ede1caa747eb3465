/* parfeed.h - feed every I/O event of an input set into an aggregator,
 * using several threads.
 *
 * The I/O chunks of all traces, in file order, are cut into one
 * contiguous run per thread; each thread decodes its run with its own
 * readers into its own aggregator; the aggregators are then merged in run
 * order with agg_merge(), which keeps everything exact, access patterns
 * included. Pages of a trace file are given back as they are consumed, so
 * memory does not grow with the trace. Never prints.
 */
#ifndef ANALYZE_PARFEED_H
#define ANALYZE_PARFEED_H

#include "agg.h"
#include "input.h"

/* Number of worker threads to use for n I/O events: the online CPUs (at
 * most 8) for large inputs, 1 for small ones; the environment variable
 * IOANALYZE_WORKERS overrides it. */
unsigned parfeed_workers(uint64_t nevents);

/* a must have had agg_add_trace() called for every trace of in, in order
 * (trace index == input index); opts are the ones a was made with.
 * progress: -1 auto, 0 never, 1 always. Reader warnings raised by the
 * extra readers are reported through msg. Returns 0 or a negative code. */
int parfeed_run(struct input_set *in, struct agg *a, const struct agg_opts *opts,
		unsigned nworkers, int progress, input_msg_fn msg, void *msg_ctx);

#endif
