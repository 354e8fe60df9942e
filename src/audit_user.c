/* audit_user.c - the operator's own checks, suggested and run. */
#include "audit_user.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit_profile.h"
#include "store_audit.h"
#include "xalloc.h"

enum kind { K_NOT_NULL, K_UNIQUE, K_RANGE, K_IN, K_PATTERN, K_COUNT };

static const struct {
	const char *name, *dimension;
} kinds[K_COUNT] = {
	[K_NOT_NULL] = { "not_null", "completeness" },
	[K_UNIQUE] = { "unique", "uniqueness" },
	[K_RANGE] = { "range", "validity" },
	[K_IN] = { "in", "validity" },
	[K_PATTERN] = { "pattern", "validity" },
};

/* Values seen by a unique check: open addressing over an entry array.
 * Memory: every distinct value and one pending row per value seen stay
 * until the scan ends, so it grows with the table (exactness needs it). */
struct entry {
	char *key;
	size_t len;
	long count;
};

struct pending {
	struct audit_row row;
	size_t entry;
};

struct valueset {
	struct entry *e;
	size_t n, cap;
	size_t *slot; /* entry index + 1; 0: empty */
	size_t nslot;
	struct pending *rows;
	size_t nrows, caprows;
};

struct check {
	struct audit_check c; /* name, dimension, severity, table, message */
	char *column;
	enum kind kind;
	double min, max;
	char **values;
	size_t nvalues;
	char *pattern;
	int col; /* index in the scan */
	/* results of a run */
	struct audit_row *fail;
	size_t nfail, capfail;
	struct audit_source_count *per;
	size_t nper;
	struct valueset seen;
};

struct user_checks {
	struct check *c;
	size_t n;
};

/* --- parsing --------------------------------------------------------------- */

static enum kind kind_named(const char *s)
{
	for (int k = 0; k < K_COUNT; k++)
		if (s && strcmp(kinds[k].name, s) == 0)
			return (enum kind)k;
	return K_COUNT;
}

static bool has_column(json_t *names, const char *column)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v) {
		if (strcmp(json_string_value(v), column) == 0)
			return true;
	}
	return false;
}

/* A listed value's text form: strings as they are, numbers as the profile
 * prints them, so a suggested list matches the values it came from. */
static char *value_text(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	char buf[48];
	struct prof_value pv = json_is_integer(v)
		? (struct prof_value){ .type = PROF_INT, .i = json_integer_value(v) }
		: (struct prof_value){ .type = PROF_REAL, .r = json_real_value(v) };
	profile_text_form(&pv, buf, sizeof buf);
	return xstrdup(buf);
}

/* The kind's own fields; NULL, or what is wrong with them. */
static const char *parse_fields(struct check *c, json_t *o)
{
	json_t *v;
	size_t i;
	switch (c->kind) {
	case K_RANGE:
		if (!json_is_number(json_object_get(o, "min")) ||
		    !json_is_number(json_object_get(o, "max")))
			return "range needs numbers \"min\" and \"max\"";
		c->min = json_number_value(json_object_get(o, "min"));
		c->max = json_number_value(json_object_get(o, "max"));
		return NULL;
	case K_IN:
		if (!json_is_array(json_object_get(o, "values")))
			return "in needs an array \"values\"";
		json_array_foreach(json_object_get(o, "values"), i, v) {
			if (!json_is_string(v) && !json_is_number(v))
				return "\"values\" holds strings and numbers only";
		}
		c->nvalues = json_array_size(json_object_get(o, "values"));
		c->values = xcalloc(c->nvalues + 1, sizeof *c->values);
		json_array_foreach(json_object_get(o, "values"), i, v) {
			c->values[i] = value_text(v);
		}
		return NULL;
	case K_PATTERN:
		if (!json_is_string(json_object_get(o, "pattern")))
			return "pattern needs a string \"pattern\"";
		c->pattern = xstrdup(json_string_value(json_object_get(o, "pattern")));
		return NULL;
	default:
		return NULL;
	}
}

static char *describe(const struct check *c, const char *base)
{
	const char *t = c->c.table, *col = c->column;
	switch (c->kind) {
	case K_NOT_NULL:
		return xasprintf("%s.%s is null or blank (%s)", t, col, base);
	case K_UNIQUE:
		return xasprintf("%s.%s repeats a value (%s)", t, col, base);
	case K_RANGE:
		return xasprintf("%s.%s is not a number in [%g, %g] (%s)", t, col, c->min, c->max,
				 base);
	case K_IN:
		return xasprintf("%s.%s is not one of %zu listed values (%s)", t, col, c->nvalues,
				 base);
	default:
		return xasprintf("%s.%s does not have the shape %s (%s)", t, col, c->pattern, base);
	}
}

/* One element of "checks"; NULL, or what is wrong with it (allocated). */
static char *parse_check(struct store *st, json_t *o, const char *base, struct check *c)
{
	const char *table = json_string_value(json_object_get(o, "table"));
	const char *column = json_string_value(json_object_get(o, "column"));
	const char *check = json_string_value(json_object_get(o, "check"));
	if (!json_is_object(o) || !table || !column || !check)
		return xstrdup("needs strings \"table\", \"column\" and \"check\"");
	if ((c->kind = kind_named(check)) == K_COUNT)
		return xasprintf("unknown check \"%s\" (not_null, unique, range, in, pattern)", check);
	json_t *names = NULL;
	char *err = NULL;
	if (audit_columns(st, table, &names, &err) != ORR_OK) {
		free(err);
		return xasprintf("unknown table \"%s\"", table);
	}
	bool known = has_column(names, column);
	json_decref(names);
	if (!known)
		return xasprintf("unknown column \"%s\" of %s", column, table);
	c->c.table = xstrdup(table);
	c->column = xstrdup(column);
	const char *bad = parse_fields(c, o);
	if (bad)
		return xstrdup(bad);
	c->c.name = xasprintf("user:%s.%s:%s", table, column, check);
	c->c.dimension = kinds[c->kind].dimension;
	c->c.severity = "warning";
	c->c.message = describe(c, base);
	return NULL;
}

enum orr_rc audit_user_parse(struct store *st, json_t *doc, const char *file,
			     struct user_checks **out, char **err)
{
	json_t *list = json_object_get(doc, "checks");
	if (!json_is_array(list)) {
		*err = xasprintf("%s: not a checks document ({\"checks\": [...]})", file);
		return ORR_DATAERR;
	}
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	struct user_checks *u = xcalloc(1, sizeof *u);
	u->c = xcalloc(json_array_size(list) + 1, sizeof *u->c);
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) {
		char *bad = parse_check(st, o, base, &u->c[u->n++]);
		if (bad) {
			*err = xasprintf("%s: checks[%zu]: %s", file, i, bad);
			free(bad);
			audit_user_free(u);
			return ORR_DATAERR;
		}
	}
	*out = u;
	return ORR_OK;
}

static void valueset_free(struct valueset *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->e[i].key);
	free(vs->e);
	free(vs->slot);
	free(vs->rows);
	*vs = (struct valueset){ 0 };
}

void audit_user_free(struct user_checks *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		struct check *c = &u->c[i];
		free((char *)c->c.name);
		free((char *)c->c.table);
		free((char *)c->c.message);
		free(c->column);
		for (size_t v = 0; v < c->nvalues; v++)
			free(c->values[v]);
		free(c->values);
		free(c->pattern);
		free(c->fail);
		free(c->per);
		valueset_free(&c->seen);
	}
	free(u->c);
	free(u);
}

/* --- running --------------------------------------------------------------- */

static struct audit_source_count *source_count(struct check *c, int64_t source_id)
{
	for (size_t i = 0; i < c->nper; i++)
		if (c->per[i].source_id == source_id)
			return &c->per[i];
	c->per = xrealloc(c->per, (c->nper + 1) * sizeof *c->per);
	c->per[c->nper] = (struct audit_source_count){ .source_id = source_id };
	return &c->per[c->nper++];
}

static void fail_row(struct check *c, struct audit_row row)
{
	if (c->nfail == c->capfail) {
		c->capfail = c->capfail ? c->capfail * 2 : 64;
		c->fail = xrealloc(c->fail, c->capfail * sizeof *c->fail);
	}
	c->fail[c->nfail++] = row;
	source_count(c, row.source_id)->failing++;
}

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void valueset_grow(struct valueset *vs)
{
	free(vs->slot);
	vs->nslot = vs->nslot ? vs->nslot * 2 : 1024;
	vs->slot = xcalloc(vs->nslot, sizeof *vs->slot);
	for (size_t i = 0; i < vs->n; i++) {
		size_t j = fnv1a(vs->e[i].key, vs->e[i].len) & (vs->nslot - 1);
		while (vs->slot[j])
			j = (j + 1) & (vs->nslot - 1);
		vs->slot[j] = i + 1;
	}
}

/* The entry of a key, added on first sight; its count goes up. */
static size_t valueset_add(struct valueset *vs, const char *key, size_t len)
{
	if (2 * (vs->n + 1) > vs->nslot)
		valueset_grow(vs);
	size_t j = fnv1a(key, len) & (vs->nslot - 1);
	for (; vs->slot[j]; j = (j + 1) & (vs->nslot - 1)) {
		struct entry *e = &vs->e[vs->slot[j] - 1];
		if (e->len == len && memcmp(e->key, key, len) == 0) {
			e->count++;
			return vs->slot[j] - 1;
		}
	}
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 256;
		vs->e = xrealloc(vs->e, vs->cap * sizeof *vs->e);
	}
	char *copy = xmalloc(len + 1);
	memcpy(copy, key, len);
	vs->e[vs->n] = (struct entry){ copy, len, 1 };
	vs->slot[j] = vs->n + 1;
	return vs->n++;
}

/* Storage classes stay apart, as in the profile: 42, 42.0 and '42' are
 * three values. */
static void unique_note(struct check *c, const struct prof_value *v, struct audit_row row)
{
	char key[1 + 8];
	size_t entry;
	if (v->type == PROF_TEXT) {
		char *k = xmalloc(v->len + 1);
		k[0] = 'T';
		if (v->len)
			memcpy(k + 1, v->s, v->len);
		entry = valueset_add(&c->seen, k, v->len + 1);
		free(k);
	} else {
		double r = v->r == 0 ? 0.0 : v->r;
		key[0] = v->type == PROF_INT ? 'I' : 'R';
		memcpy(key + 1, v->type == PROF_INT ? (const void *)&v->i : (const void *)&r, 8);
		entry = valueset_add(&c->seen, key, sizeof key);
	}
	struct valueset *vs = &c->seen;
	if (vs->nrows == vs->caprows) {
		vs->caprows = vs->caprows ? vs->caprows * 2 : 256;
		vs->rows = xrealloc(vs->rows, vs->caprows * sizeof *vs->rows);
	}
	vs->rows[vs->nrows++] = (struct pending){ row, entry };
}

static bool is_blank(const struct prof_value *v)
{
	if (v->type != PROF_TEXT)
		return false;
	for (size_t i = 0; i < v->len; i++)
		if (v->s[i] != ' ' && (v->s[i] < '\t' || v->s[i] > '\r'))
			return false;
	return true;
}

/* A number, from a number or from text that is one whole. */
static bool numeric(const struct prof_value *v, double *out)
{
	if (v->type != PROF_TEXT) {
		*out = v->type == PROF_INT ? (double)v->i : v->r;
		return true;
	}
	if (v->len == 0 || v->len > 63 || v->s[0] == ' ' || (v->s[0] >= '\t' && v->s[0] <= '\r'))
		return false;
	char buf[64], *end;
	memcpy(buf, v->s, v->len);
	buf[v->len] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out);
}

/* The text form: text as it is, numbers as the profile prints them. */
static const char *text_form(const struct prof_value *v, char *buf, size_t size, size_t *len)
{
	if (v->type == PROF_TEXT) {
		*len = v->len;
		return v->s ? v->s : "";
	}
	*len = profile_text_form(v, buf, size);
	return buf;
}

static bool listed(const struct check *c, const char *s, size_t len)
{
	for (size_t i = 0; i < c->nvalues; i++)
		if (strlen(c->values[i]) == len && memcmp(c->values[i], s, len) == 0)
			return true;
	return false;
}

/* Whether a non-null value fails a check other than unique. */
static bool fails(const struct check *c, const struct prof_value *v)
{
	char buf[48], shape[PROF_SHAPE_BUF];
	size_t len;
	double d;
	switch (c->kind) {
	case K_NOT_NULL:
		return is_blank(v);
	case K_RANGE:
		return !numeric(v, &d) || d < c->min || d > c->max;
	case K_IN: {
		const char *s = text_form(v, buf, sizeof buf, &len);
		return !listed(c, s, len);
	}
	case K_PATTERN: {
		if (is_blank(v))
			return false;
		const char *s = text_form(v, buf, sizeof buf, &len);
		profile_shape(s, len, shape, sizeof shape);
		return strcmp(shape, c->pattern) != 0;
	}
	default:
		return false;
	}
}

static void check_row(struct check *c, const struct prof_value *v, struct audit_row row)
{
	source_count(c, row.source_id)->checked++;
	if (v->type == PROF_NULL) {
		if (c->kind == K_NOT_NULL)
			fail_row(c, row);
		return;
	}
	if (c->kind == K_UNIQUE)
		unique_note(c, v, row);
	else if (fails(c, v))
		fail_row(c, row);
}

/* The checks of one table, fed by one scan. */
struct table_run {
	struct check **c;
	size_t n;
	int id_col, src_col;
};

static int column_index(int ncols, const char *const *names, const char *name)
{
	for (int i = 0; i < ncols; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static void table_row(void *ctx, int ncols, const char *const *names,
		      const struct prof_value *vals)
{
	struct table_run *t = ctx;
	if (t->id_col < 0) {
		t->id_col = column_index(ncols, names, "id");
		t->src_col = column_index(ncols, names, "source_id");
		for (size_t i = 0; i < t->n; i++)
			t->c[i]->col = column_index(ncols, names, t->c[i]->column);
	}
	const struct prof_value *src = t->src_col >= 0 ? &vals[t->src_col] : NULL;
	struct audit_row row = { t->id_col >= 0 ? vals[t->id_col].i : 0,
				 src && src->type == PROF_INT ? src->i : 0 };
	for (size_t i = 0; i < t->n; i++)
		if (t->c[i]->col >= 0)
			check_row(t->c[i], &vals[t->c[i]->col], row);
}

/* After the scan: every row of a repeated value fails, in scan order. */
static void unique_settle(struct check *c)
{
	struct valueset *vs = &c->seen;
	for (size_t i = 0; i < vs->nrows; i++)
		if (vs->e[vs->rows[i].entry].count > 1)
			fail_row(c, vs->rows[i].row);
	valueset_free(vs);
}

static enum orr_rc record(struct store *st, int64_t run_id, struct check *c, char **err)
{
	if (c->kind == K_UNIQUE)
		unique_settle(c);
	enum orr_rc rc = audit_record_computed(st, run_id, &c->c, c->fail, c->nfail, c->per,
					       c->nper, err);
	free(c->fail);
	free(c->per);
	c->fail = NULL;
	c->per = NULL;
	c->nfail = c->capfail = c->nper = 0;
	return rc;
}

/* The checks on the table of u->c[first] not run yet, scanned at once; the
 * scan's rows are gathered first and written after, as a write during an
 * open read of the same database is not safe. */
static enum orr_rc run_table(struct store *st, int64_t run_id, struct user_checks *u,
			     size_t first, bool *done, char **err)
{
	struct table_run t = { .c = xcalloc(u->n, sizeof *t.c), .id_col = -1, .src_col = -1 };
	for (size_t i = first; i < u->n; i++)
		if (!done[i] && strcmp(u->c[i].c.table, u->c[first].c.table) == 0) {
			t.c[t.n++] = &u->c[i];
			done[i] = true;
		}
	enum orr_rc rc = audit_scan(st, u->c[first].c.table, table_row, &t, err);
	for (size_t i = 0; i < t.n && rc == ORR_OK; i++)
		rc = record(st, run_id, t.c[i], err);
	free(t.c);
	return rc;
}

enum orr_rc audit_user_run(struct store *st, int64_t run_id, struct user_checks *u, char **err)
{
	bool *done = xcalloc(u->n + 1, sizeof *done);
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < u->n && rc == ORR_OK; i++)
		if (!done[i])
			rc = run_table(st, run_id, u, i, done, err);
	free(done);
	return rc;
}

/* --- suggestions ----------------------------------------------------------- */

static json_int_t count_of(json_t *col, const char *key)
{
	return json_integer_value(json_object_get(col, key));
}

static json_t *suggestion(const char *table, const char *column, enum kind k)
{
	return json_pack("{ssssss}", "table", table, "column", column, "check", kinds[k].name);
}

static json_t *top_values(json_t *col)
{
	json_t *values = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(col, "top"), i, t) {
		json_array_append(values, json_object_get(t, "value"));
	}
	return values;
}

/* What one column's profile supports, in the order of the kinds. */
static void suggest_column(json_t *out, const char *table, json_t *col)
{
	const char *name = json_string_value(json_object_get(col, "name"));
	const char *type = json_string_value(json_object_get(col, "type"));
	const char *pattern = json_string_value(json_object_get(col, "pattern"));
	json_int_t records = count_of(col, "records"), nulls = count_of(col, "nulls");
	/* a column with no value at all would only get checks that cannot fail */
	if (!name || !type || strcmp(name, "id") == 0 || strcmp(name, "source_id") == 0 ||
	    strcmp(type, "empty") == 0)
		return;
	if (records > 0 && nulls == 0 && count_of(col, "blanks") == 0)
		json_array_append_new(out, suggestion(table, name, K_NOT_NULL));
	if (json_is_true(json_object_get(col, "distinct_exact")) && records > 1 &&
	    count_of(col, "distinct") == records - nulls)
		json_array_append_new(out, suggestion(table, name, K_UNIQUE));
	if ((strcmp(type, "integer") == 0 || strcmp(type, "real") == 0) &&
	    json_is_number(json_object_get(col, "min")) && json_is_number(json_object_get(col, "max"))) {
		json_t *s = suggestion(table, name, K_RANGE);
		json_object_set(s, "min", json_object_get(col, "min"));
		json_object_set(s, "max", json_object_get(col, "max"));
		json_array_append_new(out, s);
	}
	if (json_is_true(json_object_get(col, "top_exact")) && count_of(col, "distinct") <= 5 &&
	    records >= 20) {
		json_t *s = suggestion(table, name, K_IN);
		json_object_set_new(s, "values", top_values(col));
		json_array_append_new(out, s);
	}
	if (strcmp(type, "text") == 0 && pattern && !strstr(pattern, "\xE2\x80\xA6") &&
	    json_number_value(json_object_get(col, "pattern_share")) >= 0.99) {
		json_t *s = suggestion(table, name, K_PATTERN);
		json_object_set_new(s, "pattern", json_string(pattern));
		json_array_append_new(out, s);
	}
}

json_t *audit_user_suggest(json_t *profiles)
{
	json_t *checks = json_array();
	size_t i, j;
	json_t *t, *col;
	json_array_foreach(profiles, i, t) {
		const char *table = json_string_value(json_object_get(t, "table_name"));
		json_t *profile = json_object_get(t, "profile");
		json_t *parsed = json_is_string(profile)
			? json_loads(json_string_value(profile), 0, NULL) : json_incref(profile);
		json_array_foreach(parsed, j, col) {
			if (table)
				suggest_column(checks, table, col);
		}
		json_decref(parsed);
	}
	return json_pack("{so}", "checks", checks);
}

bool audit_user_check_info(const char *name, char *table, size_t size, const char **dimension)
{
	if (strncmp(name, "user:", 5) != 0)
		return false;
	const char *dot = strchr(name + 5, '.'), *colon = strrchr(name, ':');
	if (!dot || colon < dot)
		return false;
	enum kind k = kind_named(colon + 1);
	if (k == K_COUNT)
		return false;
	snprintf(table, size, "%.*s", (int)(dot - name - 5), name + 5);
	*dimension = kinds[k].dimension;
	return true;
}
