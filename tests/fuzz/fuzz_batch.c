// FUZZ-SOURCES: format/common.c format/codec.c format/schema.c format/reader.c format/writer.c record/preload/preload_spool.c
/* fuzz_batch.c - libFuzzer target for iorec's reading of the preload
 * spool's batch file (preload_merge_spool: the frames of short
 * processes), which a killed writer may leave torn. Any bytes as the
 * batch file, merged as while recording and then at the end: the output
 * must be a clean trace, the whole file must be accounted for, and the
 * file must be gone. A violation aborts: a finding, like a crash. The
 * same bytes are also parsed as the spool's merge journal. */
#include "format/iotrace.h"
#include "record/preload/preload_rt.h"
#include "record/preload/preload_spool.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], batch[96], out[96], journal[96];

static void cleanup(void)
{
	unlink(batch);
	unlink(journal);
	unlink(out);
	rmdir(dir);
}

static void paths(void)
{
	if (dir[0])
		return;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof dir, "%s/fuzz-batch-%d", base, (int)getpid());
	snprintf(batch, sizeof batch, "%s/%s", dir, PRELOAD_BATCH_NAME);
	snprintf(out, sizeof out, "%s.iotr", dir);
	snprintf(journal, sizeof journal, "%s/%s", dir, PRELOAD_JOURNAL_NAME);
	mkdir(dir, 0700);
	atexit(cleanup); /* no file left behind by a replay */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	paths();
	struct preload_journal j;
	if (preload_journal_parse((const char *)data, size, &j) == 0) {
		if (j.batch_from > j.batch_to)
			abort();
		for (size_t i = 0; i < j.nshards; i++)
			if (!j.shards[i][0] || strchr(j.shards[i], '/') || j.shards[i][0] == '.')
				abort(); /* a name that leaves the spool */
		preload_journal_free(&j);
	}
	unlink(journal); /* a journal of an earlier input would be resumed */
	int fd = open(batch, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	/* the first half while the recording runs, the rest before the end */
	size_t half = size / 2;
	ssize_t w = half ? write(fd, data, half) : 0;
	unlink(out);
	iot_writer *m;
	struct iot_writer_opts o = {.flags = IOT_W_DIRECT | IOT_W_NO_AUTO_META};
	if (w != (ssize_t)half || iot_writer_open(&m, out, &o) != 0) {
		close(fd);
		return 0;
	}
	struct preload_merge_stats st;
	memset(&st, 0, sizeof st);
	int rc = preload_merge_spool(m, dir, 0, &st, NULL, NULL);
	if (rc >= 0 && st.batch_read > half)
		abort(); /* read past the end */
	w = size > half ? write(fd, data + half, size - half) : 0;
	close(fd);
	if (rc >= 0 && w == (ssize_t)(size - half))
		rc = preload_merge_spool(m, dir, 1, &st, NULL, NULL);
	if (iot_writer_close(m) != 0 || rc < 0) {
		unlink(out);
		unlink(batch);
		unlink(journal);
		return 0;
	}
	if (access(journal, F_OK) == 0)
		abort(); /* the final merge left its journal */
	if (st.batch_read != size || access(batch, F_OK) == 0)
		abort(); /* bytes left unaccounted for, or the file left behind */
	iot_reader *r;
	if (iot_reader_open(&r, out, NULL) != 0)
		abort(); /* the merge wrote something unreadable */
	for (size_t c = 0; c < iot_reader_chunk_count(r); c++) {
		const struct iot_record *recs;
		size_t k;
		iot_reader_decode_chunk(r, c, &recs, &k);
	}
	struct iot_integrity in;
	iot_reader_integrity(r, &in);
	if (!in.footer_ok || in.corrupt_chunks || in.dropped_bytes)
		abort(); /* the merge wrote a damaged file */
	iot_reader_close(r);
	unlink(out);
	return 0;
}
