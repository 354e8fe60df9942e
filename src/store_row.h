/* store_row.h - the current row of an event's entity, as JSON, for the
 * facts a rule reads ("product.title", "variant.price_minor"). */
#ifndef ORR_STORE_ROW_H
#define ORR_STORE_ROW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct store;

/* Is there a table behind this entity name? */
bool store_row_known(const char *entity);
/* The row with this id as a new JSON object, or NULL when the entity is
 * unknown or the row is gone. */
json_t *store_row_get(struct store *st, const char *entity, int64_t id);

#endif
