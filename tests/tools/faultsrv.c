/* faultsrv.c - a test HTTP server on 127.0.0.1 that misbehaves on request.
 *
 *   faultsrv --port-file FILE [--record FILE] [--products FILE]
 *
 * Binds 127.0.0.1 on a free port, writes the port to --port-file once it
 * listens, and serves until SIGTERM or SIGINT.  Every request is appended to
 * --record as one JSON line {method, path, query, headers, body} before it
 * is answered, so a test can check what was sent (signatures, idempotency
 * keys, how many attempts).  The path chooses the behaviour:
 *
 *   /ok                  200 {"ok":true}
 *   /status/N            status N (410 included)
 *   /retry-after/S       429 with Retry-After: S
 *   /flaky/K/...         500 for the first K requests to this exact path, then 200
 *   /slow/MS             sleeps MS milliseconds, then 200
 *   /redirect[/...]      302 to http://elsewhere.invalid/steal
 *   /reset               closes the connection without an answer
 *   /malformed[/...]     200 with a body that is not JSON
 *   /big/N               200 with N bytes of JSON
 *   /admin/api/V/products.json, /admin/api/V/orders.json
 *                        Shopify Admin REST listing of --products (an object
 *                        {"products": [...], "orders": [...]}), ?limit=N
 *                        pages with a Link rel="next" page_info cursor; the
 *                        first request of each page is answered 429 with
 *                        Retry-After: 1 when the path has /throttled/ before
 *                        /admin/ (e.g. /throttled/admin/api/...).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_UPLOAD (8u << 20)

static FILE *record;
static json_t *catalog;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *seen_paths; /* path -> requests so far */

struct upload {
	char *data;
	size_t len;
	bool too_big;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	(void)kind;
	json_object_set_new(cls, key, json_string(value ? value : ""));
	return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	json_object_set_new(cls, key, value ? json_string(value) : json_null());
	return MHD_YES;
}

static void record_request(struct MHD_Connection *c, const char *method, const char *url,
			   const struct upload *u)
{
	json_t *h = json_object(), *q = json_object();
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, h);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, q);
	json_t *line = json_pack("{ss ss so so ss%}", "method", method, "path", url, "query", q,
				 "headers", h, "body", u->data ? u->data : "",
				 (size_t)(u->data ? u->len : 0));
	if (!line) /* a body that is not UTF-8: record its length only */
		line = json_pack("{ss ss so so sI}", "method", method, "path", url, "query", q,
				 "headers", h, "body_bytes", (json_int_t)u->len);
	pthread_mutex_lock(&lock);
	if (record) {
		char *text = json_dumps(line, JSON_COMPACT);
		fprintf(record, "%s\n", text);
		fflush(record);
		free(text);
	}
	pthread_mutex_unlock(&lock);
	json_decref(line);
}

/* How many requests this exact path had before this one. */
static long count_path(const char *url)
{
	pthread_mutex_lock(&lock);
	json_int_t n = json_integer_value(json_object_get(seen_paths, url));
	json_object_set_new(seen_paths, url, json_integer(n + 1));
	pthread_mutex_unlock(&lock);
	return (long)n;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
			     size_t len, const char *ctype, const char *hname, const char *hvalue)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype ? ctype : "application/json");
	if (hname)
		MHD_add_response_header(r, hname, hvalue);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *body)
{
	return reply(c, status, body, strlen(body), NULL, NULL, NULL);
}

static enum MHD_Result reply_big(struct MHD_Connection *c, long n)
{
	if (n < 16 || n > 64L << 20)
		return reply_text(c, 400, "{\"error\":\"size\"}");
	char *b = malloc((size_t)n);
	if (!b)
		return MHD_NO;
	memset(b, ' ', (size_t)n);
	memcpy(b, "{\"pad\":\"", 8);
	memset(b + 8, 'x', (size_t)n - 10);
	memcpy(b + n - 2, "\"}", 2);
	enum MHD_Result ok = reply(c, 200, b, (size_t)n, NULL, NULL, NULL);
	free(b);
	return ok;
}

/* --- the Shopify-style listing --------------------------------------------- */

static enum MHD_Result reply_listing(struct MHD_Connection *c, const char *url, const char *what,
				     bool throttled)
{
	const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *pi = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page_info");
	long limit = lim ? strtol(lim, NULL, 10) : 50;
	long from = 0;
	if (pi && sscanf(pi, "c%ld", &from) != 1)
		return reply_text(c, 400, "{\"errors\":\"Invalid page_info\"}");
	if (limit < 1 || limit > 250)
		return reply_text(c, 400, "{\"errors\":\"limit\"}");
	char key[512];
	snprintf(key, sizeof key, "%s?%ld", url, from);
	if (throttled && count_path(key) == 0)
		return reply(c, 429, "{\"errors\":\"Exceeded 2 calls per second\"}", 39, NULL,
			     "Retry-After", "1");
	json_t *all = json_object_get(catalog, what);
	long total = (long)json_array_size(all);
	json_t *page = json_array();
	for (long i = from; i < from + limit && i < total; i++)
		json_array_append(page, json_array_get(all, (size_t)i));
	json_t *doc = json_pack("{so}", what, page);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	char link[1024] = "";
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (from + limit < total)
		snprintf(link, sizeof link,
			 "<http://%s%s?limit=%ld&page_info=c%ld>; rel=\"next\"",
			 host ? host : "127.0.0.1", url, limit, from + limit);
	enum MHD_Result ok =
		reply(c, 200, text, strlen(text), NULL, link[0] ? "Link" : NULL, link);
	free(text);
	return ok;
}

/* --- dispatch -------------------------------------------------------------- */

static enum MHD_Result route(struct MHD_Connection *c, const char *url)
{
	long n;
	if (strcmp(url, "/ok") == 0)
		return reply_text(c, 200, "{\"ok\":true}");
	if (sscanf(url, "/status/%ld", &n) == 1)
		return reply_text(c, (unsigned)n, "{\"status\":\"as asked\"}");
	if (sscanf(url, "/retry-after/%ld", &n) == 1) {
		char v[32];
		snprintf(v, sizeof v, "%ld", n);
		return reply(c, 429, "{}", 2, NULL, "Retry-After", v);
	}
	if (sscanf(url, "/flaky/%ld/", &n) == 1)
		return count_path(url) < n ? reply_text(c, 500, "{\"error\":\"flaky\"}")
					   : reply_text(c, 200, "{\"ok\":true}");
	if (sscanf(url, "/slow/%ld", &n) == 1) {
		struct timespec ts = { n / 1000, (n % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		return reply_text(c, 200, "{\"ok\":true}");
	}
	if (strncmp(url, "/redirect", 9) == 0) /* to another origin */
		return reply(c, 302, "{}", 2, NULL, "Location", "http://elsewhere.invalid/steal");
	if (strcmp(url, "/reset") == 0)
		return MHD_NO; /* libmicrohttpd closes the connection */
	if (strncmp(url, "/malformed", 10) == 0)
		return reply_text(c, 200, "{\"products\": [ {\"id\": 1,,, ");
	if (sscanf(url, "/big/%ld", &n) == 1)
		return reply_big(c, n);
	bool throttled = strncmp(url, "/throttled/", 11) == 0;
	const char *admin = strstr(url, "/admin/api/");
	if (admin && strstr(admin, "/products.json"))
		return reply_listing(c, url, "products", throttled);
	if (admin && strstr(admin, "/orders.json"))
		return reply_listing(c, url, "orders", throttled);
	return reply_text(c, 404, "{\"error\":\"no such route\"}");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **state)
{
	(void)cls;
	(void)version;
	struct upload *u = *state;
	if (!u) {
		*state = calloc(1, sizeof *u);
		return *state ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (u->len + *size > MAX_UPLOAD) {
			u->too_big = true;
		} else {
			char *grown = realloc(u->data, u->len + *size + 1);
			if (!grown)
				return MHD_NO;
			u->data = grown;
			memcpy(u->data + u->len, data, *size);
			u->len += *size;
			u->data[u->len] = '\0';
		}
		*size = 0;
		return MHD_YES;
	}
	record_request(c, method, url, u);
	if (u->too_big)
		return reply_text(c, 413, "{\"error\":\"too big\"}");
	return route(c, url);
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
		    enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)c;
	(void)why;
	struct upload *u = *state;
	if (u)
		free(u->data);
	free(u);
	*state = NULL;
}

/* --- main ------------------------------------------------------------------ */

static int usage(void)
{
	fprintf(stderr, "usage: faultsrv --port-file FILE [--record FILE] [--products FILE]\n");
	return 64;
}

static int write_port(const char *path, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "faultsrv: cannot write %s: %s\n", path, strerror(errno));
		return 74;
	}
	return 0;
}

static int serve(const char *port_file)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0,
		NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)30, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "faultsrv: cannot listen on 127.0.0.1\n");
		return 74;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	int rc = write_port(port_file, info ? info->port : 0);
	if (rc == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		int sig;
		sigwait(&set, &sig);
	}
	MHD_stop_daemon(d);
	return rc;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *record_path = NULL, *products = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port-file") == 0)
			port_file = argv[i + 1];
		else if (strcmp(argv[i], "--record") == 0)
			record_path = argv[i + 1];
		else if (strcmp(argv[i], "--products") == 0)
			products = argv[i + 1];
		else
			return usage();
	}
	if (!port_file || argc % 2 == 0)
		return usage();
	/* block the stop signals before any thread starts, so sigwait gets them */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	json_error_t je;
	catalog = products ? json_load_file(products, 0, &je) : json_object();
	if (!catalog) {
		fprintf(stderr, "faultsrv: %s:%d: %s\n", products, je.line, je.text);
		return 65;
	}
	if (record_path && !(record = fopen(record_path, "a"))) {
		fprintf(stderr, "faultsrv: cannot open %s: %s\n", record_path, strerror(errno));
		return 74;
	}
	seen_paths = json_object();
	int rc = serve(port_file);
	if (record)
		fclose(record);
	json_decref(catalog);
	json_decref(seen_paths);
	return rc;
}
