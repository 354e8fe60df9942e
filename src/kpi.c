/* kpi.c - collection and baselines: the writing half of the KPI API.
 * Comparisons and current values are in kpi_report.c, the Prometheus
 * export in kpi_export.c. */
#include "kpi.h"

#include <string.h>

#include "kpi_collect.h"
#include "store.h"
#include "store_kpi.h"
#include "xalloc.h"

/* Run fn inside one write transaction: all of it lands, or none. */
static enum orr_rc in_transaction(struct store *st, enum orr_rc (*fn)(void *ctx, char **err),
				  void *ctx, char **err)
{
	enum orr_rc rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	rc = fn(ctx, err);
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	if (rc != ORR_OK)
		store_rollback(st);
	return rc;
}

struct collect_args {
	struct store *st;
	int64_t now;
	int *written;
};

static enum orr_rc collect_tx(void *ctx, char **err)
{
	struct collect_args *a = ctx;
	return kpi_collect_locked(a->st, a->now, a->written, err);
}

enum orr_rc kpi_collect(struct store *st, const struct clock *clock, int *samples_written,
			char **err)
{
	int written = 0;
	struct collect_args a = { st, clock_now(clock), &written };
	enum orr_rc rc = in_transaction(st, collect_tx, &a, err);
	*samples_written = rc == ORR_OK ? written : 0;
	return rc;
}

/* --- baselines ------------------------------------------------------------- */

bool kpi_baseline_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n >= 1 && n <= 64 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       n;
}

struct save_args {
	struct store *st;
	const char *name;
	int64_t from, to, now;
};

static enum orr_rc save_tx(void *ctx, char **err)
{
	struct save_args *a = ctx;
	int written;
	enum orr_rc rc = kpi_collect_locked(a->st, a->now, &written, err);
	bool all = a->from == 0 && a->to == 0;
	if (rc == ORR_OK && all) {
		rc = kpi_samples_first(a->st, &a->from, err);
		a->to = kpi_hour_of(a->now) + KPI_HOUR_MS;
	}
	long copied = 0;
	if (rc == ORR_OK && (!all || a->from))
		rc = kpi_baselines_insert(a->st, a->name, a->from, a->to, a->now, &copied, err);
	if (rc == ORR_OK && copied == 0 && all) {
		*err = xasprintf("no KPI samples yet: nothing to save as baseline \"%s\"", a->name);
		rc = ORR_DATAERR;
	} else if (rc == ORR_OK && copied == 0) {
		char from[CLOCK_TEXT_LEN], to[CLOCK_TEXT_LEN];
		clock_format(a->from, from);
		clock_format(a->to, to);
		*err = xasprintf("no KPI samples from %s to %s: nothing to save as baseline \"%s\"",
				 from, to, a->name);
		rc = ORR_DATAERR;
	}
	return rc;
}

enum orr_rc kpi_baseline_save(struct store *st, const char *name, int64_t from_ms, int64_t to_ms,
			      const struct clock *clock, char **err)
{
	if (!kpi_baseline_name_valid(name)) {
		*err = xasprintf("baseline name \"%s\": use 1 to 64 letters, digits, '.', '_' or "
				 "'-'", name ? name : "");
		return ORR_USAGE;
	}
	if ((from_ms || to_ms) && from_ms >= to_ms) {
		*err = xstrdup("a baseline's start must come before its end");
		return ORR_USAGE;
	}
	struct save_args a = { st, name, from_ms, to_ms, clock_now(clock) };
	return in_transaction(st, save_tx, &a, err);
}

enum orr_rc kpi_baseline_list(struct store *st, json_t **out, char **err)
{
	return kpi_baselines_json(st, out, err);
}

struct delete_args {
	struct store *st;
	const char *name;
};

static enum orr_rc delete_tx(void *ctx, char **err)
{
	struct delete_args *a = ctx;
	return kpi_baselines_remove(a->st, a->name, err);
}

enum orr_rc kpi_baseline_delete(struct store *st, const char *name, char **err)
{
	struct delete_args a = { st, name };
	return in_transaction(st, delete_tx, &a, err);
}

/* --- runners --------------------------------------------------------------- */

struct seen_args {
	struct store *st;
	const char *id;
	int64_t started, now;
	int workers;
};

static enum orr_rc seen_tx(void *ctx, char **err)
{
	struct seen_args *a = ctx;
	return kpi_spans_record(a->st, a->id, a->started, a->now, a->workers, err);
}

enum orr_rc kpi_runner_seen(struct store *st, const char *runner_id, int64_t started_at,
			    int workers, const struct clock *clock, char **err)
{
	struct seen_args a = { st, runner_id, started_at, clock_now(clock), workers };
	return in_transaction(st, seen_tx, &a, err);
}
