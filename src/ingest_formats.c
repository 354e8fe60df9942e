/* ingest_formats.c - every importer, one line each.  Adding a format means
 * adding its module and a line here. */
#include "ingest_formats.h"

#include "ingest_jsonl.h"
#include "ingest_m5.h"
#include "ingest_olist.h"
#include "ingest_rees46.h"
#include "ingest_retail.h"
#include "ingest_shopify.h"

const struct importer *const importers[] = {
	&importer_online_retail,
	&importer_olist_customers,
	&importer_olist_sellers,
	&importer_olist_orders,
	&importer_olist_items,
	&importer_olist_payments,
	&importer_olist_reviews,
	&importer_olist_products,
	&importer_olist_categories,
	&importer_jsonl,
	&importer_shopify,
	&importer_rees46,
	&importer_m5_calendar,
	&importer_m5_sales,
	NULL,
};
