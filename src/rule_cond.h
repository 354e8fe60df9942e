/* rule_cond.h - facts, and the conditions of the rule language: parsed from
 * JSON (with positions for diagnostics), evaluated against facts, and
 * explained when they fail.  Included by rules.h; the language is described
 * in the README's "Rule format" section. */
#ifndef ORR_RULE_COND_H
#define ORR_RULE_COND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct json_pos;

/* --- facts ------------------------------------------------------------------
 * A rule names facts with dotted paths: "payload.changed.price_minor.to",
 * "event.type", "product.title".  The first segment is a root; the resolver
 * returns that root's JSON object (a borrowed reference, valid until the
 * evaluation ends) or NULL when the event has no such root.  The rest of the
 * path walks object members (and array indexes written as numbers). */
typedef json_t *(*fact_root_fn)(void *ctx, const char *root);
struct facts {
	fact_root_fn root;
	void *ctx;
};

/* The value at path, borrowed, or NULL when any step is missing. */
json_t *facts_get(const struct facts *facts, const char *path);

/* Is s[0..n) a well-formed fact path: dot-separated non-empty segments
 * without spaces or braces? */
bool facts_path_ok(const char *s, size_t n);

/* --- conditions ------------------------------------------------------------ */
struct cond; /* opaque: a parsed all/any/not tree or one comparison */

/* Conditions nest at most this deep ("when" itself is level 1), so that
 * parsing and evaluation recursion stay bounded on any input. */
#define COND_MAX_DEPTH 32

/* Why a condition failed: the first failing leaf, in evaluation order. */
struct rule_miss {
	char *where;      /* JSON path inside the rule, e.g. "when.all[1]" */
	char *fact;       /* "product.price_minor"; NULL for a negated all/any/not */
	const char *op;   /* "<=", "exists", ... (static); "all"/"any"/"not" for a
			   * negated group */
	json_t *expected; /* owned; NULL for exists, or a missing compared fact */
	json_t *actual;   /* owned; NULL when the fact is missing */
	char *expected_fact; /* the compared fact's path for "value": {"fact": ...} */
	bool negated;     /* a "not" failed because what it negates held */
};

/* True when the condition holds (a NULL condition always holds).  When miss
 * is not NULL it is overwritten (not freed: clear a previous miss first)
 * and, on false, filled with the first failing comparison; release it with
 * rule_miss_clear. */
bool cond_eval(const struct cond *c, const struct facts *facts, struct rule_miss *miss);
void rule_miss_clear(struct rule_miss *miss);
/* "when.all[1]: product.price_minor <= 1000 failed: actual 2500"; caller frees. */
char *rule_miss_describe(const struct rule_miss *miss);

/* How cond_parse reports a problem: node is the json_pos node of the
 * offending value, or with key set, of the member whose name is at fault. */
typedef void (*cond_report_fn)(void *arg, int node, bool key, const char *msg);
struct cond_parser {
	const struct json_pos *pos;
	cond_report_fn report;
	void *arg;
};

/* Parse the condition j (json_pos node `node`); where is its path in the
 * rule ("when").  Reports every problem found and returns NULL if there was
 * any.  Regular expressions are compiled here. */
struct cond *cond_parse(const struct cond_parser *p, const json_t *j, int node, const char *where);
void cond_free(struct cond *c);

#endif
