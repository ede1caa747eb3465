/* diskstats_parse.h - parser for /proc/diskstats text (no I/O).
 *
 * A line is "MAJOR MINOR NAME" followed by 4 (2.6.0-2.6.24 partitions),
 * 11 (<= 4.17), 15 (4.18+, discards) or 17 (5.5+, flushes) counters.
 * Counters are kept raw, in the order the kernel prints them (as
 * struct iot_disk_sample documents): for 11, 15 and 17 counters that is
 * reads, reads merged, sectors read, ms reading, writes, writes merged,
 * sectors written, ms writing, in flight, io_ticks, weighted ms, discards,
 * discards merged, sectors discarded, ms discarding, flushes, ms flushing;
 * the 4-counter partition line holds reads, sectors read, writes, sectors
 * written in c[0..3]. nfields tells which layout a line has. Lines with
 * more than 17 counters (a future kernel) keep the first 17 and are
 * flagged.
 */
#ifndef IOREC_DISKSTATS_PARSE_H
#define IOREC_DISKSTATS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "format/iotrace.h"

struct diskstats_line {
	uint32_t major, minor;
	const char *name; /* points into the text, not NUL-terminated */
	size_t name_len;
	uint32_t nfields; /* 4, 11, 15 or 17 */
	int extra;        /* 1 if the line had more than 17 counters */
	uint64_t c[IOT_DISK_COUNTERS];
};

/* Parse one line (without its newline). Returns 0, or -EINVAL when the
 * line is not a diskstats line or has an unexpected number of fields. */
int diskstats_parse_line(const char *line, size_t len, struct diskstats_line *out);

struct diskstats_stats {
	uint64_t lines;       /* device lines parsed */
	uint64_t bad_lines;   /* lines rejected */
	uint64_t extra_lines; /* lines with more than 17 counters (kept) */
	size_t first_bad_line; /* 1-based, 0 if none */
	uint32_t first_bad_nfields; /* field count of that line */
};

/* Called per parsed line; a nonzero return stops the parse. */
typedef int (*diskstats_line_fn)(const struct diskstats_line *l, void *arg);

/* Parse a whole file's text; st is zeroed first. Returns 0 or the
 * callback's nonzero value. Never allocates; safe on arbitrary bytes. */
int diskstats_parse(const char *text, size_t len, diskstats_line_fn fn, void *arg,
		    struct diskstats_stats *st);

/* Number of whitespace-separated fields on a line (for messages). */
uint32_t diskstats_count_fields(const char *line, size_t len);

#endif
