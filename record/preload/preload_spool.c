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
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			break;
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

static int append_anonymized(iot_writer *w, const char *path, uint64_t *dropped, uint32_t *bad,
			     struct iot_error *err, preload_path_fn anon, void *arg)
{
	iot_reader *r;
	struct iot_integrity in;
	int rc = iot_reader_open(&r, path, err);

	if (rc < 0)
		return rc;
	rc = copy_anonymized(w, r, anon, arg);
	iot_reader_integrity(r, &in);
	*dropped = in.dropped_bytes;
	*bad = in.corrupt_chunks;
	iot_reader_close(r);
	return rc;
}

static int merge_one(iot_writer *w, const char *path, int closed, struct preload_merge_stats *st,
		     preload_path_fn anon, void *arg)
{
	uint64_t dropped = 0;
	uint32_t bad = 0;
	struct iot_error err = { 0 };
	int rc = anon ? append_anonymized(w, path, &dropped, &bad, &err, anon, arg)
		      : iot_writer_append_trace(w, path, &dropped, &bad, &err);

	if (rc < 0) {
		st->failed++;
		if (!st->first_error[0])
			snprintf(st->first_error, sizeof(st->first_error), "%.150s: %.100s", path,
				 err.msg[0] ? err.msg : iot_strerror(rc));
		/* An empty shard (process killed before its header) is no loss. */
		return rc == IOT_E_EMPTY || rc == IOT_E_TRUNCATED ? 0 : rc;
	}
	st->shards++;
	st->unclosed += !closed;
	st->bad_chunks += bad;
	st->dropped_bytes += dropped;
	return 0;
}

struct shard_ent {
	char name[256];
	int done;
};

/* Oldest first: names start with the creation time (fixed-width hex),
 * so the shards of one pid (before and after exec) follow each other in
 * the order the images ran; file times are too coarse for that. */
static int shard_cmp(const void *a, const void *b)
{
	const struct shard_ent *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int list_shards(const char *spool, int all, struct shard_ent **out, size_t *n)
{
	DIR *d = opendir(spool);
	struct dirent *de;
	size_t cap = 0;
	struct shard_ent *v = NULL;

	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int done = has_suffix(de->d_name, PRELOAD_SHARD_DONE_SUFFIX);
		struct stat st;
		if ((!done && !(all && has_suffix(de->d_name, PRELOAD_SHARD_OPEN_SUFFIX))) ||
		    strlen(de->d_name) >= sizeof(v->name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			struct shard_ent *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		snprintf(v[*n].name, sizeof(v[*n].name), "%s", de->d_name);
		v[(*n)++].done = done;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), shard_cmp);
	*out = v;
	return 0;
}

int preload_merge_spool(iot_writer *w, const char *spool, int all, struct preload_merge_stats *st,
			preload_path_fn anon, void *anon_arg)
{
	struct shard_ent *v = NULL;
	size_t n;
	int rc = list_shards(spool, all, &v, &n), merged = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", spool, v[i].name);
		int r = merge_one(w, path, v[i].done, st, anon, anon_arg);
		if (r < 0) {
			/* the output itself failed: stop, keep the shards */
			rc = r;
			break;
		}
		merged++;
		unlink(path);
	}
	free(v);
	return rc < 0 ? rc : merged;
}

