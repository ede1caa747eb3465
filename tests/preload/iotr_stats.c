/* iotr_stats - test helper: read traces back with libiotrace and print
 * plain lines that shell tests check with awk.
 *
 *   iotr_stats [--dump] [--merge OUT.iotr SPOOL | TRACE...]
 *
 * --merge first merges every shard of SPOOL into OUT.iotr (the preload
 * source's merge code) and then reads OUT.iotr. Output:
 *   events N
 *   loss N
 *   procs N
 *   op NAME count N bytes B errors E      (bytes: sum of positive results)
 *   pid PID comm COMM events N read_bytes R write_bytes W
 *   tid PID TID events N read_bytes R write_bytes W
 *   file PATH
 *   integrity NAME footer F dropped D corrupt C
 * --dump adds one line per I/O event:
 *   ev TS PID TID OP FD OFFSET SIZE RESULT EFLAGS PATH
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/iotrace.h"
#include "record/preload/preload_spool.h"

#define MAXK 4096

struct key_stat {
	uint32_t pid, tid;
	uint64_t events, rbytes, wbytes;
};

static struct key_stat pids[MAXK], tids[MAXK];
static size_t npids, ntids;
static uint64_t op_count[IOT_OP__COUNT], op_bytes[IOT_OP__COUNT], op_err[IOT_OP__COUNT];

static struct key_stat *find(struct key_stat *t, size_t *n, uint32_t pid, uint32_t tid)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].pid == pid && t[i].tid == tid)
			return &t[i];
	if (*n == MAXK)
		return NULL;
	t[*n] = (struct key_stat){ .pid = pid, .tid = tid };
	return &t[(*n)++];
}

static void count(const struct iot_io_event *e)
{
	unsigned op = e->op < IOT_OP__COUNT ? e->op : 0;
	enum iot_op_category cat = iot_op_category(op);
	uint64_t b = e->result > 0 && (cat == IOT_CAT_READ || cat == IOT_CAT_WRITE) ? (uint64_t)e->result : 0;
	struct key_stat *k[2] = { find(pids, &npids, e->pid, 0), find(tids, &ntids, e->pid, e->tid) };

	op_count[op]++;
	op_bytes[op] += b;
	op_err[op] += e->result < 0;
	for (int i = 0; i < 2; i++) {
		if (!k[i])
			continue;
		k[i]->events++;
		if (cat == IOT_CAT_READ)
			k[i]->rbytes += b;
		else if (cat == IOT_CAT_WRITE)
			k[i]->wbytes += b;
	}
}

static int read_trace(const char *path, int dump, uint64_t *events, uint64_t *loss)
{
	iot_reader *r;
	struct iot_error err = { 0 };
	struct iot_integrity in;
	int rc = iot_reader_open(&r, path, &err);

	if (rc < 0) {
		fprintf(stderr, "iotr_stats: %s: %s (offset %" PRIu64 ")\n", path,
			err.msg[0] ? err.msg : iot_strerror(rc), err.offset);
		return 1;
	}
	iot_reader_integrity(r, &in);
	printf("integrity %s footer %d dropped %" PRIu64 " corrupt %u\n", path, in.footer_ok,
	       in.dropped_bytes, in.corrupt_chunks);
	for (size_t i = 0; i < iot_reader_chunk_count(r); i++) {
		const struct iot_chunk_info *ci = iot_reader_chunk(r, i);
		const struct iot_record *recs;
		size_t n;
		if (ci->stream == IOT_STREAM_LOSS) {
			if (iot_reader_decode_chunk(r, i, &recs, &n) == 0)
				for (size_t j = 0; j < n; j++)
					*loss += recs[j].u.loss.count;
			continue;
		}
		if (ci->stream != IOT_STREAM_IO)
			continue;
		const struct iot_io_event *ev;
		if (iot_reader_decode_io(r, i, &ev, &n) < 0)
			continue;
		for (size_t j = 0; j < n; j++) {
			count(&ev[j]);
			(*events)++;
			if (dump) {
				const struct iot_file *f = ev[j].file_id ? iot_reader_file(r, ev[j].file_id) : NULL;
				printf("ev %" PRIu64 " %u %u %s %d %" PRId64 " %" PRIu64 " %" PRId64 " %u %s\n",
				       ev[j].ts_ns, ev[j].pid, ev[j].tid, iot_op_name(ev[j].op), ev[j].fd,
				       ev[j].offset, ev[j].size, ev[j].result, ev[j].eflags,
				       f && f->path ? f->path : "-");
			}
		}
	}
	for (size_t i = 0; i < iot_reader_file_count(r); i++)
		printf("file %s\n", iot_reader_file_at(r, i)->path ? iot_reader_file_at(r, i)->path : "-");
	printf("procs %zu\n", iot_reader_proc_count(r));
	for (size_t i = 0; i < npids; i++) {
		const struct iot_proc *p = iot_reader_proc(r, pids[i].pid, 0);
		printf("pid %u comm %s events %" PRIu64 " read_bytes %" PRIu64 " write_bytes %" PRIu64 "\n",
		       pids[i].pid, p && p->comm ? p->comm : "?", pids[i].events, pids[i].rbytes,
		       pids[i].wbytes);
	}
	iot_reader_close(r);
	return 0;
}

int main(int argc, char **argv)
{
	int dump = 0, bad = 0, i = 1;
	uint64_t events = 0, loss = 0;

	if (i < argc && strcmp(argv[i], "--dump") == 0)
		dump = 1, i++;
	if (argc - i == 3 && strcmp(argv[i], "--merge") == 0) {
		iot_writer *w;
		struct preload_merge_stats st = { 0 };
		int rc = iot_writer_open(&w, argv[i + 1], NULL);
		if (rc < 0) {
			fprintf(stderr, "iotr_stats: %s: %s\n", argv[i + 1], iot_strerror(rc));
			return 1;
		}
		rc = preload_merge_spool(w, argv[i + 2], 1, &st, NULL, NULL);
		int crc = iot_writer_close(w);
		printf("merged %u unclosed %u failed %u\n", st.shards, st.unclosed, st.failed);
		if (rc < 0 || crc < 0) {
			fprintf(stderr, "iotr_stats: merge %s: %s %s\n", argv[i + 2],
				iot_strerror(rc < 0 ? rc : crc), st.first_error);
			return 1;
		}
		argv[i + 2] = argv[i + 1];
		i += 2;
	}
	for (; i < argc; i++)
		bad |= read_trace(argv[i], dump, &events, &loss);
	printf("events %" PRIu64 "\nloss %" PRIu64 "\n", events, loss);
	for (unsigned op = 0; op < IOT_OP__COUNT; op++)
		if (op_count[op])
			printf("op %s count %" PRIu64 " bytes %" PRIu64 " errors %" PRIu64 "\n",
			       iot_op_name(op), op_count[op], op_bytes[op], op_err[op]);
	for (size_t k = 0; k < ntids; k++)
		printf("tid %u %u events %" PRIu64 " read_bytes %" PRIu64 " write_bytes %" PRIu64 "\n",
		       tids[k].pid, tids[k].tid, tids[k].events, tids[k].rbytes, tids[k].wbytes);
	return bad;
}
