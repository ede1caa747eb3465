/* commands.c - the subcommand table. */
#include "commands.h"

#include <string.h>

const struct command commands[] = {
	{ "summary", cmd_summary, "totals, per job/process/file/op: counts, bytes, latency, patterns" },
	{ "jobs", cmd_jobs, "Lustre jobstats as per-interval deltas and per-job totals" },
	{ "disks", cmd_disks, "iostat -x metrics per device per interval (diskstats)" },
	{ "dump", cmd_dump, "every record as text, strace-like" },
	{ "info", cmd_info, "metadata, sources, streams, counts, losses, integrity" },
};
const size_t ncommands = sizeof commands / sizeof commands[0];

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < ncommands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}
