/* store_approval.c - approvals rows. */
#include "store_approval.h"

#include "clock.h"
#include "store_internal.h"
#include "xalloc.h"

enum orr_rc approval_create(struct store *st, const struct approval_new *a, int64_t now,
			    int64_t *id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO approvals (rule, event_id, entity, entity_id, facts, action, reason, "
		"created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		"cannot create an approval", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, a->rule, -1, SQLITE_STATIC);
	store_bind_id_or_null(s, 2, a->event_id);
	store_bind_text_or_null(s, 3, a->entity);
	store_bind_id_or_null(s, 4, a->entity_id);
	sqlite3_bind_text(s, 5, a->facts, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, a->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, now);
	store_bind_id_or_null(s, 9, a->expires_at);
	enum orr_rc rc = store_step_done(st, s, "cannot create an approval", err);
	if (rc == ORR_OK && id)
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
	return rc;
}

enum orr_rc approval_list(struct store *st, const char *state, long limit, json_t **out,
			  char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, state, rule, event_id, entity, entity_id, reason, "
		"json_extract(action, '$.kind') AS proposed, created_at, expires_at, decided_by, decided_from, decided_at, note, job_id FROM approvals "
		"WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC "
		"LIMIT CASE WHEN ?2 > 0 THEN ?2 ELSE -1 END", "cannot read approvals", err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, state);
	sqlite3_bind_int64(s, 2, limit);
	return store_rows_json(st, s, "cannot read approvals", out, err);
}

enum orr_rc approval_get(struct store *st, int64_t id, json_t **out, char **err)
{
	return store_row_by_id(st, "SELECT * FROM approvals WHERE id = ?1", id, "approval", out,
			       err);
}

/* Why the decision lost: who decided first, or when it expired. */
static int lost_decision(struct store *st, int64_t id, int64_t now, char **err)
{
	json_t *a;
	enum orr_rc rc = approval_get(st, id, &a, err);
	if (rc != ORR_OK)
		return rc;
	const char *state = json_string_value(json_object_get(a, "state"));
	json_int_t expires = json_integer_value(json_object_get(a, "expires_at"));
	char when[CLOCK_TEXT_LEN];
	if (json_is_string(json_object_get(a, "decided_by"))) {
		clock_format(json_integer_value(json_object_get(a, "decided_at")), when);
		*err = xasprintf("approval %lld was already %s by %s at %s", (long long)id, state,
				 json_string_value(json_object_get(a, "decided_by")), when);
	} else {
		clock_format(expires ? expires : now, when);
		*err = xasprintf("approval %lld expired at %s", (long long)id, when);
	}
	json_decref(a);
	return 1;
}

int approval_decide(struct store *st, int64_t id, const struct approval_decision *d,
		    int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE approvals SET state = ?2, decided_by = ?3, decided_from = ?4, "
		"decided_at = ?5, note = ?6 WHERE id = ?1 AND state = 'pending' "
		"AND (expires_at IS NULL OR expires_at > ?5)", "cannot decide the approval", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, d->approve ? "approved" : "rejected", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, d->by, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 4, d->from);
	sqlite3_bind_int64(s, 5, now);
	store_bind_text_or_null(s, 6, d->note);
	enum orr_rc rc = store_step_done(st, s, "cannot decide the approval", err);
	if (rc != ORR_OK)
		return rc;
	return sqlite3_changes(store_sqlite(st)) == 1 ? ORR_OK : lost_decision(st, id, now, err);
}

enum orr_rc approval_set_job(struct store *st, int64_t id, int64_t job_id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "UPDATE approvals SET job_id = ?2 WHERE id = ?1",
					    "cannot link the approval to its job", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, job_id);
	return store_step_done(st, s, "cannot link the approval to its job", err);
}

enum orr_rc approval_expire(struct store *st, int64_t now, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE approvals SET state = 'expired' WHERE state = 'pending' "
		"AND expires_at <= ?1 RETURNING id, rule, entity, entity_id, event_id",
		"cannot expire approvals", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, now);
	return store_rows_json(st, s, "cannot read approvals", out, err);
}

long approval_pending_count(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM approvals WHERE state = 'pending'");
	if (!s)
		return -1;
	long n = sqlite3_step(s) == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : -1;
	sqlite3_reset(s);
	return n;
}
