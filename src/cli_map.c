/* cli_map.c - `map`: the integration map of flowmap_build as a table by
 * integration priority, as JSON, or as Graphviz.  Registered in
 * cli_rules.c's command table with the other decision-layer commands. */
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "clock.h"
#include "flowmap.h"
#include "store.h"
#include "xalloc.h"

#define DEFAULT_WINDOW_MS 3600000 /* 1h */

/* Nodes by priority, highest first; ties by name. */
static int by_priority(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	double px = cli_real(x, "priority"), py = cli_real(y, "priority");
	if (px != py)
		return px > py ? -1 : 1;
	return strcmp(cli_text(x, "name"), cli_text(y, "name"));
}

static double per_min(json_t *map, json_int_t n)
{
	return (double)n * 60000.0 / (double)cli_int(map, "window_ms");
}

static void map_nodes_text(struct cli *cli, json_t *map)
{
	json_t *nodes = json_object_get(map, "nodes");
	size_t n = json_array_size(nodes);
	json_t **v = xcalloc(n ? n : 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(nodes, i);
	qsort(v, n, sizeof *v, by_priority);
	fprintf(cli->out, "%-12s %-9s %5s %-9s %-6s %7s %7s %10s %4s %10s\n", "node", "kind",
		"layer", "breaker", "paused", "jobs", "errors", "events/min", "deps", "priority");
	for (size_t i = 0; i < n; i++)
		fprintf(cli->out, "%-12s %-9s %5lld %-9s %-6s %7lld %6.1f%% %10.2f %4lld %10.2f\n",
			cli_text(v[i], "name"), cli_text(v[i], "kind"), cli_int(v[i], "layer"),
			cli_text(v[i], "breaker"),
			json_is_true(json_object_get(v[i], "paused")) ? "yes" : "no",
			cli_int(v[i], "jobs"), 100.0 * cli_real(v[i], "error_rate"),
			per_min(map, cli_int(v[i], "events_out")), cli_int(v[i], "dependants"),
			cli_real(v[i], "priority"));
	free(v);
}

/* "a, b, c" of a JSON array of strings; caller frees. */
static char *joined(json_t *list)
{
	char *s = xstrdup("");
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		char *more = xasprintf("%s%s%s", s, i ? ", " : "", json_string_value(e));
		free(s);
		s = more;
	}
	return s;
}

/* "ok 97.5%  p95 12 ms" of a connector's edge, "no calls" without any. */
static void connector_health(json_t *e, char *out, size_t size)
{
	if (cli_int(e, "calls") == 0)
		snprintf(out, size, "no calls");
	else
		snprintf(out, size, "ok %.1f%%  p95 %lld ms", 100.0 * cli_real(e, "success_rate"),
			 cli_int(e, "p95_ms"));
}

static void connector_edge_text(struct cli *cli, json_t *e, const char *via)
{
	char health[64];
	connector_health(e, health, sizeof health);
	fprintf(cli->out, "  %s -> %s  %.2f calls/min (%lld calls)  %s  breaker %s%s  via %s\n",
		cli_text(e, "from"), cli_text(e, "to"), cli_real(e, "per_min"), cli_int(e, "calls"),
		health, cli_text(e, "breaker"),
		json_is_true(json_object_get(e, "disabled")) ? " (disabled: 410)" : "", via);
}

static void map_edges_text(struct cli *cli, json_t *map)
{
	fprintf(cli->out, "\nflows:\n");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(map, "edges"), i, e) {
		char *via = joined(json_object_get(e, "via"));
		char *rules = joined(json_object_get(e, "rules"));
		if (json_object_get(e, "calls")) {
			connector_edge_text(cli, e, via);
			free(via);
			free(rules);
			continue;
		}
		fprintf(cli->out, "  %s -> %s  %.2f/min (%lld events)  via %s  %s%s\n",
			cli_text(e, "from"), cli_text(e, "to"), cli_real(e, "per_min"),
			cli_int(e, "events"), via, *rules ? "rules " : "(the consumer declares it)",
			rules);
		free(via);
		free(rules);
	}
	if (json_array_size(json_object_get(map, "edges")) == 0)
		fprintf(cli->out, "  none: no rule in force connects two nodes\n");
}

/* Graphviz: nodes ranked by layer, edges labelled with their rate. */
static void map_dot(struct cli *cli, json_t *map)
{
	fprintf(cli->out, "digraph orrery {\n  rankdir=LR;\n  node [shape=box];\n");
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(map, "nodes"), i, x) {
		bool conn = strcmp(cli_text(x, "kind"), "connector") == 0;
		fprintf(cli->out, "  \"%s\" [label=\"%s\\n%lld %s, %.0f%% failed\"%s];\n",
			cli_text(x, "name"), cli_text(x, "name"), cli_int(x, "jobs"),
			conn ? "calls" : "jobs", 100.0 * cli_real(x, "error_rate"),
			strcmp(cli_text(x, "kind"), "source") == 0 ? ", shape=ellipse"
			: conn ? ", shape=component" : "");
	}
	json_array_foreach(json_object_get(map, "edges"), i, x) {
		char *rules = joined(json_object_get(x, "rules"));
		if (json_object_get(x, "calls")) {
			char health[64];
			connector_health(x, health, sizeof health);
			const char *b = cli_text(x, "breaker");
			fprintf(cli->out, "  \"%s\" -> \"%s\" [label=\"%.2f calls/min\\n%s\\nbreaker "
				"%s\"%s];\n", cli_text(x, "from"), cli_text(x, "to"),
				cli_real(x, "per_min"), health, b,
				strcmp(b, "closed") != 0 ? ", color=red" : "");
		} else {
			fprintf(cli->out, "  \"%s\" -> \"%s\" [label=\"%.2f/min\", tooltip=\"%s\"];\n",
				cli_text(x, "from"), cli_text(x, "to"), cli_real(x, "per_min"), rules);
		}
		free(rules);
	}
	fprintf(cli->out, "}\n");
}

/* --window: a duration of the rule language ("15m", "1h", "7d"). */
static int window_option(struct cli *cli, int64_t *window_ms)
{
	const char *w = cli_args_get(&cli->args, "window");
	*window_ms = w ? rules_parse_duration(w) : DEFAULT_WINDOW_MS;
	if (*window_ms >= 1)
		return ORR_OK;
	return cli_fail(cli, ORR_USAGE, xasprintf("map: --window takes a duration such as 15m, "
						  "1h or 7d, not \"%s\"", w));
}

int cli_map_cmd(struct cli *cli)
{
	int64_t window_ms;
	int rc = window_option(cli, &window_ms);
	if (rc != ORR_OK)
		return rc;
	if (cli->args.npos > 0)
		return cli_fail(cli, ORR_USAGE, xasprintf("map: unexpected argument \"%s\"",
							  cli->args.pos[0]));
	struct rule_set rules = { 0 };
	if ((rc = cli_load_rules(cli, &rules)) != ORR_OK)
		return rc;
	struct store *st = cli_open_if_present(cli);
	json_t *map = NULL;
	char *err = NULL;
	rc = flowmap_build(st, &rules, clock_now(&clock_system), window_ms, &map, &err);
	store_close(st);
	rule_set_free(&rules);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, map);
		return ORR_OK;
	}
	if (cli->dot) {
		map_dot(cli, map);
	} else {
		map_nodes_text(cli, map);
		map_edges_text(cli, map);
	}
	json_decref(map);
	return ORR_OK;
}
