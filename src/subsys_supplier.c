/* subsys_supplier.c - the supplier subsystem.
 *
 * supplier.propose (a rule on stockout.risk): the shortfall to the
 * order-up-to level after what is on hand and already on order, raised to
 * the supplier's minimum order and rounded up to whole packs, priced at the
 * supplier's unit cost; one purchase order per risk event, with the
 * forecast and safety-stock arithmetic written out, and purchase_order.proposed.
 * supplier.send (a rule on purchase_order.proposed, behind an approval above a
 * value threshold): approved, purchase_order.approved, and the order written
 * to the file drop as CSV or JSON (suppliers with an API get it from the
 * event, through the integration layer's outbound webhooks).
 * supplier.withdraw (a rule on a rejected or expired approval): the order is
 * rejected and no longer counts as on order.
 *
 * Everything that decides is read inside the job's commit transaction, so
 * two proposals for one SKU cannot both miss each other's open order. */
#include "subsys_supplier.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fc_policy.h"
#include "filedrop.h"
#include "jobs.h"
#include "parse.h"
#include "store.h"
#include "store_event.h"
#include "store_po.h"
#include "subsys_manual.h"
#include "xalloc.h"

int64_t supplier_order_quantity(double need, long min_order, long pack_size)
{
	/* the forecast's own rounding, so its order_qty and ours agree */
	return fc_policy_round(need, min_order > 0 ? min_order : 1, pack_size > 0 ? pack_size : 1);
}

char *supplier_money_text(int64_t minor, const char *currency)
{
	int e = currency_exponent(currency);
	if (e <= 0)
		return xasprintf("%lld %s", (long long)minor, currency);
	int64_t scale = 1;
	for (int i = 0; i < e; i++)
		scale *= 10;
	int64_t a = minor < 0 ? -minor : minor;
	return xasprintf("%s%lld.%0*lld %s", minor < 0 ? "-" : "", (long long)(a / scale), e,
			 (long long)(a % scale), currency);
}

/* --- the risk payload -------------------------------------------------------- */

struct risk {
	const char *sku;
	int64_t variant_id, event_id;
	double on_hand, mean, sd, lead, lead_sd, z, service, safety, rop, out_to;
	double review; /* days between reviews the order-up-to level covers; < 0: not given */
	const char *model, *stockout_date;
};

static bool number_at(json_t *o, const char *k, double *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out);
}

/* The fields the arithmetic needs; NULL, or the name of the first one
 * missing or of the wrong type. */
static const char *risk_read(json_t *args, struct risk *r)
{
	json_t *p = json_object_get(args, "risk");
	memset(r, 0, sizeof *r);
	r->lead_sd = -1;
	if (!json_is_object(p))
		return "risk";
	if (!json_is_integer(json_object_get(args, "event_id")))
		return "event_id";
	r->event_id = json_integer_value(json_object_get(args, "event_id"));
	r->sku = json_string_value(json_object_get(p, "sku"));
	if (!r->sku || !*r->sku)
		return "risk.sku";
	if (!json_is_integer(json_object_get(p, "variant_id")))
		return "risk.variant_id";
	r->variant_id = json_integer_value(json_object_get(p, "variant_id"));
	static const char *const names[] = { "on_hand", "daily_mean", "daily_sd",
					     "lead_time_days", "z", "safety_stock",
					     "reorder_point", "order_up_to" };
	double *slots[] = { &r->on_hand, &r->mean, &r->sd, &r->lead, &r->z, &r->safety, &r->rop,
			    &r->out_to };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!number_at(p, names[i], slots[i]))
			return names[i];
	number_at(p, "lead_time_sd", &r->lead_sd);
	r->review = -1;
	number_at(p, "review_days", &r->review);
	number_at(p, "service_level", &r->service);
	r->model = json_string_value(json_object_get(p, "model"));
	r->stockout_date = json_string_value(json_object_get(p, "stockout_date"));
	return NULL;
}

/* --- the rationale ----------------------------------------------------------- */

/* Our figure and the forecast's differ as printed (one decimal): the
 * forecast may sum its own daily path where the rationale multiplies the
 * mean, and the reader sees both. */
static bool differs(double ours, double theirs)
{
	return fabs(ours - theirs) >= 0.05;
}

/* The textbook safety stock, written out with its numbers; when the
 * forecast's policy reported another figure, both are shown. */
static void write_safety(FILE *f, const struct risk *r)
{
	double ss;
	if (r->lead_sd > 0) {
		ss = r->z * sqrt(r->lead * r->sd * r->sd + r->mean * r->mean * r->lead_sd * r->lead_sd);
		fprintf(f,
			"Safety stock = z x sqrt(L x sd^2 + mean^2 x sdL^2) = %.3f x sqrt(%.2f x "
			"%.2f^2 + %.2f^2 x %.2f^2) = %.1f units",
			r->z, r->lead, r->sd, r->mean, r->lead_sd, ss);
	} else {
		ss = r->z * r->sd * sqrt(r->lead);
		fprintf(f, "Safety stock = z x sd x sqrt(L) = %.3f x %.2f x sqrt(%.2f) = %.1f units",
			r->z, r->sd, r->lead, ss);
	}
	if (differs(ss, r->safety))
		fprintf(f, " (the forecast's policy reports %.1f)", r->safety);
	if (r->service > 0)
		fprintf(f, " (service level %.1f%%)", 100.0 * r->service);
	fprintf(f, ".\n");
}

/* The order-up-to level covers the lead time and the review period R:
 * their demand plus its safety stock. */
static void write_order_up_to(FILE *f, const struct risk *r)
{
	if (r->review < 0)
		return;
	double span = r->lead + r->review, sdl = r->lead_sd > 0 ? r->lead_sd : 0;
	double out = r->mean * span + r->z * sqrt(span * r->sd * r->sd + r->mean * r->mean * sdl * sdl);
	fprintf(f,
		"Order-up-to = mean x (L + R) + z x sqrt((L + R) x sd^2 + mean^2 x sdL^2) = %.2f x "
		"%.1f + %.3f x sqrt(%.1f x %.2f^2 + %.2f^2 x %.2f^2) = %.1f units (R: a review "
		"period of %.1f days)",
		r->mean, span, r->z, span, r->sd, r->mean, sdl, out, r->review);
	if (differs(out, r->out_to))
		fprintf(f, " (the forecast's policy reports %.1f)", r->out_to);
	fprintf(f, ".\n");
}

static void write_quantity(FILE *f, const struct risk *r, const struct po_terms *t,
			   int64_t on_order, int64_t q)
{
	double need = r->out_to - r->on_hand - (double)on_order;
	fprintf(f, "Order-up-to %.1f - on hand %.0f - on order %lld = %.1f units", r->out_to,
		r->on_hand, (long long)on_order, need);
	if (t->min_order > 1)
		fprintf(f, "; at least the minimum order of %ld", t->min_order);
	if (t->pack_size > 1)
		fprintf(f, "; rounded up to packs of %ld", t->pack_size);
	char *unit = supplier_money_text(t->unit_cost_minor, t->currency);
	char *value = supplier_money_text(q * t->unit_cost_minor, t->currency);
	fprintf(f, ": %lld units x %s = %s.\n", (long long)q, unit, value);
	free(unit);
	free(value);
}

/* The arithmetic in words, for the person approving and the file drop. */
static char *rationale(const struct risk *r, const struct po_terms *t, int64_t on_order,
		       int64_t q)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return xstrdup("(the rationale could not be written)");
	fprintf(f, "SKU %s from %s (%s), lead time %.1f days", r->sku,
		t->supplier_name[0] ? t->supplier_name : t->supplier_key, t->supplier_key, r->lead);
	if (r->lead_sd > 0)
		fprintf(f, " (sd %.1f)", r->lead_sd);
	fprintf(f, ".\nForecast%s%s: %.2f units/day (sd %.2f).\n", r->model ? " by " : "",
		r->model ? r->model : "", r->mean, r->sd);
	fprintf(f, "Lead-time demand = %.2f x %.2f = %.1f units.\n", r->mean, r->lead,
		r->mean * r->lead);
	write_safety(f, r);
	fprintf(f,
		"Reorder point = %.1f + %.1f = %.1f units; inventory position = on hand %.0f + on "
		"order %lld = %.0f, at or below it",
		r->mean * r->lead, r->safety, r->rop, r->on_hand, (long long)on_order,
		r->on_hand + (double)on_order);
	if (r->stockout_date)
		fprintf(f, "; projected stockout %s", r->stockout_date);
	fprintf(f, ".\n");
	write_order_up_to(f, r);
	write_quantity(f, r, t, on_order, q);
	fclose(f);
	return text;
}

/* --- supplier.propose -------------------------------------------------------- */

static enum job_status propose_run(struct job_ctx *ctx)
{
	struct risk r;
	const char *bad = risk_read(ctx->args, &r);
	if (bad)
		return job_fail(ctx, JOB_PERMANENT,
				"supplier.propose: args.%s is missing or not of the stockout.risk "
				"payload's type", bad);
	struct po_terms t;
	char *err = NULL;
	enum orr_rc rc = po_terms_get(ctx->st, r.variant_id, &t, &err);
	if (rc != ORR_OK) {
		enum job_status s = job_fail(ctx, rc == ORR_NOINPUT ? JOB_PERMANENT : JOB_RETRY,
					     "SKU %s: %s", r.sku, err);
		free(err);
		return s;
	}
	return JOB_DONE;
}

static json_t *proposed_payload(int64_t id, const struct risk *r, const struct po_terms *t,
				int64_t q, int64_t on_order, const char *why, json_t *risk)
{
	char number[32];
	snprintf(number, sizeof number, "PO-%lld", (long long)r->event_id);
	char *value = supplier_money_text(q * t->unit_cost_minor, t->currency);
	json_t *p = json_pack(
		"{sIsssssIsssssIsIsIsssssssIsIsfsfsfsfss}", "po_id", (json_int_t)id, "number",
		number, "sku", r->sku, "variant_id", (json_int_t)r->variant_id, "supplier_key",
		t->supplier_key, "supplier_name", t->supplier_name, "quantity", (json_int_t)q,
		"unit_cost_minor", (json_int_t)t->unit_cost_minor, "value_minor",
		(json_int_t)(q * t->unit_cost_minor), "currency", t->currency, "value", value,
		"delivery", t->delivery, "risk_event_id", (json_int_t)r->event_id, "on_order",
		(json_int_t)on_order, "on_hand", r->on_hand, "safety_stock", r->safety,
		"reorder_point", r->rop, "order_up_to", r->out_to, "rationale", why);
	free(value);
	const char *carried[] = { "forecast", "lo", "hi", "level", "model", "stockout_date" };
	for (size_t i = 0; i < sizeof carried / sizeof *carried; i++)
		if (json_object_get(risk, carried[i]))
			json_object_set(p, carried[i], json_object_get(risk, carried[i]));
	return p;
}

static enum orr_rc append_event(struct job_ctx *ctx, const char *type, const char *entity,
				int64_t entity_id, json_t *payload, int64_t *id, char **err)
{
	char *text = json_dumps(payload, JSON_COMPACT);
	struct event_new ev = { .type = type, .entity = entity, .entity_id = entity_id,
				.payload = text, .cause_id = ctx->event_id, .depth = ctx->depth + 1 };
	enum orr_rc rc = event_append(ctx->st, &ev, clock_now(ctx->clock), id, err);
	free(text);
	return rc;
}

/* Insert the order and announce it; *id the order. */
static enum orr_rc propose_insert(struct job_ctx *ctx, const struct risk *r,
				  const struct po_terms *t, int64_t q, int64_t on_order,
				  int64_t *id, char **err)
{
	json_t *risk = json_object_get(ctx->args, "risk");
	char *risk_text = json_dumps(risk, JSON_COMPACT);
	char *why = rationale(r, t, on_order, q);
	struct po_new p = { .event_id = r->event_id, .variant_id = r->variant_id,
			    .supplier_id = t->supplier_id, .sku = r->sku, .quantity = q,
			    .unit_cost_minor = t->unit_cost_minor, .currency = t->currency,
			    .rationale = why, .risk = risk_text };
	bool existed = false;
	enum orr_rc rc = po_insert(ctx->st, &p, clock_now(ctx->clock), id, &existed, err);
	if (rc == ORR_OK && !existed) {
		json_t *payload = proposed_payload(*id, r, t, q, on_order, why, risk);
		rc = append_event(ctx, "purchase_order.proposed", "purchase_order", *id, payload,
				  NULL, err);
		json_decref(payload);
	}
	free(why);
	free(risk_text);
	return rc;
}

static enum orr_rc propose_commit(struct job_ctx *ctx, char **err)
{
	struct risk r;
	risk_read(ctx->args, &r); /* checked by run */
	struct po_terms t;
	int64_t on_order = 0;
	enum orr_rc rc = po_terms_get(ctx->st, r.variant_id, &t, err);
	if (rc == ORR_OK)
		rc = po_open_quantity(ctx->st, r.variant_id, &on_order, err);
	if (rc != ORR_OK)
		return rc;
	int64_t q = supplier_order_quantity(r.out_to - r.on_hand - (double)on_order, t.min_order,
					    t.pack_size);
	if (q == 0) {
		ctx->result = json_pack("{sssIsf}", "skipped",
					"on hand and on order already reach the order-up-to level",
					"on_order", (json_int_t)on_order, "order_up_to", r.out_to);
		return ORR_OK;
	}
	int64_t id = 0;
	rc = propose_insert(ctx, &r, &t, q, on_order, &id, err);
	if (rc == ORR_OK)
		ctx->result = json_pack("{sIsI}", "po_id", (json_int_t)id, "quantity", (json_int_t)q);
	return rc;
}

/* --- supplier.send ----------------------------------------------------------- */

static int64_t po_id_arg(struct job_ctx *ctx)
{
	json_t *v = json_object_get(ctx->args, "po_id");
	return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
}

/* One CSV field, quoted, quotes doubled (RFC 4180); caller frees. */
static char *csv_field(const char *v)
{
	size_t n = 0;
	for (const char *p = v ? v : ""; *p; p++)
		n += *p == '"' ? 2 : 1;
	char *out = xmalloc(n + 3), *o = out;
	*o++ = '"';
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '"')
			*o++ = '"';
		*o++ = *p;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static char *po_csv(json_t *po, const char *approved_by)
{
	const char *fields[] = { "number", "supplier_key", "supplier_name", "sku", "currency" };
	char *q[6];
	for (size_t i = 0; i < 5; i++)
		q[i] = csv_field(json_string_value(json_object_get(po, fields[i])));
	q[5] = csv_field(approved_by);
	char *text = xasprintf(
		"po_number,supplier_key,supplier_name,sku,quantity,unit_cost_minor,value_minor,"
		"currency,approved_by\r\n%s,%s,%s,%s,%lld,%lld,%lld,%s,%s\r\n", q[0], q[1], q[2],
		q[3], (long long)json_integer_value(json_object_get(po, "quantity")),
		(long long)json_integer_value(json_object_get(po, "unit_cost_minor")),
		(long long)json_integer_value(json_object_get(po, "value_minor")), q[4], q[5]);
	for (size_t i = 0; i < 6; i++)
		free(q[i]);
	return text;
}

static char *po_json(json_t *po, const char *approved_by)
{
	json_t *doc = json_pack("{sOsOsOsOsOsOsOsOsOss}", "po_number", json_object_get(po, "number"),
				"supplier_key", json_object_get(po, "supplier_key"), "supplier_name",
				json_object_get(po, "supplier_name"), "sku", json_object_get(po, "sku"),
				"quantity", json_object_get(po, "quantity"), "unit_cost_minor",
				json_object_get(po, "unit_cost_minor"), "value_minor",
				json_object_get(po, "value_minor"), "currency",
				json_object_get(po, "currency"), "rationale",
				json_object_get(po, "rationale"), "approved_by", approved_by);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	char *with_nl = xasprintf("%s\n", text);
	free(text);
	return with_nl;
}

/* Who let the order go: the approver, else the rule's threshold. */
static char *approver_of(struct job_ctx *ctx)
{
	char *by = po_job_approver(ctx->st, ctx->id);
	return by ? by : xstrdup("rule: under the approval threshold");
}

/* Write the file for a csv or json supplier; *to is where it went. */
static enum job_status send_file(struct job_ctx *ctx, json_t *po, const char *delivery,
				 char **to)
{
	char *by = approver_of(ctx);
	bool csv = strcmp(delivery, "csv") == 0;
	char *text = csv ? po_csv(po, by) : po_json(po, by);
	char *name = xasprintf("%s.%s", json_string_value(json_object_get(po, "number")),
			       csv ? "csv" : "json");
	char *err = NULL;
	enum orr_rc rc = filedrop_write(ctx->st, "purchase_orders", name, text, to, &err);
	free(by);
	free(text);
	free(name);
	if (rc == ORR_OK)
		return JOB_DONE;
	enum job_status s = job_fail(ctx, JOB_RETRY, "%s", err);
	free(err);
	return s;
}

static enum job_status send_run(struct job_ctx *ctx)
{
	int64_t id = po_id_arg(ctx);
	if (!id)
		return job_fail(ctx, JOB_PERMANENT, "supplier.send needs args.po_id, an order id");
	json_t *po = NULL;
	char *err = NULL;
	enum orr_rc rc = po_get(ctx->st, id, &po, &err);
	if (rc != ORR_OK) {
		enum job_status s = job_fail(ctx, rc == ORR_NOINPUT ? JOB_PERMANENT : JOB_RETRY,
					     "%s", err);
		free(err);
		return s;
	}
	const char *state = json_string_value(json_object_get(po, "state"));
	enum job_status s = JOB_DONE;
	if (strcmp(state, "rejected") == 0 || strcmp(state, "received") == 0)
		s = job_fail(ctx, JOB_PERMANENT, "purchase order %lld is %s", (long long)id, state);
	char *to = NULL;
	/* the supplier's delivery as its terms say now (csv if they are gone) */
	struct po_terms t;
	const char *delivery = "csv";
	if (po_terms_get(ctx->st, json_integer_value(json_object_get(po, "variant_id")), &t,
			 &err) == ORR_OK)
		delivery = t.delivery;
	free(err);
	if (s == JOB_DONE && strcmp(delivery, "webhook") != 0)
		s = send_file(ctx, po, delivery, &to);
	if (s == JOB_DONE)
		ctx->result = json_pack("{sIss}", "po_id", (json_int_t)id, "delivered_to",
					to ? to : "webhook");
	free(to);
	json_decref(po);
	return s;
}

static enum orr_rc send_commit(struct job_ctx *ctx, char **err)
{
	int64_t id = po_id_arg(ctx), now = clock_now(ctx->clock);
	char *by = approver_of(ctx);
	bool changed = false;
	enum orr_rc rc = po_approve(ctx->st, id, by, now, &changed, err);
	json_t *po = NULL;
	if (rc == ORR_OK && changed)
		rc = po_get(ctx->st, id, &po, err);
	if (rc == ORR_OK && po) {
		json_t *p = json_pack("{sIsOsOsOsOsOsOsOss}", "po_id", (json_int_t)id, "number",
				      json_object_get(po, "number"), "sku", json_object_get(po, "sku"),
				      "supplier_key", json_object_get(po, "supplier_key"), "quantity",
				      json_object_get(po, "quantity"), "unit_cost_minor",
				      json_object_get(po, "unit_cost_minor"), "value_minor",
				      json_object_get(po, "value_minor"), "currency",
				      json_object_get(po, "currency"), "approved_by", by);
		rc = append_event(ctx, "purchase_order.approved", "purchase_order", id, p, NULL, err);
		json_decref(p);
	}
	const char *to = json_string_value(json_object_get(ctx->result, "delivered_to"));
	if (rc == ORR_OK && to && strcmp(to, "webhook") != 0)
		rc = po_delivered(ctx->st, id, to, now, err);
	json_decref(po);
	free(by);
	return rc;
}

/* --- receiving ------------------------------------------------------------------ */

static int receive_in_tx(struct store *st, int64_t id, const char *by, int64_t now, char **err)
{
	json_t *po = NULL;
	bool changed = false;
	int rc = po_get(st, id, &po, err);
	if (rc == ORR_OK)
		rc = po_receive(st, id, by, now, &changed, err);
	if (rc == ORR_OK && !changed) {
		*err = xasprintf("%s is %s: only approved or delivered orders can be received",
				 json_string_value(json_object_get(po, "number")),
				 json_string_value(json_object_get(po, "state")));
		rc = 1;
	}
	if (rc == ORR_OK) {
		json_t *p = json_pack("{sIsOsOsOss}", "po_id", (json_int_t)id, "number",
				      json_object_get(po, "number"), "sku", json_object_get(po, "sku"),
				      "quantity", json_object_get(po, "quantity"), "received_by", by);
		char *text = json_dumps(p, JSON_COMPACT);
		json_decref(p);
		struct event_new ev = { .type = "purchase_order.received", .entity = "purchase_order",
					.entity_id = id, .payload = text };
		rc = event_append(st, &ev, now, NULL, err);
		free(text);
	}
	json_decref(po);
	return rc;
}

int supplier_receive(struct store *st, int64_t id, const char *by, int64_t now, char **err)
{
	int rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	rc = receive_in_tx(st, id, by, now, err);
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK)
		store_rollback(st);
	return rc;
}

/* --- supplier.withdraw ------------------------------------------------------- */

static enum job_status withdraw_run(struct job_ctx *ctx)
{
	if (!po_id_arg(ctx))
		return job_fail(ctx, JOB_PERMANENT, "supplier.withdraw needs args.po_id, an order id");
	return JOB_DONE;
}

static enum orr_rc withdraw_commit(struct job_ctx *ctx, char **err)
{
	bool changed = false;
	enum orr_rc rc = po_reject(ctx->st, po_id_arg(ctx), &changed, err);
	if (rc == ORR_OK)
		ctx->result = json_pack("{sIsb}", "po_id", (json_int_t)po_id_arg(ctx), "withdrawn",
					changed);
	return rc;
}

static const struct job_kind supplier_kinds[] = {
	{ "supplier.propose",
	  "propose a purchase order for a stockout.risk (args: event_id, risk: the event's "
	  "payload); emits purchase_order.proposed",
	  propose_run, propose_commit },
	{ "supplier.send",
	  "approve a proposed order and deliver it: file drop (csv, json) or the "
	  "purchase_order.approved event for webhooks (args: po_id)",
	  send_run, send_commit },
	{ "supplier.withdraw",
	  "reject a proposed order whose approval was rejected or expired (args: po_id)",
	  withdraw_run, withdraw_commit },
};

static const char *const supplier_consumes[] = { "stockout.risk", "purchase_order.proposed",
						 "approval.rejected", "approval.expired", NULL };
static const char *const supplier_produces[] = { "purchase_order.proposed",
						 "purchase_order.approved",
						 "purchase_order.received", NULL };

const struct subsystem subsys_supplier = {
	.name = "supplier",
	.purpose = "purchase orders from stockout risks, behind approval, to the supplier",
	.consumes = supplier_consumes,
	.produces = supplier_produces,
	.kinds = supplier_kinds,
	.nkinds = sizeof supplier_kinds / sizeof *supplier_kinds,
	.retry = { .max_attempts = 5, .base_ms = 1000, .cap_ms = 60000 },
	.breaker = { .consecutive = 5, .window_min = 10, .ratio_pct = 50, .window_ms = 600000,
		     .cooldown_ms = 60000 },
	.fallback = "opens a manual task with the error: someone orders by hand",
	.on_dead = manual_task_for_dead_job,
};
