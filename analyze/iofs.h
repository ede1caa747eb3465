/* iofs.h - per-request CSV in the format iofs writes.
 *
 *   timestamp_unix,operation_type,path,offset,bytes_transferred,latency_seconds[,class]
 *
 * One row per successful read, write, open or getattr request (the stat
 * family is getattr), as iofs logs them: reads and writes that transferred
 * at least one byte, opens and getattrs that succeeded. As in iofs, open
 * and getattr rows carry offset 0 and bytes 1, and timestamp_unix is the
 * whole second since the epoch at which the call ended (iofs calls
 * time(NULL) when it logs the finished request). Latency has 6 decimals;
 * paths are quoted per RFC 4180 when they hold a comma, a double quote, CR
 * or LF (iofs writes them raw, which breaks its CSV).
 */
#ifndef ANALYZE_IOFS_H
#define ANALYZE_IOFS_H

#include <stdint.h>
#include <stdio.h>

#include "format/iotrace.h"

enum iofs_op { IOFS_NONE = 0, IOFS_READ, IOFS_WRITE, IOFS_OPEN, IOFS_GETATTR };

/* iofs operation type of a trace operation (IOFS_NONE: no row). */
enum iofs_op iofs_op_of(unsigned op);
/* "read", "write", "open", "getattr" ("" for IOFS_NONE). */
const char *iofs_op_name(enum iofs_op t);

/* One row, already resolved to plain values. */
struct iofs_row {
	uint64_t wall_ns;  /* call end, ns since the epoch */
	enum iofs_op type;
	const char *path;  /* NULL or "" when unknown */
	int64_t offset;    /* ignored for open/getattr; -1 if unknown */
	uint64_t bytes;    /* ignored for open/getattr */
	uint64_t dur_ns;
	const char *cls;   /* class column text, used when with_class */
};

/* Fill a row from an event (path and wall time of the call's start
 * resolved by the caller). Returns 0, or -1 if the event has no iofs row:
 * not a read, write, open or getattr, failed, or a read or write of 0
 * bytes. */
int iofs_row_from_event(struct iofs_row *row, const struct iot_io_event *ev,
			uint64_t wall_ns, const char *path);

/* Write a field quoted per RFC 4180 when it must be. */
int iofs_put_field(FILE *f, const char *s);

/* Header line, with the final class column when with_class. */
int iofs_write_header(FILE *f, int with_class);
/* One row. Returns 0 or -EIO. */
int iofs_write_row(FILE *f, const struct iofs_row *row, int with_class);

#endif /* ANALYZE_IOFS_H */
