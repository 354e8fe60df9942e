/* pane_audit.c - data quality: the latest audit's score per source with a
 * bar per dimension and the trend over past runs, then the findings by
 * severity.  Enter opens a finding's failing rows, every one of them, a
 * page at a time ([ and ]); r runs a new audit in the background. */
#include <stdlib.h>
#include <string.h>

#include "store_audit.h"
#include "store_source.h"
#include "ui.h"
#include "xalloc.h"

#define ROWS_PAGE 1000
#define TREND_RUNS 20

static const char *const dimensions[] = { "completeness", "validity", "uniqueness",
					  "consistency", "freshness", "outliers" };
static const char *const dimension_abbrev[] = { "compl", "valid", "uniq", "consis", "fresh",
						"outl" };
#define NDIMS 6

static const struct tcol finding_cols[] = {
	{ "ID", 4, true },	{ "SEVERITY", 8, false }, { "DIMENSION", 12, false },
	{ "CHECK", 24, false }, { "FAILING", 7, true },	  { "SHARE", 7, true },
	{ "MESSAGE", 0, false },
};
static const struct tcol row_cols[] = {
	{ "#", 9, true }, { "ROW ID", 12, true }, { "SOURCE", 0, false },
};

struct audit_pane {
	struct table findings, rows;
	json_t *run;            /* the latest run's report: run, scores */
	json_t *history;        /* past runs, newest first */
	json_t *sources;        /* {id: path} */
	json_t *finding_rows;   /* the findings shown, as read */
	int64_t finding;        /* the finding whose rows are open; 0: none */
	char finding_name[96];
	char finding_table[64];
	char finding_message[256];
	long finding_total, offset;
};

static void *create(struct console *c)
{
	(void)c;
	struct audit_pane *p = xcalloc(1, sizeof *p);
	table_init(&p->findings, finding_cols, (int)(sizeof finding_cols / sizeof *finding_cols));
	table_init(&p->rows, row_cols, (int)(sizeof row_cols / sizeof *row_cols));
	return p;
}

static void destroy(void *self)
{
	struct audit_pane *p = self;
	table_free(&p->findings);
	table_free(&p->rows);
	json_decref(p->run);
	json_decref(p->history);
	json_decref(p->sources);
	json_decref(p->finding_rows);
	free(p);
}

static void add_source(void *ctx, const struct source_row *r)
{
	const char *slash = strrchr(r->path, '/');
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)r->id);
	json_object_set_new(ctx, key, json_string(slash ? slash + 1 : r->path));
}

static enum role severity_role(const char *sev)
{
	return strcmp(sev, "error") == 0 ? R_BAD : strcmp(sev, "warning") == 0 ? R_WARN : R_NORMAL;
}

static void load_findings(struct console *c, struct audit_pane *p, int64_t run_id)
{
	json_t *rows = NULL;
	char *err = NULL;
	table_clear(&p->findings);
	if (run_id && audit_findings_list(c->st, run_id, &rows, &err) != ORR_OK) {
		ui_status(c, R_BAD, "%s", err);
		free(err);
	}
	size_t i;
	json_t *f;
	json_decref(p->finding_rows);
	p->finding_rows = json_incref(rows);
	json_array_foreach(rows, i, f) {
		char id[24], failing[24], share[24];
		snprintf(id, sizeof id, "%lld", ui_int(f, "id"));
		snprintf(failing, sizeof failing, "%lld", ui_int(f, "failing"));
		snprintf(share, sizeof share, "%.2f%%", ui_num(f, "share_pct"));
		const char *cells[] = { id, ui_str(f, "severity"), ui_str(f, "dimension"),
					ui_str(f, "check_name"), failing, share, ui_str(f, "message") };
		table_add(&p->findings, ui_int(f, "id"), severity_role(ui_str(f, "severity")), cells);
	}
	json_decref(rows);
	table_done(&p->findings);
}

static void load_rows(struct console *c, struct audit_pane *p)
{
	json_t *rows = NULL;
	char *err = NULL;
	table_clear(&p->rows);
	if (audit_rows_list(c->st, p->finding, ROWS_PAGE, p->offset, &rows, &err) != ORR_OK) {
		ui_status(c, R_BAD, "%s", err);
		free(err);
		p->finding = 0;
		return;
	}
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		char n[24], id[24], src[24];
		snprintf(n, sizeof n, "%ld", p->offset + (long)i + 1);
		snprintf(id, sizeof id, "%lld", ui_int(r, "row_id"));
		snprintf(src, sizeof src, "%lld", ui_int(r, "source_id"));
		const char *name = json_string_value(json_object_get(p->sources, src));
		const char *cells[] = { n, id, name ? name : "-" };
		table_add(&p->rows, ui_int(r, "row_id"), R_NORMAL, cells);
	}
	json_decref(rows);
	table_done(&p->rows);
}

static void load(struct console *c, void *self)
{
	struct audit_pane *p = self;
	char *err = NULL;
	json_decref(p->sources);
	p->sources = json_object();
	if (source_list(c->st, add_source, p->sources, &err) != ORR_OK) {
		free(err);
		err = NULL;
	}
	json_decref(p->history);
	p->history = NULL;
	if (audit_history_list(c->st, TREND_RUNS, &p->history, &err) != ORR_OK) {
		ui_status(c, R_BAD, "%s", err);
		free(err);
	}
	json_t *latest = json_array_get(p->history, 0);
	json_decref(p->run);
	p->run = json_incref(latest);
	load_findings(c, p, latest ? ui_int(latest, "id") : 0);
	if (p->finding)
		load_rows(c, p);
}

/* Where the columns of the sources block go in w columns: the name takes
 * what the score, the dimension bars and the trend leave. */
struct src_layout {
	int name_w, score_x, dim_x, dim_w, trend_x, trend_w;
};

static struct src_layout src_layout(int w)
{
	struct src_layout l;
	l.dim_w = w >= 120 ? 8 : 6;   /* a bar and a gap */
	l.trend_w = w >= 120 ? 20 : 8;
	l.name_w = w - 8 - NDIMS * l.dim_w - l.trend_w - 2;
	l.score_x = l.name_w + 1;
	l.dim_x = l.score_x + 8;
	l.trend_x = l.dim_x + NDIMS * l.dim_w + 1;
	return l;
}

/* A source's score in each past run, oldest first. */
static size_t trend(struct audit_pane *p, const char *source, double *v, size_t max)
{
	size_t n = 0, runs = json_array_size(p->history);
	for (size_t i = runs; i-- > 0 && n < max;) {
		json_t *s = json_object_get(json_object_get(json_object_get(
			json_array_get(p->history, i), "scores"), "sources"), source);
		if (json_is_number(s))
			v[n++] = json_number_value(s);
	}
	return n;
}

static void draw_source(struct audit_pane *p, const char *key, int y, int x, int w)
{
	struct src_layout l = src_layout(w);
	json_t *scores = json_object_get(p->run, "scores");
	const char *name = json_string_value(json_object_get(p->sources, key));
	char label[64];
	snprintf(label, sizeof label, "%s", name ? name : strcmp(key, "none") ? key : "(no source)");
	term_text_pad(y, x, l.name_w, label, R_NORMAL);
	double score = json_number_value(json_object_get(json_object_get(scores, "sources"), key));
	char num[16];
	snprintf(num, sizeof num, "%6.1f", score);
	term_text(y, x + l.score_x, 7, num, score >= 90 ? R_GOOD : score >= 70 ? R_WARN : R_BAD);
	json_t *dims = json_object_get(json_object_get(scores, "source_dimensions"), key);
	for (int d = 0; d < NDIMS; d++) {
		json_t *v = json_object_get(dims, dimensions[d]);
		int bx = x + l.dim_x + d * l.dim_w;
		if (!json_is_number(v)) {
			term_text(y, bx, l.dim_w - 1, "  -", R_DIM);
			continue;
		}
		double sc = json_number_value(v);
		term_bar(y, bx, l.dim_w - 1, sc / 100.0, sc >= 90 ? R_GOOD : sc >= 70 ? R_WARN : R_BAD);
	}
	double tv[TREND_RUNS];
	size_t tn = trend(p, key, tv, TREND_RUNS);
	if (tn > 0)
		term_spark(y, x + l.trend_x, l.trend_w, tv, tn, R_TITLE);
}

/* Sources worst first, as many as fit in h rows (one is the header). */
static int draw_sources(struct audit_pane *p, int y, int x, int h, int w)
{
	json_t *scores = json_object_get(json_object_get(p->run, "scores"), "sources");
	size_t n = json_object_size(scores);
	const char **keys = xcalloc(n + 1, sizeof *keys);
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach(scores, key, v) {
		size_t at = k++;
		while (at > 0 && json_number_value(json_object_get(scores, keys[at - 1])) >
					 json_number_value(v)) {
			keys[at] = keys[at - 1];
			at--;
		}
		keys[at] = key;
	}
	struct src_layout l = src_layout(w);
	term_fill(y, x, w, R_TITLE);
	term_text(y, x, l.name_w, n > (size_t)(h - 1) ? "SOURCE (worst first)" : "SOURCE", R_TITLE);
	term_text(y, x + l.score_x + 1, 6, "SCORE", R_TITLE);
	for (int d = 0; d < NDIMS; d++)
		term_text(y, x + l.dim_x + d * l.dim_w, l.dim_w - 1,
			  l.dim_w > 6 ? dimensions[d] : dimension_abbrev[d], R_TITLE);
	term_text(y, x + l.trend_x, l.trend_w, "TREND", R_TITLE);
	int rows = 0;
	for (size_t i = 0; i < n && rows < h - 1; i++, rows++)
		draw_source(p, keys[i], y + 1 + rows, x, w);
	free(keys);
	return rows + 1;
}

static void draw_summary(struct audit_pane *p, int y, int x, int w)
{
	char line[256], when[32];
	ui_time(ui_int(p->run, "finished_at"), when, sizeof when);
	size_t runs = json_array_size(p->history);
	snprintf(line, sizeof line, "audit run %lld at %s: score %.1f, %zu findings, trend of %zu "
		 "run%s", ui_int(p->run, "id"), when, ui_num(p->run, "score"), p->findings.n, runs,
		 runs == 1 ? "" : "s");
	term_text(y, x, w, line, R_TITLE);
}

static void draw(struct console *c, void *self, int y, int x, int h, int w)
{
	(void)c;
	struct audit_pane *p = self;
	if (p->finding) {
		char line[256];
		snprintf(line, sizeof line, "failing rows of finding %lld, %s: %ld-%ld of %ld   "
			 "[ ]: pages  Enter: the record  Esc: back", (long long)p->finding,
			 p->finding_name, p->rows.n ? p->offset + 1 : 0, p->offset + (long)p->rows.n,
			 p->finding_total);
		term_text(y, x + 1, w - 2, line, R_TITLE);
		term_text(y + 1, x + 1, w - 2, p->finding_message, R_NORMAL);
		table_draw(&p->rows, y + 2, x, h - 2, w, true);
		return;
	}
	if (!p->run) {
		term_text(y + 1, x + 2, w - 4, "No audit yet.  Press r to run one (or `orrery audit`).",
			  R_DIM);
		return;
	}
	draw_summary(p, y, x + 1, w - 2);
	int top = draw_sources(p, y + 1, x + 1, (h - 2) / 2, w - 2);
	table_draw(&p->findings, y + 1 + top, x, h - 1 - top, w, true);
}

static json_t *finding_json(struct audit_pane *p, int64_t id)
{
	size_t i;
	json_t *f;
	json_array_foreach(p->finding_rows, i, f) {
		if (ui_int(f, "id") == id)
			return f;
	}
	return NULL;
}

/* Enter on a failing row: the record itself. */
static void show_record(struct console *c, struct audit_pane *p)
{
	const struct trow *r = table_current(&p->rows);
	json_t *rec = NULL;
	char *err = NULL;
	if (!r)
		return;
	if (audit_record(c->st, p->finding_table, r->id, &rec, &err) != ORR_OK) {
		ui_status(c, R_WARN, "%s", err);
		free(err);
		return;
	}
	char title[400];
	snprintf(title, sizeof title, "%s %lld (%s)", p->finding_table, (long long)r->id,
		 p->finding_message);
	ui_view_json(c, title, rec);
	json_decref(rec);
}

static void open_rows(struct console *c, struct audit_pane *p)
{
	const struct trow *r = table_current(&p->findings);
	if (!r)
		return;
	p->finding = r->id;
	p->offset = 0;
	p->finding_total = strtol(r->cells[4], NULL, 10);
	snprintf(p->finding_name, sizeof p->finding_name, "%s", r->cells[3]);
	json_t *f = finding_json(p, r->id);
	snprintf(p->finding_table, sizeof p->finding_table, "%s", ui_str(f, "table_name"));
	snprintf(p->finding_message, sizeof p->finding_message, "%s", ui_str(f, "message"));
	p->rows.cur = p->rows.top = 0;
	load_rows(c, p);
}

static bool page(struct console *c, struct audit_pane *p, int dir)
{
	if (!p->finding)
		return false;
	long next = p->offset + dir * ROWS_PAGE;
	if (next < 0 || next >= p->finding_total) {
		ui_status(c, R_DIM, "already on the %s page", dir > 0 ? "last" : "first");
		return true;
	}
	p->offset = next;
	p->rows.cur = p->rows.top = 0;
	load_rows(c, p);
	return true;
}

static bool op(struct console *c, void *self, enum op o)
{
	struct audit_pane *p = self;
	switch (o) {
	case OP_ENTER:
		if (p->finding)
			show_record(c, p);
		else
			open_rows(c, p);
		return true;
	case OP_BACK:
		if (!p->finding)
			return false;
		p->finding = 0;
		return true;
	case OP_NEXT_PAGE: return page(c, p, 1);
	case OP_PREV_PAGE: return page(c, p, -1);
	case OP_AUDIT_RUN:
		if (ui_run_audit(c))
			ui_log(c, R_NORMAL, "audit started in the background");
		return true;
	default: return false;
	}
}

static struct table *table(void *self)
{
	struct audit_pane *p = self;
	return p->finding ? &p->rows : &p->findings;
}

const struct pane_class pane_audit = {
	.title = "Audit", .create = create, .destroy = destroy, .load = load,
	.draw = draw, .op = op, .table = table,
};
