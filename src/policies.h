/* policies.h - the store's policies, compiled in from data/policies/ (the
 * Makefile generates the table), and the operator's copies: a file of the
 * same name in policies/ beside the database replaces the default. */
#ifndef ORR_POLICIES_H
#define ORR_POLICIES_H

#include <jansson.h>

#include "rc.h"

struct store;

struct policy_file {
	const char *name; /* "returns.json" */
	const char *text;
};
extern const struct policy_file policies_builtin[];
extern const int policies_builtin_count;

/* The policy NAME ("returns.json") as JSON: policies/NAME beside the
 * database when that file exists, else the compiled-in default.  A file
 * that is not a JSON object is ORR_DATAERR with *err "FILE:LINE:COL: ...";
 * an unknown name without a file is ORR_NOINPUT.  *source says which
 * (a path, or "builtin"); caller frees it and decrefs *out. */
enum orr_rc policies_load(const struct store *st, const char *name, json_t **out, char **source,
			  char **err);

#endif
