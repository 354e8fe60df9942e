/* store_delivery.h - deliveries, outbound calls and connector state
 * (tables of data/schema/010_integration.sql). */
#ifndef ORR_STORE_DELIVERY_H
#define ORR_STORE_DELIVERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rc.h"
#include "retry.h"

struct store;

/* One delivery as its job needs it. */
struct delivery {
	int64_t id, event_id, job_id;
	char *connector, *event_type, *msg_id, *state;
	int attempts;
};
void delivery_clear(struct delivery *d);

/* Insert the delivery of event_id to connector unless it exists; *id is
 * the row either way, *created tells which. */
enum orr_rc delivery_create(struct store *st, const char *connector, int64_t event_id,
			    const char *event_type, int64_t now, int64_t *id, bool *created,
			    char **err);
enum orr_rc delivery_set_job(struct store *st, int64_t id, int64_t job_id, char **err);
/* ORR_NOINPUT with "no delivery ID" when absent. */
enum orr_rc delivery_load(struct store *st, int64_t id, struct delivery *out, char **err);

/* One outbound call's outcome: a connector_calls row, and for a delivery
 * its attempt count and latest status, error and latency. */
struct call_record {
	const char *connector, *method;
	int64_t job_id, delivery_id; /* 0: none */
	long status;                 /* 0: no answer */
	bool ok;
	int64_t latency_ms, at;
	const char *error;
};
enum orr_rc call_record(struct store *st, const struct call_record *c, char **err);

/* Final states: delivered (in the job's commit) or dead with its reason. */
enum orr_rc delivery_mark_delivered(struct store *st, int64_t id, int64_t now, char **err);
enum orr_rc delivery_mark_dead(struct store *st, int64_t id, const char *reason, int64_t now,
			       char **err);
/* Back to pending for a replay; false in *ok when it is pending with a job
 * that will still send it (queued, running or waiting for a retry).  A
 * pending delivery whose job an operator cancelled or killed can be
 * replayed. */
enum orr_rc delivery_reset_for_replay(struct store *st, int64_t id, int64_t now, bool *ok,
				      char **err);

/* For `deliveries list`: newest first, at most limit; state and connector
 * filter when not NULL. */
enum orr_rc delivery_list(struct store *st, const char *state, const char *connector, long limit,
			  json_t **out, char **err);
/* One delivery with its attempts (the calls made for it). */
enum orr_rc delivery_show(struct store *st, int64_t id, json_t **out, char **err);

/* A connector's stored state: disabled (after a 410) and its breaker. */
struct connector_state {
	bool disabled;
	char *disabled_reason;
	struct breaker breaker;
};
enum orr_rc connector_state_load(struct store *st, const char *name, struct connector_state *out,
				 char **err);
/* The breaker only; disabled is kept. */
enum orr_rc connector_state_save_breaker(struct store *st, const char *name,
					 const struct breaker *b, int64_t now, char **err);
enum orr_rc connector_set_disabled(struct store *st, const char *name, bool disabled,
				   const char *reason, int64_t now, char **err);
void connector_state_clear(struct connector_state *s);

/* Calls of one connector since `since`: count, successes, p95 latency. */
struct call_stats {
	long calls, ok;
	int64_t p95_ms;
};
enum orr_rc call_stats(struct store *st, const char *connector, int64_t since,
		       struct call_stats *out, char **err);

#endif
