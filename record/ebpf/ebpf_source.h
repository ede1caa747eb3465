/* ebpf_source.h - iorec's eBPF source (iorec_source_ebpf, declared in
 * record/source.h) and the event conversion it is built on, exposed for
 * the unit tests. */
#ifndef IOREC_EBPF_SOURCE_H
#define IOREC_EBPF_SOURCE_H

#include <linux/types.h>

#include "record/source.h"
#include "record/ebpf/fdtable.h"
#include "record/ebpf/iorec.h"

/* Default ring buffer: 64 MiB holds about 0.7 s of events at 1M/s. */
#define EBPF_DEFAULT_RINGBUF (64u << 20)
/* Drain period: the ring buffer is read without wakeups. */
#define EBPF_DRAIN_NS (10 * 1000000ull)

/* Turn one kernel event (path: the bytes after it, or NULL) into an I/O
 * record, updating the fd table. Returns 1 when out should be written,
 * 0 when the event is dropped (--path excludes its file) and -EINVAL for
 * an event that makes no sense (unknown syscall or type). */
int ebpf_event_to_io(const struct iorec_event *e, const char *path,
		     struct fdtable *fds, struct iot_io_event *out);

/* Round a requested ring-buffer size up to a power of two of at least
 * one page (what the kernel accepts); 0 gives the default. */
size_t ebpf_ringbuf_size(size_t want);

#endif
