/* internal.h - shared by the format/ modules; not installed.
 * On-disk constants here must match format/FORMAT.md. */
#ifndef IOT_INTERNAL_H
#define IOT_INTERNAL_H

#include "iotrace.h"

#include <stdbool.h>
#include <string.h>

/* ---- on-disk layout (all integers little-endian) ---- */

#define IOT_FILE_MAGIC "IOTRACE\0"
#define IOT_FILE_HEADER_SIZE 64
#define IOT_ENDIAN_TAG 0x0A0B0C0Du

#define IOT_CHUNK_MAGIC 0x43544f49u   /* "IOTC" */
#define IOT_CHUNK_HEADER_SIZE 64
#define IOT_AGG_ENTRY_SIZE 40
#define IOT_CODEC_NONE 0
#define IOT_CODEC_ZSTD 1

#define IOT_FOOTER_MAGIC 0x58544f49u  /* "IOTX" */
#define IOT_TRAILER_MAGIC 0x46544f49u /* "IOTF" */
#define IOT_TRAILER_SIZE 32
#define IOT_INDEX_ENTRY_SIZE 48

/* Limits a reader enforces so that corrupt sizes never cause huge
 * allocations. */
#define IOT_MAX_CHUNK_RAW (256u << 20)
#define IOT_MAX_CHUNK_RECORDS (4u << 20)
#define IOT_MAX_STRING (1u << 20)

/* Column encodings (payload byte 0 of each column). */
enum col_enc {
	ENC_CONST = 0,  /* one varint: every record has this value */
	ENC_VARINT = 1, /* u8 shift, then one varint per record of v >> shift */
	ENC_DELTA = 2,  /* u8 shift, varint first, then zigzag(v[i]-v[i-1]) >> shift */
	ENC_DICT = 3,   /* varint n (2..255), n varints, one u8 index per record */
	ENC_STRING = 4, /* per record: varint len+1 (0 = NULL), bytes */
	ENC_DELTA_END = 5, /* ts only: zigzag(v[i] - (v[i-1] + dur[i-1])), dur = next column */
};

static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}
static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static inline size_t varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}
static inline uint8_t *varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}
/* Read a varint from [*pp, end). Returns false on overrun or > 10 bytes. */
static inline bool varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	if (p < end && *p < 0x80) {
		*out = *p;
		*pp = p + 1;
		return true;
	}
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return false;
		uint8_t b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			*pp = p;
			return true;
		}
	}
	return false;
}

uint32_t iot_crc32(const void *buf, size_t len);
uint32_t iot_crc32_update(uint32_t crc, const void *buf, size_t len);

/* ---- stream schemas ---- */

enum col_kind { COL_U = 0, COL_S = 1, COL_STR = 2 };
enum col_hint { HINT_KEY = 0, HINT_NUM = 1, HINT_SEQ = 2, HINT_TIME = 3 };

struct col_desc {
	uint16_t offset;  /* offsetof in the public struct */
	uint8_t size;     /* 1, 2, 4, 8 (or sizeof(char *) for strings) */
	uint8_t kind;     /* enum col_kind */
	uint8_t hint;     /* enum col_hint */
};

struct stream_schema {
	unsigned stream;
	const char *name;
	size_t rec_size;        /* sizeof the public struct */
	size_t ts_offset;       /* offset of the timestamp, SIZE_MAX if none */
	unsigned ncols;
	const struct col_desc *cols;
	unsigned max_records;   /* default chunk bound */
	bool table;             /* definitions that data streams refer to */
};

const struct stream_schema *iot_schema(unsigned stream);

/* ---- column codec (codec.c) ---- */

/* A growable byte buffer. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};
int buf_reserve(struct buf *b, size_t extra);
void buf_free(struct buf *b);

/* Encode n records (array of public structs, stride rec_size), appending
 * the column sequence of a chunk payload to b (codec_encode_with below). */

/* A string arena: stable pointers for decoded strings. */
struct arena {
	struct arena_block *head;
	size_t used_total;
};
char *arena_strdup(struct arena *a, const char *s, size_t len);
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

/* Decode a payload into n records at dst (stride bytes apart; each record
 * zeroed first). Strings go into arena. ncols from the chunk header.
 * Returns 0 or IOT_E_CORRUPT. */
int codec_decode(const struct stream_schema *s, const uint8_t *payload, size_t len,
		 unsigned ncols, size_t n, void *dst, size_t stride, struct arena *strings);

/* Scratch memory an encoder keeps between chunks. */
struct encoder {
	uint64_t *vals, *prev; /* one column's values, the previous column's */
	size_t cap;
};
int codec_encode_with(struct encoder *e, const struct stream_schema *s, const void *recs,
		      size_t n, struct buf *b);
void encoder_free(struct encoder *e);

/* ---- u64 -> u64 hash map (open addressing) ---- */
struct u64map {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used;
	size_t cap, count;
};
int u64map_put(struct u64map *m, uint64_t key, uint64_t val);
bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val);
void u64map_free(struct u64map *m);

static inline uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);

/* ---- chunk header (chunk.c) ---- */
struct chunk_hdr {
	uint32_t stream;
	uint32_t codec;
	uint32_t nrecords;
	uint32_t nagg;
	uint64_t first_ts, last_ts;
	uint32_t raw_size, comp_size;
	uint32_t payload_crc;
	uint32_t ncols;
};
void chunk_hdr_pack(const struct chunk_hdr *h, uint8_t out[IOT_CHUNK_HEADER_SIZE]);
/* Validate magic and header checksum; false if this is not a chunk header. */
bool chunk_hdr_unpack(const uint8_t in[IOT_CHUNK_HEADER_SIZE], struct chunk_hdr *h);
void agg_pack(const struct iot_pid_agg *a, uint8_t out[IOT_AGG_ENTRY_SIZE]);
void agg_unpack(const uint8_t in[IOT_AGG_ENTRY_SIZE], struct iot_pid_agg *a);

static inline bool stream_is_data(unsigned s)
{
	return s == IOT_STREAM_IO || s == IOT_STREAM_DISK || s == IOT_STREAM_PROCIO ||
	       s == IOT_STREAM_JOBSTATS || s == IOT_STREAM_LOSS;
}
static inline bool stream_known(unsigned s) { return s >= 1 && s <= IOT_STREAM__MAX; }

/* ---- what the writer needs of a reader (reader.c) ---- */
struct raw_chunk {
	uint64_t offset;     /* of the chunk header */
	struct chunk_hdr h;
	uint64_t agg_index;  /* first of h.nagg entries in the reader's agg array */
	uint8_t bad;         /* payload checksum failed */
	uint8_t hdr_ok;      /* the header on disk was read and agrees */
};
size_t reader_raw_count(const iot_reader *r);
const struct raw_chunk *reader_raw_at(const iot_reader *r, size_t i);
const uint8_t *reader_bytes(const iot_reader *r);
/* Check chunk i's payload checksum (adds a warning when it fails). */
bool reader_check_payload(iot_reader *r, size_t i);
static inline uint64_t chunk_total_size(const struct chunk_hdr *h)
{
	return IOT_CHUNK_HEADER_SIZE + (uint64_t)h->nagg * IOT_AGG_ENTRY_SIZE + h->comp_size;
}

void iot_set_error(struct iot_error *err, int code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
