/* keycache.c - open addressing with linear probing, at most 3/4 full.
 *
 * The table starts small and doubles up to the size its capacity needs:
 * a fresh table is untouched zero pages, and with keys hashed all over it a
 * few thousand entries would fault in every page of the full size (11 MB
 * at 64k keys), so a file with few keys paid the memory and the faults of
 * many. */
#include "keycache.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define KEYCACHE_MIN_SLOTS 256

struct keycache {
	struct kc_entry *slots;
	unsigned char *used;
	size_t mask, count, limit;
	size_t max_slots; /* the size the capacity needs; never grown past */
};

uint64_t keycache_hash(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static void alloc_slots(struct keycache *kc, size_t size)
{
	kc->slots = xcalloc(size, sizeof *kc->slots);
	kc->used = xcalloc(size, 1);
	kc->mask = size - 1;
}

struct keycache *keycache_new(size_t capacity)
{
	size_t size = 16;
	while (size < capacity + capacity / 3)
		size <<= 1;
	struct keycache *kc = xcalloc(1, sizeof *kc);
	kc->max_slots = size;
	kc->limit = size / 4 * 3;
	alloc_slots(kc, size < KEYCACHE_MIN_SLOTS ? size : KEYCACHE_MIN_SLOTS);
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

/* Double the table, rehashing every entry; pointers to entries move. */
static void grow(struct keycache *kc)
{
	struct kc_entry *slots = kc->slots;
	unsigned char *used = kc->used;
	size_t old = kc->mask + 1;
	alloc_slots(kc, old * 2);
	for (size_t i = 0; i < old; i++) {
		if (!used[i])
			continue;
		size_t j = probe(kc, slots[i].key);
		kc->slots[j] = slots[i];
		kc->used[j] = 1;
	}
	free(slots);
	free(used);
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
	if (kc->count >= (kc->mask + 1) / 4 * 3 && kc->mask + 1 < kc->max_slots) {
		grow(kc);
		i = probe(kc, key);
	}
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
