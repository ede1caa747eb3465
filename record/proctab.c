/* proctab.c - process table: /proc readers and a pid hash. */
#include "record/proctab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { SLOT_EMPTY = 0, SLOT_LIVE = 1, SLOT_EXITED = 2, SLOT_GONE = 3 };

/* A pid that had already vanished from /proc is not looked up again for
 * this long: event sources drain events of dead processes in bursts. */
#define GONE_RETRY_NS 1000000000ull

struct slot {
	uint32_t pid;
	uint32_t state;
	uint32_t ppid, uid, gid;
	uint64_t start_ns; /* SLOT_GONE: when the pid was found gone */
	uint64_t noted_ns; /* when its record was written */
	char comm[16];     /* as first seen: an exec changes it */
	int no_cmdline;    /* read mid-exec (no arguments, nor its new environment yet) */
};

/* A process noted between fork and exec carries its parent's comm; for
 * this long after first sight proctab_refresh() looks for the exec. */
#define EXEC_WATCH_NS 2000000000ull

struct proctab {
	struct proctab_opts opts;
	char *job_id;
	struct slot *slots;
	size_t cap, used; /* used counts non-empty slots */
	uint64_t noted;
};

/* Job id variables of the batch systems, in the order we trust them. */
static const char *const job_env_vars[] = {"SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID",
					   "FLUX_JOB_ID"};

struct proctab *proctab_new(const struct proctab_opts *opts)
{
	struct proctab *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->opts = *opts;
	if (opts->job_id && !(t->job_id = strdup(opts->job_id)))
		goto fail;
	t->cap = 1024;
	if (!(t->slots = calloc(t->cap, sizeof *t->slots)))
		goto fail;
	t->opts.job_id = t->job_id;
	return t;
fail:
	proctab_free(t);
	return NULL;
}

void proctab_free(struct proctab *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->job_id);
	free(t);
}

uint64_t proctab_count(const struct proctab *t)
{
	return t->noted;
}

static size_t hash_pid(uint32_t pid, size_t cap)
{
	return (size_t)((pid * 2654435761u) & (cap - 1));
}

static struct slot *find_slot(struct proctab *t, uint32_t pid)
{
	size_t i = hash_pid(pid, t->cap);
	while (t->slots[i].state != SLOT_EMPTY && t->slots[i].pid != pid)
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static int grow(struct proctab *t)
{
	struct slot *old = t->slots;
	size_t oldcap = t->cap;
	t->slots = calloc(oldcap * 2, sizeof *t->slots);
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].state != SLOT_EMPTY)
			*find_slot(t, old[i].pid) = old[i];
	free(old);
	return 0;
}

/* Read a small /proc file; returns bytes or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, total = 0;
	if (fd < 0)
		return -errno;
	while ((size_t)total < cap - 1 &&
	       (n = read(fd, buf + total, cap - 1 - (size_t)total)) > 0)
		total += n;
	if (total == 0 && n < 0)
		total = -errno;
	close(fd);
	if (total >= 0)
		buf[total] = '\0';
	return total;
}

/* Monotonic ns of a start time given in clock ticks since boot. */
static uint64_t boot_ticks_to_mono(unsigned long long ticks)
{
	struct timespec bt, mt;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t boot_ns, since_boot, mono_ns, suspended;
	if (hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &bt) < 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &mt) < 0)
		return 0;
	boot_ns = (uint64_t)bt.tv_sec * 1000000000ull + (uint64_t)bt.tv_nsec;
	mono_ns = (uint64_t)mt.tv_sec * 1000000000ull + (uint64_t)mt.tv_nsec;
	since_boot = (uint64_t)ticks * (1000000000ull / (uint64_t)hz);
	/* time spent suspended separates the two clocks (read one after the
	 * other, monotonic may even be a little ahead) */
	suspended = boot_ns > mono_ns ? boot_ns - mono_ns : 0;
	if (suspended > since_boot)
		return 0;
	return since_boot - suspended;
}

struct pinfo {
	uint32_t ppid, uid, gid;
	uint64_t start_ns;
	char comm[64];
	char exe[4096];
	char cmdline[4096];
	char cgroup[1024];
	char job[256];
	char rank[32];
};

static int read_stat(uint32_t pid, struct pinfo *pi)
{
	char path[64], buf[1024], *rp;
	unsigned long long start = 0;
	int ppid = 0;
	snprintf(path, sizeof path, "/proc/%u/stat", pid);
	if (read_small(path, buf, sizeof buf) <= 0)
		return -ESRCH;
	/* comm may hold spaces and ')': the last ')' ends it */
	rp = strrchr(buf, ')');
	if (!rp || sscanf(rp + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				  "%*d %*d %*d %*d %llu", &ppid, &start) != 2)
		return -EINVAL;
	pi->ppid = (uint32_t)ppid;
	pi->start_ns = boot_ticks_to_mono(start);
	return 0;
}

static void read_status_ids(uint32_t pid, struct pinfo *pi)
{
	char path[64], buf[4096], *p;
	unsigned id;
	snprintf(path, sizeof path, "/proc/%u/status", pid);
	if (read_small(path, buf, sizeof buf) <= 0)
		return;
	if ((p = strstr(buf, "\nUid:")) && sscanf(p + 5, "%u", &id) == 1)
		pi->uid = id;
	if ((p = strstr(buf, "\nGid:")) && sscanf(p + 5, "%u", &id) == 1)
		pi->gid = id;
}

static void read_texts(uint32_t pid, struct pinfo *pi)
{
	char path[64];
	ssize_t n;
	snprintf(path, sizeof path, "/proc/%u/comm", pid);
	if ((n = read_small(path, pi->comm, sizeof pi->comm)) > 0 && pi->comm[n - 1] == '\n')
		pi->comm[n - 1] = '\0';
	snprintf(path, sizeof path, "/proc/%u/exe", pid);
	n = readlink(path, pi->exe, sizeof pi->exe - 1);
	pi->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof path, "/proc/%u/cmdline", pid);
	n = read_small(path, pi->cmdline, sizeof pi->cmdline);
	/* arguments are NUL-separated: join them with spaces */
	for (ssize_t i = 0; i < n; i++)
		if (pi->cmdline[i] == '\0')
			pi->cmdline[i] = ' ';
	while (n > 0 && pi->cmdline[n - 1] == ' ')
		pi->cmdline[--n] = '\0';
	snprintf(path, sizeof path, "/proc/%u/cgroup", pid);
	if (read_small(path, pi->cgroup, sizeof pi->cgroup) > 0) {
		/* cgroup v2: "0::/path"; v1: keep the first line */
		char *v2 = strstr(pi->cgroup, "0::");
		char *src = (v2 && (v2 == pi->cgroup || v2[-1] == '\n')) ? v2 + 3 : pi->cgroup;
		size_t len = strcspn(src, "\n");
		memmove(pi->cgroup, src, len);
		pi->cgroup[len] = '\0';
	}
}

/* A process's environment: NUL-separated "NAME=value" strings. */
struct environ {
	char *buf;
	ssize_t n; /* bytes, or -errno */
};

static struct environ environ_read(uint32_t pid)
{
	char path[64];
	const size_t cap = 256 * 1024;
	struct environ e = { malloc(cap), -ENOMEM };

	if (e.buf) {
		snprintf(path, sizeof path, "/proc/%u/environ", pid);
		e.n = read_small(path, e.buf, cap);
	}
	return e;
}

/* The value of name in e, copied to out: 0, or -ENOENT (or e's error). */
static int environ_find(const struct environ *e, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);

	if (e->n < 0)
		return (int)e->n;
	for (ssize_t i = 0; i < e->n; i += (ssize_t)strlen(e->buf + i) + 1) {
		if (strncmp(e->buf + i, name, nl) == 0 && e->buf[i + (ssize_t)nl] == '=') {
			snprintf(out, outlen, "%s", e->buf + i + nl + 1);
			return 0;
		}
	}
	return -ENOENT;
}

int proctab_environ_get(uint32_t pid, const char *name, char *out, size_t outlen)
{
	struct environ e = environ_read(pid);
	int rc = environ_find(&e, name, out, outlen);

	free(e.buf);
	return rc;
}

/* Job id (from the environment with --all) and rank, read from one copy
 * of the process's environment. */
static void read_job_rank(const struct proctab *t, uint32_t pid, struct pinfo *pi)
{
	static const char *const rank_vars[] = { IOT_RANK_ENV_VARS };
	struct environ e = environ_read(pid);
	int found = 0;

	for (size_t i = 0; t->opts.job_from_environ && !found && i < sizeof job_env_vars / sizeof *job_env_vars; i++)
		found = environ_find(&e, job_env_vars[i], pi->job, sizeof pi->job) == 0;
	if (!found && t->opts.job_id)
		snprintf(pi->job, sizeof pi->job, "%s", t->opts.job_id);
	for (size_t i = 0; i < sizeof rank_vars / sizeof *rank_vars; i++)
		if (environ_find(&e, rank_vars[i], pi->rank, sizeof pi->rank) == 0)
			break;
	free(e.buf);
}

/* --anonymize: hash the exe and every argument that looks like a path. */
static void anonymize(const struct anon_key *key, struct pinfo *pi)
{
	char tmp[4096], out[4096];
	size_t o = 0;
	char *save = NULL, *arg;
	anon_path(key, pi->exe, tmp, sizeof tmp);
	snprintf(pi->exe, sizeof pi->exe, "%s", tmp);
	snprintf(tmp, sizeof tmp, "%s", pi->cmdline);
	out[0] = '\0';
	for (arg = strtok_r(tmp, " ", &save); arg; arg = strtok_r(NULL, " ", &save)) {
		char h[1024];
		const char *w = strchr(arg, '/') ? anon_path(key, arg, h, sizeof h) : arg;
		int k = snprintf(out + o, sizeof out - o, "%s%s", o ? " " : "", w);
		if (k < 0 || (size_t)k >= sizeof out - o)
			break;
		o += (size_t)k;
	}
	snprintf(pi->cmdline, sizeof pi->cmdline, "%s", out);
}

static int write_proc(iot_writer *w, uint32_t pid, const struct pinfo *pi, uint64_t ts)
{
	struct iot_proc p = {
		.ts_ns = ts,
		.start_ns = pi->start_ns,
		.pid = pid,
		.ppid = pi->ppid,
		.uid = pi->uid,
		.gid = pi->gid,
		.exit_status = -1,
		.comm = pi->comm[0] ? pi->comm : NULL,
		.exe = pi->exe[0] ? pi->exe : NULL,
		.cmdline = pi->cmdline[0] ? pi->cmdline : NULL,
		.cgroup = pi->cgroup[0] ? pi->cgroup : NULL,
		.job_id = pi->job[0] ? pi->job : NULL,
		.rank = pi->rank[0] ? pi->rank : NULL,
	};
	return iot_writer_add_proc(w, &p);
}

/* Read /proc/PID and write its record into slot s. 1 written, 0 gone. */
static int note_fresh(struct proctab *t, iot_writer *w, struct slot *s, uint32_t pid,
		      uint64_t now_ns)
{
	struct pinfo *pi = calloc(1, sizeof *pi);
	int rc;
	if (!pi)
		return -ENOMEM;
	if (read_stat(pid, pi) < 0) {
		free(pi);
		return 0;
	}
	read_status_ids(pid, pi);
	read_texts(pid, pi);
	read_job_rank(t, pid, pi);
	*s = (struct slot){pid, SLOT_LIVE, pi->ppid, pi->uid, pi->gid, pi->start_ns, now_ns, "", 0};
	memcpy(s->comm, pi->comm, sizeof s->comm - 1); /* comm is at most 15 bytes */
	s->comm[sizeof s->comm - 1] = '\0';
	s->no_cmdline = !pi->cmdline[0];
	if (t->opts.anon)
		anonymize(t->opts.anon, pi);
	rc = write_proc(w, pid, pi, now_ns);
	free(pi);
	return rc < 0 ? rc : 1;
}

int proctab_note(struct proctab *t, iot_writer *w, uint32_t pid, uint64_t now_ns)
{
	struct slot *s = find_slot(t, pid);
	int was_empty = s->state == SLOT_EMPTY, rc;
	if (s->state == SLOT_LIVE)
		return 0;
	if (s->state == SLOT_GONE && now_ns - s->start_ns < GONE_RETRY_NS)
		return 0;
	rc = note_fresh(t, w, s, pid, now_ns);
	if (rc < 0)
		return rc;
	if (rc == 0) /* gone already: nothing to say; remember for a while */
		*s = (struct slot){.pid = pid, .state = SLOT_GONE, .start_ns = now_ns};
	else
		t->noted++;
	if (was_empty)
		t->used++;
	return t->used * 2 > t->cap ? grow(t) : 0;
}

int proctab_refresh(struct proctab *t, iot_writer *w, uint32_t pid, uint64_t now_ns)
{
	struct slot *s = find_slot(t, pid);
	char path[64], comm[64];
	ssize_t n;
	if (s->state != SLOT_LIVE || now_ns - s->noted_ns > EXEC_WATCH_NS)
		return 0;
	snprintf(path, sizeof path, "/proc/%u/comm", pid);
	n = read_small(path, comm, sizeof comm);
	if (n <= 0)
		return 0;
	if (comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	if (strncmp(comm, s->comm, sizeof s->comm - 1) == 0) {
		/* the same comm: read again only if it was read within its
		 * exec, where the kernel shows the new comm before the new
		 * arguments and environment (a kernel thread has none) */
		snprintf(path, sizeof path, "/proc/%u/cmdline", pid);
		if (!s->no_cmdline || read_small(path, comm, sizeof comm) <= 0)
			return 0;
	}
	/* it exec'd since: a new record with the new comm, exe, cmdline */
	return note_fresh(t, w, s, pid, now_ns) < 0 ? -EIO : 0;
}

int proctab_exit(struct proctab *t, iot_writer *w, uint32_t pid, uint64_t ts_ns, int status)
{
	struct slot *s = find_slot(t, pid);
	struct iot_proc p;
	if (s->state == SLOT_EXITED)
		return 0;
	if (s->state == SLOT_EMPTY || s->state == SLOT_GONE) {
		int rc = proctab_note(t, w, pid, ts_ns);
		if (rc < 0)
			return rc;
		s = find_slot(t, pid);
		if (s->state != SLOT_LIVE) {
			/* never seen alive: remember the pid with what we know */
			if (s->state == SLOT_EMPTY)
				t->used++;
			*s = (struct slot){.pid = pid, .state = SLOT_LIVE};
		}
	}
	s->state = SLOT_EXITED;
	p = (struct iot_proc){
		.ts_ns = ts_ns,
		.start_ns = s->start_ns,
		.exit_ns = ts_ns,
		.pid = pid,
		.ppid = s->ppid,
		.uid = s->uid,
		.gid = s->gid,
		.exit_status = status,
	};
	if (t->used * 2 > t->cap && grow(t) < 0)
		return -ENOMEM;
	return iot_writer_add_proc(w, &p);
}
