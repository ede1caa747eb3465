/* salvage.c - iorec --salvage (see salvage.h). */
#include "record/salvage.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/iotrace.h"
#include "record/preload/preload_spool.h"
#include "record/recorder.h"

#define MAX_INPUTS 64

struct input {
	char path[PATH_MAX + 64];
	int spool;       /* a spool directory, else a trace file */
	int pid;         /* the iorec that left it (from its name), or 0 */
	int leftover;    /* named as iorec's temporary files: removed once salvaged */
	int preload;     /* a trace recorded with the preload source */
};

struct salvage {
	const struct iorec_options *o;
	struct input in[MAX_INPUTS];
	int n;
	char out[PATH_MAX];
	char moved[PATH_MAX + 64]; /* in place: where the old trace waits */
	int anonymized;       /* a trace says rec.anonymized = yes */
};

/* IOREC_SPOOL_PREFIX "PID-XXXXXX": PID, or 0. */
static pid_t spool_pid(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash && slash[1] ? slash + 1 : path;
	const size_t n = strlen(IOREC_SPOOL_PREFIX);
	char *end;

	if (strncmp(base, IOREC_SPOOL_PREFIX, n) != 0)
		return 0;
	long v = strtol(base + n, &end, 10);
	return v > 0 && *end == '-' ? (pid_t)v : 0;
}

/* Is pid an iorec still at work (then its files are not leftovers)? */
static int iorec_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return strncmp(comm, "iorec", 5) == 0;
}

static int add_input(struct salvage *s, const char *path, int spool)
{
	struct input *in;
	char name[PATH_MAX];

	if (s->n == MAX_INPUTS) {
		fprintf(stderr, "iorec: --salvage: at most %d inputs\n", MAX_INPUTS);
		return -E2BIG;
	}
	in = &s->in[s->n++];
	snprintf(in->path, sizeof(in->path), "%s", path);
	for (size_t k = strlen(in->path); k > 1 && in->path[k - 1] == '/'; k--)
		in->path[k - 1] = 0; /* "spool/" names the spool */
	in->spool = spool;
	if (spool)
		in->leftover = (in->pid = spool_pid(in->path)) > 0;
	else
		in->leftover = iot_writer_tmp_target(in->path, name, sizeof(name), &in->pid);
	if (in->pid && iorec_alive(in->pid)) {
		fprintf(stderr, "iorec: --salvage: %s belongs to iorec pid %d, which is still "
			"recording\n", path, (int)in->pid);
		return -EBUSY;
	}
	return 0;
}

/* The spool of the iorec that left the temporary trace at path, if it
 * was not given: in TMPDIR, /tmp or beside the trace. */
static int find_spool(struct salvage *s, const char *path, pid_t pid)
{
	const char *tmp = getenv("TMPDIR"), *slash = strrchr(path, '/');
	char dirs[3][PATH_MAX], pat[PATH_MAX + 64];
	int ndirs = 0, rc = 0;

	for (int i = 0; i < s->n; i++)
		if (s->in[i].spool && s->in[i].pid == pid)
			return 0;
	if (tmp && *tmp == '/')
		snprintf(dirs[ndirs++], PATH_MAX, "%s", tmp);
	snprintf(dirs[ndirs++], PATH_MAX, "/tmp");
	if (slash)
		snprintf(dirs[ndirs++], PATH_MAX, "%.*s", (int)(slash - path), path);
	else
		snprintf(dirs[ndirs++], PATH_MAX, ".");
	for (int d = 0; d < ndirs && rc == 0; d++) {
		glob_t g;
		snprintf(pat, sizeof(pat), "%.*s/" IOREC_SPOOL_PREFIX "%d-*", PATH_MAX - 1, dirs[d], (int)pid);
		if (glob(pat, GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
			int seen = 0;
			for (int k = 0; k < s->n; k++)
				seen |= s->in[k].spool && s->in[k].pid == pid;
			if (seen)
				break; /* the same directory by another name */
			iorec_say(s->o, "salvage: using %s, the spool of the same recording", g.gl_pathv[i]);
			rc = add_input(s, g.gl_pathv[i], 1);
		}
		globfree(&g);
	}
	return rc;
}

static int parse_inputs(struct salvage *s)
{
	const struct iorec_options *o = s->o;
	int ntraces = 0, last_trace = -1, rc;

	if (o->ncommand == 0) {
		fprintf(stderr, "iorec: --salvage needs what a cut recording left: its trace "
			"(.NAME.tmp.PID.XXXXXXXX, or NAME) and/or its spool directory "
			"(iorec-spool-PID-XXXXXX)\nTry 'iorec --help' for more information.\n");
		return 2;
	}
	for (int i = 0; i < o->ncommand; i++) {
		struct stat st;
		if (stat(o->command[i], &st) < 0) {
			fprintf(stderr, "iorec: --salvage: %s: %s\n", o->command[i], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			fprintf(stderr, "iorec: --salvage: %s is neither a trace file nor a spool "
				"directory\n", o->command[i]);
			return 1;
		}
		if ((rc = add_input(s, o->command[i], S_ISDIR(st.st_mode))) < 0)
			return 1;
	}
	for (int i = 0, n = s->n; i < n; i++) {
		if (s->in[i].spool)
			continue;
		ntraces++;
		last_trace = i;
		if (s->in[i].leftover && find_spool(s, s->in[i].path, s->in[i].pid) < 0)
			return 1;
	}
	if (o->output) {
		snprintf(s->out, sizeof(s->out), "%s", o->output);
	} else if (ntraces == 1 && s->in[last_trace].leftover) {
		int pid;
		iot_writer_tmp_target(s->in[last_trace].path, s->out, sizeof(s->out), &pid);
	} else if (ntraces == 1) {
		snprintf(s->out, sizeof(s->out), "%s", s->in[last_trace].path); /* in place */
	} else {
		fprintf(stderr, "iorec: --salvage: name the output with -o FILE\n"
			"Try 'iorec --help' for more information.\n");
		return 2;
	}
	return 0;
}

/* Traced processes still writing into a spool: each holds the batch
 * file or its shard open. Salvaging now would lose what they write
 * next. The first few as "PID (comm)" in who; their number. */
static int spool_writers(const char *spool, char *who, size_t len)
{
	char real[PATH_MAX];
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	int n = 0;
	size_t rl;

	who[0] = 0;
	if (!proc || !realpath(spool, real)) {
		if (proc)
			closedir(proc);
		return 0;
	}
	rl = strlen(real);
	while ((pe = readdir(proc))) {
		char dir[64], link[128], target[PATH_MAX];
		DIR *fds;
		struct dirent *fe;
		int holds = 0;
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		snprintf(dir, sizeof(dir), "/proc/%.20s/fd", pe->d_name);
		if (!(fds = opendir(dir)))
			continue;
		while (!holds && (fe = readdir(fds))) {
			snprintf(link, sizeof(link), "%s/%.20s", dir, fe->d_name);
			ssize_t k = readlink(link, target, sizeof(target) - 1);
			if (k <= 0)
				continue;
			target[k] = 0;
			holds = (size_t)k > rl && !strncmp(target, real, rl) && target[rl] == '/';
		}
		closedir(fds);
		if (!holds)
			continue;
		if (n++ < 4) {
			char comm[32] = "?", path[64];
			snprintf(path, sizeof(path), "/proc/%.20s/comm", pe->d_name);
			FILE *f = fopen(path, "r");
			if (f) {
				if (fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = 0;
				fclose(f);
			}
			size_t used = strlen(who);
			snprintf(who + used, len - used, "%s%.20s (%s)", used ? ", " : "", pe->d_name, comm);
		}
	}
	closedir(proc);
	return n;
}

/* Does a trace say it was anonymized? Its spool then holds clear paths
 * and the key that hid them is gone. */
static void read_flags(struct salvage *s, struct input *in)
{
	iot_reader *r;

	if (iot_reader_open(&r, in->path, NULL) < 0)
		return;
	const char *v = iot_reader_meta(r, "rec.anonymized");
	if (v && strcmp(v, "yes") == 0)
		s->anonymized = 1;
	struct iot_integrity ig;
	iot_reader_integrity(r, &ig);
	v = iot_reader_meta(r, "rec.sources");
	/* a trace with its index was finished: its spool was merged whole */
	in->preload = !ig.footer_ok && v && strstr(v, "preload") != NULL;
	iot_reader_close(r);
}

/* Make room for the output: the trace completed in place waits under
 * another name; an existing output is replaced only with --force. */
static int prepare_output(struct salvage *s)
{
	struct stat st, ist;
	int out_exists = lstat(s->out, &st) == 0;

	for (int i = 0; i < s->n; i++) {
		/* the same file, by whatever name: completed in place */
		if (s->in[i].spool || !out_exists || stat(s->in[i].path, &ist) != 0 ||
		    ist.st_dev != st.st_dev || ist.st_ino != st.st_ino)
			continue;
		const char *slash = strrchr(s->out, '/');
		int dirlen = slash ? (int)(slash - s->out + 1) : 0;
		snprintf(s->moved, sizeof(s->moved), "%.*s.%s.salvage.%d", dirlen, s->out,
			 s->out + dirlen, (int)getpid());
		if (rename(s->out, s->moved) < 0) {
			fprintf(stderr, "iorec: --salvage: cannot rename %s: %s\n", s->out, strerror(errno));
			return -errno;
		}
		snprintf(s->in[i].path, sizeof(s->in[i].path), "%s", s->moved);
		s->in[i].leftover = 1;
		return 0;
	}
	if (out_exists) {
		if (!s->o->force) {
			fprintf(stderr, "iorec: %s exists; not overwriting it (use --force to replace it)\n",
				s->out);
			return -EEXIST;
		}
		if (unlink(s->out) < 0) {
			fprintf(stderr, "iorec: cannot replace %s: %s\n", s->out, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The spool input recorded by the same iorec as trace input t: the one
 * of the same pid, or the only spool beside the only trace; or -1. */
static int spool_of(const struct salvage *s, int t)
{
	int nt = 0, ns = 0, last = -1;

	for (int i = 0; i < s->n; i++) {
		if (!s->in[i].spool) {
			nt++;
			continue;
		}
		ns++;
		last = i;
		if (s->in[t].pid > 0 && s->in[i].pid == s->in[t].pid)
			return i;
	}
	return nt == 1 && ns == 1 ? last : -1;
}

static int salvage_trace(struct salvage *s, iot_writer *w, int t)
{
	const struct input *in = &s->in[t];
	uint64_t dropped = 0, upto = UINT64_MAX;
	uint32_t bad = 0;
	struct iot_error e = { 0 };
	struct preload_journal j;
	int sp = spool_of(s, t), rc;

	/* a merge pass cut short: its chunks come again from the spool */
	if (sp >= 0 && preload_journal_read(s->in[sp].path, &j) > 0) {
		if (!j.done) {
			upto = j.output_bytes;
			iorec_say(s->o, "salvage: %s: iorec was killed while merging %s; the chunks "
			    "from byte %llu on come again from the spool", in->path, s->in[sp].path,
			    (unsigned long long)upto);
		}
		preload_journal_free(&j);
	}
	rc = iot_writer_append_trace_upto(w, in->path, upto, &dropped, &bad, &e);

	if (rc < 0) {
		if (e.code)
			fprintf(stderr, "iorec: --salvage: %s: offset %llu: %s\n", in->path,
				(unsigned long long)e.offset, e.msg);
		else
			fprintf(stderr, "iorec: --salvage: %s: %s\n", in->path, iot_strerror(rc));
		return rc;
	}
	iorec_say(s->o, "salvage: %s: every complete chunk kept (%llu bytes of cut tail, %u corrupt chunks "
	    "left out)", s->moved[0] && strcmp(in->path, s->moved) == 0 ? s->out : in->path,
	    (unsigned long long)dropped, bad);
	return 0;
}

static int salvage_spool(struct salvage *s, iot_writer *w, const struct input *in)
{
	struct preload_merge_stats st = { 0 };

	if (s->anonymized) {
		fprintf(stderr, "iorec: --salvage: %s not merged: the recording was anonymized and "
			"its key is gone, so the spool's clear paths cannot be hidden\n", in->path);
		return 0;
	}
	int rc = preload_merge_spool(w, in->path, 1, &st, NULL, NULL);
	if (rc < 0) {
		fprintf(stderr, "iorec: --salvage: %s: %s\n", in->path, iot_strerror(rc));
		return rc;
	}
	if (st.journal_bad)
		fprintf(stderr, "iorec: --salvage: %s/%s cannot be read: what iorec's last merge "
			"took from the spool may be in the output twice\n", in->path,
			PRELOAD_JOURNAL_NAME);
	iorec_say(s->o, "salvage: %s: %u shards merged (%u of them batch frames, %u of killed processes)%s%s",
	    in->path, st.shards, st.batched, st.unclosed, st.failed ? "; unreadable: " : "",
	    st.failed ? st.first_error : "");
	iot_writer_set_metaf(w, "rec.salvaged.spool", "%u shards, %u batched, %u unclosed, %u failed",
			     st.shards, st.batched, st.unclosed, st.failed);
	return 0;
}

int iorec_salvage(const struct iorec_options *o)
{
	struct salvage *s = calloc(1, sizeof(*s));
	iot_writer *w = NULL;
	int ntraces = 0, rc;

	if (!s) {
		fprintf(stderr, "iorec: out of memory\n");
		return 1;
	}
	s->o = o;
	if ((rc = parse_inputs(s)) != 0)
		goto out;
	rc = 1;
	for (int i = 0; i < s->n; i++)
		if (!s->in[i].spool) {
			read_flags(s, &s->in[i]);
			ntraces++;
		}
	for (int i = 0; i < s->n; i++) {
		char spool[64];
		if (s->in[i].spool || !s->in[i].preload || spool_of(s, i) >= 0)
			continue;
		if (s->in[i].pid)
			snprintf(spool, sizeof(spool), "%s%d-XXXXXX", IOREC_SPOOL_PREFIX, s->in[i].pid);
		else
			snprintf(spool, sizeof(spool), "%sPID-XXXXXX", IOREC_SPOOL_PREFIX);
		fprintf(stderr, "iorec: --salvage: warning: %s was cut short while recording with "
			"-s preload, and its spool (%s) was %s: the shards iorec had not merged yet "
			"are not in the output; name the spool too\n", s->in[i].path, spool,
			s->in[i].pid ? "not found in TMPDIR, /tmp or beside it" : "not given");
	}
	for (int i = 0; i < s->n; i++) {
		char who[256];
		int live = s->in[i].spool ? spool_writers(s->in[i].path, who, sizeof(who)) : 0;
		if (live) {
			fprintf(stderr, "iorec: --salvage: %d traced process%s still writing into %s: %s%s; "
				"salvage it once they have ended, or what they write next is lost\n",
				live, live > 1 ? "es are" : " is", s->in[i].path, who, live > 4 ? ", ..." : "");
			goto out;
		}
	}
	if (prepare_output(s) < 0)
		goto out;
	/* the traces' own metadata comes along with their chunks */
	struct iot_writer_opts wo = { .flags = ntraces ? IOT_W_NO_AUTO_META : 0 };
	int wrc = iot_writer_open(&w, s->out, &wo);
	if (wrc < 0) {
		fprintf(stderr, "iorec: cannot create %s: %s\n", s->out, iot_strerror(wrc));
		goto restore;
	}
	for (int i = 0; i < s->n; i++)
		if (!s->in[i].spool && salvage_trace(s, w, i) < 0)
			goto fail;
	for (int i = 0; i < s->n; i++)
		if (s->in[i].spool && salvage_spool(s, w, &s->in[i]) < 0)
			goto fail;
	iot_writer_set_meta(w, "rec.salvaged", "yes");
	if ((wrc = iot_writer_close(w)) < 0) {
		w = NULL;
		fprintf(stderr, "iorec: %s: write error: %s\n", s->out, iot_strerror(wrc));
		goto restore;
	}
	/* leftovers are in the output now */
	for (int i = 0; i < s->n; i++) {
		if (!s->in[i].leftover)
			continue;
		if (s->in[i].spool)
			rmdir(s->in[i].path); /* emptied by the merge */
		else
			unlink(s->in[i].path);
	}
	iorec_say(s->o, "salvaged %s", s->out);
	rc = 0;
	goto out;
fail:
	/* merged shards are gone from their spool: keep what was written */
	iot_writer_abandon(w);
	fprintf(stderr, "iorec: --salvage stopped; what it wrote is in %s (without an index; it "
		"opens by recovery)%s%s\n", s->out, s->moved[0] ? ", the trace it started from in " : "",
		s->moved);
	goto out;
restore:
	if (s->moved[0] && rename(s->moved, s->out) < 0)
		fprintf(stderr, "iorec: the trace to salvage is still at %s\n", s->moved);
out:
	free(s);
	return rc;
}
