/* http.h - the one HTTP client every outbound call goes through (libcurl).
 *
 * Each call has a connect and a total timeout, verifies TLS (peer and host,
 * always: there is no switch to turn it off), follows at most a few
 * redirects and only to http/https, caps the response body, and carries an
 * Idempotency-Key when it mutates (POST, PUT, PATCH, DELETE): a mutating
 * request without one is refused before anything is sent.  The outcome is
 * classified for the job engine: what to retry (network errors, 408, 429,
 * 5xx, honouring Retry-After), what disables the endpoint (410) and what
 * retrying cannot fix.  Thread-safe: each thread keeps its own handle, so
 * connections to the same host are reused across calls. */
#ifndef ORR_HTTP_H
#define ORR_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rc.h"

#define HTTP_MAX_REDIRECTS 3
#define HTTP_DEFAULT_CONNECT_MS 5000
#define HTTP_DEFAULT_TOTAL_MS 15000
#define HTTP_DEFAULT_MAX_BODY (1024 * 1024)

struct http_header {
	const char *name, *value;
};

struct http_request {
	const char *method;          /* "GET", "POST", ... */
	const char *url;
	const struct http_header *headers;
	size_t nheaders;
	const char *body;            /* NULL: none */
	size_t body_len;
	const char *idempotency_key; /* required when the method mutates */
	long connect_ms, total_ms;   /* 0: the defaults above */
	size_t max_body;             /* response cap in bytes; 0: the default */
	/* The headers carry a credential: no redirect is followed (libcurl
	 * would send custom headers such as X-Shopify-Access-Token to any
	 * host a Location names); a 3xx is refused naming its target. */
	bool credentials;
};

/* What the caller should do next. */
enum http_class {
	HTTP_SUCCESS,   /* 2xx */
	HTTP_RETRYABLE, /* network error, timeout, 408, 429, 5xx: try again later */
	HTTP_GONE,      /* 410: the endpoint is gone, stop calling it */
	HTTP_REFUSED,   /* any other answer (4xx, 3xx past the limit, oversized body) */
};

struct http_response {
	long status;            /* 0 when no answer came */
	char *body;             /* NUL-terminated; owned */
	size_t len;
	char *link;             /* the Link header, or NULL; owned */
	int64_t retry_after_ms; /* from Retry-After; -1 when absent */
	int64_t latency_ms;     /* from the start of the call to its end */
	enum http_class cls;
	char *error;            /* why it failed, NULL on success; owned */
};

/* Make one call.  Returns ORR_OK when the exchange happened or failed in a
 * way the response describes (status, class, error); ORR_USAGE for a request
 * that must not be sent (a mutating method without a key, a bad URL
 * scheme).  The response is always initialised; free it with
 * http_response_free. */
enum orr_rc http_perform(const struct http_request *req, struct http_response *resp, char **err);
void http_response_free(struct http_response *resp);

/* The class of an HTTP status (0: no answer, a network failure). */
enum http_class http_classify(long status);
bool http_method_mutates(const char *method);

/* The response body as JSON; NULL with *err ("malformed JSON: ... at line
 * L column C") when it is not. */
json_t *http_json(const struct http_response *resp, char **err);

/* The URL of rel="next" in a Link header, or NULL (owned). */
char *http_link_next(const char *link);

/* The value of query parameter name in url, or NULL (owned; not decoded
 * beyond what a cursor needs: page_info values are URL-safe). */
char *http_query_param(const char *url, const char *name);

/* Is this URL allowed as a connector base: https anywhere, http only to
 * the loopback interface (tests, sidecars)?  *why says why not. */
bool http_url_allowed(const char *url, const char **why);

#endif
