/* lio.c - POSIX lio_listio, both ways, for the preload tests.
 *
 * lio FILE: four 4 KiB writes (and a LIO_NOP and a NULL entry) with
 * LIO_NOWAIT, waited for with aio_suspend and collected with
 * aio_return; then eight 2 KiB reads of what was written with LIO_WAIT,
 * whose results the program never asks for (lio_listio returning 0 says
 * they all succeeded); then one LIO_WAIT read on a closed descriptor.
 * Prints "writes N BYTES reads N BYTES badread ERRNO".
 */
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void fill(struct aiocb *cb, int fd, void *buf, size_t n, off_t off, int opcode)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_buf = buf;
	cb->aio_nbytes = n;
	cb->aio_offset = off;
	cb->aio_lio_opcode = opcode;
}

int main(int argc, char **argv)
{
	static char wbuf[4][4096], rbuf[8][2048], one[16];
	struct aiocb w[4], nop, r[8], bad;
	struct aiocb *wl[6], *rl[8], *bl[1];
	long wn = 0, wb = 0, rn = 0, rb = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: lio FILE\n");
		return 2;
	}
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 0; i < 4; i++) {
		memset(wbuf[i], 'a' + i, sizeof(wbuf[i]));
		fill(&w[i], fd, wbuf[i], sizeof(wbuf[i]), (off_t)i * 4096, LIO_WRITE);
		wl[i] = &w[i];
	}
	fill(&nop, fd, NULL, 0, 0, LIO_NOP);
	wl[4] = &nop;
	wl[5] = NULL;
	if (lio_listio(LIO_NOWAIT, wl, 6, NULL) != 0) {
		perror("lio_listio(LIO_NOWAIT)");
		return 1;
	}
	for (int i = 0; i < 4; i++) {
		const struct aiocb *one_cb[1] = { &w[i] };
		while (aio_error(&w[i]) == EINPROGRESS)
			aio_suspend(one_cb, 1, NULL);
		ssize_t k = aio_return(&w[i]);
		if (k > 0) {
			wn++;
			wb += k;
		}
	}
	for (int i = 0; i < 8; i++) {
		fill(&r[i], fd, rbuf[i], sizeof(rbuf[i]), (off_t)i * 2048, LIO_READ);
		rl[i] = &r[i];
	}
	if (lio_listio(LIO_WAIT, rl, 8, NULL) != 0) {
		perror("lio_listio(LIO_WAIT)");
		return 1;
	}
	for (int i = 0; i < 8; i++)
		if (rbuf[i][0] == 'a' + i / 2 && rbuf[i][2047] == 'a' + i / 2) {
			rn++;
			rb += 2048;
		}
	int closed = dup(fd);
	close(closed);
	fill(&bad, closed, one, sizeof(one), 0, LIO_READ);
	bl[0] = &bad;
	int rc = lio_listio(LIO_WAIT, bl, 1, NULL);
	int err = rc == 0 ? 0 : aio_error(&bad);
	close(fd);
	printf("writes %ld %ld reads %ld %ld badread %d\n", wn, wb, rn, rb, err);
	return 0;
}
