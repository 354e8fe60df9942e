/* ingest_jsonl.c - JSON Lines: one object per line naming its table,
 *
 *   {"table": "products", "key": "tee-1", "title": "Tee", "weight_g": 180}
 *   {"table": "variants", "product_key": "tee-1", "position": 1, "sku": "TEE-S",
 *    "price_minor": 1999, "currency": "EUR"}
 *
 * Fields are the table's columns as documented in the README.  Ids are
 * Orrery's own and never given: a variant names its product by
 * product_key, an inventory level or asset its variant by sku.  "origin"
 * defaults to "jsonl".  Integers are JSON integers (money in minor units),
 * times are strings in any form ingest reads.  An unknown table, an unknown
 * field or a value of the wrong type rejects the line. */
#include "ingest_jsonl.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_ORIGIN "jsonl"

struct table {
	const char *name;
	enum entity_kind kind;
	int ref_col;             /* column filled from the reference, -1 if none */
	const char *ref_field;   /* "product_key" or "sku" */
	bool ref_required;
};

static const struct table tables[] = {
	{ "products", ENT_PRODUCT, -1, NULL, false },
	{ "variants", ENT_VARIANT, VARIANT_product_id, "product_key", true },
	{ "inventory_levels", ENT_INVENTORY, INVENTORY_variant_id, "sku", true },
	{ "assets", ENT_ASSET, ASSET_product_id, "product_key", true },
	{ "customers", ENT_CUSTOMER, -1, NULL, false },
	{ "orders", ENT_ORDER, -1, NULL, false },
	{ "order_lines", ENT_LINE, -1, NULL, false },
	{ "payments", ENT_PAYMENT, -1, NULL, false },
	{ "reviews", ENT_REVIEW, -1, NULL, false },
	{ "suppliers", ENT_SUPPLIER, -1, NULL, false },
	{ "categories", ENT_CATEGORY, -1, NULL, false },
	{ "interactions", ENT_INTERACTION, -1, NULL, false },
};

enum col_type { T_TEXT, T_INT, T_TIME };

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Column types follow the schema's naming: *_minor and counts are integers,
 * *_at are times. */
static enum col_type column_type(const char *col)
{
	static const char *const ints[] = { "position", "line_no", "sequence", "installments",
		"score", "quantity", "photos", "weight_g", "length_cm", "height_cm", "width_cm",
		"grams", "published", "is_return", "requires_shipping", "taxable", NULL };
	for (const char *const *i = ints; *i; i++)
		if (strcmp(col, *i) == 0)
			return T_INT;
	if (ends_with(col, "_minor"))
		return T_INT;
	if (ends_with(col, "_at") || strcmp(col, "ship_by") == 0)
		return T_TIME;
	return T_TEXT;
}

static const struct table *find_table(const char *name)
{
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	return NULL;
}

static int column_index(const char *const *cols, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(cols[i], name) == 0)
			return i;
	return -1;
}

/* Convert one JSON value for a column; false (with the record rejected)
 * when its type is wrong. */
static bool convert(struct ingest_job *job, const char *col, json_t *j, struct val *out)
{
	enum col_type t = column_type(col);
	if (json_is_null(j)) {
		*out = (struct val){ 0 };
		return true;
	}
	if (t == T_INT && (json_is_integer(j) || json_is_boolean(j))) {
		*out = val_int(json_is_integer(j) ? json_integer_value(j) : json_is_true(j));
		return true;
	}
	if (t == T_TIME && json_is_string(j)) {
		char buf[PARSE_TIME_LEN];
		const char *why = "";
		if (parse_time(json_string_value(j), buf, &why) == PARSE_BAD)
			return job_reject(job, -1, "%s: %s", col, why), false;
		*out = val_text(job_keep(job, buf, strlen(buf)));
		return true;
	}
	if (t == T_TEXT && json_is_string(j)) {
		*out = val_text(json_string_value(j));
		return true;
	}
	if (t == T_TEXT && json_is_integer(j)) { /* zip codes and ids written as numbers */
		char buf[24];
		int n = snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(j));
		*out = val_text(job_keep(job, buf, (size_t)n));
		return true;
	}
	job_reject(job, -1, "%s: expected %s", col,
		   t == T_INT ? "an integer" : t == T_TIME ? "a time as a string" : "a string");
	return false;
}

/* Resolve the reference field (product_key or sku) to the id column. */
static bool resolve_ref(struct ingest_job *job, const struct table *t, json_t *obj,
			struct val *vals, const struct val *origin)
{
	json_t *ref = json_object_get(obj, t->ref_field);
	if (!json_is_string(ref))
		return job_reject(job, -1, "%s: required (a string)", t->ref_field), false;
	int64_t id;
	if (strcmp(t->ref_field, "sku") == 0) {
		id = job_find_sku(job, json_string_value(ref));
	} else {
		struct val key[] = { *origin, val_text(json_string_value(ref)) };
		id = job_find(job, ENT_PRODUCT, key);
	}
	if (!id)
		return job_reject(job, -1, "%s: no such %s \"%.60s\"", t->ref_field,
				  t->ref_field[0] == 's' ? "variant" : "product",
				  json_string_value(ref)), false;
	vals[t->ref_col] = val_int(id);
	return true;
}

/* Defaults a record may leave out. */
static void defaults(const struct table *t, struct val *v)
{
	if (t->kind == ENT_INVENTORY && v[INVENTORY_location].type == VAL_NULL)
		v[INVENTORY_location] = val_text("default");
	if (t->kind == ENT_ASSET && v[ASSET_kind].type == VAL_NULL)
		v[ASSET_kind] = val_text("source");
	if (t->kind == ENT_ORDER && v[ORDER_is_return].type == VAL_NULL)
		v[ORDER_is_return] = val_int(0);
}

/* Fill vals from the object's fields; unknown fields reject the record. */
static bool read_fields(struct ingest_job *job, const struct table *t, json_t *obj,
			struct val *vals)
{
	int ncols, nkeys;
	const char *const *cols = entity_columns(t->kind, &ncols, &nkeys);
	const char *name;
	json_t *value;
	json_object_foreach(obj, name, value) {
		if (strcmp(name, "table") == 0 || (t->ref_field && strcmp(name, t->ref_field) == 0) ||
		    (strcmp(name, "origin") == 0 && strcmp(cols[0], "origin") != 0))
			continue; /* the reference, and the origin it is looked up in */
		int i = column_index(cols, ncols, name);
		if (i < 0 || ends_with(name, "_id"))
			return job_reject(job, -1, "unknown field \"%.40s\" for table %s", name,
					  t->name), false;
		if (!convert(job, name, value, &vals[i]))
			return false;
	}
	defaults(t, vals);
	for (int i = 0; i < nkeys; i++)
		if (vals[i].type == VAL_NULL && i != t->ref_col)
			return job_reject(job, -1, "%s: required for table %s", cols[i], t->name), false;
	return true;
}

/* Lines name their order, variant and supplier by key, like Olist items. */
static void link_line(struct ingest_job *job, struct val *v)
{
	struct val order_key[] = { v[LINE_origin], v[LINE_order_key] };
	int64_t id = job_find(job, ENT_ORDER, order_key);
	v[LINE_order_id] = id ? val_int(id) : (struct val){ 0 };
	id = v[LINE_sku].type == VAL_TEXT ? job_find_sku(job, v[LINE_sku].s) : 0;
	v[LINE_variant_id] = id ? val_int(id) : (struct val){ 0 };
	struct val supplier_key[] = { v[LINE_origin], v[LINE_supplier_key] };
	id = v[LINE_supplier_key].type == VAL_TEXT ? job_find(job, ENT_SUPPLIER, supplier_key) : 0;
	v[LINE_supplier_id] = id ? val_int(id) : (struct val){ 0 };
}

/* variants.sku is unique: a SKU another variant has rejects the record
 * (the database would refuse the write and, with it, the whole file). */
static bool sku_free(struct ingest_job *job, const struct val *v)
{
	if (v[VARIANT_sku].type != VAL_TEXT)
		return true;
	int64_t owner = job_find_sku(job, v[VARIANT_sku].s);
	if (!owner)
		return true;
	struct val k[VARIANT_NCOLS] = { 0 };
	k[VARIANT_product_id] = v[VARIANT_product_id];
	k[VARIANT_position] = v[VARIANT_position];
	if (job_find(job, ENT_VARIANT, k) == owner)
		return true;
	job_reject(job, -1, "sku: %.100s is already used by another variant", v[VARIANT_sku].s);
	return false;
}

static enum row_result jsonl_row(struct ingest_job *job)
{
	json_t *obj = job_json(job);
	if (!json_is_object(obj))
		return job_reject(job, -1, "each line must be a JSON object");
	json_t *name = json_object_get(obj, "table");
	const struct table *t = json_is_string(name) ? find_table(json_string_value(name)) : NULL;
	if (!t)
		return job_reject(job, -1, "\"table\" must name a table: products, variants, "
				  "inventory_levels, assets, customers, orders, order_lines, "
				  "payments, reviews, suppliers, categories or interactions");
	struct val v[ENTITY_MAX_COLS] = { 0 };
	json_t *origin = json_object_get(obj, "origin");
	struct val o = val_text(json_is_string(origin) ? json_string_value(origin) : DEFAULT_ORIGIN);
	int ncols, nkeys;
	if (strcmp(entity_columns(t->kind, &ncols, &nkeys)[0], "origin") == 0)
		v[0] = o; /* tables keyed by origin have it first */
	if (!read_fields(job, t, obj, v))
		return ROW_REJECTED;
	if (t->ref_col >= 0 && !resolve_ref(job, t, obj, v, &o))
		return ROW_REJECTED;
	if (t->kind == ENT_LINE)
		link_line(job, v);
	if (t->kind == ENT_VARIANT && !sku_free(job, v))
		return ROW_REJECTED;
	return job_upsert(job, t->kind, v, NULL);
}

const struct importer importer_jsonl = {
	.name = "jsonl",
	.summary = "JSON Lines: {\"table\": \"products\", ...} into any unified table",
	.origin = DEFAULT_ORIGIN,
	.currency = "EUR",
	.signature = NULL,
	.row = jsonl_row,
};
