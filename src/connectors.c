/* connectors.c - reading and checking connectors.json. */
#include "connectors.h"

#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json_pos.h"
#include "rules.h"
#include "xalloc.h"

/* --- names ----------------------------------------------------------------- */

static const char *const kind_names[] = { "webhook", "shopify", "chat" };
static const char *const auth_names[] = { "none", "standard-webhooks", "bearer",
					   "shopify-token" };

const char *connector_kind_name(enum connector_kind k)
{
	return kind_names[k];
}

const char *connector_auth_name(enum connector_auth a)
{
	return auth_names[a];
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

/* --- the parse state: where we are, for messages --------------------------- */

struct parse {
	const char *path;
	struct json_pos *pos;
	char pointer[256];  /* JSON pointer of the value being read */
	char where[160];    /* "connectors[2] \"crm\"" */
	char *err;
};

/* "PATH:L:C: WHERE: KEY: message" for the member at p->pointer/key. */
static bool fail_at(struct parse *p, const char *key, bool at_key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool fail_at(struct parse *p, const char *key, bool at_key, const char *fmt, ...)
{
	char ptr[320];
	snprintf(ptr, sizeof ptr, "%s%s%s", p->pointer, key ? "/" : "", key ? key : "");
	int line = 0, col = 0;
	json_pos_where(p->pos, json_pos_lookup(p->pos, ptr), at_key, &line, &col);
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	char *subject = key ? xasprintf("%s%s\"%s\"", p->where, p->where[0] ? ": " : "", key)
			    : xstrdup(p->where[0] ? p->where : "the file");
	p->err = xasprintf("%s:%d:%d: %s: %s", p->path, line, col, subject,
			   msg ? msg : "out of memory");
	free(subject);
	free(msg);
	return false;
}

/* --- typed fields ---------------------------------------------------------- */

static bool get_duration(struct parse *p, json_t *v, const char *key, int64_t min_ms,
			 int64_t *out)
{
	const char *s = json_string_value(v);
	int64_t ms = s ? rules_parse_duration(s) : -1;
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		ms = (int64_t)json_integer_value(v) * 1000;
	if (ms < min_ms)
		return fail_at(p, key, false, "must be a duration like \"500ms\", \"5s\" or \"10m\"%s",
			       min_ms > 0 ? ", above zero" : "");
	*out = ms;
	return true;
}

static bool get_int(struct parse *p, json_t *v, const char *key, long lo, long hi, long *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail_at(p, key, false, "must be an integer from %ld to %ld", lo, hi);
	*out = (long)json_integer_value(v);
	return true;
}

static bool get_string(struct parse *p, json_t *v, const char *key, char **out)
{
	const char *s = json_string_value(v);
	if (!s || !*s)
		return fail_at(p, key, false, "must be a non-empty string");
	free(*out);
	*out = xstrdup(s);
	return true;
}

static bool get_enum(struct parse *p, json_t *v, const char *key, const char *const *names,
		     size_t n, int *out)
{
	const char *s = json_string_value(v);
	int i = s ? name_index(names, n, s) : -1;
	if (i < 0) {
		char list[160] = "";
		for (size_t k = 0; k < n; k++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"",
				 k ? ", " : "", names[k]);
		return fail_at(p, key, false, "must be one of %s", list);
	}
	*out = i;
	return true;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

/* --- nested objects: retry, breaker, events -------------------------------- */

static bool parse_retry(struct parse *p, json_t *o, struct connector *c)
{
	if (!json_is_object(o))
		return fail_at(p, "retry", false, "must be an object");
	const char *k;
	json_t *v;
	size_t plen = strlen(p->pointer);
	snprintf(p->pointer + plen, sizeof p->pointer - plen, "/retry");
	bool ok = true;
	json_object_foreach(o, k, v) {
		long n;
		if (strcmp(k, "max_attempts") == 0)
			ok = get_int(p, v, k, 1, 50, &n) && (c->retry.max_attempts = (int)n, true);
		else if (strcmp(k, "base") == 0)
			ok = get_duration(p, v, k, 1, &c->retry.base_ms);
		else if (strcmp(k, "cap") == 0)
			ok = get_duration(p, v, k, 1, &c->retry.cap_ms);
		else
			ok = fail_at(p, k, true, "unknown key (known: max_attempts, base, cap)");
		if (!ok)
			break;
	}
	p->pointer[plen] = '\0';
	return ok;
}

static bool parse_breaker(struct parse *p, json_t *o, struct connector *c)
{
	if (!json_is_object(o))
		return fail_at(p, "breaker", false, "must be an object");
	const char *k;
	json_t *v;
	size_t plen = strlen(p->pointer);
	snprintf(p->pointer + plen, sizeof p->pointer - plen, "/breaker");
	struct breaker_policy *b = &c->breaker;
	bool ok = true;
	json_object_foreach(o, k, v) {
		long n;
		if (strcmp(k, "consecutive") == 0)
			ok = get_int(p, v, k, 1, 1000, &n) && (b->consecutive = (int)n, true);
		else if (strcmp(k, "window_min") == 0)
			ok = get_int(p, v, k, 0, 100000, &n) && (b->window_min = (int)n, true);
		else if (strcmp(k, "ratio_pct") == 0)
			ok = get_int(p, v, k, 1, 100, &n) && (b->ratio_pct = (int)n, true);
		else if (strcmp(k, "window") == 0)
			ok = get_duration(p, v, k, 1, &b->window_ms);
		else if (strcmp(k, "cooldown") == 0)
			ok = get_duration(p, v, k, 1, &b->cooldown_ms);
		else
			ok = fail_at(p, k, true, "unknown key (known: consecutive, window_min, "
				     "ratio_pct, window, cooldown)");
		if (!ok)
			break;
	}
	p->pointer[plen] = '\0';
	return ok;
}

static bool parse_events(struct parse *p, json_t *a, struct connector *c)
{
	if (!json_is_array(a) || json_array_size(a) == 0)
		return fail_at(p, "events", false, "must be a non-empty array of event types");
	c->events = xcalloc(json_array_size(a), sizeof *c->events);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);
		if (!s || !*s) {
			char key[32];
			snprintf(key, sizeof key, "events/%zu", i);
			return fail_at(p, key, false, "must be an event type like \"order.created\"");
		}
		c->events[c->nevents++] = xstrdup(s);
	}
	return true;
}

/* --- one connector --------------------------------------------------------- */

static void connector_defaults(struct connector *c)
{
	*c = (struct connector){
		.connect_ms = HTTP_DEFAULT_CONNECT_MS, .timeout_ms = HTTP_DEFAULT_TOTAL_MS,
		.rate_per_s = 10, .max_response = HTTP_DEFAULT_MAX_BODY,
		.retry = { .max_attempts = 8, .base_ms = 1000, .cap_ms = 600000 },
		.breaker = { .consecutive = 5, .window_min = 20, .ratio_pct = 50,
			     .window_ms = 60000, .cooldown_ms = 30000 },
		.auth = AUTH_STANDARD_WEBHOOKS,
	};
}

static void connector_clear(struct connector *c)
{
	free(c->name);
	free(c->url);
	free(c->secret);
	for (size_t i = 0; i < c->nevents; i++)
		free(c->events[i]);
	free(c->events);
	free(c->api_version);
	free(c->model);
}

static bool parse_field(struct parse *p, const char *k, json_t *v, struct connector *c,
			bool *auth_set)
{
	int e;
	long n;
	if (strcmp(k, "name") == 0 || strcmp(k, "kind") == 0)
		return true; /* read first, see parse_connector */
	if (strcmp(k, "url") == 0) {
		const char *why;
		if (!get_string(p, v, k, &c->url))
			return false;
		return http_url_allowed(c->url, &why) || fail_at(p, k, false, "%s", why);
	}
	if (strcmp(k, "auth") == 0) {
		*auth_set = true;
		return get_enum(p, v, k, auth_names, 4, &e) && (c->auth = e, true);
	}
	if (strcmp(k, "secret") == 0)
		return get_string(p, v, k, &c->secret);
	if (strcmp(k, "connect_timeout") == 0)
		return get_duration(p, v, k, 1, &c->connect_ms);
	if (strcmp(k, "timeout") == 0)
		return get_duration(p, v, k, 1, &c->timeout_ms);
	if (strcmp(k, "rate_limit") == 0) {
		if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 100000)
			return fail_at(p, k, false, "must be calls per second, above 0 and at most 100000");
		c->rate_per_s = json_number_value(v);
		return true;
	}
	if (strcmp(k, "retry") == 0)
		return parse_retry(p, v, c);
	if (strcmp(k, "breaker") == 0)
		return parse_breaker(p, v, c);
	if (strcmp(k, "events") == 0)
		return parse_events(p, v, c);
	if (strcmp(k, "max_response") == 0)
		return get_int(p, v, k, 1024, 256L << 20, &n) && (c->max_response = (size_t)n, true);
	if (strcmp(k, "api_version") == 0)
		return get_string(p, v, k, &c->api_version);
	if (strcmp(k, "model") == 0)
		return get_string(p, v, k, &c->model);
	return fail_at(p, k, true, "unknown key (known: name, kind, url, auth, secret, "
		       "connect_timeout, timeout, rate_limit, retry, breaker, events, "
		       "max_response, api_version, model)");
}

/* A chat connector: a model, no events, no auth but a bearer token. */
static bool check_chat(struct parse *p, struct connector *c, bool auth_set)
{
	if (!auth_set)
		c->auth = AUTH_NONE;
	if (c->auth != AUTH_NONE && c->auth != AUTH_BEARER)
		return fail_at(p, "auth", false, "a chat connector takes \"none\" or \"bearer\"");
	if (c->nevents > 0)
		return fail_at(p, "events", true, "a chat connector is called: it has no \"events\"");
	if (!c->model)
		return fail_at(p, NULL, false, "a chat connector needs \"model\"");
	return true;
}

/* What one kind needs and forbids, once all fields are read. */
static bool check_connector(struct parse *p, struct connector *c, bool auth_set)
{
	if (!c->url)
		return fail_at(p, NULL, false, "\"url\" is required");
	if (c->kind == CONNECTOR_SHOPIFY && !auth_set)
		c->auth = AUTH_SHOPIFY_TOKEN;
	if (c->kind == CONNECTOR_WEBHOOK && c->nevents == 0)
		return fail_at(p, NULL, false, "a webhook connector needs \"events\"");
	if (c->kind == CONNECTOR_SHOPIFY && c->nevents > 0)
		return fail_at(p, "events", true, "a shopify connector pulls: it has no \"events\"");
	if (c->kind != CONNECTOR_SHOPIFY && c->api_version)
		return fail_at(p, "api_version", true, "only a shopify connector has an api_version");
	if (c->kind == CONNECTOR_CHAT && !check_chat(p, c, auth_set))
		return false;
	if (c->kind != CONNECTOR_CHAT && c->model)
		return fail_at(p, "model", true, "only a chat connector has a model");
	if (c->auth != AUTH_NONE && !c->secret)
		return fail_at(p, NULL, false, "auth \"%s\" needs \"secret\" (a key in secrets.json)",
			       auth_names[c->auth]);
	if (c->kind == CONNECTOR_SHOPIFY && !c->api_version)
		c->api_version = xstrdup("2024-01");
	if (c->retry.cap_ms < c->retry.base_ms)
		return fail_at(p, "retry", false, "cap is shorter than base");
	return true;
}

static bool parse_connector(struct parse *p, json_t *o, struct connector *c)
{
	connector_defaults(c);
	if (!json_is_object(o))
		return fail_at(p, NULL, false, "must be an object");
	const char *name = json_string_value(json_object_get(o, "name"));
	if (!name || !valid_name(name))
		return fail_at(p, json_object_get(o, "name") ? "name" : NULL, false,
			       "\"name\" is required: 1 to 40 of a-z, 0-9, _ and -");
	c->name = xstrdup(name);
	size_t wl = strlen(p->where);
	snprintf(p->where + wl, sizeof p->where - wl, " \"%s\"", name);
	int kind;
	json_t *kv = json_object_get(o, "kind");
	if (!kv)
		return fail_at(p, NULL, false,
			       "\"kind\" is required: \"webhook\", \"shopify\" or \"chat\"");
	if (!get_enum(p, kv, "kind", kind_names, 3, &kind))
		return false;
	c->kind = (enum connector_kind)kind;
	bool auth_set = false;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
		if (!parse_field(p, k, v, c, &auth_set))
			return false;
	return check_connector(p, c, auth_set);
}

static bool parse_list(struct parse *p, json_t *root, struct connectors *cs)
{
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v)
		if (strcmp(k, "connectors") != 0)
			return fail_at(p, k, true, "unknown key (the file holds \"connectors\")");
	json_t *list = json_object_get(root, "connectors");
	if (!json_is_array(list))
		return fail_at(p, "connectors", false, "must be an array of connectors");
	cs->v = xcalloc(json_array_size(list) + 1, sizeof *cs->v);
	size_t i;
	json_array_foreach(list, i, v) {
		snprintf(p->pointer, sizeof p->pointer, "/connectors/%zu", i);
		snprintf(p->where, sizeof p->where, "connectors[%zu]", i);
		bool ok = parse_connector(p, v, &cs->v[cs->n]);
		cs->n++;
		if (!ok)
			return false;
		if (connectors_find(cs, cs->v[cs->n - 1].name) != &cs->v[cs->n - 1])
			return fail_at(p, "name", false, "a second connector of this name");
	}
	return true;
}

enum orr_rc connectors_parse(const char *path, const char *text, size_t len,
			     struct connectors **out, char **err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		*err = xasprintf("%s:%d:%d: not valid JSON: %s", path, je.line, je.column, je.text);
		return ORR_DATAERR;
	}
	struct parse p = { .path = path, .pos = json_pos_scan(text, len) };
	struct connectors *cs = xcalloc(1, sizeof *cs);
	cs->path = xstrdup(path);
	bool ok = json_is_object(root) ? parse_list(&p, root, cs)
				       : fail_at(&p, NULL, false, "must be an object {\"connectors\": [...]}");
	json_decref(root);
	json_pos_free(p.pos);
	if (!ok) {
		*err = p.err;
		connectors_free(cs);
		return ORR_DATAERR;
	}
	*out = cs;
	return ORR_OK;
}

static enum orr_rc read_all(const char *path, char **text, size_t *len, char **err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return errno == ENOENT ? ORR_NOINPUT : ORR_IOERR;
	}
	*text = xmalloc(CONNECTORS_MAX_BYTES + 1);
	*len = fread(*text, 1, CONNECTORS_MAX_BYTES + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad || *len > CONNECTORS_MAX_BYTES) {
		*err = bad ? xasprintf("%s: cannot read", path)
			   : xasprintf("%s: larger than %d bytes", path, CONNECTORS_MAX_BYTES);
		free(*text);
		return bad ? ORR_IOERR : ORR_DATAERR;
	}
	return ORR_OK;
}

enum orr_rc connectors_load(const char *path, bool required, struct connectors **out,
			    char **err)
{
	char *text = NULL;
	size_t len = 0;
	enum orr_rc rc = read_all(path, &text, &len, err);
	if (rc == ORR_NOINPUT && !required) {
		free(*err);
		*err = NULL;
		*out = xcalloc(1, sizeof **out);
		return ORR_OK;
	}
	if (rc != ORR_OK)
		return rc;
	rc = connectors_parse(path, text, len, out, err);
	free(text);
	return rc;
}

void connectors_free(struct connectors *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		connector_clear(&c->v[i]);
	free(c->v);
	free(c->path);
	free(c);
}

char *connectors_path_beside(const char *db_path)
{
	const char *slash = strrchr(db_path, '/');
	if (!slash)
		return xstrdup(CONNECTORS_FILE);
	return xasprintf("%.*s/" CONNECTORS_FILE, (int)(slash - db_path), db_path);
}

const struct connector *connectors_find(const struct connectors *c, const char *name)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (c->v[i].name && strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

bool connector_subscribes(const struct connector *c, const char *type)
{
	for (size_t i = 0; i < c->nevents; i++)
		if (fnmatch(c->events[i], type, 0) == 0)
			return true;
	return false;
}
