// FUZZ-SOURCES: record/poll/diskstats_parse.c
/* fuzz_diskstats.c - the /proc/diskstats parser on arbitrary bytes: every
 * line handed out has a known field count and a name inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "record/poll/diskstats_parse.h"

struct span {
	const uint8_t *data;
	size_t size;
};

static int on_line(const struct diskstats_line *l, void *arg)
{
	const struct span *s = arg;
	if (l->nfields != 4 && l->nfields != 11 && l->nfields != 15 && l->nfields != 17)
		abort();
	if (!l->name_len || (const uint8_t *)l->name < s->data ||
	    (const uint8_t *)l->name + l->name_len > s->data + s->size)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span s = {data, size};
	struct diskstats_stats st;
	diskstats_parse((const char *)data, size, on_line, &s, &st);
	if (st.lines + st.bad_lines > size)
		abort();
	return 0;
}
