/* iotrace.h - libiotrace, the .iotr trace format library.
 *
 * One public header, one prefix (iot_). Opaque handles are opened with
 * iot_X_open() and released with iot_X_close(), which accept NULL.
 * Functions return 0 or a positive count on success and a negative
 * errno-style code on failure (see iot_strerror()); they never print,
 * never exit and never keep global state.
 *
 * The byte layout is specified in format/FORMAT.md.
 */
#ifndef IOTRACE_H
#define IOTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOT_FORMAT_MAJOR 1
#define IOT_FORMAT_MINOR 1
#define IOT_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* Library-specific error codes. Plain negative errno values (-ENOENT,
 * -ENOMEM, ...) are returned as well; iot_strerror() names both. */
enum iot_error_code {
	IOT_E_BADMAGIC = -10001,  /* not an .iotr file */
	IOT_E_VERSION = -10002,   /* major format version newer than this reader */
	IOT_E_TRUNCATED = -10003, /* file ends inside a structure */
	IOT_E_CORRUPT = -10004,   /* checksum mismatch or impossible field */
	IOT_E_ZSTD = -10005,      /* zstd failed to compress or decompress */
	IOT_E_EMPTY = -10006,     /* zero-length file */
	IOT_E_STATE = -10007,     /* call not valid in this state */
	IOT_E_TOOBIG = -10008,    /* a record or string exceeds a format limit */
	IOT_E_UNKNOWN_STREAM = -10009,
};

/* Human-readable text for a code returned by any iot_ function (also for
 * plain negative errno values). Never NULL. */
const char *iot_strerror(int code);

/* Where an error happened: filled by functions that take one. */
struct iot_error {
	int code;        /* negative code, 0 if none */
	uint64_t offset; /* byte offset in the file the error refers to */
	char msg[200];   /* one line, no file name (the caller adds it) */
};

/* ------------------------------------------------------------------ */
/* Operations: one X-macro list. Codes are stored in traces, so entries */
/* are only ever appended; never reorder or remove.                     */
/*   X(ENUM_SUFFIX, "name", CATEGORY)                                   */
/* ------------------------------------------------------------------ */

enum iot_op_category {
	IOT_CAT_OTHER = 0,
	IOT_CAT_READ,  /* transfers data from a file */
	IOT_CAT_WRITE, /* transfers data to a file */
	IOT_CAT_META,  /* open, close, stat, rename, ... */
	IOT_CAT_SYNC,  /* fsync family */
	IOT_CAT_MMAP,  /* mmap, munmap */
	IOT_CAT__COUNT
};

#define IOT_OPS(X)                                 \
	X(UNKNOWN, "unknown", OTHER)               \
	X(READ, "read", READ)                      \
	X(PREAD, "pread", READ)                    \
	X(READV, "readv", READ)                    \
	X(PREADV, "preadv", READ)                  \
	X(PREADV2, "preadv2", READ)                \
	X(WRITE, "write", WRITE)                   \
	X(PWRITE, "pwrite", WRITE)                 \
	X(WRITEV, "writev", WRITE)                 \
	X(PWRITEV, "pwritev", WRITE)               \
	X(PWRITEV2, "pwritev2", WRITE)             \
	X(OPEN, "open", META)                      \
	X(OPENAT, "openat", META)                  \
	X(OPENAT2, "openat2", META)                \
	X(CREAT, "creat", META)                    \
	X(CLOSE, "close", META)                    \
	X(CLOSE_RANGE, "close_range", META)        \
	X(LSEEK, "lseek", META)                    \
	X(FSYNC, "fsync", SYNC)                    \
	X(FDATASYNC, "fdatasync", SYNC)            \
	X(SYNC_FILE_RANGE, "sync_file_range", SYNC) \
	X(STAT, "stat", META)                      \
	X(LSTAT, "lstat", META)                    \
	X(FSTAT, "fstat", META)                    \
	X(FSTATAT, "fstatat", META)                \
	X(STATX, "statx", META)                    \
	X(ACCESS, "access", META)                  \
	X(FACCESSAT, "faccessat", META)            \
	X(UNLINK, "unlink", META)                  \
	X(UNLINKAT, "unlinkat", META)              \
	X(RENAME, "rename", META)                  \
	X(RENAMEAT, "renameat", META)              \
	X(RENAMEAT2, "renameat2", META)            \
	X(MKDIR, "mkdir", META)                    \
	X(MKDIRAT, "mkdirat", META)                \
	X(RMDIR, "rmdir", META)                    \
	X(TRUNCATE, "truncate", META)              \
	X(FTRUNCATE, "ftruncate", META)            \
	X(FALLOCATE, "fallocate", META)            \
	X(POSIX_FALLOCATE, "posix_fallocate", META) \
	X(MMAP, "mmap", MMAP)                      \
	X(MUNMAP, "munmap", MMAP)                  \
	X(SENDFILE, "sendfile", WRITE)             \
	X(COPY_FILE_RANGE, "copy_file_range", WRITE) \
	X(SPLICE, "splice", WRITE)                 \
	X(GETDENTS64, "getdents64", META)          \
	X(DUP, "dup", META)                        \
	X(DUP2, "dup2", META)                      \
	X(DUP3, "dup3", META)                      \
	X(FCNTL, "fcntl", META)                    \
	X(FOPEN, "fopen", META)                    \
	X(FDOPEN, "fdopen", META)                  \
	X(FCLOSE, "fclose", META)                  \
	X(FREAD, "fread", READ)                    \
	X(FWRITE, "fwrite", WRITE)                 \
	X(FGETS, "fgets", READ)                    \
	X(FPUTS, "fputs", WRITE)                   \
	X(FPRINTF, "fprintf", WRITE)               \
	X(FFLUSH, "fflush", SYNC)                  \
	X(FSEEK, "fseek", META)                    \
	X(FTELL, "ftell", META)                    \
	X(MKSTEMP, "mkstemp", META)                \
	X(IOURING_READ, "io_uring_read", READ)     \
	X(IOURING_WRITE, "io_uring_write", WRITE)  \
	X(IOURING_FSYNC, "io_uring_fsync", SYNC)   \
	X(IOURING_OTHER, "io_uring_other", OTHER)  \
	X(GETC, "getc", READ)                      \
	X(PUTC, "putc", WRITE)                     \
	X(AIO_READ, "aio_read", READ)              \
	X(AIO_WRITE, "aio_write", WRITE)           \
	X(AIO_FSYNC, "aio_fsync", SYNC)

enum iot_op {
#define IOT_X_ENUM(e, name, cat) IOT_OP_##e,
	IOT_OPS(IOT_X_ENUM)
#undef IOT_X_ENUM
	IOT_OP__COUNT
};

/* Name of an operation ("pread"); "unknown" for codes out of range. */
const char *iot_op_name(unsigned op);
/* Category of an operation; IOT_CAT_OTHER for codes out of range. */
enum iot_op_category iot_op_category(unsigned op);
/* Name of a category ("read", "write", "meta", "sync", "mmap", "other"). */
const char *iot_category_name(enum iot_op_category cat);
/* Operation code for a name, or -1. */
int iot_op_from_name(const char *name);

/* Who produced an I/O event. */
enum iot_source_kind {
	IOT_SRC_UNKNOWN = 0,
	IOT_SRC_EBPF = 1,
	IOT_SRC_PRELOAD = 2,
	IOT_SRC_IOURING = 3, /* eBPF, from the io_uring tracepoints */
};
const char *iot_source_name(unsigned src);

/* File types, as stored in file records and I/O events. */
enum iot_file_type {
	IOT_FT_UNKNOWN = 0,
	IOT_FT_REG,
	IOT_FT_DIR,
	IOT_FT_FIFO,
	IOT_FT_SOCK,
	IOT_FT_CHR,
	IOT_FT_BLK,
	IOT_FT_LNK,
	IOT_FT_ANON, /* anonymous inode: eventfd, epoll, io_uring, ... */
	IOT_FT__COUNT
};
const char *iot_file_type_name(unsigned ft);
/* Map an st_mode (S_IFMT bits) to a file type. */
enum iot_file_type iot_file_type_from_mode(unsigned mode);
/* Is path prefix itself or under it, by whole components? "/scratch"
 * takes "/scratch" and "/scratch/a", not "/scratch2"; "/scratch/" and
 * "/" take what starts with them. What every --path option means. */
int iot_path_under(const char *path, const char *prefix);

/* ------------------------------------------------------------------ */
/* Streams and records                                                 */
/* ------------------------------------------------------------------ */

/* Stream types. Stored in chunk headers; append only. */
enum iot_stream {
	IOT_STREAM_META = 1,     /* key/value metadata */
	IOT_STREAM_STRING = 2,   /* interned strings: id -> text */
	IOT_STREAM_PROC = 3,     /* process table */
	IOT_STREAM_FILE = 4,     /* file table: id -> path, dev, inode, type */
	IOT_STREAM_IO = 5,       /* one record per completed I/O call */
	IOT_STREAM_DISK = 6,     /* /proc/diskstats samples */
	IOT_STREAM_PROCIO = 7,   /* /proc/PID/io samples */
	IOT_STREAM_JOBSTATS = 8, /* Lustre job_stats samples */
	IOT_STREAM_LOSS = 9,     /* lost or dropped events */
	IOT_STREAM__MAX = 9
};
#define IOT_STREAM_MASK(s) (1u << (s))
#define IOT_STREAM_ALL 0xffffffffu
/* Name of a stream type ("io", "disk", ...); "unknown" if not known. */
const char *iot_stream_name(unsigned stream);

/* Flags on an I/O event (iot_io_event.flags holds the call's own flags,
 * e.g. open(2) flags or RWF_*; these go in .eflags). */
enum iot_event_flags {
	IOT_EV_OFFSET_UNKNOWN = 1u << 0, /* offset could not be determined */
	IOT_EV_PARTIAL = 1u << 1,        /* fewer bytes than requested */
	IOT_EV_DIRECT = 1u << 2,         /* O_DIRECT file */
	IOT_EV_ASYNC = 1u << 3,          /* io_uring or AIO request */
};

/* One completed I/O call. All times are nanoseconds on the recording's
 * monotonic clock (see meta keys clock.*). */
struct iot_io_event {
	uint64_t ts_ns;    /* call start */
	uint64_t dur_ns;   /* latency: exit - enter */
	uint32_t pid;      /* process (tgid) */
	uint32_t tid;      /* thread */
	uint16_t op;       /* enum iot_op */
	uint8_t source;    /* enum iot_source_kind */
	uint8_t ftype;     /* enum iot_file_type of the fd, 0 if unknown */
	int32_t fd;        /* descriptor, -1 if none (e.g. stat by path) */
	uint32_t flags;    /* call flags: open flags, RWF_*, whence, ... */
	uint32_t eflags;   /* enum iot_event_flags */
	uint64_t file_id;  /* FILE record id, 0 if none */
	int64_t offset;    /* file offset used, -1 if not applicable */
	uint64_t size;     /* bytes requested */
	int64_t result;    /* bytes transferred, fd, 0, or -errno */
};

/* A process. Written when first seen and again when it exits; a reader
 * keeps the latest non-empty value of each field. */
struct iot_proc {
	uint64_t ts_ns;      /* time of this record */
	uint64_t start_ns;   /* process start, 0 if unknown */
	uint64_t exit_ns;    /* process exit, 0 if still running/unknown */
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	int32_t exit_status; /* wait status style: code<<8 or signal; -1 unknown */
	const char *comm;    /* may be NULL; all strings are copied by writers */
	const char *exe;
	const char *cmdline; /* arguments joined by single spaces */
	const char *cgroup;
	const char *job_id;
	const char *rank;    /* MPI rank or batch task number (format 1.1), NULL unknown */
};
/* Where a process's rank comes from: the first of these variables set in
 * its environment (Open MPI, PMIx, MPICH/Intel MPI, MVAPICH2, Slurm's
 * srun, Flux). */
#define IOT_RANK_ENV_VARS "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", \
	"MV2_COMM_WORLD_RANK", "SLURM_PROCID", "FLUX_TASK_RANK"

/* A file. Ids are unique within a trace (see FORMAT.md on id_base). */
struct iot_file {
	uint64_t id;
	uint64_t dev;   /* st_dev as makedev() value */
	uint64_t ino;
	uint32_t type;  /* enum iot_file_type */
	uint32_t flags; /* reserved, 0 */
	const char *path;
};

/* An interned string. */
struct iot_string {
	uint64_t id;
	const char *text;
};

/* A metadata key/value pair. Keys are dotted names (FORMAT.md lists the
 * well-known ones); a later value for the same key replaces an earlier. */
struct iot_meta {
	const char *key;
	const char *value;
};

/* Number of counters in a diskstats line (kernel 5.5+ has 17 after the
 * name; older kernels fill fewer, see nfields). */
#define IOT_DISK_COUNTERS 17
/* One /proc/diskstats line. Counters are raw, as the kernel prints them
 * (ms fields wrap at 2^32). Order: reads, reads merged, sectors read,
 * ms reading, writes, writes merged, sectors written, ms writing,
 * in flight, io_ticks ms, weighted ms, discards, discards merged,
 * sectors discarded, ms discarding, flushes, ms flushing. */
struct iot_disk_sample {
	uint64_t ts_ns;
	uint32_t major;
	uint32_t minor;
	uint64_t name_id; /* STRING id of the device name */
	uint32_t nfields; /* fields present on the line after the name: 4, 11, 15 or 17 */
	uint64_t c[IOT_DISK_COUNTERS];
};

/* One /proc/PID/io reading. */
struct iot_procio_sample {
	uint64_t ts_ns;
	uint32_t pid;
	uint32_t flags; /* reserved, 0 */
	uint64_t rchar, wchar, syscr, syscw, read_bytes, write_bytes,
		cancelled_write_bytes;
};

/* One counter of one job on one Lustre target at one poll. Times are
 * nanoseconds since the epoch as Lustre reports them (0 if absent). */
struct iot_jobstat_sample {
	uint64_t ts_ns;         /* recorder's poll time (monotonic) */
	uint64_t snapshot_ns;   /* job's snapshot_time */
	uint64_t start_ns;      /* job's start_time (2.15.2+), 0 if absent */
	uint64_t target_id;     /* STRING id: "obdfilter.fs-OST0000" */
	uint64_t job_id;        /* STRING id: job_id exactly as printed */
	uint64_t counter_id;    /* STRING id: "read_bytes", "open", ... */
	uint64_t unit_id;       /* STRING id: "bytes", "usecs", "reqs" ... */
	uint64_t samples;
	uint64_t min;
	uint64_t max;
	uint64_t sum;
	uint64_t sumsq;
	uint32_t flags;         /* IOT_JS_* */
};
enum iot_jobstat_flags {
	IOT_JS_HAS_MINMAX = 1u << 0,
	IOT_JS_HAS_SUM = 1u << 1,
	IOT_JS_HAS_SUMSQ = 1u << 2,
	IOT_JS_SNAPSHOT_BOOT = 1u << 3, /* snapshot_time was seconds since boot */
};

/* Events that were lost (ring buffer full) or dropped (buffer limits). */
struct iot_loss {
	uint64_t ts_ns;
	uint32_t source; /* enum iot_source_kind, or a poll source (FORMAT.md) */
	uint32_t cpu;    /* CPU or thread the loss was counted on, ~0 if n/a */
	uint64_t count;
	uint32_t reason; /* IOT_LOSS_* */
	uint32_t pid;    /* 0 if not attributable */
};
enum iot_loss_reason {
	IOT_LOSS_RINGBUF_FULL = 1,
	IOT_LOSS_BUFFER_FULL = 2,
	IOT_LOSS_POLL_ERROR = 3,
	IOT_LOSS_PARSE_ERROR = 4,
	IOT_LOSS_SHARD_LOST = 5,
};

/* A decoded record of any stream. Strings point into the reader's
 * memory and stay valid until the reader is closed. */
struct iot_record {
	unsigned stream; /* enum iot_stream */
	uint64_t ts_ns;  /* the record's timestamp (0 for tables) */
	union {
		struct iot_io_event io;
		struct iot_proc proc;
		struct iot_file file;
		struct iot_string str;
		struct iot_meta meta;
		struct iot_disk_sample disk;
		struct iot_procio_sample procio;
		struct iot_jobstat_sample js;
		struct iot_loss loss;
	} u;
};

/* ------------------------------------------------------------------ */
/* Per-chunk aggregates (in the chunk and in the index footer)         */
/* ------------------------------------------------------------------ */

/* Totals of one pid within one I/O chunk: lets a viewer draw timelines
 * from the index alone. */
struct iot_pid_agg {
	uint32_t pid;
	uint32_t meta_ops;
	uint32_t read_ops;
	uint32_t write_ops;
	uint64_t read_bytes;
	uint64_t write_bytes;
	uint64_t io_time_ns; /* sum of dur_ns */
};

/* What the index (or a recovery scan) knows about one chunk. */
struct iot_chunk_info {
	uint64_t offset;      /* byte offset of the chunk header in the file */
	uint32_t stream;      /* enum iot_stream (or unknown value) */
	uint32_t nrecords;
	uint64_t first_ts;    /* min record timestamp in the chunk */
	uint64_t last_ts;     /* max record timestamp in the chunk */
	uint32_t raw_size;    /* encoded size before zstd */
	uint32_t comp_size;   /* payload bytes on disk */
	uint32_t codec;       /* 0 = payload stored as is, 1 = zstd */
	uint32_t nagg;        /* number of per-pid aggregates */
	const struct iot_pid_agg *agg; /* owned by the reader */
};

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

typedef struct iot_writer iot_writer;

enum iot_writer_flags {
	/* Write to the final path directly (no temporary name, no rename at
	 * close). Used for shards, which must be visible while written. */
	IOT_W_DIRECT = 1u << 0,
	/* Do not write the header's self-description meta keys. */
	IOT_W_NO_AUTO_META = 1u << 1,
};

struct iot_writer_opts {
	uint32_t flags;            /* enum iot_writer_flags */
	uint32_t chunk_records;    /* max records per I/O chunk; 0 = default (65536) */
	uint64_t flush_age_ns;     /* flush a chunk this old (wall time); 0 = 1 s */
	int zstd_level;            /* 0 = default (1) */
	uint64_t id_base;          /* first file/string id; 0 = 1 */
	/* Percent, 0-100; 0 = every chunk compressed. A chunk that zstd
	 * shrinks by less is still written compressed, but the next 15
	 * chunks of its stream are stored as is without trying (zstd costs
	 * more than it saves on dense data, such as random offsets). A chunk
	 * that compression would not make smaller is always stored. */
	int zstd_min_gain;
	/* Store every chunk without trying zstd while the file is smaller
	 * than this many bytes; 0 = off. For a recorder that leaves the
	 * compression to a later merge (iot_writer_append_trace), so that
	 * the traced program does not pay for it, with a bound on how large
	 * its uncompressed file may grow. */
	uint64_t store_bytes;
	/* Bytes of chunks gathered in memory and written to the file in one
	 * system call; 0 = each chunk is written as it is made. For a writer
	 * of many small chunks (a recorder flushing often): a file system
	 * charges each write(2) the same, whatever its size. What the buffer
	 * holds reaches the file at iot_writer_flush() and at close (a
	 * process killed meanwhile loses it). */
	uint32_t write_buffer;
};

/* Create a trace at path. The file is created O_EXCL|O_NOFOLLOW, mode
 * 0600, under a temporary name beside path and renamed to path by
 * iot_writer_close() (unless IOT_W_DIRECT). opts may be NULL. Fails with
 * -EEXIST if path exists. */
int iot_writer_open(iot_writer **out, const char *path,
		    const struct iot_writer_opts *opts);

/* A writer whose file stays in memory: for a short-lived recorder that
 * hands its whole trace on at once (the preload library's short
 * processes) instead of creating a file. iot_writer_mem() gives the
 * bytes written so far (header and chunks; call iot_writer_flush()
 * first for the pending records), valid until the next call on w.
 * iot_writer_spill() moves the bytes into a new file at path (created
 * O_EXCL|O_NOFOLLOW, mode 0600, no temporary name) and writes on there
 * from then on. iot_writer_abandon() frees a memory writer and its
 * bytes. */
int iot_writer_open_mem(iot_writer **out, const struct iot_writer_opts *opts);
const void *iot_writer_mem(const iot_writer *w, size_t *len);
int iot_writer_spill(iot_writer *w, const char *path);

/* Append one record to its stream. Records of a stream are buffered and
 * written as a chunk when the chunk is full or older than the flush age.
 * Strings are copied. Return 0 or a negative code; after a write error the
 * writer refuses further records with the same code. */
int iot_writer_add_io(iot_writer *w, const struct iot_io_event *ev);
/* For producers that convert their own records (a recorder draining a
 * ring): room for up to want (>= 1) I/O events in the chunk being filled,
 * *room of them (>= 1), to be written in place and then made part of the
 * trace with iot_writer_io_commit(w, k), k <= *room, before any other call
 * on the writer. Saves a copy per event. NULL (and *room = 0) after an
 * error. */
struct iot_io_event *iot_writer_io_room(iot_writer *w, size_t want, size_t *room);
int iot_writer_io_commit(iot_writer *w, size_t k);
int iot_writer_add_proc(iot_writer *w, const struct iot_proc *p);
int iot_writer_add_disk(iot_writer *w, const struct iot_disk_sample *s);
int iot_writer_add_procio(iot_writer *w, const struct iot_procio_sample *s);
int iot_writer_add_jobstat(iot_writer *w, const struct iot_jobstat_sample *s);
int iot_writer_add_loss(iot_writer *w, const struct iot_loss *l);
/* Add a file record with f->id as given (f->id must be nonzero). */
int iot_writer_add_file(iot_writer *w, const struct iot_file *f);
/* Set a metadata key. Written at once into the meta stream. */
int iot_writer_set_meta(iot_writer *w, const char *key, const char *value);
int iot_writer_set_metaf(iot_writer *w, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Intern a string: returns its id (>0), writing a STRING record the
 * first time the text is seen; 0 on error (out of memory, write error). */
uint64_t iot_writer_intern(iot_writer *w, const char *text);

/* Give a file a fresh id from this writer's id range and write its record:
 * returns the id (>0), or 0 on error. f->id is ignored. Repeated calls
 * with the same (path, dev, ino, type) return the same id. */
uint64_t iot_writer_file(iot_writer *w, const struct iot_file *f);

/* Flush chunks older than the flush age (call this from an idle loop
 * at least every flush age; the add functions check cheaply too). */
int iot_writer_tick(iot_writer *w);
/* Flush every pending chunk now (e.g. before fork or exec). */
int iot_writer_flush(iot_writer *w);

/* Copy every complete chunk of another trace (a shard) into this one,
 * without decoding or re-encoding. Stored chunks (codec 0) are
 * compressed on the way when zstd makes them smaller by
 * opts.zstd_min_gain percent (any gain when 0); the records and
 * aggregates are unchanged. Works on shards without a footer (killed
 * writers). Warnings about the shard (dropped tail, corrupt chunks) are
 * counted into *dropped_bytes and *bad_chunks if not NULL. */
int iot_writer_append_trace(iot_writer *w, const char *shard_path,
			    uint64_t *dropped_bytes, uint32_t *bad_chunks,
			    struct iot_error *err);
/* The same, for the chunks that end at or before byte `upto` of the
 * shard only (the part of a cut trace written before a merge that did
 * not finish; the rest comes again from the merge's sources). */
int iot_writer_append_trace_upto(iot_writer *w, const char *shard_path, uint64_t upto,
				 uint64_t *dropped_bytes, uint32_t *bad_chunks,
				 struct iot_error *err);
/* The same for a shard held in memory (len bytes at buf; name is for
 * messages). */
int iot_writer_append_trace_mem(iot_writer *w, const void *buf, size_t len, const char *name,
				uint64_t *dropped_bytes, uint32_t *bad_chunks,
				struct iot_error *err);

/* Flush everything, write the index footer, fsync, rename the temporary
 * file to its final name and free the writer. Returns the first error
 * seen during the writer's life, or 0. Accepts NULL. */
int iot_writer_close(iot_writer *w);

/* Stop without a footer: flush pending chunks, rename the file to its final
 * name (so a reader recovers it by scanning) and free the writer. For a
 * recorder that must stop at once. Accepts NULL. */
int iot_writer_abandon(iot_writer *w);

/* The file a writer's temporary name ".NAME.tmp.PID.XXXXXXXX" (beside
 * NAME, where a writer that was killed leaves its bytes) stands for:
 * NAME with its directory into out, and the writer's pid. 1, or 0 for
 * other names. */
int iot_writer_tmp_target(const char *path, char *out, size_t outlen, int *pid);

/* Bytes written so far (chunks only). */
uint64_t iot_writer_bytes(const iot_writer *w);
/* Records accepted so far, all streams. */
uint64_t iot_writer_records(const iot_writer *w);
/* Go on writing through fd, a duplicate of the writer's descriptor (a
 * recorder moving its file out of an application's way). Returns the
 * descriptor used until now, for the caller to close; -1 and nothing
 * changed for a writer in memory. */
int iot_writer_set_fd(iot_writer *w, int fd);

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

typedef struct iot_reader iot_reader;

/* Open a trace. Reads the header and the index footer; if the footer is
 * missing or damaged, scans the file chunk by chunk and keeps every
 * complete chunk (see iot_reader_integrity()). Loads the meta, string,
 * process and file tables. On failure returns a negative code and fills
 * *err (if not NULL) with the byte offset and a one-line message. */
int iot_reader_open(iot_reader **out, const char *path, struct iot_error *err);

/* The same on a caller-owned memory buffer, which must outlive the
 * reader. name is used in messages only. */
int iot_reader_open_mem(iot_reader **out, const void *buf, size_t len,
			const char *name, struct iot_error *err);

void iot_reader_close(iot_reader *r);

/* Name the reader was opened with (path or name). */
const char *iot_reader_name(const iot_reader *r);

struct iot_integrity {
	int footer_ok;          /* index footer present and valid */
	uint64_t file_size;
	uint64_t good_end;      /* offset where the last good chunk ends */
	uint64_t dropped_bytes; /* bytes after good_end not used (truncated tail) */
	uint32_t corrupt_chunks;/* chunks skipped for a bad checksum */
	uint32_t unknown_chunks;/* chunks of unknown stream types, skipped */
	uint32_t format_major, format_minor;
	uint64_t nchunks;       /* usable chunks */
};
void iot_reader_integrity(const iot_reader *r, struct iot_integrity *out);

/* Warnings collected while opening and reading (corrupt chunk at offset
 * N, truncated tail, ...). Index i in [0, count). */
size_t iot_reader_warning_count(const iot_reader *r);
const struct iot_error *iot_reader_warning(const iot_reader *r, size_t i);

/* Metadata: value of key (last one written), or NULL. */
const char *iot_reader_meta(const iot_reader *r, const char *key);
/* All meta pairs in file order. */
size_t iot_reader_meta_count(const iot_reader *r);
const struct iot_meta *iot_reader_meta_at(const iot_reader *r, size_t i);

/* Tables. Lookups return NULL when unknown. */
const char *iot_reader_string(const iot_reader *r, uint64_t id);
const struct iot_file *iot_reader_file(const iot_reader *r, uint64_t id);
size_t iot_reader_file_count(const iot_reader *r);
const struct iot_file *iot_reader_file_at(const iot_reader *r, size_t i);
/* Processes merged over their records (latest non-empty fields). When a
 * pid was reused, the entry whose [start, exit] holds ts is returned;
 * ts = 0 gives the last one. */
const struct iot_proc *iot_reader_proc(const iot_reader *r, uint32_t pid, uint64_t ts);
/* Which life of a reused pid holds ts: 0 when the pid has one process
 * entry or none, else 1 + the index (iot_reader_proc_at) of the entry
 * iot_reader_proc(r, pid, ts) returns. Analyzers key processes by
 * (pid, life). */
uint32_t iot_reader_proc_life(const iot_reader *r, uint32_t pid, uint64_t ts);
size_t iot_reader_proc_count(const iot_reader *r);
const struct iot_proc *iot_reader_proc_at(const iot_reader *r, size_t i);

/* Wall-clock time (ns since the epoch) for a trace timestamp. */
uint64_t iot_reader_wall_ns(const iot_reader *r, uint64_t ts_ns);
/* Time span of all data chunks: min first_ts and max last_ts. Returns 0,
 * or -ENOENT when the trace holds no timed records. */
int iot_reader_span(const iot_reader *r, uint64_t *first_ts, uint64_t *last_ts);

/* Chunk index: every chunk of a known stream type, in file order. */
size_t iot_reader_chunk_count(const iot_reader *r);
const struct iot_chunk_info *iot_reader_chunk(const iot_reader *r, size_t i);
/* Index of the first chunk of the given stream mask whose last_ts >= ts
 * (binary search on the index where possible); chunk_count if none. */
size_t iot_reader_seek_chunk(const iot_reader *r, uint32_t stream_mask, uint64_t ts);

/* Decode chunk i into an array of records owned by the reader; valid
 * until the next call to iot_reader_decode_chunk() on this reader (or a
 * cursor over it). For I/O chunks the typed view is faster:
 * iot_reader_decode_io(). A corrupt chunk returns IOT_E_CORRUPT and adds
 * a warning. */
int iot_reader_decode_chunk(iot_reader *r, size_t i,
			    const struct iot_record **recs, size_t *n);
int iot_reader_decode_io(iot_reader *r, size_t i,
			 const struct iot_io_event **evs, size_t *n);

/* ------------------------------------------------------------------ */
/* Cursor: records of one or many readers, merged by time               */
/* ------------------------------------------------------------------ */

typedef struct iot_cursor iot_cursor;

/* Iterate the records of the streams in stream_mask of all readers,
 * ordered by timestamp (records of equal time keep reader order). Table
 * streams (meta, string, proc, file) are not iterated: use the reader's
 * tables. Readers must outlive the cursor. Times are compared on the wall
 * clock when more than one reader is given (traces of several nodes). */
int iot_cursor_open(iot_cursor **out, iot_reader *const *readers, size_t nreaders,
		    uint32_t stream_mask);
/* Only records with from_ts <= ts (on the first reader's clock when
 * nreaders == 1, wall-clock ns otherwise); 0 = from the start. */
int iot_cursor_seek(iot_cursor *c, uint64_t from_ts);
/* Next record: 1 and *rec, *reader_index set; 0 at the end; or negative
 * on error (corrupt chunks are skipped with a reader warning, not an
 * error). */
int iot_cursor_next(iot_cursor *c, const struct iot_record **rec, size_t *reader_index);
void iot_cursor_close(iot_cursor *c);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* Current CLOCK_MONOTONIC and CLOCK_REALTIME in ns. */
uint64_t iot_now_mono_ns(void);
uint64_t iot_now_wall_ns(void);

#ifdef __cplusplus
}
#endif
#endif /* IOTRACE_H */
