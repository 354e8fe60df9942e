/* table.h - the one list widget every pane uses: columns, rows keyed by
 * id, a cursor that stays on its row across refreshes, scrolling, the `/`
 * filter (`!` inverts it) and marks for bulk actions. */
#ifndef ORR_UI_TABLE_H
#define ORR_UI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "term.h"

struct tcol {
	const char *title;
	int width;  /* columns; 0: takes what is left; -N: takes what is left, N at least
	             * (narrower fixed columns make room for it) */
	bool right; /* right-aligned (numbers) */
};

struct trow {
	int64_t id;
	enum role role;
	char **cells;
};

struct table {
	const struct tcol *cols;
	int ncols;
	struct trow *rows;
	size_t n, cap;
	size_t *vis;      /* indices of the rows the filter keeps */
	size_t nvis;
	size_t cur, top;  /* cursor and first shown, in vis */
	int64_t cur_id;   /* the cursor's row, kept across reloads */
	int64_t *marks;   /* marked row ids, sorted */
	size_t nmarks;
	char filter[128];
	bool invert;
	int shown;        /* rows the last draw showed: a page */
};

void table_init(struct table *t, const struct tcol *cols, int ncols);
void table_free(struct table *t);
/* Start a reload: rows go, cursor, marks and filter stay. */
void table_clear(struct table *t);
/* Append a row; cells are copied (NULL shows as empty). */
void table_add(struct table *t, int64_t id, enum role role, const char *const *cells);
/* After the rows of a reload: filter and put the cursor back on its row. */
void table_done(struct table *t);
void table_set_filter(struct table *t, const char *filter);

/* Draw in the rectangle at y, x of h rows (one is the header) and w
 * columns; focus: draw the cursor. */
void table_draw(struct table *t, int y, int x, int h, int w, bool focus);
/* Cursor keys, paging (by the rows the last draw showed), Home/End.
 * true when used. */
bool table_key(struct table *t, int key);
/* Space: mark or unmark the cursor row. */
void table_toggle_mark(struct table *t);
void table_clear_marks(struct table *t);
/* Unmark these rows (those an action was done to). */
void table_unmark(struct table *t, const int64_t *ids, size_t n);
/* Marks, and how many of them the filter hides. */
size_t table_marks_hidden(const struct table *t);
bool table_marked(const struct table *t, int64_t id);

/* The row under the cursor, or NULL when the table shows none. */
const struct trow *table_current(const struct table *t);
/* What an action applies to: the marked rows when any are marked (and
 * shown), else the cursor row.  Returns how many ids; caller frees *ids. */
size_t table_targets(const struct table *t, int64_t **ids);

#endif
