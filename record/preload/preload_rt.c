/* preload_rt.c - per-thread rings, the per-process shard writer, fork,
 * exec and exit handling for libiorec-preload.so. */
#include "record/preload/preload_rt.h"
#include "record/preload/preload_aio.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "format/iotrace.h"
#include "record/preload/preload_fd.h"
#include "record/preload/preload_spool.h"

/* Drained in small batches, encoded in small chunks: the slots a drain
 * reads and the writer's chunk buffer are the library's working set on
 * the call path, and an application's own data competes with them for
 * the core's caches. With drains of 1024 slots and 8192-record chunks
 * (576 KiB of events before encoding), fio's 4 KiB page-cache random
 * reads ran 7-9% slower traced; with drains of 256 and 1024-record
 * chunks, 3-8% (record/preload/README.md#performance). The ring itself
 * stays large: it is what a thread fills while another holds the drain
 * lock (or was preempted holding it). With 16 threads on 2 CPUs a
 * 1024-slot ring dropped 13-22% of the events, 4096 slots 3-6%. */
#define RING_SLOTS 4096u            /* power of two: 256 KiB per thread */
#define RING_DRAIN_AT 256u
#define MAX_RINGS 1024u             /* threads with a ring: 256 MiB at most */
#define CHUNK_RECORDS 1024u         /* I/O events per chunk of the shard */
#define PATH_SLOTS_MAX 64u          /* paths longer than 64*64-1 are cut */

/* One raw record in a ring: an I/O event, or a file record followed by
 * its path in the next slots. 64 bytes, one cache line. */
enum preload_slot_kind { PRELOAD_SLOT_IO = 1, PRELOAD_SLOT_FILE = 2 };
struct preload_slot {
	uint64_t ts_ns;
	uint64_t dur_ns;
	uint64_t file_id;
	int64_t offset;  /* FILE: st_dev */
	uint64_t size;   /* FILE: st_ino */
	int64_t result;
	int32_t fd;
	uint32_t flags;  /* FILE: path length */
	uint16_t op;
	uint8_t ftype;
	uint8_t eflags;
	uint8_t kind;
	uint8_t extra;   /* FILE: number of path slots that follow */
	uint8_t pad[2];
};
_Static_assert(sizeof(struct preload_slot) == 64, "one cache line per event");

struct preload_ring {
	_Atomic uint32_t head;      /* written by the owner thread only */
	char pad1[60];
	_Atomic uint32_t tail;      /* written by the drainer (lock held) */
	char pad2[60];
	uint32_t tid;
	uint32_t reg;               /* index in the registry */
	int muted;                  /* thread outside the --tid filter */
	_Atomic uint64_t drops;     /* events dropped on a full ring */
	_Alignas(64) struct preload_slot slots[RING_SLOTS]; /* a slot is a cache line */
};

/* Filters, parsed once from the environment (see preload_rt.h). */
#define FILTER_MAX 64
static struct {
	int has_ops;
	uint64_t ops[(IOT_OP__COUNT + 63) / 64];
	unsigned ntids, npaths, npids;
	uint32_t tids[FILTER_MAX], pids[FILTER_MAX];
	char *paths[FILTER_MAX];
} filt;

/* The runtime object. */
static struct {
	pthread_mutex_t lock;       /* guards w and the drain of every ring */
	_Atomic int locked;         /* lock held: spares a thread the system
				     * calls of a try that would fail */
	iot_writer *w;
	int fork_locked;
	sigset_t fork_mask;         /* the mask before fork_prepare blocked */
	pid_t pid;
	pthread_key_t key;
	int key_ok;
	char spool[PATH_MAX - 64];
	char shard[PATH_MAX];       /* current shard path (".open") */
	uint64_t shard_t;           /* the time in its name */
	int in_mem;                 /* the shard is still in memory (w) */
	int batch_held;             /* preload_shard_fd is the batch file's */
	uint32_t nonce;             /* of the shard to come (shard_identity) */
	uint64_t id_base;
	int shard_pending;          /* a fork child's shard, opened when it has
				     * something to write (writer_ready) */
	const char *job;
	char rank[32];              /* MPI rank or task number (environment) */
	_Atomic uint64_t last_drain_tick;
	struct preload_ring *_Atomic rings[MAX_RINGS];
	_Atomic uint64_t lost_noring; /* events of threads without a ring */
	uint32_t max_rings;           /* MAX_RINGS, or less (PRELOAD_ENV_MAX_THREADS) */
	int initialized;
} rt = { .lock = PTHREAD_MUTEX_INITIALIZER };

__thread struct preload_tls preload_tls __attribute__((tls_model("initial-exec")));
volatile int preload_active;
volatile int preload_shard_fd = -1;
volatile int preload_capturing_fd;

int preload_use_tsc;

uint64_t preload_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Ticks to ns: the first anchor (tick0, mono0) is taken at startup, the
 * rate is measured again at every drain over the whole life of the
 * process. Lock held (or single-threaded). */
static struct {
	uint64_t tick0, mono0;
	double ns_per_tick;
	uint64_t age_ticks;  /* PRELOAD_AGE_NS in ticks */
} clk;

static void clock_init(void)
{
	/* cpuid is a VM exit under a hypervisor (tens of us): iorec asks
	 * once and passes the answer down */
	const char *t = getenv(PRELOAD_ENV_TSC);
	preload_use_tsc = t && (t[0] == '0' || t[0] == '1') ? t[0] == '1' : preload_tsc_invariant();
	clk.mono0 = preload_mono_ns();
	clk.tick0 = preload_now();
	clk.ns_per_tick = preload_use_tsc ? 1.0 / 3.0 : 1.0; /* until measured */
	clk.age_ticks = (uint64_t)(PRELOAD_AGE_NS / clk.ns_per_tick);
}

static void clock_update(void)
{
	if (!preload_use_tsc)
		return;
	uint64_t m = preload_mono_ns(), t = preload_now();
	if (m - clk.mono0 > 20000 && t > clk.tick0) { /* 20 us: enough for 1e-3 */
		clk.ns_per_tick = (double)(m - clk.mono0) / (double)(t - clk.tick0);
		clk.age_ticks = (uint64_t)(PRELOAD_AGE_NS / clk.ns_per_tick);
	}
}

static uint64_t ticks_to_ns(uint64_t t)
{
	if (!preload_use_tsc)
		return t;
	return clk.mono0 + (uint64_t)((double)(int64_t)(t - clk.tick0) * clk.ns_per_tick);
}

static uint64_t ticks_dur_ns(uint64_t d)
{
	return preload_use_tsc ? (uint64_t)((double)d * clk.ns_per_tick) : d;
}

/* ------------------------------------------------------------------ */
/* Rings                                                               */
/* ------------------------------------------------------------------ */

static void thread_exit(void *arg);

static int pid_wanted(uint32_t pid)
{
	for (unsigned i = 0; i < filt.npids; i++)
		if (filt.pids[i] == pid)
			return 1;
	return filt.npids == 0;
}

static int tid_wanted(uint32_t tid)
{
	for (unsigned i = 0; i < filt.ntids; i++)
		if (filt.tids[i] == tid)
			return 1;
	return filt.ntids == 0;
}

/* A path within one of the --path prefixes (a whole component). */
static int path_wanted(const char *p)
{
	for (unsigned i = 0; i < filt.npaths; i++)
		if (iot_path_under(p, filt.paths[i]))
			return 1;
	return filt.npaths == 0;
}

static struct preload_ring *ring_create(void)
{
	struct preload_ring *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	r->tid = (uint32_t)syscall(SYS_gettid);
	r->muted = !tid_wanted(r->tid);
	for (uint32_t i = 0; i < rt.max_rings; i++) {
		struct preload_ring *none = NULL;
		if (atomic_compare_exchange_strong(&rt.rings[i], &none, r)) {
			r->reg = i;
			if (rt.key_ok)
				pthread_setspecific(rt.key, r);
			return r;
		}
	}
	munmap(r, sizeof(*r));
	return NULL;
}

/* A thread whose ring could not be made (out of memory, more than
 * MAX_RINGS threads) does not try again on every call: it counts its
 * events as lost. */
#define NO_RING ((struct preload_ring *)1)

static inline struct preload_ring *ring_get(void)
{
	struct preload_ring *r = preload_tls.ring;

	if (__builtin_expect(r == NULL, 0)) {
		r = ring_create();
		preload_tls.ring = r ? r : NO_RING;
	}
	if (r == NO_RING || !r) {
		atomic_fetch_add_explicit(&rt.lost_noring, 1, memory_order_relaxed);
		return NULL;
	}
	return r;
}

static int writer_ready(void);
static void shard_check_mem(int old);

/* Decode and hand one ring's records to the writer. Lock held. */
static void ring_drain(struct preload_ring *r)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t drops;
	char path[PATH_SLOTS_MAX * sizeof(struct preload_slot)];

	if (tail != head || atomic_load(&r->drops))
		writer_ready();

	while (tail != head) {
		const struct preload_slot *s = &r->slots[tail & (RING_SLOTS - 1)];
		if (rt.w && s->kind == PRELOAD_SLOT_IO) {
			/* a run of I/O slots goes straight into the writer's chunk */
			size_t room, k = 0;
			struct iot_io_event *ev = iot_writer_io_room(rt.w, head - tail, &room);
			while (k < room && tail != head && s->kind == PRELOAD_SLOT_IO) {
				ev[k++] = (struct iot_io_event){
					.ts_ns = ticks_to_ns(s->ts_ns), .dur_ns = ticks_dur_ns(s->dur_ns),
					.pid = (uint32_t)rt.pid, .tid = r->tid, .op = s->op,
					.source = IOT_SRC_PRELOAD, .ftype = s->ftype,
					.fd = s->fd, .flags = s->flags, .eflags = s->eflags,
					.file_id = s->file_id, .offset = s->offset,
					.size = s->size, .result = s->result,
				};
				tail += 1u + s->extra;
				s = &r->slots[tail & (RING_SLOTS - 1)];
			}
			iot_writer_io_commit(rt.w, k);
			if (!room) /* the writer failed: the slots are dropped */
				tail += 1u + s->extra;
			continue;
		}
		if (rt.w && s->kind == PRELOAD_SLOT_FILE) {
			uint32_t len = s->flags;
			for (uint32_t k = 0; k < s->extra; k++)
				memcpy(path + k * sizeof(*s),
				       &r->slots[(tail + 1 + k) & (RING_SLOTS - 1)], sizeof(*s));
			path[len] = 0;
			struct iot_file f = {
				.id = s->file_id, .dev = (uint64_t)s->offset, .ino = s->size,
				.type = s->ftype, .path = path,
			};
			iot_writer_add_file(rt.w, &f);
		}
		tail += 1u + s->extra;
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	drops = atomic_exchange(&r->drops, 0);
	if (drops && rt.w) {
		struct iot_loss l = {
			.ts_ns = preload_mono_ns(), .source = IOT_SRC_PRELOAD, .cpu = r->tid,
			.count = drops, .reason = IOT_LOSS_BUFFER_FULL, .pid = (uint32_t)rt.pid,
		};
		iot_writer_add_loss(rt.w, &l);
	}
}

static void drain_all(void)
{
	uint64_t lost = atomic_exchange(&rt.lost_noring, 0);

	clock_update();
	for (uint32_t i = 0; i < MAX_RINGS; i++) {
		struct preload_ring *r = atomic_load(&rt.rings[i]);
		if (r)
			ring_drain(r);
	}
	if (lost && writer_ready()) {
		struct iot_loss l = {
			.ts_ns = preload_mono_ns(), .source = IOT_SRC_PRELOAD, .cpu = ~0u,
			.count = lost, .reason = IOT_LOSS_BUFFER_FULL, .pid = (uint32_t)rt.pid,
		};
		iot_writer_add_loss(rt.w, &l);
	}
	atomic_store_explicit(&rt.last_drain_tick, preload_now(), memory_order_relaxed);
}

/* The lock is held with the application's signals blocked (all but the
 * synchronous ones, which cannot wait): a handler that ran in the middle
 * of a drain and left by siglongjmp would leave the lock held, and the
 * writer half-way through a chunk, for good (the next fork would wait
 * for it forever). Blocked from before the lock is taken to after it is
 * released, so no signal arrives in between. Two system calls per drain,
 * which is one per 256 events. A signal that came meanwhile is handled
 * when the mask is restored, still under the DRAIN guard: the handler's
 * calls are recorded. */
static sigset_t sigs_blockable;

static void sigs_init(void)
{
	static const int sync_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS };

	sigfillset(&sigs_blockable);
	for (size_t i = 0; i < sizeof(sync_sigs) / sizeof(sync_sigs[0]); i++)
		sigdelset(&sigs_blockable, sync_sigs[i]);
}

/* Take the lock, waiting for it. */
static void lock_wait(sigset_t *old)
{
	pthread_sigmask(SIG_BLOCK, &sigs_blockable, old);
	pthread_mutex_lock(&rt.lock);
	atomic_store_explicit(&rt.locked, 1, memory_order_relaxed);
}

/* Take the lock if it is free; 1 if taken. */
static int lock_try(sigset_t *old)
{
	if (atomic_load_explicit(&rt.locked, memory_order_relaxed))
		return 0;
	pthread_sigmask(SIG_BLOCK, &sigs_blockable, old);
	if (pthread_mutex_trylock(&rt.lock) != 0) {
		pthread_sigmask(SIG_SETMASK, old, NULL);
		return 0;
	}
	atomic_store_explicit(&rt.locked, 1, memory_order_relaxed);
	return 1;
}

static void lock_release(const sigset_t *old)
{
	atomic_store_explicit(&rt.locked, 0, memory_order_relaxed);
	pthread_mutex_unlock(&rt.lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* After its owner drained it (lock held): an empty ring starts again at
 * its first slot. A thread then writes the same 256-odd slots (16 KiB)
 * drain after drain instead of sweeping all 256 KiB of the ring: less
 * memory resident per thread, and fewer of the application's cache
 * lines pushed out by the library's. Only the owner appends, but a
 * signal handler on its stack may append in the middle of this: the
 * tail moves first (the ring then looks full to a handler, which counts
 * its event dropped) and the head only if nothing was appended; else
 * the tail goes back. */
static void ring_rewind(struct preload_ring *r)
{
	const uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t start = (h + RING_SLOTS - 1) & ~(RING_SLOTS - 1), expect = h;

	if (h == start || h != atomic_load_explicit(&r->tail, memory_order_relaxed))
		return;
	atomic_store(&r->tail, start);
	if (!atomic_compare_exchange_strong(&r->head, &expect, start))
		atomic_store(&r->tail, h); /* the handler's slots are from h on */
}

/* The ring is full: drain it here if the lock is free. */
static __attribute__((noinline)) int ring_reserve_slow(struct preload_ring *r, uint32_t n,
						       uint32_t *head)
{
	uint32_t tail;
	sigset_t old;

	if ((!preload_tls.sig_depth || !preload_sig_depth()) && lock_try(&old)) {
		preload_tls.guard = PRELOAD_GUARD_DRAIN;
		clock_update();
		ring_drain(r);
		shard_check_mem(0);
		ring_rewind(r);
		lock_release(&old);
		preload_tls.guard = PRELOAD_GUARD_BUSY;
		/* a signal handler may have appended meanwhile */
		*head = atomic_load_explicit(&r->head, memory_order_relaxed);
		tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		return *head - tail + n <= RING_SLOTS;
	}
	return 0;
}

/* Room for n slots, draining if we may; 0 if the ring stays full. */
static inline int ring_reserve(struct preload_ring *r, uint32_t n, uint32_t *head)
{
	*head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (__builtin_expect(*head - tail + n <= RING_SLOTS, 1))
		return 1;
	return ring_reserve_slow(r, n, head);
}

/* Drain this ring, or every ring when they are old (lock free only). */
static __attribute__((noinline)) void drain_now(struct preload_ring *r, int old)
{
	sigset_t mask;

	if (!lock_try(&mask))
		return;
	preload_tls.guard = PRELOAD_GUARD_DRAIN; /* our append is complete */
	if (old) {
		/* everything to the file: a SIGKILL then loses at most the
		 * last PRELOAD_AGE_NS (plus the time until the next call) */
		drain_all();
		shard_check_mem(1);
		if (rt.w)
			iot_writer_flush(rt.w);
	} else {
		clock_update();
		ring_drain(r);
		shard_check_mem(0);
	}
	ring_rewind(r);
	lock_release(&mask);
	preload_tls.guard = PRELOAD_GUARD_BUSY;
}

/* After an append: drain this ring when it fills up, every ring when
 * they are old. Never waits for the lock; never in a signal handler,
 * where the writer's malloc could deadlock. */
static inline void maybe_drain(struct preload_ring *r, uint64_t now)
{
	uint32_t used = atomic_load_explicit(&r->head, memory_order_relaxed) -
			atomic_load_explicit(&r->tail, memory_order_relaxed);
	int old = now - atomic_load_explicit(&rt.last_drain_tick, memory_order_relaxed) >
		  clk.age_ticks;

	if (__builtin_expect(used < RING_DRAIN_AT && !old, 1))
		return;
	if (__builtin_expect(preload_tls.sig_depth, 0) && preload_sig_depth())
		return;
	drain_now(r, old);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

/* Queue a FILE record (id, dev, ino, type, path) in the thread's ring. */
static void emit_file(struct preload_ring *r, uint64_t id, uint64_t dev, uint64_t ino,
		      uint8_t ftype, const char *path)
{
	size_t len = strlen(path);
	uint32_t nslots, head;
	const size_t cap = PATH_SLOTS_MAX * sizeof(struct preload_slot) - 1;

	if (len > cap) /* keep the tail: it names the file */
		path += len - cap, len = cap;
	nslots = (uint32_t)((len + sizeof(struct preload_slot)) / sizeof(struct preload_slot));
	if (!ring_reserve(r, 1 + nslots, &head)) {
		atomic_fetch_add(&r->drops, 1);
		return;
	}
	struct preload_slot *s = &r->slots[head & (RING_SLOTS - 1)];
	*s = (struct preload_slot){
		.file_id = id, .offset = (int64_t)dev, .size = ino, .ftype = ftype,
		.flags = (uint32_t)len, .kind = PRELOAD_SLOT_FILE, .extra = (uint8_t)nslots,
	};
	for (uint32_t k = 0; k < nslots; k++) {
		size_t off = k * sizeof(*s), n = len - off < sizeof(*s) ? len - off : sizeof(*s);
		if (off < len)
			memcpy(&r->slots[(head + 1 + k) & (RING_SLOTS - 1)], path + off, n);
	}
	atomic_store_explicit(&r->head, head + 1 + nslots, memory_order_release);
}

/* Absolute form of (dirfd, path) in buf; path itself if that fails. */
static const char *full_path(int dirfd, const char *path, char *buf, size_t len)
{
	char link[64];
	size_t n;

	if (!path || path[0] == '/')
		return path;
	if (dirfd == AT_FDCWD) {
		if (!getcwd(buf, len))
			return path;
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		ssize_t k = readlink(link, buf, len - 1);
		if (k <= 0)
			return path;
		buf[k] = 0;
	}
	n = strlen(buf);
	if (n + 1 + strlen(path) + 1 > len)
		return path;
	buf[n] = '/';
	strcpy(buf + n + 1, path);
	return buf;
}

/* Path of an open descriptor ("/proc/self/fd/N"'s target). */
static const char *fd_path(int fd, char *buf, size_t len)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t k = readlink(link, buf, len - 1);
	if (k <= 0)
		return NULL;
	buf[k] = 0;
	return buf;
}

/* The process has an io_uring (its descriptor is seen when the rings
 * are mapped): its requests bypass every wrapper, so iorec is told
 * through a marker file in the spool, once per process. */
static void note_uring(void)
{
	char marker[PATH_MAX], comm[17] = "";
	static pid_t noted; /* a fork child notes its own */

	if (noted == rt.pid)
		return;
	noted = rt.pid;
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	snprintf(marker, sizeof(marker), "%s/%s%d.txt", rt.spool, PRELOAD_URING_PREFIX, (int)getpid());
	int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		ssize_t unused = write(fd, comm, strlen(comm));
		(void)unused;
		close(fd);
	}
}

/* Learn a descriptor: type, file id (FILE record on first sight),
 * position. path may be NULL (then /proc/self/fd tells). */
static struct preload_ofd *fd_learn(struct preload_ring *r, int fd, int dirfd,
				    const char *path, int oflags, int just_opened)
{
	struct stat st;
	char buf[PATH_MAX];
	int is_new;
	int64_t pos = -1;

	if (fstat(fd, &st) != 0)
		return NULL;
	uint8_t ftype = (uint8_t)iot_file_type_from_mode(st.st_mode);
	int seekable = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
	/* An inherited descriptor goes by the kernel's name for it (once per
	 * descriptor), an opened one by the name the program gave. */
	const char *p = path ? NULL : fd_path(fd, buf, sizeof(buf));
	uint64_t key = preload_key_named(st.st_dev, st.st_ino, path ? path : p,
					 path && path[0] != '/' && dirfd != AT_FDCWD);
	uint64_t id = preload_file_id(key, &is_new);
	if (path && (is_new || filt.npaths)) {
		p = path[0] == '/' ? path : NULL;
		if (!p && path && just_opened && dirfd == AT_FDCWD)
			p = full_path(dirfd, path, buf, sizeof(buf));
		if (!p || p[0] != '/')
			p = fd_path(fd, buf, sizeof(buf));
	}
	int wanted = path_wanted(p);
	if (is_new && wanted)
		emit_file(r, id, st.st_dev, st.st_ino, ftype, p ? p : "?");
	if (is_new && p && strcmp(p, PRELOAD_URING_PATH) == 0)
		note_uring();
	if (seekable)
		pos = just_opened ? ((oflags & O_APPEND) ? -1 : 0) : lseek(fd, 0, SEEK_CUR);
	if (pos < 0)
		pos = -1;
	struct preload_ofd *o = preload_fd_new(fd, id, ftype, seekable, pos,
					       oflags < 0 ? 0 : (uint32_t)oflags);
	if (o)
		o->muted = !wanted;
	return o;
}

/* File id for a call naming a path (stat, unlink, failed open, ...);
 * *muted says whether the path is outside the --path filter. */
static uint64_t path_file_id(struct preload_ring *r, const struct preload_call *c, int *muted)
{
	char buf[PATH_MAX];
	int is_new;
	uint64_t key, dev = 0, ino = 0;
	uint8_t ftype = 0;
	const char *p;

	if (c->st && c->result == 0) {
		if (c->st_kind == 1) {
			const struct stat *st = c->st;
			dev = st->st_dev, ino = st->st_ino;
			ftype = (uint8_t)iot_file_type_from_mode(st->st_mode);
		} else {
			const struct statx *sx = c->st;
			if (sx->stx_mask & STATX_INO) {
				dev = makedev(sx->stx_dev_major, sx->stx_dev_minor);
				ino = sx->stx_ino;
				ftype = (uint8_t)iot_file_type_from_mode(sx->stx_mode);
			}
		}
	}
	p = full_path(c->dirfd, c->path, buf, sizeof(buf));
	*muted = !path_wanted(p);
	if (!p || !*p)
		return 0;
	key = ino ? preload_key_named(dev, ino, c->path, c->path[0] != '/' && c->dirfd != AT_FDCWD)
		  : preload_key_path(p);
	uint64_t id = preload_file_id(key, &is_new);
	if (is_new && !*muted)
		emit_file(r, id, dev, ino, ftype, p);
	return id;
}

/* ------------------------------------------------------------------ */
/* Recording                                                           */
/* ------------------------------------------------------------------ */

void preload_missed(void)
{
	struct preload_ring *r = preload_tls.ring;

	if (r && r != NO_RING)
		atomic_fetch_add(&r->drops, 1);
	else
		atomic_fetch_add(&rt.lost_noring, 1);
}

/* Handlers that left by a jump. The trampoline notes where its frame is
 * (sig_sp); everything a handler calls runs below that frame, on the
 * same stack or on an alternate stack below the thread's (sigaltstack
 * memory comes from malloc or mmap, under the stack). A frame above it
 * means the handler is gone: siglongjmp took the thread back into the
 * code it interrupted, or further out. (An alternate stack above the
 * thread's stack, say an array in main's frame, makes the test say "still
 * in the handler" after such a jump: the library then behaves as before,
 * it does not drain, which is safe.) Without this, one jump out of a
 * handler left the thread "in a handler" for good: it never drained its
 * ring again, and fork, exec and exit skipped their flush, so the rest of
 * the process's trace was lost. */
int preload_sig_depth(void)
{
	volatile char here;
	uintptr_t sp = (uintptr_t)&here;
	int d = preload_tls.sig_depth, was = d;

	while (d > 0 && d <= PRELOAD_SIG_LEVELS && sp > preload_tls.sig_sp[d - 1])
		d--;
	if (d == was)
		return d;
	/* Back at level d. The jump abandoned what the trampoline of level
	 * d interrupted: if that was an append, its event is lost. */
	int g = preload_tls.sig_guard[d];
	if (g == PRELOAD_GUARD_BUSY)
		preload_missed();
	preload_tls.sig_depth = d;
	/* the guard the code at level d runs with, as its trampoline gave
	 * it (the code outside any handler: none); the library's own state
	 * (BUSY, DRAIN) is its caller's to restore */
	if (preload_tls.guard == PRELOAD_GUARD_NONE || preload_tls.guard == PRELOAD_GUARD_CUT) {
		int outer = d > 0 && d <= PRELOAD_SIG_LEVELS ? preload_tls.sig_guard[d - 1] : 0;
		preload_tls.guard = d > 0 && (outer == PRELOAD_GUARD_BUSY || outer == PRELOAD_GUARD_CUT)
					    ? PRELOAD_GUARD_CUT : PRELOAD_GUARD_NONE;
	}
	return d;
}

int preload_cut(void)
{
	if (preload_tls.sig_depth)
		preload_sig_depth();
	if (preload_tls.guard == PRELOAD_GUARD_NONE)
		return 1;
	preload_missed();
	return 0;
}

/* Move a tracked position by what a call transferred; its old value, or
 * -1 when unknown (and then it stays unknown). */
static inline int64_t pos_advance(_Atomic int64_t *pos, int64_t moved)
{
	int64_t off = atomic_fetch_add_explicit(pos, moved, memory_order_relaxed);

	if (off < 0)
		atomic_store(pos, -1);
	return off < 0 ? -1 : off;
}

/* Offset of the call and the descriptor's new position. */
static int64_t call_offset(struct preload_ofd *o, const struct preload_call *c, uint8_t *eflags)
{
	int64_t moved = c->result > 0 ? c->result : 0, off = -1;

	switch (c->at) {
	case PRELOAD_AT_GIVEN:
		return c->offset;
	case PRELOAD_AT_CUR:
		if (o && o->seekable && !(o->oflags & O_APPEND))
			off = pos_advance(&o->offset, moved);
		break;
	case PRELOAD_AT_STDIO:
		if (o)
			off = pos_advance(&o->stdio_pos, moved);
		break;
	case PRELOAD_AT_SEEK:
		if (o && c->result >= 0)
			atomic_store(&o->offset, c->result);
		return c->result >= 0 ? c->result : -1;
	case PRELOAD_AT_STDIO_SET:
		if (c->result < 0)
			return -1;
		if (o)
			atomic_store(&o->stdio_pos, c->offset);
		return c->offset;
	default:
		return -1;
	}
	if (off < 0) {
		*eflags |= IOT_EV_OFFSET_UNKNOWN;
		off = -1;
	}
	return off;
}

void preload_fd_setfl(int fd, int flags)
{
	const uint32_t settable = O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK;
	struct preload_ofd *o = fd >= 0 ? preload_fd_get(fd) : NULL;
	int saved = preload_tls.guard;

	if (!o)
		return;
	uint32_t was = o->oflags;
	o->oflags = (was & ~settable) | ((uint32_t)flags & settable);
	if ((was & O_APPEND) && !(flags & O_APPEND) && o->seekable) {
		/* appends moved the position unseen: ask once */
		preload_tls.guard = PRELOAD_GUARD_BUSY;
		off_t pos = lseek(fd, 0, SEEK_CUR);
		preload_tls.guard = saved;
		atomic_store(&o->offset, pos < 0 ? -1 : pos);
	}
}

/* Descriptor table after close and dup calls. */
static void fd_update(const struct preload_call *c)
{
	if (c->result < 0)
		return;
	switch (c->op) {
	case IOT_OP_CLOSE:
	case IOT_OP_FCLOSE:
		preload_fd_close(c->fd);
		break;
	case IOT_OP_DUP:
	case IOT_OP_DUP2:
	case IOT_OP_DUP3:
	case IOT_OP_FCNTL:
		preload_fd_dup(c->fd, (int)c->result);
		break;
	default:
		break;
	}
}

int preload_in_vfork_child(void)
{
	return preload_active && getpid() != rt.pid;
}

/* Categories from the one operation list, without a call per event. */
static const uint8_t op_category[IOT_OP__COUNT] = {
#define PRELOAD_X_CAT(e, name, cat) [IOT_OP_##e] = IOT_CAT_##cat,
	IOT_OPS(PRELOAD_X_CAT)
#undef PRELOAD_X_CAT
};

/* Append one I/O slot to the thread's ring (or count it dropped), then
 * drain if due. */
static inline void append_io(struct preload_ring *r, const struct preload_slot *slot, uint64_t t1)
{
	uint32_t head;

	if (!ring_reserve(r, 1, &head)) {
		atomic_fetch_add(&r->drops, 1);
		return;
	}
	r->slots[head & (RING_SLOTS - 1)] = *slot;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	maybe_drain(r, t1);
}

static void record_call(struct preload_call *c, uint64_t t1);

void preload_record(struct preload_call *c)
{
	record_call(c, preload_now());
}

/* The read/write family on a descriptor the process opened: the bulk
 * of the events, so it skips what only other calls need (descriptor
 * learning, paths, vfork, table updates). Anything unusual goes the
 * general way. */
void preload_record_rw(uint64_t t0, uint16_t op, int fd, uint8_t at, int64_t offset,
		       uint64_t size, int64_t result)
{
	uint64_t t1 = preload_now();
	struct preload_ring *r = preload_tls.ring;
	struct preload_ofd *o;
	int64_t off = offset;
	uint8_t eflags = 0;

	if (__builtin_expect(!r || r == NO_RING || r->muted || filt.has_ops || fd < 0 ||
			     !(o = preload_fd_get(fd)) || o->muted ||
			     (at == PRELOAD_AT_CUR && (!o->seekable || (o->oflags & O_APPEND))), 0)) {
		struct preload_call c = { .t0 = t0, .op = op, .fd = fd, .at = at,
					  .offset = offset, .size = size, .result = result };
		record_call(&c, t1);
		return;
	}
	int saved_guard = preload_tls.guard;
	preload_tls.guard = PRELOAD_GUARD_BUSY;
	if (at == PRELOAD_AT_CUR && (off = pos_advance(&o->offset, result > 0 ? result : 0)) < 0)
		eflags |= IOT_EV_OFFSET_UNKNOWN;
	if (o->oflags & O_DIRECT)
		eflags |= IOT_EV_DIRECT;
	if (result >= 0 && (uint64_t)result < size)
		eflags |= IOT_EV_PARTIAL;
	append_io(r, &(struct preload_slot){
		.ts_ns = t0, .dur_ns = t1 - t0, .file_id = o->file_id, .offset = off,
		.size = size, .result = result, .fd = fd, .op = op, .ftype = o->ftype,
		.eflags = eflags, .kind = PRELOAD_SLOT_IO,
	}, t1);
	preload_tls.guard = saved_guard;
}

static void record_call(struct preload_call *c, uint64_t t1)
{
	struct preload_ring *r;
	struct preload_ofd *o = NULL;
	uint64_t file_id = 0;
	uint8_t eflags = 0, ftype = 0;
	int mute = 0, saved_guard = preload_tls.guard;

	preload_tls.guard = PRELOAD_GUARD_BUSY;
	/* A vfork child (dash, some spawn code) shares our memory: its
	 * open/close/dup must not rewrite the parent's descriptor table.
	 * These calls are rare enough to afford the getpid(). */
	if ((c->opened || c->op == IOT_OP_CLOSE || c->op == IOT_OP_DUP || c->op == IOT_OP_DUP2 ||
	     c->op == IOT_OP_DUP3 || c->op == IOT_OP_FCNTL || c->op == IOT_OP_FCLOSE) &&
	    preload_in_vfork_child()) {
		preload_tls.guard = saved_guard;
		return;
	}
	r = ring_get();
	if (!r)
		goto out;
	if (c->opened && c->result >= 0) {
		o = fd_learn(r, (int)c->result, c->dirfd, c->path, (int)c->flags, 1);
	} else if (c->fd >= 0) {
		o = preload_fd_get(c->fd);
		if (!o && c->result >= 0 && c->op != IOT_OP_CLOSE) {
			/* First sight of an inherited descriptor: its position
			 * is already past this call. */
			o = fd_learn(r, c->fd, AT_FDCWD, NULL, -1, 0);
			if (o && c->at == PRELOAD_AT_CUR && o->offset >= 0) {
				c->at = PRELOAD_AT_GIVEN;
				c->offset = o->offset - c->result;
			}
		}
		if (o && !o->seekable && c->at == PRELOAD_AT_CUR)
			c->at = PRELOAD_AT_NONE;
	}
	if (o) {
		file_id = o->file_id;
		ftype = o->ftype;
		if (o->oflags & O_DIRECT)
			eflags |= IOT_EV_DIRECT;
	} else if (c->path) {
		file_id = path_file_id(r, c, &mute);
	} else if (c->file_id) {
		file_id = c->file_id;
	} else if (filt.npaths) {
		mute = 1; /* no file, so not within a --path */
	}
	if (o && o->muted)
		mute = 1;
	if (filt.has_ops && c->op < IOT_OP__COUNT && !((filt.ops[c->op / 64] >> (c->op % 64)) & 1))
		mute = 1;
	eflags |= c->eflags;
	/* offsets move even for calls that are not recorded */
	int64_t off = call_offset(o, c, &eflags);
	if (mute || r->muted)
		goto out; /* bookkeeping done, nothing recorded */
	if (c->size && c->result >= 0 && (uint64_t)c->result < c->size && c->op < IOT_OP__COUNT &&
	    (op_category[c->op] == IOT_CAT_READ || op_category[c->op] == IOT_CAT_WRITE))
		eflags |= IOT_EV_PARTIAL;
	append_io(r, &(struct preload_slot){
		.ts_ns = c->t0, .dur_ns = t1 - c->t0, .file_id = file_id, .offset = off,
		.size = c->size, .result = c->result,
		.fd = c->opened && c->result >= 0 ? (int32_t)c->result : c->fd,
		.flags = c->flags, .op = c->op, .ftype = ftype, .eflags = eflags,
		.kind = PRELOAD_SLOT_IO,
	}, t1);
out:
	fd_update(c);
	preload_tls.guard = saved_guard;
}

/* ------------------------------------------------------------------ */
/* Shards                                                              */
/* ------------------------------------------------------------------ */

/* Where the library's descriptor goes: out of the low range that
 * daemons close and shells dup onto. */
static int fd_floor(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024)
		return (int)rl.rlim_cur * 3 / 4;
	return 900;
}

int preload_relocate_fd(int fd)
{
	int nfd;

	if (fd < 0)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, fd_floor());
	if (nfd >= 0) {
		close(fd);
		fd = nfd;
	}
	preload_shard_fd = fd;
	return fd;
}

int preload_yield_fd(int fd)
{
	int saved = preload_tls.guard, moved = 0, nfd;
	sigset_t mask;

	preload_tls.guard = PRELOAD_GUARD_BUSY;
	/* in a handler the lock may be held by the code it interrupted */
	if (preload_tls.sig_depth && preload_sig_depth()) {
		if (!lock_try(&mask))
			goto out;
	} else {
		lock_wait(&mask);
	}
	/* a vfork child's table is its own, the memory is its parent's */
	if (fd != preload_shard_fd || getpid() != rt.pid)
		goto unlock;
	if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, fd + 1)) < 0 &&
	    (nfd = fcntl(fd, F_DUPFD_CLOEXEC, fd_floor())) < 0)
		nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd >= 0) {
		if (!rt.batch_held)
			iot_writer_set_fd(rt.w, nfd);
		preload_shard_fd = nfd;
		moved = 1;
	} else {
		/* No descriptor left to move to: stop recording rather
		 * than write into the application's file. */
		if (rt.batch_held) {
			close(fd);
		} else {
			iot_writer_abandon(rt.w);
			rt.w = NULL;
		}
		rt.batch_held = 0;
		preload_shard_fd = -1;
		preload_active = 0;
	}
unlock:
	lock_release(&mask);
out:
	preload_tls.guard = saved;
	return moved;
}

static void read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (ssize_t i = 0; i + 1 < n; i++) /* cmdline: NULs between args */
		if (buf[i] == 0)
			buf[i] = ' ';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
}

/* The executable and command line of this image, read from /proc once
 * (a fork child has its parent's until it execs). */
static struct {
	char exe[PATH_MAX], cmdline[4096];
	int read;
} ident;

static void add_proc(uint64_t exit_ns)
{
	char comm[17] = "";
	char *exe = ident.exe, *cmdline = ident.cmdline;

	prctl(PR_GET_NAME, comm, 0, 0, 0);
	if (!ident.read) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(ident.exe) - 1);
		exe[n > 0 ? n : 0] = 0;
		read_small("/proc/self/cmdline", cmdline, sizeof(ident.cmdline));
		ident.read = 1;
	}
	struct iot_proc p = {
		/* start 0: merged with the core's record of the same pid (its
		 * start comes from /proc and would never be equal to ours) */
		.ts_ns = preload_mono_ns(), .start_ns = 0,
		.exit_ns = exit_ns, .pid = (uint32_t)rt.pid, .ppid = (uint32_t)getppid(),
		.uid = getuid(), .gid = getgid(), .exit_status = -1,
		.comm = comm, .exe = exe[0] ? exe : NULL,
		.cmdline = cmdline[0] ? cmdline : NULL, .job_id = rt.job,
		.rank = rt.rank[0] ? rt.rank : NULL,
	};
	iot_writer_add_proc(rt.w, &p);
}

/* A new shard identity: the nonce in its name, and the range its
 * strings and file ids come from (high 32 bits unique per shard, writer
 * strings from the low half, our file ids from 2^31 up). Set at start
 * and in a fork child, before the child can learn a file. */
static void shard_identity(void)
{
	uint32_t nonce = 0;

	if (getrandom(&nonce, sizeof(nonce), GRND_NONBLOCK) != sizeof(nonce))
		nonce = (uint32_t)preload_mono_ns();
	rt.nonce = nonce;
	rt.id_base = ((uint64_t)((nonce ^ ((uint32_t)rt.pid << 8)) | 1u)) << 32;
	preload_file_id_base(rt.id_base + (1ull << 31));
}

/* Create the shard of the current identity. Lock held, guard set. */
static int shard_create(void)
{
	struct iot_writer_opts o = {
		.flags = IOT_W_DIRECT | IOT_W_NO_AUTO_META,
		.chunk_records = CHUNK_RECORDS,
		.flush_age_ns = PRELOAD_AGE_NS,
		.id_base = rt.id_base,
		/* zstd costs about 150 instructions per I/O event and
		 * evicts the application's data: the first PRELOAD_STORE_BYTES
		 * of a shard are stored, and iorec's merge compresses them.
		 * Past that (a long, busy process; the spool may be small),
		 * chunks are compressed here unless zstd would take less than
		 * 25% off (random offsets leave it about 20%). */
		.store_bytes = PRELOAD_STORE_BYTES,
		.zstd_min_gain = 25,
		/* a chunk of 1024 events is about 5 KiB: one write(2) per
		 * dozen chunks (the age flush writes the rest every
		 * PRELOAD_AGE_NS), 3-4 ns less per event on ext4 */
		.write_buffer = 64u << 10,
	};
	int rc;

	rt.shard_pending = 0;
	/* The name starts with the creation time: sorted by name, the shards
	 * of one pid (before and after exec) come in the order they ran. */
	rt.shard_t = preload_mono_ns();
	snprintf(rt.shard, sizeof(rt.shard), "%s/%016llx-%d-%08x%s", rt.spool,
		 (unsigned long long)rt.shard_t, (int)rt.pid, rt.nonce, PRELOAD_SHARD_OPEN_SUFFIX);
	/* in memory until shard_spill() or the batch file */
	rc = iot_writer_open_mem(&rt.w, &o);
	if (rc < 0) {
		rt.w = NULL;
		return rc;
	}
	rt.in_mem = 1;
	add_proc(0);
	return 0;
}

/* The batch file's descriptor, opened once and held (out of the
 * application's range, like a shard's): the frame of a process that
 * chroots, changes its user or closes every descriptor still reaches
 * it. A fork child shares its parent's. -1 if it cannot be opened. Lock
 * held, guard set. */
static int batch_fd(void)
{
	char path[PATH_MAX];

	if (rt.batch_held && preload_shard_fd >= 0)
		return preload_shard_fd;
	if (preload_shard_fd >= 0) /* a shard file's: not ours to append to */
		return -1;
	snprintf(path, sizeof(path), "%s/%s", rt.spool, PRELOAD_BATCH_NAME);
	preload_capturing_fd = 1;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	preload_capturing_fd = 0;
	rt.batch_held = fd >= 0;
	return fd;
}

/* The whole shard in memory as one frame of the batch file (see
 * preload_rt.h); 0 when written entirely. Lock held, guard set. */
static int batch_append(void)
{
	uint8_t h[PRELOAD_FRAME_HEADER];
	size_t len;
	const void *p;
	int fd;

	if (iot_writer_flush(rt.w) < 0 || !(p = iot_writer_mem(rt.w, &len)) || len > UINT32_MAX ||
	    (fd = batch_fd()) < 0)
		return -1;
	preload_frame_pack(h, &(struct preload_frame){ .key = rt.shard_t, .len = (uint32_t)len,
						      .pid = (uint32_t)rt.pid,
						      .crc = (uint32_t)crc32(0, p, (uInt)len) });
	struct iovec iov[2] = { { h, sizeof(h) }, { (void *)p, len } };
	ssize_t n;
	do
		n = writev(fd, iov, 2);
	while (n < 0 && errno == EINTR);
	/* a short write leaves a damaged frame, which iorec skips */
	return n == (ssize_t)(sizeof(h) + len) ? 0 : -1;
}

/* The shard in memory into its own file, which takes the place of the
 * batch descriptor. Lock held, guard set. */
static int shard_spill(void)
{
	int rc, batch = rt.batch_held ? preload_shard_fd : -1;

	preload_shard_fd = -1;
	preload_capturing_fd = 1;
	rc = iot_writer_spill(rt.w, rt.shard);
	preload_capturing_fd = 0;
	if (rc < 0) {
		preload_shard_fd = batch;
		return rc;
	}
	if (batch >= 0)
		close(batch);
	rt.batch_held = 0;
	rt.in_mem = 0;
	return 0;
}

/* After a drain: a shard still in memory becomes a file when the
 * process has lived PRELOAD_AGE_NS (old: the drain is due to age) or it
 * has grown to PRELOAD_MEM_BYTES. Where no file can be made (after
 * chroot or setuid), the shard goes to the batch file as a frame, and
 * the process goes on in a new shard. Lock held, guard set. */
static void shard_check_mem(int old)
{
	if (__builtin_expect(!rt.in_mem, 1) || !rt.w ||
	    (!old && iot_writer_bytes(rt.w) < PRELOAD_MEM_BYTES) || shard_spill() == 0)
		return;
	int sent = batch_append() == 0;
	iot_writer_abandon(rt.w);
	rt.w = NULL;
	rt.in_mem = 0;
	shard_identity();
	if (!sent || shard_create() < 0)
		preload_active = 0; /* nowhere to write: record no more */
}

/* Open this process's shard. Lock held, guard set. */
static int shard_open(void)
{
	int rc;

	shard_identity();
	if ((rc = shard_create()) < 0)
		return rc;
	batch_fd(); /* now, while the spool can still be reached */
	atomic_store(&rt.last_drain_tick, preload_now());
	preload_active = 1;
	return 0;
}

/* The writer, creating a fork child's shard the first time it has
 * something to write: a child that execs (or exits) without recording
 * anything costs no shard. Lock held. */
static int writer_ready(void)
{
	if (!rt.w && rt.shard_pending && shard_create() < 0)
		preload_active = 0;
	return rt.w != NULL;
}

/* Flush and close the shard (footer) and mark it complete; exiting
 * writes the exit time (not at exec: the process goes on). Lock held. */
static void shard_close(int exiting)
{
	char done[PATH_MAX];
	size_t n;

	drain_all();
	if (!rt.w && rt.shard_pending && exiting)
		writer_ready(); /* a fork child that exits: its process record */
	rt.shard_pending = 0;
	if (!rt.w)
		return;
	if (exiting)
		add_proc(preload_mono_ns());
	if (rt.in_mem && (batch_append() == 0 || shard_spill() < 0)) {
		iot_writer_abandon(rt.w); /* frees the memory */
		rt.w = NULL;
		rt.in_mem = 0;
		return;
	}
	/* No footer, no fsync: iorec reads shards by scanning, and a shard
	 * only has to outlive the process, not the node. */
	iot_writer_abandon(rt.w);
	rt.w = NULL;
	preload_shard_fd = -1;
	n = strlen(rt.shard) - strlen(PRELOAD_SHARD_OPEN_SUFFIX);
	snprintf(done, sizeof(done), "%.*s%s", (int)n, rt.shard, PRELOAD_SHARD_DONE_SUFFIX);
	rename(rt.shard, done);
}

/* ------------------------------------------------------------------ */
/* Threads, fork, exec, exit                                           */
/* ------------------------------------------------------------------ */

static void thread_exit(void *arg)
{
	struct preload_ring *r = arg;
	int e = errno;
	sigset_t mask;

	preload_tls.guard = 1;
	lock_wait(&mask);
	clock_update();
	ring_drain(r);
	shard_check_mem(0);
	atomic_store(&rt.rings[r->reg], NULL);
	lock_release(&mask);
	preload_tls.ring = NULL;
	munmap(r, sizeof(*r));
	preload_tls.guard = 0;
	errno = e;
}

static void fork_prepare_inner(void);

static void fork_prepare(void)
{
	int e = errno;

	fork_prepare_inner();
	errno = e;
}

static void fork_prepare_inner(void)
{
	if (!preload_active || (preload_tls.sig_depth && preload_sig_depth()))
		return;
	preload_tls.guard = 1;
	lock_wait(&rt.fork_mask);
	rt.fork_locked = 1;
	drain_all();
	if (rt.w)
		iot_writer_flush(rt.w);
}

static void fork_parent(void)
{
	if (rt.fork_locked) {
		rt.fork_locked = 0;
		lock_release(&rt.fork_mask);
	}
	preload_tls.guard = 0;
}

/* The child starts its own shard. The parent's writer (its buffers and
 * descriptor) is abandoned without touching the parent's file. */
static void fork_child_inner(void);

static void fork_child(void)
{
	int e = errno;

	fork_child_inner();
	errno = e;
}

static void fork_child_inner(void)
{
	struct preload_ring *mine = preload_tls.ring;

	if (mine == NO_RING) /* may succeed in the new process */
		mine = preload_tls.ring = NULL;
	atomic_store(&rt.lost_noring, 0); /* the parent's to report */
	preload_aio_reset(); /* AIO contexts are not inherited */
	pthread_mutex_init(&rt.lock, NULL);
	atomic_store(&rt.locked, 0);
	if (rt.fork_locked)
		pthread_sigmask(SIG_SETMASK, &rt.fork_mask, NULL);
	rt.fork_locked = 0;
	rt.pid = getpid();
	for (uint32_t i = 0; i < MAX_RINGS; i++) {
		struct preload_ring *r = atomic_load(&rt.rings[i]);
		if (r && r != mine) { /* threads that do not exist here */
			atomic_store(&rt.rings[i], NULL);
			munmap(r, sizeof(*r));
		}
	}
	if (!pid_wanted((uint32_t)rt.pid) && preload_active) {
		/* --pid: a child of a traced process is not one of them */
		if (preload_shard_fd >= 0)
			close(preload_shard_fd);
		rt.w = NULL;
		preload_shard_fd = -1;
		rt.batch_held = 0;
		preload_active = 0;
	}
	if (mine) {
		mine->tid = (uint32_t)syscall(SYS_gettid);
		mine->muted = !tid_wanted(mine->tid);
		atomic_store(&mine->tail, atomic_load(&mine->head)); /* the parent's */
		atomic_store(&mine->drops, 0);
	}
	if (!preload_active) {
		preload_tls.guard = 0;
		return;
	}
	preload_tls.guard = 1;
	if (rt.w) {
		/* Leak the parent's writer: closing it would write to the
		 * parent's shard. The batch file's descriptor is kept: it is
		 * the child's too. */
		if (preload_shard_fd >= 0 && !rt.batch_held) {
			close(preload_shard_fd);
			preload_shard_fd = -1;
		}
		rt.w = NULL;
		rt.in_mem = 0;
	}
	/* Most children exec at once: their shard is made when they first
	 * have something to write, or when they exit without exec. */
	shard_identity();
	rt.shard_pending = 1;
	atomic_store(&rt.last_drain_tick, preload_now());
	preload_tls.guard = 0;
}

/* A vfork child shares our memory: it must not touch the writer. */
static int in_own_process(void)
{
	return getpid() == rt.pid;
}

static void note_static(const char *file, int search)
{
	char buf[PATH_MAX], why[PATH_MAX + 256], marker[PATH_MAX];
	const char *path = search ? preload_which(file, buf, sizeof(buf)) : file;
	static unsigned seq;

	if (!path || preload_check_interposable(path, why, sizeof(why)) != 0)
		return;
	snprintf(marker, sizeof(marker), "%s/%s%d-%u.txt", rt.spool, PRELOAD_STATIC_PREFIX,
		 (int)getpid(), seq++);
	int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		ssize_t unused = write(fd, path, strlen(path));
		(void)unused;
		close(fd);
	}
}

void preload_before_exec(const char *file, int search)
{
	sigset_t mask;

	if (!preload_active || (preload_tls.sig_depth && preload_sig_depth()))
		return;
	/* also in a vfork child (dash runs commands so): only syscalls */
	preload_tls.guard = 1;
	note_static(file, search);
	preload_tls.guard = 0;
	if (!in_own_process())
		return;
	preload_tls.guard = 1;
	lock_wait(&mask);
	shard_close(0);
	lock_release(&mask);
	preload_tls.guard = 0;
}

void preload_after_failed_exec(void)
{
	sigset_t mask;

	if (!preload_active || (preload_tls.sig_depth && preload_sig_depth()) || !in_own_process())
		return;
	preload_tls.guard = 1;
	lock_wait(&mask);
	if (!rt.w && shard_open() < 0)
		preload_active = 0;
	lock_release(&mask);
	preload_tls.guard = 0;
}

void preload_before_exit(void)
{
	sigset_t mask;

	if (!preload_active || (preload_tls.sig_depth && preload_sig_depth()) || !in_own_process())
		return;
	preload_tls.guard = 1;
	lock_wait(&mask);
	shard_close(1);
	preload_active = 0;
	lock_release(&mask);
	/* guard stays set: nothing after this is recorded */
}

/* The environment children need (see preload_child_env()). */
static struct {
	char *vars[16];
	char so[PATH_MAX];
	int ok;
} child_env;

extern char **environ;

static void child_env_init(void)
{
	Dl_info info;
	unsigned n = 0;

	if (!dladdr((void *)preload_init, &info) || !info.dli_fname || info.dli_fname[0] != '/')
		return;
	snprintf(child_env.so, sizeof(child_env.so), "%s", info.dli_fname);
	for (char **e = environ; e && *e && n + 1 < sizeof(child_env.vars) / sizeof(child_env.vars[0]); e++)
		if (strncmp(*e, "IOREC_PRELOAD_", 14) == 0 && (child_env.vars[n] = strdup(*e)))
			n++;
	child_env.vars[n] = NULL;
	child_env.ok = n > 0;
}

char *const *preload_child_env(void)
{
	return child_env.ok ? child_env.vars : NULL;
}

const char *preload_so_path(void)
{
	return child_env.ok ? child_env.so : NULL;
}

/* Split a comma list from the environment into malloc'd words. */
static unsigned env_list(const char *name, char **out, unsigned max)
{
	const char *v = getenv(name);
	unsigned n = 0;

	while (v && *v && n < max) {
		size_t len = strcspn(v, ",");
		if (len && (out[n] = strndup(v, len)))
			n++;
		v += len + (v[len] == ',');
	}
	return n;
}

/* Parse the filters; 0 when this process is filtered out entirely
 * (--comm, --pid): it then records nothing, its exec'd children decide
 * again. */
static int filters_init(void)
{
	char *w[FILTER_MAX], comm[17] = "";
	unsigned n;
	int ok;

	n = env_list(PRELOAD_ENV_OPS, w, FILTER_MAX);
	filt.has_ops = n > 0;
	for (unsigned i = 0; i < n; i++) {
		int op = iot_op_from_name(w[i]);
		if (op >= 0 && op < IOT_OP__COUNT)
			filt.ops[op / 64] |= 1ull << (op % 64);
		free(w[i]);
	}
	n = env_list(PRELOAD_ENV_TIDS, w, FILTER_MAX);
	for (unsigned i = 0; i < n; i++) {
		filt.tids[filt.ntids++] = (uint32_t)strtoul(w[i], NULL, 10);
		free(w[i]);
	}
	filt.npaths = env_list(PRELOAD_ENV_PATHS, filt.paths, FILTER_MAX);
	n = env_list(PRELOAD_ENV_PIDS, w, FILTER_MAX);
	for (unsigned i = 0; i < n; i++) {
		filt.pids[filt.npids++] = (uint32_t)strtoul(w[i], NULL, 10);
		free(w[i]);
	}
	if (!pid_wanted((uint32_t)rt.pid))
		return 0;
	n = env_list(PRELOAD_ENV_COMMS, w, FILTER_MAX);
	ok = n == 0;
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	for (unsigned i = 0; i < n; i++) {
		ok |= strcmp(w[i], comm) == 0;
		free(w[i]);
	}
	return ok;
}

void preload_init(void)
{
	const char *spool;
	sigset_t mask;

	if (rt.initialized)
		return;
	rt.initialized = 1;
	sigs_init();
	spool = getenv(PRELOAD_ENV_SPOOL);
	if (!spool || !*spool || strlen(spool) >= sizeof(rt.spool))
		return;
	snprintf(rt.spool, sizeof(rt.spool), "%s", spool);
	child_env_init();
	rt.job = getenv(PRELOAD_ENV_JOB);
	if (rt.job && !*rt.job)
		rt.job = NULL;
	static const char *const rank_vars[] = { IOT_RANK_ENV_VARS };
	for (size_t i = 0; !rt.rank[0] && i < sizeof(rank_vars) / sizeof(*rank_vars); i++) {
		const char *v = getenv(rank_vars[i]);
		if (v)
			snprintf(rt.rank, sizeof(rt.rank), "%s", v);
	}
	rt.pid = getpid();
	rt.max_rings = MAX_RINGS;
	const char *mt = getenv(PRELOAD_ENV_MAX_THREADS);
	if (mt && strtoul(mt, NULL, 10) > 0 && strtoul(mt, NULL, 10) < MAX_RINGS)
		rt.max_rings = (uint32_t)strtoul(mt, NULL, 10);
	if (!filters_init())
		return;
	clock_init();
	if (preload_fd_init() < 0)
		return;
	rt.key_ok = pthread_key_create(&rt.key, thread_exit) == 0;
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	preload_tls.guard = 1;
	lock_wait(&mask);
	shard_open();
	lock_release(&mask);
	preload_tls.guard = 0;
	if (preload_active)
		preload_wrap_signal_handlers();
}

/* Constructor and fork handlers leave errno as they found it (a program
 * starts with errno 0 and may look at it). */
__attribute__((constructor)) static void preload_ctor(void)
{
	int e = errno;

	preload_init();
	errno = e;
}

__attribute__((destructor)) static void preload_dtor(void)
{
	preload_before_exit();
}
