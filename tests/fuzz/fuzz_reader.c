// FUZZ-SOURCES: format/common.c format/codec.c format/schema.c format/reader.c format/writer.c
/* fuzz_reader.c - libFuzzer target for the trace reader: open any bytes,
 * decode every chunk, walk the cursor and the tables. Must never crash,
 * hang or leak; errors are fine. */
#include "format/iotrace.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	iot_reader *r = NULL;
	struct iot_error err;
	if (iot_reader_open_mem(&r, data, size, "fuzz", &err) != 0)
		return 0;
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	size_t sink = 0;
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_record *recs;
		size_t n;
		if (iot_reader_decode_chunk(r, c, &recs, &n) == 0)
			for (size_t k = 0; k < n; k++)
				sink += recs[k].stream;
		const struct iot_io_event *ev;
		if (iot_reader_decode_io(r, c, &ev, &n) == 0 && n)
			sink += ev[n - 1].pid;
	}
	iot_cursor *cur;
	if (iot_cursor_open(&cur, &r, 1, IOT_STREAM_ALL) == 0) {
		const struct iot_record *rec;
		while (iot_cursor_next(cur, &rec, NULL) == 1)
			sink += rec->ts_ns & 1;
		iot_cursor_close(cur);
	}
	for (size_t i = 0; i < iot_reader_proc_count(r); i++) {
		const struct iot_proc *p = iot_reader_proc_at(r, i);
		sink += p->comm ? strlen(p->comm) : 0;
		sink += iot_reader_proc(r, p->pid, p->start_ns) != NULL;
		sink += iot_reader_proc_life(r, p->pid, p->start_ns);
	}
	for (size_t i = 0; i < iot_reader_file_count(r); i++)
		sink += strlen(iot_reader_file_at(r, i)->path);
	for (size_t i = 0; i < iot_reader_meta_count(r); i++)
		sink += strlen(iot_reader_meta_at(r, i)->value);
	uint64_t a, b;
	iot_reader_span(r, &a, &b);
	(void)sink;
	iot_reader_close(r);
	return 0;
}
