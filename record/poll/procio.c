/* procio.c - the procio source: /proc/PID/io of COMMAND and its
 * descendants (every process with --all) each interval. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/source.h"

enum { PID_UNKNOWN = 0, PID_TRACKED = 1, PID_IGNORED = 2 };

struct pidmap {
	uint32_t *pid;
	uint8_t *cls;
	size_t cap; /* power of two */
};

struct procio_state {
	uint64_t interval_ns;
	struct pidmap old, cur;
	uint32_t *pids; /* this poll's /proc listing */
	uint32_t *ppids;
	size_t npids, cap;
	uint64_t polls, samples, eacces, other_errors;
	int said_eacces, said_other;
	int write_rc; /* the writer's error, when sample_pid() returns 2 */
};

static size_t pm_slot(const struct pidmap *m, uint32_t pid)
{
	size_t i = (size_t)(pid * 2654435761u) & (m->cap - 1);
	while (m->pid[i] && m->pid[i] != pid)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int pm_get(const struct pidmap *m, uint32_t pid)
{
	if (!m->cap)
		return PID_UNKNOWN;
	return m->cls[pm_slot(m, pid)];
}

static void pm_set(struct pidmap *m, uint32_t pid, int cls)
{
	size_t i = pm_slot(m, pid);
	m->pid[i] = pid;
	m->cls[i] = (uint8_t)cls;
}

/* Empty m with room for n pids. */
static int pm_reset(struct pidmap *m, size_t n)
{
	size_t cap = 64;
	while (cap < n * 2)
		cap *= 2;
	if (cap != m->cap) {
		uint32_t *p = realloc(m->pid, cap * sizeof *p);
		uint8_t *c;
		if (!p)
			return -ENOMEM;
		m->pid = p;
		if (!(c = realloc(m->cls, cap)))
			return -ENOMEM;
		m->cls = c;
		m->cap = cap;
	}
	memset(m->pid, 0, m->cap * sizeof *m->pid);
	memset(m->cls, 0, m->cap);
	return 0;
}

static void pm_free(struct pidmap *m)
{
	free(m->pid);
	free(m->cls);
}

static int list_pids(struct procio_state *s)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	s->npids = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long v;
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		v = strtoul(de->d_name, &end, 10);
		if (*end || v == 0 || v > UINT32_MAX)
			continue;
		if (s->npids == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 512;
			uint32_t *np = realloc(s->pids, cap * sizeof *np), *npp;
			if (!np) {
				closedir(d);
				return -ENOMEM;
			}
			s->pids = np;
			if (!(npp = realloc(s->ppids, cap * sizeof *npp))) {
				closedir(d);
				return -ENOMEM;
			}
			s->ppids = npp;
			s->cap = cap;
		}
		s->ppids[s->npids] = 0;
		s->pids[s->npids++] = (uint32_t)v;
	}
	closedir(d);
	return 0;
}

static int read_fd_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return (int)n;
}

/* ppid from /proc/PID/stat; 0 if gone. */
static uint32_t read_ppid(uint32_t pid)
{
	char path[64], buf[1024], *rp;
	int ppid = 0;
	snprintf(path, sizeof path, "/proc/%u/stat", pid);
	if (read_fd_text(path, buf, sizeof buf) <= 0)
		return 0;
	rp = strrchr(buf, ')');
	if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1)
		return 0;
	return (uint32_t)ppid;
}

static int is_root(const struct iorec_ctx *ctx, uint32_t pid)
{
	const struct iorec_config *c = ctx->cfg;
	if (!c->all)
		return pid == (uint32_t)ctx->target_pid;
	for (size_t i = 0; i < c->npids; i++)
		if (c->pids[i] == pid)
			return 1;
	return 0;
}

/* Classify this poll's pids: known ones keep their class; a new pid is
 * tracked when it is a root or its parent is tracked. */
static int classify(struct procio_state *s, struct iorec_ctx *ctx)
{
	int everything = ctx->cfg->all && ctx->cfg->npids == 0;
	size_t pending = 0;
	int rc = pm_reset(&s->cur, s->npids + 1);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s->npids; i++) {
		uint32_t pid = s->pids[i];
		int cls = pm_get(&s->old, pid);
		if (cls == PID_UNKNOWN) {
			if (everything || is_root(ctx, pid))
				cls = PID_TRACKED;
			else {
				s->ppids[i] = read_ppid(pid);
				pending++;
			}
		}
		pm_set(&s->cur, pid, cls);
	}
	/* parents may come after their children in the listing: iterate */
	while (pending) {
		size_t resolved = 0;
		for (size_t i = 0; i < s->npids; i++) {
			uint32_t pid = s->pids[i];
			int pcls;
			if (pm_get(&s->cur, pid) != PID_UNKNOWN)
				continue;
			pcls = s->ppids[i] ? pm_get(&s->cur, s->ppids[i]) : PID_IGNORED;
			if (pcls == PID_UNKNOWN && s->ppids[i] && !pm_get(&s->old, s->ppids[i]))
				continue; /* parent not classified yet */
			if (pcls == PID_UNKNOWN)
				pcls = pm_get(&s->old, s->ppids[i]);
			pm_set(&s->cur, pid, pcls == PID_TRACKED ? PID_TRACKED : PID_IGNORED);
			resolved++;
		}
		if (!resolved) {
			/* a cycle or a parent that vanished: not ours */
			for (size_t i = 0; i < s->npids; i++)
				if (pm_get(&s->cur, s->pids[i]) == PID_UNKNOWN)
					pm_set(&s->cur, s->pids[i], PID_IGNORED);
			break;
		}
		pending -= resolved;
	}
	return 0;
}

static uint64_t field_u64(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);
	if (!p)
		return 0;
	return strtoull(p + strlen(name), NULL, 10);
}

/* One /proc/PID/io reading: 1 written, 0 gone, -errno of the read, or
 * 2 when the writer failed (its code in s->write_rc). */
static int sample_pid(struct procio_state *s, struct iorec_ctx *ctx, uint32_t pid, uint64_t now)
{
	char path[64], buf[512];
	struct iot_procio_sample ps;
	int n;
	snprintf(path, sizeof path, "/proc/%u/io", pid);
	n = read_fd_text(path, buf, sizeof buf);
	if (n == -ENOENT || n == -ESRCH || n == 0)
		return 0;
	if (n < 0)
		return n;
	memset(&ps, 0, sizeof ps);
	ps.ts_ns = now;
	ps.pid = pid;
	ps.rchar = field_u64(buf, "rchar:");
	ps.wchar = field_u64(buf, "wchar:");
	ps.syscr = field_u64(buf, "syscr:");
	ps.syscw = field_u64(buf, "syscw:");
	ps.read_bytes = field_u64(buf, "\nread_bytes:");
	ps.write_bytes = field_u64(buf, "\nwrite_bytes:");
	ps.cancelled_write_bytes = field_u64(buf, "cancelled_write_bytes:");
	iorec_note_process(ctx, pid);
	iorec_recheck_process(ctx, pid);
	n = iot_writer_add_procio(ctx->w, &ps);
	if (n < 0) {
		s->write_rc = n;
		return 2;
	}
	return 1;
}

static void pio_loss(struct iorec_ctx *ctx, uint64_t now, uint64_t count)
{
	struct iot_loss l = {.ts_ns = now, .source = IOREC_LOSS_SRC_PROCIO, .cpu = ~0u,
			     .count = count, .reason = IOT_LOSS_POLL_ERROR};
	iot_writer_add_loss(ctx->w, &l);
}

static int pio_sample(struct procio_state *s, struct iorec_ctx *ctx, uint64_t now)
{
	uint64_t failed = 0;
	struct pidmap tmp;
	int rc = list_pids(s);
	s->polls++;
	if (rc < 0) {
		if (!s->said_other++)
			iorec_report(ctx, "procio", "cannot list /proc: %s (counted)", strerror(-rc));
		s->other_errors++;
		pio_loss(ctx, now, 1);
		return rc == -ENOMEM ? rc : 0;
	}
	if ((rc = classify(s, ctx)) < 0)
		return rc;
	for (size_t i = 0; i < s->npids; i++) {
		uint32_t pid = s->pids[i];
		if (pm_get(&s->cur, pid) != PID_TRACKED)
			continue;
		rc = sample_pid(s, ctx, pid, now);
		if (rc == 1) {
			s->samples++;
		} else if (rc == -EACCES || rc == -EPERM) {
			s->eacces++;
			failed++;
			if (!s->said_eacces++)
				iorec_report(ctx, "procio",
					     "cannot read /proc/%u/io: %s (such processes are counted, not sampled)",
					     pid, strerror(-rc));
		} else if (rc == 2) {
			return s->write_rc;
		} else if (rc < 0) {
			s->other_errors++;
			failed++;
			if (!s->said_other++)
				iorec_report(ctx, "procio", "cannot read /proc/%u/io: %s (counted)", pid,
					     strerror(-rc));
		}
	}
	if (failed)
		pio_loss(ctx, now, failed);
	/* tracked processes that are gone exited since the last poll */
	for (size_t i = 0; i < s->old.cap; i++) {
		uint32_t pid = s->old.pid[i];
		if (pid && s->old.cls[i] == PID_TRACKED && pm_get(&s->cur, pid) == PID_UNKNOWN &&
		    pid != (uint32_t)ctx->target_pid)
			iorec_note_exit(ctx, pid, now, -1);
	}
	tmp = s->old;
	s->old = s->cur;
	s->cur = tmp;
	return 0;
}

static int pio_available(const struct iorec_config *cfg, char *why, size_t whylen)
{
	if (access("/proc/self/io", R_OK) == 0)
		return 1;
	snprintf(why, whylen, "cannot read /proc/self/io: %s (kernel without task I/O accounting?)",
		 strerror(errno));
	return 0;
}

static int pio_init(void **state, struct iorec_ctx *ctx, char *why, size_t whylen)
{
	struct procio_state *s;
	if (!pio_available(ctx->cfg, why, whylen))
		return -ENOTSUP;
	if (!(s = calloc(1, sizeof *s)))
		return -ENOMEM;
	s->interval_ns = (uint64_t)ctx->cfg->interval_ms * 1000000ull;
	*state = s;
	return 0;
}

static int pio_poll(void *state, struct iorec_ctx *ctx, uint64_t now, uint64_t *next_ns)
{
	struct procio_state *s = state;
	*next_ns = now + s->interval_ns;
	return pio_sample(s, ctx, now);
}

static int pio_stop(void *state, struct iorec_ctx *ctx)
{
	struct procio_state *s = state;
	/* closing sample: COMMAND is still a zombie here, its counters
	 * (which include its reaped children) are final */
	int rc = pio_sample(s, ctx, iot_now_mono_ns());
	iot_writer_set_metaf(ctx->w, "source.procio.polls", "%llu", (unsigned long long)s->polls);
	iot_writer_set_metaf(ctx->w, "source.procio.samples", "%llu", (unsigned long long)s->samples);
	iot_writer_set_metaf(ctx->w, "source.procio.eacces", "%llu", (unsigned long long)s->eacces);
	iot_writer_set_metaf(ctx->w, "source.procio.errors", "%llu",
			     (unsigned long long)s->other_errors);
	return rc;
}

static void pio_destroy(void *state)
{
	struct procio_state *s = state;
	if (!s)
		return;
	pm_free(&s->old);
	pm_free(&s->cur);
	free(s->pids);
	free(s->ppids);
	free(s);
}

const struct iorec_source_ops iorec_source_procio = {
	.name = "procio",
	.kind = IOREC_SRC_POLL,
	.available = pio_available,
	.init = pio_init,
	.poll = pio_poll,
	.stop = pio_stop,
	.destroy = pio_destroy,
};
