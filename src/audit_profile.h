/* audit_profile.h - the column profiler of the data audit: feed it rows of
 * typed values, get back one JSON object per column describing what the
 * column holds (counts, distinct values, range, inferred type, shapes).
 * No SQL, no I/O; memory per column is bounded whatever the row count.
 *
 * Each column object (keys in this order):
 *   name            the column name given to profiler_new
 *   records         rows seen
 *   nulls           PROF_NULL values
 *   blanks          text values that are empty or only ASCII whitespace
 *   distinct        distinct non-null values (blanks included); exact while
 *                   there are at most PROF_EXACT_MAX, then a HyperLogLog
 *                   estimate (~0.8 % error)
 *   distinct_exact  false once the estimate took over
 *   type            inferred type, see below
 *   type_share      share of the non-null, non-blank values covered by
 *                   type (the largest share for "mixed"; null for "empty")
 *   min, max        numbers when type is "integer" or "real" (over the
 *                   numeric values); otherwise strings compared bytewise
 *                   (memcmp, as SQLite's BINARY collation) over the text
 *                   forms of the non-blank values; null when there are none
 *   mean, stddev    numeric columns only (Welford); stddev is the sample
 *                   deviation (n - 1) and null below two values; infinite
 *                   reals are left out of min, max, mean and stddev
 *   min_len,        lengths in UTF-8 code points of the text forms of the
 *   max_len         non-null values; an invalid byte counts as one
 *   top             [{"value", "count"}], the PROF_TOP most frequent
 *                   non-null values, most frequent first (ties by value)
 *   top_exact       false once distinct is an estimate: the list then comes
 *                   from a space-saving sketch of PROF_SKETCH counters and
 *                   each count is a guaranteed minimum
 *   pattern         the most common shape of the non-blank text forms:
 *                   ASCII letters and any non-ASCII character -> "A",
 *                   digits -> "9", an invalid byte -> U+FFFD, anything else
 *                   kept; runs are not collapsed; shapes longer than
 *                   PROF_SHAPE_MAX characters are cut and end in "…"
 *   pattern_share   its share of the non-blank values
 *   patterns        [{"pattern", "count"}], the PROF_TOP_PATTERNS commonest
 *   patterns_exact  false once more than PROF_SHAPES_EXACT shapes were seen
 *                   (counts are then guaranteed minimums, as for top)
 *
 * Text forms: TEXT as is, INT in decimal, REAL as SQLite prints it (%.15g,
 * ".0" added to whole numbers).  Values of different storage classes are
 * different values: 42, 42.0 and '42' are three (-0.0 is 0.0, and a NaN
 * REAL counts as NULL, as SQLite stores it).  Text longer than
 * PROF_KEEP bytes is kept as a prefix (and shown ending in "…") in top,
 * min and max; two long values count as the same when length, prefix and
 * 64-bit hash all match.  Invalid UTF-8 is shown as U+FFFD.
 *
 * Type inference.  Each non-null, non-blank value gets one class; blanks
 * are left out, like nulls, because in CSV-born data they mean "missing".
 *   integer   INT storage, or text [-+]?(0|[1-9][0-9]*) within int64
 *             ("0042" is text: a leading zero marks a code, not a number)
 *   real      REAL storage, or text with an integer part as above and a
 *             fraction ".[0-9]+" and/or exponent "[eE][-+]?[0-9]+", at
 *             most 63 characters ("40.0" and "1e5" are real; ".5", "5."
 *             and "inf" are text)
 *   date      YYYY-MM-DD, a real calendar day (leap years checked)
 *   datetime  a date, "T" or " ", HH:MM[:SS[.fraction]], then optionally
 *             "Z" or an offset +HH[:MM] / -HHMM
 *   boolean   true / false, any case (0/1 are integers)
 *   email     local@domain.tld, ASCII, tld of at least two letters
 *   url       http://, https:// or ftp:// then a host; no spaces
 *   text      anything else
 * No leading or trailing spaces are trimmed: " 42" is text.  The column
 * type is the first of integer, real, date, datetime, boolean, email, url,
 * text whose values make up >= 95 % (integers count as reals too, dates as
 * datetimes); "mixed" when none does; "empty" when every value is null or
 * blank. */
#ifndef ORR_AUDIT_PROFILE_H
#define ORR_AUDIT_PROFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define PROF_EXACT_MAX 10000  /* distinct values counted exactly per column */
#define PROF_SHAPES_EXACT 1000 /* distinct shapes counted exactly per column */
#define PROF_SKETCH 64        /* heavy-hitter counters after that */
#define PROF_KEEP 64          /* bytes of a text value kept for display */
#define PROF_TOP 5
#define PROF_TOP_PATTERNS 3
#define PROF_SHAPE_MAX 24     /* characters of a shape before it is cut */
#define PROF_TYPE_PERCENT 95  /* share a type needs to name the column */

enum prof_type { PROF_NULL, PROF_INT, PROF_REAL, PROF_TEXT };

/* One value: i for PROF_INT, r for PROF_REAL, s and len for PROF_TEXT (s
 * need not be NUL-terminated; NULL with len 0 is the empty string). */
struct prof_value {
	enum prof_type type;
	int64_t i;
	double r;
	const char *s;
	size_t len;
};

struct profiler;

/* A profiler for ncols columns; the names are copied. */
struct profiler *profiler_new(int ncols, const char *const *names);
/* A copy of p that goes on independently: it describes the same rows, and
 * rows added to one do not reach the other. */
struct profiler *profiler_clone(const struct profiler *p);
/* Count one row: vals holds ncols values, read only during the call. */
void profiler_add_row(struct profiler *p, const struct prof_value *vals);
/* A new JSON array, one object per column as described above; the caller
 * owns it.  The profiler can keep taking rows afterwards. */
json_t *profiler_result(const struct profiler *p);
void profiler_free(struct profiler *p);

/* Bytes a shown shape may take, NUL included. */
#define PROF_SHAPE_BUF (PROF_SHAPE_MAX * 3 + 4)
/* The shape of a text as "pattern" shows it, NUL-terminated into out
 * (cut to outsize); returns its length in bytes.  s NULL: the empty text. */
size_t profile_shape(const char *s, size_t len, char *out, size_t outsize);
/* The text form of a number (PROF_INT or PROF_REAL) as the profile shows
 * it, NUL-terminated into buf; returns its length.  Other types: "". */
size_t profile_text_form(const struct prof_value *v, char *buf, size_t size);

#endif
