/* main.c - ioview: browse recorded I/O traces like iotop. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/iotrace.h"
#include "tui/model.h"
#include "tui/ui.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ioview [OPTIONS] TRACE...\n"
		"Browse recorded I/O traces like iotop: a table of processes (or threads,\n"
		"jobs, files, devices, Lustre jobs) for a time window that you step or play\n"
		"through the recording. TRACE is a .iotr file, a directory of them or an\n"
		"archive (.tar, .tar.gz, .tar.zst, .zip); several traces are merged on time.\n"
		"\n"
		"Options:\n"
		"  -w, --window SEC   initial window length in seconds (default 1, or a tenth\n"
		"                     of a recording shorter than 2 s)\n"
		"  -a, --accumulated  start with totals accumulated since the start\n"
		"  -V, --view NAME    first view: processes threads jobs files devices lustre\n"
		"      --no-color     monochrome (also when NO_COLOR is set)\n"
		"  -h, --help         this help\n"
		"      --version      print the version\n"
		"\n"
		"Keys: ? or F1 lists them all. Left/Right step the window, [ ] resize it,\n"
		"Space plays, Tab switches views, Enter drills into a row, / filters, q quits.\n"
		"\n"
		"Examples:\n"
		"  ioview run.iotr                  open a recording\n"
		"  ioview -w 10 -V files run.iotr   10 s windows, start in the files view\n"
		"  ioview nodes/                    all traces of a directory, merged\n"
		"  ioview job1234.tar.zst           traces inside an archive\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"window", required_argument, NULL, 'w'},
		{"accumulated", no_argument, NULL, 'a'},
		{"view", required_argument, NULL, 'V'},
		{"no-color", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	struct ui_opts uo = {0};
	int c;
	while ((c = getopt_long(argc, argv, "w:aV:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w': {
			char *end;
			uo.window_s = strtod(optarg, &end);
			if (*end || uo.window_s <= 0) {
				fprintf(stderr, "ioview: --window: not a positive number of seconds: %s\n", optarg);
				return 2;
			}
			break;
		}
		case 'a':
			uo.accumulated = 1;
			break;
		case 'V':
			uo.view = optarg;
			break;
		case 'C':
			uo.no_color = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("ioview %s (trace format %d.%d)\n", IOT_VERSION_STRING, IOT_FORMAT_MAJOR,
			       IOT_FORMAT_MINOR);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ioview: no trace given\n");
		usage(stderr);
		return 2;
	}
	size_t n = (size_t)(argc - optind);
	iot_reader **rd = calloc(n, sizeof(*rd));
	char **warn = calloc(n * 2 + 1, sizeof(*warn));
	if (!rd || !warn) {
		fprintf(stderr, "ioview: out of memory\n");
		return 1;
	}
	size_t nwarn = 0;
	for (size_t i = 0; i < n; i++) {
		const char *path = argv[optind + (int)i];
		struct iot_error err = {0};
		int rc = iot_reader_open(&rd[i], path, &err);
		if (rc < 0) {
			fprintf(stderr, "ioview: %s: %s (at byte %llu)%s%s\n", path, iot_strerror(rc),
				(unsigned long long)err.offset, err.msg[0] ? ": " : "", err.msg);
			return 1;
		}
		struct iot_integrity in;
		iot_reader_integrity(rd[i], &in);
		if (in.dropped_bytes || in.corrupt_chunks || !in.footer_ok) {
			char *w = NULL;
			if (asprintf(&w, "%s: %s%llu bytes of truncated tail dropped after offset %llu, %u corrupt chunks skipped",
				     path, in.footer_ok ? "" : "no index (recovered by scanning); ",
				     (unsigned long long)in.dropped_bytes, (unsigned long long)in.good_end,
				     in.corrupt_chunks) > 0)
				warn[nwarn++] = w;
		}
	}
	struct model m;
	int rc = model_open(&m, rd, n);
	if (rc < 0) {
		fprintf(stderr, "ioview: %s\n", iot_strerror(rc));
		return 1;
	}
	uo.warnings = (const char *const *)warn;
	uo.nwarnings = nwarn;
	model_start_scan(&m);
	rc = ui_run(&m, &uo);
	model_close(&m);
	for (size_t i = 0; i < nwarn; i++)
		free(warn[i]);
	free(warn);
	free(rd);
	if (rc < 0) {
		fprintf(stderr, "ioview: cannot start the terminal UI (is TERM set?)\n");
		return 1;
	}
	return 0;
}
