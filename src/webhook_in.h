/* webhook_in.h - inbound webhook payloads into the unified tables.
 *
 * A payload is mapped to JSON Lines records of the unified schema (the
 * same records `orrery ingest` reads from a .jsonl file) and stored through
 * ingest's JSON Lines importer, so the upserts, their events and the rules
 * that follow are exactly those of a file.  Strict: a payload with any
 * record the importer refuses stores nothing.
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
#ifndef ORR_WEBHOOK_IN_H
#define ORR_WEBHOOK_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "rc.h"

struct store;

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

enum webhook_outcome {
	WH_STORED,    /* stored and receipted */
	WH_DUPLICATE, /* this delivery id was stored before: nothing done */
	WH_REFUSED,   /* the payload cannot be stored (*err says why): nothing stored */
	WH_FAILED,    /* the database failed (*err): nothing stored, the sender retries */
};

/* One verified delivery. */
struct webhook_delivery {
	const char *provider;   /* "shopify", "standard" */
	const char *id;         /* X-Shopify-Webhook-Id / webhook-id */
	const char *body;
	size_t len;
	const char *topic;      /* Shopify: from the URL; standard: NULL (from "type") */
	const char *currency;   /* NULL: USD */
	const char *now;        /* UTC, CLOCK_TEXT_LEN form */
};

/* Map and store one delivery in one transaction with its receipt. */
enum webhook_outcome webhook_receive(struct store *st, const struct webhook_delivery *d,
				     struct ingest_report *rep, char **err);

#endif
