/* ingest_map.h - importers declared as tables: which header fills which
 * column of an entity, with what type, and whether it is required.  The
 * engine finds the columns, parses a record into values (rejecting it with
 * the column and reason when a value is bad) and leaves the writing, and any
 * lookups, to the importer. */
#ifndef ORR_INGEST_MAP_H
#define ORR_INGEST_MAP_H

#include "ingest_row.h"

enum map_type {
	MAP_KEY,   /* text, surrounding blanks removed */
	MAP_TEXT,  /* text as written */
	MAP_INT,   /* whole number; "40.0" accepted */
	MAP_MONEY, /* decimal in the currency's minor units */
	MAP_TIME,  /* timestamp, normalised to UTC */
	MAP_BOOL,
};

struct map_field {
	const char *header;
	int col;          /* index into the entity's values */
	enum map_type type;
	bool required;
};

/* A value every record of the format has, whatever the file says. */
struct map_const {
	int col;
	struct val value;
};

struct map_spec {
	enum entity_kind kind;
	int origin_col;   /* filled with the importer's origin, -1 if none */
	int currency_col; /* filled with the job's currency, -1 if none */
	const struct map_field *fields; /* ends with a NULL header */
	const struct map_const *consts; /* may be NULL; ends with col -1 */
};

/* The importer's begin for a format with a map: find the spec's columns in
 * the header (a required one missing refuses the file) and keep the mapping
 * as the job's state, freed by map_end. */
enum orr_rc map_begin(struct ingest_job *job, char **err);
void map_end(struct ingest_job *job);
/* The importer's row when a record is exactly one upsert of the spec's
 * entity. */
enum row_result map_row(struct ingest_job *job);

/* Parse the current record into vals (ENTITY_MAX_COLS, zeroed first, then
 * the spec's constants); false when it was rejected. */
bool map_read(struct ingest_job *job, struct val *vals);
/* The header column index of spec field i, -1 when the file lacks it. */
int map_column(const struct ingest_job *job, int field);

#endif
