/* mkgolden.c - writes the golden traces in tests/data/format/ (run by
 * `make golden`; the files are committed so that a reader change that
 * breaks old files is caught):
 *   valid.iotr           3 I/O chunks of 1000 events, meta host.name=golden
 *   truncated.iotr       valid.iotr cut in the middle of its third I/O chunk
 *   flipped.iotr         valid.iotr with one payload byte of the 2nd I/O chunk flipped
 *   unknown-stream.iotr  valid.iotr plus a chunk of stream type 200 (footer-less)
 *   future-version.iotr  valid.iotr claiming format 9.0 */
#include "format/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static uint8_t *slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	if (!f)
		exit(1);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	uint8_t *b = malloc(*n + 256);
	if (!b || fread(b, 1, *n, f) != *n)
		exit(1);
	fclose(f);
	return b;
}

static void spit(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	unlink(p);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(b, 1, n, f) != n || fclose(f))
		exit(1);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/data/format";
	char p[4096];
	snprintf(p, sizeof p, "%s/valid.iotr", dir);
	unlink(p);
	struct iot_writer_opts o = {.chunk_records = 1000, .flags = IOT_W_NO_AUTO_META};
	iot_writer *w;
	if (iot_writer_open(&w, p, &o))
		return 1;
	iot_writer_set_meta(w, "host.name", "golden");
	iot_writer_set_meta(w, "clock.wall_offset_ns", "1700000000000000000");
	struct iot_file f = {.dev = 2049, .ino = 42, .type = IOT_FT_REG, .path = "/data/golden.dat"};
	uint64_t fid = iot_writer_file(w, &f);
	for (int i = 0; i < 3000; i++) {
		struct iot_io_event e = {.ts_ns = 1000000 + (uint64_t)i * 1000, .dur_ns = 500 + i % 7,
					 .pid = 10 + i % 2, .tid = 10 + i % 2,
					 .op = i % 2 ? IOT_OP_PREAD : IOT_OP_PWRITE,
					 .source = IOT_SRC_EBPF, .ftype = IOT_FT_REG, .fd = 3,
					 .file_id = fid, .offset = (int64_t)i * 4096, .size = 4096,
					 .result = 4096};
		iot_writer_add_io(w, &e);
	}
	if (iot_writer_close(w))
		return 1;
	size_t n;
	uint8_t *b = slurp(p, &n);
	iot_reader *r;
	if (iot_reader_open_mem(&r, b, n, "valid", NULL))
		return 1;
	const struct iot_chunk_info *io[3];
	int k = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r) && k < 3; c++)
		if (iot_reader_chunk(r, c)->stream == IOT_STREAM_IO)
			io[k++] = iot_reader_chunk(r, c);
	uint64_t third = io[2]->offset, second = io[1]->offset;
	uint64_t third_end = third + 64 + io[2]->nagg * 40ULL + io[2]->comp_size;
	uint64_t second_payload = second + 64 + io[1]->nagg * 40ULL + io[1]->comp_size / 2;
	iot_reader_close(r);

	spit(dir, "truncated.iotr", b, (size_t)(third + (third_end - third) / 2));
	uint8_t *c = malloc(n);
	memcpy(c, b, n);
	c[second_payload] ^= 0x01;
	spit(dir, "flipped.iotr", c, n);
	/* unknown stream: a valid chunk of type 200 after the data, no footer */
	size_t body = 16;
	uint8_t unk[64 + 16];
	struct chunk_hdr h = {.stream = 200, .codec = IOT_CODEC_NONE, .nrecords = 1,
			      .raw_size = (uint32_t)body, .comp_size = (uint32_t)body, .ncols = 1};
	memset(unk + 64, 0xAB, body);
	h.payload_crc = iot_crc32(unk + 64, body);
	chunk_hdr_pack(&h, unk);
	memcpy(c, b, third_end);
	memcpy(c + third_end, unk, sizeof unk);
	spit(dir, "unknown-stream.iotr", c, third_end + sizeof unk);
	memcpy(c, b, n);
	put_le16(c + 8, 9);
	put_le32(c + 60, iot_crc32(c, 60));
	spit(dir, "future-version.iotr", c, n);
	free(c);
	free(b);
	return 0;
}
