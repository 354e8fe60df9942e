/* Unit tests for webhook_map.c (payload -> unified JSON Lines) and
 * webhook_in.c (storage through ingest with a receipt: stored, duplicate,
 * refused with nothing stored). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_webhook.h"
#include "testdb.h"
#include "webhook_in.h"

static const char PRODUCT[] =
	"{\"id\": 1, \"title\": \"Tee\", \"handle\": \"tee\", \"body_html\": \"<p>soft</p>\","
	" \"vendor\": \"acme\", \"tags\": \"a, b\", \"published_at\": null,"
	" \"options\": [{\"name\": \"Size\"}, {\"name\": \"Colour\"}],"
	" \"variants\": [{\"sku\": \"TEE-S\", \"price\": \"19.99\", \"compare_at_price\": \"25.00\","
	"   \"option1\": \"S\", \"grams\": 180, \"taxable\": false, \"inventory_item_id\": 11},"
	"  {\"sku\": \"TEE-M\", \"price\": \"19.99\", \"position\": 7, \"inventory_item_id\": 12},"
	"  {\"price\": \"21\"}],"
	" \"images\": [{\"src\": \"https://x/1.jpg\", \"position\": 1, \"alt\": \"front\"}, {\"alt\": \"no src\"}]}";

/* The n-th line of the mapped records as JSON (caller decrefs). */
static json_t *line(const struct webhook_mapped *m, int n)
{
	const char *p = m->jsonl;
	for (int i = 0; i < n; i++) {
		p = strchr(p, '\n');
		cr_assert_not_null(p, "no line %d", n);
		p++;
	}
	const char *nl = strchr(p, '\n');
	cr_assert_not_null(nl);
	json_error_t je;
	json_t *o = json_loadb(p, (size_t)(nl - p), 0, &je);
	cr_assert_not_null(o, "line %d: %s", n, je.text);
	return o;
}

static const char *s(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long i(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static struct webhook_mapped map_ok(enum webhook_topic t, const char *body, const char *currency)
{
	struct webhook_mapped m;
	char *err = NULL;
	cr_assert_eq(webhook_map(t, body, strlen(body), currency, NULL, NULL, &m, &err), ORR_OK,
		     "%s", err ? err : "");
	return m;
}

static char *map_refused(enum webhook_topic t, const char *body)
{
	struct webhook_mapped m;
	char *err = NULL;
	cr_assert_eq(webhook_map(t, body, strlen(body), NULL, NULL, NULL, &m, &err), ORR_DATAERR);
	cr_assert_not_null(err);
	cr_expect_null(m.jsonl);
	return err;
}

Test(webhook_map, topics)
{
	enum webhook_topic t;
	cr_expect(webhook_topic_parse("products/create", &t) && t == WH_PRODUCTS_CREATE);
	cr_expect(webhook_topic_parse("product.updated", &t) && t == WH_PRODUCTS_UPDATE);
	cr_expect(webhook_topic_parse("orders/create", &t) && t == WH_ORDERS_CREATE);
	cr_expect(webhook_topic_parse("inventory_level.updated", &t) && t == WH_INVENTORY_UPDATE);
	cr_expect_not(webhook_topic_parse("orders/delete", &t));
	cr_expect_not(webhook_topic_parse("", &t));
	cr_expect_str_eq(webhook_topic_name(WH_INVENTORY_UPDATE), "inventory_levels/update");
}

Test(webhook_map, product_variants_images)
{
	struct webhook_mapped m = map_ok(WH_PRODUCTS_CREATE, PRODUCT, NULL);
	cr_expect_eq(m.records, 5, "product, 3 variants, 1 image (the one without src skipped)");
	json_t *p = line(&m, 0);
	cr_expect_str_eq(s(p, "table"), "products");
	cr_expect_str_eq(s(p, "origin"), "shopify");
	cr_expect_str_eq(s(p, "key"), "tee");
	cr_expect_str_eq(s(p, "description"), "<p>soft</p>");
	cr_expect_eq(i(p, "published"), 0, "published_at null: not published");
	cr_expect_str_eq(s(p, "option2_name"), "Colour");
	json_decref(p);
	json_t *v = line(&m, 1);
	cr_expect_str_eq(s(v, "product_key"), "tee");
	cr_expect_eq(i(v, "price_minor"), 1999);
	cr_expect_eq(i(v, "compare_at_minor"), 2500);
	cr_expect_str_eq(s(v, "currency"), "USD");
	cr_expect_eq(i(v, "position"), 1);
	cr_expect_eq(i(v, "taxable"), 0);
	cr_expect_eq(i(v, "grams"), 180);
	json_decref(v);
	v = line(&m, 2);
	cr_expect_eq(i(v, "position"), 7, "a given position is kept");
	json_decref(v);
	v = line(&m, 3);
	cr_expect_eq(i(v, "position"), 3, "else the index");
	cr_expect_eq(i(v, "price_minor"), 2100);
	cr_expect_null(json_object_get(v, "sku"));
	json_decref(v);
	json_t *a = line(&m, 4);
	cr_expect_str_eq(s(a, "table"), "assets");
	cr_expect_str_eq(s(a, "uri"), "https://x/1.jpg");
	cr_expect_str_eq(s(a, "alt_text"), "front");
	json_decref(a);
	cr_assert_eq(m.nitems, 2, "items with a SKU are remembered");
	cr_expect_eq(m.items[1].item, 12);
	cr_expect_str_eq(m.items[1].sku, "TEE-M");
	webhook_mapped_free(&m);
}

Test(webhook_map, currency_exponent_follows_the_shop)
{
	struct webhook_mapped m = map_ok(WH_PRODUCTS_CREATE,
					 "{\"handle\": \"h\", \"variants\": [{\"price\": \"1500\"}]}",
					 "JPY");
	json_t *v = line(&m, 1);
	cr_expect_eq(i(v, "price_minor"), 1500);
	cr_expect_str_eq(s(v, "currency"), "JPY");
	json_decref(v);
	webhook_mapped_free(&m);
}

Test(webhook_map, product_refusals_name_the_field)
{
	static const struct {
		const char *body, *needle;
	} cases[] = {
		{ "{\"title\": \"x\"}", "\"handle\"" },
		{ "{\"handle\": 5}", "\"handle\"" },
		{ "[1, 2]", "must be a JSON object" },
		{ "{\"handle\": \"h\", \"variants\": {}}", "variants" },
		{ "{\"handle\": \"h\", \"variants\": [5]}", "variants" },
		{ "{\"handle\": \"h\", \"variants\": [{\"sku\": \"A\"}]}", "\"price\"" },
		{ "{\"handle\": \"h\", \"variants\": [{\"price\": \"12.345\"}]}", "price" },
		{ "{\"handle\": \"h\", \"variants\": [{\"price\": \"1\", \"grams\": \"x\"}]}", "grams" },
		{ "{\"handle\": \"h\"", "not valid JSON at line 1" },
		{ "", "not valid JSON" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		char *err = map_refused(WH_PRODUCTS_CREATE, cases[k].body);
		cr_expect_neq(strstr(err, cases[k].needle), NULL, "case %zu: %s", k, err);
		cr_expect_neq(strstr(err, "products/create payload"), NULL, "%s", err);
		free(err);
	}
}

Test(webhook_map, order_customer_lines)
{
	const char *o = "{\"id\": 1001, \"currency\": \"EUR\", \"financial_status\": \"paid\","
			" \"created_at\": \"2026-12-02T14:21:09-05:00\","
			" \"customer\": {\"id\": \"c-9\", \"first_name\": \"Ada\", \"last_name\": \"L\","
			"  \"default_address\": {\"country_code\": \"DE\", \"zip\": \"10115\"}},"
			" \"billing_address\": {\"country_code\": \"FR\"},"
			" \"line_items\": [{\"sku\": \"TEE-S\", \"title\": \"Tee\", \"quantity\": 2,"
			"  \"price\": \"19.99\"}]}";
	struct webhook_mapped m = map_ok(WH_ORDERS_CREATE, o, NULL);
	cr_expect_eq(m.records, 3);
	json_t *c = line(&m, 0), *ord = line(&m, 1), *l = line(&m, 2);
	cr_expect_str_eq(s(c, "table"), "customers");
	cr_expect_str_eq(s(c, "name"), "Ada L");
	cr_expect_str_eq(s(c, "zip"), "10115");
	cr_expect_str_eq(s(ord, "key"), "1001");
	cr_expect_str_eq(s(ord, "customer_key"), "c-9");
	cr_expect_str_eq(s(ord, "country"), "FR", "no shipping address: the billing one");
	cr_expect_str_eq(s(ord, "currency"), "EUR");
	cr_expect_str_eq(s(l, "order_key"), "1001");
	cr_expect_eq(i(l, "line_no"), 1);
	cr_expect_eq(i(l, "unit_price_minor"), 1999);
	cr_expect_str_eq(s(l, "currency"), "EUR", "the order's currency, not the shop's");
	json_decref(c);
	json_decref(ord);
	json_decref(l);
	webhook_mapped_free(&m);
	char *err = map_refused(WH_ORDERS_CREATE, "{\"id\": 1, \"line_items\": 3}");
	cr_expect_neq(strstr(err, "line_items"), NULL, "%s", err);
	free(err);
	err = map_refused(WH_ORDERS_CREATE, "{\"id\": 1, \"currency\": \"EURO\", \"line_items\": []}");
	cr_expect_neq(strstr(err, "ISO 4217"), NULL, "%s", err);
	free(err);
	err = map_refused(WH_ORDERS_CREATE, "{\"line_items\": []}");
	cr_expect_neq(strstr(err, "\"id\""), NULL, "%s", err);
	free(err);
}

static bool even_items(void *ctx, int64_t item, char *out, size_t size)
{
	(void)ctx;
	if (item % 2)
		return false;
	snprintf(out, size, "SKU-%lld", (long long)item);
	return true;
}

Test(webhook_map, inventory_needs_a_known_item)
{
	const char *known = "{\"inventory_item_id\": 42, \"location_id\": 7, \"available\": 3}";
	struct webhook_mapped m;
	char *err = NULL;
	cr_assert_eq(webhook_map(WH_INVENTORY_UPDATE, known, strlen(known), NULL, even_items, NULL,
				 &m, &err),
		     ORR_OK);
	json_t *l = line(&m, 0);
	cr_expect_str_eq(s(l, "table"), "inventory_levels");
	cr_expect_str_eq(s(l, "sku"), "SKU-42");
	cr_expect_str_eq(s(l, "location"), "7");
	cr_expect_eq(i(l, "quantity"), 3);
	json_decref(l);
	webhook_mapped_free(&m);
	const char *unknown = "{\"inventory_item_id\": 43, \"location_id\": 7, \"available\": 3}";
	cr_assert_eq(webhook_map(WH_INVENTORY_UPDATE, unknown, strlen(unknown), NULL, even_items,
				 NULL, &m, &err),
		     ORR_DATAERR);
	cr_expect_neq(strstr(err, "inventory item 43 is not known"), NULL, "%s", err);
	free(err);
}

Test(webhook_map, standard_envelope)
{
	const char *env = "{\"type\": \"product.created\", \"timestamp\": \"2026-12-01T00:00:00Z\","
			  " \"data\": {\"handle\": \"h\"}}";
	struct webhook_mapped m;
	enum webhook_topic t;
	char *err = NULL;
	cr_assert_eq(webhook_map_standard(env, strlen(env), NULL, NULL, NULL, &t, &m, &err), ORR_OK);
	cr_expect_eq(t, WH_PRODUCTS_CREATE);
	cr_expect_eq(m.records, 1);
	webhook_mapped_free(&m);
	static const char *const bad[] = { "{\"type\": \"order.deleted\", \"data\": {}}",
					   "{\"type\": \"product.created\", \"data\": []}",
					   "{\"data\": {\"handle\": \"h\"}}", "nope" };
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		err = NULL;
		cr_expect_eq(webhook_map_standard(bad[k], strlen(bad[k]), NULL, NULL, NULL, &t, &m,
						  &err),
			     ORR_DATAERR, "%s", bad[k]);
		cr_expect_not_null(err);
		free(err);
	}
}

/* --- storing ------------------------------------------------------------------------ */

static char db[96];
static struct store *st;

static void open_db(void)
{
	testdb_fresh(db, sizeof db, "webhook-in");
	char *err = NULL;
	cr_assert_eq(store_open(db, STORE_READWRITE, &st, &err), ORR_OK);
	cr_assert_eq(store_migrate(st, NULL, &err), ORR_OK);
}

static void close_db(void)
{
	store_close(st);
	testdb_remove(db);
}

static void first_value(void *ctx, bool is_header, int ncols, const char *const *vals)
{
	if (!is_header && ncols > 0)
		*(long long *)ctx = atoll(vals[0]);
}

/* The single number a query answers. */
static long long count(const char *sql)
{
	long long n = -1;
	char *err = NULL;
	cr_assert_eq(store_query(st, sql, first_value, &n, &err), ORR_OK, "%s", err ? err : "");
	return n;
}

#define RECEIPTS "SELECT count(*) FROM webhook_receipts"
#define PRODUCTS "SELECT count(*) FROM products"
#define EVENTS "SELECT count(*) FROM events"

static enum webhook_outcome receive(const char *id, const char *topic, const char *body, char **err)
{
	struct webhook_delivery d = { .provider = "shopify", .id = id, .body = body,
				      .len = strlen(body), .topic = topic,
				      .now = "2026-12-04T12:00:00.000Z" };
	struct ingest_report rep;
	return webhook_receive(st, &d, &rep, err);
}

Test(webhook_in, stored_then_duplicate, .init = open_db, .fini = close_db)
{
	char *err = NULL;
	cr_expect_eq(receive("w1", "products/create", PRODUCT, &err), WH_STORED, "%s", err ? err : "");
	cr_expect_eq(count(RECEIPTS), 1);
	long long events = count(EVENTS);
	cr_expect_eq(events, 4, "product.created and 3 variant.created");
	cr_expect_eq(receive("w1", "products/create", PRODUCT, &err), WH_DUPLICATE);
	cr_expect_eq(count(RECEIPTS), 1);
	cr_expect_eq(count(EVENTS), events);
	char sku[64];
	cr_expect(webhook_item_sku(st, 12, sku, sizeof sku));
	cr_expect_str_eq(sku, "TEE-M");
	/* now the inventory item is known */
	const char *inv = "{\"inventory_item_id\": 12, \"location_id\": 7, \"available\": 4}";
	cr_expect_eq(receive("w2", "inventory_levels/update", inv, &err), WH_STORED, "%s",
		     err ? err : "");
	cr_expect_eq(count(RECEIPTS), 2);
}

/* A payload the importer refuses (a SKU another variant already has) rolls
 * the whole delivery back: no product, no receipt, so a corrected retry
 * with the same id is stored. */
Test(webhook_in, refused_stores_nothing, .init = open_db, .fini = close_db)
{
	char *err = NULL;
	const char *dup = "{\"handle\": \"h\", \"variants\": [{\"sku\": \"A\", \"price\": \"1\"},"
			  " {\"sku\": \"A\", \"price\": \"2\"}]}";
	cr_expect_eq(receive("w1", "products/create", dup, &err), WH_REFUSED);
	cr_assert_not_null(err);
	free(err);
	err = NULL;
	cr_expect_eq(count(RECEIPTS), 0);
	cr_expect_eq(count(PRODUCTS), 0);
	cr_expect_eq(count(EVENTS), 0);
	cr_expect_eq(webhook_receipt_exists(st, "shopify", "w1"), false);
	cr_expect_eq(receive("w1", "products/create", PRODUCT, &err), WH_STORED, "%s", err ? err : "");
	cr_expect_eq(receive("w9", "carts/create", PRODUCT, &err), WH_REFUSED);
	free(err);
}
