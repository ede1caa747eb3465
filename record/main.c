/* main.c - iorec: record the I/O of a command or of the whole node. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/options.h"
#include "record/recorder.h"
#include "record/salvage.h"

static const char help_text[] =
	"Usage: iorec [OPTIONS] -- COMMAND [ARG...]\n"
	"       iorec [OPTIONS] --all [--duration SEC]\n"
	"       iorec --check\n"
	"       iorec --salvage [-o FILE] TRACE|SPOOL...\n"
	"\n"
	"Record the I/O of COMMAND (and its children) into one .iotr trace file,\n"
	"then exit with COMMAND's exit status (128+N if signal N killed it).\n"
	"With --all, record the whole node until SIGINT/SIGTERM or SEC seconds.\n"
	"Analyze the file anywhere with ioanalyze, browse it with ioview.\n"
	"\n"
	"Output:\n"
	"  -o, --output FILE       trace file (default iorec-HOST-YYYYmmdd-HHMMSS.iotr)\n"
	"      --force             replace FILE if it exists (refused otherwise)\n"
	"\n"
	"Sources (default: ebpf if it can load, else preload; plus diskstats and\n"
	"procio; plus jobstats where Lustre job_stats files exist):\n"
	"  -s, --sources LIST      comma-separated: ebpf,preload,diskstats,procio,jobstats\n"
	"  -i, --interval MS       poll interval of diskstats/procio/jobstats (default 1000)\n"
	"      --diskstats-file PATH  read PATH instead of /proc/diskstats\n"
	"      --jobstats-glob GLOB   job_stats files to read (repeatable; default\n"
	"                          /proc/fs/lustre/obdfilter/*/job_stats and\n"
	"                          /proc/fs/lustre/mdt/*/job_stats)\n"
	"      --jobstats-cmd CMD  run CMD (with /bin/sh) each interval and parse its\n"
	"                          output, e.g. 'lctl get_param obdfilter.*.job_stats'\n"
	"      --ringbuf-size SIZE eBPF ring buffer size (e.g. 64M)\n"
	"\n"
	"Filters for the event sources (repeatable):\n"
	"      --comm NAME         only processes with this command name\n"
	"      --pid PID           only this process (and, with --all, nothing else)\n"
	"      --tid TID           only this thread\n"
	"      --syscalls LIST     only these operations, e.g. read,pwrite,openat\n"
	"      --path PREFIX       only files under PREFIX\n"
	"\n"
	"Recording:\n"
	"      --all               record the whole node instead of a COMMAND\n"
	"      --duration SEC      with --all: stop after SEC seconds\n"
	"      --job-id ID         job id to store (default: $SLURM_JOB_ID, $PBS_JOBID,\n"
	"                          $LSB_JOBID or $FLUX_JOB_ID)\n"
	"      --anonymize         store keyed hashes instead of paths\n"
	"\n"
	"Other:\n"
	"      --check             tell which sources can run here, and why not\n"
	"      --salvage PATH...   finish a recording that was killed: PATHs are what it\n"
	"                          left, its trace (.FILE.tmp.PID.XXXXXXXX, or FILE) and\n"
	"                          its spool ($TMPDIR/iorec-spool-PID-*, found by itself);\n"
	"                          writes FILE (or -o) with every complete chunk and shard\n"
	"  -q, --quiet             no messages except errors\n"
	"  -v, --verbose           more messages\n"
	"  -h, --help              this text\n"
	"      --version           version of iorec and of the trace format\n"
	"\n"
	"Signals: the first SIGINT/SIGTERM is passed to COMMAND (when it came from\n"
	"kill, not the terminal) and the trace is closed cleanly; a second one stops\n"
	"at once, leaving a file without index that still opens (by recovery).\n"
	"Started with sudo, COMMAND runs as the user who called sudo.\n"
	"\n"
	"Examples:\n"
	"  iorec -o run.iotr -- ./app input.dat      record one run of ./app\n"
	"  sudo iorec -o run.iotr -- mpirun -n 4 ./app   eBPF as root, app as you\n"
	"  iorec -s preload,procio -- make -j8       without root\n"
	"  iorec --all --duration 60 -o node.iotr    the whole node for a minute\n"
	"  iorec --all -s jobstats -i 5000 \\\n"
	"        --jobstats-cmd 'lctl get_param obdfilter.*.job_stats'   Lustre OSS\n"
	"  iorec --check                             what can run on this machine\n"
	"\n"
	"Exit status: COMMAND's status; 1 on an error of iorec's; 2 on a usage error;\n"
	"127 if COMMAND was not found, 126 if it could not be run.\n"
	"See iorec(1) (record/iorec.1.md) for the metadata keys and the sources.\n";

/* Directory of the running binary: sources find their helpers beside it
 * (libiorec-preload.so in <dir>/../lib/iorec/). */
static const char *exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	struct iorec_options o;
	char err[512], dir[4096];
	int rc, code;
	rc = iorec_options_parse(argc, argv, &o, err, sizeof err);
	if (rc == -ENOMEM) {
		fprintf(stderr, "iorec: out of memory\n");
		iorec_options_free(&o);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "iorec: %s\nTry 'iorec --help' for more information.\n", err);
		iorec_options_free(&o);
		return 2;
	}
	o.cfg.exe_dir = exe_dir(dir, sizeof dir);
	if (o.help) {
		fputs(help_text, stdout);
		code = 0;
	} else if (o.version) {
		printf("iorec %s (trace format %d.%d)\n", IOT_VERSION_STRING, IOT_FORMAT_MAJOR,
		       IOT_FORMAT_MINOR);
		code = 0;
	} else if (o.check) {
		code = iorec_check(&o);
	} else if (o.salvage) {
		code = iorec_salvage(&o);
	} else {
		code = iorec_record(&o, argc, argv);
	}
	iorec_options_free(&o);
	return code;
}
