/* hmap.h - open-addressing hash map from a two-word key to a uint32 value.
 *
 * The analyzer's hot path looks up processes, files and per-(process,file)
 * state once per event; this map keeps that to a multiply, a mask and
 * usually one probe. Keys are (a, b) pairs of uint64; values are indexes
 * into the caller's own arrays. No deletion (aggregates only grow).
 */
#ifndef ANALYZE_HMAP_H
#define ANALYZE_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
	uint64_t a, b;
	uint32_t val; /* value + 1; 0 = empty slot */
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap;  /* power of two */
	size_t used;
};

/* An empty map needs no allocation: zero-initialise it. */
void hmap_free(struct hmap *m);

/* Value for key, or -1 if absent. */
static inline int64_t hmap_get(const struct hmap *m, uint64_t a, uint64_t b)
{
	if (!m->cap)
		return -1;
	uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full);
	h ^= h >> 29;
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct hmap_slot *s = &m->slots[i];
		if (!s->val)
			return -1;
		if (s->a == a && s->b == b)
			return (int64_t)s->val - 1;
	}
}

/* Insert or replace. Returns 0 or -ENOMEM. */
int hmap_put(struct hmap *m, uint64_t a, uint64_t b, uint32_t val);

/* 64-bit hash of a string (FNV-1a), for string-keyed maps that keep the
 * text beside the value and compare it on hit. */
uint64_t hmap_hash_str(const char *s);

#endif
