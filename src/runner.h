/* runner.h - `orrery run`: the rule engine and N worker threads, each with
 * its own connection, until stopped (SIGINT/SIGTERM), idle or out of time.
 * On a stop, workers finish or release what they hold and the run ends
 * cleanly. */
#ifndef ORR_RUNNER_H
#define ORR_RUNNER_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rc.h"
#include "rules.h"

struct run_options {
	int workers;          /* worker threads, >= 1 */
	bool until_idle;      /* stop when no event, job or retry is left to do */
	int64_t max_ms;       /* stop after this long; 0: no limit */
	int64_t lease_ms;     /* lease of a claimed job */
	int batch;            /* jobs claimed per transaction */
	FILE *progress;       /* a status line each second, or NULL */
	/* Set by another thread to stop the run (the console's orchestrator);
	 * NULL: only signals, idleness and max_ms stop it. */
	const atomic_int *stop;
	/* Leave SIGINT and SIGTERM alone (the console owns the terminal). */
	bool keep_signals;
	FILE *log;            /* log lines (see runlog.h), or NULL */
	bool log_json;        /* ... as JSON objects, one per line */
	/* Collect KPIs this often (0: once a minute; < 0: never on a timer)
	 * and at the end of the run. */
	int64_t kpi_every_ms;
	const char *metrics_file; /* Prometheus text rewritten after each collection, or NULL */
};

/* What a run did, for its report. */
struct run_report {
	long events;          /* events the rule engine handled */
	long finished;        /* job outcomes recorded by the workers */
	long reclaimed;       /* lapsed leases taken back */
	long expired;         /* approvals that expired */
	int64_t elapsed_ms;
	bool interrupted;     /* stopped by a signal */
};

/* rules: the engine's; their `enabled` follows rule_overrides, re-read
 * each second, so a rule switched off anywhere stops firing here too. */
enum orr_rc runner_run(const char *db_path, struct rule_set *rules,
		       const struct run_options *opt, struct run_report *rep, char **err);

#endif
