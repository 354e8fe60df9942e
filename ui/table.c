/* table.c - the list widget. */
#include "table.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

void table_init(struct table *t, const struct tcol *cols, int ncols)
{
	memset(t, 0, sizeof *t);
	t->cols = cols;
	t->ncols = ncols;
}

static void free_rows(struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (int c = 0; c < t->ncols; c++)
			free(t->rows[i].cells[c]);
		free(t->rows[i].cells);
	}
	t->n = 0;
}

void table_free(struct table *t)
{
	free_rows(t);
	free(t->rows);
	free(t->vis);
	free(t->marks);
	memset(t, 0, sizeof *t);
}

void table_clear(struct table *t)
{
	free_rows(t);
	t->nvis = 0;
}

void table_add(struct table *t, int64_t id, enum role role, const char *const *cells)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
	}
	struct trow *r = &t->rows[t->n++];
	r->id = id;
	r->role = role;
	r->cells = xcalloc((size_t)t->ncols, sizeof *r->cells);
	for (int c = 0; c < t->ncols; c++)
		r->cells[c] = xstrdup(cells[c] ? cells[c] : "");
}

/* Case-insensitive substring, ASCII folding (enough for ids, states, names). */
static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

static bool row_passes(const struct table *t, const struct trow *r)
{
	if (!t->filter[0])
		return true;
	bool hit = false;
	for (int c = 0; c < t->ncols && !hit; c++)
		hit = contains(r->cells[c], t->filter);
	return hit != t->invert;
}

void table_done(struct table *t)
{
	t->vis = xrealloc(t->vis, (t->n ? t->n : 1) * sizeof *t->vis);
	t->nvis = 0;
	size_t cur = 0;
	bool found = false;
	for (size_t i = 0; i < t->n; i++) {
		if (!row_passes(t, &t->rows[i]))
			continue;
		if (t->rows[i].id == t->cur_id && !found) {
			cur = t->nvis;
			found = true;
		}
		t->vis[t->nvis++] = i;
	}
	/* the cursor's row went away: stay at the same position */
	t->cur = found ? cur : t->cur < t->nvis ? t->cur : t->nvis ? t->nvis - 1 : 0;
	if (t->nvis)
		t->cur_id = t->rows[t->vis[t->cur]].id;
}

void table_set_filter(struct table *t, const char *filter)
{
	t->invert = filter[0] == '!';
	snprintf(t->filter, sizeof t->filter, "%s", filter + (t->invert ? 1 : 0));
	table_done(t);
}

const struct trow *table_current(const struct table *t)
{
	return t->nvis ? &t->rows[t->vis[t->cur]] : NULL;
}

static void move_to(struct table *t, long pos)
{
	if (!t->nvis)
		return;
	if (pos < 0)
		pos = 0;
	if (pos >= (long)t->nvis)
		pos = (long)t->nvis - 1;
	t->cur = (size_t)pos;
	t->cur_id = t->rows[t->vis[t->cur]].id;
}

bool table_key(struct table *t, int key)
{
	long page = t->shown > 1 ? t->shown - 1 : 1, cur = (long)t->cur;
	switch (key) {
	case KEY_UP: move_to(t, cur - 1); return true;
	case KEY_DOWN: move_to(t, cur + 1); return true;
	case KEY_PPAGE: move_to(t, cur - page); return true;
	case KEY_NPAGE: move_to(t, cur + page); return true;
	case KEY_HOME: move_to(t, 0); return true;
	case KEY_END: move_to(t, (long)t->nvis - 1); return true;
	default: return false;
	}
}

static size_t mark_pos(const struct table *t, int64_t id, bool *found)
{
	size_t lo = 0, hi = t->nmarks;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->marks[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < t->nmarks && t->marks[lo] == id;
	return lo;
}

bool table_marked(const struct table *t, int64_t id)
{
	bool found;
	mark_pos(t, id, &found);
	return found;
}

void table_toggle_mark(struct table *t)
{
	const struct trow *r = table_current(t);
	if (!r)
		return;
	bool found;
	size_t at = mark_pos(t, r->id, &found);
	if (found) {
		memmove(&t->marks[at], &t->marks[at + 1], (t->nmarks - at - 1) * sizeof *t->marks);
		t->nmarks--;
	} else {
		t->marks = xrealloc(t->marks, (t->nmarks + 1) * sizeof *t->marks);
		memmove(&t->marks[at + 1], &t->marks[at], (t->nmarks - at) * sizeof *t->marks);
		t->marks[at] = r->id;
		t->nmarks++;
	}
	move_to(t, (long)t->cur + 1);
}

void table_clear_marks(struct table *t)
{
	t->nmarks = 0;
}

void table_unmark(struct table *t, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found;
		size_t at = mark_pos(t, ids[i], &found);
		if (!found)
			continue;
		memmove(&t->marks[at], &t->marks[at + 1], (t->nmarks - at - 1) * sizeof *t->marks);
		t->nmarks--;
	}
}

size_t table_marks_hidden(const struct table *t)
{
	size_t shown = 0;
	for (size_t i = 0; i < t->nvis; i++)
		shown += table_marked(t, t->rows[t->vis[i]].id);
	return t->nmarks - shown;
}

size_t table_targets(const struct table *t, int64_t **ids)
{
	*ids = xcalloc(t->nvis + 1, sizeof **ids);
	size_t n = 0;
	for (size_t i = 0; i < t->nvis; i++)
		if (table_marked(t, t->rows[t->vis[i]].id))
			(*ids)[n++] = t->rows[t->vis[i]].id;
	if (n == 0 && t->nvis)
		(*ids)[n++] = t->rows[t->vis[t->cur]].id;
	return n;
}

/* Widths of the columns in w: fixed ones as asked, the flexible ones share
 * the rest.  When that leaves a flexible one under its minimum (12
 * unless it asks for more), the widest fixed columns give way first (to 8); past that, the
 * last columns are cut. */
static void layout(const struct table *t, int w, int *widths)
{
	int fixed = 0, flex = 0, want = 0;
	for (int c = 0; c < t->ncols; c++) {
		bool is_flex = t->cols[c].width <= 0;
		widths[c] = is_flex ? 0 : t->cols[c].width;
		fixed += widths[c] + 1;
		flex += is_flex;
		want += is_flex ? (t->cols[c].width < 0 ? -t->cols[c].width : 12) : 0;
	}
	int left = w - 2 - fixed; /* 2: the mark column */
	while (left < want) {
		int widest = -1;
		for (int c = 0; c < t->ncols; c++)
			if (widths[c] > 8 && (widest < 0 || widths[c] > widths[widest]))
				widest = c;
		if (widest < 0)
			break;
		widths[widest]--;
		left++;
	}
	for (int c = 0; c < t->ncols; c++)
		if (t->cols[c].width <= 0)
			widths[c] = left > flex * 4 ? left / flex : 4;
	int total = 2;
	for (int c = 0; c < t->ncols; c++) {
		if (total + widths[c] > w)
			widths[c] = w - total > 0 ? w - total : 0;
		total += widths[c] + 1;
	}
}

static void draw_cell(int y, int x, int cw, const char *text, bool right, enum role r)
{
	int tw = term_width(text);
	if (right && tw < cw) {
		term_fill(y, x, cw - tw, r);
		term_text(y, x + cw - tw, tw, text, r);
	} else {
		term_text_pad(y, x, cw, text, r);
	}
}

static void draw_row(const struct table *t, const struct trow *row, int y, int x, int w,
		     const int *widths, enum role r)
{
	bool marked = table_marked(t, row->id);
	term_fill(y, x, w, r);
	term_text(y, x, 2, marked ? "*" : " ", marked ? R_MARKED : r);
	int cx = x + 2;
	for (int c = 0; c < t->ncols && cx < x + w; c++) {
		enum role cr = r == R_SELECTED ? r : marked ? R_MARKED : row->role;
		draw_cell(y, cx, widths[c], row->cells[c], t->cols[c].right, cr);
		cx += widths[c] + 1;
	}
}

void table_draw(struct table *t, int y, int x, int h, int w, bool focus)
{
	int widths[32];
	layout(t, w, widths);
	term_fill(y, x, w, R_TITLE);
	int cx = x + 2;
	for (int c = 0; c < t->ncols && cx < x + w; c++) {
		draw_cell(y, cx, widths[c], t->cols[c].title, t->cols[c].right, R_TITLE);
		cx += widths[c] + 1;
	}
	int body = h - 1;
	t->shown = body > 0 ? body : 0;
	if (body <= 0)
		return;
	if (t->cur < t->top)
		t->top = t->cur;
	if (t->cur >= t->top + (size_t)body)
		t->top = t->cur - (size_t)body + 1;
	if (t->top + (size_t)body > t->nvis)
		t->top = t->nvis > (size_t)body ? t->nvis - (size_t)body : 0;
	for (int i = 0; i < body; i++) {
		size_t v = t->top + (size_t)i;
		if (v >= t->nvis)
			break;
		enum role r = focus && v == t->cur ? R_SELECTED : R_NORMAL;
		draw_row(t, &t->rows[t->vis[v]], y + 1 + i, x, w, widths, r);
	}
}
