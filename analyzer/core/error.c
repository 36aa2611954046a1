/*
 * error.c - filling ls_error: one line, never a newline or a control byte,
 * because the message ends up on a terminal and in JSON `errors` entries and a
 * hostile image picks the file names that go into it. Messages are escaped
 * by core/escape.c, as the text reports are: C0, DEL, C1 (U+0080..U+009F)
 * and invalid UTF-8 bytes become visible escapes ("\x1b", "\u009b").
 * The first failure wins, as in zstd's and curl's error buffers: the stage
 * that failed first names the root cause, and a cleanup or a caller that
 * fails next (a close, a "cannot read layer") must not write over it.
 */
#include "layerscan/error.h"

#include "core/escape.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ls_error_clear(ls_error *e)
{
    if (!e)
        return;
    e->code = LS_OK;
    e->msg[0] = '\0';
}

/* Escapes raw (formatted, not yet safe) into the message. */
static void set_escaped(ls_error *e, const char *raw)
{
    ls_escape_into(e->msg, sizeof e->msg, raw);
}

int ls_error_set(ls_error *e, ls_code code, const char *fmt, ...)
{
    char raw[LS_ERROR_MSG_MAX];
    va_list ap;
    if (!e || e->code != LS_OK)
        return -1; /* the first failure wins */
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    set_escaped(e, raw);
    return -1;
}

int ls_error_pass(ls_error *e, const ls_error *src)
{
    if (e && e->code == LS_OK && src && src->code != LS_OK)
        *e = *src;
    return src && src->code != LS_OK ? -1 : 0;
}

void ls_error_prefix(ls_error *e, const char *fmt, ...)
{
    char prefix[LS_ERROR_MSG_MAX];
    char old[LS_ERROR_MSG_MAX];
    char raw[LS_ERROR_MSG_MAX];
    va_list ap;
    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* both halves may be long; the message is cut at its buffer, as any
     * other (the old half is escaped already: escaping it again changes
     * nothing) */
    {
        size_t n = strlen(prefix);
        if (n > sizeof raw - 3)
            n = sizeof raw - 3;
        memcpy(raw, prefix, n);
        memcpy(raw + n, ": ", 3);
        strncat(raw, old, sizeof raw - n - 3);
    }
    set_escaped(e, raw);
}

ls_error_level ls_error_level_of(const ls_error *e)
{
    if (!e)
        return LS_LEVEL_OK;
    switch (e->code) {
    case LS_OK: return LS_LEVEL_OK;
    case LS_ERR_NOMEM:
    case LS_ERR_INTERNAL: return LS_LEVEL_FATAL;
    case LS_ERR_USAGE:
    case LS_ERR_IO:
    case LS_ERR_FORMAT:
    case LS_ERR_LIMIT:
    case LS_ERR_UNSUPPORTED:
    case LS_ERR_DIGEST: return LS_LEVEL_INPUT;
    }
    return LS_LEVEL_FATAL; /* a code this build does not know is a bug */
}

const char *ls_code_name(ls_code code)
{
    switch (code) {
    case LS_OK: return "ok";
    case LS_ERR_USAGE: return "usage";
    case LS_ERR_IO: return "io";
    case LS_ERR_FORMAT: return "format";
    case LS_ERR_NOMEM: return "nomem";
    case LS_ERR_LIMIT: return "limit";
    case LS_ERR_UNSUPPORTED: return "unsupported";
    case LS_ERR_DIGEST: return "digest";
    case LS_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}
