/* http.c - the libcurl wrapper: one easy handle per thread, reused. */
#include "http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define USER_AGENT "orrery/0.1"

/* --- one handle per thread ------------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static pthread_key_t handle_key;

static void handle_free(void *h)
{
	curl_easy_cleanup(h);
}

/* curl_global_init is not thread-safe: run it once, before any handle. */
static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_key_create(&handle_key, handle_free);
}

/* The calling thread's handle, reset to defaults but keeping its
 * connection cache, or NULL when curl cannot make one. */
static CURL *thread_handle(void)
{
	pthread_once(&global_once, global_init);
	CURL *h = pthread_getspecific(handle_key);
	if (h) {
		curl_easy_reset(h);
		return h;
	}
	h = curl_easy_init();
	if (h)
		pthread_setspecific(handle_key, h);
	return h;
}

/* --- callbacks ------------------------------------------------------------- */

struct sink {
	struct http_response *resp;
	size_t cap, alloc;
	bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *k = arg;
	size_t n = size * nmemb;
	if (k->resp->len + n > k->cap) {
		k->too_big = true;
		return 0; /* libcurl stops the transfer with CURLE_WRITE_ERROR */
	}
	if (k->resp->len + n + 1 > k->alloc) {
		k->alloc = (k->resp->len + n + 1) * 2;
		if (k->alloc > k->cap + 1)
			k->alloc = k->cap + 1;
		k->resp->body = xrealloc(k->resp->body, k->alloc);
	}
	memcpy(k->resp->body + k->resp->len, data, n);
	k->resp->len += n;
	k->resp->body[k->resp->len] = '\0';
	return n;
}

/* Keeps the Link header of the last response (after redirects). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *k = arg;
	size_t n = size * nmemb;
	if (n > 5 && strncasecmp(data, "HTTP/", 5) == 0) {
		free(k->resp->link); /* a new response: a redirect's headers do not count */
		k->resp->link = NULL;
	} else if (n > 5 && strncasecmp(data, "link:", 5) == 0) {
		size_t a = 5, b = n;
		while (a < b && (data[a] == ' ' || data[a] == '\t'))
			a++;
		while (b > a && (data[b - 1] == '\r' || data[b - 1] == '\n' || data[b - 1] == ' '))
			b--;
		free(k->resp->link);
		k->resp->link = xstrndup(data + a, b - a);
	}
	return n;
}

/* --- classification -------------------------------------------------------- */

bool http_method_mutates(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	       strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

enum http_class http_classify(long status)
{
	if (status >= 200 && status < 300)
		return HTTP_SUCCESS;
	if (status == 0 || status == 408 || status == 429 || status >= 500)
		return HTTP_RETRYABLE;
	if (status == 410)
		return HTTP_GONE;
	return HTTP_REFUSED;
}

/* A failure of the transport: a certificate that does not verify is a
 * configuration problem retrying cannot fix; the rest may pass. */
static enum http_class transport_class(CURLcode c)
{
	switch (c) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_TOO_MANY_REDIRECTS:
		return HTTP_REFUSED;
	default:
		return HTTP_RETRYABLE;
	}
}

/* --- one call -------------------------------------------------------------- */

static struct curl_slist *build_headers(const struct http_request *req)
{
	struct curl_slist *list = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
	for (size_t i = 0; i < req->nheaders; i++) {
		char *line = xasprintf("%s: %s", req->headers[i].name, req->headers[i].value);
		list = curl_slist_append(list, line);
		free(line);
	}
	if (req->idempotency_key) {
		char *line = xasprintf("Idempotency-Key: %s", req->idempotency_key);
		list = curl_slist_append(list, line);
		free(line);
	}
	return list;
}

static void set_options(CURL *h, const struct http_request *req, struct curl_slist *hdrs,
			struct sink *k, char *errbuf)
{
	bool mutates = http_method_mutates(req->method);
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* a signed body or a credential is never sent elsewhere: only reads
	 * without credentials follow redirects */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, mutates || req->credentials ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_ms > 0 ? req->connect_ms : (long)HTTP_DEFAULT_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
			 req->total_ms > 0 ? req->total_ms : (long)HTTP_DEFAULT_TOTAL_MS);
	curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, k);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
}

static void read_info(CURL *h, struct http_response *resp)
{
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_off_t t = 0, ra = -1;
	if (curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &t) == CURLE_OK)
		resp->latency_ms = (int64_t)(t / 1000);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		resp->retry_after_ms = (int64_t)ra * 1000;
}

/* Name the failure without echoing anything the server sent. */
static void describe_failure(const struct http_request *req, struct http_response *resp,
			     CURLcode c, const char *errbuf, const struct sink *k)
{
	if (k->too_big) {
		resp->cls = HTTP_REFUSED;
		resp->error = xasprintf("response body over the %zu-byte limit", k->cap);
	} else if (c == CURLE_OPERATION_TIMEDOUT) {
		resp->cls = HTTP_RETRYABLE;
		resp->error = xasprintf("timed out after %ld ms (%s)",
					req->total_ms > 0 ? req->total_ms : (long)HTTP_DEFAULT_TOTAL_MS,
					errbuf[0] ? errbuf : curl_easy_strerror(c));
	} else if (c != CURLE_OK) {
		resp->cls = transport_class(c);
		resp->error = xasprintf("%s", errbuf[0] ? errbuf : curl_easy_strerror(c));
	} else {
		resp->cls = http_classify(resp->status);
		if (resp->cls != HTTP_SUCCESS)
			resp->error = xasprintf("HTTP %ld", resp->status);
	}
}

/* A 3xx that was not followed: say where it pointed. */
static void describe_redirect(CURL *h, struct http_response *resp)
{
	char *target = NULL;
	if (resp->status < 300 || resp->status >= 400 ||
	    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &target) != CURLE_OK || !target)
		return;
	free(resp->error);
	resp->error = xasprintf("HTTP %ld to %s: not followed (a mutating call or one with "
				"credentials)", resp->status, target);
}

enum orr_rc http_perform(const struct http_request *req, struct http_response *resp, char **err)
{
	*resp = (struct http_response){ .retry_after_ms = -1, .body = xstrdup("") };
	const char *why;
	if (!http_url_allowed(req->url, &why)) {
		*err = xasprintf("%s: %s", req->url, why);
		return ORR_USAGE;
	}
	if (http_method_mutates(req->method) && (!req->idempotency_key || !*req->idempotency_key)) {
		*err = xasprintf("%s %s without an idempotency key is not sent", req->method, req->url);
		return ORR_USAGE;
	}
	CURL *h = thread_handle();
	if (!h) {
		*err = xstrdup("cannot create an HTTP handle");
		return ORR_SOFTWARE;
	}
	struct sink k = { .resp = resp, .cap = req->max_body ? req->max_body : HTTP_DEFAULT_MAX_BODY,
			  .alloc = 1 };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = build_headers(req);
	set_options(h, req, hdrs, &k, errbuf);
	CURLcode c = curl_easy_perform(h);
	read_info(h, resp);
	describe_failure(req, resp, c, errbuf, &k);
	describe_redirect(h, resp);
	curl_slist_free_all(hdrs);
	return ORR_OK;
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	free(resp->link);
	free(resp->error);
	*resp = (struct http_response){ .retry_after_ms = -1 };
}

json_t *http_json(const struct http_response *resp, char **err)
{
	json_error_t je;
	json_t *j = json_loadb(resp->body, resp->len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		*err = xasprintf("malformed JSON: %s at line %d column %d", je.text, je.line,
				 je.column);
	return j;
}

/* --- Link headers and URLs ------------------------------------------------- */

/* Link: <https://x/a?page_info=abc>; rel="previous", <...>; rel="next" */
char *http_link_next(const char *link)
{
	const char *p = link;
	while (p && *p) {
		const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL;
		if (!gt)
			return NULL;
		const char *end = strchr(gt, ',');
		size_t plen = end ? (size_t)(end - gt) : strlen(gt);
		char *params = xstrndup(gt, plen);
		bool next = strstr(params, "rel=\"next\"") || strstr(params, "rel=next");
		free(params);
		if (next)
			return xstrndup(lt + 1, (size_t)(gt - lt - 1));
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

char *http_query_param(const char *url, const char *name)
{
	const char *q = strchr(url, '?');
	size_t nlen = strlen(name);
	while (q) {
		q++;
		if (strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
			const char *v = q + nlen + 1;
			return xstrndup(v, strcspn(v, "&#"));
		}
		q = strchr(q, '&');
	}
	return NULL;
}

static bool host_is_loopback(const char *url, size_t skip)
{
	const char *host = url + skip;
	static const char *const loopback[] = { "127.0.0.1", "localhost", "[::1]" };
	for (size_t i = 0; i < sizeof loopback / sizeof *loopback; i++) {
		size_t n = strlen(loopback[i]);
		if (strncasecmp(host, loopback[i], n) == 0 &&
		    (host[n] == '\0' || host[n] == ':' || host[n] == '/'))
			return true;
	}
	return false;
}

bool http_url_allowed(const char *url, const char **why)
{
	if (strncasecmp(url, "https://", 8) == 0 && url[8]) {
		return true;
	}
	if (strncasecmp(url, "http://", 7) == 0) {
		if (host_is_loopback(url, 7))
			return true;
		*why = "plain http is allowed only to the loopback interface; use https";
		return false;
	}
	*why = "not an http(s) URL";
	return false;
}
