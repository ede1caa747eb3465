/* iotr_events.c - prints a trace for the eBPF tests, one line per record:
 *   IO <op> <pid> <tid> <fd> <offset> <size> <result> <source> <ftype> <eflags> <flags> <dur_ns> <path>
 *   LOSS <source> <cpu> <count> <reason>
 *   PROC <pid> <comm>
 *   META <key> <value>
 * fields separated by tabs; path "-" when the event has no file. */
#include <stdio.h>

#include "format/iotrace.h"

int main(int argc, char **argv)
{
	struct iot_error err = { 0 };
	iot_reader *r = NULL;
	iot_cursor *c = NULL;
	const struct iot_record *rec;
	size_t ri;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: iotr_events TRACE\n");
		return 2;
	}
	rc = iot_reader_open(&r, argv[1], &err);
	if (rc) {
		fprintf(stderr, "iotr_events: %s: offset %llu: %s\n", argv[1],
			(unsigned long long)err.offset, err.msg[0] ? err.msg : iot_strerror(rc));
		return 1;
	}
	for (size_t i = 0; i < iot_reader_meta_count(r); i++)
		printf("META\t%s\t%s\n", iot_reader_meta_at(r, i)->key, iot_reader_meta_at(r, i)->value);
	for (size_t i = 0; i < iot_reader_proc_count(r); i++) {
		const struct iot_proc *p = iot_reader_proc_at(r, i);

		printf("PROC\t%u\t%s\n", p->pid, p->comm ? p->comm : "-");
	}
	rc = iot_cursor_open(&c, &r, 1, IOT_STREAM_MASK(IOT_STREAM_IO) | IOT_STREAM_MASK(IOT_STREAM_LOSS));
	while (rc == 0 && (rc = iot_cursor_next(c, &rec, &ri)) == 1) {
		if (rec->stream == IOT_STREAM_IO) {
			const struct iot_io_event *e = &rec->u.io;
			const struct iot_file *f = e->file_id ? iot_reader_file(r, e->file_id) : NULL;

			printf("IO\t%s\t%u\t%u\t%d\t%lld\t%llu\t%lld\t%s\t%s\t%u\t%u\t%llu\t%s\n",
			       iot_op_name(e->op), e->pid, e->tid, e->fd, (long long)e->offset,
			       (unsigned long long)e->size, (long long)e->result,
			       iot_source_name(e->source), iot_file_type_name(e->ftype), e->eflags,
			       e->flags, (unsigned long long)e->dur_ns,
			       f && f->path ? f->path : "-");
		} else {
			printf("LOSS\t%u\t%u\t%llu\t%u\n", rec->u.loss.source, rec->u.loss.cpu,
			       (unsigned long long)rec->u.loss.count, rec->u.loss.reason);
		}
		rc = 0;
	}
	iot_cursor_close(c);
	iot_reader_close(r);
	if (rc < 0) {
		fprintf(stderr, "iotr_events: %s: %s\n", argv[1], iot_strerror(rc));
		return 1;
	}
	return 0;
}
