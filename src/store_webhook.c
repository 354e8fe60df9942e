/* store_webhook.c - receipts and inventory items of inbound webhooks. */
#include "store_webhook.h"

#include <stdio.h>
#include <string.h>

#include "store_internal.h"

bool webhook_receipt_exists(struct store *st, const char *provider, const char *id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM webhook_receipts "
					 "WHERE provider = ?1 AND webhook_id = ?2");
	if (!s)
		return false;
	sqlite3_bind_text(s, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	bool found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return found;
}

enum orr_rc webhook_receipt_add(struct store *st, const char *provider, const char *id,
				const char *topic, const char *now, long records, bool *duplicate,
				char **err)
{
	*duplicate = false;
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO webhook_receipts (provider, webhook_id, topic, received_at, records) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
		"cannot record the webhook", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, records);
	enum orr_rc rc = store_step_done(st, s, "cannot record the webhook", err);
	if (rc == ORR_OK)
		*duplicate = sqlite3_changes(store_sqlite(st)) == 0;
	return rc;
}

bool webhook_store_alive(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM webhook_receipts LIMIT 1");
	if (!s)
		return false;
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

int64_t webhook_receipt_count(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM webhook_receipts");
	if (!s)
		return -1;
	int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_reset(s);
	return n;
}

enum orr_rc webhook_item_put(struct store *st, int64_t item, const char *sku, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO shopify_inventory_items (inventory_item_id, sku) VALUES (?1, ?2) "
		"ON CONFLICT (inventory_item_id) DO UPDATE SET sku = ?2 WHERE sku <> ?2",
		"cannot record an inventory item", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, item);
	sqlite3_bind_text(s, 2, sku, -1, SQLITE_STATIC);
	return store_step_done(st, s, "cannot record an inventory item", err);
}

bool webhook_item_sku(struct store *st, int64_t item, char *out, size_t size)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT sku FROM shopify_inventory_items "
					 "WHERE inventory_item_id = ?1");
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, item);
	bool found = sqlite3_step(s) == SQLITE_ROW;
	if (found)
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return found;
}

static enum orr_rc savepoint_step(struct store *st, const char *sql, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, sql, "webhook savepoint", err);
	return s ? store_step_done(st, s, "webhook savepoint", err) : ORR_SOFTWARE;
}

enum orr_rc webhook_savepoint(struct store *st, enum webhook_savepoint_op op, char **err)
{
	switch (op) {
	case WH_SAVEPOINT_BEGIN:
		return savepoint_step(st, "SAVEPOINT webhook", err);
	case WH_SAVEPOINT_RELEASE:
		return savepoint_step(st, "RELEASE webhook", err);
	case WH_SAVEPOINT_UNDO: {
		enum orr_rc rc = savepoint_step(st, "ROLLBACK TO webhook", err);
		return rc == ORR_OK ? savepoint_step(st, "RELEASE webhook", err) : rc;
	}
	}
	return ORR_SOFTWARE;
}
