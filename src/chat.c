/* chat.c - one question about a context document to a chat-completions
 * endpoint: the request, the retries a waiting person can afford, and the
 * answer checked before anything of it is printed. */
#include "chat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "conn_call.h"
#include "http.h"
#include "retry.h"
#include "secrets.h"
#include "xalloc.h"

const char chat_instructions[] =
	"You are a customer-service assistant for an online shop.  Answer the "
	"customer's question using only the facts in the context document below "
	"(JSON: the customer, their orders with delivery status and return "
	"windows, the availability of the items, and the return policy).  When "
	"the document does not say, answer that you do not know rather than "
	"guess.  Quote order keys and dates as they appear.  Be brief.\n\n"
	"Context document:\n";

char *chat_url(const char *base)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/chat/completions", (int)n, base);
}

char *chat_request_body(const char *model, json_t *context, const char *question)
{
	char *doc = json_dumps(context, JSON_COMPACT | JSON_SORT_KEYS);
	char *system = xasprintf("%s%s", chat_instructions, doc ? doc : "{}");
	free(doc);
	json_t *body = json_pack("{ss s[{ssss}{ssss}]}", "model", model, "messages", "role",
				 "system", "content", system, "role", "user", "content", question);
	free(system);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	return text;
}

/* --- the answer ---------------------------------------------------------- */

void chat_answer_clear(struct chat_answer *a)
{
	free(a->content);
	free(a->model);
	free(a->finish_reason);
	json_decref(a->usage);
	*a = (struct chat_answer){ 0 };
}

enum orr_rc chat_parse_answer(const char *body, size_t len, const char *requested_model,
			      struct chat_answer *a, char **err)
{
	*a = (struct chat_answer){ 0 };
	json_error_t je;
	json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, &je);
	if (!root) {
		*err = xasprintf("the answer is not JSON: %s at line %d column %d", je.text,
				 je.line, je.column);
		return ORR_PROTOCOL;
	}
	json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
	json_t *msg = json_object_get(choice, "message");
	const char *content = json_string_value(json_object_get(msg, "content"));
	if (!content) {
		*err = xstrdup(!json_is_object(root) ? "the answer is not a JSON object"
			       : !choice ? "the answer has no choices[0]"
			       : !msg	 ? "the answer has no choices[0].message"
					 : "the answer has no string choices[0].message.content");
		json_decref(root);
		return ORR_PROTOCOL;
	}
	const char *model = json_string_value(json_object_get(root, "model"));
	const char *finish = json_string_value(json_object_get(choice, "finish_reason"));
	json_t *usage = json_object_get(root, "usage");
	a->content = xstrdup(content);
	a->model = xstrdup(model ? model : requested_model);
	a->finish_reason = finish ? xstrdup(finish) : NULL;
	a->usage = json_is_object(usage) ? json_incref(usage) : NULL;
	json_decref(root);
	return ORR_OK;
}

/* --- which connector ----------------------------------------------------- */

enum orr_rc chat_pick(const struct connectors *cs, const char *name, const char *path,
		      const struct connector **out, char **err)
{
	if (name) {
		const struct connector *c = connectors_find(cs, name);
		if (!c || c->kind != CONNECTOR_CHAT) {
			*err = xasprintf("--connector %s: %s has no chat connector of that name", name,
					 path);
			return ORR_USAGE;
		}
		*out = c;
		return ORR_OK;
	}
	const struct connector *found = NULL;
	size_t n = 0;
	for (size_t i = 0; cs && i < cs->n; i++)
		if (cs->v[i].kind == CONNECTOR_CHAT)
			found = &cs->v[i], n++;
	if (n == 1) {
		*out = found;
		return ORR_OK;
	}
	*err = n == 0 ? xasprintf("--ask: %s has no connector of kind \"chat\" (url, model) "
				  "to ask", path)
		      : xasprintf("--ask: %s has %zu chat connectors: say which with "
				  "--connector NAME", path, n);
	return ORR_USAGE;
}

/* --- retries ------------------------------------------------------------- */

int64_t chat_retry_wait(const struct connector *c, int attempt, int64_t retry_after_ms,
			uint64_t rnd)
{
	int max = c->retry.max_attempts < CHAT_MAX_ATTEMPTS ? c->retry.max_attempts
							     : CHAT_MAX_ATTEMPTS;
	if (attempt >= max)
		return -1;
	int64_t wait = retry_backoff_ms(&c->retry, attempt, rnd);
	if (retry_after_ms > wait)
		wait = retry_after_ms;
	return wait > CHAT_MAX_WAIT_MS ? -1 : wait;
}

/* The endpoint's own words: OpenAI-style {"error": {"message": ...}} or
 * {"error": "..."}, cut short, unless they quote the secret. */
static char *endpoint_message(const char *body, const char *secret)
{
	json_t *root = body ? json_loads(body, 0, NULL) : NULL;
	json_t *e = json_object_get(root, "error");
	const char *m = json_is_string(e) ? json_string_value(e)
					  : json_string_value(json_object_get(e, "message"));
	char *out = NULL;
	if (m && *m)
		out = secret && *secret && strstr(m, secret)
			      ? xstrdup("(its message quotes the secret: not shown)")
			      : xasprintf("%.200s", m);
	json_decref(root);
	return out;
}

char *chat_failure(const char *url, long status, const char *body, const char *error,
		   const char *secret)
{
	if (status == 0)
		return xasprintf("%s: no answer: %s", url, error ? error : "network error");
	char *said = endpoint_message(body, secret);
	char *msg = xasprintf("%s: HTTP %ld%s%s", url, status, said ? ": " : "",
			      said ? said : "");
	free(said);
	return msg;
}

/* --- the call ------------------------------------------------------------ */

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t random_seed(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
	}
	return v;
}

/* One attempt's outcome turned into the next step: 0 done (a is set), 1
 * retry after *wait, or an error code with *err. */
static int attempt_outcome(const struct connector *c, const char *url, const char *secret,
			   struct http_response *r, int attempt, uint64_t *rng, int64_t *wait,
			   struct chat_answer *a, char **err)
{
	if (r->cls == HTTP_SUCCESS) {
		char *why = NULL;
		enum orr_rc rc = chat_parse_answer(r->body, r->len, c->model, a, &why);
		if (rc != ORR_OK) {
			*err = xasprintf("connector %s: %s: HTTP %ld but %s", c->name, url, r->status,
					 why);
			free(why);
		}
		return rc;
	}
	char *why = chat_failure(url, r->status, r->body, r->error, secret);
	if (r->cls == HTTP_RETRYABLE &&
	    (*wait = chat_retry_wait(c, attempt, r->retry_after_ms, retry_random(rng))) >= 0) {
		free(why);
		return 1;
	}
	*err = xasprintf("connector %s: %s%s", c->name, why,
			 r->cls == HTTP_RETRYABLE ? " (gave up after retrying)" : "");
	free(why);
	return ORR_UNAVAILABLE;
}

enum orr_rc chat_ask(const struct connector *c, const struct secrets *s, json_t *context,
		     const char *question, const struct chat_call *call, struct chat_answer *a,
		     char **err)
{
	*a = (struct chat_answer){ 0 };
	struct http_header h[2] = { { "Content-Type", "application/json" } };
	char *auth = NULL;
	if (!conn_call_auth(c, s, &h[1], &auth, err))
		return ORR_NOINPUT;
	char *body = chat_request_body(c->model, context, question);
	if (!body) {
		conn_call_free_secret(auth);
		*err = xstrdup("--ask: the question is not valid UTF-8 text");
		return ORR_USAGE;
	}
	const char *secret = auth ? secrets_get(s, c->secret) : NULL;
	uint64_t rng = random_seed();
	char *key = xasprintf("orrery-chat-%016llx", (unsigned long long)retry_random(&rng));
	char *url = chat_url(c->url);
	struct http_request req = { .method = "POST", .url = url, .headers = h,
				    .nheaders = auth ? 2 : 1, .body = body,
				    .body_len = strlen(body), .idempotency_key = key };
	conn_call_request(c, &req);
	int out = 1;
	for (int attempt = 1; out == 1; attempt++) {
		if (call && call->progress)
			fprintf(call->progress, "\r\033[Kasking %s (%s), attempt %d...", c->name,
				c->model, attempt);
		struct http_response r;
		int64_t wait = 0;
		enum orr_rc rc = http_perform(&req, &r, err);
		if (rc != ORR_OK)
			out = rc;
		else
			out = attempt_outcome(c, url, secret, &r, attempt, &rng, &wait, a, err);
		http_response_free(&r);
		if (out == 1)
			(call && call->sleep_ms ? call->sleep_ms : sleep_ms)(wait);
	}
	if (call && call->progress)
		fprintf(call->progress, "\r\033[K");
	conn_call_free_secret(auth);
	free(key);
	free(url);
	free(body);
	return (enum orr_rc)out;
}
