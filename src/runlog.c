/* runlog.c - log lines as text or JSON. */
#include "runlog.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_names[] = { "info", "warn", "error" };

static char *json_line(const char *when, enum runlog_level level,
		       const struct runlog_about *a, const char *msg)
{
	json_t *o = json_pack("{ss ss s:o s:o s:o ss}", "time", when, "level", level_names[level],
			      "subsystem", a->subsystem ? json_string(a->subsystem) : json_null(),
			      "job_id", a->job_id ? json_integer(a->job_id) : json_null(),
			      "event_id", a->event_id ? json_integer(a->event_id) : json_null(),
			      "message", msg);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	return text ? text : xstrdup("{}");
}

static char *text_line(const char *when, enum runlog_level level,
		       const struct runlog_about *a, const char *msg)
{
	char job[64] = "", event[64] = "";
	if (a->job_id)
		snprintf(job, sizeof job, " job %lld", (long long)a->job_id);
	if (a->event_id)
		snprintf(event, sizeof event, " event %lld", (long long)a->event_id);
	return xasprintf("%s %s%s%s%s%s: %s", when, level_names[level],
			 a->subsystem ? " " : "", a->subsystem ? a->subsystem : "", job, event, msg);
}

void runlog_write(const struct runlog *log, enum runlog_level level,
		  const struct runlog_about *about, const char *fmt, ...)
{
	if (!log || !log->out || (!log->json && level == RUNLOG_INFO))
		return;
	static const struct runlog_about none;
	va_list ap;
	va_start(ap, fmt);
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	char when[CLOCK_TEXT_LEN];
	clock_format(clock_now(log->clock), when);
	char *line = (log->json ? json_line : text_line)(when, level, about ? about : &none,
							  msg ? msg : "");
	fprintf(log->out, "%s\n", line);
	fflush(log->out);
	free(line);
	free(msg);
}

bool runlog_format_parse(const char *name, bool *json)
{
	if (!name || strcmp(name, "text") == 0)
		*json = false;
	else if (strcmp(name, "json") == 0)
		*json = true;
	else
		return false;
	return true;
}
