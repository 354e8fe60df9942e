/* webhook_map.c - Shopify-shaped payloads to unified JSON Lines records
 * (see webhook_map.h).  No database: the fuzz target links this alone. */
#include "webhook_map.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "xalloc.h"

#define ORIGIN "shopify"
#define DEFAULT_CURRENCY "USD"
#define MAX_ITEMS 1000 /* variants or lines of one payload */

static const struct {
	const char *name, *dotted;
} topics[WH_TOPIC_COUNT] = {
	[WH_PRODUCTS_CREATE] = { "products/create", "product.created" },
	[WH_PRODUCTS_UPDATE] = { "products/update", "product.updated" },
	[WH_ORDERS_CREATE] = { "orders/create", "order.created" },
	[WH_INVENTORY_UPDATE] = { "inventory_levels/update", "inventory_level.updated" },
};

bool webhook_topic_parse(const char *name, enum webhook_topic *t)
{
	for (int i = 0; i < WH_TOPIC_COUNT; i++)
		if (strcmp(name, topics[i].name) == 0 || strcmp(name, topics[i].dotted) == 0) {
			*t = (enum webhook_topic)i;
			return true;
		}
	return false;
}

const char *webhook_topic_name(enum webhook_topic t)
{
	return t < WH_TOPIC_COUNT ? topics[t].name : "unknown";
}

void webhook_mapped_free(struct webhook_mapped *m)
{
	free(m->jsonl);
	for (size_t i = 0; i < m->nitems; i++)
		free(m->items[i].sku);
	free(m->items);
	memset(m, 0, sizeof *m);
}

/* --- building records ------------------------------------------------------- */

struct builder {
	struct webhook_mapped *m;
	size_t cap;
	const char *currency;
	int exponent;
	const char *topic;
	char *err; /* the first problem */
};

static void fail(struct builder *b, const char *problem, const char *what)
{
	if (!b->err)
		b->err = xasprintf("%s payload: %s %s", b->topic, what, problem);
}

/* Append one record as a line and release it. */
static void emit(struct builder *b, json_t *rec)
{
	char *line = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(rec);
	if (!line) {
		fail(b, "could not be encoded", "a record");
		return;
	}
	size_t n = strlen(line);
	if (b->m->len + n + 2 > b->cap) {
		b->cap = 2 * b->cap + n + 2;
		b->m->jsonl = xrealloc(b->m->jsonl, b->cap);
	}
	memcpy(b->m->jsonl + b->m->len, line, n);
	b->m->len += n;
	b->m->jsonl[b->m->len++] = '\n';
	b->m->jsonl[b->m->len] = '\0';
	b->m->records++;
	free(line);
}

static json_t *record(const char *table)
{
	return json_pack("{s:s, s:s}", "table", table, "origin", ORIGIN);
}

/* A non-empty string field, or NULL. */
static const char *str(json_t *obj, const char *field)
{
	const char *s = json_string_value(json_object_get(obj, field));
	return s && *s ? s : NULL;
}

static void put_str(json_t *rec, const char *col, const char *s)
{
	if (s)
		json_object_set_new(rec, col, json_string(s));
}

/* Shopify ids are JSON integers (REST) or strings (GraphQL ids): as text. */
static bool id_text(json_t *v, char out[64])
{
	if (json_is_integer(v))
		return snprintf(out, 64, "%lld", (long long)json_integer_value(v)) > 0;
	const char *s = json_string_value(v);
	if (!s || !*s || strlen(s) >= 64)
		return false;
	snprintf(out, 64, "%s", s);
	return true;
}

/* A whole number given as a JSON integer; absent or null is "none". */
static bool int_field(struct builder *b, json_t *obj, const char *field, json_t *rec,
		      const char *col)
{
	json_t *v = json_object_get(obj, field);
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v)) {
		fail(b, "must be a whole number", field);
		return false;
	}
	json_object_set_new(rec, col, json_integer(json_integer_value(v)));
	return true;
}

/* Money: Shopify writes decimal strings ("19.99"); numbers are accepted. */
static bool money_field(struct builder *b, json_t *obj, const char *field, json_t *rec,
			const char *col)
{
	json_t *v = json_object_get(obj, field);
	if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
		return true;
	char buf[64];
	const char *text = json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof buf, "%.*f", b->exponent, json_real_value(v));
	if (!text)
		text = json_is_number(v) ? buf : NULL;
	int64_t minor;
	const char *why = "";
	if (!text || parse_money(text, b->exponent, &minor, &why) != PARSE_OK) {
		fail(b, "is not an amount of money", field);
		return false;
	}
	json_object_set_new(rec, col, json_integer(minor));
	return true;
}

static void bool_field(json_t *obj, const char *field, json_t *rec, const char *col)
{
	json_t *v = json_object_get(obj, field);
	if (json_is_boolean(v))
		json_object_set_new(rec, col, json_integer(json_is_true(v)));
}

/* The object or array a payload must have at field. */
static json_t *need(struct builder *b, json_t *obj, const char *field, json_type type)
{
	json_t *v = json_object_get(obj, field);
	if (!v || json_typeof(v) != type) {
		fail(b, type == JSON_ARRAY ? "must be a list" : "must be an object", field);
		return NULL;
	}
	return v;
}

/* --- products ------------------------------------------------------------------ */

static void product_record(struct builder *b, json_t *p, const char *handle)
{
	json_t *r = record("products");
	put_str(r, "key", handle);
	put_str(r, "title", str(p, "title"));
	put_str(r, "description", str(p, "body_html"));
	put_str(r, "vendor", str(p, "vendor"));
	put_str(r, "product_type", str(p, "product_type"));
	put_str(r, "tags", str(p, "tags"));
	json_t *pub = json_object_get(p, "published_at");
	if (pub)
		json_object_set_new(r, "published", json_integer(json_is_string(pub)));
	json_t *options = json_object_get(p, "options");
	static const char *const opt_cols[] = { "option1_name", "option2_name", "option3_name" };
	for (size_t i = 0; json_is_array(options) && i < json_array_size(options) && i < 3; i++)
		put_str(r, opt_cols[i], str(json_array_get(options, i), "name"));
	emit(b, r);
}

static void remember_item(struct builder *b, json_t *v, const char *sku)
{
	json_t *item = json_object_get(v, "inventory_item_id");
	if (!sku || !json_is_integer(item))
		return;
	struct webhook_mapped *m = b->m;
	m->items = xrealloc(m->items, (m->nitems + 1) * sizeof *m->items);
	m->items[m->nitems++] = (struct webhook_item){ json_integer_value(item), xstrdup(sku) };
}

static void variant_record(struct builder *b, json_t *v, size_t index, const char *handle)
{
	if (!json_is_object(v)) {
		fail(b, "must be an object", "each of \"variants\"");
		return;
	}
	json_t *r = record("variants");
	put_str(r, "product_key", handle);
	json_t *pos = json_object_get(v, "position");
	json_object_set_new(r, "position", json_integer(json_is_integer(pos) && json_integer_value(pos) > 0
								? json_integer_value(pos)
								: (json_int_t)index + 1));
	const char *sku = str(v, "sku");
	put_str(r, "sku", sku);
	put_str(r, "option1", str(v, "option1"));
	put_str(r, "option2", str(v, "option2"));
	put_str(r, "option3", str(v, "option3"));
	put_str(r, "barcode", str(v, "barcode"));
	put_str(r, "currency", b->currency);
	bool_field(v, "requires_shipping", r, "requires_shipping");
	bool_field(v, "taxable", r, "taxable");
	if (!money_field(b, v, "price", r, "price_minor") ||
	    !money_field(b, v, "compare_at_price", r, "compare_at_minor") ||
	    !int_field(b, v, "grams", r, "grams")) {
		json_decref(r);
		return;
	}
	if (!json_object_get(r, "price_minor")) {
		fail(b, "is required for each variant", "\"price\"");
		json_decref(r);
		return;
	}
	remember_item(b, v, sku);
	emit(b, r);
}

static void image_record(struct builder *b, json_t *img, const char *handle)
{
	const char *src = str(img, "src");
	if (!src)
		return; /* an image without a source says nothing to store */
	json_t *r = record("assets");
	put_str(r, "product_key", handle);
	put_str(r, "kind", "source");
	put_str(r, "uri", src);
	put_str(r, "alt_text", str(img, "alt"));
	if (!int_field(b, img, "position", r, "position")) {
		json_decref(r);
		return;
	}
	emit(b, r);
}

static void map_product(struct builder *b, json_t *p)
{
	const char *handle = str(p, "handle");
	if (!handle) {
		fail(b, "is required (a string)", "\"handle\"");
		return;
	}
	product_record(b, p, handle);
	json_t *variants = json_object_get(p, "variants");
	if (variants && !need(b, p, "variants", JSON_ARRAY))
		return;
	if (json_array_size(variants) > MAX_ITEMS)
		return fail(b, "has too many entries", "\"variants\"");
	for (size_t i = 0; i < json_array_size(variants) && !b->err; i++)
		variant_record(b, json_array_get(variants, i), i, handle);
	json_t *images = json_object_get(p, "images");
	for (size_t i = 0; json_is_array(images) && i < json_array_size(images) && i < MAX_ITEMS &&
			   !b->err;
	     i++)
		if (json_is_object(json_array_get(images, i)))
			image_record(b, json_array_get(images, i), handle);
}

/* --- orders ---------------------------------------------------------------------- */

/* The customer, when the order names one; its key into *key. */
static void customer_record(struct builder *b, json_t *o, char key[64])
{
	json_t *c = json_object_get(o, "customer");
	*key = '\0';
	if (!json_is_object(c) || !id_text(json_object_get(c, "id"), key))
		return;
	json_t *r = record("customers");
	put_str(r, "key", key);
	put_str(r, "email", str(c, "email"));
	const char *first = str(c, "first_name"), *last = str(c, "last_name");
	if (first || last) {
		char *name = xasprintf("%s%s%s", first ? first : "", first && last ? " " : "",
				       last ? last : "");
		put_str(r, "name", name);
		free(name);
	}
	json_t *a = json_object_get(c, "default_address");
	if (json_is_object(a)) {
		put_str(r, "zip", str(a, "zip"));
		put_str(r, "city", str(a, "city"));
		put_str(r, "state", str(a, "province_code"));
		put_str(r, "country", str(a, "country_code"));
	}
	emit(b, r);
}

static const char *order_country(json_t *o)
{
	const char *c = str(json_object_get(o, "shipping_address"), "country_code");
	return c ? c : str(json_object_get(o, "billing_address"), "country_code");
}

static void line_record(struct builder *b, json_t *li, size_t index, const char *order_key)
{
	if (!json_is_object(li)) {
		fail(b, "must be an object", "each of \"line_items\"");
		return;
	}
	json_t *r = record("order_lines");
	put_str(r, "order_key", order_key);
	json_object_set_new(r, "line_no", json_integer((json_int_t)index + 1));
	put_str(r, "sku", str(li, "sku"));
	put_str(r, "description", str(li, "title"));
	put_str(r, "currency", b->currency);
	if (!int_field(b, li, "quantity", r, "quantity") ||
	    !money_field(b, li, "price", r, "unit_price_minor")) {
		json_decref(r);
		return;
	}
	emit(b, r);
}

static void map_order(struct builder *b, json_t *o)
{
	char key[64], customer[64];
	if (!id_text(json_object_get(o, "id"), key))
		return fail(b, "is required (a number or a string)", "\"id\"");
	json_t *lines = need(b, o, "line_items", JSON_ARRAY);
	if (!lines)
		return;
	if (json_array_size(lines) > MAX_ITEMS)
		return fail(b, "has too many entries", "\"line_items\"");
	const char *cur = str(o, "currency");
	if (cur && currency_exponent(cur) < 0)
		return fail(b, "is not an ISO 4217 code", "\"currency\"");
	if (cur) {
		b->currency = cur;
		b->exponent = currency_exponent(cur);
	}
	customer_record(b, o, customer);
	json_t *r = record("orders");
	put_str(r, "key", key);
	put_str(r, "customer_key", *customer ? customer : NULL);
	put_str(r, "status", str(o, "financial_status"));
	put_str(r, "country", order_country(o));
	put_str(r, "currency", b->currency);
	put_str(r, "purchased_at", str(o, "created_at"));
	emit(b, r);
	for (size_t i = 0; i < json_array_size(lines) && !b->err; i++)
		line_record(b, json_array_get(lines, i), i, key);
}

/* --- inventory levels ------------------------------------------------------------ */

static void map_inventory(struct builder *b, json_t *p, webhook_sku_fn sku_of, void *ctx)
{
	json_t *item = json_object_get(p, "inventory_item_id");
	char location[64], sku[256];
	if (!json_is_integer(item))
		return fail(b, "is required (a number)", "\"inventory_item_id\"");
	if (!id_text(json_object_get(p, "location_id"), location))
		return fail(b, "is required (a number or a string)", "\"location_id\"");
	json_t *avail = json_object_get(p, "available");
	if (!json_is_integer(avail) && !json_is_null(avail))
		return fail(b, "is required (a whole number or null)", "\"available\"");
	if (!sku_of || !sku_of(ctx, json_integer_value(item), sku, sizeof sku)) {
		if (!b->err)
			b->err = xasprintf("%s payload: inventory item %lld is not known (no product "
					   "webhook has named it yet)", b->topic,
					   (long long)json_integer_value(item));
		return;
	}
	json_t *r = json_pack("{s:s, s:s, s:s}", "table", "inventory_levels", "sku", sku,
			      "location", location);
	json_object_set(r, "quantity", avail);
	emit(b, r);
}

/* --- entry points ------------------------------------------------------------------ */

static enum orr_rc map_json(enum webhook_topic t, json_t *root, const char *currency,
			    webhook_sku_fn sku_of, void *sku_ctx, struct webhook_mapped *out,
			    char **err)
{
	memset(out, 0, sizeof *out);
	struct builder b = { .m = out, .currency = currency ? currency : DEFAULT_CURRENCY,
			     .topic = webhook_topic_name(t) };
	b.exponent = currency_exponent(b.currency);
	if (b.exponent < 0)
		b.exponent = 2;
	if (!json_is_object(root))
		fail(&b, "must be a JSON object", "the payload");
	else if (t == WH_PRODUCTS_CREATE || t == WH_PRODUCTS_UPDATE)
		map_product(&b, root);
	else if (t == WH_ORDERS_CREATE)
		map_order(&b, root);
	else
		map_inventory(&b, root, sku_of, sku_ctx);
	if (b.err) {
		webhook_mapped_free(out);
		*err = b.err;
		return ORR_DATAERR;
	}
	return ORR_OK;
}

/* Parse a body; the message gives jansson's position and reason (a
 * payload is not a secret). */
static json_t *parse_body(const char *body, size_t len, const char *what, char **err)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		*err = xasprintf("%s payload: not valid JSON at line %d column %d: %s", what,
				 je.line, je.column, je.text);
	return root;
}

enum orr_rc webhook_map(enum webhook_topic t, const char *body, size_t len, const char *currency,
			webhook_sku_fn sku_of, void *sku_ctx, struct webhook_mapped *out,
			char **err)
{
	memset(out, 0, sizeof *out);
	json_t *root = parse_body(body, len, webhook_topic_name(t), err);
	if (!root)
		return ORR_DATAERR;
	enum orr_rc rc = map_json(t, root, currency, sku_of, sku_ctx, out, err);
	json_decref(root);
	return rc;
}

enum orr_rc webhook_map_standard(const char *body, size_t len, const char *currency,
				 webhook_sku_fn sku_of, void *sku_ctx, enum webhook_topic *topic,
				 struct webhook_mapped *out, char **err)
{
	memset(out, 0, sizeof *out);
	json_t *root = parse_body(body, len, "standard webhook", err);
	if (!root)
		return ORR_DATAERR;
	const char *type = str(root, "type");
	json_t *data = json_object_get(root, "data");
	enum orr_rc rc = ORR_DATAERR;
	if (!type || !webhook_topic_parse(type, topic))
		*err = xasprintf("standard webhook payload: \"type\" must be one of products/create, "
				 "products/update, orders/create, inventory_levels/update (or "
				 "product.created, ...)");
	else if (!json_is_object(data))
		*err = xasprintf("standard webhook payload: \"data\" must be an object");
	else
		rc = map_json(*topic, data, currency, sku_of, sku_ctx, out, err);
	json_decref(root);
	return rc;
}
