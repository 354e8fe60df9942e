/* cli.h - the headless command line: `orrery [--db PATH] COMMAND ...`.
 * The console runs the same commands through cli_run, so there is one
 * implementation of every operation. */
#ifndef ORR_CLI_H
#define ORR_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Run one command line (argv[0] is the program name).  Output goes to out,
 * messages to errs.  Returns the exit status (sysexits.h codes). */
int cli_run(int argc, char **argv, FILE *out, FILE *errs);
/* The same for the console's command line (`:`), on one of its threads:
 * `console` and `run` are refused, and no command never means the console. */
int cli_run_embedded(int argc, char **argv, FILE *out, FILE *errs);

/* `orrery console`: what the command line settled for the console. */
struct cli_console {
	const char *db_path;
	const char *rules_dir; /* resolved: --rules, else rules/ beside the db */
	bool read_only;
	long frames;           /* > 0: render that many refresh cycles and exit */
	const char *keys;      /* keys to act on before reading the terminal */
	const char *timings;   /* append each frame's load and draw times here */
};
/* The console lives in ui/ (curses); the program registers it so src/
 * never links curses.  Without one, `console` says it is not built in. */
typedef int (*cli_console_fn)(const struct cli_console *req);
void cli_set_console(cli_console_fn fn);

#endif
