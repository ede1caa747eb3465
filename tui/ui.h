/* ui.h - ioview's curses front end: panels over the model, a key ->
 * action table whose actions say what must be redrawn. */
#ifndef TUI_UI_H
#define TUI_UI_H

#include <stddef.h>

#include "tui/model.h"

struct ui_opts {
	int no_color;            /* monochrome even on a colour terminal */
	double window_s;         /* initial window length in seconds, 0 = auto */
	int accumulated;         /* start in accumulated mode */
	const char *view;        /* initial view name, NULL = processes */
	const char *const *warnings; /* lines shown in the header (truncated trace, ...) */
	size_t nwarnings;
};

/* Run the viewer until the user quits. The terminal is restored before
 * returning. Returns 0, or a negative code if curses could not start. */
int ui_run(struct model *m, const struct ui_opts *o);

#endif
