/*
 * escape.h - printing strings an image chose (file names, commands, secrets)
 * to a terminal without letting them drive it.
 */
#ifndef LS_ESCAPE_H
#define LS_ESCAPE_H

#include <stdio.h>

#include <stddef.h>

#include "core/escape.h" /* ls_utf8_decode, ls_escape_one */

/* Writes s to out (ls_escape_one per character): C0 controls, DEL, C1 controls (U+0080..U+009F) and
 * bytes that are not valid UTF-8 replaced by visible escapes ("\n", "\x1b",
 * "\u009b"). Returns 0, or -1 on a write error. */
int ls_fputs_escaped(const char *s, FILE *out);

#endif
