/* store_approval.h - the approvals table: proposals waiting for a person. */
#ifndef ORR_STORE_APPROVAL_H
#define ORR_STORE_APPROVAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rc.h"

struct store;

struct approval_new {
	const char *rule;
	int64_t event_id;
	const char *entity;
	int64_t entity_id;
	const char *facts;   /* JSON: what the rule saw */
	const char *action;  /* JSON: the job it proposes */
	const char *reason;
	int64_t expires_at;  /* 0: never */
};
enum orr_rc approval_create(struct store *st, const struct approval_new *a, int64_t now,
			    int64_t *id, char **err);

/* Newest first; state NULL: all. */
enum orr_rc approval_list(struct store *st, const char *state, long limit, json_t **out,
			  char **err);
enum orr_rc approval_get(struct store *st, int64_t id, json_t **out, char **err);

struct approval_decision {
	bool approve;
	const char *by, *from, *note; /* from: NULL when not over SSH */
};
/* One conditional UPDATE: exactly one of two racing deciders wins.  Returns
 * ORR_OK for the winner, 1 for the loser (*err: "already approved by ... at
 * ..." or "expired at ..."), ORR_NOINPUT when there is no such approval. */
int approval_decide(struct store *st, int64_t id, const struct approval_decision *d,
		    int64_t now, char **err);
enum orr_rc approval_set_job(struct store *st, int64_t id, int64_t job_id, char **err);
/* Pending approvals past their expiry become expired: their ids in *out. */
enum orr_rc approval_expire(struct store *st, int64_t now, json_t **out, char **err);
long approval_pending_count(struct store *st);

#endif
