/* ingest_m5.h - the M5 (Walmart) forecasting data: calendar and daily unit
 * sales. */
#ifndef ORR_INGEST_M5_H
#define ORR_INGEST_M5_H

#include "ingest_row.h"

extern const struct importer importer_m5_calendar;
extern const struct importer importer_m5_sales;

#endif
