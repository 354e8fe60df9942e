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

enum webhook_outcome webhook_prepare(struct store *st, const struct webhook_delivery *d,
				     enum webhook_topic *t, struct webhook_mapped *m, char **err)
{
	memset(m, 0, sizeof *m);
	if (webhook_receipt_exists(st, d->provider, d->id))
		return WH_DUPLICATE;
	enum orr_rc rc;
	if (!d->topic) {
		rc = webhook_map_standard(d->body, d->len, d->currency, sku_from_store, st, t, m, err);
	} else if (!webhook_topic_parse(d->topic, t)) {
		*err = xasprintf("unsupported topic \"%.60s\" (products/create, products/update, "
				 "orders/create, inventory_levels/update)", d->topic);
		rc = ORR_DATAERR;
	} else {
		rc = webhook_map(*t, d->body, d->len, d->currency, sku_from_store, st, m, err);
	}
	return rc == ORR_OK ? WH_STORED : WH_REFUSED;
}

/* Undo this delivery only: the savepoint's work, not the batch's. */
static void savepoint_undo(struct store *st)
{
	char *e = NULL;
	webhook_savepoint(st, WH_SAVEPOINT_UNDO, &e);
	free(e);
}

enum webhook_outcome webhook_store_in_tx(struct store *st, const struct webhook_delivery *d,
					 enum webhook_topic t, const struct webhook_mapped *m,
					 struct ingest_report *rep, char **err)
{
	memset(rep, 0, sizeof *rep);
	struct receipt r = { .d = d, .topic = webhook_topic_name(t), .m = m };
	struct ingest_options opt = { .strict = true, .now = d->now, .currency = d->currency,
				      .no_source_event = true, .in_tx = write_receipt,
				      .in_tx_ctx = &r };
	char name[96];
	snprintf(name, sizeof name, "webhook:%s/%s", d->provider, r.topic);
	enum orr_rc rc = webhook_savepoint(st, WH_SAVEPOINT_BEGIN, err);
	if (rc != ORR_OK)
		return WH_FAILED;
	rc = ingest_buffer_in_tx(st, name, m->jsonl, m->len, &opt, rep, err);
	if (rc != ORR_OK) {
		savepoint_undo(st);
		if (r.duplicate) {
			free(*err);
			*err = NULL;
			return WH_DUPLICATE;
		}
		return rc == ORR_DATAERR ? WH_REFUSED : WH_FAILED;
	}
	rc = webhook_savepoint(st, WH_SAVEPOINT_RELEASE, err);
	return rc == ORR_OK ? WH_STORED : WH_FAILED;
}

enum webhook_outcome webhook_receive(struct store *st, const struct webhook_delivery *d,
				     struct ingest_report *rep, char **err)
{
	memset(rep, 0, sizeof *rep);
	enum webhook_topic t;
	struct webhook_mapped m;
	enum webhook_outcome out = webhook_prepare(st, d, &t, &m, err);
	if (out != WH_STORED)
		return out;
	if (store_begin(st, err) != ORR_OK) {
		webhook_mapped_free(&m);
		return WH_FAILED;
	}
	out = webhook_store_in_tx(st, d, t, &m, rep, err);
	webhook_mapped_free(&m);
	if (store_commit(st, err) != ORR_OK)
		return WH_FAILED;
	return out;
}
