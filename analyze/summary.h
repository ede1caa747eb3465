/* summary.h - `ioanalyze summary` and its extension hook.
 *
 * An extension adds its own section to the summary (e.g. the classes of a
 * classification model with --model): it sees every I/O event that the
 * summary counts (after filters) and writes its part of each report. To
 * add one, write a factory and list it in summary_ext.c. */
#ifndef ANALYZE_SUMMARY_H
#define ANALYZE_SUMMARY_H

#include <stdio.h>

#include "agg.h"
#include "cli.h"
#include "out.h"

struct summary_ext {
	void *ctx;
	/* every event the summary counts; wall_ns is its start on the wall
	 * clock. Return < 0 to stop with an error. */
	int (*on_event)(void *ctx, size_t trace, const iot_reader *r,
			const struct iot_io_event *ev, uint64_t wall_ns);
	/* members of the top-level JSON object (e.g. "classes": [...]) */
	void (*write_json)(void *ctx, struct jw *w);
	/* a section of the text report */
	void (*write_text)(void *ctx, FILE *f);
	void (*destroy)(void *ctx);
};

/* Set up an extension from the command line. Returns 0 with *ext filled
 * (or left zeroed when the options do not ask for it), or an exit status
 * (1 error, 2 usage) after printing why. */
typedef int (*summary_ext_factory)(const struct cli *c, struct input_set *in,
				   struct summary_ext *ext);

/* NULL-terminated list, in summary_ext.c. */
extern const summary_ext_factory summary_ext_factories[];

#endif
