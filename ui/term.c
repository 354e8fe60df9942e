/* term.c - curses set-up, colour roles, glyphs and clipped text. */
#include "term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

static bool started, unicode, colour;
static SCREEN *screen;

struct look {
	short fg, bg;
	int attr;
};

/* Colour scheme: roles to colours (-1: the terminal's default). */
static const struct look colour_scheme[R_NROLES] = {
	[R_NORMAL] = { -1, -1, 0 },
	[R_HEADER] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[R_TAB] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[R_TAB_ACTIVE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
	[R_KEY] = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
	[R_KEY_LABEL] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[R_KEY_OFF] = { COLOR_BLUE, COLOR_CYAN, 0 },
	[R_TITLE] = { COLOR_CYAN, -1, A_BOLD },
	[R_SELECTED] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[R_MARKED] = { COLOR_YELLOW, -1, A_BOLD },
	[R_GOOD] = { COLOR_GREEN, -1, 0 },
	[R_WARN] = { COLOR_YELLOW, -1, A_BOLD },
	[R_BAD] = { COLOR_RED, -1, A_BOLD },
	[R_DIM] = { COLOR_BLUE, -1, A_BOLD },
	[R_PROMPT] = { COLOR_YELLOW, -1, A_BOLD },
};

/* Monochrome (NO_COLOR, or a terminal without colours): attributes only. */
static const int mono_scheme[R_NROLES] = {
	[R_NORMAL] = A_NORMAL,	   [R_HEADER] = A_REVERSE,   [R_TAB] = A_REVERSE,
	[R_TAB_ACTIVE] = A_BOLD,   [R_KEY] = A_BOLD,	     [R_KEY_LABEL] = A_REVERSE,
	[R_KEY_OFF] = A_REVERSE | A_DIM, [R_TITLE] = A_BOLD | A_UNDERLINE,
	[R_SELECTED] = A_REVERSE,  [R_MARKED] = A_BOLD,	     [R_GOOD] = A_NORMAL,
	[R_WARN] = A_BOLD,	   [R_BAD] = A_BOLD | A_UNDERLINE, [R_DIM] = A_DIM,
	[R_PROMPT] = A_BOLD,
};

static void start_colours(void)
{
	start_color();
	use_default_colors();
	for (int r = 0; r < R_NROLES; r++)
		init_pair((short)(r + 1), colour_scheme[r].fg, colour_scheme[r].bg);
}

bool term_start(bool monochrome_forced, const char **why)
{
	/* LC_CTYPE only: LC_NUMERIC would change how every thread prints and
	 * parses numbers (a comma decimal breaks JSON and the audit). */
	setlocale(LC_CTYPE, "");
	unicode = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (isatty(STDOUT_FILENO)) {
		if (!initscr()) {
			*why = "cannot start the terminal (is TERM set?)";
			return false;
		}
	} else {
		const char *t = getenv("TERM");
		screen = newterm(t && *t ? t : "xterm", stdout, stdin);
		if (!screen) {
			*why = "cannot start the terminal: unknown TERM";
			return false;
		}
		set_term(screen);
	}
	raw();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	const char *nc = getenv("NO_COLOR");
	colour = !monochrome_forced && !(nc && *nc) && has_colors();
	if (colour)
		start_colours();
	started = true;
	return true;
}

void term_stop(void)
{
	if (!started)
		return;
	endwin();
	if (screen)
		delscreen(screen);
	screen = NULL;
	started = false;
}

bool term_started(void)
{
	return started;
}

bool term_unicode(void)
{
	return unicode;
}

bool term_colour(void)
{
	return colour;
}

int term_attr(enum role r)
{
	if (!colour)
		return mono_scheme[r];
	return (int)COLOR_PAIR(r + 1) | colour_scheme[r].attr;
}

const char *term_hline(void)
{
	return unicode ? "\u2500" : "-";
}

const char *term_vline(void)
{
	return unicode ? "\u2502" : "|";
}

const char *term_corner(int which)
{
	static const char *const u[] = { "\u250c", "\u2510", "\u2514", "\u2518" };
	return unicode && which >= 0 && which < 4 ? u[which] : "+";
}

void term_fill(int y, int x, int w, enum role r)
{
	attrset(term_attr(r));
	for (int i = 0; i < w; i++)
		mvaddch(y, x + i, ' ');
	attrset(A_NORMAL);
}

/* One character of text: its wide form and width; invalid bytes and
 * what the terminal cannot show become '?', control characters ' '. */
static size_t next_char(const char *s, size_t len, mbstate_t *ms, wchar_t *wc, int *width)
{
	unsigned char b = (unsigned char)*s;
	if (b < 0x80 || !unicode) {
		size_t skip = 1;
		if (b >= 0x80) /* one '?' per UTF-8 sequence */
			while (skip < len && ((unsigned char)s[skip] & 0xC0) == 0x80)
				skip++;
		*wc = b < 0x20 || b == 0x7F ? L' ' : b >= 0x80 ? L'?' : (wchar_t)b;
		*width = 1;
		return skip;
	}
	size_t n = mbrtowc(wc, s, len, ms);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		memset(ms, 0, sizeof *ms);
		*wc = L'?';
		*width = 1;
		return 1;
	}
	*width = wcwidth(*wc);
	if (*width < 0) {
		*wc = L'?';
		*width = 1;
	}
	return n;
}

int term_text(int y, int x, int w, const char *text, enum role r)
{
	if (!text || w <= 0)
		return 0;
	attrset(term_attr(r));
	move(y, x);
	mbstate_t ms;
	memset(&ms, 0, sizeof ms);
	size_t len = strlen(text);
	int used = 0;
	for (size_t i = 0; i < len;) {
		wchar_t wc[2] = { 0, 0 };
		int cw;
		size_t n = next_char(text + i, len - i, &ms, &wc[0], &cw);
		if (used + cw > w)
			break;
		if (cw > 0)
			addnwstr(wc, 1);
		used += cw;
		i += n;
	}
	attrset(A_NORMAL);
	return used;
}

void term_text_pad(int y, int x, int w, const char *text, enum role r)
{
	int used = term_text(y, x, w, text, r);
	if (used < w)
		term_fill(y, x + used, w - used, r);
}

int term_width(const char *text)
{
	mbstate_t ms;
	memset(&ms, 0, sizeof ms);
	size_t len = strlen(text);
	int used = 0;
	for (size_t i = 0; i < len;) {
		wchar_t wc;
		int cw;
		i += next_char(text + i, len - i, &ms, &wc, &cw);
		used += cw;
	}
	return used;
}

static const char *const eighths[] = { " ", "\u258f", "\u258e", "\u258d", "\u258c",
				       "\u258b", "\u258a", "\u2589", "\u2588" };

void term_bar(int y, int x, int width, double value, enum role r)
{
	if (value < 0 || value != value)
		value = 0;
	if (value > 1)
		value = 1;
	int units = (int)(value * width * 8 + 0.5);
	if (units == 0)
		units = 1; /* a zero is a finding too: a sliver, not nothing */
	for (int i = 0; i < width; i++) {
		int cell = units - i * 8;
		cell = cell < 0 ? 0 : cell > 8 ? 8 : cell;
		const char *g = unicode ? eighths[cell] : cell >= 4 ? "#" : ".";
		term_text(y, x + i, 1, g, cell == 0 ? R_DIM : r);
	}
}

static const char *const ramp_unicode[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					    "\u2585", "\u2586", "\u2587", "\u2588" };
static const char *const ramp_ascii[] = { "_", ".", "-", ":", "=", "+", "*", "#" };

void term_spark(int y, int x, int width, const double *v, size_t n, enum role r)
{
	char text[8 * 64];
	size_t w = width > 64 ? 64 : (size_t)width;
	term_spark_text(v, n, w, text, sizeof text);
	bool any = false;
	for (size_t i = n > w ? n - w : 0; i < n; i++)
		any |= v[i] > 0;
	term_text(y, x, width, text, any ? r : R_DIM);
}

void term_spark_range_text(const double *v, size_t n, double lo, double hi, char *out,
			   size_t size)
{
	const char *const *ramp = unicode ? ramp_unicode : ramp_ascii;
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		double x = v[i] < lo ? lo : v[i] > hi ? hi : v[i];
		int level = hi > lo ? (int)((x - lo) / (hi - lo) * 7 + 0.5) : 0;
		size_t len = strlen(ramp[level]);
		if (o + len + 1 > size)
			break;
		memcpy(out + o, ramp[level], len + 1);
		o += len;
	}
}

void term_spark_text(const double *v, size_t n, size_t width, char *out, size_t size)
{
	size_t first = n > width ? n - width : 0, o = 0;
	double lo = 0, hi = 0;
	for (size_t i = first; i < n; i++) {
		if (i == first || v[i] < lo)
			lo = v[i];
		if (i == first || v[i] > hi)
			hi = v[i];
	}
	const char *const *ramp = unicode ? ramp_unicode : ramp_ascii;
	out[0] = '\0';
	for (size_t i = first; i < n; i++) {
		int level = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7 + 0.5) : hi > 0 ? 3 : 0;
		size_t len = strlen(ramp[level]);
		if (o + len + 1 > size)
			break;
		memcpy(out + o, ramp[level], len + 1);
		o += len;
	}
}
