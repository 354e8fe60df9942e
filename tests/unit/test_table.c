/* Unit tests for ui/table.c: the list widget's logic (filter and its
 * inversion, the cursor kept on its row across reloads, marks, what an
 * action applies to), without a terminal. */
#include <criterion/criterion.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "table.h"

static const struct tcol cols[] = { { "ID", 4, true }, { "NAME", 0, false } };

/* Rows id 1..n named "job-<id>" ("dead-<id>" for multiples of 3). */
static void fill(struct table *t, int n)
{
	table_clear(t);
	for (int i = 1; i <= n; i++) {
		char id[16], name[32];
		snprintf(id, sizeof id, "%d", i);
		snprintf(name, sizeof name, "%s-%d", i % 3 ? "job" : "dead", i);
		const char *cells[] = { id, name };
		table_add(t, i, R_NORMAL, cells);
	}
	table_done(t);
}

Test(table, filter_keeps_matching_rows_case_insensitively)
{
	struct table t;
	table_init(&t, cols, 2);
	fill(&t, 10);
	table_set_filter(&t, "DEAD");
	cr_assert_eq(t.nvis, 3);
	cr_expect_eq(t.rows[t.vis[0]].id, 3);
	cr_expect_eq(t.rows[t.vis[2]].id, 9);
	table_free(&t);
}

Test(table, bang_inverts_the_filter)
{
	struct table t;
	table_init(&t, cols, 2);
	fill(&t, 10);
	table_set_filter(&t, "!dead");
	cr_assert_eq(t.nvis, 7);
	for (size_t i = 0; i < t.nvis; i++)
		cr_expect_neq(t.rows[t.vis[i]].id % 3, 0);
	table_set_filter(&t, "");
	cr_expect_eq(t.nvis, 10);
	table_free(&t);
}

Test(table, cursor_stays_on_its_row_when_rows_move)
{
	struct table t;
	table_init(&t, cols, 2);
	fill(&t, 10);
	cr_assert(table_key(&t, KEY_DOWN));
	cr_assert(table_key(&t, KEY_DOWN));
	cr_assert_eq(table_current(&t)->id, 3);
	/* a reload with a new row in front: the cursor follows row 3 */
	table_clear(&t);
	const char *fresh[] = { "99", "new" };
	table_add(&t, 99, R_NORMAL, fresh);
	for (int i = 1; i <= 10; i++) {
		char id[16];
		snprintf(id, sizeof id, "%d", i);
		const char *cells[] = { id, "x" };
		table_add(&t, i, R_NORMAL, cells);
	}
	table_done(&t);
	cr_expect_eq(table_current(&t)->id, 3);
	cr_expect_eq(t.cur, 3);
	table_free(&t);
}

Test(table, cursor_stays_in_place_when_its_row_goes)
{
	struct table t;
	table_init(&t, cols, 2);
	fill(&t, 10);
	table_key(&t, KEY_END);
	cr_assert_eq(table_current(&t)->id, 10);
	fill(&t, 4);
	cr_expect_eq(table_current(&t)->id, 4, "cursor clamped to the last row");
	fill(&t, 0);
	cr_expect_null(table_current(&t));
	size_t n;
	int64_t *ids;
	n = table_targets(&t, &ids);
	cr_expect_eq(n, 0);
	free(ids);
	table_free(&t);
}

Test(table, marks_decide_the_targets)
{
	struct table t;
	table_init(&t, cols, 2);
	fill(&t, 10);
	int64_t *ids;
	size_t n = table_targets(&t, &ids);
	cr_assert_eq(n, 1);
	cr_expect_eq(ids[0], 1, "no marks: the cursor row");
	free(ids);
	table_toggle_mark(&t);              /* marks 1, moves to 2 */
	table_key(&t, KEY_DOWN);        /* 3 */
	table_toggle_mark(&t);              /* marks 3 */
	table_key(&t, KEY_HOME);
	table_toggle_mark(&t);              /* unmarks 1 */
	table_key(&t, KEY_END);
	table_toggle_mark(&t);              /* marks 10 */
	n = table_targets(&t, &ids);
	cr_assert_eq(n, 2);
	cr_expect_eq(ids[0], 3);
	cr_expect_eq(ids[1], 10);
	free(ids);
	/* marks hidden by the filter are not acted on */
	table_set_filter(&t, "dead");
	n = table_targets(&t, &ids);
	cr_assert_eq(n, 1);
	cr_expect_eq(ids[0], 3);
	free(ids);
	table_clear_marks(&t);
	cr_expect_not(table_marked(&t, 3));
	table_free(&t);
}

Test(table, unmark_only_what_was_acted_on)
{
	struct table t;
	table_init(&t, cols, 2);
	fill(&t, 10);
	table_toggle_mark(&t);              /* 1 */
	table_toggle_mark(&t);              /* 2 */
	table_toggle_mark(&t);              /* 3 */
	table_set_filter(&t, "dead");       /* shows 3, 6, 9 */
	cr_expect_eq(table_marks_hidden(&t), 2);
	int64_t *ids;
	size_t n = table_targets(&t, &ids);
	table_unmark(&t, ids, n);
	free(ids);
	cr_expect_not(table_marked(&t, 3));
	cr_expect(table_marked(&t, 1) && table_marked(&t, 2), "hidden marks stay");
	table_free(&t);
}

Test(table, paging_is_clamped)
{
	struct table t;
	table_init(&t, cols, 2);
	fill(&t, 50);
	t.shown = 11;
	table_key(&t, KEY_NPAGE);
	cr_expect_eq(table_current(&t)->id, 11, "a page is the rows shown minus one");
	table_key(&t, KEY_PPAGE);
	table_key(&t, KEY_PPAGE);
	cr_expect_eq(table_current(&t)->id, 1);
	cr_expect_not(table_key(&t, 'x'), "other keys are not the table's");
	table_free(&t);
}
