/* ebpf_syscalls.h - the syscalls the eBPF source traces: number on this
 * architecture, iotrace op, and how the kernel side reads the arguments
 * (a spec word, see iorec.h). */
#ifndef IOREC_EBPF_SYSCALLS_H
#define IOREC_EBPF_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/* How the user side turns an event into a trace record. */
enum ebpf_sys_class {
	EBPF_SC_FD = 0,   /* acts on an open fd (read, close, lseek, ...) */
	EBPF_SC_OPEN,     /* returns a new fd for a path */
	EBPF_SC_PATH,     /* acts on a path (stat, unlink, ...) */
	EBPF_SC_DUP,      /* returns a copy of fd */
	EBPF_SC_CLOSE,
	EBPF_SC_CLOSE_RANGE,
	EBPF_SC_NONE,     /* no file (munmap) */
};

struct ebpf_syscall {
	const char *name; /* as in the syscall tables: "pread64" */
	int nr;
	uint16_t op;      /* enum iot_op */
	uint8_t cls;      /* enum ebpf_sys_class */
	uint32_t spec;    /* IOREC_SPEC(...) | bits */
};

/* Every traced syscall this architecture has. */
size_t ebpf_syscall_count(void);
const struct ebpf_syscall *ebpf_syscall_at(size_t i);
/* Entry for a syscall number, or NULL. */
const struct ebpf_syscall *ebpf_syscall_by_nr(int nr);

/* Bit of an asynchronous op in an async_ops mask: io_uring requests
 * (IOT_OP_IOURING_*, bits 0-3) and Linux AIO requests (IOT_OP_AIO_*, bits
 * 4-6); 0 for other ops. */
#define EBPF_URING_BIT(op)                                                          \
	((op) >= IOT_OP_IOURING_READ && (op) <= IOT_OP_IOURING_OTHER                 \
		 ? 1u << ((op) - IOT_OP_IOURING_READ)                                \
	 : (op) >= IOT_OP_AIO_READ && (op) <= IOT_OP_AIO_FSYNC                       \
		 ? 1u << (4 + (op) - IOT_OP_AIO_READ)                                \
		 : 0u)
#define EBPF_URING_ALL 0xfu
#define EBPF_AIO_ALL 0x70u

/* Fill spec[nr] (nspec entries) for the syscalls selected by names: NULL
 * or nnames == 0 selects all. A name is a syscall name ("pread64"), an op
 * name ("pread", "io_uring_read", "aio_read"), a category ("read",
 * "write", "meta", "sync", "mmap"; a category also takes the
 * asynchronous ops in it), "io_uring" (every io_uring request) or "aio"
 * (every Linux AIO request). *async_ops is set to the mask of
 * asynchronous ops to record (0: none; no io_uring bit: io_uring tracing
 * off). Linux AIO requests are seen through io_submit and io_getevents
 * (io_pgetevents), whose specs are set when an AIO op is selected; they
 * are not counted. Returns the number of syscalls selected, or -EINVAL
 * with the unknown name copied into bad. */
int ebpf_syscalls_select(uint32_t *spec, size_t nspec, char *const *names,
			 size_t nnames, unsigned *async_ops, char *bad, size_t badlen);

#endif
