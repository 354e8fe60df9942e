/* ingest.h - load store exports into the unified tables.
 *
 * One file is one transaction: a structurally broken file (unterminated
 * quote, unknown header, undecodable bytes) is refused whole and the database
 * is left exactly as it was; a bad record goes to rejected_rows with file,
 * line, column, reason and raw text while the import goes on.  Every data
 * record is either stored or rejected, and re-ingesting identical content
 * changes nothing and emits nothing. */
#ifndef ORR_INGEST_H
#define ORR_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "csv.h"
#include "rc.h"

struct store;

typedef void (*ingest_progress_fn)(void *ctx, const char *path, long records, double fraction);

struct ingest_options {
	const char *format;          /* NULL: detect from the header */
	bool strict;                 /* any rejected record refuses the file */
	enum csv_encoding encoding;
	const char *currency;        /* NULL: the format's default */
	const char *now;             /* UTC time stamped on events and the source */
	ingest_progress_fn progress; /* may be NULL */
	void *progress_ctx;
	/* Inbound webhooks (webhook_in.c): a webhook changes a few records
	 * whose own events drive the rules, so no source.ingested (which
	 * re-audits everything) is written for it. */
	bool no_source_event;
	/* Run inside the ingest's transaction after the records, before the
	 * commit (a webhook's de-duplication receipt); anything but ORR_OK
	 * rolls the whole ingest back and is returned.  May be NULL. */
	enum orr_rc (*in_tx)(void *ctx, struct store *st, char **err);
	void *in_tx_ctx;
};

struct ingest_report {
	int64_t source_id;
	char path[4096];             /* absolute */
	char format[32];
	long records, stored, rejected, created, updated, unchanged;
	long events;                 /* appended to the event log */
	bool same_as_before;         /* identical content already ingested: nothing done */
};

enum orr_rc ingest_file(struct store *st, const char *path, const struct ingest_options *opt,
			struct ingest_report *rep, char **err);

/* JSON Lines held in memory (opt->format is ignored), recorded as the
 * source `name`: the same importer, transaction, events and refusals as a
 * file.  The path check and the unchanged-content shortcut of files do not
 * apply: every call ingests. */
enum orr_rc ingest_buffer(struct store *st, const char *name, const char *data, size_t len,
			  const struct ingest_options *opt, struct ingest_report *rep, char **err);
/* The same inside the caller's transaction (or savepoint), which it neither
 * commits nor rolls back: the webhook server stores many deliveries per
 * commit, each in a savepoint of its own. */
enum orr_rc ingest_buffer_in_tx(struct store *st, const char *name, const char *data, size_t len,
				const struct ingest_options *opt, struct ingest_report *rep,
				char **err);

/* The formats ingest knows, for --help and error messages. */
struct ingest_format_info {
	const char *name;
	const char *summary;
};
const struct ingest_format_info *ingest_formats(int *n);

#endif
