/* runlog.h - the runner's log lines.  As text (for people) only warnings
 * and errors are written, so a quiet run stays quiet; as JSON Lines (for
 * log shippers, `--log-format json`) every line is one object with the
 * keys time, level, subsystem, job_id, event_id and message (null when
 * they do not apply). */
#ifndef ORR_RUNLOG_H
#define ORR_RUNLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "xalloc.h"

enum runlog_level { RUNLOG_INFO, RUNLOG_WARN, RUNLOG_ERROR };

struct runlog {
	FILE *out; /* NULL: nothing is logged */
	bool json;
	const struct clock *clock;
};

/* What a line is about; zero fields are left out (null in JSON). */
struct runlog_about {
	const char *subsystem;
	int64_t job_id, event_id;
};

/* One line, written with a single call so threads never interleave. */
void runlog_write(const struct runlog *log, enum runlog_level level,
		  const struct runlog_about *about, const char *fmt, ...) ORR_PRINTF(4, 5);

/* "text" or "json" (NULL: text) into *json; false for anything else. */
bool runlog_format_parse(const char *name, bool *json);

#endif
