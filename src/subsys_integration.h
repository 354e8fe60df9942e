/* subsys_integration.h - the integration subsystem: outbound calls as jobs.
 *
 *   integration.deliver  {delivery_id}: POST one subscribed event to a
 *                        webhook connector, signed per Standard Webhooks
 *   integration.pull     {connector, resource: "products"|"orders"}: list a
 *                        Shopify connector's products or orders page by
 *                        page and store them through ingest
 *
 * Each connector has its own circuit breaker (retry.h's state machine with
 * the connector's policy, stored in connector_state): while it is open the
 * connector's jobs wait for its cool-down without using an attempt, and
 * after it one trial call decides (half-open).  A 410 disables the
 * connector.  Retry-After and the connector's backoff set the earliest
 * retry.  integration_dispatch turns subscribed events into deliveries.
 *
 * The configuration (connectors.json and the secrets) is process-wide: set
 * once by the CLI before any worker starts, read-only afterwards. */
#ifndef ORR_SUBSYS_INTEGRATION_H
#define ORR_SUBSYS_INTEGRATION_H

#include "clock.h"
#include "connectors.h"
#include "rc.h"
#include "subsystem.h"

struct store;
struct secrets;

extern const struct subsystem subsys_integration;

#define INTEGRATION_CONSUMER "integration"

/* Load connectors.json beside db_path (a missing file: no connectors) and
 * keep secrets (may be NULL; not owned, must outlive the command). */
enum orr_rc integration_setup(const char *db_path, const struct secrets *secrets, char **err);
void integration_teardown(void);
/* The loaded connectors (never NULL: empty before setup) and secrets (may
 * be NULL). */
const struct connectors *integration_connectors(void);
const struct secrets *integration_secrets(void);

/* Read events after the integration cursor (at most max) and queue one
 * delivery job per subscribed, enabled webhook connector, advancing the
 * cursor in the same transaction.  *handled: events read. */
enum orr_rc integration_dispatch(struct store *st, const struct clock *clock, int max,
				 int *handled, char **err);
/* 1 when an event waits for the fan-out, else 0 (a count is not needed:
 * the runner only asks whether it is idle). */
long integration_backlog(struct store *st);

/* Queue a delivery again (`deliveries replay`): back to pending, a new job.
 * ORR_NOINPUT: no such delivery; ORR_USAGE: it is pending already. */
enum orr_rc integration_replay(struct store *st, const struct clock *clock, int64_t id,
			       int64_t *job_id, char **err);

#endif
