/* fuzz_webhook.c - libFuzzer target for the inbound payload mapping.
 *
 * The first byte picks the topic (or a Standard Webhooks envelope), the rest
 * is the body.  The mapping must refuse with a message or produce JSON Lines
 * that are what the importer expects: one JSON object per line, each naming
 * a known table, as many lines as it counts records, and a SKU for every
 * inventory item it remembers.  A wrong answer aborts like a crash. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz_webhook: check failed: %s (line %d)\n", #cond, \
				__LINE__);                                               \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* Inventory items with an even id are known. */
static bool sku_of(void *ctx, int64_t item, char *out, size_t size)
{
	(void)ctx;
	if (item % 2)
		return false;
	snprintf(out, size, "SKU-%lld", (long long)item);
	return true;
}

static const char *const tables[] = { "products", "variants", "assets", "customers", "orders",
				      "order_lines", "inventory_levels", NULL };

static bool known_table(const char *t)
{
	for (const char *const *p = tables; *p; p++)
		if (t && strcmp(t, *p) == 0)
			return true;
	return false;
}

static void check_lines(const struct webhook_mapped *m)
{
	long lines = 0;
	const char *p = m->jsonl, *end = m->jsonl + m->len;
	CHECK(m->len == 0 || m->jsonl[m->len - 1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		CHECK(nl);
		json_error_t je;
		json_t *o = json_loadb(p, (size_t)(nl - p), 0, &je);
		CHECK(json_is_object(o));
		CHECK(known_table(json_string_value(json_object_get(o, "table"))));
		json_decref(o);
		lines++;
		p = nl + 1;
	}
	CHECK(lines == m->records);
	for (size_t i = 0; i < m->nitems; i++)
		CHECK(m->items[i].sku && *m->items[i].sku);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int pick = data[0] % (WH_TOPIC_COUNT + 1);
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	struct webhook_mapped m;
	char *err = NULL;
	enum webhook_topic t = WH_PRODUCTS_CREATE;
	enum orr_rc rc = pick == WH_TOPIC_COUNT
		? webhook_map_standard(body, len, "EUR", sku_of, NULL, &t, &m, &err)
		: webhook_map((enum webhook_topic)pick, body, len, data[0] & 0x80 ? "JPY" : NULL,
			      sku_of, NULL, &m, &err);
	if (rc == ORR_OK) {
		CHECK(!err);
		CHECK(t < WH_TOPIC_COUNT);
		check_lines(&m);
		webhook_mapped_free(&m);
	} else {
		CHECK(rc == ORR_DATAERR);
		CHECK(err && *err);
		CHECK(m.jsonl == NULL && m.nitems == 0);
		free(err);
	}
	return 0;
}
