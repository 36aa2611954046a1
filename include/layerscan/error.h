/*
 * error.h - the one error type every stage of layerscan reports through.
 *
 * Modelled on json_error_t and curl's per-handle error buffer: the caller owns
 * an ls_error, passes it down, and the stage that fails fills it with a code
 * and a single line (no trailing newline) that names the file and the problem.
 * There is no global "last error". Codes are only ever added, never renumbered.
 */
#ifndef LAYERSCAN_ERROR_H
#define LAYERSCAN_ERROR_H

#include <stddef.h>

typedef enum {
    LS_OK = 0,
    LS_ERR_USAGE,       /* bad arguments or options */
    LS_ERR_IO,          /* a file could not be opened or read */
    LS_ERR_FORMAT,      /* malformed input: JSON, tar, compressed stream */
    LS_ERR_NOMEM,       /* allocation failed */
    LS_ERR_LIMIT,       /* input exceeds a safety bound */
    LS_ERR_UNSUPPORTED, /* valid input we do not handle */
    LS_ERR_DIGEST,      /* a digest did not match: tamper evidence */
    LS_ERR_INTERNAL     /* a bug in layerscan */
} ls_code;

#define LS_ERROR_MSG_MAX 512

typedef struct {
    ls_code code;                /* LS_OK when nothing failed */
    char msg[LS_ERROR_MSG_MAX];  /* one line, no newline; "" when code == LS_OK */
} ls_error;

/* Resets e to LS_OK with an empty message. Accepts NULL. An ls_error starts
 * cleared: this, or `ls_error e = {0};`. */
void ls_error_clear(ls_error *e);
/* Sets code and a printf-formatted message; returns -1 so callers can write
 * `return ls_error_set(err, LS_ERR_IO, "%s: %s", path, strerror(errno));`.
 * The first failure wins: on an e that already holds one, nothing changes
 * (the root cause stays; a caller adds context with ls_error_prefix, and one
 * that means to replace a failure clears e first). Accepts a NULL e (the
 * message is then dropped). Control characters (C0, DEL, C1) and invalid
 * UTF-8 bytes in the formatted message are escaped ("\x1b", "\u009b",
 * "\xff") so the line stays one line and cannot drive a terminal. */
int ls_error_set(ls_error *e, ls_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Passes src's failure on to e, under the same rule (nothing when e holds
 * one already). Returns -1 when src holds a failure, 0 when it holds none,
 * so `return ls_error_pass(err, &local);` propagates. Either may be NULL. */
int ls_error_pass(ls_error *e, const ls_error *src);
/* Prefixes the existing message with "prefix: " (context added on the way up). */
void ls_error_prefix(ls_error *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A short constant name for a code ("io", "format", ...). */
const char *ls_code_name(ls_code code);

/* How far a failure reaches, as libarchive's ARCHIVE_WARN/FAILED/FATAL: the
 * input's fault stays with that input (a layer or a nested archive gets an
 * `errors` entry and the rest is scanned; an unusable image exits 2), ours
 * stops the scan. Values are only ever added. */
typedef enum {
    LS_LEVEL_OK = 0, /* nothing failed (LS_OK) */
    LS_LEVEL_INPUT,  /* the input's fault: usage, io, format, limit, unsupported, digest */
    LS_LEVEL_FATAL   /* ours: nomem (out of memory), internal (a bug, a library failing us) */
} ls_error_level;

/* The level of e's code; the one place it is decided. LS_LEVEL_OK for NULL. */
ls_error_level ls_error_level_of(const ls_error *e);

#endif
