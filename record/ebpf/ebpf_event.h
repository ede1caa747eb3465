/* ebpf_event.h - turns the kernel side's events (struct iorec_event)
 * into trace records, with the fd table naming their files. Kept apart
 * from the loader so that it can be tested without BPF. */
#ifndef IOREC_EBPF_EVENT_H
#define IOREC_EBPF_EVENT_H

#include <linux/types.h>

#include "format/iotrace.h"
#include "record/ebpf/fdtable.h"
#include "record/ebpf/iorec.h"

/* Turn one kernel event (path: the path after it, or NULL; base: the
 * kernel's name of a relative path's directory, or NULL) into an I/O
 * record, updating the fd table. Returns 1 when out should be written,
 * 0 when the event is dropped (--path excludes its file) and -EINVAL for
 * an event that makes no sense (unknown syscall or type). */
int ebpf_event_to_io(const struct iorec_event *e, const char *path, const char *base,
		     struct fdtable *fds, struct iot_io_event *out);

/* Check one ring-buffer sample of size bytes and copy its event into *e
 * (the sample may be unaligned); *path and *base point into data or are
 * NULL. Returns 0, or -EINVAL for a sample that is too short, whose
 * lengths overrun it or whose strings are not terminated. */
int ebpf_sample_parse(const void *data, size_t size, struct iorec_event *e,
		      const char **path, const char **base);

#endif
