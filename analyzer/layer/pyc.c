/*
 * pyc.c - the .pyc scanning view (see pyc.h).
 *
 * States: IDLE looks for a string type byte ('z'/'Z' short ASCII with a 1-byte
 * length; 'a'/'A'/'u'/'t' with a 4-byte little-endian one; each possibly with
 * the FLAG_REF bit 0x80), LEN reads the length, STR checks that the bytes are
 * printable ASCII, AFTER rewrites the next byte. A false start (binary data
 * that looks like a type byte) only ever rewrites the one byte after a run of
 * printable characters, and a non-printable byte falls back to IDLE at once.
 */
#include "layer/pyc.h"

#include <string.h>

enum { IDLE = 0, LEN, STR, AFTER };

/* Longest string constant we follow: longer ones are not tokens. */
#define MAX_STRING 4096u

bool ls_pyc_sniff(const unsigned char *head, size_t len, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return len >= 16 && head[2] == '\r' && head[3] == '\n' && n > 4 && strcmp(name + n - 4, ".pyc") == 0;
}

void ls_pyc_view_init(ls_pyc_view *v)
{
    memset(v, 0, sizeof *v);
}

static void idle(ls_pyc_view *v, unsigned char b)
{
    switch (b & 0x7f) {
    case 'z':
    case 'Z':
        v->state = LEN;
        v->len_bytes = 1;
        v->len = v->need = 0;
        break;
    case 'a':
    case 'A':
    case 'u':
    case 't':
        v->state = LEN;
        v->len_bytes = 4;
        v->len = v->need = 0;
        break;
    default:
        break;
    }
}

void ls_pyc_view_apply(ls_pyc_view *v, unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = p[i];
        switch (v->state) {
        case LEN:
            /* little-endian: the k-th length byte read is shifted by 8k */
            v->len |= (uint32_t)b << (8 * (uint32_t)v->need);
            if (++v->need < (uint32_t)v->len_bytes)
                break;
            v->need = v->len;
            v->state = v->len == 0 || v->len > MAX_STRING ? IDLE : STR;
            break;
        case STR:
            if (b < 0x20 || b > 0x7e) {
                v->state = IDLE;
                idle(v, b);
            } else if (--v->need == 0) {
                v->state = AFTER;
            }
            break;
        case AFTER:
            p[i] = '\0';
            v->state = IDLE;
            idle(v, b); /* the type byte we replaced may start the next string */
            break;
        default:
            idle(v, b);
            break;
        }
    }
}
