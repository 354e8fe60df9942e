/* bg.h - work the console does off the main thread, so the interface never
 * blocks: one background task at a time (an audit with a progress gauge,
 * a command of the command line) and the in-process orchestrator.  Each
 * thread opens its own database connection. */
#ifndef ORR_UI_BG_H
#define ORR_UI_BG_H

#include "ui.h"

/* Collect a finished task: its output becomes the view, its outcome is
 * logged.  Called by the loop each pass. */
void ui_bg_poll(struct console *c);
/* Wait for a running task (on quit). */
void ui_bg_wait(struct console *c);
/* Stop the orchestrator and wait for it (on quit). */
void ui_orch_stop(struct console *c);

#endif
