/* audit_lines.h - the checks on order lines, computed in C during the one
 * scan that also profiles the table, instead of a SQL pass (and a second
 * one to count the rows checked) per check.  The results are the same as
 * the catalogue's SQL gives (store_audit_checks.c keeps the definitions);
 * a value of a type the C code does not mirror (a text quantity, say)
 * makes the pass give up, and the checks then run as SQL. */
#ifndef ORR_AUDIT_LINES_H
#define ORR_AUDIT_LINES_H

#include <stdbool.h>
#include <stdint.h>

#include "audit_profile.h"
#include "rc.h"
#include "store_audit.h"

struct store;
struct lines_pass;

/* Read what the checks look up (the orders that are returns). */
enum orr_rc lines_pass_new(struct store *st, struct lines_pass **out, char **err);
void lines_pass_free(struct lines_pass *lp);
/* One row of SELECT * FROM order_lines (an audit_row_fn). */
void lines_pass_row(void *lp, int ncols, const char *const *names, const struct prof_value *vals);
/* After the scan: reread the lines of orders that did not come together. */
enum orr_rc lines_pass_finish(struct store *st, struct lines_pass *lp, char **err);
/* Whether the pass computed check c. */
bool lines_pass_computes(const struct lines_pass *lp, const struct audit_check *c);
/* Record check c (lines_pass_computes) into run_id, as audit_run_check would. */
enum orr_rc lines_pass_record(struct store *st, int64_t run_id, const struct lines_pass *lp,
			      const struct audit_check *c, char **err);

#endif
