/* ingest_retail.c - UCI Online Retail: one invoice line per record.
 *
 * Both headers are read: the original (InvoiceNo, UnitPrice, CustomerID) and
 * Online Retail II (Invoice, Price, Customer ID); leading index columns are
 * ignored because columns are found by name.  An invoice becomes an order,
 * its lines are numbered by occurrence, a StockCode becomes a product with
 * one variant whose SKU is the code, an invoice starting with C is a
 * cancellation stored as a return, and a customer of NA is a guest. */
#include "ingest_retail.h"

#include <stdlib.h>
#include <string.h>

#include "keycache.h"

#define CACHE_KEYS 65536

enum { C_INVOICE, C_STOCK, C_DESC, C_QTY, C_DATE, C_PRICE, C_CUSTOMER, C_COUNTRY, NCOL };

struct retail {
	int col[NCOL];
	struct keycache *orders;    /* invoice -> order id, lines numbered so far */
	struct keycache *products;  /* stock code -> product id, fingerprint */
	struct keycache *customers; /* customer id -> fingerprint */
	bool spilled;               /* some invoice counters live in the database */
};

static const char *const signature[] = { "StockCode", "Quantity", "InvoiceDate", NULL };

/* First of the alternative names the file has. */
static int col_any(struct ingest_job *job, const char *a, const char *b)
{
	int c = job_col(job, a);
	return c >= 0 ? c : job_col(job, b);
}

static enum orr_rc retail_begin(struct ingest_job *job, char **err)
{
	struct retail *r = xcalloc(1, sizeof *r);
	job_set_state(job, r);
	r->col[C_INVOICE] = col_any(job, "InvoiceNo", "Invoice");
	r->col[C_STOCK] = job_col(job, "StockCode");
	r->col[C_DESC] = job_col(job, "Description");
	r->col[C_QTY] = job_col(job, "Quantity");
	r->col[C_DATE] = job_col(job, "InvoiceDate");
	r->col[C_PRICE] = col_any(job, "UnitPrice", "Price");
	r->col[C_CUSTOMER] = col_any(job, "CustomerID", "Customer ID");
	r->col[C_COUNTRY] = job_col(job, "Country");
	static const char *const names[NCOL] = { "InvoiceNo", "StockCode", "Description",
		"Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country" };
	for (int i = 0; i < NCOL; i++)
		if (r->col[i] < 0) {
			*err = xasprintf("not an Online Retail file: no column \"%s\"", names[i]);
			return ORR_DATAERR;
		}
	r->orders = keycache_new(CACHE_KEYS);
	r->products = keycache_new(CACHE_KEYS);
	r->customers = keycache_new(CACHE_KEYS);
	return ORR_OK;
}

static void retail_end(struct ingest_job *job)
{
	struct retail *r = job_state(job);
	if (!r)
		return;
	keycache_free(r->orders);
	keycache_free(r->products);
	keycache_free(r->customers);
	free(r);
	job_set_state(job, NULL);
}

/* One record's values, parsed before anything is written. */
struct line {
	struct val invoice, stock, desc, qty, date, price, customer, country;
	bool is_return;
};

/* "17850.0" (a spreadsheet re-save) and "17850" are the same customer; NA
 * and blank mean a guest. */
static struct val customer_key(struct ingest_job *job, int col)
{
	struct val v = job_trimmed(job, col);
	if (v.type == VAL_NULL || strcmp(v.s, "NA") == 0)
		return (struct val){ 0 };
	int64_t n;
	const char *why;
	if (parse_int(v.s, &n, &why) == PARSE_OK) {
		char buf[PARSE_INT_LEN];
		return val_text(job_keep(job, buf, parse_int_text(n, buf)));
	}
	return v;
}

static bool parse_line(struct ingest_job *job, const struct retail *r, struct line *l)
{
	l->invoice = job_trimmed(job, r->col[C_INVOICE]);
	l->stock = job_trimmed(job, r->col[C_STOCK]);
	if (l->invoice.type == VAL_NULL)
		return job_reject(job, r->col[C_INVOICE], "required value is missing"), false;
	if (l->stock.type == VAL_NULL)
		return job_reject(job, r->col[C_STOCK], "required value is missing"), false;
	l->desc = job_trimmed(job, r->col[C_DESC]);
	l->customer = customer_key(job, r->col[C_CUSTOMER]);
	l->country = job_trimmed(job, r->col[C_COUNTRY]);
	l->is_return = l->invoice.s[0] == 'C' || l->invoice.s[0] == 'c';
	return job_int(job, r->col[C_QTY], true, &l->qty) &&
	       job_time(job, r->col[C_DATE], true, &l->date) &&
	       job_money(job, r->col[C_PRICE], true, &l->price);
}

/* A product observed with a description and a price has nothing left for
 * later observations to fill in, so its lines need no product writes. */
static bool complete(const struct line *l)
{
	return l->desc.type != VAL_NULL && l->price.type != VAL_NULL;
}

static enum row_result write_product(struct ingest_job *job, struct retail *r,
				     const struct line *l, int64_t *variant_id)
{
	struct kc_entry *e = keycache_get(r->products, l->stock.s);
	if (e && e->fp) {
		*variant_id = e->n;
		return ROW_OK;
	}
	struct val p[PRODUCT_NCOLS] = { 0 };
	p[PRODUCT_origin] = val_text(job_origin(job));
	p[PRODUCT_key] = l->stock;
	p[PRODUCT_title] = l->desc;
	p[PRODUCT_seen_at] = l->date;
	int64_t pid;
	if (job_observe(job, ENT_PRODUCT, p, &pid) != ROW_OK)
		return ROW_FATAL;
	struct val v[VARIANT_NCOLS] = { 0 };
	v[VARIANT_product_id] = val_int(pid);
	v[VARIANT_position] = val_int(1);
	v[VARIANT_sku] = l->stock;
	v[VARIANT_price_minor] = l->price;
	v[VARIANT_currency] = val_text(job_currency(job));
	v[VARIANT_seen_at] = l->date;
	if (job_observe(job, ENT_VARIANT, v, variant_id) != ROW_OK)
		return ROW_FATAL;
	if (keycache_full(r->products))
		keycache_clear(r->products);
	if ((e = keycache_put(r->products, l->stock.s))) {
		e->fp = complete(l);
		e->n = *variant_id;
	}
	return ROW_OK;
}

static enum row_result write_customer(struct ingest_job *job, struct retail *r,
				      const struct line *l)
{
	if (l->customer.type == VAL_NULL)
		return ROW_OK;
	uint64_t fp = keycache_hash(KEYCACHE_FNV, l->country.s ? l->country.s : "");
	struct kc_entry *e = keycache_get(r->customers, l->customer.s);
	if (e && e->fp == fp)
		return ROW_OK;
	struct val c[CUSTOMER_NCOLS] = { 0 };
	c[CUSTOMER_origin] = val_text(job_origin(job));
	c[CUSTOMER_key] = l->customer;
	c[CUSTOMER_country] = l->country;
	if (job_observe(job, ENT_CUSTOMER, c, NULL) != ROW_OK)
		return ROW_FATAL;
	if (keycache_full(r->customers))
		keycache_clear(r->customers);
	if ((e = keycache_put(r->customers, l->customer.s)))
		e->fp = fp;
	return ROW_OK;
}

/* Where a line goes: its order, its number, and whether the order was
 * created by this file (then the line cannot exist yet). */
struct slot {
	int64_t order_id, line_no;
	bool new_order;
};

static enum row_result remember_order(struct ingest_job *job, struct retail *r,
				      const struct line *l, const struct slot *at)
{
	if (keycache_full(r->orders)) {
		if (job_spill_counters(job, r->orders) != ROW_OK)
			return ROW_FATAL;
		r->spilled = true;
	}
	struct kc_entry *e = keycache_put(r->orders, l->invoice.s);
	if (!e) { /* a key too long to cache: its count lives in the database */
		r->spilled = true;
		return job_counter_set(job, l->invoice.s, at->line_no);
	}
	e->id = at->order_id;
	e->n = at->line_no;
	e->fp = at->new_order;
	return ROW_OK;
}

/* The invoice's order, written on its first line in this file. */
static enum row_result write_order(struct ingest_job *job, struct retail *r,
				   const struct line *l, struct slot *at)
{
	struct kc_entry *e = keycache_get(r->orders, l->invoice.s);
	if (e) {
		*at = (struct slot){ e->id, ++e->n, e->fp };
		return ROW_OK;
	}
	struct val o[ORDER_NCOLS] = { 0 };
	o[ORDER_origin] = val_text(job_origin(job));
	o[ORDER_key] = l->invoice;
	o[ORDER_customer_key] = l->customer;
	o[ORDER_status] = val_text(l->is_return ? "cancelled" : "invoiced");
	o[ORDER_is_return] = val_int(l->is_return);
	o[ORDER_country] = l->country;
	o[ORDER_currency] = val_text(job_currency(job));
	o[ORDER_purchased_at] = l->date;
	/* an invoice met before a spill keeps its numbering, and its order row */
	int64_t seen = r->spilled ? job_counter_get(job, l->invoice.s) : 0;
	*at = (struct slot){ 0, seen + 1, false };
	if (seen)
		at->order_id = job_find(job, ENT_ORDER, o);
	else if (job_upsert(job, ENT_ORDER, o, &at->order_id) != ROW_OK)
		return ROW_FATAL;
	else
		at->new_order = job_last_created(job);
	return remember_order(job, r, l, at);
}

/* SKUs are unique across sources: a StockCode already used by another
 * catalogue's variant is a conflict to report, not to overwrite. */
static bool sku_is_ours(struct ingest_job *job, struct retail *r, const struct line *l)
{
	if (keycache_get(r->products, l->stock.s))
		return true;
	int64_t owner = job_find_sku(job, l->stock.s);
	if (!owner)
		return true;
	struct val pkey[] = { val_text(job_origin(job)), l->stock };
	int64_t pid = job_find(job, ENT_PRODUCT, pkey);
	struct val vkey[] = { val_int(pid), val_int(1) };
	if (pid && job_find(job, ENT_VARIANT, vkey) == owner)
		return true;
	job_reject(job, r->col[C_STOCK], "SKU %s already belongs to a product of another source",
		   l->stock.s);
	return false;
}

static enum row_result retail_row(struct ingest_job *job)
{
	struct retail *r = job_state(job);
	struct line l;
	if (!parse_line(job, r, &l) || !sku_is_ours(job, r, &l))
		return ROW_REJECTED;
	int64_t variant_id;
	struct slot at;
	if (write_customer(job, r, &l) != ROW_OK || write_product(job, r, &l, &variant_id) != ROW_OK ||
	    write_order(job, r, &l, &at) != ROW_OK)
		return ROW_FATAL;
	struct val v[LINE_NCOLS] = { 0 };
	v[LINE_origin] = val_text(job_origin(job));
	v[LINE_order_key] = l.invoice;
	v[LINE_line_no] = val_int(at.line_no);
	v[LINE_order_id] = val_int(at.order_id);
	v[LINE_sku] = l.stock;
	v[LINE_variant_id] = val_int(variant_id);
	v[LINE_description] = l.desc;
	v[LINE_quantity] = l.qty;
	v[LINE_unit_price_minor] = l.price;
	v[LINE_currency] = val_text(job_currency(job));
	return at.new_order ? job_insert_new(job, ENT_LINE, v, NULL)
			    : job_upsert(job, ENT_LINE, v, NULL);
}

const struct importer importer_online_retail = {
	.name = "online_retail",
	.summary = "UCI Online Retail / Online Retail II invoice lines (, or ;)",
	.origin = "online_retail",
	.currency = "GBP",
	.signature = signature,
	.begin = retail_begin,
	.row = retail_row,
	.end = retail_end,
};
