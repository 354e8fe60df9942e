/* conn_call.h - what every job that calls a connector does around its HTTP
 * call: the gate before it (disabled after a 410, the connector's circuit
 * breaker, its rate limit) and the bookkeeping after it (a connector_calls
 * row, the breaker, the job's outcome with the earliest retry). */
#ifndef ORR_CONN_CALL_H
#define ORR_CONN_CALL_H

#include <stdint.h>

#include "connectors.h"
#include "http.h"
#include "jobs.h"
#include "store_delivery.h"

struct secrets;

/* May the job call the connector now?  JOB_DONE: go ahead.  Otherwise the
 * status to return: JOB_RELEASE with ctx->not_before (breaker open, rate
 * limit; no attempt used) or JOB_PERMANENT (disabled). */
enum job_status conn_call_gate(struct job_ctx *ctx, const struct connector *c);

/* The connector's authentication header, if any, written into h with its
 * value in *value (owned; wipe-free with conn_call_free_secret).  false
 * with *err when the secret is missing: the message names the key, never
 * a value. */
bool conn_call_auth(const struct connector *c, const struct secrets *s, struct http_header *h,
		    char **value, char **err);
void conn_call_free_secret(char *value);

/* Record the call (connector_calls; for a delivery its attempt), move the
 * breaker, disable the connector on 410, and return the job's status:
 * JOB_DONE on 2xx; JOB_RETRY with not_before = the later of Retry-After
 * and the connector's backoff; JOB_PERMANENT for what retrying cannot fix. */
enum job_status conn_call_finish(struct job_ctx *ctx, const struct connector *c,
				 int64_t delivery_id, const char *method,
				 const struct http_response *r);
/* The same, except that a 2xx is not recorded here: the caller records it
 * with conn_call_record inside the job's own completing transaction (one
 * write transaction less per successful call). */
enum job_status conn_call_finish_deferred(struct job_ctx *ctx, const struct connector *c,
					  int64_t delivery_id, const char *method,
					  const struct http_response *r);
/* Record one call and move the breaker; the caller holds the transaction. */
enum orr_rc conn_call_record(struct job_ctx *ctx, const struct connector *c,
			     const struct call_record *rec, bool healthy, char **err);

/* A request with the connector's timeouts and response cap. */
void conn_call_request(const struct connector *c, struct http_request *req);

#endif
