/* main.c - ioview: browse recorded I/O traces like iotop. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/input.h"
#include "format/iotrace.h"
#include "tui/model.h"
#include "tui/ui.h"

/* Problems met while opening the inputs: printed if nothing could be
 * opened, otherwise shown in the viewer's header (the terminal is taken
 * by curses once the UI starts). */
struct msgs {
	char **v;
	size_t n;
	int oom;
};

static void collect_msg(void *ctx, enum input_msg_kind kind, const char *name,
			const struct iot_error *err)
{
	struct msgs *m = ctx;
	if (kind == INPUT_NOTE)
		return;
	char *line = NULL;
	char **nv = realloc(m->v, (m->n + 2) * sizeof(*nv));
	if (!nv) {
		m->oom = 1;
		return;
	}
	m->v = nv;
	int rc;
	if (err->offset)
		rc = asprintf(&line, "%s: %s at byte %llu: %s", name, kind == INPUT_ERROR ? "error" : "warning",
			      (unsigned long long)err->offset, err->msg);
	else
		rc = asprintf(&line, "%s: %s: %s", name, kind == INPUT_ERROR ? "error" : "warning", err->msg);
	if (rc < 0) {
		m->oom = 1;
		return;
	}
	m->v[m->n++] = line;
	m->v[m->n] = NULL;
}

static void msgs_free(struct msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
}

/* Decoded chunks' pages of mapped traces go back to the page cache, so a
 * large trace does not stay resident once scanned. */
static void release_pages(void *ctx, uint32_t node, uint64_t from, uint64_t to)
{
	input_release(ctx, node, from, to);
}

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
		case 'V': {
			static const char *const views[] = {"processes", "threads", "jobs", "files",
							    "devices",   "lustre",  NULL};
			int ok = 0;
			for (int k = 0; views[k]; k++)
				ok |= !strcmp(optarg, views[k]);
			if (!ok) {
				fprintf(stderr, "ioview: --view: unknown view '%s' (processes threads jobs files devices lustre)\n",
					optarg);
				return 2;
			}
			uo.view = optarg;
			break;
		}
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
	struct msgs msgs = {0};
	struct input_set in = {0};
	int nt = input_open(&in, argv + optind, (size_t)(argc - optind), collect_msg, &msgs);
	if (nt <= 0 || msgs.oom) {
		for (size_t i = 0; i < msgs.n; i++)
			fprintf(stderr, "ioview: %s\n", msgs.v[i]);
		if (nt == 0 && !msgs.n)
			fprintf(stderr, "ioview: no trace found in the arguments\n");
		else if (nt < 0 || msgs.oom)
			fprintf(stderr, "ioview: out of memory\n");
		input_close(&in);
		msgs_free(&msgs);
		return 1;
	}
	struct model m;
	int rc = model_open(&m, in.readers, in.n);
	if (rc < 0) {
		fprintf(stderr, "ioview: %s\n", iot_strerror(rc));
		input_close(&in);
		msgs_free(&msgs);
		return 1;
	}
	m.release = release_pages;
	m.release_ctx = &in;
	uo.warnings = (const char *const *)msgs.v;
	uo.nwarnings = msgs.n;
	rc = model_start_scan(&m);
	if (!rc)
		rc = ui_run(&m, &uo);
	model_close(&m);
	input_close(&in);
	msgs_free(&msgs);
	if (rc < 0) {
		fprintf(stderr, "ioview: cannot start the terminal UI (is TERM set?)\n");
		return 1;
	}
	return 0;
}
