/* frame.h - drawing the console: the tab bar and the header line, the
 * active pane or its drill-down view, the help overlay, the status line
 * and the key bar.  Draws into curses' buffer only; refresh() then sends
 * what changed. */
#ifndef ORR_UI_FRAME_H
#define ORR_UI_FRAME_H

#include "ui.h"

#define FRAME_MIN_COLS 80
#define FRAME_MIN_LINES 24

void frame_draw(struct console *c);
/* Rows of help the current pane has (for scrolling it). */
size_t frame_help_rows(const struct console *c);

#endif
