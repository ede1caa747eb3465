/* commands.h - ioanalyze's subcommands. Adding one is one line in
 * commands.c plus its function. */
#ifndef ANALYZE_COMMANDS_H
#define ANALYZE_COMMANDS_H

#include <stddef.h>

/* A command gets argv with argv[0] = the command name; returns the exit
 * status (0 ok, 1 error, 2 usage). */
typedef int (*command_fn)(int argc, char **argv);

struct command {
	const char *name;
	command_fn fn;
	const char *help; /* one line for the command list */
};

extern const struct command commands[];
extern const size_t ncommands;

const struct command *command_find(const char *name);

int cmd_summary(int argc, char **argv);
int cmd_jobs(int argc, char **argv);
int cmd_disks(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_info(int argc, char **argv);

#endif
