/* rule_state.c - rule_overrides rows: a data-layer module, like store_*. */
#include "rule_state.h"

#include <string.h>

#include "rules.h"
#include "store_internal.h"
#include "subsystem.h"
#include "xalloc.h"

enum orr_rc rule_state_set(struct store *st, const char *rule, bool enabled, const char *by,
			   int64_t now_ms, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO rule_overrides (name, enabled, changed_by, changed_at) "
		"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET "
		"enabled = excluded.enabled, changed_by = excluded.changed_by, "
		"changed_at = excluded.changed_at", "cannot switch the rule", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, rule, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, enabled);
	store_bind_text_or_null(s, 3, by);
	sqlite3_bind_int64(s, 4, now_ms);
	return store_step_done(st, s, "cannot switch the rule", err);
}

/* Readers may open a database made before the table existed (read-only:
 * they cannot migrate it); it simply holds no switches. */
static enum orr_rc has_table(struct store *st, bool *yes, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'rule_overrides'",
		"cannot read rule switches", err);
	if (!s)
		return ORR_SOFTWARE;
	*yes = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0;
	return store_step_done(st, s, "cannot read rule switches", err);
}

static void apply_one(struct rule_set *set, const char *name, bool enabled)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->rules[i].name && strcmp(set->rules[i].name, name) == 0)
			set->rules[i].enabled = enabled;
}

enum orr_rc rule_state_apply(struct store *st, struct rule_set *set, char **err)
{
	bool present;
	enum orr_rc rc = has_table(st, &present, err);
	if (rc != ORR_OK || !present)
		return rc;
	sqlite3_stmt *s = store_stmt_or_err(st, "SELECT name, enabled FROM rule_overrides",
					    "cannot read rule switches", err);
	if (!s)
		return ORR_SOFTWARE;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		apply_one(set, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1) != 0);
	sqlite3_reset(s);
	if (step == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot read rule switches");
	return store_rc(step);
}

enum orr_rc rule_state_list(struct store *st, json_t **out, char **err)
{
	bool present;
	enum orr_rc rc = has_table(st, &present, err);
	*out = NULL;
	if (rc != ORR_OK)
		return rc;
	if (!present) {
		*out = json_array();
		return ORR_OK;
	}
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT name, enabled, changed_by, changed_at FROM rule_overrides ORDER BY name",
		"cannot read rule switches", err);
	if (!s)
		return ORR_SOFTWARE;
	rc = store_rows_json(st, s, "cannot read rule switches", out, err);
	size_t i;
	json_t *row;
	json_array_foreach(*out, i, row) {
		json_object_set_new(row, "enabled",
				    json_boolean(json_integer_value(json_object_get(row, "enabled"))));
	}
	return rc;
}

enum orr_rc rule_state_load(struct store *st, const char *dir, struct rule_set *set,
			    struct rule_diags *diags, char **err)
{
	size_t problems = rules_load(set, dir, subsystem_kind_known, diags);
	enum orr_rc rc = ORR_OK;
	if (problems) {
		*err = xasprintf("%zu problem%s in the rules", problems, problems == 1 ? "" : "s");
		rc = ORR_DATAERR;
	} else if (st) {
		rc = rule_state_apply(st, set, err);
	}
	if (rc != ORR_OK)
		rule_set_free(set);
	return rc;
}
