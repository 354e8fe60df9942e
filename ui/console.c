/* console.c - the frame and the main loop: header with the tab bar, the
 * active pane, the status line and the footer; keys resolved through the
 * key table; the drill-down view, help and log overlays, prompts.
 *
 * The loop (htop's shape): wait up to a tick for a key, reload the data
 * of the header and the active pane once a second or after an action,
 * draw everything into curses' buffer and let refresh() send only what
 * changed, so an idle console writes a few bytes a second (the clock). */
#include "console.h"

#include <curses.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "bg.h"
#include "keys.h"
#include "store.h"
#include "store_approval.h"
#include "term.h"
#include "ui.h"
#include "xalloc.h"

#define TICK_MS 200
#define RELOAD_MS 1000
#define STATUS_MS 6000
#define MIN_COLS 80
#define MIN_LINES 24

static const struct pane_class *const panes[NPANES] = {
	&pane_audit, &pane_map, &pane_rules, &pane_jobs, &pane_kpis, &pane_approvals,
};

struct prompt {
	char label[192];
	char buf[512];
	size_t len;
	bool confirm;
	prompt_fn done;
	void *ctx;
};

/* --- services for the panes ------------------------------------------------ */

int64_t ui_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_status(struct console *c, enum role r, const char *fmt, va_list ap)
{
	vsnprintf(c->status, sizeof c->status, fmt, ap);
	c->status_role = r;
	c->status_until = ui_now_ms() + STATUS_MS;
}

void ui_status(struct console *c, enum role r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_status(c, r, fmt, ap);
	va_end(ap);
}

void ui_log(struct console *c, enum role r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_status(c, r, fmt, ap);
	va_end(ap);
	char when[16];
	ui_time(ui_now_ms(), when, sizeof when);
	c->log = xrealloc(c->log, (c->nlog + 1) * sizeof *c->log);
	c->log[c->nlog++] = xasprintf("%s  %s", when, c->status);
	c->reload = true;
}

static void view_close(struct console *c)
{
	for (size_t i = 0; i < c->view_n; i++)
		free(c->view_lines[i]);
	free(c->view_lines);
	free(c->view_title);
	c->view_lines = NULL;
	c->view_title = NULL;
	c->view_n = c->view_top = 0;
}

void ui_view(struct console *c, const char *title, char *text)
{
	view_close(c);
	c->view_title = xstrdup(title);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		c->view_lines = xrealloc(c->view_lines, (c->view_n + 1) * sizeof *c->view_lines);
		c->view_lines[c->view_n++] = xstrdup(line);
	}
	if (c->view_n == 0) {
		c->view_lines = xcalloc(1, sizeof *c->view_lines);
		c->view_lines[c->view_n++] = xstrdup("(nothing)");
	}
	free(text);
}

void ui_view_json(struct console *c, const char *title, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ui_view(c, title, text ? text : xstrdup("(cannot show)"));
}

static void prompt_open(struct console *c, const char *label, const char *initial, bool confirm,
			prompt_fn done, void *ctx)
{
	free(c->prompt);
	c->prompt = xcalloc(1, sizeof *c->prompt);
	snprintf(c->prompt->label, sizeof c->prompt->label, "%s", label);
	snprintf(c->prompt->buf, sizeof c->prompt->buf, "%s", initial ? initial : "");
	c->prompt->len = strlen(c->prompt->buf);
	c->prompt->confirm = confirm;
	c->prompt->done = done;
	c->prompt->ctx = ctx;
}

void ui_prompt(struct console *c, const char *label, const char *initial, prompt_fn done,
	       void *ctx)
{
	prompt_open(c, label, initial, false, done, ctx);
}

void ui_confirm(struct console *c, const char *question, prompt_fn done, void *ctx)
{
	prompt_open(c, question, NULL, true, done, ctx);
}

const char *ui_str(json_t *row, const char *field)
{
	json_t *v = json_object_get(row, field);
	return json_is_string(v) ? json_string_value(v) : "";
}

long long ui_int(json_t *row, const char *field)
{
	json_t *v = json_object_get(row, field);
	return json_is_integer(v) ? (long long)json_integer_value(v) : (long long)json_number_value(v);
}

double ui_num(json_t *row, const char *field)
{
	return json_number_value(json_object_get(row, field));
}

void ui_time(int64_t ms, char *out, size_t size)
{
	if (ms <= 0) {
		snprintf(out, size, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000), now = time(NULL);
	struct tm tm, today;
	gmtime_r(&t, &tm);
	gmtime_r(&now, &today);
	bool same_day = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
	strftime(out, size, same_day ? "%H:%M:%S" : "%m-%d %H:%M", &tm);
}

void ui_ago(int64_t ms, int64_t now, char *out, size_t size)
{
	if (ms <= 0) {
		snprintf(out, size, "never");
		return;
	}
	int64_t s = (now - ms) / 1000;
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(out, size, "%llds ago", (long long)s);
	else if (s < 7200)
		snprintf(out, size, "%lldm ago", (long long)(s / 60));
	else if (s < 172800)
		snprintf(out, size, "%lldh ago", (long long)(s / 3600));
	else
		snprintf(out, size, "%lldd ago", (long long)(s / 86400));
}

/* --- drawing --------------------------------------------------------------- */

static void draw_tabs(struct console *c)
{
	term_fill(0, 0, COLS, R_HEADER);
	int x = term_text(0, 0, COLS, " Orrery ", R_TAB_ACTIVE) + 1;
	for (int p = 0; p < NPANES; p++) {
		char tab[48];
		if (p == PANE_APPROVALS)
			snprintf(tab, sizeof tab, " %d %s (%ld) ", p + 1, panes[p]->title, c->pending);
		else
			snprintf(tab, sizeof tab, " %d %s ", p + 1, panes[p]->title);
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
	snprintf(info, sizeof info, " orchestrator %s %s operator %s%s%s%s %s db ", ui_orch_state(c),
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

/* The footer: the current pane's keys first, then the global ones, as
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

static void draw_status(struct console *c)
{
	int y = LINES - 2;
	term_fill(y, 0, COLS, R_NORMAL);
	if (c->prompt) {
		int x = term_text(y, 0, COLS, c->prompt->label, R_PROMPT);
		x += term_text(y, x, COLS - x, " ", R_PROMPT);
		/* the end of a long line stays visible */
		const char *shown = c->prompt->buf;
		while (term_width(shown) > COLS - x - 2 && *shown)
			shown++;
		x += term_text(y, x, COLS - x, shown, R_NORMAL);
		term_text(y, x, 1, "_", R_PROMPT);
		return;
	}
	const char *title;
	double frac;
	if (ui_bg_progress(c, &title, &frac)) {
		int x = term_text(y, 0, COLS, title, R_WARN) + 1;
		int w = COLS - x - 8 > 40 ? 40 : COLS - x - 8;
		if (frac >= 0 && w > 4) {
			term_bar(y, x, w, frac, R_GOOD);
			char pct[16];
			snprintf(pct, sizeof pct, " %3.0f%%", frac * 100);
			term_text(y, x + w, 6, pct, R_NORMAL);
		}
		return;
	}
	if (c->status[0] && ui_now_ms() < c->status_until)
		term_text(y, 0, COLS, c->status, c->status_role);
	else
		c->status[0] = '\0';
}

static void draw_view(struct console *c, int y, int h)
{
	term_fill(y, 0, COLS, R_TITLE);
	char title[256];
	snprintf(title, sizeof title, " %s   (%zu lines; Esc: back) ", c->view_title, c->view_n);
	term_text(y, 0, COLS, title, R_TITLE);
	int body = h - 1;
	if (c->view_top + (size_t)body > c->view_n)
		c->view_top = c->view_n > (size_t)body ? c->view_n - (size_t)body : 0;
	for (int i = 0; i < body && c->view_top + (size_t)i < c->view_n; i++)
		term_text(y + 1 + i, 1, COLS - 2, c->view_lines[c->view_top + (size_t)i], R_NORMAL);
}

/* A box over the pane for the help and the log. */
static void draw_box(int y, int x, int h, int w, const char *title)
{
	for (int r = 0; r < h; r++)
		term_fill(y + r, x, w, R_NORMAL);
	attrset(term_attr(R_TITLE));
	if (term_unicode()) {
		mvhline(y, x, ACS_HLINE, w);
		mvhline(y + h - 1, x, ACS_HLINE, w);
		mvvline(y, x, ACS_VLINE, h);
		mvvline(y, x + w - 1, ACS_VLINE, h);
		mvaddch(y, x, ACS_ULCORNER);
		mvaddch(y, x + w - 1, ACS_URCORNER);
		mvaddch(y + h - 1, x, ACS_LLCORNER);
		mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	} else {
		mvhline(y, x, '-', w);
		mvhline(y + h - 1, x, '-', w);
		mvvline(y + 1, x, '|', h - 2);
		mvvline(y + 1, x + w - 1, '|', h - 2);
	}
	attrset(A_NORMAL);
	term_text(y, x + 2, w - 4, title, R_TITLE);
}

static void draw_help(struct console *c, int y, int h)
{
	int w = COLS - 4 > 100 ? 100 : COLS - 4, x = (COLS - w) / 2;
	char title[96];
	snprintf(title, sizeof title, " Keys: %s pane%s (Esc closes) ", panes[c->pane]->title,
		 c->req->read_only ? ", read-only: greyed keys are off" : "");
	draw_box(y, x, h, w, title);
	size_t n;
	const struct key_binding *k = keys_all(&n);
	int row = 0;
	for (size_t i = 0; i < n; i++) {
		if (!k[i].help || !(k[i].panes & IN(c->pane)))
			continue;
		if (row++ < (int)c->overlay_top)
			continue;
		int ry = y + row - (int)c->overlay_top;
		if (ry >= y + h - 1)
			break;
		bool off = c->req->read_only && !k[i].read_only_safe;
		term_text(ry, x + 2, 7, k[i].label, off ? R_DIM : R_KEY);
		term_text(ry, x + 10, 18, k[i].name, off ? R_DIM : R_TITLE);
		term_text(ry, x + 29, w - 31, k[i].help, off ? R_DIM : R_NORMAL);
	}
}

static void draw_log(struct console *c, int y, int h)
{
	int w = COLS - 4, x = 2;
	draw_box(y, x, h, w, " What the console did (Esc closes) ");
	if (c->nlog == 0)
		term_text(y + 1, x + 2, w - 4, "nothing yet", R_DIM);
	/* newest last, the end visible */
	size_t rows = (size_t)(h - 2);
	size_t first = c->nlog > rows ? c->nlog - rows : 0;
	for (size_t i = first; i < c->nlog; i++)
		term_text(y + 1 + (int)(i - first), x + 2, w - 4, c->log[i], R_NORMAL);
}

static void draw(struct console *c)
{
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		char msg[96];
		snprintf(msg, sizeof msg, "Orrery needs %dx%d; this terminal is %dx%d", MIN_COLS,
			 MIN_LINES, COLS, LINES);
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
		panes[c->pane]->draw(c, c->state[c->pane], y, 0, h, COLS);
	if (c->overlay == 1)
		draw_help(c, y, h);
	else if (c->overlay == 2)
		draw_log(c, y, h);
	draw_status(c);
	draw_footer(c);
	refresh();
}

/* --- data ------------------------------------------------------------------ */

static void load(struct console *c)
{
	c->pending = approval_pending_count(c->st);
	panes[c->pane]->load(c, c->state[c->pane]);
	c->loaded_at = ui_now_ms();
	c->reload = false;
}

/* --- keys ------------------------------------------------------------------ */

static void prompt_key(struct console *c, wint_t ch, bool is_key)
{
	struct prompt *p = c->prompt;
	if (!is_key && p->confirm) {
		c->prompt = NULL;
		if (ch == L'y' || ch == L'Y')
			p->done(c, "y", p->ctx);
		else
			ui_status(c, R_DIM, "cancelled");
		free(p);
		return;
	}
	if (!is_key && (ch == L'\n' || ch == L'\r')) {
		c->prompt = NULL;
		p->done(c, p->buf, p->ctx);
		free(p);
	} else if (!is_key && ch == 27) {
		c->prompt = NULL;
		free(p);
		ui_status(c, R_DIM, "cancelled");
	} else if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8))) {
		while (p->len > 0 && ((unsigned char)p->buf[p->len - 1] & 0xC0) == 0x80)
			p->len--;
		if (p->len > 0)
			p->len--;
		p->buf[p->len] = '\0';
	} else if (!is_key && ch == 21) { /* ^U */
		p->len = 0;
		p->buf[0] = '\0';
	} else if (!is_key && ch >= 0x20) {
		char mb[MB_LEN_MAX + 1];
		mbstate_t ms;
		memset(&ms, 0, sizeof ms);
		size_t n = wcrtomb(mb, (wchar_t)ch, &ms);
		if (n != (size_t)-1 && p->len + n < sizeof p->buf) {
			memcpy(p->buf + p->len, mb, n);
			p->len += n;
			p->buf[p->len] = '\0';
		}
	}
}

static void filter_done(struct console *c, const char *text, void *ctx)
{
	(void)ctx;
	struct table *t = panes[c->pane]->table ? panes[c->pane]->table(c->state[c->pane]) : NULL;
	if (!t)
		return;
	table_set_filter(t, text);
	if (text[0])
		ui_status(c, R_NORMAL, "filter %s: %zu of %zu rows", text, t->nvis, t->n);
}

/* Split a command line into words: blanks separate, quotes group. */
static int split_words(const char *line, char **words, int max, char *buf, size_t size)
{
	int n = 0;
	size_t o = 0;
	const char *s = line;
	while (*s && n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		words[n++] = buf + o;
		char quote = 0;
		for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
			if (!quote && (*s == '"' || *s == '\''))
				quote = *s;
			else if (quote && *s == quote)
				quote = 0;
			else if (o + 1 < size)
				buf[o++] = *s;
		}
		buf[o < size ? o++ : size - 1] = '\0';
	}
	return n;
}

static void command_done(struct console *c, const char *line, void *ctx)
{
	(void)ctx;
	char *words[64], buf[1024];
	int n = split_words(line, words, 64, buf, sizeof buf);
	if (n == 0)
		return;
	if (strcmp(words[0], "console") == 0 || strcmp(words[0], "run") == 0) {
		ui_status(c, R_WARN, ":%s runs here with the o key (the in-process orchestrator)",
			  words[0]);
		return;
	}
	ui_run_command(c, line, n, (const char *const *)words);
}

static void switch_pane(struct console *c, int p)
{
	c->pane = (p + NPANES) % NPANES;
	view_close(c);
	c->overlay = 0;
	c->reload = true;
}

/* Operations the frame handles itself; false for the pane's own. */
static bool frame_op(struct console *c, enum op op, bool *quit)
{
	struct table *t = panes[c->pane]->table ? panes[c->pane]->table(c->state[c->pane]) : NULL;
	switch (op) {
	case OP_PANE1: case OP_PANE2: case OP_PANE3: case OP_PANE4: case OP_PANE5: case OP_PANE6:
		switch_pane(c, op - OP_PANE1);
		return true;
	case OP_NEXT_PANE: switch_pane(c, c->pane + 1); return true;
	case OP_PREV_PANE: switch_pane(c, c->pane - 1); return true;
	case OP_HELP: c->overlay = c->overlay == 1 ? 0 : 1; c->overlay_top = 0; return true;
	case OP_LOG: c->overlay = c->overlay == 2 ? 0 : 2; return true;
	case OP_QUIT: *quit = true; return true;
	case OP_COMMAND: ui_prompt(c, ":", NULL, command_done, NULL); return true;
	case OP_FILTER:
		if (!t)
			return false;
		ui_prompt(c, "filter (!text inverts):", t->filter[0] ? t->filter : NULL,
			  filter_done, NULL);
		if (t->invert && c->prompt)
			snprintf(c->prompt->buf, sizeof c->prompt->buf, "!%s", t->filter),
				c->prompt->len = strlen(c->prompt->buf);
		return true;
	case OP_MARK:
		if (t)
			table_toggle_mark(t);
		return t != NULL;
	case OP_BACK:
		if (c->overlay)
			c->overlay = 0;
		else if (c->view_lines)
			view_close(c);
		else
			return false; /* the pane may have a level to leave */
		return true;
	default: return false;
	}
}

static void view_key(struct console *c, int key)
{
	size_t page = c->body_h > 2 ? (size_t)c->body_h - 2 : 1;
	if (key == KEY_DOWN && c->view_top + 1 < c->view_n)
		c->view_top++;
	else if (key == KEY_UP && c->view_top > 0)
		c->view_top--;
	else if (key == KEY_NPAGE)
		c->view_top += page;
	else if (key == KEY_PPAGE)
		c->view_top = c->view_top > page ? c->view_top - page : 0;
	else if (key == KEY_HOME)
		c->view_top = 0;
	else if (key == KEY_END)
		c->view_top = c->view_n;
}

static void run_op(struct console *c, const struct key_binding *b, bool *quit)
{
	if (c->req->read_only && !b->read_only_safe) {
		ui_status(c, R_WARN, "read-only: %s is disabled", b->name);
		return;
	}
	if (frame_op(c, b->op, quit))
		return;
	if (c->view_lines && b->op != OP_BACK)
		return; /* a pane's key does nothing under its view */
	if (!panes[c->pane]->op(c, c->state[c->pane], b->op) && b->op != OP_BACK)
		ui_status(c, R_DIM, "%s: nothing to do here", b->name);
}

static void handle_key(struct console *c, wint_t ch, bool is_key, bool *quit)
{
	if (c->prompt) {
		prompt_key(c, ch, is_key);
		return;
	}
	int key = (int)ch;
	if (!is_key && (ch == L'\r'))
		key = '\n';
	if (!is_key && ch == 3) { /* ^C: raw mode makes it a key */
		*quit = true;
		return;
	}
	if (c->overlay == 1 && is_key && (key == KEY_DOWN || key == KEY_UP)) {
		c->overlay_top = key == KEY_DOWN ? c->overlay_top + 1
						 : c->overlay_top ? c->overlay_top - 1 : 0;
		return;
	}
	if (c->view_lines && is_key && key != KEY_RESIZE && key != KEY_BTAB) {
		view_key(c, key);
		return;
	}
	const struct key_binding *b = keys_find(key, c->pane);
	if (b) {
		run_op(c, b, quit);
		return;
	}
	struct table *t = panes[c->pane]->table ? panes[c->pane]->table(c->state[c->pane]) : NULL;
	if (is_key && t && !c->overlay)
		table_key(t, key, c->body_h - 1);
}

/* --keys: "\n" Enter, "\e" Escape, "\t" Tab, else the character. */
static size_t scripted_key(const char *s, wint_t *ch)
{
	if (s[0] == '\\' && s[1]) {
		*ch = s[1] == 'n' ? L'\n' : s[1] == 'e' ? 27 : s[1] == 't' ? L'\t' : (wint_t)s[1];
		return 2;
	}
	*ch = (wint_t)(unsigned char)s[0];
	return 1;
}

/* --- the loop -------------------------------------------------------------- */

static void console_free(struct console *c)
{
	ui_orch_stop(c);
	ui_bg_wait(c);
	for (int p = 0; p < NPANES; p++)
		panes[p]->destroy(c->state[p]);
	view_close(c);
	for (size_t i = 0; i < c->nlog; i++)
		free(c->log[i]);
	free(c->log);
	free(c->prompt);
	store_close(c->st);
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One frame: reload when due, draw; --timings gets what each took. */
static void frame(struct console *c, FILE *timings, long n)
{
	int64_t t0 = mono_us(), t1 = t0;
	bool loading = c->reload || ui_now_ms() - c->loaded_at >= RELOAD_MS;
	if (loading) {
		load(c);
		t1 = mono_us();
	}
	draw(c);
	if (timings)
		fprintf(timings, "%ld %s %s %.3f %.3f\n", n, panes[c->pane]->title,
			loading ? "load" : "-", (t1 - t0) / 1000.0, (mono_us() - t1) / 1000.0);
}

static void loop(struct console *c)
{
	const char *script = c->req->keys ? c->req->keys : "";
	long frames = 0;
	bool quit = false;
	FILE *timings = c->req->timings ? fopen(c->req->timings, "a") : NULL;
	while (!quit) {
		ui_bg_poll(c);
		frame(c, timings, frames);
		if (c->req->frames > 0 && ++frames >= c->req->frames)
			break;
		wint_t ch;
		int got;
		if (*script) {
			script += scripted_key(script, &ch);
			got = OK;
		} else {
			timeout(TICK_MS);
			got = get_wch(&ch);
		}
		if (got == ERR)
			continue;
		if (got == KEY_CODE_YES && ch == KEY_RESIZE)
			continue; /* ncurses has resized stdscr: the next draw lays out anew */
		handle_key(c, ch, got == KEY_CODE_YES, &quit);
	}
	if (timings)
		fclose(timings);
}

int console_main(const struct cli_console *req)
{
	struct console c = { .req = req, .reload = true };
	char *err = NULL;
	enum orr_rc rc = store_open(req->db_path, req->read_only ? STORE_READONLY : STORE_READWRITE,
				    &c.st, &err);
	if (rc != ORR_OK) {
		fprintf(stderr, "orrery: %s\n", err);
		free(err);
		return rc;
	}
	operator_identify(&c.op);
	const char *why = NULL;
	if (!term_start(false, &why)) {
		fprintf(stderr, "orrery: %s\n", why);
		store_close(c.st);
		return ORR_SOFTWARE;
	}
	for (int p = 0; p < NPANES; p++)
		c.state[p] = panes[p]->create(&c);
	loop(&c);
	term_stop();
	console_free(&c);
	return ORR_OK;
}
