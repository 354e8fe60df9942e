/* store_webhook.h - the inbound webhook tables (migration 011): delivery
 * receipts for de-duplication and Shopify's inventory item -> SKU map. */
#ifndef ORR_STORE_WEBHOOK_H
#define ORR_STORE_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

struct store;

/* True when (provider, id) was received already. */
bool webhook_receipt_exists(struct store *st, const char *provider, const char *id);
/* Record a receipt inside the caller's transaction.  A receipt that exists
 * already (another thread stored the same delivery first) sets *duplicate
 * and is ORR_OK: the caller rolls back. */
enum orr_rc webhook_receipt_add(struct store *st, const char *provider, const char *id,
				const char *topic, const char *now, long records, bool *duplicate,
				char **err);
/* The database answers and has the webhook tables (for /healthz): one
 * indexed step, not a count. */
bool webhook_store_alive(struct store *st);
/* Receipts in total (for /metrics); -1 on error. */
int64_t webhook_receipt_count(struct store *st);

/* One delivery's savepoint inside the writer's transaction (prepared once
 * per connection, not parsed per delivery).  UNDO rolls back to it and
 * releases it. */
enum webhook_savepoint_op { WH_SAVEPOINT_BEGIN, WH_SAVEPOINT_RELEASE, WH_SAVEPOINT_UNDO };
enum orr_rc webhook_savepoint(struct store *st, enum webhook_savepoint_op op, char **err);

/* Remember which SKU an inventory item is (inside the caller's
 * transaction). */
enum orr_rc webhook_item_put(struct store *st, int64_t item, const char *sku, char **err);
/* The SKU of an inventory item, copied into out; false when unknown. */
bool webhook_item_sku(struct store *st, int64_t item, char *out, size_t size);

#endif
