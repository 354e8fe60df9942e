/* xalloc.h - allocation that cannot fail: out of memory ends the program
 * with a message, so callers never carry a half-built state. */
#ifndef ORR_XALLOC_H
#define ORR_XALLOC_H

#include <stddef.h>

#define ORR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ORR_MALLOC __attribute__((malloc, returns_nonnull))

void *xmalloc(size_t n) ORR_MALLOC;
void *xcalloc(size_t count, size_t size) ORR_MALLOC;
void *xrealloc(void *p, size_t n) __attribute__((returns_nonnull));
char *xstrdup(const char *s) ORR_MALLOC;
char *xstrndup(const char *s, size_t n) ORR_MALLOC;
/* A newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) ORR_PRINTF(1, 2) ORR_MALLOC;

/* Run fn before the out-of-memory exit (the console restores the
 * terminal, so the message is readable). */
void xalloc_on_fatal(void (*fn)(void));

#endif
