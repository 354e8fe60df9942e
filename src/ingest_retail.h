/* ingest_retail.h - UCI Online Retail (I and II) invoice lines. */
#ifndef ORR_INGEST_RETAIL_H
#define ORR_INGEST_RETAIL_H

#include "ingest_row.h"

extern const struct importer importer_online_retail;

#endif
