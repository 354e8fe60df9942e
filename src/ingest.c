/* ingest.c - the ingest driver: one file, one transaction, every record
 * stored or rejected.  Also implements ingest_row.h, the importers' view of
 * the job. */
#include "ingest.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "clock.h"
#include "ingest_formats.h"
#include "ingest_jsonl.h"
#include "ingest_row.h"
#include "keycache.h"
#include "store.h"
#include "store_event.h"
#include "utf8.h"
#include "store_source.h"

/* A field longer than this is a bad record, not a reason to hold it. */
#define FIELD_MAX (1 << 20)
#define PROGRESS_EVERY 16384

struct ingest_job {
	struct entity_tx tx;
	const struct importer *imp;
	const char *path;
	char **header;
	size_t ncols;
	const struct csv_field *f;
	size_t nf;
	long line;
	struct csv *csv;
	const char *raw;      /* the current record as read, for reject reports */
	size_t rawlen;
	struct json_t *json;  /* the current JSON Lines record */
	const char *currency;
	int exponent;
	bool strict;
	long records, stored, rejected, created, updated, unchanged;
	enum entity_change row_change;
	enum entity_change last_change;
	bool row_rejected;
	enum orr_rc fatal_rc;
	char *fatal_err;
	char **kept;
	size_t nkept, capkept;
	struct time_memo *times; /* per column: the last timestamp parsed */
	uint64_t digest;         /* FNV-1a of the content read, for the checksum */
	size_t nread;
	void *state;
};

/* A file repeats its timestamps (every line of an invoice has its date), so
 * each column remembers its last text and what it became.  The result lives
 * here until the column parses a different text, longer than a record. */
struct time_memo {
	char text[32];
	char out[PARSE_TIME_LEN];
};

/* --- the importers' view ------------------------------------------------ */

int job_col(const struct ingest_job *job, const char *name)
{
	for (size_t i = 0; i < job->ncols; i++)
		if (strcasecmp(job->header[i], name) == 0)
			return (int)i;
	return -1;
}

enum orr_rc job_need(const struct ingest_job *job, const char *name, int *col, char **err)
{
	*col = job_col(job, name);
	if (*col >= 0)
		return ORR_OK;
	*err = xasprintf("%s:1: not a %s file: no column \"%s\"", job->path, job->imp->name, name);
	return ORR_DATAERR;
}

const char *job_text(const struct ingest_job *job, int col)
{
	return col >= 0 && (size_t)col < job->nf ? job->f[col].ptr : "";
}

const char *job_keep(struct ingest_job *job, const char *s, size_t n)
{
	if (job->nkept == job->capkept) {
		job->capkept = job->capkept ? job->capkept * 2 : 16;
		job->kept = xrealloc(job->kept, job->capkept * sizeof *job->kept);
	}
	return job->kept[job->nkept++] = xstrndup(s, n);
}

struct val job_trimmed(struct ingest_job *job, int col)
{
	const char *s = job_text(job, col);
	size_t n = strlen(s);
	size_t a = 0;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (a == n)
		return (struct val){ 0 };
	if (a == 0 && s[n] == '\0')
		return val_text(s);
	return val_text(job_keep(job, s + a, n - a));
}

enum row_result job_reject(struct ingest_job *job, int col, const char *fmt, ...)
{
	if (job->row_rejected)
		return ROW_REJECTED; /* the first reason is the one reported */
	job->row_rejected = true;
	va_list ap;
	va_start(ap, fmt);
	char reason[512];
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	const char *column = col >= 0 && (size_t)col < job->ncols ? job->header[col] : NULL;
	char *err = NULL;
	enum orr_rc rc = source_reject(job->tx.st, job->tx.source_id, job->line, column, reason,
				       job->raw, job->rawlen, &err);
	if (rc != ORR_OK)
		return job_fatal(job, rc, err);
	if (job->strict)
		return job_fatal(job, ORR_DATAERR,
				 xasprintf("%s:%ld: %s%s%s (--strict refuses the file)", job->path,
					   job->line, column ? column : "", column ? ": " : "",
					   reason));
	return ROW_REJECTED;
}

enum row_result job_fatal(struct ingest_job *job, enum orr_rc rc, char *err)
{
	if (!job->fatal_err) {
		job->fatal_rc = rc;
		job->fatal_err = err;
	} else {
		free(err);
	}
	return ROW_FATAL;
}

/* Reject with the parser's reason and the offending text. */
static bool reject_value(struct ingest_job *job, int col, const char *why)
{
	const char *text = job_text(job, col);
	job_reject(job, col, "%s: \"%.60s%s\"", why, text, strlen(text) > 60 ? "..." : "");
	return false;
}

/* Shared tail of the typed readers: blank handling. */
static bool blank_ok(struct ingest_job *job, int col, bool required, struct val *out)
{
	*out = (struct val){ 0 };
	if (!required)
		return true;
	job_reject(job, col, "required value is missing");
	return false;
}

bool job_int(struct ingest_job *job, int col, bool required, struct val *out)
{
	const char *why = NULL;
	int64_t v;
	switch (parse_int(job_text(job, col), &v, &why)) {
	case PARSE_OK:
		*out = val_int(v);
		return true;
	case PARSE_EMPTY:
		return blank_ok(job, col, required, out);
	default:
		return reject_value(job, col, why);
	}
}

bool job_money(struct ingest_job *job, int col, bool required, struct val *out)
{
	const char *why = NULL;
	int64_t v;
	switch (parse_money(job_text(job, col), job->exponent, &v, &why)) {
	case PARSE_OK:
		*out = val_int(v);
		return true;
	case PARSE_EMPTY:
		return blank_ok(job, col, required, out);
	default:
		return reject_value(job, col, why);
	}
}

/* The memo of a column, NULL when the text is too long to remember. */
static struct time_memo *time_memo(struct ingest_job *job, int col, const char *text)
{
	if (col < 0 || (size_t)col >= job->ncols || strlen(text) >= sizeof job->times->text)
		return NULL;
	if (!job->times)
		job->times = xcalloc(job->ncols, sizeof *job->times);
	return &job->times[col];
}

bool job_time(struct ingest_job *job, int col, bool required, struct val *out)
{
	const char *why = NULL, *text = job_text(job, col);
	struct time_memo *m = time_memo(job, col, text);
	if (m && m->out[0] && strcmp(m->text, text) == 0) {
		*out = val_text(m->out);
		return true;
	}
	char buf[PARSE_TIME_LEN];
	switch (parse_time(text, buf, &why)) {
	case PARSE_OK:
		if (!m)
			return *out = val_text(job_keep(job, buf, strlen(buf))), true;
		strcpy(m->text, text);
		memcpy(m->out, buf, sizeof buf);
		*out = val_text(m->out);
		return true;
	case PARSE_EMPTY:
		return blank_ok(job, col, required, out);
	default:
		return reject_value(job, col, why);
	}
}

bool job_bool(struct ingest_job *job, int col, struct val *out)
{
	const char *why = NULL;
	bool b;
	switch (parse_bool(job_text(job, col), &b, &why)) {
	case PARSE_OK:
		*out = val_int(b);
		return true;
	case PARSE_EMPTY:
		return blank_ok(job, col, false, out);
	default:
		return reject_value(job, col, why);
	}
}

static enum row_result upsert(struct ingest_job *job, enum entity_kind kind,
			      const struct val *vals, enum upsert_mode mode, int64_t *id)
{
	enum entity_change change;
	char *err = NULL;
	int64_t tmp;
	enum orr_rc rc = entity_upsert(&job->tx, kind, vals, mode, id ? id : &tmp, &change, &err);
	if (rc != ORR_OK)
		return job_fatal(job, rc, err);
	job->last_change = change;
	if (change == CHANGE_CREATED || (change == CHANGE_UPDATED && job->row_change == CHANGE_NONE))
		job->row_change = change;
	return ROW_OK;
}

enum row_result job_upsert(struct ingest_job *job, enum entity_kind kind, const struct val *vals,
			   int64_t *id)
{
	return upsert(job, kind, vals, UPSERT_REPLACE, id);
}

enum row_result job_observe(struct ingest_job *job, enum entity_kind kind, const struct val *vals,
			    int64_t *id)
{
	return upsert(job, kind, vals, UPSERT_FILL, id);
}

bool job_last_created(const struct ingest_job *job)
{
	return job->last_change == CHANGE_CREATED;
}

enum row_result job_insert_new(struct ingest_job *job, enum entity_kind kind,
			       const struct val *vals, int64_t *id)
{
	return upsert(job, kind, vals, UPSERT_NEW, id);
}

int64_t job_find_sku(struct ingest_job *job, const char *sku)
{
	return entity_find_sku(&job->tx, sku);
}

int64_t job_find(struct ingest_job *job, enum entity_kind kind, const struct val *keys)
{
	return entity_find(&job->tx, kind, keys);
}

int64_t job_counter_get(struct ingest_job *job, const char *key)
{
	return entity_counter_get(&job->tx, key);
}

enum row_result job_counter_set(struct ingest_job *job, const char *key, int64_t n)
{
	char *err = NULL;
	enum orr_rc rc = entity_counter_set(&job->tx, key, n, &err);
	return rc == ORR_OK ? ROW_OK : job_fatal(job, rc, err);
}

struct spill {
	struct ingest_job *job;
	enum row_result r;
};

static void spill_entry(void *ctx, struct kc_entry *e)
{
	struct spill *sp = ctx;
	if (sp->r == ROW_OK)
		sp->r = job_counter_set(sp->job, e->key, e->n);
}

enum row_result job_spill_counters(struct ingest_job *job, struct keycache *kc)
{
	struct spill sp = { job, ROW_OK };
	keycache_each(kc, spill_entry, &sp);
	keycache_clear(kc);
	return sp.r;
}

const struct importer *job_importer(const struct ingest_job *job)
{
	return job->imp;
}

const char *job_origin(const struct ingest_job *job)
{
	return job->imp->origin;
}

const char *job_currency(const struct ingest_job *job)
{
	return job->currency;
}

long job_line(const struct ingest_job *job)
{
	return job->line;
}

struct json_t *job_json(const struct ingest_job *job)
{
	return job->json;
}

void *job_state(const struct ingest_job *job)
{
	return job->state;
}

void job_set_state(struct ingest_job *job, void *state)
{
	job->state = state;
}

/* The checksum of a file is FNV-1a 64 over its content, then over the
 * options that change the outcome. */
#define FNV_BASIS 0xcbf29ce484222325ULL

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ULL;
	return h;
}

/* The checksum text, from the FNV-1a of the content. */
static void checksum_text(uint64_t h, const struct ingest_options *opt, char out[17])
{
	char extra[96];
	snprintf(extra, sizeof extra, "|%s|%d|%s|%d", opt->format ? opt->format : "",
		 (int)opt->encoding, opt->currency ? opt->currency : "", opt->strict);
	h = fnv1a(h, extra, strlen(extra));
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* --- the driver ---------------------------------------------------------- */

static void free_kept(struct ingest_job *job)
{
	for (size_t i = 0; i < job->nkept; i++)
		free(job->kept[i]);
	job->nkept = 0;
}

static void free_header(struct ingest_job *job)
{
	for (size_t i = 0; i < job->ncols; i++)
		free(job->header[i]);
	free(job->header);
	free(job->times);
	job->times = NULL;
	job->header = NULL;
	job->ncols = 0;
}

/* Keep the header, trimmed, for name lookups and reject reports. */
static void take_header(struct ingest_job *job, const struct csv_field *f, size_t n)
{
	job->header = xcalloc(n, sizeof *job->header);
	job->ncols = n;
	for (size_t i = 0; i < n; i++) {
		const char *s = f[i].ptr;
		size_t len = f[i].len;
		while (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		job->header[i] = xstrndup(s, len);
	}
}

/* True when every signature column is in the header. */
static bool header_matches(const struct ingest_job *job, const struct importer *imp)
{
	for (const char *const *c = imp->signature; *c; c++)
		if (job_col(job, *c) < 0)
			return false;
	return true;
}

static size_t signature_len(const struct importer *imp)
{
	size_t n = 0;
	while (imp->signature[n])
		n++;
	return n;
}

/* The importer whose signature the header matches most specifically. */
static const struct importer *detect(const struct ingest_job *job)
{
	const struct importer *best = NULL;
	for (const struct importer *const *imp = importers; *imp; imp++)
		if ((*imp)->signature && header_matches(job, *imp) &&
		    (!best || signature_len(*imp) > signature_len(best)))
			best = *imp;
	return best;
}

static const struct importer *find_importer(const char *name)
{
	for (const struct importer *const *imp = importers; *imp; imp++)
		if (strcmp((*imp)->name, name) == 0)
			return *imp;
	return NULL;
}

static char *unknown_header(const struct ingest_job *job)
{
	char cols[160] = "";
	for (size_t i = 0; i < job->ncols && i < 4; i++) {
		size_t used = strlen(cols);
		snprintf(cols + used, sizeof cols - used, "%s\"%.30s\"", i ? ", " : "", job->header[i]);
	}
	return xasprintf("%s:1: unknown header (%s%s): not a format orrery knows; "
			 "see `orrery ingest --help` or force one with --format NAME",
			 job->path, cols, job->ncols > 4 ? ", ..." : "");
}

/* Choose the importer from --format or the header, and let it map columns. */
static enum orr_rc choose_importer(struct ingest_job *job, const struct ingest_options *opt,
				   char **err)
{
	if (opt->format) {
		job->imp = find_importer(opt->format);
		if (!job->imp) {
			*err = xasprintf("unknown format \"%s\"; see `orrery ingest --help`", opt->format);
			return ORR_USAGE;
		}
		if (job->imp->signature && !header_matches(job, job->imp)) {
			for (const char *const *c = job->imp->signature; *c; c++)
				if (job_col(job, *c) < 0) {
					*err = xasprintf("%s:1: not a %s file: no column \"%s\"",
							 job->path, job->imp->name, *c);
					return ORR_DATAERR;
				}
		}
	} else if (!(job->imp = detect(job))) {
		*err = unknown_header(job);
		return ORR_DATAERR;
	}
	job->currency = opt->currency ? opt->currency : job->imp->currency;
	job->exponent = currency_exponent(job->currency);
	if (job->exponent < 0) {
		*err = xasprintf("unknown currency \"%s\" (use an ISO 4217 code such as EUR)",
				 job->currency);
		return ORR_USAGE;
	}
	return job->imp->begin ? job->imp->begin(job, err) : ORR_OK;
}

/* A record of one empty field is a blank line, not data. */
static bool blank_record(const struct csv_field *f, size_t n)
{
	return n == 1 && f[0].len == 0;
}

/* What became of a record, whatever the importer returned: a fatal error
 * (a --strict rejection, a database failure) wins, then a rejection. */
static enum row_result settle(const struct ingest_job *job, enum row_result r)
{
	if (job->fatal_err || r == ROW_FATAL)
		return ROW_FATAL;
	return job->row_rejected ? ROW_REJECTED : r;
}

/* Structural checks every format shares, then the importer's own. */
static enum row_result one_record(struct ingest_job *job)
{
	job->row_change = CHANGE_NONE;
	job->row_rejected = false;
	if (job->nf != job->ncols)
		return job_reject(job, -1, "expected %zu fields as in the header, found %zu",
				  job->ncols, job->nf);
	for (size_t i = 0; i < job->nf; i++)
		if (job->f[i].len > FIELD_MAX)
			return job_reject(job, (int)i, "field is %zu bytes, longer than the %d allowed",
					  job->f[i].len, FIELD_MAX);
	return settle(job, job->imp->row(job));
}

static void count(struct ingest_job *job, enum row_result r)
{
	job->records++;
	if (r == ROW_REJECTED) {
		job->rejected++;
		return;
	}
	job->stored++;
	if (job->row_change == CHANGE_CREATED)
		job->created++;
	else if (job->row_change == CHANGE_UPDATED)
		job->updated++;
	else
		job->unchanged++;
}

static void progress(struct ingest_job *job, const struct ingest_options *opt, FILE *fp,
		     long size)
{
	if (!opt->progress || job->records % PROGRESS_EVERY)
		return;
	long pos = ftell(fp);
	opt->progress(opt->progress_ctx, job->path, job->records,
		      size > 0 && pos >= 0 ? (double)pos / (double)size : 0);
}

/* Read every record after the header. */
static enum orr_rc read_records(struct ingest_job *job, const struct ingest_options *opt,
				FILE *fp, long size, char **err)
{
	enum csv_status s;
	while ((s = csv_next(job->csv, &job->f, &job->nf)) == CSV_ROW) {
		if (blank_record(job->f, job->nf))
			continue;
		job->line = csv_line(job->csv);
		job->raw = csv_raw(job->csv, &job->rawlen);
		enum row_result r = one_record(job);
		free_kept(job);
		if (r == ROW_FATAL) {
			*err = job->fatal_err;
			job->fatal_err = NULL;
			return job->fatal_rc;
		}
		count(job, r);
		progress(job, opt, fp, size);
	}
	if (s == CSV_ERROR) {
		*err = xasprintf("%s:%ld: %s", job->path, csv_error_line(job->csv),
				 csv_error(job->csv));
		return ORR_DATAERR;
	}
	return ORR_OK;
}

/* One JSON Lines record: a reject when it does not parse, else the importer. */
static enum row_result one_json_record(struct ingest_job *job)
{
	job->row_change = CHANGE_NONE;
	job->row_rejected = false;
	json_error_t jerr;
	job->json = json_loadb(job->raw, job->rawlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!job->json)
		return job_reject(job, -1, "not valid JSON: %s (column %d)", jerr.text, jerr.column);
	enum row_result r = settle(job, job->imp->row(job));
	json_decref(job->json);
	job->json = NULL;
	return r;
}

/* True when the line holds only blanks. */
static bool blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* Every line of a JSON Lines file; bytes that are not UTF-8 refuse it. */
static enum orr_rc read_json_lines(struct ingest_job *job, const struct ingest_options *opt,
				   FILE *fp, long size, char **err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	enum orr_rc rc = ORR_OK;
	while (rc == ORR_OK && (n = getline(&line, &cap, fp)) >= 0) {
		job->digest = fnv1a(job->digest, line, (size_t)n);
		job->nread += (size_t)n;
		job->line++;
		size_t len = (size_t)n, skip = job->line == 1 && n >= 3 && !memcmp(line, "\xef\xbb\xbf", 3) ? 3 : 0;
		if (utf8_valid_prefix(line, len) != len || memchr(line, '\0', len)) {
			*err = xasprintf("%s:%ld: not UTF-8 text (JSON Lines must be UTF-8)", job->path,
					 job->line);
			rc = ORR_DATAERR;
			break;
		}
		while (len > skip && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		job->raw = line + skip;
		job->rawlen = len - skip;
		if (blank_line(job->raw, job->rawlen))
			continue;
		enum row_result r = one_json_record(job);
		free_kept(job);
		if (r == ROW_FATAL) {
			*err = job->fatal_err;
			job->fatal_err = NULL;
			rc = job->fatal_rc;
			break;
		}
		count(job, r);
		progress(job, opt, fp, size);
	}
	free(line);
	if (rc == ORR_OK && ferror(fp)) {
		*err = xasprintf("%s: read error: %s", job->path, strerror(errno));
		rc = ORR_IOERR;
	}
	return rc;
}

/* JSON Lines when forced, or when the first non-blank byte opens an object. */
static bool looks_like_json_lines(FILE *fp, const struct ingest_options *opt)
{
	if (opt->format)
		return strcmp(opt->format, importer_jsonl.name) == 0;
	int c;
	while ((c = getc(fp)) == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xef ||
	       c == 0xbb || c == 0xbf)
		;
	rewind(fp);
	return c == '{';
}

/* The header record, refusing an empty file. */
static enum orr_rc read_header(struct ingest_job *job, char **err)
{
	enum csv_status s;
	while ((s = csv_next(job->csv, &job->f, &job->nf)) == CSV_ROW &&
	       blank_record(job->f, job->nf))
		;
	if (s == CSV_ERROR) {
		*err = xasprintf("%s:%ld: %s", job->path, csv_error_line(job->csv),
				 csv_error(job->csv));
		return ORR_DATAERR;
	}
	if (s == CSV_EOF) {
		*err = xasprintf("%s: empty file: no header, nothing to ingest", job->path);
		return ORR_DATAERR;
	}
	take_header(job, job->f, job->nf);
	return ORR_OK;
}

/* Header, records, importer finish, order events: all inside the caller's
 * transaction. */
static enum orr_rc run_file(struct ingest_job *job, const struct ingest_options *opt, FILE *fp,
			    long size, char **err)
{
	bool jsonl = looks_like_json_lines(fp, opt);
	enum orr_rc rc = ORR_OK;
	if (jsonl) {
		job->imp = &importer_jsonl;
		job->currency = opt->currency ? opt->currency : job->imp->currency;
		job->exponent = currency_exponent(job->currency);
	} else {
		struct csv_options copt = { .encoding = opt->encoding };
		job->csv = csv_open(fp, &copt);
		rc = read_header(job, err);
		if (rc == ORR_OK)
			rc = choose_importer(job, opt, err);
	}
	if (rc == ORR_OK)
		rc = source_set_format(job->tx.st, job->tx.source_id, job->imp->name, err);
	if (rc == ORR_OK)
		rc = jsonl ? read_json_lines(job, opt, fp, size, err)
			   : read_records(job, opt, fp, size, err);
	if (rc == ORR_OK && job->imp->finish)
		rc = job->imp->finish(job, err);
	if (rc == ORR_OK)
		rc = entity_flush_orders(&job->tx, err);
	if (job->imp && job->imp->end)
		job->imp->end(job);
	if (job->csv) {
		job->digest = csv_digest(job->csv, &job->nread);
		csv_close(job->csv);
	}
	return rc;
}

/* A separate pass for the checksum, only for a path ingested before: an
 * unchanged file must be recognised before anything is read into the
 * database.  A new path is hashed by the readers as they go. */
static enum orr_rc fingerprint(FILE *fp, const char *path, const struct ingest_options *opt,
			       char out[17], char **err)
{
	uint64_t h = FNV_BASIS;
	unsigned char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		h = fnv1a(h, buf, n);
	if (ferror(fp)) {
		*err = xasprintf("%s: read error: %s", path, strerror(errno));
		return ORR_IOERR;
	}
	checksum_text(h, opt, out);
	rewind(fp);
	return ORR_OK;
}

static enum orr_rc open_input(const char *path, FILE **fp, long *size, struct ingest_report *rep,
			      char **err)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return ORR_NOINPUT;
	}
	if (S_ISDIR(sb.st_mode)) {
		*err = xasprintf("%s: is a directory, not a file", path);
		return ORR_NOINPUT;
	}
	if (!S_ISREG(sb.st_mode)) { /* a pipe cannot be read twice: checksum, then records */
		*err = xasprintf("%s: not a regular file (save a pipe or device to a file first)",
				 path);
		return ORR_NOINPUT;
	}
	if (!realpath(path, rep->path) || !(*fp = fopen(path, "rb"))) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return ORR_NOINPUT;
	}
	*size = (long)sb.st_size;
	return ORR_OK;
}

static void fill_report(struct ingest_report *rep, const struct ingest_job *job)
{
	snprintf(rep->format, sizeof rep->format, "%s", job->imp ? job->imp->name : "");
	rep->records = job->records;
	rep->stored = job->stored;
	rep->rejected = job->rejected;
	rep->created = job->created;
	rep->updated = job->updated;
	rep->unchanged = job->unchanged;
}

/* source.ingested, in the file's own transaction: what a file changed is
 * news for the subsystems (the audit runs again).  A file that changed
 * nothing says nothing. */
static enum orr_rc announce_source(struct ingest_job *job, struct ingest_report *rep,
				   const char *now, char **err)
{
	json_t *p = json_pack("{sssssIsIsIsIsI}", "path", rep->path, "format",
			      rep->format, "records", (json_int_t)job->records,
			      "created", (json_int_t)job->created, "updated", (json_int_t)job->updated,
			      "rejected", (json_int_t)job->rejected, "unchanged",
			      (json_int_t)job->unchanged);
	char *text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	struct event_new ev = { .type = "source.ingested", .entity = "source",
				.entity_id = job->tx.source_id, .payload = text };
	enum orr_rc rc = event_append(job->tx.st, &ev, clock_parse(now), NULL, err);
	free(text);
	if (rc == ORR_OK)
		job->tx.events++;
	return rc;
}

/* Everything between BEGIN and COMMIT. */
static enum orr_rc ingest_in_tx(struct store *st, FILE *fp, long size, const char *sum,
				const char *path, const struct ingest_options *opt,
				struct ingest_report *rep, char **err)
{
	struct ingest_job job = { .tx = { .st = st, .now = opt->now }, .path = path,
				  .strict = opt->strict, .digest = FNV_BASIS };
	enum orr_rc rc = source_start(st, rep->path, size, sum, opt->now, &job.tx.source_id, err);
	if (rc == ORR_OK)
		rc = entity_begin(&job.tx, err);
	if (rc == ORR_OK)
		rc = run_file(&job, opt, fp, size, err);
	fill_report(rep, &job);
	rep->source_id = job.tx.source_id;
	if (rc == ORR_OK) {
		struct source_counts c = { job.records, job.stored, job.rejected, job.created,
					   job.updated, job.unchanged };
		char checksum[17];
		checksum_text(job.digest, opt, checksum);
		rc = source_finish(st, job.tx.source_id, &c, (long)job.nread, checksum, err);
	}
	if (rc == ORR_OK && job.created + job.updated + job.rejected > 0 && !opt->no_source_event)
		rc = announce_source(&job, rep, opt->now, err);
	if (rc == ORR_OK && opt->in_tx)
		rc = opt->in_tx(opt->in_tx_ctx, st, err);
	rep->events = job.tx.events;
	entity_end(&job.tx);
	free_header(&job);
	free(job.kept);
	free(job.fatal_err);
	return rc;
}

enum orr_rc ingest_file(struct store *st, const char *path, const struct ingest_options *opt,
			struct ingest_report *rep, char **err)
{
	memset(rep, 0, sizeof *rep);
	FILE *fp = NULL;
	long size;
	enum orr_rc rc = open_input(path, &fp, &size, rep, err);
	if (rc != ORR_OK)
		return rc;
	char sum[17] = ""; /* until the readers have seen the whole file */
	if (source_known(st, rep->path))
		rc = fingerprint(fp, path, opt, sum, err);
	if (rc == ORR_OK && *sum && source_unchanged(st, rep->path, sum, rep)) {
		rep->same_as_before = true;
		fclose(fp);
		return ORR_OK;
	}
	if (rc == ORR_OK)
		rc = store_begin(st, err);
	if (rc == ORR_OK) {
		rc = ingest_in_tx(st, fp, size, sum, path, opt, rep, err);
		if (rc == ORR_OK)
			rc = store_commit(st, err);
		else
			store_rollback(st);
	}
	fclose(fp);
	return rc;
}

enum orr_rc ingest_buffer_in_tx(struct store *st, const char *name, const char *data, size_t len,
				const struct ingest_options *opt, struct ingest_report *rep,
				char **err)
{
	memset(rep, 0, sizeof *rep);
	snprintf(rep->path, sizeof rep->path, "%s", name);
	/* fmemopen refuses a zero size: an empty buffer reads as one newline */
	FILE *fp = len ? fmemopen((void *)data, len, "rb") : fmemopen((void *)"\n", 1, "rb");
	if (!fp) {
		*err = xasprintf("%s: %s", name, strerror(errno));
		return ORR_SOFTWARE;
	}
	struct ingest_options o = *opt;
	o.format = importer_jsonl.name;
	enum orr_rc rc = ingest_in_tx(st, fp, (long)len, "", name, &o, rep, err);
	fclose(fp);
	return rc;
}

enum orr_rc ingest_buffer(struct store *st, const char *name, const char *data, size_t len,
			  const struct ingest_options *opt, struct ingest_report *rep, char **err)
{
	enum orr_rc rc = store_begin(st, err);
	if (rc != ORR_OK)
		return rc;
	rc = ingest_buffer_in_tx(st, name, data, len, opt, rep, err);
	if (rc == ORR_OK)
		rc = store_commit(st, err);
	else
		store_rollback(st);
	return rc;
}

const struct ingest_format_info *ingest_formats(int *n)
{
	static struct ingest_format_info info[32];
	int i = 0;
	for (const struct importer *const *imp = importers; *imp && i < 32; imp++, i++)
		info[i] = (struct ingest_format_info){ (*imp)->name, (*imp)->summary };
	*n = i;
	return info;
}
