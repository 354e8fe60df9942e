/* store_order.c - order events: lines drafted as JSON while they stream,
 * the order row read back at flush, and the SQL build as the fallback.
 *
 * The text written must be byte for byte what SQLite's JSON functions make
 * of the same rows (the fallback), so the escaping below is SQLite's:
 * '"' and '\\' backslashed, \b \t \n \f \r short, other control bytes as
 * \u00xx, everything else as is; null members are left out. */
#include "store_order.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "store_internal.h"
#include "xalloc.h"

/* A draft this long is dropped: its order's event is built from the tables
 * instead, so memory stays flat whatever an invoice holds. */
#define DRAFT_MAX (1 << 20)

struct text {
	char *s;
	size_t len, cap;
};

/* Bytes the spool moves per system call: drafts are ~1 KB, and the flush
 * reads them back in the order they were written. */
#define SPOOL_IO (1 << 18)

/* The drafted lines of the transaction, back to back. */
struct order_spool {
	FILE *fp;    /* NULL once it failed: no more drafts are kept */
	int64_t len; /* bytes written */
	bool flushed;
	char *win;   /* a window of the file read ahead (SPOOL_IO bytes) */
	int64_t win_at, win_len;
};

struct order_draft {
	char *origin, *key;
	bool sound;        /* false: its lines are built from the table */
	int64_t last_line_no;
	struct text lines; /* "[{...},{...}" without the closing bracket */
};

static void text_reserve(struct text *t, size_t more)
{
	if (t->len + more + 1 <= t->cap)
		return;
	while (t->len + more + 1 > t->cap)
		t->cap = t->cap ? t->cap * 2 : 256;
	t->s = xrealloc(t->s, t->cap);
}

static void text_add(struct text *t, const char *s, size_t n)
{
	text_reserve(t, n);
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text_int(struct text *t, int64_t v)
{
	char buf[PARSE_INT_LEN];
	text_add(t, buf, parse_int_text(v, buf));
}

/* A JSON string, escaped as SQLite's json_object() does. */
static void text_string(struct text *t, const char *s)
{
	static const char shortesc[32] = { ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
					   ['\f'] = 'f', ['\r'] = 'r' };
	text_reserve(t, strlen(s) + 2);
	t->s[t->len++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		size_t n = 0;
		if (*p == '"' || *p == '\\')
			n = (size_t)snprintf(esc, sizeof esc, "\\%c", *p);
		else if (*p < 0x20 && shortesc[*p])
			n = (size_t)snprintf(esc, sizeof esc, "\\%c", shortesc[*p]);
		else if (*p < 0x20)
			n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p);
		if (n) {
			text_add(t, esc, n);
		} else {
			text_reserve(t, 1);
			t->s[t->len++] = (char)*p;
		}
	}
	text_add(t, "\"", 1);
}

/* `"name":` with the separator the member needs. */
static void text_member(struct text *t, const char *name, bool *first)
{
	text_add(t, *first ? "\"" : ",\"", *first ? 1 : 2);
	text_add(t, name, strlen(name));
	text_add(t, "\":", 2);
	*first = false;
}

/* --- drafts -------------------------------------------------------------- */

static void order_draft_free(struct entity_tx *tx)
{
	struct order_draft *d = tx->draft;
	if (!d)
		return;
	free(d->origin);
	free(d->key);
	free(d->lines.s);
	free(d);
	tx->draft = NULL;
}

void order_drafts_end(struct entity_tx *tx)
{
	order_draft_free(tx);
	if (tx->spool && tx->spool->fp)
		fclose(tx->spool->fp);
	if (tx->spool)
		free(tx->spool->win);
	free(tx->spool);
	tx->spool = NULL;
}

/* An anonymous file in $TMPDIR (else /tmp), as SQLite's temporary files;
 * NULL when none can be made. */
static FILE *spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/orrery-spool-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd >= 0)
		unlink(path); /* the file lives as long as it is open */
	free(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	if (fd >= 0 && !fp)
		close(fd);
	if (fp)
		setvbuf(fp, NULL, _IOFBF, SPOOL_IO);
	return fp;
}

/* Append the closed draft's lines; false when the spool cannot take them
 * (then this order, and the ones after, take the fallback). */
static bool spool_add(struct entity_tx *tx, const struct text *lines, int64_t *at)
{
	if (!tx->spool) {
		tx->spool = xcalloc(1, sizeof *tx->spool);
		tx->spool->fp = spool_open();
	}
	struct order_spool *sp = tx->spool;
	if (!sp->fp)
		return false;
	if (fwrite(lines->s, 1, lines->len, sp->fp) != lines->len) {
		fclose(sp->fp);
		sp->fp = NULL;
		return false;
	}
	*at = sp->len;
	sp->len += (int64_t)lines->len;
	sp->flushed = false;
	return true;
}

/* Read [at, at + len) of the spool onto the end of t, through the window
 * when it fits there; false on a read error. */
static bool spool_copy(struct order_spool *sp, int64_t at, int64_t len, struct text *t)
{
	text_reserve(t, (size_t)len);
	if (len > SPOOL_IO) /* bigger than a window: read it whole */
		return pread(fileno(sp->fp), t->s + t->len, (size_t)len, (off_t)at) == (ssize_t)len;
	if (at < sp->win_at || at + len > sp->win_at + sp->win_len) {
		if (!sp->win)
			sp->win = xmalloc(SPOOL_IO);
		int64_t want = sp->len - at < SPOOL_IO ? sp->len - at : SPOOL_IO;
		sp->win_at = at;
		sp->win_len = 0;
		if (pread(fileno(sp->fp), sp->win, (size_t)want, (off_t)at) != (ssize_t)want)
			return false;
		sp->win_len = want;
	}
	memcpy(t->s + t->len, sp->win + (at - sp->win_at), (size_t)len);
	return true;
}

/* Read drafted lines back onto the end of t; false when they cannot be. */
static bool spool_read(struct entity_tx *tx, int64_t at, int64_t len, struct text *t)
{
	struct order_spool *sp = tx->spool;
	if (!sp || !sp->fp || at < 0 || len <= 0 || at + len > sp->len)
		return false;
	if (!sp->flushed && fflush(sp->fp) != 0)
		return false;
	if (!sp->flushed)
		sp->win_len = 0; /* written since the window was read */
	sp->flushed = true;
	if (!spool_copy(sp, at, len, t))
		return false;
	t->len += (size_t)len;
	t->s[t->len] = '\0';
	return true;
}

void order_draft_open(struct entity_tx *tx, const struct val *origin, const struct val *key)
{
	assert(!tx->draft && origin->type == VAL_TEXT && key->type == VAL_TEXT);
	struct order_draft *d = xcalloc(1, sizeof *d);
	d->origin = xstrdup(origin->s);
	d->key = xstrdup(key->s);
	d->sound = true;
	text_add(&d->lines, "[", 1);
	tx->draft = d;
}

static bool type_is(const struct val *v, enum val_type a, enum val_type b)
{
	return v->type == a || v->type == b;
}

/* One line as SQLite renders it from the table: a created line with the
 * types its columns keep, numbered after the ones before. */
static bool draft_add(struct order_draft *d, const struct val *v)
{
	if (v[LINE_line_no].type != VAL_INT || v[LINE_line_no].i <= d->last_line_no ||
	    !type_is(&v[LINE_sku], VAL_TEXT, VAL_NULL) || v[LINE_quantity].type != VAL_INT ||
	    !type_is(&v[LINE_unit_price_minor], VAL_INT, VAL_NULL) ||
	    !type_is(&v[LINE_freight_minor], VAL_INT, VAL_NULL))
		return false;
	d->last_line_no = v[LINE_line_no].i;
	struct text *t = &d->lines;
	text_add(t, t->len > 1 ? ",{\"line_no\":" : "{\"line_no\":", t->len > 1 ? 12 : 11);
	text_int(t, v[LINE_line_no].i);
	if (v[LINE_sku].type == VAL_TEXT) {
		text_add(t, ",\"sku\":", 7);
		text_string(t, v[LINE_sku].s);
	}
	text_add(t, ",\"quantity\":", 12);
	text_int(t, v[LINE_quantity].i);
	if (v[LINE_unit_price_minor].type == VAL_INT) {
		text_add(t, ",\"unit_price_minor\":", 20);
		text_int(t, v[LINE_unit_price_minor].i);
	}
	if (v[LINE_freight_minor].type == VAL_INT) {
		text_add(t, ",\"freight_minor\":", 17);
		text_int(t, v[LINE_freight_minor].i);
	}
	text_add(t, "}", 1);
	return t->len <= DRAFT_MAX;
}

void order_draft_line(struct entity_tx *tx, const struct val *vals, bool created)
{
	struct order_draft *d = tx->draft;
	if (!d || !d->sound || vals[LINE_origin].type != VAL_TEXT || vals[LINE_order_key].type != VAL_TEXT ||
	    strcmp(vals[LINE_order_key].s, d->key) != 0 || strcmp(vals[LINE_origin].s, d->origin) != 0)
		return;
	if (!created || !draft_add(d, vals)) {
		d->sound = false;
		free(d->lines.s);
		d->lines = (struct text){ 0 };
	}
}

/* The created order's touch, as store_entity's would be, with where its
 * lines are in the spool.  A touch already there (the order updated while
 * drafting) keeps it created and drops the lines; a touch after this
 * (store_entity's ON CONFLICT) drops them too. */
static const char sql_keep_draft[] =
	"INSERT INTO temp.touched_orders (origin, order_key, created, changed, lines_at, "
	"lines_len) VALUES (?1, ?2, 1, NULL, ?3, ?4) ON CONFLICT (origin, order_key) "
	"DO UPDATE SET created = 1, changed = NULL, lines_at = NULL";

enum orr_rc order_draft_close(struct entity_tx *tx, char **err)
{
	struct order_draft *d = tx->draft;
	if (!d)
		return ORR_OK;
	sqlite3_stmt *s = store_stmt(tx->st, sql_keep_draft);
	int rc = SQLITE_ERROR;
	if (s) {
		sqlite3_bind_text(s, 1, d->origin, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, d->key, -1, SQLITE_STATIC);
		int64_t at;
		if (d->sound)
			text_add(&d->lines, "]", 1);
		if (d->sound && spool_add(tx, &d->lines, &at)) {
			sqlite3_bind_int64(s, 3, at);
			sqlite3_bind_int64(s, 4, (int64_t)d->lines.len);
		} else {
			sqlite3_bind_null(s, 3);
			sqlite3_bind_null(s, 4);
		}
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	order_draft_free(tx);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	*err = store_errmsg(tx->st, "cannot track changed orders");
	enum orr_rc r = store_rc(sqlite3_errcode(store_sqlite(tx->st)));
	return r == ORR_OK ? ORR_SOFTWARE : r;
}

/* --- the flush ----------------------------------------------------------- */

/* The members of an order event, in payload order; the SELECT below reads
 * them as columns ORDER_COL onwards. */
static const char *const order_members[] = {
	"id", "origin", "key", "customer_key", "customer_id", "status", "is_return", "country",
	"currency", "purchased_at", "approved_at", "dispatched_at", "delivered_at", "estimated_at",
};
#define ORDER_COL 4
#define NMEMBERS ((int)(sizeof order_members / sizeof *order_members))

static const char sql_touched[] =
	"SELECT t.rowid, t.created AND t.changed IS NULL, t.lines_at, t.lines_len, "
	"o.id, o.origin, o.key, o.customer_key, o.customer_id, o.status, o.is_return, "
	"o.country, o.currency, o.purchased_at, o.approved_at, o.dispatched_at, "
	"o.delivered_at, o.estimated_at "
	"FROM temp.touched_orders t JOIN orders o ON o.origin = t.origin AND o.key = t.order_key "
	"ORDER BY t.rowid";

/* One touched order's event built from the tables.  json_patch onto '{}'
 * drops null members (RFC 7396), keeping the payloads of big files small;
 * the lines are inserted after that, and a line's currency and description
 * are its order's and its variant's. */
static const char sql_order_event[] =
	"INSERT INTO events (time, type, entity, entity_id, payload) "
	"SELECT ?1, CASE WHEN t.created THEN 'order.created' ELSE 'order.updated' END, "
	"'order', o.id, json_insert(json_patch('{}', json_object("
	"'id', o.id, 'origin', o.origin, 'key', o.key, 'customer_key', o.customer_key, "
	"'customer_id', o.customer_id, 'status', o.status, 'is_return', o.is_return, "
	"'country', o.country, 'currency', o.currency, 'purchased_at', o.purchased_at, "
	"'approved_at', o.approved_at, 'dispatched_at', o.dispatched_at, "
	"'delivered_at', o.delivered_at, 'estimated_at', o.estimated_at, "
	"'changed', json(t.changed))), '$.lines', json(("
	"SELECT json_group_array(json(j)) FROM (SELECT json_patch('{}', json_object("
	"'line_no', l.line_no, 'sku', l.sku, 'quantity', l.quantity, "
	"'unit_price_minor', l.unit_price_minor, 'freight_minor', l.freight_minor)) AS j "
	"FROM order_lines l WHERE l.origin = o.origin AND l.order_key = o.key "
	"ORDER BY l.line_no)))) "
	"FROM temp.touched_orders t JOIN orders o ON o.origin = t.origin AND o.key = t.order_key "
	"WHERE t.rowid = ?2";

static const char sql_drafted_event[] =
	"INSERT INTO events (time, type, entity, entity_id, payload) "
	"VALUES (?1, 'order.created', 'order', ?2, ?3)";

/* The order row of the current result and the drafted lines as SQLite's
 * JSON functions would render them; false when a column holds a type the
 * draft does not render or the lines cannot be read (then the tables build
 * it). */
static bool render_drafted(struct entity_tx *tx, sqlite3_stmt *row, struct text *t)
{
	bool first = true;
	t->len = 0;
	text_add(t, "{", 1);
	for (int i = 0; i < NMEMBERS; i++) {
		int col = ORDER_COL + i, type = sqlite3_column_type(row, col);
		if (type == SQLITE_NULL)
			continue;
		text_member(t, order_members[i], &first);
		if (type == SQLITE_INTEGER)
			text_int(t, sqlite3_column_int64(row, col));
		else if (type == SQLITE_TEXT)
			text_string(t, (const char *)sqlite3_column_text(row, col));
		else
			return false;
	}
	text_member(t, "lines", &first);
	if (!spool_read(tx, sqlite3_column_int64(row, 2), sqlite3_column_int64(row, 3), t))
		return false;
	text_add(t, "}", 1);
	return true;
}

/* Step a statement that writes one event, or none when its order is gone. */
static int step_event(struct entity_tx *tx, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		tx->events += sqlite3_changes(store_sqlite(tx->st));
	sqlite3_reset(s);
	return rc;
}

static int write_event(struct entity_tx *tx, sqlite3_stmt *row, struct text *payload)
{
	bool drafted = sqlite3_column_int(row, 1) && sqlite3_column_type(row, 2) == SQLITE_INTEGER &&
		       render_drafted(tx, row, payload);
	sqlite3_stmt *s = store_stmt(tx->st, drafted ? sql_drafted_event : sql_order_event);
	if (!s)
		return SQLITE_ERROR;
	sqlite3_bind_text(s, 1, tx->now, -1, SQLITE_STATIC);
	if (drafted) {
		sqlite3_bind_int64(s, 2, sqlite3_column_int64(row, ORDER_COL));
		sqlite3_bind_text(s, 3, payload->s, (int)payload->len, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(s, 2, sqlite3_column_int64(row, 0));
	}
	return step_event(tx, s);
}

enum orr_rc order_events_flush(struct entity_tx *tx, char **err)
{
	enum orr_rc r = order_draft_close(tx, err);
	if (r != ORR_OK)
		return r;
	sqlite3_stmt *row = store_stmt(tx->st, sql_touched);
	struct text payload = { 0 };
	int rc = row ? SQLITE_ROW : SQLITE_ERROR;
	while (rc == SQLITE_ROW && (rc = sqlite3_step(row)) == SQLITE_ROW)
		if (write_event(tx, row, &payload) != SQLITE_DONE)
			rc = SQLITE_ERROR;
	if (rc != SQLITE_DONE)
		*err = store_errmsg(tx->st, "cannot write order events");
	if (row)
		sqlite3_reset(row);
	free(payload.s);
	if (rc == SQLITE_DONE)
		return ORR_OK;
	r = store_rc(sqlite3_errcode(store_sqlite(tx->st)));
	return r == ORR_OK ? ORR_SOFTWARE : r;
}
