/* loader.c - the loader thread. */
#include "loader.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "xalloc.h"

struct request {
	bool set;
	int pane;
	fetch_fn fn;
	char arg[64];
	int64_t posted_us;
};

struct loader {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct store *st;
	const struct cli_console *req;
	struct request waiting, running;
	/* the finished fetch, until taken */
	bool done;
	int done_pane;
	json_t *out;
	char *err;
	double ms;
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Run one request outside the lock; its result replaces an untaken one. */
static void run(struct loader *l, struct request r)
{
	char *err = NULL;
	json_t *out = r.fn(l->st, l->req, r.arg, &err);
	pthread_mutex_lock(&l->lock);
	json_decref(l->out);
	free(l->err);
	l->out = out;
	l->err = err;
	l->done = true;
	l->done_pane = r.pane;
	l->ms = (double)(mono_us() - r.posted_us) / 1000.0;
	l->running.set = false;
	pthread_mutex_unlock(&l->lock);
}

static void *loader_main(void *arg)
{
	struct loader *l = arg;
	pthread_mutex_lock(&l->lock);
	while (!l->stop) {
		if (!l->waiting.set) {
			pthread_cond_wait(&l->wake, &l->lock);
			continue;
		}
		struct request r = l->waiting;
		l->waiting.set = false;
		l->running = r;
		pthread_mutex_unlock(&l->lock);
		run(l, r);
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

struct loader *loader_start(const struct cli_console *req, char **err)
{
	struct loader *l = xcalloc(1, sizeof *l);
	l->req = req;
	if (store_open(req->db_path, STORE_READONLY, &l->st, err) != ORR_OK) {
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->wake, NULL);
	if (pthread_create(&l->thread, NULL, loader_main, l) != 0) {
		*err = xstrdup("cannot start the loader thread");
		store_close(l->st);
		free(l);
		return NULL;
	}
	return l;
}

void loader_post(struct loader *l, int pane, fetch_fn fn, const char *arg)
{
	pthread_mutex_lock(&l->lock);
	l->waiting = (struct request){ .set = true, .pane = pane, .fn = fn, .posted_us = mono_us() };
	snprintf(l->waiting.arg, sizeof l->waiting.arg, "%s", arg ? arg : "");
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
}

bool loader_take(struct loader *l, int *pane, json_t **out, char **err, double *ms)
{
	pthread_mutex_lock(&l->lock);
	bool got = l->done;
	if (got) {
		*pane = l->done_pane;
		*out = l->out;
		*err = l->err;
		*ms = l->ms;
		l->out = NULL;
		l->err = NULL;
		l->done = false;
	}
	pthread_mutex_unlock(&l->lock);
	return got;
}

bool loader_busy(struct loader *l, int pane)
{
	pthread_mutex_lock(&l->lock);
	bool busy = (l->waiting.set && l->waiting.pane == pane) ||
		    (l->running.set && l->running.pane == pane);
	pthread_mutex_unlock(&l->lock);
	return busy;
}

void loader_stop(struct loader *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	json_decref(l->out);
	free(l->err);
	store_close(l->st);
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
