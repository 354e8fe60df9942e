/* ingest_shopify.c - Shopify product CSV: one product over several records.
 *
 * The first record of a handle carries the product (Title, Body (HTML),
 * Vendor, ...) and usually its first variant and image; later records of
 * the handle carry only a variant and/or an image.  A record is a variant
 * when it has an Option1 Value, a Variant SKU or a Variant Price.  Variants
 * are numbered by their order among the handle's variant records in this
 * file (a rejected one keeps its number, so fixing it later moves nothing),
 * which gives re-ingesting the file the same rows.  Handles are normally
 * contiguous: the current handle's counters live in the state, earlier
 * handles' in a bounded keycache (spilled to the transaction's counters
 * when full), for a handle that comes back further down.
 *
 * Only the first title record of a handle in a file writes the product; a
 * repeat is read as a continuation record, so two differing title records
 * cannot undo each other on every re-ingest.  For the same reason images
 * are observed (fill-only), not replaced: one image URI is one asset row per
 * product, and an Image Src and another record's Variant Image naming it
 * would otherwise each reset what the other wrote. */
#include "ingest_shopify.h"

#include <stdlib.h>
#include <string.h>

#include "keycache.h"

#define CACHE_KEYS 65536

enum { C_HANDLE, C_TITLE, C_BODY, C_VENDOR, C_TYPE, C_TAGS, C_PUBLISHED, C_OPT1_NAME,
	C_OPT1, C_OPT2_NAME, C_OPT2, C_OPT3_NAME, C_OPT3, C_SKU, C_GRAMS, C_QTY, C_POLICY,
	C_PRICE, C_COMPARE, C_SHIPPING, C_TAXABLE, C_BARCODE, C_IMAGE, C_IMAGE_POS,
	C_IMAGE_ALT, C_VARIANT_IMAGE, NCOL };

static const char *const col_names[NCOL] = { "Handle", "Title", "Body (HTML)", "Vendor",
	"Type", "Tags", "Published", "Option1 Name", "Option1 Value", "Option2 Name",
	"Option2 Value", "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams",
	"Variant Inventory Qty", "Variant Inventory Policy", "Variant Price",
	"Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable",
	"Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Variant Image" };

/* What the importer cannot do without, plus Body (HTML): Shopify's own
 * spelling, which no other export shares.  Other columns may be missing. */
static const char *const signature[] = { "Handle", "Title", "Body (HTML)", "Variant Price",
	NULL };

struct shopify {
	int col[NCOL];
	char *handle;          /* the handle of the previous record */
	int64_t variants;      /* its variant records so far in this file */
	bool titled;           /* its product was written from this file */
	int64_t product_id;    /* its product, 0 while not known */
	struct keycache *seen; /* earlier handles -> counters, packed (see pack) */
	bool spilled;          /* some handles' counters live in the database */
};

static enum orr_rc shopify_begin(struct ingest_job *job, char **err)
{
	struct shopify *s = xcalloc(1, sizeof *s);
	job_set_state(job, s);
	for (const char *const *c = signature; *c; c++) {
		int col;
		if (job_need(job, *c, &col, err) != ORR_OK)
			return ORR_DATAERR;
	}
	for (int i = 0; i < NCOL; i++)
		s->col[i] = job_col(job, col_names[i]);
	s->seen = keycache_new(CACHE_KEYS);
	return ORR_OK;
}

static void shopify_end(struct ingest_job *job)
{
	struct shopify *s = job_state(job);
	if (!s)
		return;
	if (s->seen)
		keycache_free(s->seen);
	free(s->handle);
	free(s);
	job_set_state(job, NULL);
}

/* --- where a record belongs ------------------------------------------------ */

/* A handle's counters as one number for the keycache and the database
 * counters: 0 is a handle not met yet. */
static int64_t pack(const struct shopify *s)
{
	return s->variants * 2 + (s->titled ? 1 : 0);
}

/* The packed counters of a handle met earlier in this file. */
static int64_t handle_load(struct ingest_job *job, struct shopify *s, const char *handle)
{
	struct kc_entry *e = keycache_get(s->seen, handle);
	if (e)
		return e->n;
	if (s->spilled || strlen(handle) > KEYCACHE_KEY_MAX)
		return job_counter_get(job, handle);
	return 0;
}

/* Remember the current handle's counters before moving to another one. */
static enum row_result handle_save(struct ingest_job *job, struct shopify *s)
{
	int64_t packed = pack(s);
	if (packed == 0)
		return ROW_OK;
	if (keycache_full(s->seen)) {
		if (job_spill_counters(job, s->seen) != ROW_OK)
			return ROW_FATAL;
		s->spilled = true;
	}
	struct kc_entry *e = keycache_put(s->seen, s->handle);
	if (!e)
		return job_counter_set(job, s->handle, packed);
	e->n = packed;
	return ROW_OK;
}

/* Make the record's handle the current one. */
static enum row_result handle_enter(struct ingest_job *job, struct shopify *s, const char *handle)
{
	if (s->handle && strcmp(s->handle, handle) == 0)
		return ROW_OK;
	if (s->handle && handle_save(job, s) != ROW_OK)
		return ROW_FATAL;
	free(s->handle);
	s->handle = xstrdup(handle);
	int64_t packed = handle_load(job, s, handle);
	s->variants = packed / 2;
	s->titled = packed % 2;
	s->product_id = 0;
	return ROW_OK;
}

/* The current handle's product: written by an earlier record or ingest, 0
 * if neither. */
static int64_t product_known(struct ingest_job *job, struct shopify *s, const struct val *handle)
{
	if (!s->product_id) {
		struct val k[PRODUCT_NCOLS] = { 0 };
		k[PRODUCT_origin] = val_text(job_origin(job));
		k[PRODUCT_key] = *handle;
		s->product_id = job_find(job, ENT_PRODUCT, k);
	}
	return s->product_id;
}

/* --- reading a record ------------------------------------------------------ */

/* One record's values, parsed before anything is written. */
struct rec {
	struct val handle, title, published;
	struct val opt[3], sku, grams, qty, policy, price, compare, shipping, taxable, barcode;
	struct val image, image_pos, image_alt, variant_image;
	bool product_row, variant_row;
	int64_t position;
};

static bool is_blank(struct ingest_job *job, const struct shopify *s, int c)
{
	return job_trimmed(job, s->col[c]).type == VAL_NULL;
}

/* The variant columns; a variant must have a price, grams may be 0. */
static bool parse_variant(struct ingest_job *job, const struct shopify *s, struct rec *r)
{
	for (int i = 0; i < 3; i++)
		r->opt[i] = job_trimmed(job, s->col[C_OPT1 + 2 * i]);
	r->sku = job_trimmed(job, s->col[C_SKU]);
	r->policy = job_trimmed(job, s->col[C_POLICY]);
	r->barcode = job_trimmed(job, s->col[C_BARCODE]);
	return job_int(job, s->col[C_GRAMS], false, &r->grams) &&
	       job_int(job, s->col[C_QTY], false, &r->qty) &&
	       job_money(job, s->col[C_PRICE], true, &r->price) &&
	       job_money(job, s->col[C_COMPARE], false, &r->compare) &&
	       job_bool(job, s->col[C_SHIPPING], &r->shipping) &&
	       job_bool(job, s->col[C_TAXABLE], &r->taxable);
}

/* The image columns; a position only matters with an image. */
static bool parse_image(struct ingest_job *job, const struct shopify *s, struct rec *r)
{
	r->image = job_trimmed(job, s->col[C_IMAGE]);
	r->image_alt = job_trimmed(job, s->col[C_IMAGE_ALT]);
	r->variant_image = job_trimmed(job, s->col[C_VARIANT_IMAGE]);
	return r->image.type == VAL_NULL || job_int(job, s->col[C_IMAGE_POS], false, &r->image_pos);
}

/* Classify and read the record.  A variant record takes its position even
 * when it is rejected. */
static bool parse_rec(struct ingest_job *job, struct shopify *s, struct rec *r)
{
	r->title = job_trimmed(job, s->col[C_TITLE]);
	r->product_row = r->title.type != VAL_NULL && !s->titled;
	r->variant_row = !is_blank(job, s, C_OPT1) || !is_blank(job, s, C_SKU) ||
			 !is_blank(job, s, C_PRICE);
	if (r->variant_row)
		r->position = ++s->variants;
	return (!r->product_row || job_bool(job, s->col[C_PUBLISHED], &r->published)) &&
	       (!r->variant_row || parse_variant(job, s, r)) && parse_image(job, s, r);
}

/* A SKU names one variant: refuse it when another variant already has it
 * (variants.sku is unique).  product_id is 0 for a product not stored yet. */
static bool sku_free(struct ingest_job *job, const struct shopify *s, const struct rec *r,
		     int64_t product_id)
{
	if (r->sku.type == VAL_NULL)
		return true;
	int64_t owner = job_find_sku(job, r->sku.s);
	if (!owner)
		return true;
	if (product_id) {
		struct val k[VARIANT_NCOLS] = { 0 };
		k[VARIANT_product_id] = val_int(product_id);
		k[VARIANT_position] = val_int(r->position);
		if (job_find(job, ENT_VARIANT, k) == owner)
			return true;
	}
	job_reject(job, s->col[C_SKU], "SKU %.100s is already used by another variant", r->sku.s);
	return false;
}

/* --- writing it ------------------------------------------------------------ */

static enum row_result write_product(struct ingest_job *job, const struct shopify *s,
				     const struct rec *r, int64_t *id)
{
	struct val p[PRODUCT_NCOLS] = { 0 };
	p[PRODUCT_origin] = val_text(job_origin(job));
	p[PRODUCT_key] = r->handle;
	p[PRODUCT_title] = r->title;
	p[PRODUCT_description] = val_text(job_text(job, s->col[C_BODY]));
	p[PRODUCT_vendor] = job_trimmed(job, s->col[C_VENDOR]);
	p[PRODUCT_product_type] = job_trimmed(job, s->col[C_TYPE]);
	p[PRODUCT_tags] = job_trimmed(job, s->col[C_TAGS]);
	p[PRODUCT_published] = r->published;
	p[PRODUCT_option1_name] = job_trimmed(job, s->col[C_OPT1_NAME]);
	p[PRODUCT_option2_name] = job_trimmed(job, s->col[C_OPT2_NAME]);
	p[PRODUCT_option3_name] = job_trimmed(job, s->col[C_OPT3_NAME]);
	return job_upsert(job, ENT_PRODUCT, p, id);
}

/* The variant's stock figure, when the record has one. */
static enum row_result write_inventory(struct ingest_job *job, const struct rec *r,
				       int64_t variant_id)
{
	if (r->qty.type == VAL_NULL)
		return ROW_OK;
	struct val q[INVENTORY_NCOLS] = { 0 };
	q[INVENTORY_variant_id] = val_int(variant_id);
	q[INVENTORY_location] = val_text("default");
	q[INVENTORY_quantity] = r->qty;
	q[INVENTORY_policy] = r->policy;
	return job_upsert(job, ENT_INVENTORY, q, NULL);
}

static enum row_result write_variant(struct ingest_job *job, int64_t product_id,
				     const struct rec *r, int64_t *id)
{
	struct val v[VARIANT_NCOLS] = { 0 };
	v[VARIANT_product_id] = val_int(product_id);
	v[VARIANT_position] = val_int(r->position);
	v[VARIANT_sku] = r->sku;
	v[VARIANT_option1] = r->opt[0];
	v[VARIANT_option2] = r->opt[1];
	v[VARIANT_option3] = r->opt[2];
	v[VARIANT_price_minor] = r->price;
	v[VARIANT_compare_at_minor] = r->compare;
	v[VARIANT_currency] = val_text(job_currency(job));
	v[VARIANT_grams] = r->grams;
	v[VARIANT_barcode] = r->barcode;
	v[VARIANT_requires_shipping] = r->shipping;
	v[VARIANT_taxable] = r->taxable;
	if (job_upsert(job, ENT_VARIANT, v, id) != ROW_OK)
		return ROW_FATAL;
	return write_inventory(job, r, *id);
}

/* One source image, observed (see the top of the file). */
static enum row_result write_asset(struct ingest_job *job, int64_t product_id,
				   const struct val *uri, int64_t variant_id,
				   const struct val *position, const struct val *alt)
{
	struct val a[ASSET_NCOLS] = { 0 };
	a[ASSET_product_id] = val_int(product_id);
	a[ASSET_kind] = val_text("source");
	a[ASSET_uri] = *uri;
	if (variant_id)
		a[ASSET_variant_id] = val_int(variant_id);
	a[ASSET_position] = *position;
	a[ASSET_alt_text] = *alt;
	return job_observe(job, ENT_ASSET, a, NULL);
}

/* The product image and the variant's image; one write when they are the
 * same URI. */
static enum row_result write_images(struct ingest_job *job, const struct rec *r,
				    int64_t product_id, int64_t variant_id)
{
	const struct val none = { 0 };
	bool same = r->image.type != VAL_NULL && r->variant_image.type != VAL_NULL &&
		    strcmp(r->image.s, r->variant_image.s) == 0;
	if (r->image.type != VAL_NULL &&
	    write_asset(job, product_id, &r->image, same ? variant_id : 0, &r->image_pos,
			&r->image_alt) != ROW_OK)
		return ROW_FATAL;
	if (r->variant_image.type == VAL_NULL || same)
		return ROW_OK;
	return write_asset(job, product_id, &r->variant_image, variant_id, &none, &none);
}

static enum row_result write_rec(struct ingest_job *job, struct shopify *s, const struct rec *r)
{
	if (r->product_row) {
		if (write_product(job, s, r, &s->product_id) != ROW_OK)
			return ROW_FATAL;
		s->titled = true;
	}
	int64_t variant_id = 0;
	if (r->variant_row && write_variant(job, s->product_id, r, &variant_id) != ROW_OK)
		return ROW_FATAL;
	return write_images(job, r, s->product_id, variant_id);
}

static enum row_result shopify_row(struct ingest_job *job)
{
	struct shopify *s = job_state(job);
	struct rec r = { 0 };
	r.handle = job_trimmed(job, s->col[C_HANDLE]);
	if (r.handle.type == VAL_NULL)
		return job_reject(job, s->col[C_HANDLE], "required value is missing");
	if (handle_enter(job, s, r.handle.s) != ROW_OK)
		return ROW_FATAL;
	if (!parse_rec(job, s, &r))
		return ROW_REJECTED;
	int64_t product_id = product_known(job, s, &r.handle);
	if (!r.product_row && !product_id)
		return job_reject(job, s->col[C_HANDLE],
				  "continuation row for a product with no title row");
	if (r.variant_row && !sku_free(job, s, &r, product_id))
		return ROW_REJECTED;
	return write_rec(job, s, &r);
}

const struct importer importer_shopify = {
	.name = "shopify",
	.summary = "Shopify product CSV export: products, variants, inventory, images",
	.origin = "shopify",
	.currency = "USD",
	.signature = signature,
	.begin = shopify_begin,
	.row = shopify_row,
	.end = shopify_end,
};
