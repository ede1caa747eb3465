/* readbuf.c - whole-file reads for the pollers. */
#include "record/poll/readbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int reserve(struct readbuf *b, size_t need)
{
	char *nd;
	size_t cap;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 16384;
	while (cap < need)
		cap *= 2;
	nd = realloc(b->data, cap);
	if (!nd)
		return -ENOMEM;
	b->data = nd;
	b->cap = cap;
	return 0;
}

int readbuf_append(struct readbuf *b, const char *p, size_t n)
{
	if (reserve(b, b->len + n + 1) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int readbuf_file(struct readbuf *b, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int rc = 0;
	b->len = 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;
		if (reserve(b, b->len + 16384 + 1) < 0) {
			rc = -ENOMEM;
			break;
		}
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		if (b->len >= max) {
			b->len = max;
			break;
		}
	}
	close(fd);
	if (b->data)
		b->data[b->len] = '\0';
	return rc;
}

void readbuf_free(struct readbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}
