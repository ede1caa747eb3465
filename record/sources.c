/* sources.c - the sources iorec knows, in preference order: the first
 * event source (kind IOREC_SRC_EVENTS) whose available() says yes is the
 * default one, so ebpf comes before preload. Adding a source is one line
 * here (and its fragment linking its archive). */
#include "record/source.h"

const struct iorec_source_ops *const iorec_sources[] = {
	/* event sources, preferred first: ebpf, then preload */
	&iorec_source_ebpf,
	&iorec_source_preload,
	&iorec_source_diskstats,
	&iorec_source_procio,
	&iorec_source_jobstats,
};
const size_t iorec_nsources = sizeof iorec_sources / sizeof iorec_sources[0];
