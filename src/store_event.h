/* store_event.h - reading the append-only event log. */
#ifndef ORR_STORE_EVENT_H
#define ORR_STORE_EVENT_H

#include <jansson.h>
#include <stdint.h>

#include "rc.h"

struct store;

struct event_row {
	int64_t id, entity_id;
	const char *time, *type, *entity, *payload;
	int64_t cause_id; /* the event that led to this one, or 0 */
	int depth;        /* how many causes lead back to an outside event */
};
typedef void (*event_fn)(void *ctx, const struct event_row *ev);

/* Events with id > since, of one type (NULL: all; "order.*" matches a
 * prefix), oldest first, at most limit (0: all). */
enum orr_rc event_list(struct store *st, const char *type, int64_t since, long limit,
		       event_fn fn, void *ctx, char **err);

/* Append one event (time: now when NULL).  entity_id and cause_id 0 are
 * stored as NULL. */
struct event_new {
	const char *type, *entity;
	int64_t entity_id;
	const char *payload; /* JSON text; NULL: {} */
	int64_t cause_id;
	int depth;
};
enum orr_rc event_append(struct store *st, const struct event_new *ev, int64_t now_ms,
			 int64_t *id, char **err);

/* The first event at or after since_ms (UTC ms), one past the last when
 * there is none.  Event ids increase with time, so this is a binary search
 * on id, not a scan: windowed counts then read ids from here on. */
enum orr_rc event_first_since(struct store *st, int64_t since_ms, int64_t *first_id,
			      char **err);

/* Events with id >= first_id of each type in types (a JSON array of type
 * names): a new JSON object type -> count, types with none left out.  One
 * grouped query over the type index, which it covers. */
enum orr_rc event_count_types(struct store *st, int64_t first_id, const json_t *types,
			      json_t **counts, char **err);

/* The newest event whose type matches a rule's `on` glob (`*` matches
 * dots too); *id 0 when there is none. */
enum orr_rc event_latest_matching(struct store *st, const char *glob, int64_t *id, char **err);

#endif
