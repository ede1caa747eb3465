/* iorec.h - what the kernel side (iorec.bpf.c) and the user side
 * (ebpf_source.c) of the eBPF source share: plain, fixed-width,
 * pointer-free structs and constants. No kernel or libc headers here:
 * the BPF side gets __u64 & co. from vmlinux.h, the user side from
 * <linux/types.h>.
 */
#ifndef IOREC_EBPF_H
#define IOREC_EBPF_H

/* Syscall numbers below this are looked up in the spec table. */
#define IOREC_NR_MAX 512
/* Longest path captured (the kernel's PATH_MAX, NUL included). */
#define IOREC_PATH_MAX 4096
/* Directory levels (and mount crossings) walked to name the base of a
 * relative path in the kernel. */
#define IOREC_MAX_DEPTH 32
#define IOREC_NAME_MAX 256
/* Lengths of the in-kernel filter sets. */
#define IOREC_MAX_FILTER 256
#define IOREC_COMM_LEN 16
/* --path prefixes the kernel side applies (more or longer ones are left
 * to the user side alone). */
#define IOREC_MAX_PREFIX 4
#define IOREC_PREFIX_LEN 128
/* A path is checked in the kernel only if it is clean ("/." and "//"
 * free) within this many bytes; others go to the user side. */
#define IOREC_CLEAN_SCAN 256

/* How to read a syscall's arguments: one 32-bit spec per syscall number,
 * written into the rodata table by the user side (which knows the
 * numbers of the running architecture from libc). Fields give the
 * argument index (0-5) of the fd, the size, the offset, the flags and the
 * path pointer, IOREC_ARG_NONE when the syscall has no such argument. */
#define IOREC_ARG_NONE 7u
#define IOREC_SPEC(fd, size, off, flags, path, bits)                          \
	((__u32)(fd) | (__u32)(size) << 3 | (__u32)(off) << 6 |                \
	 (__u32)(flags) << 9 | (__u32)(path) << 12 | (__u32)(bits))
#define IOREC_SPEC_FD(s) ((s) & 7u)
#define IOREC_SPEC_SIZE(s) (((s) >> 3) & 7u)
#define IOREC_SPEC_OFF(s) (((s) >> 6) & 7u)
#define IOREC_SPEC_FLAGS(s) (((s) >> 9) & 7u)
#define IOREC_SPEC_PATH(s) (((s) >> 12) & 7u)
enum iorec_spec_bits {
	IOREC_S_TRACED = 1u << 16,   /* syscall is traced (spec != 0) */
	IOREC_S_FILE = 1u << 17,     /* the fd argument names an open file */
	IOREC_S_IOV = 1u << 18,      /* size arg is an iovec count, iov is arg 1 */
	IOREC_S_FPOS = 1u << 19,     /* offset is the file position (or off == -1) */
	IOREC_S_HOW = 1u << 20,      /* flags arg points to struct open_how */
	IOREC_S_RESFD = 1u << 21,    /* result is a new fd: read its file at exit */
	IOREC_S_OFFPTR = 1u << 22,   /* offset arg is a user pointer to loff_t */
	IOREC_S_NEEDFD = 1u << 23,   /* drop the call when fd < 0 (anonymous mmap) */
	IOREC_S_CLOSE = 1u << 24,    /* the call closes fd */
	IOREC_S_AIO_SUBMIT = 1u << 25, /* io_submit: its requests wait in aio_reqs */
	IOREC_S_AIO_REAP = 1u << 26,   /* io_getevents: each reaped request is an event */
};

/* Event types. */
enum iorec_event_type {
	IOREC_EV_SYSCALL = 1, /* nr = syscall number */
	IOREC_EV_URING = 2,   /* nr = io_uring opcode */
	IOREC_EV_EXIT = 3,    /* process exit, result = exit code */
	IOREC_EV_FORK = 4,    /* new process pid, result = parent pid */
	IOREC_EV_AIO = 5,     /* a Linux AIO request, nr = its IOCB_CMD_* opcode */
};

/* Kernel-side event flags (struct iorec_event.kflags). */
enum iorec_kflags {
	IOREC_KF_FILE = 1u << 0,      /* dev/ino/ftype valid */
	IOREC_KF_DIRECT = 1u << 1,    /* file opened O_DIRECT */
	IOREC_KF_PATH_FAIL = 1u << 2, /* path could not be read */
	IOREC_KF_IOV_TRUNC = 1u << 3, /* more iovecs than summed into size */
	IOREC_KF_FIXED = 1u << 4,     /* io_uring fixed file: fd is an index */
	IOREC_KF_OFF_FPOS = 1u << 5,  /* offset is the file position */
	IOREC_KF_BASE_TRUNC = 1u << 6,/* base deeper than IOREC_MAX_DEPTH: cut */
};

/* One completed call. A path (path_len bytes, NUL included) follows the
 * struct in the ring-buffer sample when path_len > 0; for a relative path
 * the absolute name of the directory it is relative to (the cwd or the
 * dirfd, walked up in the kernel at the call's exit, base_len bytes with
 * the NUL) follows the path. */
struct iorec_event {
	__u64 ts_ns;   /* enter, bpf_ktime_get_ns() = CLOCK_MONOTONIC */
	__u64 dur_ns;
	__s64 offset;  /* -1 if none */
	__u64 size;
	__s64 result;
	__u64 ino;
	__u32 dev;     /* kernel dev_t: major << 20 | minor */
	__u32 pid;
	__u32 tid;
	__s32 fd;
	__u32 flags;
	__u16 nr;
	__u8 type;     /* enum iorec_event_type */
	__u8 ftype;    /* i_mode >> 12 */
	__u16 path_len;
	__u16 kflags;  /* enum iorec_kflags */
	__u16 base_len;
	__u16 pad;
};

/* Per-CPU counters (array map "counters", one slot each). */
enum iorec_counter {
	IOREC_C_LOST = 0,      /* ring buffer reservation failed */
	IOREC_C_EVENTS = 1,    /* events submitted */
	IOREC_C_AIO_UNMATCHED = 2, /* AIO request reaped whose submission was not seen */
	IOREC_C_PATH_DROP = 3, /* events dropped by the in-kernel --path filter */
	IOREC_C__COUNT = 4
};

/* task_state.followed */
enum iorec_task_scope {
	IOREC_F_NONE = 0,
	IOREC_F_FOLLOWED = 1, /* the command or a descendant */
	IOREC_F_OWN = 2,      /* forked by iorec (not the command): never traced */
};

/* Per-task state (task storage). */
enum iorec_task_verdict {
	IOREC_T_UNKNOWN = 0, /* filters not yet evaluated */
	IOREC_T_IN = 1,
	IOREC_T_OUT = 2,
};

/* One thread's call in flight, plus its filter verdict (task storage
 * "tstate"; the user side writes one for the command through a pidfd). */
struct task_state {
	__u8 verdict;  /* enum iorec_task_verdict */
	__u8 followed; /* descendant of the traced command */
	__u8 in_call;
	__u8 ftype;
	__u32 nr;
	__u32 spec;
	__s32 fd;
	__u64 ts;
	__u64 size;
	__s64 offset;
	__u64 flags;
	__u64 path;    /* user pointer to the path */
	__u64 aux;     /* iovec array, open_how or loff_t pointer */
	__u64 file;    /* struct file * of fd at enter */
	__u64 ino;
	__u32 dev;
	__u16 kflags;
	__u16 pad;
};

#endif
