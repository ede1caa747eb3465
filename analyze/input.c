/* input.c - TRACE arguments to open readers (see input.h). */
#include "input.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_err(struct iot_error *e, int code, const char *fmt, const char *arg)
{
	memset(e, 0, sizeof *e);
	e->code = code;
	snprintf(e->msg, sizeof e->msg, fmt, arg ? arg : "");
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_archive_name(const char *path)
{
	static const char *const ext[] = { ".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".zip",
					   ".tar.xz", ".tar.bz2", ".tar.lz4" };
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (ends_with(path, ext[i]))
			return 1;
	return 0;
}

/* Take ownership of r (and buf) as a new trace of the set. */
static int add_trace(struct input_set *set, const char *name, iot_reader *r, void *buf,
		     size_t len, int mapped, input_msg_fn msg, void *ctx)
{
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 8;
		struct input_trace *nt = realloc(set->t, nc * sizeof *nt);
		if (!nt)
			goto nomem;
		set->t = nt;
		iot_reader **nr = realloc(set->readers, nc * sizeof *nr);
		if (!nr)
			goto nomem;
		set->readers = nr;
		set->cap = nc;
	}
	char *nm = strdup(name);
	if (!nm)
		goto nomem;
	struct input_trace *t = &set->t[set->n];
	t->name = nm;
	t->r = r;
	t->buf = buf;
	t->len = len;
	t->mapped = mapped;
	t->warned = 0;
	set->readers[set->n++] = r;
	input_flush_warnings(set, msg, ctx);
	return 0;
nomem:
	iot_reader_close(r);
	if (mapped)
		munmap(buf, len);
	else
		free(buf);
	return -ENOMEM;
}

static int open_file(struct input_set *set, const char *path, input_msg_fn msg, void *ctx);

static int open_archive(struct input_set *set, const char *path, input_msg_fn msg, void *ctx,
			int quiet_if_not_archive)
{
	struct archive *a = archive_read_new();
	struct iot_error e;
	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	/* the formats DESIGN.md promises; "all" would take any text file for an mtree spec */
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	int rc = 0;
	size_t found = 0;
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		set_err(&e, -EINVAL, "cannot read as an archive: %s", archive_error_string(a));
		rc = 1;
		goto report;
	}
	struct archive_entry *ent;
	int ar;
	while ((ar = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *mname = archive_entry_pathname(ent);
		char full[4096];
		snprintf(full, sizeof full, "%s:%s", path, mname ? mname : "?");
		if (archive_entry_filetype(ent) != AE_IFREG)
			continue;
		if (!mname || !ends_with(mname, ".iotr")) {
			set_err(&e, 0, "skipped: not a .iotr file", NULL);
			msg(ctx, INPUT_NOTE, full, &e);
			set->nskipped++;
			continue;
		}
		/* sizes in tar headers can lie (truncated archive): grow as we read */
		/* one byte more than the header says, so that the read that finds
		 * the end needs no second (doubled) buffer */
		size_t cap = archive_entry_size_is_set(ent) && archive_entry_size(ent) > 0
				     ? (size_t)archive_entry_size(ent) + 1 : 1 << 20;
		size_t len = 0;
		char *buf = malloc(cap ? cap : 1);
		if (!buf) {
			/* members are held in memory: one too big is left out */
			set_err(&e, -ENOMEM, "too large to hold in memory; skipped", NULL);
			snprintf(e.msg, sizeof e.msg, "too large to hold in memory (%zu bytes); skipped", cap);
			msg(ctx, INPUT_ERROR, full, &e);
			set->nerrors++;
			archive_read_data_skip(a);
			continue;
		}
		la_ssize_t got;
		for (;;) {
			if (len == cap) {
				char *nb = realloc(buf, cap * 2);
				if (!nb) {
					free(buf);
					rc = -ENOMEM;
					goto out;
				}
				buf = nb;
				cap *= 2;
			}
			got = archive_read_data(a, buf + len, cap - len);
			if (got <= 0)
				break;
			len += (size_t)got;
		}
		if (got < 0) {
			/* keep what was read: the reader recovers complete chunks */
			set_err(&e, -EIO, "archive data error: %s (using the bytes read so far)",
				archive_error_string(a));
			msg(ctx, INPUT_WARNING, full, &e);
		}
		iot_reader *r = NULL;
		int orc = iot_reader_open_mem(&r, buf, len, full, &e);
		if (orc < 0) {
			if (!e.code)
				set_err(&e, orc, "%s", iot_strerror(orc));
			msg(ctx, INPUT_ERROR, full, &e);
			set->nerrors++;
			free(buf);
		} else {
			if (add_trace(set, full, r, buf, len, 0, msg, ctx)) {
				rc = -ENOMEM;
				goto out;
			}
			found++;
		}
		if (got < 0)
			break; /* libarchive cannot go on after a data error */
	}
	if (ar != ARCHIVE_EOF && ar != ARCHIVE_OK) {
		set_err(&e, -EIO, "archive error: %s", archive_error_string(a));
		if (!found) {
			/* Nothing read: when probing a file that was not a
			 * trace, let the caller report that instead. */
			rc = 1;
			goto report;
		}
		msg(ctx, INPUT_WARNING, path, &e);
		goto out;
	}
	if (!found) {
		set_err(&e, -ENOENT, "no .iotr traces in this archive", NULL);
		rc = 1;
		goto report;
	}
	goto out;
report:
	if (!quiet_if_not_archive) {
		msg(ctx, INPUT_ERROR, path, &e);
		set->nerrors++;
	}
out:
	archive_read_free(a);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The preload spool's batch file ("batch", frames starting "IORECBF1",
 * see record/preload/preload_rt.h; its merged start may be a hole of
 * zeros): skipped, with the way to read it. */
static int is_spool_batch(const char *path)
{
	const char *slash = strrchr(path, '/');
	static const char zeros[8];
	char magic[8];
	int fd, ok;

	if (strcmp(slash ? slash + 1 : path, "batch") != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	ok = read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
	     (!memcmp(magic, "IORECBF1", 8) || !memcmp(magic, zeros, 8));
	close(fd);
	return ok;
}

static int open_dir(struct input_set *set, const char *path, input_msg_fn msg, void *ctx)
{
	struct iot_error e;
	DIR *d = opendir(path);
	if (!d) {
		set_err(&e, -errno, "cannot open directory: %s", strerror(errno));
		msg(ctx, INPUT_ERROR, path, &e);
		set->nerrors++;
		return 0;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				rc = -ENOMEM;
				goto out;
			}
			names = nn;
		}
		size_t len = strlen(path) + strlen(de->d_name) + 2;
		if (!(names[n] = malloc(len))) {
			rc = -ENOMEM;
			goto out;
		}
		snprintf(names[n++], len, "%s/%s", path, de->d_name);
	}
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = open_dir(set, names[i], msg, ctx);
		} else if (ends_with(names[i], ".iotr") || is_archive_name(names[i])) {
			rc = open_file(set, names[i], msg, ctx);
		} else if (is_spool_batch(names[i])) {
			/* iorec's own format, not a trace: say how to get one */
			set_err(&e, 0, "skipped: the batch file of an iorec spool (short processes' "
				"shards); 'iorec --salvage -o FILE DIR' makes one trace of the spool", NULL);
			msg(ctx, INPUT_NOTE, names[i], &e);
			set->nskipped++;
		} else {
			set_err(&e, 0, "skipped: not a .iotr file or archive", NULL);
			msg(ctx, INPUT_NOTE, names[i], &e);
			set->nskipped++;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc < 0 ? rc : 0;
}

/* Map a trace file ourselves (rather than iot_reader_open) so that other
 * threads can get readers over the same bytes and consumed pages can be
 * given back. */
static int map_file(const char *path, void **buf, size_t *len, struct iot_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		set_err(e, -errno, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return e->code;
	}
	*len = (size_t)st.st_size;
	*buf = NULL;
	if (*len) {
		void *m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			set_err(e, -errno, "cannot map: %s", strerror(errno));
			close(fd);
			return e->code;
		}
		madvise(m, *len, MADV_RANDOM);
		*buf = m;
	}
	close(fd);
	return 0;
}

static int open_file(struct input_set *set, const char *path, input_msg_fn msg, void *ctx)
{
	if (is_archive_name(path))
		return open_archive(set, path, msg, ctx, 0) < 0 ? -ENOMEM : 0;
	struct iot_error e;
	memset(&e, 0, sizeof e);
	iot_reader *r = NULL;
	void *buf = NULL;
	size_t len = 0;
	int rc = map_file(path, &buf, &len, &e);
	if (rc == 0)
		rc = iot_reader_open_mem(&r, buf, len, path, &e);
	if (rc == IOT_E_BADMAGIC) {
		/* maybe an archive with an unusual name */
		int arc = open_archive(set, path, msg, ctx, 1);
		if (arc != 1) {
			if (buf)
				munmap(buf, len);
			return arc < 0 ? arc : 0;
		}
	}
	if (rc < 0) {
		if (!e.code)
			set_err(&e, rc, "%s", iot_strerror(rc));
		msg(ctx, INPUT_ERROR, path, &e);
		set->nerrors++;
		if (buf)
			munmap(buf, len);
		return 0;
	}
	/* opening touched the index and chunk headers: let those pages go,
	 * commands fault in what they read */
	if (buf)
		madvise(buf, len, MADV_DONTNEED);
	return add_trace(set, path, r, buf, len, 1, msg, ctx);
}

int input_reopen(const struct input_set *set, size_t t, iot_reader **out)
{
	const struct input_trace *tr = &set->t[t];
	return iot_reader_open_mem(out, tr->buf, tr->len, tr->name, NULL);
}

void input_release(const struct input_set *set, size_t t, uint64_t from, uint64_t to)
{
	const struct input_trace *tr = &set->t[t];
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	if (!tr->mapped || !tr->buf)
		return;
	from = (from + page - 1) / page * page;
	to = to / page * page;
	if (to > tr->len)
		to = tr->len / page * page;
	if (from < to)
		madvise((char *)tr->buf + from, to - from, MADV_DONTNEED);
}

int input_open(struct input_set *set, char *const *args, size_t nargs, input_msg_fn msg,
	       void *ctx)
{
	for (size_t i = 0; i < nargs; i++) {
		struct stat st;
		int rc;
		if (stat(args[i], &st) != 0) {
			struct iot_error e;
			set_err(&e, -errno, "%s", strerror(errno));
			msg(ctx, INPUT_ERROR, args[i], &e);
			set->nerrors++;
			continue;
		}
		rc = S_ISDIR(st.st_mode) ? open_dir(set, args[i], msg, ctx)
					 : open_file(set, args[i], msg, ctx);
		if (rc < 0)
			return rc;
	}
	return (int)set->n;
}

void input_flush_warnings(struct input_set *set, input_msg_fn msg, void *ctx)
{
	for (size_t i = 0; i < set->n; i++) {
		struct input_trace *t = &set->t[i];
		size_t n = iot_reader_warning_count(t->r);
		for (; t->warned < n; t->warned++)
			msg(ctx, INPUT_WARNING, t->name, iot_reader_warning(t->r, t->warned));
	}
}

void input_close(struct input_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		iot_reader_close(set->t[i].r);
		if (set->t[i].mapped)
			munmap(set->t[i].buf, set->t[i].len);
		else
			free(set->t[i].buf);
		free(set->t[i].name);
	}
	free(set->t);
	free(set->readers);
	memset(set, 0, sizeof *set);
}

void input_print_msg(void *ctx, enum input_msg_kind kind, const char *name,
		     const struct iot_error *err)
{
	(void)ctx;
	const char *what = kind == INPUT_ERROR ? "error" : kind == INPUT_WARNING ? "warning" : "note";
	if (err->code && err->code != -ENOENT && err->offset)
		fprintf(stderr, "ioanalyze: %s: %s: at byte %llu: %s\n", what, name,
			(unsigned long long)err->offset, err->msg);
	else
		fprintf(stderr, "ioanalyze: %s: %s: %s\n", what, name, err->msg);
}
