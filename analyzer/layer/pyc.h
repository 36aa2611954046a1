/*
 * pyc.h - a scanning view of compiled Python (.pyc) files.
 *
 * marshal writes a string constant as a type byte, a length and the bytes,
 * and the next object's type byte follows with no separator: "GITLAB_TOKEN"
 * ends up as ...z\x1aglpat-...N) where 'N' (None) touches the token, so a
 * rule that wants a boundary after the token cannot match. The view replaces
 * the single type byte that follows each printable string constant with a
 * NUL - never a byte of a string - so offsets, lines and columns stay those
 * of the file and a secret is delimited as it was in the source. Recognition is a byte-level
 * state machine that survives any block split; it needs no marshal version.
 */
#ifndef LS_PYC_H
#define LS_PYC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether a stream whose first bytes are head (len of them) and whose name is
 * name is a .pyc: the name ends in ".pyc" and bytes 2-3 are "\r\n". */
bool ls_pyc_sniff(const unsigned char *head, size_t len, const char *name);

typedef struct {
    int state;          /* where in a string constant we are */
    uint32_t need;      /* bytes of the length or of the string still to come */
    uint32_t len;       /* the length being read (4-byte forms) */
    int len_bytes;      /* length bytes still to read */
} ls_pyc_view;

void ls_pyc_view_init(ls_pyc_view *v);

/* Rewrites block (n bytes, in place) into the view; call on consecutive blocks. */
void ls_pyc_view_apply(ls_pyc_view *v, unsigned char *block, size_t n);

#endif
