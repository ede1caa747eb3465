/* fdtable.h - which file each (process, fd) of the traced programs names.
 *
 * The eBPF source sees opens, dups and closes, so it keeps a table of
 * every traced process's fds and gives each I/O event the id of a FILE
 * record (written with iot_writer_file()). Fds opened before recording
 * began (inherited, or any process under --all) are resolved from
 * /proc/PID/fd at first sight. Every event also carries the (dev, inode)
 * the kernel read from struct file: an fd whose inode differs from the
 * table's was reused behind our back and is resolved again.
 *
 * --path prefixes are applied here to resolved absolute paths: a file
 * outside them is remembered as excluded and its events are dropped.
 */
#ifndef IOREC_EBPF_FDTABLE_H
#define IOREC_EBPF_FDTABLE_H

#include <stdint.h>
#include <sys/types.h>

#include "format/iotrace.h"

struct fdtable;

/* File identity as the kernel side reports it. */
struct fd_ident {
	uint64_t dev; /* st_dev (makedev() value), 0 if unknown */
	uint64_t ino; /* 0 if unknown */
	unsigned type; /* enum iot_file_type */
};

/* Result of a lookup: file id (0 if none) and whether --path excludes it. */
struct fd_file {
	uint64_t id;
	int excluded;
};

/* A table writing FILE records to w. prefixes (copied) are the --path
 * filter; none means every file is kept. proc_root is "/proc" except in
 * tests. Returns 0 or -ENOMEM. */
int fdtable_new(struct fdtable **out, iot_writer *w, const char *proc_root,
		char *const *prefixes, size_t nprefixes);
void fdtable_free(struct fdtable *t);
/* 1 if --path prefixes are set (events without a file are dropped). */
int fdtable_filtering(const struct fdtable *t);

/* File behind pid's fd, resolved from /proc when unknown or when id
 * (dev, ino) no longer matches. */
struct fd_file fdtable_lookup(struct fdtable *t, uint32_t pid, int fd,
			      const struct fd_ident *id);
/* File with this inode (io_uring fixed files have no fd), or 0. */
struct fd_file fdtable_inode(struct fdtable *t, const struct fd_ident *id);
/* An open of path returned fd (< 0: failed, the path is still
 * recorded). A relative path is relative to base when the kernel named
 * it (base != NULL), else to dirfd (AT_FDCWD or an fd) looked up now. */
struct fd_file fdtable_open(struct fdtable *t, uint32_t pid, int dirfd, const char *base,
			    const char *path, int fd, const struct fd_ident *id);
/* A call on a path without an fd (stat, unlink, ...). */
struct fd_file fdtable_path(struct fdtable *t, uint32_t pid, int dirfd, const char *base,
			    const char *path);
void fdtable_dup(struct fdtable *t, uint32_t pid, int oldfd, int newfd);
void fdtable_close(struct fdtable *t, uint32_t pid, int fd);
void fdtable_close_range(struct fdtable *t, uint32_t pid, unsigned first,
			 unsigned last);
/* A forked child inherits a copy of its parent's fds. */
void fdtable_fork(struct fdtable *t, uint32_t parent, uint32_t child);
/* Learn every fd pid holds now from /proc/PID/fd (fds opened before
 * recording). Returns the number of fds found or -errno. */
int fdtable_scan(struct fdtable *t, uint32_t pid);
/* fdtable_scan() the first time pid is seen (its fds are then known
 * while it lives; a child that inherits them and exits quickly gets the
 * names through fdtable_fork()). Returns 1 if it scanned, 0 if not. */
int fdtable_scan_once(struct fdtable *t, uint32_t pid);
/* Forget every fd of an exited process. */
void fdtable_exit(struct fdtable *t, uint32_t pid);

/* Build the absolute form of path as pid sees it (base if not NULL, else
 * dirfd or the cwd from /proc); "." and ".." are folded. Returns 0 or -ENOENT when the base
 * directory is not known any more (path copied as given). */
int fdtable_abspath(struct fdtable *t, uint32_t pid, int dirfd, const char *base,
		    const char *path, char *out, size_t outlen);

#endif
