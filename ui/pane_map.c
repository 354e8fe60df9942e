/* pane_map.c - the integration map: the subsystem registry as boxes in
 * dependency order, coloured by health (breaker, error rate), with arrows
 * labelled by events per minute over the last window.  v switches to the
 * list sorted by integration priority, which is also what a terminal too
 * narrow for the drawing gets.  p pauses the selected subsystem. */
#include <stdlib.h>
#include <string.h>

#include "flowmap.h"
#include "rule_state.h"
#include "rules.h"
#include "ui.h"
#include "xalloc.h"

#define WINDOW_MS (15LL * 60 * 1000)
#define MAP_FETCH_MS 2000
#define BOX_W 20
#define BOX_H 4
#define GAP_W 9 /* three layers of boxes fit an 80-column terminal */
#define MAX_NODES 64

static const struct tcol cols[] = {
	{ "NODE", 12, false }, { "KIND", 10, false }, { "LAYER", 5, true },  { "BREAKER", 9, false },
	{ "PAUSED", 6, false }, { "JOBS", 7, true }, { "ERR%", 6, true },    { "EV/MIN", 8, true },
	{ "DEPS", 4, true },	{ "PRIORITY", 9, true }, { "PURPOSE", 0, false },
};

struct map_pane {
	struct table t;
	json_t *map;
	bool list;   /* the operator chose the list */
	bool drawn;  /* the last draw was the drawing */
	int64_t fetched_at;
};

static void *create(struct console *c)
{
	(void)c;
	struct map_pane *p = xcalloc(1, sizeof *p);
	table_init(&p->t, cols, (int)(sizeof cols / sizeof *cols));
	return p;
}

static void destroy(void *self)
{
	struct map_pane *p = self;
	table_free(&p->t);
	json_decref(p->map);
	free(p);
}

static enum role health(json_t *n)
{
	const char *b = ui_str(n, "breaker");
	if (strcmp(b, "open") == 0)
		return R_BAD;
	if (json_is_true(json_object_get(n, "paused")))
		return R_DIM;
	if (strcmp(b, "half_open") == 0 || ui_num(n, "error_rate") >= 0.1)
		return R_WARN;
	return R_GOOD;
}

static int by_priority(const void *a, const void *b)
{
	double pa = ui_num(*(json_t *const *)a, "priority"), pb = ui_num(*(json_t *const *)b, "priority");
	return pa < pb ? 1 : pa > pb ? -1 : 0;
}

static void fill_table(struct map_pane *p)
{
	json_t *nodes = json_object_get(p->map, "nodes");
	size_t n = json_array_size(nodes) < MAX_NODES ? json_array_size(nodes) : MAX_NODES;
	json_t *sorted[MAX_NODES] = { 0 };
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_array_get(nodes, i);
	qsort(sorted, n, sizeof *sorted, by_priority);
	table_clear(&p->t);
	for (size_t i = 0; i < n; i++) {
		json_t *nd = sorted[i];
		char layer[16], jobs[24], err[24], epm[24], deps[16], prio[32];
		snprintf(layer, sizeof layer, "%lld", ui_int(nd, "layer"));
		snprintf(jobs, sizeof jobs, "%lld", ui_int(nd, "jobs"));
		snprintf(err, sizeof err, "%.1f", 100 * ui_num(nd, "error_rate"));
		snprintf(epm, sizeof epm, "%.2f", ui_num(nd, "events_out") / (WINDOW_MS / 60000.0));
		snprintf(deps, sizeof deps, "%lld", ui_int(nd, "dependants"));
		snprintf(prio, sizeof prio, "%.2f", ui_num(nd, "priority"));
		const char *cells[] = { ui_str(nd, "name"), ui_str(nd, "kind"), layer,
					ui_str(nd, "breaker")[0] ? ui_str(nd, "breaker") : "-",
					json_is_true(json_object_get(nd, "paused")) ? "yes" : "no",
					jobs, err, epm, deps, prio, ui_str(nd, "purpose") };
		table_add(&p->t, ui_name_id(ui_str(nd, "name")), health(nd), cells);
	}
	table_done(&p->t);
}

/* On the loader thread: the rules parsed here (the main thread's set is
 * not shared across threads; their problems are the Rules pane's to show),
 * the map of the last window. */
static json_t *fetch(struct store *st, const struct cli_console *req, const char *arg,
		     char **err)
{
	(void)arg;
	struct rule_set rules = { 0 };
	struct rule_diags diags = { 0 };
	json_t *map = NULL;
	enum orr_rc rc = rule_state_load(st, req->rules_dir, &rules, &diags, err);
	rule_diags_free(&diags);
	if (rc == ORR_OK && flowmap_build(st, &rules, ui_now_ms(), WINDOW_MS, &map, err) != ORR_OK)
		map = NULL;
	rule_set_free(&rules);
	return map;
}

/* A window of 15 minutes changes little in a second: every 2 s, or at once
 * after an action (NULL: the data is fresh). */
static const char *fetch_arg(void *self)
{
	struct map_pane *p = self;
	int64_t now = ui_now_ms();
	if (p->fetched_at && now - p->fetched_at < MAP_FETCH_MS)
		return NULL;
	p->fetched_at = now;
	return "";
}

static void apply(struct console *c, void *self, json_t *map)
{
	(void)c;
	struct map_pane *p = self;
	json_decref(p->map);
	p->map = json_incref(map);
	fill_table(p);
}

/* The data comes from fetch, on the loader thread. */
static void load(struct console *c, void *self)
{
	if (c->reload) /* a switch or an action: fetch now */
		((struct map_pane *)self)->fetched_at = 0;
}

/* --- the drawing ----------------------------------------------------------- */

struct place {
	const char *name;
	int x, y;
};

static int layers_of(json_t *nodes)
{
	int max = 0;
	size_t i;
	json_t *n;
	json_array_foreach(nodes, i, n) {
		if (ui_int(n, "layer") > max)
			max = (int)ui_int(n, "layer");
	}
	return max + 1;
}

/* Columns per layer, boxes stacked in each; false when it does not fit. */
static bool place_nodes(json_t *nodes, int y, int x, int h, int w, struct place *pl, size_t *np)
{
	int layers = layers_of(nodes), per_layer[MAX_NODES] = { 0 };
	if (layers * BOX_W + (layers - 1) * GAP_W > w)
		return false;
	*np = 0;
	size_t i;
	json_t *n;
	json_array_foreach(nodes, i, n) {
		if (*np >= MAX_NODES)
			break;
		int l = (int)ui_int(n, "layer");
		int row = per_layer[l]++;
		if (2 + (row + 1) * (BOX_H + 1) > h)
			return false;
		pl[*np] = (struct place){ ui_str(n, "name"), x + l * (BOX_W + GAP_W),
					  y + 1 + row * (BOX_H + 1) };
		(*np)++;
	}
	return true;
}

static const struct place *find_place(const struct place *pl, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(pl[i].name, name) == 0)
			return &pl[i];
	return NULL;
}

static void draw_node(json_t *n, const struct place *at)
{
	enum role r = health(n);
	const char *h = term_hline(), *v = term_vline();
	for (int i = 0; i < BOX_W; i++) {
		term_text(at->y, at->x + i, 1, h, r);
		term_text(at->y + BOX_H - 1, at->x + i, 1, h, r);
	}
	for (int j = 1; j < BOX_H - 1; j++) {
		term_text(at->y + j, at->x, 1, v, r);
		term_text(at->y + j, at->x + BOX_W - 1, 1, v, r);
	}
	term_text(at->y, at->x, 1, term_corner(0), r);
	term_text(at->y, at->x + BOX_W - 1, 1, term_corner(1), r);
	term_text(at->y + BOX_H - 1, at->x, 1, term_corner(2), r);
	term_text(at->y + BOX_H - 1, at->x + BOX_W - 1, 1, term_corner(3), r);
	term_text(at->y, at->x + 2, BOX_W - 4, ui_str(n, "name"), R_TITLE);
	char line[64];
	if (strcmp(ui_str(n, "kind"), "source") == 0)
		snprintf(line, sizeof line, "source");
	else
		snprintf(line, sizeof line, "%s%s", ui_str(n, "breaker"),
			 json_is_true(json_object_get(n, "paused")) ? " paused" : "");
	term_text(at->y + 1, at->x + 2, BOX_W - 4, line, r);
	snprintf(line, sizeof line, "%lld jobs %.0f%% err", ui_int(n, "jobs"),
		 100 * ui_num(n, "error_rate"));
	term_text(at->y + 2, at->x + 2, BOX_W - 4, line, R_NORMAL);
}

/* Right of the source box, along the gap, into the left of the target. */
static void draw_edge(json_t *e, const struct place *a, const struct place *b, int lane)
{
	const char *h = term_hline(), *v = term_vline();
	int y0 = a->y + 1 + lane % 2, y1 = b->y + 1 + lane % 2;
	int x0 = a->x + BOX_W, x1 = b->x - 1, xm = x0 + 2 + lane % (GAP_W - 4);
	if (b->x <= a->x)
		return; /* backwards: listed under the drawing */
	for (int x = x0; x < xm; x++)
		term_text(y0, x, 1, h, R_DIM);
	for (int y = y0 < y1 ? y0 : y1; y <= (y0 < y1 ? y1 : y0); y++)
		term_text(y, xm, 1, v, R_DIM);
	for (int x = xm; x < x1; x++)
		term_text(y1, x, 1, h, R_DIM);
	term_text(y1, x1, 1, ">", R_TITLE);
	char label[24];
	snprintf(label, sizeof label, "%.1f/m", ui_num(e, "per_min"));
	term_text(y1 - 1 > b->y - 1 ? y1 - 1 : y1, xm + 1, x1 - xm - 1, label, R_NORMAL);
}

static bool draw_map(struct map_pane *p, int y, int x, int h, int w)
{
	json_t *nodes = json_object_get(p->map, "nodes"), *edges = json_object_get(p->map, "edges");
	struct place pl[MAX_NODES];
	size_t np = 0;
	if (!place_nodes(nodes, y, x + 1, h, w - 2, pl, &np))
		return false;
	size_t i;
	json_t *n, *e;
	json_array_foreach(nodes, i, n) {
		if (i < np)
			draw_node(n, &pl[i]);
	}
	int lane = 0, below = y + h - 1;
	json_array_foreach(edges, i, e) {
		const struct place *a = find_place(pl, np, ui_str(e, "from"));
		const struct place *b = find_place(pl, np, ui_str(e, "to"));
		if (a && b && b->x > a->x) {
			draw_edge(e, a, b, lane++);
		} else if (a && b) {
			char line[160];
			snprintf(line, sizeof line, "also %s -> %s  %.1f/m", ui_str(e, "from"),
				 ui_str(e, "to"), ui_num(e, "per_min"));
			term_text(below--, x + 1, w - 2, line, R_DIM);
		}
	}
	return true;
}

static void draw(struct console *c, void *self, int y, int x, int h, int w)
{
	(void)c;
	struct map_pane *p = self;
	char line[160];
	if (!p->map) {
		term_text(y, x + 1, w - 2, "integration map: loading", R_DIM);
		return;
	}
	snprintf(line, sizeof line, "integration map, last 15 minutes: %zu nodes, %zu flows  "
		 "(v: %s)", json_array_size(json_object_get(p->map, "nodes")),
		 json_array_size(json_object_get(p->map, "edges")),
		 p->list ? "drawing" : "list by integration priority");
	term_text(y, x + 1, w - 2, line, R_DIM);
	p->drawn = !p->list && draw_map(p, y + 1, x, h - 1, w);
	if (!p->drawn)
		table_draw(&p->t, y + 1, x, h - 1, w, true);
}

static bool op(struct console *c, void *self, enum op o)
{
	struct map_pane *p = self;
	const struct trow *r = p->drawn ? NULL : table_current(&p->t);
	switch (o) {
	case OP_MAP_VIEW: p->list = !p->list; return true;
	case OP_ORCH: ui_orch_toggle(c); return true;
	case OP_SUBSYS_PAUSE:
		if (!r || strcmp(r->cells[1], "subsystem") != 0) {
			ui_status(c, R_WARN, "choose a subsystem in the list (v) to pause it");
			return true;
		}
		ui_pause_toggle(c, r->cells[0]);
		return true;
	case OP_ENTER:
		if (!r)
			return false;
		{
			size_t i;
			json_t *n;
			json_array_foreach(json_object_get(p->map, "nodes"), i, n) {
				if (strcmp(ui_str(n, "name"), r->cells[0]) == 0)
					ui_view_json(c, r->cells[0], n);
			}
		}
		return true;
	default: return false;
	}
}

static struct table *table(void *self)
{
	struct map_pane *p = self;
	return p->drawn ? NULL : &p->t;
}

const struct pane_class pane_map = {
	.title = "Map", .create = create, .destroy = destroy, .load = load,
	.draw = draw, .op = op, .table = table,
	.fetch = fetch, .apply = apply, .fetch_arg = fetch_arg,
};
