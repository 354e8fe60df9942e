/* parse.h - strict parsers for the values store exports carry.  Each returns
 * PARSE_OK, PARSE_EMPTY (blank after trimming: the caller decides whether a
 * blank is allowed) or PARSE_BAD, and on PARSE_BAD leaves *why pointing at a
 * static explanation. */
#ifndef ORR_PARSE_H
#define ORR_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum parse_result { PARSE_OK, PARSE_EMPTY, PARSE_BAD };

/* UTC timestamp as stored: "2010-12-06T10:08:00Z" plus NUL. */
#define PARSE_TIME_LEN 21

/* An integer; "40.0" (a pandas re-save of 40) is accepted, "40.5" is not. */
enum parse_result parse_int(const char *s, int64_t *out, const char **why);

/* A decimal amount in minor units of a currency with `exponent` decimals:
 * "58.90" with exponent 2 -> 5890.  More decimals than the currency has are
 * refused unless they are zeros. */
enum parse_result parse_money(const char *s, int exponent, int64_t *out, const char **why);

/* A timestamp in one of the forms real exports use, normalised to UTC:
 * "2017-10-02 10:56:33", "2019-10-01 00:00:00 UTC", "2018-01-18T21:46:59Z",
 * "+02:00" offsets, "2017-10-02" (midnight), and the US forms Online Retail
 * mixes: "12/06/2010 10:08" and "2/20/11 11:39".  Times without a zone are
 * taken as UTC. */
enum parse_result parse_time(const char *s, char out[PARSE_TIME_LEN], const char **why);

/* Decimal text of v, as "%lld" writes it, without printf's cost on hot
 * paths; returns the length.  PARSE_INT_LEN holds INT64_MIN and the NUL. */
#define PARSE_INT_LEN 21
size_t parse_int_text(int64_t v, char out[PARSE_INT_LEN]);

/* true/false, yes/no, 1/0 in any case. */
enum parse_result parse_bool(const char *s, bool *out, const char **why);

/* Decimal exponent of an ISO 4217 code ("GBP" -> 2, "JPY" -> 0), or -1 if
 * the code is not one Orrery knows. */
int currency_exponent(const char *code);

/* True when s is blank: empty or only ASCII whitespace. */
bool parse_blank(const char *s);

#endif
