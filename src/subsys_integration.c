/* subsys_integration.c - deliveries as jobs, and the fan-out that queues
 * them.  The pull job lives in pull.c. */
#include "subsys_integration.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn_call.h"
#include "jobs.h"
#include "pull.h"
#include "secrets.h"
#include "store.h"
#include "store_delivery.h"
#include "store_firing.h"
#include "store_internal.h"
#include "subsys_manual.h"
#include "webhook_out.h"
#include "xalloc.h"

/* --- the process-wide configuration ---------------------------------------- */

static struct connectors no_connectors;
static struct connectors *loaded;
static const struct secrets *secrets;

enum orr_rc integration_setup(const char *db_path, const struct secrets *s, char **err)
{
	char *path = connectors_path_beside(db_path);
	struct connectors *c = NULL;
	enum orr_rc rc = connectors_load(path, false, &c, err);
	free(path);
	if (rc != ORR_OK)
		return rc;
	integration_teardown();
	loaded = c;
	secrets = s;
	return ORR_OK;
}

void integration_teardown(void)
{
	connectors_free(loaded);
	loaded = NULL;
	secrets = NULL;
}

const struct connectors *integration_connectors(void)
{
	return loaded ? loaded : &no_connectors;
}

const struct secrets *integration_secrets(void)
{
	return secrets;
}

/* --- fan-out: subscribed events become deliveries -------------------------- */

static bool any_subscriber(void)
{
	const struct connectors *cs = integration_connectors();
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i].kind == CONNECTOR_WEBHOOK)
			return true;
	return false;
}

static enum orr_rc queue_delivery(struct store *st, const struct connector *c, int64_t event_id,
				  const char *type, int64_t now, char **err)
{
	int64_t id = 0, job = 0;
	bool created = false, existed = false;
	enum orr_rc rc = delivery_create(st, c->name, event_id, type, now, &id, &created, err);
	if (rc != ORR_OK || !created)
		return rc;
	char key[64], args[64];
	snprintf(key, sizeof key, "delivery:%lld", (long long)id);
	snprintf(args, sizeof args, "{\"delivery_id\":%lld}", (long long)id);
	struct job_spec spec = { .kind = "integration.deliver", .args = args, .args_checked = true,
				 .key = key, .max_attempts = c->retry.max_attempts,
				 .entity = "delivery", .entity_id = id, .event_id = event_id };
	rc = jobs_enqueue(st, &spec, now, &job, &existed, err);
	return rc == ORR_OK ? delivery_set_job(st, id, job, err) : rc;
}

/* One event to every connector that wants it.  A disabled connector still
 * gets its deliveries: their jobs die at once with the reason, so the
 * operator sees what was missed and can replay it. */
static enum orr_rc dispatch_event(struct store *st, int64_t id, const char *type,
				  const char *entity, int64_t now, char **err)
{
	/* the outcomes of delivery jobs are never delivered: a connector on
	 * "job.*" would otherwise feed itself */
	if (entity && strcmp(entity, "delivery") == 0)
		return ORR_OK;
	const struct connectors *cs = integration_connectors();
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < cs->n && rc == ORR_OK; i++)
		if (cs->v[i].kind == CONNECTOR_WEBHOOK && connector_subscribes(&cs->v[i], type))
			rc = queue_delivery(st, &cs->v[i], id, type, now, err);
	return rc;
}

/* Is there an event after the cursor?  One read of two indexed rows, so
 * an idle runner asks it often without taking the write lock. */
static bool events_waiting(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT coalesce((SELECT max(id) FROM events), 0) > coalesce((SELECT last_event_id "
		"FROM consumers WHERE name = ?1), 0)");
	if (!s)
		return true; /* let the transaction report the problem */
	sqlite3_bind_text(s, 1, INTEGRATION_CONSUMER, -1, SQLITE_STATIC);
	bool waiting = sqlite3_step(s) != SQLITE_ROW || sqlite3_column_int(s, 0) != 0;
	sqlite3_reset(s);
	return waiting;
}

/* Nothing subscribes: the cursor jumps to the last event, so a connector
 * added later starts from there. */
static enum orr_rc skip_all(struct store *st, int64_t cursor, int *handled, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "SELECT coalesce(max(id), 0) FROM events",
					    "cannot read events", err);
	if (!s)
		return ORR_SOFTWARE;
	int64_t last = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	enum orr_rc rc = store_step_done(st, s, "cannot read events", err);
	if (rc != ORR_OK || last <= cursor)
		return rc;
	*handled = last - cursor > INT32_MAX ? INT32_MAX : (int)(last - cursor);
	return consumer_advance(st, INTEGRATION_CONSUMER, last, err);
}

static enum orr_rc dispatch_in_tx(struct store *st, int64_t now, int max, int *handled,
				  char **err)
{
	int64_t cursor = 0, last = 0;
	enum orr_rc rc = consumer_cursor(st, INTEGRATION_CONSUMER, &cursor, err);
	if (rc == ORR_OK && !any_subscriber())
		return skip_all(st, cursor, handled, err);
	sqlite3_stmt *s = rc == ORR_OK ? store_stmt_or_err(st,
		"SELECT id, type, entity FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
		"cannot read events", err) : NULL;
	if (!s)
		return rc == ORR_OK ? ORR_SOFTWARE : rc;
	sqlite3_bind_int64(s, 1, cursor);
	sqlite3_bind_int(s, 2, max);
	int src;
	while (rc == ORR_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		last = sqlite3_column_int64(s, 0);
		(*handled)++;
		rc = dispatch_event(st, last, (const char *)sqlite3_column_text(s, 1),
				    (const char *)sqlite3_column_text(s, 2), now, err);
	}
	if (rc == ORR_OK && src != SQLITE_DONE)
		rc = store_rc(src), *err = store_errmsg(st, "cannot read events");
	sqlite3_reset(s);
	if (rc == ORR_OK && last > cursor)
		rc = consumer_advance(st, INTEGRATION_CONSUMER, last, err);
	return rc;
}

enum orr_rc integration_dispatch(struct store *st, const struct clock *clock, int max,
				 int *handled, char **err)
{
	*handled = 0;
	if (!events_waiting(st))
		return ORR_OK;
	enum orr_rc rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	rc = dispatch_in_tx(st, clock_now(clock), max, handled, err);
	if (rc == ORR_OK && *handled == 0) {
		store_rollback(st); /* nothing new: let go of the lock */
		return ORR_OK;
	}
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK) {
		store_rollback(st);
		*handled = 0;
	}
	return rc;
}

long integration_backlog(struct store *st)
{
	return events_waiting(st) ? 1 : 0;
}

/* --- replay ---------------------------------------------------------------- */

static enum orr_rc replay_in_tx(struct store *st, int64_t id, int64_t now, int64_t *job_id,
				char **err)
{
	struct delivery d;
	enum orr_rc rc = delivery_load(st, id, &d, err);
	if (rc != ORR_OK)
		return rc;
	bool reset = false;
	rc = delivery_reset_for_replay(st, id, now, &reset, err);
	if (rc == ORR_OK && !reset) {
		*err = xasprintf("delivery %lld is pending already: job %lld will send it",
				 (long long)id, (long long)d.job_id);
		rc = ORR_USAGE;
	}
	const struct connector *c = connectors_find(integration_connectors(), d.connector);
	char key[96], args[64];
	bool existed = false;
	snprintf(key, sizeof key, "delivery:%lld:replay:%lld", (long long)id, (long long)now);
	snprintf(args, sizeof args, "{\"delivery_id\":%lld}", (long long)id);
	struct job_spec spec = { .kind = "integration.deliver", .args = args, .args_checked = true,
				 .key = key, .max_attempts = c ? c->retry.max_attempts : 0,
				 .entity = "delivery", .entity_id = id, .event_id = d.event_id };
	if (rc == ORR_OK)
		rc = jobs_enqueue(st, &spec, now, job_id, &existed, err);
	if (rc == ORR_OK)
		rc = delivery_set_job(st, id, *job_id, err);
	delivery_clear(&d);
	return rc;
}

enum orr_rc integration_replay(struct store *st, const struct clock *clock, int64_t id,
			       int64_t *job_id, char **err)
{
	enum orr_rc rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	rc = replay_in_tx(st, id, clock_now(clock), job_id, err);
	if (rc == ORR_OK)
		return store_commit(st, err);
	store_rollback(st);
	return rc;
}

/* --- integration.deliver --------------------------------------------------- */

struct event_text {
	char *type, *time, *entity, *payload;
	int64_t entity_id;
};

static void event_text_clear(struct event_text *e)
{
	free(e->type);
	free(e->time);
	free(e->entity);
	free(e->payload);
}

static bool event_load(struct store *st, int64_t id, struct event_text *e)
{
	memset(e, 0, sizeof *e);
	sqlite3_stmt *s = store_stmt(st,
		"SELECT type, time, entity, coalesce(entity_id, 0), payload FROM events WHERE id = ?1");
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, id);
	bool found = sqlite3_step(s) == SQLITE_ROW;
	if (found) {
		e->type = xstrdup((const char *)sqlite3_column_text(s, 0));
		e->time = xstrdup((const char *)sqlite3_column_text(s, 1));
		e->entity = xstrdup((const char *)sqlite3_column_text(s, 2));
		e->entity_id = sqlite3_column_int64(s, 3);
		e->payload = xstrdup((const char *)sqlite3_column_text(s, 4));
	}
	sqlite3_reset(s);
	return found;
}

/* The signed POST of one delivery. */
static enum job_status post_delivery(struct job_ctx *ctx, const struct connector *c,
				     const struct delivery *d, const char *body)
{
	char ts[24], *sig = NULL, *auth = NULL, *err = NULL;
	snprintf(ts, sizeof ts, "%lld", (long long)(clock_now(ctx->clock) / 1000));
	struct http_header h[5] = { { "Content-Type", "application/json" },
				    { "webhook-id", d->msg_id }, { "webhook-timestamp", ts } };
	size_t nh = 3;
	if (c->auth == AUTH_STANDARD_WEBHOOKS) {
		size_t n = 0;
		const char *const *keys = secrets ? secrets_get_all(secrets, c->secret, &n) : NULL;
		sig = n ? webhook_out_signature(keys, n, d->msg_id, atoll(ts), body, strlen(body),
						&err)
			: (err = xasprintf("secret \"%s\" is not in %s", c->secret,
					   secrets ? secrets_path(secrets) : SECRETS_FILE), NULL);
		if (sig)
			h[nh++] = (struct http_header){ "webhook-signature", sig };
	} else if (conn_call_auth(c, secrets, &h[nh], &auth, &err)) {
		nh += auth != NULL;
	}
	if (err) { /* a missing or bad secret is configuration: no retry fixes it */
		enum job_status s = job_fail(ctx, JOB_PERMANENT, "connector %s: %s", c->name, err);
		free(err);
		return s;
	}
	struct http_request req = { .method = "POST", .url = c->url, .headers = h, .nheaders = nh,
				    .body = body, .body_len = strlen(body),
				    .idempotency_key = d->msg_id };
	conn_call_request(c, &req);
	struct http_response r;
	enum orr_rc rc = http_perform(&req, &r, &err);
	enum job_status s = rc == ORR_OK ? conn_call_finish_deferred(ctx, c, d->id, "POST", &r)
					 : job_fail(ctx, JOB_PERMANENT, "%s", err);
	if (s == JOB_DONE) /* recorded by deliver_commit, with the delivery's new state */
		ctx->result = json_pack("{sIsssssIsIsI}", "delivery_id", (json_int_t)d->id,
					"msg_id", d->msg_id, "connector", c->name, "status",
					(json_int_t)r.status, "latency_ms", (json_int_t)r.latency_ms,
					"at", (json_int_t)clock_now(ctx->clock));
	free(err);
	free(sig);
	conn_call_free_secret(auth);
	http_response_free(&r);
	return s;
}

static enum job_status deliver_run(struct job_ctx *ctx)
{
	int64_t id = (int64_t)json_integer_value(json_object_get(ctx->args, "delivery_id"));
	struct delivery d;
	char *err = NULL;
	if (delivery_load(ctx->st, id, &d, &err) != ORR_OK) {
		enum job_status s = job_fail(ctx, JOB_PERMANENT, "%s", err);
		free(err);
		return s;
	}
	enum job_status s = JOB_DONE;
	const struct connector *c = connectors_find(integration_connectors(), d.connector);
	struct event_text ev;
	bool have_event = event_load(ctx->st, d.event_id, &ev);
	char *body = have_event ? webhook_out_body(d.event_id, ev.type, ev.time, ev.entity,
						   ev.entity_id, ev.payload, &err) : NULL;
	/* delivered: nothing to do; another job carries it now (a replay): this
	 * one, retried by an operator, steps aside.  A dead delivery whose own
	 * job an operator retried is sent again. */
	if (strcmp(d.state, "delivered") == 0 || d.job_id != ctx->id)
		job_log(ctx, "delivery %lld is %s%s: nothing sent", (long long)id, d.state,
			d.job_id != ctx->id ? " and carried by another job" : " already");
	else if (!c)
		s = job_fail(ctx, JOB_PERMANENT, "connector %s is not in connectors.json", d.connector);
	else if (!body)
		s = job_fail(ctx, JOB_PERMANENT, "%s", err ? err : "its event is gone");
	else if ((s = conn_call_gate(ctx, c)) == JOB_DONE)
		s = post_delivery(ctx, c, &d, body);
	if (!ctx->result)
		ctx->result = json_pack("{sIss}", "delivery_id", (json_int_t)id, "msg_id", d.msg_id);
	free(body);
	free(err);
	if (have_event)
		event_text_clear(&ev);
	delivery_clear(&d);
	return s;
}

/* The successful call of this job, recorded in its completing transaction
 * (a lost lease rolls it back with the rest: the job runs again). */
static enum orr_rc record_success(struct job_ctx *ctx, int64_t id, char **err)
{
	json_t *r = ctx->result;
	const char *name = json_string_value(json_object_get(r, "connector"));
	const struct connector *c = name ? connectors_find(integration_connectors(), name) : NULL;
	if (!c)
		return ORR_OK; /* nothing was sent: the delivery was not pending */
	struct call_record rec = {
		.connector = c->name, .method = "POST", .job_id = ctx->id, .delivery_id = id,
		.status = (long)json_integer_value(json_object_get(r, "status")), .ok = true,
		.latency_ms = json_integer_value(json_object_get(r, "latency_ms")),
		.at = json_integer_value(json_object_get(r, "at")) };
	return conn_call_record(ctx, c, &rec, true, err);
}

/* In the job's own transaction: the delivery is delivered when its job is. */
static enum orr_rc deliver_commit(struct job_ctx *ctx, char **err)
{
	int64_t id = (int64_t)json_integer_value(json_object_get(ctx->args, "delivery_id"));
	enum orr_rc rc = record_success(ctx, id, err);
	if (rc != ORR_OK)
		return rc;
	sqlite3_stmt *s = store_stmt_or_err(ctx->st,
		"SELECT 1 FROM deliveries WHERE id = ?1 AND state <> 'delivered' AND job_id = ?2",
		"cannot finish", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, ctx->id);
	bool pending = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return pending ? delivery_mark_delivered(ctx->st, id, clock_now(ctx->clock), err) : ORR_OK;
}

/* A dead delivery keeps its reason; a dead pull becomes a manual task. */
static enum orr_rc integration_on_dead(struct job_ctx *ctx, char **err)
{
	if (ctx->kind && strcmp(ctx->kind->name, "integration.deliver") == 0) {
		int64_t id = (int64_t)json_integer_value(json_object_get(ctx->args, "delivery_id"));
		struct delivery d;
		char *ignored = NULL;
		if (delivery_load(ctx->st, id, &d, &ignored) != ORR_OK) {
			free(ignored); /* gone: nothing to mark */
			return ORR_OK;
		}
		bool mine = d.job_id == ctx->id; /* not a job a replay superseded */
		delivery_clear(&d);
		return mine ? delivery_mark_dead(ctx->st, id, ctx->error, clock_now(ctx->clock), err)
			    : ORR_OK;
	}
	return manual_task_for_dead_job(ctx, err);
}

static const struct job_kind integration_kinds[] = {
	{ "integration.deliver",
	  "POST one subscribed event to a webhook connector, signed per Standard Webhooks "
	  "(args: delivery_id; queued by the integration fan-out and `deliveries replay`)",
	  deliver_run, deliver_commit },
	{ "integration.pull",
	  "list a shopify connector's products or orders (Link page_info cursor, 429 handling) "
	  "and store them through ingest (args: connector, resource products|orders, limit)",
	  pull_job_run, NULL },
};

/* what it consumes depends on connectors.json: the map draws those edges */
static const char *const integration_consumes[] = { NULL };
/* pulls store through ingest, whose node on the map owns those events */
static const char *const integration_produces[] = { NULL };

/* The engine's breaker for the whole subsystem trips only when every
 * connector fails at once: each connector has its own (connector_state). */
const struct subsystem subsys_integration = {
	.name = "integration",
	.purpose = "connectors: signed outbound webhooks and Shopify pulls over HTTP",
	.consumes = integration_consumes,
	.produces = integration_produces,
	.kinds = integration_kinds,
	.nkinds = sizeof integration_kinds / sizeof *integration_kinds,
	/* a floor only: each connector's retry policy sets the wait (not_before) */
	.retry = { .max_attempts = 8, .base_ms = 100, .cap_ms = 100 },
	.breaker = { .consecutive = 200, .window_min = 400, .ratio_pct = 95, .window_ms = 60000,
		     .cooldown_ms = 10000 },
	.fallback = "a dead delivery keeps its reason (`orrery deliveries replay ID` sends it "
		    "again); a dead pull opens a manual task",
	.on_dead = integration_on_dead,
};
