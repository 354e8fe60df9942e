/* fuzz_connectors.c - libFuzzer target for connectors.json checking.
 *
 * Any bytes: the parser must either accept them, with every connector
 * complete (a name, a URL the HTTP policy allows, events for a webhook, a
 * secret unless auth is none, a retry cap not below its base), or refuse
 * them with a message that names the file.  A wrong answer aborts like a
 * crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz_connectors: check failed: %s (line %d)\n", \
				#cond, __LINE__);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

static void check_connector(const struct connector *c)
{
	const char *why;
	CHECK(c->name && *c->name);
	CHECK(c->url && http_url_allowed(c->url, &why));
	CHECK(c->kind != CONNECTOR_WEBHOOK || c->nevents > 0);
	CHECK(c->kind != CONNECTOR_SHOPIFY || (c->nevents == 0 && c->api_version));
	CHECK(c->auth == AUTH_NONE || c->secret);
	CHECK(c->retry.max_attempts >= 1 && c->retry.cap_ms >= c->retry.base_ms);
	CHECK(c->rate_per_s > 0 && c->timeout_ms > 0 && c->connect_ms > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct connectors *cs = NULL;
	char *err = NULL;
	enum orr_rc rc = connectors_parse("fuzz.json", (const char *)data, size, &cs, &err);
	if (rc == ORR_OK) {
		CHECK(cs && !err);
		for (size_t i = 0; i < cs->n; i++) {
			check_connector(&cs->v[i]);
			CHECK(connectors_find(cs, cs->v[i].name) == &cs->v[i]);
		}
		connectors_free(cs);
	} else {
		CHECK(rc == ORR_DATAERR && !cs && err && strncmp(err, "fuzz.json:", 10) == 0);
		free(err);
	}
	return 0;
}
