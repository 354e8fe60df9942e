/* store_order.h - the order events of one ingest transaction (store_*
 * modules only).
 *
 * An order event carries the order row and all its lines, written once per
 * transaction at flush.  Building every payload from the tables with SQL's
 * JSON functions costs as much as storing the lines, so the lines of an
 * order created in this transaction are drafted as JSON text while they
 * stream (importers write an order, then its lines).  A draft is kept only
 * while it is certain to equal what the tables hold: anything else (lines
 * already waiting for the order, a line updated or out of order, the order
 * touched again after its draft was closed) drops it, and that order's
 * event is built from the tables as before.  The order row itself is always
 * read back at flush, so later changes to it (an adopted customer) show.
 * While a draft is open no other order is touched, so the draft's order is
 * touched (temp.touched_orders, which orders the events) when it closes,
 * with where its lines are.  The lines themselves are appended to a spool
 * file (a million lines are 70 MB of JSON: written once and read once,
 * where a temporary table would copy them through its B-tree); if the
 * spool cannot be written or read, those orders take the fallback. */
#ifndef ORR_STORE_ORDER_H
#define ORR_STORE_ORDER_H

#include <stdbool.h>

#include "rc.h"
#include "store_entity.h"

/* Start a draft for an order just created with no rows waiting for it,
 * whose touch is left to order_draft_close; any open draft must have been
 * closed. */
void order_draft_open(struct entity_tx *tx, const struct val *origin, const struct val *key);
/* A line was written; `created` is false when an existing line was updated.
 * Lines of other orders are ignored. */
void order_draft_line(struct entity_tx *tx, const struct val *vals, bool created);
/* Touch the open draft's order (created), keeping its lines when the draft
 * is still sound, and close it; nothing when no draft is open. */
enum orr_rc order_draft_close(struct entity_tx *tx, char **err);
/* Drop the open draft unkept and the spool (end of the transaction). */
void order_drafts_end(struct entity_tx *tx);

/* Write one order.created / order.updated event per touched order that
 * exists, in the order they were first touched. */
enum orr_rc order_events_flush(struct entity_tx *tx, char **err);

#endif
