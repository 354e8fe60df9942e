/* supplier_terms.h - loading supplier terms from a CSV file: who supplies
 * each SKU, at what unit cost, minimum order, pack size, lead time (and its
 * standard deviation) and how orders are delivered.  The whole file is one
 * transaction: a bad row refuses it, naming the file, line and column, and
 * the database stays as it was. */
#ifndef ORR_SUPPLIER_TERMS_H
#define ORR_SUPPLIER_TERMS_H

#include <stdint.h>

#include "rc.h"

struct store;

/* Columns, found by name in the header (order free, unknown ones refused):
 *   sku, supplier (a supplier's key), unit_cost (decimal in the currency),
 *   currency (ISO 4217), lead_time_days      required
 *   min_order, pack_size (default 1), lead_time_sd_days (default unknown),
 *   delivery (csv, json or webhook; default csv)   optional
 * *rows: the terms stored.  ORR_DATAERR with *err "FILE:LINE: ..." for bad
 * data, ORR_NOINPUT when the file cannot be opened. */
enum orr_rc supplier_terms_load(struct store *st, const char *path, int64_t now, long *rows,
				char **err);

#endif
