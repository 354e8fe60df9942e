-- Inbound webhooks (orrery serve).  A receipt per accepted delivery, keyed
-- by the sender's id (X-Shopify-Webhook-Id, webhook-id): a sender retries
-- what it thinks failed, and a replay must change nothing.  The receipt is
-- written in the transaction that stores the payload, so a delivery is
-- either stored and receipted or neither.
CREATE TABLE webhook_receipts (
	provider    TEXT NOT NULL,             -- 'shopify' or 'standard'
	webhook_id  TEXT NOT NULL,
	topic       TEXT NOT NULL,             -- products/create, orders/create, ...
	received_at TEXT NOT NULL,
	records     INTEGER NOT NULL,          -- unified records the payload held
	PRIMARY KEY (provider, webhook_id)
) WITHOUT ROWID;
CREATE INDEX webhook_receipts_received ON webhook_receipts(received_at);

-- Shopify's inventory_levels/update names an inventory item, not a SKU; the
-- product webhooks tell which variant (SKU) each item is.
CREATE TABLE shopify_inventory_items (
	inventory_item_id INTEGER PRIMARY KEY,
	sku               TEXT NOT NULL
);
