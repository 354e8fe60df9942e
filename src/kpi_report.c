/* kpi_report.c - comparisons against a baseline, and current values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kpi.h"
#include "kpi_series.h"
#include "store_kpi.h"
#include "xalloc.h"

static json_t *number_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* What every KPI entry starts with: the catalogue's facts and its labels. */
static json_t *entry_head(const struct kpi_series *s)
{
	json_t *o = json_pack("{ssssssss}", "name", s->def->name, "label", s->def->label, "unit",
			      s->def->unit, "better", s->def->up_is_better ? "up" : "down");
	if (*s->subsystem)
		json_object_set_new(o, "subsystem", json_string(s->subsystem));
	if (*s->kind)
		json_object_set_new(o, "kind", json_string(s->kind));
	return o;
}

/* The newest hourly values of the series, oldest first. */
static enum orr_rc add_spark(struct store *st, json_t *o, const struct kpi_series *s,
			     int64_t now, char **err)
{
	double v[KPI_SPARK_MAX];
	int n;
	int64_t newest;
	enum orr_rc rc = kpi_samples_recent(st, s->def->name, s->subsystem, s->kind, now + 1,
					    KPI_SPARK_MAX, v, &n, &newest, err);
	if (rc != ORR_OK)
		return rc;
	json_t *spark = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(spark, json_real(v[i]));
	json_object_set_new(o, "last_at", newest ? json_integer(newest) : json_null());
	json_object_set_new(o, "spark", spark);
	return ORR_OK;
}

/* --- compare --------------------------------------------------------------- */

static const char *verdict(const struct kpi_def *d, const struct kpi_ci *ci)
{
	if (ci->low <= 0 && ci->high >= 0)
		return "no significant change";
	bool up = ci->low > 0;
	return up == d->up_is_better ? "better" : "worse";
}

/* A seed per series, so its interval does not depend on what else is compared. */
static uint64_t series_seed(const struct kpi_series *s)
{
	char *key = xasprintf("%s/%s/%s", s->def->name, s->subsystem, s->kind);
	uint64_t seed = kpi_seed(key);
	free(key);
	return seed;
}

/* The change and its interval; the samples are merged into blocks in place. */
static void add_change(json_t *o, struct kpi_series *s)
{
	double base = kpi_ratio(s->base.v, s->base.n), cur = kpi_ratio(s->cur.v, s->cur.n);
	double change = cur - base;
	struct kpi_ci ci = { NAN, NAN };
	size_t nb = kpi_blocks(s->base.v, s->base.n, KPI_BOOTSTRAP_BLOCKS);
	size_t nc = kpi_blocks(s->cur.v, s->cur.n, KPI_BOOTSTRAP_BLOCKS);
	bool enough = s->base.n >= KPI_MIN_SAMPLES && s->cur.n >= KPI_MIN_SAMPLES &&
		      kpi_bootstrap_change(s->base.v, nb, s->cur.v, nc, KPI_BOOTSTRAP_REPS,
					   series_seed(s), &ci);
	json_object_set_new(o, "baseline", number_or_null(base));
	json_object_set_new(o, "current", number_or_null(cur));
	json_object_set_new(o, "change", number_or_null(change));
	json_object_set_new(o, "change_pct",
			    number_or_null(base != 0 ? change / fabs(base) * 100 : NAN));
	json_object_set_new(o, "ci_low", number_or_null(ci.low));
	json_object_set_new(o, "ci_high", number_or_null(ci.high));
	json_object_set_new(o, "baseline_samples", json_integer((json_int_t)s->base.n));
	json_object_set_new(o, "current_samples", json_integer((json_int_t)s->cur.n));
	json_object_set_new(o, "verdict",
			    json_string(enough ? verdict(s->def, &ci) : "insufficient data"));
}

/* The series set as entries: with the change against the baseline, or
 * with the current value only. */
static enum orr_rc entries(struct store *st, struct kpi_series_set *set, bool compare,
			   int64_t now, json_t **out, char **err)
{
	json_t *all = json_array();
	enum orr_rc rc = ORR_OK;
	for (size_t i = 0; i < set->n && rc == ORR_OK; i++) {
		struct kpi_series *s = &set->v[i];
		json_t *o = entry_head(s);
		if (compare) {
			add_change(o, s);
		} else {
			json_object_set_new(o, "current",
					    number_or_null(kpi_ratio(s->cur.v, s->cur.n)));
			json_object_set_new(o, "samples", json_integer((json_int_t)s->cur.n));
		}
		rc = add_spark(st, o, s, now, err);
		json_array_append_new(all, o);
	}
	if (rc != ORR_OK)
		json_decref(all);
	*out = rc == ORR_OK ? all : NULL;
	return rc;
}

/* The hours of a window: those that start in it, the current one too. */
static int64_t window_start(int64_t now, int64_t window_ms)
{
	return now - window_ms;
}

static enum orr_rc baseline_of(struct store *st, const char *name, struct kpi_baseline_row *b,
			       char **err)
{
	enum orr_rc rc = kpi_baselines_find(st, name, b, err);
	if (rc == ORR_NOINPUT && !name) { /* none saved: compare with nothing */
		free(*err);
		*err = NULL;
		return ORR_OK;
	}
	return rc;
}

enum orr_rc kpi_compare(struct store *st, const char *baseline, int64_t window_ms,
			const struct clock *clock, json_t **out, char **err)
{
	int64_t now = clock_now(clock);
	struct kpi_baseline_row b;
	*out = NULL;
	enum orr_rc rc = baseline_of(st, baseline, &b, err);
	struct kpi_series_set set = { 0 };
	if (rc == ORR_OK)
		rc = kpi_series_load(st, b.id, window_start(now, window_ms), now + 1, &set, err);
	json_t *kpis = NULL;
	if (rc == ORR_OK)
		rc = entries(st, &set, true, now, &kpis, err);
	if (rc == ORR_OK)
		*out = json_pack("{s:o, s:o, s:o, s:I, s:I, s:o}", "baseline",
				 b.name ? json_string(b.name) : json_null(), "from",
				 b.id ? json_integer(b.from) : json_null(), "to",
				 b.id ? json_integer(b.to) : json_null(), "window_ms",
				 (json_int_t)window_ms, "at", (json_int_t)now, "kpis", kpis);
	kpi_series_free(&set);
	free(b.name);
	return rc;
}

/* --- show ------------------------------------------------------------------ */

enum orr_rc kpi_show_window(struct store *st, int64_t window_ms, const struct clock *clock,
			    json_t **out, char **err)
{
	int64_t now = clock_now(clock);
	struct kpi_series_set set;
	*out = NULL;
	enum orr_rc rc = kpi_series_load(st, 0, window_start(now, window_ms), now + 1, &set, err);
	json_t *kpis = NULL;
	if (rc == ORR_OK)
		rc = entries(st, &set, false, now, &kpis, err);
	if (rc == ORR_OK)
		*out = json_pack("{s:I, s:I, s:o}", "window_ms", (json_int_t)window_ms, "at",
				 (json_int_t)now, "kpis", kpis);
	kpi_series_free(&set);
	return rc;
}

enum orr_rc kpi_show(struct store *st, const struct clock *clock, json_t **out, char **err)
{
	return kpi_show_window(st, KPI_CURRENT_WINDOW_MS, clock, out, err);
}
