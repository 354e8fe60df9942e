/* store_row.c - one SELECT per entity name, fixed at compile time. */
#include "store_row.h"

#include <string.h>

#include "store_internal.h"

#define ROW_BY_ID(table) "SELECT * FROM " table " WHERE id = ?1"

/* A product's row carries local_images, its source images that are files (a
 * URL is not fetched): rules route image work on it, so a catalogue without
 * photos queues no image jobs. */
#define PRODUCT_ROW                                                                        \
	"SELECT *, (SELECT count(*) FROM assets a WHERE a.product_id = products.id AND "   \
	"a.kind = 'source' AND a.uri <> '' AND a.uri NOT LIKE 'http://%' AND "             \
	"a.uri NOT LIKE 'https://%') AS local_images FROM products WHERE id = ?1"

static const struct {
	const char *entity, *sql;
} row_sql[] = {
	{ "product", PRODUCT_ROW },
	{ "variant", ROW_BY_ID("variants") },
	{ "customer", ROW_BY_ID("customers") },
	{ "supplier", ROW_BY_ID("suppliers") },
	{ "order", ROW_BY_ID("orders") },
	{ "inventory_level", ROW_BY_ID("inventory_levels") },
	{ "asset", ROW_BY_ID("assets") },
	{ "category", ROW_BY_ID("categories") },
	{ "job", ROW_BY_ID("jobs") },
	{ "approval", ROW_BY_ID("approvals") },
	{ "task", ROW_BY_ID("tasks") },
};

static const char *sql_for(const char *entity)
{
	for (size_t i = 0; i < sizeof row_sql / sizeof *row_sql; i++)
		if (strcmp(row_sql[i].entity, entity) == 0)
			return row_sql[i].sql;
	return NULL;
}

bool store_row_known(const char *entity)
{
	return sql_for(entity) != NULL;
}

json_t *store_row_get(struct store *st, const char *entity, int64_t id)
{
	const char *sql = sql_for(entity);
	sqlite3_stmt *s = sql ? store_stmt(st, sql) : NULL;
	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	json_t *row = sqlite3_step(s) == SQLITE_ROW ? store_row_json(s) : NULL;
	sqlite3_reset(s);
	return row;
}
