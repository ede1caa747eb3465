/* jobstats.c - the jobstats source: Lustre job_stats text from files
 * (--jobstats-glob, default the OSS and MDS proc files) or from a command
 * (--jobstats-cmd), parsed at record time into jobstat samples. The
 * command runs as a child whose output is read without blocking the
 * loop. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/poll/jobstats_parse.h"
#include "record/poll/readbuf.h"
#include "record/source.h"

static const char *const default_globs[] = {
	"/proc/fs/lustre/obdfilter/*/job_stats",
	"/proc/fs/lustre/mdt/*/job_stats",
};

#define JS_MAX_BYTES (256u << 20)
#define JS_CMD_STEP_NS 20000000ull     /* recheck a running command */
#define JS_CMD_MIN_TIMEOUT_NS 10000000000ull
#define JS_STOP_WAIT_MS 3000
#define JS_NAME_CACHE 128

struct name_cache {
	char s[64];
	size_t n;
	uint64_t id;
};

struct jobstats_state {
	const char *const *globs;
	size_t nglobs;
	const char *cmd;
	uint64_t interval_ns;
	struct readbuf buf;
	/* --jobstats-cmd child */
	pid_t child;
	int fd;
	int eof;
	uint64_t started_ns;
	/* emitting one poll's samples */
	struct iorec_ctx *ctx;
	uint64_t now;
	int write_rc;
	char last_target[256];
	uint64_t last_target_id;
	struct name_cache names[JS_NAME_CACHE];
	size_t nnames;
	size_t hint[JOBSTATS_MAX_COUNTERS];
	/* totals */
	uint64_t polls, jobs, samples, bad_blocks, read_errors, cmd_failures;
	int said_read, said_parse, said_none, said_cmd;
};

/* ---- interning with small caches (names repeat in every job) ------ */

static uint64_t intern_slice(struct jobstats_state *s, const char *p, size_t n)
{
	char buf[4096];
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return iot_writer_intern(s->ctx->w, buf);
}

static uint64_t cached_id(struct jobstats_state *s, struct jobstats_str str, size_t *hint)
{
	struct name_cache *c;
	uint64_t id;
	if (*hint < s->nnames && s->names[*hint].n == str.n &&
	    memcmp(s->names[*hint].s, str.p, str.n) == 0)
		return s->names[*hint].id;
	for (size_t i = 0; i < s->nnames; i++) {
		if (s->names[i].n == str.n && memcmp(s->names[i].s, str.p, str.n) == 0) {
			*hint = i;
			return s->names[i].id;
		}
	}
	id = intern_slice(s, str.p, str.n);
	if (id && str.n < sizeof s->names[0].s && s->nnames < JS_NAME_CACHE) {
		c = &s->names[s->nnames];
		memcpy(c->s, str.p, str.n);
		c->n = str.n;
		c->id = id;
		*hint = s->nnames++;
	}
	return id;
}

static uint64_t target_id(struct jobstats_state *s, struct jobstats_str t)
{
	if (s->last_target_id && t.n < sizeof s->last_target &&
	    strlen(s->last_target) == t.n && memcmp(s->last_target, t.p, t.n) == 0)
		return s->last_target_id;
	s->last_target_id = intern_slice(s, t.p, t.n);
	if (t.n < sizeof s->last_target) {
		memcpy(s->last_target, t.p, t.n);
		s->last_target[t.n] = '\0';
	} else {
		s->last_target[0] = '\0';
	}
	return s->last_target_id;
}

static int emit_job(const struct jobstats_job *job, void *arg)
{
	struct jobstats_state *s = arg;
	struct iot_jobstat_sample js;
	memset(&js, 0, sizeof js);
	js.ts_ns = s->now;
	js.snapshot_ns = job->snapshot_ns;
	js.start_ns = job->start_ns;
	js.target_id = target_id(s, job->target);
	js.job_id = intern_slice(s, job->job_id.p, job->job_id.n);
	if (!js.target_id || !js.job_id)
		goto fail;
	for (size_t i = 0; i < job->ncounters; i++) {
		const struct jobstats_counter *c = &job->counters[i];
		size_t unit_hint = s->nnames;
		js.counter_id = cached_id(s, c->name, &s->hint[i]);
		js.unit_id = c->unit.n ? cached_id(s, c->unit, &unit_hint) : 0;
		if (!js.counter_id || (c->unit.n && !js.unit_id))
			goto fail;
		js.samples = c->samples;
		js.min = c->min;
		js.max = c->max;
		js.sum = c->sum;
		js.sumsq = c->sumsq;
		js.flags = c->flags | job->flags;
		if ((s->write_rc = iot_writer_add_jobstat(s->ctx->w, &js)) < 0)
			return 1;
		s->samples++;
	}
	s->jobs++;
	return 0;
fail:
	s->write_rc = -EIO;
	return 1;
}

static void js_loss(struct iorec_ctx *ctx, uint64_t ts, uint64_t count, uint32_t reason)
{
	struct iot_loss l = {.ts_ns = ts, .source = IOREC_LOSS_SRC_JOBSTATS, .cpu = ~0u,
			     .count = count, .reason = reason};
	iot_writer_add_loss(ctx->w, &l);
}

/* Parse one text (a file or the command's output) and write its samples. */
static int parse_and_emit(struct jobstats_state *s, struct iorec_ctx *ctx, uint64_t ts,
			  const char *text, size_t len, const char *where, const char *def_target)
{
	struct jobstats_stats st;
	s->ctx = ctx;
	s->now = ts;
	s->write_rc = 0;
	jobstats_parse(text, len, def_target, emit_job, s, &st);
	if (s->write_rc < 0)
		return s->write_rc;
	if (st.bad_blocks || st.bad_lines) {
		s->bad_blocks += st.bad_blocks + st.bad_lines;
		if (!s->said_parse++)
			iorec_report(ctx, "jobstats",
				     "%s line %zu: malformed job_stats text (%llu block(s) skipped, counted; "
				     "the rest of the poll is kept)",
				     where, st.first_bad_line,
				     (unsigned long long)(st.bad_blocks + st.bad_lines));
		js_loss(ctx, ts, st.bad_blocks + st.bad_lines, IOT_LOSS_PARSE_ERROR);
	}
	return 0;
}

/* ---- files ---------------------------------------------------------- */

static size_t count_matches(const char *const *globs, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		glob_t g;
		if (glob(globs[i], 0, NULL, &g) == 0)
			total += g.gl_pathc;
		globfree(&g);
	}
	return total;
}

static int poll_files(struct jobstats_state *s, struct iorec_ctx *ctx, uint64_t now)
{
	size_t found = 0;
	int rc = 0;
	for (size_t i = 0; i < s->nglobs && rc == 0; i++) {
		glob_t g;
		if (glob(s->globs[i], 0, NULL, &g) != 0) {
			globfree(&g);
			continue;
		}
		for (size_t k = 0; k < g.gl_pathc && rc == 0; k++) {
			const char *path = g.gl_pathv[k];
			char target[256];
			int err = readbuf_file(&s->buf, path, JS_MAX_BYTES);
			found++;
			if (err < 0) {
				s->read_errors++;
				if (!s->said_read++)
					iorec_report(ctx, "jobstats", "cannot read %s: %s (counted, retrying)",
						     path, strerror(-err));
				js_loss(ctx, now, 1, IOT_LOSS_POLL_ERROR);
				continue;
			}
			jobstats_target_from_path(path, target, sizeof target);
			rc = parse_and_emit(s, ctx, now, s->buf.data, s->buf.len, path, target);
		}
		globfree(&g);
	}
	if (!found && !s->said_none++)
		iorec_report(ctx, "jobstats", "no job_stats file matches %s%s (will look again)",
			     s->globs[0], s->nglobs > 1 ? " ..." : "");
	return rc;
}

/* ---- command ---------------------------------------------------------- */

static int spawn_cmd(struct jobstats_state *s, uint64_t now)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int p[2], rc;
	char *argv[] = {"sh", "-c", (char *)s->cmd, NULL};
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGCHLD);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	/* own process group: the terminal's ^C is iorec's to handle */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(&s->child, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		s->child = 0;
		return -rc;
	}
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	s->fd = p[0];
	s->eof = 0;
	s->started_ns = now;
	s->buf.len = 0;
	return 0;
}

/* Read what the command wrote so far; sets s->eof at its end. */
static int drain_cmd(struct jobstats_state *s)
{
	char tmp[65536];
	for (;;) {
		ssize_t n = read(s->fd, tmp, sizeof tmp);
		if (n > 0) {
			if (s->buf.len + (size_t)n > JS_MAX_BYTES)
				continue; /* keep reading, drop the excess */
			if (readbuf_append(&s->buf, tmp, (size_t)n) < 0)
				return -ENOMEM;
			continue;
		}
		if (n == 0)
			s->eof = 1;
		else if (errno == EINTR)
			continue;
		else if (errno != EAGAIN)
			s->eof = 1;
		return 0;
	}
}

static void cmd_failed(struct jobstats_state *s, struct iorec_ctx *ctx, const char *what)
{
	s->cmd_failures++;
	if (!s->said_cmd++)
		iorec_report(ctx, "jobstats", "--jobstats-cmd '%s' %s (counted, retrying each interval)",
			     s->cmd, what);
	js_loss(ctx, s->started_ns, 1, IOT_LOSS_POLL_ERROR);
}

/* Finish a command whose output ended: reap it, parse what it wrote. */
static int finish_cmd(struct jobstats_state *s, struct iorec_ctx *ctx, int block)
{
	int st = 0, rc;
	pid_t p = waitpid(s->child, &st, block ? 0 : WNOHANG);
	char what[64];
	if (p == 0)
		return 1; /* output closed, process not gone yet */
	close(s->fd);
	s->fd = -1;
	s->child = 0;
	if (p < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (p > 0 && WIFSIGNALED(st))
			snprintf(what, sizeof what, "was killed by signal %d", WTERMSIG(st));
		else
			snprintf(what, sizeof what, "exited with status %d", p > 0 ? WEXITSTATUS(st) : -1);
		cmd_failed(s, ctx, what);
	}
	rc = parse_and_emit(s, ctx, s->started_ns, s->buf.data ? s->buf.data : "", s->buf.len,
			    "--jobstats-cmd output", "");
	s->buf.len = 0;
	return rc;
}

static void kill_cmd(struct jobstats_state *s)
{
	if (!s->child)
		return;
	kill(s->child, SIGKILL);
	waitpid(s->child, NULL, 0);
	close(s->fd);
	s->fd = -1;
	s->child = 0;
}

static uint64_t cmd_timeout(const struct jobstats_state *s)
{
	uint64_t t = 10 * s->interval_ns;
	return t > JS_CMD_MIN_TIMEOUT_NS ? t : JS_CMD_MIN_TIMEOUT_NS;
}

static int poll_cmd(struct jobstats_state *s, struct iorec_ctx *ctx, uint64_t now, uint64_t *next)
{
	int rc;
	if (!s->child) {
		if ((rc = spawn_cmd(s, now)) < 0) {
			s->started_ns = now;
			cmd_failed(s, ctx, strerror(-rc));
			*next = now + s->interval_ns;
			return 0;
		}
		s->polls++;
	}
	if (!s->eof && (rc = drain_cmd(s)) < 0)
		return rc;
	if (s->eof) {
		rc = finish_cmd(s, ctx, 0);
		if (rc <= 0) {
			*next = s->started_ns + s->interval_ns;
			return rc;
		}
	}
	if (now - s->started_ns > cmd_timeout(s)) {
		kill_cmd(s);
		cmd_failed(s, ctx, "took too long and was killed");
		*next = now + s->interval_ns;
		return 0;
	}
	*next = now + JS_CMD_STEP_NS;
	return 0;
}

/* ---- source interface ------------------------------------------------- */

static void pick_globs(const struct iorec_config *cfg, const char *const **globs, size_t *n)
{
	if (cfg->njobstats_globs) {
		*globs = (const char *const *)cfg->jobstats_globs;
		*n = cfg->njobstats_globs;
	} else {
		*globs = default_globs;
		*n = sizeof default_globs / sizeof default_globs[0];
	}
}

static int js_available(const struct iorec_config *cfg, char *why, size_t whylen)
{
	const char *const *globs;
	size_t n;
	if (cfg->jobstats_cmd) {
		snprintf(why, whylen, "from --jobstats-cmd");
		return 1;
	}
	pick_globs(cfg, &globs, &n);
	if (count_matches(globs, n))
		return 1;
	snprintf(why, whylen, "no Lustre job_stats files (%s%s)", globs[0], n > 1 ? ", ..." : "");
	return 0;
}

static int js_init(void **state, struct iorec_ctx *ctx, char *why, size_t whylen)
{
	struct jobstats_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->cmd = ctx->cfg->jobstats_cmd;
	pick_globs(ctx->cfg, &s->globs, &s->nglobs);
	s->interval_ns = (uint64_t)ctx->cfg->interval_ms * 1000000ull;
	s->fd = -1;
	*state = s;
	return 0;
}

static int js_poll(void *state, struct iorec_ctx *ctx, uint64_t now, uint64_t *next_ns)
{
	struct jobstats_state *s = state;
	if (s->cmd)
		return poll_cmd(s, ctx, now, next_ns);
	*next_ns = now + s->interval_ns;
	s->polls++;
	return poll_files(s, ctx, now);
}

/* The closing poll: a last sample so deltas cover the whole recording. */
static int js_final(struct jobstats_state *s, struct iorec_ctx *ctx)
{
	uint64_t now = iot_now_mono_ns();
	int waited = 0, rc;
	if (!s->cmd) {
		s->polls++;
		return poll_files(s, ctx, now);
	}
	if (!s->child && (rc = spawn_cmd(s, now)) < 0) {
		cmd_failed(s, ctx, strerror(-rc));
		return 0;
	}
	while (!s->eof && waited < JS_STOP_WAIT_MS) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		poll(&pfd, 1, 50);
		waited += 50;
		if ((rc = drain_cmd(s)) < 0)
			return rc;
	}
	if (!s->eof) {
		kill_cmd(s);
		cmd_failed(s, ctx, "took too long and was killed");
		return 0;
	}
	s->polls++;
	return finish_cmd(s, ctx, 1);
}

static int js_stop(void *state, struct iorec_ctx *ctx)
{
	struct jobstats_state *s = state;
	int rc = js_final(s, ctx);
	iot_writer_set_meta(ctx->w, "source.jobstats.from", s->cmd ? s->cmd : s->globs[0]);
	iot_writer_set_metaf(ctx->w, "source.jobstats.polls", "%llu", (unsigned long long)s->polls);
	iot_writer_set_metaf(ctx->w, "source.jobstats.samples", "%llu",
			     (unsigned long long)s->samples);
	iot_writer_set_metaf(ctx->w, "source.jobstats.bad_blocks", "%llu",
			     (unsigned long long)s->bad_blocks);
	iot_writer_set_metaf(ctx->w, "source.jobstats.read_errors", "%llu",
			     (unsigned long long)(s->read_errors + s->cmd_failures));
	return rc;
}

static void js_destroy(void *state)
{
	struct jobstats_state *s = state;
	if (!s)
		return;
	kill_cmd(s);
	readbuf_free(&s->buf);
	free(s);
}

const struct iorec_source_ops iorec_source_jobstats = {
	.name = "jobstats",
	.kind = IOREC_SRC_POLL,
	.available = js_available,
	.init = js_init,
	.poll = js_poll,
	.stop = js_stop,
	.destroy = js_destroy,
};
