/* ingest_jsonl.h - JSON Lines into any unified table. */
#ifndef ORR_INGEST_JSONL_H
#define ORR_INGEST_JSONL_H

#include "ingest_row.h"

extern const struct importer importer_jsonl;

#endif
