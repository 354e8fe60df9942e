/* store_source.h - ingested files and their rejected records. */
#ifndef ORR_STORE_SOURCE_H
#define ORR_STORE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "rc.h"

struct store;

struct source_counts {
	long records, stored, rejected, created, updated, unchanged;
};

/* Create or reuse the sources row for path (inside a transaction) and drop
 * the rejects of its previous ingest. */
enum orr_rc source_start(struct store *st, const char *path, long bytes, const char *checksum,
			 const char *now, int64_t *id, char **err);
enum orr_rc source_set_format(struct store *st, int64_t id, const char *format, char **err);
enum orr_rc source_reject(struct store *st, int64_t id, long line, const char *column,
			  const char *reason, const char *raw, size_t rawlen, char **err);
/* Record the counts, and the size and checksum of what was read. */
enum orr_rc source_finish(struct store *st, int64_t id, const struct source_counts *c,
			  long bytes, const char *checksum, char **err);
/* True when path has a sources row (it may be a re-ingest). */
bool source_known(struct store *st, const char *path);
/* True (and rep filled from the stored row) when path was last ingested
 * with exactly this checksum. */
bool source_unchanged(struct store *st, const char *path, const char *checksum,
		      struct ingest_report *rep);

struct source_row {
	int64_t id;
	const char *path, *format, *checksum, *ingested_at;
	long bytes;
	struct source_counts c;
};
typedef void (*source_fn)(void *ctx, const struct source_row *row);
enum orr_rc source_list(struct store *st, source_fn fn, void *ctx, char **err);

struct reject_row {
	int64_t id, source_id;
	const char *path;
	long line;
	const char *column, *reason, *raw;
};
typedef void (*reject_fn)(void *ctx, const struct reject_row *row);
/* Rejected records, of one source when source_id > 0, at most limit (0: all). */
enum orr_rc source_rejects(struct store *st, int64_t source_id, long limit, reject_fn fn,
			   void *ctx, char **err);

#endif
