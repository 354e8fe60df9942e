/* rules.c - rule files: parse and check them, load the rule set.
 *
 * A file is parsed by jansson (syntax errors come with its line and
 * column), then walked together with a json_pos index so that every
 * problem found in the tree names the line and column of the value or key
 * at fault.  Parsing goes on after a problem, so one run lists them all. */
#include "rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_pos.h"
#include "xalloc.h"

#define MAX_FILE_BYTES (8 << 20) /* a rule file is small; anything larger is refused */
#define MAX_FILE_DIAGS 100       /* problems listed per file; the rest are counted */

/* --- diagnostics ----------------------------------------------------------- */

/* Append one problem; msg is taken over. */
static void diags_push(struct rule_diags *d, const char *file, int line, int col, char *msg)
{
	d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
	d->v[d->n++] = (struct rule_diag){ .file = xstrdup(file), .line = line, .col = col,
					   .msg = msg };
}

/* Parsing one file. */
struct pctx {
	const char *file;
	struct json_pos *pos;
	struct rule_diags *diags;
	size_t first; /* diags->n when the file began */
	size_t nerr;
	job_kind_known_fn known;
};

static void bad(struct pctx *c, int node, bool key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A problem at node's value (or, with key, at its member name). */
static void bad(struct pctx *c, int node, bool key, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int line, col;
	if (++c->nerr > MAX_FILE_DIAGS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("out of memory");
	va_end(ap);
	json_pos_where(c->pos, node, key, &line, &col);
	diags_push(c->diags, c->file, line, col, msg);
}

static void cond_report(void *arg, int node, bool key, const char *msg)
{
	bad(arg, node, key, "%s", msg);
}

/* Problems are found field by field; list them in reading order. */
static void finish_diags(struct pctx *c)
{
	struct rule_diag *v = c->diags->v;
	for (size_t i = c->first + 1; i < c->diags->n; i++) {
		struct rule_diag d = v[i];
		size_t j = i;
		for (; j > c->first && (v[j - 1].line > d.line ||
					(v[j - 1].line == d.line && v[j - 1].col > d.col)); j--)
			v[j] = v[j - 1];
		v[j] = d;
	}
	if (c->nerr > MAX_FILE_DIAGS)
		diags_push(c->diags, c->file, 0, 0,
			   xasprintf("%zu more problems not shown", c->nerr - MAX_FILE_DIAGS));
}

void rule_diags_free(struct rule_diags *diags)
{
	if (!diags)
		return;
	for (size_t i = 0; i < diags->n; i++) {
		free(diags->v[i].file);
		free(diags->v[i].msg);
	}
	free(diags->v);
	*diags = (struct rule_diags){ 0 };
}

/* --- typed fields ---------------------------------------------------------- */

/* A member of an object and its position; v is NULL when absent. */
struct field {
	const json_t *v;
	int node;
};

static struct field field(const struct pctx *c, const struct field obj, const char *key)
{
	return (struct field){ json_object_get(obj.v, key), json_pos_member(c->pos, obj.node, key) };
}

/* Report every member not in allowed (NULL-terminated), at its name. */
static void check_fields(struct pctx *c, struct field obj, const char *const *allowed,
			 const char *what)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj.v, k, v) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, k) != 0)
			a++;
		if (!*a)
			bad(c, json_pos_member(c->pos, obj.node, k), true,
			    "unknown field '%.60s' in %s", k, what);
	}
}

/* Is a required member there?  Reported at the object when not. */
static bool need(struct pctx *c, struct field f, struct field obj, const char *key,
		 const char *what)
{
	if (!f.v)
		bad(c, obj.node, false, "missing required field '%s' in %s", key, what);
	return f.v != NULL;
}

/* An object member, reported when it is something else. */
static bool is_object(struct pctx *c, struct field f, const char *key)
{
	if (!json_is_object(f.v))
		bad(c, f.node, false, "'%s' must be an object", key);
	return json_is_object(f.v);
}

/* An optional string: a copy, or NULL when absent or wrong. */
static char *read_string(struct pctx *c, struct field f, const char *key, bool nonempty)
{
	if (!f.v)
		return NULL;
	if (!json_is_string(f.v) || (nonempty && json_string_length(f.v) == 0)) {
		bad(c, f.node, false, "'%s' must be a %sstring", key, nonempty ? "non-empty " : "");
		return NULL;
	}
	return xstrdup(json_string_value(f.v));
}

static void read_int(struct pctx *c, struct field f, const char *key, int min, int max, int *out)
{
	if (!f.v)
		return;
	if (!json_is_integer(f.v))
		bad(c, f.node, false, "'%s' must be an integer", key);
	else if (json_integer_value(f.v) < min || json_integer_value(f.v) > max)
		bad(c, f.node, false, "'%s' must be between %d and %d", key, min, max);
	else
		*out = (int)json_integer_value(f.v);
}

static void read_bool(struct pctx *c, struct field f, const char *key, bool *out)
{
	if (!f.v)
		return;
	if (!json_is_boolean(f.v))
		bad(c, f.node, false, "'%s' must be true or false", key);
	else
		*out = json_is_true(f.v);
}

/* A duration: a string rules_parse_duration takes, or whole seconds. */
static void read_duration(struct pctx *c, struct field f, const char *key, int64_t *out)
{
	int64_t ms = -1;
	if (!f.v)
		return;
	if (json_is_string(f.v))
		ms = rules_parse_duration(json_string_value(f.v));
	else if (json_is_integer(f.v) && json_integer_value(f.v) >= 0 &&
		 json_integer_value(f.v) <= INT64_MAX / 1000)
		ms = json_integer_value(f.v) * 1000;
	if (ms < 0)
		bad(c, f.node, false,
		    "'%s' must be a duration: \"500ms\", \"30s\", \"15m\", \"2h\", \"7d\" or "
		    "a number of seconds", key);
	else
		*out = ms;
}

/* Check every string of a template tree, so that expansion later can only
 * fail on missing facts.  Recursion is bounded by jansson's depth cap. */
static void check_template_tree(struct pctx *c, const json_t *v, int node)
{
	char *err;
	const char *k;
	json_t *m;
	if (json_is_string(v) && !tmpl_check(json_string_value(v), &err)) {
		bad(c, node, false, "%s", err);
		free(err);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, m) {
			check_template_tree(c, m, json_pos_member(c->pos, node, k));
		}
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			check_template_tree(c, json_array_get(v, i), json_pos_element(c->pos, node, i));
	}
}

/* An optional template string. */
static char *read_template(struct pctx *c, struct field f, const char *key)
{
	char *s = read_string(c, f, key, false);
	if (s)
		check_template_tree(c, f.v, f.node);
	return s;
}

/* An optional template object; *out keeps its default ({}) unless valid. */
static void read_template_object(struct pctx *c, struct field f, const char *key, json_t **out)
{
	if (!f.v || !is_object(c, f, key))
		return;
	check_template_tree(c, f.v, f.node);
	json_decref(*out);
	*out = json_incref((json_t *)f.v);
}

static struct cond *read_cond(struct pctx *c, struct field f, const char *where)
{
	struct cond_parser cp = { .pos = c->pos, .report = cond_report, .arg = c };
	return f.v ? cond_parse(&cp, f.v, f.node, where) : NULL;
}

/* --- rules ----------------------------------------------------------------- */

static const char *const rule_fields[] = { "name", "description", "on", "when", "then",
	"priority", "group", "inhibits", "enabled", NULL };
static const char *const action_fields[] = { "enqueue", "emit", NULL };
static const char *const enqueue_fields[] = { "kind", "args", "priority", "delay", "key",
	"max_attempts", "approval", NULL };
static const char *const approval_fields[] = { "when", "reason", "expires", NULL };
static const char *const emit_fields[] = { "type", "payload", NULL };
static const char *const inhibits_fields[] = { "rules", "window", NULL };

/* Rule names are identifiers in logs, CLI arguments and file names. */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("._-", *s)))
			return false;
	return true;
}

static void parse_approval(struct pctx *c, struct field f, size_t i, struct rule_action *a)
{
	if (!f.v)
		return;
	a->needs_approval = true;
	if (!is_object(c, f, "approval"))
		return;
	check_fields(c, f, approval_fields, "approval");
	struct field reason = field(c, f, "reason");
	if (need(c, reason, f, "reason", "approval"))
		a->approval_reason = read_template(c, reason, "reason");
	char *where = xasprintf("then[%zu].enqueue.approval.when", i);
	a->approval_when = read_cond(c, field(c, f, "when"), where);
	free(where);
	read_duration(c, field(c, f, "expires"), "expires", &a->approval_expires_ms);
}

static void parse_enqueue(struct pctx *c, struct field f, size_t i, struct rule_action *a)
{
	a->kind = ACTION_ENQUEUE;
	if (!is_object(c, f, "enqueue"))
		return;
	check_fields(c, f, enqueue_fields, "enqueue");
	struct field kind = field(c, f, "kind");
	if (need(c, kind, f, "kind", "enqueue"))
		a->job_kind = read_string(c, kind, "kind", true);
	if (a->job_kind && c->known && !c->known(a->job_kind))
		bad(c, kind.node, false, "unknown job kind '%.60s'", a->job_kind);
	read_template_object(c, field(c, f, "args"), "args", &a->args);
	read_int(c, field(c, f, "priority"), "priority", INT_MIN, INT_MAX, &a->priority);
	read_duration(c, field(c, f, "delay"), "delay", &a->delay_ms);
	a->key = read_template(c, field(c, f, "key"), "key");
	read_int(c, field(c, f, "max_attempts"), "max_attempts", 1, INT_MAX, &a->max_attempts);
	parse_approval(c, field(c, f, "approval"), i, a);
}

static void parse_emit(struct pctx *c, struct field f, struct rule_action *a)
{
	a->kind = ACTION_EMIT;
	if (!is_object(c, f, "emit"))
		return;
	check_fields(c, f, emit_fields, "emit");
	struct field type = field(c, f, "type");
	if (need(c, type, f, "type", "emit"))
		a->emit_type = read_string(c, type, "type", true);
	read_template_object(c, field(c, f, "payload"), "payload", &a->emit_payload);
}

static void parse_action(struct pctx *c, struct field f, size_t i, struct rule_action *a)
{
	/* Both templates exist whatever the kind, so callers never see NULL. */
	a->args = json_object();
	a->emit_payload = json_object();
	if (!json_is_object(f.v)) {
		bad(c, f.node, false, "an action must be an object");
		return;
	}
	check_fields(c, f, action_fields, "action");
	struct field enq = field(c, f, "enqueue"), emit = field(c, f, "emit");
	if (enq.v && emit.v)
		bad(c, f.node, false, "an action takes one of 'enqueue' or 'emit', not both");
	else if (enq.v)
		parse_enqueue(c, enq, i, a);
	else if (emit.v)
		parse_emit(c, emit, a);
	else
		bad(c, f.node, false, "an action needs 'enqueue' or 'emit'");
}

static void parse_then(struct pctx *c, struct field obj, struct rule *r)
{
	struct field f = field(c, obj, "then");
	if (!need(c, f, obj, "then", "rule"))
		return;
	if (!json_is_array(f.v) || json_array_size(f.v) == 0) {
		bad(c, f.node, false, "'then' must be a non-empty array of actions");
		return;
	}
	r->nactions = json_array_size(f.v);
	r->actions = xcalloc(r->nactions, sizeof *r->actions);
	for (size_t i = 0; i < r->nactions; i++) {
		struct field a = { json_array_get(f.v, i), json_pos_element(c->pos, f.node, i) };
		parse_action(c, a, i, &r->actions[i]);
	}
}

/* inhibits.rules: names, with their positions for the whole-set check. */
static void read_inhibit_names(struct pctx *c, struct field f, struct rule *r)
{
	if (!json_is_array(f.v) || json_array_size(f.v) == 0) {
		bad(c, f.node, false, "'rules' must be a non-empty array of rule names");
		return;
	}
	size_t n = json_array_size(f.v);
	r->inhibits = xcalloc(n, sizeof *r->inhibits);
	r->inhibit_pos = xcalloc(2 * n, sizeof *r->inhibit_pos);
	for (size_t i = 0; i < n; i++) {
		struct field e = { json_array_get(f.v, i), json_pos_element(c->pos, f.node, i) };
		char *name = read_string(c, e, "rules[]", true);
		if (!name)
			continue;
		json_pos_where(c->pos, e.node, false, &r->inhibit_pos[2 * r->ninhibits],
			       &r->inhibit_pos[2 * r->ninhibits + 1]);
		r->inhibits[r->ninhibits++] = name;
	}
}

static void parse_inhibits(struct pctx *c, struct field obj, struct rule *r)
{
	struct field f = field(c, obj, "inhibits");
	if (!f.v || !is_object(c, f, "inhibits"))
		return;
	check_fields(c, f, inhibits_fields, "inhibits");
	struct field names = field(c, f, "rules");
	if (need(c, names, f, "rules", "inhibits"))
		read_inhibit_names(c, names, r);
	read_duration(c, field(c, f, "window"), "window", &r->inhibit_window_ms);
}

static void parse_name(struct pctx *c, struct field obj, struct rule *r)
{
	struct field f = field(c, obj, "name");
	if (!need(c, f, obj, "name", "rule"))
		return;
	r->name = read_string(c, f, "name", true);
	if (r->name && !name_ok(r->name))
		bad(c, f.node, false, "'name' must be lowercase letters, digits, '.', '_' or '-': "
		    "'%.60s'", r->name);
	json_pos_where(c->pos, f.node, false, &r->name_line, &r->name_col);
}

static void parse_rule(struct pctx *c, struct field obj, struct rule *r)
{
	r->enabled = true;
	r->file = xstrdup(c->file);
	json_pos_where(c->pos, obj.node, false, &r->line, &r->col);
	if (!json_is_object(obj.v)) {
		bad(c, obj.node, false, "a rule must be an object");
		return;
	}
	check_fields(c, obj, rule_fields, "rule");
	parse_name(c, obj, r);
	r->description = read_string(c, field(c, obj, "description"), "description", false);
	struct field on = field(c, obj, "on");
	if (need(c, on, obj, "on", "rule"))
		r->on = read_string(c, on, "on", true);
	r->when = read_cond(c, field(c, obj, "when"), "when");
	parse_then(c, obj, r);
	read_int(c, field(c, obj, "priority"), "priority", INT_MIN, INT_MAX, &r->priority);
	r->group = read_string(c, field(c, obj, "group"), "group", true);
	parse_inhibits(c, obj, r);
	read_bool(c, field(c, obj, "enabled"), "enabled", &r->enabled);
}

/* A file holds one rule object or an array of them. */
static void parse_root(struct pctx *c, const json_t *root, struct rule_set *got)
{
	struct field f = { root, json_pos_root(c->pos) };
	if (json_is_object(root)) {
		got->n = 1;
		got->rules = xcalloc(1, sizeof *got->rules);
		parse_rule(c, f, &got->rules[0]);
	} else if (json_is_array(root)) {
		got->n = json_array_size(root);
		got->rules = xcalloc(got->n, sizeof *got->rules);
		for (size_t i = 0; i < got->n; i++) {
			struct field e = { json_array_get(root, i), json_pos_element(c->pos, f.node, i) };
			parse_rule(c, e, &got->rules[i]);
		}
	} else {
		bad(c, f.node, false, "a rule file holds a rule object or an array of rule objects");
	}
}

static void action_free(struct rule_action *a)
{
	free(a->job_kind);
	json_decref(a->args);
	free(a->key);
	cond_free(a->approval_when);
	free(a->approval_reason);
	free(a->emit_type);
	json_decref(a->emit_payload);
}

static void rule_free(struct rule *r)
{
	free(r->name);
	free(r->description);
	free(r->on);
	cond_free(r->when);
	for (size_t i = 0; i < r->nactions; i++)
		action_free(&r->actions[i]);
	free(r->actions);
	free(r->group);
	for (size_t i = 0; i < r->ninhibits; i++)
		free(r->inhibits[i]);
	free(r->inhibits);
	free(r->inhibit_pos);
	free(r->file);
}

void rule_set_free(struct rule_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		rule_free(&set->rules[i]);
	free(set->rules);
	*set = (struct rule_set){ 0 };
}

/* Move every rule of from to the end of set; from is left empty. */
static void set_append(struct rule_set *set, struct rule_set *from)
{
	if (from->n) {
		set->rules = xrealloc(set->rules, (set->n + from->n) * sizeof *set->rules);
		memcpy(set->rules + set->n, from->rules, from->n * sizeof *from->rules);
		set->n += from->n;
	}
	free(from->rules);
	*from = (struct rule_set){ 0 };
}

size_t rules_parse(struct rule_set *set, const char *file, const char *text, size_t len,
		   job_kind_known_fn known, struct rule_diags *diags)
{
	json_error_t jerr;
	if (!text) {
		text = "";
		len = 0;
	}
	if (!file)
		file = "-";
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		diags_push(diags, file, jerr.line > 0 ? jerr.line : 0,
			   jerr.column > 0 ? jerr.column : 0, xstrdup(jerr.text));
		return 1;
	}
	struct pctx c = { .file = file, .pos = json_pos_scan(text, len), .diags = diags,
			  .first = diags->n, .known = known };
	struct rule_set got = { 0 };
	parse_root(&c, root, &got);
	json_decref(root);
	json_pos_free(c.pos);
	finish_diags(&c);
	/* A file is taken whole or not at all. */
	if (c.nerr)
		rule_set_free(&got);
	else
		set_append(set, &got);
	return c.nerr;
}

/* --- loading --------------------------------------------------------------- */

static size_t file_problem(struct rule_diags *diags, const char *path, const char *what)
{
	diags_push(diags, path, 0, 0, xasprintf("%s: %s", what, strerror(errno)));
	return 1;
}

/* The whole of a regular file, or NULL after a diag. */
static char *slurp(const char *path, size_t *len, struct rule_diags *diags)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		file_problem(diags, path, "cannot read");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE_BYTES) {
		diags_push(diags, path, 0, 0, xstrdup(S_ISREG(st.st_mode)
			? "larger than 8 MiB: not a rule file" : "not a regular file"));
		close(fd);
		return NULL;
	}
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t n = 0;
	ssize_t got = 1;
	while (n < (size_t)st.st_size && (got = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)got;
	if (got < 0) {
		file_problem(diags, path, "cannot read");
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = n;
	return buf;
}

static size_t load_file(struct rule_set *set, const char *path, job_kind_known_fn known,
			struct rule_diags *diags)
{
	size_t len;
	char *text = slurp(path, &len, diags);
	if (!text)
		return 1;
	size_t nerr = rules_parse(set, path, text, len, known, diags);
	free(text);
	return nerr;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rule files of a directory: *.json, hidden files (editor droppings) left out. */
static char **list_dir(DIR *d, size_t *n)
{
	char **names = NULL;
	struct dirent *e;
	*n = 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		names = xrealloc(names, (*n + 1) * sizeof *names);
		names[(*n)++] = xstrdup(e->d_name);
	}
	if (*n)
		qsort(names, *n, sizeof *names, name_cmp);
	return names;
}

static size_t load_dir(struct rule_set *set, const char *dir, bool missing_ok,
		       job_kind_known_fn known, struct rule_diags *diags)
{
	DIR *d = opendir(dir);
	if (!d)
		return missing_ok && errno == ENOENT ? 0 : file_problem(diags, dir, "cannot open");
	size_t n, nerr = 0;
	char **names = list_dir(d, &n);
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		nerr += load_file(set, path, known, diags);
		free(path);
		free(names[i]);
	}
	free(names);
	return nerr;
}

static void remove_rule(struct rule_set *set, size_t i)
{
	rule_free(&set->rules[i]);
	memmove(&set->rules[i], &set->rules[i + 1], (set->n - i - 1) * sizeof *set->rules);
	set->n--;
}

/* The rule named name among rules [from, to), or NULL. */
static const struct rule *find_between(const struct rule_set *set, size_t from, size_t to,
				       const char *name)
{
	for (size_t i = from; i < to; i++)
		if (set->rules[i].name && strcmp(set->rules[i].name, name) == 0)
			return &set->rules[i];
	return NULL;
}

/* Rules [from, n) come from one source and must have distinct names; a
 * repeat is reported and dropped, so names stay unique in the set. */
static size_t check_duplicates(struct rule_set *set, size_t from, struct rule_diags *diags)
{
	size_t nerr = 0;
	for (size_t i = from; i < set->n;) {
		const struct rule *r = &set->rules[i];
		const struct rule *first = find_between(set, from, i, r->name);
		if (!first) {
			i++;
			continue;
		}
		diags_push(diags, r->file, r->name_line, r->name_col,
			   xasprintf("duplicate rule name '%s' (first defined at %s:%d:%d)", r->name,
				     first->file, first->name_line, first->name_col));
		remove_rule(set, i);
		nerr++;
	}
	return nerr;
}

/* Every name in inhibits of rules [from, n) must be a rule of the set. */
static size_t check_inhibits(const struct rule_set *set, size_t from, struct rule_diags *diags)
{
	size_t nerr = 0;
	for (size_t i = from; i < set->n; i++) {
		const struct rule *r = &set->rules[i];
		for (size_t k = 0; k < r->ninhibits; k++) {
			if (rules_find(set, r->inhibits[k]))
				continue;
			diags_push(diags, r->file, r->inhibit_pos[2 * k], r->inhibit_pos[2 * k + 1],
				   xasprintf("inhibits unknown rule '%s'", r->inhibits[k]));
			nerr++;
		}
	}
	return nerr;
}

/* Drop each default of [from, mid) that a rule of [mid, n) replaces;
 * returns the new mid. */
static size_t replace_defaults(struct rule_set *set, size_t from, size_t mid)
{
	for (size_t i = from; i < mid;) {
		if (find_between(set, mid, set->n, set->rules[i].name)) {
			remove_rule(set, i);
			mid--;
		} else {
			i++;
		}
	}
	return mid;
}

static size_t parse_builtin(struct rule_set *set, job_kind_known_fn known,
			    struct rule_diags *diags)
{
	size_t nerr = 0, from = set->n;
	for (int i = 0; i < rules_builtin_count; i++) {
		char *file = xasprintf("builtin/%s", rules_builtin[i].name);
		nerr += rules_parse(set, file, rules_builtin[i].text, strlen(rules_builtin[i].text),
				    known, diags);
		free(file);
	}
	for (size_t i = from; i < set->n; i++)
		set->rules[i].builtin = true;
	return nerr;
}

size_t rules_load(struct rule_set *set, const char *dir, job_kind_known_fn known,
		  struct rule_diags *diags)
{
	size_t from = set->n;
	size_t nerr = parse_builtin(set, known, diags);
	nerr += check_duplicates(set, from, diags);
	size_t mid = set->n;
	if (dir)
		nerr += load_dir(set, dir, true, known, diags);
	nerr += check_duplicates(set, mid, diags);
	replace_defaults(set, from, mid);
	nerr += check_inhibits(set, from, diags);
	return nerr;
}

size_t rules_load_builtin(struct rule_set *set, job_kind_known_fn known, struct rule_diags *diags)
{
	size_t from = set->n;
	size_t nerr = parse_builtin(set, known, diags);
	nerr += check_duplicates(set, from, diags);
	nerr += check_inhibits(set, from, diags);
	return nerr;
}

size_t rules_load_path(struct rule_set *set, const char *path, job_kind_known_fn known,
		       struct rule_diags *diags)
{
	struct stat st;
	size_t from = set->n, nerr;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		nerr = load_dir(set, path, false, known, diags);
	else
		nerr = load_file(set, path, known, diags);
	nerr += check_duplicates(set, from, diags);
	nerr += check_inhibits(set, from, diags);
	return nerr;
}

const struct rule *rules_find(const struct rule_set *set, const char *name)
{
	return set && name ? find_between(set, 0, set->n, name) : NULL;
}

/* The text a rule was read from: a copy of its builtin entry or its file. */
static char *rule_file_text(const struct rule *r, size_t *len)
{
	if (r->builtin) {
		for (int i = 0; i < rules_builtin_count; i++) {
			char *file = xasprintf("builtin/%s", rules_builtin[i].name);
			bool same = strcmp(file, r->file) == 0;
			free(file);
			if (same) {
				*len = strlen(rules_builtin[i].text);
				return xstrdup(rules_builtin[i].text);
			}
		}
		return NULL;
	}
	struct rule_diags ignored = { 0 };
	char *text = slurp(r->file, len, &ignored);
	rule_diags_free(&ignored);
	return text;
}

/* The object named name in a file's root (one rule or an array of them). */
static json_t *find_rule_object(json_t *root, const char *name)
{
	if (json_is_object(root))
		return json_is_string(json_object_get(root, "name")) &&
			       strcmp(json_string_value(json_object_get(root, "name")), name) == 0
			? root : NULL;
	for (size_t i = 0; i < json_array_size(root); i++) {
		json_t *hit = json_is_object(json_array_get(root, i))
			? find_rule_object(json_array_get(root, i), name) : NULL;
		if (hit)
			return hit;
	}
	return NULL;
}

char *rules_source(const struct rule *r)
{
	size_t len;
	char *text = r && r->file && r->name ? rule_file_text(r, &len) : NULL;
	json_t *root = text ? json_loadb(text, len, 0, NULL) : NULL;
	free(text);
	json_t *obj = find_rule_object(root, r ? r->name : "");
	char *out = obj ? json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return out;
}

bool rule_on_matches(const struct rule *r, const char *event_type)
{
	return r && r->on && event_type && fnmatch(r->on, event_type, 0) == 0;
}

int64_t rules_parse_duration(const char *s)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		      { "d", 86400000 }, { "", 1000 } };
	int64_t n = 0;
	if (!s || *s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (strcmp(s, units[i].unit) == 0)
			return n > INT64_MAX / units[i].ms ? -1 : n * units[i].ms;
	return -1;
}
