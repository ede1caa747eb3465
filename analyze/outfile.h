/* outfile.h - report files created safely: a temporary file (O_EXCL,
 * mode 0600) beside the final name, renamed to it only when complete and
 * never over an existing file. */
#ifndef ANALYZE_OUTFILE_H
#define ANALYZE_OUTFILE_H

#include <stdio.h>

struct outfile {
	char *path;    /* final name */
	char *tmp;     /* temporary name, NULL once committed or discarded */
	FILE *f;       /* open stream on tmp (NULL with outfile_reserve) */
};

/* Create a temporary file for path and open a stream on it (big buffer).
 * Fails with -EEXIST if path exists already, so nothing is overwritten. */
int outfile_open(struct outfile *o, const char *path);
/* Only create the temporary file (mode 0600) for a library that writes it
 * by name (HDF5); o->f stays NULL. */
int outfile_reserve(struct outfile *o, const char *path);
/* Flush, fsync and rename the temporary file to its final name (without
 * replacing a file that appeared meanwhile). */
int outfile_commit(struct outfile *o);
/* Remove the temporary file (error paths). Safe after commit. */
void outfile_discard(struct outfile *o);

#endif /* ANALYZE_OUTFILE_H */
