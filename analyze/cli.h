/* cli.h - options shared by ioanalyze's commands and opening the TRACE
 * arguments. Each command says which options it takes (a CLI_* mask) and
 * its usage text; cli_parse does the rest. */
#ifndef ANALYZE_CLI_H
#define ANALYZE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "out.h"

enum cli_opt {
	CLI_FORMAT = 1u << 0,  /* -f/--format text|json|csv */
	CLI_FILTERS = 1u << 1, /* --pid --comm --path --since --until */
	CLI_BY = 1u << 2,      /* --by job|process|file|op */
	CLI_TOP = 1u << 3,     /* --top N */
	CLI_STREAM = 1u << 4,  /* --stream NAME (repeatable) */
	CLI_MODEL = 1u << 5,   /* --model CSV */
	CLI_OUTPUT = 1u << 6,  /* -o/--output FILE */
	CLI_INFLUX = 1u << 7,  /* --influx FILE */
	CLI_HDF5 = 1u << 8,    /* --hdf5 FILE */
	CLI_THREADS = 1u << 9, /* --threads */
};

enum cli_by { BY_ALL = 0, BY_JOB, BY_PROCESS, BY_FILE, BY_OP };

struct cli {
	const char *cmd;
	int format;               /* enum out_format */
	int format_set;
	enum cli_by by;
	size_t top;               /* 0 = command default */
	int progress;             /* -1 auto, 0 --no-progress, 1 --progress */
	int threads;
	uint64_t since_ns, until_ns;
	uint32_t *pids; size_t npids;
	char **comms; size_t ncomms;
	char **paths; size_t npaths;
	uint32_t streams;         /* stream mask from --stream, 0 = all */
	const char *model, *output, *influx, *hdf5;
	char **args; size_t nargs; /* TRACE arguments */
};

/* Parse argv (argv[0] = command name). Returns 0 to go on, or an exit
 * status to return at once: 0 after --help, 2 on a usage error (message
 * printed). usage is the command's --help text. */
int cli_parse(struct cli *c, int argc, char **argv, unsigned accepted, const char *usage,
	      int *exit_now);
void cli_free(struct cli *c);

/* Open the TRACE arguments, printing errors and warnings. Returns 0 when
 * at least one trace opened, else 1 (message printed). */
int cli_open(struct cli *c, struct input_set *in);

/* Print "ioanalyze CMD: " + message to stderr. */
void cli_error(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
