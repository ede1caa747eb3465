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

/* Bit of an io_uring op (IOT_OP_IOURING_*) in a uring_ops mask. */
#define EBPF_URING_BIT(op) (1u << ((op) - IOT_OP_IOURING_READ))
#define EBPF_URING_ALL 0xfu

/* Fill spec[nr] (nspec entries) for the syscalls selected by names: NULL
 * or nnames == 0 selects all. A name is a syscall name ("pread64"), an op
 * name ("pread", "io_uring_read"), a category ("read", "write", "meta",
 * "sync", "mmap"; a category also takes the io_uring ops in it) or
 * "io_uring" (every io_uring request). *uring_ops is set to the mask of
 * io_uring ops to record (0: none, io_uring tracing off). Returns the
 * number of syscalls selected, or -EINVAL with the unknown name copied
 * into bad. */
int ebpf_syscalls_select(uint32_t *spec, size_t nspec, char *const *names,
			 size_t nnames, unsigned *uring_ops, char *bad, size_t badlen);

#endif
