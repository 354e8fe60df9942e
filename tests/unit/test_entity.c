/* Unit tests for store_entity.c: idempotent upserts, their events, fill
 * mode, order events with their lines, adoption of waiting rows, counters. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_entity.h"

#define NOW "2024-01-01T00:00:00Z"

static char dir[64];
static char db[128];
static struct store *st;
static struct entity_tx tx;

static void ignore_row(void *ctx, bool is_header, int ncols, const char *const *vals)
{
	(void)ctx, (void)is_header, (void)ncols, (void)vals;
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/orrery-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp");
	snprintf(db, sizeof db, "%s/t.db", dir);
	char *err = NULL;
	cr_assert_eq(store_open(db, STORE_READWRITE, &st, &err), ORR_OK, "open: %s", err);
	cr_assert_eq(store_migrate(st, NULL, &err), ORR_OK, "migrate: %s", err);
	cr_assert_eq(store_query(st, "INSERT INTO sources(path,format,bytes,checksum,records,"
				 "stored,rejected,created,updated,unchanged,ingested_at) "
				 "VALUES('/x','t',0,'c',0,0,0,0,0,0,'" NOW "')", ignore_row, NULL, &err),
		     ORR_OK, "source: %s", err);
	cr_assert_eq(store_begin(st, &err), ORR_OK, "begin: %s", err);
	tx = (struct entity_tx){ .st = st, .source_id = 1, .now = NOW };
	cr_assert_eq(entity_begin(&tx, &err), ORR_OK, "entity_begin: %s", err);
}

static void teardown(void)
{
	store_rollback(st);
	store_close(st);
	st = NULL;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char path[512];
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

TestSuite(entity, .init = setup, .fini = teardown);

/* Commit the test's transaction: every write must be committable. */
static void commit(void)
{
	char *err = NULL;
	enum orr_rc rc = store_commit(st, &err);
	cr_expect_eq(rc, ORR_OK, "commit: %s", err ? err : "");
	free(err);
}

/* Capture the first value of the first row; NULL reads as "NULL". */
struct first {
	int rows;
	char v[1024];
};

static void first_value(void *ctx, bool is_header, int ncols, const char *const *vals)
{
	struct first *f = ctx;
	if (is_header || f->rows++ > 0 || ncols < 1)
		return;
	snprintf(f->v, sizeof f->v, "%s", vals[0] ? vals[0] : "NULL");
}

/* The first value of the first row of a formatted query ("" when no row). */
__attribute__((format(printf, 1, 2))) static const char *q(const char *fmt, ...)
{
	static struct first f;
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	memset(&f, 0, sizeof f);
	char *err = NULL;
	enum orr_rc rc = store_query(st, sql, first_value, &f, &err);
	cr_assert_eq(rc, ORR_OK, "query %s: %s", sql, err ? err : "");
	return f.v;
}

/* The same, as an integer. */
__attribute__((format(printf, 1, 2))) static long long qi(const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return atoll(q("%s", sql));
}

/* Upsert that must succeed; returns the id and sets *change. */
static int64_t upsert(enum entity_kind kind, const struct val *vals, enum upsert_mode mode,
		      enum entity_change *change)
{
	int64_t id = -1;
	char *err = NULL;
	enum orr_rc rc = entity_upsert(&tx, kind, vals, mode, &id, change, &err);
	cr_assert_eq(rc, ORR_OK, "upsert %s: %s", entity_name(kind), err ? err : "");
	cr_assert_gt(id, 0, "upsert %s gave id %lld", entity_name(kind), (long long)id);
	return id;
}

static void product_vals(struct val *v, const char *key, const char *title)
{
	for (int i = 0; i < PRODUCT_NCOLS; i++)
		v[i] = (struct val){ 0 };
	v[PRODUCT_origin] = val_text("shop");
	v[PRODUCT_key] = val_text(key);
	v[PRODUCT_title] = val_text(title);
}

/* Upsert product shop/key with a title (and nothing else). */
static int64_t product(const char *key, const char *title, enum upsert_mode mode,
		       enum entity_change *change)
{
	struct val v[PRODUCT_NCOLS];
	product_vals(v, key, title);
	return upsert(ENT_PRODUCT, v, mode, change);
}

static int64_t order(const char *key, const char *status, const char *customer_key)
{
	struct val v[ORDER_NCOLS] = { { 0 } };
	v[ORDER_origin] = val_text("shop");
	v[ORDER_key] = val_text(key);
	v[ORDER_customer_key] = val_text(customer_key);
	v[ORDER_status] = val_text(status);
	v[ORDER_is_return] = val_int(0);
	v[ORDER_currency] = val_text("GBP");
	enum entity_change ch;
	return upsert(ENT_ORDER, v, UPSERT_REPLACE, &ch);
}

static int64_t line(const char *order_key, int line_no, int64_t order_id, const char *sku)
{
	struct val v[LINE_NCOLS] = { { 0 } };
	v[LINE_origin] = val_text("shop");
	v[LINE_order_key] = val_text(order_key);
	v[LINE_line_no] = val_int(line_no);
	v[LINE_order_id] = order_id ? val_int(order_id) : (struct val){ 0 };
	v[LINE_sku] = val_text(sku);
	v[LINE_quantity] = val_int(line_no);
	v[LINE_unit_price_minor] = val_int(199);
	v[LINE_currency] = val_text("GBP");
	enum entity_change ch;
	return upsert(ENT_LINE, v, UPSERT_REPLACE, &ch);
}

static void flush(void)
{
	char *err = NULL;
	enum orr_rc rc = entity_flush_orders(&tx, &err);
	cr_assert_eq(rc, ORR_OK, "flush: %s", err ? err : "");
}

Test(entity, product_created_event)
{
	enum entity_change ch;
	int64_t id = product("mug", "Mug", UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_CREATED);
	cr_expect_eq(qi("SELECT count(*) FROM products"), 1);
	cr_expect_eq(qi("SELECT source_id FROM products WHERE id = %lld", (long long)id), 1);
	cr_expect_eq(qi("SELECT count(*) FROM events"), 1);
	cr_expect_eq(tx.events, 1);
	cr_expect_str_eq(q("SELECT type FROM events"), "product.created");
	cr_expect_str_eq(q("SELECT entity FROM events"), "product");
	cr_expect_str_eq(q("SELECT time FROM events"), NOW);
	cr_expect_eq(qi("SELECT entity_id FROM events"), id);
	cr_expect_str_eq(q("SELECT json_extract(payload, '$.title') FROM events"), "Mug");
	cr_expect_str_eq(q("SELECT json_extract(payload, '$.key') FROM events"), "mug");
	cr_expect_eq(qi("SELECT json_extract(payload, '$.id') FROM events"), id);
	commit();
}

Test(entity, same_values_change_nothing)
{
	enum entity_change ch;
	int64_t id = product("mug", "Mug", UPSERT_REPLACE, &ch);
	int64_t again = product("mug", "Mug", UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_NONE);
	cr_expect_eq(again, id, "the same record keeps its id");
	cr_expect_eq(qi("SELECT count(*) FROM events"), 1, "no event for an unchanged record");
	cr_expect_eq(tx.events, 1);
	commit();
}

Test(entity, changed_value_updates_with_event)
{
	enum entity_change ch;
	int64_t id = product("mug", "Mug", UPSERT_REPLACE, &ch);
	int64_t again = product("mug", "Big mug", UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_UPDATED);
	cr_expect_eq(again, id);
	cr_expect_str_eq(q("SELECT title FROM products WHERE id = %lld", (long long)id), "Big mug");
	cr_expect_eq(qi("SELECT count(*) FROM events WHERE type = 'product.updated'"), 1);
	cr_expect_eq(tx.events, 2);
	static const char sel[] = "SELECT json_extract(payload, '%s') FROM events "
				  "WHERE type = 'product.updated'";
	cr_expect_str_eq(q(sel, "$.changed.title.from"), "Mug");
	cr_expect_str_eq(q(sel, "$.changed.title.to"), "Big mug");
	cr_expect_str_eq(q(sel, "$.key"), "mug");
	cr_expect_str_eq(q(sel, "$.origin"), "shop");
	cr_expect_eq(qi(sel, "$.id"), id);
	cr_expect_eq(qi("SELECT count(*) FROM events, json_each(events.payload, '$.changed') "
			"WHERE events.type = 'product.updated'"), 1, "only the title changed");
	commit();
}

Test(entity, replace_clears_a_value_the_source_dropped)
{
	struct val v[PRODUCT_NCOLS];
	enum entity_change ch;
	product_vals(v, "mug", "Mug");
	v[PRODUCT_vendor] = val_text("Acme");
	int64_t id = upsert(ENT_PRODUCT, v, UPSERT_REPLACE, &ch);
	v[PRODUCT_vendor] = val_text(NULL);
	upsert(ENT_PRODUCT, v, UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_UPDATED);
	cr_expect_str_eq(q("SELECT vendor FROM products WHERE id = %lld", (long long)id), "NULL");
	cr_expect_str_eq(q("SELECT json_type(payload, '$.changed.vendor.to') FROM events "
			   "WHERE type = 'product.updated'"), "null");
	commit();
}

Test(entity, integer_values)
{
	struct val v[PRODUCT_NCOLS];
	enum entity_change ch;
	product_vals(v, "mug", "Mug");
	v[PRODUCT_weight_g] = val_int(350);
	v[PRODUCT_published] = val_int(1);
	int64_t id = upsert(ENT_PRODUCT, v, UPSERT_REPLACE, &ch);
	upsert(ENT_PRODUCT, v, UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_NONE, "equal integers are no change");
	v[PRODUCT_weight_g] = val_int(400);
	upsert(ENT_PRODUCT, v, UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_UPDATED);
	cr_expect_eq(qi("SELECT weight_g FROM products WHERE id = %lld", (long long)id), 400);
	static const char sel[] = "SELECT %s(payload, '$.changed.weight_g.%s') FROM events "
				  "WHERE type = 'product.updated'";
	cr_expect_str_eq(q(sel, "json_type", "from"), "integer");
	cr_expect_eq(qi(sel, "json_extract", "from"), 350);
	cr_expect_eq(qi(sel, "json_extract", "to"), 400);
	commit();
}

Test(entity, fill_keeps_a_stored_value)
{
	enum entity_change ch;
	int64_t id = product("mug", "Mug", UPSERT_REPLACE, &ch);
	int64_t again = product("mug", "Other title", UPSERT_FILL, &ch);
	cr_expect_eq(ch, CHANGE_NONE);
	cr_expect_eq(again, id);
	cr_expect_str_eq(q("SELECT title FROM products WHERE id = %lld", (long long)id), "Mug");
	cr_expect_eq(qi("SELECT count(*) FROM events"), 1);
	commit();
}

Test(entity, fill_sets_an_unknown_value)
{
	enum entity_change ch;
	struct val v[PRODUCT_NCOLS];
	int64_t id = product("mug", "Mug", UPSERT_REPLACE, &ch);
	product_vals(v, "mug", "Other title");
	v[PRODUCT_vendor] = val_text("Acme");
	upsert(ENT_PRODUCT, v, UPSERT_FILL, &ch);
	cr_expect_eq(ch, CHANGE_UPDATED);
	cr_expect_str_eq(q("SELECT vendor FROM products WHERE id = %lld", (long long)id), "Acme");
	cr_expect_str_eq(q("SELECT title FROM products WHERE id = %lld", (long long)id), "Mug");
	static const char sel[] = "SELECT json_extract(payload, '%s') FROM events "
				  "WHERE type = 'product.updated'";
	cr_expect_str_eq(q(sel, "$.changed.vendor.to"), "Acme");
	cr_expect_str_eq(q(sel, "$.changed.title"), "NULL", "title was not changed");
	commit();
}

Test(entity, fill_creates_a_missing_record)
{
	enum entity_change ch;
	product("mug", "Mug", UPSERT_FILL, &ch);
	cr_expect_eq(ch, CHANGE_CREATED);
	cr_expect_eq(qi("SELECT count(*) FROM events WHERE type = 'product.created'"), 1);
	commit();
}

Test(entity, new_mode_refuses_a_duplicate)
{
	enum entity_change ch;
	product("mug", "Mug", UPSERT_NEW, &ch);
	cr_expect_eq(ch, CHANGE_CREATED);
	struct val v[PRODUCT_NCOLS];
	product_vals(v, "mug", "Mug");
	int64_t id = 0;
	char *err = NULL;
	enum orr_rc rc = entity_upsert(&tx, ENT_PRODUCT, v, UPSERT_NEW, &id, &ch, &err);
	cr_expect_neq(rc, ORR_OK, "a second insert of the same key succeeded");
	cr_expect_not_null(err);
	free(err);
	product("cup", "Cup", UPSERT_REPLACE, &ch); /* the transaction goes on */
	cr_expect_eq(ch, CHANGE_CREATED);
	cr_expect_eq(qi("SELECT count(*) FROM products"), 2);
	commit();
}

Test(entity, sql_metacharacters_stored_literally)
{
	static const char evil[] = "'); DROP TABLE products;--";
	static const char key[] = "o'brien \"mug\"";
	enum entity_change ch;
	int64_t id = product(key, evil, UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_CREATED);
	cr_expect_str_eq(q("SELECT title FROM products WHERE id = %lld", (long long)id), evil);
	cr_expect_str_eq(q("SELECT key FROM products WHERE id = %lld", (long long)id), key);
	cr_expect_str_eq(q("SELECT json_extract(payload, '$.title') FROM events"), evil);
	struct val keys[2] = { val_text("shop"), val_text(key) };
	cr_expect_eq(entity_find(&tx, ENT_PRODUCT, keys), id);
	product(key, evil, UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_NONE);
	cr_expect_eq(qi("SELECT count(*) FROM products"), 1);
	commit();
}

Test(entity, find)
{
	enum entity_change ch;
	int64_t mug = product("mug", "Mug", UPSERT_REPLACE, &ch);
	int64_t cup = product("cup", "Cup", UPSERT_REPLACE, &ch);
	static const struct {
		const char *origin, *key;
		int which; /* 0 none, 1 mug, 2 cup */
	} cases[] = {
		{ "shop", "mug", 1 }, { "shop", "cup", 2 },  { "shop", "bowl", 0 },
		{ "olist", "mug", 0 }, { "shop", "MUG", 0 }, { "shop", "mu", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct val keys[2] = { val_text(cases[i].origin), val_text(cases[i].key) };
		int64_t want = cases[i].which == 1 ? mug : cases[i].which == 2 ? cup : 0;
		int64_t got = entity_find(&tx, ENT_PRODUCT, keys);
		cr_expect_eq(got, want, "find %s/%s = %lld, want %lld", cases[i].origin,
			     cases[i].key, (long long)got, (long long)want);
	}
	commit();
}

Test(entity, variant_and_find_sku)
{
	enum entity_change ch;
	int64_t pid = product("mug", "Mug", UPSERT_REPLACE, &ch);
	struct val v[VARIANT_NCOLS] = { { 0 } };
	v[VARIANT_product_id] = val_int(pid);
	v[VARIANT_position] = val_int(1);
	v[VARIANT_sku] = val_text("MUG-1");
	v[VARIANT_price_minor] = val_int(899);
	v[VARIANT_currency] = val_text("GBP");
	int64_t vid = upsert(ENT_VARIANT, v, UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_CREATED);
	cr_expect_eq(qi("SELECT count(*) FROM events WHERE type = 'variant.created'"), 1);
	cr_expect_eq(entity_find_sku(&tx, "MUG-1"), vid);
	cr_expect_eq(entity_find_sku(&tx, "MUG-2"), 0);
	cr_expect_eq(entity_find_sku(&tx, "mug-1"), 0);
	struct val keys[2] = { val_int(pid), val_int(1) };
	cr_expect_eq(entity_find(&tx, ENT_VARIANT, keys), vid);
	commit();
}

Test(entity, order_event_waits_for_flush_and_carries_lines)
{
	int64_t oid = order("#1001", "paid", NULL);
	line("#1001", 1, oid, "MUG-1");
	line("#1001", 2, oid, "CUP-1");
	cr_expect_eq(qi("SELECT count(*) FROM events"), 0, "order events wait for the flush");
	flush();
	cr_expect_eq(qi("SELECT count(*) FROM events"), 1, "one event for the order and its lines");
	cr_expect_eq(tx.events, 1);
	cr_expect_str_eq(q("SELECT type FROM events"), "order.created");
	cr_expect_eq(qi("SELECT entity_id FROM events"), oid);
	static const char sel[] = "SELECT %s FROM events WHERE type = 'order.created'";
	cr_expect_eq(qi(sel, "json_array_length(payload, '$.lines')"), 2);
	cr_expect_eq(qi(sel, "json_extract(payload, '$.lines[0].line_no')"), 1);
	cr_expect_str_eq(q(sel, "json_extract(payload, '$.lines[1].sku')"), "CUP-1");
	cr_expect_str_eq(q(sel, "json_extract(payload, '$.status')"), "paid");
	flush();
	cr_expect_eq(qi("SELECT count(*) FROM events"), 1, "a second flush writes nothing");
	commit();
}

Test(entity, unchanged_order_writes_no_event)
{
	int64_t oid = order("#1001", "paid", NULL);
	line("#1001", 1, oid, "MUG-1");
	flush();
	order("#1001", "paid", NULL);
	line("#1001", 1, oid, "MUG-1");
	flush();
	cr_expect_eq(qi("SELECT count(*) FROM events"), 1, "re-ingesting the same order");
	commit();
}

Test(entity, order_updated_event)
{
	int64_t oid = order("#1001", "paid", NULL);
	line("#1001", 1, oid, "MUG-1");
	flush();
	order("#1001", "shipped", NULL);
	flush();
	static const char sel[] = "SELECT %s FROM events WHERE type = 'order.updated'";
	cr_expect_eq(qi(sel, "count(*)"), 1);
	cr_expect_str_eq(q(sel, "json_extract(payload, '$.changed.status.from')"), "paid");
	cr_expect_str_eq(q(sel, "json_extract(payload, '$.changed.status.to')"), "shipped");
	line("#1001", 2, oid, "CUP-1");
	flush();
	cr_expect_eq(qi(sel, "count(*)"), 2, "a new line updates its order");
	cr_expect_eq(qi("SELECT json_extract(payload, '$.changed.lines') FROM events "
			"WHERE type = 'order.updated' ORDER BY id DESC LIMIT 1"), 1);
	cr_expect_eq(qi("SELECT json_array_length(payload, '$.lines') FROM events "
			"ORDER BY id DESC LIMIT 1"), 2);
	commit();
}

Test(entity, orphan_line_adopted_by_its_order)
{
	int64_t lid = line("#2002", 1, 0, "MUG-1");
	cr_expect_str_eq(q("SELECT order_id FROM order_lines WHERE id = %lld", (long long)lid),
			 "NULL");
	int64_t oid = order("#2002", "paid", NULL);
	cr_expect_eq(qi("SELECT order_id FROM order_lines WHERE id = %lld", (long long)lid), oid);
	int64_t other = line("#3003", 1, 0, "CUP-1");
	cr_expect_str_eq(q("SELECT order_id FROM order_lines WHERE id = %lld", (long long)other),
			 "NULL", "a line of another order is not adopted");
	commit();
}

/* An order created in this transaction is announced as created, even when
 * its lines arrived first. */
Test(entity, order_created_after_its_lines_is_created_event)
{
	line("#2002", 1, 0, "MUG-1");
	int64_t oid = order("#2002", "paid", NULL);
	flush();
	cr_expect_eq(qi("SELECT count(*) FROM events"), 1);
	cr_expect_str_eq(q("SELECT type FROM events WHERE entity_id = %lld", (long long)oid),
			 "order.created");
	cr_expect_eq(qi("SELECT json_array_length(payload, '$.lines') FROM events"), 1);
	commit();
}

Test(entity, customer_adopts_waiting_orders)
{
	int64_t oid = order("#1001", "paid", "c1");
	cr_expect_str_eq(q("SELECT customer_id FROM orders WHERE id = %lld", (long long)oid),
			 "NULL");
	struct val v[CUSTOMER_NCOLS] = { { 0 } };
	v[CUSTOMER_origin] = val_text("shop");
	v[CUSTOMER_key] = val_text("c1");
	v[CUSTOMER_email] = val_text("a@example.com");
	enum entity_change ch;
	int64_t cid = upsert(ENT_CUSTOMER, v, UPSERT_REPLACE, &ch);
	cr_expect_eq(ch, CHANGE_CREATED);
	cr_expect_eq(qi("SELECT customer_id FROM orders WHERE id = %lld", (long long)oid), cid);
	cr_expect_eq(qi("SELECT count(*) FROM events WHERE type = 'customer.created'"), 1);
	int64_t later = order("#1002", "paid", "c1");
	cr_expect_eq(qi("SELECT customer_id FROM orders WHERE id = %lld", (long long)later), cid,
		     "an order after its customer resolves it at once");
	commit();
}

static int64_t payment(const char *order_key, int seq)
{
	struct val v[PAYMENT_NCOLS] = { { 0 } };
	v[PAYMENT_origin] = val_text("shop");
	v[PAYMENT_order_key] = val_text(order_key);
	v[PAYMENT_sequence] = val_int(seq);
	v[PAYMENT_method] = val_text("card");
	v[PAYMENT_amount_minor] = val_int(1000);
	v[PAYMENT_currency] = val_text("GBP");
	enum entity_change ch;
	return upsert(ENT_PAYMENT, v, UPSERT_REPLACE, &ch);
}

Test(entity, payment_order_resolved_either_way)
{
	int64_t early = payment("#1001", 1);
	cr_expect_str_eq(q("SELECT order_id FROM payments WHERE id = %lld", (long long)early),
			 "NULL");
	int64_t oid = order("#1001", "paid", NULL);
	cr_expect_eq(qi("SELECT order_id FROM payments WHERE id = %lld", (long long)early), oid);
	int64_t late = payment("#1001", 2);
	cr_expect_eq(qi("SELECT order_id FROM payments WHERE id = %lld", (long long)late), oid);
	commit();
}

Test(entity, counters)
{
	static const struct {
		const char *key;
		int64_t n;
	} cases[] = {
		{ "inv:536365", 7 }, { "inv:536366", 1 }, { "", 3 }, { "x'y", -2 },
		{ "big", INT64_MAX },
	};
	char *err = NULL;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_assert_eq(entity_counter_set(&tx, cases[i].key, cases[i].n, &err), ORR_OK,
			     "set %s: %s", cases[i].key, err ? err : "");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_expect_eq(entity_counter_get(&tx, cases[i].key), cases[i].n, "counter \"%s\"",
			     cases[i].key);
	cr_expect_eq(entity_counter_get(&tx, "never-set"), 0);
	cr_assert_eq(entity_counter_set(&tx, "inv:536365", 8, &err), ORR_OK);
	cr_expect_eq(entity_counter_get(&tx, "inv:536365"), 8, "set overwrites");
	commit();
}

Test(entity, begin_resets_counters)
{
	char *err = NULL;
	cr_assert_eq(entity_counter_set(&tx, "k", 5, &err), ORR_OK);
	commit();
	cr_assert_eq(store_begin(st, &err), ORR_OK);
	cr_assert_eq(entity_begin(&tx, &err), ORR_OK);
	cr_expect_eq(entity_counter_get(&tx, "k"), 0, "counters live for one transaction");
	commit();
}

Test(entity, commit_persists)
{
	enum entity_change ch;
	int64_t id = product("mug", "Mug", UPSERT_REPLACE, &ch);
	commit();
	store_close(st);
	char *err = NULL;
	cr_assert_eq(store_open(db, STORE_READONLY, &st, &err), ORR_OK, "%s", err ? err : "");
	cr_expect_eq(qi("SELECT id FROM products WHERE key = 'mug'"), id);
	cr_expect_eq(qi("SELECT count(*) FROM events"), 1);
}

Test(entity, columns_and_names)
{
	static const struct {
		enum entity_kind kind;
		const char *name;
		int ncols, nkeys;
		int col; /* one column index to check by name */
		const char *col_name;
	} cases[] = {
		{ ENT_SUPPLIER, "supplier", SUPPLIER_NCOLS, 2, SUPPLIER_name, "name" },
		{ ENT_CATEGORY, "category", CATEGORY_NCOLS, 2, CATEGORY_name_en, "name_en" },
		{ ENT_PRODUCT, "product", PRODUCT_NCOLS, 2, PRODUCT_title, "title" },
		{ ENT_VARIANT, "variant", VARIANT_NCOLS, 2, VARIANT_sku, "sku" },
		{ ENT_INVENTORY, "inventory_level", INVENTORY_NCOLS, 2, INVENTORY_quantity,
		  "quantity" },
		{ ENT_ASSET, "asset", ASSET_NCOLS, 3, ASSET_uri, "uri" },
		{ ENT_CUSTOMER, "customer", CUSTOMER_NCOLS, 2, CUSTOMER_email, "email" },
		{ ENT_ORDER, "order", ORDER_NCOLS, 2, ORDER_status, "status" },
		{ ENT_LINE, "order_line", LINE_NCOLS, 3, LINE_order_id, "order_id" },
		{ ENT_PAYMENT, "payment", PAYMENT_NCOLS, 3, PAYMENT_amount_minor, "amount_minor" },
		{ ENT_REVIEW, "review", REVIEW_NCOLS, 2, REVIEW_score, "score" },
		{ ENT_INTERACTION, "interaction", INTERACTION_NCOLS, 6, INTERACTION_kind, "kind" },
		{ ENT_CALENDAR_DAY, "calendar_day", CALENDAR_DAY_NCOLS, 2, CALENDAR_DAY_date, "date" },
		{ ENT_UNIT_SALE, "unit_sale", UNIT_SALE_NCOLS, 3, UNIT_SALE_units, "units" },
	};
	cr_assert_eq(sizeof cases / sizeof *cases, ENT_COUNT, "every kind is listed");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int ncols = -1, nkeys = -1;
		const char *const *cols = entity_columns(cases[i].kind, &ncols, &nkeys);
		cr_expect_str_eq(entity_name(cases[i].kind), cases[i].name);
		cr_expect_eq(ncols, cases[i].ncols, "%s: ncols %d", cases[i].name, ncols);
		cr_expect_eq(nkeys, cases[i].nkeys, "%s: nkeys %d", cases[i].name, nkeys);
		cr_expect_leq(ncols, ENTITY_MAX_COLS, "%s", cases[i].name);
		cr_assert_not_null(cols);
		cr_expect_str_eq(cols[cases[i].col], cases[i].col_name, "%s", cases[i].name);
	}
	commit();
}

/* A line of a new order (UPSERT_NEW): kept for a batched insert, id 0. */
static enum orr_rc new_line(const char *order_key, int line_no, int64_t order_id, char **err)
{
	struct val v[LINE_NCOLS] = { { 0 } };
	char sku[32];
	snprintf(sku, sizeof sku, "SKU-%d", line_no);
	v[LINE_origin] = val_text("shop");
	v[LINE_order_key] = val_text(order_key);
	v[LINE_line_no] = val_int(line_no);
	v[LINE_order_id] = val_int(order_id);
	v[LINE_sku] = val_text(sku); /* copied: this buffer is gone after the call */
	v[LINE_quantity] = val_int(line_no);
	enum entity_change ch = CHANGE_NONE;
	int64_t id = -1;
	enum orr_rc rc = entity_upsert(&tx, ENT_LINE, v, UPSERT_NEW, &id, &ch, err);
	if (rc == ORR_OK) {
		cr_expect_eq(ch, CHANGE_CREATED);
		cr_expect_eq(id, 0);
	}
	return rc;
}

Test(entity, new_lines_are_written_before_anything_reads_them)
{
	char *err = NULL;
	int64_t oid = order("#7", "paid", NULL);
	for (int i = 1; i <= 21; i++)
		cr_assert_eq(new_line("#7", i, oid, &err), ORR_OK, "line %d: %s", i, err);
	enum entity_change ch;
	product("mug", "Mug", UPSERT_REPLACE, &ch);
	cr_expect_eq(qi("SELECT count(*) FROM order_lines"), 21, "another upsert flushes the lines");
	cr_expect_eq(qi("SELECT count(*) FROM order_lines WHERE id <> line_no"), 0, "lines keep their order");
	cr_expect_str_eq(q("SELECT sku FROM order_lines WHERE line_no = 21"), "SKU-21");
	cr_assert_eq(new_line("#7", 22, oid, &err), ORR_OK, "%s", err);
	flush();
	cr_expect_eq(qi("SELECT json_array_length(payload, '$.lines') FROM events "
			"WHERE type = 'order.created'"), 22, "the order event sees every line");
	commit();
}

Test(entity, new_line_failure_is_reported_by_the_next_write)
{
	char *err = NULL;
	int64_t oid = order("#8", "paid", NULL);
	cr_assert_eq(new_line("#8", 1, oid, &err), ORR_OK);
	cr_assert_eq(new_line("#8", 1, oid, &err), ORR_OK, "kept, not written yet");
	enum orr_rc rc = entity_flush_orders(&tx, &err);
	cr_expect_neq(rc, ORR_OK, "a duplicate line must fail when written");
	cr_assert_not_null(err);
	cr_expect(strstr(err, "cannot write order_line") && strstr(err, "UNIQUE"), "%s", err);
	free(err);
	err = NULL;
	cr_expect_neq(new_line("#8", 2, oid, &err), ORR_OK, "the failure is kept");
	free(err);
}

/* A variant of product `key` with one SKU; returns the variant id. */
static int64_t variant(const char *key, const char *sku)
{
	enum entity_change ch;
	struct val v[VARIANT_NCOLS] = { { 0 } };
	v[VARIANT_product_id] = val_int(product(key, key, UPSERT_REPLACE, &ch));
	v[VARIANT_position] = val_int(1);
	v[VARIANT_sku] = val_text(sku);
	return upsert(ENT_VARIANT, v, UPSERT_REPLACE, &ch);
}

/* A new line whose order and variant are both known: it waits for nothing. */
static void known_line(const char *order_key, int line_no, int64_t order_id, int64_t variant_id)
{
	struct val v[LINE_NCOLS] = { { 0 } };
	v[LINE_origin] = val_text("shop");
	v[LINE_order_key] = val_text(order_key);
	v[LINE_line_no] = val_int(line_no);
	v[LINE_order_id] = val_int(order_id);
	v[LINE_sku] = val_text("MUG-1");
	v[LINE_variant_id] = val_int(variant_id);
	v[LINE_quantity] = val_int(line_no);
	enum entity_change ch;
	int64_t id = -1;
	char *err = NULL;
	cr_assert_eq(entity_upsert(&tx, ENT_LINE, v, UPSERT_NEW, &id, &ch, &err), ORR_OK, "%s", err);
}

Test(entity, lines_waiting_for_nothing_fill_batches_across_orders)
{
	int64_t vid = variant("mug", "MUG-1");
	int64_t a = order("#A", "paid", NULL);
	for (int i = 1; i <= 5; i++)
		known_line("#A", i, a, vid);
	int64_t b = order("#B", "paid", NULL);
	cr_expect_eq(qi("SELECT count(*) FROM order_lines"), 0,
		     "the next order reads no order_lines: the lines stay kept");
	for (int i = 1; i <= 3; i++)
		known_line("#B", i, b, vid);
	struct val key[3] = { val_text("shop"), val_text("#A"), val_int(2) };
	cr_expect_gt(entity_find(&tx, ENT_LINE, key), 0, "a line lookup flushes first");
	cr_expect_eq(qi("SELECT count(*) FROM order_lines"), 8);
	flush();
	cr_expect_str_eq(q("SELECT group_concat(order_key || line_no, ' ') FROM "
			   "(SELECT order_key, line_no FROM order_lines ORDER BY id)"),
			 "#A1 #A2 #A3 #A4 #A5 #B1 #B2 #B3", "lines keep their order, and so their ids");
	static const char lines[] = "SELECT json_array_length(payload, '$.lines') FROM events "
				    "WHERE type = 'order.created' AND entity_id = %lld";
	cr_expect_eq(qi(lines, (long long)a), 5);
	cr_expect_eq(qi(lines, (long long)b), 3);
	commit();
}

Test(entity, kept_line_waiting_for_its_variant_is_adopted)
{
	char *err = NULL;
	int64_t oid = order("#C", "paid", NULL);
	cr_assert_eq(new_line("#C", 1, oid, &err), ORR_OK, "%s", err); /* SKU-1, no variant */
	int64_t vid = variant("cup", "SKU-1");
	cr_expect_eq(qi("SELECT variant_id FROM order_lines WHERE order_key = '#C'"), vid,
		     "the variant's adoption saw the kept line");
	flush();
	commit();
}

/* The spool is read back through a window: an order's lines bigger than
 * the window are read whole, and the orders around it still from the
 * window. */
Test(entity, order_lines_bigger_than_the_spool_window)
{
	int64_t vid = variant("mug", "MUG-1");
	int64_t a = order("#small1", "paid", NULL);
	known_line("#small1", 1, a, vid);
	int64_t big = order("#big", "paid", NULL);
	for (int i = 1; i <= 6000; i++) /* ~60 bytes of JSON each: over 256 KB */
		known_line("#big", i, big, vid);
	int64_t b = order("#small2", "paid", NULL);
	known_line("#small2", 1, b, vid);
	known_line("#small2", 2, b, vid);
	flush();
	static const char lines[] = "SELECT json_array_length(payload, '$.lines') FROM events "
				    "WHERE type = 'order.created' AND entity_id = %lld";
	cr_expect_eq(qi(lines, (long long)a), 1);
	cr_expect_eq(qi(lines, (long long)big), 6000);
	cr_expect_eq(qi(lines, (long long)b), 2);
	cr_expect_eq(qi("SELECT json_extract(payload, '$.lines[5999].line_no') FROM events "
			"WHERE entity_id = %lld AND type = 'order.created'", (long long)big), 6000);
	commit();
}

/* A review waits for its order and an interaction for its variant; an
 * order nothing waits for claims nothing. */
Test(entity, reviews_and_interactions_adopted)
{
	enum entity_change ch;
	struct val r[REVIEW_NCOLS] = { { 0 } };
	r[REVIEW_origin] = val_text("shop");
	r[REVIEW_key] = val_text("rv1");
	r[REVIEW_review_key] = val_text("rv1");
	r[REVIEW_order_key] = val_text("#R");
	r[REVIEW_score] = val_int(5);
	upsert(ENT_REVIEW, r, UPSERT_REPLACE, &ch);
	struct val it[INTERACTION_NCOLS] = { { 0 } };
	it[INTERACTION_origin] = val_text("shop");
	it[INTERACTION_occurred_at] = val_text(NOW);
	it[INTERACTION_kind] = val_text("view");
	it[INTERACTION_product_key] = val_text("TEA-1");
	it[INTERACTION_user_key] = val_text("u1");
	upsert(ENT_INTERACTION, it, UPSERT_REPLACE, &ch);
	cr_expect_eq(qi("SELECT count(*) FROM reviews WHERE order_id IS NULL"), 1);
	int64_t oid = order("#R", "paid", NULL);
	cr_expect_eq(qi("SELECT order_id FROM reviews WHERE key = 'rv1'"), oid);
	int64_t vid = variant("tea", "TEA-1");
	cr_expect_eq(qi("SELECT variant_id FROM interactions WHERE product_key = 'TEA-1'"), vid);
	int64_t other = order("#S", "paid", NULL);
	cr_expect_gt(other, 0, "an order nothing waits for");
	cr_expect_eq(qi("SELECT count(*) FROM reviews WHERE order_id = %lld", (long long)other), 0);
	flush();
	commit();
}
