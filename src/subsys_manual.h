/* subsys_manual.h - the manual subsystem: tasks for people, and the
 * fallback other subsystems use when a job dies. */
#ifndef ORR_SUBSYS_MANUAL_H
#define ORR_SUBSYS_MANUAL_H

#include "subsystem.h"

extern const struct subsystem subsys_manual;

/* A fallback: open a manual task describing the dead job (ctx). */
enum orr_rc manual_task_for_dead_job(struct job_ctx *ctx, char **err);

#endif
