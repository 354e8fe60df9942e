/* pane_jobs.c - the queue: counts per state with their last hour as
 * sparklines, and the newest jobs (by state with s, by anything with /).
 * R retries, c cancels, k kills to dead (on the row or every marked row);
 * p pauses or resumes the job's subsystem; o runs the orchestrator here. */
#include <stdlib.h>
#include <string.h>

#include "jobs_admin.h"
#include "store_subsys.h"
#include "ui.h"
#include "xalloc.h"

#define JOBS_SHOWN 500
#define HISTORY_BUCKETS 12
#define HISTORY_BUCKET_MS (5 * 60 * 1000)

static const struct tcol cols[] = {
	{ "ID", 6, true },	{ "KIND", 15, false },	{ "STATE", 9, false }, { "TRIES", 5, true },
	{ "DONE", 4, true },	{ "QUEUED", 7, false }, { "ABOUT", 11, false }, { "LAST ERROR", 0, false },
};

/* The states in the order the s key cycles through them (NULL: all). */
static const char *const states[] = { NULL, "queued", "running", "failed", "dead", "succeeded",
				      "cancelled" };
#define NSTATES (sizeof states / sizeof *states)

struct jobs_pane {
	struct table t;
	size_t state;          /* index in states */
	struct jobs_counts counts;
	json_t *history;       /* jobs_history */
	bool loaded;           /* data has arrived at least once */
	char shown[16];        /* the state of the rows shown ("": all) */
};

static void *create(struct console *c)
{
	(void)c;
	struct jobs_pane *p = xcalloc(1, sizeof *p);
	table_init(&p->t, cols, (int)(sizeof cols / sizeof *cols));
	return p;
}

static void destroy(void *self)
{
	struct jobs_pane *p = self;
	table_free(&p->t);
	json_decref(p->history);
	free(p);
}

static enum role state_role(const char *state)
{
	if (strcmp(state, "dead") == 0)
		return R_BAD;
	if (strcmp(state, "failed") == 0)
		return R_WARN;
	if (strcmp(state, "running") == 0)
		return R_GOOD;
	if (strcmp(state, "cancelled") == 0 || strcmp(state, "succeeded") == 0)
		return R_DIM;
	return R_NORMAL;
}

static void add_row(struct table *t, json_t *j, int64_t now)
{
	char id[24], tries[24], done[16], age[24], about[80];
	snprintf(id, sizeof id, "%lld", ui_int(j, "id"));
	snprintf(tries, sizeof tries, "%lld/%lld", ui_int(j, "attempts"), ui_int(j, "max_attempts"));
	snprintf(done, sizeof done, "%lld%%", ui_int(j, "progress"));
	ui_ago(ui_int(j, "created_at"), now, age, sizeof age);
	if (*ui_str(j, "entity"))
		snprintf(about, sizeof about, "%s %lld", ui_str(j, "entity"), ui_int(j, "entity_id"));
	else
		snprintf(about, sizeof about, "-");
	const char *cells[] = { id, ui_str(j, "kind"), ui_str(j, "state"), tries, done, age, about,
				ui_str(j, "last_error") };
	table_add(t, ui_int(j, "id"), state_role(ui_str(j, "state")), cells);
}

/* On the loader thread: the live counts, the last hour and the newest
 * jobs of the state shown. */
static json_t *fetch(struct store *st, const struct cli_console *req, const char *state,
		     char **err)
{
	(void)req;
	int64_t now = ui_now_ms();
	struct jobs_counts k;
	json_t *history = NULL, *rows = NULL;
	struct job_filter f = { .state = *state ? state : NULL, .limit = JOBS_SHOWN };
	if (jobs_counts_live(st, &k, err) != ORR_OK ||
	    jobs_history(st, now, HISTORY_BUCKET_MS, HISTORY_BUCKETS, &history, err) != ORR_OK)
		return NULL;
	if (jobs_list(st, &f, &rows, err) != ORR_OK) {
		json_decref(history);
		return NULL;
	}
	return json_pack("{s{sIsIsIsIsI}sosIsoss}", "counts", "queued", (json_int_t)k.queued,
			 "running", (json_int_t)k.running, "failed", (json_int_t)k.failed, "dead",
			 (json_int_t)k.dead, "cancelled", (json_int_t)k.cancelled, "history", history,
			 "at", (json_int_t)now, "rows", rows, "state", state);
}

static const char *fetch_arg(void *self)
{
	struct jobs_pane *p = self;
	return states[p->state] ? states[p->state] : "";
}

static void apply(struct console *c, void *self, json_t *data)
{
	(void)c;
	struct jobs_pane *p = self;
	json_t *k = json_object_get(data, "counts");
	p->counts = (struct jobs_counts){ .queued = (long)ui_int(k, "queued"),
					  .running = (long)ui_int(k, "running"),
					  .failed = (long)ui_int(k, "failed"),
					  .dead = (long)ui_int(k, "dead"),
					  .cancelled = (long)ui_int(k, "cancelled") };
	json_decref(p->history);
	p->history = json_incref(json_object_get(data, "history"));
	p->loaded = true;
	snprintf(p->shown, sizeof p->shown, "%s", ui_str(data, "state"));
	table_clear(&p->t);
	size_t i;
	json_t *j;
	json_array_foreach(json_object_get(data, "rows"), i, j) {
		add_row(&p->t, j, ui_int(data, "at"));
	}
	table_done(&p->t);
}

/* The data comes from fetch, on the loader thread. */
static void load(struct console *c, void *self)
{
	(void)c;
	(void)self;
}

/* One state's meter: "queued    12 ▁▂▃▅" in w columns. */
static void draw_meter(struct jobs_pane *p, int y, int x, int w, const char *state, long n,
		       const char *series)
{
	char text[48];
	snprintf(text, sizeof text, "%-9s %6ld ", state, n);
	int used = term_text(y, x, w, text, n > 0 ? state_role(state) : R_DIM);
	json_t *arr = json_object_get(p->history, series);
	double v[HISTORY_BUCKETS] = { 0 };
	size_t nv = 0;
	for (; nv < HISTORY_BUCKETS && nv < json_array_size(arr); nv++)
		v[nv] = json_number_value(json_array_get(arr, nv));
	int sw = w - used - 2 < HISTORY_BUCKETS ? w - used - 2 : HISTORY_BUCKETS;
	if (sw > 0 && nv > 0)
		term_spark(y, x + used, sw, v, nv, R_GOOD);
}

/* Jobs of a history series over the whole hour shown. */
static long hour_total(struct jobs_pane *p, const char *series)
{
	long n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(p->history, series), i, v) {
		n += (long)json_integer_value(v);
	}
	return n;
}

static void draw_meters(struct jobs_pane *p, int y, int x, int w)
{
	const struct {
		const char *state, *series;
		long n;
	} m[] = {
		{ "queued", "created", p->counts.queued },     { "running", "started", p->counts.running },
		{ "done/1h", "succeeded", hour_total(p, "succeeded") }, { "failed", "failed", p->counts.failed },
		{ "dead", "dead", p->counts.dead },	       { "cancelled", "cancelled", p->counts.cancelled },
	};
	int cw = w / 3;
	for (int i = 0; i < 6; i++)
		draw_meter(p, y + i / 3, x + (i % 3) * cw, cw - 1, m[i].state, m[i].n, m[i].series);
}

static void draw(struct console *c, void *self, int y, int x, int h, int w)
{
	(void)c;
	struct jobs_pane *p = self;
	draw_meters(p, y, x + 1, w - 2);
	char line[160];
	const char *want = fetch_arg(p);
	if (!p->loaded || strcmp(want, p->shown) != 0)
		snprintf(line, sizeof line, "jobs: %s (loading)", *want ? want : "all states");
	else
		snprintf(line, sizeof line, "jobs: %s (newest %zu shown%s; s: state, /: filter)  "
			 "sparklines: last hour in 5-minute steps", *want ? want : "all states",
			 p->t.nvis, p->t.filter[0] ? ", filtered" : "");
	term_text(y + 2, x + 1, w - 2, line, R_DIM);
	table_draw(&p->t, y + 3, x, h - 3, w, true);
}

static void show(struct console *c, struct jobs_pane *p)
{
	const struct trow *r = table_current(&p->t);
	json_t *j = NULL;
	char *err = NULL;
	if (!r)
		return;
	if (jobs_show(c->st, r->id, &j, &err) != ORR_OK) {
		ui_status(c, R_BAD, "%s", err);
		free(err);
		return;
	}
	char title[48];
	snprintf(title, sizeof title, "job %lld", (long long)r->id);
	ui_view_json(c, title, j);
	json_decref(j);
}

static const char *bulk_name(enum jobs_bulk b)
{
	return b == JOBS_RETRY ? "retried" : b == JOBS_CANCEL ? "cancelled" : "killed";
}

/* One conditional UPDATE per job: a job that changed state meanwhile is
 * left alone and counted as skipped. */
static void bulk(struct console *c, struct jobs_pane *p, const struct ui_targets *g)
{
	enum jobs_bulk b = (enum jobs_bulk)g->what;
	int changed = 0;
	for (size_t i = 0; i < g->n; i++) {
		struct job_filter f = { .id = g->ids[i] };
		int one = 0;
		char *err = NULL;
		if (jobs_bulk(c->st, b, &f, c->op.name, ui_now_ms(), &one, &err) != ORR_OK) {
			ui_log(c, R_BAD, "job %lld: %s", (long long)g->ids[i], err);
			free(err);
		}
		changed += one;
	}
	if (g->n == 1)
		ui_log(c, changed ? R_GOOD : R_WARN, "job %lld %s%s", (long long)g->ids[0],
		       changed ? bulk_name(b) : "not ", changed ? "" : bulk_name(b));
	else
		ui_log(c, R_GOOD, "%s %d of %zu marked jobs (the others were in another state)",
		       bulk_name(b), changed, g->n);
	table_unmark(&p->t, g->ids, g->n);
	c->reload = true;
}

static void confirmed(struct console *c, const char *text, void *ctx)
{
	(void)text;
	struct ui_targets *g = ctx;
	bulk(c, g->pane, g);
}

/* Cancel and kill always ask, retry only for marked rows; the answer
 * applies to the jobs named in the question. */
static void ask(struct console *c, struct jobs_pane *p, enum jobs_bulk b)
{
	static const char *const verbs[] = { [JOBS_RETRY] = "Retry", [JOBS_CANCEL] = "Cancel",
					     [JOBS_KILL] = "Kill (to dead)" };
	struct ui_targets *g = ui_targets_take(&p->t, p, (int)b);
	if (b == JOBS_RETRY && p->t.nmarks == 0) {
		bulk(c, p, g);
		ui_targets_free(g);
		return;
	}
	char q[128];
	if (g->n == 1)
		snprintf(q, sizeof q, "%s job %lld? [y/N]", verbs[b], (long long)g->ids[0]);
	else
		snprintf(q, sizeof q, "%s %zu marked jobs? [y/N]", verbs[b], g->n);
	ui_confirm(c, q, confirmed, g, ui_targets_free);
}

static bool op(struct console *c, void *self, enum op o)
{
	struct jobs_pane *p = self;
	const struct trow *r = table_current(&p->t);
	switch (o) {
	case OP_JOB_STATE:
		p->state = (p->state + 1) % NSTATES;
		ui_status(c, R_NORMAL, "jobs: %s", states[p->state] ? states[p->state] : "all states");
		c->reload = true;
		return true;
	case OP_ORCH: ui_orch_toggle(c); return true;
	case OP_ENTER: show(c, p); return r != NULL;
	case OP_JOB_RETRY:
	case OP_JOB_CANCEL:
	case OP_JOB_KILL:
		if (!r)
			return false;
		ask(c, p, o == OP_JOB_RETRY ? JOBS_RETRY : o == OP_JOB_CANCEL ? JOBS_CANCEL : JOBS_KILL);
		return true;
	case OP_SUBSYS_PAUSE:
		if (r)
			ui_pause_toggle(c, r->cells[1]);
		return r != NULL;
	default: return false;
	}
}

static struct table *table(void *self)
{
	return &((struct jobs_pane *)self)->t;
}

const struct pane_class pane_jobs = {
	.title = "Jobs", .create = create, .destroy = destroy, .load = load,
	.draw = draw, .op = op, .table = table, .marks = true,
	.fetch = fetch, .apply = apply, .fetch_arg = fetch_arg,
};
