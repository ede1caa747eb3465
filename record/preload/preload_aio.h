/* preload_aio.h - asynchronous requests in flight (Linux and POSIX AIO).
 *
 * An asynchronous read or write is recorded when the application reaps
 * it (io_getevents; aio_error or aio_return), as one event from its
 * submission to then: that is the latency the application saw. Between
 * the two, this table keeps the request by control block address (the
 * application's struct iocb or struct aiocb, which is in flight at most
 * once). What the request is (descriptor,
 * offset, size) is copied at submission, when the block is known to be
 * valid: the kernel only hands its address back, and the application
 * may have freed or reused the block by the time it reaps.
 *
 * The table is shared by the threads of a process (one may submit,
 * another reap), lock-free and bounded: a request that finds no room,
 * or that another thread reaps before io_submit has returned in the
 * submitting one, is not recorded; io_getevents counts it as lost, so
 * that recorded + lost is every request reaped.
 */
#ifndef IOREC_PRELOAD_AIO_H
#define IOREC_PRELOAD_AIO_H

#include <stdint.h>

struct preload_aio_req {
	uint64_t t0;     /* preload_now() ticks before io_submit */
	int64_t offset;
	uint64_t size;   /* bytes requested */
	int32_t fd;
	uint16_t op;     /* enum iot_op: AIO_READ, AIO_WRITE or AIO_FSYNC */
	uint16_t opcode; /* the request's own code (IOCB_CMD_*) */
};

/* Remember the request of block cb, submitted to context ctx. 0 when
 * there was no room. */
int preload_aio_put(const void *cb, uint64_t ctx, const struct preload_aio_req *rq);
/* Forget cb; 1 and its request in *rq if it was known. */
int preload_aio_take(const void *cb, struct preload_aio_req *rq);
/* Forget every request of context ctx (io_destroy). */
void preload_aio_forget_ctx(uint64_t ctx);
/* Forget everything (a fork child: its parent's requests are not its own). */
void preload_aio_reset(void);

#endif
