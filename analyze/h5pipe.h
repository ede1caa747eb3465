/* h5pipe.h - fill an HDF5 dataset chunk by chunk while other threads
 * compress the previous chunks.
 *
 * The dataset is created with the shuffle and deflate filters, so every
 * HDF5 reader decodes it as usual; this module applies the same two
 * filters itself (byte shuffle, then a zlib stream composed plane by plane,
 * see h5pipe.c) on its own worker thread, or on threads that call
 * h5pipe_help() when they have nothing else to do, and on the filling
 * thread when the others fall behind; the result goes to H5Dwrite_chunk()
 * on the filling thread (the HDF5 library is not thread-safe). Memory:
 * four chunk-sized buffer sets, whatever the number of records.
 */
#ifndef ANALYZE_H5PIPE_H
#define ANALYZE_H5PIPE_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

struct h5pipe;

/* dset: a 1-D extendible dataset of records of recsize bytes, chunked by
 * chunk_records, with filters shuffle then deflate (see
 * h5pipe_dcpl()). level: zlib level 1-9. worker: start a compression
 * thread (else chunks are compressed by h5pipe_help() callers and by the
 * filling thread). */
int h5pipe_open(struct h5pipe **out, hid_t dset, size_t recsize, size_t chunk_records,
		int level, int worker);
/* A dataset creation property list matching what h5pipe writes. */
hid_t h5pipe_dcpl(size_t chunk_records, int level);
/* Room for the next *got records (fill every byte), 1 <= *got <= want
 * (want >= 1): the rest of the current chunk at most. NULL (and *got = 0)
 * after an error. */
void *h5pipe_slots(struct h5pipe *p, size_t want, size_t *got);
/* Compress one waiting chunk on the calling thread, which may be any
 * thread, concurrently with the filling one (no HDF5 call is made).
 * Returns 1 if it did, 0 if no chunk was waiting. */
int h5pipe_help(struct h5pipe *p);
/* Write what is left, stop the worker, free; returns the first error (0,
 * -EIO for HDF5, -ENOMEM). Accepts NULL. */
int h5pipe_close(struct h5pipe *p);
/* Records accepted so far. */
uint64_t h5pipe_records(const struct h5pipe *p);

#endif /* ANALYZE_H5PIPE_H */
