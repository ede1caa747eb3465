/* preload_aio.c - the table of asynchronous requests in flight.
 *
 * Open addressing over a fixed window: a block hashes to a slot and may
 * sit in any of the WINDOW slots from there. Lookups scan the whole
 * window, so removing needs no tombstones. A slot is claimed by a
 * compare-and-swap of its key and published by its ready flag. The
 * table is in .bss: its pages cost nothing until a process submits
 * asynchronous I/O.
 */
#include "record/preload/preload_aio.h"

#include <stdatomic.h>
#include <string.h>

#define SLOTS 4096 /* power of two; fio's deepest queues are 1-2k */
#define WINDOW 32

static struct aio_slot {
	_Atomic uintptr_t cb; /* 0: free */
	_Atomic int ready;    /* rq and ctx are written */
	uint64_t ctx;
	struct preload_aio_req rq;
} table[SLOTS];
static _Atomic int used; /* anything put since the last reset */

static unsigned home(uintptr_t key)
{
	return (unsigned)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> 40) & (SLOTS - 1);
}

static struct aio_slot *find(uintptr_t key)
{
	unsigned h = home(key);

	for (unsigned i = 0; i < WINDOW; i++) {
		struct aio_slot *s = &table[(h + i) & (SLOTS - 1)];
		if (atomic_load_explicit(&s->cb, memory_order_acquire) == key)
			return s;
	}
	return NULL;
}

int preload_aio_put(const void *cb, uint64_t ctx, const struct preload_aio_req *rq)
{
	uintptr_t key = (uintptr_t)cb;
	unsigned h = home(key);
	struct aio_slot *s = NULL;

	if (!key)
		return 0;
	/* The first slot that is free or already holds this block (one whose
	 * end was not seen). A stale copy further on can stay: find() stops
	 * at the first match, which is this one. Usually the home slot: one
	 * cache line, not the window. */
	for (unsigned i = 0; !s && i < WINDOW; i++) {
		struct aio_slot *c = &table[(h + i) & (SLOTS - 1)];
		uintptr_t cur = atomic_load_explicit(&c->cb, memory_order_acquire);
		if (cur == key || (cur == 0 && atomic_compare_exchange_strong(&c->cb, &cur, key)))
			s = c;
	}
	if (!s)
		return 0;
	atomic_store_explicit(&used, 1, memory_order_relaxed);
	atomic_store_explicit(&s->ready, 0, memory_order_relaxed);
	s->ctx = ctx;
	s->rq = *rq;
	atomic_store_explicit(&s->ready, 1, memory_order_release);
	return 1;
}

int preload_aio_take(const void *cb, struct preload_aio_req *rq)
{
	uintptr_t key = (uintptr_t)cb;
	struct aio_slot *s = key ? find(key) : NULL;

	if (!s || !atomic_load_explicit(&s->ready, memory_order_acquire))
		return 0;
	*rq = s->rq;
	atomic_store_explicit(&s->ready, 0, memory_order_relaxed);
	return atomic_compare_exchange_strong(&s->cb, &key, 0);
}

void preload_aio_forget_ctx(uint64_t ctx)
{
	if (!atomic_load_explicit(&used, memory_order_relaxed))
		return;
	for (unsigned i = 0; i < SLOTS; i++) {
		struct aio_slot *s = &table[i];
		uintptr_t key = atomic_load_explicit(&s->cb, memory_order_acquire);
		if (key && atomic_load_explicit(&s->ready, memory_order_acquire) && s->ctx == ctx) {
			atomic_store_explicit(&s->ready, 0, memory_order_relaxed);
			atomic_compare_exchange_strong(&s->cb, &key, 0);
		}
	}
}

void preload_aio_reset(void)
{
	if (!atomic_load_explicit(&used, memory_order_relaxed))
		return; /* most processes: leave the pages untouched */
	memset((void *)table, 0, sizeof(table));
	atomic_store_explicit(&used, 0, memory_order_relaxed);
}
