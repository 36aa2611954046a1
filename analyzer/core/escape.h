/*
 * escape.h - the one escaper for text an image chose (file names, digests,
 * commands, secrets) on its way to a terminal: error messages (error.c) and
 * the text reports (report/escape.c) both use it, so a byte that cannot drive
 * a terminal in one cannot drive it in the other.
 */
#ifndef LS_CORE_ESCAPE_H
#define LS_CORE_ESCAPE_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1..4) with its code point in *cp;
 * 0 when the bytes at s are not valid UTF-8 (overlong, surrogate, truncated). */
size_t ls_utf8_decode(const unsigned char *s, unsigned int *cp);

/* The longest text ls_escape_one writes: "\u009f" or 4 UTF-8 bytes, plus NUL. */
#define LS_ESCAPE_ONE_MAX 8

/* Escapes the character at s (s points at a nonzero byte): C0 controls, DEL,
 * C1 controls (U+0080..U+009F) and bytes that are not valid UTF-8 become
 * visible escapes ("\n", "\t", "\r", "\x1b", "\u009b", "\xff"); anything else
 * is copied as is. Writes a NUL-terminated string into out and returns its
 * length; *used is the number of bytes of s consumed. */
size_t ls_escape_one(const unsigned char *s, char out[LS_ESCAPE_ONE_MAX], size_t *used);

/* Escapes the NUL-terminated src into dst (capacity cap > 0, always
 * NUL-terminated), cutting only between whole escapes or characters.
 * Returns the length written. dst and src must not overlap. */
size_t ls_escape_into(char *dst, size_t cap, const char *src);

#endif
