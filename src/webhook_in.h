/* webhook_in.h - a verified inbound webhook into the unified tables.
 *
 * The payload is mapped (webhook_map.h) and stored through ingest's JSON
 * Lines importer, so the upserts, their events and the rules that follow
 * are exactly those of a file.  Strict: a payload with any record the
 * importer refuses stores nothing.  The delivery's receipt (provider, id)
 * is written in the same transaction: a replay changes nothing. */
#ifndef ORR_WEBHOOK_IN_H
#define ORR_WEBHOOK_IN_H

#include <stddef.h>

#include "ingest.h"
#include "webhook_map.h"

struct store;

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

/* The first half, no write: WH_DUPLICATE for a delivery id stored before,
 * WH_REFUSED (*err) for a payload that cannot be mapped, else WH_STORED with
 * *t and *m (free m with webhook_mapped_free). */
enum webhook_outcome webhook_prepare(struct store *st, const struct webhook_delivery *d,
				     enum webhook_topic *t, struct webhook_mapped *m, char **err);
/* The second half, inside the caller's transaction: the records and the
 * receipt in a savepoint of their own, so a refused or duplicate delivery
 * undoes only itself (the server commits many deliveries at once). */
enum webhook_outcome webhook_store_in_tx(struct store *st, const struct webhook_delivery *d,
					 enum webhook_topic t, const struct webhook_mapped *m,
					 struct ingest_report *rep, char **err);
/* Both halves in one transaction of its own. */
enum webhook_outcome webhook_receive(struct store *st, const struct webhook_delivery *d,
				     struct ingest_report *rep, char **err);

#endif
