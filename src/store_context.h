/* store_context.h - the reads behind the customer-service context: a
 * customer and the other ids of the same person, their orders with lines,
 * and the availability of a variant.  Rows come back as JSON objects keyed
 * by column name. */
#ifndef ORR_STORE_CONTEXT_H
#define ORR_STORE_CONTEXT_H

#include <jansson.h>
#include <stdint.h>

#include "rc.h"

struct store;

/* Customers that WHO names: an email (any case) when it holds '@', else a
 * key in any origin, or a numeric id.  Each row: id, origin, key,
 * person_key, email, name, zip, city, state, country. */
enum orr_rc ctxdb_customers_named(struct store *st, const char *who, json_t **out, char **err);
/* Every customer row of the same person (by person_key, else email); the
 * row itself when it has neither. */
enum orr_rc ctxdb_customers_of_person(struct store *st, json_t *customer, json_t **out,
				      char **err);

/* The orders of one customer id, newest first: id, origin, key, status,
 * is_return, currency, purchased_at, approved_at, dispatched_at,
 * delivered_at, estimated_at. */
enum orr_rc ctxdb_orders(struct store *st, int64_t customer_id, json_t **out, char **err);
/* The lines of one order: line_no, sku, variant_id, title, quantity,
 * unit_price_minor, freight_minor, currency. */
enum orr_rc ctxdb_lines(struct store *st, const char *origin, const char *order_key,
			json_t **out, char **err);

/* What is known of a variant's stock: on_hand (null when no inventory level
 * is known), locations, incoming (approved purchase orders not received),
 * the earliest such order's number (next_po) and approval time (next_po_at,
 * ms), and the supplier's lead time in days (null without terms). */
enum orr_rc ctxdb_availability(struct store *st, int64_t variant_id, json_t **out, char **err);

#endif
