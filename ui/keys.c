/* keys.c - the key table. */
#include "keys.h"

#include <curses.h>

static const struct key_binding bindings[] = {
	/* everywhere */
	{ '1', "1-6", ALL_PANES, OP_PANE1, "pane.switch", "switch pane: 1 Audit ... 6 Approvals", true, false },
	{ '2', NULL, ALL_PANES, OP_PANE2, "pane.map", NULL, true, false },
	{ '3', NULL, ALL_PANES, OP_PANE3, "pane.rules", NULL, true, false },
	{ '4', NULL, ALL_PANES, OP_PANE4, "pane.jobs", NULL, true, false },
	{ '5', NULL, ALL_PANES, OP_PANE5, "pane.kpis", NULL, true, false },
	{ '6', NULL, ALL_PANES, OP_PANE6, "pane.approvals", NULL, true, false },
	{ '\t', "Tab", ALL_PANES, OP_NEXT_PANE, "pane.next", "next pane (Shift-Tab: previous)", true, false },
	{ KEY_BTAB, NULL, ALL_PANES, OP_PREV_PANE, "pane.prev", NULL, true, false },
	{ '?', "?", ALL_PANES, OP_HELP, "help", "this help", true, true },
	{ ':', ":", ALL_PANES, OP_COMMAND, "command", "run a command of the CLI (:jobs retry --state dead)", false, true },
	{ '/', "/", ALL_PANES, OP_FILTER, "filter", "filter the table (!text: rows without it; empty: all)", true, true },
	{ ' ', "Space", ALL_PANES, OP_MARK, "mark", "mark or unmark the row; actions apply to all marked", true, false },
	{ '\n', "Enter", ALL_PANES, OP_ENTER, "open", "drill down into the row", true, true },
	{ KEY_ENTER, NULL, ALL_PANES, OP_ENTER, "open", NULL, true, false },
	{ 27, "Esc", ALL_PANES, OP_BACK, "back", "go back (close the view, the help, the log)", true, false },
	{ 'L', "L", ALL_PANES, OP_LOG, "log", "what the console did on your behalf", true, true },
	{ 'q', "q", ALL_PANES, OP_QUIT, "quit", "quit", true, true },
	/* Audit */
	{ 'r', "r", IN(PANE_AUDIT), OP_AUDIT_RUN, "audit.run", "run the audit in the background", false, true },
	{ ']', "]", IN(PANE_AUDIT), OP_NEXT_PAGE, "rows.next", "failing rows: next page", true, false },
	{ '[', "[", IN(PANE_AUDIT), OP_PREV_PAGE, "rows.prev", "failing rows: previous page", true, false },
	/* Map */
	{ 'v', "v", IN(PANE_MAP), OP_MAP_VIEW, "map.view", "drawing or list by integration priority", true, true },
	/* Rules */
	{ 'e', "e", IN(PANE_RULES), OP_RULE_TOGGLE, "rule.toggle", "enable or disable the rule (kept in the database)", false, true },
	{ 'b', "b", IN(PANE_RULES), OP_RULE_BACKTEST, "rules.backtest", "backtest a rules file or directory against the rules in force", true, true },
	/* Jobs */
	{ 'R', "R", IN(PANE_JOBS), OP_JOB_RETRY, "job.retry", "retry the job (or all marked)", false, true },
	{ 'c', "c", IN(PANE_JOBS), OP_JOB_CANCEL, "job.cancel", "cancel the job (or all marked)", false, true },
	{ 'k', "k", IN(PANE_JOBS), OP_JOB_KILL, "job.kill", "kill the job to dead (or all marked)", false, true },
	{ 's', "s", IN(PANE_JOBS), OP_JOB_STATE, "jobs.state", "show jobs of one state: all, queued, running, failed, dead ...", true, true },
	{ 'p', "p", IN(PANE_JOBS) | IN(PANE_MAP), OP_SUBSYS_PAUSE, "subsystem.pause", "pause or resume the job's subsystem", false, true },
	{ 'o', "o", IN(PANE_JOBS) | IN(PANE_MAP), OP_ORCH, "orchestrator", "start or stop the in-process orchestrator", false, true },
	/* KPIs */
	{ 's', "s", IN(PANE_KPIS), OP_KPI_SAVE, "kpi.baseline.save", "save a baseline of all history", false, true },
	{ 'b', "b", IN(PANE_KPIS), OP_KPI_BASELINE, "kpi.baseline", "compare against another baseline", true, true },
	/* Approvals */
	{ 'a', "a", IN(PANE_APPROVALS), OP_APPROVE, "approval.approve", "approve (or all marked)", false, true },
	{ 'x', "x", IN(PANE_APPROVALS), OP_REJECT, "approval.reject", "reject with a note (or all marked)", false, true },
};

const struct key_binding *keys_all(size_t *n)
{
	*n = sizeof bindings / sizeof *bindings;
	return bindings;
}

const struct key_binding *keys_find(int key, int pane)
{
	for (size_t i = 0; i < sizeof bindings / sizeof *bindings; i++)
		if (bindings[i].key == key && (bindings[i].panes & IN(pane)))
			return &bindings[i];
	return NULL;
}
