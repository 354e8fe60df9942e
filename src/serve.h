/* serve.h - the inbound HTTP server (libmicrohttpd, a thread pool; one
 * SQLite connection per pool thread for verifying, de-duplicating and
 * mapping; one writer thread with its own connection storing every delivery
 * waiting in one transaction, while their connections are suspended).
 *
 * Routes:
 *   POST /webhooks/shopify/<topic>  X-Shopify-Hmac-Sha256 over the raw body
 *                                   (secrets key shopify.webhook_secret),
 *                                   de-duplicated by X-Shopify-Webhook-Id
 *   POST /webhooks/standard         Standard Webhooks (standard.webhook_secret,
 *                                   whsec_..., 5-minute tolerance), by webhook-id
 *   GET  /healthz                   200 when the database answers
 *   GET  /metrics                   Prometheus text: the server's counters and
 *                                   the KPI export
 * A body over the limit is 413 and a client over its rate 429, both before
 * the body is read; a bad signature is 401 with an empty body; a payload
 * that cannot be stored is 422.  Nothing of a refused request is stored. */
#ifndef ORR_SERVE_H
#define ORR_SERVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rc.h"

struct secrets;

#define SERVE_DEFAULT_MAX_BODY (1024 * 1024)
#define SERVE_DEFAULT_RATE 100 /* requests per second per client address */

/* The pool's default size: one thread per online CPU (1 to 64).  More
 * threads than cores only queue on the one writer and switch: measured on
 * 2 cores, 4 threads stored 4,405 webhooks/s at 312 us of CPU each, 2 threads
 * 6,832/s at 195 us. */
int serve_default_threads(void);

struct serve_options {
	const char *db_path;
	const char *listen;            /* "HOST:PORT" (numeric IPv4 or [IPv6]); port 0 picks one */
	int threads;                   /* 0: the default */
	size_t max_body;               /* 0: the default */
	int rate;                      /* per client per second, bursts of as many; < 0: off */
	const struct secrets *secrets; /* shopify.webhook_secret, standard.webhook_secret */
	const char *currency;          /* the shop's, for Shopify product prices; NULL: USD */
	FILE *log;                     /* refusals and start/stop lines, or NULL */
	bool log_json;
};

struct server;

/* Check the options and secrets, open the database and start listening.
 * Usage problems (a bad address, no secret to verify anything with) are
 * ORR_USAGE or ORR_DATAERR with *err; a port in use is ORR_IOERR. */
enum orr_rc serve_start(const struct serve_options *o, struct server **out, char **err);
/* The address actually bound ("127.0.0.1:8080"), for the start-up line. */
const char *serve_address(const struct server *s);
/* Stop accepting, finish the requests in flight, close the connections. */
void serve_stop(struct server *s);

/* serve_start, then wait for SIGINT or SIGTERM (or *stop), then serve_stop. */
enum orr_rc serve_run(const struct serve_options *o, const atomic_int *stop, char **err);

#endif
