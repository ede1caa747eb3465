/* hmap.c - open-addressing hash map (see hmap.h). */
#include "hmap.h"

#include <errno.h>
#include <stdlib.h>

void hmap_free(struct hmap *m)
{
	if (!m)
		return;
	free(m->slots);
	m->slots = NULL;
	m->cap = m->used = 0;
}

static size_t slot_index(const struct hmap *m, uint64_t a, uint64_t b)
{
	uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full);
	h ^= h >> 29;
	size_t mask = m->cap - 1;
	size_t i = h & mask;
	while (m->slots[i].val && !(m->slots[i].a == a && m->slots[i].b == b))
		i = (i + 1) & mask;
	return i;
}

static int grow(struct hmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct hmap_slot *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -ENOMEM;
	struct hmap old = *m;
	m->slots = ns;
	m->cap = ncap;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.slots[i].val)
			m->slots[slot_index(m, old.slots[i].a, old.slots[i].b)] = old.slots[i];
	}
	free(old.slots);
	return 0;
}

int hmap_put(struct hmap *m, uint64_t a, uint64_t b, uint32_t val)
{
	/* keep the load factor under 1/2 so probes stay short */
	if ((m->used + 1) * 2 > m->cap) {
		int rc = grow(m);
		if (rc)
			return rc;
	}
	size_t i = slot_index(m, a, b);
	if (!m->slots[i].val)
		m->used++;
	m->slots[i].a = a;
	m->slots[i].b = b;
	m->slots[i].val = val + 1;
	return 0;
}

uint64_t hmap_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}
