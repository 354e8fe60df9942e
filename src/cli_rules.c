/* cli_rules.c - `subsystems`, `rules` and `approvals`. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "approvals.h"
#include "cli_internal.h"
#include "clock.h"
#include "engine_report.h"
#include "operator.h"
#include "rule_state.h"
#include "store.h"
#include "store_approval.h"
#include "store_firing.h"
#include "store_subsys.h"
#include "subsystem.h"
#include "xalloc.h"

/* --- subsystems ------------------------------------------------------------ */

static json_t *string_list(const char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *subsystem_json(const struct subsystem *s, const struct subsys_state *st)
{
	json_t *kinds = json_array();
	for (size_t k = 0; k < s->nkinds; k++)
		json_array_append_new(kinds, json_pack("{ssss}", "name", s->kinds[k].name, "summary",
						       s->kinds[k].summary));
	const struct retry_policy *r = &s->retry;
	const struct breaker_policy *b = &s->breaker;
	json_t *j = json_pack("{sssssososo}", "name", s->name, "purpose", s->purpose, "consumes",
			      string_list(s->consumes), "produces", string_list(s->produces),
			      "job_kinds", kinds);
	json_object_set_new(j, "retry", json_pack("{sisIsI}", "max_attempts", r->max_attempts,
						  "base_ms", (json_int_t)r->base_ms, "cap_ms",
						  (json_int_t)r->cap_ms));
	json_object_set_new(j, "breaker_policy",
			    json_pack("{sisisisIsI}", "consecutive", b->consecutive, "window_min",
				      b->window_min, "ratio_pct", b->ratio_pct, "window_ms",
				      (json_int_t)b->window_ms, "cooldown_ms", (json_int_t)b->cooldown_ms));
	json_object_set_new(j, "fallback", json_string(s->fallback));
	json_object_set_new(j, "paused", json_boolean(st->paused));
	json_object_set_new(j, "breaker", json_string(breaker_state_name(st->breaker.state)));
	return j;
}

/* The flows the rules declare: event type -> rule -> job kind or event. */
static json_t *rule_flows(const struct rule_set *rules)
{
	json_t *flows = json_array();
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *r = &rules->rules[i];
		for (size_t a = 0; a < r->nactions; a++) {
			const struct rule_action *act = &r->actions[a];
			bool emit = act->kind == ACTION_EMIT;
			json_array_append_new(flows, json_pack("{sssssssssb}", "rule", r->name, "on", r->on,
							       "action", emit ? "emit" : "enqueue",
							       "target", emit ? act->emit_type : act->job_kind,
							       "approval", act->needs_approval));
		}
	}
	return flows;
}

static void subsystems_text(struct cli *cli, json_t *subs, json_t *flows)
{
	size_t i;
	json_t *s;
	json_array_foreach(subs, i, s) {
		fprintf(cli->out, "%s — %s%s  [breaker %s]\n", json_string_value(json_object_get(s, "name")),
			json_string_value(json_object_get(s, "purpose")),
			json_is_true(json_object_get(s, "paused")) ? "  [PAUSED]" : "",
			json_string_value(json_object_get(s, "breaker")));
		size_t k;
		json_t *kind;
		json_array_foreach(json_object_get(s, "job_kinds"), k, kind) {
			fprintf(cli->out, "  job %-16s %s\n", json_string_value(json_object_get(kind, "name")),
				json_string_value(json_object_get(kind, "summary")));
		}
		json_t *r = json_object_get(s, "retry");
		fprintf(cli->out, "  retry: %lld attempts, backoff up to %lld ms doubling to %lld ms, "
			"full jitter\n  fallback: %s\n\n",
			(long long)json_integer_value(json_object_get(r, "max_attempts")),
			(long long)json_integer_value(json_object_get(r, "base_ms")),
			(long long)json_integer_value(json_object_get(r, "cap_ms")),
			json_string_value(json_object_get(s, "fallback")));
	}
	fprintf(cli->out, "flows (from the rules):\n");
	json_array_foreach(flows, i, s) {
		fprintf(cli->out, "  %s --[%s]--> %s %s%s\n", json_string_value(json_object_get(s, "on")),
			json_string_value(json_object_get(s, "rule")),
			json_string_value(json_object_get(s, "action")),
			json_string_value(json_object_get(s, "target")),
			json_is_true(json_object_get(s, "approval")) ? " (needs approval)" : "");
	}
}

/* Graphviz: subsystems as boxes, event types as ellipses. */
static void subsystems_dot(struct cli *cli, json_t *subs, json_t *flows)
{
	fprintf(cli->out, "digraph orrery {\n  rankdir=LR;\n  node [shape=box];\n");
	size_t i, k;
	json_t *s, *e;
	json_array_foreach(subs, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));
		fprintf(cli->out, "  \"%s\";\n", name);
		json_array_foreach(json_object_get(s, "produces"), k, e) {
			fprintf(cli->out, "  \"%s\" -> \"%s\";\n  \"%s\" [shape=ellipse];\n", name,
				json_string_value(e), json_string_value(e));
		}
		json_array_foreach(json_object_get(s, "consumes"), k, e) {
			fprintf(cli->out, "  \"%s\" -> \"%s\";\n", json_string_value(e), name);
		}
	}
	json_array_foreach(flows, i, s) {
		const char *target = json_string_value(json_object_get(s, "target"));
		bool emit = strcmp(json_string_value(json_object_get(s, "action")), "emit") == 0;
		const struct subsystem *owner = NULL;
		if (!emit)
			subsystem_job_kind(target, &owner);
		fprintf(cli->out, "  \"%s\" [shape=ellipse];\n  \"%s\" -> \"%s\" [label=\"%s\"];\n",
			json_string_value(json_object_get(s, "on")),
			json_string_value(json_object_get(s, "on")), owner ? owner->name : target,
			json_string_value(json_object_get(s, "rule")));
	}
	fprintf(cli->out, "}\n");
}

/* The stored state when there is a database; the defaults otherwise. */
struct store *cli_open_if_present(struct cli *cli)
{
	struct stat sb;
	struct store *st = NULL;
	char *err = NULL;
	if (stat(cli->db_path, &sb) != 0 ||
	    store_open(cli->db_path, STORE_READONLY, &st, &err) != ORR_OK) {
		free(err);
		return NULL;
	}
	return st;
}

static json_t *registry_json(struct store *st)
{
	size_t n;
	const struct subsystem *const *all = subsystem_all(&n);
	json_t *subs = json_array();
	for (size_t i = 0; i < n; i++) {
		struct subsys_state ss = { .name = all[i]->name };
		char *err = NULL;
		if (st && subsys_state_load(st, all[i]->name, &ss, &err) != ORR_OK)
			free(err);
		json_array_append_new(subs, subsystem_json(all[i], &ss));
	}
	return subs;
}

static int subsystems_list(struct cli *cli)
{
	struct rule_set rules = { 0 };
	int rc = cli_load_rules(cli, &rules);
	if (rc != ORR_OK)
		return rc;
	struct store *st = cli_open_if_present(cli);
	json_t *subs = registry_json(st);
	store_close(st);
	json_t *flows = rule_flows(&rules);
	if (cli->json)
		cli_emit_json(cli, json_pack("{soso}", "subsystems", json_incref(subs), "flows",
					     json_incref(flows)));
	else if (cli->dot)
		subsystems_dot(cli, subs, flows);
	else
		subsystems_text(cli, subs, flows);
	json_decref(subs);
	json_decref(flows);
	rule_set_free(&rules);
	return ORR_OK;
}

static int subsystems_pause(struct cli *cli, bool paused)
{
	if (cli->args.npos < 2 || !subsystem_find(cli->args.pos[1]))
		return cli_fail(cli, ORR_USAGE, xasprintf("subsystems: %s which subsystem? (see "
							  "`orrery subsystems`)",
							  paused ? "pause" : "resume"));
	char *err = NULL;
	struct store *st = NULL;
	int rc = store_open(cli->db_path, STORE_READWRITE, &st, &err);
	if (rc == ORR_OK)
		cli->st = st;
	if (rc == ORR_OK && (rc = cli_migrated(cli)) != ORR_OK)
		return rc;
	if (rc == ORR_OK)
		rc = subsys_set_paused(st, subsystem_find(cli->args.pos[1])->name, paused,
				       clock_now(&clock_system), &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	fprintf(cli->out, "%s %s\n", cli->args.pos[1], paused ? "paused" : "resumed");
	return ORR_OK;
}

static int subsystems_pause_cmd(struct cli *cli)
{
	return subsystems_pause(cli, true);
}

static int subsystems_resume_cmd(struct cli *cli)
{
	return subsystems_pause(cli, false);
}

static int cmd_subsystems(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "list", subsystems_list },
		{ "pause", subsystems_pause_cmd },
		{ "resume", subsystems_resume_cmd },
	};
	return CLI_DISPATCH(cli, "subsystems", verbs);
}

/* --- rules ----------------------------------------------------------------- */

int cli_rule_overrides(struct cli *cli, struct rule_set *set)
{
	struct store *own = cli->st ? NULL : cli_open_if_present(cli);
	struct store *st = cli->st ? cli->st : own;
	char *err = NULL;
	int rc = st ? rule_state_apply(st, set, &err) : ORR_OK;
	store_close(own);
	if (rc == ORR_OK)
		return ORR_OK;
	rule_set_free(set); /* running with switches ignored would run what was switched off */
	return cli_fail(cli, rc, err);
}

static int print_diags(struct cli *cli, struct rule_diags *d, size_t nrules)
{
	if (cli->json) {
		json_t *errs = json_array();
		for (size_t i = 0; i < d->n; i++)
			json_array_append_new(errs, json_pack("{sssisiss}", "file", d->v[i].file, "line",
							      d->v[i].line, "column", d->v[i].col,
							      "message", d->v[i].msg));
		cli_emit_json(cli, json_pack("{sIso}", "rules", (json_int_t)nrules, "errors", errs));
	} else {
		for (size_t i = 0; i < d->n; i++)
			fprintf(cli->errs, "%s:%d:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].col,
				d->v[i].msg);
		if (d->n == 0)
			fprintf(cli->out, "%zu rule%s OK\n", nrules, nrules == 1 ? "" : "s");
	}
	return d->n ? ORR_DATAERR : ORR_OK;
}

static int rules_check(struct cli *cli)
{
	struct rule_set set = { 0 };
	struct rule_diags diags = { 0 };
	if (cli->args.npos > 1) {
		rules_load_path(&set, cli->args.pos[1], subsystem_kind_known, &diags);
	} else {
		char *dir = cli_rules_dir(cli);
		rules_load(&set, dir, subsystem_kind_known, &diags);
		free(dir);
	}
	int rc = print_diags(cli, &diags, diags.n ? 0 : set.n);
	rule_diags_free(&diags);
	rule_set_free(&set);
	return rc;
}

/* What the database knows of the rules, keyed by rule name: firing counts
 * (today: since the UTC day began) and the operator's switches.  Extras of
 * the listing: a database without them (none yet, or made before the
 * tables) leaves them empty. */
struct rule_facts {
	json_t *stats, *switches;
};

static json_t *keyed(json_t *rows, const char *key)
{
	json_t *by = json_object();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_object_set(by, cli_text(row, key), row);
	}
	json_decref(rows);
	return by;
}

static void rule_facts_read(struct cli *cli, struct rule_facts *f)
{
	struct store *own = cli->st ? NULL : cli_open_if_present(cli);
	struct store *st = cli->st ? cli->st : own;
	int64_t now = clock_now(&clock_system);
	json_t *stats = NULL, *switches = NULL;
	char *err = NULL;
	if (st && firing_rule_stats(st, now - now % 86400000, &stats, &err) != ORR_OK)
		free(err);
	err = NULL;
	if (st && rule_state_list(st, &switches, &err) != ORR_OK)
		free(err);
	store_close(own);
	f->stats = keyed(stats, "rule");
	f->switches = keyed(switches, "name");
}

static void rule_facts_free(struct rule_facts *f)
{
	json_decref(f->stats);
	json_decref(f->switches);
}

static json_t *stat_or_null(json_t *stats, const char *field)
{
	json_t *v = json_object_get(stats, field);
	return v ? json_incref(v) : json_null();
}

static void rule_json_facts(json_t *j, const struct rule *r, const struct rule_facts *f)
{
	json_t *st = json_object_get(f->stats, r->name), *sw = json_object_get(f->switches, r->name);
	json_object_set_new(j, "fired_today", json_integer(cli_int(st, "fired_since")));
	json_object_set_new(j, "fired", json_integer(cli_int(st, "fired")));
	json_object_set_new(j, "suppressed", json_integer(cli_int(st, "suppressed")));
	json_object_set_new(j, "failed", json_integer(cli_int(st, "failed")));
	json_object_set_new(j, "last_fired_at", stat_or_null(st, "last_at"));
	json_object_set_new(j, "changed_by", stat_or_null(sw, "changed_by"));
	json_object_set_new(j, "changed_at", stat_or_null(sw, "changed_at"));
}

static json_t *rule_json(const struct rule *r, const struct rule_facts *f)
{
	json_t *j = json_pack("{sssssssisbsssi}", "name", r->name, "description",
			      r->description ? r->description : "", "on", r->on, "priority",
			      r->priority, "enabled", r->enabled, "file", r->file, "line", r->line);
	json_object_set_new(j, "group", r->group ? json_string(r->group) : json_null());
	json_t *inh = json_array();
	for (size_t i = 0; i < r->ninhibits; i++)
		json_array_append_new(inh, json_string(r->inhibits[i]));
	json_object_set_new(j, "inhibits", inh);
	json_t *acts = json_array();
	for (size_t i = 0; i < r->nactions; i++) {
		const struct rule_action *a = &r->actions[i];
		json_array_append_new(acts, a->kind == ACTION_EMIT
			? json_pack("{ss}", "emit", a->emit_type)
			: json_pack("{sssb}", "enqueue", a->job_kind, "approval", a->needs_approval));
	}
	json_object_set_new(j, "actions", acts);
	rule_json_facts(j, r, f);
	return j;
}

/* "2026-11-21T09:30:00.123Z" of a JSON ms value, or "never". */
static const char *when_text(json_t *ms, char buf[CLOCK_TEXT_LEN])
{
	if (!json_is_integer(ms))
		return "never";
	clock_format(json_integer_value(ms), buf);
	return buf;
}

static void rule_text(struct cli *cli, json_t *j)
{
	char when[CLOCK_TEXT_LEN];
	fprintf(cli->out, "%-28s %-8s on %-20s prio %-4lld today %-5lld last %-24s %s:%lld%s%s\n",
		cli_text(j, "name"), json_is_true(json_object_get(j, "enabled")) ? "enabled" : "disabled",
		cli_text(j, "on"), cli_int(j, "priority"), cli_int(j, "fired_today"),
		when_text(json_object_get(j, "last_fired_at"), when), cli_text(j, "file"),
		cli_int(j, "line"), json_is_string(json_object_get(j, "group")) ? "  group " : "",
		json_is_string(json_object_get(j, "group")) ? cli_text(j, "group") : "");
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(j, "actions"), i, a) {
		if (json_object_get(a, "emit"))
			fprintf(cli->out, "    emit %s\n", cli_text(a, "emit"));
		else
			fprintf(cli->out, "    enqueue %s%s\n", cli_text(a, "enqueue"),
				json_is_true(json_object_get(a, "approval")) ? " (needs approval)" : "");
	}
}

static int rules_list(struct cli *cli)
{
	struct rule_set set = { 0 };
	int rc = cli_load_rules(cli, &set);
	if (rc != ORR_OK)
		return rc;
	struct rule_facts facts;
	rule_facts_read(cli, &facts);
	json_t *all = json_array();
	for (size_t i = 0; i < set.n; i++) {
		json_t *j = rule_json(&set.rules[i], &facts);
		if (!cli->json)
			rule_text(cli, j);
		json_array_append_new(all, j);
	}
	if (cli->json)
		cli_emit_json(cli, all);
	else
		json_decref(all);
	rule_facts_free(&facts);
	rule_set_free(&set);
	return ORR_OK;
}

/* The rule named by pos[1] in the rules in force: ORR_NOINPUT when none. */
static int named_rule(struct cli *cli, const char *verb, struct rule_set *set,
		      const struct rule **r)
{
	if (cli->args.npos < 2)
		return cli_fail(cli, ORR_USAGE, xasprintf("rules %s: which rule? give its name (see "
							  "`orrery rules list`)", verb));
	int rc = cli_load_rules(cli, set);
	if (rc != ORR_OK)
		return rc;
	*r = rules_find(set, cli->args.pos[1]);
	if (*r)
		return ORR_OK;
	return cli_fail(cli, ORR_NOINPUT, xasprintf("rules %s: no rule \"%s\" in force (see "
						    "`orrery rules list`)", verb, cli->args.pos[1]));
}

/* enable NAME / disable NAME: kept in the database with who and when. */
static int rules_switch(struct cli *cli, bool enabled)
{
	const char *verb = enabled ? "enable" : "disable";
	struct rule_set set = { 0 };
	const struct rule *r = NULL;
	int rc = named_rule(cli, verb, &set, &r);
	if (rc == ORR_OK)
		rc = cli_open_write(cli);
	struct operator_id op;
	operator_identify(&op);
	char *by = op.from[0] ? xasprintf("%s@%s", op.name, op.from) : xstrdup(op.name);
	int64_t now = clock_now(&clock_system);
	char *err = NULL;
	if (rc == ORR_OK && (rc = rule_state_set(cli->st, r->name, enabled, by, now, &err)) != ORR_OK)
		rc = cli_fail(cli, rc, err);
	if (rc == ORR_OK && cli->json)
		cli_emit_json(cli, json_pack("{sssbsssI}", "rule", r->name, "enabled", enabled,
					     "changed_by", by, "changed_at", (json_int_t)now));
	else if (rc == ORR_OK)
		fprintf(cli->out, "rule %s %sd by %s%s\n", r->name, verb, by,
			r->enabled == enabled ? " (it already was)" : "");
	free(by);
	rule_set_free(&set);
	return rc;
}

static int rules_enable(struct cli *cli)
{
	return rules_switch(cli, true);
}

static int rules_disable(struct cli *cli)
{
	return rules_switch(cli, false);
}

/* The rule's recent firings, newest first; [] without a database. */
static json_t *recent_firings(struct cli *cli, const char *rule, long limit)
{
	struct store *st = cli_open_if_present(cli);
	json_t *rows = NULL;
	char *err = NULL;
	if (st && firing_list_rule(st, rule, limit, &rows, &err) != ORR_OK)
		free(err);
	store_close(st);
	return rows ? rows : json_array();
}

static void show_text(struct cli *cli, json_t *show)
{
	json_t *r = json_object_get(show, "rule");
	char when[CLOCK_TEXT_LEN];
	fprintf(cli->out, "rule %s  %s", cli_text(r, "name"),
		json_is_true(json_object_get(r, "enabled")) ? "enabled" : "disabled");
	if (json_is_string(json_object_get(r, "changed_by")))
		fprintf(cli->out, " (switched by %s at %s)", cli_text(r, "changed_by"),
			when_text(json_object_get(r, "changed_at"), when));
	fprintf(cli->out, "\n%s\nfrom %s:%lld\nfired today %lld; all time fired %lld, suppressed "
		"%lld, failed %lld; last fired %s\n\n%s\n\nrecent firings:\n", cli_text(r, "description"),
		cli_text(r, "file"), cli_int(r, "line"), cli_int(r, "fired_today"), cli_int(r, "fired"),
		cli_int(r, "suppressed"), cli_int(r, "failed"),
		when_text(json_object_get(r, "last_fired_at"), when),
		json_is_string(json_object_get(show, "source")) ? cli_text(show, "source")
								  : "(the rule's file cannot be read)");
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(show, "firings"), i, f) {
		char *acts = json_dumps(json_object_get(f, "actions"), JSON_COMPACT);
		fprintf(cli->out, "  %s  event %-8lld %-10s %s%s%s\n",
			when_text(json_object_get(f, "at"), when), cli_int(f, "event_id"),
			cli_text(f, "outcome"), acts ? acts : "[]",
			json_is_string(json_object_get(f, "reason")) ? "  " : "", cli_text(f, "reason"));
		free(acts);
	}
	if (json_array_size(json_object_get(show, "firings")) == 0)
		fprintf(cli->out, "  none\n");
}

static int rules_show(struct cli *cli)
{
	long long limit = cli_number(cli, "limit", 10);
	if (limit < 0)
		return ORR_USAGE;
	struct rule_set set = { 0 };
	const struct rule *r = NULL;
	int rc = named_rule(cli, "show", &set, &r);
	if (rc != ORR_OK) {
		rule_set_free(&set);
		return rc;
	}
	struct rule_facts facts;
	rule_facts_read(cli, &facts);
	char *src = rules_source(r);
	json_t *show = json_pack("{sososo}", "rule", rule_json(r, &facts), "source",
				 src ? json_string(src) : json_null(), "firings",
				 recent_firings(cli, r->name, (long)limit));
	free(src);
	if (cli->json) {
		cli_emit_json(cli, show);
	} else {
		show_text(cli, show);
		json_decref(show);
	}
	rule_facts_free(&facts);
	rule_set_free(&set);
	return ORR_OK;
}

static void explain_text(struct cli *cli, json_t *x)
{
	json_t *ev = json_object_get(x, "event");
	fprintf(cli->out, "event %lld %s (%s %lld) at %s\n",
		(long long)json_integer_value(json_object_get(ev, "id")),
		json_string_value(json_object_get(ev, "type")),
		json_string_value(json_object_get(ev, "entity")),
		(long long)json_integer_value(json_object_get(ev, "entity_id")),
		json_string_value(json_object_get(ev, "time")));
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(x, "rules"), i, r) {
		const char *v = json_string_value(json_object_get(r, "verdict"));
		fprintf(cli->out, "  %-28s %s", json_string_value(json_object_get(r, "rule")), v);
		if (json_object_get(r, "miss"))
			fprintf(cli->out, ": %s",
				json_string_value(json_object_get(json_object_get(r, "miss"), "text")));
		if (json_object_get(r, "reason"))
			fprintf(cli->out, ": %s", json_string_value(json_object_get(r, "reason")));
		fputc('\n', cli->out);
	}
	fprintf(cli->out, "recorded when handled:\n");
	json_array_foreach(json_object_get(x, "recorded"), i, r) {
		char *acts = json_dumps(json_object_get(r, "actions"), JSON_COMPACT);
		fprintf(cli->out, "  %-28s %s %s%s\n", json_string_value(json_object_get(r, "rule")),
			json_string_value(json_object_get(r, "outcome")), acts,
			json_is_string(json_object_get(r, "reason")) ? "" : "");
		free(acts);
	}
}

static int rules_explain(struct cli *cli)
{
	long long id = cli_id_arg(cli, 1, "event");
	if (id < 0)
		return ORR_USAGE;
	struct rule_set set = { 0 };
	int rc = cli_load_rules(cli, &set);
	if (rc == ORR_OK)
		rc = cli_open_read(cli);
	json_t *x = NULL;
	char *err = NULL;
	if (rc == ORR_OK && (rc = engine_explain(cli->st, &set, id, &x, &err)) != ORR_OK)
		rc = cli_fail(cli, rc, err);
	if (rc == ORR_OK && cli->json)
		cli_emit_json(cli, x);
	else if (rc == ORR_OK) {
		explain_text(cli, x);
		json_decref(x);
	}
	rule_set_free(&set);
	return rc;
}

static void backtest_text(struct cli *cli, json_t *b)
{
	fprintf(cli->out, "replayed %lld events\n",
		(long long)json_integer_value(json_object_get(b, "events")));
	const char *sections[] = { "changed", "unchanged" };
	for (int s = 0; s < 2; s++) {
		json_t *rows = json_object_get(b, sections[s]);
		fprintf(cli->out, "%s (%zu):\n", sections[s], json_array_size(rows));
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r) {
			char *ex = json_dumps(json_object_get(r, "examples"), JSON_COMPACT);
			fprintf(cli->out, "  %-28s %-28s current %6lld  candidate %6lld  examples %s\n",
				json_string_value(json_object_get(r, "rule")),
				json_string_value(json_object_get(r, "action")),
				(long long)json_integer_value(json_object_get(r, "current")),
				(long long)json_integer_value(json_object_get(r, "candidate")), ex);
			free(ex);
		}
	}
}

static int load_candidate(struct cli *cli, const char *path, struct rule_set *set)
{
	struct rule_diags diags = { 0 };
	rules_load_path(set, path, subsystem_kind_known, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(cli->errs, "%s:%d:%d: %s\n", diags.v[i].file, diags.v[i].line, diags.v[i].col,
			diags.v[i].msg);
	int rc = diags.n ? ORR_DATAERR : ORR_OK;
	rule_diags_free(&diags);
	return rc;
}

static int rules_backtest(struct cli *cli)
{
	if (cli->args.npos < 2)
		return cli_fail(cli, ORR_USAGE, xstrdup("rules backtest: which rules? give a file or "
							 "directory"));
	struct rule_set cur = { 0 }, cand = { 0 };
	int rc = cli_load_rules(cli, &cur);
	if (rc == ORR_OK)
		rc = load_candidate(cli, cli->args.pos[1], &cand);
	if (rc == ORR_OK)
		rc = cli_open_read(cli);
	json_t *b = NULL;
	char *err = NULL;
	if (rc == ORR_OK && (rc = engine_backtest(cli->st, &cur, &cand,
						  cli_args_get(&cli->args, "since"), &b, &err)) != ORR_OK)
		rc = cli_fail(cli, rc, err);
	if (rc == ORR_OK && cli->json)
		cli_emit_json(cli, b);
	else if (rc == ORR_OK) {
		backtest_text(cli, b);
		json_decref(b);
	}
	rule_set_free(&cur);
	rule_set_free(&cand);
	return rc;
}

static int cmd_rules(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "list", rules_list },
		{ "check", rules_check },
		{ "explain", rules_explain },
		{ "backtest", rules_backtest },
		{ "show", rules_show },
		{ "enable", rules_enable },
		{ "disable", rules_disable },
	};
	return CLI_DISPATCH(cli, "rules", verbs);
}

/* --- approvals ------------------------------------------------------------- */

static void approval_line(struct cli *cli, json_t *a)
{
	fprintf(cli->out, "%6lld  %-9s %-24s %s",
		(long long)json_integer_value(json_object_get(a, "id")),
		json_string_value(json_object_get(a, "state")),
		json_string_value(json_object_get(a, "rule")),
		json_string_value(json_object_get(a, "reason")));
	if (json_is_string(json_object_get(a, "decided_by")))
		fprintf(cli->out, "  (by %s)", json_string_value(json_object_get(a, "decided_by")));
	fputc('\n', cli->out);
}

static int approvals_list(struct cli *cli)
{
	const char *state = cli_args_get(&cli->args, "state");
	long long limit = cli_number(cli, "limit", 0);
	if (limit < 0)
		return ORR_USAGE;
	json_t *all = NULL;
	char *err = NULL;
	int rc = approval_list(cli->st, state ? state : NULL, (long)limit, &all, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (cli->json) {
		cli_emit_json(cli, all);
		return ORR_OK;
	}
	size_t i;
	json_t *a;
	json_array_foreach(all, i, a) {
		approval_line(cli, a);
	}
	json_decref(all);
	return ORR_OK;
}

static int approvals_show(struct cli *cli)
{
	long long id = cli_id_arg(cli, 1, "approval");
	if (id < 0)
		return ORR_USAGE;
	json_t *a = NULL;
	char *err = NULL;
	int rc = approval_get(cli->st, id, &a, &err);
	if (rc != ORR_OK)
		return cli_fail(cli, rc, err);
	if (!cli->json) {
		approval_line(cli, a);
		/* the whole context is the point of showing one: print it all */
		json_object_del(a, "id");
	}
	cli_emit_json(cli, a);
	return ORR_OK;
}

/* Decide one approval; prints the outcome.  1 when someone else won. */
static int decide_one(struct cli *cli, long long id, bool approve, const struct operator_id *op)
{
	int64_t job_id = 0;
	char *err = NULL;
	int rc = approvals_decide(cli->st, id, approve, op, cli_args_get(&cli->args, "note"),
				  &clock_system, &job_id, &err);
	if (rc != ORR_OK) {
		fprintf(cli->errs, "orrery: %s\n", err);
		free(err);
		return rc;
	}
	if (cli->json)
		return ORR_OK;
	if (approve)
		fprintf(cli->out, "approval %lld approved by %s: job %lld queued\n", id, op->name,
			(long long)job_id);
	else
		fprintf(cli->out, "approval %lld rejected by %s\n", id, op->name);
	return ORR_OK;
}

/* approve ID... / reject ID...: each decided on its own; the worst status wins. */
static int approvals_decide_cmd(struct cli *cli, bool approve)
{
	if (cli_id_arg(cli, 1, "approval") < 0)
		return ORR_USAGE;
	int rc = cli_migrated(cli);
	if (rc != ORR_OK)
		return rc;
	struct operator_id op;
	operator_identify(&op);
	json_t *won = json_array(), *lost = json_array();
	int worst = ORR_OK;
	for (int i = 1; i < cli->args.npos; i++) {
		long long id = cli_id_arg(cli, i, "approval");
		rc = id < 0 ? ORR_USAGE : decide_one(cli, id, approve, &op);
		json_array_append_new(rc == ORR_OK ? won : lost, json_integer(id));
		if (rc != ORR_OK && (worst == ORR_OK || worst == 1))
			worst = rc;
	}
	if (cli->json)
		cli_emit_json(cli, json_pack("{sssssoso}", "decision", approve ? "approved" : "rejected",
					     "by", op.name, "decided", won, "not_decided", lost));
	else {
		json_decref(won);
		json_decref(lost);
	}
	return worst;
}

static int approvals_approve_cmd(struct cli *cli)
{
	return approvals_decide_cmd(cli, true);
}

static int approvals_reject_cmd(struct cli *cli)
{
	return approvals_decide_cmd(cli, false);
}

static int cmd_approvals(struct cli *cli)
{
	static const struct cli_verb verbs[] = {
		{ "list", approvals_list },
		{ "show", approvals_show },
		{ "approve", approvals_approve_cmd },
		{ "reject", approvals_reject_cmd },
	};
	return CLI_DISPATCH(cli, "approvals", verbs);
}

/* --- the table ------------------------------------------------------------- */

#define OPT_FORMAT_ANY { "format", true, NULL }

const struct cli_command cli_rules_commands[] = {
	{ "subsystems", "subsystems [list|pause NAME|resume NAME] [--format text|json|dot]",
	  "the subsystem registry and the flows between subsystems",
	  "Lists every subsystem: what it is for, the events it consumes and produces,\n"
	  "its job kinds, retry policy, circuit breaker state and fallback; then the\n"
	  "flows the rules declare.  --format dot draws the integration map for Graphviz.\n"
	  "pause NAME stops workers from starting its jobs; resume NAME lets them.",
	  DB_NONE, { OPT_FORMAT_ANY, OPT_HELP }, cmd_subsystems },
	{ "map", "map [--window 1h] [--format text|json|dot]",
	  "the integration map: who feeds whom, how busy and how broken",
	  "Nodes are the ingest source and every subsystem; an edge A -> B says A\n"
	  "produces an event type a rule in force turns into a job of B (or that B\n"
	  "declares it consumes).  Text lists the nodes by integration priority,\n"
	  "(jobs + events out) x error rate x (1 + dependants) over the window, then\n"
	  "the flows with their events per minute; json is the whole map; dot draws\n"
	  "it for Graphviz.\n\n"
	  "  --window D   how far back traffic and errors count (15m, 1h, 7d; default 1h)",
	  DB_NONE, { { "window", true, NULL }, OPT_FORMAT_ANY, OPT_HELP }, cli_map_cmd },
	{ "rules", "rules [check [PATH]|list|show NAME|enable NAME|disable NAME|explain EVENT_ID|"
		   "backtest PATH [--since DATE]] [--format json]",
	  "check, list, switch, explain and backtest the decision rules",
	  "check [PATH]       parse rule files; exit 65 with file:line:column: message\n"
	  "                   for every problem (default: the defaults plus --rules DIR)\n"
	  "list               the rules in force: enabled or not, firings today (UTC),\n"
	  "                   the last firing, the actions\n"
	  "show NAME          one rule: its source, its state and who switched it, its\n"
	  "                   counts and recent firings (--limit N, default 10)\n"
	  "enable NAME        switch a rule on or off in the database (your login name\n"
	  "disable NAME       and the time are kept); orrery run, rules list, explain\n"
	  "                   and backtest obey it; a runner picks it up when it starts\n"
	  "explain EVENT_ID   for every rule: matched or not and, for a miss, the first\n"
	  "                   failing condition with actual and expected values\n"
	  "backtest PATH      replay stored events through the rules at PATH and the\n"
	  "                   rules in force, with no side effects: per rule and action,\n"
	  "                   counts under each and example events that differ\n"
	  "  --since DATE     replay events at or after DATE (UTC, 2026-11-01 or ISO)",
	  DB_NONE, { { "since", true, NULL }, { "limit", true, NULL }, OPT_FORMAT_OUT, OPT_HELP },
	  cmd_rules },
	{ "approvals", "approvals [list|show ID|approve ID...|reject ID...] [--note TEXT] "
		       "[--state S] [--limit N] [--format json]",
	  "review and decide what the rules want approved",
	  "list shows approvals newest first (--state pending|approved|rejected|expired);\n"
	  "show ID prints one with its whole context: rule, event, facts, proposed job.\n"
	  "approve ID... enqueues each proposed job; reject ID... drops them.  A decision records\n"
	  "your login name, the SSH client address and --note.  When someone else decided\n"
	  "first, or the approval expired, exit status is 1 and says who and when.",
	  DB_WRITE,
	  { { "note", true, NULL }, { "state", true, NULL }, { "limit", true, NULL },
	    OPT_FORMAT_OUT, OPT_HELP },
	  cmd_approvals },
};

const int cli_rules_ncommands = sizeof cli_rules_commands / sizeof *cli_rules_commands;
