/* webhook_map.h - inbound webhook payloads as records of the unified
 * schema: JSON Lines, the same records `orrery ingest` reads from a .jsonl
 * file (webhook_in.c stores them through ingest's JSON Lines importer).
 *
 * Topics (Shopify's names; a Standard Webhooks envelope's "type" may also
 * use the dotted form in brackets):
 *   products/create   (product.created)   product, variants, images
 *   products/update   (product.updated)   the same
 *   orders/create     (order.created)     customer, order, lines
 *   inventory_levels/update (inventory_level.updated)  one stock level
 * Products and orders are keyed like the Shopify CSV export (origin
 * "shopify", a product by its handle, an order by its id), so webhooks,
 * pulls and files meet on the same rows. */
#ifndef ORR_WEBHOOK_MAP_H
#define ORR_WEBHOOK_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

enum webhook_topic {
	WH_PRODUCTS_CREATE,
	WH_PRODUCTS_UPDATE,
	WH_ORDERS_CREATE,
	WH_INVENTORY_UPDATE,
	WH_TOPIC_COUNT
};

/* "products/create" or "product.created" etc.; false for anything else. */
bool webhook_topic_parse(const char *name, enum webhook_topic *t);
const char *webhook_topic_name(enum webhook_topic t);

/* Shopify's inventory item of a variant, learnt from a product payload. */
struct webhook_item {
	int64_t item;
	char *sku;
};

/* A payload mapped, before anything is stored. */
struct webhook_mapped {
	char *jsonl;   /* the unified records, one per line; owned */
	size_t len;
	long records;
	struct webhook_item *items; /* owned */
	size_t nitems;
};

/* The SKU of an inventory item (inventory_levels/update), copied into out;
 * false when unknown. */
typedef bool (*webhook_sku_fn)(void *ctx, int64_t item, char *out, size_t size);

/* Map a JSON payload of a topic.  currency is the shop's (Shopify's product
 * payloads carry prices without one).  ORR_DATAERR with *err for a payload
 * that is not JSON, lacks what the topic needs, or names an unknown
 * inventory item.  Pure apart from sku_of: the fuzz target drives it. */
enum orr_rc webhook_map(enum webhook_topic t, const char *body, size_t len, const char *currency,
			webhook_sku_fn sku_of, void *sku_ctx, struct webhook_mapped *out,
			char **err);
/* A Standard Webhooks payload: {"type": TOPIC, "timestamp": ..., "data":
 * {...}}, data being the topic's payload.  *topic tells which it was. */
enum orr_rc webhook_map_standard(const char *body, size_t len, const char *currency,
				 webhook_sku_fn sku_of, void *sku_ctx, enum webhook_topic *topic,
				 struct webhook_mapped *out, char **err);
void webhook_mapped_free(struct webhook_mapped *m);

#endif
