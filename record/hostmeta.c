/* hostmeta.c - facts about the node, read once at the start. */
#include "record/hostmeta.h"

#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

/* PRETTY_NAME from os-release, unquoted; "" if unknown. */
static void os_release(char *out, size_t outlen)
{
	static const char *const files[] = {"/etc/os-release", "/usr/lib/os-release"};
	char line[512];
	out[0] = '\0';
	for (size_t i = 0; i < 2 && !out[0]; i++) {
		FILE *f = fopen(files[i], "re");
		if (!f)
			continue;
		while (fgets(line, sizeof line, f)) {
			char *v;
			size_t n;
			if (strncmp(line, "PRETTY_NAME=", 12) != 0)
				continue;
			v = line + 12;
			n = strcspn(v, "\n");
			v[n] = '\0';
			if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
				v[n - 1] = '\0';
				v++;
			}
			snprintf(out, outlen, "%s", v);
			break;
		}
		fclose(f);
	}
}

void hostmeta_short_name(char *out, size_t outlen)
{
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.nodename, sizeof u.nodename, "unknown");
	u.nodename[strcspn(u.nodename, ".")] = '\0';
	snprintf(out, outlen, "%s", u.nodename);
}

int hostmeta_write(iot_writer *w)
{
	struct utsname u;
	struct sysinfo si;
	char os[512];
	int rc = 0;
	if (uname(&u) == 0) {
		rc = rc ? rc : iot_writer_set_meta(w, "host.name", u.nodename);
		rc = rc ? rc : iot_writer_set_meta(w, "host.kernel", u.release);
		rc = rc ? rc : iot_writer_set_meta(w, "host.kernel_version", u.version);
		rc = rc ? rc : iot_writer_set_meta(w, "host.arch", u.machine);
	}
	os_release(os, sizeof os);
	if (os[0])
		rc = rc ? rc : iot_writer_set_meta(w, "host.os", os);
	rc = rc ? rc : iot_writer_set_metaf(w, "host.cpus", "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	if (sysinfo(&si) == 0)
		rc = rc ? rc : iot_writer_set_metaf(w, "host.mem_bytes", "%llu",
						    (unsigned long long)si.totalram * si.mem_unit);
	return rc;
}
