/* pull.c - integration.pull: Shopify Admin REST listings into ingest. */
#include "pull.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "conn_call.h"
#include "ingest.h"
#include "subsys_integration.h"
#include "webhook_map.h"
#include "xalloc.h"

char *pull_first_url(const char *base, const char *version, const char *resource, int limit)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/admin/api/%s/%s.json?limit=%d", (int)n, base, version, resource,
			 limit);
}

/* The length of "scheme://host[:port]" at the start of url. */
static size_t origin_len(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return 0;
	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

bool pull_same_origin(const char *base, const char *next)
{
	size_t a = origin_len(base), b = origin_len(next);
	return a > 0 && a == b && strncasecmp(base, next, a) == 0;
}

/* --- one page -------------------------------------------------------------- */

struct pull {
	struct job_ctx *ctx;
	const struct connector *c;
	enum webhook_topic topic;
	const char *resource;
	char *url;               /* the page to fetch; owned */
	long pages, records, created, updated, unchanged;
};

/* Each listed record mapped as its webhook payload, into one JSON Lines
 * buffer for the page. */
static enum orr_rc map_page(struct pull *p, json_t *list, char **jsonl, size_t *len, char **err)
{
	size_t cap = 4096, i;
	json_t *v;
	*jsonl = xmalloc(cap);
	*len = 0;
	json_array_foreach(list, i, v) {
		char *text = json_dumps(v, JSON_COMPACT);
		struct webhook_mapped m;
		enum orr_rc rc = webhook_map(p->topic, text, strlen(text), NULL, NULL, NULL, &m, err);
		free(text);
		if (rc != ORR_OK) {
			char *why = *err;
			*err = xasprintf("%s[%zu] of page %ld: %s", p->resource, i, p->pages + 1, why);
			free(why);
			return rc;
		}
		if (*len + m.len + 1 > cap) {
			cap = (*len + m.len + 1) * 2;
			*jsonl = xrealloc(*jsonl, cap);
		}
		memcpy(*jsonl + *len, m.jsonl, m.len);
		*len += m.len;
		p->records++;
		webhook_mapped_free(&m);
	}
	return ORR_OK;
}

static enum job_status store_page(struct pull *p, const struct http_response *r)
{
	char *err = NULL, *jsonl = NULL;
	size_t len = 0;
	json_t *doc = http_json(r, &err);
	json_t *list = doc ? json_object_get(doc, p->resource) : NULL;
	enum job_status s = JOB_DONE;
	if (!doc)
		s = job_fail(p->ctx, JOB_RETRY, "%s: %s", p->url, err);
	else if (!json_is_array(list))
		s = job_fail(p->ctx, JOB_PERMANENT, "%s: the answer has no \"%s\" array", p->url,
			     p->resource);
	else if (map_page(p, list, &jsonl, &len, &err) != ORR_OK)
		s = job_fail(p->ctx, JOB_PERMANENT, "%s: %s", p->url, err);
	if (s == JOB_DONE && len > 0) {
		char now[CLOCK_TEXT_LEN], name[96];
		clock_format(clock_now(p->ctx->clock), now);
		snprintf(name, sizeof name, "pull:%s/%s", p->c->name, p->resource);
		struct ingest_options opt = { .strict = true, .now = now, .no_source_event = true };
		struct ingest_report rep;
		enum orr_rc rc = ingest_buffer(p->ctx->st, name, jsonl, len, &opt, &rep, &err);
		if (rc != ORR_OK)
			s = job_fail(p->ctx, rc == ORR_DATAERR ? JOB_PERMANENT : JOB_RETRY,
				     "page %ld: %s", p->pages + 1, err);
		p->created += rep.created;
		p->updated += rep.updated;
		p->unchanged += rep.unchanged;
	}
	json_decref(doc);
	free(jsonl);
	free(err);
	return s;
}

/* --- the page loop --------------------------------------------------------- */

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* GET the current page; a 429 with a short Retry-After is waited out here
 * (the pages fetched so far stay stored), up to PULL_MAX_THROTTLES times. */
static enum job_status fetch(struct pull *p, const struct http_header *auth,
			     struct http_response *r)
{
	for (int throttled = 0;; throttled++) {
		enum job_status s = conn_call_gate(p->ctx, p->c);
		if (s != JOB_DONE)
			return s;
		struct http_request req = { .method = "GET", .url = p->url, .headers = auth,
					    .nheaders = auth->name ? 1 : 0,
					    .credentials = auth->name != NULL };
		conn_call_request(p->c, &req);
		char *err = NULL;
		if (http_perform(&req, r, &err) != ORR_OK) {
			s = job_fail(p->ctx, JOB_PERMANENT, "%s", err);
			free(err);
			return s;
		}
		s = conn_call_finish(p->ctx, p->c, 0, "GET", r);
		bool wait = r->status == 429 && throttled < PULL_MAX_THROTTLES &&
			    r->retry_after_ms >= 0 && r->retry_after_ms <= PULL_MAX_WAIT_MS;
		if (!wait || (p->ctx->stop && *p->ctx->stop))
			return s;
		job_log(p->ctx, "page %ld: 429, waiting %lld ms as asked", p->pages + 1,
			(long long)r->retry_after_ms);
		sleep_ms(r->retry_after_ms);
		free(p->ctx->error);
		p->ctx->error = NULL;
		p->ctx->not_before = 0;
		http_response_free(r);
	}
}

/* Follow the next link; false at the end or when it leaves the origin. */
static enum job_status advance(struct pull *p, const struct http_response *r, bool *more)
{
	char *next = r->link ? http_link_next(r->link) : NULL;
	*more = next != NULL;
	if (next && !pull_same_origin(p->c->url, next)) {
		free(next);
		*more = false;
		return job_fail(p->ctx, JOB_PERMANENT, "the next page is on another origin than %s: "
				"not followed", p->c->url);
	}
	if (next) {
		free(p->url);
		p->url = next;
	}
	return JOB_DONE;
}

static enum job_status pull_pages(struct pull *p, const struct http_header *auth)
{
	enum job_status s = JOB_DONE;
	for (bool more = true; more && s == JOB_DONE && p->pages < PULL_MAX_PAGES;) {
		if (p->ctx->stop && *p->ctx->stop)
			return job_fail(p->ctx, JOB_RELEASE, "stopped after %ld pages", p->pages);
		struct http_response r;
		s = fetch(p, auth, &r);
		if (s == JOB_DONE)
			s = store_page(p, &r);
		if (s == JOB_DONE) {
			p->pages++;
			job_log(p->ctx, "page %ld: %ld records so far", p->pages, p->records);
			s = advance(p, &r, &more);
		}
		http_response_free(&r);
	}
	return s;
}

/* The job's arguments; false (the job failed permanently) when bad. */
static bool parse_args(struct job_ctx *ctx, struct pull *p, int *limit)
{
	const char *name = json_string_value(json_object_get(ctx->args, "connector"));
	const char *res = json_string_value(json_object_get(ctx->args, "resource"));
	json_t *lim = json_object_get(ctx->args, "limit");
	*limit = lim ? (int)json_integer_value(lim) : PULL_DEFAULT_LIMIT;
	p->c = name ? connectors_find(integration_connectors(), name) : NULL;
	if (!p->c || p->c->kind != CONNECTOR_SHOPIFY)
		job_fail(ctx, JOB_PERMANENT, "integration.pull: \"%s\" is not a shopify connector "
			 "of connectors.json", name ? name : "(no connector)");
	else if (!res || (strcmp(res, "products") != 0 && strcmp(res, "orders") != 0))
		job_fail(ctx, JOB_PERMANENT, "integration.pull: resource must be \"products\" or "
			 "\"orders\"");
	else if (*limit < 1 || *limit > 250)
		job_fail(ctx, JOB_PERMANENT, "integration.pull: limit must be 1 to 250");
	else {
		p->resource = res;
		p->topic = strcmp(res, "products") == 0 ? WH_PRODUCTS_CREATE : WH_ORDERS_CREATE;
		return true;
	}
	return false;
}

enum job_status pull_job_run(struct job_ctx *ctx)
{
	struct pull p = { .ctx = ctx };
	int limit;
	if (!parse_args(ctx, &p, &limit))
		return ctx->status;
	struct http_header auth = { 0 };
	char *secret = NULL, *err = NULL;
	if (!conn_call_auth(p.c, integration_secrets(), &auth, &secret, &err)) {
		enum job_status s = job_fail(ctx, JOB_PERMANENT, "%s", err);
		free(err);
		return s;
	}
	p.url = pull_first_url(p.c->url, p.c->api_version, p.resource, limit);
	enum job_status s = pull_pages(&p, &auth);
	conn_call_free_secret(secret);
	free(p.url);
	ctx->result = json_pack("{sssssIsIsIsIsI}", "connector", p.c->name, "resource", p.resource,
				"pages", (json_int_t)p.pages, "records", (json_int_t)p.records,
				"created", (json_int_t)p.created, "updated", (json_int_t)p.updated,
				"unchanged", (json_int_t)p.unchanged);
	return s;
}
