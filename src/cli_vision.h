/* cli_vision.h - `orrery vision SUBCOMMAND`: presets, process, check, mask
 * (cli_vision.c) and the composites' subcommands, one line each in the
 * table of cli_vision.c. */
#ifndef ORR_CLI_VISION_H
#define ORR_CLI_VISION_H

#include "cli_internal.h"

/* One subcommand.  options lists the --options it takes (space
 * separated, from those the `vision` command declares); any other is a
 * usage error. */
struct cli_vision_sub {
	const char *name;
	const char *usage;   /* after "orrery vision " */
	const char *summary;
	const char *options;
	int (*run)(struct cli *cli);
};

extern const struct cli_command cli_vision_commands[];
extern const int cli_vision_ncommands;

#endif
