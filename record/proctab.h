/* proctab.h - the processes a recording has seen, written to the trace's
 * process stream once when first seen and once when they exit. */
#ifndef IOREC_PROCTAB_H
#define IOREC_PROCTAB_H

#include <stdint.h>

#include "format/iotrace.h"
#include "record/anon.h"

struct proctab;

struct proctab_opts {
	const char *job_id;         /* job id of the recording, may be NULL */
	int job_from_environ;       /* --all: read each process's job id from
	                               /proc/PID/environ (SLURM_JOB_ID, ...) */
	const struct anon_key *anon; /* NULL unless --anonymize */
};

struct proctab *proctab_new(const struct proctab_opts *opts);
void proctab_free(struct proctab *t);

/* First sight of pid: read /proc/PID (stat, status, comm, exe, cmdline,
 * cgroup) and write a process record. Later calls are a hash lookup.
 * Returns 0 (also when the process is already gone: nothing written), or
 * a negative code from the writer or -ENOMEM. */
int proctab_note(struct proctab *t, iot_writer *w, uint32_t pid, uint64_t now_ns);

/* Shortly after first sight (2 s), look whether pid exec'd since it was
 * noted (its comm changed) and write a fresh record if so: a process seen
 * between fork and exec would otherwise keep its parent's name. Cheap
 * (one small read) and a no-op for older processes. 0 or a writer error. */
int proctab_refresh(struct proctab *t, iot_writer *w, uint32_t pid, uint64_t now_ns);

/* pid exited at ts_ns (status: wait status, -1 unknown). Writes an exit
 * record once; unknown pids are noted first when /proc still has them. */
int proctab_exit(struct proctab *t, iot_writer *w, uint32_t pid, uint64_t ts_ns, int status);

/* Number of distinct processes noted. */
uint64_t proctab_count(const struct proctab *t);

/* Value of NAME in /proc/PID/environ, copied to out; 0, or -errno.
 * Exposed for the job-id lookup and its test. */
int proctab_environ_get(uint32_t pid, const char *name, char *out, size_t outlen);

#endif
