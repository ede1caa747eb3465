/* preload_source.c - iorec's side of the preload source: find the
 * library, make the spool, inject into COMMAND, merge the shards. */
#include "record/preload/preload_spool.h"
#include "record/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/preload/preload_rt.h"

#define MERGE_EVERY_NS 1000000000ull

struct preload_state {
	char so[PATH_MAX];
	char spool[PATH_MAX];
	int spool_created;
	pid_t target;
	char statics[8][PATH_MAX];  /* messages already given */
	unsigned nstatic;
	char urings[8][17];         /* io_uring users already named */
	unsigned nuring, nuring_pids;
	struct preload_merge_stats st;
};

/* Say once per program that it cannot be traced; the trace gets the
 * message too (with --anonymize, a hashed path instead). */
static void report_static(struct preload_state *s, struct iorec_ctx *ctx, const char *path,
			  const char *why)
{
	char key[64], anon[PATH_MAX], msg[PATH_MAX + 64];

	for (unsigned i = 0; i < s->nstatic; i++)
		if (strcmp(s->statics[i], why) == 0)
			return;
	if (s->nstatic < sizeof(s->statics) / sizeof(s->statics[0]))
		snprintf(s->statics[s->nstatic], sizeof(s->statics[0]), "%s", why);
	snprintf(key, sizeof(key), "source.preload.static.%u", s->nstatic++);
	iorec_report(ctx, "preload", "%s", why);
	if (ctx->cfg->anonymize)
		snprintf(msg, sizeof(msg), "%.*s is statically linked: not traced", PATH_MAX - 1,
			 iorec_anon_path(ctx, path, anon, sizeof(anon)));
	iot_writer_set_meta(ctx->w, key, ctx->cfg->anonymize ? msg : why);
}

/* A process that set up an io_uring: said once per command name (the
 * trace lists every pid). */
static void report_uring(struct preload_state *s, struct iorec_ctx *ctx, const char *pid,
			 const char *comm)
{
	char key[64];
	int seen = 0;

	for (unsigned i = 0; i < s->nuring && !seen; i++)
		seen = strncmp(s->urings[i], comm, 16) == 0;
	if (!seen) {
		if (s->nuring < sizeof(s->urings) / sizeof(s->urings[0]))
			snprintf(s->urings[s->nuring++], sizeof(s->urings[0]), "%.16s", comm);
		iorec_report(ctx, "preload",
			     "%s (pid %s) submits I/O through io_uring, which LD_PRELOAD cannot see: "
			     "those reads and writes are not in the trace (use -s ebpf as root)",
			     comm, pid);
	}
	snprintf(key, sizeof(key), "source.preload.io_uring.%u", s->nuring_pids++);
	iot_writer_set_metaf(ctx->w, key, "%s %s", pid, comm);
}

/* Markers left by the library: static binaries it was asked to exec
 * ("static-PID-N.txt": the program), processes with an io_uring
 * ("uring-PID.txt": the command name). */
static void report_markers(struct preload_state *s, struct iorec_ctx *ctx)
{
	DIR *d = opendir(s->spool);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX], text[PATH_MAX], why[PATH_MAX + 256];
		int is_static = !strncmp(de->d_name, PRELOAD_STATIC_PREFIX, strlen(PRELOAD_STATIC_PREFIX));
		int is_uring = !strncmp(de->d_name, PRELOAD_URING_PREFIX, strlen(PRELOAD_URING_PREFIX));
		if (!is_static && !is_uring)
			continue;
		snprintf(path, sizeof(path), "%.*s/%.200s", PATH_MAX - 256, s->spool, de->d_name);
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
		if (fd >= 0)
			close(fd);
		unlink(path);
		if (n < 0)
			continue;
		text[n] = 0;
		if (is_uring) {
			char pid[16];
			const char *digits = de->d_name + strlen(PRELOAD_URING_PREFIX);
			snprintf(pid, sizeof(pid), "%.*s", (int)strcspn(digits, "."), digits);
			report_uring(s, ctx, pid, n > 0 ? text : "?");
		} else if (n > 0 && preload_check_interposable(text, why, sizeof(why)) == 0) {
			report_static(s, ctx, text, why);
		}
	}
	closedir(d);
}

/* ------------------------------------------------------------------ */
/* The source                                                          */
/* ------------------------------------------------------------------ */

/* COMMAND itself is started by iorec, not by a traced process. */
static void check_command(struct preload_state *s, struct iorec_ctx *ctx)
{
	char buf[PATH_MAX], why[PATH_MAX + 256];
	const char *path;

	if (!ctx->cfg->command || !ctx->cfg->command[0])
		return;
	path = preload_which(ctx->cfg->command[0], buf, sizeof(buf));
	if (path && preload_check_interposable(path, why, sizeof(why)) == 0)
		report_static(s, ctx, path, why);
}

static int pl_available(const struct iorec_config *cfg, char *why, size_t whylen)
{
	char so[PATH_MAX];

	if (preload_find_library(cfg->exe_dir, so, sizeof(so), why, whylen) < 0)
		return 0;
	snprintf(why, whylen, "%.*s (dynamically linked programs)", (int)(whylen > 40 ? whylen - 40 : 0), so);
	return 1;
}

static int make_spool(struct preload_state *s, const struct iorec_config *cfg, char *why,
		      size_t whylen)
{
	struct stat st;

	if (cfg->spool_dir && *cfg->spool_dir) {
		snprintf(s->spool, sizeof(s->spool), "%s", cfg->spool_dir);
		if (mkdir(s->spool, 0700) == 0) {
			s->spool_created = 1;
			return 0;
		}
		/* the core's own (given to the sudo user COMMAND runs as) or ours */
		if (errno != EEXIST || lstat(s->spool, &st) != 0 || !S_ISDIR(st.st_mode) ||
		    (st.st_uid != getuid() && getuid() != 0) || (st.st_mode & 077)) {
			snprintf(why, whylen, "spool directory %s: %s", s->spool,
				 errno == EEXIST ? "exists but is not a private (0700) directory of ours"
						 : strerror(errno));
			return -EPERM;
		}
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(s->spool, sizeof(s->spool), "%s/iorec-spool.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->spool)) {
		int e = errno;
		snprintf(why, whylen, "cannot create spool directory %s: %s", s->spool, strerror(e));
		return -e;
	}
	s->spool_created = 1;
	return 0;
}

static int pl_init(void **state, struct iorec_ctx *ctx, char *why, size_t whylen)
{
	struct preload_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	*state = s;
	if (ctx->cfg->all) {
		snprintf(why, whylen, "preload follows a COMMAND and its children; "
				      "recording the whole node (--all) needs the ebpf source");
		return -ENOTSUP;
	}
	if ((rc = preload_find_library(ctx->cfg->exe_dir, s->so, sizeof(s->so), why, whylen)) < 0)
		return rc;
	if ((rc = make_spool(s, ctx->cfg, why, whylen)) < 0)
		return rc;
	check_command(s, ctx);
	return 0;
}

/* A filter list for the library: "a,b,c". */
static int set_list(struct iorec_env *env, const char *name, char **words, size_t n)
{
	size_t len = 1;
	char *v;
	int rc;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	if (!(v = malloc(len)))
		return -ENOMEM;
	v[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(v, ",");
		strcat(v, words[i]);
	}
	rc = iorec_env_set(env, name, v);
	free(v);
	return rc;
}

static int set_ids(struct iorec_env *env, const char *name, const uint32_t *ids, size_t n)
{
	char *words[64], buf[64][12];

	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%u", ids[i]);
		words[i] = buf[i];
	}
	return set_list(env, name, words, n);
}

static int pl_prepare_child(void *state, struct iorec_ctx *ctx, struct iorec_env *env)
{
	struct preload_state *s = state;
	const char *old = iorec_env_get(env, "LD_PRELOAD");
	char *val;
	int rc;

	if (old && *old) {
		size_t n = strlen(s->so) + strlen(old) + 2;
		if (!(val = malloc(n)))
			return -ENOMEM;
		snprintf(val, n, "%s %s", s->so, old);
	} else if (!(val = strdup(s->so))) {
		return -ENOMEM;
	}
	rc = iorec_env_set(env, "LD_PRELOAD", val);
	free(val);
	if (!rc)
		rc = iorec_env_set(env, PRELOAD_ENV_SPOOL, s->spool);
	if (!rc && ctx->cfg->job_id)
		rc = iorec_env_set(env, PRELOAD_ENV_JOB, ctx->cfg->job_id);
	if (!rc)
		rc = iorec_env_set(env, PRELOAD_ENV_TSC, preload_tsc_invariant() ? "1" : "0");
	const struct iorec_config *c = ctx->cfg;
	if (!rc)
		rc = set_list(env, PRELOAD_ENV_OPS, c->syscalls, c->nsyscalls);
	if (!rc)
		rc = set_list(env, PRELOAD_ENV_COMMS, c->comms, c->ncomms);
	if (!rc)
		rc = set_list(env, PRELOAD_ENV_PATHS, c->paths, c->npaths);
	if (!rc)
		rc = set_ids(env, PRELOAD_ENV_PIDS, c->pids, c->npids);
	if (!rc)
		rc = set_ids(env, PRELOAD_ENV_TIDS, c->tids, c->ntids);
	return rc;
}

static int pl_start(void *state, struct iorec_ctx *ctx)
{
	struct preload_state *s = state;

	s->target = ctx->target_pid;
	return 0;
}

static const char *anon_path(void *arg, const char *path, char *out, size_t outlen)
{
	return iorec_anon_path(arg, path, out, outlen);
}

static int merge(struct preload_state *s, struct iorec_ctx *ctx, int all)
{
	return preload_merge_spool(ctx->w, s->spool, all, &s->st,
				   ctx->cfg->anonymize ? anon_path : NULL, ctx);
}

static int pl_poll(void *state, struct iorec_ctx *ctx, uint64_t now_ns, uint64_t *next_ns)
{
	struct preload_state *s = state;
	int rc;

	report_markers(s, ctx);
	rc = merge(s, ctx, 0);
	*next_ns = now_ns + MERGE_EVERY_NS;
	return rc < 0 ? rc : 0;
}

static int pl_stop(void *state, struct iorec_ctx *ctx)
{
	struct preload_state *s = state;
	int rc;

	report_markers(s, ctx);
	rc = merge(s, ctx, 1);
	iot_writer_set_metaf(ctx->w, "source.preload.shards", "%u", s->st.shards);
	iot_writer_set_metaf(ctx->w, "source.preload.shards_batched", "%u", s->st.batched);
	iot_writer_set_metaf(ctx->w, "source.preload.shards_unclosed", "%u", s->st.unclosed);
	if (s->st.failed)
		iot_writer_set_metaf(ctx->w, "source.preload.shards_failed", "%u: %s", s->st.failed,
				     s->st.first_error);
	if (s->st.bad_chunks || s->st.dropped_bytes)
		iot_writer_set_metaf(ctx->w, "source.preload.shard_damage",
				     "%u corrupt chunks, %llu bytes of cut tails, %u damaged batch frames",
				     s->st.bad_chunks, (unsigned long long)s->st.dropped_bytes,
				     s->st.bad_frames);
	return rc < 0 ? rc : 0;
}

static void pl_destroy(void *state)
{
	struct preload_state *s = state;

	if (!s)
		return;
	if (s->spool_created && s->spool[0]) {
		/* our own temporary directory: shards not merged (iorec failed
		 * before stop) would only be litter */
		DIR *d = opendir(s->spool);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		if (d)
			closedir(d);
		rmdir(s->spool);
	}
	free(s);
}

const struct iorec_source_ops iorec_source_preload = {
	.name = "preload",
	.kind = IOREC_SRC_EVENTS,
	.available = pl_available,
	.init = pl_init,
	.prepare_child = pl_prepare_child,
	.start = pl_start,
	.poll = pl_poll,
	.stop = pl_stop,
	.destroy = pl_destroy,
};
