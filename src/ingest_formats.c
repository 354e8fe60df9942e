/* ingest_formats.c - every importer, one line each.  Adding a format means
 * adding its module and a line here. */
#include "ingest_formats.h"

#include "ingest_retail.h"

const struct importer *const importers[] = {
	&importer_online_retail,
	NULL,
};
