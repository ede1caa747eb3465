/* schema.c - the column layout of every stream (FORMAT.md, "Streams").
 * Column order is the on-disk order; new columns are only appended. */
#include "internal.h"

#include <stddef.h>
#include <stdint.h>

#define U(T, f, h) {offsetof(T, f), sizeof(((T *)0)->f), COL_U, h}
#define S(T, f, h) {offsetof(T, f), sizeof(((T *)0)->f), COL_S, h}
#define STR(T, f) {offsetof(T, f), sizeof(char *), COL_STR, HINT_KEY}
#define DISKC(i) {offsetof(struct iot_disk_sample, c) + (i) * sizeof(uint64_t), 8, COL_U, HINT_NUM}

/* dur precedes ts so that ts can be predicted from the previous call's end. */
static const struct col_desc io_cols[] = {
	U(struct iot_io_event, dur_ns, HINT_NUM),
	U(struct iot_io_event, ts_ns, HINT_TIME),
	U(struct iot_io_event, pid, HINT_KEY),
	U(struct iot_io_event, tid, HINT_KEY),
	U(struct iot_io_event, op, HINT_KEY),
	U(struct iot_io_event, source, HINT_KEY),
	U(struct iot_io_event, ftype, HINT_KEY),
	S(struct iot_io_event, fd, HINT_KEY),
	U(struct iot_io_event, flags, HINT_KEY),
	U(struct iot_io_event, eflags, HINT_KEY),
	U(struct iot_io_event, file_id, HINT_KEY),
	S(struct iot_io_event, offset, HINT_SEQ),
	U(struct iot_io_event, size, HINT_KEY),
	S(struct iot_io_event, result, HINT_KEY),
};

static const struct col_desc proc_cols[] = {
	U(struct iot_proc, ts_ns, HINT_TIME),
	U(struct iot_proc, start_ns, HINT_NUM),
	U(struct iot_proc, exit_ns, HINT_NUM),
	U(struct iot_proc, pid, HINT_KEY),
	U(struct iot_proc, ppid, HINT_KEY),
	U(struct iot_proc, uid, HINT_KEY),
	U(struct iot_proc, gid, HINT_KEY),
	S(struct iot_proc, exit_status, HINT_KEY),
	STR(struct iot_proc, comm),
	STR(struct iot_proc, exe),
	STR(struct iot_proc, cmdline),
	STR(struct iot_proc, cgroup),
	STR(struct iot_proc, job_id),
	STR(struct iot_proc, rank), /* minor 1 */
};

static const struct col_desc file_cols[] = {
	U(struct iot_file, id, HINT_SEQ),
	U(struct iot_file, dev, HINT_KEY),
	U(struct iot_file, ino, HINT_NUM),
	U(struct iot_file, type, HINT_KEY),
	U(struct iot_file, flags, HINT_KEY),
	STR(struct iot_file, path),
};

static const struct col_desc string_cols[] = {
	U(struct iot_string, id, HINT_SEQ),
	STR(struct iot_string, text),
};

static const struct col_desc meta_cols[] = {
	STR(struct iot_meta, key),
	STR(struct iot_meta, value),
};

static const struct col_desc disk_cols[] = {
	U(struct iot_disk_sample, ts_ns, HINT_TIME),
	U(struct iot_disk_sample, major, HINT_KEY),
	U(struct iot_disk_sample, minor, HINT_KEY),
	U(struct iot_disk_sample, name_id, HINT_KEY),
	U(struct iot_disk_sample, nfields, HINT_KEY),
	DISKC(0), DISKC(1), DISKC(2), DISKC(3), DISKC(4), DISKC(5), DISKC(6), DISKC(7), DISKC(8),
	DISKC(9), DISKC(10), DISKC(11), DISKC(12), DISKC(13), DISKC(14), DISKC(15), DISKC(16),
};

static const struct col_desc procio_cols[] = {
	U(struct iot_procio_sample, ts_ns, HINT_TIME),
	U(struct iot_procio_sample, pid, HINT_KEY),
	U(struct iot_procio_sample, flags, HINT_KEY),
	U(struct iot_procio_sample, rchar, HINT_NUM),
	U(struct iot_procio_sample, wchar, HINT_NUM),
	U(struct iot_procio_sample, syscr, HINT_NUM),
	U(struct iot_procio_sample, syscw, HINT_NUM),
	U(struct iot_procio_sample, read_bytes, HINT_NUM),
	U(struct iot_procio_sample, write_bytes, HINT_NUM),
	U(struct iot_procio_sample, cancelled_write_bytes, HINT_NUM),
};

static const struct col_desc jobstats_cols[] = {
	U(struct iot_jobstat_sample, ts_ns, HINT_TIME),
	U(struct iot_jobstat_sample, snapshot_ns, HINT_NUM),
	U(struct iot_jobstat_sample, start_ns, HINT_NUM),
	U(struct iot_jobstat_sample, target_id, HINT_KEY),
	U(struct iot_jobstat_sample, job_id, HINT_KEY),
	U(struct iot_jobstat_sample, counter_id, HINT_KEY),
	U(struct iot_jobstat_sample, unit_id, HINT_KEY),
	U(struct iot_jobstat_sample, samples, HINT_NUM),
	U(struct iot_jobstat_sample, min, HINT_NUM),
	U(struct iot_jobstat_sample, max, HINT_NUM),
	U(struct iot_jobstat_sample, sum, HINT_NUM),
	U(struct iot_jobstat_sample, sumsq, HINT_NUM),
	U(struct iot_jobstat_sample, flags, HINT_KEY),
};

static const struct col_desc loss_cols[] = {
	U(struct iot_loss, ts_ns, HINT_TIME),
	U(struct iot_loss, source, HINT_KEY),
	U(struct iot_loss, cpu, HINT_KEY),
	U(struct iot_loss, count, HINT_NUM),
	U(struct iot_loss, reason, HINT_KEY),
	U(struct iot_loss, pid, HINT_KEY),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NOTS SIZE_MAX

static const struct stream_schema schemas[IOT_STREAM__MAX + 1] = {
	[IOT_STREAM_META] = {IOT_STREAM_META, "meta", sizeof(struct iot_meta), NOTS,
			     N(meta_cols), meta_cols, 256, true},
	[IOT_STREAM_STRING] = {IOT_STREAM_STRING, "string", sizeof(struct iot_string), NOTS,
			       N(string_cols), string_cols, 4096, true},
	[IOT_STREAM_PROC] = {IOT_STREAM_PROC, "proc", sizeof(struct iot_proc),
			     offsetof(struct iot_proc, ts_ns), N(proc_cols), proc_cols, 1024, true},
	[IOT_STREAM_FILE] = {IOT_STREAM_FILE, "file", sizeof(struct iot_file), NOTS,
			     N(file_cols), file_cols, 4096, true},
	[IOT_STREAM_IO] = {IOT_STREAM_IO, "io", sizeof(struct iot_io_event),
			   offsetof(struct iot_io_event, ts_ns), N(io_cols), io_cols, 32768, false},
	[IOT_STREAM_DISK] = {IOT_STREAM_DISK, "disk", sizeof(struct iot_disk_sample),
			     offsetof(struct iot_disk_sample, ts_ns), N(disk_cols), disk_cols, 4096,
			     false},
	[IOT_STREAM_PROCIO] = {IOT_STREAM_PROCIO, "procio", sizeof(struct iot_procio_sample),
			       offsetof(struct iot_procio_sample, ts_ns), N(procio_cols),
			       procio_cols, 4096, false},
	[IOT_STREAM_JOBSTATS] = {IOT_STREAM_JOBSTATS, "jobstats",
				 sizeof(struct iot_jobstat_sample),
				 offsetof(struct iot_jobstat_sample, ts_ns), N(jobstats_cols),
				 jobstats_cols, 16384, false},
	[IOT_STREAM_LOSS] = {IOT_STREAM_LOSS, "loss", sizeof(struct iot_loss),
			     offsetof(struct iot_loss, ts_ns), N(loss_cols), loss_cols, 1024, false},
};

const struct stream_schema *iot_schema(unsigned stream)
{
	if (!stream_known(stream))
		return NULL;
	return &schemas[stream];
}
