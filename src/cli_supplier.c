/* cli_supplier.c - `supplier` (purchase orders and supplier terms) and
 * `marketing` (the signals sent).  The work is done by the supplier and
 * marketing subsystems under `orrery run`; these commands load terms and
 * show what was decided. */
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "clock.h"
#include "operator.h"
#include "store.h"
#include "store_po.h"
#include "subsys_supplier.h"
#include "supplier_terms.h"
#include "xalloc.h"

static const char *const po_states[] = { "proposed", "approved", "delivered", "rejected",
					 "received" };

static bool po_state_valid(const char *s)
{
	for (size_t i = 0; i < sizeof po_states / sizeof *po_states; i++)
		if (strcmp(po_states[i], s) == 0)
			return true;
	return false;
}

static int orders_cmd(struct cli *cli)
{
	const char *state = cli_args_get(&cli->args, "state");
	if (state && !po_state_valid(state))
		return cli_fail(cli, ORR_USAGE,
				xasprintf("supplier: unknown --state \"%s\" (proposed, approved, "
					  "delivered, rejected, received)", state));
	long long limit = cli_number(cli, "limit", 100);
	if (limit < 0)
		return ORR_USAGE;
	json_t *rows = NULL;
	char *err = NULL;
	int rc = po_list(cli->st, state, (long)limit, &rows, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, rows);
		return ORR_OK;
	}
	fprintf(cli->out, "%6s  %-12s %-9s %-16s %8s %14s  %s\n", "id", "number", "state", "sku",
		"quantity", "value", "supplier");
	size_t i;
	json_t *po;
	json_array_foreach(rows, i, po) {
		char *value = supplier_money_text(cli_int(po, "value_minor"), cli_text(po, "currency"));
		fprintf(cli->out, "%6lld  %-12s %-9s %-16s %8lld %14s  %s\n", cli_int(po, "id"),
			cli_text(po, "number"), cli_text(po, "state"), cli_text(po, "sku"),
			cli_int(po, "quantity"), value, cli_text(po, "supplier_key"));
		free(value);
	}
	if (json_array_size(rows) == 0)
		fprintf(cli->out, "(no purchase orders%s%s)\n", state ? " in state " : "",
			state ? state : "");
	json_decref(rows);
	return ORR_OK;
}

static void print_time(struct cli *cli, const char *label, json_t *po, const char *field)
{
	if (!json_is_integer(json_object_get(po, field)))
		return;
	char when[CLOCK_TEXT_LEN];
	clock_format(cli_int(po, field), when);
	fprintf(cli->out, "%-13s %s\n", label, when);
}

static void show_text(struct cli *cli, json_t *po)
{
	char *unit = supplier_money_text(cli_int(po, "unit_cost_minor"), cli_text(po, "currency"));
	char *value = supplier_money_text(cli_int(po, "value_minor"), cli_text(po, "currency"));
	fprintf(cli->out, "%-13s %s (id %lld)\n%-13s %s\n%-13s %s (%s)\n%-13s %s\n",
		"order", cli_text(po, "number"), cli_int(po, "id"), "state", cli_text(po, "state"),
		"supplier", cli_text(po, "supplier_name"), cli_text(po, "supplier_key"), "sku",
		cli_text(po, "sku"));
	fprintf(cli->out, "%-13s %lld x %s = %s\n%-13s event %lld (stockout.risk)\n", "quantity",
		cli_int(po, "quantity"), unit, value, "answers", cli_int(po, "event_id"));
	print_time(cli, "proposed", po, "created_at");
	print_time(cli, "approved", po, "approved_at");
	if (*cli_text(po, "approved_by"))
		fprintf(cli->out, "%-13s %s\n", "approved by", cli_text(po, "approved_by"));
	print_time(cli, "delivered", po, "delivered_at");
	if (*cli_text(po, "delivered_to"))
		fprintf(cli->out, "%-13s %s\n", "delivered to", cli_text(po, "delivered_to"));
	print_time(cli, "received", po, "received_at");
	if (*cli_text(po, "received_by"))
		fprintf(cli->out, "%-13s %s\n", "received by", cli_text(po, "received_by"));
	fprintf(cli->out, "\n%s", cli_text(po, "rationale"));
	free(unit);
	free(value);
}

static int show_cmd(struct cli *cli)
{
	if (cli->args.npos < 2)
		return cli_fail(cli, ORR_USAGE, xstrdup("supplier show: which order? (an id)"));
	long long id = cli_id_arg(cli, 1, "purchase order");
	if (id < 0)
		return ORR_USAGE;
	json_t *po = NULL;
	char *err = NULL;
	int rc = po_get(cli->st, id, &po, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json)
		cli_emit_json(cli, po);
	else {
		show_text(cli, po);
		json_decref(po);
	}
	return ORR_OK;
}

static int terms_list(struct cli *cli)
{
	json_t *rows = NULL;
	char *err = NULL;
	int rc = po_terms_list(cli->st, &rows, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, rows);
		return ORR_OK;
	}
	fprintf(cli->out, "%-16s %-14s %12s %6s %6s %6s %6s %-8s\n", "sku", "supplier",
		"unit cost", "moq", "pack", "lead", "sd", "delivery");
	size_t i;
	json_t *t;
	json_array_foreach(rows, i, t) {
		char *cost = supplier_money_text(cli_int(t, "unit_cost_minor"), cli_text(t, "currency"));
		char sd[16] = "-";
		if (json_is_number(json_object_get(t, "lead_time_sd_days")))
			snprintf(sd, sizeof sd, "%.1f", cli_real(t, "lead_time_sd_days"));
		fprintf(cli->out, "%-16s %-14s %12s %6lld %6lld %6.1f %6s %-8s\n", cli_text(t, "sku"),
			cli_text(t, "supplier_key"), cost, cli_int(t, "min_order"),
			cli_int(t, "pack_size"), cli_real(t, "lead_time_days"), sd,
			cli_text(t, "delivery"));
		free(cost);
	}
	json_decref(rows);
	return ORR_OK;
}

static int terms_cmd(struct cli *cli)
{
	if (cli->args.npos > 2)
		return cli_fail(cli, ORR_USAGE, xstrdup("supplier terms: one FILE at most"));
	int rc = cli->args.npos == 2 ? cli_open_write(cli) : cli_open_read(cli);
	if (rc != ORR_OK)
		return rc;
	if (cli->args.npos < 2)
		return terms_list(cli);
	long rows = 0;
	char *err = NULL;
	const char *path = cli->args.pos[1];
	rc = supplier_terms_load(cli->st, path, clock_now(&clock_system), &rows, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json)
		cli_emit_json(cli, json_pack("{sssI}", "file", path, "terms", (json_int_t)rows));
	else
		fprintf(cli->out, "%s: %ld supplier terms stored\n", path, rows);
	return ORR_OK;
}

static int receive_cmd(struct cli *cli)
{
	if (cli->args.npos < 2)
		return cli_fail(cli, ORR_USAGE, xstrdup("supplier receive: which orders? (ids)"));
	int rc = cli_open_write(cli);
	if (rc != ORR_OK)
		return rc;
	struct operator_id op;
	operator_identify(&op);
	int worst = ORR_OK;
	for (int i = 1; i < cli->args.npos; i++) {
		long long id = cli_id_arg(cli, i, "purchase order");
		if (id < 0)
			return ORR_USAGE;
		char *err = NULL;
		rc = supplier_receive(cli->st, id, op.name, clock_now(&clock_system), &err);
		if (rc == ORR_OK)
			fprintf(cli->out, "purchase order %lld received\n", id);
		else {
			fprintf(cli->errs, "orrery: %s\n", err ? err : "failed");
			worst = worst == ORR_OK || worst == 1 ? rc : worst;
		}
		free(err);
	}
	return worst;
}

/* orders and show read; terms FILE and receive write, so the database is
 * opened per verb. */
static int cmd_supplier(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "orders", orders_cmd },
		{ "show", show_cmd },
		{ "terms", terms_cmd },
		{ "receive", receive_cmd },
	};
	bool writes = cli->args.npos > 0 && (strcmp(cli->args.pos[0], "terms") == 0 ||
					     strcmp(cli->args.pos[0], "receive") == 0);
	if (!writes) {
		int rc = cli_open_read(cli);
		if (rc != ORR_OK)
			return rc;
	}
	return CLI_DISPATCH(cli, "supplier", verbs);
}

static int signals_cmd(struct cli *cli)
{
	long long limit = cli_number(cli, "limit", 100);
	if (limit < 0)
		return ORR_USAGE;
	json_t *rows = NULL;
	char *err = NULL;
	int rc = signal_list(cli->st, cli_args_get(&cli->args, "sku"), (long)limit, &rows, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, rows);
		return ORR_OK;
	}
	fprintf(cli->out, "%6s  %-24s %-8s %-16s %s\n", "id", "time", "signal", "sku", "reason");
	size_t i;
	json_t *s;
	json_array_foreach(rows, i, s) {
		char when[CLOCK_TEXT_LEN];
		clock_format(cli_int(s, "created_at"), when);
		fprintf(cli->out, "%6lld  %-24s %-8s %-16s %s\n", cli_int(s, "id"), when,
			cli_text(s, "kind"), cli_text(s, "sku"), cli_text(s, "reason"));
	}
	json_decref(rows);
	return ORR_OK;
}

static int cmd_marketing(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "signals", signals_cmd },
	};
	return CLI_DISPATCH(cli, "marketing", verbs);
}

const struct cli_command cli_supplier_commands[] = {
	{ "supplier",
	  "supplier [orders|show ID|receive ID...|terms [FILE]] [--state S] [--limit N] "
	  "[--format json]",
	  "purchase orders proposed from stockout risks, and supplier terms",
	  "orders (the default) lists purchase orders newest first (--state proposed,\n"
	  "approved, delivered, rejected or received); show ID prints one with the\n"
	  "forecast and safety-stock arithmetic behind its quantity.  receive ID...\n"
	  "books an approved or sent order's goods in: it no longer counts as on\n"
	  "order (the stock itself comes with the next inventory export).\n"
	  "terms lists who supplies each SKU and on what terms; terms FILE loads a CSV\n"
	  "with the columns sku, supplier (a supplier's key), unit_cost, currency,\n"
	  "lead_time_days and optionally min_order, pack_size, lead_time_sd_days and\n"
	  "delivery (csv, json or webhook).  The file is one transaction: a bad row\n"
	  "refuses it with FILE:LINE: column: reason (exit 65).\n\n"
	  "Orders are proposed and sent by `orrery run` (the supplier subsystem); above\n"
	  "the rule's value threshold they wait in `orrery approvals`.",
	  DB_NONE,
	  { { "state", true, NULL }, { "limit", true, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_supplier },
	{ "marketing", "marketing [signals] [--sku SKU] [--limit N] [--format json]",
	  "the promote and pause signals sent for SKUs at overstock or stockout risk",
	  "signals lists the marketing signals newest first, with the reason of each.",
	  DB_READ, { { "sku", true, NULL }, { "limit", true, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_marketing },
};

const int cli_supplier_ncommands = sizeof cli_supplier_commands / sizeof *cli_supplier_commands;
