/* subsystem.h - the subsystem contract and the registry.
 *
 * Every subsystem is one module that fills one const struct subsystem: what
 * it is for, the events it consumes and produces, the job kinds it runs
 * with their handlers, its retry and breaker policies and its fallback.
 * The registry (subsystem.c) lists them; the rule engine, the workers, the
 * CLI and the console all read it, so adding a subsystem is one module and
 * one registry line. */
#ifndef ORR_SUBSYSTEM_H
#define ORR_SUBSYSTEM_H

#include <stdbool.h>
#include <stddef.h>

#include "rc.h"
#include "retry.h"

struct job_ctx;

enum job_status {
	JOB_DONE,      /* succeeded: commit() runs, then the job is succeeded */
	JOB_RETRY,     /* failed; retried with backoff while attempts remain */
	JOB_PERMANENT, /* failed; retrying cannot help: dead at once */
	JOB_RELEASE,   /* stopped for shutdown: back to the queue, no attempt used */
};

struct job_kind {
	const char *name;    /* "<subsystem>.<verb>" */
	const char *summary;
	/* The work, outside any transaction: it may take long, and reports
	 * with job_log / job_progress (which also renew the lease). */
	enum job_status (*run)(struct job_ctx *ctx);
	/* Inside the transaction that marks the job succeeded: write what the
	 * work produced, so result and completion commit together.  May be NULL. */
	enum orr_rc (*commit)(struct job_ctx *ctx, char **err);
};

struct subsystem {
	const char *name;
	const char *purpose;
	const char *const *consumes; /* event types, NULL-terminated */
	const char *const *produces;
	const struct job_kind *kinds;
	size_t nkinds;
	struct retry_policy retry;
	struct breaker_policy breaker;
	const char *fallback;        /* what happens to a dead job, in words */
	/* Inside the transaction that marks a job dead.  May be NULL. */
	enum orr_rc (*on_dead)(struct job_ctx *ctx, char **err);
};

/* All registered subsystems, in registry order. */
const struct subsystem *const *subsystem_all(size_t *n);
const struct subsystem *subsystem_find(const char *name);
/* The kind named "sub.verb" and its subsystem, or NULL. */
const struct job_kind *subsystem_job_kind(const char *kind, const struct subsystem **owner);
bool subsystem_kind_known(const char *kind);

#endif
