/* fdtable.c - per-process fd table and inode cache for the eBPF source.
 * Two open-addressing hash tables with tombstones: fds keyed by
 * (pid << 32 | fd) and inodes keyed by (dev, ino). Per-file run-time
 * state lives here; only FILE records go to the trace. */
#include "record/ebpf/fdtable.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

enum { SLOT_FREE = 0, SLOT_USED = 1, SLOT_DEAD = 2 };

struct slot {
	uint64_t k1, k2;
	uint64_t id;
	uint64_t dev, ino;
	char *path; /* absolute when known; owned */
	int excluded;
	int state;
};

struct map {
	struct slot *s;
	size_t cap, used, filled; /* filled counts tombstones too */
};

struct fdtable {
	iot_writer *w;
	char proc[256];
	char **prefixes;
	size_t nprefixes;
	struct map fds;
	struct map inodes;
};

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

static struct slot *map_find(struct map *m, uint64_t k1, uint64_t k2)
{
	if (!m->cap)
		return NULL;
	for (size_t i = mix(k1, k2) & (m->cap - 1), n = 0; n < m->cap;
	     i = (i + 1) & (m->cap - 1), n++) {
		struct slot *s = &m->s[i];

		if (s->state == SLOT_FREE)
			return NULL;
		if (s->state == SLOT_USED && s->k1 == k1 && s->k2 == k2)
			return s;
	}
	return NULL;
}

static int map_grow(struct map *m)
{
	/* Mostly tombstones (fds closed): rehash at the same size. */
	size_t ncap = !m->cap ? 1024 : m->used * 4 < m->cap ? m->cap : m->cap * 2;
	struct slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct slot *o = &m->s[i];
		size_t j;

		if (o->state != SLOT_USED)
			continue;
		for (j = mix(o->k1, o->k2) & (ncap - 1); ns[j].state; j = (j + 1) & (ncap - 1))
			;
		ns[j] = *o;
	}
	free(m->s);
	m->s = ns;
	m->cap = ncap;
	m->filled = m->used;
	return 0;
}

/* Slot for (k1, k2), created empty if absent; NULL on ENOMEM. */
static struct slot *map_put(struct map *m, uint64_t k1, uint64_t k2)
{
	struct slot *s = map_find(m, k1, k2);
	size_t i;

	if (s)
		return s;
	if ((m->filled + 1) * 2 > m->cap && map_grow(m))
		return NULL;
	for (i = mix(k1, k2) & (m->cap - 1); m->s[i].state == SLOT_USED; i = (i + 1) & (m->cap - 1))
		;
	s = &m->s[i];
	if (s->state == SLOT_FREE)
		m->filled++;
	memset(s, 0, sizeof(*s));
	s->k1 = k1;
	s->k2 = k2;
	s->state = SLOT_USED;
	m->used++;
	return s;
}

static void map_del(struct map *m, struct slot *s)
{
	free(s->path);
	s->path = NULL;
	s->state = SLOT_DEAD;
	m->used--;
}

static void map_free(struct map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].state == SLOT_USED)
			free(m->s[i].path);
	free(m->s);
}

int fdtable_new(struct fdtable **out, iot_writer *w, const char *proc_root,
		char *const *prefixes, size_t nprefixes)
{
	struct fdtable *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->w = w;
	snprintf(t->proc, sizeof(t->proc), "%s", proc_root ? proc_root : "/proc");
	if (nprefixes) {
		t->prefixes = calloc(nprefixes, sizeof(char *));
		if (!t->prefixes) {
			free(t);
			return -ENOMEM;
		}
		for (size_t i = 0; i < nprefixes; i++) {
			t->prefixes[i] = strdup(prefixes[i]);
			if (!t->prefixes[i]) {
				t->nprefixes = i;
				fdtable_free(t);
				return -ENOMEM;
			}
		}
		t->nprefixes = nprefixes;
	}
	*out = t;
	return 0;
}

void fdtable_free(struct fdtable *t)
{
	if (!t)
		return;
	map_free(&t->fds);
	map_free(&t->inodes);
	for (size_t i = 0; i < t->nprefixes; i++)
		free(t->prefixes[i]);
	free(t->prefixes);
	free(t);
}

int fdtable_filtering(const struct fdtable *t)
{
	return t->nprefixes > 0;
}

static int excluded_path(const struct fdtable *t, const char *path)
{
	if (!t->nprefixes)
		return 0;
	for (size_t i = 0; i < t->nprefixes; i++)
		if (iot_path_under(path, t->prefixes[i]))
			return 0;
	return 1;
}

/* Fold "." and ".." and repeated slashes of an absolute path in place. */
static void normalize(char *p)
{
	char *out = p, *in = p;

	while (*in) {
		char *seg;
		size_t len;

		while (*in == '/')
			in++;
		seg = in;
		while (*in && *in != '/')
			in++;
		len = (size_t)(in - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, len);
		out += len;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

static int proc_readlink(const struct fdtable *t, uint32_t pid, const char *what,
			 char *out, size_t outlen)
{
	char link[PATH_MAX + 300];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/%u/%s", t->proc, pid, what);
	n = readlink(link, out, outlen - 1);
	if (n < 0)
		return -errno;
	out[n] = 0;
	return 0;
}

int fdtable_abspath(struct fdtable *t, uint32_t pid, int dirfd, const char *kbase,
		    const char *path, char *out, size_t outlen)
{
	char base[PATH_MAX];
	int rc = 0;

	if (path[0] == '/') {
		snprintf(out, outlen, "%s", path);
		normalize(out);
		return 0;
	}
	if (kbase && kbase[0] == '/') {
		snprintf(base, sizeof(base), "%s", kbase);
	} else if (dirfd == AT_FDCWD) {
		rc = proc_readlink(t, pid, "cwd", base, sizeof(base));
	} else {
		struct slot *s = map_find(&t->fds, (uint64_t)pid << 32 | (uint32_t)dirfd, 0);
		char what[32];

		if (s && s->path && s->path[0] == '/') {
			snprintf(base, sizeof(base), "%s", s->path);
		} else {
			snprintf(what, sizeof(what), "fd/%d", dirfd);
			rc = proc_readlink(t, pid, what, base, sizeof(base));
		}
	}
	if (rc || base[0] != '/') {
		snprintf(out, outlen, "%s", path);
		return -ENOENT;
	}
	if ((size_t)snprintf(out, outlen, "%s/%s", base, path) >= outlen)
		return -ENAMETOOLONG;
	normalize(out);
	return 0;
}

/* A name for a file /proc could not name (closed or process gone):
 * pipes and sockets as the kernel names them, else dev and inode. */
static void unknown_name(const struct fd_ident *id, char *out, size_t outlen)
{
	unsigned long long ino = (unsigned long long)id->ino;

	if (id->type == IOT_FT_FIFO)
		snprintf(out, outlen, "pipe:[%llu]", ino);
	else if (id->type == IOT_FT_SOCK)
		snprintf(out, outlen, "socket:[%llu]", ino);
	else
		snprintf(out, outlen, "[dev %u:%u inode %llu]", major(id->dev), minor(id->dev), ino);
}

static struct fd_file file_for_named(struct fdtable *t, const char *path, const char *opened,
				     const struct fd_ident *id);

static struct fd_file file_for(struct fdtable *t, const char *path, const struct fd_ident *id)
{
	return file_for_named(t, path, path, id);
}

/* Id of a file record for (path, ident); the inode cache keeps the last
 * name each inode was opened under, so that inherited fds find the name
 * their parent opened (the last: a file system gives a deleted file's
 * inode number to the next file it creates). */
static struct fd_file file_for_named(struct fdtable *t, const char *path, const char *opened,
				     const struct fd_ident *id)
{
	struct iot_file f = { .dev = id->dev, .ino = id->ino, .type = id->type, .path = path };
	struct fd_file r = { 0, excluded_path(t, opened) };

	r.id = iot_writer_file(t->w, &f);
	if (id->ino) {
		struct slot *s = map_put(&t->inodes, id->dev, id->ino);

		char *np = s && (!s->path || strcmp(s->path, path)) ? strdup(path) : NULL;

		if (np) {
			free(s->path);
			s->path = np;
			s->id = r.id;
			s->excluded = r.excluded;
		}
	}
	return r;
}

static void set_fd(struct fdtable *t, uint32_t pid, int fd, const struct fd_ident *id,
		   const char *path, struct fd_file r)
{
	struct slot *s = map_put(&t->fds, (uint64_t)pid << 32 | (uint32_t)fd, 0);

	if (!s)
		return;
	free(s->path);
	s->path = path ? strdup(path) : NULL;
	s->dev = id->dev;
	s->ino = id->ino;
	s->id = r.id;
	s->excluded = r.excluded;
}

/* Name of pid's fd from /proc, checked against the kernel's inode. */
static int resolve_proc_fd(struct fdtable *t, uint32_t pid, int fd,
			   const struct fd_ident *id, char *out, size_t outlen)
{
	char what[32], link[PATH_MAX + 300];
	struct stat st;

	snprintf(what, sizeof(what), "fd/%d", fd);
	if (proc_readlink(t, pid, what, out, outlen))
		return -ENOENT;
	snprintf(link, sizeof(link), "%s/%u/fd/%d", t->proc, pid, fd);
	if (id->ino && (stat(link, &st) || st.st_ino != id->ino || st.st_dev != id->dev))
		return -ESTALE; /* fd replaced since the event */
	return 0;
}

struct fd_file fdtable_lookup(struct fdtable *t, uint32_t pid, int fd,
			      const struct fd_ident *id)
{
	struct slot *s = map_find(&t->fds, (uint64_t)pid << 32 | (uint32_t)fd, 0);
	struct fd_file r = { 0, 0 };
	char path[PATH_MAX];

	if (fd < 0)
		return r;
	if (s && (!id->ino || (s->ino == id->ino && s->dev == id->dev)))
		return (struct fd_file){ s->id, s->excluded };
	if (id->ino) {
		struct slot *in = map_find(&t->inodes, id->dev, id->ino);

		if (in && in->path) {
			r = (struct fd_file){ in->id, in->excluded };
			set_fd(t, pid, fd, id, in->path, r);
			return r;
		}
	}
	if (resolve_proc_fd(t, pid, fd, id, path, sizeof(path))) {
		if (!id->ino)
			return r;
		unknown_name(id, path, sizeof(path));
	}
	r = file_for(t, path, id);
	set_fd(t, pid, fd, id, path, r);
	return r;
}

struct fd_file fdtable_inode(struct fdtable *t, const struct fd_ident *id)
{
	struct slot *in = id->ino ? map_find(&t->inodes, id->dev, id->ino) : NULL;
	char name[64];

	if (!id->ino)
		return (struct fd_file){ 0, 0 };
	if (in && in->path)
		return (struct fd_file){ in->id, in->excluded };
	unknown_name(id, name, sizeof(name));
	return file_for(t, name, id);
}

/* Is canon, the name /proc gives an fd now, a name of what the program
 * opened as abs? The fd may have been closed since and its number given
 * to a file on the same inode number (freed by a deletion and reused at
 * once, as ext4 does), which the inode check cannot tell. So: the same
 * last component, or abs resolving to canon through symlinks. */
static int same_file_named(const char *abs, const char *canon)
{
	const char *a = strrchr(abs, '/'), *c = strrchr(canon, '/');
	char real[PATH_MAX];

	if (a && c && strcmp(a, c) == 0)
		return 1;
	return realpath(abs, real) && strcmp(real, canon) == 0;
}

struct fd_file fdtable_open(struct fdtable *t, uint32_t pid, int dirfd, const char *base,
			    const char *path, int fd, const struct fd_ident *id)
{
	char abs[PATH_MAX], canon[PATH_MAX];
	const char *name = abs;
	struct fd_file r;
	struct fd_ident none = { 0, 0, IOT_FT_UNKNOWN };

	fdtable_abspath(t, pid, dirfd, base, path, abs, sizeof(abs));
	if (fd < 0)
		return file_for(t, abs, &none);
	/* The kernel's own name for the new fd resolves symlinks and a
	 * changed cwd; use it while the process still holds the fd. */
	if (!resolve_proc_fd(t, pid, fd, id, canon, sizeof(canon)) && canon[0] == '/' &&
	    same_file_named(abs, canon))
		name = canon;
	/* --path judges the path as the program named it (made absolute),
	 * as the kernel side does; the record keeps the kernel's name. */
	r = file_for_named(t, name, abs, id);
	set_fd(t, pid, fd, id, name, r);
	return r;
}

struct fd_file fdtable_path(struct fdtable *t, uint32_t pid, int dirfd, const char *base,
			    const char *path)
{
	char abs[PATH_MAX];
	struct fd_ident none = { 0, 0, IOT_FT_UNKNOWN };

	fdtable_abspath(t, pid, dirfd, base, path, abs, sizeof(abs));
	return file_for(t, abs, &none);
}

void fdtable_dup(struct fdtable *t, uint32_t pid, int oldfd, int newfd)
{
	struct slot *o = map_find(&t->fds, (uint64_t)pid << 32 | (uint32_t)oldfd, 0);
	struct fd_ident id;
	char *path;

	if (!o || oldfd == newfd)
		return;
	id = (struct fd_ident){ o->dev, o->ino, 0 };
	path = o->path ? strdup(o->path) : NULL; /* o may move when the map grows */
	set_fd(t, pid, newfd, &id, path, (struct fd_file){ o->id, o->excluded });
	free(path);
}

void fdtable_close(struct fdtable *t, uint32_t pid, int fd)
{
	struct slot *s = map_find(&t->fds, (uint64_t)pid << 32 | (uint32_t)fd, 0);

	if (s)
		map_del(&t->fds, s);
}

void fdtable_close_range(struct fdtable *t, uint32_t pid, unsigned first, unsigned last)
{
	for (size_t i = 0; i < t->fds.cap; i++) {
		struct slot *s = &t->fds.s[i];
		unsigned fd = (uint32_t)s->k1;

		if (s->state == SLOT_USED && s->k1 >> 32 == pid && fd >= first && fd <= last)
			map_del(&t->fds, s);
	}
}

void fdtable_exit(struct fdtable *t, uint32_t pid)
{
	fdtable_close_range(t, pid, 0, UINT_MAX);
}

void fdtable_fork(struct fdtable *t, uint32_t parent, uint32_t child)
{
	/* Collect first: inserting may grow and move the table. */
	size_t n = 0, cap = t->fds.cap;
	struct slot *copy = cap ? calloc(cap, sizeof(*copy)) : NULL;

	if (!copy)
		return;
	for (size_t i = 0; i < cap; i++)
		if (t->fds.s[i].state == SLOT_USED && t->fds.s[i].k1 >> 32 == parent)
			copy[n++] = t->fds.s[i];
	for (size_t i = 0; i < n; i++) {
		struct fd_ident id = { copy[i].dev, copy[i].ino, 0 };

		set_fd(t, child, (int)(uint32_t)copy[i].k1, &id, copy[i].path,
		       (struct fd_file){ copy[i].id, copy[i].excluded });
	}
	free(copy);
}

int fdtable_scan(struct fdtable *t, uint32_t pid)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/%u/fd", t->proc, pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char link[PATH_MAX + 300];
		struct stat st;
		struct fd_ident id;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		if (stat(link, &st))
			continue;
		id = (struct fd_ident){ st.st_dev, st.st_ino, iot_file_type_from_mode(st.st_mode) };
		if (fdtable_lookup(t, pid, fd, &id).id)
			n++;
	}
	closedir(d);
	return n;
}

int fdtable_scan_once(struct fdtable *t, uint32_t pid)
{
	/* The marker is an entry for fd 0xffffffff: lookups never ask for
	 * it (fd < 0), fdtable_exit() removes it with the rest. */
	uint64_t key = (uint64_t)pid << 32 | 0xffffffffu;
	struct slot *s;

	if (map_find(&t->fds, key, 0))
		return 0;
	s = map_put(&t->fds, key, 0);
	if (!s)
		return 0;
	fdtable_scan(t, pid);
	return 1;
}
