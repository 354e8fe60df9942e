/* store_audit_checks.h - the audit's catalogue of checks.  Each check is
 * one constant SQL query that selects every failing row (id, source_id),
 * and one that counts the rows it looked at per source.  The queries call
 * the validity functions of audit_valid through SQL functions registered
 * on the connection (store_audit_functions). */
#ifndef ORR_STORE_AUDIT_CHECKS_H
#define ORR_STORE_AUDIT_CHECKS_H

#include <stddef.h>

struct audit_check {
	const char *name;
	const char *dimension; /* completeness, validity, uniqueness, consistency, freshness */
	const char *severity;  /* error, warning, info */
	const char *table;
	const char *message;   /* what a failing row is: "products without a title" */
	const char *rows_sql;  /* INSERT of every failing row: ?1 finding, ?2 now, ?3 stale after;
				* NULL for an outlier check */
	const char *checked_sql; /* SELECT source_id, count(*) ... GROUP BY source_id */
	const char *values_sql;  /* outlier checks: group, id, source_id, value, ordered by group */
};

const struct audit_check *audit_checks(size_t *n);

#endif
