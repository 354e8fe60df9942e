/* kpi_export.c - the Prometheus text exposition format (0.0.4) of the
 * current KPI values, to a stream or atomically to a file for
 * node_exporter's textfile collector. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kpi.h"
#include "kpi_series.h"
#include "xalloc.h"

/* A label value or HELP text with \, " (labels only) and newlines escaped. */
static void put_escaped(FILE *out, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '"' && quote)
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

/* {subsystem="...",kind="...",quantile="..."} or nothing. */
static void put_labels(FILE *out, const struct kpi_series *s, const char *quantile)
{
	const char *names[] = { "subsystem", "kind", "quantile" };
	const char *vals[] = { s->subsystem, s->kind, quantile ? quantile : "" };
	bool any = false;
	for (int i = 0; i < 3; i++) {
		if (!*vals[i])
			continue;
		fprintf(out, "%s%s=\"", any ? "," : "{", names[i]);
		put_escaped(out, vals[i], true);
		fputc('"', out);
		any = true;
	}
	if (any)
		fputc('}', out);
}

static void put_sample(FILE *out, const char *name, const char *suffix,
		       const struct kpi_series *s, const char *quantile, double v)
{
	fprintf(out, "%s%s", name, suffix);
	put_labels(out, s, quantile);
	fprintf(out, " %.10g\n", v);
}

/* The lines of one series of a family: a gauge, a quantile, or the _sum
 * and _count of the jobs behind a summary. */
static bool put_series(FILE *out, const struct kpi_series *s)
{
	const struct kpi_def *d = s->def;
	double v = kpi_ratio(s->cur.v, s->cur.n);
	if (!isfinite(v))
		return false;
	if (d->prom == PROM_SUM_COUNT) {
		double num = 0, den = 0;
		for (size_t i = 0; i < s->cur.n; i++) {
			num += s->cur.v[i].num;
			den += s->cur.v[i].den;
		}
		put_sample(out, d->prom_name, "_sum", s, NULL, num * d->prom_scale);
		put_sample(out, d->prom_name, "_count", s, NULL, den);
	} else {
		put_sample(out, d->prom_name, "", s, d->quantile, v * d->prom_scale);
	}
	return true;
}

static bool has_value(const struct kpi_series *s)
{
	return isfinite(kpi_ratio(s->cur.v, s->cur.n));
}

/* HELP and TYPE of the family named by series i, once. */
static void put_header(FILE *out, const struct kpi_series_set *set, size_t i)
{
	const struct kpi_def *d = set->v[i].def;
	bool summary = d->prom != PROM_GAUGE;
	fprintf(out, "# HELP %s ", d->prom_name);
	put_escaped(out, summary ? d->prom_help : d->description, false);
	fputs(summary ? " By job kind over the last 24 hours; a quantile is the hourly "
			"percentile weighted by jobs, sum and count are of the jobs."
		      : " Over the last 24 hours.", out);
	fprintf(out, "\n# TYPE %s %s\n", d->prom_name, summary ? "summary" : "gauge");
}

/* Every series of the family prom_name, header first, if any has a value. */
static void put_family(FILE *out, const struct kpi_series_set *set, const char *prom_name)
{
	bool header = false;
	for (size_t i = 0; i < set->n; i++) {
		const struct kpi_series *s = &set->v[i];
		if (strcmp(s->def->prom_name, prom_name) != 0 || !has_value(s))
			continue;
		if (!header)
			put_header(out, set, i);
		header = true;
		put_series(out, s);
	}
}

enum orr_rc kpi_export_prometheus(struct store *st, const struct clock *clock, FILE *out,
				  char **err)
{
	int64_t now = clock_now(clock);
	struct kpi_series_set set;
	enum orr_rc rc = kpi_series_load(st, 0, now - KPI_CURRENT_WINDOW_MS, now + 1, &set, err);
	if (rc != ORR_OK)
		return rc;
	size_t n;
	const struct kpi_def *defs = kpi_catalog(&n);
	for (size_t i = 0; i < n; i++) { /* each family once, where it first appears */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(defs[j].prom_name, defs[i].prom_name) == 0;
		if (!seen)
			put_family(out, &set, defs[i].prom_name);
	}
	kpi_series_free(&set);
	return ORR_OK;
}

/* --- the metrics file ------------------------------------------------------ */

static enum orr_rc io_error(const char *path, const char *what, char **err)
{
	*err = xasprintf("cannot %s the metrics file %s: %s", what, path, strerror(errno));
	return ORR_IOERR;
}

/* Export into the open temporary file and close it; the scraper may read
 * it as soon as it is renamed, so it must be whole and readable by all. */
static enum orr_rc fill(struct store *st, const struct clock *clock, int fd, const char *path,
			char **err)
{
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return io_error(path, "write", err);
	}
	enum orr_rc rc = kpi_export_prometheus(st, clock, f, err);
	if (rc == ORR_OK && (fchmod(fd, 0644) != 0 || fflush(f) != 0 || ferror(f) ||
			     fsync(fd) != 0))
		rc = io_error(path, "write", err);
	if (fclose(f) != 0 && rc == ORR_OK)
		rc = io_error(path, "write", err);
	return rc;
}

enum orr_rc kpi_write_metrics_file(struct store *st, const struct clock *clock,
				   const char *path, char **err)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	char *tmp = xasprintf("%s/.%s.XXXXXX", dirname(dcopy), basename(bcopy));
	free(dcopy);
	free(bcopy);
	int fd = mkstemp(tmp);
	enum orr_rc rc = fd < 0 ? io_error(path, "create a temporary file beside", err)
				: fill(st, clock, fd, path, err);
	if (rc == ORR_OK && rename(tmp, path) != 0)
		rc = io_error(path, "replace", err);
	if (rc != ORR_OK && fd >= 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
