/* progress.h - a progress bar on stderr for long work.
 *
 * Shown only when stderr is a terminal and the work has run for more
 * than about a second; redrawn at most ten times a second; erased when
 * done. Quiet (no output at all) otherwise, so scripts and pipes see
 * nothing.
 */
#ifndef ANALYZE_PROGRESS_H
#define ANALYZE_PROGRESS_H

#include <stdint.h>

struct progress {
	const char *label;
	uint64_t total, done;
	uint64_t start_ns, last_draw_ns;
	int enabled, drawn;
};

/* enabled: -1 = when stderr is a terminal, 0 = never, 1 = always. */
void progress_start(struct progress *p, const char *label, uint64_t total, int enabled);
/* Cheap: only looks at the clock every so often. */
void progress_update(struct progress *p, uint64_t done);
void progress_end(struct progress *p);

#endif
