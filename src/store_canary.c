/* store_canary.c - the canary_runs table. */
#include "store_canary.h"

#include "store_internal.h"

enum orr_rc canary_record(struct store *st, const struct canary_run *r, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO canary_runs (job_id, key, attempt, ms, ran_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5)", "cannot record the canary run", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, r->job_id);
	store_bind_text_or_null(s, 2, r->key);
	sqlite3_bind_int(s, 3, r->attempt);
	sqlite3_bind_int64(s, 4, r->ms);
	sqlite3_bind_int64(s, 5, r->ran_at);
	return store_step_done(st, s, "cannot record the canary run", err);
}
