/* store_context.c - the reads of the customer-service context, each a seek
 * on an index of migration 013 (customers by key, email, person; orders by
 * customer) or of the core schema (order lines by order key). */
#include "store_context.h"

#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "xalloc.h"

#define CUSTOMER_COLUMNS "id, origin, key, person_key, email, name, zip, city, state, country"

/* A numeric id of text, or 0 when it is not one. */
static int64_t numeric_id(const char *s)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return 0;
	return strtoll(s, NULL, 10);
}

enum orr_rc ctxdb_customers_named(struct store *st, const char *who, json_t **out, char **err)
{
	const char *what = "cannot look up the customer";
	sqlite3_stmt *s;
	if (strchr(who, '@')) {
		s = store_stmt_or_err(st,
			"SELECT " CUSTOMER_COLUMNS " FROM customers WHERE lower(email) = lower(?1) "
			"AND email IS NOT NULL ORDER BY id", what, err);
		if (!s)
			return ORR_SOFTWARE;
		sqlite3_bind_text(s, 1, who, -1, SQLITE_STATIC);
	} else {
		s = store_stmt_or_err(st,
			"SELECT " CUSTOMER_COLUMNS " FROM customers WHERE key = ?1 UNION "
			"SELECT " CUSTOMER_COLUMNS " FROM customers WHERE id = ?2 ORDER BY id",
			what, err);
		if (!s)
			return ORR_SOFTWARE;
		sqlite3_bind_text(s, 1, who, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, numeric_id(who) ? numeric_id(who) : -1);
	}
	return store_rows_json(st, s, what, out, err);
}

enum orr_rc ctxdb_customers_of_person(struct store *st, json_t *customer, json_t **out,
				      char **err)
{
	const char *person = json_string_value(json_object_get(customer, "person_key"));
	const char *email = json_string_value(json_object_get(customer, "email"));
	const char *what = "cannot read the customer's other ids";
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT " CUSTOMER_COLUMNS " FROM customers WHERE person_key = ?1 UNION "
		"SELECT " CUSTOMER_COLUMNS " FROM customers WHERE lower(email) = lower(?2) "
		"AND email IS NOT NULL UNION "
		"SELECT " CUSTOMER_COLUMNS " FROM customers WHERE id = ?3 ORDER BY id",
		what, err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, person);
	store_bind_text_or_null(s, 2, email);
	sqlite3_bind_int64(s, 3, json_integer_value(json_object_get(customer, "id")));
	return store_rows_json(st, s, what, out, err);
}

enum orr_rc ctxdb_orders(struct store *st, int64_t customer_id, json_t **out, char **err)
{
	const char *what = "cannot read the customer's orders";
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, origin, key, status, is_return, currency, purchased_at, approved_at, "
		"dispatched_at, delivered_at, estimated_at FROM orders WHERE customer_id = ?1 "
		"ORDER BY purchased_at DESC, id DESC", what, err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, customer_id);
	return store_rows_json(st, s, what, out, err);
}

enum orr_rc ctxdb_lines(struct store *st, const char *origin, const char *order_key,
			json_t **out, char **err)
{
	const char *what = "cannot read the order's lines";
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT l.line_no, l.sku, l.variant_id, coalesce(p.title, l.description) AS title, "
		"l.quantity, l.unit_price_minor, l.freight_minor, l.currency FROM order_lines l "
		"LEFT JOIN variants v ON v.id = l.variant_id "
		"LEFT JOIN products p ON p.id = v.product_id "
		"WHERE l.order_key = ?1 AND l.origin = ?2 ORDER BY l.line_no", what, err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, order_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, origin, -1, SQLITE_STATIC);
	return store_rows_json(st, s, what, out, err);
}

enum orr_rc ctxdb_availability(struct store *st, int64_t variant_id, json_t **out, char **err)
{
	const char *what = "cannot read the item's availability";
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT (SELECT sum(quantity) FROM inventory_levels WHERE variant_id = ?1) AS on_hand, "
		"(SELECT count(*) FROM inventory_levels WHERE variant_id = ?1) AS locations, "
		"(SELECT coalesce(sum(quantity), 0) FROM purchase_orders WHERE variant_id = ?1 "
		" AND state IN ('approved', 'delivered')) AS incoming, "
		"(SELECT number FROM purchase_orders WHERE variant_id = ?1 "
		" AND state IN ('approved', 'delivered') ORDER BY id LIMIT 1) AS next_po, "
		"(SELECT coalesce(approved_at, created_at) FROM purchase_orders WHERE variant_id = ?1 "
		" AND state IN ('approved', 'delivered') ORDER BY id LIMIT 1) AS next_po_at, "
		"(SELECT lead_time_days FROM supplier_terms WHERE variant_id = ?1) AS lead_time_days",
		what, err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, variant_id);
	json_t *rows = NULL;
	enum orr_rc rc = store_rows_json(st, s, what, &rows, err);
	if (rc == ORR_OK)
		*out = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return rc;
}
