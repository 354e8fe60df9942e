/* policies.c - a policy from beside the database, else compiled in. */
#include "policies.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "xalloc.h"

static char *beside_db(const struct store *st, const char *name)
{
	const char *db = store_path(st);
	const char *slash = db ? strrchr(db, '/') : NULL;
	if (!slash)
		return xasprintf("policies/%s", name);
	return xasprintf("%.*s/policies/%s", (int)(slash - db), db, name);
}

static enum orr_rc parsed(json_t *j, const json_error_t *e, const char *where, json_t **out,
			  char **err)
{
	if (!j) {
		*err = xasprintf("%s:%d:%d: %s", where, e->line, e->column, e->text);
		return ORR_DATAERR;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*err = xasprintf("%s:1:1: a policy is a JSON object", where);
		return ORR_DATAERR;
	}
	*out = j;
	return ORR_OK;
}

enum orr_rc policies_load(const struct store *st, const char *name, json_t **out, char **source,
			  char **err)
{
	json_error_t e;
	*out = NULL;
	*source = beside_db(st, name);
	if (access(*source, F_OK) == 0) {
		json_t *j = json_load_file(*source, JSON_REJECT_DUPLICATES, &e);
		if (!j && access(*source, R_OK) != 0) {
			*err = xasprintf("%s: %s", *source, strerror(errno));
			return ORR_NOINPUT;
		}
		return parsed(j, &e, *source, out, err);
	}
	free(*source);
	*source = xstrdup("builtin");
	for (int i = 0; i < policies_builtin_count; i++)
		if (strcmp(policies_builtin[i].name, name) == 0) {
			json_t *j = json_loads(policies_builtin[i].text, JSON_REJECT_DUPLICATES, &e);
			return parsed(j, &e, name, out, err);
		}
	*err = xasprintf("no policy \"%s\" (data/policies has %d)", name, policies_builtin_count);
	return ORR_NOINPUT;
}
