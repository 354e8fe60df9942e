/* store_delivery.c - deliveries, connector_calls and connector_state rows. */
#include "store_delivery.h"

#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "xalloc.h"

static char *column_dup(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? xstrdup(t) : NULL;
}

void delivery_clear(struct delivery *d)
{
	free(d->connector);
	free(d->event_type);
	free(d->msg_id);
	free(d->state);
	memset(d, 0, sizeof *d);
}

/* --- deliveries ------------------------------------------------------------ */

enum orr_rc delivery_create(struct store *st, const char *connector, int64_t event_id,
			    const char *event_type, int64_t now, int64_t *id, bool *created,
			    char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO deliveries (connector, event_id, event_type, msg_id, created_at, "
		"updated_at) VALUES (?1, ?2, ?3, 'msg_' || ?1 || '_' || ?2, ?4, ?4) "
		"ON CONFLICT (connector, event_id) DO NOTHING", "cannot record a delivery", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, connector, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, event_id);
	sqlite3_bind_text(s, 3, event_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	enum orr_rc rc = store_step_done(st, s, "cannot record a delivery", err);
	if (rc != ORR_OK)
		return rc;
	*created = sqlite3_changes(store_sqlite(st)) == 1;
	if (*created) {
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
		return ORR_OK;
	}
	s = store_stmt_or_err(st, "SELECT id FROM deliveries WHERE connector = ?1 AND event_id = ?2",
			      "cannot record a delivery", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, connector, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, event_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	return store_step_done(st, s, "cannot record a delivery", err);
}

enum orr_rc delivery_set_job(struct store *st, int64_t id, int64_t job_id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "UPDATE deliveries SET job_id = ?2 WHERE id = ?1",
					    "cannot record a delivery", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, job_id);
	return store_step_done(st, s, "cannot record a delivery", err);
}

enum orr_rc delivery_load(struct store *st, int64_t id, struct delivery *out, char **err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, event_id, coalesce(job_id, 0), connector, event_type, msg_id, state, "
		"attempts FROM deliveries WHERE id = ?1", "cannot read a delivery", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		out->event_id = sqlite3_column_int64(s, 1);
		out->job_id = sqlite3_column_int64(s, 2);
		out->connector = column_dup(s, 3);
		out->event_type = column_dup(s, 4);
		out->msg_id = column_dup(s, 5);
		out->state = column_dup(s, 6);
		out->attempts = sqlite3_column_int(s, 7);
	}
	enum orr_rc r = store_step_done(st, s, "cannot read a delivery", err);
	if (r == ORR_OK && rc != SQLITE_ROW) {
		*err = xasprintf("no delivery %lld", (long long)id);
		return ORR_NOINPUT;
	}
	return r;
}

/* store_step_done wants a statement that has no more rows; one that just
 * gave its row is reset by it all the same. */

enum orr_rc call_record(struct store *st, const struct call_record *c, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO connector_calls (connector, at, job_id, delivery_id, method, status, ok, "
		"latency_ms, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		"cannot record a call", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, c->connector, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, c->at);
	store_bind_id_or_null(s, 3, c->job_id);
	store_bind_id_or_null(s, 4, c->delivery_id);
	sqlite3_bind_text(s, 5, c->method, -1, SQLITE_STATIC);
	store_bind_id_or_null(s, 6, c->status);
	sqlite3_bind_int(s, 7, c->ok);
	sqlite3_bind_int64(s, 8, c->latency_ms);
	store_bind_text_or_null(s, 9, c->error);
	enum orr_rc rc = store_step_done(st, s, "cannot record a call", err);
	if (rc != ORR_OK || !c->delivery_id)
		return rc;
	s = store_stmt_or_err(st,
		"UPDATE deliveries SET attempts = attempts + 1, last_status = ?2, last_error = ?3, "
		"latency_ms = ?4, updated_at = ?5 WHERE id = ?1", "cannot record a call", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, c->delivery_id);
	store_bind_id_or_null(s, 2, c->status);
	store_bind_text_or_null(s, 3, c->error);
	sqlite3_bind_int64(s, 4, c->latency_ms);
	sqlite3_bind_int64(s, 5, c->at);
	return store_step_done(st, s, "cannot record a call", err);
}

static enum orr_rc delivery_update(struct store *st, const char *sql, int64_t id,
				   const char *text, int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, sql, "cannot update a delivery", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text_or_null(s, 2, text);
	sqlite3_bind_int64(s, 3, now);
	return store_step_done(st, s, "cannot update a delivery", err);
}

enum orr_rc delivery_mark_delivered(struct store *st, int64_t id, int64_t now, char **err)
{
	return delivery_update(st,
		"UPDATE deliveries SET state = 'delivered', last_error = ?2, delivered_at = ?3, "
		"updated_at = ?3 WHERE id = ?1", id, NULL, now, err);
}

enum orr_rc delivery_mark_dead(struct store *st, int64_t id, const char *reason, int64_t now,
			       char **err)
{
	return delivery_update(st,
		"UPDATE deliveries SET state = 'dead', last_error = ?2, updated_at = ?3 "
		"WHERE id = ?1 AND state <> 'delivered'", id, reason, now, err);
}

enum orr_rc delivery_reset_for_replay(struct store *st, int64_t id, int64_t now, bool *ok,
				      char **err)
{
	enum orr_rc rc = delivery_update(st,
		"UPDATE deliveries SET state = 'pending', replays = replays + 1, updated_at = ?3, "
		"delivered_at = NULL, last_error = coalesce(?2, last_error) "
		"WHERE id = ?1 AND (state <> 'pending' OR NOT EXISTS (SELECT 1 FROM jobs "
		"WHERE jobs.id = deliveries.job_id AND jobs.state IN ('queued', 'running', 'failed')))",
		id, NULL, now, err);
	*ok = rc == ORR_OK && sqlite3_changes(store_sqlite(st)) == 1;
	return rc;
}

enum orr_rc delivery_list(struct store *st, const char *state, const char *connector, long limit,
			  json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, connector, event_id, event_type, msg_id, state, attempts, last_status, "
		"latency_ms, last_error, replays, job_id, created_at, updated_at, delivered_at "
		"FROM deliveries WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR connector = ?2) "
		"ORDER BY id DESC LIMIT ?3", "cannot list deliveries", err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, state);
	store_bind_text_or_null(s, 2, connector);
	sqlite3_bind_int64(s, 3, limit > 0 ? limit : -1);
	return store_rows_json(st, s, "cannot list deliveries", out, err);
}

enum orr_rc delivery_show(struct store *st, int64_t id, json_t **out, char **err)
{
	enum orr_rc rc = store_row_by_id(st,
		"SELECT id, connector, event_id, event_type, msg_id, state, attempts, last_status, "
		"latency_ms, last_error, replays, job_id, created_at, updated_at, delivered_at "
		"FROM deliveries WHERE id = ?1", id, "delivery", out, err);
	if (rc != ORR_OK)
		return rc;
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT at, job_id, method, status, ok, latency_ms, error FROM connector_calls "
		"WHERE delivery_id = ?1 ORDER BY id", "cannot read attempts", err);
	json_t *calls = NULL;
	if (!s)
		rc = ORR_SOFTWARE;
	else {
		sqlite3_bind_int64(s, 1, id);
		rc = store_rows_json(st, s, "cannot read attempts", &calls, err);
	}
	if (rc != ORR_OK) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_object_set_new(*out, "calls", calls);
	return ORR_OK;
}

/* --- connector state ------------------------------------------------------- */

void connector_state_clear(struct connector_state *s)
{
	free(s->disabled_reason);
	memset(s, 0, sizeof *s);
}

enum orr_rc connector_state_load(struct store *st, const char *name, struct connector_state *out,
				 char **err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT disabled, disabled_reason, breaker, consecutive, window_start, window_calls, "
		"window_failures, opened_at, trial_job FROM connector_state WHERE name = ?1",
		"cannot read connector state", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		struct breaker *b = &out->breaker;
		out->disabled = sqlite3_column_int(s, 0) != 0;
		out->disabled_reason = column_dup(s, 1);
		if (!breaker_state_parse((const char *)sqlite3_column_text(s, 2), &b->state))
			b->state = BREAKER_CLOSED;
		b->consecutive = sqlite3_column_int(s, 3);
		b->window_start = sqlite3_column_int64(s, 4);
		b->window_calls = sqlite3_column_int(s, 5);
		b->window_failures = sqlite3_column_int(s, 6);
		b->opened_at = sqlite3_column_int64(s, 7);
		b->trial_job = sqlite3_column_int64(s, 8);
	}
	return store_step_done(st, s, "cannot read connector state", err);
}

enum orr_rc connector_state_save_breaker(struct store *st, const char *name,
					 const struct breaker *b, int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO connector_state (name, breaker, consecutive, window_start, window_calls, "
		"window_failures, opened_at, trial_job, changed_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (name) DO UPDATE SET "
		"breaker = excluded.breaker, consecutive = excluded.consecutive, "
		"window_start = excluded.window_start, window_calls = excluded.window_calls, "
		"window_failures = excluded.window_failures, opened_at = excluded.opened_at, "
		"trial_job = excluded.trial_job, changed_at = CASE WHEN breaker = excluded.breaker "
		"THEN changed_at ELSE excluded.changed_at END", "cannot save connector state", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, breaker_state_name(b->state), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, b->consecutive);
	sqlite3_bind_int64(s, 4, b->window_start);
	sqlite3_bind_int(s, 5, b->window_calls);
	sqlite3_bind_int(s, 6, b->window_failures);
	sqlite3_bind_int64(s, 7, b->opened_at);
	sqlite3_bind_int64(s, 8, b->trial_job);
	sqlite3_bind_int64(s, 9, now);
	return store_step_done(st, s, "cannot save connector state", err);
}

enum orr_rc connector_set_disabled(struct store *st, const char *name, bool disabled,
				   const char *reason, int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO connector_state (name, disabled, disabled_reason, changed_at) "
		"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET disabled = excluded.disabled, "
		"disabled_reason = excluded.disabled_reason, changed_at = excluded.changed_at",
		"cannot save connector state", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, disabled);
	store_bind_text_or_null(s, 3, disabled ? reason : NULL);
	sqlite3_bind_int64(s, 4, now);
	return store_step_done(st, s, "cannot save connector state", err);
}

/* --- measured traffic ------------------------------------------------------ */

enum orr_rc call_stats(struct store *st, const char *connector, int64_t since,
		       struct call_stats *out, char **err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT count(*), coalesce(sum(ok), 0) FROM connector_calls "
		"WHERE connector = ?1 AND at >= ?2", "cannot measure calls", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, connector, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	if (sqlite3_step(s) == SQLITE_ROW) {
		out->calls = sqlite3_column_int64(s, 0);
		out->ok = sqlite3_column_int64(s, 1);
	}
	enum orr_rc rc = store_step_done(st, s, "cannot measure calls", err);
	if (rc != ORR_OK || out->calls == 0)
		return rc;
	/* the nearest-rank 95th percentile: the ceil(0.95 n)-th smallest */
	s = store_stmt_or_err(st,
		"SELECT latency_ms FROM connector_calls WHERE connector = ?1 AND at >= ?2 "
		"ORDER BY latency_ms LIMIT 1 OFFSET ?3", "cannot measure calls", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, connector, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, (out->calls * 95 + 99) / 100 - 1);
	if (sqlite3_step(s) == SQLITE_ROW)
		out->p95_ms = sqlite3_column_int64(s, 0);
	return store_step_done(st, s, "cannot measure calls", err);
}
