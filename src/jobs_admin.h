/* jobs_admin.h - what operators do to the queue: list, show, retry,
 * cancel and kill by filter, and the counts the console and `run
 * --until-idle` watch. */
#ifndef ORR_JOBS_ADMIN_H
#define ORR_JOBS_ADMIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct store;

struct job_filter {
	int64_t id;            /* 0: any */
	const char *state;     /* NULL: any */
	const char *kind;      /* NULL: any; "sub.*" matches a subsystem */
	long limit;            /* 0: all */
};
bool jobs_state_valid(const char *state);

/* Jobs as JSON objects, newest first. */
enum orr_rc jobs_list(struct store *st, const struct job_filter *f, json_t **out, char **err);
/* One job with its log lines; ORR_NOINPUT when there is no such job. */
enum orr_rc jobs_show(struct store *st, int64_t id, json_t **out, char **err);

enum jobs_bulk { JOBS_RETRY, JOBS_CANCEL, JOBS_KILL };
/* retry: dead, failed or cancelled -> queued now with attempts reset;
 * cancel: queued or failed -> cancelled; kill: queued, failed or running ->
 * dead (a running job's worker loses its lease and its outcome is dropped).
 * Each is one conditional UPDATE per filter; *changed counts the jobs. */
enum orr_rc jobs_bulk(struct store *st, enum jobs_bulk op, const struct job_filter *f,
		      const char *operator_name, int64_t now, int *changed, char **err);

/* Counts per state (queued, running, succeeded, failed, dead, cancelled). */
struct jobs_counts {
	long queued, running, succeeded, failed, dead, cancelled;
	long pending;          /* queued or failed in a runnable subsystem */
	long ready;            /* ... and due now */
};
enum orr_rc jobs_counts(struct store *st, int64_t now, struct jobs_counts *c, char **err);
/* The live states only (queued, running, failed, dead, cancelled), from
 * partial indexes: as fast with ten million finished jobs as with ten.
 * succeeded, pending and ready are left 0. */
enum orr_rc jobs_counts_live(struct store *st, struct jobs_counts *c, char **err);

/* Is anything running, or queued or waiting for a retry in a subsystem that
 * may run it?  The cheap check `run --until-idle` makes many times a second:
 * it stops at the first such job. */
enum orr_rc jobs_busy(struct store *st, bool *busy, char **err);

/* --- windows of time ------------------------------------------------------- */

/* The lowest id of a job that can have been created, started or finished
 * at or after since_ms.  jobs has no time index (every state change would
 * pay for one), but ids increase with created_at; jobs created earlier
 * that ran in the window are found through the window's job.succeeded and
 * job.dead events (they name their job), the running leases and the jobs
 * waiting to run (partial indexes).  Windowed reads scan ids from here. */
enum orr_rc jobs_window_first(struct store *st, int64_t since_ms, int64_t *first_id, char **err);

/* Per subsystem, the jobs that finished (succeeded, dead, cancelled) or
 * failed an attempt and wait for a retry, in [since_ms, now_ms]: a new JSON
 * object {"<subsystem>": {"jobs", "failed" (dead or waiting), "succeeded",
 * "dead"}}; subsystems with none are left out.  One grouped query. */
enum orr_rc jobs_window_counts(struct store *st, int64_t since_ms, int64_t now_ms, json_t **out,
			       char **err);

/* Jobs per time bucket for sparklines: the nbuckets buckets of bucket_ms
 * that end at now_ms, oldest first; bucket i holds times in
 * [now - (n - i) * B, now - (n - i - 1) * B), the last one also now itself.
 *   {"bucket_ms": B, "since_ms", "now_ms", "created": [n...], "started",
 *    "succeeded", "failed", "dead", "cancelled"}
 * created counts by created_at, started by started_at (the latest attempt:
 * a retried job counts once, at its last start); succeeded, dead and
 * cancelled by finished_at; failed counts the jobs waiting for a retry, by
 * the start of the attempt that failed (the failure time itself is not
 * recorded).  Bad sizes (bucket_ms < 1, nbuckets outside 1..1000) are
 * ORR_USAGE. */
enum orr_rc jobs_history(struct store *st, int64_t now_ms, int64_t bucket_ms, int nbuckets,
			 json_t **out, char **err);

#endif
