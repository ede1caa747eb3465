#include "commands.h"
int cmd_jobs(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int cmd_disks(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int cmd_dump(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int cmd_info(int argc, char **argv) { (void)argc; (void)argv; return 1; }
