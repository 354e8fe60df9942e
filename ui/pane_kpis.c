/* pane_kpis.c - each KPI now against a baseline: change, its 95%
 * confidence interval (bootstrap) and a verdict that never claims what the
 * samples do not support, with the recent samples as a sparkline.  s saves
 * a baseline of all history; b compares against another one. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "kpi.h"
#include "ui.h"
#include "xalloc.h"

#define KPI_RELOAD_MS 10000 /* comparisons bootstrap: not every second */
#define WINDOW_MS (7LL * 24 * 3600 * 1000)

static const struct tcol cols[] = {
	{ "KPI", -24, false },	{ "BASELINE", 8, true }, { "NOW", 8, true },
	{ "CHANGE", 8, true },	{ "95% CI", 15, true },	 { "VERDICT", 9, false },
	{ "RECENT", 6, false },
};

struct kpis_pane {
	struct table t;
	char baseline[128];   /* compared against; "" newest */
	char shown[128];      /* the baseline the data is for */
	int64_t loaded_at;
	bool any_baseline;
	bool loaded;          /* data has arrived at least once */
	json_t *doc;          /* the report shown, for Enter */
};

static void *create(struct console *c)
{
	(void)c;
	struct kpis_pane *p = xcalloc(1, sizeof *p);
	table_init(&p->t, cols, (int)(sizeof cols / sizeof *cols));
	return p;
}

static void destroy(void *self)
{
	struct kpis_pane *p = self;
	table_free(&p->t);
	json_decref(p->doc);
	free(p);
}

static void number(json_t *k, const char *field, char *out, size_t size)
{
	json_t *v = json_object_get(k, field);
	double d = json_number_value(v), a = d < 0 ? -d : d;
	if (!json_is_number(v))
		snprintf(out, size, "-");
	else if (a >= 1e6)
		snprintf(out, size, "%.2fM", d / 1e6);
	else if (a >= 1e4)
		snprintf(out, size, "%.1fk", d / 1e3);
	else
		snprintf(out, size, "%.3g", d);
}

static enum role verdict_role(const char *v)
{
	return strcmp(v, "better") == 0 ? R_GOOD : strcmp(v, "worse") == 0 ? R_BAD : R_NORMAL;
}

/* Verdicts short enough for 80 columns; Enter shows the whole KPI. */
static const char *short_verdict(const char *v)
{
	if (strcmp(v, "no significant change") == 0)
		return "no change";
	if (strcmp(v, "insufficient data") == 0)
		return "too few";
	return v[0] ? v : "-";
}

static void add_row(struct table *t, json_t *k, int64_t id)
{
	char base[32], now[32], change[32], lo[32], hi[32], ci[80], spark[128];
	number(k, "baseline", base, sizeof base);
	number(k, "current", now, sizeof now);
	json_t *pct = json_object_get(k, "change_pct");
	if (json_is_number(pct))
		snprintf(change, sizeof change, "%+.1f%%", json_number_value(pct));
	else
		number(k, "change", change, sizeof change);
	number(k, "ci_low", lo, sizeof lo);
	number(k, "ci_high", hi, sizeof hi);
	if (strcmp(lo, "-") != 0)
		snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
	else
		snprintf(ci, sizeof ci, "-");
	double v[24];
	size_t n = 0;
	json_t *s = json_object_get(k, "spark");
	for (; n < 24 && n < json_array_size(s); n++)
		v[n] = json_number_value(json_array_get(s, n));
	term_spark_text(v, n, 6, spark, sizeof spark);
	char name[192];
	const char *sub = ui_str(k, "kind")[0] ? ui_str(k, "kind") : ui_str(k, "subsystem");
	snprintf(name, sizeof name, "%s%s%s (%s)", ui_str(k, "name"), sub[0] ? " " : "", sub,
		 ui_str(k, "unit"));
	const char *verdict = ui_str(k, "verdict");
	const char *cells[] = { name, base, now, change, ci, short_verdict(verdict), spark };
	table_add(t, id, verdict_role(verdict), cells);
}

/* On the loader thread: the comparison bootstraps its intervals, which
 * is not work for the thread that reads the keys. */
static json_t *fetch(struct store *st, const struct cli_console *req, const char *baseline,
		     char **err)
{
	(void)req;
	json_t *list = NULL, *doc = NULL;
	if (kpi_baseline_list(st, &list, err) != ORR_OK)
		return NULL;
	bool any = json_array_size(list) > 0;
	json_decref(list);
	enum orr_rc rc = any ? kpi_compare(st, *baseline ? baseline : NULL, WINDOW_MS, &clock_system,
					   &doc, err)
			     : kpi_show(st, &clock_system, &doc, err);
	if (rc != ORR_OK)
		return NULL;
	json_object_set_new(doc, "any_baseline", json_boolean(any));
	return doc;
}

/* Every 10 s, or at once after a change: NULL when not due. */
static const char *fetch_arg(void *self)
{
	struct kpis_pane *p = self;
	int64_t now = ui_now_ms();
	if (p->loaded_at && now - p->loaded_at < KPI_RELOAD_MS)
		return NULL;
	p->loaded_at = now;
	return p->baseline;
}

static void apply(struct console *c, void *self, json_t *doc)
{
	(void)c;
	struct kpis_pane *p = self;
	p->any_baseline = json_is_true(json_object_get(doc, "any_baseline"));
	p->loaded = true;
	const char *b = json_string_value(json_object_get(doc, "baseline"));
	snprintf(p->shown, sizeof p->shown, "%s", b ? b : "");
	table_clear(&p->t);
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(doc, "kpis"), i, k) {
		add_row(&p->t, k, (int64_t)i + 1);
	}
	json_decref(p->doc);
	p->doc = json_incref(doc);
	table_done(&p->t);
}

/* The data comes from fetch, on the loader thread. */
static void load(struct console *c, void *self)
{
	(void)self;
	if (c->reload) /* an action: fetch now, not in 10 s */
		((struct kpis_pane *)self)->loaded_at = 0;
}

static void draw(struct console *c, void *self, int y, int x, int h, int w)
{
	(void)c;
	struct kpis_pane *p = self;
	char line[256];
	if (!p->loaded)
		snprintf(line, sizeof line, "KPIs: loading");
	else if (p->any_baseline)
		snprintf(line, sizeof line, "against baseline %s, last 7 days  (b: another baseline, "
			 "s: save one)", p->shown[0] ? p->shown : "?");
	else
		snprintf(line, sizeof line, "no baseline yet: current values only (s saves one of all "
			 "history; `orrery kpi collect` samples)");
	term_text(y, x + 1, w - 2, line, R_DIM);
	table_draw(&p->t, y + 1, x, h - 1, w, true);
}

static void save_named(struct console *c, const char *name, void *ctx)
{
	struct kpis_pane *p = ctx;
	char *err = NULL;
	if (!*name) {
		ui_status(c, R_WARN, "a baseline needs a name: nothing saved");
		return;
	}
	if (kpi_baseline_save(c->st, name, 0, 0, &clock_system, &err) != ORR_OK) {
		ui_log(c, R_BAD, "baseline %s: %s", name, err);
		free(err);
		return;
	}
	snprintf(p->baseline, sizeof p->baseline, "%s", name);
	p->loaded_at = 0;
	ui_log(c, R_GOOD, "baseline %s saved", name);
}

/* The next baseline after the one shown, newest first, wrapping. */
static void next_baseline(struct console *c, struct kpis_pane *p)
{
	json_t *list = NULL;
	char *err = NULL;
	if (kpi_baseline_list(c->st, &list, &err) != ORR_OK || json_array_size(list) == 0) {
		ui_status(c, R_WARN, "%s", err ? err : "no baselines yet: s saves one");
		free(err);
		json_decref(list);
		return;
	}
	size_t n = json_array_size(list), at = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ui_str(json_array_get(list, i), "name"), p->shown) == 0)
			at = (i + 1) % n;
	snprintf(p->baseline, sizeof p->baseline, "%s", ui_str(json_array_get(list, at), "name"));
	json_decref(list);
	p->loaded_at = 0;
	ui_status(c, R_NORMAL, "comparing against %s", p->baseline);
}

static bool op(struct console *c, void *self, enum op o)
{
	struct kpis_pane *p = self;
	char name[64];
	time_t now = time(NULL);
	struct tm tm;
	switch (o) {
	case OP_KPI_SAVE:
		gmtime_r(&now, &tm);
		strftime(name, sizeof name, "baseline-%Y%m%d-%H%M", &tm);
		ui_prompt(c, "save a baseline of all history as:", name, save_named, p, NULL);
		return true;
	case OP_KPI_BASELINE: next_baseline(c, p); return true;
	case OP_ENTER: {
		const struct trow *r = table_current(&p->t);
		if (!r)
			return false;
		json_t *k = json_array_get(json_object_get(p->doc, "kpis"), (size_t)(r->id - 1));
		if (!k)
			return false;
		ui_view_json(c, r->cells[0], k);
		return true;
	}
	default: return false;
	}
}

static struct table *table(void *self)
{
	return &((struct kpis_pane *)self)->t;
}

const struct pane_class pane_kpis = {
	.title = "KPIs", .create = create, .destroy = destroy, .load = load,
	.draw = draw, .op = op, .table = table,
	.fetch = fetch, .apply = apply, .fetch_arg = fetch_arg,
};
