/* secrets.h - secrets.json: the credentials Orrery holds (the Shopify
 * webhook secret, Standard Webhooks secrets, connector tokens), kept apart
 * from connectors.json and the database.
 *
 * The file is a JSON object; a key is a dotted path through nested objects
 * ("shopify.webhook_secret" is {"shopify": {"webhook_secret": "..."}}, a
 * top-level "shopify.webhook_secret" key works too).  A value is a string,
 * or a list of strings while a secret rotates (newest first).  The file is
 * refused unless only its owner can read or write it (mode 0600 or
 * stricter) and that owner is the user running Orrery.
 *
 * No function here prints or returns a message containing a value; values
 * are wiped from memory on secrets_free. */
#ifndef ORR_SECRETS_H
#define ORR_SECRETS_H

#include <stddef.h>

#include "rc.h"

#define SECRETS_FILE "secrets.json"
#define SECRETS_MAX_BYTES (1024 * 1024)

struct secrets;

/* Load path.  When required is false a missing file is an empty set (the
 * default secrets.json beside the database); when true (--secrets PATH) it
 * is ORR_NOINPUT.  A file others may read, or that is not valid, is
 * ORR_DATAERR with *err naming the file (and line and column for JSON) but
 * never quoting its content.  *out is set on ORR_OK only. */
enum orr_rc secrets_load(const char *path, int required, struct secrets **out, char **err);
void secrets_free(struct secrets *s);

/* secrets.json in the directory of db_path; caller frees. */
char *secrets_path_beside(const char *db_path);

/* The file the set came from (for messages: a path is not a secret). */
const char *secrets_path(const struct secrets *s);

/* The value of key (the first, newest, of a list), or NULL. */
const char *secrets_get(const struct secrets *s, const char *key);
/* Every value of key, newest first; *n is 0 when the key is absent. */
const char *const *secrets_get_all(const struct secrets *s, const char *key, size_t *n);

#endif
