/* ingest_rees46.h - REES46 / Open CDP behavioural events (view, cart,
 * remove_from_cart, purchase). */
#ifndef ORR_INGEST_REES46_H
#define ORR_INGEST_REES46_H

#include "ingest_row.h"

extern const struct importer importer_rees46;

#endif
