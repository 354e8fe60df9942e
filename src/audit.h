/* audit.h - the data audit: every check of the catalogue over the whole
 * database in one transaction, findings with every failing row, scores per
 * dimension, table and source, and the events rules act on. */
#ifndef ORR_AUDIT_H
#define ORR_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "rc.h"

struct store;

struct audit_options {
	int64_t stale_ms;  /* a source whose newest record is older is stale */
	int64_t job_id;    /* the audit.run job doing it, or 0 */
	/* with job_id: set to a run that finished after the job was queued,
	 * when there is one; then nothing is audited again */
	int64_t *covered_by;
	/* called after each check, e.g. for a progress line */
	void (*progress)(void *ctx, int done, int total, const char *check);
	void *progress_ctx;
	/* the operator's checks of a file ({"checks": [...]}, audit_user.h), or
	 * NULL; accept: keep them, so every later run runs them too */
	json_t *checks;
	const char *checks_file;
	bool accept;
};

#define AUDIT_STALE_DEFAULT_MS (7LL * 24 * 3600 * 1000)

/* Run the audit; *run_id is the run recorded. */
enum orr_rc audit_run(struct store *st, const struct clock *clock, const struct audit_options *o,
		      int64_t *run_id, char **err);

/* The report of a run: {run, scores, findings}. */
enum orr_rc audit_report(struct store *st, int64_t run_id, json_t **out, char **err);

#endif
