/* pull.h - the Shopify pull connector: integration.pull lists a shop's
 * products or orders through the Admin REST API, page by page (cursor
 * pagination: the rel="next" URL of the Link header carries page_info),
 * maps each record as the matching webhook's payload (webhook_map.h: the
 * REST objects have the webhook shape) and stores each page through
 * ingest's JSON Lines importer, so events and rules follow as for a file.
 * A 429 waits its Retry-After (up to PULL_MAX_WAIT_MS, at most
 * PULL_MAX_THROTTLES times per page) and asks again; a next link to another
 * origin than the connector's URL is refused (the access token would go
 * with it). */
#ifndef ORR_PULL_H
#define ORR_PULL_H

#include "jobs.h"

#define PULL_DEFAULT_LIMIT 250 /* Shopify's maximum page size */
#define PULL_MAX_PAGES 100000
#define PULL_MAX_WAIT_MS 10000
#define PULL_MAX_THROTTLES 5

/* The handler of integration.pull (args: connector, resource
 * "products"|"orders", limit 1..250). */
enum job_status pull_job_run(struct job_ctx *ctx);

/* The first page's URL: base + /admin/api/VERSION/RESOURCE.json?limit=N.
 * Owned. */
char *pull_first_url(const char *base, const char *version, const char *resource, int limit);

/* Is next on the same origin (scheme, host and port) as base? */
bool pull_same_origin(const char *base, const char *next);

#endif
