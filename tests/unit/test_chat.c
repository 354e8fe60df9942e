/* Unit tests for chat.c: the chat-completions request, the answer's
 * parsing, the choice of connector, the retry waits and the failure
 * messages (which never quote the secret).  No network. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "connectors.h"

static struct connectors *parse(const char *text)
{
	struct connectors *cs = NULL;
	char *err = NULL;
	enum orr_rc rc = connectors_parse("connectors.json", text, strlen(text), &cs, &err);
	cr_assert_eq(rc, ORR_OK, "%s", err ? err : "");
	return cs;
}

static char *parse_err(const char *text)
{
	struct connectors *cs = NULL;
	char *err = NULL;
	cr_assert_eq(connectors_parse("connectors.json", text, strlen(text), &cs, &err), ORR_DATAERR);
	return err;
}

Test(chat, url_has_exactly_one_slash)
{
	const char *bases[] = { "http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/",
				"http://127.0.0.1:8080/v1//" };
	for (size_t i = 0; i < 3; i++) {
		char *u = chat_url(bases[i]);
		cr_expect_str_eq(u, "http://127.0.0.1:8080/v1/chat/completions");
		free(u);
	}
}

Test(chat, request_is_system_context_then_user_question)
{
	json_t *ctx = json_pack("{s{ss}s{si}}", "customer", "email", "ada@example.org", "summary",
				"orders", 6);
	char *body = chat_request_body("llama-3-8b", ctx, "Où est ma commande \"o-3\"?");
	json_t *j = json_loads(body, 0, NULL);
	cr_assert(j, "body is JSON: %s", body);
	cr_expect_str_eq(json_string_value(json_object_get(j, "model")), "llama-3-8b");
	json_t *m = json_object_get(j, "messages");
	cr_assert_eq(json_array_size(m), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(m, 0), "role")), "system");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(m, 1), "role")), "user");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(m, 1), "content")),
			 "Où est ma commande \"o-3\"?");
	const char *sys = json_string_value(json_object_get(json_array_get(m, 0), "content"));
	cr_assert(strncmp(sys, chat_instructions, strlen(chat_instructions)) == 0,
		  "instructions first");
	json_t *sent = json_loads(sys + strlen(chat_instructions), 0, NULL);
	cr_assert(sent, "the context follows as JSON: %s", sys);
	cr_expect(json_equal(sent, ctx), "the whole context, unchanged");
	json_decref(sent);
	json_decref(j);
	free(body);
	json_decref(ctx);
}

Test(chat, request_refuses_invalid_utf8)
{
	json_t *ctx = json_object();
	cr_expect_null(chat_request_body("m", ctx, "bad \xff byte"));
	json_decref(ctx);
}

Test(chat, answer_parsed_with_model_usage_and_finish)
{
	const char *body = "{\"id\":\"x\",\"model\":\"served-model\",\"choices\":[{\"index\":0,"
			   "\"message\":{\"role\":\"assistant\",\"content\":\"It ships Monday.\"},"
			   "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,"
			   "\"completion_tokens\":4,\"total_tokens\":14}}";
	struct chat_answer a;
	char *err = NULL;
	cr_assert_eq(chat_parse_answer(body, strlen(body), "asked", &a, &err), ORR_OK);
	cr_expect_str_eq(a.content, "It ships Monday.");
	cr_expect_str_eq(a.model, "served-model");
	cr_expect_str_eq(a.finish_reason, "stop");
	cr_expect_eq(json_integer_value(json_object_get(a.usage, "total_tokens")), 14);
	chat_answer_clear(&a);
	cr_expect_null(a.content);
}

Test(chat, answer_without_model_or_usage_keeps_the_requested_model)
{
	const char *body = "{\"choices\":[{\"message\":{\"content\":\"\"}}]}";
	struct chat_answer a;
	char *err = NULL;
	cr_assert_eq(chat_parse_answer(body, strlen(body), "asked", &a, &err), ORR_OK);
	cr_expect_str_eq(a.content, "", "an empty answer is still an answer");
	cr_expect_str_eq(a.model, "asked");
	cr_expect_null(a.usage);
	cr_expect_null(a.finish_reason);
	chat_answer_clear(&a);
}

Test(chat, malformed_or_incomplete_answers_are_protocol_errors)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "", "not JSON" },
		{ "{\"choices\": [", "not JSON" },
		{ "[1, 2]", "not a JSON object" },
		{ "{\"choices\": []}", "no choices[0]" },
		{ "{\"choices\": [{\"text\": \"legacy completion\"}]}", "no choices[0].message" },
		{ "{\"choices\": [{\"message\": {\"role\": \"assistant\"}}]}",
		  "no string choices[0].message.content" },
		{ "{\"choices\": [{\"message\": {\"content\": null}}]}",
		  "no string choices[0].message.content" },
		{ "{\"error\": {\"message\": \"overloaded\"}}", "no choices[0]" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct chat_answer a;
		char *err = NULL;
		cr_expect_eq(chat_parse_answer(bad[i].body, strlen(bad[i].body), "m", &a, &err),
			     ORR_PROTOCOL, "%s", bad[i].body);
		cr_expect(err && strstr(err, bad[i].why), "%s: %s", bad[i].body, err ? err : "");
		cr_expect_null(a.content);
		free(err);
	}
}

Test(chat, pick_the_only_chat_connector_or_the_named_one)
{
	struct connectors *cs = parse(
		"{\"connectors\": [{\"name\": \"hook\", \"kind\": \"webhook\", \"url\": "
		"\"https://h.example/x\", \"auth\": \"none\", \"events\": [\"order.*\"]},"
		"{\"name\": \"llm\", \"kind\": \"chat\", \"url\": \"http://127.0.0.1:8080/v1\", "
		"\"model\": \"m\"}]}");
	const struct connector *c = NULL;
	char *err = NULL;
	cr_assert_eq(chat_pick(cs, NULL, "connectors.json", &c, &err), ORR_OK);
	cr_expect_str_eq(c->name, "llm");
	cr_expect_eq(c->auth, AUTH_NONE, "a chat connector defaults to no auth");
	cr_expect_str_eq(c->model, "m");
	cr_assert_eq(chat_pick(cs, "llm", "connectors.json", &c, &err), ORR_OK);
	cr_expect_eq(chat_pick(cs, "hook", "connectors.json", &c, &err), ORR_USAGE,
		     "a webhook is not a chat connector");
	cr_expect(strstr(err, "--connector hook: connectors.json"), "%s", err);
	free(err);
	connectors_free(cs);
}

Test(chat, pick_none_or_several_is_a_usage_error_naming_the_file)
{
	struct connectors *none = parse("{\"connectors\": []}");
	struct connectors *two = parse(
		"{\"connectors\": [{\"name\": \"a\", \"kind\": \"chat\", \"url\": "
		"\"https://a.example/v1\", \"model\": \"m\"},{\"name\": \"b\", \"kind\": \"chat\", "
		"\"url\": \"https://b.example/v1\", \"model\": \"m\", \"auth\": \"bearer\", "
		"\"secret\": \"b.key\"}]}");
	const struct connector *c = NULL;
	char *err = NULL;
	cr_expect_eq(chat_pick(none, NULL, "/d/connectors.json", &c, &err), ORR_USAGE);
	cr_expect(strstr(err, "/d/connectors.json has no connector of kind \"chat\""), "%s", err);
	free(err);
	cr_expect_eq(chat_pick(two, NULL, "/d/connectors.json", &c, &err), ORR_USAGE);
	cr_expect(strstr(err, "has 2 chat connectors: say which with --connector NAME"), "%s", err);
	free(err);
	cr_expect_eq(chat_pick(two, "b", "/d/connectors.json", &c, &err), ORR_OK);
	cr_expect_eq(c->auth, AUTH_BEARER);
	connectors_free(none);
	connectors_free(two);
}

Test(chat, connectors_json_checks_chat_fields)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"chat\", \"url\": \"https://a.example\"}]}",
		  "a chat connector needs \"model\"" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"chat\", \"url\": \"https://a.example\", "
		  "\"model\": \"m\", \"auth\": \"shopify-token\", \"secret\": \"s.t\"}]}",
		  "a chat connector takes \"none\" or \"bearer\"" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"chat\", \"url\": \"https://a.example\", "
		  "\"model\": \"m\", \"events\": [\"x\"]}]}",
		  "a chat connector is called: it has no \"events\"" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"chat\", \"url\": \"https://a.example\", "
		  "\"model\": \"\"}]}",
		  "\"model\": must be a non-empty string" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"chat\", \"url\": \"https://a.example\", "
		  "\"model\": \"m\", \"api_version\": \"1\"}]}",
		  "only a shopify connector has an api_version" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"shopify\", \"url\": \"https://a.example\", "
		  "\"secret\": \"s.t\", \"model\": \"m\"}]}",
		  "only a chat connector has a model" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"chat\", \"url\": \"https://a.example\", "
		  "\"model\": \"m\", \"auth\": \"bearer\"}]}",
		  "auth \"bearer\" needs \"secret\"" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"llm\", \"url\": \"https://a.example\"}]}",
		  "must be one of \"webhook\", \"shopify\", \"chat\"" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *err = parse_err(bad[i].text);
		cr_expect(strstr(err, bad[i].msg), "%zu: %s", i, err);
		cr_expect(strncmp(err, "connectors.json:1:", 18) == 0, "%s", err);
		free(err);
	}
}

Test(chat, retry_wait_is_the_later_of_backoff_and_retry_after_and_bounded)
{
	struct connector c = { .retry = { .max_attempts = 8, .base_ms = 100, .cap_ms = 1000 } };
	/* rnd = 100: the first backoff's ceiling exactly (rnd % (100 + 1)) */
	cr_expect_eq(chat_retry_wait(&c, 1, -1, 100), 100);
	cr_expect_eq(chat_retry_wait(&c, 1, 2000, 100), 2000, "Retry-After wins when later");
	cr_expect_eq(chat_retry_wait(&c, 1, 50, 100), 100, "backoff wins when later");
	cr_expect_eq(chat_retry_wait(&c, CHAT_MAX_ATTEMPTS - 1, -1, 0), 0);
	cr_expect_eq(chat_retry_wait(&c, CHAT_MAX_ATTEMPTS, -1, 0), -1,
		     "at most CHAT_MAX_ATTEMPTS attempts, whatever the connector allows");
	cr_expect_eq(chat_retry_wait(&c, 1, CHAT_MAX_WAIT_MS + 1, 0), -1,
		     "a person does not wait longer than CHAT_MAX_WAIT_MS");
	c.retry.max_attempts = 1;
	cr_expect_eq(chat_retry_wait(&c, 1, -1, 0), -1, "max_attempts 1: no retry");
}

Test(chat, failure_messages_quote_the_endpoint_but_never_the_secret)
{
	char *m = chat_failure("http://h/v1/chat/completions", 0, NULL, "Connection refused", NULL);
	cr_expect_str_eq(m, "http://h/v1/chat/completions: no answer: Connection refused");
	free(m);
	m = chat_failure("u", 503, "{\"error\": {\"message\": \"model loading\"}}", NULL, "sk-1");
	cr_expect_str_eq(m, "u: HTTP 503: model loading");
	free(m);
	m = chat_failure("u", 500, "{\"error\": \"boom\"}", NULL, NULL);
	cr_expect_str_eq(m, "u: HTTP 500: boom");
	free(m);
	m = chat_failure("u", 502, "<html>bad gateway</html>", NULL, "sk-1");
	cr_expect_str_eq(m, "u: HTTP 502");
	free(m);
	m = chat_failure("u", 401, "{\"error\": {\"message\": \"bad key Bearer sk-secret-9\"}}", NULL,
			 "sk-secret-9");
	cr_expect(!strstr(m, "sk-secret-9"), "%s", m);
	cr_expect_str_eq(m, "u: HTTP 401: (its message quotes the secret: not shown)");
	free(m);
}
