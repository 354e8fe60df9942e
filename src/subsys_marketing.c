/* subsys_marketing.c - marketing.promote and marketing.pause.  Each signal
 * answers one risk event: it is written to the file drop (marketing/, for
 * tools without an API), recorded in marketing_signals and announced as a
 * marketing.promote or marketing.pause event (which the integration layer's
 * outbound webhooks can carry to a marketing endpoint).  A rerun of the job
 * rewrites the same file and records nothing twice. */
#include "subsys_marketing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "filedrop.h"
#include "jobs.h"
#include "store_event.h"
#include "store_po.h"
#include "subsys_manual.h"
#include "xalloc.h"

struct signal_args {
	const char *kind; /* promote or pause */
	int64_t event_id, variant_id;
	const char *sku;
	json_t *risk;
};

static const char *signal_kind(const struct job_ctx *ctx)
{
	return strcmp(ctx->kind->name, "marketing.pause") == 0 ? "pause" : "promote";
}

/* NULL, or the name of the argument that is missing or malformed. */
static const char *signal_read(const struct job_ctx *ctx, struct signal_args *a)
{
	memset(a, 0, sizeof *a);
	a->kind = signal_kind(ctx);
	json_t *ev = json_object_get(ctx->args, "event_id");
	a->risk = json_object_get(ctx->args, "risk");
	if (!json_is_integer(ev))
		return "event_id";
	if (!json_is_object(a->risk))
		return "risk";
	a->event_id = json_integer_value(ev);
	a->sku = json_string_value(json_object_get(a->risk, "sku"));
	if (!a->sku || !*a->sku)
		return "risk.sku";
	json_t *v = json_object_get(a->risk, "variant_id");
	a->variant_id = json_is_integer(v) ? json_integer_value(v) : 0;
	return NULL;
}

static double risk_number(json_t *risk, const char *k)
{
	json_t *v = json_object_get(risk, k);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Why, in words, from the risk's numbers. */
static char *signal_reason(const struct signal_args *a)
{
	double on_hand = risk_number(a->risk, "on_hand");
	if (strcmp(a->kind, "pause") == 0) {
		const char *date = json_string_value(json_object_get(a->risk, "stockout_date"));
		return xasprintf("stockout risk: on hand %.0f below the reorder point %.1f%s%s; "
				 "promotions of %s paused so the stock lasts until it is "
				 "replenished", on_hand, risk_number(a->risk, "reorder_point"),
				 date ? ", projected stockout " : "", date ? date : "", a->sku);
	}
	return xasprintf("overstock risk: on hand %.0f above the order-up-to level %.1f; "
			 "promote %s to sell it down", on_hand,
			 risk_number(a->risk, "order_up_to"), a->sku);
}

static char *drop_name(const struct signal_args *a)
{
	char *safe = filedrop_safe_name(a->sku);
	char *name = xasprintf("%s-%s-E%lld.json", a->kind, safe, (long long)a->event_id);
	free(safe);
	return name;
}

static enum job_status signal_run(struct job_ctx *ctx)
{
	struct signal_args a;
	const char *bad = signal_read(ctx, &a);
	if (bad)
		return job_fail(ctx, JOB_PERMANENT, "%s: args.%s is missing or malformed",
				ctx->kind->name, bad);
	char *reason = signal_reason(&a);
	json_t *doc = json_pack("{sssssIsIss}", "signal", a.kind, "sku", a.sku, "variant_id",
				(json_int_t)a.variant_id, "risk_event_id", (json_int_t)a.event_id,
				"reason", reason);
	json_object_set(doc, "risk", a.risk);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *body = xasprintf("%s\n", text);
	char *name = drop_name(&a), *path = NULL, *err = NULL;
	enum orr_rc rc = filedrop_write(ctx->st, "marketing", name, body, &path, &err);
	enum job_status s = JOB_DONE;
	if (rc != ORR_OK)
		s = job_fail(ctx, JOB_RETRY, "%s", err);
	else
		ctx->result = json_pack("{ssss}", "delivered_to", path, "reason", reason);
	free(err);
	free(path);
	free(name);
	free(body);
	free(text);
	json_decref(doc);
	free(reason);
	return s;
}

static enum orr_rc signal_commit(struct job_ctx *ctx, char **err)
{
	struct signal_args a;
	signal_read(ctx, &a); /* checked by run */
	const char *reason = json_string_value(json_object_get(ctx->result, "reason"));
	const char *to = json_string_value(json_object_get(ctx->result, "delivered_to"));
	struct signal_new sg = { .event_id = a.event_id, .variant_id = a.variant_id,
				 .kind = a.kind, .sku = a.sku, .reason = reason ? reason : "",
				 .delivered_to = to };
	int64_t id = 0, now = clock_now(ctx->clock);
	bool existed = false;
	enum orr_rc rc = signal_insert(ctx->st, &sg, now, &id, &existed, err);
	if (rc != ORR_OK || existed)
		return rc;
	json_t *p = json_pack("{sIsssIsIssss}", "signal_id", (json_int_t)id, "sku", a.sku,
			      "variant_id", (json_int_t)a.variant_id, "risk_event_id",
			      (json_int_t)a.event_id, "reason", sg.reason, "delivered_to",
			      to ? to : "");
	char *text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	char type[32];
	snprintf(type, sizeof type, "marketing.%s", a.kind);
	struct event_new ev = { .type = type, .entity = a.variant_id ? "variant" : "marketing_signal",
				.entity_id = a.variant_id ? a.variant_id : id, .payload = text,
				.cause_id = ctx->event_id, .depth = ctx->depth + 1 };
	rc = event_append(ctx->st, &ev, now, NULL, err);
	free(text);
	json_object_set_new(ctx->result, "signal_id", json_integer(id));
	return rc;
}

static const struct job_kind marketing_kinds[] = {
	{ "marketing.promote",
	  "promote a SKU at overstock risk (args: event_id, risk: the overstock.risk payload); "
	  "file drop and marketing.promote",
	  signal_run, signal_commit },
	{ "marketing.pause",
	  "pause a SKU's promotion at stockout risk (args: event_id, risk: the stockout.risk "
	  "payload); file drop and marketing.pause",
	  signal_run, signal_commit },
};

static const char *const marketing_consumes[] = { "stockout.risk", "overstock.risk", NULL };
static const char *const marketing_produces[] = { "marketing.promote", "marketing.pause", NULL };

const struct subsystem subsys_marketing = {
	.name = "marketing",
	.purpose = "coordinated signals: promote overstock, pause promotion at stockout risk",
	.consumes = marketing_consumes,
	.produces = marketing_produces,
	.kinds = marketing_kinds,
	.nkinds = sizeof marketing_kinds / sizeof *marketing_kinds,
	.retry = { .max_attempts = 5, .base_ms = 1000, .cap_ms = 60000 },
	.breaker = { .consecutive = 5, .window_min = 10, .ratio_pct = 50, .window_ms = 600000,
		     .cooldown_ms = 60000 },
	.fallback = "opens a manual task: someone pauses or promotes the SKU by hand",
	.on_dead = manual_task_for_dead_job,
};
