/* serve.c - the inbound webhook server on libmicrohttpd (see serve.h).
 *
 * A request goes through: route -> rate limit -> declared size -> body
 * (capped as it arrives) -> signature -> de-duplication and storage
 * (webhook_in.c).  Everything before the signature is checked touches no
 * database, so a forged or oversized request costs a hash at most. */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ingest.h"
#include "kpi.h"
#include "runlog.h"
#include "secrets.h"
#include "sig.h"
#include "store.h"
#include "store_webhook.h"
#include "webhook_in.h"
#include "xalloc.h"

#define RATE_SLOTS 4096
#define MAX_CONNECTIONS 1024
#define CONNECTION_TIMEOUT_S 30
#define SHOPIFY_PREFIX "/webhooks/shopify/"

enum route { R_SHOPIFY, R_STANDARD, R_HEALTHZ, R_METRICS, R_OTHER, R_COUNT };
static const char *const route_names[R_COUNT] = { "shopify", "standard", "healthz", "metrics",
						  "other" };

/* The status codes the server answers with, for the request counters. */
static const unsigned codes[] = { 200, 400, 401, 404, 405, 413, 422, 429, 500, 503 };
#define NCODES (sizeof codes / sizeof *codes)

/* One client address's token bucket.  Addresses hash into a fixed table;
 * two that collide share a bucket (the limit stays an upper bound on what
 * one address gets, never a way around it). */
struct rate_slot {
	double tokens;
	int64_t last_ms;
};

/* A delivery verified and mapped by a pool thread, waiting for the writer
 * while its connection is suspended (the pool thread serves others). */
struct pending {
	const struct webhook_delivery *d;
	enum webhook_topic topic;
	const struct webhook_mapped *m;
	enum webhook_outcome out;
	long records;
	char *err;
	struct MHD_Connection *conn;
	atomic_bool done; /* set by the writer just before it resumes conn */
	struct pending *next;
};

/* The one writer: it takes every delivery waiting and stores them in one
 * transaction, each in its own savepoint (group commit).  A commit costs
 * the same for one delivery as for fifty, and the pages they share (the
 * tables' last leaves, the indexes) are written once.  No delivery waits
 * for a batch to fill: while one batch commits, the next gathers. */
struct writer {
	pthread_t thread;
	bool initialised, started, stop;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct pending *head, *tail;
	atomic_long *inflight;
	struct store *st;
	long batches;
};

struct server {
	struct MHD_Daemon *daemon;
	struct serve_options o;
	char address[80];
	struct runlog log;
	/* verification keys, decoded once */
	const char *const *shopify;
	size_t nshopify;
	struct sig_key standard[SIG_MAX_KEYS];
	size_t nstandard;
	/* one connection per pool thread, all closed at the stop */
	pthread_mutex_t stores_lock;
	struct store **stores;
	size_t nstores;
	pthread_mutex_t write_lock;
	struct writer writer;
	pthread_mutex_t rate_lock;
	struct rate_slot *rate;
	/* counters for /metrics */
	atomic_long requests[R_COUNT][NCODES];
	atomic_long stored, duplicates, refused_signature, refused_stale, refused_payload;
	/* deliveries between the start of storing and their answer; a stop
	 * waits for none to be left (no connection may stay suspended) */
	atomic_long inflight;
	atomic_bool stopping;
};

/* The state of one request while its body arrives and it is stored. */
struct request {
	enum route route;
	bool queued;                  /* handed to the writer, connection suspended */
	struct webhook_delivery d;
	struct webhook_mapped m;
	struct pending p;
	char id[201], now[CLOCK_TEXT_LEN];
	char *body;
	size_t len, cap;
	bool too_big;
	bool answered; /* 413 queued while the body was still arriving */
	size_t dropped; /* bytes read and dropped past the limit */
};

/* A body over the limit is read and dropped so that the client, still
 * sending, can read the 413 at its end; past this much more it is answered
 * at once and the connection closed (an endless body is not drained). */
#define DRAIN_MAX (8 * 1024 * 1024)

/* --- per-thread database connection ------------------------------------------ */

static __thread struct server *tls_server;
static __thread struct store *tls_store;

static struct store *thread_store(struct server *s, char **err)
{
	if (tls_server == s && tls_store)
		return tls_store;
	struct store *st = NULL;
	if (store_open(s->o.db_path, STORE_READWRITE, &st, err) != ORR_OK)
		return NULL;
	store_share_write_lock(st, &s->write_lock);
	store_tune_for_service(st); /* reads what the writer just wrote: mapped, not copied */
	pthread_mutex_lock(&s->stores_lock);
	s->stores = xrealloc(s->stores, (s->nstores + 1) * sizeof *s->stores);
	s->stores[s->nstores++] = st;
	pthread_mutex_unlock(&s->stores_lock);
	tls_server = s;
	tls_store = st;
	return st;
}

/* --- responses ------------------------------------------------------------------ */

static void count(struct server *s, enum route r, unsigned code)
{
	for (size_t i = 0; i < NCODES; i++)
		if (codes[i] == code) {
			atomic_fetch_add_explicit(&s->requests[r][i], 1, memory_order_relaxed);
			return;
		}
}

static enum MHD_Result respond(struct server *s, struct MHD_Connection *c, enum route r,
			       unsigned code, const char *type, const char *body)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (*body)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == 429 || code == 503)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, code == 429 ? "1" : "5");
	enum MHD_Result ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	count(s, r, code);
	return ret;
}

/* A JSON object {"key": "value"} as the body. */
static enum MHD_Result respond_json(struct server *s, struct MHD_Connection *c, enum route r,
				    unsigned code, const char *key, const char *value)
{
	json_t *o = json_pack("{s:s}", key, value);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	enum MHD_Result ret = respond(s, c, r, code, "application/json", text ? text : "{}");
	free(text);
	return ret;
}

static const char *client_address(struct MHD_Connection *c, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, size, "?");
	if (!ci || !ci->client_addr)
		return buf;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			  (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
			  (socklen_t)size);
	return buf;
}

/* A refusal worth a log line: who, where, what; never a secret or a body. */
static void log_refusal(struct server *s, struct MHD_Connection *c, const char *url,
			unsigned code, const char *why)
{
	char addr[INET6_ADDRSTRLEN + 1];
	runlog_write(&s->log, RUNLOG_WARN, &(struct runlog_about){ .subsystem = "serve" },
		     "%s %.120s: %u %s", client_address(c, addr, sizeof addr), url, code, why);
}

/* --- rate limit ------------------------------------------------------------------ */

static uint64_t address_hash(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	uint64_t h = 1469598103934665603ULL;
	if (!ci || !ci->client_addr)
		return h;
	const struct sockaddr *sa = ci->client_addr;
	const unsigned char *p = NULL;
	size_t n = 0;
	if (sa->sa_family == AF_INET) {
		p = (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		n = 4;
	} else if (sa->sa_family == AF_INET6) {
		p = (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* Take a token from the client's bucket; false when it is empty. */
static bool rate_allow(struct server *s, struct MHD_Connection *c)
{
	if (s->o.rate < 0)
		return true;
	int64_t now = clock_now(&clock_system);
	struct rate_slot *slot = &s->rate[address_hash(c) % RATE_SLOTS];
	pthread_mutex_lock(&s->rate_lock);
	if (slot->last_ms == 0)
		slot->tokens = s->o.rate;
	else
		slot->tokens += (double)(now - slot->last_ms) * s->o.rate / 1000.0;
	if (slot->tokens > s->o.rate)
		slot->tokens = s->o.rate;
	slot->last_ms = now;
	bool ok = slot->tokens >= 1.0;
	if (ok)
		slot->tokens -= 1.0;
	pthread_mutex_unlock(&s->rate_lock);
	return ok;
}

/* --- webhooks -------------------------------------------------------------------- */

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static bool shopify_verified(struct server *s, struct MHD_Connection *c, const struct request *q)
{
	const char *mac = header(c, "X-Shopify-Hmac-Sha256");
	bool ok = false;
	/* every secret is tried, so the time taken does not say which matched */
	for (size_t i = 0; i < s->nshopify; i++)
		ok |= sig_shopify_verify(s->shopify[i], mac, q->body ? q->body : "", q->len);
	return ok;
}

/* Hand a mapped delivery to the writer; it resumes the connection. */
static void enqueue(struct server *s, struct pending *p)
{
	struct writer *w = &s->writer;
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = p;
	else
		w->head = p;
	w->tail = p;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

/* The answer for a delivery: stored or duplicate, refused, or failed. */
static enum MHD_Result answer(struct server *s, struct MHD_Connection *c, const char *url,
			      struct request *q)
{
	struct pending *p = &q->p;
	enum MHD_Result ret;
	char body[96];
	switch (p->out) {
	case WH_STORED:
		atomic_fetch_add(&s->stored, 1);
		snprintf(body, sizeof body, "{\"status\":\"stored\",\"records\":%ld}", p->records);
		ret = respond(s, c, q->route, 200, "application/json", body);
		break;
	case WH_DUPLICATE:
		atomic_fetch_add(&s->duplicates, 1);
		ret = respond(s, c, q->route, 200, "application/json", "{\"status\":\"duplicate\"}");
		break;
	case WH_REFUSED:
		atomic_fetch_add(&s->refused_payload, 1);
		log_refusal(s, c, url, 422, p->err ? p->err : "refused");
		ret = respond_json(s, c, q->route, 422, "error", p->err ? p->err : "refused");
		break;
	default:
		log_refusal(s, c, url, 503, p->err ? p->err : "database failure");
		ret = respond_json(s, c, q->route, 503, "error", "the database failed; retry later");
		break;
	}
	free(p->err);
	p->err = NULL;
	webhook_mapped_free(&q->m);
	return ret;
}

/* Verified: de-duplicate and map on this thread's connection, then either
 * answer now or suspend the connection until the writer has stored it. */
static enum MHD_Result deliver(struct server *s, struct MHD_Connection *c, const char *url,
			       struct request *q)
{
	char *err = NULL;
	struct store *st = thread_store(s, &err);
	if (!st) {
		log_refusal(s, c, url, 503, err ? err : "cannot open the database");
		free(err);
		return respond_json(s, c, q->route, 503, "error", "the database is unavailable");
	}
	clock_format(clock_now(&clock_system), q->now);
	q->d.now = q->now;
	q->d.currency = s->o.currency;
	q->p.d = &q->d;
	q->p.m = &q->m;
	q->p.conn = c;
	q->p.out = webhook_prepare(st, &q->d, &q->p.topic, &q->m, &q->p.err);
	if (q->p.out != WH_STORED)
		return answer(s, c, url, q);
	/* inflight before stopping is read, the reverse of serve_stop: either
	 * the stop waits for this delivery or this delivery sees the stop */
	atomic_fetch_add(&s->inflight, 1);
	if (atomic_load(&s->stopping)) {
		atomic_fetch_sub(&s->inflight, 1);
		q->p.out = WH_FAILED;
		q->p.err = xstrdup("the server is stopping");
		return answer(s, c, url, q);
	}
	q->queued = true;
	MHD_suspend_connection(c); /* before the writer can resume it */
	enqueue(s, &q->p);
	return MHD_YES;
}

/* --- the writer ------------------------------------------------------------------ */

/* Store a batch in one transaction; a failed commit fails every delivery
 * the batch stored (nothing of them is in the database). */
static void write_batch(struct writer *w, struct pending *batch)
{
	char *err = NULL;
	enum orr_rc rc = store_begin(w->st, &err);
	for (struct pending *p = batch; p; p = p->next) {
		if (rc != ORR_OK) {
			p->out = WH_FAILED;
			p->err = xstrdup(err ? err : "cannot start a transaction");
			continue;
		}
		struct ingest_report rep;
		p->out = webhook_store_in_tx(w->st, p->d, p->topic, p->m, &rep, &p->err);
		p->records = rep.records;
	}
	if (rc == ORR_OK && store_commit(w->st, &err) != ORR_OK) {
		for (struct pending *p = batch; p; p = p->next)
			if (p->out == WH_STORED) {
				p->out = WH_FAILED;
				p->err = xstrdup(err ? err : "cannot commit");
			}
	}
	free(err);
	w->batches++;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->work, &w->lock);
		if (!w->head)
			break;
		struct pending *batch = w->head;
		w->head = w->tail = NULL;
		pthread_mutex_unlock(&w->lock);
		write_batch(w, batch);
		/* next is read before the resume: a resumed request may be
		 * answered and freed at once */
		for (struct pending *p = batch, *next; p; p = next) {
			next = p->next;
			atomic_store(&p->done, true);
			MHD_resume_connection(p->conn);
			atomic_fetch_sub(w->inflight, 1);
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static enum orr_rc writer_start(struct server *s, char **err)
{
	struct writer *w = &s->writer;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	w->initialised = true;
	w->inflight = &s->inflight;
	enum orr_rc rc = store_open(s->o.db_path, STORE_READWRITE, &w->st, err);
	if (rc != ORR_OK)
		return rc;
	store_share_write_lock(w->st, &s->write_lock);
	store_tune_for_service(w->st);
	/* ingest's per-transaction temporary tables (store_entity.c) would
	 * otherwise open, journal and close a temporary file on every commit */
	if ((rc = store_exec(w->st, "PRAGMA temp_store = MEMORY", err)) != ORR_OK)
		return rc;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		*err = xstrdup("cannot start the writer thread");
		return ORR_SOFTWARE;
	}
	w->started = true;
	return ORR_OK;
}

/* After the pool has stopped: nothing can be submitted any more. */
static void writer_stop(struct writer *w)
{
	if (!w->initialised)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	store_close(w->st);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
}

static enum MHD_Result shopify(struct server *s, struct MHD_Connection *c, const char *url,
			       struct request *q)
{
	if (!shopify_verified(s, c, q)) {
		atomic_fetch_add(&s->refused_signature, 1);
		log_refusal(s, c, url, 401, "signature does not verify");
		return respond(s, c, q->route, 401, "", "");
	}
	const char *id = header(c, "X-Shopify-Webhook-Id");
	if (!id || !*id || strlen(id) > 200) {
		log_refusal(s, c, url, 400, "no X-Shopify-Webhook-Id");
		return respond_json(s, c, q->route, 400, "error", "X-Shopify-Webhook-Id is required");
	}
	snprintf(q->id, sizeof q->id, "%s", id);
	q->d = (struct webhook_delivery){ .provider = "shopify", .id = q->id, .body = q->body,
					  .len = q->len, .topic = url + strlen(SHOPIFY_PREFIX) };
	return deliver(s, c, url, q);
}

static enum MHD_Result standard(struct server *s, struct MHD_Connection *c, const char *url,
				struct request *q)
{
	const char *id = header(c, "webhook-id");
	enum sig_verdict v = sig_stdwh_verify(s->standard, s->nstandard, id,
					      header(c, "webhook-timestamp"),
					      header(c, "webhook-signature"), q->body ? q->body : "",
					      q->len, clock_now(&clock_system) / 1000);
	if (v != SIG_VALID) {
		atomic_fetch_add(v == SIG_STALE ? &s->refused_stale : &s->refused_signature, 1);
		log_refusal(s, c, url, 401, sig_verdict_name(v));
		return respond(s, c, q->route, 401, "", "");
	}
	if (strlen(id) > 200) {
		log_refusal(s, c, url, 400, "webhook-id longer than 200 bytes");
		return respond_json(s, c, q->route, 400, "error", "webhook-id is too long");
	}
	snprintf(q->id, sizeof q->id, "%s", id);
	q->d = (struct webhook_delivery){ .provider = "standard", .id = q->id, .body = q->body,
					  .len = q->len };
	return deliver(s, c, url, q);
}

/* --- health and metrics ------------------------------------------------------------ */

static enum MHD_Result healthz(struct server *s, struct MHD_Connection *c)
{
	char *err = NULL;
	struct store *st = thread_store(s, &err);
	bool alive = st && webhook_store_alive(st);
	free(err);
	if (!alive)
		return respond_json(s, c, R_HEALTHZ, 503, "status", "database unavailable");
	return respond_json(s, c, R_HEALTHZ, 200, "status", "ok");
}

static void metrics_server(struct server *s, FILE *f, int64_t receipts)
{
	fprintf(f, "# HELP orrery_http_requests_total Requests to orrery serve by route and "
		   "status code.\n# TYPE orrery_http_requests_total counter\n");
	for (int r = 0; r < R_COUNT; r++)
		for (size_t i = 0; i < NCODES; i++) {
			long n = atomic_load(&s->requests[r][i]);
			if (n)
				fprintf(f, "orrery_http_requests_total{route=\"%s\",code=\"%u\"} %ld\n",
					route_names[r], codes[i], n);
		}
	fprintf(f, "# HELP orrery_webhooks_stored_total Verified webhooks stored.\n"
		   "# TYPE orrery_webhooks_stored_total counter\norrery_webhooks_stored_total %ld\n",
		atomic_load(&s->stored));
	fprintf(f, "# HELP orrery_webhooks_duplicate_total Verified webhooks already stored "
		   "(replays).\n# TYPE orrery_webhooks_duplicate_total counter\n"
		   "orrery_webhooks_duplicate_total %ld\n", atomic_load(&s->duplicates));
	fprintf(f, "# HELP orrery_webhooks_refused_total Webhooks refused, by reason.\n"
		   "# TYPE orrery_webhooks_refused_total counter\n"
		   "orrery_webhooks_refused_total{reason=\"signature\"} %ld\n"
		   "orrery_webhooks_refused_total{reason=\"stale\"} %ld\n"
		   "orrery_webhooks_refused_total{reason=\"payload\"} %ld\n",
		atomic_load(&s->refused_signature), atomic_load(&s->refused_stale),
		atomic_load(&s->refused_payload));
	fprintf(f, "# HELP orrery_webhook_receipts Webhook deliveries recorded in the database.\n"
		   "# TYPE orrery_webhook_receipts gauge\norrery_webhook_receipts %lld\n",
		(long long)receipts);
}

static enum MHD_Result metrics(struct server *s, struct MHD_Connection *c)
{
	char *err = NULL;
	struct store *st = thread_store(s, &err);
	if (!st) {
		free(err);
		return respond(s, c, R_METRICS, 503, "text/plain", "database unavailable\n");
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return respond(s, c, R_METRICS, 500, "text/plain", "out of memory\n");
	/* counted before it is written, so the scrape sees itself */
	count(s, R_METRICS, 200);
	metrics_server(s, f, webhook_receipt_count(st));
	enum orr_rc rc = kpi_export_prometheus(st, &clock_system, f, &err);
	fclose(f);
	enum MHD_Result ret;
	if (rc != ORR_OK) {
		log_refusal(s, c, "/metrics", 500, err ? err : "KPI export failed");
		ret = respond(s, c, R_METRICS, 500, "text/plain", "the KPI export failed\n");
	} else {
		struct MHD_Response *resp =
			MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_COPY);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; version=0.0.4; charset=utf-8");
		ret = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
	}
	free(err);
	free(text);
	return ret;
}

/* --- the request handler ------------------------------------------------------------ */

static enum route route_of(const char *url)
{
	if (strncmp(url, SHOPIFY_PREFIX, strlen(SHOPIFY_PREFIX)) == 0 &&
	    url[strlen(SHOPIFY_PREFIX)])
		return R_SHOPIFY;
	if (strcmp(url, "/webhooks/standard") == 0)
		return R_STANDARD;
	if (strcmp(url, "/healthz") == 0)
		return R_HEALTHZ;
	if (strcmp(url, "/metrics") == 0)
		return R_METRICS;
	return R_OTHER;
}

/* The first call for a request: everything decided from the request line
 * and headers.  Returns true with *ret set when it has been answered. */
static bool answer_early(struct server *s, struct MHD_Connection *c, const char *url,
			 const char *method, enum route r, enum MHD_Result *ret)
{
	bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
	if (r == R_OTHER || (r == R_SHOPIFY && s->nshopify == 0) ||
	    (r == R_STANDARD && s->nstandard == 0)) {
		*ret = respond_json(s, c, R_OTHER, 404, "error", "no such route");
		return true;
	}
	if ((r == R_SHOPIFY || r == R_STANDARD) != post || (!post && !get)) {
		*ret = respond_json(s, c, r, 405, "error", "method not allowed");
		return true;
	}
	if (get) {
		*ret = r == R_HEALTHZ ? healthz(s, c) : metrics(s, c);
		return true;
	}
	if (!rate_allow(s, c)) {
		log_refusal(s, c, url, 429, "over the rate limit");
		*ret = respond_json(s, c, r, 429, "error", "too many requests");
		return true;
	}
	const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > s->o.max_body) {
		log_refusal(s, c, url, 413, "declared body over the limit");
		*ret = respond_json(s, c, r, 413, "error", "body too large");
		return true;
	}
	return false;
}

/* Keep the arriving body, up to the limit; past it, read and drop. */
static void take_body(struct server *s, struct request *q, const char *data, size_t n)
{
	if (q->too_big || q->len + n > s->o.max_body) {
		q->too_big = true;
		q->dropped += n;
		return;
	}
	if (q->len + n + 1 > q->cap) {
		q->cap = q->cap ? q->cap : 4096;
		while (q->cap < q->len + n + 1)
			q->cap *= 2;
		q->body = xrealloc(q->body, q->cap);
	}
	memcpy(q->body + q->len, data, n);
	q->len += n;
	q->body[q->len] = '\0';
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *data_size, void **con_cls)
{
	(void)version;
	struct server *s = cls;
	struct request *q = *con_cls;
	if (!q) {
		enum route r = route_of(url);
		enum MHD_Result ret;
		if (answer_early(s, c, url, method, r, &ret))
			return ret;
		q = xcalloc(1, sizeof *q);
		q->route = r;
		*con_cls = q;
		return MHD_YES;
	}
	if (q->queued) /* called again once resumed: the writer has an outcome */
		return atomic_load(&q->p.done) ? answer(s, c, url, q) : MHD_YES;
	if (*data_size) {
		take_body(s, q, data, *data_size);
		*data_size = 0;
		if (!q->too_big || q->answered || q->dropped <= DRAIN_MAX)
			return MHD_YES;
		q->answered = true; /* libmicrohttpd closes the connection after it */
		log_refusal(s, c, url, 413, "body over the limit");
		return respond_json(s, c, q->route, 413, "error", "body too large");
	}
	if (q->answered)
		return MHD_YES;
	if (q->too_big) {
		log_refusal(s, c, url, 413, "body over the limit");
		return respond_json(s, c, q->route, 413, "error", "body too large");
	}
	return q->route == R_SHOPIFY ? shopify(s, c, url, q) : standard(s, c, url, q);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct request *q = *con_cls;
	if (q) {
		webhook_mapped_free(&q->m);
		free(q->p.err);
		free(q->body);
		free(q);
		*con_cls = NULL;
	}
}

/* --- start and stop ------------------------------------------------------------------ */

/* "HOST:PORT" with a numeric host ("[::1]:PORT" for IPv6). */
static enum orr_rc parse_listen(const char *text, struct sockaddr_storage *sa, socklen_t *len,
				char **err)
{
	const char *colon = strrchr(text, ':');
	char host[64];
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || colon == text || !colon[1] || *end || port < 0 || port > 65535 ||
	    (size_t)(colon - text) >= sizeof host) {
		*err = xasprintf("--listen takes HOST:PORT (127.0.0.1:8080, [::1]:8080; port 0 picks "
				 "a free one), not \"%s\"", text);
		return ORR_USAGE;
	}
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	memset(sa, 0, sizeof *sa);
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
	size_t hl = strlen(host);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof *v4;
		return ORR_OK;
	}
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons((uint16_t)port);
			*len = sizeof *v6;
			return ORR_OK;
		}
	}
	*err = xasprintf("--listen: \"%s\" is not a numeric IPv4 or [IPv6] address", text);
	return ORR_USAGE;
}

/* The verification keys: what the server can accept decides its routes. */
static enum orr_rc load_keys(struct server *s, char **err)
{
	s->shopify = secrets_get_all(s->o.secrets, "shopify.webhook_secret", &s->nshopify);
	size_t n;
	const char *const *std = secrets_get_all(s->o.secrets, "standard.webhook_secret", &n);
	if (n > SIG_MAX_KEYS) {
		*err = xasprintf("%s: standard.webhook_secret: at most %d secrets at once",
				 secrets_path(s->o.secrets), SIG_MAX_KEYS);
		return ORR_DATAERR;
	}
	for (size_t i = 0; i < n; i++) {
		char *why = NULL;
		if (sig_key_decode(std[i], &s->standard[i], &why) != ORR_OK) {
			*err = xasprintf("%s: standard.webhook_secret (entry %zu): %s",
					 secrets_path(s->o.secrets), i + 1, why);
			free(why);
			return ORR_DATAERR;
		}
	}
	s->nstandard = n;
	if (s->nshopify + s->nstandard == 0) {
		*err = xasprintf("%s has neither shopify.webhook_secret nor standard.webhook_secret: "
				 "no webhook could be verified", secrets_path(s->o.secrets));
		return ORR_DATAERR;
	}
	return ORR_OK;
}

int serve_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void fill_defaults(struct serve_options *o)
{
	if (o->threads <= 0)
		o->threads = serve_default_threads();
	if (o->max_body == 0)
		o->max_body = SERVE_DEFAULT_MAX_BODY;
}

static enum orr_rc start_daemon(struct server *s, const struct sockaddr_storage *sa, char **err)
{
	s->daemon = MHD_start_daemon(
		MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			(sa->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->o.threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
		MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_END);
	if (!s->daemon) {
		*err = xasprintf("cannot listen on %s: %s", s->o.listen,
				 errno ? strerror(errno) : "libmicrohttpd refused the options");
		return ORR_IOERR;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	const char *colon = strrchr(s->o.listen, ':');
	snprintf(s->address, sizeof s->address, "%.*s:%u", (int)(colon - s->o.listen), s->o.listen,
		 di ? (unsigned)di->port : 0u);
	return ORR_OK;
}

static void server_free(struct server *s)
{
	writer_stop(&s->writer);
	for (size_t i = 0; i < s->nstores; i++)
		store_close(s->stores[i]);
	free(s->stores);
	for (size_t i = 0; i < s->nstandard; i++)
		sig_key_wipe(&s->standard[i]);
	pthread_mutex_destroy(&s->stores_lock);
	pthread_mutex_destroy(&s->write_lock);
	pthread_mutex_destroy(&s->rate_lock);
	free(s->rate);
	free(s);
}

enum orr_rc serve_start(const struct serve_options *o, struct server **out, char **err)
{
	struct server *s = xcalloc(1, sizeof *s);
	s->o = *o;
	fill_defaults(&s->o);
	s->log = (struct runlog){ o->log, o->log_json, &clock_system };
	pthread_mutex_init(&s->stores_lock, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
	pthread_mutex_init(&s->rate_lock, NULL);
	s->rate = xcalloc(RATE_SLOTS, sizeof *s->rate);
	struct sockaddr_storage sa;
	socklen_t salen;
	enum orr_rc rc = parse_listen(s->o.listen, &sa, &salen, err);
	if (rc == ORR_OK)
		rc = load_keys(s, err);
	if (rc == ORR_OK) {
		/* the database must open before anyone is told the server is up */
		struct store *st = thread_store(s, err);
		rc = st ? ORR_OK : ORR_IOERR;
		tls_server = NULL, tls_store = NULL; /* the pool threads open their own */
	}
	if (rc == ORR_OK)
		rc = writer_start(s, err);
	if (rc == ORR_OK)
		rc = start_daemon(s, &sa, err);
	if (rc != ORR_OK) {
		server_free(s);
		return rc;
	}
	runlog_write(&s->log, RUNLOG_INFO, &(struct runlog_about){ .subsystem = "serve" },
		     "listening on %s (%d threads, bodies up to %zu bytes, %d requests/s per client)",
		     s->address, s->o.threads, s->o.max_body, s->o.rate);
	*out = s;
	return ORR_OK;
}

const char *serve_address(const struct server *s)
{
	return s->address;
}

void serve_stop(struct server *s)
{
	if (!s)
		return;
	/* no new connections; deliveries already handed to the writer are
	 * stored and answered, others answered 503, before the pool stops */
	MHD_quiesce_daemon(s->daemon);
	atomic_store(&s->stopping, true);
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	while (atomic_load(&s->inflight) > 0)
		nanosleep(&tick, NULL);
	MHD_stop_daemon(s->daemon);
	runlog_write(&s->log, RUNLOG_INFO, &(struct runlog_about){ .subsystem = "serve" },
		     "stopped: %ld webhooks stored in %ld commits, %ld duplicates, %ld refused",
		     atomic_load(&s->stored), s->writer.batches, atomic_load(&s->duplicates),
		     atomic_load(&s->refused_signature) + atomic_load(&s->refused_stale) +
			     atomic_load(&s->refused_payload));
	server_free(s);
}

static volatile sig_atomic_t serve_signal;

static void on_signal(int sig)
{
	(void)sig;
	serve_signal = 1;
}

enum orr_rc serve_run(const struct serve_options *o, const atomic_int *stop, char **err)
{
	struct server *s;
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	serve_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	enum orr_rc rc = serve_start(o, &s, err);
	if (rc == ORR_OK) {
		if (o->log && !o->log_json) { /* JSON logs have the listening line */
			fprintf(o->log, "orrery: serving on http://%s\n", serve_address(s));
			fflush(o->log);
		}
		const struct timespec tick = { 0, 100 * 1000 * 1000 };
		while (!serve_signal && !(stop && atomic_load(stop)))
			nanosleep(&tick, NULL);
		serve_stop(s);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}
