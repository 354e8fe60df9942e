/* webhook_in.c - a verified delivery mapped (webhook_map.c) and stored
 * through ingest with its receipt, in one transaction (see webhook_in.h). */
#include "webhook_in.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_webhook.h"
#include "xalloc.h"

/* --- storing ----------------------------------------------------------------------- */

static bool sku_from_store(void *ctx, int64_t item, char *out, size_t size)
{
	return webhook_item_sku(ctx, item, out, size);
}

/* Inside the ingest's transaction: the receipt and the inventory items. */
struct receipt {
	const struct webhook_delivery *d;
	const char *topic;
	const struct webhook_mapped *m;
	bool duplicate;
};

static enum orr_rc write_receipt(void *ctx, struct store *st, char **err)
{
	struct receipt *r = ctx;
	enum orr_rc rc = webhook_receipt_add(st, r->d->provider, r->d->id, r->topic, r->d->now,
					     r->m->records, &r->duplicate, err);
	if (rc == ORR_OK && r->duplicate)
		return ORR_TEMPFAIL; /* roll back; reported as a duplicate */
	for (size_t i = 0; rc == ORR_OK && i < r->m->nitems; i++)
		rc = webhook_item_put(st, r->m->items[i].item, r->m->items[i].sku, err);
	return rc;
}

static enum orr_rc map_delivery(struct store *st, const struct webhook_delivery *d,
				enum webhook_topic *t, struct webhook_mapped *m, char **err)
{
	if (!d->topic)
		return webhook_map_standard(d->body, d->len, d->currency, sku_from_store, st, t, m,
					    err);
	if (!webhook_topic_parse(d->topic, t)) {
		*err = xasprintf("unsupported topic \"%.60s\" (products/create, products/update, "
				 "orders/create, inventory_levels/update)", d->topic);
		return ORR_DATAERR;
	}
	return webhook_map(*t, d->body, d->len, d->currency, sku_from_store, st, m, err);
}

enum webhook_outcome webhook_receive(struct store *st, const struct webhook_delivery *d,
				     struct ingest_report *rep, char **err)
{
	memset(rep, 0, sizeof *rep);
	if (webhook_receipt_exists(st, d->provider, d->id))
		return WH_DUPLICATE;
	enum webhook_topic t;
	struct webhook_mapped m;
	if (map_delivery(st, d, &t, &m, err) != ORR_OK)
		return WH_REFUSED;
	struct receipt r = { .d = d, .topic = webhook_topic_name(t), .m = &m };
	struct ingest_options opt = { .strict = true, .now = d->now, .currency = d->currency,
				      .no_source_event = true, .in_tx = write_receipt,
				      .in_tx_ctx = &r };
	char name[96];
	snprintf(name, sizeof name, "webhook:%s/%s", d->provider, r.topic);
	enum orr_rc rc = ingest_buffer(st, name, m.jsonl, m.len, &opt, rep, err);
	webhook_mapped_free(&m);
	if (r.duplicate) {
		free(*err);
		*err = NULL;
		return WH_DUPLICATE;
	}
	if (rc == ORR_DATAERR)
		return WH_REFUSED;
	return rc == ORR_OK ? WH_STORED : WH_FAILED;
}
