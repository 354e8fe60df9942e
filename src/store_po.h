/* store_po.h - the supplier and marketing tables (migration 013): supplier
 * terms per SKU, purchase orders and marketing signals.  Every statement is
 * prepared with bound parameters.  Times are Unix milliseconds. */
#ifndef ORR_STORE_PO_H
#define ORR_STORE_PO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct store;

/* Who supplies one variant and on what terms.  lead_time_sd_days < 0:
 * unknown. */
struct po_terms {
	int64_t variant_id, supplier_id;
	int64_t unit_cost_minor;
	char currency[4];
	long min_order, pack_size;
	double lead_time_days, lead_time_sd_days;
	char delivery[8];        /* csv, json or webhook */
	char supplier_key[128];  /* filled by po_terms_get */
	char supplier_name[128];
};

/* Insert or replace the terms of t->variant_id. */
enum orr_rc po_terms_put(struct store *st, const struct po_terms *t, int64_t now, char **err);
/* The terms of a variant: ORR_NOINPUT (with *err) when it has none. */
enum orr_rc po_terms_get(struct store *st, int64_t variant_id, struct po_terms *out,
			 char **err);
/* Every variant's terms as JSON objects with sku and supplier, by sku. */
enum orr_rc po_terms_list(struct store *st, json_t **out, char **err);

/* The variant of a SKU (ORR_NOINPUT when unknown). */
enum orr_rc po_variant_of_sku(struct store *st, const char *sku, int64_t *variant_id,
			      char **err);
/* The supplier with this key in any origin: ORR_NOINPUT when none,
 * ORR_DATAERR when the key names suppliers of several origins. */
enum orr_rc po_supplier_of_key(struct store *st, const char *key, int64_t *supplier_id,
			       char **err);

/* Units of a variant on order: proposed, approved or delivered orders not
 * yet received. */
enum orr_rc po_open_quantity(struct store *st, int64_t variant_id, int64_t *quantity,
			     char **err);
/* Units on hand over every location (0 when no inventory level is known;
 * *known false then). */
enum orr_rc po_on_hand(struct store *st, int64_t variant_id, int64_t *units, bool *known,
		       char **err);

struct po_new {
	int64_t event_id, variant_id, supplier_id;
	const char *sku;
	int64_t quantity, unit_cost_minor;
	const char *currency;
	const char *rationale;
	const char *risk; /* JSON text: the stockout.risk payload */
};
/* Insert the order answering event_id, numbered PO-<event_id>.  When that
 * event already has one, nothing is written and *existed is set; *id is the
 * order either way. */
enum orr_rc po_insert(struct store *st, const struct po_new *p, int64_t now, int64_t *id,
		      bool *existed, char **err);

/* One order as JSON, with supplier_key and supplier_name and risk parsed:
 * ORR_NOINPUT when there is no such order. */
enum orr_rc po_get(struct store *st, int64_t id, json_t **out, char **err);
/* Orders newest first; state NULL: all; limit <= 0: all. */
enum orr_rc po_list(struct store *st, const char *state, long limit, json_t **out, char **err);

/* proposed -> approved, one conditional UPDATE; *changed false when the
 * order was not proposed (already approved by an earlier run, or rejected). */
enum orr_rc po_approve(struct store *st, int64_t id, const char *by, int64_t now, bool *changed,
		       char **err);
/* approved -> delivered, recording where it went. */
enum orr_rc po_delivered(struct store *st, int64_t id, const char *to, int64_t now,
			 char **err);
/* proposed -> rejected; *changed as for po_approve. */
enum orr_rc po_reject(struct store *st, int64_t id, bool *changed, char **err);
/* approved or delivered -> received (the goods arrived: no longer on
 * order); *changed as for po_approve. */
enum orr_rc po_receive(struct store *st, int64_t id, const char *by, int64_t now, bool *changed,
		       char **err);
/* Who released a job: the operator who approved its approval, or NULL
 * when it was queued without one.  Caller frees. */
char *po_job_approver(struct store *st, int64_t job_id);

struct signal_new {
	int64_t event_id, variant_id; /* variant 0: unknown */
	const char *kind;             /* promote or pause */
	const char *sku, *reason, *delivered_to;
};
/* Record a marketing signal; when the event already has one of this kind
 * nothing is written and *existed is set. */
enum orr_rc signal_insert(struct store *st, const struct signal_new *s, int64_t now,
			  int64_t *id, bool *existed, char **err);
/* Signals newest first, of one SKU (NULL: all). */
enum orr_rc signal_list(struct store *st, const char *sku, long limit, json_t **out,
			char **err);

#endif
