/* test_integration.c - the pure parts of the integration layer: HTTP
 * classification and Link parsing, URL policy, connectors.json checking,
 * Standard Webhooks bodies and signatures (the specification's published
 * example), the pull's URLs, and the delivery store. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "connectors.h"
#include "http.h"
#include "pull.h"
#include "store_delivery.h"
#include "testdb.h"
#include "webhook_out.h"

/* --- http ------------------------------------------------------------------ */

Test(http, classifies_statuses)
{
	static const struct {
		long status;
		enum http_class cls;
	} cases[] = {
		{ 200, HTTP_SUCCESS }, { 204, HTTP_SUCCESS }, { 0, HTTP_RETRYABLE },
		{ 408, HTTP_RETRYABLE }, { 429, HTTP_RETRYABLE }, { 500, HTTP_RETRYABLE },
		{ 503, HTTP_RETRYABLE }, { 410, HTTP_GONE }, { 400, HTTP_REFUSED },
		{ 401, HTTP_REFUSED }, { 404, HTTP_REFUSED }, { 301, HTTP_REFUSED },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_expect_eq(http_classify(cases[i].status), cases[i].cls, "status %ld",
			     cases[i].status);
}

Test(http, mutating_call_without_key_is_not_sent)
{
	struct http_request req = { .method = "POST", .url = "http://127.0.0.1:1/x", .body = "{}",
				    .body_len = 2 };
	struct http_response r;
	char *err = NULL;
	cr_assert_eq(http_perform(&req, &r, &err), ORR_USAGE);
	cr_expect(strstr(err, "without an idempotency key"), "%s", err);
	free(err);
	http_response_free(&r);
}

Test(http, plain_http_only_to_loopback)
{
	const char *why = NULL;
	cr_expect(http_url_allowed("https://shop.example/x", &why));
	cr_expect(http_url_allowed("http://127.0.0.1:8080/x", &why));
	cr_expect(http_url_allowed("http://localhost/x", &why));
	cr_expect(http_url_allowed("http://[::1]:9/x", &why));
	cr_expect(!http_url_allowed("http://127.0.0.1.evil.example/x", &why));
	cr_expect(!http_url_allowed("http://shop.example/x", &why));
	cr_expect(!http_url_allowed("ftp://shop.example/x", &why));
	cr_expect(!http_url_allowed("https://", &why));
}

Test(http, link_next_and_page_info)
{
	const char *link = "<https://s.example/admin/api/2024-01/products.json?limit=2&page_info=a1>; "
			   "rel=\"previous\", <https://s.example/admin/api/2024-01/products.json?"
			   "page_info=b2&limit=2>; rel=\"next\"";
	char *next = http_link_next(link);
	cr_assert_str_eq(next, "https://s.example/admin/api/2024-01/products.json?page_info=b2&limit=2");
	char *pi = http_query_param(next, "page_info");
	cr_expect_str_eq(pi, "b2");
	char *lim = http_query_param(next, "limit");
	cr_expect_str_eq(lim, "2");
	cr_expect_null(http_query_param(next, "page"));
	cr_expect_null(http_link_next("<https://s.example/x>; rel=\"previous\""));
	cr_expect_null(http_link_next("garbage"));
	free(next);
	free(pi);
	free(lim);
}

Test(http, malformed_json_names_line_and_column)
{
	char text[] = "{\"a\": [1,,]}";
	struct http_response r = { .body = text, .len = sizeof text - 1 };
	char *err = NULL;
	cr_expect_null(http_json(&r, &err));
	cr_expect(strstr(err, "malformed JSON") && strstr(err, "line 1"), "%s", err);
	free(err);
}

/* --- connectors.json ------------------------------------------------------- */

static struct connectors *parse_ok(const char *text)
{
	struct connectors *c = NULL;
	char *err = NULL;
	cr_assert_eq(connectors_parse("c.json", text, strlen(text), &c, &err), ORR_OK, "%s", err);
	return c;
}

static char *parse_err(const char *text)
{
	struct connectors *c = NULL;
	char *err = NULL;
	cr_assert_eq(connectors_parse("c.json", text, strlen(text), &c, &err), ORR_DATAERR);
	cr_assert_null(c);
	return err;
}

Test(connectors, defaults_and_values)
{
	struct connectors *cs = parse_ok(
		"{\"connectors\": [{\"name\": \"crm\", \"kind\": \"webhook\", \"url\": "
		"\"https://crm.example/h\", \"secret\": \"crm.k\", \"events\": [\"order.*\"], "
		"\"timeout\": \"2s\", \"retry\": {\"max_attempts\": 3, \"base\": \"250ms\"}, "
		"\"breaker\": {\"consecutive\": 2, \"cooldown\": \"1m\"}}, "
		"{\"name\": \"shop\", \"kind\": \"shopify\", \"url\": \"https://s.example\", "
		"\"secret\": \"shop.t\"}]}");
	cr_assert_eq(cs->n, 2);
	const struct connector *c = connectors_find(cs, "crm");
	cr_assert_not_null(c);
	cr_expect_eq(c->auth, AUTH_STANDARD_WEBHOOKS);
	cr_expect_eq(c->timeout_ms, 2000);
	cr_expect_eq(c->connect_ms, HTTP_DEFAULT_CONNECT_MS);
	cr_expect_eq(c->retry.max_attempts, 3);
	cr_expect_eq(c->retry.base_ms, 250);
	cr_expect_eq(c->breaker.consecutive, 2);
	cr_expect_eq(c->breaker.cooldown_ms, 60000);
	cr_expect(connector_subscribes(c, "order.created"));
	cr_expect(!connector_subscribes(c, "product.created"));
	const struct connector *s = connectors_find(cs, "shop");
	cr_expect_eq(s->auth, AUTH_SHOPIFY_TOKEN);
	cr_expect_str_eq(s->api_version, "2024-01");
	connectors_free(cs);
}

Test(connectors, refusals_name_place_and_key)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[]", "c.json:1:1: the file: must be an object" },
		{ "{\"connectors\": {}}", "\"connectors\": must be an array" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"webhook\", \"url\": \"https://a.example\","
		  " \"auth\": \"none\", \"events\": [\"x\"], \"rate_limit\": 0}]}",
		  "c.json:1:125: connectors[0] \"a\": \"rate_limit\": must be calls per second" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"shopify\", \"url\": \"https://a.example\","
		  " \"auth\": \"none\", \"events\": [\"x\"]}]}",
		  "a shopify connector pulls" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"webhook\", \"url\": \"https://a.example\","
		  " \"auth\": \"none\", \"events\": [\"x\", 3]}]}",
		  "\"events/1\": must be an event type" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"webhook\", \"url\": \"https://a.example\","
		  " \"auth\": \"none\", \"events\": [\"x\"], \"breaker\": {\"cooldwn\": \"1s\"}}]}",
		  "\"cooldwn\": unknown key" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"webhook\", \"url\": \"https://a.example\","
		  " \"auth\": \"none\", \"events\": [\"x\"], \"retry\": {\"base\": \"1m\", \"cap\": \"1s\"}}]}",
		  "cap is shorter than base" },
		{ "{\"connectors\": [{\"name\": \"a\", \"kind\": \"webhook\", \"url\": \"https://a.example\","
		  " \"auth\": \"basic\", \"events\": [\"x\"]}]}",
		  "\"auth\": must be one of" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *err = parse_err(cases[i].text);
		cr_expect(strstr(err, cases[i].want), "case %zu: got %s", i, err);
		free(err);
	}
}

/* --- Standard Webhooks ----------------------------------------------------- */

/* The example of the Standard Webhooks specification (spec/standard-webhooks.md,
 * "Signature scheme"): this secret, id, timestamp and body sign to this. */
Test(webhook_out, signs_the_specification_example)
{
	const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	const char *body = "{\"test\": 2432232314}";
	char *err = NULL;
	char *sig = webhook_out_signature(&secret, 1, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
					  body, strlen(body), &err);
	cr_assert_not_null(sig, "%s", err);
	cr_expect_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	free(sig);
}

Test(webhook_out, rotation_signs_with_each_secret_and_bad_secrets_are_not_quoted)
{
	const char *secrets[] = { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				  "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD" };
	char *err = NULL;
	char *sig = webhook_out_signature(secrets, 2, "msg_1", 1, "{}", 2, &err);
	cr_assert_not_null(sig, "%s", err);
	cr_expect_eq(strlen(sig), 2 * (3 + 44) + 1, "%s", sig);
	cr_expect(strncmp(sig, "v1,", 3) == 0 && strstr(sig, " v1,"), "%s", sig);
	free(sig);
	const char *bad[] = { "whsec_!!notbase64-secret-value!!" };
	cr_expect_null(webhook_out_signature(bad, 1, "msg_1", 1, "{}", 2, &err));
	cr_expect(!strstr(err, "notbase64"), "the message quotes the secret: %s", err);
	free(err);
}

Test(webhook_out, body_is_the_event_and_stable)
{
	char *err = NULL;
	char *a = webhook_out_body(9, "order.created", "2026-12-01T10:00:00.000Z", "order", 4,
				   "{\"total\": 1.5, \"b\": 1, \"a\": 2}", &err);
	char *b = webhook_out_body(9, "order.created", "2026-12-01T10:00:00.000Z", "order", 4,
				   "{\"total\": 1.5, \"b\": 1, \"a\": 2}", &err);
	cr_assert_not_null(a);
	cr_expect_str_eq(a, b);
	cr_expect_str_eq(a, "{\"type\":\"order.created\",\"timestamp\":\"2026-12-01T10:00:00.000Z\","
			    "\"data\":{\"total\":1.5,\"b\":1,\"a\":2,\"event_id\":9,\"entity\":"
			    "\"order\",\"entity_id\":4}}");
	free(a);
	free(b);
	cr_expect_null(webhook_out_body(9, "x", "t", "e", 0, "[1]", &err));
	free(err);
}

/* --- pull ------------------------------------------------------------------ */

Test(pull, first_url_and_origin)
{
	char *u = pull_first_url("https://s.example/", "2024-01", "orders", 50);
	cr_expect_str_eq(u, "https://s.example/admin/api/2024-01/orders.json?limit=50");
	free(u);
	cr_expect(pull_same_origin("https://s.example", "https://s.example/admin/x?page_info=1"));
	cr_expect(pull_same_origin("http://127.0.0.1:80/throttled", "http://127.0.0.1:80/a"));
	cr_expect(!pull_same_origin("https://s.example", "https://s.example.evil/admin"));
	cr_expect(!pull_same_origin("https://s.example", "http://s.example/admin"));
	cr_expect(!pull_same_origin("http://127.0.0.1:80", "http://127.0.0.1:8080/a"));
}

/* --- the delivery store ---------------------------------------------------- */

Test(store_delivery, create_is_idempotent_and_stats_measure_p95)
{
	char db[64];
	struct store *st = testdb_open(db, sizeof db, "delivery");
	char *err = NULL;
	cr_assert_eq(store_exec(st, "INSERT INTO events (time, type, entity, payload) VALUES "
				"('2026-01-01T00:00:00Z', 'order.created', 'order', '{}')", &err),
		     ORR_OK, "%s", err);
	int64_t id = 0, again = 0;
	bool created = false;
	cr_assert_eq(delivery_create(st, "crm", 1, "order.created", 10, &id, &created, &err), ORR_OK);
	cr_expect(created);
	cr_assert_eq(delivery_create(st, "crm", 1, "order.created", 11, &again, &created, &err),
		     ORR_OK);
	cr_expect(!created);
	cr_expect_eq(again, id);
	for (int i = 1; i <= 20; i++) {
		struct call_record c = { .connector = "crm", .method = "POST", .delivery_id = id,
					 .status = i == 20 ? 500 : 200, .ok = i != 20,
					 .latency_ms = i, .at = 100 + i };
		cr_assert_eq(call_record(st, &c, &err), ORR_OK, "%s", err);
	}
	struct call_stats s;
	cr_assert_eq(call_stats(st, "crm", 0, &s, &err), ORR_OK);
	cr_expect_eq(s.calls, 20);
	cr_expect_eq(s.ok, 19);
	cr_expect_eq(s.p95_ms, 19); /* nearest rank: the 19th of 20 */
	struct delivery d;
	cr_assert_eq(delivery_load(st, id, &d, &err), ORR_OK);
	cr_expect_eq(d.attempts, 20);
	cr_expect_str_eq(d.msg_id, "msg_crm_1");
	delivery_clear(&d);
	cr_expect_eq(delivery_load(st, 99, &d, &err), ORR_NOINPUT);
	free(err);
	testdb_close(st, db);
}
