/* webhook_out.h - outbound webhooks per Standard Webhooks 1.0: the body
 * ({"type", "timestamp", "data"}) and the three headers webhook-id,
 * webhook-timestamp and webhook-signature ("v1,<base64 HMAC-SHA256>" per
 * secret: several while a secret rotates), signed over
 * "<webhook-id>.<webhook-timestamp>.<body>" with sig.h. */
#ifndef ORR_WEBHOOK_OUT_H
#define ORR_WEBHOOK_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

/* The body for one event: its type, its time (the event's, ISO 8601) and
 * data = the event's payload plus "event_id", "entity" and "entity_id".
 * The same event always gives the same bytes, so every attempt and replay
 * of a delivery sends the same body.  NULL with *err when payload is not
 * a JSON object. */
char *webhook_out_body(int64_t event_id, const char *type, const char *time, const char *entity,
		       int64_t entity_id, const char *payload, char **err);

/* The webhook-signature header value for the message under each secret
 * ("whsec_..." strings, newest first).  NULL with *err when a secret does
 * not decode (the message never quotes it) or there is none. */
char *webhook_out_signature(const char *const *secrets, size_t nsecrets, const char *msg_id,
			    int64_t timestamp_s, const char *body, size_t len, char **err);

#endif
