/* cli_serve.c - `orrery serve`: the inbound webhook server (serve.h), and
 * the options `orrery run --listen` shares with it. */
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "parse.h"
#include "runlog.h"
#include "serve.h"
#include "store.h"
#include "xalloc.h"

int cli_serve_options(struct cli *cli, struct serve_options *o)
{
	long long threads = cli_number(cli, "threads", serve_default_threads());
	long long max_body = cli_number(cli, "max-body", SERVE_DEFAULT_MAX_BODY);
	long long rate = cli_number(cli, "rate", SERVE_DEFAULT_RATE);
	if (threads < 1 || threads > 64 || max_body < 1 || max_body > 64 * 1024 * 1024 || rate < 0)
		return cli_fail(cli, ORR_USAGE,
				xstrdup("--threads is 1 to 64, --max-body 1 byte to 64 MiB, --rate a "
					"whole number of requests per second per client (0: no "
					"limit)"));
	const char *currency = cli_args_get(&cli->args, "currency");
	if (currency && currency_exponent(currency) < 0)
		return cli_fail(cli, ORR_USAGE,
				xasprintf("--currency takes an ISO 4217 code, not \"%s\"", currency));
	const char *format = cli_args_get(&cli->args, "log-format");
	bool json = false;
	if (!runlog_format_parse(format ? format : cli->log_format, &json))
		return cli_fail(cli, ORR_USAGE, xstrdup("--log-format takes text or json"));
	*o = (struct serve_options){ .db_path = cli->db_path,
				     .listen = cli_args_get(&cli->args, "listen"),
				     .threads = (int)threads, .max_body = (size_t)max_body,
				     .rate = rate == 0 ? -1 : (int)rate, .secrets = cli->secrets,
				     .currency = currency, .log = cli->errs, .log_json = json };
	return ORR_OK;
}

static int cmd_serve(struct cli *cli)
{
	struct serve_options o;
	int rc = cli_serve_options(cli, &o);
	if (rc != ORR_OK)
		return rc;
	if (!o.listen)
		return cli_fail(cli, ORR_USAGE, xstrdup("serve: --listen HOST:PORT is required"));
	if ((rc = cli_migrated(cli)) != ORR_OK)
		return rc;
	/* every pool thread opens its own connection */
	store_close(cli->st);
	cli->st = NULL;
	char *err = NULL;
	rc = serve_run(&o, NULL, &err);
	return rc == ORR_OK ? ORR_OK : cli_fail(cli, rc, err);
}

const struct cli_command cli_serve_commands[] = {
	{ "serve", "serve --listen HOST:PORT [--threads N] [--max-body BYTES] [--rate N] "
		   "[--currency CODE]",
	  "receive signed webhooks over HTTP into the database",
	  "Listens on HOST:PORT (a numeric address; port 0 picks a free one, printed on\n"
	  "start) until SIGINT or SIGTERM, then finishes the requests in flight.\n\n"
	  "  POST /webhooks/shopify/TOPIC  Shopify: X-Shopify-Hmac-Sha256 over the raw body\n"
	  "                                with the secret shopify.webhook_secret; replays\n"
	  "                                (X-Shopify-Webhook-Id seen before) change nothing\n"
	  "  POST /webhooks/standard       Standard Webhooks: webhook-id, webhook-timestamp\n"
	  "                                (5 minutes either way), webhook-signature with\n"
	  "                                standard.webhook_secret (whsec_..., a list while\n"
	  "                                rotating); payload {\"type\": TOPIC, \"data\": {...}}\n"
	  "  GET  /healthz                 200 when the database answers\n"
	  "  GET  /metrics                 Prometheus text: requests, webhooks, KPIs\n\n"
	  "TOPIC is products/create, products/update, orders/create or\n"
	  "inventory_levels/update; payloads are stored through ingest's JSON Lines\n"
	  "importer, so their events reach the rules (`orrery run`, or `run --listen`).\n"
	  "Answers: 200 stored or duplicate, 401 bad signature (no detail), 404, 405,\n"
	  "413 body over --max-body (default 1 MiB), 422 payload refused, 429 client\n"
	  "over --rate requests/s (default 100; 0: no limit), 503 database failure.\n"
	  "Secrets come from secrets.json (see --secrets), never from the command line.\n\n"
	  "  --threads N       the pool's threads, each with its own connection (default: one per CPU)\n"
	  "  --currency CODE   the shop's currency for product prices (default USD)\n"
	  "  --log-format F    refusals as text lines, or every line as JSON",
	  DB_WRITE,
	  { { "listen", true, NULL }, OPTS_SERVE, { "log-format", true, NULL }, OPT_HELP },
	  cmd_serve },
};

const int cli_serve_ncommands = sizeof cli_serve_commands / sizeof *cli_serve_commands;
