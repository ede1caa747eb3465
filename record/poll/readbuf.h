/* readbuf.h - read a whole (proc) file into a reusable buffer. */
#ifndef IOREC_READBUF_H
#define IOREC_READBUF_H

#include <stddef.h>

struct readbuf {
	char *data;
	size_t len, cap;
};

/* Read path into b (NUL-terminated, len excludes the NUL). Files larger
 * than max are cut at max. Returns 0 or -errno. */
int readbuf_file(struct readbuf *b, const char *path, size_t max);
/* Append n bytes. 0 or -ENOMEM. */
int readbuf_append(struct readbuf *b, const char *p, size_t n);
void readbuf_free(struct readbuf *b);

#endif
