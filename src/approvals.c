/* approvals.c - decisions and expiry, each with its event. */
#include "approvals.h"

#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "store.h"
#include "store_approval.h"
#include "store_event.h"
#include "xalloc.h"

static enum orr_rc approval_event(struct store *st, json_t *a, const char *type, int64_t now,
				  char **err)
{
	json_t *p = json_pack("{sOsOsO}", "approval_id", json_object_get(a, "id"), "rule",
			      json_object_get(a, "rule"), "job_id",
			      json_object_get(a, "job_id") ? json_object_get(a, "job_id") : json_null());
	char *payload = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	const char *entity = json_string_value(json_object_get(a, "entity"));
	struct event_new ev = { .type = type, .entity = entity ? entity : "approval",
				.entity_id = entity ? json_integer_value(json_object_get(a, "entity_id"))
						    : json_integer_value(json_object_get(a, "id")),
				.payload = payload,
				.cause_id = json_integer_value(json_object_get(a, "event_id")) };
	enum orr_rc rc = event_append(st, &ev, now, NULL, err);
	free(payload);
	return rc;
}

/* The proposed job of an approved approval, enqueued now. */
static enum orr_rc release_job(struct store *st, json_t *a, int64_t now, int64_t *job_id,
			       char **err)
{
	json_t *act = json_object_get(a, "action");
	char *args = json_dumps(json_object_get(act, "args"), JSON_COMPACT);
	json_int_t delay = json_integer_value(json_object_get(act, "delay_ms"));
	struct job_spec spec = {
		.kind = json_string_value(json_object_get(act, "kind")), .args = args,
		.key = json_string_value(json_object_get(act, "key")),
		.priority = (int)json_integer_value(json_object_get(act, "priority")),
		.run_after = delay ? now + delay : 0,
		.max_attempts = (int)json_integer_value(json_object_get(act, "max_attempts")),
		.entity = json_string_value(json_object_get(a, "entity")),
		.entity_id = json_integer_value(json_object_get(a, "entity_id")),
		.event_id = json_integer_value(json_object_get(a, "event_id")),
		.rule = json_string_value(json_object_get(a, "rule")),
		.approval_id = json_integer_value(json_object_get(a, "id")),
	};
	bool existed;
	enum orr_rc rc = spec.kind ? jobs_enqueue(st, &spec, now, job_id, &existed, err)
				   : ORR_DATAERR;
	if (!spec.kind)
		*err = xstrdup("the approval's action names no job kind");
	free(args);
	if (rc == ORR_OK)
		json_object_set_new(a, "job_id", json_integer(*job_id));
	return rc == ORR_OK ? approval_set_job(st, spec.approval_id, *job_id, err) : rc;
}

static int decide_in_tx(struct store *st, int64_t id, const struct approval_decision *d,
			int64_t now, int64_t *job_id, char **err)
{
	int rc = approval_decide(st, id, d, now, err);
	if (rc != ORR_OK)
		return rc;
	json_t *a;
	rc = approval_get(st, id, &a, err);
	if (rc != ORR_OK)
		return rc;
	if (d->approve)
		rc = release_job(st, a, now, job_id, err);
	if (rc == ORR_OK)
		rc = approval_event(st, a, d->approve ? "approval.approved" : "approval.rejected", now,
				    err);
	json_decref(a);
	return rc;
}

int approvals_decide(struct store *st, int64_t id, bool approve, const struct operator_id *op,
		     const char *note, const struct clock *clock, int64_t *job_id, char **err)
{
	struct approval_decision d = { .approve = approve, .by = op->name,
				       .from = op->from[0] ? op->from : NULL, .note = note };
	*job_id = 0;
	int rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	rc = decide_in_tx(st, id, &d, clock_now(clock), job_id, err);
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK)
		store_rollback(st);
	return rc;
}

enum orr_rc approvals_expire(struct store *st, const struct clock *clock, int *n, char **err)
{
	int64_t now = clock_now(clock);
	*n = 0;
	enum orr_rc rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	json_t *expired = NULL;
	rc = approval_expire(st, now, &expired, err);
	size_t i;
	json_t *a;
	json_array_foreach(expired, i, a) {
		if (rc == ORR_OK)
			rc = approval_event(st, a, "approval.expired", now, err);
	}
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc == ORR_OK)
		*n = (int)json_array_size(expired);
	else
		store_rollback(st);
	json_decref(expired);
	return rc;
}
