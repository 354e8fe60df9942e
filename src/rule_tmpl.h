/* rule_tmpl.h - templates of the rule language: strings with "{{fact.path}}"
 * placeholders, alone or anywhere inside a JSON object or array.  Included
 * by rules.h. */
#ifndef ORR_RULE_TMPL_H
#define ORR_RULE_TMPL_H

#include <jansson.h>
#include <stdbool.h>

#include "rule_cond.h"

/* Strings may hold "{{fact.path}}" placeholders (blanks inside the braces
 * are ignored).  A string that is exactly one placeholder takes the fact's
 * JSON value (a number stays a number); otherwise values are printed into
 * the string: strings raw, anything else as compact JSON.  Objects and
 * arrays are expanded member by member (member names are not templates).
 * A missing fact is an error: NULL is returned and *err set (caller frees);
 * on success *err is left untouched. */
json_t *tmpl_expand(const json_t *tmpl, const struct facts *facts, char **err);
char *tmpl_expand_string(const char *tmpl, const struct facts *facts, char **err);

/* Is s a well-formed template: every "{{" closed by "}}" around a fact path?
 * false with *err set (caller frees) when not. */
bool tmpl_check(const char *s, char **err);

#endif
