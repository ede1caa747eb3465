/* iofs.c - the iofs per-request CSV. */
#include "analyze/iofs.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

enum iofs_op iofs_op_of(unsigned op)
{
	switch (op) {
	case IOT_OP_OPEN:
	case IOT_OP_OPENAT:
	case IOT_OP_OPENAT2:
	case IOT_OP_CREAT:
	case IOT_OP_FOPEN:
	case IOT_OP_MKSTEMP:
		return IOFS_OPEN;
	case IOT_OP_STAT:
	case IOT_OP_LSTAT:
	case IOT_OP_FSTAT:
	case IOT_OP_FSTATAT:
	case IOT_OP_STATX:
		return IOFS_GETATTR;
	default:
		break;
	}
	switch (iot_op_category(op)) {
	case IOT_CAT_READ:
		return IOFS_READ;
	case IOT_CAT_WRITE:
		return IOFS_WRITE;
	default:
		return IOFS_NONE;
	}
}

const char *iofs_op_name(enum iofs_op t)
{
	static const char *const names[] = {"", "read", "write", "open", "getattr"};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "";
}

int iofs_row_from_event(struct iofs_row *row, const struct iot_io_event *ev,
			uint64_t wall_ns, const char *path)
{
	enum iofs_op t = iofs_op_of(ev->op);
	if (t == IOFS_NONE || ev->result < 0)
		return -1;
	if ((t == IOFS_READ || t == IOFS_WRITE) && ev->result == 0)
		return -1; /* iofs logs transfers of at least one byte */
	row->wall_ns = wall_ns + ev->dur_ns;
	row->type = t;
	row->path = path;
	row->offset = (ev->eflags & IOT_EV_OFFSET_UNKNOWN) ? -1 : ev->offset;
	row->bytes = (uint64_t)ev->result;
	row->dur_ns = ev->dur_ns;
	row->cls = NULL;
	return 0;
}

int iofs_put_field(FILE *f, const char *s)
{
	if (!s)
		return 0;
	if (!s[strcspn(s, ",\"\r\n")])
		return fputs(s, f) < 0 ? -EIO : 0;
	if (putc('"', f) == EOF)
		return -EIO;
	for (; *s; s++) {
		if (*s == '"' && putc('"', f) == EOF)
			return -EIO;
		if (putc(*s, f) == EOF)
			return -EIO;
	}
	return putc('"', f) == EOF ? -EIO : 0;
}

int iofs_write_header(FILE *f, int with_class)
{
	int n = fprintf(f, "timestamp_unix,operation_type,path,offset,bytes_transferred,"
			"latency_seconds%s\n", with_class ? ",class" : "");
	return n < 0 ? -EIO : 0;
}

int iofs_write_row(FILE *f, const struct iofs_row *row, int with_class)
{
	int64_t offset = row->offset;
	uint64_t bytes = row->bytes;
	if (row->type == IOFS_OPEN || row->type == IOFS_GETATTR) {
		offset = 0; /* what iofs reports for metadata requests */
		bytes = 1;
	}
	if (fprintf(f, "%" PRIu64 ",%s,", row->wall_ns / 1000000000u,
		    iofs_op_name(row->type)) < 0)
		return -EIO;
	if (iofs_put_field(f, row->path) < 0)
		return -EIO;
	/* latency to 6 decimals from integer ns, so no float rounding drift */
	uint64_t us = (row->dur_ns + 500) / 1000;
	if (fprintf(f, ",%" PRId64 ",%" PRIu64 ",%" PRIu64 ".%06" PRIu64, offset, bytes,
		    us / 1000000u, us % 1000000u) < 0)
		return -EIO;
	if (with_class) {
		if (putc(',', f) == EOF || iofs_put_field(f, row->cls ? row->cls : "") < 0)
			return -EIO;
	}
	return putc('\n', f) == EOF ? -EIO : 0;
}
