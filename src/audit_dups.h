/* audit_dups.h - exact duplicate order lines without sorting the table:
 * a line fails when an earlier line (smaller line_no) of the same order
 * (origin, order_key) has the same sku, quantity, unit price and
 * description, as the check order_line_exact_duplicate says in SQL.
 *
 * Lines are fed in scan order.  The lines of one order usually come
 * together, so each run of consecutive lines of one order is grouped on
 * its own with a small hash table, and only the orders (not the lines)
 * are remembered.  An order met again after its run ended is "split": its
 * runs' results are dropped and the caller feeds all its lines again, one
 * order at a time, after the scan.  Keys are compared byte for byte, so a
 * hash collision costs a probe, never a wrong answer.  No SQL. */
#ifndef ORR_AUDIT_DUPS_H
#define ORR_AUDIT_DUPS_H

#include <stddef.h>
#include <stdint.h>

#include "audit_profile.h"
#include "store_audit.h"

/* A line's key: origin and order_key (text: they name the order), then
 * sku, quantity, unit_price_minor and description, of any type; values
 * of different types are different values. */
enum { DUP_ORIGIN, DUP_ORDER, DUP_SKU, DUP_QUANTITY, DUP_PRICE, DUP_DESCRIPTION, DUP_FIELDS };

typedef uint64_t (*dups_hash_fn)(const void *data, size_t len);

struct dups;

/* hash: any 64-bit hash of bytes (hll_hash; tests pass a poor one). */
struct dups *dups_new(dups_hash_fn hash);
void dups_free(struct dups *d);
/* One line of the scan; the key's text is copied. */
void dups_add(struct dups *d, int64_t id, int64_t source_id, int64_t line_no,
	      const struct prof_value key[DUP_FIELDS]);
/* The scan is over: the number of split orders. */
size_t dups_end_scan(struct dups *d);
/* Split order i (< dups_end_scan's answer): its origin and order_key, as
 * text valid until dups_free. */
void dups_split_order(const struct dups *d, size_t i, struct prof_value *origin,
		      struct prof_value *order_key);
/* After dups_end_scan, every line of one split order, then dups_end_order;
 * one order after another. */
void dups_end_order(struct dups *d);
/* The failing lines (source_id 0: none), valid until dups_free. */
const struct audit_row *dups_rows(const struct dups *d, size_t *n);

#endif
