/* ingest_shopify.h - Shopify product CSV exports (products, variants,
 * inventory, images). */
#ifndef ORR_INGEST_SHOPIFY_H
#define ORR_INGEST_SHOPIFY_H

#include "ingest_row.h"

extern const struct importer importer_shopify;

#endif
