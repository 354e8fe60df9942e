/* audit.c - running the checks, scoring, announcing. */
#include "audit.h"

#include <stdlib.h>
#include <string.h>

#include "audit_lines.h"
#include "audit_profile.h"
#include "audit_user.h"
#include "store.h"
#include "store_audit.h"
#include "store_event.h"
#include "xalloc.h"

static const struct audit_check *check_named(const char *name)
{
	size_t n;
	const struct audit_check *all = audit_checks(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0)
			return &all[i];
	return NULL;
}

/* --- scores ----------------------------------------------------------------
 * A group's score is 100 * (1 - failing / checked), summed over the rows of
 * the checks in the group.  Groups: each dimension, each table, each
 * source.  The overall score is the mean of the dimension scores. */

static void tally(json_t *groups, const char *key, json_int_t checked, json_int_t failing)
{
	json_t *g = json_object_get(groups, key);
	if (!g) {
		g = json_pack("{sIsI}", "checked", (json_int_t)0, "failing", (json_int_t)0);
		json_object_set_new(groups, key, g);
	}
	json_object_set_new(g, "checked",
			    json_integer(json_integer_value(json_object_get(g, "checked")) + checked));
	json_object_set_new(g, "failing",
			    json_integer(json_integer_value(json_object_get(g, "failing")) + failing));
}

/* Turn {key: {checked, failing}} into {key: score}; groups that checked
 * nothing have no score. */
static json_t *to_scores(json_t *groups, double *mean)
{
	json_t *scores = json_object();
	const char *k;
	json_t *g;
	double sum = 0;
	int n = 0;
	json_object_foreach(groups, k, g) {
		json_int_t checked = json_integer_value(json_object_get(g, "checked"));
		if (checked <= 0)
			continue;
		double failing = (double)json_integer_value(json_object_get(g, "failing"));
		double score = 100.0 * (1.0 - failing / (double)checked);
		json_object_set_new(scores, k, json_real(score));
		sum += score;
		n++;
	}
	if (mean)
		*mean = n ? sum / n : 100.0;
	return scores;
}

/* The {dimension: {checked, failing}} object of one source, made on first use. */
static json_t *source_group(json_t *by_source, const char *key)
{
	json_t *g = json_object_get(by_source, key);
	if (!g) {
		g = json_object();
		json_object_set_new(by_source, key, g);
	}
	return g;
}

static json_t *score_run(json_t *checked_rows, double *overall)
{
	json_t *dims = json_object(), *tables = json_object(), *sources = json_object();
	json_t *source_dims = json_object(); /* {source: {dimension: {checked, failing}}} */
	size_t i;
	json_t *r;
	json_array_foreach(checked_rows, i, r) {
		const char *name = json_string_value(json_object_get(r, "check_name"));
		const struct audit_check *c = check_named(name);
		char user_table[128];
		const char *dimension = c ? c->dimension : NULL, *table = c ? c->table : user_table;
		if (!c && !audit_user_check_info(name, user_table, sizeof user_table, &dimension))
			continue;
		json_int_t checked = json_integer_value(json_object_get(r, "checked"));
		json_int_t failing = json_integer_value(json_object_get(r, "failing"));
		json_t *src = json_object_get(r, "source_id");
		char key[32];
		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(src));
		tally(dims, dimension, checked, failing);
		tally(tables, table, checked, failing);
		tally(sources, json_is_integer(src) ? key : "none", checked, failing);
		tally(source_group(source_dims, json_is_integer(src) ? key : "none"), dimension,
		      checked, failing);
	}
	json_t *out = json_pack("{sososo}", "dimensions", to_scores(dims, overall), "tables",
				to_scores(tables, NULL), "sources", to_scores(sources, NULL));
	json_t *per = json_object();
	const char *k;
	json_t *g;
	json_object_foreach(source_dims, k, g) {
		json_object_set_new(per, k, to_scores(g, NULL));
	}
	json_object_set_new(out, "source_dimensions", per);
	json_decref(source_dims);
	json_decref(dims);
	json_decref(tables);
	json_decref(sources);
	return out;
}

/* --- events ---------------------------------------------------------------- */

static enum orr_rc announce(struct store *st, int64_t run_id, double score, json_t *findings,
			    int64_t now, char **err)
{
	size_t i;
	json_t *f;
	enum orr_rc rc = ORR_OK;
	json_array_foreach(findings, i, f) {
		json_t *p = json_pack("{sOsOsOsOsOsOsO}", "finding_id", json_object_get(f, "id"),
				      "check", json_object_get(f, "check_name"), "dimension",
				      json_object_get(f, "dimension"), "severity",
				      json_object_get(f, "severity"), "table",
				      json_object_get(f, "table_name"), "failing",
				      json_object_get(f, "failing"), "examples",
				      json_object_get(f, "examples"));
		char *text = json_dumps(p, JSON_COMPACT);
		json_decref(p);
		struct event_new ev = { .type = "audit.finding", .entity = "audit_finding",
					.entity_id = json_integer_value(json_object_get(f, "id")),
					.payload = text };
		if (rc == ORR_OK)
			rc = event_append(st, &ev, now, NULL, err);
		free(text);
	}
	char *text = xasprintf("{\"run_id\":%lld,\"score\":%.2f,\"findings\":%zu}",
			       (long long)run_id, score, json_array_size(findings));
	struct event_new done = { .type = "audit.completed", .entity = "audit_run",
				  .entity_id = run_id, .payload = text };
	if (rc == ORR_OK)
		rc = event_append(st, &done, now, NULL, err);
	free(text);
	return rc;
}

/* --- the run --------------------------------------------------------------- */

/* Each check of the catalogue in order (finding ids follow it), those of
 * order lines from the pass that already computed them. */
static enum orr_rc run_checks(struct store *st, int64_t run_id, int64_t now,
			      const struct audit_options *o, const struct lines_pass *lp, char **err)
{
	size_t n;
	const struct audit_check *all = audit_checks(&n);
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < n && rc == ORR_OK; i++) {
		long failing, checked;
		if (lines_pass_computes(lp, &all[i]))
			rc = lines_pass_record(st, run_id, lp, &all[i], err);
		else
			rc = audit_run_check(st, run_id, &all[i], now, o->stale_ms, &failing, &checked,
					     err);
		if (o->progress)
			o->progress(o->progress_ctx, (int)i + 1, (int)n, all[i].name);
	}
	return rc;
}

/* --- the operator's checks ------------------------------------------------- */

static enum orr_rc run_user_doc(struct store *st, int64_t run_id, json_t *doc, const char *file,
				char **err)
{
	struct user_checks *u = NULL;
	enum orr_rc rc = audit_user_parse(st, doc, file, &u, err);
	if (rc == ORR_OK)
		rc = audit_user_run(st, run_id, u, err);
	audit_user_free(u);
	return rc;
}

/* The given file's checks (kept first when accepted) and every accepted
 * file's; a file given again runs once, with what it holds now. */
static enum orr_rc run_user_checks(struct store *st, int64_t run_id, int64_t now,
				   const struct audit_options *o, char **err)
{
	enum orr_rc rc = ORR_OK;
	if (o->checks) {
		char *text = json_dumps(o->checks, JSON_COMPACT);
		rc = run_user_doc(st, run_id, o->checks, o->checks_file, err);
		if (rc == ORR_OK && o->accept)
			rc = audit_user_checks_save(st, o->checks_file, text, now, err);
		free(text);
	}
	json_t *accepted = NULL;
	if (rc == ORR_OK)
		rc = audit_user_checks_list(st, &accepted, err);
	size_t i;
	json_t *a;
	json_array_foreach(accepted, i, a) {
		const char *file = json_string_value(json_object_get(a, "file"));
		if (rc != ORR_OK || (o->checks && strcmp(file, o->checks_file) == 0))
			continue;
		json_t *doc = json_loads(json_string_value(json_object_get(a, "checks")), 0, NULL);
		rc = run_user_doc(st, run_id, doc, file, err);
		json_decref(doc);
	}
	json_decref(accepted);
	return rc;
}

/* --- profiles -------------------------------------------------------------- */

/* At most this many sources of one table get a profile of their own:
 * memory stays bounded whatever the number of files. */
#define SOURCE_PROFILES_MAX 16

struct source_profile {
	int64_t source_id;
	struct profiler *p;
	long rows;
};

struct table_profile {
	struct profiler *p;
	long rows;
	int source_col; /* index of source_id, or -1 */
	struct source_profile src[SOURCE_PROFILES_MAX];
	int nsrc;
	/* every row so far came from src[0]'s source: its profile would be p,
	 * so it is not kept twice until a row of another source (or none)
	 * comes; most tables hold one source */
	bool shadow;
};

static int source_column(int ncols, const char *const *names)
{
	for (int i = 0; i < ncols; i++)
		if (strcmp(names[i], "source_id") == 0)
			return i;
	return -1;
}

static struct source_profile *source_slot(struct table_profile *tp, int64_t source_id, int ncols,
					  const char *const *names)
{
	for (int i = 0; i < tp->nsrc; i++)
		if (tp->src[i].source_id == source_id)
			return &tp->src[i];
	if (tp->nsrc == SOURCE_PROFILES_MAX)
		return NULL;
	struct source_profile *sp = &tp->src[tp->nsrc++];
	*sp = (struct source_profile){ source_id, profiler_new(ncols, names), 0 };
	return sp;
}

static void profile_row(void *ctx, int ncols, const char *const *names,
			const struct prof_value *vals)
{
	struct table_profile *tp = ctx;
	if (!tp->p) {
		tp->p = profiler_new(ncols, names);
		tp->source_col = source_column(ncols, names);
	}
	const struct prof_value *src = tp->source_col >= 0 ? &vals[tp->source_col] : NULL;
	bool known = src && src->type == PROF_INT;
	if (tp->shadow && !(known && src->i == tp->src[0].source_id)) {
		tp->src[0].p = profiler_clone(tp->p);
		tp->shadow = false;
	}
	profiler_add_row(tp->p, vals);
	tp->rows++;
	if (tp->rows == 1 && known) {
		tp->src[tp->nsrc++] = (struct source_profile){ src->i, NULL, 1 };
		tp->shadow = true;
		return;
	}
	if (tp->shadow) {
		tp->src[0].rows++;
		return;
	}
	struct source_profile *sp = known ? source_slot(tp, src->i, ncols, names) : NULL;
	if (sp) {
		profiler_add_row(sp->p, vals);
		sp->rows++;
	}
}

static enum orr_rc save_profile(struct store *st, int64_t run_id, const char *table,
				int64_t source_id, struct profiler *p, long rows, char **err)
{
	json_t *result = p ? profiler_result(p) : json_array();
	char *text = json_dumps(result, JSON_COMPACT | JSON_REAL_PRECISION(6));
	enum orr_rc rc = audit_profile_save(st, run_id, table, source_id, rows, text, err);
	free(text);
	json_decref(result);
	return rc;
}

/* The table's profile, and each source's when there is more than one. */
static enum orr_rc save_table_profiles(struct store *st, int64_t run_id, const char *table,
				       struct table_profile *tp, char **err)
{
	enum orr_rc rc = save_profile(st, run_id, table, 0, tp->p, tp->rows, err);
	for (int i = 0; i < tp->nsrc && tp->nsrc > 1 && rc == ORR_OK; i++)
		rc = save_profile(st, run_id, table, tp->src[i].source_id, tp->src[i].p,
				  tp->src[i].rows, err);
	profiler_free(tp->p);
	for (int i = 0; i < tp->nsrc; i++)
		profiler_free(tp->src[i].p);
	return rc;
}

/* One pass over each table feeds every column's profilers; order_lines
 * was profiled by the pass that checked it (lines). */
static enum orr_rc profile_tables(struct store *st, int64_t run_id, struct table_profile *lines,
				  char **err)
{
	size_t n;
	const char *const *tables = audit_profiled_tables(&n);
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < n && rc == ORR_OK; i++) {
		struct table_profile tp = { .source_col = -1 };
		bool done = strcmp(tables[i], "order_lines") == 0;
		if (done)
			tp = *lines;
		else
			rc = audit_scan(st, tables[i], profile_row, &tp, err);
		enum orr_rc saved = save_table_profiles(st, run_id, tables[i], &tp, err);
		if (done)
			*lines = (struct table_profile){ .source_col = -1 };
		if (rc == ORR_OK)
			rc = saved;
	}
	return rc;
}

/* The one scan of order_lines: its profile and its checks. */
struct lines_scan {
	struct table_profile tp;
	struct lines_pass *lp;
};

static void lines_row(void *ctx, int ncols, const char *const *names,
		      const struct prof_value *vals)
{
	struct lines_scan *ls = ctx;
	profile_row(&ls->tp, ncols, names, vals);
	lines_pass_row(ls->lp, ncols, names, vals);
}

static enum orr_rc scan_lines(struct store *st, struct lines_scan *ls, char **err)
{
	enum orr_rc rc = lines_pass_new(st, &ls->lp, err);
	if (rc == ORR_OK)
		rc = audit_scan(st, "order_lines", lines_row, ls, err);
	if (rc == ORR_OK)
		rc = lines_pass_finish(st, ls->lp, err);
	return rc;
}

static void table_profile_free(struct table_profile *tp)
{
	profiler_free(tp->p);
	for (int i = 0; i < tp->nsrc; i++)
		profiler_free(tp->src[i].p);
}

static enum orr_rc score_and_close(struct store *st, int64_t run_id, int64_t now, char **err)
{
	json_t *checked = NULL, *findings = NULL;
	enum orr_rc rc = audit_checked_list(st, run_id, &checked, err);
	double overall = 100.0;
	json_t *scores = rc == ORR_OK ? score_run(checked, &overall) : NULL;
	json_object_set_new(scores, "overall", json_real(overall));
	char *text = scores ? json_dumps(scores, JSON_COMPACT) : NULL;
	if (rc == ORR_OK)
		rc = audit_run_close(st, run_id, overall, text, now, err);
	if (rc == ORR_OK)
		rc = audit_findings_list(st, run_id, &findings, err);
	if (rc == ORR_OK)
		rc = announce(st, run_id, overall, findings, now, err);
	free(text);
	json_decref(scores);
	json_decref(checked);
	json_decref(findings);
	return rc;
}

enum orr_rc audit_run(struct store *st, const struct clock *clock, const struct audit_options *o,
		      int64_t *run_id, char **err)
{
	enum orr_rc rc = store_audit_functions(st, err);
	if (rc == ORR_OK)
		rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	/* checked under the write lock: an audit that was running when this
	 * job started has committed by now, and covers it */
	int64_t newer = o->job_id && o->covered_by ? audit_run_covering_job(st, o->job_id) : 0;
	if (newer) {
		store_rollback(st);
		*o->covered_by = *run_id = newer;
		return ORR_OK;
	}
	int64_t now = clock_now(clock);
	struct lines_scan ls = { .tp = { .source_col = -1 } };
	rc = audit_run_open(st, now, o->job_id, run_id, err);
	if (rc == ORR_OK)
		rc = scan_lines(st, &ls, err);
	if (rc == ORR_OK)
		rc = run_checks(st, *run_id, now, o, ls.lp, err);
	lines_pass_free(ls.lp);
	if (rc == ORR_OK)
		rc = run_user_checks(st, *run_id, now, o, err);
	if (rc == ORR_OK)
		rc = profile_tables(st, *run_id, &ls.tp, err);
	table_profile_free(&ls.tp);
	if (rc == ORR_OK)
		rc = score_and_close(st, *run_id, clock_now(clock), err);
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK)
		store_rollback(st);
	return rc;
}

enum orr_rc audit_report(struct store *st, int64_t run_id, json_t **out, char **err)
{
	json_t *run = NULL, *findings = NULL;
	enum orr_rc rc = audit_run_get(st, run_id, &run, err);
	if (rc == ORR_OK)
		rc = audit_findings_list(st, run_id, &findings, err);
	if (rc != ORR_OK) {
		json_decref(run);
		return rc;
	}
	json_t *scores = json_incref(json_object_get(run, "scores"));
	json_object_del(run, "scores");
	*out = json_pack("{sososo}", "run", run, "scores", scores, "findings", findings);
	return ORR_OK;
}
