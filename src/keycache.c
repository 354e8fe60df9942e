/* keycache.c - open addressing with linear probing, at most 3/4 full. */
#include "keycache.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct keycache {
	struct kc_entry *slots;
	unsigned char *used;
	size_t mask, count, limit;
};

uint64_t keycache_hash(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

struct keycache *keycache_new(size_t capacity)
{
	size_t size = 16;
	while (size < capacity + capacity / 3)
		size <<= 1;
	struct keycache *kc = xcalloc(1, sizeof *kc);
	kc->slots = xcalloc(size, sizeof *kc->slots);
	kc->used = xcalloc(size, 1);
	kc->mask = size - 1;
	kc->limit = size / 4 * 3;
	return kc;
}

void keycache_free(struct keycache *kc)
{
	if (!kc)
		return;
	free(kc->slots);
	free(kc->used);
	free(kc);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const struct keycache *kc, const char *key)
{
	size_t i = (size_t)keycache_hash(KEYCACHE_FNV, key) & kc->mask;
	while (kc->used[i] && strcmp(kc->slots[i].key, key) != 0)
		i = (i + 1) & kc->mask;
	return i;
}

struct kc_entry *keycache_get(struct keycache *kc, const char *key)
{
	if (strlen(key) > KEYCACHE_KEY_MAX)
		return NULL;
	size_t i = probe(kc, key);
	return kc->used[i] ? &kc->slots[i] : NULL;
}

struct kc_entry *keycache_put(struct keycache *kc, const char *key)
{
	size_t len = strlen(key);
	if (len > KEYCACHE_KEY_MAX)
		return NULL;
	size_t i = probe(kc, key);
	if (kc->used[i])
		return &kc->slots[i];
	if (kc->count >= kc->limit)
		return NULL;
	kc->used[i] = 1;
	kc->count++;
	memset(&kc->slots[i], 0, sizeof kc->slots[i]);
	memcpy(kc->slots[i].key, key, len + 1);
	return &kc->slots[i];
}

bool keycache_full(const struct keycache *kc)
{
	return kc->count >= kc->limit;
}

void keycache_clear(struct keycache *kc)
{
	memset(kc->used, 0, kc->mask + 1);
	kc->count = 0;
}

void keycache_each(struct keycache *kc, void (*fn)(void *ctx, struct kc_entry *e), void *ctx)
{
	for (size_t i = 0; i <= kc->mask; i++)
		if (kc->used[i])
			fn(ctx, &kc->slots[i]);
}
