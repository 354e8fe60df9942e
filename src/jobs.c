/* jobs.c - the job life cycle: enqueue, claim, run helpers, finish, reclaim. */
#include "jobs.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_event.h"
#include "store_internal.h"
#include "store_subsys.h"
#include "xalloc.h"

/* --- enqueue --------------------------------------------------------------- */

static const char enqueue_sql[] =
	"INSERT INTO jobs (kind, subsystem, priority, run_after, max_attempts, idempotency_key, "
	"args, entity, entity_id, event_id, depth, rule, approval_id, created_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
	"ON CONFLICT (idempotency_key) DO NOTHING";

static enum orr_rc existing_job(struct store *st, const char *key, int64_t *id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "SELECT id FROM jobs WHERE idempotency_key = ?1",
					    "cannot enqueue", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	return store_step_done(st, s, "cannot enqueue", err);
}

static bool args_valid(const char *args, char **err)
{
	if (!args)
		return true;
	json_error_t je;
	json_t *j = json_loads(args, JSON_REJECT_DUPLICATES, &je);
	bool ok = json_is_object(j);
	if (!j)
		*err = xasprintf("job args are not valid JSON: %s (column %d)", je.text, je.column);
	else if (!ok)
		*err = xstrdup("job args must be a JSON object");
	json_decref(j);
	return ok;
}

static void bind_spec(sqlite3_stmt *s, const struct job_spec *spec, const struct subsystem *sub,
		      int64_t now)
{
	sqlite3_bind_text(s, 1, spec->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sub->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, spec->priority);
	sqlite3_bind_int64(s, 4, spec->run_after ? spec->run_after : now);
	sqlite3_bind_int(s, 5, spec->max_attempts > 0 ? spec->max_attempts : sub->retry.max_attempts);
	store_bind_text_or_null(s, 6, spec->key);
	sqlite3_bind_text(s, 7, spec->args ? spec->args : "{}", -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 8, spec->entity);
	if (spec->entity)
		sqlite3_bind_int64(s, 9, spec->entity_id);
	else
		sqlite3_bind_null(s, 9);
	store_bind_id_or_null(s, 10, spec->event_id);
	sqlite3_bind_int(s, 11, spec->depth);
	store_bind_text_or_null(s, 12, spec->rule);
	store_bind_id_or_null(s, 13, spec->approval_id);
	sqlite3_bind_int64(s, 14, now);
}

enum orr_rc jobs_enqueue(struct store *st, const struct job_spec *spec, int64_t now,
			 int64_t *id, bool *existed, char **err)
{
	const struct subsystem *sub;
	*existed = false;
	if (!subsystem_job_kind(spec->kind, &sub)) {
		*err = xasprintf("unknown job kind \"%s\" (see `orrery subsystems`)", spec->kind);
		return ORR_USAGE;
	}
	if (!spec->args_checked && !args_valid(spec->args, err))
		return ORR_DATAERR;
	sqlite3_stmt *s = store_stmt_or_err(st, enqueue_sql, "cannot enqueue", err);
	if (!s)
		return ORR_SOFTWARE;
	bind_spec(s, spec, sub, now);
	enum orr_rc rc = store_step_done(st, s, "cannot enqueue", err);
	if (rc != ORR_OK)
		return rc;
	if (sqlite3_changes(store_sqlite(st)) == 1) {
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
		return ORR_OK;
	}
	*existed = true;
	return existing_job(st, spec->key, id, err);
}

/* --- handler helpers ------------------------------------------------------- */

/* The helpers write outside the job's transaction, each on its own; a
 * failure to log or renew is not the job's failure. */
static bool helper_begin(struct job_ctx *ctx)
{
	char *err = NULL;
	if (store_begin(ctx->st, &err) == ORR_OK)
		return true;
	free(err);
	return false;
}

static void helper_commit(struct job_ctx *ctx)
{
	char *err = NULL;
	if (store_commit(ctx->st, &err) != ORR_OK)
		free(err);
}

static void renew_lease(struct job_ctx *ctx)
{
	sqlite3_stmt *s = store_stmt(ctx->st,
		"UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND state = 'running' "
		"AND lease_owner = ?3");
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, clock_now(ctx->clock) + ctx->lease_ms);
	sqlite3_bind_int64(s, 2, ctx->id);
	sqlite3_bind_text(s, 3, ctx->owner, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(store_sqlite(ctx->st)) == 0)
		ctx->lease_lost = true;
	sqlite3_reset(s);
}

bool job_heartbeat(struct job_ctx *ctx)
{
	if (helper_begin(ctx)) {
		renew_lease(ctx);
		helper_commit(ctx);
	}
	return !ctx->lease_lost;
}

void job_log(struct job_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line;
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line || !helper_begin(ctx)) {
		free(line);
		return;
	}
	sqlite3_stmt *s = store_stmt(ctx->st,
		"INSERT INTO job_logs (job_id, at, line) VALUES (?1, ?2, ?3)");
	if (s) {
		sqlite3_bind_int64(s, 1, ctx->id);
		sqlite3_bind_int64(s, 2, clock_now(ctx->clock));
		sqlite3_bind_text(s, 3, line, -1, SQLITE_STATIC);
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	free(line);
	renew_lease(ctx);
	helper_commit(ctx);
}

void job_progress(struct job_ctx *ctx, int pct)
{
	if (!helper_begin(ctx))
		return;
	sqlite3_stmt *s = store_stmt(ctx->st,
		"UPDATE jobs SET progress = ?1 WHERE id = ?2 AND state = 'running'");
	if (s) {
		sqlite3_bind_int(s, 1, pct < 0 ? 0 : pct > 100 ? 100 : pct);
		sqlite3_bind_int64(s, 2, ctx->id);
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	renew_lease(ctx);
	helper_commit(ctx);
}

enum job_status job_fail(struct job_ctx *ctx, enum job_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(ctx->error);
	if (vasprintf(&ctx->error, fmt, ap) < 0)
		ctx->error = NULL;
	va_end(ap);
	ctx->status = status;
	return status;
}

/* --- subsystem states for one transaction ---------------------------------- */

/* The registry's subsystems with their stored state, loaded once per
 * transaction and written back when a breaker moved. */
struct states {
	struct subsys_state *v;
	bool *dirty;
	size_t n;
};

static enum orr_rc states_load(struct store *st, struct states *ss, char **err)
{
	const struct subsystem *const *all = subsystem_all(&ss->n);
	ss->v = xcalloc(ss->n, sizeof *ss->v);
	ss->dirty = xcalloc(ss->n, sizeof *ss->dirty);
	for (size_t i = 0; i < ss->n; i++) {
		enum orr_rc rc = subsys_state_load(st, all[i]->name, &ss->v[i], err);
		if (rc != ORR_OK)
			return rc;
	}
	return ORR_OK;
}

static size_t states_index(const struct subsystem *sub)
{
	size_t n;
	const struct subsystem *const *all = subsystem_all(&n);
	for (size_t i = 0; i < n; i++)
		if (all[i] == sub)
			return i;
	return 0; /* unreachable: every subsystem is in the registry */
}

static enum orr_rc states_save(struct store *st, struct states *ss, int64_t now, char **err)
{
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < ss->n && rc == ORR_OK; i++)
		if (ss->dirty[i])
			rc = subsys_state_save(st, &ss->v[i], now, err);
	return rc;
}

static void states_free(struct states *ss)
{
	free(ss->v);
	free(ss->dirty);
}

/* --- claim ----------------------------------------------------------------- */

/* INDEXED BY: without statistics the planner prefers jobs_state_kind and
 * sorts every ready job on each claim, which is quadratic in the backlog. */
static const char claim_sql[] =
	"UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?1, "
	"lease_until = ?2, started_at = ?3 WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_ready "
	"WHERE state IN ('queued', 'failed') AND run_after <= ?3 "
	"AND (?5 IS NULL OR subsystem = ?5) "
	"AND subsystem NOT IN (SELECT value FROM json_each(?6)) "
	"ORDER BY priority DESC, run_after, id LIMIT ?4) "
	"RETURNING id, kind, idempotency_key, attempts, max_attempts, args, entity, entity_id, "
	"event_id, depth";

static void ctx_from_row(struct job_ctx *c, sqlite3_stmt *s)
{
	c->id = sqlite3_column_int64(s, 0);
	const char *kind = (const char *)sqlite3_column_text(s, 1);
	c->kind = subsystem_job_kind(kind, &c->subsystem);
	const char *key = (const char *)sqlite3_column_text(s, 2);
	c->key = key ? xstrdup(key) : NULL;
	c->attempt = sqlite3_column_int(s, 3);
	c->max_attempts = sqlite3_column_int(s, 4);
	c->args = json_loads((const char *)sqlite3_column_text(s, 5), 0, NULL);
	const char *entity = (const char *)sqlite3_column_text(s, 6);
	c->entity = entity ? xstrdup(entity) : NULL;
	c->entity_id = sqlite3_column_int64(s, 7);
	c->event_id = sqlite3_column_int64(s, 8);
	c->depth = sqlite3_column_int(s, 9);
	if (!c->args)
		c->args = json_object();
	/* a kind this build does not know (a newer orrery enqueued it) cannot
	 * run here, and retrying will not teach it */
	if (!c->kind)
		job_fail(c, JOB_PERMANENT, "unknown job kind \"%s\"", kind);
}

struct claim {
	struct store *st;
	const struct clock *clock;
	const char *owner;
	int64_t lease_ms, now;
	struct job_ctx *jobs;
	int n, cap;
};

static enum orr_rc claim_some(struct claim *cl, int max, const char *only, const char *excluded,
			      char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(cl->st, claim_sql, "cannot claim jobs", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, cl->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, cl->now + cl->lease_ms);
	sqlite3_bind_int64(s, 3, cl->now);
	sqlite3_bind_int(s, 4, max);
	store_bind_text_or_null(s, 5, only);
	sqlite3_bind_text(s, 6, excluded, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cl->n == cl->cap) {
			cl->cap = cl->cap ? cl->cap * 2 : 16;
			cl->jobs = xrealloc(cl->jobs, (size_t)cl->cap * sizeof *cl->jobs);
		}
		struct job_ctx *c = &cl->jobs[cl->n++];
		*c = (struct job_ctx){ .st = cl->st, .clock = cl->clock, .lease_ms = cl->lease_ms,
				       .owner = xstrdup(cl->owner), .status = JOB_DONE };
		ctx_from_row(c, s);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(cl->st, "cannot claim jobs");
	return store_rc(rc);
}

/* Subsystems whose jobs may not start now, as a JSON array for json_each.
 * Half-open ones are excluded too: their single trial is claimed apart. */
static char *excluded_subsystems(struct states *ss, int64_t now)
{
	size_t n;
	const struct subsystem *const *all = subsystem_all(&n);
	json_t *list = json_array();
	for (size_t i = 0; i < ss->n; i++) {
		struct subsys_state *s = &ss->v[i];
		if (breaker_tick(&s->breaker, &all[i]->breaker, now))
			ss->dirty[i] = true;
		if (s->paused || s->breaker.state != BREAKER_CLOSED)
			json_array_append_new(list, json_string(s->name));
	}
	char *text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text;
}

/* One trial job for each half-open breaker that has none yet. */
static enum orr_rc claim_trials(struct claim *cl, struct states *ss, char **err)
{
	for (size_t i = 0; i < ss->n; i++) {
		struct subsys_state *s = &ss->v[i];
		if (s->paused || !breaker_allows(&s->breaker) || s->breaker.state == BREAKER_CLOSED)
			continue;
		int before = cl->n;
		enum orr_rc rc = claim_some(cl, 1, s->name, "[]", err);
		if (rc != ORR_OK)
			return rc;
		if (cl->n > before) {
			s->breaker.trial_job = cl->jobs[before].id;
			ss->dirty[i] = true;
		}
	}
	return ORR_OK;
}

static enum orr_rc claim_in_tx(struct claim *cl, int max, char **err)
{
	struct states ss = { 0 };
	enum orr_rc rc = states_load(cl->st, &ss, err);
	char *excluded = rc == ORR_OK ? excluded_subsystems(&ss, cl->now) : NULL;
	if (rc == ORR_OK)
		rc = claim_trials(cl, &ss, err);
	if (rc == ORR_OK && cl->n < max)
		rc = claim_some(cl, max - cl->n, NULL, excluded, err);
	if (rc == ORR_OK)
		rc = states_save(cl->st, &ss, cl->now, err);
	free(excluded);
	states_free(&ss);
	return rc;
}

static void ctx_free(struct job_ctx *c)
{
	free(c->key);
	free(c->entity);
	free(c->owner);
	free(c->error);
	json_decref(c->args);
	json_decref(c->result);
}

static void ctxs_free(struct job_ctx *jobs, int n)
{
	for (int i = 0; i < n; i++)
		ctx_free(&jobs[i]);
	free(jobs);
}

enum orr_rc jobs_claim(struct store *st, const struct clock *clock, const char *owner,
		       int64_t lease_ms, int max, struct job_ctx **out, int *n, char **err)
{
	struct claim cl = { .st = st, .clock = clock, .owner = owner, .lease_ms = lease_ms,
			    .now = clock_now(clock) };
	*out = NULL;
	*n = 0;
	enum orr_rc rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	rc = claim_in_tx(&cl, max, err);
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK) {
		store_rollback(st);
		ctxs_free(cl.jobs, cl.n);
		return rc;
	}
	*out = cl.jobs;
	*n = cl.n;
	return ORR_OK;
}

/* --- finish ---------------------------------------------------------------- */

/* Bind the job id and lease owner as ?1 and ?2 and run a conditional UPDATE;
 * *held is false when the lease was no longer ours. */
static enum orr_rc update_leased(struct job_ctx *c, sqlite3_stmt *s, bool *held, char **err)
{
	sqlite3_bind_int64(s, 1, c->id);
	sqlite3_bind_text(s, 2, c->owner, -1, SQLITE_STATIC);
	enum orr_rc rc = store_step_done(c->st, s, "cannot finish a job", err);
	*held = rc == ORR_OK && sqlite3_changes(store_sqlite(c->st)) == 1;
	return rc;
}

static enum orr_rc job_event(struct job_ctx *c, const char *type, int64_t now, char **err)
{
	json_t *p = json_pack("{sIssss?ss?}", "job_id", (json_int_t)c->id, "kind",
			      c->kind ? c->kind->name : "unknown", "key", c->key, "error",
			      c->status == JOB_DONE ? NULL : c->error);
	if (c->status == JOB_DONE)
		json_object_set_new(p, "result", c->result ? json_incref(c->result) : json_object());
	char *payload = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	struct event_new ev = { .type = type, .entity = c->entity ? c->entity : "job",
				.entity_id = c->entity ? c->entity_id : c->id, .payload = payload,
				.cause_id = c->event_id, .depth = c->depth + 1 };
	enum orr_rc rc = event_append(c->st, &ev, now, NULL, err);
	free(payload);
	return rc;
}

static enum orr_rc mark_succeeded(struct job_ctx *c, int64_t now, bool *held, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(c->st,
		"UPDATE jobs SET state = 'succeeded', result = ?3, progress = 100, finished_at = ?4, "
		"lease_owner = NULL, lease_until = NULL, last_error = NULL "
		"WHERE id = ?1 AND state = 'running' AND lease_owner = ?2", "cannot finish a job", err);
	if (!s)
		return ORR_SOFTWARE;
	char *result = c->result ? json_dumps(c->result, JSON_COMPACT) : NULL;
	sqlite3_bind_text(s, 3, result ? result : "{}", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now);
	free(result);
	enum orr_rc rc = update_leased(c, s, held, err);
	if (rc == ORR_OK && *held)
		rc = job_event(c, "job.succeeded", now, err);
	return rc;
}

static enum orr_rc mark_failed(struct job_ctx *c, int64_t now, int64_t wait, bool *held,
			       char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(c->st,
		"UPDATE jobs SET state = 'failed', run_after = ?3, last_error = ?4, "
		"lease_owner = NULL, lease_until = NULL "
		"WHERE id = ?1 AND state = 'running' AND lease_owner = ?2", "cannot finish a job", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 3, now + wait > c->not_before ? now + wait : c->not_before);
	store_bind_text_or_null(s, 4, c->error);
	return update_leased(c, s, held, err);
}

static enum orr_rc mark_dead(struct job_ctx *c, int64_t now, bool *held, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(c->st,
		"UPDATE jobs SET state = 'dead', finished_at = ?3, last_error = ?4, "
		"lease_owner = NULL, lease_until = NULL "
		"WHERE id = ?1 AND state = 'running' AND lease_owner = ?2", "cannot finish a job", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 3, now);
	store_bind_text_or_null(s, 4, c->error);
	enum orr_rc rc = update_leased(c, s, held, err);
	if (rc == ORR_OK && *held && c->subsystem && c->subsystem->on_dead)
		rc = c->subsystem->on_dead(c, err);
	if (rc == ORR_OK && *held)
		rc = job_event(c, "job.dead", now, err);
	return rc;
}

static enum orr_rc mark_released(struct job_ctx *c, bool *held, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(c->st,
		"UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, "
		"lease_until = NULL, run_after = max(run_after, ?3) "
		"WHERE id = ?1 AND state = 'running' AND lease_owner = ?2",
		"cannot release a job", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 3, c->not_before);
	return update_leased(c, s, held, err);
}

/* The work succeeded: its commit() and the new state land together.  A
 * commit() that fails turns the outcome into a retryable failure. */
static enum orr_rc finish_done(struct job_ctx *c, int64_t now, bool *held, char **err)
{
	if (c->kind->commit) {
		char *why = NULL;
		if (c->kind->commit(c, &why) != ORR_OK) {
			job_fail(c, JOB_RETRY, "%s", why ? why : "commit failed");
			free(why);
			return ORR_OK;
		}
	}
	return mark_succeeded(c, now, held, err);
}

static enum orr_rc finish_failed(struct job_ctx *c, int64_t now, uint64_t *rnd, bool *held,
				 char **err)
{
	if (!c->error)
		c->error = xstrdup("failed without a reason");
	if (c->status == JOB_PERMANENT || c->attempt >= c->max_attempts)
		return mark_dead(c, now, held, err);
	const struct retry_policy *p = c->subsystem ? &c->subsystem->retry : NULL;
	int64_t wait = p ? retry_backoff_ms(p, c->attempt, retry_random(rnd)) : 0;
	return mark_failed(c, now, wait, held, err);
}

static void record_breaker(struct states *ss, const struct job_ctx *c, bool ok, int64_t now)
{
	if (!c->subsystem)
		return;
	size_t i = states_index(c->subsystem);
	breaker_record(&ss->v[i].breaker, &c->subsystem->breaker, ok, now);
	ss->dirty[i] = true; /* the window counts moved even when the state did not */
}

/* One job in its own savepoint: a lost lease undoes whatever commit() wrote. */
static enum orr_rc finish_one(struct job_ctx *c, struct states *ss, int64_t now, uint64_t *rnd,
			      char **err)
{
	enum orr_rc rc = store_exec(c->st, "SAVEPOINT job", err);
	if (rc != ORR_OK)
		return rc;
	bool held = false;
	if (c->status == JOB_DONE && !c->lease_lost)
		rc = finish_done(c, now, &held, err);
	if (rc == ORR_OK && !held && !c->lease_lost) {
		if (c->status == JOB_RELEASE)
			rc = mark_released(c, &held, err);
		else if (c->status != JOB_DONE)
			rc = finish_failed(c, now, rnd, &held, err);
	}
	/* a runner that died says nothing about the subsystem's health */
	if (rc == ORR_OK && held && c->status != JOB_RELEASE && !c->runner_fault)
		record_breaker(ss, c, c->status == JOB_DONE, now);
	char *ignored = NULL;
	if ((rc != ORR_OK || !held) && store_exec(c->st, "ROLLBACK TO job", &ignored) != ORR_OK)
		free(ignored);
	if (rc != ORR_OK) {
		if (store_exec(c->st, "RELEASE job", &ignored) != ORR_OK)
			free(ignored);
		return rc;
	}
	return store_exec(c->st, "RELEASE job", err);
}

/* Record every outcome; the caller holds the transaction. */
static enum orr_rc finish_all(struct store *st, const struct clock *clock, struct job_ctx *jobs,
			      int n, uint64_t *rnd, char **err)
{
	struct states ss = { 0 };
	int64_t now = clock_now(clock);
	enum orr_rc rc = states_load(st, &ss, err);
	for (int i = 0; i < n && rc == ORR_OK; i++)
		rc = finish_one(&jobs[i], &ss, now, rnd, err);
	if (rc == ORR_OK)
		rc = states_save(st, &ss, now, err);
	states_free(&ss);
	return rc;
}

enum orr_rc jobs_finish(struct store *st, const struct clock *clock, struct job_ctx *jobs, int n,
			uint64_t *rnd, char **err)
{
	enum orr_rc rc = store_begin(st, err);
	if (rc == ORR_OK)
		rc = finish_all(st, clock, jobs, n, rnd, err);
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK)
		store_rollback(st);
	ctxs_free(jobs, n);
	return rc;
}

/* --- reclaim --------------------------------------------------------------- */

static bool process_alive(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* Runners of this host whose process is gone: their leases are void now. */
static json_t *dead_runners(struct store *st, const char *host)
{
	json_t *dead = json_array();
	sqlite3_stmt *s = store_stmt(st, "SELECT id, pid FROM runners WHERE host = ?1");
	if (!s)
		return dead;
	sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		if (!process_alive(sqlite3_column_int(s, 1)))
			json_array_append_new(dead,
					      json_string((const char *)sqlite3_column_text(s, 0)));
	sqlite3_reset(s);
	return dead;
}

static const char reclaim_sql[] =
	"SELECT id, kind, idempotency_key, attempts, max_attempts, args, entity, entity_id, "
	"event_id, depth, lease_owner FROM jobs WHERE state = 'running' AND (lease_until < ?1 "
	"OR lease_owner IN (SELECT value FROM json_each(?2)))";

static enum orr_rc collect_lapsed(struct store *st, const struct clock *clock, const char *dead,
				  struct job_ctx **out, int *n, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, reclaim_sql, "cannot reclaim leases", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, clock_now(clock));
	sqlite3_bind_text(s, 2, dead, -1, SQLITE_STATIC);
	int rc, cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, (size_t)cap * sizeof **out);
		}
		struct job_ctx *c = &(*out)[(*n)++];
		*c = (struct job_ctx){ .st = st, .clock = clock,
				       .owner = xstrdup((const char *)sqlite3_column_text(s, 10)) };
		ctx_from_row(c, s);
		c->runner_fault = true;
		if (c->kind)
			job_fail(c, JOB_RETRY, "lease of runner %s lapsed: it stopped or died "
				 "while running this job", c->owner);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(st, "cannot reclaim leases");
	return store_rc(rc);
}

static enum orr_rc forget_runners(struct store *st, const char *dead, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"DELETE FROM runners WHERE id IN (SELECT value FROM json_each(?1))",
		"cannot forget runners", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, dead, -1, SQLITE_STATIC);
	return store_step_done(st, s, "cannot forget runners", err);
}

static enum orr_rc reclaim_in_tx(struct store *st, const struct clock *clock, uint64_t *rnd,
				 int *n, char **err)
{
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	json_t *dead = dead_runners(st, host);
	char *dead_text = json_dumps(dead, JSON_COMPACT);
	json_decref(dead);
	struct job_ctx *jobs = NULL;
	enum orr_rc rc = collect_lapsed(st, clock, dead_text, &jobs, n, err);
	if (rc == ORR_OK && *n > 0)
		rc = finish_all(st, clock, jobs, *n, rnd, err);
	ctxs_free(jobs, *n);
	if (rc == ORR_OK)
		rc = forget_runners(st, dead_text, err);
	free(dead_text);
	return rc;
}

enum orr_rc jobs_reclaim(struct store *st, const struct clock *clock, uint64_t *rnd, int *n,
			 char **err)
{
	*n = 0;
	enum orr_rc rc = store_begin(st, err);
	if (rc == ORR_OK)
		rc = reclaim_in_tx(st, clock, rnd, n, err);
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK) {
		store_rollback(st);
		*n = 0;
	}
	return rc;
}

/* --- runners --------------------------------------------------------------- */

enum orr_rc jobs_runner_register(struct store *st, const char *id, const char *host, long pid,
				 int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT OR REPLACE INTO runners (id, host, pid, started_at, seen_at) "
		"VALUES (?1, ?2, ?3, ?4, ?4)", "cannot register the runner", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, pid);
	sqlite3_bind_int64(s, 4, now);
	return store_step_done(st, s, "cannot register the runner", err);
}

enum orr_rc jobs_runner_unregister(struct store *st, const char *id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "DELETE FROM runners WHERE id = ?1",
					    "cannot unregister the runner", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	return store_step_done(st, s, "cannot unregister the runner", err);
}

enum orr_rc jobs_release_owner(struct store *st, const char *owner, int *n, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, "
		"lease_until = NULL WHERE state = 'running' AND lease_owner = ?1",
		"cannot release leases", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
	enum orr_rc rc = store_step_done(st, s, "cannot release leases", err);
	*n = rc == ORR_OK ? sqlite3_changes(store_sqlite(st)) : 0;
	return rc;
}

/* A runner row of this host whose process is gone is a crash's leftover
 * (the next runner here forgets it); one of another host cannot be
 * checked from here and counts. */
long jobs_runners_live(struct store *st)
{
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	sqlite3_stmt *s = store_stmt(st, "SELECT host, pid FROM runners");
	long n = 0;
	while (s && sqlite3_step(s) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 0);
		pid_t pid = (pid_t)sqlite3_column_int64(s, 1);
		bool here = h && strcmp(h, host) == 0;
		n += !here || kill(pid, 0) == 0 || errno == EPERM;
	}
	if (s)
		sqlite3_reset(s);
	return n;
}
