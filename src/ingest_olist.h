/* ingest_olist.h - the tables of the Olist Brazilian e-commerce dataset. */
#ifndef ORR_INGEST_OLIST_H
#define ORR_INGEST_OLIST_H

#include "ingest_row.h"

extern const struct importer importer_olist_customers;
extern const struct importer importer_olist_sellers;
extern const struct importer importer_olist_orders;
extern const struct importer importer_olist_items;
extern const struct importer importer_olist_payments;
extern const struct importer importer_olist_reviews;
extern const struct importer importer_olist_products;
extern const struct importer importer_olist_categories;

#endif
