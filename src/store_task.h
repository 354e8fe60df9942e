/* store_task.h - manual tasks: work handed to people, usually because
 * automation gave up on a job. */
#ifndef ORR_STORE_TASK_H
#define ORR_STORE_TASK_H

#include <jansson.h>
#include <stdint.h>

#include "rc.h"

struct store;

struct task_new {
	const char *subsystem;
	const char *title;
	const char *detail; /* JSON object text; NULL: {} */
	int64_t job_id;     /* 0: none */
};
enum orr_rc task_open(struct store *st, const struct task_new *t, int64_t now, int64_t *id,
		      char **err);
/* Tasks as JSON objects, newest first; state NULL: all. */
enum orr_rc task_list(struct store *st, const char *state, long limit, json_t **out, char **err);
/* Close an open task: one conditional UPDATE.  ORR_NOINPUT when there is no
 * such task; 1 (with *err saying who) when it was already done. */
int task_done(struct store *st, int64_t id, const char *by, const char *note, int64_t now,
	      char **err);

#endif
