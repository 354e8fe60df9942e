/* audit_user.h - the operator's own checks: suggested from a run's
 * profiles, read from a checks file ({"checks": [...]}), run over a scan of
 * each table in C, and recorded as findings named "user:TABLE.COLUMN:CHECK".
 *
 * A check is {"table", "column", "check"} plus, by kind:
 *   not_null  fails NULL and blank text                  (completeness)
 *   unique    fails every row whose value occurs twice   (uniqueness)
 *   range     "min", "max": fails numbers outside them
 *             and non-numeric values                     (validity)
 *   in        "values": fails values whose text form is
 *             not listed                                 (validity)
 *   pattern   "pattern": fails non-blank values whose
 *             shape (audit_profile.h) differs            (validity) */
#ifndef ORR_AUDIT_USER_H
#define ORR_AUDIT_USER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

struct store;
struct user_checks;

/* Check doc against the audited tables and their columns; ORR_DATAERR with
 * "FILE: checks[i]: message" when it is not a valid checks document.  file
 * names the checks in messages; doc is only read. */
enum orr_rc audit_user_parse(struct store *st, json_t *doc, const char *file,
			     struct user_checks **out, char **err);
void audit_user_free(struct user_checks *u);
/* Run the checks into run_id: one scan per table for all its checks (u
 * holds their results while they run). */
enum orr_rc audit_user_run(struct store *st, int64_t run_id, struct user_checks *u, char **err);

/* {"checks": [...]} proposed from a run's whole-table profiles
 * ([{table_name, profile}], as audit_profile_list gives them). */
json_t *audit_user_suggest(json_t *profiles);

/* The table and dimension of a user check's name; false for other names. */
bool audit_user_check_info(const char *name, char *table, size_t size, const char **dimension);

#endif
