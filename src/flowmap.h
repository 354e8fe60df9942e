/* flowmap.h - the integration map: who feeds whom, and how busy and how
 * broken each flow is right now.
 *
 * Nodes are the ingest source and every registered subsystem.  An edge
 * A -> B means A produces an event type that a rule in force is `on` and
 * that rule enqueues a job of B (or B declares it consumes that type).
 * Nodes and edges come from the registry and the rules, so adding a
 * subsystem adds its node; traffic and errors come from the events and
 * jobs of a recent window.  The console's map pane and `orrery map` both
 * draw this one object. */
#ifndef ORR_FLOWMAP_H
#define ORR_FLOWMAP_H

#include <jansson.h>
#include <stdint.h>

#include "rc.h"

struct store;
struct rule_set;

/* The map over the window [now_ms - window_ms, now_ms]:
 *
 *   {"window_ms": N,
 *    "nodes": [{"name", "kind" ("source" or "subsystem"), "purpose",
 *               "paused" (bool), "breaker" ("closed", "open", "half_open"),
 *               "jobs", "failed", "error_rate", "events_out", "dependants",
 *               "priority", "layer", "produces": [types], "consumes": [types]}],
 *    "edges": [{"from", "to", "via": [event types], "rules": [names],
 *               "events", "per_min"}]}
 *
 * jobs: the node's jobs that finished or failed an attempt (and wait for a
 * retry) in the window; failed: those dead or waiting; error_rate =
 * failed / jobs (0 without jobs).  events_out: events in the window of the
 * types it produces (its declared types, job.succeeded and job.dead for a
 * subsystem, counted by the kind of their job, plus what rules emit in
 * answer to its events).  dependants: distinct nodes downstream,
 * transitively.  priority = (jobs + events_out) * error_rate *
 * (1 + dependants): how much goes through a node, how much of it fails and
 * how much depends on it (the node itself counts, so a failing leaf is not
 * 0).  layer: 0 without incoming edges, else 1 + the largest layer of its
 * sources; a cycle is broken at its node with the smallest name.  Nodes
 * are sorted by layer then name, edges by from then to.
 *
 * Only enabled rules make edges.  st may be NULL: the map of the registry
 * and the rules, every count 0, breakers closed.  window_ms < 1 is
 * ORR_USAGE. */
enum orr_rc flowmap_build(struct store *st, const struct rule_set *rules, int64_t now_ms,
			  int64_t window_ms, json_t **out, char **err);

#endif
