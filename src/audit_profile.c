/* audit_profile.c - per-column statistics in one pass and bounded memory.
 *
 * Every value goes through a few cheap steps: one scan of its text form
 * (length, blank, shape), a classifier for the type, Welford for numbers, and
 * two frequency counters keyed by a 64-bit hash (values and shapes).  A
 * counter is an exact open-addressing map until it holds too many keys; it
 * then spills into a space-saving sketch of PROF_SKETCH counters (plus, for
 * values, a HyperLogLog for the distinct count), so a column never costs more
 * than about 1.6 MB however many rows it sees (the exact map of 10,000
 * values at its largest). */
#include "audit_profile.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hll.h"
#include "utf8.h"
#include "xalloc.h"

/* Shape bytes that are not ASCII: shapes are stored one byte per character
 * and only turned into UTF-8 for the JSON. */
#define SHAPE_BAD ((char)0xFF) /* an invalid UTF-8 byte, shown as U+FFFD */
#define SHAPE_CUT ((char)0xFE) /* the shape went on, shown as "…" */

#define UTF8_REPLACEMENT "\xEF\xBF\xBD"
#define UTF8_ELLIPSIS "\xE2\x80\xA6"

/* Numbers hash their 8 bytes; the salt keeps INT 5 and the REAL with the
 * same bits apart. */
#define SALT_INT 0x2545f4914f6cdd1dULL
#define SALT_REAL 0x9fb21c651e98df25ULL

#define SK_INDEX 256 /* sketch hash index: 4x the counters, short probes */
#define SK_MASK (SK_INDEX - 1)

/* ---- types --------------------------------------------------------------- */

/* A value as the frequency counters see it.  Only the first PROF_KEEP bytes
 * of s are kept; len is the full length. */
struct key {
	uint64_t hash;
	const char *s;
	uint32_t len;
	uint8_t type; /* enum prof_type */
};

struct slot { /* an exact-map entry; count 0 marks a free slot */
	uint64_t hash;
	uint64_t count;
	uint32_t off; /* of the kept bytes in the arena */
	uint32_t len;
	uint8_t type;
};

struct hh { /* a space-saving counter */
	uint64_t hash;
	uint64_t count; /* an upper bound of the true count */
	uint64_t err;   /* count - err is a lower bound */
	uint32_t len;
	uint8_t type, klen;
	char key[PROF_KEEP];
};

struct skslot { /* low hash bits sit in the index: probes stay in 2 KiB */
	uint32_t tag;
	int16_t ci; /* the counter; -1 marks a free slot */
};

/* Instead of a heap, the sketch lists the counters at the minimum count:
 * a new key takes one of them in O(1), and the list is rebuilt (64 steps)
 * only when it runs out -- in a stream of unique values, once every few
 * dozen keys. */
struct sketch {
	struct hh c[PROF_SKETCH];
	struct skslot index[SK_INDEX];
	uint8_t atmin[PROF_SKETCH];   /* the counters whose count is min */
	uint8_t where[PROF_SKETCH];   /* each one's place in atmin */
	uint64_t min;
	int n, natmin;
	bool stale; /* atmin must be rebuilt before use */
};

struct counter {
	struct slot *slots; /* the exact map; NULL once spilled */
	size_t mask, used, cap;
	char *arena; /* kept key bytes of the exact map */
	size_t arena_len, arena_cap;
	struct sketch *sk;
	bool distinct;   /* keep a HyperLogLog once spilled */
	struct hll *hll;
};

/* One entry of a top-N list: count, then the key it counts. */
struct item {
	uint64_t count;
	uint64_t hash;
	const char *s;
	uint32_t len;
	uint8_t type;
};

struct num { /* a number that remembers whether it was an integer */
	bool is_int;
	int64_t i;
	double r;
};

struct bound { /* a text min or max, as its first PROF_KEEP bytes */
	bool set, cut;
	uint32_t len;
	char s[PROF_KEEP];
};

/* Value classes, in the order the column type is chosen. */
enum cls { CL_INT, CL_REAL, CL_DATE, CL_DATETIME, CL_BOOL, CL_EMAIL, CL_URL, CL_TEXT, CL_COUNT };

static const char *const cls_names[CL_COUNT] = {
	[CL_INT] = "integer", [CL_REAL] = "real",   [CL_DATE] = "date", [CL_DATETIME] = "datetime",
	[CL_BOOL] = "boolean", [CL_EMAIL] = "email", [CL_URL] = "url",   [CL_TEXT] = "text",
};

#define REPEAT_MAX 64 /* bytes of a text value remembered for the repeat path */

/* What the last value of a column gave, so that the same value again (an
 * order's key down its lines, a currency, a source) skips the scan, the
 * hashes, the parse and the text bounds: none of them can change. */
struct repeat {
	bool valid, blank, numeric;
	uint8_t type, nshape;
	uint32_t len;
	enum cls cl;
	uint64_t vhash, shash;
	struct num n;
	char v[REPEAT_MAX]; /* the text's bytes, or the number's 8 */
	char shape[PROF_SHAPE_MAX + 1];
};

struct column {
	char *name;
	uint64_t records, nulls, blanks;
	uint64_t cls[CL_COUNT]; /* non-null, non-blank values by class */
	uint64_t nnum;          /* finite numbers seen, for Welford */
	double mean, m2;
	struct num lo, hi;
	struct bound tmin, tmax;
	bool has_len;
	size_t min_len, max_len;
	struct counter values, shapes;
	struct repeat last;
	/* the hash of an integer's shape by sign and digit count; 0: not met */
	uint64_t int_shapes[2][21];
};

struct profiler {
	int ncols;
	struct column *cols;
};

/* One scan of a text form. */
struct scan {
	size_t cps; /* code points, an invalid byte counting as one */
	bool blank;
	uint8_t nshape;
	char shape[PROF_SHAPE_MAX + 1];
};

static size_t kept_len(size_t len)
{
	return len < PROF_KEEP ? len : PROF_KEEP;
}

static uint32_t clamp32(size_t len)
{
	return len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

/* ---- UTF-8 --------------------------------------------------------------- */

/* A kept prefix may end inside a character; drop that partial character so
 * it is not shown as U+FFFD. */
static size_t trim_partial(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t back = 1; back <= 3 && back <= len; back++) {
		unsigned char b = s[len - back];
		if (b < 0x80)
			return len;
		if (b >= 0xC0) {
			size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
			return need > back ? len - back : len;
		}
	}
	return len;
}

/* A JSON string of s[0..len): invalid UTF-8 becomes U+FFFD (jansson takes
 * only valid UTF-8), and "…" marks a value that was cut. */
static json_t *json_text(const char *s, size_t len, bool cut)
{
	if (cut)
		len = trim_partial(s, len);
	char *buf = xmalloc(len * 3 + 4);
	size_t i = 0, o = 0;
	while (i < len) {
		size_t v = utf8_valid_prefix(s + i, len - i);
		memcpy(buf + o, s + i, v);
		o += v;
		i += v;
		if (i < len) {
			memcpy(buf + o, UTF8_REPLACEMENT, 3);
			o += 3;
			i++;
		}
	}
	if (cut) {
		memcpy(buf + o, UTF8_ELLIPSIS, 3);
		o += 3;
	}
	json_t *j = json_stringn(buf, o);
	free(buf);
	return j;
}

/* ---- the space-saving sketch ---------------------------------------------- */

static bool hh_match(const struct hh *h, const struct key *k)
{
	return h->hash == k->hash && h->len == k->len && h->type == k->type &&
	       memcmp(h->key, k->s, h->klen) == 0;
}

/* Rebuild the list of counters at the minimum count. */
static void sketch_find_min(struct sketch *sk)
{
	uint64_t min = UINT64_MAX;
	for (int i = 0; i < sk->n; i++)
		min = sk->c[i].count < min ? sk->c[i].count : min;
	sk->natmin = 0;
	for (int i = 0; i < sk->n; i++) {
		if (sk->c[i].count == min) {
			sk->where[i] = (uint8_t)sk->natmin;
			sk->atmin[sk->natmin++] = (uint8_t)i;
		}
	}
	sk->min = min;
	sk->stale = false;
}

/* Counter ci is about to rise above the minimum: take it off the list. */
static void sketch_leave_min(struct sketch *sk, int ci)
{
	uint8_t at = sk->where[ci], last = sk->atmin[--sk->natmin];
	sk->atmin[at] = last;
	sk->where[last] = at;
}

static int sketch_find(const struct sketch *sk, const struct key *k)
{
	for (size_t i = k->hash & SK_MASK; sk->index[i].ci >= 0; i = (i + 1) & SK_MASK)
		if (sk->index[i].tag == (uint32_t)k->hash && hh_match(&sk->c[sk->index[i].ci], k))
			return sk->index[i].ci;
	return -1;
}

static void sketch_index(struct sketch *sk, int ci)
{
	size_t i = sk->c[ci].hash & SK_MASK;
	while (sk->index[i].ci >= 0)
		i = (i + 1) & SK_MASK;
	sk->index[i] = (struct skslot){ (uint32_t)sk->c[ci].hash, (int16_t)ci };
}

/* Remove counter ci from the index by backward shifting, so probes never
 * need tombstones. */
static void sketch_unindex(struct sketch *sk, int ci)
{
	size_t i = sk->c[ci].hash & SK_MASK;
	while (sk->index[i].ci != ci)
		i = (i + 1) & SK_MASK;
	for (;;) {
		size_t j = i;
		sk->index[i].ci = -1;
		for (;;) {
			j = (j + 1) & SK_MASK;
			if (sk->index[j].ci < 0)
				return;
			size_t home = sk->index[j].tag & SK_MASK;
			/* j may fill the hole unless its home lies cyclically in (i, j]. */
			bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
			if (!stays)
				break;
		}
		sk->index[i] = sk->index[j];
		i = j;
	}
}

static void hh_set(struct hh *h, const struct key *k, uint64_t count, uint64_t err)
{
	h->hash = k->hash;
	h->len = k->len;
	h->type = k->type;
	h->klen = (uint8_t)kept_len(k->len);
	memcpy(h->key, k->s, h->klen);
	h->count = count;
	h->err = err;
}

/* Space-saving (Metwally et al. 2005): a key without a counter takes over
 * the smallest one and inherits its count as possible error, so every key
 * more frequent than total / PROF_SKETCH is guaranteed a counter. */
static void sketch_add(struct sketch *sk, const struct key *k, uint64_t count)
{
	int ci = sketch_find(sk, k);
	if (ci >= 0) {
		if (!sk->stale && sk->c[ci].count == sk->min)
			sketch_leave_min(sk, ci);
		sk->c[ci].count += count;
		return;
	}
	if (sk->n < PROF_SKETCH) {
		ci = sk->n++;
		hh_set(&sk->c[ci], k, count, 0);
		sketch_index(sk, ci);
		sk->stale = true;
		return;
	}
	if (sk->stale || sk->natmin == 0)
		sketch_find_min(sk);
	ci = sk->atmin[--sk->natmin];
	sketch_unindex(sk, ci);
	hh_set(&sk->c[ci], k, sk->min + count, sk->min);
	sketch_index(sk, ci);
}

/* ---- top-N lists ---------------------------------------------------------- */

/* Order of keys with equal counts, for stable output: numbers by value,
 * text bytewise. */
static int key_cmp(const struct item *a, const struct item *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->type == PROF_INT) {
		int64_t x, y;
		memcpy(&x, a->s, 8);
		memcpy(&y, b->s, 8);
		return (x > y) - (x < y);
	}
	if (a->type == PROF_REAL) {
		double x, y;
		memcpy(&x, a->s, 8);
		memcpy(&y, b->s, 8);
		return (x > y) - (x < y);
	}
	int c = memcmp(a->s, b->s, kept_len(a->len < b->len ? a->len : b->len));
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static bool item_before(const struct item *a, const struct item *b)
{
	if (a->count != b->count)
		return a->count > b->count;
	return key_cmp(a, b) < 0;
}

/* Insert it into top[0..*n), kept sorted and at most max long. */
static void top_offer(struct item *top, int *n, int max, const struct item *it)
{
	int i = *n < max ? (*n)++ : max;
	while (i > 0 && item_before(it, &top[i - 1])) {
		if (i < max)
			top[i] = top[i - 1];
		i--;
	}
	if (i < max)
		top[i] = *it;
}

/* ---- counters: exact map, then sketch ------------------------------------ */

static void counter_init(struct counter *c, size_t cap, bool distinct)
{
	memset(c, 0, sizeof *c);
	c->cap = cap;
	c->distinct = distinct;
	c->mask = 15;
	c->slots = xcalloc(c->mask + 1, sizeof *c->slots);
}

static void counter_release(struct counter *c)
{
	free(c->slots);
	free(c->arena);
	free(c->sk);
	hll_free(c->hll);
}

static bool slot_match(const struct counter *c, const struct slot *sl, const struct key *k)
{
	if (sl->hash != k->hash || sl->len != k->len || sl->type != k->type)
		return false;
	size_t n = kept_len(k->len);
	if (n == sizeof(uint64_t)) { /* every number: one load each, not a call */
		uint64_t x, y;
		memcpy(&x, c->arena + sl->off, sizeof x);
		memcpy(&y, k->s, sizeof y);
		return x == y;
	}
	return memcmp(c->arena + sl->off, k->s, n) == 0;
}

static void slot_fill(struct counter *c, struct slot *sl, const struct key *k)
{
	size_t n = kept_len(k->len);
	if (c->arena_len + n > c->arena_cap) {
		c->arena_cap = c->arena_cap ? c->arena_cap * 2 : 1024;
		c->arena = xrealloc(c->arena, c->arena_cap);
	}
	memcpy(c->arena + c->arena_len, k->s, n);
	sl->off = (uint32_t)c->arena_len;
	c->arena_len += n;
	sl->hash = k->hash;
	sl->len = k->len;
	sl->type = k->type;
	sl->count = 1;
}

/* Double the map, keeping it at most 3/4 full. */
static void counter_grow(struct counter *c)
{
	size_t size = (c->mask + 1) * 2;
	struct slot *old = c->slots;
	c->slots = xcalloc(size, sizeof *c->slots);
	for (size_t i = 0; i <= c->mask; i++) {
		if (!old[i].count)
			continue;
		size_t j = old[i].hash & (size - 1);
		while (c->slots[j].count)
			j = (j + 1) & (size - 1);
		c->slots[j] = old[i];
	}
	c->mask = size - 1;
	free(old);
}

static struct item slot_item(const struct counter *c, const struct slot *sl)
{
	return (struct item){ sl->count, sl->hash, c->arena + sl->off, sl->len, sl->type };
}

/* The map is full: seed the sketch with its PROF_SKETCH most frequent keys
 * at their exact counts (the space-saving bounds still hold, as every key
 * left out counted no more than the smallest seed), feed every hash to the
 * HyperLogLog, and free the map. */
static void counter_spill(struct counter *c)
{
	struct item top[PROF_SKETCH];
	int n = 0;

	if (c->distinct)
		c->hll = hll_new();
	for (size_t i = 0; i <= c->mask; i++) {
		if (!c->slots[i].count)
			continue;
		struct item it = slot_item(c, &c->slots[i]);
		top_offer(top, &n, PROF_SKETCH, &it);
		if (c->hll)
			hll_add_hash(c->hll, c->slots[i].hash);
	}
	c->sk = xcalloc(1, sizeof *c->sk);
	for (size_t i = 0; i < SK_INDEX; i++)
		c->sk->index[i].ci = -1;
	for (int i = 0; i < n; i++) {
		struct key k = { top[i].hash, top[i].s, top[i].len, top[i].type };
		sketch_add(c->sk, &k, top[i].count);
	}
	free(c->slots);
	free(c->arena);
	c->slots = NULL;
	c->arena = NULL;
}

static void counter_add(struct counter *c, const struct key *k)
{
	if (!c->slots) {
		if (c->hll)
			hll_add_hash(c->hll, k->hash);
		sketch_add(c->sk, k, 1);
		return;
	}
	size_t i = k->hash & c->mask;
	for (; c->slots[i].count; i = (i + 1) & c->mask) {
		if (slot_match(c, &c->slots[i], k)) {
			c->slots[i].count++;
			return;
		}
	}
	if (c->used == c->cap) {
		counter_spill(c);
		counter_add(c, k);
		return;
	}
	slot_fill(c, &c->slots[i], k);
	if (++c->used * 4 > (c->mask + 1) * 3)
		counter_grow(c);
}

/* A deep copy of src into dst: the same state as if dst had counted the
 * same keys. */
static void counter_copy(struct counter *dst, const struct counter *src)
{
	*dst = *src;
	if (src->slots) {
		dst->slots = xmalloc((src->mask + 1) * sizeof *dst->slots);
		memcpy(dst->slots, src->slots, (src->mask + 1) * sizeof *dst->slots);
	}
	if (src->arena) {
		dst->arena = xmalloc(src->arena_cap);
		memcpy(dst->arena, src->arena, src->arena_len);
	}
	if (src->sk) {
		dst->sk = xmalloc(sizeof *dst->sk);
		*dst->sk = *src->sk;
	}
	if (src->hll) {
		dst->hll = hll_new();
		hll_merge(dst->hll, src->hll);
	}
}

static bool counter_exact(const struct counter *c)
{
	return c->slots != NULL;
}

static uint64_t counter_distinct(const struct counter *c)
{
	return c->slots ? c->used : hll_count(c->hll);
}

/* The max most frequent keys into top; returns how many.  From the sketch
 * the counts are lower bounds, and the order follows them. */
static int counter_top(const struct counter *c, struct item *top, int max)
{
	int n = 0;
	if (c->slots) {
		for (size_t i = 0; i <= c->mask; i++) {
			if (!c->slots[i].count)
				continue;
			struct item it = slot_item(c, &c->slots[i]);
			top_offer(top, &n, max, &it);
		}
		return n;
	}
	for (int i = 0; i < c->sk->n; i++) {
		const struct hh *h = &c->sk->c[i];
		struct item it = { h->count - h->err, h->hash, h->key, h->len, h->type };
		top_offer(top, &n, max, &it);
	}
	return n;
}

/* ---- type classes of text values ------------------------------------------ */

static bool is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10u;
}

static bool is_alpha(unsigned char c)
{
	return (unsigned)((c | 0x20) - 'a') < 26u;
}

/* The run of digits from s[*i], advancing *i; false when there is none. */
static bool skip_digits(const char *s, size_t len, size_t *i)
{
	size_t from = *i;
	while (*i < len && is_digit((unsigned char)s[*i]))
		(*i)++;
	return *i > from;
}

/* [-+]?[0-9]+ already checked; within int64? */
static bool parse_int(const char *s, size_t len, struct num *out)
{
	size_t i = s[0] == '-' || s[0] == '+';
	uint64_t v = 0, limit = s[0] == '-' ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	out->is_int = true;
	out->i = s[0] == '-' ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* The integer and real rules of audit_profile.h; CL_TEXT when neither. */
static enum cls classify_number(const char *s, size_t len, struct num *out)
{
	size_t i = s[0] == '-' || s[0] == '+';
	if (i >= len || !is_digit((unsigned char)s[i]))
		return CL_TEXT;
	if (s[i] == '0' && i + 1 < len && is_digit((unsigned char)s[i + 1]))
		return CL_TEXT; /* a leading zero: a code such as "0042" */
	skip_digits(s, len, &i);
	if (i == len)
		return parse_int(s, len, out) ? CL_INT : CL_TEXT;
	if (s[i] == '.') {
		i++;
		if (!skip_digits(s, len, &i))
			return CL_TEXT;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		if (!skip_digits(s, len, &i))
			return CL_TEXT;
	}
	char buf[64];
	if (i != len || len >= sizeof buf)
		return CL_TEXT;
	memcpy(buf, s, len);
	buf[len] = '\0';
	out->is_int = false;
	out->r = strtod(buf, NULL);
	return CL_REAL;
}

/* Two digits at s as a number, -1 if they are not digits. */
static int two_digits(const char *s)
{
	if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* YYYY-MM-DD at s (len >= 10), a day that exists. */
static bool is_date(const char *s)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int hi = two_digits(s), lo = two_digits(s + 2);
	int month = two_digits(s + 5), day = two_digits(s + 8);
	if (hi < 0 || lo < 0 || s[4] != '-' || s[7] != '-' || month < 1 || month > 12 || day < 1)
		return false;
	int year = hi * 100 + lo;
	bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
	if (month == 2 && !leap)
		return day <= 28;
	return day <= mdays[month - 1];
}

/* Z, +HH, +HH:MM or +HHMM (or with -) filling s[0..len). */
static bool is_zone(const char *s, size_t len)
{
	if (len == 1)
		return s[0] == 'Z' || s[0] == 'z';
	if ((s[0] != '+' && s[0] != '-') || (len != 3 && len != 5 && len != 6))
		return false;
	int hh = two_digits(s + 1), mm = 0;
	if (len == 5)
		mm = two_digits(s + 3);
	else if (len == 6)
		mm = s[3] == ':' ? two_digits(s + 4) : -1;
	return hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59;
}

/* HH:MM[:SS[.fraction]][zone] filling s[0..len); 60 seconds for a leap
 * second. */
static bool is_time(const char *s, size_t len)
{
	if (len < 5 || s[2] != ':')
		return false;
	int hh = two_digits(s), mm = two_digits(s + 3);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
		return false;
	size_t i = 5;
	if (i < len && s[i] == ':') {
		int ss = i + 3 <= len ? two_digits(s + i + 1) : -1;
		if (ss < 0 || ss > 60)
			return false;
		i += 3;
		if (i < len && s[i] == '.') {
			i++;
			if (!skip_digits(s, len, &i))
				return false;
		}
	}
	return i == len || is_zone(s + i, len - i);
}

static enum cls classify_date(const char *s, size_t len)
{
	if (len < 10 || !is_date(s))
		return CL_TEXT;
	if (len == 10)
		return CL_DATE;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return CL_TEXT;
	return is_time(s + 11, len - 11) ? CL_DATETIME : CL_TEXT;
}

/* s[0..len) equals the lowercase word of n letters (or ':' and '/', which
 * | 0x20 leaves alone), in any case. */
static bool eq_nocase(const char *s, size_t len, const char *word, size_t n)
{
	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((s[i] | 0x20) != word[i])
			return false;
	return true;
}

#define EQ_NOCASE(s, len, word) eq_nocase(s, len, word, sizeof(word) - 1)
#define PREFIX_NOCASE(s, len, word) \
	((len) >= sizeof(word) - 1 && eq_nocase(s, sizeof(word) - 1, word, sizeof(word) - 1))

/* http://, https:// or ftp://, a host, and no space or control character. */
static bool is_url(const char *s, size_t len)
{
	size_t i;
	if (PREFIX_NOCASE(s, len, "http://"))
		i = 7;
	else if (PREFIX_NOCASE(s, len, "https://"))
		i = 8;
	else if (PREFIX_NOCASE(s, len, "ftp://"))
		i = 6;
	else
		return false;
	if (i == len || s[i] == '/' || s[i] == '?' || s[i] == '#')
		return false;
	for (; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7F)
			return false;
	return true;
}

static bool is_local_char(unsigned char c)
{
	return is_digit(c) || is_alpha(c) || (c && strchr("!#$%&'*+/=?^_`{|}~.-", c));
}

/* The part before '@': 1-64 allowed characters, dots only between others. */
static bool is_local_part(const char *s, size_t len)
{
	if (len == 0 || len > 64 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_local_char((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] == '.'))
			return false;
	return true;
}

/* Dot-separated labels of letters, digits and inner hyphens; at least two,
 * the last all letters and two or more long. */
static bool is_domain(const char *s, size_t len)
{
	size_t start = 0, labels = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			unsigned char c = (unsigned char)s[i];
			if (!is_alpha(c) && !is_digit(c) && c != '-')
				return false;
			continue;
		}
		size_t n = i - start;
		if (n == 0 || n > 63 || s[start] == '-' || s[i - 1] == '-')
			return false;
		labels++;
		if (i < len)
			start = i + 1;
	}
	if (labels < 2 || len - start < 2)
		return false;
	for (size_t i = start; i < len; i++)
		if (!is_alpha((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_email(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	if (!at || len > 254)
		return false;
	size_t local = (size_t)(at - s);
	return is_local_part(s, local) && is_domain(at + 1, len - local - 1);
}

/* The class of a non-blank text value; out gets the number of an integer
 * or real. */
static enum cls classify(const char *s, size_t len, struct num *out)
{
	unsigned char c = (unsigned char)s[0];
	if (is_digit(c) || c == '-' || c == '+') {
		enum cls cl = classify_number(s, len, out);
		if (cl == CL_TEXT && is_digit(c))
			cl = classify_date(s, len);
		if (cl != CL_TEXT)
			return cl;
	}
	if (EQ_NOCASE(s, len, "true") || EQ_NOCASE(s, len, "false"))
		return CL_BOOL;
	if (is_url(s, len))
		return CL_URL;
	if (is_email(s, len))
		return CL_EMAIL;
	return CL_TEXT;
}

/* ---- text forms ---------------------------------------------------------- */

static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Arithmetic rather than branches: in codes like "k3f9a" letters and digits
 * alternate at random, and mispredicted branches cost more than this. */
static char shape_ascii(unsigned char c)
{
	int d = is_digit(c), a = is_alpha(c);
	return (char)(c + d * ('9' - c) + a * ('A' - c));
}

/* Length, blankness and shape in one pass.  An invalid byte counts as one
 * character: there is no code point to count, and counting it keeps the
 * length honest about the bytes that are there. */
static void scan_text(const char *str, size_t len, struct scan *sc)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n = 0;
	bool blank = true;

	while (i < len) {
		size_t step = 1;
		char ch;
		if (s[i] < 0x80) {
			ch = shape_ascii(s[i]);
			blank = blank && is_space(s[i]);
		} else {
			step = utf8_seq_len(s + i, len - i);
			ch = step ? 'A' : SHAPE_BAD; /* no Unicode tables: non-ASCII is a letter */
			step += !step;
			blank = false;
		}
		if (n < PROF_SHAPE_MAX)
			sc->shape[n] = ch;
		n++;
		i += step;
	}
	sc->cps = n;
	sc->blank = blank;
	sc->nshape = (uint8_t)(n > PROF_SHAPE_MAX ? PROF_SHAPE_MAX + 1 : n);
	if (n > PROF_SHAPE_MAX)
		sc->shape[PROF_SHAPE_MAX] = SHAPE_CUT;
}

static size_t fmt_int(char *buf, int64_t v)
{
	char tmp[20];
	size_t n = 0, o = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[o++] = '-';
	while (n)
		buf[o++] = tmp[--n];
	return o;
}

/* As SQLite prints a REAL: %.15g, and ".0" when that looks like an integer
 * (whole numbers take the fast integer path). */
static size_t fmt_real(char *buf, size_t size, double r)
{
	size_t n;
	if (r == floor(r) && fabs(r) < 1e15) {
		n = fmt_int(buf, (int64_t)r);
	} else {
		n = (size_t)snprintf(buf, size, "%.15g", r);
		if (strpbrk(buf, ".eEin"))
			return n;
	}
	memcpy(buf + n, ".0", 3);
	return n + 2;
}

/* ---- columns -------------------------------------------------------------- */

static void column_init(struct column *c, const char *name)
{
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name ? name : "");
	counter_init(&c->values, PROF_EXACT_MAX, true);
	counter_init(&c->shapes, PROF_SHAPES_EXACT, false);
}

static void column_release(struct column *c)
{
	free(c->name);
	counter_release(&c->values);
	counter_release(&c->shapes);
}

static double num_value(const struct num *n)
{
	return n->is_int ? (double)n->i : n->r;
}

static int num_cmp(const struct num *a, const struct num *b)
{
	if (a->is_int && b->is_int)
		return (a->i > b->i) - (a->i < b->i);
	double x = num_value(a), y = num_value(b);
	return (x > y) - (x < y);
}

/* Welford's update: stable where sum and sum of squares would cancel. */
static void note_number(struct column *c, const struct num *n)
{
	double x = num_value(n);
	if (!isfinite(x))
		return; /* an infinity would turn mean and stddev into NaN */
	c->nnum++;
	double d = x - c->mean;
	c->mean += d / (double)c->nnum;
	c->m2 += d * (x - c->mean);
	if (c->nnum == 1 || num_cmp(n, &c->lo) < 0)
		c->lo = *n;
	if (c->nnum == 1 || num_cmp(n, &c->hi) > 0)
		c->hi = *n;
}

/* Compare v with the value whose first bytes b keeps, as memcmp would on
 * the whole values; 0 also when the kept prefix cannot tell, and then both
 * share that prefix, which is all that is shown. */
static int bound_cmp(const char *v, size_t vlen, const struct bound *b)
{
	int c = memcmp(v, b->s, vlen < b->len ? vlen : b->len);
	if (c)
		return c;
	if (vlen < b->len)
		return -1;
	if (vlen == b->len)
		return b->cut ? -1 : 0;
	return b->cut ? 0 : 1;
}

static void bound_set(struct bound *b, const char *v, size_t vlen)
{
	b->set = true;
	b->cut = vlen > PROF_KEEP;
	b->len = (uint32_t)kept_len(vlen);
	memcpy(b->s, v, b->len);
}

static void note_length(struct column *c, size_t cps)
{
	if (!c->has_len || cps < c->min_len)
		c->min_len = cps;
	if (!c->has_len || cps > c->max_len)
		c->max_len = cps;
	c->has_len = true;
}

/* What every non-blank text form feeds: text min/max and the shape, whose
 * hash is shash; returned. */
static uint64_t note_text(struct column *c, const char *s, size_t len, const struct scan *sc,
			  uint64_t shash)
{
	if (!c->tmin.set || bound_cmp(s, len, &c->tmin) < 0)
		bound_set(&c->tmin, s, len);
	if (!c->tmax.set || bound_cmp(s, len, &c->tmax) > 0)
		bound_set(&c->tmax, s, len);
	struct key k = { shash, sc->shape, sc->nshape, PROF_TEXT };
	counter_add(&c->shapes, &k);
	return k.hash;
}

/* scan_text of an integer's text form (digits after an optional '-',
 * never longer than a shape) without a pass over the bytes; its shape's
 * hash depends only on the sign and the digit count, and the column keeps
 * those it has met.  Returns that hash. */
static uint64_t scan_int(struct column *c, const char *buf, size_t len, struct scan *sc)
{
	bool neg = buf[0] == '-';
	sc->cps = len;
	sc->blank = false;
	sc->nshape = (uint8_t)len;
	sc->shape[0] = neg ? '-' : '9';
	memset(sc->shape + 1, '9', len - 1);
	uint64_t *h = &c->int_shapes[neg][len - neg];
	if (!*h)
		*h = hll_hash(sc->shape, len);
	return *h;
}

/* Remember a value (bytes, or a number's 8) and what it gave. */
static void remember(struct column *c, uint8_t type, const void *v, size_t len,
		     const struct key *vk, const struct scan *sc, uint64_t shash)
{
	struct repeat *r = &c->last;
	r->valid = len <= REPEAT_MAX;
	if (!r->valid)
		return;
	r->type = type;
	r->len = (uint32_t)len;
	memcpy(r->v, v, len);
	r->vhash = vk->hash;
	r->blank = sc->blank;
	r->nshape = sc->nshape;
	memcpy(r->shape, sc->shape, sc->nshape);
	r->shash = shash;
}

/* The same value as the last one of the column: the effects of
 * column_add_text or column_add_number that depend on more than the
 * value's identity (counts, mean and deviation), from what it gave. */
static bool repeat_add(struct column *c, const struct prof_value *v)
{
	const struct repeat *r = &c->last;
	uint64_t bits = 0;
	if (!r->valid || r->type != v->type)
		return false;
	if (v->type == PROF_TEXT) {
		size_t len = v->s ? v->len : 0;
		if (len != r->len || (len && memcmp(v->s, r->v, len) != 0))
			return false;
	} else {
		double z = v->r == 0 ? 0.0 : v->r; /* as column_add normalises */
		memcpy(&bits, v->type == PROF_INT ? (const void *)&v->i : (const void *)&z, 8);
		if (memcmp(&bits, r->v, 8) != 0)
			return false;
	}
	struct key vk = { r->vhash, r->v, r->len, r->type };
	counter_add(&c->values, &vk);
	if (r->blank) {
		c->blanks++;
		return true;
	}
	c->cls[r->cl]++;
	if (r->numeric)
		note_number(c, &r->n);
	struct key sk = { r->shash, r->shape, r->nshape, PROF_TEXT };
	counter_add(&c->shapes, &sk);
	return true;
}

static void column_add_text(struct column *c, const char *s, size_t len)
{
	struct scan sc;
	if (!s) {
		s = "";
		len = 0;
	}
	scan_text(s, len, &sc);
	note_length(c, sc.cps);
	struct key k = { hll_hash(s, len), s, clamp32(len), PROF_TEXT };
	counter_add(&c->values, &k);
	if (sc.blank) {
		c->blanks++;
		remember(c, PROF_TEXT, s, len, &k, &sc, 0);
		return;
	}
	struct num n;
	enum cls cl = classify(s, len, &n);
	c->cls[cl]++;
	if (cl == CL_INT || cl == CL_REAL)
		note_number(c, &n);
	remember(c, PROF_TEXT, s, len, &k, &sc,
		 note_text(c, s, len, &sc, hll_hash(sc.shape, sc.nshape)));
	c->last.cl = cl;
	c->last.numeric = cl == CL_INT || cl == CL_REAL;
	c->last.n = n;
}

/* A number: its class comes from the storage, its text form is printed. */
static void column_add_number(struct column *c, const struct num *n, enum prof_type type)
{
	char buf[40];
	uint64_t bits;
	size_t len;
	struct scan sc;

	uint64_t shash;
	if (type == PROF_INT) {
		len = fmt_int(buf, n->i);
		memcpy(&bits, &n->i, 8);
		shash = scan_int(c, buf, len, &sc);
	} else {
		len = fmt_real(buf, sizeof buf, n->r);
		memcpy(&bits, &n->r, 8);
		scan_text(buf, len, &sc);
		shash = hll_hash(sc.shape, sc.nshape);
	}
	struct key k = { hll_hash(&bits, 8) ^ (type == PROF_INT ? SALT_INT : SALT_REAL),
			 (const char *)&bits, 8, (uint8_t)type };
	counter_add(&c->values, &k);
	c->cls[type == PROF_INT ? CL_INT : CL_REAL]++;
	note_number(c, n);
	note_length(c, sc.cps);
	remember(c, (uint8_t)type, &bits, 8, &k, &sc, note_text(c, buf, len, &sc, shash));
	c->last.cl = type == PROF_INT ? CL_INT : CL_REAL;
	c->last.numeric = true;
	c->last.n = *n;
}

static void column_add(struct column *c, const struct prof_value *v)
{
	c->records++;
	if (v->type != PROF_NULL && repeat_add(c, v))
		return;
	switch (v->type) {
	case PROF_INT:
		column_add_number(c, &(struct num){ .is_int = true, .i = v->i }, PROF_INT);
		return;
	case PROF_REAL:
		/* SQLite stores NaN as NULL; -0.0 is the same value as 0.0. */
		if (isnan(v->r))
			break;
		column_add_number(c, &(struct num){ .r = v->r == 0 ? 0.0 : v->r }, PROF_REAL);
		return;
	case PROF_TEXT:
		column_add_text(c, v->s, v->len);
		return;
	case PROF_NULL:
		break;
	}
	c->nulls++;
}

/* ---- results -------------------------------------------------------------- */

/* Set key, taking a JSON null for a value jansson refused (a non-finite
 * real). */
static void set(json_t *obj, const char *key, json_t *v)
{
	json_object_set_new(obj, key, v ? v : json_null());
}

static json_t *key_json(const char *s, uint32_t len, uint8_t type)
{
	if (type == PROF_INT) {
		int64_t v;
		memcpy(&v, s, 8);
		return json_integer(v);
	}
	if (type == PROF_REAL) {
		double r;
		memcpy(&r, s, 8);
		return json_real(r);
	}
	return json_text(s, kept_len(len), len > PROF_KEEP);
}

/* A shape as shown: bad bytes as U+FFFD, a cut as "...".  buf holds at
 * least PROF_SHAPE_MAX * 3 + 4 bytes. */
static size_t shape_render(const char *s, size_t n, char *buf)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == SHAPE_BAD || s[i] == SHAPE_CUT) {
			memcpy(buf + o, s[i] == SHAPE_BAD ? UTF8_REPLACEMENT : UTF8_ELLIPSIS, 3);
			o += 3;
		} else {
			buf[o++] = s[i];
		}
	}
	buf[o] = '\0';
	return o;
}

static json_t *shape_json(const char *s, size_t n)
{
	char buf[PROF_SHAPE_BUF];
	return json_stringn(buf, shape_render(s, n, buf));
}

size_t profile_shape(const char *s, size_t len, char *out, size_t outsize)
{
	struct scan sc;
	char buf[PROF_SHAPE_BUF];
	scan_text(s ? s : "", s ? len : 0, &sc);
	size_t n = shape_render(sc.shape, sc.nshape, buf);
	if (outsize)
		snprintf(out, outsize, "%s", buf);
	return n;
}

size_t profile_text_form(const struct prof_value *v, char *buf, size_t size)
{
	char tmp[40];
	size_t n = 0;
	if (v->type == PROF_INT)
		n = fmt_int(tmp, v->i);
	else if (v->type == PROF_REAL)
		n = fmt_real(tmp, sizeof tmp, v->r == 0 ? 0.0 : v->r);
	tmp[n] = '\0';
	if (size)
		snprintf(buf, size, "%s", tmp);
	return n;
}

static json_t *share(uint64_t part, uint64_t whole)
{
	return whole ? json_real((double)part / (double)whole) : json_null();
}

/* The class that names the column: first to cover PROF_TYPE_PERCENT; integers
 * count as reals and dates as datetimes.  NULL for "mixed"; *covered gets
 * the count behind the answer. */
static const char *column_type(const struct column *c, uint64_t total, uint64_t *covered)
{
	uint64_t best = 0;
	for (int t = 0; t < CL_COUNT; t++) {
		uint64_t n = c->cls[t];
		if (t == CL_REAL)
			n += c->cls[CL_INT];
		else if (t == CL_DATETIME)
			n += c->cls[CL_DATE];
		if (n * 100 >= total * PROF_TYPE_PERCENT) {
			*covered = n;
			return cls_names[t];
		}
		best = n > best ? n : best;
	}
	*covered = best;
	return NULL;
}

static json_t *num_json(const struct num *n, bool as_int)
{
	return as_int && n->is_int ? json_integer(n->i) : json_real(num_value(n));
}

static json_t *bound_json(const struct bound *b)
{
	return b->set ? json_text(b->s, b->len, b->cut) : json_null();
}

/* type, type_share, min, max, mean, stddev. */
static void add_type_and_range(json_t *o, const struct column *c)
{
	uint64_t total = 0, covered = 0;
	for (int t = 0; t < CL_COUNT; t++)
		total += c->cls[t];
	const char *type = total ? column_type(c, total, &covered) : "empty";
	bool is_int = type && !strcmp(type, "integer");
	bool numeric = is_int || (type && !strcmp(type, "real"));

	set(o, "type", json_string(type ? type : "mixed"));
	set(o, "type_share", share(covered, total));
	if (numeric && c->nnum) {
		set(o, "min", num_json(&c->lo, is_int));
		set(o, "max", num_json(&c->hi, is_int));
		set(o, "mean", json_real(c->mean));
		set(o, "stddev", c->nnum > 1 ? json_real(sqrt(c->m2 / (double)(c->nnum - 1))) : NULL);
	} else {
		set(o, "min", numeric ? NULL : bound_json(&c->tmin));
		set(o, "max", numeric ? NULL : bound_json(&c->tmax));
		set(o, "mean", NULL);
		set(o, "stddev", NULL);
	}
}

static void add_top(json_t *o, const struct column *c)
{
	struct item top[PROF_TOP];
	int n = counter_top(&c->values, top, PROF_TOP);
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		json_t *e = json_object();
		set(e, "value", key_json(top[i].s, top[i].len, top[i].type));
		set(e, "count", json_integer((json_int_t)top[i].count));
		json_array_append_new(arr, e);
	}
	set(o, "top", arr);
	set(o, "top_exact", json_boolean(counter_exact(&c->values)));
}

static void add_patterns(json_t *o, const struct column *c, uint64_t shaped)
{
	struct item top[PROF_TOP_PATTERNS];
	int n = counter_top(&c->shapes, top, PROF_TOP_PATTERNS);
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		json_t *e = json_object();
		set(e, "pattern", shape_json(top[i].s, top[i].len));
		set(e, "count", json_integer((json_int_t)top[i].count));
		json_array_append_new(arr, e);
	}
	set(o, "pattern", n ? shape_json(top[0].s, top[0].len) : NULL);
	set(o, "pattern_share", n ? share(top[0].count, shaped) : NULL);
	set(o, "patterns", arr);
	set(o, "patterns_exact", json_boolean(counter_exact(&c->shapes)));
}

static json_t *column_json(const struct column *c)
{
	json_t *o = json_object();
	uint64_t nonblank = c->records - c->nulls - c->blanks;

	set(o, "name", json_text(c->name, strlen(c->name), false));
	set(o, "records", json_integer((json_int_t)c->records));
	set(o, "nulls", json_integer((json_int_t)c->nulls));
	set(o, "blanks", json_integer((json_int_t)c->blanks));
	set(o, "distinct", json_integer((json_int_t)counter_distinct(&c->values)));
	set(o, "distinct_exact", json_boolean(counter_exact(&c->values)));
	add_type_and_range(o, c);
	set(o, "min_len", c->has_len ? json_integer((json_int_t)c->min_len) : NULL);
	set(o, "max_len", c->has_len ? json_integer((json_int_t)c->max_len) : NULL);
	add_top(o, c);
	add_patterns(o, c, nonblank);
	return o;
}

/* ---- the profiler --------------------------------------------------------- */

struct profiler *profiler_new(int ncols, const char *const *names)
{
	struct profiler *p = xcalloc(1, sizeof *p);
	p->ncols = ncols > 0 ? ncols : 0;
	p->cols = xcalloc((size_t)p->ncols, sizeof *p->cols);
	for (int i = 0; i < p->ncols; i++)
		column_init(&p->cols[i], names ? names[i] : NULL);
	return p;
}

struct profiler *profiler_clone(const struct profiler *p)
{
	struct profiler *q = xcalloc(1, sizeof *q);
	q->ncols = p->ncols;
	q->cols = xcalloc((size_t)q->ncols, sizeof *q->cols);
	for (int i = 0; i < q->ncols; i++) {
		q->cols[i] = p->cols[i];
		q->cols[i].name = xstrdup(p->cols[i].name);
		counter_copy(&q->cols[i].values, &p->cols[i].values);
		counter_copy(&q->cols[i].shapes, &p->cols[i].shapes);
	}
	return q;
}

void profiler_add_row(struct profiler *p, const struct prof_value *vals)
{
	for (int i = 0; i < p->ncols; i++)
		column_add(&p->cols[i], &vals[i]);
}

json_t *profiler_result(const struct profiler *p)
{
	json_t *arr = json_array();
	for (int i = 0; i < p->ncols; i++)
		json_array_append_new(arr, column_json(&p->cols[i]));
	return arr;
}

void profiler_free(struct profiler *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->ncols; i++)
		column_release(&p->cols[i]);
	free(p->cols);
	free(p);
}
