/* preload_spool.c - shards, the library and executables: the parts of
 * the preload source that do not need the recorder core. */
#include "record/preload/preload_spool.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "record/preload/preload_rt.h"

/* ------------------------------------------------------------------ */
/* Library and executables                                             */
/* ------------------------------------------------------------------ */

int preload_find_library(const char *exe_dir, char *out, size_t outlen, char *why,
			 size_t whylen)
{
	static const char *const rel[] = { "/../lib/iorec/", "/../lib/" };
	const char *env = getenv("IOREC_PRELOAD_LIB");
	char cand[PATH_MAX], self[PATH_MAX];

	if (env && *env) {
		if (access(env, R_OK) == 0 && realpath(env, cand) && strlen(cand) < outlen)
			goto found;
		snprintf(why, whylen, "IOREC_PRELOAD_LIB=%s: not readable", env);
		return -ENOENT;
	}
	if (!exe_dir) { /* the directory of the running program */
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;
		self[n > 0 ? n : 0] = 0;
		if ((slash = strrchr(self, '/')))
			*slash = 0, exe_dir = self;
	}
	for (size_t i = 0; exe_dir && i < sizeof(rel) / sizeof(rel[0]); i++) {
		char path[PATH_MAX + 64];
		if (snprintf(path, sizeof(path), "%.*s%s%s", PATH_MAX - 1, exe_dir, rel[i],
			     PRELOAD_SO_NAME) >= (int)sizeof(path))
			continue;
		if (access(path, R_OK) == 0 && realpath(path, cand) && strlen(cand) < outlen)
			goto found;
	}
	snprintf(why, whylen, "%s not found in %s/../lib/iorec/ or %s/../lib/", PRELOAD_SO_NAME,
		 exe_dir ? exe_dir : "?", exe_dir ? exe_dir : "?");
	return -ENOENT;
found:
	/* LD_PRELOAD splits on spaces and colons. */
	if (strpbrk(cand, " :")) {
		snprintf(why, whylen, "%s: LD_PRELOAD cannot name a path with spaces or colons", cand);
		return -EINVAL;
	}
	snprintf(out, outlen, "%s", cand);
	return 0;
}

/* An invariant TSC ticks at a constant rate in every state and on every
 * CPU (cpuid 0x80000007, EDX bit 8). */
int preload_tsc_invariant(void)
{
#if defined(__x86_64__)
	uint32_t a = 0x80000000u, b, c, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	if (a < 0x80000007u)
		return 0;
	a = 0x80000007u;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return (d >> 8) & 1;
#else
	return 0;
#endif
}

const char *preload_which(const char *file, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	if (!file || strchr(file, '/'))
		return file;
	for (const char *p = path ? path : "/bin:/usr/bin"; *p;) {
		size_t n = strcspn(p, ":");
		if (n && (size_t)snprintf(buf, len, "%.*s/%s", (int)n, p, file) < len &&
		    access(buf, X_OK) == 0)
			return buf;
		p += n + (p[n] == ':');
	}
	return NULL;
}

int preload_check_interposable(const char *path, char *why, size_t whylen)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 1;

	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		goto out; /* a script or a foreign file: its interpreter runs */
	rc = 0;
	/* every exec of a traced process comes here: the program headers in
	 * one read (they are a few hundred bytes) */
	unsigned char tab[4096];
	size_t esz = eh.e_phentsize, want = (size_t)eh.e_phnum * esz;
	ssize_t got = esz >= sizeof(Elf64_Phdr)
			      ? pread(fd, tab, want < sizeof(tab) ? want : sizeof(tab), (off_t)eh.e_phoff)
			      : -1;
	for (size_t off = 0; got > 0 && off + sizeof(Elf64_Phdr) <= (size_t)got; off += esz) {
		Elf64_Phdr ph;
		memcpy(&ph, tab + off, sizeof(ph));
		if (ph.p_type == PT_INTERP)
			rc = 1;
	}
	if (!rc)
		snprintf(why, whylen,
			 "%s is statically linked: LD_PRELOAD cannot reach it, so its I/O is not "
			 "traced (use -s ebpf as root, or a dynamically linked build)", path);
out:
	close(fd);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Shards                                                              */
/* ------------------------------------------------------------------ */

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n > k && strcmp(s + n - k, suf) == 0;
}

/* cmdline with every word that holds a '/' rewritten. */
static const char *anon_cmdline(const char *cmd, char *out, size_t outlen, preload_path_fn anon,
				void *arg)
{
	size_t o = 0;

	out[0] = 0;
	while (cmd && *cmd && o + 1 < outlen) {
		size_t n = strcspn(cmd, " ");
		char word[PATH_MAX], h[PATH_MAX];
		snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1), cmd);
		const char *w = strchr(word, '/') ? anon(arg, word, h, sizeof(h)) : word;
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? " " : "", w);
		cmd += n;
		cmd += strspn(cmd, " ");
	}
	return out;
}

/* Decode a shard and write its records again, paths rewritten. */
static int copy_anonymized(iot_writer *w, iot_reader *r, preload_path_fn anon, void *arg)
{
	char p1[PATH_MAX], p2[PATH_MAX], cmd[8192];
	int rc = 0;

	for (size_t i = 0; !rc && i < iot_reader_file_count(r); i++) {
		struct iot_file f = *iot_reader_file_at(r, i);
		f.path = f.path ? anon(arg, f.path, p1, sizeof(p1)) : NULL;
		rc = iot_writer_add_file(w, &f);
	}
	for (size_t i = 0; !rc && i < iot_reader_proc_count(r); i++) {
		struct iot_proc p = *iot_reader_proc_at(r, i);
		p.exe = p.exe ? anon(arg, p.exe, p2, sizeof(p2)) : NULL;
		p.cmdline = p.cmdline ? anon_cmdline(p.cmdline, cmd, sizeof(cmd), anon, arg) : NULL;
		rc = iot_writer_add_proc(w, &p);
	}
	for (size_t i = 0; !rc && i < iot_reader_chunk_count(r); i++) {
		const struct iot_record *recs;
		size_t n;
		if (iot_reader_decode_chunk(r, i, &recs, &n) < 0)
			continue; /* corrupt: counted by the reader */
		for (size_t j = 0; !rc && j < n; j++) {
			if (recs[j].stream == IOT_STREAM_IO)
				rc = iot_writer_add_io(w, &recs[j].u.io);
			else if (recs[j].stream == IOT_STREAM_LOSS)
				rc = iot_writer_add_loss(w, &recs[j].u.loss);
		}
	}
	return rc;
}

/* The shard at path, or in memory (len bytes at mem, a frame of the
 * batch file; path names it), decoded and written again with paths
 * rewritten. */
static int append_anonymized(iot_writer *w, const char *path, const void *mem, size_t len,
			     uint64_t *dropped, uint32_t *bad, struct iot_error *err,
			     preload_path_fn anon, void *arg)
{
	iot_reader *r;
	struct iot_integrity in;
	int rc = mem ? iot_reader_open_mem(&r, mem, len, path, err) : iot_reader_open(&r, path, err);

	if (rc < 0)
		return rc;
	rc = copy_anonymized(w, r, anon, arg);
	iot_reader_integrity(r, &in);
	*dropped = in.dropped_bytes;
	*bad = in.corrupt_chunks;
	iot_reader_close(r);
	return rc;
}

/* One thing to merge: a shard file, or a frame of the batch file. */
struct shard_ent {
	uint64_t key;      /* creation time: the name's, or the frame's */
	char name[256];    /* file name; "" for a frame */
	int done;          /* a completed shard (frames always are) */
	const uint8_t *mem; /* the frame's shard */
	size_t len;
	uint32_t pid;
};

static int merge_one(iot_writer *w, const char *spool, const struct shard_ent *e,
		     struct preload_merge_stats *st, preload_path_fn anon, void *arg)
{
	uint64_t dropped = 0;
	uint32_t bad = 0;
	struct iot_error err = { 0 };
	char path[PATH_MAX];
	int rc;

	if (e->mem)
		snprintf(path, sizeof(path), "%.*s/%s (frame of pid %u)", PATH_MAX - 64, spool,
			 PRELOAD_BATCH_NAME, e->pid);
	else
		snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX - 300, spool, e->name);
	if (anon)
		rc = append_anonymized(w, path, e->mem, e->len, &dropped, &bad, &err, anon, arg);
	else if (e->mem)
		rc = iot_writer_append_trace_mem(w, e->mem, e->len, path, &dropped, &bad, &err);
	else
		rc = iot_writer_append_trace(w, path, &dropped, &bad, &err);
	if (rc < 0) {
		st->failed++;
		if (!st->first_error[0])
			snprintf(st->first_error, sizeof(st->first_error), "%.150s: %.100s", path,
				 err.msg[0] ? err.msg : iot_strerror(rc));
		/* An empty shard (process killed before its header) is no loss. */
		return rc == IOT_E_EMPTY || rc == IOT_E_TRUNCATED ? 0 : rc;
	}
	st->shards++;
	st->batched += e->mem != NULL;
	st->unclosed += !e->done;
	st->bad_chunks += bad;
	st->dropped_bytes += dropped;
	return 0;
}

/* Oldest first: names start with the creation time (fixed-width hex),
 * frames carry the same, so the shards of one pid (before and after
 * exec) follow each other in the order the images ran; file times are
 * too coarse for that. */
static int shard_cmp(const void *a, const void *b)
{
	const struct shard_ent *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct shard_list {
	struct shard_ent *v;
	size_t n, cap;
};

static struct shard_ent *list_add(struct shard_list *l)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		struct shard_ent *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		l->v = nv;
		l->cap = nc;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static int list_shards(const char *spool, int all, struct shard_list *l)
{
	DIR *d = opendir(spool);
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int done = has_suffix(de->d_name, PRELOAD_SHARD_DONE_SUFFIX);
		struct stat st;
		struct shard_ent *e;
		if ((!done && !(all && has_suffix(de->d_name, PRELOAD_SHARD_OPEN_SUFFIX))) ||
		    strlen(de->d_name) >= sizeof(e->name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (!(e = list_add(l))) {
			closedir(d);
			return -ENOMEM;
		}
		snprintf(e->name, sizeof(e->name), "%s", de->d_name);
		e->key = strtoull(de->d_name, NULL, 16);
		e->done = done;
	}
	closedir(d);
	return 0;
}

/* The frames of the batch file that follow what earlier calls merged
 * (st->batch_read), read into *buf and listed in l. A frame still being
 * written stays for the next call, unless all; damaged bytes (a writer
 * killed in the middle of its write) are skipped up to the next intact
 * frame and counted. Returns the bytes of the file this call accounts
 * for (to add to st->batch_read once merged), or a negative code. */
static ssize_t read_batch(int fd, int all, struct preload_merge_stats *st, uint8_t **buf,
			  struct shard_list *l)
{
	struct stat sb;
	size_t len, got = 0, pos = 0;
	uint8_t *b;

	*buf = NULL;
	if (fstat(fd, &sb) != 0)
		return -errno;
	if ((uint64_t)sb.st_size <= st->batch_read)
		return 0;
	len = (size_t)((uint64_t)sb.st_size - st->batch_read);
	if (!(b = malloc(len)))
		return -ENOMEM;
	while (got < len) {
		ssize_t k = pread(fd, b + got, len - got, (off_t)(st->batch_read + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	len = got;
	*buf = b;
	while (pos < len) {
		const uint8_t *p = b + pos;
		size_t avail = len - pos;
		if (avail < PRELOAD_FRAME_HEADER && !all)
			break; /* a header still being written */
		struct preload_frame f;
		if (preload_frame_parse(p, avail, &f)) {
			size_t flen = f.len;
			if (avail - PRELOAD_FRAME_HEADER < flen) {
				if (!all)
					break; /* a frame still being written */
			} else if (f.crc == (uint32_t)crc32(0, p + PRELOAD_FRAME_HEADER, (uInt)flen)) {
				struct shard_ent *e = list_add(l);
				if (!e)
					return -ENOMEM;
				e->key = f.key;
				e->pid = f.pid;
				e->done = 1;
				e->mem = p + PRELOAD_FRAME_HEADER;
				e->len = flen;
				pos += PRELOAD_FRAME_HEADER + flen;
				continue;
			}
		}
		/* damage: on to the next intact frame header */
		size_t skip = 1;
		while (skip < avail && !preload_frame_parse(p + skip, avail - skip, &f)) {
			const uint8_t *m = memchr(p + skip + 1, PRELOAD_FRAME_MAGIC[0], avail - skip - 1);
			skip = m ? (size_t)(m - p) : avail;
		}
		if (skip == avail && !all) {
			/* keep what could be the start of a header still being written */
			if (avail <= PRELOAD_FRAME_HEADER)
				break;
			skip = avail - (PRELOAD_FRAME_HEADER - 1);
		}
		st->bad_frames++;
		st->dropped_bytes += skip;
		pos += skip;
	}
	return (ssize_t)pos;
}

/* ---- the merge journal (preload_spool.h) ---- */

#define JOURNAL_MAGIC "iorec-merge-journal 1"

void preload_journal_free(struct preload_journal *j)
{
	free(j->shards);
	j->shards = NULL;
	j->nshards = 0;
}

/* One line (without its newline) into *j; seen collects the keys met. */
static int journal_line(const char *l, size_t n, struct preload_journal *j, unsigned *seen,
			size_t *cap)
{
	char buf[300], word[16], name[300], tail;
	unsigned long long a, b;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, l, n);
	buf[n] = 0;
	if (!(*seen & 1))
		return strcmp(buf, JOURNAL_MAGIC) == 0 ? (*seen |= 1, 0) : -EINVAL;
	if (sscanf(buf, "state %15s%c", word, &tail) == 1) {
		if (strcmp(word, "running") && strcmp(word, "done"))
			return -EINVAL;
		j->done = word[0] == 'd';
		*seen |= 2;
	} else if (sscanf(buf, "output %llu%c", &a, &tail) == 1) {
		j->output_bytes = a;
		*seen |= 4;
	} else if (sscanf(buf, "batch %llu %llu%c", &a, &b, &tail) == 2 && a <= b) {
		j->batch_from = a;
		j->batch_to = b;
		*seen |= 8;
	} else if (sscanf(buf, "shard %299s%c", name, &tail) == 1) {
		size_t len = strlen(name);
		if (len >= sizeof(j->shards[0]) || strchr(name, '/') || name[0] == '.')
			return -EINVAL;
		if (j->nshards == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			char(*v)[256] = realloc(j->shards, nc * sizeof(*v));
			if (!v)
				return -ENOMEM;
			j->shards = v;
			*cap = nc;
		}
		memcpy(j->shards[j->nshards++], name, len + 1);
	} else {
		return -EINVAL;
	}
	return 0;
}

int preload_journal_parse(const char *text, size_t n, struct preload_journal *j)
{
	unsigned seen = 0;
	size_t cap = 0, pos = 0;
	int rc = 0;

	memset(j, 0, sizeof(*j));
	while (pos < n && rc == 0) {
		const char *nl = memchr(text + pos, '\n', n - pos);
		if (!nl) {
			rc = -EINVAL; /* every line ends: a cut one is damage */
			break;
		}
		rc = journal_line(text + pos, (size_t)(nl - (text + pos)), j, &seen, &cap);
		pos = (size_t)(nl - text) + 1;
	}
	if (rc == 0 && seen != 15)
		rc = -EINVAL;
	if (rc)
		preload_journal_free(j);
	return rc;
}

int preload_journal_read(const char *spool, struct preload_journal *j)
{
	char path[PATH_MAX];
	struct stat sb;
	int fd, rc;

	memset(j, 0, sizeof(*j));
	snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX - 32, spool, PRELOAD_JOURNAL_NAME);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (16 << 20)) {
		close(fd);
		return -EINVAL;
	}
	size_t len = (size_t)sb.st_size, got = 0;
	char *text = malloc(len + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	while (got < len) {
		ssize_t k = read(fd, text + got, len - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	rc = preload_journal_parse(text, got, j);
	free(text);
	return rc < 0 ? rc : 1;
}

/* Replace the journal whole (a new file renamed over it): a kill leaves
 * the old one or the new one. If "running" cannot be written, the last
 * pass's "done" stays: a kill in this pass would then merge its first
 * shards twice. If "done" cannot be written, no journal is left: a
 * salvage would merge the batch file from its start again (twice, but
 * nothing lost), where the stale "running" would have cut this pass's
 * shards, deleted next, out of the trace. */
static int journal_write(const char *spool, int done, uint64_t out, uint64_t b0, uint64_t b1,
			 const struct shard_list *l)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t cap = 128 + 8 * 24, len;
	int fd, rc = 0;

	for (size_t i = 0; i < l->n; i++)
		cap += l->v[i].mem ? 0 : strlen(l->v[i].name) + 8;
	char *text = malloc(cap);
	snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX - 32, spool, PRELOAD_JOURNAL_NAME);
	snprintf(tmp, sizeof(tmp), "%.*s/%s.new", PATH_MAX - 40, spool, PRELOAD_JOURNAL_NAME);
	if (!text) {
		if (done)
			unlink(path);
		return -ENOMEM;
	}
	len = (size_t)snprintf(text, cap, JOURNAL_MAGIC "\nstate %s\noutput %llu\nbatch %llu %llu\n",
			       done ? "done" : "running", (unsigned long long)out,
			       (unsigned long long)b0, (unsigned long long)b1);
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].mem)
			len += (size_t)snprintf(text + len, cap - len, "shard %s\n", l->v[i].name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		rc = -errno;
	} else {
		size_t put = 0;
		while (put < len) {
			ssize_t k = write(fd, text + put, len - put);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				rc = k < 0 ? -errno : -EIO;
				break;
			}
			put += (size_t)k;
		}
		close(fd);
		if (rc == 0 && rename(tmp, path) != 0)
			rc = -errno;
	}
	free(text);
	if (rc) {
		unlink(tmp);
		if (done)
			unlink(path);
	}
	return rc;
}

/* The first call on a spool: take up where the journal says a merge
 * stopped (a salvage). */
static void journal_resume(const char *spool, struct preload_merge_stats *st)
{
	struct preload_journal j;
	int rc = preload_journal_read(spool, &j);

	st->resumed = 1;
	if (rc == 0)
		return;
	if (rc < 0) {
		st->journal_bad = 1;
		return;
	}
	st->batch_read = j.done ? j.batch_to : j.batch_from;
	st->batch_freed = st->batch_read; /* what came before may be holes */
	for (size_t i = 0; j.done && i < j.nshards; i++) {
		/* in the output already; deleted only after "done" was written */
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX - 300, spool, j.shards[i]);
		unlink(path);
	}
	preload_journal_free(&j);
}

/* For tests only: IOREC_TEST_MERGE_PAUSE_MS="item:N" sleeps N ms after
 * each shard a pass merges, "commit:N" after a pass wrote "done" and
 * before it deletes its shard files, so that a test can kill iorec
 * there. */
static void test_pause(const char *where)
{
	const char *v = getenv("IOREC_TEST_MERGE_PAUSE_MS");
	size_t n = strlen(where);

	if (v && strncmp(v, where, n) == 0 && v[n] == ':') {
		long ms = strtol(v + n + 1, NULL, 10);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		if (ms > 0)
			nanosleep(&ts, NULL);
	}
}

int preload_merge_spool(iot_writer *w, const char *spool, int all, struct preload_merge_stats *st,
			preload_path_fn anon, void *anon_arg)
{
	struct shard_list l = { 0 };
	char batch[PATH_MAX];
	uint8_t *buf = NULL;
	ssize_t used = 0;
	int rc, merged = 0, bfd = -1;

	if (!st->resumed)
		journal_resume(spool, st);
	rc = list_shards(spool, all, &l);
	snprintf(batch, sizeof(batch), "%.*s/%s", PATH_MAX - 16, spool, PRELOAD_BATCH_NAME);
	if (rc == 0 && (bfd = open(batch, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) >= 0 &&
	    (used = read_batch(bfd, all, st, &buf, &l)) < 0)
		rc = (int)used;
	if (rc == 0 && l.n) {
		qsort(l.v, l.n, sizeof(*l.v), shard_cmp);
		/* where the output stands, everything of its own written out */
		if ((rc = iot_writer_flush(w)) == 0)
			journal_write(spool, 0, iot_writer_bytes(w), st->batch_read,
				      st->batch_read + (uint64_t)used, &l);
	}
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		int r = merge_one(w, spool, &l.v[i], st, anon, anon_arg);
		if (r < 0) {
			/* the output itself failed: stop, keep the shards (the
			 * journal says "running": a salvage merges them all) */
			rc = r;
			break;
		}
		merged++;
		test_pause("item");
	}
	if (rc == 0 && (l.n || used > 0)) {
		journal_write(spool, 1, iot_writer_bytes(w), st->batch_read,
			      st->batch_read + (uint64_t)used, &l);
		test_pause("commit");
		for (size_t i = 0; i < l.n; i++) {
			if (l.v[i].mem)
				continue;
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX - 300, spool, l.v[i].name);
			unlink(path);
		}
	}
	if (rc == 0 && bfd >= 0) {
		st->batch_read += (uint64_t)used;
		if (!all && st->batch_read - st->batch_freed >= (1u << 20)) {
			/* give the merged part's blocks back; the file keeps its
			 * size and offsets (file systems without holes keep all) */
			uint64_t upto = st->batch_read & ~(uint64_t)4095;
			if (fallocate(bfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)upto) == 0)
				st->batch_freed = upto;
			else
				st->batch_freed = st->batch_read; /* not again for the next MiB */
		}
	}
	if (rc == 0 && all) {
		/* all merged: the spool is empty for the caller to remove */
		char path[PATH_MAX];
		unlink(batch);
		snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX - 32, spool, PRELOAD_JOURNAL_NAME);
		unlink(path);
	}
	if (bfd >= 0)
		close(bfd);
	free(buf);
	free(l.v);
	return rc < 0 ? rc : merged;
}
