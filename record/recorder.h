/* recorder.h - iorec's orchestration: pick sources, run COMMAND (or
 * watch the node), drive the sources from one loop, write the trace. */
#ifndef IOREC_RECORDER_H
#define IOREC_RECORDER_H

#include <stddef.h>

#include "record/options.h"

/* Check the -s list against the source table and pick the default set
 * when there is none. sel gets up to max sources, in table order.
 * Returns the count, or -EINVAL with a message in err (a usage error). */
int iorec_select_sources(const struct iorec_options *o, const struct iorec_source_ops **sel,
			 size_t max, char *err, size_t errlen);

/* --check: print which sources can run here and why not. Returns the
 * exit status (0). */
int iorec_check(const struct iorec_options *o);

/* Record. argc/argv are iorec's own (for the metadata). Prints its
 * messages on stderr and returns the exit status for main: COMMAND's
 * status (128+signal if it was killed), or 1 on an error of iorec's. */
int iorec_record(const struct iorec_options *o, int argc, char **argv);

/* "iorec: " + the message on stderr, unless --quiet. */
void iorec_say(const struct iorec_options *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The preload spool the core makes: $TMPDIR/iorec-spool-PID-XXXXXX. */
#define IOREC_SPOOL_PREFIX "iorec-spool-"

#endif
