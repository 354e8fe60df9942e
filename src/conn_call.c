/* conn_call.c - the gate and the bookkeeping around a connector call. */
#include "conn_call.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secrets.h"
#include "store.h"
#include "store_delivery.h"
#include "store_internal.h"
#include "xalloc.h"

/* --- the breaker gate ------------------------------------------------------ */

static bool job_running(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM jobs WHERE id = ?1 AND state = 'running'");
	if (!s)
		return true; /* cannot tell: keep the trial */
	sqlite3_bind_int64(s, 1, id);
	bool running = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return running;
}

/* Inside the gate's transaction: may this job call now?  *wait_until is
 * set when not. */
static enum orr_rc breaker_gate(struct job_ctx *ctx, const struct connector *c,
				struct connector_state *cs, int64_t now, bool *allowed,
				int64_t *wait_until, char **err)
{
	struct breaker *b = &cs->breaker;
	bool changed = breaker_tick(b, &c->breaker, now);
	/* a trial whose job ended without an outcome (released, lease lost)
	 * leaves the breaker half-open: let another job try */
	if (b->state == BREAKER_HALF_OPEN && b->trial_job && b->trial_job != ctx->id &&
	    !job_running(ctx->st, b->trial_job)) {
		b->trial_job = 0;
		changed = true;
	}
	bool mine = b->state == BREAKER_HALF_OPEN && b->trial_job == ctx->id;
	*allowed = mine || breaker_allows(b);
	if (*allowed && b->state == BREAKER_HALF_OPEN && !mine) {
		b->trial_job = ctx->id;
		changed = true;
	}
	if (!*allowed) {
		int64_t poll = c->breaker.cooldown_ms < 1000 ? c->breaker.cooldown_ms : 1000;
		*wait_until = b->state == BREAKER_OPEN ? b->opened_at + c->breaker.cooldown_ms
						       : now + poll;
	}
	return changed ? connector_state_save_breaker(ctx->st, c->name, b, now, err) : ORR_OK;
}

/* --- the rate limit: per process, per connector ---------------------------- */

#define RATE_SLOTS 64

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char name[48];
	int64_t next; /* the earliest time of the next call, ms */
} rate[RATE_SLOTS];

/* Reserve this connector's next call slot; the time it may go. */
static int64_t rate_reserve(const struct connector *c, int64_t now)
{
	int64_t gap = (int64_t)(1000.0 / c->rate_per_s);
	pthread_mutex_lock(&rate_lock);
	int i = 0;
	while (i < RATE_SLOTS && rate[i].name[0] && strcmp(rate[i].name, c->name) != 0)
		i++;
	if (i == RATE_SLOTS)
		i = 0; /* more connectors than slots: they share the first */
	if (!rate[i].name[0])
		snprintf(rate[i].name, sizeof rate[i].name, "%s", c->name);
	int64_t slot = rate[i].next > now ? rate[i].next : now;
	rate[i].next = slot + gap;
	pthread_mutex_unlock(&rate_lock);
	return slot;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* The common case without a write: enabled, breaker closed. */
static bool gate_open_fast(struct job_ctx *ctx, const struct connector *c)
{
	struct connector_state cs;
	char *err = NULL;
	if (connector_state_load(ctx->st, c->name, &cs, &err) != ORR_OK) {
		free(err);
		return false; /* the transaction below reports it */
	}
	bool open = !cs.disabled && cs.breaker.state == BREAKER_CLOSED;
	connector_state_clear(&cs);
	return open;
}

/* Wait for this connector's rate-limit slot, or hand the job back. */
static enum job_status rate_gate(struct job_ctx *ctx, const struct connector *c, int64_t now)
{
	int64_t slot = rate_reserve(c, now);
	if (slot - now > 2000) { /* a long queue: give the worker back */
		ctx->not_before = slot;
		return job_fail(ctx, JOB_RELEASE, "connector %s: rate limit", c->name);
	}
	if (slot > now)
		sleep_ms(slot - now);
	return JOB_DONE;
}

enum job_status conn_call_gate(struct job_ctx *ctx, const struct connector *c)
{
	int64_t now = clock_now(ctx->clock), wait_until = 0;
	if (gate_open_fast(ctx, c))
		return rate_gate(ctx, c, now);
	struct connector_state cs;
	bool allowed = false;
	char *err = NULL;
	enum orr_rc rc = store_begin(ctx->st, &err);
	if (rc == ORR_OK)
		rc = connector_state_load(ctx->st, c->name, &cs, &err);
	if (rc == ORR_OK && !cs.disabled)
		rc = breaker_gate(ctx, c, &cs, now, &allowed, &wait_until, &err);
	if (rc == ORR_OK)
		rc = store_commit(ctx->st, &err);
	else
		store_rollback(ctx->st);
	if (rc != ORR_OK) {
		ctx->not_before = now + 1000;
		enum job_status s = job_fail(ctx, JOB_RETRY, "connector %s: %s", c->name, err);
		free(err);
		return s;
	}
	enum job_status s = JOB_DONE;
	if (cs.disabled)
		s = job_fail(ctx, JOB_PERMANENT, "connector %s is disabled (%s); `orrery connectors "
			     "enable %s` turns it back on", c->name,
			     cs.disabled_reason ? cs.disabled_reason : "by an operator", c->name);
	else if (!allowed) {
		ctx->not_before = wait_until;
		s = job_fail(ctx, JOB_RELEASE, "connector %s: circuit breaker %s", c->name,
			     breaker_state_name(cs.breaker.state));
	}
	connector_state_clear(&cs);
	return s == JOB_DONE ? rate_gate(ctx, c, now) : s;
}

/* --- authentication -------------------------------------------------------- */

bool conn_call_auth(const struct connector *c, const struct secrets *s, struct http_header *h,
		    char **value, char **err)
{
	*value = NULL;
	if (c->auth != AUTH_BEARER && c->auth != AUTH_SHOPIFY_TOKEN)
		return true;
	const char *secret = s ? secrets_get(s, c->secret) : NULL;
	if (!secret) {
		*err = xasprintf("connector %s: secret \"%s\" is not in %s", c->name, c->secret,
				 s ? secrets_path(s) : SECRETS_FILE);
		return false;
	}
	if (c->auth == AUTH_BEARER) {
		h->name = "Authorization";
		*value = xasprintf("Bearer %s", secret);
	} else {
		h->name = "X-Shopify-Access-Token";
		*value = xstrdup(secret);
	}
	h->value = *value;
	return true;
}

void conn_call_free_secret(char *value)
{
	if (!value)
		return;
	volatile char *p = value;
	while (*p)
		*p++ = '\0';
	free(value);
}

void conn_call_request(const struct connector *c, struct http_request *req)
{
	req->connect_ms = (long)c->connect_ms;
	req->total_ms = (long)c->timeout_ms;
	req->max_body = c->max_response;
}

/* --- after the call -------------------------------------------------------- */

/* The answer says the endpoint is alive even when it refuses this request. */
static bool endpoint_healthy(enum http_class cls)
{
	return cls == HTTP_SUCCESS || cls == HTTP_REFUSED;
}

enum orr_rc conn_call_record(struct job_ctx *ctx, const struct connector *c,
			     const struct call_record *rec, bool healthy, char **err)
{
	enum orr_rc rc = call_record(ctx->st, rec, err);
	struct connector_state cs;
	if (rc == ORR_OK)
		rc = connector_state_load(ctx->st, c->name, &cs, err);
	if (rc != ORR_OK)
		return rc;
	breaker_record(&cs.breaker, &c->breaker, healthy, rec->at);
	rc = connector_state_save_breaker(ctx->st, c->name, &cs.breaker, rec->at, err);
	connector_state_clear(&cs);
	return rc;
}

static enum orr_rc record_in_tx(struct job_ctx *ctx, const struct connector *c,
				const struct call_record *rec, enum http_class cls, char **err)
{
	enum orr_rc rc = conn_call_record(ctx, c, rec, endpoint_healthy(cls), err);
	if (rc == ORR_OK && cls == HTTP_GONE)
		rc = connector_set_disabled(ctx->st, c->name, true, "the endpoint answered 410 Gone",
					    rec->at, err);
	return rc;
}

static _Thread_local uint64_t jitter_state;

static int64_t retry_wait(struct job_ctx *ctx, const struct connector *c, int64_t retry_after)
{
	if (!jitter_state)
		jitter_state = (uint64_t)time(NULL) ^ ((uint64_t)ctx->id << 20);
	int64_t backoff = retry_backoff_ms(&c->retry, ctx->attempt, retry_random(&jitter_state));
	return retry_after > backoff ? retry_after : backoff;
}

static enum job_status outcome(struct job_ctx *ctx, const struct connector *c,
			       const struct http_response *r, int64_t now)
{
	switch (r->cls) {
	case HTTP_SUCCESS:
		return JOB_DONE;
	case HTTP_RETRYABLE: {
		int64_t wait = retry_wait(ctx, c, r->retry_after_ms);
		ctx->not_before = now + wait;
		if (r->retry_after_ms >= 0)
			return job_fail(ctx, JOB_RETRY, "%s; Retry-After %lld ms", r->error,
					(long long)r->retry_after_ms);
		return job_fail(ctx, JOB_RETRY, "%s", r->error);
	}
	case HTTP_GONE:
		return job_fail(ctx, JOB_PERMANENT, "%s: the endpoint is gone; connector %s is "
				"disabled", r->error, c->name);
	case HTTP_REFUSED:
	default:
		return job_fail(ctx, JOB_PERMANENT, "%s: refused, retrying cannot help",
				r->error ? r->error : "refused");
	}
}

enum job_status conn_call_finish_deferred(struct job_ctx *ctx, const struct connector *c,
					  int64_t delivery_id, const char *method,
					  const struct http_response *r)
{
	if (r->cls == HTTP_SUCCESS)
		return JOB_DONE;
	return conn_call_finish(ctx, c, delivery_id, method, r);
}

enum job_status conn_call_finish(struct job_ctx *ctx, const struct connector *c,
				 int64_t delivery_id, const char *method,
				 const struct http_response *r)
{
	int64_t now = clock_now(ctx->clock);
	struct call_record rec = { .connector = c->name, .method = method, .job_id = ctx->id,
				   .delivery_id = delivery_id, .status = r->status,
				   .ok = r->cls == HTTP_SUCCESS, .latency_ms = r->latency_ms,
				   .at = now, .error = r->error };
	char *err = NULL;
	enum orr_rc rc = store_begin(ctx->st, &err);
	if (rc == ORR_OK)
		rc = record_in_tx(ctx, c, &rec, r->cls, &err);
	if (rc == ORR_OK)
		rc = store_commit(ctx->st, &err);
	else
		store_rollback(ctx->st);
	if (rc != ORR_OK) { /* the call happened; only its record failed */
		job_log(ctx, "connector %s: the call's record was not written: %s", c->name, err);
		free(err);
	}
	return outcome(ctx, c, r, now);
}
