/* input.h - TRACE arguments to open readers.
 *
 * A TRACE argument is an .iotr file, a directory (searched recursively for
 * *.iotr, in name order), or an archive (.tar, .tar.gz, .tar.zst, .zip,
 * anything libarchive reads) whose *.iotr members are read in place into
 * memory, never extracted to disk. A file that is not a trace is tried as
 * an archive before it is refused.
 *
 * Problems are reported per file through a callback and never stop the
 * others: a truncated or corrupt trace still yields its good chunks (the
 * reader's warnings say what was dropped), a file that cannot be opened
 * is skipped with an error.
 */
#ifndef ANALYZE_INPUT_H
#define ANALYZE_INPUT_H

#include <stddef.h>

#include "format/iotrace.h"

struct input_trace {
	char *name;       /* path, or "archive.tar:member.iotr" */
	iot_reader *r;
	void *buf;        /* the trace's bytes: an archive member (malloc) or the
			     file (mmap); the reader works on them */
	size_t len;
	int mapped;       /* buf is a read-only file mapping */
	size_t warned;    /* reader warnings already reported */
};

struct input_set {
	struct input_trace *t;
	size_t n, cap;
	iot_reader **readers; /* parallel to t, for iot_cursor_open */
	size_t nerrors;   /* inputs that could not be used */
	size_t nskipped;  /* non-trace files in directories, skipped */
};

enum input_msg_kind {
	INPUT_ERROR,   /* this input was not used */
	INPUT_WARNING, /* used, with a problem (reader warning) */
	INPUT_NOTE,    /* skipped on purpose (not a .iotr file) */
};

/* Called for every problem; name is the file (or archive:member), err
 * carries the code, byte offset (for trace data) and a message. */
typedef void (*input_msg_fn)(void *ctx, enum input_msg_kind kind, const char *name,
			     const struct iot_error *err);

/* Open every argument; returns the number of traces opened (>= 0) or
 * -ENOMEM. */
int input_open(struct input_set *set, char *const *args, size_t nargs, input_msg_fn msg,
	       void *ctx);
void input_close(struct input_set *set);

/* A second reader over the same bytes (for another thread: a reader's
 * decode buffers are not shared). Close it with iot_reader_close(). */
int input_reopen(const struct input_set *set, size_t t, iot_reader **out);

/* The bytes [from, to) of trace t will not be needed soon: give their
 * pages back (file mappings only; they are read again from the page
 * cache if needed). Keeps memory independent of the trace size. */
void input_release(const struct input_set *set, size_t t, uint64_t from, uint64_t to);

/* Report reader warnings not reported yet (new ones appear while chunks
 * are decoded: call this after a replay). */
void input_flush_warnings(struct input_set *set, input_msg_fn msg, void *ctx);

/* Default message printer for commands: "ioanalyze: NAME: [at byte N: ]MSG". */
void input_print_msg(void *ctx, enum input_msg_kind kind, const char *name,
		     const struct iot_error *err);

#endif
