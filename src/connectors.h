/* connectors.h - connectors.json: the outside systems Orrery calls.
 *
 * The file sits beside the database.  It is an object with one member,
 * "connectors", an array of objects:
 *
 *   name          required, [a-z0-9_-]{1,40}, unique
 *   kind          required: "webhook" (subscribed events are POSTed to url,
 *                 Standard Webhooks signed), "shopify" (the Admin REST
 *                 API is pulled for products and orders) or "chat" (an
 *                 OpenAI-compatible chat-completions API, url its base:
 *                 `context customer --ask` POSTs {url}/chat/completions)
 *   url           required: https, or http to the loopback interface only
 *   auth          "none", "standard-webhooks" (default of webhook: sign with
 *                 the secret), "bearer" (Authorization: Bearer secret),
 *                 "shopify-token" (default of shopify: X-Shopify-Access-Token);
 *                 a chat connector takes "none" (its default) or "bearer"
 *   secret        the key of the secret in secrets.json (required unless
 *                 auth is "none"); the value never appears here
 *   connect_timeout, timeout   durations, default 5s and 15s
 *   rate_limit    calls per second this process makes at most, default 10
 *   retry         {"max_attempts": 1..50 (default 8), "base": "1s", "cap": "10m"}
 *   breaker       {"consecutive": 5, "window_min": 20, "ratio_pct": 50,
 *                 "window": "60s", "cooldown": "30s"}
 *   events        webhook only, required: event types (fnmatch patterns)
 *   max_response  bytes of a response body kept at most, default 1 MiB
 *   api_version   shopify only, default "2024-01"
 *   model         chat only, required: the model the endpoint is asked for
 *
 * Unknown keys and bad values are refused with the file, line, column and
 * key in the message. */
#ifndef ORR_CONNECTORS_H
#define ORR_CONNECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"
#include "retry.h"

#define CONNECTORS_FILE "connectors.json"
#define CONNECTORS_MAX_BYTES (1024 * 1024)

enum connector_kind { CONNECTOR_WEBHOOK, CONNECTOR_SHOPIFY, CONNECTOR_CHAT };
enum connector_auth { AUTH_NONE, AUTH_STANDARD_WEBHOOKS, AUTH_BEARER, AUTH_SHOPIFY_TOKEN };

struct connector {
	char *name;
	enum connector_kind kind;
	char *url;
	enum connector_auth auth;
	char *secret;            /* a key into secrets.json, or NULL */
	int64_t connect_ms, timeout_ms;
	double rate_per_s;
	struct retry_policy retry;
	struct breaker_policy breaker;
	char **events;           /* webhook: the subscribed patterns */
	size_t nevents;
	size_t max_response;
	char *api_version;       /* shopify */
	char *model;             /* chat */
};

struct connectors {
	char *path;              /* where they were read from, or NULL: none */
	struct connector *v;
	size_t n;
};

/* Load path.  A missing file is an empty set when required is false.  On
 * error *err names the file (line:column) and the key; *out is untouched. */
enum orr_rc connectors_load(const char *path, bool required, struct connectors **out,
			    char **err);
/* Parse text (for tests and the fuzzer); path names it in messages. */
enum orr_rc connectors_parse(const char *path, const char *text, size_t len,
			     struct connectors **out, char **err);
void connectors_free(struct connectors *c);

/* connectors.json in the directory of db_path; caller frees. */
char *connectors_path_beside(const char *db_path);

const struct connector *connectors_find(const struct connectors *c, const char *name);
/* Does the connector subscribe to this event type? */
bool connector_subscribes(const struct connector *c, const char *type);

const char *connector_kind_name(enum connector_kind k);
const char *connector_auth_name(enum connector_auth a);

#endif
