/* classify_cmd.h - running a model over traces, and the commands built on
 * it: `ioanalyze classify` and `ioanalyze iofs`. */
#ifndef ANALYZE_CLASSIFY_CMD_H
#define ANALYZE_CLASSIFY_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "analyze/classify.h"
#include "analyze/input.h"

struct classify_opts {
	const struct model *model;
	enum classify_by by;
	FILE *influx;         /* line-protocol output, or NULL */
	uint64_t interval_ns; /* --influx interval */
	int progress;         /* -1 auto, 0 never, 1 always */
};

/* Classify every I/O event of the input set. Without influx the chunks
 * are read in file order (totals do not depend on order); with it, events
 * are merged on wall-clock time so intervals stream out. Returns 0 or a
 * negative code. */
int classify_run(struct classify_result **out, struct input_set *in,
		 const struct classify_opts *o);

/* Parse an interval: seconds as a number with an optional unit suffix
 * ns, us, ms, s, m, h ("10", "0.5", "250ms", "1m"). Returns 0 or -EINVAL. */
int classify_parse_interval(const char *s, uint64_t *ns);

/* Host and job of a trace, from its metadata ("" if absent). */
const char *classify_trace_host(const iot_reader *r);
const char *classify_trace_job(const iot_reader *r);

struct cli;
struct summary_ext;
/* summary's extension for --model: adds "classes" (see summary.h). */
int classify_summary_ext(const struct cli *c, struct input_set *in, struct summary_ext *ext);

int cmd_classify(int argc, char **argv);
int cmd_iofs(int argc, char **argv);

#endif /* ANALYZE_CLASSIFY_CMD_H */
