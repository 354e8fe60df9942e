/* cli.h - the headless command line: `orrery [--db PATH] COMMAND ...`.
 * The console runs the same commands through cli_run, so there is one
 * implementation of every operation. */
#ifndef ORR_CLI_H
#define ORR_CLI_H

#include <stdio.h>

/* Run one command line (argv[0] is the program name).  Output goes to out,
 * messages to errs.  Returns the exit status (sysexits.h codes). */
int cli_run(int argc, char **argv, FILE *out, FILE *errs);

#endif
