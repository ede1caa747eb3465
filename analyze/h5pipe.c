/* h5pipe.c - chunk compression on a worker thread (see h5pipe.h). */
#include "analyze/h5pipe.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { NBUF = 4, QUEUE_MAX = 2 };
enum zstate { Z_FREE, Z_FILLING, Z_QUEUED, Z_BUSY, Z_DONE };

struct zbuf {
	unsigned char *raw;  /* records, chunk_records * recsize */
	unsigned char *shuf; /* shuffled bytes */
	unsigned char *out;  /* zlib stream */
	size_t nrec;         /* valid records in raw */
	size_t outlen;
	uint64_t index;      /* chunk number */
	uint64_t seq;        /* queue order */
	enum zstate state;
	int ok;
};

struct h5pipe {
	hid_t dset;
	size_t recsize, chunk, rawsize, outcap;
	int level;
	struct zbuf b[NBUF];
	int cur;             /* buffer being filled */
	uint64_t nchunks;    /* chunks numbered so far */
	uint64_t seq;
	uint64_t records;
	hsize_t extent;
	int err;
	/* the worker takes the oldest queued buffer; the calling thread
	 * compresses itself when the queue is full, so both cores work */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int quit;
	z_stream z;          /* the worker's */
	z_stream zmain;      /* the calling thread's */
};

hid_t h5pipe_dcpl(size_t chunk_records, int level)
{
	hsize_t ch = chunk_records;
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (dcpl < 0)
		return -1;
	if (H5Pset_chunk(dcpl, 1, &ch) < 0 || H5Pset_shuffle(dcpl) < 0 ||
	    H5Pset_deflate(dcpl, (unsigned)level) < 0) {
		H5Pclose(dcpl);
		return -1;
	}
	return dcpl;
}

/* Transpose an 8x8 byte matrix held in eight words (row r = word r,
 * little-endian byte c = column c). */
static inline void transpose8(uint64_t x[8])
{
	static const uint64_t m1 = 0x00ff00ff00ff00ffull, m2 = 0x0000ffff0000ffffull,
			      m4 = 0x00000000ffffffffull;
	for (int i = 0; i < 8; i += 2) { /* swap bytes between row pairs */
		uint64_t a = x[i], b = x[i + 1];
		x[i] = (a & m1) | ((b & m1) << 8);
		x[i + 1] = ((a >> 8) & m1) | (b & ~m1);
	}
	for (int i = 0; i < 8; i += 4)
		for (int k = 0; k < 2; k++) {
			uint64_t a = x[i + k], b = x[i + k + 2];
			x[i + k] = (a & m2) | ((b & m2) << 16);
			x[i + k + 2] = ((a >> 16) & m2) | (b & ~m2);
		}
	for (int k = 0; k < 4; k++) {
		uint64_t a = x[k], b = x[k + 4];
		x[k] = (a & m4) | (b << 32);
		x[k + 4] = (a >> 32) | (b & ~m4);
	}
}

/* HDF5's shuffle filter: byte j of element i goes to j*n + i. Elements of
 * a multiple of 8 bytes go 8x8 bytes at a time. */
static void shuffle(unsigned char *out, const unsigned char *in, size_t n, size_t size)
{
	size_t i = 0;
	if (size % 8 == 0)
		for (; i + 8 <= n; i += 8)
			for (size_t j = 0; j < size; j += 8) {
				uint64_t x[8];
				for (int r = 0; r < 8; r++)
					memcpy(&x[r], in + (i + (size_t)r) * size + j, 8);
				transpose8(x);
				for (int c = 0; c < 8; c++)
					memcpy(out + (j + (size_t)c) * n + i, &x[c], 8);
			}
	for (; i < n; i++)
		for (size_t j = 0; j < size; j++)
			out[j * n + i] = in[i * size + j];
}

/* Sampled: the first 4096 bytes of a plane decide its strategy. */
enum { SAMPLE = 4096 };

/* How a plane is coded: its level and strategy. */
struct plane_mode {
	int level, strategy;
};

/* Decide from a sample of the plane: few byte changes mean long runs
 * (run-length coding finds them almost for free); many changes among few
 * distinct values (op codes, a flag byte, sizes that are powers of two)
 * still compress a few times over with the fast matcher; many changes
 * among many values (low bytes of latencies and timestamps) barely
 * compress at all, and coding them would cost more CPU than the rest of
 * the export, so they go into stored blocks. */
static struct plane_mode plane_mode(const unsigned char *a, size_t n, int level)
{
	size_t changes = 0, distinct = 0;
	unsigned char seen[256] = {0};
	for (size_t i = 0; i < n; i++) {
		changes += i && a[i] != a[i - 1];
		distinct += !seen[a[i]];
		seen[a[i]] = 1;
	}
	if (changes < n / 4)
		return (struct plane_mode){level, Z_RLE};
	if (distinct <= 32)
		return (struct plane_mode){level, Z_HUFFMAN_ONLY};
	return (struct plane_mode){0, Z_DEFAULT_STRATEGY};
}

/* One zlib stream over the shuffled chunk, plane by plane (a plane = one
 * byte position of every record), each coded as plane_mode() says. Any
 * inflater (HDF5's deflate filter) reads the result. */
static void compress_chunk(struct h5pipe *p, z_stream *z, struct zbuf *b)
{
	size_t n = p->chunk;
	if (b->nrec < n) /* the last chunk: pad to full size */
		memset(b->raw + b->nrec * p->recsize, 0, (n - b->nrec) * p->recsize);
	shuffle(b->shuf, b->raw, n, p->recsize);
	b->ok = 0;
	if (deflateReset(z) != Z_OK || deflateParams(z, p->level, Z_RLE) != Z_OK)
		return;
	struct plane_mode cur = {p->level, Z_RLE};
	z->next_out = b->out;
	z->avail_out = (uInt)p->outcap;
	for (size_t j = 0; j < p->recsize; j++) {
		const unsigned char *plane = b->shuf + j * n;
		size_t m = n < SAMPLE ? n : SAMPLE;
		struct plane_mode want = plane_mode(plane, m, p->level);
		if (want.level != cur.level || want.strategy != cur.strategy) {
			if (deflateParams(z, want.level, want.strategy) != Z_OK)
				return;
			cur = want;
		}
		z->next_in = (unsigned char *)plane;
		z->avail_in = (uInt)n;
		if (deflate(z, j + 1 == p->recsize ? Z_FINISH : Z_NO_FLUSH) < 0)
			return;
		if (z->avail_in != 0)
			return; /* out of output space: cannot happen with compressBound */
	}
	if (z->avail_in != 0 || z->total_in != p->rawsize)
		return;
	b->outlen = p->outcap - z->avail_out;
	b->ok = 1;
}

/* Oldest queued buffer, or -1. Caller holds mu. */
static int oldest_queued(const struct h5pipe *p)
{
	int k = -1;
	for (int i = 0; i < NBUF; i++)
		if (p->b[i].state == Z_QUEUED && (k < 0 || p->b[i].seq < p->b[k].seq))
			k = i;
	return k;
}

static void *worker(void *arg)
{
	struct h5pipe *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		int k;
		while ((k = oldest_queued(p)) < 0 && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		if (k < 0)
			break;
		p->b[k].state = Z_BUSY;
		pthread_mutex_unlock(&p->mu);
		compress_chunk(p, &p->z, &p->b[k]);
		pthread_mutex_lock(&p->mu);
		p->b[k].state = Z_DONE;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Write a compressed chunk (calling thread: HDF5 is not thread-safe).
 * Chunks may arrive out of order: each has its own offset. */
static void write_chunk(struct h5pipe *p, struct zbuf *b)
{
	if (p->err)
		return;
	if (!b->ok) {
		p->err = -ENOMEM;
		return;
	}
	hsize_t offset = (hsize_t)b->index * p->chunk;
	hsize_t extent = offset + b->nrec;
	if (extent > p->extent) {
		if (H5Dset_extent(p->dset, &extent) < 0) {
			p->err = -EIO;
			return;
		}
		p->extent = extent;
	}
	if (H5Dwrite_chunk(p->dset, H5P_DEFAULT, 0, &offset, b->outlen, b->out) < 0)
		p->err = -EIO;
}

/* Write every finished buffer and free it. With wait, first wait until
 * nothing is queued or in the worker's hands. Returns a free buffer or -1. */
static int collect(struct h5pipe *p, int wait)
{
	int done[NBUF], ndone = 0, free_k = -1;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		int busy = 0;
		for (int i = 0; i < NBUF; i++)
			busy |= p->b[i].state == Z_QUEUED || p->b[i].state == Z_BUSY;
		if (!wait || !busy)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	for (int i = 0; i < NBUF; i++)
		if (p->b[i].state == Z_DONE)
			done[ndone++] = i;
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < ndone; i++)
		write_chunk(p, &p->b[done[i]]);
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < ndone; i++)
		p->b[done[i]].state = Z_FREE;
	for (int i = 0; i < NBUF && free_k < 0; i++)
		if (p->b[i].state == Z_FREE)
			free_k = i;
	pthread_mutex_unlock(&p->mu);
	return free_k;
}

/* Buffer k is full: queue it for the worker, or compress it here when the
 * worker has enough queued. Returns the buffer to fill next. */
static int submit(struct h5pipe *p, int k)
{
	p->b[k].index = p->nchunks++;
	collect(p, 0);
	pthread_mutex_lock(&p->mu);
	int queued = 0;
	for (int i = 0; i < NBUF; i++)
		queued += p->b[i].state == Z_QUEUED;
	int to_worker = queued < QUEUE_MAX;
	if (to_worker) {
		p->b[k].state = Z_QUEUED;
		p->b[k].seq = p->seq++;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	if (!to_worker) {
		compress_chunk(p, &p->zmain, &p->b[k]);
		write_chunk(p, &p->b[k]);
		p->b[k].nrec = 0;
		return k;
	}
	int next;
	while ((next = collect(p, 0)) < 0) {
		/* every buffer queued or busy: wait for one to finish */
		pthread_mutex_lock(&p->mu);
		int any_done = 0;
		while (!any_done) {
			for (int i = 0; i < NBUF; i++)
				any_done |= p->b[i].state == Z_DONE;
			if (!any_done)
				pthread_cond_wait(&p->cv, &p->mu);
		}
		pthread_mutex_unlock(&p->mu);
	}
	pthread_mutex_lock(&p->mu);
	p->b[next].state = Z_FILLING;
	pthread_mutex_unlock(&p->mu);
	p->b[next].nrec = 0;
	return next;
}

static void free_bufs(struct h5pipe *p)
{
	for (int i = 0; i < NBUF; i++) {
		free(p->b[i].raw);
		free(p->b[i].shuf);
		free(p->b[i].out);
	}
}

int h5pipe_open(struct h5pipe **out, hid_t dset, size_t recsize, size_t chunk_records,
		int level)
{
	*out = NULL;
	struct h5pipe *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->dset = dset;
	p->recsize = recsize;
	p->chunk = chunk_records;
	p->rawsize = recsize * chunk_records;
	p->outcap = compressBound((uLong)p->rawsize);
	p->level = level;
	for (int i = 0; i < NBUF; i++) {
		p->b[i].raw = malloc(p->rawsize);
		p->b[i].shuf = malloc(p->rawsize);
		p->b[i].out = malloc(p->outcap);
		if (!p->b[i].raw || !p->b[i].shuf || !p->b[i].out)
			goto nomem;
	}
	if (deflateInit2(&p->z, level, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK)
		goto nomem;
	if (deflateInit2(&p->zmain, level, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK) {
		deflateEnd(&p->z);
		goto nomem;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, worker, p) != 0) {
		deflateEnd(&p->z);
		deflateEnd(&p->zmain);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		goto nomem;
	}
	p->b[0].state = Z_FILLING;
	*out = p;
	return 0;
nomem:
	free_bufs(p);
	free(p);
	return -ENOMEM;
}

void *h5pipe_slot(struct h5pipe *p)
{
	struct zbuf *b = &p->b[p->cur];
	if (b->nrec == p->chunk) {
		p->cur = submit(p, p->cur);
		b = &p->b[p->cur];
		b->nrec = 0;
	}
	if (p->err)
		return NULL;
	p->records++;
	return b->raw + p->recsize * b->nrec++;
}

uint64_t h5pipe_records(const struct h5pipe *p)
{
	return p->records;
}

int h5pipe_close(struct h5pipe *p)
{
	if (!p)
		return 0;
	if (p->b[p->cur].nrec)
		submit(p, p->cur);
	collect(p, 1);
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	deflateEnd(&p->z);
	deflateEnd(&p->zmain);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	int rc = p->err;
	free_bufs(p);
	free(p);
	return rc;
}
