/* ingest_m5.c - M5 (Walmart): calendar.csv and sales_train_validation.csv.
 *
 * The calendar gives one row per day, named d_1, d_2, ...; the sales file is
 * wide: one record per series (an item in a store) with one column per day.
 * Each series observes its product (key item_id) and the product's single
 * variant (SKU item_id), then stores one unit_sales row per day column, keyed
 * by the day's name: sales are dated by joining calendar_days on (origin,
 * day), so the two files may arrive in either order. */
#include "ingest_m5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_map.h"

#define ORIGIN "m5"

#define SIG(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* --- calendar -------------------------------------------------------------- */

static const struct map_field calendar_fields[] = {
	{ "d", CALENDAR_DAY_day, MAP_KEY, true },
	{ "date", CALENDAR_DAY_date, MAP_TIME, true },
	{ "wm_yr_wk", CALENDAR_DAY_week, MAP_KEY, false },
	{ "event_name_1", CALENDAR_DAY_event1, MAP_KEY, false },
	{ "event_type_1", CALENDAR_DAY_event1_type, MAP_KEY, false },
	{ "event_name_2", CALENDAR_DAY_event2, MAP_KEY, false },
	{ "event_type_2", CALENDAR_DAY_event2_type, MAP_KEY, false },
	{ NULL, 0, 0, false },
};
static const struct map_spec calendar_spec = { ENT_CALENDAR_DAY, CALENDAR_DAY_origin, -1,
					       calendar_fields, NULL };

/* The states of the M5 data, each with a snap_XX column. */
static const char *const snap_states[] = { "CA", "TX", "WI" };
#define NSTATES ((int)(sizeof snap_states / sizeof *snap_states))

static enum row_result calendar_row(struct ingest_job *job)
{
	struct val v[ENTITY_MAX_COLS];
	if (!map_read(job, v))
		return ROW_REJECTED;
	char snap[4 * NSTATES] = "";
	for (int i = 0; i < NSTATES; i++) {
		char name[16];
		snprintf(name, sizeof name, "snap_%s", snap_states[i]);
		struct val b;
		if (!job_bool(job, job_col(job, name), &b))
			return ROW_REJECTED;
		if (b.type == VAL_INT && b.i) {
			if (*snap)
				strcat(snap, ",");
			strcat(snap, snap_states[i]);
		}
	}
	v[CALENDAR_DAY_snap] = val_text(*snap ? job_keep(job, snap, strlen(snap)) : NULL);
	return job_upsert(job, ENT_CALENDAR_DAY, v, NULL);
}

/* --- sales ------------------------------------------------------------------ */

struct m5_sales {
	int id, item, dept, cat, store;
	int ndays;
	int *col;    /* header column of day i */
	char **name; /* "d_1", ... as in the header */
};

static void sales_end(struct ingest_job *job)
{
	struct m5_sales *s = job_state(job);
	if (!s)
		return;
	for (int i = 0; i < s->ndays; i++)
		free(s->name[i]);
	free(s->name);
	free(s->col);
	free(s);
	job_set_state(job, NULL);
}

/* Map the key columns and every day column d_1, d_2, ... up to the first
 * missing one. */
static enum orr_rc sales_begin(struct ingest_job *job, char **err)
{
	struct m5_sales *s = xcalloc(1, sizeof *s);
	job_set_state(job, s);
	if (job_need(job, "id", &s->id, err) != ORR_OK ||
	    job_need(job, "item_id", &s->item, err) != ORR_OK ||
	    job_need(job, "store_id", &s->store, err) != ORR_OK)
		return ORR_DATAERR;
	s->dept = job_col(job, "dept_id");
	s->cat = job_col(job, "cat_id");
	int cap = 0;
	for (;;) {
		char name[32];
		snprintf(name, sizeof name, "d_%d", s->ndays + 1);
		int col = job_col(job, name);
		if (col < 0)
			break;
		if (s->ndays == cap) {
			cap = cap ? cap * 2 : 256;
			s->col = xrealloc(s->col, (size_t)cap * sizeof *s->col);
			s->name = xrealloc(s->name, (size_t)cap * sizeof *s->name);
		}
		s->col[s->ndays] = col;
		s->name[s->ndays] = xstrndup(name, strlen(name));
		s->ndays++;
	}
	if (s->ndays == 0)
		return job_need(job, "d_1", &cap, err);
	return ORR_OK;
}

static enum row_result sales_row(struct ingest_job *job)
{
	struct m5_sales *s = job_state(job);
	struct val series = job_trimmed(job, s->id);
	struct val item = job_trimmed(job, s->item);
	struct val store = job_trimmed(job, s->store);
	if (series.type == VAL_NULL)
		return job_reject(job, s->id, "required value is missing");
	if (item.type == VAL_NULL)
		return job_reject(job, s->item, "required value is missing");
	if (store.type == VAL_NULL)
		return job_reject(job, s->store, "required value is missing");

	/* Every day is checked before anything is written. */
	int64_t *units = xmalloc((size_t)s->ndays * sizeof *units);
	for (int i = 0; i < s->ndays; i++) {
		struct val u;
		if (!job_int(job, s->col[i], true, &u)) {
			free(units);
			return ROW_REJECTED;
		}
		if (u.i < 0) {
			free(units);
			return job_reject(job, s->col[i], "units sold cannot be negative: %lld",
					  (long long)u.i);
		}
		units[i] = u.i;
	}

	enum row_result r;
	struct val p[ENTITY_MAX_COLS] = { 0 };
	p[PRODUCT_origin] = val_text(ORIGIN);
	p[PRODUCT_key] = item;
	p[PRODUCT_category] = job_trimmed(job, s->cat);
	p[PRODUCT_product_type] = job_trimmed(job, s->dept);
	int64_t pid;
	if ((r = job_observe(job, ENT_PRODUCT, p, &pid)) != ROW_OK)
		goto out;
	struct val v[ENTITY_MAX_COLS] = { 0 };
	v[VARIANT_product_id] = val_int(pid);
	v[VARIANT_position] = val_int(1);
	v[VARIANT_sku] = item;
	v[VARIANT_currency] = val_text(job_currency(job));
	if ((r = job_observe(job, ENT_VARIANT, v, NULL)) != ROW_OK)
		goto out;
	struct val u[ENTITY_MAX_COLS] = { 0 };
	u[UNIT_SALE_origin] = val_text(ORIGIN);
	u[UNIT_SALE_series] = series;
	u[UNIT_SALE_sku] = item;
	u[UNIT_SALE_location] = store;
	for (int i = 0; i < s->ndays; i++) {
		u[UNIT_SALE_day] = val_text(s->name[i]);
		u[UNIT_SALE_units] = val_int(units[i]);
		if ((r = job_upsert(job, ENT_UNIT_SALE, u, NULL)) != ROW_OK)
			goto out;
	}
out:
	free(units);
	return r;
}

/* --- the importers --------------------------------------------------------- */

const struct importer importer_m5_calendar = {
	.name = "m5_calendar",
	.summary = "M5 (Walmart) calendar: one row per day, with events and SNAP states",
	.origin = ORIGIN,
	.currency = "USD",
	.signature = SIG("date", "d", "wm_yr_wk"),
	.map = &calendar_spec,
	.begin = map_begin,
	.row = calendar_row,
	.end = map_end,
};

const struct importer importer_m5_sales = {
	.name = "m5_sales",
	.summary = "M5 (Walmart) daily unit sales, one series per record, one column per day",
	.origin = ORIGIN,
	.currency = "USD",
	.signature = SIG("id", "item_id", "store_id", "d_1"),
	.begin = sales_begin,
	.row = sales_row,
	.end = sales_end,
};
