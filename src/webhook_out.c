/* webhook_out.c - Standard Webhooks bodies and signatures. */
#include "webhook_out.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"
#include "xalloc.h"

char *webhook_out_body(int64_t event_id, const char *type, const char *time, const char *entity,
		       int64_t entity_id, const char *payload, char **err)
{
	json_error_t je;
	json_t *data = json_loads(payload ? payload : "{}", 0, &je);
	if (!json_is_object(data)) {
		json_decref(data);
		*err = xasprintf("event %lld: its payload is not a JSON object", (long long)event_id);
		return NULL;
	}
	json_object_set_new(data, "event_id", json_integer((json_int_t)event_id));
	json_object_set_new(data, "entity", json_string(entity));
	json_object_set_new(data, "entity_id",
			    entity_id ? json_integer((json_int_t)entity_id) : json_null());
	json_t *msg = json_pack("{sssssO}", "type", type, "timestamp", time, "data", data);
	json_decref(data);
	/* JSON_PRESERVE_ORDER: the payload's own order, so the bytes are stable */
	char *body = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(msg);
	return body;
}

char *webhook_out_signature(const char *const *secrets, size_t nsecrets, const char *msg_id,
			    int64_t timestamp_s, const char *body, size_t len, char **err)
{
	if (nsecrets == 0) {
		*err = xstrdup("no signing secret");
		return NULL;
	}
	if (nsecrets > SIG_MAX_KEYS)
		nsecrets = SIG_MAX_KEYS;
	struct sig_key keys[SIG_MAX_KEYS];
	size_t n = 0;
	for (; n < nsecrets; n++) {
		char *why = NULL;
		if (sig_key_decode(secrets[n], &keys[n], &why) != ORR_OK) {
			*err = xasprintf("signing secret %zu of %zu: %s", n + 1, nsecrets,
					 why ? why : "not a whsec_ secret");
			free(why);
			break;
		}
	}
	char *header = n == nsecrets ? sig_stdwh_sign(keys, n, msg_id, timestamp_s, body, len)
				     : NULL;
	if (n == nsecrets && !header)
		*err = xstrdup("cannot sign: libcrypto failed");
	for (size_t i = 0; i < n; i++)
		sig_key_wipe(&keys[i]);
	return header;
}
