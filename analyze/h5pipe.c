/* h5pipe.c - chunk compression beside the filling thread (see h5pipe.h). */
#include "analyze/h5pipe.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum { NBUF = 4 };
enum zstate { Z_FREE, Z_FILLING, Z_QUEUED, Z_BUSY, Z_DONE };

struct zbuf {
	unsigned char *raw;  /* records, chunk_records * recsize */
	unsigned char *shuf; /* shuffled bytes: plane j at j * plane_stride */
	unsigned char *out;  /* zlib stream */
	size_t nrec;         /* valid records in raw */
	size_t outlen;
	uint64_t index;      /* chunk number */
	uint64_t seq;        /* queue order */
	enum zstate state;
	int ok;
	z_stream z;          /* for the run-length planes, whoever compresses */
	int zinit;
};

struct h5pipe {
	hid_t dset;
	size_t recsize, chunk, rawsize, outcap;
	size_t plane_stride; /* chunk, padded off a power of two */
	int level;
	struct zbuf b[NBUF];
	int cur;             /* buffer being filled */
	uint64_t nchunks;    /* chunks numbered so far */
	uint64_t seq;
	uint64_t records;
	hsize_t extent;
	int err;
	/* the worker (if any) and helpers take the oldest queued buffer;
	 * the calling thread compresses itself when the queue is full, so
	 * every core works */
	int has_worker;
	int queue_max;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int quit;
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

#ifdef __SSE2__
/* 16 rows of 16 bytes (records i..i+15, bytes j..j+15) into 16 columns:
 * four rounds of interleaving, 8-, 16-, 32- and 64-bit. */
static inline void transpose16(const unsigned char *in, size_t stride, unsigned char *out,
			       size_t n)
{
	__m128i r[16], a[16], b[16], c[16];
	for (int k = 0; k < 16; k++)
		r[k] = _mm_loadu_si128((const __m128i *)(const void *)(in + (size_t)k * stride));
	for (int k = 0; k < 16; k += 2) {
		a[k] = _mm_unpacklo_epi8(r[k], r[k + 1]);
		a[k + 1] = _mm_unpackhi_epi8(r[k], r[k + 1]);
	}
	for (int g = 0; g < 16; g += 4) { /* rows g..g+3 */
		b[g] = _mm_unpacklo_epi16(a[g], a[g + 2]);
		b[g + 1] = _mm_unpackhi_epi16(a[g], a[g + 2]);
		b[g + 2] = _mm_unpacklo_epi16(a[g + 1], a[g + 3]);
		b[g + 3] = _mm_unpackhi_epi16(a[g + 1], a[g + 3]);
	}
	for (int g = 0; g < 16; g += 8) { /* rows g..g+7 */
		for (int k = 0; k < 4; k++) {
			c[g + 2 * k] = _mm_unpacklo_epi32(b[g + k], b[g + 4 + k]);
			c[g + 2 * k + 1] = _mm_unpackhi_epi32(b[g + k], b[g + 4 + k]);
		}
	}
	for (int k = 0; k < 8; k++) { /* columns 2k and 2k+1 */
		_mm_storeu_si128((__m128i *)(void *)(out + (size_t)(2 * k) * n),
				 _mm_unpacklo_epi64(c[k], c[k + 8]));
		_mm_storeu_si128((__m128i *)(void *)(out + (size_t)(2 * k + 1) * n),
				 _mm_unpackhi_epi64(c[k], c[k + 8]));
	}
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define H5PIPE_AVX2 1
/* transpose16 on 32 records at once: records i..i+15 in the low 128-bit
 * lane, i+16..i+31 in the high one (the unpack instructions work within a
 * lane), so each column comes out as 32 contiguous bytes. */
__attribute__((target("avx2"))) static void shuffle_avx2(unsigned char *out,
							 const unsigned char *in, size_t n,
							 size_t size, size_t stride, size_t *done)
{
	size_t i = 0;
	for (; i + 32 <= n; i += 32)
		for (size_t j = 0; j < size; j += 16) {
			const unsigned char *src = in + i * size + j;
			__m256i r[16], a[16], b[16], c[16];
			for (int k = 0; k < 16; k++)
				r[k] = _mm256_inserti128_si256(
					_mm256_castsi128_si256(_mm_loadu_si128(
						(const __m128i *)(const void *)(src + (size_t)k * size))),
					_mm_loadu_si128((const __m128i *)(const void *)(src + (size_t)(k + 16) *
										       size)),
					1);
			for (int k = 0; k < 16; k += 2) {
				a[k] = _mm256_unpacklo_epi8(r[k], r[k + 1]);
				a[k + 1] = _mm256_unpackhi_epi8(r[k], r[k + 1]);
			}
			for (int g = 0; g < 16; g += 4) {
				b[g] = _mm256_unpacklo_epi16(a[g], a[g + 2]);
				b[g + 1] = _mm256_unpackhi_epi16(a[g], a[g + 2]);
				b[g + 2] = _mm256_unpacklo_epi16(a[g + 1], a[g + 3]);
				b[g + 3] = _mm256_unpackhi_epi16(a[g + 1], a[g + 3]);
			}
			for (int g = 0; g < 16; g += 8)
				for (int k = 0; k < 4; k++) {
					c[g + 2 * k] = _mm256_unpacklo_epi32(b[g + k], b[g + 4 + k]);
					c[g + 2 * k + 1] = _mm256_unpackhi_epi32(b[g + k], b[g + 4 + k]);
				}
			unsigned char *dst = out + j * stride + i;
			for (int k = 0; k < 8; k++) {
				_mm256_storeu_si256((__m256i *)(void *)(dst + (size_t)(2 * k) * stride),
						    _mm256_unpacklo_epi64(c[k], c[k + 8]));
				_mm256_storeu_si256((__m256i *)(void *)(dst + (size_t)(2 * k + 1) * stride),
						    _mm256_unpackhi_epi64(c[k], c[k + 8]));
			}
		}
	*done = i;
}
#endif

/* HDF5's shuffle filter: byte j of element i goes to j*stride + i. Elements of
 * a multiple of 16 bytes go 16x16 bytes at a time with SSE2, of 8 bytes
 * 8x8 at a time in 64-bit words; the rest byte by byte. */
static void shuffle(unsigned char *out, const unsigned char *in, size_t n, size_t size,
		    size_t stride)
{
	size_t i = 0;
#ifdef H5PIPE_AVX2
	if (size % 16 == 0 && __builtin_cpu_supports("avx2"))
		shuffle_avx2(out, in, n, size, stride, &i);
#endif
#ifdef __SSE2__
	if (size % 16 == 0)
		for (; i + 16 <= n; i += 16)
			for (size_t j = 0; j < size; j += 16)
				transpose16(in + i * size + j, size, out + j * stride + i, stride);
#endif
	if (size % 8 == 0)
		for (; i + 8 <= n; i += 8)
			for (size_t j = 0; j < size; j += 8) {
				uint64_t x[8];
				for (int r = 0; r < 8; r++)
					memcpy(&x[r], in + (i + (size_t)r) * size + j, 8);
				transpose8(x);
				for (int c = 0; c < 8; c++)
					memcpy(out + (j + (size_t)c) * stride + i, &x[c], 8);
			}
	for (; i < n; i++)
		for (size_t j = 0; j < size; j++)
			out[j * stride + i] = in[i * size + j];
}

/* ---- composing the zlib stream --------------------------------------
 *
 * A chunk's shuffled bytes are 64 planes (one per byte position of the
 * record), and planes differ wildly: most are one byte repeated (the high
 * bytes of times, sizes, pids), some have runs, a few are noise (the low
 * bytes of latencies). Each plane is coded the cheapest way that still
 * compresses it, and the pieces are joined into one zlib stream, which is
 * what HDF5's deflate filter reads:
 *  - one repeated byte: a fixed-Huffman block written here (a literal and
 *    distance-1 matches: about 300 bytes, no scanning beyond the check);
 *  - runs: zlib, run-length strategy;
 *  - many changes among few values: one dynamic-Huffman block written
 *    here (the byte histogram gives the code; no match search);
 *  - noise: stored blocks (a copy).
 * zlib pieces are raw deflate ended by a sync flush, so every piece starts
 * and ends on a byte boundary and no piece refers to another's bytes.
 * The Adler-32 of the whole is combined from the planes' (constant planes
 * in closed form). */

struct bitw {
	unsigned char *p, *end;
	uint64_t buf;
	unsigned n;
	int overflow;
};

static void bw_put(struct bitw *w, uint32_t bits, unsigned nbits)
{
	w->buf |= (uint64_t)bits << w->n;
	w->n += nbits;
	while (w->n >= 8) {
		if (w->p == w->end) {
			w->overflow = 1;
			w->n = 0;
			w->buf = 0;
			return;
		}
		*w->p++ = (unsigned char)w->buf;
		w->buf >>= 8;
		w->n -= 8;
	}
}

static void bw_align(struct bitw *w)
{
	if (w->n)
		bw_put(w, 0, 8 - w->n);
}

/* Huffman codes go most significant bit first. */
static void bw_code(struct bitw *w, uint32_t code, unsigned len)
{
	uint32_t r = 0;
	for (unsigned i = 0; i < len; i++)
		r |= ((code >> i) & 1u) << (len - 1 - i);
	bw_put(w, r, len);
}

/* A symbol of the fixed literal/length code (RFC 1951, 3.2.6). */
static void bw_fixed(struct bitw *w, unsigned sym)
{
	if (sym <= 143)
		bw_code(w, 0x30 + sym, 8);
	else if (sym <= 255)
		bw_code(w, 0x190 + (sym - 144), 9);
	else if (sym <= 279)
		bw_code(w, sym - 256, 7);
	else
		bw_code(w, 0xc0 + (sym - 280), 8);
}

/* A match of length len (3..258) at distance 1. */
static void bw_match1(struct bitw *w, unsigned len)
{
	static const uint16_t base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27,
					  31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
					  227, 258};
	static const uint8_t extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
					  3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
	unsigned i = 28;
	if (len < 258)
		for (i = 27; base[i] > len; i--)
			;
	bw_fixed(w, 257 + i);
	if (extra[i])
		bw_put(w, len - base[i], extra[i]);
	bw_code(w, 0, 5); /* distance code 0 = distance 1 */
}

/* An empty stored block: ends the bit stream on a byte boundary. */
static void bw_sync(struct bitw *w)
{
	bw_put(w, 0, 3);
	bw_align(w);
	bw_put(w, 0x0000, 16);
	bw_put(w, 0xffff, 16);
}

static void put_constant(struct bitw *w, unsigned char v, size_t n)
{
	bw_put(w, 2, 3); /* not final, fixed Huffman */
	bw_fixed(w, v);
	for (size_t r = n - 1; r > 0;) {
		if (r < 3) {
			bw_fixed(w, v);
			r--;
			continue;
		}
		unsigned len = r >= 258 ? 258 : (unsigned)r;
		bw_match1(w, len);
		r -= len;
	}
	bw_fixed(w, 256);
}

static void put_stored(struct bitw *w, const unsigned char *a, size_t n)
{
	while (n > 0 && !w->overflow) {
		size_t len = n < 65535 ? n : 65535;
		bw_put(w, 0, 3);
		bw_align(w);
		bw_put(w, (uint32_t)len, 16);
		bw_put(w, (uint32_t)len ^ 0xffffu, 16);
		if ((size_t)(w->end - w->p) < len) {
			w->overflow = 1;
			return;
		}
		memcpy(w->p, a, len);
		w->p += len;
		a += len;
		n -= len;
	}
}

/* Huffman code lengths (at most maxlen bits) for the symbols with a
 * nonzero frequency; a symbol used alone still gets a 1-bit code. Small
 * alphabets (a plane's byte values and the end-of-block code), so the
 * two-smallest search is a plain scan. Too deep a tree is rebuilt from
 * flattened frequencies until it fits, as zlib and others do. */
static void huff_lengths(const uint32_t *freq, unsigned nsym, unsigned maxlen, uint8_t *len)
{
	enum { MAXSYM = 288 };
	uint32_t f[MAXSYM];
	memcpy(f, freq, nsym * sizeof *f);
	for (;;) {
		uint64_t w[2 * MAXSYM];
		int parent[2 * MAXSYM], alive[2 * MAXSYM];
		unsigned n = 0, used = 0;
		int leaf[MAXSYM];
		for (unsigned s = 0; s < nsym; s++) {
			len[s] = 0;
			leaf[s] = -1;
			if (f[s]) {
				leaf[s] = (int)n;
				w[n] = f[s];
				parent[n] = -1;
				alive[n++] = 1;
				used++;
			}
		}
		if (used <= 1) { /* one symbol: a 1-bit code */
			for (unsigned s = 0; s < nsym; s++)
				if (f[s])
					len[s] = 1;
			return;
		}
		for (unsigned left = used; left > 1; left--) {
			int a = -1, b = -1;
			for (unsigned i = 0; i < n; i++) {
				if (!alive[i])
					continue;
				if (a < 0 || w[i] < w[a]) {
					b = a;
					a = (int)i;
				} else if (b < 0 || w[i] < w[b]) {
					b = (int)i;
				}
			}
			alive[a] = alive[b] = 0;
			w[n] = w[a] + w[b];
			parent[n] = -1;
			alive[n] = 1;
			parent[a] = parent[b] = (int)n++;
		}
		unsigned deepest = 0;
		for (unsigned s = 0; s < nsym; s++) {
			if (leaf[s] < 0)
				continue;
			unsigned d = 0;
			for (int i = leaf[s]; parent[i] >= 0; i = parent[i])
				d++;
			len[s] = (uint8_t)d;
			deepest = d > deepest ? d : deepest;
		}
		if (deepest <= maxlen)
			return;
		for (unsigned s = 0; s < nsym; s++)
			if (f[s])
				f[s] = (f[s] >> 1) | 1;
	}
}

/* Canonical codes from lengths (RFC 1951, 3.2.2), bit-reversed so they
 * go out least significant bit first. */
static void huff_codes(const uint8_t *len, unsigned nsym, uint16_t *code)
{
	unsigned count[16] = {0}, next[16];
	for (unsigned s = 0; s < nsym; s++)
		count[len[s]]++;
	count[0] = 0;
	unsigned c = 0;
	for (unsigned b = 1; b < 16; b++) {
		c = (c + count[b - 1]) << 1;
		next[b] = c;
	}
	for (unsigned s = 0; s < nsym; s++) {
		code[s] = 0;
		if (!len[s])
			continue;
		unsigned v = next[len[s]]++, r = 0;
		for (unsigned i = 0; i < len[s]; i++)
			r |= ((v >> i) & 1u) << (len[s] - 1 - i);
		code[s] = (uint16_t)r;
	}
}

static inline void put32le(unsigned char *o, uint32_t v)
{
	o[0] = (unsigned char)v;
	o[1] = (unsigned char)(v >> 8);
	o[2] = (unsigned char)(v >> 16);
	o[3] = (unsigned char)(v >> 24);
}

/* A plane of few distinct bytes: one dynamic-Huffman block of literals.
 * The code lengths are sent plainly, 4 bits each (a complete code of the
 * 16 length values): a hundred bytes per plane, no tree over them. */
static void put_huffman(struct bitw *w, const unsigned char *a, size_t n)
{
	/* four histograms: with few values, one counter would be bumped again
	 * before its last increment left the store buffer */
	uint32_t h[4][256] = {{0}}, freq[257];
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		h[0][a[i]]++;
		h[1][a[i + 1]]++;
		h[2][a[i + 2]]++;
		h[3][a[i + 3]]++;
	}
	for (; i < n; i++)
		h[0][a[i]]++;
	for (unsigned v = 0; v < 256; v++)
		freq[v] = h[0][v] + h[1][v] + h[2][v] + h[3][v];
	freq[256] = 1; /* end of block */
	uint8_t len[257];
	uint16_t code[257];
	huff_lengths(freq, 257, 15, len);
	huff_codes(len, 257, code);
	static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13,
					  2, 14, 1, 15};
	bw_put(w, 4, 3);        /* not final, dynamic Huffman */
	bw_put(w, 257 - 257, 5); /* HLIT: literals and end of block */
	bw_put(w, 2 - 1, 5);     /* HDIST: two unused distance codes */
	bw_put(w, 19 - 4, 4);    /* HCLEN: every code-length symbol */
	for (unsigned k = 0; k < 19; k++)
		bw_put(w, order[k] <= 15 ? 4 : 0, 3);
	/* with every length symbol 0..15 coded in 4 bits, symbol s is the code
	 * s: sent most significant bit first */
	for (unsigned s = 0; s < 257; s++)
		bw_code(w, len[s], 4);
	bw_code(w, 1, 4); /* the two distance codes: 1 bit each */
	bw_code(w, 1, 4);
	/* the hot loop: a local 64-bit accumulator, 32 bits stored at a time
	 * (codes are at most 15 bits, so it never overflows) */
	if (w->overflow || (size_t)(w->end - w->p) < n * 2 + 16) {
		w->overflow = 1;
		return;
	}
	/* code and length in one word: one load per byte */
	uint32_t cl[256];
	for (unsigned v = 0; v < 256; v++)
		cl[v] = (uint32_t)code[v] | (uint32_t)len[v] << 16;
	uint64_t acc = w->buf;
	unsigned bits = w->n;
	unsigned char *o = w->p;
	/* two symbols (30 bits at most) per check: fewer than 32 bits wait */
	for (i = 0; i + 2 <= n; i += 2) {
		uint32_t x = cl[a[i]], y = cl[a[i + 1]];
		acc |= (uint64_t)(x & 0xffff) << bits;
		bits += x >> 16;
		acc |= (uint64_t)(y & 0xffff) << bits;
		bits += y >> 16;
		if (bits >= 32) {
			put32le(o, (uint32_t)acc);
			o += 4;
			acc >>= 32;
			bits -= 32;
		}
	}
	for (; i < n; i++) {
		uint32_t x = cl[a[i]];
		acc |= (uint64_t)(x & 0xffff) << bits;
		bits += x >> 16;
		if (bits >= 32) {
			put32le(o, (uint32_t)acc);
			o += 4;
			acc >>= 32;
			bits -= 32;
		}
	}
	w->buf = acc;
	w->n = bits;
	w->p = o;
	bw_put(w, code[256], len[256]);
}

/* Raw deflate of a plane with zlib, ended by a sync flush. */
static int put_zlib(struct bitw *w, z_stream *z, int strategy, int level,
		    const unsigned char *a, size_t n)
{
	bw_sync(w); /* zlib starts on a byte boundary */
	if (w->overflow || deflateReset(z) != Z_OK || deflateParams(z, level, strategy) != Z_OK)
		return -1;
	z->next_in = (unsigned char *)a;
	z->avail_in = (uInt)n;
	z->next_out = w->p;
	z->avail_out = (uInt)(w->end - w->p);
	if (deflate(z, Z_SYNC_FLUSH) != Z_OK || z->avail_in != 0 || z->avail_out == 0)
		return -1;
	w->p = z->next_out;
	return 0;
}

/* Adler-32 (RFC 1950) of n bytes, from adler. zlib's is a byte-at-a-time
 * loop; here 16 bytes go at a time: s1 sums them (psadbw), s2 weighs them
 * 16..1 (pmaddwd), and the running s1 of earlier blocks is counted once
 * per block in ps, added to s2 as 16 * ps. Runs of at most 5552 bytes
 * keep every sum below 2^32 before the modulo, as in zlib. */
static uint32_t adler32_fast(uint32_t adler, const unsigned char *a, size_t n)
{
	enum { BASE = 65521, NMAX = 5552 };
	uint64_t s1 = adler & 0xffff, s2 = adler >> 16;
#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128();
	const __m128i w_lo = _mm_setr_epi16(16, 15, 14, 13, 12, 11, 10, 9);
	const __m128i w_hi = _mm_setr_epi16(8, 7, 6, 5, 4, 3, 2, 1);
	while (n >= 16) {
		size_t blocks = (n < NMAX ? n : NMAX) / 16;
		n -= blocks * 16;
		s2 += s1 * blocks * 16;
		__m128i vs1 = zero, vs2 = zero, vps = zero;
		for (size_t k = 0; k < blocks; k++, a += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)a);
			vps = _mm_add_epi32(vps, vs1);
			vs1 = _mm_add_epi32(vs1, _mm_sad_epu8(v, zero));
			vs2 = _mm_add_epi32(vs2, _mm_madd_epi16(_mm_unpacklo_epi8(v, zero), w_lo));
			vs2 = _mm_add_epi32(vs2, _mm_madd_epi16(_mm_unpackhi_epi8(v, zero), w_hi));
		}
		uint32_t l1[4], l2[4], lp[4];
		_mm_storeu_si128((__m128i *)(void *)l1, vs1);
		_mm_storeu_si128((__m128i *)(void *)l2, vs2);
		_mm_storeu_si128((__m128i *)(void *)lp, vps);
		s1 += (uint64_t)l1[0] + l1[1] + l1[2] + l1[3];
		s2 += (uint64_t)l2[0] + l2[1] + l2[2] + l2[3] +
		      16 * ((uint64_t)lp[0] + lp[1] + lp[2] + lp[3]);
		s1 %= BASE;
		s2 %= BASE;
	}
#endif
	while (n > 0) {
		size_t k = n < NMAX ? n : NMAX;
		n -= k;
		while (k--) {
			s1 += *a++;
			s2 += s1;
		}
		s1 %= BASE;
		s2 %= BASE;
	}
	return (uint32_t)(s2 << 16 | s1);
}

/* Adler-32 of n bytes all equal to v, from the initial value 1. */
static uLong adler_constant(unsigned char v, size_t n)
{
	const uint64_t M = 65521;
	uint64_t nm = n % M, tri = ((uint64_t)n * (n + 1) / 2) % M;
	uint64_t s1 = (1 + nm * v) % M, s2 = (nm + (uint64_t)v * tri) % M;
	return (uLong)((s2 << 16) | s1);
}

enum plane_kind { PLANE_CONSTANT, PLANE_RUNS, PLANE_FEW, PLANE_NOISE };

/* Sampled: the first 4096 bytes of a plane choose between the last three. */
enum { SAMPLE = 4096 };

static enum plane_kind plane_kind(const unsigned char *a, size_t n)
{
	/* every byte equals the next one: memcmp's vector loop, not ours */
	if (n < 2 || memcmp(a, a + 1, n - 1) == 0)
		return PLANE_CONSTANT;
	size_t m = n < SAMPLE ? n : SAMPLE, changes = 0, distinct = 0;
	unsigned char seen[256] = {0};
	for (size_t i = 0; i < m; i++) {
		changes += i && a[i] != a[i - 1];
		distinct += !seen[a[i]];
		seen[a[i]] = 1;
	}
	if (changes < m / 4)
		return PLANE_RUNS;
	return distinct <= 32 ? PLANE_FEW : PLANE_NOISE;
}

static void compress_chunk(struct h5pipe *p, struct zbuf *b)
{
	size_t n = p->chunk;
	if (b->nrec < n) /* the last chunk: pad to full size */
		memset(b->raw + b->nrec * p->recsize, 0, (n - b->nrec) * p->recsize);
	shuffle(b->shuf, b->raw, n, p->recsize, p->plane_stride);
	b->ok = 0;
	struct bitw w = {.p = b->out, .end = b->out + p->outcap};
	bw_put(&w, 0x78, 8); /* zlib header: deflate, 32 KiB window */
	bw_put(&w, 0x01, 8);
	uLong adler = adler32(0L, Z_NULL, 0);
	for (size_t j = 0; j < p->recsize && !w.overflow; j++) {
		const unsigned char *plane = b->shuf + j * p->plane_stride;
		enum plane_kind k = plane_kind(plane, n);
		uLong a = k == PLANE_CONSTANT ? adler_constant(plane[0], n) : adler32_fast(1, plane, n);
		adler = adler32_combine(adler, a, (z_off_t)n);
		if (k == PLANE_CONSTANT)
			put_constant(&w, plane[0], n);
		else if (k == PLANE_NOISE)
			put_stored(&w, plane, n);
		else if (k == PLANE_FEW)
			put_huffman(&w, plane, n);
		else if (put_zlib(&w, &b->z, Z_RLE, p->level, plane, n) < 0)
			return;
	}
	bw_put(&w, 3, 3); /* final, fixed Huffman, */
	bw_fixed(&w, 256); /* empty */
	bw_align(&w);
	for (int i = 3; i >= 0; i--)
		bw_put(&w, (uint32_t)(adler >> (8 * i)) & 0xffu, 8);
	if (w.overflow)
		return;
	b->outlen = (size_t)(w.p - b->out);
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

/* Compress the oldest queued buffer, if any, on this thread. Caller
 * holds mu, which is dropped while compressing. Returns 1 if it did. */
static int compress_one(struct h5pipe *p)
{
	int k = oldest_queued(p);
	if (k < 0)
		return 0;
	p->b[k].state = Z_BUSY;
	pthread_mutex_unlock(&p->mu);
	compress_chunk(p, &p->b[k]);
	pthread_mutex_lock(&p->mu);
	p->b[k].state = Z_DONE;
	pthread_cond_broadcast(&p->cv);
	return 1;
}

static void *worker_main(void *arg)
{
	struct h5pipe *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (oldest_queued(p) < 0 && !p->quit)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!compress_one(p))
			break;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int h5pipe_help(struct h5pipe *p)
{
	pthread_mutex_lock(&p->mu);
	int did = compress_one(p);
	pthread_mutex_unlock(&p->mu);
	return did;
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
 * nothing is queued or being compressed. Returns a free buffer or -1. */
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
		/* without a worker nobody else may come for the queued ones */
		if (!compress_one(p))
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

/* Buffer k is full: queue it for the worker and helpers, or compress it
 * here when enough are queued. Returns the buffer to fill next. */
static int submit(struct h5pipe *p, int k)
{
	p->b[k].index = p->nchunks++;
	collect(p, 0);
	pthread_mutex_lock(&p->mu);
	int queued = 0;
	for (int i = 0; i < NBUF; i++)
		queued += p->b[i].state == Z_QUEUED;
	int to_worker = queued < p->queue_max;
	if (to_worker) {
		p->b[k].state = Z_QUEUED;
		p->b[k].seq = p->seq++;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	if (!to_worker) {
		compress_chunk(p, &p->b[k]);
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
			/* rather than wait, take a queued one */
			if (!any_done && !compress_one(p))
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
		if (p->b[i].zinit)
			deflateEnd(&p->b[i].z);
		free(p->b[i].raw);
		free(p->b[i].shuf);
		free(p->b[i].out);
	}
}

int h5pipe_open(struct h5pipe **out, hid_t dset, size_t recsize, size_t chunk_records,
		int level, int worker)
{
	*out = NULL;
	struct h5pipe *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->dset = dset;
	p->recsize = recsize;
	p->chunk = chunk_records;
	p->rawsize = recsize * chunk_records;
	/* planes a power of two apart would all fall in the same cache sets:
	 * the shuffle's 16 stores per step would evict each other */
	p->plane_stride = chunk_records + 64 + 16;
	/* stored planes cost 5 bytes per 64 KiB, zlib pieces a few bytes more
	 * than stored at worst */
	p->outcap = p->rawsize + p->rawsize / 16 + 64 * 1024;
	p->level = level;
	for (int i = 0; i < NBUF; i++) {
		p->b[i].raw = malloc(p->rawsize);
		p->b[i].shuf = malloc(p->plane_stride * recsize);
		p->b[i].out = malloc(p->outcap);
		if (!p->b[i].raw || !p->b[i].shuf || !p->b[i].out)
			goto nomem;
		if (deflateInit2(&p->b[i].z, level, Z_DEFLATED, -15, 8, Z_RLE) != Z_OK)
			goto nomem;
		p->b[i].zinit = 1;
	}
	p->b[0].state = Z_FILLING; /* before the worker can look */
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* with a worker, two queued chunks keep it busy; helpers come when
	 * they can, so let more wait for them */
	p->queue_max = worker ? 2 : NBUF - 1;
	if (worker && pthread_create(&p->thread, NULL, worker_main, p) == 0)
		p->has_worker = 1;
	*out = p;
	return 0;
nomem:
	free_bufs(p);
	free(p);
	return -ENOMEM;
}

void *h5pipe_slots(struct h5pipe *p, size_t want, size_t *got)
{
	struct zbuf *b = &p->b[p->cur];
	if (b->nrec == p->chunk) {
		p->cur = submit(p, p->cur);
		b = &p->b[p->cur];
		b->nrec = 0;
	}
	*got = 0;
	if (p->err)
		return NULL;
	size_t k = p->chunk - b->nrec;
	if (k > want)
		k = want;
	void *slot = b->raw + p->recsize * b->nrec;
	b->nrec += k;
	p->records += k;
	*got = k;
	return slot;
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
	if (p->has_worker) {
		pthread_mutex_lock(&p->mu);
		p->quit = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	int rc = p->err;
	free_bufs(p);
	free(p);
	return rc;
}
