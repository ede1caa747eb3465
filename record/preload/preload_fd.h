/* preload_fd.h - run-time state of descriptors and files in the traced
 * process, kept apart from the records written to disk.
 *
 * Descriptors point to "open file descriptions" (ofd) the way the kernel
 * does, so dup'd descriptors share one offset. All tables are mmap'd once
 * and updated with atomics: no lock, no malloc, usable from a signal
 * handler.
 */
#ifndef IOREC_PRELOAD_FD_H
#define IOREC_PRELOAD_FD_H

#include <stdatomic.h>
#include <stdint.h>

struct preload_ofd {
	_Atomic int64_t offset;      /* kernel file position as we track it */
	_Atomic int64_t stdio_pos;   /* logical FILE position, -1 unknown */
	_Atomic uint32_t refs;       /* descriptors pointing here; 0 = free */
	uint32_t oflags;             /* open flags */
	uint64_t file_id;
	uint8_t ftype;               /* enum iot_file_type */
	uint8_t seekable;            /* offset is meaningful */
	uint8_t muted;               /* outside the --path filter: not recorded */
	uint8_t pad[5];
};

/* Map the tables (sized from RLIMIT_NOFILE, capped). 0 or -errno. */
int preload_fd_init(void);

/* The ofd of fd, or NULL when fd is not known (not opened while traced,
 * or beyond the table). */
struct preload_ofd *preload_fd_get(int fd);

/* fd was just opened: a new ofd. Returns it, or NULL if the pool or the
 * table is full (the fd then stays unknown). */
struct preload_ofd *preload_fd_new(int fd, uint64_t file_id, uint8_t ftype,
				   int seekable, int64_t offset, uint32_t oflags);

/* newfd now refers to oldfd's ofd (dup, dup2, dup3, F_DUPFD). */
void preload_fd_dup(int oldfd, int newfd);
/* fd closed (or replaced). */
void preload_fd_close(int fd);
/* Forget [first, last]. */
void preload_fd_close_range(unsigned first, unsigned last);

/* File id for a key (preload_key_named, or preload_key_path for a file
 * that was not found).
 * *is_new is set when the caller must emit the FILE record. Ids come
 * from base + a process counter, so shards never collide. */
uint64_t preload_file_id(uint64_t key, int *is_new);
/* Key of (dev, ino) reached by name (as the program spelled it;
 * at_dirfd: relative to a directory descriptor). A file system reuses
 * the inode number of a deleted file for the next one it creates, so
 * (dev, ino) alone would give a new file the old one's id and name. One
 * file under two names gets two ids, each with its FILE record: readers
 * add up files by path. name NULL: (dev, ino) alone. */
uint64_t preload_key_named(uint64_t dev, uint64_t ino, const char *name, int at_dirfd);
uint64_t preload_key_path(const char *path);
/* Where new ids start (set when a shard is opened). Ids handed out
 * earlier stay valid: their FILE records are in an earlier shard of the
 * same recording (the parent's, for a fork child). */
void preload_file_id_base(uint64_t base);

#endif
