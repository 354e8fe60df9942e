/* store_entity.c - table-driven upserts of the unified tables, with events.
 *
 * The SQL of each entity is assembled at compile time from its column list
 * (store_entity.h), so every statement is a constant with bound parameters.
 * References between records (a line's order, an order's customer) are kept
 * as natural keys and resolved to ids inside the same statement; when the
 * referenced record arrives later, its insert adopts the waiting rows. */
#include "store_entity.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_lines.h"
#include "store_order.h"
#include "xalloc.h"

#define SQL_COL(E, c) ", " #c
#define SQL_PARAM(E, c) ", :" #c
#define SQL_SET(E, c) ", " #c " = :" #c
#define NAME_STR(E, c) #c,

/* SELECT by key, INSERT and UPDATE of one entity.  `links` are columns
 * resolved from natural keys: "col = (subquery)" pairs given twice, once as
 * a column list and values for INSERT, once as assignments for UPDATE. */
#define SQL_SELECT(COLS, table, where) "SELECT id" COLS(SQL_COL) " FROM " table " WHERE " where
#define SQL_INSERT(COLS, table, linkcols, linkvals) \
	"INSERT INTO " table " (source_id" COLS(SQL_COL) linkcols ") VALUES (:source_id" \
	COLS(SQL_PARAM) linkvals ")"
#define SQL_UPDATE(COLS, table, linksets) \
	"UPDATE " table " SET source_id = :source_id" COLS(SQL_SET) linksets " WHERE id = :id"

#define ORDER_BY_KEY "(SELECT id FROM orders WHERE origin = :origin AND key = :order_key)"
#define CUSTOMER_BY_KEY \
	"(SELECT id FROM customers WHERE origin = :origin AND key = :customer_key)"
#define VARIANT_BY_SKU(p) "(SELECT id FROM variants WHERE sku = " p ")"

struct entity_def {
	const char *name;       /* event entity; NULL: no events of its own */
	const char *const *cols;
	int ncols, nkeys;
	bool deferred;          /* orders: one event per transaction, at flush */
	bool order_child;       /* lines, payments: a change touches their order */
	const char *select, *insert, *update;
	const struct adoption *adopt; /* run after insert: claim rows waiting for us */
};

static const char *const supplier_cols[] = { SUPPLIER_COLUMNS(NAME_STR) };
static const char *const category_cols[] = { CATEGORY_COLUMNS(NAME_STR) };
static const char *const product_cols[] = { PRODUCT_COLUMNS(NAME_STR) };
static const char *const variant_cols[] = { VARIANT_COLUMNS(NAME_STR) };
static const char *const inventory_cols[] = { INVENTORY_COLUMNS(NAME_STR) };
static const char *const asset_cols[] = { ASSET_COLUMNS(NAME_STR) };
static const char *const customer_cols[] = { CUSTOMER_COLUMNS(NAME_STR) };
static const char *const order_cols[] = { ORDER_COLUMNS(NAME_STR) };
static const char *const line_cols[] = { LINE_COLUMNS(NAME_STR) };
static const char *const payment_cols[] = { PAYMENT_COLUMNS(NAME_STR) };
static const char *const review_cols[] = { REVIEW_COLUMNS(NAME_STR) };
static const char *const interaction_cols[] = { INTERACTION_COLUMNS(NAME_STR) };
static const char *const calendar_day_cols[] = { CALENDAR_DAY_COLUMNS(NAME_STR) };
static const char *const unit_sale_cols[] = { UNIT_SALE_COLUMNS(NAME_STR) };

/* Rows waiting for a new record: a probe, then the UPDATE that claims
 * them.  Mostly nothing waits, and a SELECT that finds nothing costs a
 * fraction of an UPDATE that changes nothing (which opens every index of
 * its table for writing and a statement journal), so the UPDATE runs only
 * when the probe, with the same WHERE, finds a row. */
struct adoption {
	const char *probe, *update;
};
#define ADOPT(table, set, where) \
	{ "SELECT 1 FROM " table " WHERE " where " LIMIT 1", \
	  "UPDATE " table " SET " set " WHERE " where }

static const struct adoption supplier_adopt[] = {
	ADOPT("order_lines", "supplier_id = :id",
	      "origin = :origin AND supplier_key = :key AND supplier_id IS NULL"),
	{ NULL, NULL }
};
static const struct adoption variant_adopt[] = {
	ADOPT("order_lines", "variant_id = :id", "sku = :sku AND variant_id IS NULL"),
	ADOPT("interactions", "variant_id = :id", "product_key = :sku AND variant_id IS NULL"),
	{ NULL, NULL }
};
static const struct adoption customer_adopt[] = {
	ADOPT("orders", "customer_id = :id",
	      "origin = :origin AND customer_key = :key AND customer_id IS NULL"),
	{ NULL, NULL }
};
static const struct adoption order_adopt[] = {
	ADOPT("order_lines", "order_id = :id",
	      "origin = :origin AND order_key = :key AND order_id IS NULL"),
	ADOPT("payments", "order_id = :id",
	      "origin = :origin AND order_key = :key AND order_id IS NULL"),
	ADOPT("reviews", "order_id = :id",
	      "origin = :origin AND order_key = :key AND order_id IS NULL"),
	{ NULL, NULL }
};

#define KEY_ORIGIN_KEY "origin IS :origin AND key IS :key"
#define NCOLS(a) ((int)(sizeof a / sizeof *a))

static const struct entity_def defs[ENT_COUNT] = {
	[ENT_SUPPLIER] = { "supplier", supplier_cols, NCOLS(supplier_cols), 2, false, false,
		SQL_SELECT(SUPPLIER_COLUMNS, "suppliers", KEY_ORIGIN_KEY),
		SQL_INSERT(SUPPLIER_COLUMNS, "suppliers", "", ""),
		SQL_UPDATE(SUPPLIER_COLUMNS, "suppliers", ""), supplier_adopt },
	[ENT_CATEGORY] = { NULL, category_cols, NCOLS(category_cols), 2, false, false,
		SQL_SELECT(CATEGORY_COLUMNS, "categories", "origin IS :origin AND name IS :name"),
		SQL_INSERT(CATEGORY_COLUMNS, "categories", "", ""),
		SQL_UPDATE(CATEGORY_COLUMNS, "categories", ""), NULL },
	[ENT_PRODUCT] = { "product", product_cols, NCOLS(product_cols), 2, false, false, SQL_SELECT(PRODUCT_COLUMNS, "products", KEY_ORIGIN_KEY),
		SQL_INSERT(PRODUCT_COLUMNS, "products", "", ""),
		SQL_UPDATE(PRODUCT_COLUMNS, "products", ""), NULL },
	[ENT_VARIANT] = { "variant", variant_cols, NCOLS(variant_cols), 2, false, false,
		SQL_SELECT(VARIANT_COLUMNS, "variants",
			   "product_id IS :product_id AND position IS :position"),
		SQL_INSERT(VARIANT_COLUMNS, "variants", "", ""),
		SQL_UPDATE(VARIANT_COLUMNS, "variants", ""), variant_adopt },
	[ENT_INVENTORY] = { "inventory_level", inventory_cols, NCOLS(inventory_cols), 2, false,
		false,
		SQL_SELECT(INVENTORY_COLUMNS, "inventory_levels",
			   "variant_id IS :variant_id AND location IS :location"),
		SQL_INSERT(INVENTORY_COLUMNS, "inventory_levels", "", ""),
		SQL_UPDATE(INVENTORY_COLUMNS, "inventory_levels", ""), NULL },
	[ENT_ASSET] = { NULL, asset_cols, NCOLS(asset_cols), 3, false, false,
		SQL_SELECT(ASSET_COLUMNS, "assets",
			   "product_id IS :product_id AND kind IS :kind AND uri IS :uri"),
		SQL_INSERT(ASSET_COLUMNS, "assets", "", ""),
		SQL_UPDATE(ASSET_COLUMNS, "assets", ""), NULL },
	[ENT_CUSTOMER] = { "customer", customer_cols, NCOLS(customer_cols), 2, false, false,
		SQL_SELECT(CUSTOMER_COLUMNS, "customers", KEY_ORIGIN_KEY),
		SQL_INSERT(CUSTOMER_COLUMNS, "customers", "", ""),
		SQL_UPDATE(CUSTOMER_COLUMNS, "customers", ""), customer_adopt },
	[ENT_ORDER] = { "order", order_cols, NCOLS(order_cols), 2, true, false,
		SQL_SELECT(ORDER_COLUMNS, "orders", KEY_ORIGIN_KEY),
		SQL_INSERT(ORDER_COLUMNS, "orders", ", customer_id", ", " CUSTOMER_BY_KEY),
		SQL_UPDATE(ORDER_COLUMNS, "orders", ", customer_id = " CUSTOMER_BY_KEY),
		order_adopt },
	[ENT_LINE] = { NULL, line_cols, NCOLS(line_cols), 3, false, true,
		SQL_SELECT(LINE_COLUMNS, "order_lines",
			   "origin IS :origin AND order_key IS :order_key AND line_no IS :line_no"),
		SQL_INSERT(LINE_COLUMNS, "order_lines", "", ""),
		SQL_UPDATE(LINE_COLUMNS, "order_lines", ""), NULL },
	[ENT_PAYMENT] = { NULL, payment_cols, NCOLS(payment_cols), 3, false, true,
		SQL_SELECT(PAYMENT_COLUMNS, "payments",
			   "origin IS :origin AND order_key IS :order_key AND sequence IS :sequence"),
		SQL_INSERT(PAYMENT_COLUMNS, "payments", ", order_id", ", " ORDER_BY_KEY),
		SQL_UPDATE(PAYMENT_COLUMNS, "payments", ", order_id = " ORDER_BY_KEY), NULL },
	[ENT_REVIEW] = { NULL, review_cols, NCOLS(review_cols), 2, false, false,
		SQL_SELECT(REVIEW_COLUMNS, "reviews", KEY_ORIGIN_KEY),
		SQL_INSERT(REVIEW_COLUMNS, "reviews", ", order_id", ", " ORDER_BY_KEY),
		SQL_UPDATE(REVIEW_COLUMNS, "reviews", ", order_id = " ORDER_BY_KEY), NULL },
	[ENT_INTERACTION] = { NULL, interaction_cols, NCOLS(interaction_cols), 6, false, false,
		SQL_SELECT(INTERACTION_COLUMNS, "interactions",
			   "origin IS :origin AND occurred_at IS :occurred_at AND kind IS :kind "
			   "AND product_key IS :product_key AND user_key IS :user_key "
			   "AND session IS :session"),
		SQL_INSERT(INTERACTION_COLUMNS, "interactions", ", variant_id",
			   ", " VARIANT_BY_SKU(":product_key")),
		SQL_UPDATE(INTERACTION_COLUMNS, "interactions",
			   ", variant_id = " VARIANT_BY_SKU(":product_key")),
		NULL },
	[ENT_CALENDAR_DAY] = { NULL, calendar_day_cols, NCOLS(calendar_day_cols), 2, false, false,
		SQL_SELECT(CALENDAR_DAY_COLUMNS, "calendar_days", "origin IS :origin AND day IS :day"),
		SQL_INSERT(CALENDAR_DAY_COLUMNS, "calendar_days", "", ""),
		SQL_UPDATE(CALENDAR_DAY_COLUMNS, "calendar_days", ""), NULL },
	[ENT_UNIT_SALE] = { NULL, unit_sale_cols, NCOLS(unit_sale_cols), 3, false, false,
		SQL_SELECT(UNIT_SALE_COLUMNS, "unit_sales",
			   "origin IS :origin AND series IS :series AND day IS :day"),
		SQL_INSERT(UNIT_SALE_COLUMNS, "unit_sales", ", variant_id",
			   ", " VARIANT_BY_SKU(":sku")),
		SQL_UPDATE(UNIT_SALE_COLUMNS, "unit_sales", ", variant_id = " VARIANT_BY_SKU(":sku")),
		NULL },
};

_Static_assert(PRODUCT_NCOLS <= ENTITY_MAX_COLS && VARIANT_NCOLS <= ENTITY_MAX_COLS,
	       "raise ENTITY_MAX_COLS");

const char *entity_name(enum entity_kind kind)
{
	static const char *const names[ENT_COUNT] = {
		"supplier", "category", "product", "variant", "inventory_level", "asset",
		"customer", "order", "order_line", "payment", "review", "interaction",
		"calendar_day", "unit_sale",
	};
	return names[kind];
}

const char *const *entity_columns(enum entity_kind kind, int *ncols, int *nkeys)
{
	*ncols = defs[kind].ncols;
	*nkeys = defs[kind].nkeys;
	return defs[kind].cols;
}

static const char sql_touched_create[] =
	"CREATE TEMP TABLE IF NOT EXISTS touched_orders ("
	"origin TEXT NOT NULL, order_key TEXT NOT NULL, created INTEGER NOT NULL, "
	"changed TEXT, lines_at INTEGER, lines_len INTEGER, PRIMARY KEY (origin, order_key))";
static const char sql_touched_clear[] = "DELETE FROM temp.touched_orders";
static const char sql_counters_create[] =
	"CREATE TEMP TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL)";
static const char sql_counters_clear[] = "DELETE FROM temp.counters";
static const char sql_touch[] =
	"INSERT INTO temp.touched_orders (origin, order_key, created, changed) "
	"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (origin, order_key) DO UPDATE SET "
	"created = created OR excluded.created, "
	"changed = CASE WHEN created OR excluded.created THEN NULL "
	"ELSE json_patch(coalesce(changed, '{}'), excluded.changed) END, "
	"lines_at = NULL"; /* touched again: its drafted lines may be stale */
static const char sql_event[] =
	"INSERT INTO events (time, type, entity, entity_id, payload) VALUES (?1, ?2, ?3, ?4, ?5)";

/* Fail with the connection's error message. */
static enum orr_rc fail(struct entity_tx *tx, const char *what, char **err)
{
	*err = store_errmsg(tx->st, what);
	enum orr_rc rc = store_rc(sqlite3_errcode(store_sqlite(tx->st)));
	return rc == ORR_OK ? ORR_SOFTWARE : rc;
}

enum orr_rc entity_begin(struct entity_tx *tx, char **err)
{
	sqlite3 *db = store_sqlite(tx->st);
	if (sqlite3_exec(db, sql_touched_create, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sql_touched_clear, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sql_counters_create, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sql_counters_clear, NULL, NULL, NULL) != SQLITE_OK)
		return fail(tx, "cannot track changed orders", err);
	return ORR_OK;
}

void entity_end(struct entity_tx *tx)
{
	free(tx->last_touched);
	tx->last_touched = NULL;
	order_drafts_end(tx);
	line_batch_free(tx);
}

enum orr_rc entity_counter_set(struct entity_tx *tx, const char *key, int64_t n, char **err)
{
	sqlite3_stmt *s = store_stmt(tx->st, "INSERT INTO temp.counters (key, n) VALUES (?1, ?2) "
					     "ON CONFLICT (key) DO UPDATE SET n = excluded.n");
	if (!s)
		return fail(tx, "cannot keep counter", err);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, n);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? ORR_OK : fail(tx, "cannot keep counter", err);
}

/* The integer a one-parameter query answers for text, 0 when no row. */
static int64_t integer_for_text(struct entity_tx *tx, const char *sql, const char *text)
{
	sqlite3_stmt *s = store_stmt(tx->st, sql);
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return n;
}

int64_t entity_counter_get(struct entity_tx *tx, const char *key)
{
	return integer_for_text(tx, "SELECT n FROM temp.counters WHERE key = ?1", key);
}

static void bind_val(sqlite3_stmt *s, int idx, const struct val *v)
{
	if (v->type == VAL_INT)
		sqlite3_bind_int64(s, idx, v->i);
	else if (v->type == VAL_TEXT)
		sqlite3_bind_text(s, idx, v->s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, idx);
}

/* True when column `col` of the current row holds a different value. */
static bool differs(sqlite3_stmt *s, int col, const struct val *v)
{
	int t = sqlite3_column_type(s, col);
	switch (v->type) {
	case VAL_NULL:
		return t != SQLITE_NULL;
	case VAL_INT:
		return t != SQLITE_INTEGER || sqlite3_column_int64(s, col) != v->i;
	case VAL_TEXT:
		return t != SQLITE_TEXT || strcmp((const char *)sqlite3_column_text(s, col), v->s) != 0;
	}
	return true;
}

static json_t *val_json(const struct val *v)
{
	if (v->type == VAL_INT)
		return json_integer(v->i);
	if (v->type == VAL_TEXT)
		return json_string(v->s);
	return json_null();
}

static json_t *column_json(sqlite3_stmt *s, int col)
{
	switch (sqlite3_column_type(s, col)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(s, col));
	case SQLITE_TEXT:
		return json_string((const char *)sqlite3_column_text(s, col));
	default:
		return json_null();
	}
}

/* Append one event; the payload reference is stolen. */
static enum orr_rc append_event(struct entity_tx *tx, const char *entity, const char *verb,
				int64_t id, json_t *payload, char **err)
{
	char *text = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(payload);
	char *type = xasprintf("%s.%s", entity, verb);
	sqlite3_stmt *s = store_stmt(tx->st, sql_event);
	int rc = SQLITE_ERROR;
	if (s && text) {
		sqlite3_bind_text(s, 1, tx->now, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, entity, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, id);
		sqlite3_bind_text(s, 5, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_reset(s); /* every parameter is bound on each use */
	}
	free(text);
	free(type);
	if (rc != SQLITE_DONE)
		return fail(tx, "cannot append event", err);
	tx->events++;
	return ORR_OK;
}

/* Whether this order was the last one touched: lines of one order come
 * together, and one mark is enough for all of them. */
static bool touched_last(struct entity_tx *tx, const struct val *origin, const struct val *key)
{
	if (origin->type != VAL_TEXT || key->type != VAL_TEXT)
		return false;
	size_t a = strlen(origin->s), b = strlen(key->s);
	if (tx->last_touched && strncmp(tx->last_touched, origin->s, a) == 0 &&
	    tx->last_touched[a] == '\x1f' && strcmp(tx->last_touched + a + 1, key->s) == 0)
		return true;
	free(tx->last_touched);
	tx->last_touched = xmalloc(a + b + 2);
	memcpy(tx->last_touched, origin->s, a);
	tx->last_touched[a] = '\x1f';
	memcpy(tx->last_touched + a + 1, key->s, b + 1);
	return false;
}

/* Mark an order as changed; `changed` (may be NULL) is a JSON object text.
 * A child's mark is skipped when its order was just marked. */
static enum orr_rc touch_order(struct entity_tx *tx, const struct val *origin,
			       const struct val *key, bool created, const char *changed, bool child,
			       char **err)
{
	bool same = touched_last(tx, origin, key);
	if (same && child)
		return ORR_OK;
	enum orr_rc r = same ? ORR_OK : order_draft_close(tx, err); /* the last order is done */
	if (r != ORR_OK)
		return r;
	sqlite3_stmt *s = store_stmt(tx->st, sql_touch);
	if (!s)
		return fail(tx, "cannot track changed orders", err);
	bind_val(s, 1, origin);
	bind_val(s, 2, key);
	sqlite3_bind_int(s, 3, created);
	if (changed)
		sqlite3_bind_text(s, 4, changed, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 4);
	int rc = sqlite3_step(s);
	sqlite3_reset(s); /* every parameter is bound on each use */
	return rc == SQLITE_DONE ? ORR_OK : fail(tx, "cannot track changed orders", err);
}

/* A new order with nothing waiting for it: its lines can be drafted, and
 * its touch is written when the draft closes.  Until then no other order is
 * touched (that closes the draft first), so its place in the event order is
 * the same as if it were touched now. */
static enum orr_rc draft_order(struct entity_tx *tx, const struct val *vals, char **err)
{
	if (vals[0].type != VAL_TEXT || vals[1].type != VAL_TEXT ||
	    touched_last(tx, &vals[0], &vals[1]))
		return touch_order(tx, &vals[0], &vals[1], true, NULL, false, err);
	enum orr_rc rc = order_draft_close(tx, err); /* the last order is done */
	if (rc == ORR_OK)
		order_draft_open(tx, &vals[0], &vals[1]);
	return rc;
}

static json_t *created_payload(const struct entity_def *d, int64_t id, const struct val *vals)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(id));
	for (int i = 0; i < d->ncols; i++)
		if (vals[i].type != VAL_NULL)
			json_object_set_new(o, d->cols[i], val_json(&vals[i]));
	return o;
}

/* {"from": old, "to": new} for every differing column of the found row. */
static json_t *changed_fields(const struct entity_def *d, sqlite3_stmt *found,
			      const struct val *vals)
{
	json_t *changed = json_object();
	for (int i = d->nkeys; i < d->ncols; i++) {
		if (!differs(found, i + 1, &vals[i]))
			continue;
		json_t *pair = json_object();
		json_object_set_new(pair, "from", column_json(found, i + 1));
		json_object_set_new(pair, "to", val_json(&vals[i]));
		json_object_set_new(changed, d->cols[i], pair);
	}
	return changed;
}

/* Bind :name parameters of an adopt statement from the record. */
static void bind_named(sqlite3_stmt *s, const struct entity_def *d, int64_t id,
		       const struct val *vals)
{
	for (int p = 1; p <= sqlite3_bind_parameter_count(s); p++) {
		const char *name = sqlite3_bind_parameter_name(s, p);
		if (!name)
			continue;
		if (strcmp(name + 1, "id") == 0) {
			sqlite3_bind_int64(s, p, id);
			continue;
		}
		for (int i = 0; i < d->ncols; i++)
			if (strcmp(name + 1, d->cols[i]) == 0)
				bind_val(s, p, &vals[i]);
	}
}

/* Run one statement of an adoption: SQLITE_ROW when a probe finds a row,
 * SQLITE_DONE when it does not or an UPDATE is done, else the error. */
static int adopt_step(struct entity_tx *tx, const char *sql, const struct entity_def *d,
		      int64_t id, const struct val *vals)
{
	sqlite3_stmt *s = store_stmt(tx->st, sql);
	if (!s)
		return SQLITE_ERROR;
	bind_named(s, d, id, vals);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

/* Claim the rows waiting for this record; *claimed counts them. */
static enum orr_rc adopt(struct entity_tx *tx, const struct entity_def *d, int64_t id,
			 const struct val *vals, int *claimed, char **err)
{
	*claimed = 0;
	for (const struct adoption *a = d->adopt; a && a->update; a++) {
		int rc = adopt_step(tx, a->probe, d, id, vals);
		if (rc == SQLITE_ROW)
			rc = adopt_step(tx, a->update, d, id, vals);
		else if (rc == SQLITE_DONE)
			continue; /* nothing waits */
		if (rc != SQLITE_DONE)
			return fail(tx, "cannot link records", err);
		*claimed += sqlite3_changes(store_sqlite(tx->st));
	}
	return ORR_OK;
}

/* Run INSERT (id == 0) or UPDATE of the record; source_id is parameter 1,
 * the columns follow, and UPDATE's id comes last. */
static enum orr_rc write_row(struct entity_tx *tx, const struct entity_def *d, int64_t *id,
			     const struct val *vals, char **err)
{
	sqlite3_stmt *s = store_stmt(tx->st, *id ? d->update : d->insert);
	if (!s)
		return fail(tx, "cannot prepare write", err);
	sqlite3_bind_int64(s, 1, tx->source_id);
	for (int i = 0; i < d->ncols; i++)
		bind_val(s, i + 2, &vals[i]);
	if (*id)
		sqlite3_bind_int64(s, d->ncols + 2, *id);
	int rc = sqlite3_step(s);
	sqlite3_reset(s); /* no clear_bindings: every parameter is bound on each use */
	if (rc != SQLITE_DONE) {
		char *what = xasprintf("cannot write %s", entity_name((enum entity_kind)(d - defs)));
		enum orr_rc r = fail(tx, what, err);
		free(what);
		return r;
	}
	if (!*id)
		*id = sqlite3_last_insert_rowid(store_sqlite(tx->st));
	return ORR_OK;
}

/* Look the record up by key; on a hit the statement is left on its row. */
static sqlite3_stmt *lookup(struct entity_tx *tx, const struct entity_def *d,
			    const struct val *keys, int64_t *id, int *rc)
{
	sqlite3_stmt *s = store_stmt(tx->st, d->select);
	*id = 0;
	if (!s) {
		*rc = SQLITE_ERROR;
		return NULL;
	}
	for (int i = 0; i < d->nkeys; i++)
		bind_val(s, i + 1, &keys[i]);
	*rc = sqlite3_step(s);
	if (*rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	return s;
}

int64_t entity_find_sku(struct entity_tx *tx, const char *sku)
{
	return integer_for_text(tx, "SELECT id FROM variants WHERE sku = ?1", sku);
}

int64_t entity_find(struct entity_tx *tx, enum entity_kind kind, const struct val *keys)
{
	int64_t id;
	int rc;
	char *err = NULL;
	if (kind == ENT_LINE && line_batch_flush(tx, &err) != ORR_OK) {
		free(err); /* kept by the batch: the next write reports it */
		return 0;
	}
	sqlite3_stmt *s = lookup(tx, &defs[kind], keys, &id, &rc);
	if (s)
		sqlite3_reset(s);
	return id;
}

/* In fill mode, the stored value of every column that has one. */
static void keep_stored(const struct entity_def *d, sqlite3_stmt *found, const struct val *vals,
			struct val *merged)
{
	for (int i = 0; i < d->ncols; i++) {
		merged[i] = vals[i];
		int col = i + 1;
		if (i < d->nkeys || sqlite3_column_type(found, col) == SQLITE_NULL)
			continue;
		if (sqlite3_column_type(found, col) == SQLITE_INTEGER)
			merged[i] = val_int(sqlite3_column_int64(found, col));
		else
			merged[i] = val_text((const char *)sqlite3_column_text(found, col));
	}
}

/* Record the consequences of a write: events, touched orders, adoption. */
static enum orr_rc announce(struct entity_tx *tx, const struct entity_def *d, int64_t id,
			    const struct val *vals, json_t *changed, char **err)
{
	enum orr_rc rc = ORR_OK;
	int claimed = 0;
	if (!changed && d->adopt)
		rc = adopt(tx, d, id, vals, &claimed, err);
	if (rc == ORR_OK && d->deferred && !changed && !claimed) {
		rc = draft_order(tx, vals, err);
	} else if (rc == ORR_OK && d->deferred) {
		char *text = changed ? json_dumps(changed, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		rc = touch_order(tx, &vals[0], &vals[1], !changed, text, false, err);
		free(text);
	} else if (rc == ORR_OK && d->order_child) {
		bool line = d == &defs[ENT_LINE];
		rc = touch_order(tx, &vals[0], &vals[1], false,
				 line ? "{\"lines\":true}" : "{\"payments\":true}", true, err);
		if (rc == ORR_OK && line)
			order_draft_line(tx, vals, !changed);
	} else if (rc == ORR_OK && d->name) {
		json_t *payload;
		if (changed) {
			payload = json_object();
			json_object_set_new(payload, "id", json_integer(id));
			for (int i = 0; i < d->nkeys; i++)
				json_object_set_new(payload, d->cols[i], val_json(&vals[i]));
			json_object_set(payload, "changed", changed);
		} else {
			payload = created_payload(d, id, vals);
		}
		return append_event(tx, d->name, changed ? "updated" : "created", id, payload, err);
	}
	return rc;
}

/* Compare the found row with the record, write what differs, announce it.
 * The found statement stays on its row until the write is done, since fill
 * mode borrows its values. */
static enum orr_rc update_found(struct entity_tx *tx, const struct entity_def *d,
				sqlite3_stmt *found, const struct val *vals, enum upsert_mode mode,
				int64_t *id, enum entity_change *change, char **err)
{
	struct val merged[ENTITY_MAX_COLS];
	if (mode == UPSERT_FILL) {
		keep_stored(d, found, vals, merged);
		vals = merged;
	}
	json_t *changed = changed_fields(d, found, vals);
	enum orr_rc r = ORR_OK;
	if (json_object_size(changed) > 0) {
		r = write_row(tx, d, id, vals, err);
		if (r == ORR_OK)
			r = announce(tx, d, *id, vals, changed, err);
		if (r == ORR_OK)
			*change = CHANGE_UPDATED;
	}
	json_decref(changed);
	return r;
}

/* A line of an order created in this transaction: kept for a batched
 * insert (store_lines), announced now. */
static enum orr_rc insert_new_line(struct entity_tx *tx, const struct entity_def *d,
				   const struct val *vals, enum entity_change *change, char **err)
{
	enum orr_rc r = line_batch_add(tx, vals, err);
	if (r == ORR_OK)
		r = announce(tx, d, 0, vals, NULL, err);
	if (r == ORR_OK)
		*change = CHANGE_CREATED;
	return r;
}

enum orr_rc entity_upsert(struct entity_tx *tx, enum entity_kind kind, const struct val *vals,
			  enum upsert_mode mode, int64_t *id, enum entity_change *change,
			  char **err)
{
	const struct entity_def *d = &defs[kind];
	int rc = SQLITE_DONE;
	sqlite3_stmt *found = NULL;
	*id = 0;
	*change = CHANGE_NONE;
	if (kind == ENT_LINE && mode == UPSERT_NEW)
		return insert_new_line(tx, d, vals, change, err);
	/* whatever this statement reads sees the lines written so far; only
	 * a line's own statements and adoptions read order_lines */
	enum orr_rc r = ORR_OK;
	if (kind == ENT_LINE || line_batch_waits(tx))
		r = line_batch_flush(tx, err);
	if (r != ORR_OK)
		return r;
	if (mode != UPSERT_NEW)
		found = lookup(tx, d, vals, id, &rc);
	if ((!found && mode != UPSERT_NEW) || (rc != SQLITE_ROW && rc != SQLITE_DONE)) {
		r = fail(tx, "cannot look up record", err);
	} else if (rc == SQLITE_ROW) {
		r = update_found(tx, d, found, vals, mode, id, change, err);
	} else {
		if (found)
			sqlite3_reset(found);
		found = NULL;
		r = write_row(tx, d, id, vals, err);
		if (r == ORR_OK)
			r = announce(tx, d, *id, vals, NULL, err);
		if (r == ORR_OK)
			*change = CHANGE_CREATED;
	}
	if (found)
		sqlite3_reset(found);
	return r;
}

enum orr_rc entity_flush_orders(struct entity_tx *tx, char **err)
{
	enum orr_rc rc = line_batch_flush(tx, err);
	if (rc == ORR_OK)
		rc = order_events_flush(tx, err);
	if (rc != ORR_OK)
		return rc;
	entity_end(tx);
	if (sqlite3_exec(store_sqlite(tx->st), sql_touched_clear, NULL, NULL, NULL) != SQLITE_OK)
		return fail(tx, "cannot track changed orders", err);
	return ORR_OK;
}
