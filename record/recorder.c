/* recorder.c - the iorec core: one single-threaded loop that owns the
 * trace writer and calls every source when it is due. */
#include "record/recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "record/anon.h"
#include "record/env.h"
#include "record/hostmeta.h"
#include "record/proctab.h"

#define MAX_SOURCES 16
/* After the first SIGINT/SIGTERM, how long COMMAND may take to exit
 * before the trace is closed without it. */
#define STOP_GRACE_NS 2000000000ull
/* The loop wakes at least this often (writer flush age is 1 s). */
#define MAX_SLEEP_NS 200000000ull

/* Descriptors: those iorec inherited (kept for COMMAND) and its own. */
struct fdset {
	size_t n;
	int fd[1024];
};

struct src_slot {
	const struct iorec_source_ops *ops;
	void *state;
	int inited;   /* init() succeeded: destroy() is due */
	int active;   /* still polled and stopped */
	uint64_t next_ns;
	char status[256];
};

struct iorec_recorder {
	struct iorec_ctx ctx; /* first: sources get &ctx, the core maps back */
	const struct iorec_options *o;
	struct iorec_config cfg; /* o->cfg plus what the core decides (spool) */
	char spool[4096];        /* private directory for preload shards, or "" */
	struct fdset inherited;  /* descriptors open when iorec started */
	struct proctab *procs;
	struct anon_key key;
	struct src_slot src[MAX_SOURCES];
	size_t nsrc;
	char output[4096];
	pid_t child;
	int child_done, child_status, child_reaped;
	int write_failed;
};

/* Signal state: the only globals, as STYLE.md allows for a CLI. */
static volatile sig_atomic_t g_stop_signals;
static volatile sig_atomic_t g_last_signal;
static volatile sig_atomic_t g_forward_signal; /* sent by a process, not the tty */

static void on_stop_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	g_stop_signals++;
	g_last_signal = sig;
	/* SI_USER/SI_QUEUE/SI_TKILL are <= 0; the tty's ^C is SI_KERNEL and
	 * reached COMMAND's process group already. */
	if (si && si->si_code <= 0)
		g_forward_signal = sig;
}

static void on_child(int sig)
{
	(void)sig;
}

static struct iorec_recorder *rec_of(struct iorec_ctx *ctx)
{
	return (struct iorec_recorder *)ctx;
}

int iorec_note_process(struct iorec_ctx *ctx, uint32_t pid)
{
	return proctab_note(rec_of(ctx)->procs, ctx->w, pid, iot_now_mono_ns());
}

int iorec_recheck_process(struct iorec_ctx *ctx, uint32_t pid)
{
	return proctab_refresh(rec_of(ctx)->procs, ctx->w, pid, iot_now_mono_ns());
}

int iorec_note_exit(struct iorec_ctx *ctx, uint32_t pid, uint64_t ts_ns, int status)
{
	return proctab_exit(rec_of(ctx)->procs, ctx->w, pid, ts_ns, status);
}

void iorec_report(struct iorec_ctx *ctx, const char *source, const char *fmt, ...)
{
	va_list ap;
	if (ctx && ctx->cfg && ctx->cfg->quiet)
		return;
	fprintf(stderr, "iorec: %s: ", source);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *iorec_anon_path(struct iorec_ctx *ctx, const char *path, char *out, size_t outlen)
{
	if (!ctx->cfg->anonymize) {
		snprintf(out, outlen, "%s", path);
		return out;
	}
	return anon_path(&rec_of(ctx)->key, path, out, outlen);
}

void iorec_say(const struct iorec_options *o, const char *fmt, ...)
{
	va_list ap;
	if (o->cfg.quiet)
		return;
	fputs("iorec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* Source selection                                                    */
/* ------------------------------------------------------------------ */

static const struct iorec_source_ops *find_source(const char *name, size_t len)
{
	for (size_t i = 0; i < iorec_nsources; i++)
		if (strlen(iorec_sources[i]->name) == len &&
		    strncmp(iorec_sources[i]->name, name, len) == 0)
			return iorec_sources[i];
	return NULL;
}

static void known_sources(char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < iorec_nsources && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? "," : "", iorec_sources[i]->name);
}

static int add_unique(const struct iorec_source_ops **sel, size_t *n, size_t max,
		      const struct iorec_source_ops *s)
{
	for (size_t i = 0; i < *n; i++)
		if (sel[i] == s)
			return 0;
	if (*n >= max)
		return -1;
	sel[(*n)++] = s;
	return 0;
}

/* Keep the table's order, whatever order -s gave. */
static void table_order(const struct iorec_source_ops **sel, size_t n)
{
	const struct iorec_source_ops *tmp[MAX_SOURCES];
	size_t k = 0;
	for (size_t t = 0; t < iorec_nsources; t++)
		for (size_t i = 0; i < n; i++)
			if (sel[i] == iorec_sources[t] && k < MAX_SOURCES)
				tmp[k++] = sel[i];
	memcpy(sel, tmp, k * sizeof *sel);
}

int iorec_select_sources(const struct iorec_options *o, const struct iorec_source_ops **sel,
			 size_t max, char *err, size_t errlen)
{
	size_t n = 0, nevents = 0;
	char why[256], known[256];
	if (max > MAX_SOURCES)
		max = MAX_SOURCES;
	if (o->sources_arg) {
		const char *p = o->sources_arg;
		while (*p) {
			size_t len = strcspn(p, ",");
			const struct iorec_source_ops *s = find_source(p, len);
			if (!s) {
				known_sources(known, sizeof known);
				snprintf(err, errlen, "-s/--sources: unknown source '%.*s' (this iorec has: %s)",
					 (int)len, p, known);
				return -EINVAL;
			}
			add_unique(sel, &n, max, s);
			p += len + (p[len] == ',');
		}
		if (n == 0) {
			snprintf(err, errlen, "-s/--sources: empty list");
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++)
			nevents += sel[i]->kind == IOREC_SRC_EVENTS;
		if (nevents > 1) {
			snprintf(err, errlen, "-s/--sources: ebpf and preload cannot record the same process; pick one");
			return -EINVAL;
		}
		table_order(sel, n);
		return (int)n;
	}
	/* Default: the first event source that can run, then every poller
	 * that can (jobstats only where job_stats files exist). */
	for (size_t i = 0; i < iorec_nsources; i++) {
		const struct iorec_source_ops *s = iorec_sources[i];
		if (s->kind == IOREC_SRC_EVENTS && nevents)
			continue;
		if (s->available && !s->available(&o->cfg, why, sizeof why))
			continue;
		if (add_unique(sel, &n, max, s) == 0 && s->kind == IOREC_SRC_EVENTS)
			nevents++;
	}
	return (int)n;
}

int iorec_check(const struct iorec_options *o)
{
	const struct iorec_source_ops *sel[MAX_SOURCES];
	char why[512], err[256];
	int n;
	printf("%-10s %s\n", "SOURCE", "CAN RUN HERE");
	for (size_t i = 0; i < iorec_nsources; i++) {
		const struct iorec_source_ops *s = iorec_sources[i];
		why[0] = '\0';
		if (!s->available || s->available(&o->cfg, why, sizeof why))
			printf("%-10s yes%s%s\n", s->name, why[0] ? ": " : "", why);
		else
			printf("%-10s no: %s\n", s->name, why[0] ? why : "not available");
	}
	n = iorec_select_sources(o, sel, MAX_SOURCES, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "iorec: %s\n", err);
		return 2;
	}
	printf("%s: ", o->sources_arg ? "selected sources" : "default sources");
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", sel[i]->name);
	printf("\n");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Metadata                                                            */
/* ------------------------------------------------------------------ */

/* words joined by spaces; a line longer than outlen is cut, not lost */
static void join_words(char *out, size_t outlen, char *const *words, int n)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < n && o + 1 < outlen; i++) {
		int k = snprintf(out + o, outlen - o, "%s%s", i ? " " : "", words[i]);
		if (k < 0)
			break;
		o += (size_t)k < outlen - o ? (size_t)k : outlen - o - 1;
	}
}

static void invoking_user(char *out, size_t outlen)
{
	const char *sudo_user = getenv("SUDO_USER");
	struct passwd *pw;
	if (getuid() == 0 && sudo_user && *sudo_user) {
		snprintf(out, outlen, "%s", sudo_user);
		return;
	}
	pw = getpwuid(getuid());
	if (pw)
		snprintf(out, outlen, "%s", pw->pw_name);
	else
		snprintf(out, outlen, "%u", (unsigned)getuid());
}

static int write_list_meta(iot_writer *w, const char *key, char **items, size_t n)
{
	char buf[4096];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "", items[i]);
	return n ? iot_writer_set_meta(w, key, buf) : 0;
}

static int write_u32_list_meta(iot_writer *w, const char *key, const uint32_t *v, size_t n)
{
	char buf[4096];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%u", i ? "," : "", v[i]);
	return n ? iot_writer_set_meta(w, key, buf) : 0;
}

static int write_start_meta(struct iorec_recorder *r, int argc, char **argv)
{
	iot_writer *w = r->ctx.w;
	const struct iorec_config *c = &r->o->cfg;
	char buf[8192], anon[8192], cwd[4096];
	size_t o = 0;
	int rc = hostmeta_write(w);
	rc = rc ? rc : iot_writer_set_meta(w, "tool.name", "iorec");
	rc = rc ? rc : iot_writer_set_meta(w, "tool.version", IOT_VERSION_STRING);
	rc = rc ? rc : iot_writer_set_metaf(w, "rec.start_wall_ns", "%llu",
					    (unsigned long long)iot_now_wall_ns());
	rc = rc ? rc : iot_writer_set_metaf(w, "rec.start_mono_ns", "%llu",
					    (unsigned long long)r->ctx.start_mono_ns);
	rc = rc ? rc : iot_writer_set_meta(w, "rec.mode", c->all ? "all" : "command");
	if (!c->all) {
		join_words(buf, sizeof buf, r->o->command, r->o->ncommand);
		if (c->anonymize) {
			/* arguments that look like paths are hashed */
			buf[0] = '\0';
			for (int i = 0; i < r->o->ncommand && o < sizeof buf; i++) {
				const char *a = r->o->command[i];
				if (strchr(a, '/'))
					a = iorec_anon_path(&r->ctx, a, anon, sizeof anon);
				o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "", a);
			}
		}
		rc = rc ? rc : iot_writer_set_meta(w, "rec.cmdline", buf);
	}
	if (!c->anonymize) {
		join_words(buf, sizeof buf, argv, argc);
		rc = rc ? rc : iot_writer_set_meta(w, "rec.argv", buf);
	}
	if (getcwd(cwd, sizeof cwd))
		rc = rc ? rc : iot_writer_set_meta(w, "rec.cwd", iorec_anon_path(&r->ctx, cwd, anon, sizeof anon));
	invoking_user(buf, sizeof buf);
	rc = rc ? rc : iot_writer_set_meta(w, "rec.user", buf);
	if (c->job_id)
		rc = rc ? rc : iot_writer_set_meta(w, "rec.job_id", c->job_id);
	rc = rc ? rc : iot_writer_set_metaf(w, "rec.interval_ms", "%u", c->interval_ms);
	if (c->all && c->duration_s > 0)
		rc = rc ? rc : iot_writer_set_metaf(w, "rec.duration_s", "%g", c->duration_s);
	rc = rc ? rc : iot_writer_set_meta(w, "rec.anonymized", c->anonymize ? "yes" : "no");
	rc = rc ? rc : write_list_meta(w, "rec.filter.comm", c->comms, c->ncomms);
	rc = rc ? rc : write_u32_list_meta(w, "rec.filter.pid", c->pids, c->npids);
	rc = rc ? rc : write_u32_list_meta(w, "rec.filter.tid", c->tids, c->ntids);
	rc = rc ? rc : write_list_meta(w, "rec.filter.syscalls", c->syscalls, c->nsyscalls);
	if (!c->anonymize)
		rc = rc ? rc : write_list_meta(w, "rec.filter.path", c->paths, c->npaths);
	o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->nsrc; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "", r->src[i].ops->name);
	rc = rc ? rc : iot_writer_set_meta(w, "rec.sources", buf);
	return rc;
}

static int write_source_status(struct iorec_recorder *r, struct src_slot *s)
{
	char key[128];
	snprintf(key, sizeof key, "source.%s.status", s->ops->name);
	return iot_writer_set_meta(r->ctx.w, key, s->status);
}

/* The trace cannot be written (disk full, I/O error): said once. A
 * source's error that is really the writer's is not the source's fault. */
static int writer_failed(struct iorec_recorder *r)
{
	int rc;
	if (r->write_failed)
		return 1;
	if (!r->ctx.w || (rc = iot_writer_tick(r->ctx.w)) >= 0)
		return 0;
	r->write_failed = 1;
	fprintf(stderr, "iorec: %s: write error: %s (recording stopped)\n", r->output, iot_strerror(rc));
	return 1;
}

/* A source failed: say so once, write it down, stop calling it. */
static void source_failed(struct iorec_recorder *r, struct src_slot *s, const char *what,
			  const char *why)
{
	if (writer_failed(r))
		return;
	snprintf(s->status, sizeof s->status, "failed: %s%s%s", what, why[0] ? ": " : "", why);
	iorec_report(&r->ctx, s->ops->name, "%s (recording goes on without it)", s->status + 8);
	s->active = 0;
	write_source_status(r, s);
}

/* ------------------------------------------------------------------ */
/* Running COMMAND                                                     */
/* ------------------------------------------------------------------ */

/* Open descriptors >= 3 of this process, minus those in skip (if any). */
static void list_fds(struct fdset *out, const struct fdset *skip)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	out->n = 0;
	if (!d)
		return;
	while ((de = readdir(d)) && out->n < sizeof out->fd / sizeof out->fd[0]) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		int skipped = 0;
		if (*end || end == de->d_name || fd < 3 || fd == dirfd(d))
			continue;
		for (size_t i = 0; skip && i < skip->n && !skipped; i++)
			skipped = skip->fd[i] == fd;
		if (!skipped)
			out->fd[out->n++] = (int)fd;
	}
	closedir(d);
}

struct drop_to {
	int enabled;
	uid_t uid;
	gid_t gid;
	char user[256];
	int ngroups;       /* the user's groups, looked up before fork: the */
	gid_t groups[1024]; /* child only calls async-signal-safe setgroups() */
};

/* Started through sudo: COMMAND runs as the user who typed it. */
static void sudo_identity(struct drop_to *d)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID"), *sn = getenv("SUDO_USER");
	char *end;
	unsigned long uid, gid;
	memset(d, 0, sizeof *d);
	if (getuid() != 0 || !su || !sg)
		return;
	uid = strtoul(su, &end, 10);
	if (*end || !*su)
		return;
	gid = strtoul(sg, &end, 10);
	if (*end || !*sg || uid == 0)
		return;
	d->enabled = 1;
	d->uid = (uid_t)uid;
	d->gid = (gid_t)gid;
	if (sn && *sn) {
		snprintf(d->user, sizeof d->user, "%s", sn);
	} else {
		struct passwd *pw = getpwuid(d->uid);
		snprintf(d->user, sizeof d->user, "%s", pw ? pw->pw_name : "");
	}
	d->ngroups = (int)(sizeof d->groups / sizeof d->groups[0]);
	if (!d->user[0] || getgrouplist(d->user, d->gid, d->groups, &d->ngroups) < 0) {
		/* unknown user or too many groups: its primary group only */
		d->groups[0] = d->gid;
		d->ngroups = 1;
	}
}

static void child_fail(int fd, int err)
{
	ssize_t unused = write(fd, &err, sizeof err);
	(void)unused;
	_exit(err == ENOENT ? 127 : 126);
}

/* In the child: wait for the go byte, become the user, exec. */
static void child_run(int go_fd, int err_fd, const sigset_t *orig, const struct drop_to *d,
		      const struct fdset *fds, char **argv, char *const *envp)
{
	char c;
	ssize_t n;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, orig, NULL);
	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127); /* iorec went away before starting us */
	if (d->enabled) {
		if (setgroups((size_t)d->ngroups, d->groups) < 0 || setgid(d->gid) < 0 ||
		    setuid(d->uid) < 0)
			child_fail(err_fd, errno);
	}
	/* no descriptor of iorec's own (trace, ring buffers, pipes) leaks into
	 * COMMAND; those iorec inherited (a make jobserver, 3<file) stay */
	for (size_t i = 0; i < fds->n; i++)
		fcntl(fds->fd[i], F_SETFD, FD_CLOEXEC);
	execvpe(argv[0], argv, envp);
	child_fail(err_fd, errno);
}

static uint64_t poll_sources(struct iorec_recorder *r, uint64_t now);

/* Fork COMMAND, start the sources with its pid, let it exec. Returns 0,
 * or -errno of fork or exec (message printed). */
static int launch(struct iorec_recorder *r, const sigset_t *orig)
{
	int go[2] = {-1, -1}, ep[2] = {-1, -1}, e = 0, rc = 0;
	struct iorec_env *env = iorec_env_new(environ);
	struct drop_to d;
	struct fdset own;
	ssize_t n;
	pid_t pid;
	if (!env)
		return -ENOMEM;
	for (size_t i = 0; i < r->nsrc; i++) {
		struct src_slot *s = &r->src[i];
		if (s->active && s->ops->prepare_child &&
		    (rc = s->ops->prepare_child(s->state, &r->ctx, env)) < 0)
			source_failed(r, s, "cannot prepare COMMAND's environment", iot_strerror(rc));
	}
	sudo_identity(&d);
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	/* iorec's own descriptors: open now, not inherited at start */
	list_fds(&own, &r->inherited);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		fprintf(stderr, "iorec: cannot fork: %s\n", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(go[1]);
		close(ep[0]);
		child_run(go[0], ep[1], orig, &d, &own, r->o->command, iorec_env_array(env));
	}
	close(go[0]);
	close(ep[1]);
	go[0] = ep[1] = -1;
	r->child = pid;
	r->ctx.target_pid = pid;
	for (size_t i = 0; i < r->nsrc; i++) {
		struct src_slot *s = &r->src[i];
		if (s->active && s->ops->start && (rc = s->ops->start(s->state, &r->ctx)) < 0)
			source_failed(r, s, "cannot start", iot_strerror(rc));
	}
	/* the "before" sample of every poller, while COMMAND has done nothing */
	poll_sources(r, iot_now_mono_ns());
	rc = 0;
	if (write(go[1], "g", 1) != 1)
		rc = -errno;
	close(go[1]);
	go[1] = -1;
	/* EOF: exec happened (close-on-exec); an int: exec failed */
	do
		n = read(ep[0], &e, sizeof e);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof e) {
		fprintf(stderr, "iorec: cannot run '%s': %s\n", r->o->command[0], strerror(e));
		rc = -e;
	} else if (rc == 0) {
		/* a poller may have noted it before exec, under iorec's name */
		iorec_note_process(&r->ctx, (uint32_t)pid);
		iorec_recheck_process(&r->ctx, (uint32_t)pid);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	iorec_env_free(env);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */
/* ------------------------------------------------------------------ */

/* Notice COMMAND's exit without reaping it: while it is a zombie the
 * sources' closing samples still find /proc/PID (its final counters). */
static void check_child(struct iorec_recorder *r)
{
	siginfo_t si;
	if (!r->child || r->child_done)
		return;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)r->child, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
	    si.si_pid != r->child)
		return;
	r->child_done = 1;
	if (si.si_code == CLD_EXITED)
		r->child_status = (si.si_status & 0xff) << 8;
	else
		r->child_status = (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
	iorec_note_exit(&r->ctx, (uint32_t)r->child, iot_now_mono_ns(), r->child_status);
}

static void reap_child(struct iorec_recorder *r)
{
	if (r->child && r->child_done && !r->child_reaped) {
		waitpid(r->child, NULL, 0);
		r->child_reaped = 1;
	}
}

/* The trace failed: COMMAND is the user's job and runs on; iorec still
 * returns only when it ends, as a batch script expects. */
static void wait_command(struct iorec_recorder *r)
{
	int st;
	pid_t p;
	iorec_say(r->o, "waiting for COMMAND (pid %d) to end; the trace is incomplete", (int)r->child);
	do
		p = waitpid(r->child, &st, 0);
	while (p < 0 && errno == EINTR);
	if (p == r->child) {
		r->child_done = 1;
		r->child_reaped = 1;
		r->child_status = st;
	}
}

static uint64_t poll_sources(struct iorec_recorder *r, uint64_t now)
{
	uint64_t next = now + MAX_SLEEP_NS;
	for (size_t i = 0; i < r->nsrc; i++) {
		struct src_slot *s = &r->src[i];
		int rc;
		if (!s->active || !s->ops->poll)
			continue;
		if (now >= s->next_ns) {
			uint64_t want = 0;
			rc = s->ops->poll(s->state, &r->ctx, now, &want);
			if (rc < 0) {
				source_failed(r, s, "poll failed", iot_strerror(rc));
				continue;
			}
			s->next_ns = want > now ? want : now + (uint64_t)r->o->cfg.interval_ms * 1000000ull;
		}
		if (s->next_ns < next)
			next = s->next_ns;
	}
	return next;
}

static void sleep_until(uint64_t now, uint64_t until, const sigset_t *waitmask)
{
	struct timespec ts;
	uint64_t d = until > now ? until - now : 0;
	ts.tv_sec = (time_t)(d / 1000000000ull);
	ts.tv_nsec = (long)(d % 1000000000ull);
	ppoll(NULL, 0, &ts, waitmask);
}

/* Returns when COMMAND exited, a stop signal (plus grace) or --duration. */
static void run_loop(struct iorec_recorder *r, const sigset_t *waitmask)
{
	const struct iorec_config *c = &r->o->cfg;
	uint64_t end = c->duration_s > 0 ? r->ctx.start_mono_ns + (uint64_t)(c->duration_s * 1e9) : 0;
	uint64_t stop_at = 0;
	/* a first sample before anything else, so that even a COMMAND that
	 * exits at once has counters from before and after it */
	poll_sources(r, iot_now_mono_ns());
	for (;;) {
		uint64_t now = iot_now_mono_ns(), next;
		check_child(r);
		if (r->child && r->child_done)
			break;
		if (g_stop_signals >= 2)
			return;
		if (g_stop_signals && !stop_at) {
			int fwd = g_forward_signal;
			if (!r->child)
				break;
			if (fwd)
				kill(r->child, fwd);
			stop_at = now + STOP_GRACE_NS;
		}
		if (stop_at && now >= stop_at)
			break;
		if (end && now >= end)
			break;
		next = poll_sources(r, now);
		if (writer_failed(r))
			break;
		if (end && next > end)
			next = end;
		if (stop_at && next > stop_at)
			next = stop_at;
		sleep_until(iot_now_mono_ns(), next, waitmask);
	}
}

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                  */
/* ------------------------------------------------------------------ */

static void default_output(char *out, size_t outlen)
{
	char host[256], date[32];
	time_t t = time(NULL);
	struct tm tm;
	hostmeta_short_name(host, sizeof host);
	localtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y%m%d-%H%M%S", &tm);
	snprintf(out, outlen, "iorec-%s-%s.iotr", host, date);
}

static int open_output(struct iorec_recorder *r)
{
	struct stat st;
	int rc;
	if (lstat(r->output, &st) == 0) {
		if (!r->o->force) {
			fprintf(stderr, "iorec: %s exists; not overwriting it (use --force to replace it)\n",
				r->output);
			return -EEXIST;
		}
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, "iorec: %s is a directory\n", r->output);
			return -EISDIR;
		}
		if (unlink(r->output) < 0) {
			fprintf(stderr, "iorec: cannot replace %s: %s\n", r->output, strerror(errno));
			return -errno;
		}
	}
	rc = iot_writer_open(&r->ctx.w, r->output, NULL);
	if (rc < 0)
		fprintf(stderr, "iorec: cannot create %s: %s\n", r->output, iot_strerror(rc));
	return rc;
}

static void init_sources(struct iorec_recorder *r)
{
	for (size_t i = 0; i < r->nsrc; i++) {
		struct src_slot *s = &r->src[i];
		char why[256] = "";
		int rc = s->ops->init ? s->ops->init(&s->state, &r->ctx, why, sizeof why) : 0;
		if (rc < 0) {
			source_failed(r, s, why[0] ? why : iot_strerror(rc), "");
			/* "failed: WHY" without a trailing ": " */
			continue;
		}
		s->inited = 1;
		s->active = 1;
		snprintf(s->status, sizeof s->status, "ok");
		write_source_status(r, s);
		if (r->o->cfg.verbose)
			iorec_say(r->o, "source %s started", s->ops->name);
	}
}

static void start_sources_all(struct iorec_recorder *r)
{
	for (size_t i = 0; i < r->nsrc; i++) {
		struct src_slot *s = &r->src[i];
		int rc;
		if (s->active && s->ops->start && (rc = s->ops->start(s->state, &r->ctx)) < 0)
			source_failed(r, s, "cannot start", iot_strerror(rc));
	}
}

/* Stop every source (final samples, merges). 0, or 1 when a second
 * signal asked to stop at once. */
static int stop_sources(struct iorec_recorder *r)
{
	for (size_t i = 0; i < r->nsrc; i++) {
		struct src_slot *s = &r->src[i];
		int rc;
		if (g_stop_signals >= 2)
			return 1;
		if (!s->active)
			continue;
		if (s->ops->stop && (rc = s->ops->stop(s->state, &r->ctx)) < 0)
			source_failed(r, s, "stop failed", iot_strerror(rc));
	}
	return g_stop_signals >= 2;
}

static void destroy_sources(struct iorec_recorder *r)
{
	for (size_t i = 0; i < r->nsrc; i++)
		if (r->src[i].inited && r->src[i].ops->destroy)
			r->src[i].ops->destroy(r->src[i].state);
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static void write_end_meta(struct iorec_recorder *r, const char *stopped_by)
{
	iot_writer *w = r->ctx.w;
	struct rusage ru;
	iot_writer_set_metaf(w, "rec.end_wall_ns", "%llu", (unsigned long long)iot_now_wall_ns());
	iot_writer_set_metaf(w, "rec.end_mono_ns", "%llu", (unsigned long long)iot_now_mono_ns());
	iot_writer_set_meta(w, "rec.stopped_by", stopped_by);
	iot_writer_set_metaf(w, "rec.processes", "%llu",
			     (unsigned long long)proctab_count(r->procs));
	/* the recorder's own cost, for overhead reports */
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		iot_writer_set_metaf(w, "rec.self_cpu_ns", "%llu",
				     (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
					     (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull);
		iot_writer_set_metaf(w, "rec.self_max_rss_kib", "%ld", ru.ru_maxrss);
	}
	if (r->child && r->child_done) {
		iot_writer_set_metaf(w, "rec.exit_code", "%d", exit_code_of(r->child_status));
		if (WIFSIGNALED(r->child_status))
			iot_writer_set_metaf(w, "rec.exit_signal", "%d", WTERMSIG(r->child_status));
	}
}

static const char *stopped_by(const struct iorec_recorder *r)
{
	if (r->write_failed)
		return "write-error";
	if (r->child && r->child_done)
		return "exit";
	if (g_stop_signals)
		return g_last_signal == SIGINT ? "SIGINT" : g_last_signal == SIGHUP ? "SIGHUP" : "SIGTERM";
	return r->o->cfg.all && r->o->cfg.duration_s > 0 ? "duration" : "exit";
}

static void install_signals(sigset_t *orig, sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_stop_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a closed terminal must not lose the recording either */
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = SA_NOCLDSTOP;
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	/* Signals are handled only while the loop sleeps in ppoll(), so a
	 * wake-up is never lost between a check and the sleep. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, orig);
	*waitmask = *orig;
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGHUP);
	sigdelset(waitmask, SIGCHLD);
}

/* While stopping, signals are taken at once so a second ^C is seen. */
static void unblock_stop_signals(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

/* The preload source's processes write their shards into a private
 * directory that the core creates (0700, owned by the user COMMAND runs
 * as) and removes when the recording is over. */
static int make_spool(struct iorec_recorder *r)
{
	const char *tmp = getenv("TMPDIR");
	struct drop_to d;
	int want = 0;
	for (size_t i = 0; i < r->nsrc; i++)
		want |= strcmp(r->src[i].ops->name, "preload") == 0;
	if (!want || r->cfg.spool_dir || r->cfg.all)
		return 0;
	snprintf(r->spool, sizeof r->spool, "%s/" IOREC_SPOOL_PREFIX "%d-XXXXXX",
		 tmp && *tmp == '/' ? tmp : "/tmp", (int)getpid());
	if (!mkdtemp(r->spool)) {
		int e = errno;
		fprintf(stderr, "iorec: cannot create a spool directory in %s: %s\n",
			tmp && *tmp == '/' ? tmp : "/tmp", strerror(e));
		r->spool[0] = '\0';
		return -e;
	}
	sudo_identity(&d);
	if (d.enabled && chown(r->spool, d.uid, d.gid) < 0) {
		int e = errno;
		fprintf(stderr, "iorec: cannot give %s to uid %u: %s\n", r->spool, (unsigned)d.uid,
			strerror(e));
		rmdir(r->spool);
		r->spool[0] = '\0';
		return -e;
	}
	r->cfg.spool_dir = r->spool;
	return 0;
}

/* Empty unless the recording stopped at once (a second signal) before
 * every shard was merged: those are kept for iorec --salvage. */
static void remove_spool(struct iorec_recorder *r)
{
	if (!r->spool[0] || rmdir(r->spool) == 0 || errno == ENOENT)
		return;
	if (errno == ENOTEMPTY || errno == EEXIST)
		fprintf(stderr, "iorec: the shards not merged yet are kept in %s; 'iorec --salvage %s "
			"%s' adds them to the trace\n", r->spool, r->output, r->spool);
	else
		fprintf(stderr, "iorec: %s: %s (shards left there)\n", r->spool, strerror(errno));
}

static int setup(struct iorec_recorder *r, const struct iorec_options *o)
{
	const struct iorec_source_ops *sel[MAX_SOURCES];
	struct proctab_opts po = {0};
	char err[512];
	int n = iorec_select_sources(o, sel, MAX_SOURCES, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "iorec: %s\n", err);
		return -EINVAL;
	}
	r->o = o;
	r->cfg = o->cfg;
	r->ctx.cfg = &r->cfg;
	r->nsrc = (size_t)n;
	for (int i = 0; i < n; i++)
		r->src[i].ops = sel[i];
	if (o->cfg.anonymize && anon_key_random(&r->key) < 0) {
		fprintf(stderr, "iorec: --anonymize: no random key: %s\n", strerror(errno));
		return -EIO;
	}
	po.job_id = o->cfg.job_id;
	po.job_from_environ = o->cfg.all;
	po.anon = o->cfg.anonymize ? &r->key : NULL;
	if (!(r->procs = proctab_new(&po)))
		return -ENOMEM;
	if (o->output)
		snprintf(r->output, sizeof r->output, "%s", o->output);
	else
		default_output(r->output, sizeof r->output);
	return 0;
}

int iorec_record(const struct iorec_options *o, int argc, char **argv)
{
	struct iorec_recorder *r = calloc(1, sizeof *r);
	sigset_t orig, waitmask;
	int rc, code = 1, abandoned = 0, launched = 0;
	if (!r) {
		fprintf(stderr, "iorec: out of memory\n");
		return 1;
	}
	list_fds(&r->inherited, NULL);
	if ((rc = setup(r, o)) < 0) {
		code = rc == -EINVAL ? 2 : 1;
		goto out;
	}
	if (open_output(r) < 0)
		goto out;
	r->ctx.start_mono_ns = iot_now_mono_ns();
	if ((rc = write_start_meta(r, argc, argv)) < 0) {
		fprintf(stderr, "iorec: %s: cannot write metadata: %s\n", r->output, iot_strerror(rc));
		goto close;
	}
	install_signals(&orig, &waitmask);
	make_spool(r); /* on failure the preload source reports it cannot run */
	init_sources(r);
	if (o->cfg.all) {
		start_sources_all(r);
	} else {
		rc = launch(r, &orig);
		if (rc < 0) {
			if (r->child) {
				waitpid(r->child, NULL, 0);
				r->child = 0;
			}
			code = rc == -ENOENT ? 127 : rc == -ENOMEM ? 1 : 126;
			goto close;
		}
		launched = 1;
	}
	if (o->cfg.verbose)
		iorec_say(o, "recording to %s", r->output);
	run_loop(r, &waitmask);
	unblock_stop_signals();
	if (g_stop_signals < 2)
		abandoned = stop_sources(r);
	else
		abandoned = 1;
	reap_child(r);
	if (!abandoned) {
		write_end_meta(r, stopped_by(r));
		rc = iot_writer_close(r->ctx.w);
		r->ctx.w = NULL;
		if (rc < 0) {
			if (!r->write_failed)
				fprintf(stderr, "iorec: %s: write error: %s (at close)\n", r->output,
					iot_strerror(rc));
			r->write_failed = 1;
		}
	}
close:
	if (abandoned) {
		iot_writer_abandon(r->ctx.w);
		iorec_say(o, "stopped at once; %s has no index but opens by recovery", r->output);
	} else if (r->ctx.w) {
		/* exec failed or metadata failed: nothing worth keeping */
		iot_writer_close(r->ctx.w);
		unlink(r->output);
	}
	r->ctx.w = NULL;
	if (launched && r->write_failed && !r->child_done && !g_stop_signals)
		wait_command(r);
	if (launched) {
		if (r->child_done)
			code = exit_code_of(r->child_status);
		else
			code = 128 + (g_last_signal ? g_last_signal : SIGTERM);
	} else if (o->cfg.all && !abandoned) {
		code = 0;
	} else if (o->cfg.all) {
		code = 128 + (g_last_signal ? g_last_signal : SIGTERM);
	}
	if (r->write_failed)
		code = 1;
	if (!abandoned && !r->write_failed && (launched || o->cfg.all) && o->cfg.verbose)
		iorec_say(o, "wrote %s", r->output);
out:
	destroy_sources(r);
	remove_spool(r);
	proctab_free(r->procs);
	free(r);
	return code;
}
