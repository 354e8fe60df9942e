/* store_audit.h - the audit's rows: runs, findings with every failing row,
 * per-source counts; and the SQL functions the checks call. */
#ifndef ORR_STORE_AUDIT_H
#define ORR_STORE_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "rc.h"
#include "store_audit_checks.h"

struct store;

/* Register orr_valid_gtin, orr_valid_email, orr_country_code,
 * orr_valid_currency, orr_plausible_time, orr_valid_image_ref and
 * orr_fingerprint on this connection. */
enum orr_rc store_audit_functions(struct store *st, char **err);

enum orr_rc audit_run_open(struct store *st, int64_t now, int64_t job_id, int64_t *run_id,
			   char **err);
/* Run one check into run_id: its finding (kept only when rows fail), every
 * failing row, and the rows checked and failing per source.  *failing and
 * *checked are the totals. */
enum orr_rc audit_run_check(struct store *st, int64_t run_id, const struct audit_check *c,
			    int64_t now, int64_t stale_ms, long *failing, long *checked, char **err);
/* A failing row of a check computed in C (source_id 0: none). */
struct audit_row {
	int64_t id, source_id;
};
/* Rows one source had checked and failing (source_id 0: none). */
struct audit_source_count {
	int64_t source_id;
	long checked, failing;
};
/* Record a check computed in C (c->rows_sql unused) into run_id: its
 * finding (kept only when rows fail), every failing row and the counts
 * per source, as audit_run_check does for a SQL check. */
enum orr_rc audit_record_computed(struct store *st, int64_t run_id, const struct audit_check *c,
				  const struct audit_row *rows, size_t nrows,
				  const struct audit_source_count *per, size_t nper, char **err);
enum orr_rc audit_run_close(struct store *st, int64_t run_id, double score, const char *scores,
			    int64_t now, char **err);

/* The tables the audit profiles, in order. */
const char *const *audit_profiled_tables(size_t *n);
/* Every row of a table (one of audit_profiled_tables) to fn: column names
 * once, then typed values. */
struct prof_value;
typedef void (*audit_row_fn)(void *ctx, int ncols, const char *const *names,
			     const struct prof_value *vals);
enum orr_rc audit_scan(struct store *st, const char *table, audit_row_fn fn, void *ctx,
		       char **err);
/* Every line of one order (origin and order_key are text), as audit_scan
 * gives them. */
enum orr_rc audit_scan_order(struct store *st, const struct prof_value *origin,
			     const struct prof_value *order_key, audit_row_fn fn, void *ctx,
			     char **err);
/* What the order-line pass joins against (audit_joins.h), as audit_scan
 * gives rows: each variant whose product has a filled category (id,
 * category); each variant with a price (id, source_id, price_minor); each
 * order that has payments (id, source_id, the payments' sum). */
enum audit_lookup { AUDIT_VARIANT_CATEGORIES, AUDIT_VARIANT_PRICES, AUDIT_ORDER_PAYMENTS };
enum orr_rc audit_lookup(struct store *st, enum audit_lookup which, audit_row_fn fn, void *ctx,
			 char **err);
/* The id of every order that is a return, to fn. */
enum orr_rc audit_return_orders(struct store *st, void (*fn)(void *ctx, int64_t id), void *ctx,
				char **err);
/* The column names of a table (one of audit_profiled_tables), in the
 * order audit_scan gives them; ORR_USAGE for any other table. */
enum orr_rc audit_columns(struct store *st, const char *table, json_t **out, char **err);
/* source_id 0: the whole table. */
enum orr_rc audit_profile_save(struct store *st, int64_t run_id, const char *table,
			       int64_t source_id, long rows, const char *profile, char **err);
/* A run's profiles: [{table_name, source_id, rows, profile}], one table or
 * all; source_id 0: whole tables, else that source's. */
enum orr_rc audit_profile_list(struct store *st, int64_t run_id, const char *table,
			       int64_t source_id, json_t **out, char **err);

/* A source's own freshness threshold (ORR_NOINPUT: no such source). */
enum orr_rc audit_set_stale_after(struct store *st, int64_t source_id, int64_t stale_ms,
				  char **err);

/* The run a job already made (0: none): a job that reruns after a crash
 * does not audit twice. */
int64_t audit_run_of_job(struct store *st, int64_t job_id);
/* A finished run that started after the event behind job_id (or, without
 * one, after the job was queued); 0: none.  It has already seen everything
 * that job was asked to audit. */
int64_t audit_run_covering_job(struct store *st, int64_t job_id);
/* The newest finished run (0: none). */
int64_t audit_latest_run(struct store *st);

/* Per check and source of a run: check_name, source_id, checked, failing. */
enum orr_rc audit_checked_list(struct store *st, int64_t run_id, json_t **out, char **err);
/* A run's findings, most severe and largest first. */
enum orr_rc audit_findings_list(struct store *st, int64_t run_id, json_t **out, char **err);
enum orr_rc audit_run_get(struct store *st, int64_t run_id, json_t **out, char **err);
/* Failing row ids of a finding, in id order, from offset (limit 0: all). */
enum orr_rc audit_rows_list(struct store *st, int64_t finding_id, long limit, long offset,
			    json_t **out, char **err);
/* One record of a table the audit checks (a failing row), as JSON;
 * ORR_NOINPUT when it is gone, ORR_USAGE for any other table. */
enum orr_rc audit_record(struct store *st, const char *table, int64_t id, json_t **out,
			 char **err);
/* Runs, newest first, with their scores. */
enum orr_rc audit_history_list(struct store *st, long limit, json_t **out, char **err);

/* Accept a checks document (JSON text) of a file: replaces what that file
 * had accepted before. */
enum orr_rc audit_user_checks_save(struct store *st, const char *file, const char *checks,
				   int64_t now, char **err);
/* Accepted checks: [{id, file, checks (JSON text), accepted_at}], oldest first. */
enum orr_rc audit_user_checks_list(struct store *st, json_t **out, char **err);

#endif
