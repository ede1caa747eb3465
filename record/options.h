/* options.h - iorec's command line. */
#ifndef IOREC_OPTIONS_H
#define IOREC_OPTIONS_H

#include <stddef.h>

#include "record/source.h"

struct iorec_options {
	struct iorec_config cfg;
	const char *output;      /* -o, NULL = iorec-HOST-DATE-TIME.iotr */
	int force;               /* --force */
	int check;               /* --check */
	int salvage;             /* --salvage: command holds the paths */
	int help, version;
	const char *sources_arg; /* -s LIST, NULL = default selection */
	char **command;          /* COMMAND and its arguments, NULL-terminated */
	int ncommand;
};

/* Parse argv. Returns 0, or -EINVAL for a usage error with a one-line
 * message in err (what was wrong), or -ENOMEM. The environment supplies
 * the default job id. Strings point into argv or are owned by o. */
int iorec_options_parse(int argc, char **argv, struct iorec_options *o, char *err,
			size_t errlen);
void iorec_options_free(struct iorec_options *o);

/* Parse a size with an optional K, M or G suffix (powers of 1024). */
int iorec_parse_size(const char *s, size_t *out);

#endif
