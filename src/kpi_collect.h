/* kpi_collect.h - computing KPI samples from the recorded facts; shared
 * by the kpi module files only (the public entry is kpi_collect in kpi.h). */
#ifndef ORR_KPI_COLLECT_H
#define ORR_KPI_COLLECT_H

#include <stdint.h>

#include "rc.h"

struct store;

/* Hours at most this far before a collection are recomputed by the next
 * one: a fact whose time was read just before another process's commit
 * still lands in an hour that is recomputed. */
#define KPI_SLACK_MS (5 * 60 * 1000LL)

/* Bring the samples up to `now`; the caller holds a write transaction.
 * *written counts the hour and day samples written. */
enum orr_rc kpi_collect_locked(struct store *st, int64_t now, int *written, char **err);

#endif
