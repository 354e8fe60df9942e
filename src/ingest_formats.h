/* ingest_formats.h - the registry of input formats, in detection order. */
#ifndef ORR_INGEST_FORMATS_H
#define ORR_INGEST_FORMATS_H

#include "ingest_row.h"

/* NULL-terminated. */
extern const struct importer *const importers[];

#endif
