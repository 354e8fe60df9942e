/* ingest_olist.c - Olist: customers, sellers (as suppliers), orders, order
 * items, payments, reviews, products and the category name translation.
 *
 * The tables arrive as separate files in any order and their heads do not
 * join completely: an item whose order is unknown is stored with its order
 * key and no order id (an orphan the audit reports), and is linked when the
 * order arrives.  Column names keep Olist's own spelling
 * (product_name_lenght).  Prices are BRL; places are in Brazil. */
#include "ingest_olist.h"

#include <stdlib.h>
#include <string.h>

#include "ingest_map.h"

#define ORIGIN "olist"
#define COUNTRY "BR"

/* --- customers ------------------------------------------------------------ */

static const struct map_field customer_fields[] = {
	{ "customer_id", CUSTOMER_key, MAP_KEY, true },
	{ "customer_unique_id", CUSTOMER_person_key, MAP_KEY, false },
	{ "customer_zip_code_prefix", CUSTOMER_zip, MAP_KEY, false },
	{ "customer_city", CUSTOMER_city, MAP_KEY, false },
	{ "customer_state", CUSTOMER_state, MAP_KEY, false },
	{ NULL, 0, 0, false },
};
static const struct map_const customer_consts[] = {
	{ CUSTOMER_country, { VAL_TEXT, 0, COUNTRY } }, { -1, { 0 } },
};
static const struct map_spec customer_spec = { ENT_CUSTOMER, CUSTOMER_origin, -1, customer_fields,
					       customer_consts };

/* --- sellers -------------------------------------------------------------- */

static const struct map_field seller_fields[] = {
	{ "seller_id", SUPPLIER_key, MAP_KEY, true },
	{ "seller_zip_code_prefix", SUPPLIER_zip, MAP_KEY, false },
	{ "seller_city", SUPPLIER_city, MAP_KEY, false },
	{ "seller_state", SUPPLIER_state, MAP_KEY, false },
	{ NULL, 0, 0, false },
};
static const struct map_const seller_consts[] = {
	{ SUPPLIER_country, { VAL_TEXT, 0, COUNTRY } }, { -1, { 0 } },
};
static const struct map_spec seller_spec = { ENT_SUPPLIER, SUPPLIER_origin, -1, seller_fields,
					     seller_consts };

/* --- orders --------------------------------------------------------------- */

static const struct map_field order_fields[] = {
	{ "order_id", ORDER_key, MAP_KEY, true },
	{ "customer_id", ORDER_customer_key, MAP_KEY, false },
	{ "order_status", ORDER_status, MAP_KEY, false },
	{ "order_purchase_timestamp", ORDER_purchased_at, MAP_TIME, true },
	{ "order_approved_at", ORDER_approved_at, MAP_TIME, false },
	{ "order_delivered_carrier_date", ORDER_dispatched_at, MAP_TIME, false },
	{ "order_delivered_customer_date", ORDER_delivered_at, MAP_TIME, false },
	{ "order_estimated_delivery_date", ORDER_estimated_at, MAP_TIME, false },
	{ NULL, 0, 0, false },
};
static const struct map_const order_consts[] = {
	{ ORDER_is_return, { VAL_INT, 0, NULL } },
	{ ORDER_country, { VAL_TEXT, 0, COUNTRY } },
	{ -1, { 0 } },
};
static const struct map_spec order_spec = { ENT_ORDER, ORDER_origin, ORDER_currency, order_fields,
					    order_consts };

/* --- order items ---------------------------------------------------------- */

static const struct map_field item_fields[] = {
	{ "order_id", LINE_order_key, MAP_KEY, true },
	{ "order_item_id", LINE_line_no, MAP_INT, true },
	{ "product_id", LINE_sku, MAP_KEY, true },
	{ "seller_id", LINE_supplier_key, MAP_KEY, false },
	{ "shipping_limit_date", LINE_ship_by, MAP_TIME, false },
	{ "price", LINE_unit_price_minor, MAP_MONEY, true },
	{ "freight_value", LINE_freight_minor, MAP_MONEY, false },
	{ NULL, 0, 0, false },
};
static const struct map_const item_consts[] = {
	{ LINE_quantity, { VAL_INT, 1, NULL } }, /* Olist repeats an item once per unit */
	{ -1, { 0 } },
};
static const struct map_spec item_spec = { ENT_LINE, LINE_origin, LINE_currency, item_fields,
					   item_consts };

/* An id, or NULL when the record it names is not (yet) known. */
static struct val id_or_null(int64_t id)
{
	return id ? val_int(id) : (struct val){ 0 };
}

static enum row_result items_row(struct ingest_job *job)
{
	struct val v[ENTITY_MAX_COLS];
	if (!map_read(job, v))
		return ROW_REJECTED;
	if (v[LINE_line_no].i < 1)
		return job_reject(job, map_column(job, 1), "item numbers start at 1");
	struct val order_key[] = { v[LINE_origin], v[LINE_order_key] };
	struct val supplier_key[] = { v[LINE_origin], v[LINE_supplier_key] };
	v[LINE_order_id] = id_or_null(job_find(job, ENT_ORDER, order_key));
	v[LINE_variant_id] = id_or_null(job_find_sku(job, v[LINE_sku].s));
	if (v[LINE_supplier_key].type != VAL_NULL)
		v[LINE_supplier_id] = id_or_null(job_find(job, ENT_SUPPLIER, supplier_key));
	return job_upsert(job, ENT_LINE, v, NULL);
}

/* --- payments ------------------------------------------------------------- */

static const struct map_field payment_fields[] = {
	{ "order_id", PAYMENT_order_key, MAP_KEY, true },
	{ "payment_sequential", PAYMENT_sequence, MAP_INT, true },
	{ "payment_type", PAYMENT_method, MAP_KEY, false },
	{ "payment_installments", PAYMENT_installments, MAP_INT, false },
	{ "payment_value", PAYMENT_amount_minor, MAP_MONEY, true },
	{ NULL, 0, 0, false },
};
static const struct map_spec payment_spec = { ENT_PAYMENT, PAYMENT_origin, PAYMENT_currency,
					      payment_fields, NULL };

/* --- reviews -------------------------------------------------------------- */

static const struct map_field review_fields[] = {
	{ "review_id", REVIEW_review_key, MAP_KEY, true },
	{ "order_id", REVIEW_order_key, MAP_KEY, true },
	{ "review_score", REVIEW_score, MAP_INT, false },
	{ "review_comment_title", REVIEW_title, MAP_TEXT, false },
	{ "review_comment_message", REVIEW_message, MAP_TEXT, false },
	{ "review_creation_date", REVIEW_created_at, MAP_TIME, false },
	{ "review_answer_timestamp", REVIEW_answered_at, MAP_TIME, false },
	{ NULL, 0, 0, false },
};
static const struct map_spec review_spec = { ENT_REVIEW, REVIEW_origin, -1, review_fields, NULL };

/* Olist reuses a review id across orders, so the key is both. */
static enum row_result reviews_row(struct ingest_job *job)
{
	struct val v[ENTITY_MAX_COLS];
	if (!map_read(job, v))
		return ROW_REJECTED;
	if (v[REVIEW_score].type == VAL_INT && (v[REVIEW_score].i < 1 || v[REVIEW_score].i > 5))
		return job_reject(job, map_column(job, 2), "score must be 1 to 5, not %lld",
				  (long long)v[REVIEW_score].i);
	char *key = xasprintf("%s/%s", v[REVIEW_review_key].s, v[REVIEW_order_key].s);
	v[REVIEW_key] = val_text(job_keep(job, key, strlen(key)));
	free(key);
	return job_upsert(job, ENT_REVIEW, v, NULL);
}

/* --- products ------------------------------------------------------------- */

static const struct map_field product_fields[] = {
	{ "product_id", PRODUCT_key, MAP_KEY, true },
	{ "product_category_name", PRODUCT_category, MAP_KEY, false },
	{ "product_photos_qty", PRODUCT_photos, MAP_INT, false },
	{ "product_weight_g", PRODUCT_weight_g, MAP_INT, false },
	{ "product_length_cm", PRODUCT_length_cm, MAP_INT, false },
	{ "product_height_cm", PRODUCT_height_cm, MAP_INT, false },
	{ "product_width_cm", PRODUCT_width_cm, MAP_INT, false },
	/* read for validation only: Olist gives title and description lengths,
	 * not the texts */
	{ "product_name_lenght", PRODUCT_title, MAP_INT, false },
	{ "product_description_lenght", PRODUCT_description, MAP_INT, false },
	{ NULL, 0, 0, false },
};
static const struct map_spec product_spec = { ENT_PRODUCT, PRODUCT_origin, -1, product_fields,
					      NULL };

/* The product and its single variant, whose SKU is the Olist product id. */
static enum row_result products_row(struct ingest_job *job)
{
	struct val p[ENTITY_MAX_COLS];
	if (!map_read(job, p))
		return ROW_REJECTED;
	p[PRODUCT_title] = p[PRODUCT_description] = (struct val){ 0 };
	int64_t pid;
	if (job_upsert(job, ENT_PRODUCT, p, &pid) != ROW_OK)
		return ROW_FATAL;
	struct val v[VARIANT_NCOLS] = { 0 };
	v[VARIANT_product_id] = val_int(pid);
	v[VARIANT_position] = val_int(1);
	v[VARIANT_sku] = p[PRODUCT_key];
	v[VARIANT_currency] = val_text(job_currency(job));
	v[VARIANT_grams] = p[PRODUCT_weight_g];
	return job_upsert(job, ENT_VARIANT, v, NULL);
}

/* --- category translation ------------------------------------------------- */

static const struct map_field category_fields[] = {
	{ "product_category_name", CATEGORY_name, MAP_KEY, true },
	{ "product_category_name_english", CATEGORY_name_en, MAP_KEY, false },
	{ NULL, 0, 0, false },
};
static const struct map_spec category_spec = { ENT_CATEGORY, CATEGORY_origin, -1,
					       category_fields, NULL };

/* --- the importers --------------------------------------------------------- */

#define SIG(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define OLIST(id, summary_, sig, spec, row_)                                          \
	const struct importer importer_olist_##id = {                                 \
		.name = "olist_" #id, .summary = summary_, .origin = ORIGIN,           \
		.currency = "BRL", .signature = sig, .map = &spec, .begin = map_begin,  \
		.row = row_, .end = map_end,                                           \
	}

OLIST(customers, "Olist customers", SIG("customer_id", "customer_unique_id"), customer_spec,
      map_row);
OLIST(sellers, "Olist sellers, stored as suppliers", SIG("seller_id", "seller_zip_code_prefix"),
      seller_spec, map_row);
OLIST(orders, "Olist orders", SIG("order_id", "order_status", "order_purchase_timestamp"),
      order_spec, map_row);
OLIST(items, "Olist order items (order lines)", SIG("order_id", "order_item_id", "product_id"),
      item_spec, items_row);
OLIST(payments, "Olist order payments", SIG("order_id", "payment_sequential", "payment_value"),
      payment_spec, map_row);
OLIST(reviews, "Olist order reviews", SIG("review_id", "order_id", "review_score"), review_spec,
      reviews_row);
OLIST(products, "Olist products (with a variant per product)",
      SIG("product_id", "product_category_name", "product_weight_g"), product_spec, products_row);
OLIST(categories, "Olist category name translation",
      SIG("product_category_name", "product_category_name_english"), category_spec, map_row);
