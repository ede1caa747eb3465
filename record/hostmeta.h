/* hostmeta.h - the host.* metadata of a recording. */
#ifndef IOREC_HOSTMETA_H
#define IOREC_HOSTMETA_H

#include "format/iotrace.h"

/* Write host.name, host.kernel, host.kernel_version, host.arch, host.os,
 * host.cpus, host.mem_bytes. Returns 0 or the writer's error. */
int hostmeta_write(iot_writer *w);

/* Short host name (up to the first dot) into out. */
void hostmeta_short_name(char *out, size_t outlen);

#endif
