/* ingest_row.h - what an importer sees of the file being ingested: the
 * header, the current record, typed field readers that reject the record
 * with a reason, and upserts that count what changed. */
#ifndef ORR_INGEST_ROW_H
#define ORR_INGEST_ROW_H

#include <stdbool.h>
#include <stddef.h>

#include "csv.h"
#include "parse.h"
#include "rc.h"
#include "store_entity.h"
#include "xalloc.h"

enum row_result { ROW_OK, ROW_REJECTED, ROW_FATAL };

struct ingest_job;
struct map_spec;

/* One input format.  begin() maps header columns and may refuse the file;
 * row() validates a whole record before writing any of it; finish() runs
 * once after the last record, inside the transaction. */
struct importer {
	const char *name;
	const char *summary;
	const char *origin;            /* namespace of natural keys */
	const char *currency;          /* default currency */
	const char *const *signature;  /* header columns that identify the format */
	const struct map_spec *map;    /* table-driven formats: see ingest_map.h */
	enum orr_rc (*begin)(struct ingest_job *job, char **err);
	enum row_result (*row)(struct ingest_job *job);
	enum orr_rc (*finish)(struct ingest_job *job, char **err);
	void (*end)(struct ingest_job *job);
};

/* Column index of a header name (case and surrounding blanks ignored), -1
 * when the file has no such column. */
int job_col(const struct ingest_job *job, const char *name);
/* Like job_col, but refuses the file when the column is missing. */
enum orr_rc job_need(const struct ingest_job *job, const char *name, int *col, char **err);

/* The raw text of a column of the current record ("" when absent). */
const char *job_text(const struct ingest_job *job, int col);
/* The text with surrounding blanks removed, as a NULL-or-text value. */
struct val job_trimmed(struct ingest_job *job, int col);

/* Typed readers: on success store the value (VAL_NULL when blank and not
 * required) and return true; otherwise reject the record, naming the
 * column, and return false. */
bool job_int(struct ingest_job *job, int col, bool required, struct val *out);
bool job_money(struct ingest_job *job, int col, bool required, struct val *out);
bool job_time(struct ingest_job *job, int col, bool required, struct val *out);
bool job_bool(struct ingest_job *job, int col, struct val *out);

/* Reject the current record.  col may be -1 for the record as a whole. */
enum row_result job_reject(struct ingest_job *job, int col, const char *fmt, ...)
	ORR_PRINTF(3, 4);

/* Upsert through the job's transaction; counts the change for the record.
 * job_observe is the fill-only form for records a source merely mentions. */
enum row_result job_upsert(struct ingest_job *job, enum entity_kind kind, const struct val *vals,
			   int64_t *id);
enum row_result job_observe(struct ingest_job *job, enum entity_kind kind, const struct val *vals,
			    int64_t *id);
/* Whether the last upsert of this record created its row. */
bool job_last_created(const struct ingest_job *job);
enum row_result job_insert_new(struct ingest_job *job, enum entity_kind kind,
			       const struct val *vals, int64_t *id);
int64_t job_find(struct ingest_job *job, enum entity_kind kind, const struct val *keys);
int64_t job_find_sku(struct ingest_job *job, const char *sku);

/* Per-file counters beyond what an importer keeps in memory: a key never
 * set reads 0; spilling writes every entry's counter and clears the cache. */
struct keycache;
int64_t job_counter_get(struct ingest_job *job, const char *key);
enum row_result job_counter_set(struct ingest_job *job, const char *key, int64_t n);
enum row_result job_spill_counters(struct ingest_job *job, struct keycache *kc);

/* Copy text into storage that lives until the next record. */
const char *job_keep(struct ingest_job *job, const char *s, size_t n);

const struct importer *job_importer(const struct ingest_job *job);
const char *job_origin(const struct ingest_job *job);
const char *job_currency(const struct ingest_job *job);
long job_line(const struct ingest_job *job);
/* The current record of a JSON Lines file (a JSON object, borrowed). */
struct json_t;
struct json_t *job_json(const struct ingest_job *job);
/* Importer-private state, set in begin() and freed in end(). */
void *job_state(const struct ingest_job *job);
void job_set_state(struct ingest_job *job, void *state);
/* A fatal error from inside row(): the file is refused. */
enum row_result job_fatal(struct ingest_job *job, enum orr_rc rc, char *err);

#endif
