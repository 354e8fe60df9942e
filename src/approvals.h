/* approvals.h - deciding approvals: the winner's decision and the job it
 * releases commit together; expiry of the ones nobody decided. */
#ifndef ORR_APPROVALS_H
#define ORR_APPROVALS_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "operator.h"
#include "rc.h"

struct store;

/* Approve or reject approval id.  Approving enqueues the proposed job in
 * the same transaction (*job_id).  Returns ORR_OK, 1 when another decision
 * or the expiry came first (*err says which and when), ORR_NOINPUT when
 * there is no such approval, or another error. */
int approvals_decide(struct store *st, int64_t id, bool approve, const struct operator_id *op,
		     const char *note, const struct clock *clock, int64_t *job_id, char **err);

/* Expire pending approvals past their time; *n: how many. */
enum orr_rc approvals_expire(struct store *st, const struct clock *clock, int *n, char **err);

#endif
