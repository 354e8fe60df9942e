/* store_event.h - reading the append-only event log. */
#ifndef ORR_STORE_EVENT_H
#define ORR_STORE_EVENT_H

#include <stdint.h>

#include "rc.h"

struct store;

struct event_row {
	int64_t id, entity_id;
	const char *time, *type, *entity, *payload;
};
typedef void (*event_fn)(void *ctx, const struct event_row *ev);

/* Events with id > since, of one type (NULL: all; "order.*" matches a
 * prefix), oldest first, at most limit (0: all). */
enum orr_rc event_list(struct store *st, const char *type, int64_t since, long limit,
		       event_fn fn, void *ctx, char **err);

#endif
