/* Unit tests for the supplier side: the order quantity (shortfall, minimum
 * order, packs), money text, file-drop names, delivery statuses of the
 * customer context, and the purchase-order and signal tables' idempotence
 * and conditional state changes (store_po.c), and the terms loader's
 * all-or-nothing file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "filedrop.h"
#include "store.h"
#include "store_event.h"
#include "store_po.h"
#include "subsys_supplier.h"
#include "supplier_terms.h"
#include "testdb.h"

Test(supplier, order_quantity_by_hand)
{
	static const struct {
		double need;
		long moq, pack;
		int64_t want;
	} table[] = {
		{ 0, 1, 1, 0 },       /* nothing short: no order */
		{ -5, 50, 12, 0 },    /* more than enough on hand and on order */
		{ 44, 1, 1, 44 },
		{ 43.2, 1, 1, 44 },   /* a part unit is a whole unit */
		{ 44, 50, 1, 50 },    /* raised to the minimum order */
		{ 44, 50, 12, 60 },   /* then whole packs: 50 -> 5 packs */
		{ 130.9, 50, 12, 132 },
		{ 588, 50, 12, 588 }, /* already whole packs */
		{ 1, 1, 24, 24 },
		{ 48.0000000001, 1, 24, 48 }, /* float noise does not add a pack */
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		int64_t q = supplier_order_quantity(table[i].need, table[i].moq, table[i].pack);
		cr_expect_eq(q, table[i].want, "need %g moq %ld pack %ld: %lld, want %lld",
			     table[i].need, table[i].moq, table[i].pack, (long long)q,
			     (long long)table[i].want);
	}
}

Test(supplier, money_text_in_the_currency_decimals)
{
	static const struct {
		int64_t minor;
		const char *cur, *want;
	} table[] = {
		{ 15000, "GBP", "150.00 GBP" }, { 5, "EUR", "0.05 EUR" },  { -330, "GBP", "-3.30 GBP" },
		{ 1200, "JPY", "1200 JPY" },    { 1234, "BHD", "1.234 BHD" }, { 0, "BRL", "0.00 BRL" },
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		char *s = supplier_money_text(table[i].minor, table[i].cur);
		cr_expect_str_eq(s, table[i].want);
		free(s);
	}
}

Test(supplier, drop_names_are_safe)
{
	char *s = filedrop_safe_name("../etc/pass wd");
	cr_expect_str_eq(s, "_._etc_pass_wd");
	free(s);
	s = filedrop_safe_name(".hidden");
	cr_expect_str_eq(s, "_hidden");
	free(s);
	s = filedrop_safe_name("85123A");
	cr_expect_str_eq(s, "85123A");
	free(s);
}

Test(supplier, delivery_status_of_an_order)
{
	static const char *const cases[][2] = {
		{ "{\"status\": \"canceled\", \"delivered_at\": \"2026-01-01T00:00:00Z\"}", "cancelled" },
		{ "{\"status\": \"unavailable\"}", "cancelled" },
		{ "{\"status\": \"returned\", \"is_return\": 1}", "return" },
		{ "{\"status\": \"shipped\", \"delivered_at\": \"2026-01-01T00:00:00Z\"}", "delivered" },
		{ "{\"status\": \"Delivered\"}", "delivered" },
		{ "{\"status\": \"invoiced\", \"dispatched_at\": \"2026-01-01T00:00:00Z\"}", "shipped" },
		{ "{\"status\": \"shipped\"}", "shipped" },
		{ "{\"status\": \"processing\"}", "processing" },
		{ "{\"status\": \"invoiced\", \"estimated_at\": \"2026-01-01T00:00:00Z\"}", "processing" },
		{ "{\"status\": \"invoiced\"}", "not tracked" }, /* Online Retail */
		{ "{\"status\": \"cancelled\", \"is_return\": 1}", "return" },
		{ "{}", "not tracked" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		json_t *o = json_loads(cases[i][0], 0, NULL);
		cr_assert(o);
		cr_expect_str_eq(context_delivery_status(o), cases[i][1], "%s", cases[i][0]);
		json_decref(o);
	}
}

/* --- the tables ------------------------------------------------------------------ */

static char db[64];

/* A variant (id 1), a supplier (id 1) and a risk event (id 1). */
static struct store *catalog(void)
{
	struct store *st = testdb_open(db, sizeof db, "supplier");
	char *err = NULL;
	static const char *const sql[] = {
		"INSERT INTO products (id, origin, key, title) VALUES (1, 't', 'p', 'Tee')",
		"INSERT INTO variants (id, product_id, sku, position) VALUES (1, 1, 'TEE', 1)",
		"INSERT INTO suppliers (id, origin, key, name) VALUES (1, 't', 'acme', 'Acme')",
		"INSERT INTO suppliers (id, origin, key, name) VALUES (2, 'a', 'twin', 'Twin A')",
		"INSERT INTO suppliers (id, origin, key, name) VALUES (3, 'b', 'twin', 'Twin B')",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
		cr_assert_eq(store_exec(st, sql[i], &err), ORR_OK, "%s", err);
	struct event_new ev = { .type = "stockout.risk", .entity = "variant", .entity_id = 1 };
	cr_assert_eq(event_append(st, &ev, 1000, NULL, &err), ORR_OK, "%s", err);
	return st;
}

Test(supplier, order_per_risk_event_and_conditional_states)
{
	struct store *st = catalog();
	char *err = NULL;
	struct po_terms t = { .variant_id = 1, .supplier_id = 1, .unit_cost_minor = 250,
			      .currency = "EUR", .min_order = 1, .pack_size = 1,
			      .lead_time_days = 7, .lead_time_sd_days = -1, .delivery = "csv" };
	cr_assert_eq(po_terms_put(st, &t, 1, &err), ORR_OK, "%s", err);
	struct po_new p = { .event_id = 1, .variant_id = 1, .supplier_id = 1, .sku = "TEE",
			    .quantity = 10, .unit_cost_minor = 250, .currency = "EUR",
			    .rationale = "why", .risk = "{}" };
	int64_t id = 0, again = 0, open = 0;
	bool existed = true;
	cr_assert_eq(po_insert(st, &p, 5, &id, &existed, &err), ORR_OK, "%s", err);
	cr_expect(!existed);
	cr_assert_eq(po_insert(st, &p, 6, &again, &existed, &err), ORR_OK, "%s", err);
	cr_expect(existed, "a second proposal for the same event is the first");
	cr_expect_eq(again, id);
	cr_assert_eq(po_open_quantity(st, 1, &open, &err), ORR_OK);
	cr_expect_eq(open, 10);
	json_t *po = NULL;
	cr_assert_eq(po_get(st, id, &po, &err), ORR_OK, "%s", err);
	cr_expect_str_eq(json_string_value(json_object_get(po, "number")), "PO-1");
	cr_expect_eq(json_integer_value(json_object_get(po, "value_minor")), 2500);
	cr_expect(json_is_object(json_object_get(po, "risk")), "risk is embedded as JSON");
	json_decref(po);
	bool changed = false;
	cr_assert_eq(po_approve(st, id, "alice", 7, &changed, &err), ORR_OK);
	cr_expect(changed);
	cr_assert_eq(po_approve(st, id, "bob", 8, &changed, &err), ORR_OK);
	cr_expect(!changed, "approving twice changes nothing");
	cr_assert_eq(po_reject(st, id, &changed, &err), ORR_OK);
	cr_expect(!changed, "an approved order cannot be rejected");
	cr_assert_eq(po_get(st, id, &po, &err), ORR_OK);
	cr_expect_str_eq(json_string_value(json_object_get(po, "approved_by")), "alice");
	json_decref(po);
	cr_expect_eq(po_get(st, 99, &po, &err), ORR_NOINPUT);
	free(err);
	testdb_close(st, db);
}

Test(supplier, terms_lookups_and_signals)
{
	struct store *st = catalog();
	char *err = NULL;
	struct po_terms t;
	cr_expect_eq(po_terms_get(st, 1, &t, &err), ORR_NOINPUT);
	cr_expect(strstr(err, "no supplier terms"), "%s", err);
	free(err);
	err = NULL;
	int64_t id = 0;
	cr_expect_eq(po_supplier_of_key(st, "acme", &id, &err), ORR_OK);
	cr_expect_eq(id, 1);
	cr_expect_eq(po_supplier_of_key(st, "twin", &id, &err), ORR_DATAERR);
	cr_expect(strstr(err, "2 suppliers"), "%s", err);
	free(err);
	err = NULL;
	cr_expect_eq(po_variant_of_sku(st, "NOPE", &id, &err), ORR_NOINPUT);
	free(err);
	err = NULL;
	struct signal_new sg = { .event_id = 1, .variant_id = 1, .kind = "pause", .sku = "TEE",
				 .reason = "r" };
	bool existed = true;
	int64_t a = 0, b = 0;
	cr_assert_eq(signal_insert(st, &sg, 1, &a, &existed, &err), ORR_OK, "%s", err);
	cr_expect(!existed);
	cr_assert_eq(signal_insert(st, &sg, 2, &b, &existed, &err), ORR_OK, "%s", err);
	cr_expect(existed);
	cr_expect_eq(a, b);
	testdb_close(st, db);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

Test(supplier, terms_file_is_all_or_nothing)
{
	struct store *st = catalog();
	char path[160], *err = NULL;
	snprintf(path, sizeof path, "%s.terms.csv", db);
	write_file(path, "sku,supplier,unit_cost,currency,lead_time_days,pack_size\n"
			 "TEE,acme,2.50,EUR,7,6\n"
			 "TEE,acme,2.50,EUR,7,0\n");
	long rows = -1;
	cr_expect_eq(supplier_terms_load(st, path, 1, &rows, &err), ORR_DATAERR);
	cr_expect(strstr(err, ":3: pack_size:"), "%s", err);
	cr_expect_eq(rows, 0);
	free(err);
	err = NULL;
	struct po_terms t;
	cr_expect_eq(po_terms_get(st, 1, &t, &err), ORR_NOINPUT, "the good first row rolled back");
	free(err);
	err = NULL;
	write_file(path, "sku,supplier,unit_cost,currency,lead_time_days,pack_size,lead_time_sd_days\r\n"
			 "TEE,acme,2.50,EUR,7.5,6,1.5\r\n");
	cr_assert_eq(supplier_terms_load(st, path, 1, &rows, &err), ORR_OK, "%s", err);
	cr_expect_eq(rows, 1);
	cr_assert_eq(po_terms_get(st, 1, &t, &err), ORR_OK);
	cr_expect_eq(t.unit_cost_minor, 250);
	cr_expect_eq(t.pack_size, 6);
	cr_expect_eq(t.min_order, 1);
	cr_expect_float_eq(t.lead_time_days, 7.5, 1e-9);
	cr_expect_float_eq(t.lead_time_sd_days, 1.5, 1e-9);
	cr_expect_str_eq(t.delivery, "csv");
	cr_expect_str_eq(t.supplier_key, "acme");
	unlink(path);
	testdb_close(st, db);
}
