/* preload_fd.c - descriptor, open-file-description and file-id tables. */
#include "record/preload/preload_fd.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define FD_MAX_CAP (1u << 20)
#define FD_MIN_CAP 1024u
#define FILEID_SLOTS (1u << 14) /* power of two */

struct fileid_slot {
	_Atomic uint64_t key; /* 0 = empty */
	_Atomic uint64_t id;  /* 0 = being filled */
};

static _Atomic uint32_t *fd_map;  /* fd -> ofd index + 1, 0 = unknown */
static struct preload_ofd *ofd_pool;
static uint32_t fd_cap;
static _Atomic uint32_t ofd_hint;
static struct fileid_slot *fileids;
static _Atomic uint64_t fileid_next;

static void *map_zero(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int preload_fd_init(void)
{
	struct rlimit rl;
	uint32_t cap = FD_MIN_CAP;

	if (fd_map)
		return 0;
	/* Size for the hard limit: a program may raise its soft limit later. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		cap = rl.rlim_max > FD_MAX_CAP ? FD_MAX_CAP
		      : rl.rlim_max < FD_MIN_CAP ? FD_MIN_CAP : (uint32_t)rl.rlim_max;
	fd_map = map_zero((size_t)cap * sizeof(*fd_map));
	ofd_pool = map_zero((size_t)cap * sizeof(*ofd_pool));
	fileids = map_zero((size_t)FILEID_SLOTS * sizeof(*fileids));
	if (!fd_map || !ofd_pool || !fileids)
		return -12; /* -ENOMEM; tables stay partly NULL: nothing tracked */
	fd_cap = cap;
	return 0;
}

struct preload_ofd *preload_fd_get(int fd)
{
	uint32_t idx;

	if (fd < 0 || (uint32_t)fd >= fd_cap)
		return NULL;
	idx = atomic_load_explicit(&fd_map[fd], memory_order_acquire);
	return idx ? &ofd_pool[idx - 1] : NULL;
}

static void ofd_put(uint32_t idx)
{
	if (idx)
		atomic_fetch_sub_explicit(&ofd_pool[idx - 1].refs, 1, memory_order_acq_rel);
}

/* Claim a free ofd: CAS refs 0 -> 1 from a rotating hint. */
static uint32_t ofd_alloc(void)
{
	uint32_t start = atomic_fetch_add_explicit(&ofd_hint, 1, memory_order_relaxed);

	for (uint32_t n = 0; n < fd_cap; n++) {
		uint32_t i = (start + n) % fd_cap;
		uint32_t zero = 0;
		if (atomic_compare_exchange_strong(&ofd_pool[i].refs, &zero, 1))
			return i + 1;
	}
	return 0;
}

struct preload_ofd *preload_fd_new(int fd, uint64_t file_id, uint8_t ftype,
				   int seekable, int64_t offset, uint32_t oflags)
{
	struct preload_ofd *o;
	uint32_t idx;

	if (fd < 0 || (uint32_t)fd >= fd_cap)
		return NULL;
	idx = ofd_alloc();
	if (!idx) {
		preload_fd_close(fd);
		return NULL;
	}
	o = &ofd_pool[idx - 1];
	atomic_store(&o->offset, offset);
	atomic_store(&o->stdio_pos, -1);
	o->oflags = oflags;
	o->file_id = file_id;
	o->ftype = ftype;
	o->seekable = (uint8_t)seekable;
	ofd_put(atomic_exchange_explicit(&fd_map[fd], idx, memory_order_acq_rel));
	return o;
}

void preload_fd_dup(int oldfd, int newfd)
{
	uint32_t idx = 0;

	if (newfd < 0 || (uint32_t)newfd >= fd_cap || oldfd == newfd)
		return;
	if (oldfd >= 0 && (uint32_t)oldfd < fd_cap)
		idx = atomic_load_explicit(&fd_map[oldfd], memory_order_acquire);
	if (idx)
		atomic_fetch_add_explicit(&ofd_pool[idx - 1].refs, 1, memory_order_acq_rel);
	ofd_put(atomic_exchange_explicit(&fd_map[newfd], idx, memory_order_acq_rel));
}

void preload_fd_close(int fd)
{
	if (fd < 0 || (uint32_t)fd >= fd_cap)
		return;
	ofd_put(atomic_exchange_explicit(&fd_map[fd], 0, memory_order_acq_rel));
}

void preload_fd_close_range(unsigned first, unsigned last)
{
	if (!fd_cap)
		return;
	if (last >= fd_cap)
		last = fd_cap - 1;
	for (unsigned fd = first; fd <= last; fd++)
		if (atomic_load_explicit(&fd_map[fd], memory_order_relaxed))
			preload_fd_close((int)fd);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t key_devino(uint64_t dev, uint64_t ino)
{
	return mix64(dev * 0x9e3779b97f4a7c15ull ^ mix64(ino)) | 1;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

uint64_t preload_key_named(uint64_t dev, uint64_t ino, const char *name, int at_dirfd)
{
	if (!name)
		return key_devino(dev, ino);
	return mix64(key_devino(dev, ino) ^ fnv1a(name) ^ (at_dirfd ? 0x5bd1e995ull : 0)) | 1;
}

uint64_t preload_key_path(const char *path)
{
	/* Low bit 0 keeps path keys apart from (dev, ino) keys. */
	return (mix64(fnv1a(path)) & ~1ull) | 2;
}

void preload_file_id_base(uint64_t base)
{
	atomic_store(&fileid_next, base);
}

uint64_t preload_file_id(uint64_t key, int *is_new)
{
	uint32_t mask = FILEID_SLOTS - 1;
	uint64_t id;

	*is_new = 1;
	if (!fileids || !key)
		return atomic_fetch_add(&fileid_next, 1);
	for (uint32_t n = 0, i = (uint32_t)key & mask; n < 64; n++, i = (i + 1) & mask) {
		uint64_t k = atomic_load_explicit(&fileids[i].key, memory_order_acquire);
		if (k == key) {
			id = atomic_load_explicit(&fileids[i].id, memory_order_acquire);
			if (id) {
				*is_new = 0;
				return id;
			}
			break; /* being filled by another thread: give a fresh id */
		}
		if (k == 0) {
			uint64_t zero = 0;
			if (atomic_compare_exchange_strong(&fileids[i].key, &zero, key)) {
				id = atomic_fetch_add(&fileid_next, 1);
				atomic_store_explicit(&fileids[i].id, id, memory_order_release);
				return id;
			}
			if (zero == key)
				break;
		}
	}
	/* Table crowded: a fresh id (a duplicate FILE record, not an error). */
	return atomic_fetch_add(&fileid_next, 1);
}
