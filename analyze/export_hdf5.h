/* export_hdf5.h - `ioanalyze export --hdf5`: traces into one HDF5 file.
 *
 * The layout is documented in analyze/HDF5.md. Records stream through
 * fixed-size buffers into chunked, compressed, extendible datasets, so a
 * trace of any size exports in bounded memory. Strings are variable-length
 * UTF-8 pointing into the readers' tables (no copies).
 */
#ifndef ANALYZE_EXPORT_HDF5_H
#define ANALYZE_EXPORT_HDF5_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/input.h"

/* Version of the layout, written as the root attribute layout_version. */
#define EXPORT_HDF5_LAYOUT 1

struct export_hdf5_opts {
	int progress;          /* -1 auto, 0 never, 1 always */
	int deflate_level;     /* 0-9; 0 = no compression (still chunked) */
	size_t chunk_records;  /* records per chunk of the event dataset; 0 = 16384 (1 MiB, the size HDF5 caches by default) */
	input_msg_fn msg;      /* warnings of the extra decoding readers; NULL: dropped */
	void *msg_ctx;
};

struct export_hdf5_stats {
	uint64_t events, processes, files, disk, procio, jobstats, loss;
};

/* Write every trace of in to the HDF5 file at path (which must exist and
 * is truncated: the caller creates it safely). Returns 0 or a negative
 * code; on failure errbuf holds a one-line reason. Never prints. */
int export_hdf5_write(const char *path, struct input_set *in,
		      const struct export_hdf5_opts *o, struct export_hdf5_stats *st,
		      char *errbuf, size_t errlen);

int cmd_export(int argc, char **argv);

#endif /* ANALYZE_EXPORT_HDF5_H */
