/* store_subsys.c - subsystem_state rows. */
#include "store_subsys.h"

#include <string.h>

#include "store_internal.h"

enum orr_rc subsys_state_load(struct store *st, const char *name, struct subsys_state *out,
			      char **err)
{
	memset(out, 0, sizeof *out);
	out->name = name;
	sqlite3_stmt *s = store_stmt(st,
		"SELECT paused, breaker, consecutive, window_start, window_calls, window_failures, "
		"coalesce(opened_at, 0), coalesce(trial_job_id, 0), coalesce(changed_at, 0) "
		"FROM subsystem_state WHERE name = ?1");
	if (!s) {
		*err = store_errmsg(st, "cannot read subsystem state");
		return ORR_SOFTWARE;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		struct breaker *b = &out->breaker;
		out->paused = sqlite3_column_int(s, 0) != 0;
		if (!breaker_state_parse((const char *)sqlite3_column_text(s, 1), &b->state))
			b->state = BREAKER_CLOSED;
		b->consecutive = sqlite3_column_int(s, 2);
		b->window_start = sqlite3_column_int64(s, 3);
		b->window_calls = sqlite3_column_int(s, 4);
		b->window_failures = sqlite3_column_int(s, 5);
		b->opened_at = sqlite3_column_int64(s, 6);
		b->trial_job = sqlite3_column_int64(s, 7);
		out->changed_at = sqlite3_column_int64(s, 8);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read subsystem state");
	return store_rc(rc);
}

static const char upsert_sql[] =
	"INSERT INTO subsystem_state (name, paused, breaker, consecutive, window_start, "
	"window_calls, window_failures, opened_at, trial_job_id, changed_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (name) DO UPDATE SET "
	"breaker = excluded.breaker, consecutive = excluded.consecutive, "
	"window_start = excluded.window_start, window_calls = excluded.window_calls, "
	"window_failures = excluded.window_failures, opened_at = excluded.opened_at, "
	"trial_job_id = excluded.trial_job_id, "
	"changed_at = CASE WHEN breaker = excluded.breaker THEN changed_at "
	"ELSE excluded.changed_at END";

/* The breaker only: pausing is the operator's and never overwritten here. */
enum orr_rc subsys_state_save(struct store *st, const struct subsys_state *ss, int64_t now,
			      char **err)
{
	sqlite3_stmt *s = store_stmt(st, upsert_sql);
	if (!s) {
		*err = store_errmsg(st, "cannot save subsystem state");
		return ORR_SOFTWARE;
	}
	const struct breaker *b = &ss->breaker;
	sqlite3_bind_text(s, 1, ss->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, ss->paused);
	sqlite3_bind_text(s, 3, breaker_state_name(b->state), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, b->consecutive);
	sqlite3_bind_int64(s, 5, b->window_start);
	sqlite3_bind_int(s, 6, b->window_calls);
	sqlite3_bind_int(s, 7, b->window_failures);
	if (b->opened_at)
		sqlite3_bind_int64(s, 8, b->opened_at);
	else
		sqlite3_bind_null(s, 8);
	if (b->trial_job)
		sqlite3_bind_int64(s, 9, b->trial_job);
	else
		sqlite3_bind_null(s, 9);
	sqlite3_bind_int64(s, 10, now);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot save subsystem state");
	return store_rc(rc);
}

enum orr_rc subsys_set_paused(struct store *st, const char *name, bool paused, int64_t now,
			      char **err)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO subsystem_state (name, paused, changed_at) VALUES (?1, ?2, ?3) "
		"ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, "
		"changed_at = excluded.changed_at");
	if (!s) {
		*err = store_errmsg(st, "cannot pause or resume");
		return ORR_SOFTWARE;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, paused);
	sqlite3_bind_int64(s, 3, now);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot pause or resume");
	return store_rc(rc);
}
