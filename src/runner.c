/* runner.c - the engine loop on the main thread, workers on their own. */
#include "runner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "approvals.h"
#include "engine.h"
#include "jobs.h"
#include "jobs_admin.h"
#include "kpi.h"
#include "runlog.h"
#include "rule_state.h"
#include "store.h"
#include "store_firing.h"
#include "subsys_integration.h"
#include "xalloc.h"

#define ENGINE_BATCH 1000
#define IDLE_WAIT_MS 50
#define HOUSEKEEPING_MS 1000
#define KPI_EVERY_MS 60000      /* the default of run_options.kpi_every_ms */
#define JSON_PROGRESS_MS 10000  /* a progress line this often in JSON logs */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
}

struct runner {
	const char *db_path;
	const struct run_options *opt;
	struct rule_set *rules;
	char id[320];
	pthread_mutex_t write_lock;
	pthread_mutex_t wake_lock;
	pthread_cond_t wake;
	atomic_int stop; /* set by the main thread: workers wind down */
	long finished;              /* under wake_lock */
	unsigned long work_gen;     /* bumped under wake_lock whenever work appears */
	char *worker_error;         /* first worker failure, under wake_lock */
	struct runlog log;
	int64_t started, last_kpi, last_progress; /* main thread only */
};

/* --- workers --------------------------------------------------------------- */

/* Wait until someone announces work after generation `seen`, a stop, or
 * IDLE_WAIT_MS.  Comparing generations means an announcement made between
 * our last look and this wait is not lost. */
static void wait_for_work(struct runner *r, unsigned long seen)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += IDLE_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->wake_lock);
	while (!r->stop && r->work_gen == seen &&
	       pthread_cond_timedwait(&r->wake, &r->wake_lock, &until) == 0)
		;
	pthread_mutex_unlock(&r->wake_lock);
}

static unsigned long work_seen(struct runner *r)
{
	pthread_mutex_lock(&r->wake_lock);
	unsigned long gen = r->work_gen;
	pthread_mutex_unlock(&r->wake_lock);
	return gen;
}

/* New jobs (from the engine) or new events (from a finished job). */
static void announce_work(struct runner *r)
{
	pthread_mutex_lock(&r->wake_lock);
	r->work_gen++;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->wake_lock);
}

static void run_claimed(struct runner *r, struct job_ctx *jobs, int n)
{
	for (int i = 0; i < n; i++) {
		struct job_ctx *c = &jobs[i];
		c->stop = &r->stop;
		if (c->status != JOB_DONE || !c->kind) /* refused at claim: unknown kind */
			continue;
		if (r->stop) {
			c->status = JOB_RELEASE; /* not started: back to the queue as it was */
			continue;
		}
		c->status = c->kind->run(c);
	}
}

static void worker_failed(struct runner *r, char *err)
{
	pthread_mutex_lock(&r->wake_lock);
	if (!r->worker_error)
		r->worker_error = err;
	else
		free(err);
	r->stop = 1;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->wake_lock);
}

/* A failed attempt is a warning, one that leaves the job dead an error;
 * successes are logged for JSON logs only (runlog drops info from text). */
static void log_outcomes(struct runner *r, const struct job_ctx *jobs, int n)
{
	for (int i = 0; i < n; i++) {
		const struct job_ctx *c = &jobs[i];
		struct runlog_about about = { c->subsystem ? c->subsystem->name : NULL, c->id,
					      c->event_id };
		const char *kind = c->kind ? c->kind->name : "a job of unknown kind";
		bool dead = c->status == JOB_PERMANENT || c->attempt >= c->max_attempts;
		if (c->lease_lost)
			runlog_write(&r->log, RUNLOG_WARN, &about,
				     "%s lost its lease: its outcome is dropped", kind);
		else if (c->status == JOB_DONE)
			runlog_write(&r->log, RUNLOG_INFO, &about, "%s succeeded (attempt %d)", kind,
				     c->attempt);
		else if (c->status != JOB_RELEASE)
			runlog_write(&r->log, dead ? RUNLOG_ERROR : RUNLOG_WARN, &about,
				     "%s attempt %d/%d failed%s: %s", kind, c->attempt,
				     c->max_attempts, dead ? ", the job is dead" : ", will retry",
				     c->error ? c->error : "no reason given");
	}
}

/* One pass: claim, run, record.  False when the worker must stop. */
static bool work_once(struct runner *r, struct store *st, uint64_t *rnd)
{
	struct job_ctx *jobs;
	int n;
	char *err = NULL;
	unsigned long seen = work_seen(r);
	if (jobs_claim(st, &clock_system, r->id, r->opt->lease_ms, r->opt->batch, &jobs, &n,
		       &err) != ORR_OK) {
		worker_failed(r, err);
		return false;
	}
	if (n == 0) {
		wait_for_work(r, seen);
		return !r->stop;
	}
	run_claimed(r, jobs, n);
	log_outcomes(r, jobs, n);
	if (jobs_finish(st, &clock_system, jobs, n, rnd, &err) != ORR_OK) {
		worker_failed(r, err);
		return false;
	}
	pthread_mutex_lock(&r->wake_lock);
	r->finished += n;
	pthread_mutex_unlock(&r->wake_lock);
	announce_work(r); /* their result events wait for the engine */
	return true;
}

static void *worker_main(void *arg)
{
	struct runner *r = arg;
	struct store *st = NULL;
	char *err = NULL;
	if (store_open(r->db_path, STORE_READWRITE, &st, &err) != ORR_OK) {
		worker_failed(r, err);
		return NULL;
	}
	store_share_write_lock(st, &r->write_lock);
	store_tune_for_service(st);
	uint64_t rnd = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&rnd;
	while (!r->stop && work_once(r, st, &rnd))
		;
	store_close(st);
	return NULL;
}

/* --- the main thread ------------------------------------------------------- */

static enum orr_rc housekeeping(struct store *st, struct run_report *rep, uint64_t *rnd,
				char **err)
{
	int n = 0;
	enum orr_rc rc = jobs_reclaim(st, &clock_system, rnd, &n, err);
	rep->reclaimed += n;
	if (rc == ORR_OK)
		rc = approvals_expire(st, &clock_system, &n, err);
	if (rc == ORR_OK)
		rep->expired += n;
	return rc;
}

/* One snapshot for both checks: read apart, a job could be running in the
 * first and done, with its event not yet handled, in the second. */
static bool idle(struct store *st)
{
	char *err = NULL;
	bool busy = true;
	bool quiet = store_snapshot_begin(st, &err) == ORR_OK && jobs_busy(st, &busy, &err) == ORR_OK &&
		     !busy && consumer_backlog(st, ENGINE_CONSUMER) == 0 &&
		     integration_backlog(st) == 0;
	store_snapshot_end(st);
	free(err); /* a failed check is "not idle yet": the loop goes on */
	return quiet;
}

static void show_progress(struct runner *r, struct store *st, const struct run_report *rep)
{
	struct jobs_counts c;
	char *err = NULL;
	if (jobs_counts(st, clock_now(&clock_system), &c, &err) != ORR_OK) {
		free(err);
		return;
	}
	fprintf(r->opt->progress,
		"\rrun: %ld events, jobs %ld queued %ld running %ld succeeded %ld failed %ld dead  ",
		rep->events, c.queued, c.running, c.succeeded, c.failed, c.dead);
	fflush(r->opt->progress);
}

static bool should_stop(struct runner *r, int64_t started)
{
	if (stop_signal || r->stop || (r->opt->stop && atomic_load(r->opt->stop)))
		return true;
	return r->opt->max_ms > 0 && clock_now(&clock_system) - started >= r->opt->max_ms;
}

/* --- KPIs and logs --------------------------------------------------------- */

/* The runner's span, and (collect) the samples and the metrics file.  A
 * failure is logged, not fatal: the run matters more than its measurement. */
static void kpi_tick(struct runner *r, struct store *st, bool collect)
{
	char *err = NULL;
	int n = 0;
	enum orr_rc rc = kpi_runner_seen(st, r->id, r->started, r->opt->workers, &clock_system,
					 &err);
	if (rc == ORR_OK && collect)
		rc = kpi_collect(st, &clock_system, &n, &err);
	if (rc == ORR_OK && collect && r->opt->metrics_file)
		rc = kpi_write_metrics_file(st, &clock_system, r->opt->metrics_file, &err);
	if (rc == ORR_OK && collect)
		runlog_write(&r->log, RUNLOG_INFO, NULL, "KPIs collected: %d samples written", n);
	else if (rc != ORR_OK)
		runlog_write(&r->log, RUNLOG_ERROR, NULL, "KPIs not collected: %s", err);
	free(err);
}

/* The span starts now, and a metrics file that cannot be written stops the
 * run before it begins rather than a minute into it. */
static enum orr_rc kpi_start(struct runner *r, struct store *st, char **err)
{
	enum orr_rc rc = kpi_runner_seen(st, r->id, r->started, r->opt->workers, &clock_system,
					 err);
	if (rc == ORR_OK && r->opt->metrics_file)
		rc = kpi_write_metrics_file(st, &clock_system, r->opt->metrics_file, err);
	if (rc == ORR_OK)
		runlog_write(&r->log, RUNLOG_INFO, NULL, "run %s started: %d workers", r->id,
			     r->opt->workers);
	return rc;
}

static void log_progress(struct runner *r, struct store *st, const struct run_report *rep)
{
	struct jobs_counts c;
	char *err = NULL;
	if (jobs_counts(st, clock_now(&clock_system), &c, &err) != ORR_OK) {
		free(err);
		return;
	}
	runlog_write(&r->log, RUNLOG_INFO, NULL,
		     "progress: %ld events, jobs %ld queued %ld running %ld succeeded %ld failed "
		     "%ld dead", rep->events, c.queued, c.running, c.succeeded, c.failed, c.dead);
}

/* After housekeeping: what it did, progress for JSON logs, KPIs when due. */
static void periodic(struct runner *r, struct store *st, const struct run_report *rep,
		     const struct run_report *before, int64_t now)
{
	if (rep->reclaimed > before->reclaimed)
		runlog_write(&r->log, RUNLOG_WARN, NULL, "%ld lapsed leases taken back",
			     rep->reclaimed - before->reclaimed);
	if (rep->expired > before->expired)
		runlog_write(&r->log, RUNLOG_INFO, NULL, "%ld approvals expired",
			     rep->expired - before->expired);
	if (r->log.json && now - r->last_progress >= JSON_PROGRESS_MS) {
		log_progress(r, st, rep);
		r->last_progress = now;
	}
	int64_t every = r->opt->kpi_every_ms ? r->opt->kpi_every_ms : KPI_EVERY_MS;
	if (every > 0 && now - r->last_kpi >= every) {
		kpi_tick(r, st, true);
		r->last_kpi = now;
	}
}

/* The engine and housekeeping until a stop; the first error ends the run. */
static enum orr_rc main_loop(struct runner *r, struct store *st, struct run_report *rep,
			     int64_t started, char **err)
{
	uint64_t rnd = (uint64_t)started;
	int64_t last_house = 0;
	enum orr_rc rc = ORR_OK;
	while (rc == ORR_OK && !should_stop(r, started)) {
		int64_t now = clock_now(&clock_system);
		if (now - last_house >= HOUSEKEEPING_MS) {
			struct run_report before = *rep;
			rc = housekeeping(st, rep, &rnd, err);
			if (rc == ORR_OK)
				rc = rule_state_apply(st, r->rules, err);
			if (r->opt->progress)
				show_progress(r, st, rep);
			if (rc == ORR_OK)
				periodic(r, st, rep, &before, now);
			last_house = now;
		}
		int handled = 0;
		unsigned long seen = work_seen(r);
		if (rc == ORR_OK)
			rc = engine_step(st, r->rules, &clock_system, ENGINE_BATCH, &handled, err);
		rep->events += handled;
		/* subscribed events become deliveries for the connectors */
		int dispatched = 0;
		if (rc == ORR_OK)
			rc = integration_dispatch(st, &clock_system, ENGINE_BATCH, &dispatched, err);
		handled += dispatched;
		if (handled > 0) {
			announce_work(r);
			continue;
		}
		if (rc == ORR_OK && r->opt->until_idle && idle(st))
			break;
		if (rc == ORR_OK)
			wait_for_work(r, seen);
	}
	return rc;
}

static void runner_identify(struct runner *r, int64_t started, char *host, size_t hostsize)
{
	gethostname(host, hostsize - 1);
	host[hostsize - 1] = '\0';
	snprintf(r->id, sizeof r->id, "%s:%ld:%lld", host, (long)getpid(), (long long)started);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	stop_signal = 0;
}

static enum orr_rc start_workers(struct runner *r, pthread_t *threads, int *started, char **err)
{
	for (*started = 0; *started < r->opt->workers; (*started)++)
		if (pthread_create(&threads[*started], NULL, worker_main, r) != 0) {
			*err = xstrdup("cannot start a worker thread");
			return ORR_SOFTWARE;
		}
	return ORR_OK;
}

static void stop_workers(struct runner *r, pthread_t *threads, int n)
{
	pthread_mutex_lock(&r->wake_lock);
	r->stop = 1;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->wake_lock);
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
}

/* Register, run, and always unregister and hand back leases. */
static enum orr_rc run_with(struct runner *r, struct store *st, struct run_report *rep,
			    char **err)
{
	int64_t started = clock_now(&clock_system);
	char host[256] = "";
	runner_identify(r, started, host, sizeof host);
	enum orr_rc rc = jobs_runner_register(st, r->id, host, (long)getpid(), started, err);
	r->started = r->last_kpi = r->last_progress = started;
	if (rc == ORR_OK)
		rc = kpi_start(r, st, err);
	pthread_t *threads = xcalloc((size_t)r->opt->workers, sizeof *threads);
	int nthreads = 0;
	if (rc == ORR_OK)
		rc = start_workers(r, threads, &nthreads, err);
	if (rc == ORR_OK)
		rc = main_loop(r, st, rep, started, err);
	stop_workers(r, threads, nthreads);
	free(threads);
	/* It ran: its span ends now.  The samples are collected again only for
	 * a metrics file: re-reading the last hour's jobs costs about 0.5 s at
	 * 100,000 of them, and `orrery kpi` collects before it reports. */
	if (nthreads > 0)
		kpi_tick(r, st, r->opt->metrics_file != NULL);
	if (rc == ORR_OK && r->worker_error) {
		*err = r->worker_error;
		r->worker_error = NULL;
		rc = ORR_SOFTWARE;
	}
	int released = 0;
	char *e2 = NULL;
	if (jobs_release_owner(st, r->id, &released, &e2) != ORR_OK ||
	    jobs_runner_unregister(st, r->id, &e2) != ORR_OK)
		free(e2);
	rep->finished = r->finished;
	rep->elapsed_ms = clock_now(&clock_system) - started;
	rep->interrupted = stop_signal != 0;
	if (r->opt->progress)
		fputc('\n', r->opt->progress);
	runlog_write(&r->log, RUNLOG_INFO, NULL, "run %s finished: %ld events handled, %ld job "
		     "outcomes in %.2f s%s", r->id, rep->events, rep->finished,
		     rep->elapsed_ms / 1000.0, rep->interrupted ? " (stopped by a signal)" : "");
	return rc;
}

enum orr_rc runner_run(const char *db_path, struct rule_set *rules,
		       const struct run_options *opt, struct run_report *rep, char **err)
{
	struct runner r = { .db_path = db_path, .opt = opt, .rules = rules,
			    .log = { opt->log, opt->log_json, &clock_system } };
	memset(rep, 0, sizeof *rep);
	struct store *st = NULL;
	enum orr_rc rc = store_open(db_path, STORE_READWRITE, &st, err);
	if (rc != ORR_OK)
		return rc;
	pthread_mutex_init(&r.write_lock, NULL);
	pthread_mutex_init(&r.wake_lock, NULL);
	pthread_cond_init(&r.wake, NULL);
	store_share_write_lock(st, &r.write_lock);
	store_tune_for_service(st);
	if (!opt->keep_signals)
		install_signals();
	rc = run_with(&r, st, rep, err);
	free(r.worker_error);
	store_close(st);
	pthread_cond_destroy(&r.wake);
	pthread_mutex_destroy(&r.wake_lock);
	pthread_mutex_destroy(&r.write_lock);
	return rc;
}
