/* console.h - the operations console: `orrery console` and `orrery` on a
 * terminal.  Drives the same src/ modules as the command line. */
#ifndef ORR_UI_CONSOLE_H
#define ORR_UI_CONSOLE_H

#include "cli.h"

/* Run the console until the operator quits (or --frames runs out).
 * Returns an exit status (sysexits.h codes). */
int console_main(const struct cli_console *req);

#endif
