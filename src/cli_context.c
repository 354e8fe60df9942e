/* cli_context.c - `context customer ID|EMAIL`: the customer-service
 * context of context.c, as text for a chatbot's prompt or as JSON. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat.h"
#include "cli_internal.h"
#include "clock.h"
#include "context.h"
#include "parse.h"
#include "subsys_integration.h"
#include "xalloc.h"

/* The chat connector --ask goes to, checked before any work is done. */
static int ask_connector(struct cli *cli, const struct connector **c)
{
	const char *ask = cli_args_get(&cli->args, "ask");
	const char *name = cli_args_get(&cli->args, "connector");
	if (!ask) {
		*c = NULL;
		return name ? cli_fail(cli, ORR_USAGE, xstrdup("context: --connector goes with --ask"))
			    : ORR_OK;
	}
	if (!*ask)
		return cli_fail(cli, ORR_USAGE, xstrdup("context: --ask needs a question"));
	char *path = connectors_path_beside(cli->db_path), *err = NULL;
	int rc = chat_pick(integration_connectors(), name, path, c, &err);
	free(path);
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, err);
}

/* Send the document with the question; print the answer (text), or the
 * document, the question and the answer with its model and usage (JSON). */
static int ask(struct cli *cli, const struct connector *c, json_t *doc)
{
	const char *question = cli_args_get(&cli->args, "ask");
	struct chat_call call = { .progress = cli_args_get(&cli->args, "progress") ||
							  isatty(fileno(cli->errs))
						  ? cli->errs
						  : NULL };
	struct chat_answer a;
	char *err = NULL;
	int rc = chat_ask(c, cli->secrets, doc, question, &call, &a, &err);
	if (rc != ORR_OK) {
		json_decref(doc);
		return cli_fail(cli, rc, err);
	}
	if (cli->json) {
		json_t *j = json_pack("{so ss ss ss ss* so* so}", "context", doc, "question", question,
				      "connector", c->name, "model", a.model, "finish_reason",
				      a.finish_reason, "usage", a.usage ? json_incref(a.usage) : json_null(),
				      "answer", json_string(a.content));
		chat_answer_clear(&a);
		if (!j)
			return cli_fail(cli, ORR_PROTOCOL,
					xstrdup("context: the answer is not valid UTF-8 text"));
		cli_emit_json(cli, j);
		return ORR_OK;
	}
	json_decref(doc);
	size_t n = strlen(a.content);
	fprintf(cli->out, "%s%s", a.content, n && a.content[n - 1] == '\n' ? "" : "\n");
	chat_answer_clear(&a);
	return ORR_OK;
}

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
	const struct connector *chat = NULL;
	int rc = ask_connector(cli, &chat);
	if (rc != ORR_OK)
		return rc;
	json_t *doc = NULL;
	char *err = NULL;
	rc = context_customer(cli->st, cli->args.pos[1], &o, &doc, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (chat)
		return ask(cli, chat, doc);
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
	{ "context", "context customer ID|EMAIL [--orders N] [--at TIME] [--ask QUESTION [--connector NAME]] [--format json]",
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
	  "  --at TIME    judge lateness and return windows at TIME, not now\n"
	  "  --ask QUESTION  send the document (as JSON) with QUESTION to the chat\n"
	  "               connector (connectors.json: kind \"chat\", an OpenAI-\n"
	  "               compatible {url}/chat/completions, e.g. llama.cpp's server)\n"
	  "               and print its answer; with --format json the document,\n"
	  "               the question, the answer, the model and its usage\n"
	  "  --connector NAME  which chat connector (needed when there are several)\n"
	  "  --progress   show the attempts on stderr (default on a terminal)\n\n"
	  "No customer: exit 66.  A key that names different people: exit 65.\n"
	  "--ask: no chat connector, or several and no --connector: exit 64; the\n"
	  "endpoint down, refusing, or still failing after a few retries (408, 429,\n"
	  "5xx, Retry-After honoured): exit 69; an answer that is not a chat\n"
	  "completion: exit 76; the connector's secret missing from secrets.json: 66.",
	  DB_READ, { { "orders", true, NULL }, { "at", true, NULL }, { "ask", true, NULL },
		     { "connector", true, NULL }, { "progress", false, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_context },
};

const int cli_context_ncommands = sizeof cli_context_commands / sizeof *cli_context_commands;
