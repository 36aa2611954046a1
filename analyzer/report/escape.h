/*
 * escape.h - printing strings an image chose (file names, commands, secrets)
 * to a terminal without letting them drive it.
 */
#ifndef LS_ESCAPE_H
#define LS_ESCAPE_H

#include <stdio.h>

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1..4) with its code point in *cp;
 * 0 when the bytes at s are not valid UTF-8 (overlong, surrogate, truncated). */
size_t ls_utf8_decode(const unsigned char *s, unsigned int *cp);

/* Writes s to out with C0 controls, DEL, C1 controls (U+0080..U+009F) and
 * bytes that are not valid UTF-8 replaced by visible escapes ("\n", "\x1b",
 * "\u009b"). Returns 0, or -1 on a write error. */
int ls_fputs_escaped(const char *s, FILE *out);

#endif
