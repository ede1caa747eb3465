/* main.c - ioanalyze: offline analysis of .iotr traces.
 *
 * Dispatches to the subcommands in commands.c; each parses its own
 * options (cli.c) and prints its report. Exit status: 0 success, 1 error,
 * 2 usage. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "format/iotrace.h"

static void usage(FILE *f)
{
	fputs("usage: ioanalyze COMMAND [OPTIONS] TRACE...\n"
	      "\n"
	      "Analyze I/O traces recorded by iorec, offline. A TRACE is an .iotr file, a\n"
	      "directory (searched for *.iotr) or an archive (.tar, .tar.gz, .tar.zst, .zip)\n"
	      "of traces, read in place. Traces of several nodes are merged on wall-clock time.\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < ncommands; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fputs("\n"
	      "Examples:\n"
	      "  ioanalyze summary run.iotr                   report at a glance\n"
	      "  ioanalyze summary --by file --top 20 run.iotr\n"
	      "  ioanalyze summary --format json job-1234.tar.zst | jq .totals\n"
	      "  ioanalyze jobs --format csv traces/          Lustre jobstats deltas\n"
	      "  ioanalyze disks run.iotr                     iostat -x per interval\n"
	      "  ioanalyze dump --pid 4242 run.iotr | less    every event, strace-like\n"
	      "  ioanalyze info run.iotr                      what is in the file\n"
	      "\n"
	      "Run 'ioanalyze COMMAND --help' for a command's options; see ioanalyze(1).\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("ioanalyze %s (trace format %d.%d)\n", IOT_VERSION_STRING, IOT_FORMAT_MAJOR,
		       IOT_FORMAT_MINOR);
		return 0;
	}
	const struct command *cmd = command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "ioanalyze: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return cmd->fn(argc - 1, argv + 1);
}
