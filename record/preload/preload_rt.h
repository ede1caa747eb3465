/* preload_rt.h - the runtime object of libiorec-preload.so.
 *
 * One object per process (the only global state of the library): the
 * shard writer, its lock, the registry of per-thread event rings and the
 * clock. Wrappers call in here to record.
 *
 * Recording path (no lock, no malloc): an event is appended to the
 * calling thread's ring (a single-producer ring in mmap'd memory). A ring
 * that holds 256 events, or a process whose rings were last drained
 * more than PRELOAD_AGE_NS ago, is drained into the writer by whoever
 * wins a trylock on the writer lock; a thread that loses the race, or
 * runs inside a signal handler, never waits: its event stays in the ring,
 * or is counted as dropped when the ring is full (written later as a
 * loss record).
 */
#ifndef IOREC_PRELOAD_RT_H
#define IOREC_PRELOAD_RT_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include <sys/types.h>

/* Environment variables shared with record/preload/preload_source.c. */
#define PRELOAD_ENV_SPOOL "IOREC_PRELOAD_SPOOL" /* spool directory; unset = off */
#define PRELOAD_ENV_JOB "IOREC_PRELOAD_JOB"     /* job id for process records */
#define PRELOAD_ENV_TSC "IOREC_PRELOAD_TSC"     /* "1"/"0": invariant TSC (else cpuid) */
/* Filters (iorec --syscalls, --comm, --pid, --tid, --path), comma lists;
 * unset = no filter. Kinds combine with AND, values with OR. */
#define PRELOAD_ENV_OPS "IOREC_PRELOAD_OPS"
#define PRELOAD_ENV_COMMS "IOREC_PRELOAD_COMMS"
#define PRELOAD_ENV_PIDS "IOREC_PRELOAD_PIDS"
#define PRELOAD_ENV_TIDS "IOREC_PRELOAD_TIDS"
/* Threads per process that get a ring (default and maximum 1024); the
 * events of further threads are counted as lost. For tests. */
#define PRELOAD_ENV_MAX_THREADS "IOREC_PRELOAD_MAX_THREADS"
#define PRELOAD_ENV_PATHS "IOREC_PRELOAD_PATHS"

/* Shard names: "<mono ns, 16 hex>-<pid>-<nonce>.open" while written,
 * renamed to ".iotr" when the process closed it cleanly. */
#define PRELOAD_SHARD_OPEN_SUFFIX ".open"
#define PRELOAD_SHARD_DONE_SUFFIX ".iotr"
#define PRELOAD_STATIC_PREFIX "static-"
/* "uring-PID.txt" (content: the command name): the process set up an
 * io_uring, whose requests LD_PRELOAD cannot see; iorec says so. */
#define PRELOAD_URING_PREFIX "uring-"
#define PRELOAD_URING_PATH "anon_inode:[io_uring]"

/* Short processes share one file. A process keeps its shard in memory
 * until, at a drain, it is PRELOAD_AGE_NS old or holds PRELOAD_MEM_BYTES;
 * then the shard becomes a file as above. One that exits or execs
 * before that appends its whole shard to the spool's batch file, as one
 * frame in one write() on an O_APPEND descriptor (the frames of
 * concurrent processes never interleave): no file is created, renamed
 * or deleted per process. A frame is a 32-byte header, then the shard
 * (a trace without footer):
 *   0 magic PRELOAD_FRAME_MAGIC    16 u32 shard length   24 u32 CRC-32 of the shard
 *   8 u64 the shard's name time    20 u32 pid            28 u32 CRC-32 of bytes 0-27
 * (little-endian; the time orders it among the shards, like their names). */
#define PRELOAD_BATCH_NAME "batch"
#define PRELOAD_MEM_BYTES (512u << 10)
#define PRELOAD_FRAME_MAGIC "IORECBF1"
#define PRELOAD_FRAME_HEADER 32

/* A frame header's fields; packed by the library, parsed by iorec. */
struct preload_frame {
	uint64_t key;    /* the shard's name time */
	uint32_t len;    /* shard bytes after the header */
	uint32_t pid;
	uint32_t crc;    /* CRC-32 of those bytes */
};

static inline void preload_frame_pack(uint8_t h[PRELOAD_FRAME_HEADER], const struct preload_frame *f)
{
	uint32_t v[] = { (uint32_t)f->key, (uint32_t)(f->key >> 32), f->len, f->pid, f->crc, 0 };
	memcpy(h, PRELOAD_FRAME_MAGIC, 8);
	for (int i = 0; i < 6; i++) {
		if (i == 5)
			v[5] = (uint32_t)crc32(0, h, 28);
		for (int b = 0; b < 4; b++)
			h[8 + 4 * i + b] = (uint8_t)(v[i] >> (8 * b));
	}
}

/* 1 and *f filled if the n bytes at h start with an intact header. */
static inline int preload_frame_parse(const uint8_t *h, size_t n, struct preload_frame *f)
{
	uint32_t v[6];
	if (n < PRELOAD_FRAME_HEADER || memcmp(h, PRELOAD_FRAME_MAGIC, 8) != 0)
		return 0;
	for (int i = 0; i < 6; i++)
		v[i] = (uint32_t)h[8 + 4 * i] | (uint32_t)h[9 + 4 * i] << 8 |
		       (uint32_t)h[10 + 4 * i] << 16 | (uint32_t)h[11 + 4 * i] << 24;
	if (v[5] != (uint32_t)crc32(0, h, 28))
		return 0;
	*f = (struct preload_frame){ .key = v[0] | (uint64_t)v[1] << 32, .len = v[2], .pid = v[3],
				     .crc = v[4] };
	return 1;
}

/* Age after which rings are drained and every pending chunk is written
 * (checked on the call path): what a SIGKILL loses. */
#define PRELOAD_AGE_NS 250000000ull

/* A shard's chunks are stored uncompressed (iorec's merge compresses
 * them) until it holds this many bytes. */
#define PRELOAD_STORE_BYTES (128ull << 20)

/* How a call's file offset is found. */
enum preload_at {
	PRELOAD_AT_NONE = 0,   /* no offset (metadata call) */
	PRELOAD_AT_GIVEN,      /* explicit offset argument (pread, ...) */
	PRELOAD_AT_CUR,        /* the descriptor's position, advanced by result */
	PRELOAD_AT_STDIO,      /* the FILE position, advanced by result */
	PRELOAD_AT_SEEK,       /* result is the new position (lseek) */
	PRELOAD_AT_STDIO_SET,  /* offset is the new FILE position (fseek, fopen) */
};

/* One intercepted call, filled by a wrapper after the real call. */
struct preload_call {
	uint64_t t0;        /* preload_now() ticks before the call */
	int64_t offset;
	uint64_t size;      /* bytes requested */
	int64_t result;     /* bytes, fd, 0 or -errno */
	const char *path;   /* path argument, or NULL */
	int dirfd;          /* for *at calls with a relative path */
	int fd;             /* descriptor the call works on, -1 if none */
	uint32_t flags;     /* call flags (open flags, whence, RWF_*) */
	uint16_t op;        /* enum iot_op */
	uint8_t at;         /* enum preload_at */
	uint8_t opened;     /* result is a new descriptor (open family) */
	uint8_t eflags;     /* IOT_EV_* known to the wrapper (asynchronous) */
	uint64_t file_id;   /* known file id (munmap of a file mapping), or 0 */
	const void *st;     /* struct stat / statx filled by a stat call */
	uint8_t st_kind;    /* 1 = struct stat, 2 = struct statx */
};

/* Per-thread state, in static TLS (small: the ring is mmap'd). */
enum preload_guard {
	PRELOAD_GUARD_NONE = 0,
	PRELOAD_GUARD_BUSY = 1,  /* in the library: its own I/O is not recorded */
	PRELOAD_GUARD_DRAIN = 2, /* draining (lock held, append complete): a
				  * signal handler may still append */
	PRELOAD_GUARD_CUT = 3,   /* in a signal handler that interrupted the
				  * library while busy: the handler's calls
				  * are counted lost */
};
/* The guard is per signal level: the trampoline saves it, gives the
 * handler NONE (or CUT) and restores it. So the library's own calls made
 * while it records a handler's call are never mistaken for the handler's. */
#define PRELOAD_SIG_LEVELS 8
struct preload_tls {
	int guard;           /* enum preload_guard */
	int sig_depth;       /* inside an application signal handler */
	struct preload_ring *ring;
	int *errp;           /* this thread's errno (set on first use) */
	/* per handler level (the first PRELOAD_SIG_LEVELS): where the
	 * trampoline's frame is, and the guard it interrupted. A handler
	 * that leaves by siglongjmp never returns to the trampoline; the
	 * library finds out from the stack (preload_sig_depth). */
	uintptr_t sig_sp[PRELOAD_SIG_LEVELS];
	uint8_t sig_guard[PRELOAD_SIG_LEVELS];
};
extern __thread struct preload_tls preload_tls __attribute__((tls_model("initial-exec")));

/* 1 while the process records (spool set; shard open, or pending in a
 * fork child until it has something to write). */
extern volatile int preload_active;

/* Timestamps on the call path are clock ticks: the TSC where it is
 * invariant (cpuid), which costs a few ns instead of two vDSO
 * clock_gettime calls per event; else CLOCK_MONOTONIC ns. Rings keep
 * ticks; the drain converts them to CLOCK_MONOTONIC ns (the recording
 * clock) from (TSC, monotonic) anchor pairs. */
extern int preload_use_tsc;
uint64_t preload_mono_ns(void);
static inline uint64_t preload_now(void)
{
#if defined(__x86_64__)
	if (__builtin_expect(preload_use_tsc, 1)) {
		uint32_t lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		return ((uint64_t)hi << 32) | lo;
	}
#endif
	return preload_mono_ns();
}

/* Count a call that could not be recorded. */
void preload_missed(void);

/* A call in the CUT state: counted as lost (0), unless the handler that
 * was given CUT has been left by a jump (then 1: record it). */
int preload_cut(void);

/* The signal handler depth this thread is really at: levels whose
 * handler was left by siglongjmp (or longjmp, or a C++ throw) are
 * dropped first. For the slow paths that must not run in a handler. */
int preload_sig_depth(void);

/* Should this call be recorded? Not when inactive or when the library
 * itself calls; an application signal handler that interrupted the
 * library while it appended loses its event (counted as a drop); one
 * that interrupted a drain records normally. */
static inline int preload_want(void)
{
	if (__builtin_expect(!preload_active, 0))
		return 0;
	if (__builtin_expect(preload_tls.guard, 0))
		return preload_tls.guard == PRELOAD_GUARD_CUT ? preload_cut() : 0;
	return 1;
}

/* Is this call the library's own (not the application's)? */
static inline int preload_own_call(void)
{
	return preload_tls.guard == PRELOAD_GUARD_BUSY || preload_tls.guard == PRELOAD_GUARD_DRAIN;
}

/* This thread's errno, without a call to __errno_location (through the
 * PLT) on every event: the address of a thread's errno never changes. */
static inline int *preload_errno(void)
{
	int *p = preload_tls.errp;
	if (__builtin_expect(!p, 0))
		preload_tls.errp = p = &errno;
	return p;
}

/* fcntl(fd, F_SETFL, flags) succeeded: O_APPEND, O_DIRECT, ... of the
 * open file description change (offsets of appends are then unknown). */
void preload_fd_setfl(int fd, int flags);

/* In a vfork child (our memory, another pid)? Costs a getpid(). */
int preload_in_vfork_child(void);

/* Record one completed call. errno must be saved by the caller. */
void preload_record(struct preload_call *c);
/* The same for read, write and their p/v variants (op one of those,
 * at PRELOAD_AT_CUR or PRELOAD_AT_GIVEN, no call flags). */
void preload_record_rw(uint64_t t0, uint16_t op, int fd, uint8_t at, int64_t offset,
		       uint64_t size, int64_t result);

/* Before exec (flush and close the shard) and after a failed exec.
 * file is what will run (searched in PATH when search is set): a
 * statically linked one, which the library cannot follow, is named in a
 * marker file "static-PID-N.txt" in the spool for iorec to report. */
void preload_before_exec(const char *file, int search);
void preload_after_failed_exec(void);
/* Before _exit: flush and close (not in a vfork child or a handler). */
void preload_before_exit(void);

/* The shard's descriptor, or -1: the application may not close it. */
extern volatile int preload_shard_fd;
/* Set while the writer opens its file: the open wrappers hand the new
 * descriptor to preload_relocate_fd(), which moves it out of the
 * application's usual range and remembers it. */
extern volatile int preload_capturing_fd;
int preload_relocate_fd(int fd);
/* The application dup2s or dup3s onto fd, the library's descriptor: move
 * the library's file to another number first (the same open file, so
 * nothing is lost) and leave fd, still open on it, for the call to
 * replace. 1 when moved: if the call then fails, the caller closes fd. */
int preload_yield_fd(int fd);

/* What a child needs in its environment to be traced: "NAME=value"
 * strings (every IOREC_PRELOAD_* variable of this process), NULL
 * terminated, and the library's path for LD_PRELOAD. NULL when this
 * process was not started for tracing. */
char *const *preload_child_env(void);
const char *preload_so_path(void);

/* Put the signal trampoline under handlers installed before recording
 * started (preload_wrap.c). */
void preload_wrap_signal_handlers(void);

/* Process-level initialization (constructor; idempotent). */
void preload_init(void);

#endif
