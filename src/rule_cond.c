/* rule_cond.c - conditions: parse, evaluate, explain.
 *
 * A condition is a tree of all/any/not groups over leaves that compare one
 * fact with a literal or with another fact.  Operators are rows of one
 * table: name, what their "value" must be, and the test itself. */
#include "rule_cond.h"

#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_pos.h"
#include "xalloc.h"

enum cond_kind { COND_ALL, COND_ANY, COND_NOT, COND_LEAF };

/* What a leaf's "value" must be, checked at parse time. */
enum value_rule {
	V_ANY,      /* any JSON value */
	V_ORDERED,  /* a number or a string */
	V_ARRAY,    /* an array */
	V_STRING,   /* a string */
	V_REGEX,    /* a string literal: compiled at parse time */
	V_BOOL_OPT, /* absent, or a boolean */
};

struct cond {
	enum cond_kind kind;
	char *where;        /* path inside the rule, for misses */
	struct cond **kids; /* all, any: nkids >= 1; not: one */
	size_t nkids;
	/* leaf */
	char *fact;
	int op;             /* index into ops[] */
	json_t *value;      /* literal, or NULL when value_fact is set */
	char *value_fact;   /* "value": {"fact": PATH} */
	regex_t re;         /* matches */
	bool have_re;
	bool exists;        /* exists: the presence wanted */
};

typedef bool (*op_test_fn)(const struct cond *c, const json_t *actual, const json_t *expected);

struct op_desc {
	const char *name;
	enum value_rule value;
	op_test_fn test; /* NULL for exists, decided by presence alone */
};

/* --- comparisons ----------------------------------------------------------- */

static bool val_equal(const json_t *a, const json_t *b);

/* Numbers compare by value whatever their JSON type: 2 == 2.0.  Two
 * integers compare exactly, so large ids do not round through double. */
static int num_cmp(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		return (x > y) - (x < y);
	}
	double x = json_number_value(a), y = json_number_value(b);
	return (x > y) - (x < y);
}

/* Strings compare bytewise (UTF-8 order; ISO timestamps sort by time). */
static int str_cmp(const json_t *a, const json_t *b)
{
	size_t na = json_string_length(a), nb = json_string_length(b);
	int r = memcmp(json_string_value(a), json_string_value(b), na < nb ? na : nb);
	if (r)
		return r < 0 ? -1 : 1;
	return (na > nb) - (na < nb);
}

static bool array_equal(const json_t *a, const json_t *b)
{
	if (json_array_size(a) != json_array_size(b))
		return false;
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!val_equal(json_array_get(a, i), json_array_get(b, i)))
			return false;
	return true;
}

static bool object_equal(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;
	if (json_object_size(a) != json_object_size(b))
		return false;
	json_object_foreach((json_t *)a, k, v) {
		const json_t *w = json_object_get(b, k);
		if (!w || !val_equal(v, w))
			return false;
	}
	return true;
}

/* Equality without coercion: values of different JSON types are unequal,
 * except integer and real, which are both numbers. */
static bool val_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return num_cmp(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_string(a))
		return str_cmp(a, b) == 0;
	if (json_is_array(a))
		return array_equal(a, b);
	if (json_is_object(a))
		return object_equal(a, b);
	return true; /* true, false, null: the type is the value */
}

/* Order two values: false when they are not both numbers or both strings. */
static bool ordered(const json_t *a, const json_t *b, int *r)
{
	if (json_is_number(a) && json_is_number(b))
		*r = num_cmp(a, b);
	else if (json_is_string(a) && json_is_string(b))
		*r = str_cmp(a, b);
	else
		return false;
	return true;
}

static bool in_array(const json_t *arr, const json_t *v)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (val_equal(json_array_get(arr, i), v))
			return true;
	return false;
}

static bool t_eq(const struct cond *c, const json_t *a, const json_t *e)
{
	(void)c;
	return val_equal(a, e);
}

static bool t_ne(const struct cond *c, const json_t *a, const json_t *e)
{
	(void)c;
	return !val_equal(a, e);
}

static bool t_lt(const struct cond *c, const json_t *a, const json_t *e)
{
	int r;
	(void)c;
	return ordered(a, e, &r) && r < 0;
}

static bool t_le(const struct cond *c, const json_t *a, const json_t *e)
{
	int r;
	(void)c;
	return ordered(a, e, &r) && r <= 0;
}

static bool t_gt(const struct cond *c, const json_t *a, const json_t *e)
{
	int r;
	(void)c;
	return ordered(a, e, &r) && r > 0;
}

static bool t_ge(const struct cond *c, const json_t *a, const json_t *e)
{
	int r;
	(void)c;
	return ordered(a, e, &r) && r >= 0;
}

static bool t_in(const struct cond *c, const json_t *a, const json_t *e)
{
	(void)c;
	return json_is_array(e) && in_array(e, a);
}

/* Only an array can exclude: a compared fact that is no array fails. */
static bool t_not_in(const struct cond *c, const json_t *a, const json_t *e)
{
	(void)c;
	return json_is_array(e) && !in_array(e, a);
}

/* A substring of a string, or an element of an array. */
static bool t_contains(const struct cond *c, const json_t *a, const json_t *e)
{
	(void)c;
	if (json_is_array(a))
		return in_array(a, e);
	if (!json_is_string(a) || !json_is_string(e))
		return false;
	if (json_string_length(e) == 0)
		return true;
	return memmem(json_string_value(a), json_string_length(a), json_string_value(e),
		      json_string_length(e)) != NULL;
}

static bool t_starts_with(const struct cond *c, const json_t *a, const json_t *e)
{
	(void)c;
	return json_is_string(a) && json_is_string(e) &&
	       json_string_length(a) >= json_string_length(e) &&
	       memcmp(json_string_value(a), json_string_value(e), json_string_length(e)) == 0;
}

static bool t_matches(const struct cond *c, const json_t *a, const json_t *e)
{
	(void)e;
	return json_is_string(a) && regexec(&c->re, json_string_value(a), 0, NULL, 0) == 0;
}

static const struct op_desc ops[] = {
	{ "==", V_ANY, t_eq },
	{ "!=", V_ANY, t_ne },
	{ "<", V_ORDERED, t_lt },
	{ "<=", V_ORDERED, t_le },
	{ ">", V_ORDERED, t_gt },
	{ ">=", V_ORDERED, t_ge },
	{ "in", V_ARRAY, t_in },
	{ "not_in", V_ARRAY, t_not_in },
	{ "contains", V_ANY, t_contains },
	{ "starts_with", V_STRING, t_starts_with },
	{ "matches", V_REGEX, t_matches },
	{ "exists", V_BOOL_OPT, NULL },
};
#define NOPS (int)(sizeof ops / sizeof *ops)

static int op_find(const char *name)
{
	for (int i = 0; i < NOPS; i++)
		if (strcmp(ops[i].name, name) == 0)
			return i;
	return -1;
}

/* --- facts ----------------------------------------------------------------- */

bool facts_path_ok(const char *s, size_t n)
{
	size_t seg = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (seg == 0)
				return false;
			seg = 0;
		} else if (s[i] == '\0' || strchr(" \t\r\n{}", s[i])) {
			return false;
		} else {
			seg++;
		}
	}
	return seg > 0;
}

/* One step below v: an object member, or an array element by index. */
static json_t *fact_step(json_t *v, const char *seg, size_t n)
{
	if (json_is_object(v))
		return json_object_getn(v, seg, n);
	if (!json_is_array(v) || n == 0 || n > 9)
		return NULL;
	size_t i = 0;
	for (size_t k = 0; k < n; k++) {
		if (seg[k] < '0' || seg[k] > '9')
			return NULL;
		i = i * 10 + (size_t)(seg[k] - '0');
	}
	return json_array_get(v, i);
}

json_t *facts_get(const struct facts *facts, const char *path)
{
	if (!facts || !facts->root || !path || !facts_path_ok(path, strlen(path)))
		return NULL;
	size_t n = strcspn(path, ".");
	char *root = xstrndup(path, n);
	json_t *v = facts->root(facts->ctx, root);
	free(root);
	while (v && path[n] == '.') {
		path += n + 1;
		n = strcspn(path, ".");
		v = fact_step(v, path, n);
	}
	return v;
}

/* --- parsing --------------------------------------------------------------- */

struct cparse {
	const struct cond_parser *p;
	bool failed;
};

static void bad(struct cparse *cp, int node, bool key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void bad(struct cparse *cp, int node, bool key, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	cp->p->report(cp->p->arg, node, key, msg ? msg : "out of memory");
	free(msg);
	cp->failed = true;
}

static struct cond *cond_new(enum cond_kind kind, const char *where)
{
	struct cond *c = xcalloc(1, sizeof *c);
	c->kind = kind;
	c->where = xstrdup(where);
	return c;
}

/* A fact path member: required, a string, well-formed. */
static char *parse_fact_path(struct cparse *cp, const json_t *v, int node)
{
	if (!json_is_string(v)) {
		bad(cp, node, false, "'fact' must be a string");
		return NULL;
	}
	if (!facts_path_ok(json_string_value(v), json_string_length(v))) {
		bad(cp, node, false, "bad fact path '%.80s': dot-separated names expected",
		    json_string_value(v));
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

/* "value": {"fact": PATH} compares with another fact. */
static bool is_fact_ref(const json_t *v)
{
	return json_is_object(v) && json_object_get(v, "fact");
}

static void parse_fact_ref(struct cparse *cp, struct cond *c, const json_t *v, int node)
{
	const char *k;
	json_t *m;
	json_object_foreach((json_t *)v, k, m) {
		if (strcmp(k, "fact") != 0)
			bad(cp, json_pos_member(cp->p->pos, node, k), true,
			    "unknown field '%.60s' in fact reference", k);
	}
	c->value_fact = parse_fact_path(cp, json_object_get(v, "fact"),
					json_pos_member(cp->p->pos, node, "fact"));
}

/* --- regular expression limits ---------------------------------------------
 * glibc's regcomp expands bounded repetition by copying: "a{1,32767}" takes
 * gigabytes and many seconds, "(a{1,100}){1,100}" a gigabyte.  Before
 * compiling, estimate the expanded size and refuse large ones; rule
 * patterns never need them.  Back-references (a glibc extension to ERE)
 * are refused too: they make matching exponential. */
#define RX_MAX_COST 1000
#define RX_MAX_GROUPS 32

struct rx_frame {
	size_t sum;  /* expanded size of the group so far */
	size_t last; /* size of its last atom, which a repetition multiplies */
};

static size_t sat(size_t v)
{
	return v > RX_MAX_COST ? RX_MAX_COST + 1 : v;
}

static void rx_atom(struct rx_frame *f, size_t n)
{
	f->last = n;
	f->sum = sat(f->sum + n);
}

static void rx_repeat(struct rx_frame *f, size_t k)
{
	f->sum = sat(f->sum + f->last * (k - 1));
	f->last = sat(f->last * k);
}

static size_t rx_number(const char **sp)
{
	size_t v = 0;
	for (; **sp >= '0' && **sp <= '9'; ++*sp)
		v = sat(v * 10 + (size_t)(**sp - '0'));
	return v;
}

/* A bound "{m}", "{m,}" or "{m,n}" at *sp: its largest count (at least 1),
 * with *sp moved past it; 0 when *sp holds no bound. */
static size_t rx_bound(const char **sp)
{
	const char *s = *sp + 1;
	if (*s < '0' || *s > '9')
		return 0;
	size_t m = rx_number(&s), n = m;
	if (*s == ',') {
		s++;
		n = *s >= '0' && *s <= '9' ? rx_number(&s) : m + 1; /* {m,}: at least one more */
	}
	if (*s != '}')
		return 0;
	*sp = s + 1;
	n = n > m ? n : m;
	return n ? sat(n) : 1;
}

/* Past a bracket expression opening at s; regcomp judges its content. */
static const char *rx_bracket(const char *s)
{
	s++;
	s += *s == '^';
	s += *s == ']';
	while (*s && *s != ']') {
		if (*s == '[' && s[1] && strchr(":=.", s[1])) {
			const char *e = strchr(s + 2, s[1]);
			while (e && e[1] != ']')
				e = strchr(e + 1, s[1]);
			s = e ? e + 2 : s + strlen(s);
		} else {
			s++;
		}
	}
	return *s ? s + 1 : s;
}

/* One token of pattern s into the frames; returns the next token. */
static const char *rx_token(const char *s, struct rx_frame *st, int *d)
{
	struct rx_frame *f = &st[*d];
	size_t k;
	switch (*s) {
	case '(':
		st[++*d] = (struct rx_frame){ 0, 0 };
		return s + 1;
	case ')':
		if (*d > 0) {
			--*d;
			rx_atom(&st[*d], f->sum);
		} else {
			rx_atom(f, 1);
		}
		return s + 1;
	case '{':
		k = rx_bound(&s);
		if (k == 0) {
			rx_atom(f, 1); /* a literal brace */
			return s + 1;
		}
		rx_repeat(f, k);
		return s;
	case '+':
		rx_repeat(f, 2);
		return s + 1;
	case '*':
	case '?':
		return s + 1;
	case '|':
		f->last = 0;
		return s + 1;
	case '[':
		rx_atom(f, 1);
		return rx_bracket(s);
	case '\\':
		rx_atom(f, 1);
		return s + (s[1] ? 2 : 1);
	default:
		rx_atom(f, 1);
		return s + 1;
	}
}

/* Why pattern s is refused before regcomp sees it, or NULL. */
static const char *rx_refuse(const char *s)
{
	struct rx_frame st[RX_MAX_GROUPS + 1] = { { 0, 0 } };
	size_t total = 0;
	int d = 0;
	for (const char *b = strchr(s, '\\'); b; b = strchr(b + 2, '\\')) {
		if (b[1] >= '1' && b[1] <= '9')
			return "back-references are not supported";
		if (!b[1])
			break;
	}
	while (*s) {
		if (*s == '(' && d == RX_MAX_GROUPS)
			return "too complex: groups nest deeper than 32";
		s = rx_token(s, st, &d);
	}
	for (int i = 0; i <= d; i++)
		total = sat(total + st[i].sum);
	return total > RX_MAX_COST ? "too complex: repetition expands beyond 1000 elements" : NULL;
}

static void compile_regex(struct cparse *cp, struct cond *c, const json_t *v, int node)
{
	char err[256];
	if (!json_is_string(v)) {
		bad(cp, node, false, "'value' of 'matches' must be a string (a regular expression)");
		return;
	}
	const char *why = rx_refuse(json_string_value(v));
	if (why) {
		bad(cp, node, false, "bad regular expression: %s", why);
		return;
	}
	int rc = regcomp(&c->re, json_string_value(v), REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &c->re, err, sizeof err);
		bad(cp, node, false, "bad regular expression: %s", err);
		return;
	}
	c->have_re = true;
}

/* Check "value" against what the operator takes. */
static void parse_value(struct cparse *cp, struct cond *c, const json_t *v, int node)
{
	const struct op_desc *op = &ops[c->op];
	if (op->value == V_BOOL_OPT) {
		if (v && !json_is_boolean(v))
			bad(cp, node, false, "'value' of 'exists' must be true or false");
		c->exists = !v || json_is_true(v);
		return;
	}
	if (op->value == V_REGEX) {
		compile_regex(cp, c, v, node);
		c->value = json_deep_copy(v); /* the pattern, for misses */
		return;
	}
	if (is_fact_ref(v)) {
		parse_fact_ref(cp, c, v, node);
		return;
	}
	if (op->value == V_ORDERED && !json_is_number(v) && !json_is_string(v))
		bad(cp, node, false, "'value' of '%s' must be a number or a string", op->name);
	else if (op->value == V_ARRAY && !json_is_array(v))
		bad(cp, node, false, "'value' of '%s' must be an array", op->name);
	else if (op->value == V_STRING && !json_is_string(v))
		bad(cp, node, false, "'value' of '%s' must be a string", op->name);
	else
		c->value = json_deep_copy(v);
}

/* Members a leaf may have besides fact, op and value: none. */
static void leaf_fields(struct cparse *cp, const json_t *j, int node)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)j, k, v) {
		if (strcmp(k, "fact") && strcmp(k, "op") && strcmp(k, "value"))
			bad(cp, json_pos_member(cp->p->pos, node, k), true,
			    "unknown field '%.60s' in condition", k);
	}
}

static struct cond *parse_leaf(struct cparse *cp, const json_t *j, int node, const char *where)
{
	const struct json_pos *pos = cp->p->pos;
	struct cond *c = cond_new(COND_LEAF, where);
	const json_t *op = json_object_get(j, "op");
	leaf_fields(cp, j, node);
	c->fact = parse_fact_path(cp, json_object_get(j, "fact"), json_pos_member(pos, node, "fact"));
	c->op = json_is_string(op) ? op_find(json_string_value(op)) : -1;
	if (!op)
		bad(cp, node, false, "missing required field 'op' in condition");
	else if (!json_is_string(op))
		bad(cp, json_pos_member(pos, node, "op"), false, "'op' must be a string");
	else if (c->op < 0)
		bad(cp, json_pos_member(pos, node, "op"), false,
		    "unknown operator '%.40s' (one of == != < <= > >= in not_in contains "
		    "starts_with matches exists)", json_string_value(op));
	if (c->op < 0)
		return c;
	const json_t *v = json_object_get(j, "value");
	if (!v && ops[c->op].value != V_BOOL_OPT)
		bad(cp, node, false, "missing required field 'value' in condition");
	else
		parse_value(cp, c, v, json_pos_member(pos, node, "value"));
	return c;
}

static struct cond *parse_node(struct cparse *cp, const json_t *j, int node, const char *where,
			       int depth);

/* all / any: a non-empty array of conditions. */
static struct cond *parse_group(struct cparse *cp, enum cond_kind kind, const json_t *arr,
				int node, const char *where, int depth)
{
	const char *name = kind == COND_ALL ? "all" : "any";
	struct cond *c = cond_new(kind, where);
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		bad(cp, node, false, "'%s' must be a non-empty array of conditions", name);
		return c;
	}
	c->nkids = json_array_size(arr);
	c->kids = xcalloc(c->nkids, sizeof *c->kids);
	for (size_t i = 0; i < c->nkids; i++) {
		char *w = xasprintf("%s.%s[%zu]", where, name, i);
		c->kids[i] = parse_node(cp, json_array_get(arr, i),
					json_pos_element(cp->p->pos, node, i), w, depth + 1);
		free(w);
	}
	return c;
}

static struct cond *parse_not(struct cparse *cp, const json_t *v, int node, const char *where,
			      int depth)
{
	struct cond *c = cond_new(COND_NOT, where);
	char *w = xasprintf("%s.not", where);
	c->nkids = 1;
	c->kids = xcalloc(1, sizeof *c->kids);
	c->kids[0] = parse_node(cp, v, node, w, depth + 1);
	free(w);
	return c;
}

static const char *const forms[] = { "all", "any", "not", "fact" };

/* Which form a condition object takes; reports keys that combine forms. */
static int cond_form(struct cparse *cp, const json_t *j, int node)
{
	int form = -1;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)j, k, v) {
		for (int f = 0; f < 4; f++) {
			if (strcmp(k, forms[f]) != 0)
				continue;
			if (form < 0)
				form = f;
			else
				bad(cp, json_pos_member(cp->p->pos, node, k), true,
				    "'%s' cannot be combined with '%s' in one condition", k,
				    forms[form]);
		}
	}
	if (form < 0)
		bad(cp, node, false, "a condition needs 'all', 'any', 'not' or 'fact'");
	return form;
}

/* all/any/not take nothing else (other forms are reported by cond_form). */
static void group_fields(struct cparse *cp, const json_t *j, int node)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)j, k, v) {
		bool form = false;
		for (int f = 0; f < 4; f++)
			form = form || strcmp(k, forms[f]) == 0;
		if (!form)
			bad(cp, json_pos_member(cp->p->pos, node, k), true,
			    "unknown field '%.60s' in condition", k);
	}
}

static struct cond *parse_node(struct cparse *cp, const json_t *j, int node, const char *where,
			       int depth)
{
	if (!json_is_object(j)) {
		bad(cp, node, false, "a condition must be an object");
		return NULL;
	}
	if (depth > COND_MAX_DEPTH) {
		bad(cp, node, false, "conditions nest deeper than %d levels", COND_MAX_DEPTH);
		return NULL;
	}
	int form = cond_form(cp, j, node);
	if (form < 0)
		return NULL;
	if (form == 3)
		return parse_leaf(cp, j, node, where);
	group_fields(cp, j, node);
	const json_t *v = json_object_get(j, forms[form]);
	int vnode = json_pos_member(cp->p->pos, node, forms[form]);
	if (form == 2)
		return parse_not(cp, v, vnode, where, depth);
	return parse_group(cp, form == 0 ? COND_ALL : COND_ANY, v, vnode, where, depth);
}

struct cond *cond_parse(const struct cond_parser *p, const json_t *j, int node, const char *where)
{
	struct cparse cp = { .p = p };
	struct cond *c = parse_node(&cp, j, node, where, 1);
	if (cp.failed) {
		cond_free(c);
		return NULL;
	}
	return c;
}

void cond_free(struct cond *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nkids; i++)
		cond_free(c->kids[i]);
	free(c->kids);
	free(c->where);
	free(c->fact);
	json_decref(c->value);
	free(c->value_fact);
	if (c->have_re)
		regfree(&c->re);
	free(c);
}

/* --- evaluation ------------------------------------------------------------ */

static json_t *copy_or_null(const json_t *v)
{
	return v ? json_deep_copy(v) : NULL;
}

/* Record why leaf c failed (or, negated, why the "not" around it did). */
static void miss_leaf(struct rule_miss *m, const struct cond *c, const char *where,
		      const json_t *actual, const json_t *expected, bool negated)
{
	m->where = xstrdup(where);
	m->fact = xstrdup(c->fact);
	m->op = ops[c->op].name;
	m->expected = ops[c->op].test ? copy_or_null(expected) : NULL;
	m->actual = copy_or_null(actual);
	m->expected_fact = c->value_fact ? xstrdup(c->value_fact) : NULL;
	m->negated = negated;
}

/* A leaf's verdict; also returns the values compared, for misses. */
static bool leaf_holds(const struct cond *c, const struct facts *facts, const json_t **actual,
		       const json_t **expected)
{
	const struct op_desc *op = &ops[c->op];
	*actual = facts_get(facts, c->fact);
	*expected = c->value_fact ? facts_get(facts, c->value_fact) : c->value;
	if (!op->test)
		return (*actual != NULL) == c->exists;
	/* A missing fact fails every comparison, "!=" and "not_in" included. */
	return *actual && *expected && op->test(c, *actual, *expected);
}

static bool eval(const struct cond *c, const struct facts *facts, struct rule_miss *m);

/* A "not" fails when what it negates holds; the miss names the not. */
static bool eval_not(const struct cond *c, const struct facts *facts, struct rule_miss *m)
{
	const struct cond *kid = c->kids[0];
	const json_t *actual = NULL, *expected = NULL;
	bool held = kid->kind == COND_LEAF ? leaf_holds(kid, facts, &actual, &expected)
					   : eval(kid, facts, NULL);
	if (!held || !m)
		return !held;
	/* Named by what it negates: "when.not". */
	if (kid->kind == COND_LEAF) {
		miss_leaf(m, kid, kid->where, actual, expected, true);
	} else {
		static const char *const names[] = { "all", "any", "not" };
		m->where = xstrdup(kid->where);
		m->op = names[kid->kind];
		m->negated = true;
	}
	return false;
}

static bool eval(const struct cond *c, const struct facts *facts, struct rule_miss *m)
{
	const json_t *actual, *expected;
	switch (c->kind) {
	case COND_ALL:
		for (size_t i = 0; i < c->nkids; i++)
			if (!eval(c->kids[i], facts, m))
				return false;
		return true;
	case COND_ANY:
		/* Explain a failed any by its first alternative. */
		for (size_t i = 0; i < c->nkids; i++) {
			if (eval(c->kids[i], facts, i == 0 ? m : NULL)) {
				if (m)
					rule_miss_clear(m);
				return true;
			}
		}
		return false;
	case COND_NOT:
		return eval_not(c, facts, m);
	case COND_LEAF:
		break;
	}
	if (leaf_holds(c, facts, &actual, &expected))
		return true;
	if (m)
		miss_leaf(m, c, c->where, actual, expected, false);
	return false;
}

bool cond_eval(const struct cond *c, const struct facts *facts, struct rule_miss *miss)
{
	if (miss)
		*miss = (struct rule_miss){ 0 };
	return !c || eval(c, facts, miss);
}

void rule_miss_clear(struct rule_miss *miss)
{
	if (!miss)
		return;
	free(miss->where);
	free(miss->fact);
	json_decref(miss->expected);
	json_decref(miss->actual);
	free(miss->expected_fact);
	*miss = (struct rule_miss){ 0 };
}

/* A value as compact JSON, cut at a readable length; "missing" for NULL. */
static char *show(const json_t *v)
{
	enum { MAX = 120 };
	if (!v)
		return xstrdup("missing");
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (!s)
		return xstrdup("?");
	char *out = strlen(s) > MAX ? xasprintf("%.*s...", MAX, s) : xstrdup(s);
	free(s);
	return out;
}

/* exists keeps no expected value: what was wanted follows from the outcome
 * (a failed exists found nothing; a negated one held). */
static char *show_exists(const struct rule_miss *m)
{
	bool want = m->negated ? m->actual != NULL : m->actual == NULL;
	return xasprintf("%s exists%s", m->fact, want ? "" : " false");
}

/* "FACT OP VALUE": the comparison as the rule wrote it. */
static char *show_test(const struct rule_miss *m)
{
	if (strcmp(m->op, "exists") == 0)
		return show_exists(m);
	char *e = show(m->expected);
	char *s = m->expected_fact ? xasprintf("%s %s %s (%s)", m->fact, m->op, m->expected_fact, e)
				   : xasprintf("%s %s %s", m->fact, m->op, e);
	free(e);
	return s;
}

char *rule_miss_describe(const struct rule_miss *miss)
{
	if (!miss || !miss->where || !miss->op)
		return xstrdup("no miss");
	if (!miss->fact)
		return xasprintf("%s: not (%s ...) failed: the negated condition held", miss->where,
				 miss->op);
	char *test = show_test(miss);
	char *actual = show(miss->actual);
	char *s = xasprintf(miss->negated ? "%s: not (%s) failed: actual %s"
					  : "%s: %s failed: actual %s",
			    miss->where, test, actual);
	free(test);
	free(actual);
	return s;
}
