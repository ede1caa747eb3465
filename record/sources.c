/* sources.c - the sources iorec knows, in preference order: the first
 * event source that can run is the default one. Adding a source is one
 * line here (and its fragment linking its archive). */
#include "record/source.h"

const struct iorec_source_ops *const iorec_sources[] = {
	&iorec_source_preload,
	&iorec_source_diskstats,
	&iorec_source_procio,
	&iorec_source_jobstats,
};
const size_t iorec_nsources = sizeof iorec_sources / sizeof iorec_sources[0];
