/* ebpf_source.h - iorec's eBPF source: iorec_source_ebpf (declared in
 * record/source.h) loads iorec.bpf.c and drains its ring buffer. */
#ifndef IOREC_EBPF_SOURCE_H
#define IOREC_EBPF_SOURCE_H

#include "record/source.h"

/* Default ring buffer: 64 MiB holds about 0.7 s of events at 1M/s. */
#define EBPF_DEFAULT_RINGBUF (64u << 20)
/* Drain period: the ring buffer is read without wakeups. */
#define EBPF_DRAIN_NS (10 * 1000000ull)

/* Round a requested ring-buffer size up to a power of two of at least
 * one page (what the kernel accepts); 0 gives the default. */
size_t ebpf_ringbuf_size(size_t want);

#endif
