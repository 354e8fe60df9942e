/* console.c - the main loop and the keys.
 *
 * The loop (htop's shape): wait up to a tick for a key, reload the data
 * of the header and the active pane once a second or after an action,
 * draw everything into curses' buffer and let refresh() send only what
 * changed, so an idle console writes a few bytes a second (the clock).
 * Keys resolve through the one key table (keys.c) to operations; the
 * frame handles its own (panes, help, filter, marks, views, quit) and
 * hands the rest to the active pane. */
#include "console.h"

#include <curses.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "bg.h"
#include "frame.h"
#include "keys.h"
#include "loader.h"
#include "store.h"
#include "store_approval.h"
#include "term.h"
#include "ui.h"
#include "xalloc.h"

#define TICK_MS 200
/* Reload plus one tick stays under a second: a decision taken in another
 * console shows here within one. */
#define RELOAD_MS 800
/* A decision waits this long for another writer, not the CLI's 5 s: the
 * interface must not freeze; the operator is told to try again. */
#define CONSOLE_BUSY_MS 300

static volatile sig_atomic_t hangup;

static void on_hangup(int sig)
{
	(void)sig;
	hangup = 1;
}

/* --- data ------------------------------------------------------------------ */

/* A pane with a fetch gets its data from the loader (or, without one, at
 * once on this thread); the others load here. */
static void load_pane(struct console *c)
{
	const struct pane_class *p = ui_panes[c->pane];
	void *self = c->state[c->pane];
	p->load(c, self);
	if (!p->fetch)
		return;
	const char *arg = p->fetch_arg ? p->fetch_arg(self) : NULL;
	if (p->fetch_arg && !arg)
		return; /* the pane says its data is fresh enough */
	if (c->loader) {
		if (!loader_busy(c->loader, c->pane)) /* a slow fetch is not stacked */
			loader_post(c->loader, c->pane, p->fetch, arg);
		return;
	}
	char *err = NULL;
	json_t *data = p->fetch(c->st, c->req, arg ? arg : "", &err);
	if (!data)
		ui_status(c, R_BAD, "%s", err ? err : "cannot read the data");
	else
		p->apply(c, self, data);
	json_decref(data);
	free(err);
}

static void load(struct console *c)
{
	c->pending = approval_pending_count(c->st);
	ui_orch_state(c, c->orch_text, sizeof c->orch_text);
	load_pane(c);
	c->loaded_at = ui_now_ms();
	c->reload = false;
}

/* Data the loader finished: to its pane, even one no longer shown. */
static void take_loaded(struct console *c)
{
	int pane;
	json_t *data;
	char *err;
	double ms;
	while (c->loader && loader_take(c->loader, &pane, &data, &err, &ms)) {
		if (data)
			ui_panes[pane]->apply(c, c->state[pane], data);
		else
			ui_status(c, R_BAD, "%s", err ? err : "cannot read the data");
		if (c->timings)
			fprintf(c->timings, "# %s data in %.3f ms\n", ui_panes[pane]->title, ms);
		json_decref(data);
		free(err);
	}
}

/* --- prompts --------------------------------------------------------------- */

static void prompt_end(struct console *c, const char *answer)
{
	struct prompt *p = c->prompt;
	c->prompt = NULL;
	if (answer)
		p->done(c, answer, p->ctx);
	else
		ui_status(c, R_DIM, "cancelled");
	if (p->release)
		p->release(p->ctx);
	free(p);
}

static void prompt_insert(struct prompt *p, wint_t ch)
{
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

static void prompt_key(struct console *c, wint_t ch, bool is_key)
{
	struct prompt *p = c->prompt;
	bool enter = !is_key && (ch == L'\n' || ch == L'\r');
	if (!is_key && (ch == 27 || ch == 3)) { /* Esc, ^C */
		prompt_end(c, NULL);
	} else if (p->confirm) {
		prompt_end(c, !is_key && (ch == L'y' || ch == L'Y') ? "y" : NULL);
	} else if (enter) {
		prompt_end(c, p->buf);
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
		prompt_insert(p, ch);
	}
}

static void filter_done(struct console *c, const char *text, void *ctx)
{
	(void)ctx;
	struct table *t = ui_table(c);
	if (!t)
		return;
	table_set_filter(t, text);
	if (text[0])
		ui_status(c, R_NORMAL, "filter %s: %zu of %zu rows", text, t->nvis, t->n);
}

static void filter_ask(struct console *c, struct table *t)
{
	char now[sizeof t->filter + 1];
	snprintf(now, sizeof now, "%s%s", t->invert ? "!" : "", t->filter);
	ui_prompt(c, "filter (!text inverts):", now, filter_done, NULL, NULL);
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
	if (n > 0)
		ui_run_command(c, line, n, (const char *const *)words);
}

/* --- operations ------------------------------------------------------------ */

static void switch_pane(struct console *c, int p)
{
	c->pane = (p + NPANES) % NPANES;
	ui_view_close(c);
	c->help = false;
	c->reload = true;
}

/* q: leave now, or once the background work and the orchestrator have
 * stopped (a second q leaves anyway: a transaction cut short rolls back). */
static void quit_request(struct console *c, bool *quit)
{
	if (!ui_busy(c) || c->quitting) {
		*quit = true;
		return;
	}
	c->quitting = true;
	if (ui_orch_running(c))
		ui_orch_toggle(c);
	ui_status(c, R_WARN, "waiting for the work in progress to stop; q again leaves at once");
}

static bool mark(struct console *c, struct table *t)
{
	if (!t)
		return false;
	if (!ui_panes[c->pane]->marks) {
		ui_status(c, R_DIM, "%s has no action on marked rows", ui_panes[c->pane]->title);
		return true;
	}
	table_toggle_mark(t);
	size_t hidden = table_marks_hidden(t);
	if (hidden)
		ui_status(c, R_MARKED, "%zu marked (%zu hidden by the filter)", t->nmarks, hidden);
	else
		ui_status(c, R_MARKED, "%zu marked", t->nmarks);
	return true;
}

/* Operations the frame handles itself; false for the pane's own. */
static bool frame_op(struct console *c, enum op op, bool *quit)
{
	struct table *t = ui_table(c);
	switch (op) {
	case OP_PANE1: case OP_PANE2: case OP_PANE3: case OP_PANE4: case OP_PANE5: case OP_PANE6:
		switch_pane(c, op - OP_PANE1);
		return true;
	case OP_NEXT_PANE: switch_pane(c, c->pane + 1); return true;
	case OP_PREV_PANE: switch_pane(c, c->pane - 1); return true;
	case OP_HELP: c->help = !c->help; c->help_top = 0; return true;
	case OP_LOG: ui_view_log(c); return true;
	case OP_QUIT: quit_request(c, quit); return true;
	case OP_COMMAND: ui_prompt(c, ":", NULL, command_done, NULL, NULL); return true;
	case OP_FILTER:
		if (t)
			filter_ask(c, t);
		else
			ui_status(c, R_DIM, "nothing to filter here%s",
				  c->pane == PANE_MAP ? " (v: the list)" : "");
		return true;
	case OP_MARK: return mark(c, t);
	case OP_BACK:
		if (c->help)
			c->help = false;
		else if (c->view_lines)
			ui_view_close(c);
		else
			return false; /* the pane may have a level to leave */
		return true;
	default: return false;
	}
}

/* Over the help or a view, only what moves between them works: a key of
 * the pane hidden underneath must not act on rows nobody sees. */
static bool allowed_over(const struct console *c, enum op op)
{
	if (!c->help && !c->view_lines)
		return true;
	return op == OP_BACK || op == OP_QUIT || op == OP_HELP || op == OP_LOG ||
	       op == OP_COMMAND || (op >= OP_PANE1 && op <= OP_PREV_PANE);
}

static void run_op(struct console *c, const struct key_binding *b, bool *quit)
{
	if (c->req->read_only && !b->read_only_safe) {
		ui_status(c, R_WARN, "read-only: %s is disabled", b->name);
		return;
	}
	if (!allowed_over(c, b->op)) {
		ui_status(c, R_DIM, "%s: close the %s first (Esc)", b->name, c->help ? "help" : "view");
		return;
	}
	if (frame_op(c, b->op, quit))
		return;
	if (!ui_panes[c->pane]->op(c, c->state[c->pane], b->op) && b->op != OP_BACK)
		ui_status(c, R_DIM, "%s: nothing to do here", b->name);
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
		c->view_top = c->view_left = 0;
	else if (key == KEY_END)
		c->view_top = c->view_n;
	else if (key == KEY_RIGHT)
		c->view_left += 16;
	else if (key == KEY_LEFT)
		c->view_left = c->view_left > 16 ? c->view_left - 16 : 0;
}

static void help_key(struct console *c, int key)
{
	size_t rows = frame_help_rows(c), shown = c->body_h > 2 ? (size_t)c->body_h - 2 : 1;
	size_t max = rows > shown ? rows - shown : 0;
	if (key == KEY_DOWN && c->help_top < max)
		c->help_top++;
	else if (key == KEY_UP && c->help_top > 0)
		c->help_top--;
}

/* Keys no binding has: moving in the view, the help or the table. */
static void move_key(struct console *c, int key)
{
	if (key == 12) { /* ^L: the screen was spoiled from outside */
		clearok(curscr, TRUE);
		return;
	}
	struct table *t = ui_table(c);
	if (c->help)
		help_key(c, key);
	else if (c->view_lines)
		view_key(c, key);
	else if (t)
		table_key(t, key);
}

static void handle_key(struct console *c, wint_t ch, bool is_key, bool *quit)
{
	if (c->prompt) {
		prompt_key(c, ch, is_key);
		return;
	}
	int key = (int)ch;
	if (!is_key && ch == L'\r')
		key = '\n';
	if (!is_key && ch == 3) { /* ^C: raw mode makes it a key */
		quit_request(c, quit);
		return;
	}
	const struct key_binding *b = keys_find(key, c->pane);
	if (b)
		run_op(c, b, quit);
	else
		move_key(c, key);
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
	frame_draw(c);
	if (timings)
		fprintf(timings, "%ld %s %s %.3f %.3f\n", n, ui_panes[c->pane]->title,
			loading ? "load" : "-", (t1 - t0) / 1000.0, (mono_us() - t1) / 1000.0);
}

/* The next key: from --keys first, then the terminal (ERR after a tick). */
static int next_key(const char **script, wint_t *ch)
{
	if (**script) {
		*script += scripted_key(*script, ch);
		return OK;
	}
	timeout(TICK_MS);
	return get_wch(ch);
}

static void loop(struct console *c)
{
	const char *script = c->req->keys ? c->req->keys : "";
	long frames = 0;
	bool quit = false;
	FILE *timings = c->timings;
	while (!quit) {
		ui_bg_poll(c);
		take_loaded(c);
		if (hangup)
			quit_request(c, &quit); /* the terminal went: stop as q would */
		if (c->quitting && !ui_busy(c))
			break;
		frame(c, timings, frames);
		if (c->req->frames > 0 && ++frames >= c->req->frames)
			break;
		wint_t ch;
		int got = next_key(&script, &ch);
		if (got == ERR || (got == KEY_CODE_YES && ch == KEY_RESIZE))
			continue; /* on a resize ncurses has resized stdscr: the next draw lays out anew */
		handle_key(c, ch, got == KEY_CODE_YES, &quit);
	}
}

static void console_free(struct console *c, bool wait)
{
	loader_stop(c->loader);
	if (c->timings)
		fclose(c->timings);
	if (wait) {
		ui_orch_stop(c);
		ui_bg_wait(c);
	}
	for (int p = 0; p < NPANES; p++)
		ui_panes[p]->destroy(c->state[p]);
	ui_view_close(c);
	for (size_t i = 0; i < c->nlog; i++)
		free(c->log[i]);
	free(c->log);
	if (c->prompt && c->prompt->release)
		c->prompt->release(c->prompt->ctx);
	free(c->prompt);
	ui_rules_free(c);
	store_close(c->st);
}

static void catch_hangups(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hangup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	hangup = 0;
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
	store_set_busy_ms(c.st, CONSOLE_BUSY_MS);
	operator_identify(&c.op);
	const char *why = NULL;
	if (!term_start(false, &why)) {
		fprintf(stderr, "orrery: %s\n", why);
		store_close(c.st);
		return ORR_SOFTWARE;
	}
	catch_hangups();
	xalloc_on_fatal(term_stop);
	for (int p = 0; p < NPANES; p++)
		c.state[p] = ui_panes[p]->create(&c);
	c.timings = req->timings ? fopen(req->timings, "a") : NULL;
	c.loader = loader_start(req, &err); /* without one, fetches run here */
	free(err);
	loop(&c);
	term_stop();
	xalloc_on_fatal(NULL);
	/* left with work still running (q twice): the process ends with it */
	bool abandon = ui_busy(&c);
	if (abandon)
		fprintf(stderr, "orrery: left while work was running; its transaction rolls back\n");
	console_free(&c, !abandon);
	return ORR_OK;
}
