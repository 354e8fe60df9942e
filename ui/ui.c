/* ui.c - the services the frame gives the panes: the status line, the
 * action log, the drill-down view, prompts and confirmations, the targets
 * of an action, and small formatting helpers for JSON rows. */
#include "ui.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rule_state.h"
#include "store_subsys.h"
#include "subsystem.h"
#include "xalloc.h"

#define STATUS_MS 6000
#define RULES_PARSE_MS 5000

const struct pane_class *const ui_panes[NPANES] = {
	&pane_audit, &pane_map, &pane_rules, &pane_jobs, &pane_kpis, &pane_approvals,
};

struct table *ui_table(struct console *c)
{
	const struct pane_class *p = ui_panes[c->pane];
	return p->table ? p->table(c->state[c->pane]) : NULL;
}

int64_t ui_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 3, 0)))
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

void ui_view_close(struct console *c)
{
	for (size_t i = 0; i < c->view_n; i++)
		free(c->view_lines[i]);
	free(c->view_lines);
	free(c->view_title);
	c->view_lines = NULL;
	c->view_title = NULL;
	c->view_n = c->view_top = c->view_left = 0;
}

static void view_add(struct console *c, const char *line, size_t len)
{
	c->view_lines = xrealloc(c->view_lines, (c->view_n + 1) * sizeof *c->view_lines);
	c->view_lines[c->view_n++] = xstrndup(line, len);
}

/* Lines as they are, blank ones too. */
void ui_view(struct console *c, const char *title, char *text)
{
	ui_view_close(c);
	c->view_title = xstrdup(title);
	const char *s = text;
	while (*s) {
		size_t len = strcspn(s, "\n");
		view_add(c, s, len);
		s += len + (s[len] == '\n');
	}
	if (c->view_n == 0)
		view_add(c, "(nothing)", 9);
	free(text);
}

/* L: the log as a view, newest last, scrolled to the end. */
void ui_view_log(struct console *c)
{
	size_t len = 1;
	for (size_t i = 0; i < c->nlog; i++)
		len += strlen(c->log[i]) + 1;
	char *text = xmalloc(len), *o = text;
	for (size_t i = 0; i < c->nlog; i++)
		o += sprintf(o, "%s\n", c->log[i]);
	*o = '\0';
	if (!c->nlog) {
		free(text);
		text = xstrdup("nothing yet");
	}
	ui_view(c, "what the console did on your behalf", text);
	c->view_top = c->view_n;
}

void ui_view_json(struct console *c, const char *title, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ui_view(c, title, text ? text : xstrdup("(cannot show)"));
}

static void prompt_open(struct console *c, const char *label, const char *initial, bool confirm,
			prompt_fn done, void *ctx, void (*release)(void *))
{
	if (c->prompt && c->prompt->release)
		c->prompt->release(c->prompt->ctx);
	free(c->prompt);
	c->prompt = xcalloc(1, sizeof *c->prompt);
	snprintf(c->prompt->label, sizeof c->prompt->label, "%s", label);
	snprintf(c->prompt->buf, sizeof c->prompt->buf, "%s", initial ? initial : "");
	c->prompt->len = strlen(c->prompt->buf);
	c->prompt->confirm = confirm;
	c->prompt->done = done;
	c->prompt->ctx = ctx;
	c->prompt->release = release;
}

void ui_prompt(struct console *c, const char *label, const char *initial, prompt_fn done,
	       void *ctx, void (*release)(void *))
{
	prompt_open(c, label, initial, false, done, ctx, release);
}

void ui_confirm(struct console *c, const char *question, prompt_fn done, void *ctx,
		void (*release)(void *))
{
	prompt_open(c, question, NULL, true, done, ctx, release);
}

struct ui_targets *ui_targets_take(const struct table *t, void *pane, int what)
{
	int64_t *ids;
	size_t n = table_targets(t, &ids);
	if (n == 0) {
		free(ids);
		return NULL;
	}
	struct ui_targets *g = xcalloc(1, sizeof *g);
	*g = (struct ui_targets){ .pane = pane, .what = what, .n = n, .ids = ids };
	return g;
}

void ui_targets_free(void *targets)
{
	struct ui_targets *g = targets;
	if (g)
		free(g->ids);
	free(g);
}

/* Pause a running subsystem or resume a paused one: the state the pane
 * showed decides, so the message says exactly what was done. */
void ui_pause_toggle(struct console *c, const char *kind_or_name)
{
	char name[64];
	snprintf(name, sizeof name, "%.*s", (int)strcspn(kind_or_name, "."), kind_or_name);
	struct subsys_state ss;
	char *err = NULL;
	if (subsys_state_load(c->st, name, &ss, &err) != ORR_OK ||
	    subsys_set_paused(c->st, name, !ss.paused, ui_now_ms(), &err) != ORR_OK) {
		ui_log(c, R_BAD, "%s: %s", name, err ? err : "unknown error");
		free(err);
		return;
	}
	ui_log(c, R_GOOD, "subsystem %s %s", name, ss.paused ? "resumed" : "paused");
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

static void rules_reparse(struct console *c)
{
	rule_set_free(&c->rules);
	memset(&c->rules, 0, sizeof c->rules);
	struct rule_diags diags = { 0 };
	c->rules_problem[0] = '\0';
	if (rules_load(&c->rules, c->req->rules_dir, subsystem_kind_known, &diags) > 0)
		snprintf(c->rules_problem, sizeof c->rules_problem, "%s:%d:%d: %s",
			 diags.n ? diags.v[0].file : "?", diags.n ? diags.v[0].line : 0,
			 diags.n ? diags.v[0].col : 0, diags.n ? diags.v[0].msg : "unknown problem");
	rule_diags_free(&diags);
	c->rules_at = ui_now_ms();
}

struct rule_set *ui_rules(struct console *c, const char **problem)
{
	if (!c->rules_at || ui_now_ms() - c->rules_at >= RULES_PARSE_MS)
		rules_reparse(c);
	char *err = NULL;
	if (!c->rules_problem[0] && rule_state_apply(c->st, &c->rules, &err) != ORR_OK) {
		snprintf(c->rules_problem, sizeof c->rules_problem, "%s", err);
		free(err);
	}
	*problem = c->rules_problem;
	return &c->rules;
}

void ui_rules_free(struct console *c)
{
	rule_set_free(&c->rules);
	memset(&c->rules, 0, sizeof c->rules);
}

/* FNV-1a, kept positive and non-zero. */
int64_t ui_name_id(const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (int64_t)(h >> 2) + 1;
}
