/* store_entity.h - idempotent upserts of the unified tables, with events.
 *
 * Every ingested record is a row of values in a fixed column order; the
 * first columns are its natural key.  entity_upsert() finds the row by key,
 * and inserts it, updates only if a value differs, or leaves it alone - so
 * re-ingesting the same data changes nothing and emits nothing.  Creations
 * and changes of products, variants, customers, orders, suppliers and
 * inventory levels append their event in the caller's transaction; order
 * lines and payments mark their order, whose single event (with its lines)
 * is written by entity_flush_orders(). */
#ifndef ORR_STORE_ENTITY_H
#define ORR_STORE_ENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct store;

enum val_type { VAL_NULL = 0, VAL_INT, VAL_TEXT };

struct val {
	enum val_type type;
	int64_t i;
	const char *s; /* borrowed: valid for the duration of the call */
};

static inline struct val val_int(int64_t i)
{
	return (struct val){ .type = VAL_INT, .i = i };
}

/* Text, or NULL when s is NULL or blank-free empty. */
static inline struct val val_text(const char *s)
{
	return s && *s ? (struct val){ .type = VAL_TEXT, .s = s } : (struct val){ 0 };
}

/* Column lists: X(ENTITY, column).  Key columns come first. */
#define SUPPLIER_COLUMNS(X) X(SUPPLIER, origin) X(SUPPLIER, key) \
	X(SUPPLIER, name) X(SUPPLIER, zip) X(SUPPLIER, city) X(SUPPLIER, state) \
	X(SUPPLIER, country)
#define CATEGORY_COLUMNS(X) X(CATEGORY, origin) X(CATEGORY, name) X(CATEGORY, name_en)
#define PRODUCT_COLUMNS(X) X(PRODUCT, origin) X(PRODUCT, key) \
	X(PRODUCT, title) X(PRODUCT, description) X(PRODUCT, vendor) X(PRODUCT, category) \
	X(PRODUCT, product_type) X(PRODUCT, tags) X(PRODUCT, published) \
	X(PRODUCT, option1_name) X(PRODUCT, option2_name) X(PRODUCT, option3_name) \
	X(PRODUCT, weight_g) X(PRODUCT, length_cm) X(PRODUCT, height_cm) \
	X(PRODUCT, width_cm) X(PRODUCT, photos) X(PRODUCT, seen_at)
#define VARIANT_COLUMNS(X) X(VARIANT, product_id) X(VARIANT, position) \
	X(VARIANT, sku) X(VARIANT, option1) X(VARIANT, option2) X(VARIANT, option3) \
	X(VARIANT, price_minor) X(VARIANT, compare_at_minor) X(VARIANT, currency) \
	X(VARIANT, grams) X(VARIANT, barcode) X(VARIANT, requires_shipping) \
	X(VARIANT, taxable) X(VARIANT, seen_at)
#define INVENTORY_COLUMNS(X) X(INVENTORY, variant_id) X(INVENTORY, location) \
	X(INVENTORY, quantity) X(INVENTORY, policy)
#define ASSET_COLUMNS(X) X(ASSET, product_id) X(ASSET, kind) X(ASSET, uri) \
	X(ASSET, variant_id) X(ASSET, position) X(ASSET, alt_text)
#define CUSTOMER_COLUMNS(X) X(CUSTOMER, origin) X(CUSTOMER, key) \
	X(CUSTOMER, person_key) X(CUSTOMER, email) X(CUSTOMER, name) X(CUSTOMER, zip) \
	X(CUSTOMER, city) X(CUSTOMER, state) X(CUSTOMER, country)
#define ORDER_COLUMNS(X) X(ORDER, origin) X(ORDER, key) \
	X(ORDER, customer_key) X(ORDER, status) X(ORDER, is_return) X(ORDER, country) \
	X(ORDER, currency) X(ORDER, purchased_at) X(ORDER, approved_at) \
	X(ORDER, dispatched_at) X(ORDER, delivered_at) X(ORDER, estimated_at)
#define LINE_COLUMNS(X) X(LINE, origin) X(LINE, order_key) X(LINE, line_no) \
	X(LINE, order_id) X(LINE, sku) X(LINE, variant_id) X(LINE, supplier_key) \
	X(LINE, supplier_id) X(LINE, description) X(LINE, quantity) \
	X(LINE, unit_price_minor) X(LINE, freight_minor) X(LINE, currency) X(LINE, ship_by)
#define PAYMENT_COLUMNS(X) X(PAYMENT, origin) X(PAYMENT, order_key) X(PAYMENT, sequence) \
	X(PAYMENT, method) X(PAYMENT, installments) X(PAYMENT, amount_minor) \
	X(PAYMENT, currency)
#define REVIEW_COLUMNS(X) X(REVIEW, origin) X(REVIEW, key) X(REVIEW, review_key) \
	X(REVIEW, order_key) X(REVIEW, score) X(REVIEW, title) X(REVIEW, message) \
	X(REVIEW, created_at) X(REVIEW, answered_at)
#define INTERACTION_COLUMNS(X) X(INTERACTION, origin) X(INTERACTION, occurred_at) \
	X(INTERACTION, kind) X(INTERACTION, product_key) X(INTERACTION, user_key) \
	X(INTERACTION, session) X(INTERACTION, price_minor) X(INTERACTION, currency)
#define CALENDAR_DAY_COLUMNS(X) X(CALENDAR_DAY, origin) X(CALENDAR_DAY, day) \
	X(CALENDAR_DAY, date) X(CALENDAR_DAY, week) X(CALENDAR_DAY, event1) \
	X(CALENDAR_DAY, event1_type) X(CALENDAR_DAY, event2) X(CALENDAR_DAY, event2_type) \
	X(CALENDAR_DAY, snap)
#define UNIT_SALE_COLUMNS(X) X(UNIT_SALE, origin) X(UNIT_SALE, series) X(UNIT_SALE, day) \
	X(UNIT_SALE, sku) X(UNIT_SALE, location) X(UNIT_SALE, units)

#define ENTITY_COL_ENUM(E, c) E##_##c,
enum { SUPPLIER_COLUMNS(ENTITY_COL_ENUM) SUPPLIER_NCOLS };
enum { CATEGORY_COLUMNS(ENTITY_COL_ENUM) CATEGORY_NCOLS };
enum { PRODUCT_COLUMNS(ENTITY_COL_ENUM) PRODUCT_NCOLS };
enum { VARIANT_COLUMNS(ENTITY_COL_ENUM) VARIANT_NCOLS };
enum { INVENTORY_COLUMNS(ENTITY_COL_ENUM) INVENTORY_NCOLS };
enum { ASSET_COLUMNS(ENTITY_COL_ENUM) ASSET_NCOLS };
enum { CUSTOMER_COLUMNS(ENTITY_COL_ENUM) CUSTOMER_NCOLS };
enum { ORDER_COLUMNS(ENTITY_COL_ENUM) ORDER_NCOLS };
enum { LINE_COLUMNS(ENTITY_COL_ENUM) LINE_NCOLS };
enum { PAYMENT_COLUMNS(ENTITY_COL_ENUM) PAYMENT_NCOLS };
enum { REVIEW_COLUMNS(ENTITY_COL_ENUM) REVIEW_NCOLS };
enum { INTERACTION_COLUMNS(ENTITY_COL_ENUM) INTERACTION_NCOLS };
enum { CALENDAR_DAY_COLUMNS(ENTITY_COL_ENUM) CALENDAR_DAY_NCOLS };
enum { UNIT_SALE_COLUMNS(ENTITY_COL_ENUM) UNIT_SALE_NCOLS };
#define ENTITY_MAX_COLS 20

enum entity_kind {
	ENT_SUPPLIER, ENT_CATEGORY, ENT_PRODUCT, ENT_VARIANT, ENT_INVENTORY, ENT_ASSET,
	ENT_CUSTOMER, ENT_ORDER, ENT_LINE, ENT_PAYMENT, ENT_REVIEW, ENT_INTERACTION,
	ENT_CALENDAR_DAY, ENT_UNIT_SALE,
	ENT_COUNT
};

enum entity_change { CHANGE_NONE, CHANGE_CREATED, CHANGE_UPDATED };

/* Per-transaction context: the store, the source being ingested, and the
 * time stamped on events. */
struct entity_tx {
	struct store *st;
	int64_t source_id;
	const char *now; /* UTC, CLOCK_TEXT_LEN form (milliseconds) */
	long events;     /* appended so far */
	char *last_touched; /* origin and key of the order touched last (private) */
	struct order_draft *draft; /* lines of the order being written (store_order) */
	struct order_spool *spool; /* lines of the orders drafted so far (store_order) */
	struct line_batch *lines;  /* new lines not inserted yet (store_lines) */
};

/* Start tracking touched orders for this transaction; entity_end releases
 * what the tracking holds, whether the transaction commits or not. */
enum orr_rc entity_begin(struct entity_tx *tx, char **err);
void entity_end(struct entity_tx *tx);

enum upsert_mode {
	UPSERT_REPLACE, /* the source is authoritative: differing values are updated */
	UPSERT_NEW,     /* the caller knows no such record exists yet (the lines of
			 * an order created in this same transaction): insert.  Lines
			 * are inserted several at a time, before any other statement
			 * of this module; their *id is 0 */
	UPSERT_FILL,    /* an observation (an invoice line naming a product): it only
			 * fills values still unknown, so prices that vary from one
			 * invoice to the next never flip the catalogue back and forth */
};

/* Insert or update one record.  vals has the entity's NCOLS values. */
enum orr_rc entity_upsert(struct entity_tx *tx, enum entity_kind kind, const struct val *vals,
			  enum upsert_mode mode, int64_t *id, enum entity_change *change,
			  char **err);

/* Id of the record with these key values, 0 if none. */
int64_t entity_find(struct entity_tx *tx, enum entity_kind kind, const struct val *keys);
/* Id of the variant with this SKU, 0 if none. */
int64_t entity_find_sku(struct entity_tx *tx, const char *sku);

/* Write one order.created / order.updated event, carrying its lines, for
 * each order whose row, lines or payments changed in this transaction. */
enum orr_rc entity_flush_orders(struct entity_tx *tx, char **err);

const char *entity_name(enum entity_kind kind);
/* Column names of an entity in value order; *nkeys of them form its key. */
const char *const *entity_columns(enum entity_kind kind, int *ncols, int *nkeys);

/* Counters keyed by text that live for the transaction, for importers that
 * number records by occurrence (the lines of an Online Retail invoice) and
 * must remember more keys than they keep in memory.  get returns 0 for a
 * key never set. */
enum orr_rc entity_counter_set(struct entity_tx *tx, const char *key, int64_t n, char **err);
int64_t entity_counter_get(struct entity_tx *tx, const char *key);

#endif
