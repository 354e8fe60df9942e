/* pane_approvals.c - what the rules want a person to decide: pending
 * approvals newest first; a approves, x rejects with a note, on the row
 * or on every marked row.  A decision taken by someone else shows within
 * a second (the pane reloads each second).  Below the list, for the row
 * under the cursor: an image job's before and after previews (rendered on
 * the loader thread), or a purchase order with its forecast as sparklines
 * (the prediction interval on one scale) and the reorder arithmetic. */
#include <stdlib.h>
#include <string.h>

#include "approvals.h"
#include "clock.h"
#include "preview.h"
#include "store_approval.h"
#include "store_po.h"
#include "subsys_supplier.h"
#include "subsys_vision.h"
#include "ui.h"
#include "vision_preview.h"
#include "xalloc.h"

#define PENDING_SHOWN 2000

static const struct tcol cols[] = {
	{ "ID", 5, true },     { "WAITING", 7, false }, { "REASON", 0, false },
	{ "RULE", 14, false }, { "ENTITY", 10, false }, { "PROPOSES", 12, false },
};

#define DETAIL_MAX 14 /* rows of the purchase order's detail at most */

struct approvals_pane {
	struct table t;
	/* the previews of one approval: asked for (asked_id), then arrived */
	int64_t asked_id, shown_id;
	char arg[24];
	bool vision;
	struct vision_image *before, *after;
	char before_note[160], after_note[160];
	json_t *po_of; /* approval id (text) -> purchase order id, for orders' approvals */
	int64_t po_id; /* the order in p->po (0: none) */
	json_t *po;    /* po_get of it, or NULL */
};

static void *create(struct console *c)
{
	(void)c;
	struct approvals_pane *p = xcalloc(1, sizeof *p);
	table_init(&p->t, cols, (int)(sizeof cols / sizeof *cols));
	p->po_of = json_object();
	return p;
}

static void previews_clear(struct approvals_pane *p)
{
	vision_image_free(p->before);
	vision_image_free(p->after);
	p->before = p->after = NULL;
	p->vision = false;
	p->before_note[0] = p->after_note[0] = 0;
}

static void destroy(void *self)
{
	struct approvals_pane *p = self;
	previews_clear(p);
	table_free(&p->t);
	json_decref(p->po_of);
	json_decref(p->po);
	free(p);
}

/* The purchase order the current row is about, 0 when it is not one. */
static int64_t current_po(const struct approvals_pane *p)
{
	const struct trow *r = table_current(&p->t);
	if (!r)
		return 0;
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)r->id);
	return json_integer_value(json_object_get(p->po_of, key));
}

/* Read the order of the current row when it is not the one held. */
static void load_po(struct console *c, struct approvals_pane *p)
{
	int64_t want = current_po(p);
	if (want == p->po_id && (p->po || !want))
		return;
	json_decref(p->po);
	p->po = NULL;
	p->po_id = want;
	char *err = NULL;
	if (want && po_get(c->st, want, &p->po, &err) != ORR_OK) {
		ui_status(c, R_WARN, "purchase order %lld: %s", (long long)want, err);
		free(err);
	}
}

static void add_row(struct table *t, json_t *a, int64_t now)
{
	char id[24], age[24], entity[96];
	snprintf(id, sizeof id, "%lld", ui_int(a, "id"));
	ui_ago(ui_int(a, "created_at"), now, age, sizeof age);
	snprintf(entity, sizeof entity, "%s %lld", ui_str(a, "entity"), ui_int(a, "entity_id"));
	const char *cells[] = { id, age, ui_str(a, "reason"), ui_str(a, "rule"), entity,
				ui_str(a, "proposed") };
	table_add(t, ui_int(a, "id"), R_NORMAL, cells);
}

static void load(struct console *c, void *self)
{
	struct approvals_pane *p = self;
	json_t *rows = NULL;
	char *err = NULL;
	table_clear(&p->t);
	if (approval_list(c->st, "pending", PENDING_SHOWN, &rows, &err) != ORR_OK) {
		ui_status(c, R_BAD, "%s", err);
		free(err);
	}
	int64_t now = ui_now_ms();
	size_t i;
	json_t *a;
	json_object_clear(p->po_of);
	json_array_foreach(rows, i, a) {
		add_row(&p->t, a, now);
		if (strcmp(ui_str(a, "entity"), "purchase_order") == 0) {
			char key[24];
			snprintf(key, sizeof key, "%lld", ui_int(a, "id"));
			json_object_set_new(p->po_of, key, json_integer(ui_int(a, "entity_id")));
		}
	}
	json_decref(rows);
	table_done(&p->t);
	load_po(c, p);
}

/* n numbers of a JSON array (at most max), in v; how many. */
static size_t numbers(json_t *a, double *v, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(a) && n < max; i++)
		if (json_is_number(json_array_get(a, i)))
			v[n++] = json_number_value(json_array_get(a, i));
	return n;
}

static int rationale_lines(json_t *po)
{
	int n = 0;
	for (const char *s = ui_str(po, "rationale"); *s; s++)
		n += *s == '\n';
	return n;
}

static int detail_height(json_t *po, int h)
{
	int want = 5 + rationale_lines(po);
	if (want > DETAIL_MAX)
		want = DETAIL_MAX;
	return want > h / 2 ? h / 2 : want;
}

/* hi, mean and lo of the forecast on one scale: the interval around the
 * mean, day by day. */
static void draw_forecast(json_t *risk, int y, int x, int w)
{
	enum { MAXD = 120 };
	double hi[MAXD], mean[MAXD], lo[MAXD];
	size_t cells = w > 24 ? (size_t)(w - 22) : 1;
	if (cells > MAXD)
		cells = MAXD;
	size_t n = numbers(json_object_get(risk, "forecast"), mean, cells);
	size_t nh = numbers(json_object_get(risk, "hi"), hi, n);
	size_t nl = numbers(json_object_get(risk, "lo"), lo, n);
	if (n == 0) {
		term_text(y, x + 2, w - 2, "no forecast carried by the stockout risk", R_DIM);
		return;
	}
	double top = 0, bottom = 0;
	for (size_t i = 0; i < n; i++) {
		double a = i < nh ? hi[i] : mean[i], b = i < nl ? lo[i] : mean[i];
		top = i == 0 || a > top ? a : top;
		bottom = i == 0 || b < bottom ? b : bottom;
	}
	const char *names[] = { "hi", "mean", "lo" };
	double *series[] = { hi, mean, lo };
	size_t counts[] = { nh, n, nl };
	for (int k = 0; k < 3; k++) {
		char spark[8 * MAXD + 1], label[64];
		if (counts[k] == 0)
			continue;
		term_spark_range_text(series[k], counts[k], bottom, top, spark, sizeof spark);
		snprintf(label, sizeof label, "  %-5s", names[k]);
		term_text(y + k, x, 8, label, R_DIM);
		term_text(y + k, x + 8, (int)cells, spark, k == 1 ? R_GOOD : R_NORMAL);
		snprintf(label, sizeof label, " %.1f%s", series[k][0], k == 1 ? "/day" : "");
		term_text(y + k, x + 8 + (int)counts[k], w - 8 - (int)counts[k], label, R_DIM);
	}
}

static void draw_po(json_t *po, int y, int x, int h, int w)
{
	json_t *risk = json_object_get(po, "risk");
	char *value = supplier_money_text(ui_int(po, "value_minor"), ui_str(po, "currency"));
	char line[512];
	json_t *level = json_object_get(risk, "level");
	snprintf(line, sizeof line, "%s  %lld x %s from %s  %s  (%s)  forecast by %s, %.0f%% interval, %zu days",
		 ui_str(po, "number"), ui_int(po, "quantity"), ui_str(po, "sku"),
		 ui_str(po, "supplier_key"), value, ui_str(po, "state"),
		 json_is_string(json_object_get(risk, "model")) ? ui_str(risk, "model") : "?",
		 json_is_number(level) ? 100 * json_number_value(level) : 0.0,
		 json_array_size(json_object_get(risk, "forecast")));
	free(value);
	term_fill(y, x, w, R_TITLE);
	term_text(y, x + 1, w - 1, line, R_TITLE);
	draw_forecast(risk, y + 1, x, w);
	const char *s = ui_str(po, "rationale");
	for (int row = y + 4; row < y + h && *s; row++) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		snprintf(line, sizeof line, "  %.*s", (int)(len < 500 ? len : 500), s);
		term_text(row, x, w, line, R_NORMAL);
		s += len + (nl != NULL);
	}
}

/* ---- previews of image jobs ------------------------------------------------ */

#define PREVIEW_PX 160 /* pixels a side rendered for a preview */

static json_t *preview_of(struct vision_image *img, int rc, char *why, const char *what)
{
	if (rc != ORR_OK) {
		json_t *e = json_pack("{ss}", "error", why ? why : "cannot render");
		free(why);
		return e;
	}
	struct vision_image *small = NULL;
	rc = vision_preview_image(img, PREVIEW_PX, PREVIEW_PX, &small, &why);
	vision_image_free(img);
	if (rc != ORR_OK)
		return preview_of(NULL, rc, why, what);
	json_t *j = vision_preview_to_json(small);
	json_object_set_new(j, "what", json_string(what));
	vision_image_free(small);
	return j;
}

/* On the loader thread: the approval's proposed job; for an image job the
 * input it starts from and what it would make, both shrunk. */
static json_t *fetch(struct store *st, const struct cli_console *req, const char *arg,
		     char **err)
{
	(void)req;
	int64_t id = strtoll(arg, NULL, 10);
	json_t *a = NULL;
	if (approval_get(st, id, &a, err) != ORR_OK)
		return NULL;
	/* the row embeds the action as JSON, or carries it as text */
	json_t *action = json_object_get(a, "action");
	action = json_is_object(action) ? json_incref(action) : json_loads(ui_str(a, "action"), 0, NULL);
	json_decref(a);
	const char *kind = json_string_value(json_object_get(action, "kind"));
	json_t *args = json_object_get(action, "args");
	json_t *out = json_pack("{sIsb}", "id", (json_int_t)id, "vision",
				kind && strncmp(kind, "vision.", 7) == 0);
	if (json_is_true(json_object_get(out, "vision"))) {
		char *why = NULL;
		char *input = vision_job_input(st, kind, args, &why);
		struct vision_image *img = NULL;
		int rc = input ? vision_load(input, NULL, &img, &why) : ORR_DATAERR;
		const char *base = input ? strrchr(input, '/') : NULL;
		json_object_set_new(out, "before",
				    preview_of(img, rc, why, base ? base + 1 : input ? input : ""));
		free(input);
		img = NULL;
		why = NULL;
		rc = vision_job_render(st, kind, args, &img, &why);
		json_object_set_new(out, "after", preview_of(img, rc, why, kind));
	}
	json_decref(action);
	return out;
}

/* Ask for the cursor row's previews once per row. */
static const char *fetch_arg(void *self)
{
	struct approvals_pane *p = self;
	const struct trow *r = table_current(&p->t);
	if (!r || r->id == p->asked_id)
		return NULL;
	p->asked_id = r->id;
	snprintf(p->arg, sizeof p->arg, "%lld", (long long)r->id);
	return p->arg;
}

static void take_preview(json_t *j, struct vision_image **img, char *note, size_t size)
{
	*img = vision_preview_from_json(j);
	snprintf(note, size, "%s", *img ? ui_str(j, "what") : ui_str(j, "error"));
}

static void apply(struct console *c, void *self, json_t *data)
{
	(void)c;
	struct approvals_pane *p = self;
	previews_clear(p);
	p->shown_id = ui_int(data, "id");
	p->vision = json_is_true(json_object_get(data, "vision"));
	if (!p->vision)
		return;
	take_preview(json_object_get(data, "before"), &p->before, p->before_note, sizeof p->before_note);
	take_preview(json_object_get(data, "after"), &p->after, p->after_note, sizeof p->after_note);
}

static void draw_one(const char *title, const struct vision_image *img, const char *note, int y,
		     int x, int h, int w)
{
	term_text(y, x, w, title, R_TITLE);
	if (img)
		preview_draw(img, y + 1, x, h - 2, w);
	else
		term_text(y + 1, x, w, note, R_BAD);
	if (img)
		term_text(y + h - 1, x, w, note, R_DIM);
}

static void draw_previews(struct approvals_pane *p, int y, int x, int h, int w)
{
	int half = (w - 2) / 2;
	draw_one("before", p->before, p->before_note, y, x, h, half);
	draw_one("after", p->after, p->after_note, y, x + half + 2, h, w - half - 2);
}

static void draw(struct console *c, void *self, int y, int x, int h, int w)
{
	struct approvals_pane *p = self;
	if (p->t.n == 0) {
		table_draw(&p->t, y, x, 1, w, false);
		term_text(y + 2, x + 2, w - 4,
			  c->pending < 0 ? "cannot read the approvals"
					 : "Nothing waits for a decision.  Rules with an \"approval\" "
					   "gate put their proposals here.",
			  R_DIM);
		return;
	}
	const struct trow *r = table_current(&p->t);
	if (r && r->id == p->shown_id && p->vision && h >= 12) {
		int ph = h / 2 > 24 ? 24 : h / 2;
		table_draw(&p->t, y, x, h - ph, w, true);
		draw_previews(p, y + h - ph, x, ph, w);
		return;
	}
	int64_t want = current_po(p);
	if (want != p->po_id)
		c->reload = true; /* the cursor moved to another order: read it next pass */
	int dh = want && p->po && h >= 12 ? detail_height(p->po, h) : 0;
	table_draw(&p->t, y, x, h - dh, w, true);
	if (dh)
		draw_po(p->po, y + h - dh, x, dh, w);
}

/* Decide every target (fixed when asked); the losers of a race are told
 * who won. */
static void decide(struct console *c, struct approvals_pane *p, const struct ui_targets *g,
		   bool approve, const char *note)
{
	int won = 0, lost = 0;
	for (size_t i = 0; i < g->n; i++) {
		int64_t job = 0, id = g->ids[i];
		char *err = NULL;
		int rc = approvals_decide(c->st, id, approve, &c->op, note && *note ? note : NULL,
					  &clock_system, &job, &err);
		if (rc == ORR_OK && approve)
			ui_log(c, R_GOOD, "approved %lld: job %lld queued", (long long)id, (long long)job);
		else if (rc == ORR_OK)
			ui_log(c, R_GOOD, "rejected %lld%s%s", (long long)id, note && *note ? ": " : "",
			       note ? note : "");
		else
			ui_log(c, R_WARN, "approval %lld: %s", (long long)id, err ? err : "failed");
		won += rc == ORR_OK;
		lost += rc != ORR_OK;
		free(err);
	}
	if (g->n > 1)
		ui_status(c, lost ? R_WARN : R_GOOD, "%s %d of %zu; %d not (see L)",
			  approve ? "approved" : "rejected", won, g->n, lost);
	table_unmark(&p->t, g->ids, g->n);
	c->reload = true;
}

static void answered(struct console *c, const char *text, void *ctx)
{
	struct ui_targets *g = ctx;
	decide(c, g->pane, g, g->what == OP_APPROVE, g->what == OP_REJECT ? text : NULL);
}

static void show(struct console *c, struct approvals_pane *p)
{
	const struct trow *r = table_current(&p->t);
	if (!r)
		return;
	json_t *a = NULL;
	char *err = NULL;
	if (approval_get(c->st, r->id, &a, &err) != ORR_OK) {
		ui_status(c, R_BAD, "%s", err);
		free(err);
		return;
	}
	/* facts and action are JSON text: show them as JSON */
	const char *fields[] = { "facts", "action" };
	for (size_t i = 0; i < 2; i++) {
		json_t *parsed = json_loads(ui_str(a, fields[i]), 0, NULL);
		if (parsed)
			json_object_set_new(a, fields[i], parsed);
	}
	/* what it proposes and why first, then the rest */
	json_t *doc = json_pack("{sOsOsO}", "reason", json_object_get(a, "reason"), "proposes",
				json_object_get(a, "action"), "facts", json_object_get(a, "facts"));
	json_object_del(a, "action");
	json_object_update_missing(doc, a);
	char title[64];
	snprintf(title, sizeof title, "approval %lld", (long long)r->id);
	ui_view_json(c, title, doc);
	json_decref(doc);
	json_decref(a);
}

/* Approving one row is one key; several, or any rejection (it asks for a
 * note), is a question whose answer applies to the rows asked about. */
static void ask(struct console *c, struct approvals_pane *p, enum op o)
{
	struct ui_targets *g = ui_targets_take(&p->t, p, o);
	char q[128];
	if (o == OP_APPROVE && g->n == 1) {
		decide(c, p, g, true, NULL);
		ui_targets_free(g);
	} else if (o == OP_APPROVE) {
		snprintf(q, sizeof q, "Approve %zu marked approvals? [y/N]", g->n);
		ui_confirm(c, q, answered, g, ui_targets_free);
	} else {
		if (g->n == 1)
			snprintf(q, sizeof q, "Reject approval %lld; note (Enter: none, Esc: cancel):",
				 (long long)g->ids[0]);
		else
			snprintf(q, sizeof q, "Reject %zu approvals; note (Enter: none, Esc: cancel):",
				 g->n);
		ui_prompt(c, q, NULL, answered, g, ui_targets_free);
	}
}

static bool op(struct console *c, void *self, enum op o)
{
	struct approvals_pane *p = self;
	if (!table_current(&p->t))
		return false;
	switch (o) {
	case OP_ENTER: show(c, p); return true;
	case OP_APPROVE:
	case OP_REJECT: ask(c, p, o); return true;
	default: return false;
	}
}

static struct table *table(void *self)
{
	return &((struct approvals_pane *)self)->t;
}

const struct pane_class pane_approvals = {
	.title = "Approvals", .create = create, .destroy = destroy, .load = load,
	.draw = draw, .op = op, .table = table, .marks = true,
	.fetch = fetch, .apply = apply, .fetch_arg = fetch_arg,
};
