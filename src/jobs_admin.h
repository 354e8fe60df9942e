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

/* Is anything running, or queued or waiting for a retry in a subsystem that
 * may run it?  The cheap check `run --until-idle` makes many times a second:
 * it stops at the first such job. */
enum orr_rc jobs_busy(struct store *st, bool *busy, char **err);

#endif
