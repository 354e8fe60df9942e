/* pane_rules.c - the rules in force: enabled or not, firings today and the
 * last one.  Enter shows a rule's source, its recent firings and the
 * explain view of the newest event it is on; e switches it on or off (kept
 * in the database, so `orrery run` obeys); b backtests a rules file. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_report.h"
#include "rule_state.h"
#include "rules.h"
#include "store_event.h"
#include "store_firing.h"
#include "ui.h"
#include "xalloc.h"

#define FIRINGS_SHOWN 20

static const struct tcol cols[] = {
	{ "RULE", 19, false }, { "ON", 15, false }, { "STATE", 5, false }, { "TODAY", 5, true },
	{ "LAST", 8, false },  { "PRI", 3, true }, { "DOES", -17, false },
};

struct rules_pane {
	struct table t;
	struct rule_set *rules; /* the console's (ui_rules), as of the last load */
	const char *problem;
};

static void *create(struct console *c)
{
	(void)c;
	struct rules_pane *p = xcalloc(1, sizeof *p);
	table_init(&p->t, cols, (int)(sizeof cols / sizeof *cols));
	return p;
}

static void destroy(void *self)
{
	struct rules_pane *p = self;
	table_free(&p->t);
	free(p);
}

static void describe_actions(const struct rule *r, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t a = 0; a < r->nactions && o < size; a++) {
		const struct rule_action *act = &r->actions[a];
		int n = act->kind == ACTION_EMIT
				? snprintf(out + o, size - o, "%semit %s", a ? "; " : "", act->emit_type)
				: snprintf(out + o, size - o, "%senqueue %s%s", a ? "; " : "",
					   act->job_kind, act->needs_approval ? " (approval)" : "");
		o += n > 0 ? (size_t)n : 0;
	}
}

static int64_t utc_day_start(int64_t now)
{
	return now - now % (24LL * 3600 * 1000);
}

static void load(struct console *c, void *self)
{
	struct rules_pane *p = self;
	p->rules = ui_rules(c, &p->problem);
	int64_t now = ui_now_ms();
	json_t *stats = NULL;
	char *err = NULL;
	if (firing_rule_stats(c->st, utc_day_start(now), &stats, &err) != ORR_OK) {
		ui_status(c, R_BAD, "%s", err);
		free(err);
	}
	table_clear(&p->t);
	for (size_t i = 0; i < p->rules->n; i++) {
		const struct rule *r = &p->rules->rules[i];
		json_t *s = NULL, *row;
		size_t k;
		json_array_foreach(stats, k, row) {
			if (strcmp(ui_str(row, "rule"), r->name) == 0)
				s = row;
		}
		char today[24], last[24], pri[16], does[256];
		snprintf(today, sizeof today, "%lld", s ? ui_int(s, "fired_since") : 0LL);
		ui_ago(s ? ui_int(s, "last_at") : 0, now, last, sizeof last);
		snprintf(pri, sizeof pri, "%d", r->priority);
		describe_actions(r, does, sizeof does);
		const char *cells[] = { r->name, r->on, r->enabled ? "on" : "off", today, last, pri,
					does };
		table_add(&p->t, ui_name_id(r->name), r->enabled ? R_NORMAL : R_DIM, cells);
	}
	json_decref(stats);
	table_done(&p->t);
}

static void draw(struct console *c, void *self, int y, int x, int h, int w)
{
	(void)c;
	struct rules_pane *p = self;
	char line[384];
	if (p->problem && p->problem[0])
		snprintf(line, sizeof line, "problem in the rules (the orchestrator will not start): %s",
			 p->problem);
	else
		snprintf(line, sizeof line, "%zu rules from the defaults and %s", p->rules ? p->rules->n : 0,
			 c->req->rules_dir);
	term_text(y, x + 1, w - 2, line, p->problem && p->problem[0] ? R_BAD : R_DIM);
	table_draw(&p->t, y + 1, x, h - 1, w, true);
}

/* Rows are keyed by the rule's name, so a rule file added meanwhile does
 * not move the cursor onto another rule. */
static const struct rule *rule_of(struct rules_pane *p, int64_t id)
{
	for (size_t i = 0; p->rules && i < p->rules->n; i++)
		if (ui_name_id(p->rules->rules[i].name) == id)
			return &p->rules->rules[i];
	return NULL;
}

static const struct rule *current_rule(struct rules_pane *p)
{
	const struct trow *r = table_current(&p->t);
	return r ? rule_of(p, r->id) : NULL;
}

/* The newest event the rule is on, for its explain view. */
static int64_t latest_event(struct console *c, const struct rule *r)
{
	int64_t id = 0;
	char *err = NULL;
	if (event_latest_matching(c->st, r->on, &id, &err) != ORR_OK)
		free(err);
	return id;
}

static void append_json(json_t *doc, const char *key, json_t *value)
{
	json_object_set_new(doc, key, value ? value : json_null());
}

/* This rule's entry of an explain report. */
static json_t *explain_for(struct console *c, struct rules_pane *p, const struct rule *r)
{
	int64_t ev = latest_event(c, r);
	if (!ev)
		return json_string("no event of this type is stored yet");
	json_t *rep = NULL, *row;
	char *err = NULL;
	if (engine_explain(c->st, p->rules, ev, &rep, &err) != ORR_OK) {
		json_t *msg = json_string(err);
		free(err);
		return msg;
	}
	json_t *mine = NULL;
	size_t i;
	json_array_foreach(json_object_get(rep, "rules"), i, row) {
		if (strcmp(ui_str(row, "rule"), r->name) == 0)
			mine = row;
	}
	json_t *out = json_pack("{sOsO}", "event", json_object_get(rep, "event"), "verdict",
				mine ? mine : json_null());
	json_decref(rep);
	return out;
}

static void show(struct console *c, struct rules_pane *p)
{
	const struct rule *r = current_rule(p);
	if (!r)
		return;
	json_t *doc = json_pack("{sssb}", "file", r->file ? r->file : "", "enabled", r->enabled);
	json_t *firings = NULL;
	char *err = NULL;
	append_json(doc, "explain_latest_event", explain_for(c, p, r));
	if (firing_list_rule(c->st, r->name, FIRINGS_SHOWN, &firings, &err) != ORR_OK) {
		firings = json_string(err);
		free(err);
	}
	append_json(doc, "recent_firings", firings);
	char *src = rules_source(r);
	json_t *parsed = src ? json_loads(src, 0, NULL) : NULL;
	append_json(doc, "source", parsed ? parsed : json_string(src ? src : "(unreadable)"));
	free(src);
	char title[160];
	snprintf(title, sizeof title, "rule %s", r->name);
	ui_view_json(c, title, doc);
	json_decref(doc);
}

static void toggle_one(struct console *c, const struct rule *r)
{
	char by[160], *err = NULL;
	snprintf(by, sizeof by, "%s%s%s", c->op.name, c->op.from[0] ? "@" : "", c->op.from);
	if (rule_state_set(c->st, r->name, !r->enabled, by, ui_now_ms(), &err) != ORR_OK) {
		ui_log(c, R_BAD, "rule %s: %s", r->name, err);
		free(err);
		return;
	}
	ui_log(c, R_GOOD, "rule %s %s (runners obey within a second)", r->name,
	       r->enabled ? "disabled" : "enabled");
}

static void toggle_targets(struct console *c, const char *text, void *ctx)
{
	(void)text;
	struct ui_targets *g = ctx;
	struct rules_pane *p = g->pane;
	for (size_t i = 0; i < g->n; i++) {
		const struct rule *r = rule_of(p, g->ids[i]);
		if (r)
			toggle_one(c, r);
	}
	table_unmark(&p->t, g->ids, g->n);
}

/* e: the rule under the cursor, or every marked one after a question. */
static void toggle(struct console *c, struct rules_pane *p)
{
	struct ui_targets *g = ui_targets_take(&p->t, p, 0);
	if (!g)
		return;
	if (g->n == 1) {
		toggle_targets(c, NULL, g);
		ui_targets_free(g);
		return;
	}
	char q[96];
	snprintf(q, sizeof q, "Switch %zu marked rules on/off? [y/N]", g->n);
	ui_confirm(c, q, toggle_targets, g, ui_targets_free);
}

static void backtest_path(struct console *c, const char *path, void *ctx)
{
	(void)ctx;
	if (!*path)
		return;
	const char *argv[] = { "rules", "backtest", path };
	if (ui_run_command(c, "rules backtest", 3, argv))
		ui_log(c, R_NORMAL, "backtest of %s started", path);
}

static bool op(struct console *c, void *self, enum op o)
{
	struct rules_pane *p = self;
	switch (o) {
	case OP_ENTER: show(c, p); return current_rule(p) != NULL;
	case OP_RULE_TOGGLE: toggle(c, p); return current_rule(p) != NULL;
	case OP_RULE_BACKTEST:
		ui_prompt(c, "backtest rules file or directory:", c->req->rules_dir, backtest_path,
			  NULL, NULL);
		return true;
	default: return false;
	}
}

static struct table *table(void *self)
{
	return &((struct rules_pane *)self)->t;
}

const struct pane_class pane_rules = {
	.title = "Rules", .create = create, .destroy = destroy, .load = load,
	.draw = draw, .op = op, .table = table, .marks = true,
};
