/* json_pos.c - a position index over JSON text.
 *
 * One pass records a node per value, in document order, with its parent and
 * (for object members) its decoded name.  A second step groups each
 * container's children: array elements stay in order, object members are
 * sorted by name for binary search.  The scanner is a loop over an explicit
 * stack, so nesting depth costs heap, never C stack. */
#include "json_pos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"

#define NO_KEY SIZE_MAX

struct pnode {
	int line, col;      /* where the value starts */
	int kline, kcol;    /* where its member name starts, if any */
	int parent;         /* -1 for the root */
	size_t key;         /* offset of the decoded name in keys, or NO_KEY */
	size_t kid0, nkids; /* children: kids[kid0 .. kid0 + nkids) */
	bool object;
};

struct kid {
	const char *key;
	int node;
};

struct json_pos {
	struct pnode *v;
	size_t n, cap;
	char *keys; /* decoded member names, each NUL-terminated */
	size_t klen, kcap;
	struct kid *kids;
};

/* What the scanner expects next. */
enum want { W_VALUE, W_VALUE_OR_END, W_KEY, W_KEY_OR_END, W_COLON, W_COMMA_OR_END, W_DONE };

struct scan {
	const unsigned char *s;
	size_t len, i;
	int line, col; /* of the last byte consumed */
	struct json_pos *p;
	int *stack;    /* open containers */
	size_t depth, scap;
	size_t key;    /* name of the member whose value comes next */
	int kline, kcol;
	enum want want;
};

/* Consume one byte, keeping line and character column. */
static void advance(struct scan *sc)
{
	unsigned char b = sc->s[sc->i++];
	if (b == '\n') {
		sc->line++;
		sc->col = 0;
	} else if ((b & 0xC0) != 0x80) {
		sc->col++;
	}
}

static void keys_put(struct json_pos *p, const char *b, size_t n)
{
	if (p->klen + n > p->kcap) {
		p->kcap = (p->klen + n) * 2 + 64;
		p->keys = xrealloc(p->keys, p->kcap);
	}
	memcpy(p->keys + p->klen, b, n);
	p->klen += n;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 4 hex digits at s[i..], or -1. */
static long hex4(const struct scan *sc, size_t i)
{
	long v = 0;
	if (i > sc->len || sc->len - i < 4)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		int h = hexval(sc->s[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Decode a \uXXXX escape (and its low surrogate) at s[i] == 'u'; returns the
 * bytes it spans after the backslash, 1 when malformed. */
static size_t decode_u(struct scan *sc, size_t i, bool keep)
{
	long cp = hex4(sc, i + 1);
	size_t used = 5;
	char out[4];
	if (cp < 0) {
		if (keep)
			keys_put(sc->p, "u", 1);
		return 1;
	}
	if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < sc->len && sc->s[i + 5] == '\\' &&
	    sc->s[i + 6] == 'u') {
		long lo = hex4(sc, i + 7);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			used = 11;
		}
	}
	if (keep)
		keys_put(sc->p, out, utf8_encode((unsigned)cp, out));
	return used;
}

/* One escape after a backslash at s[i - 1]; returns the bytes it spans. */
static size_t decode_escape(struct scan *sc, size_t i, bool keep)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned char c = sc->s[i];
	const char *hit = c ? strchr(from, c) : NULL;
	if (c == 'u')
		return decode_u(sc, i, keep);
	if (keep) {
		char out = hit ? to[hit - from] : (char)c;
		keys_put(sc->p, &out, 1);
	}
	return 1;
}

/* Skip a string whose opening quote is at s[i]; with keep, append its
 * decoded text and a NUL to the key pool.  false when unterminated. */
static bool scan_string(struct scan *sc, bool keep)
{
	advance(sc);
	while (sc->i < sc->len) {
		unsigned char c = sc->s[sc->i];
		if (c == '"') {
			advance(sc);
			if (keep)
				keys_put(sc->p, "", 1);
			return true;
		}
		if (c == '\\' && sc->i + 1 < sc->len) {
			advance(sc);
			size_t n = decode_escape(sc, sc->i, keep);
			for (size_t k = 0; k < n && sc->i < sc->len; k++)
				advance(sc);
			continue;
		}
		if (keep)
			keys_put(sc->p, (const char *)&c, 1);
		advance(sc);
	}
	return false;
}

/* A new node for the value starting at the current byte. */
static int add_node(struct scan *sc, bool object)
{
	struct json_pos *p = sc->p;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	struct pnode *nd = &p->v[p->n];
	*nd = (struct pnode){ .line = sc->line, .col = sc->col + 1, .kline = sc->kline,
			      .kcol = sc->kcol, .key = sc->key, .object = object,
			      .parent = sc->depth ? sc->stack[sc->depth - 1] : -1 };
	if (nd->key == NO_KEY) {
		nd->kline = nd->line;
		nd->kcol = nd->col;
	}
	sc->key = NO_KEY;
	return (int)p->n++;
}

static void push(struct scan *sc, int node)
{
	if (sc->depth == sc->scap) {
		sc->scap = sc->scap ? sc->scap * 2 : 16;
		sc->stack = xrealloc(sc->stack, sc->scap * sizeof *sc->stack);
	}
	sc->stack[sc->depth++] = node;
}

static bool top_is_object(const struct scan *sc)
{
	return sc->depth && sc->p->v[sc->stack[sc->depth - 1]].object;
}

/* After a complete value: the next separator, or the end of the text. */
static void value_done(struct scan *sc)
{
	sc->want = sc->depth ? W_COMMA_OR_END : W_DONE;
}

/* Numbers, true, false, null: the scanner only needs their extent. */
static bool is_atom_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '+' || c == '.';
}

/* A value starting at the current byte; false on a byte no value starts with. */
static bool scan_value(struct scan *sc)
{
	unsigned char c = sc->s[sc->i];
	if (c == '{' || c == '[') {
		push(sc, add_node(sc, c == '{'));
		advance(sc);
		sc->want = c == '{' ? W_KEY_OR_END : W_VALUE_OR_END;
		return true;
	}
	if (c == '"') {
		add_node(sc, false);
		if (!scan_string(sc, false))
			return false;
	} else if (is_atom_byte(c)) {
		add_node(sc, false);
		while (sc->i < sc->len && is_atom_byte(sc->s[sc->i]))
			advance(sc);
	} else {
		return false;
	}
	value_done(sc);
	return true;
}

/* A member name; false when the text breaks off inside it. */
static bool scan_key(struct scan *sc)
{
	sc->kline = sc->line;
	sc->kcol = sc->col + 1;
	sc->key = sc->p->klen;
	if (!scan_string(sc, true))
		return false;
	sc->want = W_COLON;
	return true;
}

/* Close the innermost container if c closes it. */
static bool scan_close(struct scan *sc, unsigned char c)
{
	if (c != (top_is_object(sc) ? '}' : ']'))
		return false;
	sc->depth--;
	advance(sc);
	value_done(sc);
	return true;
}

/* One token in the current state; false ends the scan (malformed text). */
static bool scan_token(struct scan *sc, unsigned char c)
{
	switch (sc->want) {
	case W_VALUE_OR_END:
		if (c == ']')
			return scan_close(sc, c);
		/* fall through */
	case W_VALUE:
		return scan_value(sc);
	case W_KEY_OR_END:
		if (c == '}')
			return scan_close(sc, c);
		/* fall through */
	case W_KEY:
		return c == '"' && scan_key(sc);
	case W_COLON:
		if (c != ':')
			return false;
		advance(sc);
		sc->want = W_VALUE;
		return true;
	case W_COMMA_OR_END:
		if (c != ',')
			return scan_close(sc, c);
		advance(sc);
		sc->want = top_is_object(sc) ? W_KEY : W_VALUE;
		return true;
	case W_DONE:
		break;
	}
	return false;
}

static int kid_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kid *)a)->key, ((const struct kid *)b)->key);
}

/* Group each container's children; sort object members by name. */
static void build_kids(struct json_pos *p)
{
	size_t *fill = xcalloc(p->n + 1, sizeof *fill);
	p->kids = xmalloc((p->n ? p->n : 1) * sizeof *p->kids);
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].parent >= 0)
			p->v[p->v[i].parent].nkids++;
	size_t at = 0;
	for (size_t i = 0; i < p->n; i++) {
		p->v[i].kid0 = at;
		at += p->v[i].nkids;
	}
	for (size_t i = 0; i < p->n; i++) {
		int par = p->v[i].parent;
		if (par < 0)
			continue;
		struct kid *k = &p->kids[p->v[par].kid0 + fill[par]++];
		k->node = (int)i;
		k->key = p->v[i].key == NO_KEY ? "" : p->keys + p->v[i].key;
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].object && p->v[i].nkids > 1)
			qsort(p->kids + p->v[i].kid0, p->v[i].nkids, sizeof *p->kids, kid_cmp);
	free(fill);
}

struct json_pos *json_pos_scan(const char *text, size_t len)
{
	struct json_pos *p = xcalloc(1, sizeof *p);
	struct scan sc = { .s = (const unsigned char *)text, .len = text ? len : 0, .line = 1,
			   .p = p, .key = NO_KEY, .want = W_VALUE };
	/* Node ids are ints: a text that large is not a rule file. */
	if (sc.len > INT32_MAX / 2)
		sc.len = 0;
	while (sc.want != W_DONE) {
		while (sc.i < sc.len && sc.s[sc.i] && strchr(" \t\r\n", sc.s[sc.i]))
			advance(&sc);
		if (sc.i >= sc.len || !scan_token(&sc, sc.s[sc.i]))
			break;
	}
	free(sc.stack);
	/* A partial key left by a break-off needs no terminator: it names no node. */
	keys_put(p, "", 1);
	build_kids(p);
	return p;
}

void json_pos_free(struct json_pos *p)
{
	if (!p)
		return;
	free(p->v);
	free(p->keys);
	free(p->kids);
	free(p);
}

int json_pos_root(const struct json_pos *p)
{
	return p->n ? 0 : -1;
}

int json_pos_member(const struct json_pos *p, int node, const char *key)
{
	if (node < 0 || (size_t)node >= p->n || !p->v[node].object)
		return -1;
	struct kid want = { .key = key };
	const struct kid *k = bsearch(&want, p->kids + p->v[node].kid0, p->v[node].nkids,
				      sizeof *p->kids, kid_cmp);
	return k ? k->node : -1;
}

int json_pos_element(const struct json_pos *p, int node, size_t i)
{
	if (node < 0 || (size_t)node >= p->n || p->v[node].object || i >= p->v[node].nkids)
		return -1;
	return p->kids[p->v[node].kid0 + i].node;
}

/* An array index as RFC 6901 writes it: digits, no leading zero. */
static bool parse_index(const char *s, size_t n, size_t *out)
{
	size_t v = 0;
	if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* One pointer segment (s[0..n), still escaped) below node. */
static int lookup_segment(const struct json_pos *p, int node, const char *s, size_t n)
{
	if (node < 0)
		return -1;
	if (!p->v[node].object) {
		size_t i;
		return parse_index(s, n, &i) ? json_pos_element(p, node, i) : -1;
	}
	char *key = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1'))
			key[k++] = s[++i] == '0' ? '~' : '/';
		else
			key[k++] = s[i];
	}
	key[k] = '\0';
	int found = json_pos_member(p, node, key);
	free(key);
	return found;
}

int json_pos_lookup(const struct json_pos *p, const char *pointer)
{
	int node = json_pos_root(p);
	if (*pointer && *pointer != '/')
		return -1;
	while (*pointer && node >= 0) {
		const char *seg = pointer + 1;
		size_t n = strcspn(seg, "/");
		node = lookup_segment(p, node, seg, n);
		pointer = seg + n;
	}
	return node;
}

bool json_pos_where(const struct json_pos *p, int node, bool key, int *line, int *col)
{
	if (node < 0 || (size_t)node >= p->n) {
		*line = *col = 0;
		return false;
	}
	*line = key ? p->v[node].kline : p->v[node].line;
	*col = key ? p->v[node].kcol : p->v[node].col;
	return true;
}
