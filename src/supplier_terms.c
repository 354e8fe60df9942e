/* supplier_terms.c - the terms file, read with the streaming CSV reader and
 * stored row by row inside one transaction. */
#include "supplier_terms.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "parse.h"
#include "store.h"
#include "store_po.h"
#include "xalloc.h"

enum col { C_SKU, C_SUPPLIER, C_COST, C_CURRENCY, C_LEAD, C_MOQ, C_PACK, C_LEAD_SD, C_DELIVERY,
	   NCOLS };
static const char *const col_names[NCOLS] = { "sku", "supplier", "unit_cost", "currency",
					      "lead_time_days", "min_order", "pack_size",
					      "lead_time_sd_days", "delivery" };
#define NREQUIRED 5

struct reader {
	const char *path;
	struct csv *csv;
	int at[NCOLS]; /* field index of each column, -1 when absent */
	char **err;
};

static enum orr_rc bad(struct reader *r, long line, const char *col, const char *why)
{
	if (col)
		*r->err = xasprintf("%s:%ld: %s: %s", r->path, line, col, why);
	else
		*r->err = xasprintf("%s:%ld: %s", r->path, line, why);
	return ORR_DATAERR;
}

static enum orr_rc read_header(struct reader *r)
{
	const struct csv_field *f;
	size_t n;
	enum csv_status s = csv_next(r->csv, &f, &n);
	if (s == CSV_ERROR)
		return bad(r, csv_error_line(r->csv), NULL, csv_error(r->csv));
	if (s == CSV_EOF)
		return bad(r, 1, NULL, "empty file: expected a header naming sku, supplier, "
				       "unit_cost, currency, lead_time_days");
	for (int c = 0; c < NCOLS; c++)
		r->at[c] = -1;
	for (size_t i = 0; i < n; i++) {
		int c = 0;
		while (c < NCOLS && strcmp(f[i].ptr, col_names[c]) != 0)
			c++;
		if (c == NCOLS)
			return bad(r, 1, f[i].ptr, "unknown column");
		if (r->at[c] >= 0)
			return bad(r, 1, f[i].ptr, "column given twice");
		r->at[c] = (int)i;
	}
	for (int c = 0; c < NREQUIRED; c++)
		if (r->at[c] < 0)
			return bad(r, 1, col_names[c], "required column missing");
	return ORR_OK;
}

/* The field of column c in this row, "" when absent. */
static const char *field(const struct reader *r, const struct csv_field *f, size_t n, int c)
{
	return r->at[c] >= 0 && (size_t)r->at[c] < n ? f[r->at[c]].ptr : "";
}

static bool positive_count(const char *s, long *out, const char **why)
{
	int64_t v;
	enum parse_result p = parse_int(s, &v, why);
	if (p == PARSE_EMPTY)
		return true; /* the default stands */
	if (p != PARSE_OK)
		return false;
	if (v < 1 || v > 1000000000) {
		*why = "must be a whole number from 1 to 1000000000";
		return false;
	}
	*out = (long)v;
	return true;
}

static bool days(const char *s, double *out, const char **why)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < 0 || v > 3650) {
		*why = "must be a number of days from 0 to 3650";
		return false;
	}
	*out = v;
	return true;
}

/* The numbers and choices of one row (the keys are resolved by the caller). */
static enum orr_rc parse_terms(struct reader *r, long line, const struct csv_field *f, size_t n,
			       struct po_terms *t)
{
	const char *why = NULL, *cur = field(r, f, n, C_CURRENCY);
	int e = currency_exponent(cur);
	if (e < 0)
		return bad(r, line, "currency", "not an ISO 4217 currency Orrery knows");
	snprintf(t->currency, sizeof t->currency, "%s", cur);
	if (parse_money(field(r, f, n, C_COST), e, &t->unit_cost_minor, &why) != PARSE_OK ||
	    t->unit_cost_minor < 0)
		return bad(r, line, "unit_cost", why ? why : "must be an amount of 0 or more");
	if (!days(field(r, f, n, C_LEAD), &t->lead_time_days, &why))
		return bad(r, line, "lead_time_days", why);
	const char *sd = field(r, f, n, C_LEAD_SD);
	t->lead_time_sd_days = -1;
	if (*sd && !days(sd, &t->lead_time_sd_days, &why))
		return bad(r, line, "lead_time_sd_days", why);
	t->min_order = t->pack_size = 1;
	if (!positive_count(field(r, f, n, C_MOQ), &t->min_order, &why))
		return bad(r, line, "min_order", why);
	if (!positive_count(field(r, f, n, C_PACK), &t->pack_size, &why))
		return bad(r, line, "pack_size", why);
	const char *d = field(r, f, n, C_DELIVERY);
	if (!*d)
		d = "csv";
	if (strcmp(d, "csv") != 0 && strcmp(d, "json") != 0 && strcmp(d, "webhook") != 0)
		return bad(r, line, "delivery", "must be csv, json or webhook");
	snprintf(t->delivery, sizeof t->delivery, "%s", d);
	return ORR_OK;
}

static enum orr_rc store_row(struct reader *r, struct store *st, long line,
			     const struct csv_field *f, size_t n, int64_t now)
{
	struct po_terms t = { 0 };
	enum orr_rc rc = parse_terms(r, line, f, n, &t);
	if (rc != ORR_OK)
		return rc;
	char *why = NULL;
	const char *sku = field(r, f, n, C_SKU), *sup = field(r, f, n, C_SUPPLIER);
	rc = *sku ? po_variant_of_sku(st, sku, &t.variant_id, &why) : ORR_DATAERR;
	if (rc == ORR_OK)
		rc = *sup ? po_supplier_of_key(st, sup, &t.supplier_id, &why) : ORR_DATAERR;
	if (rc == ORR_OK)
		rc = po_terms_put(st, &t, now, &why);
	if (rc == ORR_OK)
		return ORR_OK;
	const char *col = t.variant_id == 0 ? "sku" : t.supplier_id == 0 ? "supplier" : NULL;
	enum orr_rc out = rc == ORR_NOINPUT || rc == ORR_DATAERR
				  ? bad(r, line, col, why ? why : "is empty")
				  : rc;
	if (out != ORR_DATAERR)
		*r->err = xasprintf("%s:%ld: %s", r->path, line, why ? why : "cannot store the terms");
	free(why);
	return out;
}

static enum orr_rc read_rows(struct reader *r, struct store *st, int64_t now, long *rows)
{
	enum orr_rc rc = read_header(r);
	const struct csv_field *f;
	size_t n;
	enum csv_status s = CSV_EOF;
	while (rc == ORR_OK && (s = csv_next(r->csv, &f, &n)) == CSV_ROW) {
		long line = csv_line(r->csv);
		if (n == 1 && f[0].len == 0)
			continue; /* a blank line */
		rc = store_row(r, st, line, f, n, now);
		*rows += rc == ORR_OK;
	}
	if (rc == ORR_OK && s == CSV_ERROR)
		rc = bad(r, csv_error_line(r->csv), NULL, csv_error(r->csv));
	return rc;
}

enum orr_rc supplier_terms_load(struct store *st, const char *path, int64_t now, long *rows,
				char **err)
{
	*rows = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return ORR_NOINPUT;
	}
	struct reader r = { .path = path, .csv = csv_open(fp, NULL), .err = err };
	enum orr_rc rc = store_begin(st, err);
	if (rc == ORR_OK) {
		rc = read_rows(&r, st, now, rows);
		if (rc == ORR_OK)
			rc = store_commit(st, err);
		else
			store_rollback(st);
	}
	if (rc != ORR_OK)
		*rows = 0;
	csv_close(r.csv);
	fclose(fp);
	return rc;
}
