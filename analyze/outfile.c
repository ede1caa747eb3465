/* outfile.c - safe creation of report files (see outfile.h). */
#include "analyze/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_tmp(struct outfile *o, const char *path, int *fd_out)
{
	struct stat st;
	memset(o, 0, sizeof *o);
	if (lstat(path, &st) == 0)
		return -EEXIST;
	size_t n = strlen(path) + 16;
	o->path = strdup(path);
	o->tmp = malloc(n);
	if (!o->path || !o->tmp) {
		free(o->path);
		free(o->tmp);
		o->path = o->tmp = NULL;
		return -ENOMEM;
	}
	snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
	/* mkostemp opens O_CREAT|O_EXCL with mode 0600 */
	int fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		free(o->path);
		free(o->tmp);
		o->path = o->tmp = NULL;
		return rc;
	}
	*fd_out = fd;
	return 0;
}

int outfile_open(struct outfile *o, const char *path)
{
	int fd;
	int rc = make_tmp(o, path, &fd);
	if (rc < 0)
		return rc;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		rc = -errno;
		close(fd);
		outfile_discard(o);
		return rc;
	}
	/* large writes: these files run to gigabytes */
	setvbuf(o->f, NULL, _IOFBF, 1 << 20);
	return 0;
}

int outfile_reserve(struct outfile *o, const char *path)
{
	int fd;
	int rc = make_tmp(o, path, &fd);
	if (rc < 0)
		return rc;
	close(fd);
	return 0;
}

int outfile_commit(struct outfile *o)
{
	int rc = 0;
	if (o->f) {
		if (fflush(o->f) != 0 || ferror(o->f))
			rc = -(errno ? errno : EIO);
		else if (fsync(fileno(o->f)) != 0 && errno != EINVAL)
			rc = -errno;
		if (fclose(o->f) != 0 && rc == 0)
			rc = -errno;
		o->f = NULL;
	}
	if (rc == 0 && renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE) != 0) {
		rc = -errno;
		if (rc == -EINVAL || rc == -ENOSYS) {
			/* file system without RENAME_NOREPLACE: link fails on EEXIST too */
			rc = link(o->tmp, o->path) == 0 ? 0 : -errno;
			if (rc == 0)
				unlink(o->tmp);
		}
	}
	if (rc < 0) {
		outfile_discard(o);
		return rc;
	}
	free(o->tmp);
	o->tmp = NULL;
	free(o->path);
	o->path = NULL;
	return 0;
}

void outfile_discard(struct outfile *o)
{
	if (o->f) {
		fclose(o->f);
		o->f = NULL;
	}
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	free(o->path);
	o->path = NULL;
}
