/* cli_context.c - `context customer ID|EMAIL`: the customer-service
 * context of context.c, as text for a chatbot's prompt or as JSON. */
#include <string.h>

#include "cli_internal.h"
#include "clock.h"
#include "context.h"
#include "parse.h"
#include "xalloc.h"

static int customer_cmd(struct cli *cli)
{
	if (cli->args.npos != 2 || !*cli->args.pos[1])
		return cli_fail(cli, ORR_USAGE,
				xstrdup("context customer: which customer? (one ID, key or EMAIL)"));
	long long max = cli_number(cli, "orders", 50);
	if (max < 0)
		return ORR_USAGE;
	struct context_options o = { .now_ms = clock_now(&clock_system), .max_orders = (long)max };
	const char *at = cli_args_get(&cli->args, "at"), *why = NULL;
	char t[PARSE_TIME_LEN];
	if (at && (parse_time(at, t, &why) != PARSE_OK || (o.now_ms = clock_parse(t)) < 0))
		return cli_fail(cli, ORR_USAGE,
				xasprintf("context: --at \"%s\" is not a time: %s", at,
					  why ? why : "out of range"));
	json_t *doc = NULL;
	char *err = NULL;
	int rc = context_customer(cli->st, cli->args.pos[1], &o, &doc, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, doc);
		return ORR_OK;
	}
	context_write_text(cli->out, doc);
	json_decref(doc);
	return ORR_OK;
}

static int cmd_context(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "customer", customer_cmd },
	};
	if (cli->args.npos == 0)
		return cli_fail(cli, ORR_USAGE, xstrdup("context: what about? (customer ID|EMAIL)"));
	return CLI_DISPATCH(cli, "context", verbs);
}

const struct cli_command cli_context_commands[] = {
	{ "context", "context customer ID|EMAIL [--orders N] [--at TIME] [--format json]",
	  "everything customer service needs about one customer, in one document",
	  "customer ID|EMAIL: the customer named by an email (any case), a key of any\n"
	  "source or a numeric id, with every other id of the same person (Olist's\n"
	  "customer_unique_id, or the same email); their orders newest first with\n"
	  "lines, delivery status (processing, shipped, delivered, cancelled,\n"
	  "return, or not tracked when the source records no fulfilment), lateness\n"
	  "against the estimate and, for delivered orders, whether the return window\n"
	  "is still open; the availability of the items of the orders shown and of\n"
	  "every open order (stock,\n"
	  "approved purchase orders and when they are expected); and the return\n"
	  "policy (data/policies/returns.json, or policies/returns.json beside the\n"
	  "database).  Text is written for a language model's prompt.\n\n"
	  "  --orders N   orders listed in full, newest first (default 50); the\n"
	  "               counts cover all of them\n"
	  "  --at TIME    judge lateness and return windows at TIME, not now\n\n"
	  "No customer: exit 66.  A key that names different people: exit 65.",
	  DB_READ, { { "orders", true, NULL }, { "at", true, NULL }, OPT_FORMAT_OUT, OPT_HELP }, cmd_context },
};

const int cli_context_ncommands = sizeof cli_context_commands / sizeof *cli_context_commands;
