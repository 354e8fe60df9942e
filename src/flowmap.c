/* flowmap.c - the integration map: nodes and edges from the registry and
 * the rules, traffic from one grouped count of events and one of jobs.
 *
 * Sets of names (event types, rule names) are JSON objects used as sets:
 * a handful of entries each, and they turn into sorted JSON arrays for
 * the output.  Node and edge counts are small (the registry, the rules),
 * so the graph algorithms are the plain quadratic ones. */
#include "flowmap.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jobs_admin.h"
#include "rules.h"
#include "store_delivery.h"
#include "store_event.h"
#include "store_subsys.h"
#include "subsys_integration.h"
#include "subsystem.h"
#include "xalloc.h"

/* What `orrery ingest` writes (README, Events). */
static const char *const ingest_types[] = {
	"source.ingested",  "product.created",  "product.updated",  "variant.created",
	"variant.updated",  "customer.created", "customer.updated", "supplier.created",
	"supplier.updated", "inventory_level.created", "inventory_level.updated",
	"order.created",    "order.updated",    NULL
};

/* Every job's outcome is an event, whatever its subsystem declares. */
static const char *const job_types[] = { "job.succeeded", "job.dead", NULL };

struct node {
	const char *name, *kind, *purpose;
	const struct subsystem *sub; /* NULL: the ingest source or a connector */
	const struct connector *conn; /* a connector of connectors.json, or NULL */
	bool disabled;               /* a connector a 410 turned off */
	json_int_t calls, ok;        /* a connector's calls in the window */
	int64_t p95_ms;
	json_t *produces;            /* set of event types */
	bool paused;
	const char *breaker;
	json_int_t jobs, failed, succeeded, dead, events_out;
	int layer, dependants;
	double error_rate, priority;
};

struct edge {
	size_t from, to;
	const struct node *conn; /* the connector end of a connector's edge, or NULL */
	json_t *via, *rules; /* sets */
	json_int_t events;
};

struct map {
	struct node *nodes;
	size_t n;
	struct edge *edges;
	size_t nedges;
	int64_t window_ms;
};

/* --- sets ------------------------------------------------------------------ */

static bool set_add(json_t *set, const char *name)
{
	if (json_object_get(set, name))
		return false;
	json_object_set_new(set, name, json_true());
	return true;
}

static void set_add_all(json_t *set, const char *const *names)
{
	for (; names && *names; names++)
		set_add(set, *names);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The set's names as a sorted JSON array. */
static json_t *set_sorted(json_t *set)
{
	size_t n = json_object_size(set), i = 0;
	const char **names = xcalloc(n ? n : 1, sizeof *names);
	const char *k;
	json_t *v;
	json_object_foreach(set, k, v) {
		names[i++] = k;
	}
	qsort(names, n, sizeof *names, str_cmp);
	json_t *a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	free(names);
	return a;
}

static json_t *list_json(const char *const *names)
{
	json_t *set = json_object();
	set_add_all(set, names);
	json_t *a = set_sorted(set);
	json_decref(set);
	return a;
}

/* --- nodes and edges ------------------------------------------------------- */

/* The connectors of connectors.json, after the subsystems: what they carry
 * is drawn as their edges to the integration subsystem, so they produce no
 * event types of their own. */
static void connector_nodes(struct map *m)
{
	const struct connectors *cs = integration_connectors();
	size_t first = m->n - cs->n;
	for (size_t i = 0; i < cs->n; i++)
		m->nodes[first + i] = (struct node){
			.name = cs->v[i].name, .kind = "connector", .conn = &cs->v[i],
			.purpose = cs->v[i].kind == CONNECTOR_WEBHOOK
					   ? "webhook: subscribed events, signed"
				   : cs->v[i].kind == CONNECTOR_SHOPIFY
					   ? "shopify: products and orders pulled"
					   : "chat: asked by context customer --ask",
			.produces = json_object(), .breaker = "closed" };
}

static void nodes_init(struct map *m)
{
	size_t nsubs;
	const struct subsystem *const *subs = subsystem_all(&nsubs);
	m->n = nsubs + 1 + integration_connectors()->n;
	m->nodes = xcalloc(m->n, sizeof *m->nodes);
	m->nodes[0] = (struct node){ .name = "ingest", .kind = "source",
				     .purpose = "files loaded by orrery ingest",
				     .produces = json_object(), .breaker = "closed" };
	set_add_all(m->nodes[0].produces, ingest_types);
	for (size_t i = 0; i < nsubs; i++) {
		struct node *nd = &m->nodes[i + 1];
		*nd = (struct node){ .name = subs[i]->name, .kind = "subsystem",
				     .purpose = subs[i]->purpose, .sub = subs[i],
				     .produces = json_object(), .breaker = "closed" };
		set_add_all(nd->produces, subs[i]->produces);
		set_add_all(nd->produces, job_types);
	}
	connector_nodes(m);
}

/* Is any type of the set one the rule is on? */
static bool rule_hears(const struct rule *r, json_t *types)
{
	const char *t;
	json_t *v;
	json_object_foreach(types, t, v) {
		if (rule_on_matches(r, t))
			return true;
	}
	return false;
}

/* What rules emit in answer to a node's events is the node's output too,
 * and may set off further rules: add emits until nothing changes (each
 * pass adds a type or stops, so this ends). */
static void close_over_emits(struct node *nd, const struct rule_set *rules)
{
	bool grew = true;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < rules->n; i++) {
			const struct rule *r = &rules->rules[i];
			if (!r->enabled || !rule_hears(r, nd->produces))
				continue;
			for (size_t a = 0; a < r->nactions; a++)
				if (r->actions[a].kind == ACTION_EMIT && r->actions[a].emit_type)
					grew |= set_add(nd->produces, r->actions[a].emit_type);
		}
	}
}

static size_t node_of(const struct map *m, const struct subsystem *sub)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->nodes[i].sub == sub)
			return i;
	return 0;
}

/* The edge from -> to, made on first use: pairs merge into one edge. */
static struct edge *edge_get(struct map *m, size_t from, size_t to)
{
	for (size_t i = 0; i < m->nedges; i++)
		if (m->edges[i].from == from && m->edges[i].to == to)
			return &m->edges[i];
	m->edges = xrealloc(m->edges, (m->nedges + 1) * sizeof *m->edges);
	m->edges[m->nedges] = (struct edge){ .from = from, .to = to, .via = json_object(),
					     .rules = json_object() };
	return &m->edges[m->nedges++];
}

static bool subscribed(const char *t);

/* Edges of one type t produced by node a: through each rule on t that
 * enqueues a job, and to each subsystem that declares it consumes t. */
static void edges_of_type(struct map *m, size_t a, const char *t, const struct rule_set *rules)
{
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *r = &rules->rules[i];
		if (!r->enabled || !rule_on_matches(r, t))
			continue;
		for (size_t k = 0; k < r->nactions; k++) {
			const struct subsystem *owner = NULL;
			if (r->actions[k].kind != ACTION_ENQUEUE ||
			    !subsystem_job_kind(r->actions[k].job_kind, &owner))
				continue;
			struct edge *e = edge_get(m, a, node_of(m, owner));
			set_add(e->via, t);
			set_add(e->rules, r->name);
		}
	}
	for (size_t b = 1; b < m->n; b++) {
		if (!m->nodes[b].sub)
			continue;
		for (const char *const *c = m->nodes[b].sub->consumes; c && *c; c++)
			if (fnmatch(*c, t, 0) == 0)
				set_add(edge_get(m, a, b)->via, t);
		if (m->nodes[b].sub == &subsys_integration && a != b && subscribed(t))
			set_add(edge_get(m, a, b)->via, t);
	}
}

/* Does a webhook connector subscribe to t?  (Deliveries' own job outcomes
 * are never delivered; the integration node's job.* are not subscribed.) */
static bool subscribed(const char *t)
{
	const struct connectors *cs = integration_connectors();
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i].kind == CONNECTOR_WEBHOOK && connector_subscribes(&cs->v[i], t))
			return true;
	return false;
}

/* integration -> a webhook connector (deliveries), a shopify connector ->
 * integration (pulls). */
static void connector_edges(struct map *m)
{
	size_t integ = node_of(m, &subsys_integration);
	for (size_t v = 0; v < m->n; v++) {
		const struct connector *c = m->nodes[v].conn;
		if (!c || c->kind == CONNECTOR_CHAT) /* called by a command, not by a job */
			continue;
		bool out = c->kind == CONNECTOR_WEBHOOK;
		struct edge *e = out ? edge_get(m, integ, v) : edge_get(m, v, integ);
		e->conn = &m->nodes[v];
		for (size_t k = 0; k < c->nevents; k++)
			set_add(e->via, c->events[k]);
		if (!out) {
			set_add(e->via, "product.created");
			set_add(e->via, "order.created");
		}
	}
}

static void edges_build(struct map *m, const struct rule_set *rules)
{
	for (size_t a = 0; a < m->n; a++) {
		const char *t;
		json_t *v;
		json_object_foreach(m->nodes[a].produces, t, v) {
			edges_of_type(m, a, t, rules);
		}
	}
	connector_edges(m);
}

/* --- traffic --------------------------------------------------------------- */

/* Events of type t in the window that node nd produced: a job outcome
 * belongs to its job's subsystem; any other type to every producer. */
static json_int_t type_count(const struct node *nd, const char *t, json_t *counts)
{
	if (strcmp(t, "job.succeeded") == 0)
		return nd->succeeded;
	if (strcmp(t, "job.dead") == 0)
		return nd->dead;
	return json_integer_value(json_object_get(counts, t));
}

static json_int_t set_count(const struct node *nd, json_t *types, json_t *counts)
{
	json_int_t n = 0;
	const char *t;
	json_t *v;
	json_object_foreach(types, t, v) {
		n += type_count(nd, t, counts);
	}
	return n;
}

static void node_jobs(struct node *nd, json_t *per_sub)
{
	json_t *c = json_object_get(per_sub, nd->name);
	nd->jobs = json_integer_value(json_object_get(c, "jobs"));
	nd->failed = json_integer_value(json_object_get(c, "failed"));
	nd->succeeded = json_integer_value(json_object_get(c, "succeeded"));
	nd->dead = json_integer_value(json_object_get(c, "dead"));
}

static enum orr_rc node_state(struct node *nd, struct store *st, char **err)
{
	struct subsys_state ss;
	enum orr_rc rc = subsys_state_load(st, nd->name, &ss, err);
	nd->paused = ss.paused;
	nd->breaker = breaker_state_name(ss.breaker.state);
	return rc;
}

/* A connector's calls in the window (as its jobs: calls, failed ones) and
 * its breaker; a database older than the integration tables has none. */
static enum orr_rc connector_traffic(struct node *nd, struct store *st, int64_t since,
				     char **err)
{
	struct call_stats cs;
	struct connector_state state;
	enum orr_rc rc = call_stats(st, nd->name, since, &cs, err);
	if (rc == ORR_OK)
		rc = connector_state_load(st, nd->name, &state, err);
	if (rc != ORR_OK) {
		free(*err);
		*err = NULL;
		return ORR_OK;
	}
	nd->calls = nd->jobs = cs.calls;
	nd->ok = cs.ok;
	nd->failed = cs.calls - cs.ok;
	nd->p95_ms = cs.p95_ms;
	nd->disabled = state.disabled;
	nd->breaker = breaker_state_name(state.breaker.state);
	connector_state_clear(&state);
	return ORR_OK;
}

/* Every type any node produces, for the one grouped event count. */
static json_t *all_types(const struct map *m)
{
	json_t *set = json_object();
	for (size_t i = 0; i < m->n; i++)
		json_object_update(set, m->nodes[i].produces);
	json_t *a = set_sorted(set);
	json_decref(set);
	return a;
}

static enum orr_rc counts_read(struct map *m, struct store *st, int64_t now_ms, json_t **counts,
			       char **err)
{
	int64_t since = now_ms - m->window_ms, first;
	json_t *per_sub = NULL, *types = all_types(m);
	enum orr_rc rc = event_first_since(st, since, &first, err);
	if (rc == ORR_OK)
		rc = event_count_types(st, first, types, counts, err);
	if (rc == ORR_OK)
		rc = jobs_window_counts(st, since, now_ms, &per_sub, err);
	for (size_t i = 1; rc == ORR_OK && i < m->n; i++) {
		if (m->nodes[i].conn) {
			rc = connector_traffic(&m->nodes[i], st, since, err);
			continue;
		}
		node_jobs(&m->nodes[i], per_sub);
		rc = node_state(&m->nodes[i], st, err);
	}
	json_decref(per_sub);
	json_decref(types);
	return rc;
}

static enum orr_rc traffic(struct map *m, struct store *st, int64_t now_ms, char **err)
{
	json_t *counts = NULL;
	enum orr_rc rc = st ? counts_read(m, st, now_ms, &counts, err) : ORR_OK;
	if (rc != ORR_OK)
		return rc;
	for (size_t i = 0; i < m->n; i++)
		m->nodes[i].events_out = set_count(&m->nodes[i], m->nodes[i].produces, counts);
	for (size_t i = 0; i < m->nedges; i++)
		m->edges[i].events = m->edges[i].conn ? m->edges[i].conn->calls
			: set_count(&m->nodes[m->edges[i].from], m->edges[i].via, counts);
	json_decref(counts);
	return ORR_OK;
}

/* --- graph ----------------------------------------------------------------- */

/* Are all sources of v (self loops aside) placed? */
static bool ready(const struct map *m, size_t v, const bool *placed)
{
	for (size_t i = 0; i < m->nedges; i++)
		if (m->edges[i].to == v && m->edges[i].from != v && !placed[m->edges[i].from])
			return false;
	return true;
}

/* The next node to place: the ready one with the smallest name or, when
 * only cycles are left, the unplaced one with the smallest name (its
 * edges from unplaced nodes are the ones broken). */
static size_t next_node(const struct map *m, const bool *placed)
{
	size_t best = m->n, any = m->n;
	for (size_t v = 0; v < m->n; v++) {
		if (placed[v])
			continue;
		if (any == m->n || strcmp(m->nodes[v].name, m->nodes[any].name) < 0)
			any = v;
		if (ready(m, v, placed) &&
		    (best == m->n || strcmp(m->nodes[v].name, m->nodes[best].name) < 0))
			best = v;
	}
	return best < m->n ? best : any;
}

static void layers(struct map *m)
{
	bool *placed = xcalloc(m->n, sizeof *placed);
	for (size_t k = 0; k < m->n; k++) {
		size_t v = next_node(m, placed);
		int layer = 0;
		for (size_t i = 0; i < m->nedges; i++) {
			const struct edge *e = &m->edges[i];
			if (e->to == v && e->from != v && placed[e->from] &&
			    m->nodes[e->from].layer + 1 > layer)
				layer = m->nodes[e->from].layer + 1;
		}
		m->nodes[v].layer = layer;
		placed[v] = true;
	}
	free(placed);
}

/* How many other nodes can be reached from v. */
static int reach(const struct map *m, size_t v)
{
	bool *seen = xcalloc(m->n, sizeof *seen);
	size_t *todo = xcalloc(m->n, sizeof *todo), ntodo = 0;
	int count = 0;
	seen[v] = true;
	todo[ntodo++] = v;
	while (ntodo) {
		size_t u = todo[--ntodo];
		for (size_t i = 0; i < m->nedges; i++) {
			size_t w = m->edges[i].to;
			if (m->edges[i].from == u && !seen[w]) {
				seen[w] = true;
				todo[ntodo++] = w;
				count++;
			}
		}
	}
	free(seen);
	free(todo);
	return count;
}

static void scores(struct map *m)
{
	for (size_t v = 0; v < m->n; v++) {
		struct node *nd = &m->nodes[v];
		nd->dependants = reach(m, v);
		nd->error_rate = nd->jobs ? (double)nd->failed / (double)nd->jobs : 0.0;
		nd->priority = (double)(nd->jobs + nd->events_out) * nd->error_rate *
			       (1 + nd->dependants);
	}
}

/* --- output ---------------------------------------------------------------- */

/* Node a before node b: by layer, then name. */
static bool node_before(const struct map *m, size_t a, size_t b)
{
	const struct node *x = &m->nodes[a], *y = &m->nodes[b];
	return x->layer != y->layer ? x->layer < y->layer : strcmp(x->name, y->name) < 0;
}

static bool edge_before(const struct map *m, const struct edge *x, const struct edge *y)
{
	int c = strcmp(m->nodes[x->from].name, m->nodes[y->from].name);
	return c ? c < 0 : strcmp(m->nodes[x->to].name, m->nodes[y->to].name) < 0;
}

/* Insertion sorts: a few nodes and edges, and no global for qsort's
 * comparator (the console builds maps on a background thread). */
static size_t *node_order(const struct map *m)
{
	size_t *order = xcalloc(m->n, sizeof *order);
	for (size_t i = 0; i < m->n; i++) {
		size_t j = i;
		for (; j > 0 && node_before(m, i, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	return order;
}

static void edges_sort(struct map *m)
{
	for (size_t i = 1; i < m->nedges; i++) {
		struct edge e = m->edges[i];
		size_t j = i;
		for (; j > 0 && edge_before(m, &e, &m->edges[j - 1]); j--)
			m->edges[j] = m->edges[j - 1];
		m->edges[j] = e;
	}
}

static json_t *node_json(const struct node *nd)
{
	json_t *j = json_pack("{sssssssbss}", "name", nd->name, "kind", nd->kind, "purpose",
			      nd->purpose, "paused", nd->paused, "breaker", nd->breaker);
	json_object_set_new(j, "jobs", json_integer(nd->jobs));
	json_object_set_new(j, "failed", json_integer(nd->failed));
	json_object_set_new(j, "error_rate", json_real(nd->error_rate));
	json_object_set_new(j, "events_out", json_integer(nd->events_out));
	json_object_set_new(j, "dependants", json_integer(nd->dependants));
	json_object_set_new(j, "priority", json_real(nd->priority));
	json_object_set_new(j, "layer", json_integer(nd->layer));
	json_object_set_new(j, "produces", set_sorted(nd->produces));
	json_object_set_new(j, "consumes", list_json(nd->sub ? nd->sub->consumes : NULL));
	if (nd->conn) {
		json_object_set_new(j, "connector", json_string(connector_kind_name(nd->conn->kind)));
		json_object_set_new(j, "disabled", json_boolean(nd->disabled));
	}
	return j;
}

static json_t *edge_json(const struct map *m, const struct edge *e)
{
	json_t *j = json_pack("{ssss}", "from", m->nodes[e->from].name, "to", m->nodes[e->to].name);
	json_object_set_new(j, "via", set_sorted(e->via));
	json_object_set_new(j, "rules", set_sorted(e->rules));
	json_object_set_new(j, "events", json_integer(e->events));
	json_object_set_new(j, "per_min", json_real((double)e->events * 60000.0 /
						    (double)m->window_ms));
	if (e->conn) { /* measured calls of the connector on this edge */
		const struct node *c = e->conn;
		json_object_set_new(j, "calls", json_integer(c->calls));
		json_object_set_new(j, "success_rate",
				    c->calls ? json_real((double)c->ok / (double)c->calls) : json_null());
		json_object_set_new(j, "p95_ms", c->calls ? json_integer(c->p95_ms) : json_null());
		json_object_set_new(j, "breaker", json_string(c->breaker));
		json_object_set_new(j, "disabled", json_boolean(c->disabled));
	}
	return j;
}

static json_t *map_json(struct map *m)
{
	size_t *order = node_order(m);
	edges_sort(m);
	json_t *nodes = json_array(), *edges = json_array();
	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(nodes, node_json(&m->nodes[order[i]]));
	for (size_t i = 0; i < m->nedges; i++)
		json_array_append_new(edges, edge_json(m, &m->edges[i]));
	free(order);
	return json_pack("{sIsoso}", "window_ms", (json_int_t)m->window_ms, "nodes", nodes, "edges",
			 edges);
}

static void map_free(struct map *m)
{
	for (size_t i = 0; i < m->n; i++)
		json_decref(m->nodes[i].produces);
	for (size_t i = 0; i < m->nedges; i++) {
		json_decref(m->edges[i].via);
		json_decref(m->edges[i].rules);
	}
	free(m->nodes);
	free(m->edges);
}

enum orr_rc flowmap_build(struct store *st, const struct rule_set *rules, int64_t now_ms,
			  int64_t window_ms, json_t **out, char **err)
{
	*out = NULL;
	if (window_ms < 1 || now_ms < window_ms) {
		*err = xasprintf("map: the window must be at least 1 ms and start after 1970, not "
				 "%lld ms", (long long)window_ms);
		return ORR_USAGE;
	}
	static const struct rule_set none = { 0 };
	struct map m = { .window_ms = window_ms };
	nodes_init(&m);
	for (size_t i = 0; i < m.n; i++)
		close_over_emits(&m.nodes[i], rules ? rules : &none);
	edges_build(&m, rules ? rules : &none);
	enum orr_rc rc = traffic(&m, st, now_ms, err);
	if (rc == ORR_OK) {
		layers(&m);
		scores(&m);
		*out = map_json(&m);
	}
	map_free(&m);
	return rc;
}
