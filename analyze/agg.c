/* agg.c - I/O event aggregation (see agg.h).
 *
 * Per event the hot path updates three aggregates (operation, process,
 * file; threads optional). Totals and jobs are derived from those when
 * asked for, so they cost nothing per event: totals are the merge of the
 * per-operation aggregates, a job is the merge of its processes.
 */
#include "agg.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

/* ---- latency histogram -------------------------------------------- */

void agg_lat_init(struct agg_lat *h)
{
	memset(h, 0, sizeof *h);
	h->min_ns = UINT64_MAX;
}

unsigned agg_lat_bucket(uint64_t ns)
{
	const unsigned sub = 1u << AGG_LAT_SUB_BITS;
	if (ns < sub)
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* >= SUB_BITS */
	if (e > AGG_LAT_MAX_EXP)
		return AGG_LAT_NBUCKETS - 1;
	unsigned mant = (unsigned)(ns >> (e - AGG_LAT_SUB_BITS)) & (sub - 1);
	return ((e - AGG_LAT_SUB_BITS + 1) << AGG_LAT_SUB_BITS) + mant;
}

void agg_lat_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi)
{
	const unsigned sub = 1u << AGG_LAT_SUB_BITS;
	if (b < sub) {
		*lo = *hi = b;
		return;
	}
	if (b >= AGG_LAT_NBUCKETS - 1) {
		b = AGG_LAT_NBUCKETS - 1;
		*lo = (uint64_t)1 << AGG_LAT_MAX_EXP;
		*lo += (uint64_t)(sub - 1) << (AGG_LAT_MAX_EXP - AGG_LAT_SUB_BITS);
		*hi = UINT64_MAX;
		return;
	}
	unsigned e = (b >> AGG_LAT_SUB_BITS) + AGG_LAT_SUB_BITS - 1;
	uint64_t mant = b & (sub - 1);
	uint64_t width = (uint64_t)1 << (e - AGG_LAT_SUB_BITS);
	*lo = ((uint64_t)1 << e) + mant * width;
	*hi = *lo + width - 1;
}

void agg_lat_add(struct agg_lat *h, uint64_t ns)
{
	h->count++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->bucket[agg_lat_bucket(ns)]++;
}

void agg_lat_merge(struct agg_lat *dst, const struct agg_lat *src)
{
	if (!src->count)
		return;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	for (unsigned i = 0; i < AGG_LAT_NBUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

uint64_t agg_lat_quantile(const struct agg_lat *h, double q)
{
	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min_ns;
	if (q >= 1)
		return h->max_ns;
	double r = q * (double)h->count;
	uint64_t rank = (uint64_t)r;
	if ((double)rank < r)
		rank++;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < AGG_LAT_NBUCKETS; b++) {
		seen += h->bucket[b];
		if (seen < rank)
			continue;
		uint64_t lo, hi;
		agg_lat_bucket_range(b, &lo, &hi);
		uint64_t mid = hi == UINT64_MAX ? lo : lo + (hi - lo) / 2;
		if (mid < h->min_ns)
			mid = h->min_ns;
		if (mid > h->max_ns)
			mid = h->max_ns;
		return mid;
	}
	return h->max_ns;
}

/* ---- request sizes -------------------------------------------------- */

static const uint64_t size_upper[AGG_NSIZE - 1] = {
	100, 1024, 10240, 102400, 1048576, 4194304, 10485760, 104857600,
	1073741824,
};

/* Branch-free: sizes of a run of calls vary at random, so a search would
 * mispredict on every call. */
static inline unsigned size_bucket(uint64_t bytes)
{
	unsigned b = 0;
	for (unsigned i = 0; i < AGG_NSIZE - 1; i++)
		b += bytes > size_upper[i];
	return b;
}

unsigned agg_size_bucket(uint64_t bytes)
{
	return size_bucket(bytes);
}

const char *agg_size_bucket_name(unsigned b)
{
	static const char *const names[AGG_NSIZE] = {
		"0-100", "100-1K", "1K-10K", "10K-100K", "100K-1M",
		"1M-4M", "4M-10M", "10M-100M", "100M-1G", "1G+",
	};
	return b < AGG_NSIZE ? names[b] : "?";
}

/* ---- one aggregate -------------------------------------------------- */

void agg_stats_init(struct agg_stats *s)
{
	memset(s, 0, sizeof *s);
	s->first_ns = UINT64_MAX;
	agg_lat_init(&s->lat);
}

/* What an event contributes, computed once and applied to every aggregate
 * it counts in (the hot path). The category decides which counters move;
 * it is turned into field offsets once, so that applying the event to
 * each aggregate has no branch on the category (a mix of operations
 * would mispredict). Counters that do not apply get 0 added. */
struct ev_info {
	uint64_t dur, bytes, wall;
	uint64_t cat_dur;   /* dur for read/write/meta (they have a time field), else 0 */
	uint64_t size_inc;  /* 1 for a successful read or write, else 0 */
	unsigned lat_bucket;
	unsigned cat;
	unsigned err;       /* errno slot, 0 = success */
	size_t cnt_off, bytes_off, time_off, size_off;
};

#define STAT_OFF(f) offsetof(struct agg_stats, f)

static void ev_info_fill(struct ev_info *x, const struct iot_io_event *ev, unsigned cat, uint64_t wall)
{
	x->dur = ev->dur_ns;
	x->bytes = ev->result > 0 ? (uint64_t)ev->result : 0;
	x->wall = wall;
	x->lat_bucket = agg_lat_bucket(ev->dur_ns);
	x->cat = cat;
	x->err = 0;
	if (ev->result < 0) {
		uint64_t e = (uint64_t)(-ev->result);
		x->err = e < AGG_NERRNO - 1 ? (unsigned)e : AGG_NERRNO - 1;
	}
	/* per category: counter, bytes, time and size-histogram fields; masks
	 * zero what a category does not have (table, not a switch: see above) */
	static const struct {
		size_t cnt, bytes, time, size;
		uint64_t rw_mask, time_mask;
	} cats[IOT_CAT__COUNT] = {
		[IOT_CAT_OTHER] = { STAT_OFF(other_ops), STAT_OFF(read_bytes), STAT_OFF(meta_time_ns),
				    STAT_OFF(read_size), 0, 0 },
		[IOT_CAT_READ] = { STAT_OFF(read_ops), STAT_OFF(read_bytes), STAT_OFF(read_time_ns),
				   STAT_OFF(read_size), ~0ull, ~0ull },
		[IOT_CAT_WRITE] = { STAT_OFF(write_ops), STAT_OFF(write_bytes), STAT_OFF(write_time_ns),
				    STAT_OFF(write_size), ~0ull, ~0ull },
		[IOT_CAT_META] = { STAT_OFF(meta_ops), STAT_OFF(read_bytes), STAT_OFF(meta_time_ns),
				   STAT_OFF(read_size), 0, ~0ull },
		[IOT_CAT_SYNC] = { STAT_OFF(sync_ops), STAT_OFF(read_bytes), STAT_OFF(meta_time_ns),
				   STAT_OFF(read_size), 0, 0 },
		[IOT_CAT_MMAP] = { STAT_OFF(other_ops), STAT_OFF(read_bytes), STAT_OFF(meta_time_ns),
				   STAT_OFF(read_size), 0, 0 },
	};
	if (cat >= IOT_CAT__COUNT)
		cat = IOT_CAT_OTHER;
	uint64_t rw = cats[cat].rw_mask;
	x->bytes &= rw;
	x->cnt_off = cats[cat].cnt;
	x->bytes_off = cats[cat].bytes;
	x->time_off = cats[cat].time;
	x->cat_dur = ev->dur_ns & cats[cat].time_mask;
	x->size_inc = (uint64_t)(ev->result >= 0) & rw;
	x->size_off = cats[cat].size + (size_bucket(x->bytes) & (unsigned)rw) * sizeof(uint64_t);
}

static inline uint64_t *stat_at(struct agg_stats *s, size_t off)
{
	return (uint64_t *)((char *)s + off);
}

static inline void stats_apply(struct agg_stats *s, const struct ev_info *x)
{
	s->ops++;
	s->io_time_ns += x->dur;
	*stat_at(s, x->cnt_off) += 1;
	*stat_at(s, x->bytes_off) += x->bytes;
	*stat_at(s, x->time_off) += x->cat_dur;
	*stat_at(s, x->size_off) += x->size_inc;
	if (x->err) {
		s->errors++;
		s->err_by_errno[x->err]++;
	}
	if (x->wall < s->first_ns)
		s->first_ns = x->wall;
	if (x->wall + x->dur > s->last_ns)
		s->last_ns = x->wall + x->dur;
	struct agg_lat *h = &s->lat;
	h->count++;
	h->sum_ns += x->dur;
	if (x->dur < h->min_ns)
		h->min_ns = x->dur;
	if (x->dur > h->max_ns)
		h->max_ns = x->dur;
	h->bucket[x->lat_bucket]++;
}

void agg_stats_add(struct agg_stats *s, const struct iot_io_event *ev, uint64_t wall_ns)
{
	struct ev_info x;
	ev_info_fill(&x, ev, iot_op_category(ev->op), wall_ns);
	stats_apply(s, &x);
}

void agg_stats_merge(struct agg_stats *dst, const struct agg_stats *src)
{
	/* every field before first_ns is a plain counter */
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	size_t n = offsetof(struct agg_stats, first_ns) / sizeof(uint64_t);
	for (size_t i = 0; i < n; i++)
		d[i] += s[i];
	if (src->first_ns < dst->first_ns)
		dst->first_ns = src->first_ns;
	if (src->last_ns > dst->last_ns)
		dst->last_ns = src->last_ns;
	agg_lat_merge(&dst->lat, &src->lat);
}

uint64_t agg_stats_bytes(const struct agg_stats *s)
{
	return s->read_bytes + s->write_bytes;
}

double agg_stats_bandwidth(const struct agg_stats *s)
{
	if (!s->ops || s->last_ns <= s->first_ns)
		return 0;
	return (double)agg_stats_bytes(s) * 1e9 / (double)(s->last_ns - s->first_ns);
}

/* ---- the aggregator ------------------------------------------------- */

struct trace_info {
	const iot_reader *r;
	int64_t wall_off;   /* wall ns = ts + wall_off */
	const char *host;
	const char *job;    /* trace-level job id, "" if none */
};

/* Access-pattern state of one (process, file) pair. The first accesses
 * seen by this aggregator are remembered so that agg_merge() can classify
 * them again against the state of the aggregator that came before. */
struct pair_state {
	uint32_t proc, file;
	uint64_t read_end, write_end;
	uint8_t last_dir;  /* 0 none, 1 read, 2 write */
	uint8_t first_dir; /* direction of the first read/write here */
	uint8_t has_first[2];      /* [0] read, [1] write: a known-offset access seen */
	uint16_t first_op;         /* op of the first read/write */
	uint16_t first_dir_op[2];  /* op of the first known-offset read / write */
	uint32_t first_tid, first_dir_tid[2];
	uint64_t first_off[2];
};

struct agg {
	struct agg_opts opts;
	struct trace_info *traces; size_t ntraces, ctraces;
	struct agg_stats ops[IOT_OP__COUNT];
	struct agg_process *procs; size_t nprocs, cprocs;
	struct agg_thread *threads; size_t nthreads, cthreads;
	struct agg_file *files; size_t nfiles, cfiles;
	char **file_names; /* owned copies for synthetic names, NULL otherwise */
	struct pair_state *pairs; size_t npairs, cpairs;
	struct hmap proc_map;   /* (trace | life << 32, pid) -> proc */
	struct hmap thread_map; /* (trace | life << 32, pid << 32 | tid) -> thread */
	struct hmap fid_map;    /* (trace, file id) or (trace|pid, ~fd) -> file */
	struct hmap path_map;   /* (hash(path), n) -> file */
	struct hmap pair_map;   /* (proc, file) -> pair */
	/* derived on demand */
	struct agg_stats totals;
	struct agg_job *jobs; size_t njobs;
	int derived;
	uint64_t lost, loss_records;
	/* one-entry caches for runs of events of one process / file */
	int64_t c_trace; uint32_t c_pid; uint32_t c_proc;
	uint64_t c_fkey_a, c_fkey_b; uint32_t c_file; int c_file_ok;
	uint32_t c_pair_proc, c_pair_file, c_pair; int c_pair_ok;
	int64_t c_thread_trace; uint32_t c_tid, c_thread;
	uint8_t cat[IOT_OP__COUNT];
};

static int grow_array(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	void *n = realloc(*arr, nc * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = nc;
	return 0;
}

struct agg *agg_new(const struct agg_opts *opts)
{
	struct agg *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	if (opts)
		a->opts = *opts;
	for (unsigned i = 0; i < IOT_OP__COUNT; i++)
		agg_stats_init(&a->ops[i]);
	agg_stats_init(&a->totals);
	a->c_trace = -1;
	a->c_thread_trace = -1;
	for (unsigned i = 0; i < IOT_OP__COUNT; i++)
		a->cat[i] = (uint8_t)iot_op_category(i);
	return a;
}

void agg_free(struct agg *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nfiles; i++)
		free(a->file_names[i]);
	free(a->file_names);
	free(a->traces);
	free(a->procs);
	free(a->threads);
	free(a->files);
	free(a->pairs);
	free(a->jobs);
	hmap_free(&a->proc_map);
	hmap_free(&a->thread_map);
	hmap_free(&a->fid_map);
	hmap_free(&a->path_map);
	hmap_free(&a->pair_map);
	free(a);
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Trace-level job id: the well-known meta key, then a few spellings. */
static const char *trace_job(const iot_reader *r)
{
	static const char *const keys[] = { "rec.job_id", "job.id", "job_id" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = iot_reader_meta(r, keys[i]);
		if (v && *v)
			return v;
	}
	return "";
}

static const char *trace_host(const iot_reader *r)
{
	static const char *const keys[] = { "host.name", "hostname", "host" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = iot_reader_meta(r, keys[i]);
		if (v && *v)
			return v;
	}
	return "";
}

int agg_add_trace(struct agg *a, const iot_reader *r)
{
	if (grow_array((void **)&a->traces, &a->ctraces, a->ntraces + 1, sizeof *a->traces))
		return -ENOMEM;
	struct trace_info *t = &a->traces[a->ntraces];
	const uint64_t probe = 1000000000000ull;
	t->r = r;
	t->wall_off = (int64_t)(iot_reader_wall_ns(r, probe) - probe);
	t->host = trace_host(r);
	t->job = trace_job(r);
	return (int)a->ntraces++;
}

/* Key of a process (or of its threads) in proc_map and thread_map. */
static inline uint64_t life_key(int t, uint32_t life)
{
	return (uint64_t)(uint32_t)t | (uint64_t)life << 32;
}

/* The process of an event of pid at ts in trace t: for a reused pid,
 * the life iot_reader_proc() picks for ts. */
static int64_t find_proc(struct agg *a, int t, uint32_t pid, uint64_t ts)
{
	const iot_reader *r = a->traces[t].r;
	uint32_t life = iot_reader_proc_life(r, pid, ts);
	int64_t idx = hmap_get(&a->proc_map, life_key(t, life), pid);
	if (idx >= 0)
		return idx;
	if (grow_array((void **)&a->procs, &a->cprocs, a->nprocs + 1, sizeof *a->procs))
		return -ENOMEM;
	struct agg_process *p = &a->procs[a->nprocs];
	const struct iot_proc *ip = iot_reader_proc(r, pid, ts);
	memset(p, 0, sizeof *p);
	p->trace = t;
	p->pid = pid;
	p->life = life;
	p->comm = ip ? nz(ip->comm) : "";
	p->cmdline = ip ? nz(ip->cmdline) : "";
	p->job = ip && ip->job_id && *ip->job_id ? ip->job_id : a->traces[t].job;
	p->rank = ip ? nz(ip->rank) : "";
	p->host = a->traces[t].host;
	agg_stats_init(&p->st);
	if (hmap_put(&a->proc_map, life_key(t, life), pid, (uint32_t)a->nprocs))
		return -ENOMEM;
	return (int64_t)a->nprocs++;
}

static int64_t new_file(struct agg *a, const char *path, char *owned, uint32_t type)
{
	uint64_t h = hmap_hash_str(path);
	uint64_t n = 0;
	int64_t idx;
	while ((idx = hmap_get(&a->path_map, h, n)) >= 0) {
		if (strcmp(a->files[idx].path, path) == 0) {
			/* one path, several ids (seen before it existed, then
			 * opened): the known type wins */
			if (a->files[idx].type == IOT_FT_UNKNOWN)
				a->files[idx].type = type;
			free(owned);
			return idx;
		}
		n++;
	}
	if (grow_array((void **)&a->files, &a->cfiles, a->nfiles + 1, sizeof *a->files)) {
		free(owned);
		return -ENOMEM;
	}
	char **nn = realloc(a->file_names, a->cfiles * sizeof *nn);
	if (!nn) {
		free(owned);
		return -ENOMEM;
	}
	a->file_names = nn;
	struct agg_file *f = &a->files[a->nfiles];
	memset(f, 0, sizeof *f);
	f->path = path;
	f->type = type;
	agg_stats_init(&f->st);
	a->file_names[a->nfiles] = owned;
	if (hmap_put(&a->path_map, h, n, (uint32_t)a->nfiles))
		return -ENOMEM;
	return (int64_t)a->nfiles++;
}

/* File of an event: by file id through the reader's table, else a
 * per-process name for the descriptor; -1 when the event has neither. */
static int64_t find_file(struct agg *a, int t, const struct iot_io_event *ev)
{
	uint64_t ka, kb;
	if (ev->file_id) {
		ka = (uint64_t)t;
		kb = ev->file_id;
	} else if (ev->fd >= 0) {
		ka = ((uint64_t)t << 32) | ev->pid | (1ull << 63);
		kb = (uint64_t)(uint32_t)ev->fd;
	} else {
		return -1;
	}
	if (a->c_file_ok && a->c_fkey_a == ka && a->c_fkey_b == kb)
		return a->c_file;
	int64_t idx = hmap_get(&a->fid_map, ka, kb);
	if (idx < 0) {
		const struct iot_file *f = ev->file_id ? iot_reader_file(a->traces[t].r, ev->file_id) : NULL;
		char *owned = NULL;
		const char *path;
		if (f && f->path && *f->path) {
			path = f->path;
		} else {
			char buf[96];
			if (ev->file_id)
				snprintf(buf, sizeof buf, "<file %llu>", (unsigned long long)ev->file_id);
			else
				snprintf(buf, sizeof buf, "<fd %d of pid %u>", ev->fd, ev->pid);
			owned = strdup(buf);
			if (!owned)
				return -ENOMEM;
			path = owned;
		}
		idx = new_file(a, path, owned, f ? f->type : ev->ftype);
		if (idx < 0)
			return idx;
		if (hmap_put(&a->fid_map, ka, kb, (uint32_t)idx))
			return -ENOMEM;
	}
	a->c_fkey_a = ka;
	a->c_fkey_b = kb;
	a->c_file = (uint32_t)idx;
	a->c_file_ok = 1;
	return idx;
}

static int64_t find_pair(struct agg *a, uint32_t proc, uint32_t file)
{
	int64_t idx = hmap_get(&a->pair_map, proc, file);
	if (idx >= 0)
		return idx;
	if (grow_array((void **)&a->pairs, &a->cpairs, a->npairs + 1, sizeof *a->pairs))
		return -ENOMEM;
	struct pair_state *p = &a->pairs[a->npairs];
	memset(p, 0, sizeof *p);
	p->proc = proc;
	p->file = file;
	a->files[file].nprocs++;
	if (hmap_put(&a->pair_map, proc, file, (uint32_t)a->npairs))
		return -ENOMEM;
	return (int64_t)a->npairs++;
}

static int64_t find_thread(struct agg *a, int t, uint32_t life, uint32_t pid, uint32_t tid)
{
	uint64_t b = (uint64_t)pid << 32 | tid;
	int64_t idx = hmap_get(&a->thread_map, life_key(t, life), b);
	if (idx >= 0)
		return idx;
	if (grow_array((void **)&a->threads, &a->cthreads, a->nthreads + 1, sizeof *a->threads))
		return -ENOMEM;
	struct agg_thread *th = &a->threads[a->nthreads];
	th->trace = t;
	th->pid = pid;
	th->tid = tid;
	th->life = life;
	agg_stats_init(&th->st);
	if (hmap_put(&a->thread_map, life_key(t, life), b, (uint32_t)a->nthreads))
		return -ENOMEM;
	return (int64_t)a->nthreads++;
}

/* What one read or write adds to the access-pattern counters. */
struct pattern {
	int active;   /* a read or write on a known file */
	int is_write, sw, known, seq, consec;
};

/* Darshan's pattern step for one read or write: update the pair's state
 * and say what to count. */
static void pattern_step(struct pair_state *ps, int is_write, const struct iot_io_event *ev,
			 struct pattern *pt)
{
	uint8_t dir = is_write ? 2 : 1;
	pt->active = 1;
	pt->is_write = is_write;
	pt->sw = ps->last_dir && ps->last_dir != dir;
	if (!ps->last_dir) {
		ps->first_dir = dir;
		ps->first_op = ev->op;
		ps->first_tid = ev->tid;
	}
	ps->last_dir = dir;
	pt->known = !(ev->eflags & IOT_EV_OFFSET_UNKNOWN) && ev->offset >= 0;
	pt->seq = pt->consec = 0;
	if (pt->known) {
		uint64_t off = (uint64_t)ev->offset;
		uint64_t *end = is_write ? &ps->write_end : &ps->read_end;
		if (!ps->has_first[is_write]) {
			ps->has_first[is_write] = 1;
			ps->first_dir_op[is_write] = ev->op;
			ps->first_dir_tid[is_write] = ev->tid;
			ps->first_off[is_write] = off;
		}
		pt->seq = off >= *end;
		pt->consec = off == *end;
		uint64_t bytes = ev->result > 0 ? (uint64_t)ev->result : 0;
		*end = off + bytes;
	}
}

static inline void pattern_apply(struct agg_stats *s, const struct pattern *pt)
{
	s->rw_switches += (uint64_t)pt->sw;
	if (!pt->known)
		return;
	if (pt->is_write) {
		s->write_known++;
		s->write_seq += (uint64_t)pt->seq;
		s->write_consec += (uint64_t)pt->consec;
	} else {
		s->read_known++;
		s->read_seq += (uint64_t)pt->seq;
		s->read_consec += (uint64_t)pt->consec;
	}
}

static int pid_ok(const struct agg_opts *o, uint32_t pid)
{
	if (!o->npids)
		return 1;
	for (size_t i = 0; i < o->npids; i++)
		if (o->pids[i] == pid)
			return 1;
	return 0;
}

static int comm_ok(const struct agg_opts *o, const char *comm)
{
	if (!o->ncomms)
		return 1;
	for (size_t i = 0; i < o->ncomms; i++)
		if (strcmp(o->comms[i], comm) == 0)
			return 1;
	return 0;
}

static int path_ok(const struct agg_opts *o, const char *path)
{
	if (!o->npaths)
		return 1;
	for (size_t i = 0; i < o->npaths; i++)
		if (iot_path_under(path, o->paths[i]))
			return 1;
	return 0;
}

int agg_add_event(struct agg *a, int t, const struct iot_io_event *ev)
{
	const struct agg_opts *o = &a->opts;
	uint64_t wall = ev->ts_ns + (uint64_t)a->traces[t].wall_off;
	if ((o->since_ns && wall < o->since_ns) || (o->until_ns && wall >= o->until_ns))
		return 0;
	if (o->npids && !pid_ok(o, ev->pid))
		return 0;
	int64_t pi;
	if (a->c_trace == t && a->c_pid == ev->pid && !a->procs[a->c_proc].life) {
		pi = a->c_proc;
	} else {
		pi = find_proc(a, t, ev->pid, ev->ts_ns);
		if (pi < 0)
			return (int)pi;
		a->c_trace = t;
		a->c_pid = ev->pid;
		a->c_proc = (uint32_t)pi;
		a->c_file_ok = 0;
	}
	struct agg_process *p = &a->procs[pi];
	if (o->ncomms && !comm_ok(o, p->comm))
		return 0;
	int64_t fi = find_file(a, t, ev);
	if (fi < -1)
		return (int)fi;
	if (o->npaths && (fi < 0 || !path_ok(o, a->files[fi].path)))
		return 0;

	unsigned op = ev->op < IOT_OP__COUNT ? ev->op : IOT_OP_UNKNOWN;
	struct ev_info x;
	ev_info_fill(&x, ev, a->cat[op], wall);
	struct agg_stats *targets[4];
	size_t n = 0;
	targets[n++] = &a->ops[op];
	targets[n++] = &p->st;
	if (fi >= 0)
		targets[n++] = &a->files[fi].st;
	if (o->flags & AGG_THREADS) {
		int64_t ti;
		if (a->c_thread_trace == t && a->c_tid == ev->tid &&
		    a->threads[a->c_thread].pid == ev->pid && a->threads[a->c_thread].life == p->life) {
			ti = a->c_thread;
		} else {
			ti = find_thread(a, t, p->life, ev->pid, ev->tid);
			if (ti < 0)
				return (int)ti;
			a->c_thread_trace = t;
			a->c_tid = ev->tid;
			a->c_thread = (uint32_t)ti;
		}
		targets[n++] = &a->threads[ti].st;
	}
	struct pattern pt = { 0 };
	if (fi >= 0 && (x.cat == IOT_CAT_READ || x.cat == IOT_CAT_WRITE)) {
		int64_t si;
		if (a->c_pair_ok && a->c_pair_proc == (uint32_t)pi && a->c_pair_file == (uint32_t)fi) {
			si = a->c_pair;
		} else {
			si = find_pair(a, (uint32_t)pi, (uint32_t)fi);
			if (si < 0)
				return (int)si;
			a->c_pair_ok = 1;
			a->c_pair_proc = (uint32_t)pi;
			a->c_pair_file = (uint32_t)fi;
			a->c_pair = (uint32_t)si;
		}
		pattern_step(&a->pairs[si], x.cat == IOT_CAT_WRITE, ev, &pt);
	}
	for (size_t i = 0; i < n; i++) {
		stats_apply(targets[i], &x);
		if (pt.active)
			pattern_apply(targets[i], &pt);
	}
	a->derived = 0;
	return 1;
}

void agg_add_loss(struct agg *a, int t, const struct iot_loss *l)
{
	(void)t;
	a->lost += l->count;
	a->loss_records++;
}

/* The aggregates an event of pair pd with this op and tid was counted in. */
static size_t pair_targets(struct agg *a, const struct pair_state *pd, unsigned op, uint32_t tid,
			   struct agg_stats **targets)
{
	size_t n = 0;
	targets[n++] = &a->ops[op < IOT_OP__COUNT ? op : IOT_OP_UNKNOWN];
	targets[n++] = &a->procs[pd->proc].st;
	targets[n++] = &a->files[pd->file].st;
	if (a->opts.flags & AGG_THREADS) {
		const struct agg_process *p = &a->procs[pd->proc];
		int64_t ti = hmap_get(&a->thread_map, life_key(p->trace, p->life),
				      (uint64_t)p->pid << 32 | tid);
		if (ti >= 0)
			targets[n++] = &a->threads[ti].st;
	}
	return n;
}

/* src's events of this pair follow dst's: its first accesses were
 * classified against offset 0 and no previous direction; classify them
 * again against dst's state, then carry the state over. */
static void continue_pair(struct agg *dst, struct pair_state *pd, const struct pair_state *ps)
{
	struct agg_stats *t[4];
	size_t n;
	if (pd->last_dir && ps->first_dir && pd->last_dir != ps->first_dir) {
		n = pair_targets(dst, pd, ps->first_op, ps->first_tid, t);
		for (size_t i = 0; i < n; i++)
			t[i]->rw_switches++;
	}
	for (int w = 0; w < 2; w++) {
		if (!ps->has_first[w])
			continue;
		uint64_t off = ps->first_off[w], end = w ? pd->write_end : pd->read_end;
		int64_t dseq = (int64_t)(off >= end) - 1;           /* provisional: off >= 0 */
		int64_t dcon = (int64_t)(off == end) - (int64_t)(off == 0);
		n = pair_targets(dst, pd, ps->first_dir_op[w], ps->first_dir_tid[w], t);
		for (size_t i = 0; i < n; i++) {
			uint64_t *seq = w ? &t[i]->write_seq : &t[i]->read_seq;
			uint64_t *con = w ? &t[i]->write_consec : &t[i]->read_consec;
			*seq += (uint64_t)dseq;
			*con += (uint64_t)dcon;
		}
		if (!pd->has_first[w]) {
			pd->has_first[w] = 1;
			pd->first_dir_op[w] = ps->first_dir_op[w];
			pd->first_dir_tid[w] = ps->first_dir_tid[w];
			pd->first_off[w] = ps->first_off[w];
		}
		if (w)
			pd->write_end = ps->write_end;
		else
			pd->read_end = ps->read_end;
	}
	if (ps->last_dir)
		pd->last_dir = ps->last_dir;
}

int agg_merge(struct agg *dst, const struct agg *src)
{
	while (dst->ntraces < src->ntraces) {
		if (agg_add_trace(dst, src->traces[dst->ntraces].r) < 0)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < IOT_OP__COUNT; i++)
		agg_stats_merge(&dst->ops[i], &src->ops[i]);
	/* map src indexes to dst indexes while merging */
	uint32_t *pmap = calloc(src->nprocs + 1, sizeof *pmap);
	uint32_t *fmap = calloc(src->nfiles + 1, sizeof *fmap);
	int rc = -ENOMEM;
	if (!pmap || !fmap)
		goto out;
	for (size_t i = 0; i < src->nprocs; i++) {
		const struct agg_process *sp = &src->procs[i];
		int64_t di = hmap_get(&dst->proc_map, life_key(sp->trace, sp->life), sp->pid);
		if (di < 0) {
			if (grow_array((void **)&dst->procs, &dst->cprocs, dst->nprocs + 1, sizeof *dst->procs))
				goto out;
			di = (int64_t)dst->nprocs;
			dst->procs[di] = *sp;
			agg_stats_init(&dst->procs[di].st);
			if (hmap_put(&dst->proc_map, life_key(sp->trace, sp->life), sp->pid, (uint32_t)di))
				goto out;
			dst->nprocs++;
		}
		agg_stats_merge(&dst->procs[di].st, &sp->st);
		pmap[i] = (uint32_t)di;
	}
	for (size_t i = 0; i < src->nthreads; i++) {
		const struct agg_thread *st = &src->threads[i];
		int64_t di = find_thread(dst, st->trace, st->life, st->pid, st->tid);
		if (di < 0)
			goto out;
		agg_stats_merge(&dst->threads[di].st, &st->st);
	}
	for (size_t i = 0; i < src->nfiles; i++) {
		const struct agg_file *sf = &src->files[i];
		char *owned = NULL;
		if (src->file_names[i] && !(owned = strdup(sf->path)))
			goto out;
		int64_t di = new_file(dst, owned ? owned : sf->path, owned, sf->type);
		if (di < 0)
			goto out;
		agg_stats_merge(&dst->files[di].st, &sf->st);
		fmap[i] = (uint32_t)di;
	}
	for (size_t i = 0; i < src->npairs; i++) {
		const struct pair_state *ps = &src->pairs[i];
		int existed = hmap_get(&dst->pair_map, pmap[ps->proc], fmap[ps->file]) >= 0;
		int64_t di = find_pair(dst, pmap[ps->proc], fmap[ps->file]);
		if (di < 0)
			goto out;
		struct pair_state *pd = &dst->pairs[di];
		if (!existed) {
			struct pair_state copy = *ps;
			copy.proc = pd->proc;
			copy.file = pd->file;
			*pd = copy;
			continue;
		}
		continue_pair(dst, pd, ps);
	}
	dst->lost += src->lost;
	dst->loss_records += src->loss_records;
	dst->derived = 0;
	dst->c_trace = -1;
	dst->c_thread_trace = -1;
	dst->c_file_ok = 0;
	dst->c_pair_ok = 0;
	rc = 0;
out:
	free(pmap);
	free(fmap);
	return rc;
}

/* Totals and jobs are derived from the per-op and per-process aggregates. */
static void derive(struct agg *a)
{
	if (a->derived)
		return;
	agg_stats_init(&a->totals);
	for (unsigned i = 0; i < IOT_OP__COUNT; i++)
		agg_stats_merge(&a->totals, &a->ops[i]);
	a->njobs = 0;
	free(a->jobs);
	a->jobs = calloc(a->nprocs + 1, sizeof *a->jobs);
	if (!a->jobs)
		return; /* agg_job_count() then says 0 */
	for (size_t i = 0; i < a->nprocs; i++) {
		const struct agg_process *p = &a->procs[i];
		size_t j = 0;
		while (j < a->njobs && strcmp(a->jobs[j].job, p->job) != 0)
			j++;
		if (j == a->njobs) {
			a->jobs[j].job = p->job;
			agg_stats_init(&a->jobs[j].st);
			a->njobs++;
		}
		a->jobs[j].nprocs++;
		agg_stats_merge(&a->jobs[j].st, &p->st);
	}
	a->derived = 1;
}

const struct agg_stats *agg_totals(const struct agg *a)
{
	derive((struct agg *)a);
	return &a->totals;
}

const struct agg_stats *agg_op(const struct agg *a, unsigned op)
{
	return &a->ops[op < IOT_OP__COUNT ? op : IOT_OP_UNKNOWN];
}

size_t agg_process_count(const struct agg *a) { return a->nprocs; }
const struct agg_process *agg_process(const struct agg *a, size_t i) { return &a->procs[i]; }
size_t agg_thread_count(const struct agg *a) { return a->nthreads; }
const struct agg_thread *agg_thread(const struct agg *a, size_t i) { return &a->threads[i]; }
size_t agg_file_count(const struct agg *a) { return a->nfiles; }
const struct agg_file *agg_file(const struct agg *a, size_t i) { return &a->files[i]; }

size_t agg_job_count(const struct agg *a)
{
	derive((struct agg *)a);
	return a->njobs;
}

const struct agg_job *agg_job(const struct agg *a, size_t i)
{
	derive((struct agg *)a);
	return &a->jobs[i];
}

uint64_t agg_lost_events(const struct agg *a) { return a->lost; }
uint64_t agg_loss_records(const struct agg *a) { return a->loss_records; }
