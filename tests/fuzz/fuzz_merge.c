// FUZZ-SOURCES: format/common.c format/codec.c format/schema.c format/reader.c format/writer.c
/* fuzz_merge.c - libFuzzer target for merging a shard (iorec's preload
 * merge: iot_writer_append_trace), which copies checked chunks and
 * compresses the stored ones. Any bytes as the shard; what the merge
 * accepts must come out as a clean trace (footer, no bad checksum) whose
 * chunks decode to as many records as the shard's do. A violation
 * aborts: a finding, like a crash. */
#include "format/iotrace.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char shard[64], out[64];

static void cleanup(void)
{
	unlink(shard);
	unlink(out);
}

static void paths(void)
{
	if (shard[0])
		return;
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(shard, sizeof shard, "%s/fuzz-merge-%d.in", dir, (int)getpid());
	snprintf(out, sizeof out, "%s/fuzz-merge-%d.iotr", dir, (int)getpid());
	atexit(cleanup); /* no file left behind by a replay */
}

/* Records of every chunk of r that decodes. */
static uint64_t decoded_records(iot_reader *r)
{
	uint64_t n = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_record *recs;
		size_t k;
		if (iot_reader_decode_chunk(r, c, &recs, &k) == 0)
			n += k;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	paths();
	int fd = open(shard, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	ssize_t w = size ? write(fd, data, size) : 0;
	close(fd);
	if (w != (ssize_t)size)
		return 0;
	unlink(out);
	iot_writer *m;
	struct iot_writer_opts o = {.flags = IOT_W_DIRECT | IOT_W_NO_AUTO_META};
	if (iot_writer_open(&m, out, &o) != 0)
		return 0;
	uint64_t dropped;
	uint32_t bad;
	int rc = iot_writer_append_trace(m, shard, &dropped, &bad, NULL);
	if (iot_writer_close(m) != 0 || rc != 0) {
		unlink(out);
		return 0;
	}
	iot_reader *r;
	if (iot_reader_open(&r, out, NULL) != 0)
		abort(); /* the merge wrote something unreadable */
	uint64_t merged = decoded_records(r);
	struct iot_integrity in;
	iot_reader_integrity(r, &in); /* after decoding: every checksum checked */
	if (!in.footer_ok || in.corrupt_chunks || in.dropped_bytes)
		abort(); /* the merge wrote a damaged file */
	iot_reader_close(r);
	iot_reader *s;
	if (iot_reader_open(&s, shard, NULL) == 0) {
		uint64_t kept = decoded_records(s);
		iot_reader_close(s);
		if (kept != merged)
			abort(); /* records lost or invented on the way */
	} else if (merged) {
		abort();
	}
	unlink(out);
	return 0;
}
