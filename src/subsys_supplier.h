/* subsys_supplier.h - purchase orders: proposed from a stockout.risk (the
 * supplier.propose job), released past an approval above a value threshold
 * (supplier.send: approved, emitted, written to the file drop), withdrawn
 * when the approval is rejected or expires (supplier.withdraw). */
#ifndef ORR_SUBSYS_SUPPLIER_H
#define ORR_SUBSYS_SUPPLIER_H

#include <jansson.h>
#include <stdint.h>

#include "subsystem.h"

extern const struct subsystem subsys_supplier;

/* The order quantity for a shortfall: nothing when need <= 0, else need
 * raised to the minimum order, then rounded up to whole packs. */
int64_t supplier_order_quantity(double need, long min_order, long pack_size);

/* The goods of order id arrived: approved or delivered -> received, with
 * purchase_order.received, in one transaction.  Returns ORR_OK, 1 when the
 * order is in another state (*err says which), ORR_NOINPUT when there is
 * no such order. */
struct store;
int supplier_receive(struct store *st, int64_t id, const char *by, int64_t now, char **err);

/* Money in minor units as text in the currency's decimals: 15000 EUR ->
 * "150.00 EUR"; caller frees. */
char *supplier_money_text(int64_t minor, const char *currency);

#endif
