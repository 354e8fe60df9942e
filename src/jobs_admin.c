/* jobs_admin.c - the operator's view of the queue. */
#include "jobs_admin.h"

#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "store_event.h"
#include "store_internal.h"
#include "store_subsys.h"
#include "subsystem.h"
#include "xalloc.h"

/* ?1 id (0: any), ?2 state, ?3 kind or "subsystem.*"; all bound, never spliced. */
#define JOB_FILTER                                                                        \
	"(?1 = 0 OR id = ?1) AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR kind = ?3 " \
	"OR (substr(?3, -2) = '.*' AND substr(kind, 1, length(?3) - 1) = "                 \
	"substr(?3, 1, length(?3) - 1)))"

static const char *const job_states[] = { "queued", "running", "succeeded", "failed", "dead",
					  "cancelled" };

bool jobs_state_valid(const char *state)
{
	for (size_t i = 0; i < sizeof job_states / sizeof *job_states; i++)
		if (strcmp(state, job_states[i]) == 0)
			return true;
	return false;
}

static void bind_filter(sqlite3_stmt *s, const struct job_filter *f)
{
	sqlite3_bind_int64(s, 1, f->id);
	store_bind_text_or_null(s, 2, f->state);
	store_bind_text_or_null(s, 3, f->kind);
}

enum orr_rc jobs_list(struct store *st, const struct job_filter *f, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, kind, state, priority, attempts, max_attempts, progress, "
		"idempotency_key AS key, run_after, created_at, started_at, finished_at, "
		"last_error, entity, entity_id, event_id, rule, approval_id FROM jobs WHERE "
		JOB_FILTER " ORDER BY id DESC LIMIT CASE WHEN ?4 > 0 THEN ?4 ELSE -1 END",
		"cannot list jobs", err);
	if (!s)
		return ORR_SOFTWARE;
	bind_filter(s, f);
	sqlite3_bind_int64(s, 4, f->limit);
	return store_rows_json(st, s, "cannot list jobs", out, err);
}

static enum orr_rc job_logs(struct store *st, int64_t id, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT at, line FROM job_logs WHERE job_id = ?1 ORDER BY id", "cannot read job logs",
		err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	return store_rows_json(st, s, "cannot read job logs", out, err);
}

enum orr_rc jobs_show(struct store *st, int64_t id, json_t **out, char **err)
{
	enum orr_rc rc = store_row_by_id(st, "SELECT * FROM jobs WHERE id = ?1", id, "job", out,
					 err);
	if (rc != ORR_OK)
		return rc;
	json_t *logs;
	rc = job_logs(st, id, &logs, err);
	if (rc == ORR_OK)
		json_object_set_new(*out, "log", logs);
	return rc;
}

static const char *const bulk_sql[] = {
	[JOBS_RETRY] = "UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?4, "
		       "last_error = NULL, finished_at = NULL "
		       "WHERE state IN ('dead', 'failed', 'cancelled') AND " JOB_FILTER,
	[JOBS_CANCEL] = "UPDATE jobs SET state = 'cancelled', finished_at = ?4, "
			"last_error = 'cancelled by ' || ?5 "
			"WHERE state IN ('queued', 'failed') AND " JOB_FILTER,
	[JOBS_KILL] = "UPDATE jobs SET state = 'dead', finished_at = ?4, lease_owner = NULL, "
		      "lease_until = NULL, last_error = 'killed by ' || ?5 "
		      "WHERE state IN ('queued', 'failed', 'running') AND " JOB_FILTER,
};

enum orr_rc jobs_bulk(struct store *st, enum jobs_bulk op, const struct job_filter *f,
		      const char *operator_name, int64_t now, int *changed, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, bulk_sql[op], "cannot change jobs", err);
	if (!s)
		return ORR_SOFTWARE;
	bind_filter(s, f);
	sqlite3_bind_int64(s, 4, now);
	if (op != JOBS_RETRY)
		sqlite3_bind_text(s, 5, operator_name, -1, SQLITE_STATIC);
	enum orr_rc rc = store_step_done(st, s, "cannot change jobs", err);
	*changed = rc == ORR_OK ? sqlite3_changes(store_sqlite(st)) : 0;
	return rc;
}

/* Subsystems whose jobs cannot start: paused or breaker open. */
static char *held_subsystems(struct store *st, char **err)
{
	size_t n;
	const struct subsystem *const *all = subsystem_all(&n);
	json_t *held = json_array();
	for (size_t i = 0; i < n; i++) {
		struct subsys_state ss;
		if (subsys_state_load(st, all[i]->name, &ss, err) != ORR_OK) {
			json_decref(held);
			return NULL;
		}
		if (ss.paused || ss.breaker.state == BREAKER_OPEN)
			json_array_append_new(held, json_string(all[i]->name));
	}
	char *text = json_dumps(held, JSON_COMPACT);
	json_decref(held);
	return text;
}

static void count_state(struct jobs_counts *c, const char *state, long n)
{
	long *slot[] = { &c->queued, &c->running, &c->succeeded, &c->failed, &c->dead,
			 &c->cancelled };
	for (size_t i = 0; i < sizeof job_states / sizeof *job_states; i++)
		if (strcmp(state, job_states[i]) == 0)
			*slot[i] = n;
}

static enum orr_rc count_pending(struct store *st, int64_t now, struct jobs_counts *c, char **err)
{
	char *held = held_subsystems(st, err);
	if (!held)
		return ORR_SOFTWARE;
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT count(*), coalesce(sum(run_after <= ?1), 0) FROM jobs "
		"WHERE state IN ('queued', 'failed') "
		"AND subsystem NOT IN (SELECT value FROM json_each(?2))", "cannot count jobs", err);
	if (!s) {
		free(held);
		return ORR_SOFTWARE;
	}
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, held, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		c->pending = sqlite3_column_int64(s, 0);
		c->ready = sqlite3_column_int64(s, 1);
	}
	enum orr_rc rc = store_step_done(st, s, "cannot count jobs", err);
	free(held);
	return rc;
}

enum orr_rc jobs_counts(struct store *st, int64_t now, struct jobs_counts *c, char **err)
{
	memset(c, 0, sizeof *c);
	sqlite3_stmt *s = store_stmt_or_err(st, "SELECT state, count(*) FROM jobs GROUP BY state",
					    "cannot count jobs", err);
	if (!s)
		return ORR_SOFTWARE;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		count_state(c, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		*err = store_errmsg(st, "cannot count jobs");
		return store_rc(rc);
	}
	return count_pending(st, now, c, err);
}

enum orr_rc jobs_busy(struct store *st, bool *busy, char **err)
{
	char *held = held_subsystems(st, err);
	if (!held)
		return ORR_SOFTWARE;
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_leases WHERE state = 'running') "
		"OR EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_ready "
		"WHERE state IN ('queued', 'failed') "
		"AND subsystem NOT IN (SELECT value FROM json_each(?1)))", "cannot count jobs", err);
	if (!s) {
		free(held);
		return ORR_SOFTWARE;
	}
	sqlite3_bind_text(s, 1, held, -1, SQLITE_STATIC);
	*busy = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
	enum orr_rc rc = store_step_done(st, s, "cannot count jobs", err);
	free(held);
	return rc;
}

/* --- windows of time ------------------------------------------------------- */

/* The smallest value of a one-column query with ?1 bound to bound; 0 when
 * there is none (ids start at 1). */
static enum orr_rc min_id(struct store *st, const char *sql, int64_t bound, int64_t *out,
			  char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, sql, "cannot find the window", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, bound);
	*out = 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	return store_step_done(st, s, "cannot find the window", err);
}

/* Jobs created earlier that ran in the window: the jobs finished by a
 * worker (their events), running (leases) or due again (the ready index:
 * a retry's run_after lies after the attempt that failed). */
static const char *const earlier_sql[] = {
	"SELECT min(json_extract(payload, '$.job_id')) FROM events INDEXED BY events_type "
	"WHERE type IN ('job.succeeded', 'job.dead') AND id >= ?1",
	"SELECT min(id) FROM jobs INDEXED BY jobs_leases WHERE state = 'running' "
	"AND started_at >= ?1",
	"SELECT min(id) FROM jobs INDEXED BY jobs_ready WHERE state IN ('queued', 'failed') "
	"AND run_after >= ?1",
};

enum orr_rc jobs_window_first(struct store *st, int64_t since_ms, int64_t *first_id, char **err)
{
	int64_t event = 0;
	enum orr_rc rc = store_first_id(st, "SELECT coalesce(max(id), 0) FROM jobs",
					"SELECT created_at >= ?2 FROM jobs WHERE id >= ?1 "
					"ORDER BY id LIMIT 1", NULL, since_ms, first_id, err);
	if (rc == ORR_OK)
		rc = event_first_since(st, since_ms, &event, err);
	for (size_t i = 0; rc == ORR_OK && i < sizeof earlier_sql / sizeof *earlier_sql; i++) {
		int64_t id;
		rc = min_id(st, earlier_sql[i], i == 0 ? event : since_ms, &id, err);
		if (rc == ORR_OK && id > 0 && id < *first_id)
			*first_id = id;
	}
	return rc;
}

enum orr_rc jobs_window_counts(struct store *st, int64_t since_ms, int64_t now_ms, json_t **out,
			       char **err)
{
	int64_t first;
	enum orr_rc rc = jobs_window_first(st, since_ms, &first, err);
	sqlite3_stmt *s = rc == ORR_OK ? store_stmt_or_err(st,
		"SELECT subsystem, count(*), sum(state IN ('failed', 'dead')), "
		"sum(state = 'succeeded'), sum(state = 'dead') FROM jobs WHERE id >= ?1 "
		"AND (finished_at BETWEEN ?2 AND ?3 OR (state = 'failed' AND started_at BETWEEN ?2 AND ?3)) "
		"GROUP BY subsystem", "cannot count jobs", err) : NULL;
	if (!s)
		return rc == ORR_OK ? ORR_SOFTWARE : rc;
	sqlite3_bind_int64(s, 1, first);
	sqlite3_bind_int64(s, 2, since_ms);
	sqlite3_bind_int64(s, 3, now_ms);
	*out = json_object();
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		json_object_set_new(*out, (const char *)sqlite3_column_text(s, 0),
				    json_pack("{sIsIsIsI}", "jobs", (json_int_t)sqlite3_column_int64(s, 1),
					      "failed", (json_int_t)sqlite3_column_int64(s, 2),
					      "succeeded", (json_int_t)sqlite3_column_int64(s, 3),
					      "dead", (json_int_t)sqlite3_column_int64(s, 4)));
	sqlite3_reset(s);
	if (step == SQLITE_DONE)
		return ORR_OK;
	json_decref(*out);
	*out = NULL;
	*err = store_errmsg(st, "cannot count jobs");
	return store_rc(step);
}

/* The series of jobs_history, in output order. */
enum { H_CREATED, H_STARTED, H_SUCCEEDED, H_FAILED, H_DEAD, H_CANCELLED, H_N };
static const char *const history_names[H_N] = { "created", "started", "succeeded", "failed",
						 "dead", "cancelled" };

struct history {
	int64_t since, now, bucket;
	int n;
	json_int_t *v[H_N];
};

/* Count a time (a column that may be NULL) in series k. */
static void history_add(struct history *h, int k, sqlite3_stmt *s, int col)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return;
	int64_t t = sqlite3_column_int64(s, col);
	if (t < h->since || t > h->now)
		return;
	int64_t i = (t - h->since) / h->bucket;
	h->v[k][i < h->n ? i : h->n - 1]++;
}

static void history_row(struct history *h, sqlite3_stmt *s)
{
	const char *state = (const char *)sqlite3_column_text(s, 0);
	history_add(h, H_CREATED, s, 1);
	history_add(h, H_STARTED, s, 2);
	if (!state)
		return;
	if (strcmp(state, "failed") == 0)
		history_add(h, H_FAILED, s, 2);
	else if (strcmp(state, "succeeded") == 0)
		history_add(h, H_SUCCEEDED, s, 3);
	else if (strcmp(state, "dead") == 0)
		history_add(h, H_DEAD, s, 3);
	else if (strcmp(state, "cancelled") == 0)
		history_add(h, H_CANCELLED, s, 3);
}

static json_t *history_json(const struct history *h)
{
	json_t *j = json_pack("{sIsIsI}", "bucket_ms", (json_int_t)h->bucket, "since_ms",
			      (json_int_t)h->since, "now_ms", (json_int_t)h->now);
	for (int k = 0; k < H_N; k++) {
		json_t *a = json_array();
		for (int i = 0; i < h->n; i++)
			json_array_append_new(a, json_integer(h->v[k][i]));
		json_object_set_new(j, history_names[k], a);
	}
	return j;
}

static enum orr_rc history_scan(struct store *st, struct history *h, char **err)
{
	int64_t first;
	enum orr_rc rc = jobs_window_first(st, h->since, &first, err);
	sqlite3_stmt *s = rc == ORR_OK ? store_stmt_or_err(st,
		"SELECT state, created_at, started_at, finished_at FROM jobs WHERE id >= ?1",
		"cannot read job history", err) : NULL;
	if (!s)
		return rc == ORR_OK ? ORR_SOFTWARE : rc;
	sqlite3_bind_int64(s, 1, first);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		history_row(h, s);
	sqlite3_reset(s);
	if (step == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read job history");
	return store_rc(step);
}

enum orr_rc jobs_history(struct store *st, int64_t now_ms, int64_t bucket_ms, int nbuckets,
			 json_t **out, char **err)
{
	*out = NULL;
	if (bucket_ms < 1 || nbuckets < 1 || nbuckets > 1000 || bucket_ms > INT64_MAX / 1000 ||
	    now_ms < bucket_ms * nbuckets) {
		*err = xasprintf("job history: %d buckets of %lld ms do not fit (1 to 1000 buckets "
				 "of at least 1 ms)", nbuckets, (long long)bucket_ms);
		return ORR_USAGE;
	}
	struct history h = { .since = now_ms - bucket_ms * nbuckets, .now = now_ms,
			     .bucket = bucket_ms, .n = nbuckets };
	for (int k = 0; k < H_N; k++)
		h.v[k] = xcalloc((size_t)nbuckets, sizeof *h.v[k]);
	enum orr_rc rc = history_scan(st, &h, err);
	if (rc == ORR_OK)
		*out = history_json(&h);
	for (int k = 0; k < H_N; k++)
		free(h.v[k]);
	return rc;
}

/* Each count reads a partial index (jobs_ready, jobs_leases, jobs_parked),
 * never the table: the cost follows the live jobs, not the history. */
enum orr_rc jobs_counts_live(struct store *st, struct jobs_counts *c, char **err)
{
	memset(c, 0, sizeof *c);
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT 'waiting', count(*) FROM jobs INDEXED BY jobs_ready "
		"WHERE state IN ('queued', 'failed') "
		"UNION ALL SELECT 'running', count(*) FROM jobs INDEXED BY jobs_leases "
		"WHERE state = 'running' "
		"UNION ALL SELECT state, count(*) FROM jobs INDEXED BY jobs_parked "
		"WHERE state IN ('failed', 'dead', 'cancelled') GROUP BY state",
		"cannot count jobs", err);
	if (!s)
		return ORR_SOFTWARE;
	long waiting = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(s, 0);
		if (strcmp(state, "waiting") == 0)
			waiting = (long)sqlite3_column_int64(s, 1);
		else
			count_state(c, state, (long)sqlite3_column_int64(s, 1));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		*err = store_errmsg(st, "cannot count jobs");
		return store_rc(rc);
	}
	c->queued = waiting - c->failed;
	return ORR_OK;
}
