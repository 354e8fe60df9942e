/* store_lines.c - new order lines, inserted up to LINE_BATCH per statement.
 * See store_lines.h for when this is sound. */
#include "store_lines.h"

#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "xalloc.h"

/* Flush once the kept text passes this, so long fields never pile up. */
#define BATCH_TEXT_MAX (1 << 16)

/* The SQL is assembled at compile time: source_id, then the line columns,
 * for 16, 8, 4, 2 and 1 rows; any count up to 31 is a sum of them. */
#define SQL_COL(E, c) ", " #c
#define SQL_QMARK(E, c) ", ?"
#define ROWS1 "(?" LINE_COLUMNS(SQL_QMARK) ")"
#define ROWS2 ROWS1 ", " ROWS1
#define ROWS4 ROWS2 ", " ROWS2
#define ROWS8 ROWS4 ", " ROWS4
#define ROWS16 ROWS8 ", " ROWS8
#define SQL_INSERT_ROWS(rows) \
	"INSERT INTO order_lines (source_id" LINE_COLUMNS(SQL_COL) ") VALUES " rows

static const char *const sql_rows[] = {
	SQL_INSERT_ROWS(ROWS16), SQL_INSERT_ROWS(ROWS8), SQL_INSERT_ROWS(ROWS4),
	SQL_INSERT_ROWS(ROWS2), SQL_INSERT_ROWS(ROWS1),
};
#define NSIZES ((int)(sizeof sql_rows / sizeof *sql_rows))
_Static_assert(LINE_BATCH == 1 << (NSIZES - 1), "one statement per power of two");

#define NPARAMS (LINE_NCOLS + 1) /* per row: source_id and the columns */

struct line_batch {
	int n;
	struct val rows[LINE_BATCH][LINE_NCOLS]; /* text: see off */
	size_t off[LINE_BATCH][LINE_NCOLS];      /* where each text is in `text` */
	char *text;
	size_t len, cap;
	bool waits;         /* some kept line waits for its order, variant or supplier */
	enum orr_rc failed; /* kept: see line_batch_flush */
	char *err;
};

void line_batch_free(struct entity_tx *tx)
{
	struct line_batch *b = tx->lines;
	if (!b)
		return;
	free(b->text);
	free(b->err);
	free(b);
	tx->lines = NULL;
}

/* Copy text behind the kept text; its offset stays valid as that grows. */
static size_t keep_text(struct line_batch *b, const char *s)
{
	size_t n = strlen(s) + 1, off = b->len;
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->text = xrealloc(b->text, b->cap);
	}
	memcpy(b->text + off, s, n);
	b->len += n;
	return off;
}

/* Whether an adoption could claim the line: a reference given by key whose
 * id is not known yet (the adoptions match exactly these). */
static bool line_waits(const struct val *v)
{
	return (v[LINE_order_id].type == VAL_NULL && v[LINE_order_key].type != VAL_NULL) ||
	       (v[LINE_variant_id].type == VAL_NULL && v[LINE_sku].type != VAL_NULL) ||
	       (v[LINE_supplier_id].type == VAL_NULL && v[LINE_supplier_key].type != VAL_NULL);
}

bool line_batch_waits(const struct entity_tx *tx)
{
	const struct line_batch *b = tx->lines;
	return b && (b->waits || b->failed);
}

static enum orr_rc kept_failure(const struct line_batch *b, char **err)
{
	*err = xstrdup(b->err);
	return b->failed;
}

enum orr_rc line_batch_add(struct entity_tx *tx, const struct val *vals, char **err)
{
	if (!tx->lines)
		tx->lines = xcalloc(1, sizeof *tx->lines);
	struct line_batch *b = tx->lines;
	if (b->failed)
		return kept_failure(b, err);
	for (int c = 0; c < LINE_NCOLS; c++) {
		b->rows[b->n][c] = vals[c];
		if (vals[c].type == VAL_TEXT)
			b->off[b->n][c] = keep_text(b, vals[c].s);
	}
	b->waits = b->waits || line_waits(vals);
	b->n++;
	return b->n == LINE_BATCH || b->len > BATCH_TEXT_MAX ? line_batch_flush(tx, err) : ORR_OK;
}

static void bind_kept(sqlite3_stmt *s, int idx, const struct line_batch *b, int row, int col)
{
	const struct val *v = &b->rows[row][col];
	if (v->type == VAL_INT)
		sqlite3_bind_int64(s, idx, v->i);
	else if (v->type == VAL_TEXT)
		sqlite3_bind_text(s, idx, b->text + b->off[row][col], -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, idx);
}

/* Insert the kept rows from `first` with statement k of sql_rows (so
 * LINE_BATCH >> k rows); every parameter is bound on each use. */
static int insert_rows(struct entity_tx *tx, const struct line_batch *b, int first, int k)
{
	sqlite3_stmt *s = store_stmt(tx->st, sql_rows[k]);
	if (!s)
		return SQLITE_ERROR;
	int count = LINE_BATCH >> k;
	for (int r = 0; r < count; r++) {
		sqlite3_bind_int64(s, r * NPARAMS + 1, tx->source_id);
		for (int c = 0; c < LINE_NCOLS; c++)
			bind_kept(s, r * NPARAMS + c + 2, b, first + r, c);
	}
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc;
}

enum orr_rc line_batch_flush(struct entity_tx *tx, char **err)
{
	struct line_batch *b = tx->lines;
	if (!b)
		return ORR_OK;
	if (b->failed)
		return kept_failure(b, err);
	int done = 0, rc = SQLITE_DONE;
	for (int k = 0; k < NSIZES && rc == SQLITE_DONE; k++)
		if (b->n - done >= LINE_BATCH >> k) {
			rc = insert_rows(tx, b, done, k);
			done += LINE_BATCH >> k;
		}
	b->n = 0;
	b->len = 0;
	b->waits = false;
	if (rc == SQLITE_DONE)
		return ORR_OK;
	b->err = store_errmsg(tx->st, "cannot write order_line");
	enum orr_rc r = store_rc(sqlite3_errcode(store_sqlite(tx->st)));
	b->failed = r == ORR_OK ? ORR_SOFTWARE : r;
	return kept_failure(b, err);
}
