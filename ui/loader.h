/* loader.h - the data of slow panes, read off the main thread.
 *
 * A pane whose load can take longer than a frame (the Map and the Jobs
 * panes count what happened in their window, which grows with the traffic)
 * gives a fetch function: it runs on the loader's thread, on the loader's
 * own read-only connection, and returns the pane's data as JSON.  The main
 * thread keeps drawing the last data it has and applies the new when it
 * arrives, so a pane switch never waits for a query.  One request waits at
 * most (the newest replaces an older one); ownership of the JSON passes to
 * the taker. */
#ifndef ORR_UI_LOADER_H
#define ORR_UI_LOADER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "rc.h"

struct store;
struct loader;

typedef json_t *(*fetch_fn)(struct store *st, const struct cli_console *req, const char *arg,
			    char **err);

/* Start the thread with its own connection to req->db_path; NULL (and
 * *err) when it cannot. */
struct loader *loader_start(const struct cli_console *req, char **err);
/* Ask for pane's data; arg (copied) tells the fetch what (a state filter). */
void loader_post(struct loader *l, int pane, fetch_fn fn, const char *arg);
/* A finished fetch, if any: its pane, its data or error (both the
 * caller's), and how long it took from the request in ms. */
bool loader_take(struct loader *l, int *pane, json_t **out, char **err, double *ms);
/* Is a request of this pane waiting or running? */
bool loader_busy(struct loader *l, int pane);
void loader_stop(struct loader *l);

#endif
