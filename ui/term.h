/* term.h - the terminal: set-up and tear-down, colour roles (colour, NO_COLOR
 * and monochrome), the glyphs of the locale (Unicode or ASCII), and text
 * drawn clipped to a number of columns.  The only file that knows how
 * colours and line drawing are spelt; panes ask for roles and glyphs. */
#ifndef ORR_UI_TERM_H
#define ORR_UI_TERM_H

#include <stdbool.h>
#include <stddef.h>

/* Semantic roles, not colours: a scheme maps each to an attribute. */
enum role {
	R_NORMAL,
	R_HEADER,     /* the top bars */
	R_TAB,        /* a pane name in the tab bar */
	R_TAB_ACTIVE,
	R_KEY,        /* a key in the footer */
	R_KEY_LABEL,
	R_KEY_OFF,    /* a key read-only mode disables */
	R_TITLE,      /* a column header, a section title */
	R_SELECTED,   /* the cursor row */
	R_MARKED,
	R_GOOD,
	R_WARN,
	R_BAD,
	R_DIM,
	R_PROMPT,
	R_NROLES
};

/* Start curses on the terminal (or on out with TERM when not a terminal,
 * for --frames runs in pipelines).  false with *why when impossible. */
bool term_start(bool monochrome_forced, const char **why);
void term_stop(void);
bool term_started(void);
/* Unicode drawing allowed (the locale is UTF-8). */
bool term_unicode(void);
/* Colours in use (not NO_COLOR, terminal has them). */
bool term_colour(void);
int term_attr(enum role r);

/* Glyphs of the locale. */
const char *term_hline(void);
const char *term_vline(void);
/* Box corners: 0 top left, 1 top right, 2 bottom left, 3 bottom right. */
const char *term_corner(int which);
/* A bar of value 0..1 over width cells (eighths in Unicode, '#' in ASCII). */
void term_bar(int y, int x, int width, double value, enum role r);
/* Sparkline of n values scaled to their own range, clipped to width cells
 * (the newest values kept). */
void term_spark(int y, int x, int width, const double *v, size_t n, enum role r);
/* The same as text (UTF-8) in out, for a table cell. */
void term_spark_text(const double *v, size_t n, size_t width, char *out, size_t size);
/* Sparkline text of n values on a given scale [lo, hi], so that several
 * series (a forecast and its interval) can be drawn comparably. */
void term_spark_range_text(const double *v, size_t n, double lo, double hi, char *out,
			   size_t size);

/* Draw UTF-8 text at y, x in at most w columns, with attribute role r.
 * Characters the terminal cannot show become '?'; control characters
 * become spaces.  Returns the columns used. */
int term_text(int y, int x, int w, const char *text, enum role r);
/* The same, padded with spaces to exactly w columns. */
void term_text_pad(int y, int x, int w, const char *text, enum role r);
/* Columns the text takes on screen. */
int term_width(const char *text);
/* Fill a row segment with spaces of role r. */
void term_fill(int y, int x, int w, enum role r);

#endif
