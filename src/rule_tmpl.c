/* rule_tmpl.c - "{{fact.path}}" templates.
 *
 * There is no escape for a literal "{{": rule strings have no use for one,
 * and every "{{" being a placeholder keeps checking simple. */
#include "rule_tmpl.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* A growing string. */
struct sbuf {
	char *s;
	size_t n, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

/* One placeholder: the text between "{{" and "}}", blanks trimmed. */
struct slot {
	const char *path;
	size_t len;
	const char *end; /* just past the closing "}}" */
};

enum slot_err { SLOT_OK, SLOT_UNTERMINATED, SLOT_EMPTY, SLOT_BAD_PATH };

/* Read the placeholder opening at s ("{{..."). */
static enum slot_err slot_read(const char *s, struct slot *sl)
{
	const char *close = strstr(s + 2, "}}");
	if (!close)
		return SLOT_UNTERMINATED;
	const char *p = s + 2, *e = close;
	while (p < e && strchr(" \t", *p))
		p++;
	while (e > p && strchr(" \t", e[-1]))
		e--;
	sl->path = p;
	sl->len = (size_t)(e - p);
	sl->end = close + 2;
	if (sl->len == 0)
		return SLOT_EMPTY;
	return facts_path_ok(p, sl->len) ? SLOT_OK : SLOT_BAD_PATH;
}

static char *slot_error(enum slot_err e, const struct slot *sl)
{
	if (e == SLOT_UNTERMINATED)
		return xstrdup("template: unterminated '{{'");
	if (e == SLOT_EMPTY)
		return xstrdup("template: empty placeholder '{{}}'");
	return xasprintf("template: bad fact path '%.*s'", (int)(sl->len > 80 ? 80 : sl->len),
			 sl->path);
}

bool tmpl_check(const char *s, char **err)
{
	struct slot sl;
	for (const char *p = strstr(s, "{{"); p; p = strstr(sl.end, "{{")) {
		enum slot_err e = slot_read(p, &sl);
		if (e != SLOT_OK) {
			*err = slot_error(e, &sl);
			return false;
		}
	}
	return true;
}

/* The fact a placeholder names, or NULL with *err set. */
static json_t *slot_value(const struct slot *sl, const struct facts *facts, char **err)
{
	char *path = xstrndup(sl->path, sl->len);
	json_t *v = facts_get(facts, path);
	if (!v)
		*err = xasprintf("template: fact '%s' is missing", path);
	free(path);
	return v;
}

/* Print a value into a string: strings raw, the rest as compact JSON
 * (reals with 15 digits, so 19.9 prints as 19.9). */
static void put_value(struct sbuf *b, const json_t *v)
{
	if (json_is_string(v)) {
		sb_put(b, json_string_value(v), json_string_length(v));
		return;
	}
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (s)
		sb_put(b, s, strlen(s));
	free(s);
}

/* Expand into b; false with *err set on a missing fact or a malformed slot. */
static bool expand_into(struct sbuf *b, const char *s, const struct facts *facts, char **err)
{
	struct slot sl;
	const char *p;
	sb_put(b, "", 0);
	while ((p = strstr(s, "{{")) != NULL) {
		sb_put(b, s, (size_t)(p - s));
		enum slot_err e = slot_read(p, &sl);
		if (e != SLOT_OK) {
			*err = slot_error(e, &sl);
			return false;
		}
		json_t *v = slot_value(&sl, facts, err);
		if (!v)
			return false;
		put_value(b, v);
		s = sl.end;
	}
	sb_put(b, s, strlen(s));
	return true;
}

char *tmpl_expand_string(const char *tmpl, const struct facts *facts, char **err)
{
	struct sbuf b = { 0 };
	if (!tmpl)
		tmpl = "";
	if (!expand_into(&b, tmpl, facts, err)) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* A string that is one placeholder and nothing else keeps the JSON type. */
static bool whole_slot(const json_t *str, struct slot *sl)
{
	const char *s = json_string_value(str);
	return strncmp(s, "{{", 2) == 0 && slot_read(s, sl) == SLOT_OK && *sl->end == '\0';
}

static json_t *expand_string(const json_t *str, const struct facts *facts, char **err)
{
	struct slot sl;
	if (whole_slot(str, &sl)) {
		json_t *v = slot_value(&sl, facts, err);
		return v ? json_deep_copy(v) : NULL;
	}
	struct sbuf b = { 0 };
	json_t *out = NULL;
	if (expand_into(&b, json_string_value(str), facts, err))
		out = json_stringn_nocheck(b.s, b.n);
	free(b.s);
	return out;
}

static json_t *expand_object(const json_t *obj, const struct facts *facts, char **err)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		json_t *x = tmpl_expand(v, facts, err);
		if (!x) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, k, x);
	}
	return out;
}

static json_t *expand_array(const json_t *arr, const struct facts *facts, char **err)
{
	json_t *out = json_array();
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *x = tmpl_expand(json_array_get(arr, i), facts, err);
		if (!x) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, x);
	}
	return out;
}

/* Recursion is bounded by the nesting of the template, which jansson's
 * parser caps (JSON_PARSER_MAX_DEPTH). */
json_t *tmpl_expand(const json_t *tmpl, const struct facts *facts, char **err)
{
	if (!tmpl) {
		*err = xstrdup("template: none given");
		return NULL;
	}
	if (json_is_string(tmpl))
		return expand_string(tmpl, facts, err);
	if (json_is_object(tmpl))
		return expand_object(tmpl, facts, err);
	if (json_is_array(tmpl))
		return expand_array(tmpl, facts, err);
	return json_deep_copy(tmpl);
}
