/* codec.c - column-wise encoding of chunk payloads (FORMAT.md, "Payload").
 *
 * Every column is chosen the cheapest of: one constant, plain varints,
 * deltas, deltas from the previous call's end (timestamps), or a small
 * dictionary with one byte per record. Values are shifted right by the
 * column's common trailing zero bits first (4 KiB aligned offsets cost
 * two bytes fewer). zstd then squeezes what is left. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

/* ---- buffers and arenas ---- */

int buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + extra)
		ncap *= 2;
	uint8_t *np = realloc(b->p, ncap);
	if (!np)
		return -ENOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

char *arena_strdup(struct arena *a, const char *s, size_t len)
{
	struct arena_block *blk = a->head;
	if (!blk || blk->cap - blk->used < len + 1) {
		size_t cap = len + 1 > 65536 ? len + 1 : 65536;
		blk = malloc(sizeof *blk + cap);
		if (!blk)
			return NULL;
		blk->used = 0;
		blk->cap = cap;
		blk->next = a->head;
		a->head = blk;
	}
	char *p = blk->data + blk->used;
	memcpy(p, s, len);
	p[len] = '\0';
	blk->used += len + 1;
	a->used_total += len + 1;
	return p;
}

void arena_reset(struct arena *a)
{
	/* Keep the newest block for reuse. */
	struct arena_block *keep = a->head;
	if (!keep)
		return;
	struct arena_block *b = keep->next;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	keep->next = NULL;
	keep->used = 0;
	a->head = keep;
	a->used_total = 0;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
	a->used_total = 0;
}

/* ---- field access ---- */

static inline uint64_t field_load(const uint8_t *rec, const struct col_desc *c)
{
	const uint8_t *p = rec + c->offset;
	switch (c->size) {
	case 1: return c->kind == COL_S ? (uint64_t)(int64_t) * (const int8_t *)p : *p;
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return c->kind == COL_S ? (uint64_t)(int64_t)(int16_t)v : v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return c->kind == COL_S ? (uint64_t)(int64_t)(int32_t)v : v;
	}
	default: {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	}
}

static inline void field_store(uint8_t *rec, const struct col_desc *c, uint64_t v)
{
	uint8_t *p = rec + c->offset;
	switch (c->size) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

/* Map a column value for VARINT/CONST/DICT: zigzag for signed columns. */
static inline uint64_t map_val(const struct col_desc *c, uint64_t v)
{
	return c->kind == COL_S ? zigzag((int64_t)v) : v;
}
static inline uint64_t unmap_val(const struct col_desc *c, uint64_t m)
{
	return c->kind == COL_S ? (uint64_t)unzigzag(m) : m;
}

/* Bytes of a varint, by the index of the highest set bit. */
static const uint8_t vsize_by_bit[64] = {
	1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4,
	4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7,
	7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10};
static inline size_t vsize(uint64_t v)
{
	return vsize_by_bit[63 - __builtin_clzll(v | 1)];
}

/* Is one field the same in all n records? Most I/O columns (pid, fd, op,
 * file) are constant within a chunk: answering from the records directly
 * spares gathering them. */
static bool field_is_const(const uint8_t *p, size_t stride, size_t n, unsigned size)
{
	const uint8_t *first = p;
	p += stride;
#define SAME(T)                                               \
	do {                                                  \
		T a;                                          \
		memcpy(&a, first, sizeof a);                  \
		for (size_t i = 1; i < n; i++, p += stride) { \
			T b;                                  \
			memcpy(&b, p, sizeof b);              \
			if (b != a)                           \
				return false;                 \
		}                                             \
	} while (0)
	switch (size) {
	case 1: SAME(uint8_t); break;
	case 2: SAME(uint16_t); break;
	case 4: SAME(uint32_t); break;
	default: SAME(uint64_t); break;
	}
#undef SAME
	return true;
}

/* Which bytes of the records differ from the first record's anywhere in
 * the chunk: one sequential pass over the records, where a test per
 * column would walk the whole chunk once per column (a strided pass that
 * misses the cache on every record). diff must hold rs bytes. */
#define DIFF_WORDS 64
/* The pass for records of NW words; a constant NW lets the compiler
 * unroll and vectorize the inner loop (the I/O stream's 72-byte records
 * are the hot case). */
#define DIFF_PASS(NW)                                                  \
	for (size_t i = 1; i < n; i++) {                               \
		const uint8_t *r = recs + i * (NW) * 8;                \
		for (size_t k = 0; k < (NW); k++) {                    \
			uint64_t x;                                    \
			memcpy(&x, r + 8 * k, 8);                      \
			acc[k] |= x ^ first[k];                        \
		}                                                      \
	}
static bool diff_bytes(const uint8_t *recs, size_t rs, size_t n, uint8_t *diff)
{
	if (rs % 8 || rs / 8 > DIFF_WORDS)
		return false;
	size_t nw = rs / 8;
	uint64_t first[DIFF_WORDS], acc[DIFF_WORDS] = {0};
	memcpy(first, recs, rs);
	if (nw == sizeof(struct iot_io_event) / 8)
		DIFF_PASS(sizeof(struct iot_io_event) / 8)
	else
		DIFF_PASS(nw)
	memcpy(diff, acc, rs);
	return true;
}
#undef DIFF_PASS

static bool diff_is_zero(const uint8_t *diff, const struct col_desc *c)
{
	unsigned size = c->size == 1 || c->size == 2 || c->size == 4 ? c->size : 8;
	for (unsigned i = 0; i < size; i++)
		if (diff[c->offset + i])
			return false;
	return true;
}

/* ---- encoder ---- */

/* Records an encoding is chosen from (chunks are homogeneous). */
#define SAMPLE 1024

void encoder_free(struct encoder *e)
{
	free(e->vals);
	free(e->prev);
	memset(e, 0, sizeof *e);
}

static int encoder_fit(struct encoder *e, size_t n)
{
	if (n <= e->cap)
		return 0;
	uint64_t *v = realloc(e->vals, n * sizeof *v);
	if (!v)
		return -ENOMEM;
	e->vals = v;
	uint64_t *p = realloc(e->prev, n * sizeof *p);
	if (!p)
		return -ENOMEM;
	e->prev = p;
	e->cap = n;
	return 0;
}

/* Load one column of n records into v[], sign-extended for signed columns. */
static void gather(uint64_t *v, const uint8_t *p, size_t stride, size_t n, const struct col_desc *c)
{
#define GATHER(T, CAST)                                      \
	for (size_t i = 0; i < n; i++, p += stride) {        \
		T x;                                         \
		memcpy(&x, p, sizeof x);                     \
		v[i] = (uint64_t)(CAST)x;                    \
	}
	bool s = c->kind == COL_S;
	switch (c->size) {
	case 1: if (s) { GATHER(int8_t, int64_t) } else { GATHER(uint8_t, uint64_t) } break;
	case 2: if (s) { GATHER(int16_t, int64_t) } else { GATHER(uint16_t, uint64_t) } break;
	case 4: if (s) { GATHER(int32_t, int64_t) } else { GATHER(uint32_t, uint64_t) } break;
	default: GATHER(uint64_t, uint64_t) break;
	}
#undef GATHER
}

static unsigned ctz64(uint64_t v) { return v ? (unsigned)__builtin_ctzll(v) : 0; }

/* Try a dictionary of at most 255 values; returns its size in entries or 0. */
static unsigned build_dict(const uint64_t *m, size_t n, uint64_t dict[255], uint8_t *idx_out)
{
	uint64_t keys[512];
	uint8_t slot_idx[512];
	uint8_t used[512] = {0};
	unsigned nd = 0;
	uint64_t last = 0;
	uint8_t last_idx = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = m[i];
		if (i > 0 && v == last) {
			if (idx_out)
				idx_out[i] = last_idx;
			continue;
		}
		unsigned h = (unsigned)(hash64(v) & 511);
		while (used[h] && keys[h] != v)
			h = (h + 1) & 511;
		if (!used[h]) {
			if (nd == 255)
				return 0;
			used[h] = 1;
			keys[h] = v;
			slot_idx[h] = (uint8_t)nd;
			dict[nd++] = v;
		}
		last = v;
		last_idx = slot_idx[h];
		if (idx_out)
			idx_out[i] = last_idx;
	}
	return nd;
}

static int emit_column(struct buf *b, uint8_t enc, const uint8_t *body_hdr, size_t hdr_len,
		       size_t body_len)
{
	/* enc byte, varint body length, header bytes; caller appends the rest. */
	int rc = buf_reserve(b, 1 + 10 + body_len);
	if (rc)
		return rc;
	b->p[b->len++] = enc;
	b->len = (size_t)(varint_put(b->p + b->len, body_len) - b->p);
	if (hdr_len)
		memcpy(b->p + b->len, body_hdr, hdr_len);
	b->len += hdr_len;
	return 0;
}

static int encode_string_col(const struct col_desc *c, const uint8_t *recs, size_t stride,
			     size_t n, struct buf *b)
{
	size_t body = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s;
		memcpy(&s, recs + i * stride + c->offset, sizeof s);
		size_t l = s ? strlen(s) : 0;
		if (l >= IOT_MAX_STRING)
			return IOT_E_TOOBIG;
		body += vsize(s ? l + 1 : 0) + l;
	}
	int rc = emit_column(b, ENC_STRING, NULL, 0, body);
	if (rc)
		return rc;
	uint8_t *p = b->p + b->len;
	for (size_t i = 0; i < n; i++) {
		const char *s;
		memcpy(&s, recs + i * stride + c->offset, sizeof s);
		size_t l = s ? strlen(s) : 0;
		p = varint_put(p, s ? l + 1 : 0);
		memcpy(p, s ? s : "", l);
		p += l;
	}
	b->len = (size_t)(p - b->p);
	return 0;
}

static int encode_num_col(struct encoder *e, const struct col_desc *c, const struct col_desc *pc,
			  bool next_needs_vals, const uint8_t *recs, size_t stride, size_t n,
			  const uint8_t *cdiff, struct buf *b)
{
	uint64_t *v = e->vals;
	uint8_t hdr[16];
	if (cdiff ? diff_is_zero(cdiff, c) : field_is_const(recs + c->offset, stride, n, c->size)) {
		v[0] = field_load(recs, c);
		size_t hl = (size_t)(varint_put(hdr, map_val(c, v[0])) - hdr);
		/* the next column's DELTA_END needs this one's values */
		for (size_t i = 1; next_needs_vals && i < n; i++)
			v[i] = v[0];
		return emit_column(b, ENC_CONST, hdr, hl, hl);
	}
	gather(v, recs + c->offset, stride, n, c);
	/* one pass: common trailing zeros of values and deltas, constancy */
	uint64_t or_m = map_val(c, v[0]), or_d = 0, diff = 0;
	if (c->kind == COL_S)
		for (size_t i = 1; i < n; i++) {
			or_m |= zigzag((int64_t)v[i]);
			or_d |= v[i] - v[i - 1];
			diff |= v[i] ^ v[0];
		}
	else
		for (size_t i = 1; i < n; i++) {
			or_m |= v[i];
			or_d |= v[i] - v[i - 1];
			diff |= v[i] ^ v[0];
		}
	bool same = diff == 0;
	if (same) {
		size_t hl = (size_t)(varint_put(hdr, map_val(c, v[0])) - hdr);
		return emit_column(b, ENC_CONST, hdr, hl, hl);
	}
	unsigned sm = ctz64(or_m), sd = ctz64(or_d);
	bool try_end = c->hint == HINT_TIME && pc && pc->kind == COL_U;
	/* Pick the encoding from a sample: chunks are homogeneous, and the
	 * exact size of the chosen encoding comes out of writing it. */
	size_t ns = n < SAMPLE ? n : SAMPLE;
	size_t sz_var = 0, sz_delta = 0, sz_end = 0;
	for (size_t i = 1; i < ns; i++) {
		sz_var += vsize(map_val(c, v[i]) >> sm);
		sz_delta += vsize(zigzag((int64_t)(v[i] - v[i - 1]) >> sd));
		if (try_end)
			sz_end += vsize(zigzag((int64_t)(v[i] - v[i - 1] - e->prev[i - 1])));
	}
	uint8_t enc = ENC_VARINT;
	size_t best = sz_var;
	if (sz_delta < best) best = sz_delta, enc = ENC_DELTA;
	/* on a tie the end-predicted deltas are smaller numbers: zstd likes them better */
	if (try_end && sz_end <= best) best = sz_end, enc = ENC_DELTA_END;
	/* a dictionary costs one byte per record: not worth building (a
	 * pass over the chunk) when the sample already fits in that */
	uint64_t dict[255];
	unsigned nd = 0;
	if (c->hint == HINT_KEY && best > ns && (nd = build_dict(v, n, dict, NULL)))
		enc = ENC_DICT;

	/* enc, a gap for the body length, then the body */
	int rc = buf_reserve(b, 1 + 10 + 1 + 10 + n * 10 + (size_t)nd * 10);
	if (rc)
		return rc;
	b->p[b->len++] = enc;
	uint8_t *body = b->p + b->len + 10, *p = body;
	switch (enc) {
	case ENC_VARINT:
		*p++ = (uint8_t)sm;
		for (size_t i = 0; i < n; i++)
			p = varint_put(p, map_val(c, v[i]) >> sm);
		break;
	case ENC_DELTA:
		*p++ = (uint8_t)sd;
		p = varint_put(p, v[0]);
		for (size_t i = 1; i < n; i++)
			p = varint_put(p, zigzag((int64_t)(v[i] - v[i - 1]) >> sd));
		break;
	case ENC_DELTA_END:
		p = varint_put(p, v[0]);
		for (size_t i = 1; i < n; i++)
			p = varint_put(p, zigzag((int64_t)(v[i] - v[i - 1] - e->prev[i - 1])));
		break;
	default: /* ENC_DICT */
		p = varint_put(p, nd);
		for (unsigned k = 0; k < nd; k++)
			p = varint_put(p, map_val(c, dict[k]));
		build_dict(v, n, dict, p);
		p += n;
		break;
	}
	size_t body_len = (size_t)(p - body);
	uint8_t *lenp = b->p + b->len;
	uint8_t *after_len = varint_put(lenp, body_len);
	memmove(after_len, body, body_len);
	p = after_len + body_len;
	b->len = (size_t)(p - b->p);
	return 0;
}

int codec_encode_with(struct encoder *e, const struct stream_schema *s, const void *recs,
		      size_t n, struct buf *b)
{
	if (n == 0)
		return 0;
	int rc = encoder_fit(e, n);
	if (rc)
		return rc;
	uint8_t diffbuf[DIFF_WORDS * 8];
	const uint8_t *diff = diff_bytes(recs, s->rec_size, n, diffbuf) ? diffbuf : NULL;
	const struct col_desc *prev = NULL;
	for (unsigned ci = 0; ci < s->ncols; ci++) {
		const struct col_desc *c = &s->cols[ci];
		if (c->kind == COL_STR) {
			rc = encode_string_col(c, recs, s->rec_size, n, b);
			prev = NULL;
		} else {
			bool next_time = ci + 1 < s->ncols && s->cols[ci + 1].hint == HINT_TIME;
			rc = encode_num_col(e, c, prev, next_time, recs, s->rec_size, n, diff, b);
			/* keep this column's values for the next one's DELTA_END */
			uint64_t *t = e->prev;
			e->prev = e->vals;
			e->vals = t;
			prev = c;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- decoder ---- */

static int decode_string_col(const struct col_desc *c, const uint8_t *p, const uint8_t *end,
			     size_t n, uint8_t *dst, size_t stride, struct arena *strings)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t l1;
		if (!varint_get(&p, end, &l1))
			return IOT_E_CORRUPT;
		const char *s = NULL;
		if (l1) {
			uint64_t l = l1 - 1;
			if (l > (uint64_t)(end - p) || l >= IOT_MAX_STRING)
				return IOT_E_CORRUPT;
			s = arena_strdup(strings, (const char *)p, (size_t)l);
			if (!s)
				return -ENOMEM;
			p += l;
		}
		memcpy(dst + i * stride + c->offset, &s, sizeof s);
	}
	return p == end ? 0 : IOT_E_CORRUPT;
}

static int decode_num_col(const struct col_desc *c, const struct col_desc *pc, uint8_t enc,
			  const uint8_t *p, const uint8_t *end, size_t n, uint8_t *dst,
			  size_t stride)
{
	uint64_t v, acc;
	unsigned shift = 0;
	switch (enc) {
	case ENC_CONST:
		if (!varint_get(&p, end, &v) || p != end)
			return IOT_E_CORRUPT;
		v = unmap_val(c, v);
		for (size_t i = 0; i < n; i++)
			field_store(dst + i * stride, c, v);
		return 0;
	case ENC_VARINT:
		if (p >= end || (shift = *p++) > 63)
			return IOT_E_CORRUPT;
		for (size_t i = 0; i < n; i++) {
			if (!varint_get(&p, end, &v))
				return IOT_E_CORRUPT;
			field_store(dst + i * stride, c, unmap_val(c, v << shift));
		}
		break;
	case ENC_DELTA:
		if (p >= end || (shift = *p++) > 63)
			return IOT_E_CORRUPT;
		/* fallthrough */
	case ENC_DELTA_END:
		if (enc == ENC_DELTA_END && (!pc || pc->kind == COL_STR))
			return IOT_E_CORRUPT;
		if (!varint_get(&p, end, &acc))
			return IOT_E_CORRUPT;
		field_store(dst, c, acc);
		for (size_t i = 1; i < n; i++) {
			if (!varint_get(&p, end, &v))
				return IOT_E_CORRUPT;
			uint64_t d = (uint64_t)unzigzag(v) << shift;
			if (enc == ENC_DELTA_END)
				d += field_load(dst + (i - 1) * stride, pc);
			acc += d;
			field_store(dst + i * stride, c, acc);
		}
		break;
	case ENC_DICT: {
		uint64_t nd, dict[255];
		if (!varint_get(&p, end, &nd) || nd == 0 || nd > 255)
			return IOT_E_CORRUPT;
		for (unsigned k = 0; k < nd; k++) {
			if (!varint_get(&p, end, &v))
				return IOT_E_CORRUPT;
			dict[k] = unmap_val(c, v);
		}
		if ((size_t)(end - p) != n)
			return IOT_E_CORRUPT;
		for (size_t i = 0; i < n; i++) {
			if (p[i] >= nd)
				return IOT_E_CORRUPT;
			field_store(dst + i * stride, c, dict[p[i]]);
		}
		return 0;
	}
	default:
		return IOT_E_CORRUPT;
	}
	return p == end ? 0 : IOT_E_CORRUPT;
}

int codec_decode(const struct stream_schema *s, const uint8_t *payload, size_t len,
		 unsigned ncols, size_t n, void *dst_v, size_t stride, struct arena *strings)
{
	uint8_t *dst = dst_v;
	static const uint8_t none[1];
	const uint8_t *p = payload ? payload : none, *end = p + (payload ? len : 0);
	memset(dst, 0, n * stride);
	const struct col_desc *prev = NULL;
	for (unsigned ci = 0; ci < ncols; ci++) {
		uint64_t blen;
		if (p >= end)
			return IOT_E_CORRUPT;
		uint8_t enc = *p++;
		if (!varint_get(&p, end, &blen) || blen > (uint64_t)(end - p))
			return IOT_E_CORRUPT;
		const uint8_t *body = p, *bend = p + blen;
		p = bend;
		if (ci >= s->ncols)
			continue; /* a column added by a newer minor version */
		const struct col_desc *c = &s->cols[ci];
		int rc;
		if (c->kind == COL_STR) {
			if (enc != ENC_STRING)
				return IOT_E_CORRUPT;
			rc = decode_string_col(c, body, bend, n, dst, stride, strings);
		} else {
			rc = decode_num_col(c, prev, enc, body, bend, n, dst, stride);
		}
		if (rc)
			return rc;
		prev = c;
	}
	return p == end ? 0 : IOT_E_CORRUPT;
}
