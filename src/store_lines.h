/* store_lines.h - new order lines written several per statement (store_*
 * modules only).
 *
 * The lines of an order created in this transaction cannot exist yet
 * (UPSERT_NEW), and a big file has a million of them: one INSERT each spends
 * more on running the statement (opening and closing the cursors of the
 * table, its indexes and the rows its foreign keys name) than on the row.
 * So they are kept, copied, and inserted up to LINE_BATCH per statement.
 * Every statement that reads or writes kept lines runs after a flush:
 * store_entity flushes before an upsert of a line, before an upsert of
 * anything else while a kept line waits for a record (its adoption reads
 * order_lines), before a lookup of a line, and before the order events; the
 * lines keep their order, and so their ids.  Lines that wait for nothing
 * are read by none of the other statements, so they fill whole batches
 * across orders. */
#ifndef ORR_STORE_LINES_H
#define ORR_STORE_LINES_H

#include "rc.h"
#include "store_entity.h"

#define LINE_BATCH 16

/* Keep one line (its LINE_NCOLS values, copied); inserts the kept lines
 * when the batch is full. */
enum orr_rc line_batch_add(struct entity_tx *tx, const struct val *vals, char **err);
/* Whether a kept line waits for its order, variant or supplier (or a
 * failure is kept): then any other upsert must flush first. */
bool line_batch_waits(const struct entity_tx *tx);
/* Insert the kept lines.  A failure is also kept and reported again by the
 * next call, so a caller that cannot report it (a lookup) does not lose it. */
enum orr_rc line_batch_flush(struct entity_tx *tx, char **err);
/* Drop kept lines unwritten (the transaction is ending). */
void line_batch_free(struct entity_tx *tx);

#endif
