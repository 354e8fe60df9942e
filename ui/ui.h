/* ui.h - what the console's panes share: the console's state, the pane
 * contract, the key table's operations, and the services the frame gives
 * a pane (status line, action log, drill-down text view, prompts,
 * confirmations, background work).  Panes never issue SQL: they call the
 * same src/ functions the command line calls. */
#ifndef ORR_UI_UI_H
#define ORR_UI_UI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "console.h"
#include "rules.h"
#include "rc.h"
#include "operator.h"
#include "table.h"

struct store;
struct console;

/* Operations a key can name.  One table (keys.c) maps keys to them and
 * generates the help screen and the footer. */
enum op {
	OP_NONE,
	OP_PANE1, OP_PANE2, OP_PANE3, OP_PANE4, OP_PANE5, OP_PANE6,
	OP_NEXT_PANE, OP_PREV_PANE,
	OP_HELP, OP_COMMAND, OP_FILTER, OP_MARK, OP_ENTER, OP_BACK, OP_QUIT, OP_LOG,
	OP_NEXT_PAGE, OP_PREV_PAGE,
	OP_AUDIT_RUN, OP_MAP_VIEW, OP_RULE_TOGGLE, OP_RULE_BACKTEST,
	OP_JOB_RETRY, OP_JOB_CANCEL, OP_JOB_KILL, OP_JOB_STATE, OP_SUBSYS_PAUSE, OP_ORCH,
	OP_KPI_SAVE, OP_KPI_BASELINE, OP_APPROVE, OP_REJECT,
};

enum pane_id { PANE_AUDIT, PANE_MAP, PANE_RULES, PANE_JOBS, PANE_KPIS, PANE_APPROVALS, NPANES };

/* A pane: its data is reloaded on a timer (and after each action), drawn in
 * the rectangle the frame gives it, and handed the operations the key
 * table resolves for it. */
struct pane_class {
	const char *title;
	void *(*create)(struct console *c);
	void (*destroy)(void *self);
	void (*load)(struct console *c, void *self);
	void (*draw)(struct console *c, void *self, int y, int x, int h, int w);
	/* true when the pane used the operation */
	bool (*op)(struct console *c, void *self, enum op op);
	/* the pane's table, for the frame's filter, marks and cursor keys */
	struct table *(*table)(void *self);
	/* the pane has actions on marked rows (else Space says so) */
	bool marks;
	/* Optional, for panes whose data can take longer than a frame: fetch
	 * runs on the loader thread with its own connection (loader.h) and
	 * returns the data as JSON; apply takes it on the main thread.  Such a
	 * pane's load only prepares fetch_arg (may be NULL: no argument); a
	 * fetch_arg that returns NULL says the data is still fresh. */
	json_t *(*fetch)(struct store *st, const struct cli_console *req, const char *arg,
			 char **err);
	void (*apply)(struct console *c, void *self, json_t *data);
	const char *(*fetch_arg)(void *self);
};

extern const struct pane_class pane_audit, pane_map, pane_rules, pane_jobs, pane_kpis,
	pane_approvals;

/* A prompt or a y/N question on the status line. */
struct prompt {
	char label[192];
	char buf[512];
	size_t len;
	bool confirm;
	void (*done)(struct console *c, const char *text, void *ctx);
	void *ctx;
	void (*release)(void *ctx);
};

/* Background work, one at a time: an audit run, a command of the command
 * line, a backtest.  The thread has its own database connection. */
struct bg;

struct console {
	const struct cli_console *req;
	struct store *st;
	struct operator_id op;
	int pane;
	void *state[NPANES];
	bool reload;          /* reload the data at the next pass */
	int64_t loaded_at;
	long pending;         /* pending approvals, for the tab bar */
	int body_h;           /* rows the pane has now */
	/* the drill-down view, over the pane (Esc closes) */
	char *view_title;
	char **view_lines;
	size_t view_n, view_top;
	size_t view_left;     /* columns scrolled right */
	/* the help overlay */
	bool help;
	size_t help_top;
	/* the status line */
	char status[256];
	enum role status_role;
	int64_t status_until;
	/* what the console did for the operator */
	char **log;
	size_t nlog;
	struct bg *bg;
	struct orch *orch;
	struct loader *loader; /* NULL: fetches run on the main thread */
	FILE *timings;         /* --timings */
	/* a prompt or a confirmation on the status line */
	struct prompt *prompt;
	/* q was pressed while work runs: leave when it ends (q again: now) */
	bool quitting;
	char orch_text[64];   /* the header's orchestrator state, set by load */
	/* the rules in force, parsed again every few seconds (ui_rules) */
	struct rule_set rules;
	int64_t rules_at;
	char rules_problem[256];
};

int64_t ui_now_ms(void);
/* The status line for a few seconds; printf-like. */
void ui_status(struct console *c, enum role r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record an action done for the operator (the `L` log) and show it. */
void ui_log(struct console *c, enum role r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Show text (taken: the console frees it) as the drill-down view. */
void ui_view(struct console *c, const char *title, char *text);
void ui_view_close(struct console *c);
/* The action log as the view. */
void ui_view_log(struct console *c);
/* The panes, in tab order, and the table of the active one (or NULL). */
extern const struct pane_class *const ui_panes[NPANES];
struct table *ui_table(struct console *c);
/* A JSON value, indented, as the drill-down view. */
void ui_view_json(struct console *c, const char *title, json_t *j);

/* Ask for a line of text; done runs with it on Enter (not on Esc).
 * release (may be NULL) frees ctx afterwards, whichever way it ends. */
typedef void (*prompt_fn)(struct console *c, const char *text, void *ctx);
void ui_prompt(struct console *c, const char *label, const char *initial, prompt_fn done,
	       void *ctx, void (*release)(void *ctx));
/* Ask y/N; done runs only on y. */
void ui_confirm(struct console *c, const char *question, prompt_fn done, void *ctx,
		void (*release)(void *ctx));

/* The rows an action is about, fixed when the operator is asked: a reload
 * under an open prompt must not change what the answer applies to. */
struct ui_targets {
	void *pane;
	int what;      /* the pane's own: which operation */
	size_t n;
	int64_t *ids;
};
/* The marked rows (else the cursor row) of t; NULL when there are none. */
struct ui_targets *ui_targets_take(const struct table *t, void *pane, int what);
void ui_targets_free(void *targets);

/* Run a command line of the CLI (argv after the program name) in the
 * background, through the CLI's own dispatcher; its output becomes the
 * drill-down view when it ends.  false when other work is running. */
bool ui_run_command(struct console *c, const char *title, int argc, const char *const *argv);
/* Run the audit in the background with a progress gauge. */
bool ui_run_audit(struct console *c);
/* Progress of the background work for the frame: false when none. */
bool ui_bg_progress(struct console *c, const char **title, double *fraction);

/* The in-process orchestrator (the rule engine and workers of `orrery
 * run`), started and stopped with `o`. */
bool ui_orch_running(const struct console *c);
void ui_orch_toggle(struct console *c);
/* Text for the header: "stopped", "running here (2 workers)", "1 runner
 * elsewhere"; reads the database, so load() calls it, not draw(). */
void ui_orch_state(struct console *c, char *out, size_t size);
/* Is background work or the orchestrator still running? */
bool ui_busy(const struct console *c);

/* Pause or resume a subsystem, named or by a job kind "sub.verb". */
void ui_pause_toggle(struct console *c, const char *kind_or_name);

/* The rules in force as `orrery run` loads them (defaults, the operator's
 * directory, the switches kept in the database): files parsed again at
 * most every 5 s, switches read each call.  *problem: the first problem
 * found ("" when none; then the set must not run). */
struct rule_set *ui_rules(struct console *c, const char **problem);
void ui_rules_free(struct console *c);
/* A row id that stays with a name across reloads (rules, nodes). */
int64_t ui_name_id(const char *name);

/* Helpers to turn JSON rows into cells. */
const char *ui_str(json_t *row, const char *field);
long long ui_int(json_t *row, const char *field);
double ui_num(json_t *row, const char *field);
/* "14:05:33" today, else "12-03 14:05"; "-" for 0. */
void ui_time(int64_t ms, char *out, size_t size);
/* "3s", "4m", "2h", "5d" ago from now. */
void ui_ago(int64_t ms, int64_t now, char *out, size_t size);

#endif
