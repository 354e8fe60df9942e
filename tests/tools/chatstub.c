/* chatstub.c - a stand-in for an OpenAI-compatible chat-completions server
 * (llama.cpp's server, vLLM...) for tests/cli/test_context_ask.sh.
 *
 *   chatstub --port-file FILE [--record FILE]
 *
 * Binds 127.0.0.1 on a free port, prints it and writes it to --port-file
 * once it listens, and serves until SIGTERM or SIGINT.  Each request is
 * appended to --record as one JSON line {method, path, headers, body}
 * before it is answered.  POST {prefix}/chat/completions answers with a
 * deterministic completion that proves what it received:
 *
 *   "Asked: QUESTION | customer KEY | N orders | model MODEL"
 *
 * QUESTION is the user message, KEY the first customer.ids[].key and N
 * summary.orders of the context JSON that follows "Context document:" in
 * the system message, MODEL the requested model.  The prefix picks a
 * misbehaviour first:
 *
 *   /ok                  the answer
 *   /status/N            status N with an OpenAI-style error body
 *   /flaky/K             500 for the first K requests to this prefix, then the answer
 *   /throttle/K/S        429 with Retry-After: S for the first K requests, then the answer
 *   /malformed           200 with a body that is not JSON
 *   /nocontent           200 with a completion whose message has no content
 *   /slow/MS             sleeps MS milliseconds, then the answer
 *   /leak                401 whose error message quotes the Authorization header
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

#define STUB_MAX_BODY (16u << 20)

static FILE *record;
static json_t *hits; /* prefix -> requests so far */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

struct body {
	char *p;
	size_t n;
	bool over;
};

/* --- answers ----------------------------------------------------------------- */

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const char *text,
				 const char *retry_after)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg,
				  const char *retry_after)
{
	json_t *j = json_pack("{s{ssss}}", "error", "message", msg, "type", "stub_error");
	char *text = json_dumps(j, JSON_COMPACT);
	enum MHD_Result ok = send_json(c, status, text ? text : "{}", retry_after);
	free(text);
	json_decref(j);
	return ok;
}

/* The context JSON that follows the marker in the system message. */
static json_t *context_of(const char *system)
{
	const char *at = system ? strstr(system, "Context document:") : NULL;
	at = at ? strchr(at, '{') : NULL;
	return at ? json_loads(at, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
}

static enum MHD_Result send_completion(struct MHD_Connection *c, const struct body *b)
{
	json_t *req = b->p ? json_loadb(b->p, b->n, 0, NULL) : NULL;
	json_t *msgs = json_object_get(req, "messages");
	const char *model = json_string_value(json_object_get(req, "model"));
	const char *system = json_string_value(json_object_get(json_array_get(msgs, 0), "content"));
	const char *question = json_string_value(json_object_get(json_array_get(msgs, 1), "content"));
	if (!model || !system || !question) {
		json_decref(req);
		return send_error(c, 400, "want model and messages [system, user]", NULL);
	}
	json_t *ctx = context_of(system);
	json_t *ids = json_object_get(json_object_get(ctx, "customer"), "ids");
	const char *key = json_string_value(json_object_get(json_array_get(ids, 0), "key"));
	json_int_t orders = json_integer_value(json_object_get(json_object_get(ctx, "summary"), "orders"));
	char *answer = NULL;
	if (asprintf(&answer, "Asked: %s | customer %s | %lld orders | model %s", question,
		     key ? key : "(none)", (long long)orders, model) < 0)
		answer = NULL;
	json_int_t prompt = (json_int_t)((strlen(system) + strlen(question)) / 4);
	json_int_t done = answer ? (json_int_t)(strlen(answer) / 4) : 0;
	json_t *resp = json_pack("{ss ss sI ss s[{sIs{ssss}ss}] s{sIsIsI}}", "id", "chatcmpl-stub",
				 "object", "chat.completion", "created", (json_int_t)1764806400,
				 "model", model, "choices", "index", (json_int_t)0, "message",
				 "role", "assistant", "content", answer ? answer : "",
				 "finish_reason", "stop", "usage", "prompt_tokens", prompt,
				 "completion_tokens", done, "total_tokens", prompt + done);
	char *text = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
	enum MHD_Result ok = text ? send_json(c, 200, text, NULL)
				  : send_error(c, 500, "stub could not build its answer", NULL);
	free(text);
	free(answer);
	json_decref(resp);
	json_decref(ctx);
	json_decref(req);
	return ok;
}

/* How many requests this prefix has had before this one. */
static long hit(const char *prefix, size_t len)
{
	char key[256];
	snprintf(key, sizeof key, "%.*s", (int)(len < 200 ? len : 200), prefix);
	pthread_mutex_lock(&mu);
	long before = (long)json_integer_value(json_object_get(hits, key));
	json_object_set_new(hits, key, json_integer(before + 1));
	pthread_mutex_unlock(&mu);
	return before;
}

static enum MHD_Result route(struct MHD_Connection *c, const char *url, const char *method,
			     const struct body *b)
{
	const char *tail = strstr(url, "/chat/completions");
	if (!tail || tail[17] != '\0' || strcmp(method, "POST") != 0)
		return send_error(c, 404, "POST {base}/chat/completions only", NULL);
	long k, s;
	char ra[32];
	if (strncmp(url, "/status/", 8) == 0 && sscanf(url, "/status/%ld", &k) == 1)
		return send_error(c, (unsigned)k, "stub told to fail", NULL);
	if (sscanf(url, "/flaky/%ld", &k) == 1 && hit(url, (size_t)(tail - url)) < k)
		return send_error(c, 500, "stub flaking", NULL);
	if (sscanf(url, "/throttle/%ld/%ld", &k, &s) == 2 && hit(url, (size_t)(tail - url)) < k) {
		snprintf(ra, sizeof ra, "%ld", s);
		return send_error(c, 429, "stub throttling", ra);
	}
	if (strncmp(url, "/malformed", 10) == 0)
		return send_json(c, 200, "{\"choices\": [{\"message\": {\"content\": \"cut sh", NULL);
	if (strncmp(url, "/nocontent", 10) == 0)
		return send_json(c, 200, "{\"choices\": [{\"message\": {\"role\": \"assistant\"}}]}", NULL);
	if (sscanf(url, "/slow/%ld", &k) == 1) {
		struct timespec ts = { k / 1000, (k % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (strncmp(url, "/leak", 5) == 0) {
		const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		char msg[512];
		snprintf(msg, sizeof msg, "bad credentials: %s", auth ? auth : "(none)");
		return send_error(c, 401, msg, NULL);
	}
	return send_completion(c, b);
}

/* --- requests ---------------------------------------------------------------- */

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind;
	json_object_set_new(cls, key, json_string(value ? value : ""));
	return MHD_YES;
}

static void record_request(struct MHD_Connection *c, const char *method, const char *url,
			   const struct body *b)
{
	if (!record)
		return;
	json_t *h = json_object();
	MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, h);
	json_t *line = json_pack("{ss ss so ss%}", "method", method, "path", url, "headers", h,
				 "body", b->p ? b->p : "", b->p ? b->n : (size_t)0);
	if (!line)
		line = json_pack("{ss ss ss}", "method", method, "path", url, "body", "(not UTF-8)");
	char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	pthread_mutex_lock(&mu);
	if (text) {
		fprintf(record, "%s\n", text);
		fflush(record);
	}
	pthread_mutex_unlock(&mu);
	free(text);
	json_decref(line);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **state)
{
	(void)cls;
	(void)version;
	struct body *b = *state;
	if (!b) {
		*state = calloc(1, sizeof *b);
		return *state ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (b->n + *size > STUB_MAX_BODY) {
			b->over = true;
		} else {
			char *p = realloc(b->p, b->n + *size + 1);
			if (!p)
				return MHD_NO;
			memcpy(p + b->n, data, *size);
			b->p = p;
			b->n += *size;
			b->p[b->n] = '\0';
		}
		*size = 0;
		return MHD_YES;
	}
	record_request(c, method, url, b);
	if (b->over)
		return send_error(c, 413, "body too large", NULL);
	return route(c, url, method, b);
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
		    enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)c;
	(void)why;
	struct body *b = *state;
	if (b)
		free(b->p);
	free(b);
	*state = NULL;
}

/* --- main -------------------------------------------------------------------- */

static int put_port(const char *path, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "chatstub: cannot write %s: %s\n", path, strerror(errno));
		return 74;
	}
	printf("%u\n", port);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *record_path = NULL;
	for (int i = 1; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--port-file") == 0)
			port_file = argv[i + 1];
		else if (strcmp(argv[i], "--record") == 0)
			record_path = argv[i + 1];
		else
			port_file = NULL, argc = 0;
	if (!port_file || argc % 2 == 0) {
		fprintf(stderr, "usage: chatstub --port-file FILE [--record FILE]\n");
		return 64;
	}
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL); /* before any thread: sigwait gets them */
	signal(SIGPIPE, SIG_IGN);
	if (record_path && !(record = fopen(record_path, "a"))) {
		fprintf(stderr, "chatstub: cannot open %s: %s\n", record_path, strerror(errno));
		return 74;
	}
	hits = json_object();
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0,
		NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)30, MHD_OPTION_END);
	int rc = 74;
	if (d) {
		const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
		rc = put_port(port_file, info ? info->port : 0);
		int sig;
		if (rc == 0)
			sigwait(&stop, &sig);
		MHD_stop_daemon(d);
	} else {
		fprintf(stderr, "chatstub: cannot listen on 127.0.0.1\n");
	}
	if (record)
		fclose(record);
	json_decref(hits);
	return rc;
}
