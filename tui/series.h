/* series.h - sparse time-binned I/O aggregates per entity, for ioview.
 *
 * The recording's span is cut into equal bins. Each entity (a process, a
 * thread, a file, a process x file pair) keeps only the bins where it did
 * I/O, stored as running (prefix) sums, so the totals of any window of bins
 * cost two binary searches whatever the window size. Entities are found by
 * key in an open-addressing hash table.
 */
#ifndef TUI_SERIES_H
#define TUI_SERIES_H

#include <stddef.h>
#include <stdint.h>

/* What happened in a bin (or a window): the numbers of the main table. */
struct ser_agg {
	uint64_t rops, wops, mops;
	uint64_t rbytes, wbytes;
	uint64_t io_ns; /* sum of call latencies */
};

void ser_agg_add(struct ser_agg *a, const struct ser_agg *b);

/* One entity's bins. While building, entries are appended in any order
 * (ser_add); ser_finish sorts, merges and turns them into prefix sums. */
struct series {
	uint32_t n, cap;
	uint32_t *bin;        /* ascending after ser_finish */
	struct ser_agg *cum;  /* cum[i] = sum of all bins <= bin[i] */
	int finished;
};

/* Add an aggregate to bin b. Returns 0 or -ENOMEM. */
int ser_add(struct series *s, uint32_t b, const struct ser_agg *a);
/* Sort and accumulate: after this only ser_range may be used. */
void ser_finish(struct series *s);
/* Sum over bins [b0, b1) into *out (overwritten). */
void ser_range(const struct series *s, uint32_t b0, uint32_t b1, struct ser_agg *out);
void ser_free(struct series *s);

/* Entity key: node (trace index), and up to two ids (pid, tid, file id). */
struct ekey {
	uint32_t node;
	uint32_t kind;
	uint64_t a, b;
};

struct entity {
	struct ekey key;
	struct series s;
};

/* Hash table of entities; entities live in one array (stable indexes,
 * pointers change when it grows). */
struct etab {
	struct entity *ent;
	size_t n, cap;
	uint32_t *slot; /* index + 1, 0 = empty */
	size_t nslot;   /* power of two */
};

/* Find or create the entity for key: its index, or -1 on out of memory. */
long etab_get(struct etab *t, const struct ekey *key);
/* Find only: index or -1. */
long etab_find(const struct etab *t, const struct ekey *key);
void etab_finish(struct etab *t); /* ser_finish on every entity */
void etab_free(struct etab *t);

#endif
