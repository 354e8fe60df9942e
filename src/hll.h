/* hll.h - HyperLogLog distinct counting in 16 KiB: 2^14 one-byte registers,
 * a standard error of about 0.8 % at any cardinality.  Also the 64-bit hash
 * it is fed with, which the data audit uses for its own hash tables.
 * libc only. */
#ifndef ORR_HLL_H
#define ORR_HLL_H

#include <stddef.h>
#include <stdint.h>

#define HLL_PRECISION 14
#define HLL_REGISTERS (1u << HLL_PRECISION)

struct hll;

/* An empty sketch; free with hll_free. */
struct hll *hll_new(void);
void hll_free(struct hll *h);
/* Count one value by its 64-bit hash.  The hash must be well mixed in every
 * bit (hll_hash is); adding the same hash again changes nothing. */
void hll_add_hash(struct hll *h, uint64_t hash);
/* The estimated number of distinct hashes added so far. */
uint64_t hll_count(const struct hll *h);
/* Make dst count the union of dst and src. */
void hll_merge(struct hll *dst, const struct hll *src);

/* A fast 64-bit hash of len bytes (wyhash-style multiply-fold mixing).  The
 * same bytes hash the same on every host, so sketches can be merged across
 * machines. */
uint64_t hll_hash(const void *data, size_t len);

#endif
