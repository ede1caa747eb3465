// FUZZ-SOURCES: record/ebpf/ebpf_event.c record/ebpf/fdtable.c record/ebpf/ebpf_syscalls.c format/common.c format/codec.c format/schema.c format/reader.c format/writer.c
/* fuzz_ebpf_event.c - libFuzzer target for what the eBPF source does with
 * ring-buffer samples: split the input into samples (2-byte little-endian
 * length, then the bytes), check each (ebpf_sample_parse) and turn it into
 * a trace record with the fd table (ebpf_event_to_io, fdtable_fork/exit).
 * /proc is a directory that does not exist, so nothing outside the input
 * matters. Must never crash, hang or leak. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "record/ebpf/ebpf_event.h"

static void one_sample(const uint8_t *p, size_t n, struct fdtable *t, iot_writer *w)
{
	struct iorec_event e;
	struct iot_io_event io;
	const char *path, *base;

	if (ebpf_sample_parse(p, n, &e, &path, &base))
		return;
	if (e.type == IOREC_EV_FORK)
		fdtable_fork(t, (uint32_t)e.result, e.pid);
	else if (e.type == IOREC_EV_EXIT)
		fdtable_exit(t, e.pid);
	else if (ebpf_event_to_io(&e, path, base, t, &io) == 1)
		iot_writer_add_io(w, &io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[64];
	iot_writer *w = NULL;
	struct fdtable *t = NULL;
	char *prefix[] = { "/keep" };

	snprintf(out, sizeof(out), "/tmp/fuzz_ebpf_event.%d.iotr", (int)getpid());
	unlink(out);
	if (iot_writer_open(&w, out, NULL))
		return 0;
	/* odd inputs filter by --path, even ones do not */
	if (fdtable_new(&t, w, "/nonexistent-proc", prefix, size & 1) == 0) {
		while (size >= 2) {
			size_t n = (size_t)data[0] | (size_t)data[1] << 8;

			data += 2;
			size -= 2;
			if (n > size)
				n = size;
			one_sample(data, n, t, w);
			data += n;
			size -= n;
		}
		fdtable_free(t);
	}
	iot_writer_close(w);
	unlink(out);
	return 0;
}
