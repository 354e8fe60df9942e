/* store_firing.c - consumers and firings rows. */
#include "store_firing.h"

#include "store_internal.h"

enum orr_rc consumer_cursor(struct store *st, const char *name, int64_t *last, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT last_event_id FROM consumers WHERE name = ?1", "cannot read the cursor", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	*last = 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		*last = sqlite3_column_int64(s, 0);
	return store_step_done(st, s, "cannot read the cursor", err);
}

enum orr_rc consumer_advance(struct store *st, const char *name, int64_t last, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO consumers (name, last_event_id) VALUES (?1, ?2) "
		"ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id",
		"cannot advance the cursor", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, last);
	return store_step_done(st, s, "cannot advance the cursor", err);
}

long consumer_backlog(struct store *st, const char *name)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT count(*) FROM events WHERE id > "
		"coalesce((SELECT last_event_id FROM consumers WHERE name = ?1), 0)");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	long n = sqlite3_step(s) == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : -1;
	sqlite3_reset(s);
	return n;
}

enum orr_rc firing_record(struct store *st, const struct firing *f, int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO firings (event_id, rule, entity, entity_id, at, outcome, suppressed_by, "
		"reason, actions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		"cannot record a firing", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, f->event_id);
	sqlite3_bind_text(s, 2, f->rule, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 3, f->entity);
	store_bind_id_or_null(s, 4, f->entity_id);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_text(s, 6, f->outcome, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 7, f->suppressed_by);
	store_bind_text_or_null(s, 8, f->reason);
	sqlite3_bind_text(s, 9, f->actions ? f->actions : "[]", -1, SQLITE_STATIC);
	return store_step_done(st, s, "cannot record a firing", err);
}

int64_t firing_last(struct store *st, const char *rule, const char *entity, int64_t entity_id,
		    int64_t since, int64_t except)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT max(at) FROM firings WHERE rule = ?1 AND entity IS ?2 AND entity_id IS ?3 "
		"AND at >= ?4 AND outcome = 'fired' AND event_id <> ?5");
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, rule, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 2, entity);
	store_bind_id_or_null(s, 3, entity_id);
	sqlite3_bind_int64(s, 4, since);
	sqlite3_bind_int64(s, 5, except);
	int64_t at = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return at;
}

enum orr_rc firing_list(struct store *st, int64_t event_id, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT rule, outcome, suppressed_by, reason, actions, at FROM firings "
		"WHERE event_id = ?1 ORDER BY id", "cannot read firings", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, event_id);
	return store_rows_json(st, s, "cannot read firings", out, err);
}

/* INDEXED BY: the partial firings_inhibit also starts with rule and covers
 * outcome = 'fired', but answers neither a range on at nor a count
 * without reading every fired row of the rule.  The rules come from a
 * skip scan (the next name after the last), a seek per rule. */
static const char stats_sql[] =
	"WITH RECURSIVE r(rule) AS (SELECT min(rule) FROM firings UNION ALL "
	"SELECT (SELECT min(rule) FROM firings WHERE rule > r.rule) FROM r WHERE r.rule IS NOT NULL) "
	"SELECT rule, "
	"(SELECT count(*) FROM firings INDEXED BY firings_rule WHERE rule = r.rule "
	"AND outcome = 'fired' AND at >= ?1) AS fired_since, "
	"(SELECT count(*) FROM firings INDEXED BY firings_rule WHERE rule = r.rule "
	"AND outcome = 'fired') AS fired, "
	"(SELECT count(*) FROM firings INDEXED BY firings_rule WHERE rule = r.rule "
	"AND outcome = 'suppressed') AS suppressed, "
	"(SELECT count(*) FROM firings INDEXED BY firings_rule WHERE rule = r.rule "
	"AND outcome = 'failed') AS failed, "
	"(SELECT max(at) FROM firings INDEXED BY firings_rule WHERE rule = r.rule "
	"AND outcome = 'fired') AS last_at "
	"FROM r WHERE rule IS NOT NULL ORDER BY rule";

enum orr_rc firing_rule_stats(struct store *st, int64_t since_ms, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, stats_sql, "cannot read rule statistics", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, since_ms);
	return store_rows_json(st, s, "cannot read rule statistics", out, err);
}

/* The newest of one outcome; three of these merge into a rule's newest. */
#define NEWEST(outcome)                                                                     \
	"SELECT * FROM (SELECT id, event_id, at, outcome, suppressed_by, reason, actions, "  \
	"entity, entity_id FROM firings INDEXED BY firings_rule WHERE rule = ?1 AND "         \
	"outcome = '" outcome "' ORDER BY at DESC, id DESC LIMIT ?2)"

enum orr_rc firing_list_rule(struct store *st, const char *rule, long limit, json_t **out,
			     char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT * FROM (" NEWEST("fired") " UNION ALL " NEWEST("suppressed") " UNION ALL "
		NEWEST("failed") ") ORDER BY at DESC, id DESC LIMIT ?2", "cannot read firings", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, rule, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, limit > 0 ? limit : -1);
	return store_rows_json(st, s, "cannot read firings", out, err);
}
