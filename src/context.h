/* context.h - the customer-service context: one document about one customer
 * for a chatbot or a person answering them: who they are (every id of the
 * same person), their orders with lines and delivery status, which are
 * still open, the availability of the items in the orders shown and in
 * every open order, whether delivered
 * orders can still be returned, and the return policy itself. */
#ifndef ORR_CONTEXT_H
#define ORR_CONTEXT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "rc.h"

struct store;

struct context_options {
	int64_t now_ms;  /* "late" and "returnable" are judged at this time */
	long max_orders; /* newest orders listed in full (<= 0: 50); counts cover all */
};

/* The context of the customer WHO names (an email, a key in any origin, or
 * a numeric id).  ORR_NOINPUT when no customer matches; ORR_DATAERR when
 * WHO names several different people (the message lists them).  *doc is a
 * new JSON object. */
enum orr_rc context_customer(struct store *st, const char *who,
			     const struct context_options *o, json_t **doc, char **err);

/* The document as text for a language model or a person: headings, one
 * line per order and item. */
void context_write_text(FILE *f, json_t *doc);

/* Delivery status of an order row (status, is_return, approved_at,
 * dispatched_at, delivered_at, estimated_at): return, cancelled, delivered,
 * shipped, processing, or "not tracked" when the source records no
 * fulfilment at all.  Shipped and processing orders are open. */
const char *context_delivery_status(json_t *order);

#endif
