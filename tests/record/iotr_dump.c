/* iotr_dump.c - print every record of a trace as one text line, for the
 * record tests' shell scripts (ioanalyze is another area's tool). Uses
 * only the public reader API. Lines:
 *   integrity footer_ok=N dropped=N chunks=N
 *   meta KEY=VALUE
 *   proc pid= ppid= uid= start= exit= status= comm= exe= cmdline= job=
 *   disk ts= dev= major= minor= nfields= c=c0,c1,...
 *   procio ts= pid= rchar= wchar= syscr= syscw= read_bytes= write_bytes= cancelled=
 *   js ts= target= job= counter= unit= samples= min= max= sum= sumsq= flags= snapshot= start=
 *   loss ts= source= count= reason= pid=
 *   io ts= pid= op= result=
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "format/iotrace.h"

static const char *str(const iot_reader *r, uint64_t id)
{
	const char *s = iot_reader_string(r, id);
	return s ? s : "?";
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static void print_record(const iot_reader *r, const struct iot_record *rec)
{
	switch (rec->stream) {
	case IOT_STREAM_DISK: {
		const struct iot_disk_sample *d = &rec->u.disk;
		printf("disk ts=%" PRIu64 " dev=%s major=%u minor=%u nfields=%u c=", d->ts_ns,
		       str(r, d->name_id), d->major, d->minor, d->nfields);
		for (int i = 0; i < IOT_DISK_COUNTERS; i++)
			printf("%s%" PRIu64, i ? "," : "", d->c[i]);
		printf("\n");
		break;
	}
	case IOT_STREAM_PROCIO: {
		const struct iot_procio_sample *p = &rec->u.procio;
		printf("procio ts=%" PRIu64 " pid=%u rchar=%" PRIu64 " wchar=%" PRIu64 " syscr=%" PRIu64
		       " syscw=%" PRIu64 " read_bytes=%" PRIu64 " write_bytes=%" PRIu64
		       " cancelled=%" PRIu64 "\n",
		       p->ts_ns, p->pid, p->rchar, p->wchar, p->syscr, p->syscw, p->read_bytes,
		       p->write_bytes, p->cancelled_write_bytes);
		break;
	}
	case IOT_STREAM_JOBSTATS: {
		const struct iot_jobstat_sample *j = &rec->u.js;
		printf("js ts=%" PRIu64 " target=%s job=%s counter=%s unit=%s samples=%" PRIu64
		       " min=%" PRIu64 " max=%" PRIu64 " sum=%" PRIu64 " sumsq=%" PRIu64
		       " flags=%u snapshot=%" PRIu64 " start=%" PRIu64 "\n",
		       j->ts_ns, str(r, j->target_id), str(r, j->job_id), str(r, j->counter_id),
		       j->unit_id ? str(r, j->unit_id) : "", j->samples, j->min, j->max, j->sum,
		       j->sumsq, j->flags, j->snapshot_ns, j->start_ns);
		break;
	}
	case IOT_STREAM_LOSS: {
		const struct iot_loss *l = &rec->u.loss;
		printf("loss ts=%" PRIu64 " source=%u count=%" PRIu64 " reason=%u pid=%u\n", l->ts_ns,
		       l->source, l->count, l->reason, l->pid);
		break;
	}
	case IOT_STREAM_IO: {
		const struct iot_io_event *e = &rec->u.io;
		printf("io ts=%" PRIu64 " pid=%u op=%s result=%" PRId64 "\n", e->ts_ns, e->pid,
		       iot_op_name(e->op), e->result);
		break;
	}
	default:
		break;
	}
}

int main(int argc, char **argv)
{
	iot_reader *r;
	iot_cursor *c;
	struct iot_error err = {0};
	struct iot_integrity in;
	const struct iot_record *rec;
	size_t idx;
	int rc;
	if (argc != 2) {
		fprintf(stderr, "usage: iorec-test-dump TRACE\n");
		return 2;
	}
	if ((rc = iot_reader_open(&r, argv[1], &err)) < 0) {
		fprintf(stderr, "%s: offset %" PRIu64 ": %s\n", argv[1], err.offset,
			err.msg[0] ? err.msg : iot_strerror(rc));
		return 1;
	}
	iot_reader_integrity(r, &in);
	printf("integrity footer_ok=%d dropped=%" PRIu64 " chunks=%" PRIu64 "\n", in.footer_ok,
	       in.dropped_bytes, in.nchunks);
	for (size_t i = 0; i < iot_reader_meta_count(r); i++) {
		const struct iot_meta *m = iot_reader_meta_at(r, i);
		printf("meta %s=%s\n", m->key, m->value);
	}
	for (size_t i = 0; i < iot_reader_proc_count(r); i++) {
		const struct iot_proc *p = iot_reader_proc_at(r, i);
		printf("proc pid=%u ppid=%u uid=%u start=%" PRIu64 " exit=%" PRIu64
		       " status=%d comm=%s exe=%s job=%s cmdline=%s\n",
		       p->pid, p->ppid, p->uid, p->start_ns, p->exit_ns, p->exit_status, nz(p->comm),
		       nz(p->exe), nz(p->job_id), nz(p->cmdline));
	}
	if ((rc = iot_cursor_open(&c, &r, 1, IOT_STREAM_ALL)) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], iot_strerror(rc));
		iot_reader_close(r);
		return 1;
	}
	while ((rc = iot_cursor_next(c, &rec, &idx)) > 0)
		print_record(r, rec);
	iot_cursor_close(c);
	iot_reader_close(r);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], iot_strerror(rc));
		return 1;
	}
	return 0;
}
