/* hll.c - HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007) over 64-bit
 * hashes: the top 14 bits pick a register, which keeps the longest run of
 * leading zeros (+1) seen in the other 50. */
#include "hll.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct hll {
	uint8_t reg[HLL_REGISTERS];
};

struct hll *hll_new(void)
{
	return xcalloc(1, sizeof(struct hll));
}

void hll_free(struct hll *h)
{
	free(h);
}

void hll_add_hash(struct hll *h, uint64_t hash)
{
	uint32_t idx = (uint32_t)(hash >> (64 - HLL_PRECISION));
	uint64_t rest = hash << HLL_PRECISION;
	/* All 50 bits zero gives the largest rank, 51. */
	uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : 64 - HLL_PRECISION + 1;

	if (rank > h->reg[idx])
		h->reg[idx] = rank;
}

/* Ertl's improved estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", 2017; Redis uses it too).  The classic recipe --
 * alpha * m^2 / sum(2^-reg), switching to linear counting below 2.5 m --
 * overestimates by 2-3 % just above the switch (measured: +2 % mean at 40k
 * distinct).  This one folds linear counting into the sum instead: sigma()
 * corrects for the registers still zero, tau() for those at the maximum,
 * and it stays unbiased from 1 to 2^50 values without tables. */
static double hll_sigma(double x)
{
	if (x == 1.0)
		return INFINITY;
	double y = 1.0, z = x, prev;
	do {
		x *= x;
		prev = z;
		z += x * y;
		y += y;
	} while (z != prev);
	return z;
}

static double hll_tau(double x)
{
	if (x == 0.0 || x == 1.0)
		return 0.0;
	double y = 1.0, z = 1.0 - x, prev;
	do {
		x = sqrt(x);
		prev = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (z != prev);
	return z / 3.0;
}

uint64_t hll_count(const struct hll *h)
{
	enum { Q = 64 - HLL_PRECISION };
	const double m = HLL_REGISTERS;
	uint32_t hist[Q + 2] = { 0 };

	for (uint32_t i = 0; i < HLL_REGISTERS; i++)
		hist[h->reg[i]]++;
	double z = m * hll_tau(1.0 - hist[Q + 1] / m);
	for (int k = Q; k >= 1; k--)
		z = 0.5 * (z + hist[k]);
	z += m * hll_sigma(hist[0] / m);
	return (uint64_t)llround(m * m / (2.0 * log(2.0)) / z);
}

void hll_merge(struct hll *dst, const struct hll *src)
{
	for (uint32_t i = 0; i < HLL_REGISTERS; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
}

/* ---- hashing ---------------------------------------------------------- */

#define HASH_K0 0x9e3779b97f4a7c15ULL /* odd constants with well spread bits */
#define HASH_K1 0xbf58476d1ce4e5b9ULL
#define HASH_K2 0x94d049bb133111ebULL

__extension__ typedef unsigned __int128 hll_u128;

/* Multiply to 128 bits and fold: every input bit reaches every output bit. */
static inline uint64_t hash_mix(uint64_t a, uint64_t b)
{
	hll_u128 r = (hll_u128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Little-endian loads, so the hash does not depend on the host. */
static inline uint64_t load32(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

static inline uint64_t load64(const unsigned char *p)
{
	return load32(p) | load32(p + 4) << 32;
}

/* Inputs of up to 16 bytes are read as two overlapping words (no loop, no
 * branch per byte); longer ones 16 bytes per round, the last 16 bytes
 * read again from the end. */
uint64_t hll_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t seed = HASH_K0, a, b;

	if (len <= 16) {
		if (len >= 4) {
			size_t q = (len >> 3) << 2;
			a = load32(p) << 32 | load32(p + q);
			b = load32(p + len - 4) << 32 | load32(p + len - 4 - q);
		} else if (len > 0) {
			a = (uint64_t)p[0] << 16 | (uint64_t)p[len >> 1] << 8 | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = len;
		for (; i > 16; i -= 16, p += 16)
			seed = hash_mix(load64(p) ^ HASH_K1, load64(p + 8) ^ seed);
		a = load64(p + i - 16);
		b = load64(p + i - 8);
	}
	return hash_mix(HASH_K1 ^ len, hash_mix(a ^ HASH_K1, b ^ seed ^ HASH_K2));
}
