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
		memset(&w[i], 0, sizeof(w[i]));
		w[i].aio_fildes = fd;
		w[i].aio_buf = wbuf[i];
		w[i].aio_nbytes = sizeof(wbuf[i]);
		w[i].aio_offset = (off_t)i * 4096;
		w[i].aio_lio_opcode = LIO_WRITE;
		wl[i] = &w[i];
	}
	memset(&nop, 0, sizeof(nop));
	nop.aio_fildes = fd;
	nop.aio_lio_opcode = LIO_NOP;
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
		memset(&r[i], 0, sizeof(r[i]));
		r[i].aio_fildes = fd;
		r[i].aio_buf = rbuf[i];
		r[i].aio_nbytes = sizeof(rbuf[i]);
		r[i].aio_offset = (off_t)i * 2048;
		r[i].aio_lio_opcode = LIO_READ;
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
	memset(&bad, 0, sizeof(bad));
	bad.aio_fildes = closed;
	bad.aio_buf = one;
	bad.aio_nbytes = sizeof(one);
	bad.aio_lio_opcode = LIO_READ;
	bl[0] = &bad;
	int rc = lio_listio(LIO_WAIT, bl, 1, NULL);
	int err = rc == 0 ? 0 : aio_error(&bad);
	close(fd);
	printf("writes %ld %ld reads %ld %ld badread %d\n", wn, wb, rn, rb, err);
	return 0;
}
