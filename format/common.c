/* common.c - names, errors, checksums, hash map, chunk headers. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

/* ---- operations ---- */

static const char *const op_names[] = {
#define IOT_X_NAME(e, name, cat) name,
	IOT_OPS(IOT_X_NAME)
#undef IOT_X_NAME
};
static const unsigned char op_cats[] = {
#define IOT_X_CAT(e, name, cat) IOT_CAT_##cat,
	IOT_OPS(IOT_X_CAT)
#undef IOT_X_CAT
};

const char *iot_op_name(unsigned op)
{
	return op < IOT_OP__COUNT ? op_names[op] : "unknown";
}

enum iot_op_category iot_op_category(unsigned op)
{
	return op < IOT_OP__COUNT ? (enum iot_op_category)op_cats[op] : IOT_CAT_OTHER;
}

const char *iot_category_name(enum iot_op_category cat)
{
	static const char *const names[IOT_CAT__COUNT] = {"other", "read", "write",
							   "meta", "sync", "mmap"};
	return (unsigned)cat < IOT_CAT__COUNT ? names[cat] : "other";
}

int iot_op_from_name(const char *name)
{
	for (unsigned i = 0; name && i < IOT_OP__COUNT; i++)
		if (strcmp(op_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *iot_source_name(unsigned src)
{
	switch (src) {
	case IOT_SRC_EBPF: return "ebpf";
	case IOT_SRC_PRELOAD: return "preload";
	case IOT_SRC_IOURING: return "io_uring";
	default: return "unknown";
	}
}

const char *iot_file_type_name(unsigned ft)
{
	static const char *const names[IOT_FT__COUNT] = {
		"unknown", "file", "dir", "fifo", "socket", "char", "block", "symlink", "anon"};
	return ft < IOT_FT__COUNT ? names[ft] : "unknown";
}

int iot_path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return path && strncmp(path, prefix, n) == 0 &&
	       (path[n] == 0 || path[n] == '/' || (n && prefix[n - 1] == '/'));
}

enum iot_file_type iot_file_type_from_mode(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return IOT_FT_REG;
	case S_IFDIR: return IOT_FT_DIR;
	case S_IFIFO: return IOT_FT_FIFO;
	case S_IFSOCK: return IOT_FT_SOCK;
	case S_IFCHR: return IOT_FT_CHR;
	case S_IFBLK: return IOT_FT_BLK;
	case S_IFLNK: return IOT_FT_LNK;
	default: return IOT_FT_UNKNOWN;
	}
}

const char *iot_stream_name(unsigned stream)
{
	static const char *const names[] = {"unknown", "meta", "string", "proc", "file",
					    "io", "disk", "procio", "jobstats", "loss"};
	return stream <= IOT_STREAM__MAX ? names[stream] : "unknown";
}

/* ---- errors ---- */

const char *iot_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case IOT_E_BADMAGIC: return "not an iorec trace (bad magic)";
	case IOT_E_VERSION: return "trace format version is newer than this reader";
	case IOT_E_TRUNCATED: return "file is truncated";
	case IOT_E_CORRUPT: return "corrupt data (checksum mismatch or impossible value)";
	case IOT_E_ZSTD: return "zstd compression error";
	case IOT_E_EMPTY: return "file is empty";
	case IOT_E_STATE: return "operation not valid in this state";
	case IOT_E_TOOBIG: return "value exceeds a format limit";
	case IOT_E_UNKNOWN_STREAM: return "unknown stream type";
	default:
		if (code < 0 && code > -4096)
			return strerror(-code);
		return "unknown error";
	}
}

void iot_set_error(struct iot_error *err, int code, uint64_t offset, const char *fmt, ...)
{
	if (!err)
		return;
	err->code = code;
	err->offset = offset;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

/* ---- checksums and hashing ---- */

uint32_t iot_crc32(const void *buf, size_t len)
{
	return iot_crc32_update((uint32_t)crc32(0L, Z_NULL, 0), buf, len);
}

uint32_t iot_crc32_update(uint32_t crc, const void *buf, size_t len)
{
	uLong c = crc;
	const Bytef *p = buf;
	while (len > 0) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
		c = crc32(c, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)c;
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	/* FNV-1a, finished with a mixer: used for small keys only. */
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return hash64(h);
}

/* ---- u64 map ---- */

static int u64map_grow(struct u64map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct u64map n = {calloc(ncap, sizeof(uint64_t)), calloc(ncap, sizeof(uint64_t)),
			   calloc(ncap, 1), ncap, 0};
	if (!n.keys || !n.vals || !n.used) {
		u64map_free(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->used[i])
			u64map_put(&n, m->keys[i], m->vals[i]);
	u64map_free(m);
	*m = n;
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	if ((m->count + 1) * 4 >= m->cap * 3) {
		int rc = u64map_grow(m);
		if (rc)
			return rc;
	}
	size_t mask = m->cap - 1;
	for (size_t i = hash64(key) & mask;; i = (i + 1) & mask) {
		if (!m->used[i]) {
			m->used[i] = 1;
			m->keys[i] = key;
			m->vals[i] = val;
			m->count++;
			return 0;
		}
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	}
}

bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	if (!m->cap)
		return false;
	size_t mask = m->cap - 1;
	for (size_t i = hash64(key) & mask; m->used[i]; i = (i + 1) & mask)
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return true;
		}
	return false;
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof *m);
}

/* ---- chunk headers ---- */

void chunk_hdr_pack(const struct chunk_hdr *h, uint8_t out[IOT_CHUNK_HEADER_SIZE])
{
	memset(out, 0, IOT_CHUNK_HEADER_SIZE);
	put_le32(out + 0, IOT_CHUNK_MAGIC);
	put_le16(out + 4, (uint16_t)h->stream);
	put_le16(out + 6, (uint16_t)h->codec);
	put_le32(out + 8, h->nrecords);
	put_le32(out + 12, h->nagg);
	put_le64(out + 16, h->first_ts);
	put_le64(out + 24, h->last_ts);
	put_le32(out + 32, h->raw_size);
	put_le32(out + 36, h->comp_size);
	put_le32(out + 40, h->payload_crc);
	put_le32(out + 44, h->ncols);
	put_le32(out + 60, iot_crc32(out, 60));
}

bool chunk_hdr_unpack(const uint8_t in[IOT_CHUNK_HEADER_SIZE], struct chunk_hdr *h)
{
	if (get_le32(in) != IOT_CHUNK_MAGIC || get_le32(in + 60) != iot_crc32(in, 60))
		return false;
	h->stream = get_le16(in + 4);
	h->codec = get_le16(in + 6);
	h->nrecords = get_le32(in + 8);
	h->nagg = get_le32(in + 12);
	h->first_ts = get_le64(in + 16);
	h->last_ts = get_le64(in + 24);
	h->raw_size = get_le32(in + 32);
	h->comp_size = get_le32(in + 36);
	h->payload_crc = get_le32(in + 40);
	h->ncols = get_le32(in + 44);
	return true;
}

void agg_pack(const struct iot_pid_agg *a, uint8_t out[IOT_AGG_ENTRY_SIZE])
{
	put_le32(out + 0, a->pid);
	put_le32(out + 4, a->meta_ops);
	put_le32(out + 8, a->read_ops);
	put_le32(out + 12, a->write_ops);
	put_le64(out + 16, a->read_bytes);
	put_le64(out + 24, a->write_bytes);
	put_le64(out + 32, a->io_time_ns);
}

void agg_unpack(const uint8_t in[IOT_AGG_ENTRY_SIZE], struct iot_pid_agg *a)
{
	a->pid = get_le32(in + 0);
	a->meta_ops = get_le32(in + 4);
	a->read_ops = get_le32(in + 8);
	a->write_ops = get_le32(in + 12);
	a->read_bytes = get_le64(in + 16);
	a->write_bytes = get_le64(in + 24);
	a->io_time_ns = get_le64(in + 32);
}

/* ---- time ---- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t iot_now_mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t iot_now_wall_ns(void) { return clock_ns(CLOCK_REALTIME); }
