/* keycache.h - a bounded map from short string keys to a few integers, to
 * skip database round trips for keys seen moments ago.  It never grows past
 * its capacity: memory stays flat whatever the size of the input, and a
 * caller that needs to remember more spills and clears it.  libc only. */
#ifndef ORR_KEYCACHE_H
#define ORR_KEYCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYCACHE_KEY_MAX 63 /* longer keys are never cached */

struct kc_entry {
	int64_t id;
	int64_t n;   /* a counter the caller keeps with the key */
	uint64_t fp; /* fingerprint of the values last written for the key */
	char key[KEYCACHE_KEY_MAX + 1];
};

struct keycache;

struct keycache *keycache_new(size_t capacity);
void keycache_free(struct keycache *kc);
/* The entry for key, or NULL. */
struct kc_entry *keycache_get(struct keycache *kc, const char *key);
/* The entry for key, created zeroed if new; NULL when the key is too long
 * or the cache is full (see keycache_full).  A put may move the entries:
 * a pointer from an earlier get or put is stale after it. */
struct kc_entry *keycache_put(struct keycache *kc, const char *key);
bool keycache_full(const struct keycache *kc);
void keycache_clear(struct keycache *kc);
/* Call fn on every entry. */
void keycache_each(struct keycache *kc, void (*fn)(void *ctx, struct kc_entry *e), void *ctx);

/* FNV-1a of a string, continuing from h (start with KEYCACHE_FNV). */
#define KEYCACHE_FNV 0xcbf29ce484222325ULL
uint64_t keycache_hash(uint64_t h, const char *s);

#endif
