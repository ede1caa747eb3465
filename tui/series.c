/* series.c - sparse time-binned aggregates and the entity hash table. */
#include "tui/series.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ser_agg_add(struct ser_agg *a, const struct ser_agg *b)
{
	a->rops += b->rops;
	a->wops += b->wops;
	a->mops += b->mops;
	a->rbytes += b->rbytes;
	a->wbytes += b->wbytes;
	a->io_ns += b->io_ns;
}

static void ser_agg_sub(struct ser_agg *a, const struct ser_agg *b)
{
	a->rops -= b->rops;
	a->wops -= b->wops;
	a->mops -= b->mops;
	a->rbytes -= b->rbytes;
	a->wbytes -= b->wbytes;
	a->io_ns -= b->io_ns;
}

int ser_add(struct series *s, uint32_t b, const struct ser_agg *a)
{
	/* Events of one entity mostly arrive in time order: merge into the
	 * last entry when it is the same bin, which keeps series small. */
	if (s->n && s->bin[s->n - 1] == b) {
		ser_agg_add(&s->cum[s->n - 1], a);
		return 0;
	}
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 1; /* most files live in one bin */
		uint32_t *nb = realloc(s->bin, cap * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		s->bin = nb;
		struct ser_agg *nc = realloc(s->cum, cap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		s->cum = nc;
		s->cap = cap;
	}
	s->bin[s->n] = b;
	s->cum[s->n] = *a;
	s->n++;
	return 0;
}

static int sorted_by_bin(const struct series *s)
{
	for (uint32_t i = 1; i < s->n; i++)
		if (s->bin[i] <= s->bin[i - 1])
			return 0;
	return 1;
}

struct bin_entry {
	uint32_t bin;
	struct ser_agg a;
};

static int cmp_entry(const void *x, const void *y)
{
	const struct bin_entry *a = x, *b = y;
	return (a->bin > b->bin) - (a->bin < b->bin);
}

/* Out-of-order entries (chunks of several shards overlap in time): sort a
 * copy, merge equal bins. On allocation failure the series stays as is
 * and is merged in place by a slower insertion sort. */
static void ser_sort_merge(struct series *s)
{
	struct bin_entry *e = malloc(s->n * sizeof(*e));
	if (!e) {
		for (uint32_t i = 1; i < s->n; i++)
			for (uint32_t j = i; j > 0 && s->bin[j] < s->bin[j - 1]; j--) {
				uint32_t tb = s->bin[j];
				struct ser_agg ta = s->cum[j];
				s->bin[j] = s->bin[j - 1];
				s->cum[j] = s->cum[j - 1];
				s->bin[j - 1] = tb;
				s->cum[j - 1] = ta;
			}
	} else {
		for (uint32_t i = 0; i < s->n; i++) {
			e[i].bin = s->bin[i];
			e[i].a = s->cum[i];
		}
		qsort(e, s->n, sizeof(*e), cmp_entry);
		for (uint32_t i = 0; i < s->n; i++) {
			s->bin[i] = e[i].bin;
			s->cum[i] = e[i].a;
		}
		free(e);
	}
	uint32_t w = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		if (w && s->bin[w - 1] == s->bin[i]) {
			ser_agg_add(&s->cum[w - 1], &s->cum[i]);
			continue;
		}
		s->bin[w] = s->bin[i];
		s->cum[w] = s->cum[i];
		w++;
	}
	s->n = w;
}

void ser_finish(struct series *s)
{
	if (s->finished)
		return;
	if (!sorted_by_bin(s))
		ser_sort_merge(s);
	for (uint32_t i = 1; i < s->n; i++)
		ser_agg_add(&s->cum[i], &s->cum[i - 1]);
	s->finished = 1;
}

/* Number of entries with bin < b. */
static uint32_t count_below(const struct series *s, uint32_t b)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->bin[mid] < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ser_range(const struct series *s, uint32_t b0, uint32_t b1, struct ser_agg *out)
{
	memset(out, 0, sizeof(*out));
	if (!s->n || b1 <= b0)
		return;
	uint32_t i1 = count_below(s, b1);
	if (!i1)
		return;
	*out = s->cum[i1 - 1];
	uint32_t i0 = count_below(s, b0);
	if (i0)
		ser_agg_sub(out, &s->cum[i0 - 1]);
}

void ser_free(struct series *s)
{
	free(s->bin);
	free(s->cum);
	memset(s, 0, sizeof(*s));
}

static uint64_t ekey_hash(const struct ekey *k)
{
	uint64_t h = k->a * 0x9e3779b97f4a7c15ull;
	h ^= (k->b + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;
	h ^= ((uint64_t)k->node << 32 | k->kind) * 0x94d049bb133111ebull;
	return h ^ (h >> 29);
}

static int ekey_eq(const struct ekey *x, const struct ekey *y)
{
	return x->a == y->a && x->b == y->b && x->node == y->node && x->kind == y->kind;
}

long etab_find(const struct etab *t, const struct ekey *key)
{
	if (!t->nslot)
		return -1;
	size_t mask = t->nslot - 1;
	for (size_t i = ekey_hash(key) & mask;; i = (i + 1) & mask) {
		uint32_t v = t->slot[i];
		if (!v)
			return -1;
		if (ekey_eq(&t->ent[v - 1].key, key))
			return v - 1;
	}
}

static int etab_rehash(struct etab *t, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t e = 0; e < t->n; e++) {
		size_t i = ekey_hash(&t->ent[e].key) & (nslot - 1);
		while (slot[i])
			i = (i + 1) & (nslot - 1);
		slot[i] = (uint32_t)e + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return 0;
}

long etab_get(struct etab *t, const struct ekey *key)
{
	long f = etab_find(t, key);
	if (f >= 0)
		return f;
	if ((t->n + 1) * 2 > t->nslot && etab_rehash(t, t->nslot ? t->nslot * 2 : 64))
		return -1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct entity *ne = realloc(t->ent, cap * sizeof(*ne));
		if (!ne)
			return -1;
		t->ent = ne;
		t->cap = cap;
	}
	struct entity *e = &t->ent[t->n];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	size_t mask = t->nslot - 1;
	size_t i = ekey_hash(key) & mask;
	while (t->slot[i])
		i = (i + 1) & mask;
	t->slot[i] = (uint32_t)t->n + 1;
	return (long)t->n++;
}

void etab_finish(struct etab *t)
{
	for (size_t i = 0; i < t->n; i++)
		ser_finish(&t->ent[i].s);
}

void etab_free(struct etab *t)
{
	for (size_t i = 0; i < t->n; i++)
		ser_free(&t->ent[i].s);
	free(t->ent);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
