/* subsys_forecast.c - forecast.run: demand history -> model choice ->
 * forecast with interval -> inventory policy -> stored forecast and risk
 * events.  See subsys_forecast.h. */
#include "subsys_forecast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "demand.h"
#include "fc_model.h"
#include "fc_policy.h"
#include "fc_select.h"
#include "jobs.h"
#include "store.h"
#include "store_event.h"
#include "store_forecast.h"
#include "store_po.h"
#include "subsys_manual.h"
#include "xalloc.h"

void forecast_opts_default(struct forecast_opts *o)
{
	*o = (struct forecast_opts){ .horizon = FORECAST_HORIZON, .level = FORECAST_LEVEL,
				     .service_level = FORECAST_SERVICE,
				     .history_days = FORECAST_HISTORY };
}

/* Four decimals: enough for units and days, and readable. */
static json_t *num(double v)
{
	return isfinite(v) ? json_real(round(v * 1e4) / 1e4) : json_null();
}

static json_t *num_array(const double *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, num(v[i]));
	return a;
}

struct run {
	struct store *st;
	const struct forecast_opts *o;
	struct forecast_summary *sum;
	forecast_sku_fn fn;
	void *ctx;
	int64_t now;
	double *mean, *lo, *hi;
	bool seen; /* the SKU asked for had demand */
	enum orr_rc rc;
	char *err;
};

/* What the policy needs from the store: supplier terms (defaults without
 * them), stock on hand and on order. */
struct supply {
	struct po_terms terms;
	bool has_terms, stock_known;
	int64_t on_hand, on_order;
};

static enum orr_rc read_supply(struct run *r, int64_t variant_id, struct supply *s)
{
	memset(s, 0, sizeof *s);
	s->terms.lead_time_days = FORECAST_LEAD_TIME;
	s->terms.lead_time_sd_days = -1;
	s->terms.min_order = s->terms.pack_size = 1;
	if (!variant_id)
		return ORR_OK;
	char *err = NULL;
	enum orr_rc rc = po_terms_get(r->st, variant_id, &s->terms, &err);
	s->has_terms = rc == ORR_OK;
	if (rc == ORR_NOINPUT) {
		free(err);
		err = NULL;
		s->terms.lead_time_days = FORECAST_LEAD_TIME;
		s->terms.lead_time_sd_days = -1;
		s->terms.min_order = s->terms.pack_size = 1;
		rc = ORR_OK;
	}
	if (rc == ORR_OK)
		rc = po_on_hand(r->st, variant_id, &s->on_hand, &s->stock_known, &err);
	if (rc == ORR_OK)
		rc = po_open_quantity(r->st, variant_id, &s->on_order, &err);
	if (rc != ORR_OK)
		r->err = err;
	return rc;
}

/* The payload of stockout.risk / overstock.risk, which is also the stored
 * policy: every number of the reorder arithmetic. */
static json_t *policy_json(const struct demand_series *s, const struct fc_choice *c,
			   const struct supply *sup, const struct fc_policy *p, double sd,
			   const struct run *r)
{
	const struct forecast_opts *o = r->o;
	char stockout[11] = "";
	if (p->stockout_day > 0)
		demand_day_text(demand_day_number(s->as_of) + p->stockout_day, stockout);
	json_t *j = json_object();
	json_object_set_new(j, "sku", json_string(s->sku));
	json_object_set_new(j, "variant_id", s->variant_id ? json_integer(s->variant_id) : json_null());
	json_object_set_new(j, "as_of", json_string(s->as_of));
	json_object_set_new(j, "history_from", json_string(s->first));
	json_object_set_new(j, "stockout_days", json_integer(s->stockout_days));
	json_object_set_new(j, "returned", num(s->returned));
	json_object_set_new(j, "on_hand", sup->stock_known ? json_integer(sup->on_hand) : json_null());
	json_object_set_new(j, "on_order", json_integer(sup->on_order));
	json_object_set_new(j, "position", num(p->position));
	json_object_set_new(j, "daily_mean", num(p->daily_mean));
	json_object_set_new(j, "daily_sd", num(sd));
	json_object_set_new(j, "lead_time_days", num(sup->terms.lead_time_days));
	json_object_set_new(j, "lead_time_sd", sup->terms.lead_time_sd_days >= 0
						       ? num(sup->terms.lead_time_sd_days)
						       : json_null());
	json_object_set_new(j, "review_days", num(FORECAST_REVIEW));
	json_object_set_new(j, "z", num(p->z));
	json_object_set_new(j, "service_level", num(o->service_level));
	json_object_set_new(j, "lead_time_demand", num(p->lead_time_demand));
	json_object_set_new(j, "sd_lead_time", num(p->sd_lead_time));
	json_object_set_new(j, "safety_stock", num(p->safety_stock));
	json_object_set_new(j, "reorder_point", num(p->reorder_point));
	json_object_set_new(j, "order_up_to", num(p->order_up_to));
	json_object_set_new(j, "order_qty", json_integer(p->order_qty));
	json_object_set_new(j, "min_order", json_integer(sup->terms.min_order));
	json_object_set_new(j, "pack_size", json_integer(sup->terms.pack_size));
	json_object_set_new(j, "supplier_id",
			    sup->has_terms ? json_integer(sup->terms.supplier_id) : json_null());
	json_object_set_new(j, "model", json_string(c->label));
	json_object_set_new(j, "mase", num(c->score.mase));
	json_object_set_new(j, "horizon", json_integer(o->horizon));
	json_object_set_new(j, "forecast", num_array(r->mean, o->horizon));
	json_object_set_new(j, "lo", num_array(r->lo, o->horizon));
	json_object_set_new(j, "hi", num_array(r->hi, o->horizon));
	json_object_set_new(j, "level", num(o->level));
	json_object_set_new(j, "horizon_demand", num(p->horizon_demand));
	json_object_set_new(j, "stockout_date", *stockout ? json_string(stockout) : json_null());
	json_object_set_new(j, "risk", *fc_risk_name(p->risk) ? json_string(fc_risk_name(p->risk))
							      : json_null());
	return j;
}

static enum orr_rc emit(struct run *r, const char *type, const char *entity, int64_t id,
			json_t *payload)
{
	char *text = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	struct event_new ev = { .type = type, .entity = entity, .entity_id = id, .payload = text,
				.cause_id = r->o->cause_id, .depth = r->o->depth };
	enum orr_rc rc = event_append(r->st, &ev, r->now, NULL, &r->err);
	free(text);
	if (rc == ORR_OK)
		r->sum->events++;
	return rc;
}

/* Forecast clipped at zero (demand is never negative), interval too. */
static double forecast_series(struct run *r, const struct fc_choice *c, const double *y, int n)
{
	int h = r->o->horizon;
	double sd = fc_predict(&c->model, y, n, h, r->o->level, r->mean, r->lo, r->hi);
	for (int i = 0; i < h; i++) {
		r->mean[i] = fmax(r->mean[i], 0);
		if (isfinite(r->lo[i]))
			r->lo[i] = fmax(r->lo[i], 0);
		if (isfinite(r->hi[i]))
			r->hi[i] = fmax(r->hi[i], 0);
	}
	return isfinite(sd) ? sd : 0;
}

static enum orr_rc store_sku(struct run *r, const struct demand_series *s,
			     const struct fc_choice *c, const struct fc_policy *p, json_t *policy,
			     double sd, int n)
{
	json_t *fj = json_pack("{soso so sO}", "mean", num_array(r->mean, r->o->horizon), "lo",
			       num_array(r->lo, r->o->horizon), "hi", num_array(r->hi, r->o->horizon),
			       "level", json_object_get(policy, "level"));
	char *ftext = json_dumps(fj, JSON_COMPACT | JSON_REAL_PRECISION(10));
	char *ptext = json_dumps(policy, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	struct fcstore_forecast f = {
		.sku = s->sku, .variant_id = s->variant_id, .run_id = r->sum->run_id,
		.as_of = s->as_of, .history_days = n, .model = c->label, .mase = c->score.mase,
		.wape = c->score.wape, .bias = c->score.bias, .daily_mean = p->daily_mean,
		.daily_sd = sd, .forecast = ftext, .policy = ptext,
		.risk = *fc_risk_name(p->risk) ? fc_risk_name(p->risk) : NULL,
	};
	enum orr_rc rc = fcstore_put(r->st, &f, &r->err);
	free(ftext);
	free(ptext);
	json_decref(fj);
	return rc;
}

/* Raise the SKU's risk when it is new: the previous forecast had another. */
static enum orr_rc raise_risk(struct run *r, const struct demand_series *s,
			      const struct fc_policy *p, const char *previous, json_t *policy)
{
	const char *risk = fc_risk_name(p->risk);
	if (p->risk == FC_RISK_STOCKOUT)
		r->sum->stockout++;
	else if (p->risk == FC_RISK_OVERSTOCK)
		r->sum->overstock++;
	if (!*risk || strcmp(risk, previous) == 0)
		return ORR_OK;
	return emit(r, p->risk == FC_RISK_STOCKOUT ? "stockout.risk" : "overstock.risk", "variant",
		    s->variant_id, policy);
}

static bool forecast_sku(void *ctx, const struct demand_series *s)
{
	struct run *r = ctx;
	r->seen = true;
	int n = s->n, skip = 0;
	if (r->o->history_days > 0 && n > r->o->history_days)
		skip = n - r->o->history_days;
	const double *y = s->units + skip;
	n -= skip;
	struct fc_choice c;
	if (!fc_select(y, n, r->o->horizon, NULL, &c))
		return true; /* a single day of history: nothing to forecast from */
	double sd = forecast_series(r, &c, y, n);
	struct supply sup;
	if ((r->rc = read_supply(r, s->variant_id, &sup)) != ORR_OK)
		return false;
	struct fc_policy_in in = {
		.mean = r->mean, .h = r->o->horizon, .daily_sd = sd,
		.on_hand = (double)sup.on_hand, .on_order = (double)sup.on_order,
		.lead_time = sup.terms.lead_time_days, .lead_time_sd = sup.terms.lead_time_sd_days,
		.review_days = FORECAST_REVIEW, .service_level = r->o->service_level,
		.min_order = sup.terms.min_order, .pack_size = sup.terms.pack_size,
	};
	struct fc_policy p;
	if (!fc_policy_compute(&in, &p)) {
		r->rc = ORR_DATAERR;
		r->err = xasprintf("SKU %s: supplier terms not usable for the reorder arithmetic "
				   "(lead time %g, minimum order %ld, pack %ld)", s->sku,
				   in.lead_time, in.min_order, in.pack_size);
		return false;
	}
	if (!sup.stock_known) { /* no stock figure: no risk, order or stockout to judge */
		p.risk = FC_RISK_NONE;
		p.order_qty = 0;
		p.stockout_day = 0;
	}
	json_t *policy = policy_json(s, &c, &sup, &p, sd, r);
	char previous[16];
	r->rc = fcstore_previous_risk(r->st, s->sku, previous, &r->err);
	if (r->rc == ORR_OK)
		r->rc = store_sku(r, s, &c, &p, policy, sd, n);
	if (r->rc == ORR_OK)
		r->rc = raise_risk(r, s, &p, previous, policy);
	if (r->rc == ORR_OK) {
		r->sum->skus++;
		json_t *cnt = json_object_get(r->sum->models, c.label);
		json_object_set_new(r->sum->models, c.label,
				    json_integer(cnt ? json_integer_value(cnt) + 1 : 1));
		if (r->fn)
			r->fn(r->ctx, r->sum->skus, policy);
	}
	json_decref(policy);
	return r->rc == ORR_OK;
}

static enum orr_rc run_all(struct run *r)
{
	const struct forecast_opts *o = r->o;
	enum orr_rc rc = fcstore_run_begin(r->st, o->as_of ? o->as_of : "", o->horizon, o->level,
					   o->job_id, r->now, &r->sum->run_id, &r->err);
	if (rc == ORR_OK)
		rc = demand_each(r->st, o->sku, o->as_of, forecast_sku, r, r->sum->as_of, &r->err);
	if (rc == ORR_OK)
		rc = r->rc;
	if (rc == ORR_OK && o->sku && !r->seen) {
		r->err = xasprintf("SKU %s has no demand recorded%s%s", o->sku,
				   o->as_of ? " up to " : "", o->as_of ? o->as_of : "");
		rc = ORR_NOINPUT;
	}
	if (rc == ORR_OK)
		rc = fcstore_run_end(r->st, r->sum->run_id, r->sum->skus, r->now, &r->err);
	if (rc == ORR_OK) {
		json_t *p = json_pack("{sIsssisIsIsIsO}", "run_id", (json_int_t)r->sum->run_id, "as_of",
				      r->sum->as_of, "horizon", o->horizon, "skus",
				      (json_int_t)r->sum->skus, "stockout", (json_int_t)r->sum->stockout,
				      "overstock", (json_int_t)r->sum->overstock, "models",
				      r->sum->models);
		rc = emit(r, "forecast.updated", "forecast_run", r->sum->run_id, p);
		json_decref(p);
	}
	return rc;
}

enum orr_rc forecast_run(struct store *st, const struct clock *clock,
			 const struct forecast_opts *o, forecast_sku_fn fn, void *ctx,
			 struct forecast_summary *sum, char **err)
{
	memset(sum, 0, sizeof *sum);
	if (o->horizon < 1 || o->horizon > FORECAST_HORIZON_MAX || !(o->level > 0 && o->level < 1) ||
	    !(o->service_level > 0 && o->service_level < 1) || o->history_days < 0) {
		*err = xasprintf("forecast: horizon must be 1 to %d days, the level and service "
				 "level between 0 and 1", FORECAST_HORIZON_MAX);
		return ORR_USAGE;
	}
	if (o->as_of && demand_day_number(o->as_of) < 0) {
		*err = xasprintf("forecast: \"%s\" is not a day (YYYY-MM-DD)", o->as_of);
		return ORR_USAGE;
	}
	sum->models = json_object();
	struct run r = { .st = st, .o = o, .sum = sum, .fn = fn, .ctx = ctx,
			 .now = clock_now(clock), .rc = ORR_OK };
	r.mean = xmalloc(sizeof(double) * 3 * (size_t)o->horizon);
	r.lo = r.mean + o->horizon;
	r.hi = r.lo + o->horizon;
	enum orr_rc rc = store_begin(st, &r.err);
	if (rc == ORR_OK) {
		rc = run_all(&r);
		if (rc == ORR_OK)
			rc = store_commit(st, &r.err);
		if (rc != ORR_OK)
			store_rollback(st);
	}
	free(r.mean);
	if (rc != ORR_OK) {
		*err = r.err ? r.err : xasprintf("forecast failed");
		return rc;
	}
	free(r.err);
	return ORR_OK;
}

void forecast_summary_free(struct forecast_summary *sum)
{
	json_decref(sum->models);
	sum->models = NULL;
}

/* --- the job kind ------------------------------------------------------------- */

static bool arg_number(json_t *args, const char *name, double *v)
{
	json_t *j = json_object_get(args, name);
	if (!j)
		return true;
	if (!json_is_number(j))
		return false;
	*v = json_number_value(j);
	return true;
}

static enum job_status forecast_job_run(struct job_ctx *ctx)
{
	struct forecast_opts o;
	forecast_opts_default(&o);
	json_t *sku = json_object_get(ctx->args, "sku"), *as_of = json_object_get(ctx->args, "as_of");
	double horizon = o.horizon;
	if ((sku && !json_is_string(sku)) || (as_of && !json_is_string(as_of)) ||
	    !arg_number(ctx->args, "horizon", &horizon) || !arg_number(ctx->args, "level", &o.level) ||
	    !arg_number(ctx->args, "service_level", &o.service_level) || horizon != floor(horizon))
		return job_fail(ctx, JOB_PERMANENT, "forecast.run: args take sku and as_of (text), "
						    "horizon (whole days), level and service_level (0-1)");
	o.sku = json_string_value(sku);
	o.as_of = json_string_value(as_of);
	o.horizon = (int)fmin(fmax(horizon, -1), FORECAST_HORIZON_MAX + 1);
	o.job_id = ctx->id;
	o.cause_id = ctx->event_id;
	o.depth = ctx->depth + 1;
	struct forecast_summary sum;
	char *err = NULL;
	enum orr_rc rc = forecast_run(ctx->st, ctx->clock, &o, NULL, NULL, &sum, &err);
	if (rc != ORR_OK) {
		/* bad arguments or an unknown SKU stay bad; a busy database does not */
		enum job_status s = job_fail(ctx, rc == ORR_TEMPFAIL || rc == ORR_IOERR ? JOB_RETRY
										 : JOB_PERMANENT,
					     "%s", err);
		free(err);
		forecast_summary_free(&sum);
		return s;
	}
	ctx->result = json_pack("{sIsssIsIsIsO}", "run_id", (json_int_t)sum.run_id, "as_of",
				sum.as_of, "skus", (json_int_t)sum.skus, "stockout",
				(json_int_t)sum.stockout, "overstock", (json_int_t)sum.overstock,
				"models", sum.models);
	forecast_summary_free(&sum);
	return JOB_DONE;
}

static const struct job_kind forecast_kinds[] = {
	{ "forecast.run",
	  "forecast demand and the reorder policy of every SKU (args: sku, as_of, horizon, level, "
	  "service_level); emits forecast.updated, and stockout.risk / overstock.risk when a "
	  "SKU's risk changes",
	  forecast_job_run, NULL },
};

static const char *const forecast_consumes[] = { "source.ingested", NULL };
static const char *const forecast_produces[] = { "forecast.updated", "stockout.risk",
						 "overstock.risk", NULL };

const struct subsystem subsys_forecast = {
	.name = "forecast",
	.purpose = "demand forecasts per SKU, reorder points and stock risks",
	.consumes = forecast_consumes,
	.produces = forecast_produces,
	.kinds = forecast_kinds,
	.nkinds = sizeof forecast_kinds / sizeof *forecast_kinds,
	.retry = { .max_attempts = 3, .base_ms = 5000, .cap_ms = 120000 },
	.breaker = { .consecutive = 3, .window_min = 10, .ratio_pct = 50, .window_ms = 600000,
		     .cooldown_ms = 60000 },
	.fallback = "opens a manual task with the error: stock risks go unseen until the "
		    "forecast runs again",
	.on_dead = manual_task_for_dead_job,
};
