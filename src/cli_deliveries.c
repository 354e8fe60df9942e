/* cli_deliveries.c - `deliveries` (the outbound webhook log: list, show,
 * replay) and `connectors` (list with state and traffic, enable, pull). */
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "clock.h"
#include "jobs.h"
#include "store_delivery.h"
#include "subsys_integration.h"
#include "xalloc.h"

#define STATS_WINDOW_MS (60 * 60 * 1000)

/* --- deliveries ------------------------------------------------------------ */

static bool state_valid(const char *s)
{
	return !s || strcmp(s, "pending") == 0 || strcmp(s, "delivered") == 0 ||
	       strcmp(s, "dead") == 0;
}

static void print_delivery_row(struct cli *cli, json_t *d)
{
	char status[8] = "-", latency[16] = "-";
	if (json_is_integer(json_object_get(d, "last_status")))
		snprintf(status, sizeof status, "%lld", cli_int(d, "last_status"));
	if (json_is_integer(json_object_get(d, "latency_ms")))
		snprintf(latency, sizeof latency, "%lldms", cli_int(d, "latency_ms"));
	fprintf(cli->out, "%6lld  %-16s %-9s %4lld  %-6s %-8s %-22s %s\n", cli_int(d, "id"),
		cli_text(d, "connector"), cli_text(d, "state"), cli_int(d, "attempts"), status,
		latency, cli_text(d, "event_type"), cli_text(d, "last_error"));
}

static int deliveries_list(struct cli *cli)
{
	const char *state = cli_args_get(&cli->args, "state");
	long long limit = cli_number(cli, "limit", 50);
	if (limit < 0)
		return ORR_USAGE;
	if (!state_valid(state))
		return cli_fail(cli, ORR_USAGE,
				xasprintf("deliveries: --state must be pending, delivered or dead"));
	json_t *rows = NULL;
	char *err = NULL;
	int rc = delivery_list(cli->st, state, cli_args_get(&cli->args, "connector"), (long)limit,
			       &rows, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, rows);
		return ORR_OK;
	}
	fprintf(cli->out, "%6s  %-16s %-9s %4s  %-6s %-8s %-22s %s\n", "id", "connector", "state",
		"att", "status", "latency", "event", "last error");
	size_t i;
	json_t *d;
	json_array_foreach(rows, i, d)
		print_delivery_row(cli, d);
	json_decref(rows);
	return ORR_OK;
}

static void print_calls(struct cli *cli, json_t *calls)
{
	size_t i;
	json_t *c;
	json_array_foreach(calls, i, c) {
		char at[CLOCK_TEXT_LEN], status[8] = "-";
		clock_format(cli_int(c, "at"), at);
		if (json_is_integer(json_object_get(c, "status")))
			snprintf(status, sizeof status, "%lld", cli_int(c, "status"));
		fprintf(cli->out, "  %zu. %s job %lld  %s %s  %lld ms%s%s\n", i + 1, at,
			cli_int(c, "job_id"), cli_text(c, "method"), status, cli_int(c, "latency_ms"),
			*cli_text(c, "error") ? "  " : "", cli_text(c, "error"));
	}
}

static int deliveries_show(struct cli *cli)
{
	long long id = cli_id_arg(cli, 1, "delivery");
	if (id < 0)
		return ORR_USAGE;
	json_t *d = NULL;
	char *err = NULL;
	int rc = delivery_show(cli->st, id, &d, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, d);
		return ORR_OK;
	}
	static const char *const fields[] = { "connector", "event_id", "event_type", "msg_id",
					      "state", "attempts", "last_status", "latency_ms",
					      "last_error", "replays", "job_id" };
	fprintf(cli->out, "delivery %lld\n", id);
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		json_t *v = json_object_get(d, fields[i]);
		if (json_is_integer(v))
			fprintf(cli->out, "  %-12s %lld\n", fields[i], (long long)json_integer_value(v));
		else if (json_is_string(v))
			fprintf(cli->out, "  %-12s %s\n", fields[i], json_string_value(v));
	}
	fprintf(cli->out, "calls:\n");
	print_calls(cli, json_object_get(d, "calls"));
	json_decref(d);
	return ORR_OK;
}

static int deliveries_replay(struct cli *cli)
{
	long long id = cli_id_arg(cli, 1, "delivery");
	if (id < 0)
		return ORR_USAGE;
	int64_t job = 0;
	char *err = NULL;
	int rc = integration_replay(cli->st, &clock_system, id, &job, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json)
		cli_emit_json(cli, json_pack("{sIsI}", "delivery_id", (json_int_t)id, "job_id",
					     (json_int_t)job));
	else
		fprintf(cli->out, "delivery %lld queued again as job %lld (same webhook-id)\n", id,
			(long long)job);
	return ORR_OK;
}

static int cmd_deliveries(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "list", deliveries_list },
		{ "show", deliveries_show },
		{ "replay", deliveries_replay },
	};
	int rc = cli_migrated(cli);
	return rc == ORR_OK ? CLI_DISPATCH(cli, "deliveries", verbs) : rc;
}

/* --- connectors ------------------------------------------------------------ */

static json_t *connector_json(struct cli *cli, const struct connector *c, int64_t now,
			      char **err)
{
	struct connector_state cs;
	struct call_stats stats;
	if (connector_state_load(cli->st, c->name, &cs, err) != ORR_OK)
		return NULL;
	if (call_stats(cli->st, c->name, now - STATS_WINDOW_MS, &stats, err) != ORR_OK) {
		connector_state_clear(&cs);
		return NULL;
	}
	json_t *events = json_array();
	for (size_t i = 0; i < c->nevents; i++)
		json_array_append_new(events, json_string(c->events[i]));
	json_t *j = json_pack("{ss ss ss ss ss* so sb ss* ss sI sI sI}", "name", c->name, "kind",
			      connector_kind_name(c->kind), "url", c->url, "auth",
			      connector_auth_name(c->auth), "secret_key", c->secret, "events",
			      events, "disabled", cs.disabled, "disabled_reason",
			      cs.disabled_reason, "breaker", breaker_state_name(cs.breaker.state),
			      "calls_1h", (json_int_t)stats.calls, "ok_1h", (json_int_t)stats.ok,
			      "p95_ms_1h", (json_int_t)stats.p95_ms);
	connector_state_clear(&cs);
	return j;
}

static int connectors_list(struct cli *cli)
{
	const struct connectors *cs = integration_connectors();
	json_t *rows = json_array();
	char *err = NULL;
	int64_t now = clock_now(&clock_system);
	for (size_t i = 0; i < cs->n; i++) {
		json_t *j = connector_json(cli, &cs->v[i], now, &err);
		if (!j) {
			json_decref(rows);
			return cli_fail(cli, ORR_IOERR, err);
		}
		json_array_append_new(rows, j);
	}
	if (cli->json) {
		cli_emit_json(cli, rows);
		return ORR_OK;
	}
	if (cs->n == 0)
		fprintf(cli->out, "no connectors (%s beside the database describes them)\n",
			CONNECTORS_FILE);
	size_t i;
	json_t *c;
	json_array_foreach(rows, i, c)
		fprintf(cli->out, "%-16s %-8s %-9s %-9s calls/h %-6lld ok %-6lld p95 %lld ms  %s\n",
			cli_text(c, "name"), cli_text(c, "kind"),
			json_is_true(json_object_get(c, "disabled")) ? "disabled" : "enabled",
			cli_text(c, "breaker"), cli_int(c, "calls_1h"), cli_int(c, "ok_1h"),
			cli_int(c, "p95_ms_1h"), cli_text(c, "url"));
	json_decref(rows);
	return ORR_OK;
}

static const struct connector *named_connector(struct cli *cli, const char *verb)
{
	const char *name = cli->args.npos >= 2 ? cli->args.pos[1] : NULL;
	const struct connector *c = name ? connectors_find(integration_connectors(), name) : NULL;
	if (!c)
		cli_fail(cli, ORR_USAGE,
			 name ? xasprintf("connectors %s: no connector \"%s\" in %s", verb, name,
					  CONNECTORS_FILE)
			      : xasprintf("connectors %s: give a connector name", verb));
	return c;
}

static int connectors_enable(struct cli *cli)
{
	const struct connector *c = named_connector(cli, "enable");
	if (!c)
		return ORR_USAGE;
	char *err = NULL;
	int rc = connector_set_disabled(cli->st, c->name, false, NULL, clock_now(&clock_system),
					&err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	fprintf(cli->out, "connector %s enabled\n", c->name);
	return ORR_OK;
}

static int connectors_pull(struct cli *cli)
{
	const struct connector *c = named_connector(cli, "pull");
	if (!c)
		return ORR_USAGE;
	const char *res = cli->args.npos >= 3 ? cli->args.pos[2] : "products";
	long long limit = cli_number(cli, "limit", 250);
	if (limit < 0)
		return ORR_USAGE;
	if (strcmp(res, "products") != 0 && strcmp(res, "orders") != 0)
		return cli_fail(cli, ORR_USAGE,
				xstrdup("connectors pull: the resource is products or orders"));
	if (limit < 1 || limit > 250)
		return cli_fail(cli, ORR_USAGE, xstrdup("connectors pull: --limit is 1 to 250"));
	json_t *a = json_pack("{sssssI}", "connector", c->name, "resource", res, "limit",
			      (json_int_t)limit);
	char *args = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	struct job_spec spec = { .kind = "integration.pull", .args = args };
	int64_t id = 0;
	bool existed = false;
	char *err = NULL;
	int rc = jobs_enqueue(cli->st, &spec, clock_now(&clock_system), &id, &existed, &err);
	free(args);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	fprintf(cli->out, "job %lld queued: pull %s from %s (`orrery run` runs it)\n",
		(long long)id, res, c->name);
	return ORR_OK;
}

static int cmd_connectors(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "list", connectors_list },
		{ "enable", connectors_enable },
		{ "pull", connectors_pull },
	};
	int rc = cli_migrated(cli);
	return rc == ORR_OK ? CLI_DISPATCH(cli, "connectors", verbs) : rc;
}

const struct cli_command cli_deliveries_commands[] = {
	{ "deliveries",
	  "deliveries [list|show ID|replay ID] [--state pending|delivered|dead] "
	  "[--connector NAME] [--limit N] [--format json]",
	  "outbound webhook deliveries: status, attempts, latency; replay",
	  "list shows deliveries newest first (--limit, default 50): connector, state,\n"
	  "attempts, the latest HTTP status and latency, the event type and the last\n"
	  "error.  show ID adds every call made for it.  replay ID queues a delivered or\n"
	  "dead delivery again with the same webhook-id (`orrery run` sends it).",
	  DB_WRITE,
	  { { "state", true, NULL }, { "connector", true, NULL }, { "limit", true, NULL },
	    OPT_FORMAT_OUT, OPT_HELP },
	  cmd_deliveries },
	{ "connectors", "connectors [list|enable NAME|pull NAME [products|orders]] [--limit N] "
	  "[--format json]",
	  "the connectors of connectors.json: state, breaker, traffic; enable; pull",
	  "list shows each connector with its kind, whether a 410 disabled it, its\n"
	  "circuit breaker and the last hour's calls, successes and p95 latency.\n"
	  "enable NAME turns a disabled connector back on.  pull NAME products|orders\n"
	  "queues an integration.pull job (--limit: page size, 1-250, default 250).",
	  DB_WRITE,
	  { { "limit", true, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_connectors },
};

const int cli_deliveries_ncommands =
	sizeof cli_deliveries_commands / sizeof *cli_deliveries_commands;
