/* source.h - the interface every iorec source implements.
 *
 * iorec runs one single-threaded main loop that owns the trace writer.
 * Sources never block it: they do their work in short calls from that
 * loop (or in their own threads, handing records to the loop). Sources
 * are peers: ebpf and preload produce I/O events (IOREC_SRC_EVENTS; never
 * both on one process), the pollers produce counter samples.
 *
 * Life of a recording:
 *   available()  can the source run here? (for --check and defaults)
 *   init()       load / open; a failure disables the source, is reported
 *                once on stderr and written to the metadata, and the
 *                recording goes on without it
 *   prepare_child()  add environment variables for COMMAND (preload)
 *   start()      COMMAND's pid is known (forked, not yet exec'd), or 0 with --all
 *   poll()       called when due: drain, sample; sets *next_ns
 *   stop()       COMMAND exited or recording stopped: drain, merge, write
 *   destroy()    free everything; called on every exit path
 */
#ifndef IOREC_SOURCE_H
#define IOREC_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/iotrace.h"

/* Options parsed from the command line (record/options.c). */
struct iorec_config {
	int all;                 /* --all: the whole node */
	double duration_s;       /* --duration, 0 = until signal / command exit */
	unsigned interval_ms;    /* -i, pollers' interval, default 1000 */
	int verbose, quiet;
	int anonymize;           /* --anonymize: keyed hashes instead of paths */
	const char *job_id;      /* --job-id or from the environment, may be NULL */
	/* filters (repeatable options) */
	uint32_t *pids; size_t npids;
	uint32_t *tids; size_t ntids;
	char **comms; size_t ncomms;
	char **syscalls; size_t nsyscalls;
	char **paths; size_t npaths;
	/* source settings */
	size_t ringbuf_bytes;    /* --ringbuf-size, 0 = source default */
	const char *diskstats_file;      /* default /proc/diskstats */
	char **jobstats_globs; size_t njobstats_globs;
	const char *jobstats_cmd;
	const char *spool_dir;   /* preload shards; default chosen by the core */
	const char *exe_dir;     /* directory of the iorec binary (finds libiorec-preload.so) */
	char *const *command;    /* COMMAND and its arguments (NULL with --all) */
};

/* Environment for COMMAND, built by the core, extended by sources. */
struct iorec_env;
int iorec_env_set(struct iorec_env *env, const char *name, const char *value);
/* Current value in the environment being built, or NULL. */
const char *iorec_env_get(const struct iorec_env *env, const char *name);

/* What sources see of the recording. */
struct iorec_ctx {
	const struct iorec_config *cfg;
	iot_writer *w;           /* the output trace; only the main loop writes */
	pid_t target_pid;        /* COMMAND, 0 with --all */
	uint64_t start_mono_ns;
};

/* Write a process record for pid (comm, exe, cmdline, cgroup, job id,
 * ppid, uid read from /proc) the first time the core sees it; later calls
 * are cheap no-ops. Sources call this on first sight of a pid. */
int iorec_note_process(struct iorec_ctx *ctx, uint32_t pid);
/* Record that pid exited (exit time, wait status if known, -1 if not). */
int iorec_note_exit(struct iorec_ctx *ctx, uint32_t pid, uint64_t ts_ns, int status);

enum iorec_source_kind {
	IOREC_SRC_EVENTS = 1, /* ebpf, preload */
	IOREC_SRC_POLL = 2,   /* diskstats, procio, jobstats */
};

struct iorec_source_ops {
	const char *name;
	enum iorec_source_kind kind;
	/* 1 if the source can run here, 0 if not (why filled), for --check
	 * and default selection. Must be cheap and side-effect free. */
	int (*available)(const struct iorec_config *cfg, char *why, size_t whylen);
	int (*init)(void **state, struct iorec_ctx *ctx, char *why, size_t whylen);
	int (*prepare_child)(void *state, struct iorec_ctx *ctx, struct iorec_env *env);
	int (*start)(void *state, struct iorec_ctx *ctx);
	int (*poll)(void *state, struct iorec_ctx *ctx, uint64_t now_ns, uint64_t *next_ns);
	int (*stop)(void *state, struct iorec_ctx *ctx);
	void (*destroy)(void *state);
};

/* The sources, defined in their own folders. */
extern const struct iorec_source_ops iorec_source_ebpf;
extern const struct iorec_source_ops iorec_source_preload;
extern const struct iorec_source_ops iorec_source_diskstats;
extern const struct iorec_source_ops iorec_source_procio;
extern const struct iorec_source_ops iorec_source_jobstats;

/* ---- Added by the core (record/): helpers every source may use. ---- */

/* Note on COMMAND's descriptors: COMMAND inherits exactly the descriptors
 * iorec itself inherited; every descriptor opened inside iorec (by the
 * core or a source, prepare_child included) is closed at exec. Pass what
 * COMMAND needs through the environment (iorec_env_set). */

/* The table of sources iorec knows (record/sources.c), in preference
 * order; a plain array so that adding a source is one line. */
extern const struct iorec_source_ops *const iorec_sources[];
extern const size_t iorec_nsources;

/* Print "iorec: SOURCE: message" on stderr unless -q. Sources call it
 * once per distinct problem (they keep their own "already said" flags);
 * counts of repeated problems go into the trace instead. */
void iorec_report(struct iorec_ctx *ctx, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* With --anonymize: replace every component of path by a keyed hash
 * (same input, same output within one recording; the key is never
 * written). Without --anonymize: copy path. Returns out. */
const char *iorec_anon_path(struct iorec_ctx *ctx, const char *path, char *out, size_t outlen);

/* For a process noted less than 2 s ago: if it exec'd since (its comm
 * changed), write a fresh process record. Pollers that may see a child
 * between fork and exec call it at every sighting; one small read. */
int iorec_recheck_process(struct iorec_ctx *ctx, uint32_t pid);

/* iot_loss.source values used by the polling sources (after the
 * enum iot_source_kind values of the event sources). */
enum iorec_poll_loss_source {
	IOREC_LOSS_SRC_DISKSTATS = 16,
	IOREC_LOSS_SRC_PROCIO = 17,
	IOREC_LOSS_SRC_JOBSTATS = 18,
};

#endif
