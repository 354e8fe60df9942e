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

/* Money in minor units as text in the currency's decimals: 15000 EUR ->
 * "150.00 EUR"; caller frees. */
char *supplier_money_text(int64_t minor, const char *currency);

#endif
