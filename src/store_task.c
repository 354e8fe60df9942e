/* store_task.c - the tasks table. */
#include "store_task.h"

#include "clock.h"
#include "store_internal.h"
#include "xalloc.h"

enum orr_rc task_open(struct store *st, const struct task_new *t, int64_t now, int64_t *id,
		      char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO tasks (subsystem, title, detail, job_id, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5)", "cannot open a task", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, t->subsystem, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, t->detail ? t->detail : "{}", -1, SQLITE_STATIC);
	store_bind_id_or_null(s, 4, t->job_id);
	sqlite3_bind_int64(s, 5, now);
	enum orr_rc rc = store_step_done(st, s, "cannot open a task", err);
	if (rc == ORR_OK && id)
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
	return rc;
}

enum orr_rc task_list(struct store *st, const char *state, long limit, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, state, subsystem, title, detail, job_id, created_at, done_by, done_at, "
		"note FROM tasks WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC "
		"LIMIT CASE WHEN ?2 > 0 THEN ?2 ELSE -1 END", "cannot list tasks", err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, state);
	sqlite3_bind_int64(s, 2, limit);
	return store_rows_json(st, s, "cannot list tasks", out, err);
}

static int task_why_not(struct store *st, int64_t id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "SELECT done_by, done_at FROM tasks WHERE id = ?1",
					    "cannot read the task", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	int rc = ORR_NOINPUT;
	if (sqlite3_step(s) == SQLITE_ROW) {
		char when[CLOCK_TEXT_LEN];
		clock_format(sqlite3_column_int64(s, 1), when);
		*err = xasprintf("task %lld was already done by %s at %s", (long long)id,
				 (const char *)sqlite3_column_text(s, 0), when);
		rc = 1;
	} else {
		*err = xasprintf("no task %lld", (long long)id);
	}
	sqlite3_reset(s);
	return rc;
}

int task_done(struct store *st, int64_t id, const char *by, const char *note, int64_t now,
	      char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE tasks SET state = 'done', done_by = ?2, done_at = ?3, note = ?4 "
		"WHERE id = ?1 AND state = 'open'", "cannot close the task", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	store_bind_text_or_null(s, 4, note);
	enum orr_rc rc = store_step_done(st, s, "cannot close the task", err);
	if (rc != ORR_OK)
		return rc;
	return sqlite3_changes(store_sqlite(st)) == 1 ? ORR_OK : task_why_not(st, id, err);
}
