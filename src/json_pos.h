/* json_pos.h - where each value of a JSON text starts.
 *
 * jansson keeps no positions for values, yet a useful diagnostic names the
 * line and column of the offending value or key.  json_pos scans the text
 * once, independently of jansson, and indexes every value by its place in
 * the tree: callers walk it alongside the json_t they parsed, or look a
 * value up by a JSON pointer ("/then/0/enqueue/kind").
 *
 * Lines and columns are 1-based; a column counts characters (UTF-8 lead
 * bytes), as jansson's own error columns do.  The scanner accepts any bytes:
 * on malformed text it indexes what it read before the first error.  libc
 * and xalloc only. */
#ifndef ORR_JSON_POS_H
#define ORR_JSON_POS_H

#include <stdbool.h>
#include <stddef.h>

struct json_pos;

/* Index text[0..len).  Never NULL; free with json_pos_free. */
struct json_pos *json_pos_scan(const char *text, size_t len);
void json_pos_free(struct json_pos *p);

/* Nodes are small integers; -1 means "no such value" and is accepted
 * everywhere, so lookups chain without checks. */
int json_pos_root(const struct json_pos *p);
/* The value of member key of object node, or -1. */
int json_pos_member(const struct json_pos *p, int node, const char *key);
/* Element i of array node, or -1. */
int json_pos_element(const struct json_pos *p, int node, size_t i);
/* The value at an RFC 6901 pointer ("" is the root; ~0 is ~, ~1 is /), or -1. */
int json_pos_lookup(const struct json_pos *p, const char *pointer);

/* Where node's value starts; with key, where its member name starts (the
 * value's position for array elements and the root).  false, and 0:0, for
 * node -1. */
bool json_pos_where(const struct json_pos *p, int node, bool key, int *line, int *col);

#endif
