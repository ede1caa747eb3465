/* preload_spool.h - shard merging and library lookup for the preload source.
 *
 * const struct iorec_source_ops iorec_source_preload (record/source.h)
 * runs COMMAND with libiorec-preload.so injected (LD_PRELOAD) and a
 * private 0700 spool directory in which every traced process writes its
 * own shard; completed shards are merged into the output while the
 * command runs, the rest when it ends, chunk by chunk without
 * re-encoding (record/preload/preload_source.c). The helpers below do
 * not need the recorder core and are shared with the tests.
 */
#ifndef IOREC_PRELOAD_SPOOL_H
#define IOREC_PRELOAD_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "format/iotrace.h"

/* Name of the library and where iorec looks for it, relative to the
 * directory of the iorec binary. IOREC_PRELOAD_LIB overrides. */
#define PRELOAD_SO_NAME "libiorec-preload.so"

/* Totals of merged shards, and how far the merge has read the spool's
 * batch file (zero it once, keep it between calls). */
struct preload_merge_stats {
	uint32_t shards;          /* shards merged (files and batch frames) */
	uint32_t batched;         /* of them, frames of the batch file */
	uint32_t bad_frames;      /* damaged stretches of the batch file skipped */
	uint32_t unclosed;        /* shards without footer (killed process) */
	uint32_t failed;          /* shards that could not be read */
	uint32_t bad_chunks;      /* corrupt chunks skipped */
	uint64_t dropped_bytes;   /* truncated tails skipped */
	char first_error[256];    /* first failure, "path: message", or "" */
	uint64_t batch_read;      /* bytes of the batch file merged */
	uint64_t batch_freed;     /* of them, given back to the file system */
	int resumed;              /* the spool's merge journal was read */
	int journal_bad;          /* ... and could not be understood */
};

/* The merge journal, a file in the spool that iorec keeps (the library
 * never touches it). Before a pass
 * merges anything, it writes the output's size (after a flush), the
 * stretch of the batch file it takes and the shard files it takes, as
 * "running"; shard files are deleted only after the same is written as
 * "done". Each write replaces the file whole (rename), so a SIGKILL
 * leaves one or the other. A salvage then knows exactly what is in the
 * cut output:
 *   running: the chunks before output_bytes; the pass's frames and
 *            shard files are all still in the spool;
 *   done:    everything; frames up to batch_to, and the listed shard
 *            files that still exist are in it too.
 * Text, one item per line:
 *   iorec-merge-journal 1
 *   state running|done
 *   output BYTES
 *   batch FROM TO
 *   shard NAME           (zero or more) */
#define PRELOAD_JOURNAL_NAME "merge.journal"
struct preload_journal {
	int done;
	uint64_t output_bytes;
	uint64_t batch_from, batch_to;
	char (*shards)[256];
	size_t nshards;
};
/* 1 and *j filled (free with preload_journal_free), 0 if the spool has
 * no journal, -EINVAL if it cannot be understood, or -errno. */
int preload_journal_read(const char *spool, struct preload_journal *j);
void preload_journal_free(struct preload_journal *j);
/* Parse a journal's text (n bytes at text); 0 or -EINVAL. */
int preload_journal_parse(const char *text, size_t n, struct preload_journal *j);

/* Rewrites a path for the output (--anonymize); returns out or path. */
typedef const char *(*preload_path_fn)(void *arg, const char *path, char *out, size_t outlen);

/* Merge the shards of spool into w and delete them: only completed
 * shards (".iotr") and complete frames of the batch file when all = 0,
 * every shard and the whole batch file when all = 1; oldest first. The
 * first call on a spool resumes from its merge journal if it has one
 * (a salvage; see above), and every pass keeps the journal. Chunks are
 * copied as they are; with anon set, records are decoded and written
 * again with every path (files, executables, path-like arguments)
 * passed through anon, so that no clear path reaches the output.
 * Counts into *st (not reset). Returns the number merged or a negative
 * code. */
int preload_merge_spool(iot_writer *w, const char *spool, int all,
			struct preload_merge_stats *st, preload_path_fn anon, void *anon_arg);

/* Find libiorec-preload.so for an iorec in exe_dir (see above) and
 * write its absolute path. 0, or -ENOENT with why filled. */
int preload_find_library(const char *exe_dir, char *out, size_t outlen,
			 char *why, size_t whylen);

/* Can LD_PRELOAD reach the program in the ELF file at path? 1 if it is
 * dynamically linked, 0 if static (why says so and what to do), 1 for
 * scripts and other non-ELF files (their interpreter is what runs), or
 * a negative code if it cannot be read. */
int preload_check_interposable(const char *path, char *why, size_t whylen);

/* Resolve a command name like execvp does: file itself if it has a
 * slash, else the first executable PATH entry (written to buf), or
 * NULL. */
const char *preload_which(const char *file, char *buf, size_t len);

/* 1 if the CPU's TSC is invariant (cpuid 0x80000007 EDX bit 8): the
 * library then timestamps with rdtsc. Asked once by iorec and passed to
 * the library in IOREC_PRELOAD_TSC. */
int preload_tsc_invariant(void);

#endif
