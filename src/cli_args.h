/* cli_args.h - long-option parsing for one command: "--name value",
 * "--name=value", flags, "--" ending options, everything else positional. */
#ifndef ORR_CLI_ARGS_H
#define ORR_CLI_ARGS_H

#include <stdbool.h>

#define CLI_MAX_OPTS 16

struct cli_opt {
	const char *name;   /* without the dashes */
	bool takes_value;
	const char *value;  /* set by cli_args_parse: the value, or "" for a flag seen */
};

struct cli_args {
	struct cli_opt opts[CLI_MAX_OPTS];
	int nopts;
	char **pos;         /* positional arguments, in order */
	int npos;
};

/* Parse argv[0..argc) against args->opts.  On a bad option returns false
 * with *err an allocated message. */
bool cli_args_parse(struct cli_args *args, int argc, char **argv, char **err);
/* The value of an option, or NULL when absent. */
const char *cli_args_get(const struct cli_args *args, const char *name);
void cli_args_free(struct cli_args *args);

#endif
