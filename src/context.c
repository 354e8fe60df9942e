/* context.c - assembling the customer-service context from the store's
 * reads (store_context.c) and the return policy (policies.c). */
#include "context.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "policies.h"
#include "store_context.h"
#include "subsys_supplier.h"
#include "xalloc.h"

#define DAY_MS 86400000LL
#define MAX_ITEMS 100

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static bool has(json_t *o, const char *k)
{
	return json_is_string(json_object_get(o, k)) && *str(o, k);
}

/* A status that says the order is being worked on, whatever the dates. */
static bool in_progress(const char *s)
{
	static const char *const words[] = { "created", "pending", "approved", "processing" };
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	return false;
}

const char *context_delivery_status(json_t *order)
{
	const char *s = str(order, "status");
	if (json_integer_value(json_object_get(order, "is_return")))
		return "return";
	if (strcasecmp(s, "canceled") == 0 || strcasecmp(s, "cancelled") == 0 ||
	    strcasecmp(s, "unavailable") == 0)
		return "cancelled";
	if (has(order, "delivered_at") || strcasecmp(s, "delivered") == 0)
		return "delivered";
	if (has(order, "dispatched_at") || strcasecmp(s, "shipped") == 0)
		return "shipped";
	/* a source that records no fulfilment at all (Online Retail's invoices):
	 * nothing says the order is still on its way */
	if (!has(order, "approved_at") && !has(order, "estimated_at") && !in_progress(s))
		return "not tracked";
	return "processing";
}

static void set_time(json_t *o, const char *k, int64_t ms)
{
	char t[CLOCK_TEXT_LEN];
	clock_format(ms, t);
	json_object_set_new(o, k, json_string(t));
}

/* --- who -------------------------------------------------------------------- */

/* One person's identity: person key, else email, else the row itself. */
static char *identity(json_t *c)
{
	if (has(c, "person_key"))
		return xasprintf("p:%s", str(c, "person_key"));
	if (has(c, "email")) {
		char *e = xasprintf("e:%s", str(c, "email"));
		for (char *p = e; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		return e;
	}
	return xasprintf("i:%lld", (long long)json_integer_value(json_object_get(c, "id")));
}

static enum orr_rc ambiguous(const char *who, json_t *named, char **err)
{
	char *list = xstrdup("");
	size_t i;
	json_t *c;
	json_array_foreach(named, i, c) {
		char *more = xasprintf("%s%s%lld (%s %s)", list, i ? ", " : "",
				       (long long)json_integer_value(json_object_get(c, "id")),
				       str(c, "origin"), str(c, "key"));
		free(list);
		list = more;
	}
	*err = xasprintf("\"%s\" names %zu different customers: %s; ask again with one id", who,
			 json_array_size(named), list);
	free(list);
	return ORR_DATAERR;
}

/* The customer rows of the one person WHO names. */
static enum orr_rc find_person(struct store *st, const char *who, json_t **people, char **err)
{
	json_t *named = NULL;
	enum orr_rc rc = ctxdb_customers_named(st, who, &named, err);
	if (rc != ORR_OK)
		return rc;
	if (json_array_size(named) == 0) {
		json_decref(named);
		*err = xasprintf("no customer has the %s \"%s\"",
				 strchr(who, '@') ? "email" : "key or id", who);
		return ORR_NOINPUT;
	}
	char *first = identity(json_array_get(named, 0));
	bool same = true;
	for (size_t i = 1; i < json_array_size(named) && same; i++) {
		char *id = identity(json_array_get(named, i));
		same = strcmp(id, first) == 0;
		free(id);
	}
	free(first);
	rc = same ? ctxdb_customers_of_person(st, json_array_get(named, 0), people, err)
		  : ambiguous(who, named, err);
	json_decref(named);
	return rc;
}

static json_t *customer_doc(json_t *people)
{
	json_t *c = json_object(), *ids = json_array();
	size_t i;
	json_t *p;
	const char *fields[] = { "name", "email", "city", "state", "country" };
	json_array_foreach(people, i, p) {
		for (size_t f = 0; f < sizeof fields / sizeof *fields; f++)
			if (has(p, fields[f]) && !json_object_get(c, fields[f]))
				json_object_set(c, fields[f], json_object_get(p, fields[f]));
		json_array_append_new(ids, json_pack("{sOsOsO}", "id", json_object_get(p, "id"),
						     "origin", json_object_get(p, "origin"), "key",
						     json_object_get(p, "key")));
	}
	json_object_set_new(c, "ids", ids);
	return c;
}

/* --- orders ------------------------------------------------------------------- */

/* Delivery status, lateness, the total and whether it can still be returned. */
static void judge_order(json_t *o, json_t *lines, int64_t window_days, int64_t now)
{
	const char *status = context_delivery_status(o);
	json_object_set_new(o, "delivery_status", json_string(status));
	bool open = strcmp(status, "shipped") == 0 || strcmp(status, "processing") == 0;
	json_object_set_new(o, "open", json_boolean(open));
	int64_t est = has(o, "estimated_at") ? clock_parse(str(o, "estimated_at")) : -1;
	int64_t got = has(o, "delivered_at") ? clock_parse(str(o, "delivered_at")) : -1;
	json_object_set_new(o, "late", json_boolean(est >= 0 && (open ? now > est : got > est)));
	int64_t total = 0;
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		total += json_integer_value(json_object_get(l, "quantity")) *
			 json_integer_value(json_object_get(l, "unit_price_minor"));
		total += json_integer_value(json_object_get(l, "freight_minor"));
	}
	json_object_set_new(o, "total_minor", json_integer(total));
	if (!has(o, "currency") && json_array_size(lines) > 0) /* a source without one */
		json_object_set(o, "currency", json_object_get(json_array_get(lines, 0), "currency"));
	if (strcmp(status, "delivered") == 0 && got >= 0 && window_days > 0) {
		int64_t until = got + window_days * DAY_MS;
		set_time(o, "returnable_until", until);
		json_object_set_new(o, "returnable", json_boolean(now <= until));
	}
	json_object_set(o, "lines", lines);
}

struct gather {
	struct store *st;
	const struct context_options *o;
	int64_t window_days;
	json_t *orders;  /* the newest max_orders, in full */
	json_t *summary; /* counts over every order */
	json_t *items;   /* variant id (text) -> item, in first-seen order */
	long total, open, returns, late;
};

/* Remember each line's variant for the availability section. */
static void note_items(struct gather *g, json_t *lines, bool open)
{
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		json_t *v = json_object_get(l, "variant_id");
		if (!json_is_integer(v))
			continue;
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(v));
		json_t *item = json_object_get(g->items, key);
		if (!item && json_object_size(g->items) < MAX_ITEMS) {
			item = json_pack("{sOsOsOsb}", "variant_id", v, "sku", json_object_get(l, "sku"),
					 "title", json_object_get(l, "title"), "in_open_order", open);
			json_object_set_new(g->items, key, item);
		} else if (item && open) {
			json_object_set_new(item, "in_open_order", json_true());
		}
	}
}

/* Judge one order and count it; its lines are read only when it is shown
 * or open (the items of open orders are always in the availability), so a
 * customer with a thousand orders costs a thousand index seeks on orders,
 * not a JSON object per line of every one. */
static enum orr_rc gather_order(struct gather *g, json_t *o, bool shown, char **err)
{
	json_t *lines = NULL;
	const char *status = context_delivery_status(o);
	bool open_now = strcmp(status, "shipped") == 0 || strcmp(status, "processing") == 0;
	enum orr_rc rc = shown || open_now
				 ? ctxdb_lines(g->st, str(o, "origin"), str(o, "key"), &lines, err)
				 : ORR_OK;
	if (rc != ORR_OK)
		return rc;
	if (!lines)
		lines = json_array();
	judge_order(o, lines, g->window_days, g->o->now_ms);
	bool open = json_is_true(json_object_get(o, "open"));
	g->total++;
	g->open += open;
	g->late += open && json_is_true(json_object_get(o, "late"));
	g->returns += strcmp(str(o, "delivery_status"), "return") == 0;
	note_items(g, lines, open);
	json_decref(lines);
	return ORR_OK;
}

static int newest_first(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(str(y, "purchased_at"), str(x, "purchased_at"));
}

/* Every order of every id of the person, newest first, the first
 * max_orders kept in full. */
static enum orr_rc gather_orders(struct gather *g, json_t *people, char **err)
{
	json_t *all = json_array();
	size_t i, j;
	json_t *p, *o;
	enum orr_rc rc = ORR_OK;
	json_array_foreach(people, i, p) {
		json_t *orders = NULL;
		rc = ctxdb_orders(g->st, json_integer_value(json_object_get(p, "id")), &orders, err);
		if (rc != ORR_OK)
			break;
		json_array_extend(all, orders);
		json_decref(orders);
	}
	size_t n = json_array_size(all);
	json_t **v = xcalloc(n ? n : 1, sizeof *v);
	json_array_foreach(all, j, o) {
		v[j] = o;
	}
	qsort(v, n, sizeof *v, newest_first);
	long keep = g->o->max_orders > 0 ? g->o->max_orders : 50;
	for (j = 0; j < n && rc == ORR_OK; j++) {
		rc = gather_order(g, v[j], (long)j < keep, err);
		if (rc == ORR_OK && (long)j < keep)
			json_array_append(g->orders, v[j]);
	}
	free(v);
	json_decref(all);
	return rc;
}

/* --- availability --------------------------------------------------------------- */

static enum orr_rc item_availability(struct gather *g, json_t *item, char **err)
{
	json_t *a = NULL;
	enum orr_rc rc = ctxdb_availability(
		g->st, json_integer_value(json_object_get(item, "variant_id")), &a, err);
	if (rc != ORR_OK)
		return rc;
	json_t *on_hand = json_object_get(a, "on_hand");
	json_object_set(item, "on_hand", on_hand);
	json_object_set_new(item, "in_stock",
			    json_is_integer(on_hand) ? json_boolean(json_integer_value(on_hand) > 0)
						     : json_null());
	json_object_set(item, "incoming", json_object_get(a, "incoming"));
	json_t *at = json_object_get(a, "next_po_at"), *lead = json_object_get(a, "lead_time_days");
	if (json_is_integer(at)) {
		json_object_set(item, "next_purchase_order", json_object_get(a, "next_po"));
		if (json_is_number(lead))
			set_time(item, "expected_by",
				 json_integer_value(at) + (int64_t)(json_number_value(lead) * DAY_MS));
	}
	json_decref(a);
	return ORR_OK;
}

static enum orr_rc availability(struct gather *g, json_t **out, char **err)
{
	*out = json_array();
	const char *k;
	json_t *item;
	json_object_foreach(g->items, k, item) {
		enum orr_rc rc = item_availability(g, item, err);
		if (rc != ORR_OK)
			return rc;
		json_array_append(*out, item);
	}
	return ORR_OK;
}

/* --- the document ---------------------------------------------------------------- */

static json_t *summary(const struct gather *g)
{
	return json_pack("{sIsIsIsIsI}", "orders", (json_int_t)g->total, "shown",
			 (json_int_t)json_array_size(g->orders), "open", (json_int_t)g->open,
			 "late", (json_int_t)g->late, "returns", (json_int_t)g->returns);
}

static enum orr_rc assemble(struct gather *g, json_t *people, json_t *policy,
			    const char *policy_source, json_t **doc, char **err)
{
	enum orr_rc rc = gather_orders(g, people, err);
	json_t *avail = NULL;
	if (rc == ORR_OK)
		rc = availability(g, &avail, err);
	if (rc != ORR_OK) {
		json_decref(avail);
		return rc;
	}
	*doc = json_object();
	set_time(*doc, "generated_at", g->o->now_ms);
	json_object_set_new(*doc, "customer", customer_doc(people));
	json_object_set_new(*doc, "summary", summary(g));
	json_object_set(*doc, "orders", g->orders);
	json_object_set_new(*doc, "availability", avail);
	json_object_set(*doc, "return_policy", policy);
	json_object_set_new(*doc, "return_policy_source", json_string(policy_source));
	return ORR_OK;
}

enum orr_rc context_customer(struct store *st, const char *who,
			     const struct context_options *o, json_t **doc, char **err)
{
	*doc = NULL;
	json_t *policy = NULL, *people = NULL;
	char *source = NULL;
	enum orr_rc rc = policies_load(st, "returns.json", &policy, &source, err);
	if (rc == ORR_OK)
		rc = find_person(st, who, &people, err);
	if (rc == ORR_OK) {
		struct gather g = { .st = st, .o = o, .orders = json_array(), .items = json_object() };
		json_t *w = json_object_get(policy, "window_days");
		g.window_days = json_is_integer(w) ? json_integer_value(w) : 0;
		rc = assemble(&g, people, policy, source, doc, err);
		json_decref(g.orders);
		json_decref(g.items);
	}
	json_decref(people);
	json_decref(policy);
	free(source);
	return rc;
}

/* --- as text ------------------------------------------------------------------------ */

static void money(FILE *f, json_int_t minor, const char *currency)
{
	char *m = supplier_money_text(minor, *currency ? currency : "XXX");
	fputs(m, f);
	free(m);
}

static void write_order(FILE *f, json_t *o)
{
	fprintf(f, "- order %s (%s), bought %.10s: %s", str(o, "key"), str(o, "origin"),
		str(o, "purchased_at"), str(o, "delivery_status"));
	if (has(o, "delivered_at"))
		fprintf(f, " %.10s", str(o, "delivered_at"));
	else if (has(o, "dispatched_at"))
		fprintf(f, " since %.10s", str(o, "dispatched_at"));
	if (has(o, "estimated_at") && json_is_true(json_object_get(o, "open")))
		fprintf(f, ", expected by %.10s", str(o, "estimated_at"));
	if (json_is_true(json_object_get(o, "late")))
		fprintf(f, " (late)");
	if (json_object_get(o, "returnable"))
		fprintf(f, "; %s %.10s",
			json_is_true(json_object_get(o, "returnable")) ? "returnable until"
								       : "return window closed on",
			str(o, "returnable_until"));
	if (json_array_size(json_object_get(o, "lines")) == 0) {
		fprintf(f, "; no lines on record\n");
		return;
	}
	fprintf(f, "; total ");
	money(f, json_integer_value(json_object_get(o, "total_minor")), str(o, "currency"));
	fprintf(f, "\n");
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(o, "lines"), i, l) {
		fprintf(f, "  - %lld x %s (SKU %s) at ",
			(long long)json_integer_value(json_object_get(l, "quantity")),
			has(l, "title") ? str(l, "title") : "(untitled)", str(l, "sku"));
		money(f, json_integer_value(json_object_get(l, "unit_price_minor")), str(l, "currency"));
		fprintf(f, "\n");
	}
}

static void write_item(FILE *f, json_t *it)
{
	fprintf(f, "- %s (SKU %s)%s: ", has(it, "title") ? str(it, "title") : "(untitled)",
		str(it, "sku"), json_is_true(json_object_get(it, "in_open_order")) ? ", in an open order" : "");
	json_t *on_hand = json_object_get(it, "on_hand");
	if (json_is_integer(on_hand))
		fprintf(f, "%lld in stock", (long long)json_integer_value(on_hand));
	else
		fprintf(f, "stock unknown");
	json_int_t incoming = json_integer_value(json_object_get(it, "incoming"));
	if (incoming > 0)
		fprintf(f, ", %lld incoming (%s, expected by %.10s)", (long long)incoming,
			str(it, "next_purchase_order"),
			has(it, "expected_by") ? str(it, "expected_by") : "unknown");
	fprintf(f, "\n");
}

static void write_policy(FILE *f, json_t *p)
{
	fprintf(f, "\n## Return policy: %s\n\n%s\n", str(p, "name"), str(p, "text"));
	const char *lists[] = { "conditions", "not_returnable" };
	const char *heads[] = { "Conditions", "Not returnable" };
	for (size_t k = 0; k < 2; k++) {
		json_t *a = json_object_get(p, lists[k]);
		if (!json_array_size(a))
			continue;
		fprintf(f, "\n%s:\n", heads[k]);
		size_t i;
		json_t *e;
		json_array_foreach(a, i, e) {
			fprintf(f, "- %s\n", json_string_value(e) ? json_string_value(e) : "");
		}
	}
}

static void write_header(FILE *f, json_t *doc)
{
	json_t *c = json_object_get(doc, "customer"), *s = json_object_get(doc, "summary");
	fprintf(f, "# Customer %s\n\n", has(c, "name") ? str(c, "name") : "(no name on record)");
	if (has(c, "email"))
		fprintf(f, "Email: %s\n", str(c, "email"));
	if (has(c, "city") || has(c, "country"))
		fprintf(f, "Location: %s%s%s%s%s\n", str(c, "city"), has(c, "state") ? ", " : "",
			str(c, "state"), has(c, "country") ? ", " : "", str(c, "country"));
	fprintf(f, "Customer ids:");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(c, "ids"), i, e) {
		fprintf(f, "%s %s/%s", i ? "," : "", str(e, "origin"), str(e, "key"));
	}
	fprintf(f, "\nOrders: %lld (%lld open, %lld late, %lld returns); context as of %s\n",
		(long long)json_integer_value(json_object_get(s, "orders")),
		(long long)json_integer_value(json_object_get(s, "open")),
		(long long)json_integer_value(json_object_get(s, "late")),
		(long long)json_integer_value(json_object_get(s, "returns")), str(doc, "generated_at"));
}

/* The open orders, or the others, under their heading. */
static void write_orders(FILE *f, json_t *doc, bool open)
{
	fprintf(f, "\n## %s\n\n", open ? "Open orders" : "Purchase history");
	int shown = 0;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(doc, "orders"), i, e) {
		if (json_is_true(json_object_get(e, "open")) == open) {
			write_order(f, e);
			shown++;
		}
	}
	if (!shown)
		fprintf(f, "(none)\n");
}

void context_write_text(FILE *f, json_t *doc)
{
	write_header(f, doc);
	write_orders(f, doc, true);
	write_orders(f, doc, false);
	fprintf(f, "\n## Availability of the items\n\n");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(doc, "availability"), i, e) {
		write_item(f, e);
	}
	if (!json_array_size(json_object_get(doc, "availability")))
		fprintf(f, "(no catalogued items)\n");
	write_policy(f, json_object_get(doc, "return_policy"));
}
