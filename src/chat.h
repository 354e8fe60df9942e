/* chat.h - asking an OpenAI-compatible chat-completions endpoint (a chat
 * connector of connectors.json: a local llama.cpp server, vLLM, Ollama's
 * /v1, a hosted API) a question about a context document.
 *
 * One POST to {url}/chat/completions with
 *   {"model": M, "messages": [{"role": "system", "content": instructions +
 *    the context as JSON}, {"role": "user", "content": QUESTION}]}
 * carrying one Idempotency-Key over all its attempts.  Network errors,
 * 408, 429 and 5xx are retried a few times (the later of Retry-After and
 * the connector's backoff), since a person is waiting: at most
 * CHAT_MAX_ATTEMPTS attempts and no single wait over CHAT_MAX_WAIT_MS.
 * The request building and answer parsing are pure functions. */
#ifndef ORR_CHAT_H
#define ORR_CHAT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "connectors.h"
#include "rc.h"

struct secrets;

#define CHAT_MAX_ATTEMPTS 4
#define CHAT_MAX_WAIT_MS 30000

/* What the system message says before the context document. */
extern const char chat_instructions[];

/* The endpoint of a base URL: base + "/chat/completions" (one slash). */
char *chat_url(const char *base);

/* The request body (compact JSON); caller frees.  NULL when the model or
 * the question is not valid UTF-8. */
char *chat_request_body(const char *model, json_t *context, const char *question);

struct chat_answer {
	char *content;       /* choices[0].message.content */
	char *model;         /* the model that answered (the request's when absent) */
	char *finish_reason; /* or NULL */
	json_t *usage;       /* the endpoint's usage object, or NULL */
};

/* Parse a 2xx body.  ORR_PROTOCOL with *err when it is not JSON or has no
 * string choices[0].message.content. */
enum orr_rc chat_parse_answer(const char *body, size_t len, const char *requested_model,
			      struct chat_answer *a, char **err);
void chat_answer_clear(struct chat_answer *a);

/* The connector to ask: the one named (it must be of kind chat), else the
 * only chat connector.  ORR_USAGE with *err naming path otherwise. */
enum orr_rc chat_pick(const struct connectors *cs, const char *name, const char *path,
		      const struct connector **out, char **err);

/* The wait before retrying after failed attempt `attempt` (1-based): the
 * later of retry_after_ms (-1: none) and the connector's jittered backoff.
 * -1 when the caller should give up: attempts used up or the wait too long. */
int64_t chat_retry_wait(const struct connector *c, int attempt, int64_t retry_after_ms,
			uint64_t rnd);

/* Why a failed attempt failed, for a person: status, the endpoint's own
 * error message when it gives one, never the secret. */
char *chat_failure(const char *url, long status, const char *body, const char *error,
		   const char *secret);

struct chat_call {
	FILE *progress;                      /* a status line per attempt, or NULL */
	void (*sleep_ms)(int64_t ms);        /* NULL: nanosleep */
};

/* Ask.  ORR_UNAVAILABLE when the endpoint is down, refuses or keeps
 * failing; ORR_PROTOCOL when its answer is not a chat completion;
 * ORR_USAGE for a URL http refuses; ORR_NOINPUT when the secret is missing. */
enum orr_rc chat_ask(const struct connector *c, const struct secrets *s, json_t *context,
		     const char *question, const struct chat_call *call, struct chat_answer *a,
		     char **err);

#endif
