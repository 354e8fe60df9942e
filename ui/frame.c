/* frame.c - the console's drawing. */
#include "frame.h"

#include <curses.h>
#include <string.h>
#include <time.h>

#include "bg.h"
#include "keys.h"
#include "term.h"

static void draw_tabs(struct console *c)
{
	term_fill(0, 0, COLS, R_HEADER);
	int x = term_text(0, 0, COLS, " Orrery ", R_TAB_ACTIVE) + 1;
	for (int p = 0; p < NPANES; p++) {
		char tab[48];
		if (p == PANE_APPROVALS)
			snprintf(tab, sizeof tab, " %d %s (%ld) ", p + 1, ui_panes[p]->title, c->pending);
		else
			snprintf(tab, sizeof tab, " %d %s ", p + 1, ui_panes[p]->title);
		x += term_text(0, x, COLS - x, tab, p == c->pane ? R_TAB_ACTIVE : R_TAB);
	}
}

/* Orchestrator, operator and read-only first: the database path is the
 * part that gives way (from its left) on a narrow terminal. */
static void draw_info(struct console *c)
{
	term_fill(1, 0, COLS, R_HEADER);
	char clock[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(clock, sizeof clock, " %H:%M:%S UTC ", &tm);
	char info[256];
	snprintf(info, sizeof info, " orchestrator %s %s operator %s%s%s%s %s db ", c->orch_text,
		 term_vline(), c->op.name, c->op.from[0] ? "@" : "", c->op.from,
		 c->req->read_only ? " [read-only]" : "", term_vline());
	int cw = term_width(clock), x = term_text(1, 0, COLS - cw, info, R_HEADER);
	const char *db = c->req->db_path;
	int room = COLS - cw - x;
	bool cut = term_width(db) > room;
	while (*db && term_width(db) > room - (cut ? 3 : 0))
		db++;
	if (cut)
		x += term_text(1, x, room, "...", R_HEADER);
	term_text(1, x, COLS - cw - x, db, R_HEADER);
	term_text(1, COLS - cw, cw, clock, R_HEADER);
}

/* The key bar: the current pane's keys first, then the global ones, as
 * many as fit; greyed when read-only mode disables them. */
static void draw_footer(struct console *c)
{
	int y = LINES - 1, x = 0;
	term_fill(y, 0, COLS, R_KEY_LABEL);
	size_t n;
	const struct key_binding *k = keys_all(&n);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			bool global = k[i].panes == ALL_PANES;
			if (!k[i].footer || global != (pass == 1) || !(k[i].panes & IN(c->pane)))
				continue;
			bool off = c->req->read_only && !k[i].read_only_safe;
			const char *dot = strrchr(k[i].name, '.');
			const char *word = dot ? dot + 1 : k[i].name;
			if (x + term_width(k[i].label) + (int)strlen(word) + 2 > COLS)
				return;
			x += term_text(y, x, COLS - x, k[i].label, off ? R_KEY_OFF : R_KEY);
			x += term_text(y, x + 1, COLS - x - 1, word, off ? R_KEY_OFF : R_KEY_LABEL) + 3;
		}
}

static void draw_prompt(struct prompt *p, int y)
{
	int x = term_text(y, 0, COLS, p->label, R_PROMPT);
	x += term_text(y, x, COLS - x, " ", R_PROMPT);
	/* the end of a long line stays visible */
	const char *shown = p->buf;
	while (term_width(shown) > COLS - x - 2 && *shown)
		shown++;
	x += term_text(y, x, COLS - x, shown, R_NORMAL);
	term_text(y, x, 1, "_", R_PROMPT);
}

static bool draw_progress(struct console *c, int y)
{
	const char *title;
	double frac;
	if (!ui_bg_progress(c, &title, &frac))
		return false;
	int x = term_text(y, 0, COLS, title, R_WARN) + 1;
	int w = COLS - x - 8 > 40 ? 40 : COLS - x - 8;
	if (frac >= 0 && w > 4) {
		term_bar(y, x, w, frac, R_GOOD);
		char pct[16];
		snprintf(pct, sizeof pct, " %3.0f%%", frac * 100);
		term_text(y, x + w, 6, pct, R_NORMAL);
	}
	return true;
}

/* Marks the operator may not see: say how many there are. */
static void draw_marks(struct console *c, int y)
{
	struct table *t = ui_table(c);
	if (!t || t->nmarks == 0)
		return;
	char line[96];
	size_t hidden = table_marks_hidden(t);
	if (hidden)
		snprintf(line, sizeof line, "%zu marked (%zu hidden by the filter)", t->nmarks, hidden);
	else
		snprintf(line, sizeof line, "%zu marked", t->nmarks);
	term_text(y, 0, COLS, line, R_MARKED);
}

static void draw_status(struct console *c)
{
	int y = LINES - 2;
	term_fill(y, 0, COLS, R_NORMAL);
	if (c->prompt) {
		draw_prompt(c->prompt, y);
	} else if (draw_progress(c, y)) {
		return;
	} else if (c->status[0] && ui_now_ms() < c->status_until) {
		term_text(y, 0, COLS, c->status, c->status_role);
	} else {
		c->status[0] = '\0';
		draw_marks(c, y);
	}
}

static void draw_view(struct console *c, int y, int h)
{
	term_fill(y, 0, COLS, R_TITLE);
	char title[256];
	snprintf(title, sizeof title, " %s   (%zu lines; arrows scroll; Esc: back) ", c->view_title,
		 c->view_n);
	term_text(y, 0, COLS, title, R_TITLE);
	int body = h - 1;
	if (c->view_top + (size_t)body > c->view_n)
		c->view_top = c->view_n > (size_t)body ? c->view_n - (size_t)body : 0;
	for (int i = 0; i < body && c->view_top + (size_t)i < c->view_n; i++) {
		const char *line = c->view_lines[c->view_top + (size_t)i];
		size_t skip = c->view_left < strlen(line) ? c->view_left : strlen(line);
		term_text(y + 1 + i, 1, COLS - 2, line + skip, R_NORMAL);
	}
}

/* A box over the pane for the help. */
static void draw_box(int y, int x, int h, int w, const char *title)
{
	for (int r = 0; r < h; r++)
		term_fill(y + r, x, w, R_NORMAL);
	for (int i = 1; i < w - 1; i++) {
		term_text(y, x + i, 1, term_hline(), R_TITLE);
		term_text(y + h - 1, x + i, 1, term_hline(), R_TITLE);
	}
	for (int r = 1; r < h - 1; r++) {
		term_text(y + r, x, 1, term_vline(), R_TITLE);
		term_text(y + r, x + w - 1, 1, term_vline(), R_TITLE);
	}
	term_text(y, x, 1, term_corner(0), R_TITLE);
	term_text(y, x + w - 1, 1, term_corner(1), R_TITLE);
	term_text(y + h - 1, x, 1, term_corner(2), R_TITLE);
	term_text(y + h - 1, x + w - 1, 1, term_corner(3), R_TITLE);
	term_text(y, x + 2, w - 4, title, R_TITLE);
}

size_t frame_help_rows(const struct console *c)
{
	size_t n, rows = 0;
	const struct key_binding *k = keys_all(&n);
	for (size_t i = 0; i < n; i++)
		rows += k[i].help && (k[i].panes & IN(c->pane));
	return rows;
}

/* The keys of the pane: label, operation name (when there is room) and
 * help, greyed when read-only mode disables them. */
static void draw_help(struct console *c, int y, int h)
{
	int w = COLS < 100 ? COLS : COLS - 4 > 110 ? 110 : COLS - 4, x = (COLS - w) / 2;
	char title[96];
	snprintf(title, sizeof title, " Keys: %s pane%s (Esc closes) ", ui_panes[c->pane]->title,
		 c->req->read_only ? ", read-only: greyed keys are off" : "");
	draw_box(y, x, h, w, title);
	bool names = w >= 100;
	int help_x = x + (names ? 29 : 10);
	size_t n;
	const struct key_binding *k = keys_all(&n);
	int row = 0;
	for (size_t i = 0; i < n; i++) {
		if (!k[i].help || !(k[i].panes & IN(c->pane)))
			continue;
		if (row++ < (int)c->help_top)
			continue;
		int ry = y + row - (int)c->help_top;
		if (ry >= y + h - 1)
			break;
		bool off = c->req->read_only && !k[i].read_only_safe;
		term_text(ry, x + 2, 7, k[i].label, off ? R_DIM : R_KEY);
		if (names)
			term_text(ry, x + 10, 18, k[i].name, off ? R_DIM : R_TITLE);
		term_text(ry, help_x, x + w - 2 - help_x, k[i].help, off ? R_DIM : R_NORMAL);
	}
}

void frame_draw(struct console *c)
{
	erase();
	if (COLS < FRAME_MIN_COLS || LINES < FRAME_MIN_LINES) {
		char msg[96];
		snprintf(msg, sizeof msg, "Orrery needs %dx%d; this terminal is %dx%d", FRAME_MIN_COLS,
			 FRAME_MIN_LINES, COLS, LINES);
		term_text(0, 0, COLS, msg, R_WARN);
		refresh();
		return;
	}
	draw_tabs(c);
	draw_info(c);
	int y = 2, h = LINES - 4;
	c->body_h = h;
	if (c->view_lines)
		draw_view(c, y, h);
	else
		ui_panes[c->pane]->draw(c, c->state[c->pane], y, 0, h, COLS);
	if (c->help)
		draw_help(c, y, h);
	draw_status(c);
	draw_footer(c);
	refresh();
}
