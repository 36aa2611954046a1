/*
 * error.c - filling ls_error: one line, never a newline or a control byte,
 * because the message ends up on a terminal and in JSON `errors` entries and a
 * hostile image picks the file names that go into it.
 */
#include "layerscan/error.h"

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

static void sanitize_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

int ls_error_set(ls_error *e, ls_code code, const char *fmt, ...)
{
    va_list ap;
    if (!e)
        return -1;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    sanitize_line(e->msg);
    return -1;
}

void ls_error_prefix(ls_error *e, const char *fmt, ...)
{
    char prefix[LS_ERROR_MSG_MAX];
    char old[LS_ERROR_MSG_MAX];
    va_list ap;
    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* both halves may be long; the message is cut at its buffer, as any other */
    {
        size_t n = strlen(prefix);
        if (n > sizeof e->msg - 3)
            n = sizeof e->msg - 3;
        memcpy(e->msg, prefix, n);
        memcpy(e->msg + n, ": ", 3);
        strncat(e->msg, old, sizeof e->msg - n - 3);
    }
    sanitize_line(e->msg);
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
