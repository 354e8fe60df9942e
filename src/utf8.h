/* utf8.h - UTF-8 validation and single-byte transcoding. libc only. */
#ifndef ORR_UTF8_H
#define ORR_UTF8_H

#include <stddef.h>

/* Length of the longest valid UTF-8 prefix of s[0..len); == len when all valid.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid. */
size_t utf8_valid_prefix(const char *s, size_t len);

/* Encode code point cp into out (at least 4 bytes); returns bytes written. */
size_t utf8_encode(unsigned cp, char *out);

/* Unicode code point of one Latin-1 / CP1252 byte.  CP1252's five undefined
 * bytes (0x81 0x8D 0x8F 0x90 0x9D) map to 0: the caller treats 0 as
 * undecodable. */
unsigned latin1_to_cp(unsigned char b);
unsigned cp1252_to_cp(unsigned char b);

/* Bytes of the well-formed multi-byte UTF-8 sequence at s (2-4), or 0 when
 * it is invalid or cut short by avail.  ASCII bytes are the caller's. */
size_t utf8_seq_len(const unsigned char *s, size_t avail);

#endif
