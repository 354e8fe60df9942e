/* audit_joins.h - the three order-line checks that join other tables,
 * computed from the one scan of order_lines (audit_lines.c) instead of a
 * SQL pass over every line each:
 *   - quantity outliers: line -> variant -> product category, then the
 *     median and MAD of each category's quantities;
 *   - SKU price across sources: the lowest and highest price each source
 *     sold a variant at, against the variant's catalogue price;
 *   - payments against lines: what each order's lines owe (quantity times
 *     price plus freight), against what its payments sum to.
 * Each yields the rows its SQL in store_audit_checks.c selects.  A value
 * whose SQL arithmetic or comparison the C code does not mirror (a real
 * freight, an integer overflow, a category that is not text) makes that
 * check give up (joins_gave_up); the caller then runs its SQL. */
#ifndef ORR_AUDIT_JOINS_H
#define ORR_AUDIT_JOINS_H

#include <stdbool.h>
#include <stdint.h>

#include "audit_profile.h"

enum join_check { JC_QTY_OUTLIER, JC_SKU_PRICE, JC_PAYMENTS, JC_COUNT };

/* Where the results go (source 0: none): a row checked, a row failing. */
struct join_sink {
	void (*checked)(void *ctx, enum join_check c, int64_t source);
	void (*failed)(void *ctx, enum join_check c, int64_t id, int64_t source);
	void *ctx;
};

/* The order-line columns the checks read. */
struct join_line {
	int64_t id, source;
	const struct prof_value *order_id, *variant, *quantity, *price, *freight;
};

struct joins;

/* The sink is copied. */
struct joins *joins_new(const struct join_sink *sink);
void joins_free(struct joins *j);
/* Before the scan: a variant whose product has a filled category. */
void joins_category(struct joins *j, int64_t variant, const struct prof_value *category);
/* Each order line, in any order. */
void joins_line(struct joins *j, const struct join_line *l);
/* After the scan: each category's outliers to the sink. */
void joins_outliers(struct joins *j);
/* After the scan: each variant with a catalogue price (not NULL). */
void joins_variant(struct joins *j, int64_t id, int64_t source, const struct prof_value *price);
/* After the scan: each order that has payments, with their sum. */
void joins_order_paid(struct joins *j, int64_t id, int64_t source, const struct prof_value *paid);
/* Whether check c gave up (its results are then incomplete). */
bool joins_gave_up(const struct joins *j, enum join_check c);

#endif
