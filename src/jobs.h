/* jobs.h - the durable job queue: enqueue, claim with a lease, finish,
 * retry with backoff, dead letters with the subsystem's fallback, and the
 * operator's bulk actions.  Every state change two parties could race on
 * is one conditional UPDATE.  Times are Unix milliseconds. */
#ifndef ORR_JOBS_H
#define ORR_JOBS_H

#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "rc.h"
#include "subsystem.h"

struct store;

/* What to enqueue.  Unset fields take the defaults of the kind's subsystem. */
struct job_spec {
	const char *kind;
	const char *args;        /* JSON object text; NULL: {} */
	bool args_checked;       /* the caller built args itself: skip re-parsing */
	const char *key;         /* idempotency key: a second enqueue is a no-op */
	int priority;
	int64_t run_after;       /* 0: now */
	int max_attempts;        /* 0: the subsystem's retry policy */
	const char *entity;      /* what it is about (from the event), or NULL */
	int64_t entity_id;
	int64_t event_id;        /* the event whose rule enqueued it, or 0 */
	int depth;               /* that event's depth (see events.depth) */
	const char *rule;
	int64_t approval_id;
};

/* Insert a job.  With a key already present nothing is inserted, *existed
 * is set and *id is the existing job.  Unknown kinds are ORR_USAGE. */
enum orr_rc jobs_enqueue(struct store *st, const struct job_spec *spec, int64_t now,
			 int64_t *id, bool *existed, char **err);

/* One claimed job, as a handler sees it. */
struct job_ctx {
	struct store *st;        /* the worker's own connection */
	const struct clock *clock;
	const struct job_kind *kind;
	const struct subsystem *subsystem;
	int64_t id;
	char *key;               /* NULL when none */
	int attempt, max_attempts;
	json_t *args;            /* never NULL */
	char *entity;
	int64_t entity_id, event_id;
	int depth;
	char *owner;             /* the runner holding the lease */
	int64_t lease_ms;
	const atomic_int *stop; /* set when the runner shuts down */
	/* set by the handler */
	enum job_status status;
	json_t *result;          /* owned; NULL: {} */
	char *error;             /* owned; the reason of a failure */
	bool lease_lost;
	bool runner_fault;       /* failed because its runner died: not the subsystem's fault */
	/* Set by the handler: a retry or a release runs no earlier than this
	 * (Unix ms; 0: no floor), e.g. a server's Retry-After or an open
	 * connector breaker's cool-down. */
	int64_t not_before;
};

/* Handler helpers.  job_log appends a line to the job's log; job_progress
 * records 0-100; both renew the lease.  job_fail sets the error text and
 * returns status, for `return job_fail(ctx, JOB_RETRY, "...")`. */
void job_log(struct job_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void job_progress(struct job_ctx *ctx, int pct);
enum job_status job_fail(struct job_ctx *ctx, enum job_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Renew the lease; false when it was lost (expired and taken, or killed). */
bool job_heartbeat(struct job_ctx *ctx);

/* Claim up to max ready jobs for owner, leased for lease_ms, skipping paused
 * subsystems and open breakers (a half-open breaker lets one trial job
 * through).  *out is an array of *n contexts to run and then finish. */
enum orr_rc jobs_claim(struct store *st, const struct clock *clock, const char *owner,
		       int64_t lease_ms, int max, struct job_ctx **out, int *n, char **err);

/* Record the outcome of each claimed job (ctx->status) in one transaction,
 * each job in its own savepoint: a succeeded job's commit() and its new
 * state land together; a job whose lease was lost changes nothing.
 * rnd drives the backoff jitter.  Frees the contexts. */
enum orr_rc jobs_finish(struct store *st, const struct clock *clock, struct job_ctx *jobs, int n,
			uint64_t *rnd, char **err);

/* Running jobs whose lease expired, and those of runners that died on this
 * host, count as failed attempts and are retried (or die). *n: how many. */
enum orr_rc jobs_reclaim(struct store *st, const struct clock *clock, uint64_t *rnd, int *n,
			 char **err);

/* Runners: registered while `orrery run` lives, so a restart on the same
 * host can tell a dead runner's leases from a live one's. */
enum orr_rc jobs_runner_register(struct store *st, const char *id, const char *host, long pid,
				 int64_t now, char **err);
enum orr_rc jobs_runner_unregister(struct store *st, const char *id, char **err);
/* Release a stopping runner's leases without using an attempt. */
enum orr_rc jobs_release_owner(struct store *st, const char *owner, int *n, char **err);

/* Registered `orrery run` processes that are alive, as far as this host
 * can tell (the console's header shows them). */
long jobs_runners_live(struct store *st);

#endif
