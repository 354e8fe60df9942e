/* bg.c - background tasks and the in-process orchestrator. */
#include "bg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "clock.h"
#include "jobs.h"
#include "rule_state.h"
#include "rules.h"
#include "runner.h"
#include "store.h"
#include "xalloc.h"

struct bg {
	pthread_t thread;
	atomic_int finished;
	atomic_int done, total; /* progress; total 0: unknown */
	char title[160];
	const char *db_path;
	bool audit;
	/* a command */
	int argc;
	char **argv;
	/* the outcome */
	int rc;
	char *output;
	int64_t run_id;
};

struct orch {
	pthread_t thread;
	const char *db_path;
	atomic_int stop;
	atomic_int finished;
	struct rule_set rules;
	struct run_options opt;
	struct run_report rep;
	int rc;
	char *err;
};

/* --- a command of the command line ------------------------------------------ */

/* Through the CLI's own dispatcher, as typed (cli_run_embedded: never a
 * second console or runner on this thread). */
static void run_cli(struct bg *b)
{
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	FILE *out = open_memstream(&obuf, &olen), *errs = open_memstream(&ebuf, &elen);
	if (!out || !errs) {
		b->rc = ORR_SOFTWARE;
		b->output = xstrdup("cannot capture the output");
		if (out)
			fclose(out);
		if (errs)
			fclose(errs);
		return;
	}
	b->rc = cli_run_embedded(b->argc, b->argv, out, errs);
	fclose(out);
	fclose(errs);
	b->output = xasprintf("%s%s%s", obuf ? obuf : "", olen && elen ? "\n" : "",
			      ebuf ? ebuf : "");
	free(obuf);
	free(ebuf);
}

/* --- the audit -------------------------------------------------------------- */

static void audit_progress(void *ctx, int done, int total, const char *check)
{
	(void)check;
	struct bg *b = ctx;
	atomic_store(&b->done, done);
	atomic_store(&b->total, total);
}

static void run_audit(struct bg *b)
{
	struct store *st = NULL;
	char *err = NULL;
	b->rc = store_open(b->db_path, STORE_READWRITE, &st, &err);
	struct audit_options o = { .stale_ms = AUDIT_STALE_DEFAULT_MS, .progress = audit_progress,
				   .progress_ctx = b };
	if (b->rc == ORR_OK)
		b->rc = audit_run(st, &clock_system, &o, &b->run_id, &err);
	store_close(st);
	b->output = err;
}

static void *bg_main(void *arg)
{
	struct bg *b = arg;
	if (b->audit)
		run_audit(b);
	else
		run_cli(b);
	atomic_store(&b->finished, 1);
	return NULL;
}

static bool bg_start(struct console *c, struct bg *b)
{
	if (c->bg) {
		ui_status(c, R_WARN, "busy: %s is still running", c->bg->title);
		return false;
	}
	b->db_path = c->req->db_path;
	if (pthread_create(&b->thread, NULL, bg_main, b) != 0) {
		ui_status(c, R_BAD, "cannot start a thread for %s", b->title);
		return false;
	}
	c->bg = b;
	return true;
}

static void bg_free(struct bg *b)
{
	for (int i = 0; i < b->argc; i++)
		free(b->argv[i]);
	free(b->argv);
	free(b->output);
	free(b);
}

bool ui_run_command(struct console *c, const char *title, int argc, const char *const *argv)
{
	struct bg *b = xcalloc(1, sizeof *b);
	snprintf(b->title, sizeof b->title, "%s", title);
	const char *pre[] = { "orrery", "--db", c->req->db_path, "--rules", c->req->rules_dir };
	int npre = (int)(sizeof pre / sizeof *pre);
	b->argv = xcalloc((size_t)(npre + argc + 1), sizeof *b->argv);
	for (int i = 0; i < npre; i++)
		b->argv[b->argc++] = xstrdup(pre[i]);
	for (int i = 0; i < argc; i++)
		b->argv[b->argc++] = xstrdup(argv[i]);
	if (bg_start(c, b))
		return true;
	bg_free(b);
	return false;
}

bool ui_run_audit(struct console *c)
{
	struct bg *b = xcalloc(1, sizeof *b);
	snprintf(b->title, sizeof b->title, "audit running");
	b->audit = true;
	if (bg_start(c, b))
		return true;
	bg_free(b);
	return false;
}

bool ui_bg_progress(struct console *c, const char **title, double *fraction)
{
	if (!c->bg)
		return false;
	*title = c->bg->title;
	int total = atomic_load(&c->bg->total);
	*fraction = total > 0 ? (double)atomic_load(&c->bg->done) / total : -1;
	return true;
}

static void bg_report(struct console *c, struct bg *b)
{
	if (b->audit && b->rc == ORR_OK) {
		ui_log(c, R_GOOD, "audit run %lld finished", (long long)b->run_id);
	} else if (b->audit) {
		ui_log(c, R_BAD, "audit failed: %s", b->output ? b->output : "unknown error");
	} else {
		ui_log(c, b->rc == ORR_OK ? R_GOOD : R_BAD, ":%s  (exit %d)", b->title, b->rc);
		char *title = xasprintf(":%s  (exit %d)", b->title, b->rc);
		ui_view(c, title, b->output);
		b->output = NULL;
		free(title);
	}
}

void ui_bg_poll(struct console *c)
{
	struct bg *b = c->bg;
	if (b && atomic_load(&b->finished)) {
		pthread_join(b->thread, NULL);
		c->bg = NULL;
		bg_report(c, b);
		bg_free(b);
		c->reload = true;
	}
	struct orch *o = c->orch;
	if (o && atomic_load(&o->finished)) {
		pthread_join(o->thread, NULL);
		c->orch = NULL;
		if (o->rc == ORR_OK)
			ui_log(c, R_NORMAL, "orchestrator stopped: %ld events, %ld job outcomes",
			       o->rep.events, o->rep.finished);
		else
			ui_log(c, R_BAD, "orchestrator stopped: %s", o->err ? o->err : "error");
		rule_set_free(&o->rules);
		free(o->err);
		free(o);
	}
}

void ui_bg_wait(struct console *c)
{
	if (!c->bg)
		return;
	pthread_join(c->bg->thread, NULL);
	bg_free(c->bg);
	c->bg = NULL;
}

/* --- the orchestrator ------------------------------------------------------ */

static void *orch_main(void *arg)
{
	struct orch *o = arg;
	o->rc = runner_run(o->db_path, &o->rules, &o->opt, &o->rep, &o->err);
	atomic_store(&o->finished, 1);
	return NULL;
}

/* The orchestrator's own copy of the rules in force (the runner keeps
 * their switches current from the database itself). */
static bool load_rules(struct console *c, struct rule_set *set)
{
	struct rule_diags diags = { 0 };
	char *err = NULL;
	bool ok = rule_state_load(c->st, c->req->rules_dir, set, &diags, &err) == ORR_OK;
	if (!ok)
		ui_log(c, R_BAD, "orchestrator not started: %s%s%s", err,
		       diags.n ? ", first: " : "", diags.n ? diags.v[0].file : "");
	free(err);
	rule_diags_free(&diags);
	return ok;
}

static void orch_start(struct console *c)
{
	struct orch *o = xcalloc(1, sizeof *o);
	o->db_path = c->req->db_path;
	if (!load_rules(c, &o->rules)) {
		free(o);
		return;
	}
	atomic_init(&o->stop, 0);
	o->opt = (struct run_options){ .workers = 2, .lease_ms = 30000, .batch = 16,
				       .stop = &o->stop, .keep_signals = true };
	if (pthread_create(&o->thread, NULL, orch_main, o) != 0) {
		ui_log(c, R_BAD, "cannot start the orchestrator thread");
		rule_set_free(&o->rules);
		free(o);
		return;
	}
	c->orch = o;
	ui_log(c, R_GOOD, "orchestrator started in-process: rule engine and 2 workers");
}

bool ui_orch_running(const struct console *c)
{
	return c->orch != NULL;
}

bool ui_busy(const struct console *c)
{
	return c->orch || c->bg;
}

void ui_orch_toggle(struct console *c)
{
	if (!c->orch) {
		orch_start(c);
	} else if (atomic_load(&c->orch->stop)) {
		ui_status(c, R_WARN, "the orchestrator is stopping: running jobs finish first");
	} else {
		atomic_store(&c->orch->stop, 1);
		ui_log(c, R_NORMAL, "orchestrator stopping: running jobs finish or go back to the queue");
	}
}

void ui_orch_stop(struct console *c)
{
	if (!c->orch)
		return;
	struct orch *o = c->orch;
	atomic_store(&o->stop, 1);
	while (!atomic_load(&o->finished))
		usleep(20000);
	ui_bg_poll(c);
}

void ui_orch_state(struct console *c, char *out, size_t size)
{
	if (c->orch) {
		snprintf(out, size, "%s", atomic_load(&c->orch->stop) ? "stopping"
								   : "running here (2 workers)");
		return;
	}
	long n = jobs_runners_live(c->st);
	if (n > 0)
		snprintf(out, size, "%ld runner%s elsewhere", n, n == 1 ? "" : "s");
	else
		snprintf(out, size, "stopped");
}
