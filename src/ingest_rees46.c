/* ingest_rees46.c - REES46 / Open CDP behavioural events: one storefront
 * event (view, cart, remove_from_cart, purchase) per record.
 *
 * Each event becomes an interaction.  The product it names is observed
 * (fill-only) under origin "rees46" with one variant whose SKU is the
 * product id, which is what the interaction's variant link resolves by; the
 * user is observed as a customer.  Category is the category_code, or the
 * numeric category_id where the code is blank (a third of real events).
 * Products and users already written in this file are remembered in
 * bounded caches, so a popular product costs one write per file. */
#include "ingest_rees46.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keycache.h"

#define CACHE_KEYS 65536

enum { C_TIME, C_TYPE, C_PRODUCT, C_CATEGORY_ID, C_CATEGORY_CODE, C_BRAND, C_PRICE, C_USER,
	C_SESSION, NCOL };

static const char *const col_names[NCOL] = { "event_time", "event_type", "product_id",
	"category_id", "category_code", "brand", "price", "user_id", "user_session" };

static const char *const signature[] = { "event_time", "event_type", "product_id",
	"user_session", NULL };

static const char *const kinds[] = { "view", "cart", "remove_from_cart", "purchase", NULL };

struct rees46 {
	int col[NCOL];
	struct keycache *products;  /* product id -> complete, fingerprint */
	struct keycache *customers; /* user ids written */
};

static enum orr_rc rees46_begin(struct ingest_job *job, char **err)
{
	struct rees46 *r = xcalloc(1, sizeof *r);
	job_set_state(job, r);
	for (const char *const *c = signature; *c; c++) {
		int col;
		if (job_need(job, *c, &col, err) != ORR_OK)
			return ORR_DATAERR;
	}
	for (int i = 0; i < NCOL; i++)
		r->col[i] = job_col(job, col_names[i]);
	r->products = keycache_new(CACHE_KEYS);
	r->customers = keycache_new(CACHE_KEYS);
	return ORR_OK;
}

static void rees46_end(struct ingest_job *job)
{
	struct rees46 *r = job_state(job);
	if (!r)
		return;
	if (r->products)
		keycache_free(r->products);
	if (r->customers)
		keycache_free(r->customers);
	free(r);
	job_set_state(job, NULL);
}

/* One record's values, parsed before anything is written. */
struct event {
	struct val time, kind, product, category, brand, price, user, session;
};

static bool known_kind(const char *s)
{
	for (const char *const *k = kinds; *k; k++)
		if (strcmp(s, *k) == 0)
			return true;
	return false;
}

static bool parse_event(struct ingest_job *job, const struct rees46 *r, struct event *ev)
{
	if (!job_time(job, r->col[C_TIME], true, &ev->time))
		return false;
	ev->kind = job_trimmed(job, r->col[C_TYPE]);
	if (ev->kind.type == VAL_NULL)
		return job_reject(job, r->col[C_TYPE], "required value is missing"), false;
	if (!known_kind(ev->kind.s))
		return job_reject(job, r->col[C_TYPE],
				  "unknown event type \"%.40s\" (view, cart, remove_from_cart "
				  "or purchase)", ev->kind.s), false;
	ev->product = job_trimmed(job, r->col[C_PRODUCT]);
	if (ev->product.type == VAL_NULL)
		return job_reject(job, r->col[C_PRODUCT], "required value is missing"), false;
	ev->category = job_trimmed(job, r->col[C_CATEGORY_CODE]);
	if (ev->category.type == VAL_NULL)
		ev->category = job_trimmed(job, r->col[C_CATEGORY_ID]);
	ev->brand = job_trimmed(job, r->col[C_BRAND]);
	ev->user = job_trimmed(job, r->col[C_USER]);
	ev->session = job_trimmed(job, r->col[C_SESSION]);
	return job_money(job, r->col[C_PRICE], false, &ev->price);
}

/* --- the product ------------------------------------------------------------ */

/* What a product observation can fill in; an identical one adds nothing. */
static uint64_t product_fp(const struct event *ev)
{
	char price[24] = "";
	if (ev->price.type == VAL_INT)
		snprintf(price, sizeof price, "%lld", (long long)ev->price.i);
	uint64_t h = keycache_hash(KEYCACHE_FNV, ev->category.s ? ev->category.s : "");
	h = keycache_hash(h, "\x1f");
	h = keycache_hash(h, ev->brand.s ? ev->brand.s : "");
	h = keycache_hash(h, "\x1f");
	return keycache_hash(h, price);
}

/* A product observed with a category, a brand and a price has nothing left
 * for later observations to fill in. */
static bool complete(const struct event *ev)
{
	return ev->category.type != VAL_NULL && ev->brand.type != VAL_NULL &&
	       ev->price.type != VAL_NULL;
}

/* Whether this file already wrote everything the event could add. */
static bool product_cached(struct rees46 *r, const struct event *ev, uint64_t fp)
{
	struct kc_entry *e = keycache_get(r->products, ev->product.s);
	return e && (e->n || e->fp == fp);
}

/* The product id becomes the variant's SKU: refuse the event when a variant
 * of another product (another origin's catalogue) already has that SKU,
 * since variants.sku is unique. */
static bool sku_free(struct ingest_job *job, const struct rees46 *r, const struct event *ev)
{
	int64_t owner = job_find_sku(job, ev->product.s);
	if (!owner)
		return true;
	struct val p[PRODUCT_NCOLS] = { 0 };
	p[PRODUCT_origin] = val_text(job_origin(job));
	p[PRODUCT_key] = ev->product;
	struct val v[VARIANT_NCOLS] = { 0 };
	v[VARIANT_product_id] = val_int(job_find(job, ENT_PRODUCT, p));
	v[VARIANT_position] = val_int(1);
	if (v[VARIANT_product_id].i && job_find(job, ENT_VARIANT, v) == owner)
		return true;
	job_reject(job, r->col[C_PRODUCT], "SKU %.100s is already used by another variant",
		   ev->product.s);
	return false;
}

static enum row_result write_product(struct ingest_job *job, struct rees46 *r,
				     const struct event *ev, uint64_t fp)
{
	struct val p[PRODUCT_NCOLS] = { 0 };
	p[PRODUCT_origin] = val_text(job_origin(job));
	p[PRODUCT_key] = ev->product;
	p[PRODUCT_vendor] = ev->brand;
	p[PRODUCT_category] = ev->category;
	p[PRODUCT_seen_at] = ev->time;
	int64_t product_id;
	if (job_observe(job, ENT_PRODUCT, p, &product_id) != ROW_OK)
		return ROW_FATAL;
	struct val v[VARIANT_NCOLS] = { 0 };
	v[VARIANT_product_id] = val_int(product_id);
	v[VARIANT_position] = val_int(1);
	v[VARIANT_sku] = ev->product;
	v[VARIANT_price_minor] = ev->price;
	v[VARIANT_currency] = val_text(job_currency(job));
	v[VARIANT_seen_at] = ev->time;
	if (job_observe(job, ENT_VARIANT, v, NULL) != ROW_OK)
		return ROW_FATAL;
	if (keycache_full(r->products))
		keycache_clear(r->products);
	struct kc_entry *e = keycache_put(r->products, ev->product.s);
	if (e) {
		e->n = complete(ev);
		e->fp = fp;
	}
	return ROW_OK;
}

/* --- the user and the event ------------------------------------------------- */

/* A user is only a key: once written in this file there is nothing to add. */
static enum row_result write_customer(struct ingest_job *job, struct rees46 *r,
				      const struct event *ev)
{
	if (ev->user.type == VAL_NULL || keycache_get(r->customers, ev->user.s))
		return ROW_OK;
	struct val c[CUSTOMER_NCOLS] = { 0 };
	c[CUSTOMER_origin] = val_text(job_origin(job));
	c[CUSTOMER_key] = ev->user;
	if (job_observe(job, ENT_CUSTOMER, c, NULL) != ROW_OK)
		return ROW_FATAL;
	if (keycache_full(r->customers))
		keycache_clear(r->customers);
	keycache_put(r->customers, ev->user.s);
	return ROW_OK;
}

static enum row_result write_interaction(struct ingest_job *job, const struct event *ev)
{
	struct val v[INTERACTION_NCOLS] = { 0 };
	v[INTERACTION_origin] = val_text(job_origin(job));
	v[INTERACTION_occurred_at] = ev->time;
	v[INTERACTION_kind] = ev->kind;
	v[INTERACTION_product_key] = ev->product;
	v[INTERACTION_user_key] = ev->user;
	v[INTERACTION_session] = ev->session;
	v[INTERACTION_price_minor] = ev->price;
	if (ev->price.type != VAL_NULL)
		v[INTERACTION_currency] = val_text(job_currency(job));
	return job_upsert(job, ENT_INTERACTION, v, NULL);
}

static enum row_result rees46_row(struct ingest_job *job)
{
	struct rees46 *r = job_state(job);
	struct event ev = { 0 };
	if (!parse_event(job, r, &ev))
		return ROW_REJECTED;
	uint64_t fp = product_fp(&ev);
	bool cached = product_cached(r, &ev, fp);
	if (!cached && !sku_free(job, r, &ev))
		return ROW_REJECTED;
	if ((!cached && write_product(job, r, &ev, fp) != ROW_OK) ||
	    write_customer(job, r, &ev) != ROW_OK)
		return ROW_FATAL;
	return write_interaction(job, &ev);
}

const struct importer importer_rees46 = {
	.name = "rees46",
	.summary = "REES46 / Open CDP behavioural events (view, cart, purchase)",
	.origin = "rees46",
	.currency = "USD",
	.signature = signature,
	.begin = rees46_begin,
	.row = rees46_row,
	.end = rees46_end,
};
