/*
 * sshkey.h - one line of an OpenSSH authorized_keys file, and the
 * AuthorizedKeysFile patterns of an sshd_config, for the
 * ssh-authorized-key-added check.
 *
 * What: ls_sshkey_parse_line reads one line the way sshd(8) does
 * (AUTHORIZED_KEYS FILE FORMAT, auth2-pubkeyfile.c): leading blanks skipped,
 * blank and '#' lines skipped, then either "keytype base64 [comment]" or
 * "options keytype base64 [comment]" where options is one token that may hold
 * double-quoted strings with blanks and commas (\" escapes a quote). It gives
 * the key type, the fingerprint exactly as `ssh-keygen -l -E sha256` prints
 * it, the comment, and whether the type named inside the blob matches the
 * keytype field (sshd refuses a key whose blob names another type). The
 * keytype field may also be one of the signature names sshd maps to a key
 * type (rsa-sha2-256, rsa-sha2-512, their -cert-v01@openssh.com forms over
 * an ssh-rsa certificate, webauthn-sk-ecdsa-sha2-nistp256@openssh.com over
 * an sk-ecdsa key): ssh-keygen -l and sshd accept those lines.
 *
 * Why so shaped: a pure function over one line the caller already holds
 * (pointer, length), with every output either a static string, a fixed
 * buffer in the result, or a span of the caller's line, so a hostile file can
 * make a line fail but never make the parser allocate. The caller owns line
 * splitting, the file name and the line number (add them with
 * ls_error_prefix: "root/.ssh/authorized_keys: line 3: ...").
 *
 * Certificates (*-cert-v01@openssh.com): like ssh-keygen -l, the fingerprint
 * is that of the certified public key (the plain key inside the
 * certificate), not a digest of the certificate blob.
 *
 * Difference from ssh-keygen -l kept on purpose: for a line with options and
 * no comment, ssh-keygen prints the options as the comment; here the comment
 * is empty.
 */
#ifndef LS_TAMPER_SSHKEY_H
#define LS_TAMPER_SSHKEY_H

#include <stdbool.h>
#include <stddef.h>

#include "layerscan/error.h"

/* The longest authorized_keys line parsed (16 KiB, newline excluded); longer
 * lines fail with LS_ERR_LIMIT. */
#define LS_SSHKEY_LINE_MAX (16 * 1024)
/* "SHA256:" + 43 unpadded base64 characters + NUL. */
#define LS_SSHKEY_FP_SIZE 51

typedef struct {
    const char *type;      /* the keytype field: a static string from the known list */
    char fingerprint[LS_SSHKEY_FP_SIZE]; /* "SHA256:..." as ssh-keygen -l -E sha256 */
    const char *comment;   /* span of the caller's line, not NUL-terminated; may be empty */
    size_t comment_len;    /* trailing blanks and CR excluded */
    const char *options;   /* span of the options field, NULL when the line has none */
    size_t options_len;
    bool type_matches;     /* the blob's embedded type string is the one type calls for */
} ls_sshkey;

/* Parses line[0..n) (without its '\n'; a trailing '\r' is ignored, a NUL
 * ends the line as it does for sshd). Returns:
 *    1  a key: *out filled
 *    0  a blank or comment line: nothing to report
 *   -1  not a key line sshd could use, err set (LS_ERR_LIMIT for a line over
 *       LS_SSHKEY_LINE_MAX, LS_ERR_FORMAT otherwise) with a one-line reason:
 *       "unterminated quote in options", "unknown key type", "no key blob",
 *       "key blob is not base64", "key blob too short", "certificate blob
 *       truncated". *out is then unspecified.
 * A key whose blob names another type than the keytype field is returned
 * (1) with type_matches false: the caller decides what that means. */
int ls_sshkey_parse_line(ls_sshkey *out, const char *line, size_t n, ls_error *err);

/* The patterns sshd uses when sshd_config sets no AuthorizedKeysFile. */
#define LS_SSHD_AKF_DEFAULT ".ssh/authorized_keys .ssh/authorized_keys2"

/* Bounds of ls_sshd_akf: what does not fit is dropped and counted. */
#define LS_SSHD_AKF_MAX 16        /* patterns kept per file */
#define LS_SSHD_INCLUDE_MAX 8     /* Include patterns kept per file */
#define LS_SSHD_TOKEN_MAX 1024    /* bytes of one pattern, NUL included */
#define LS_SSHD_LINE_MAX (16 * 1024)

typedef struct {
    char pattern[LS_SSHD_TOKEN_MAX]; /* as written, quotes removed: %h %u %% ~ left to the caller */
    bool in_match;                   /* set inside a Match block (applies to some users only) */
} ls_sshd_token;

typedef struct {
    size_t n_akf;                              /* patterns in akf[] */
    ls_sshd_token akf[LS_SSHD_AKF_MAX];        /* every AuthorizedKeysFile argument, in order */
    size_t n_include;                          /* patterns in include[] */
    ls_sshd_token include[LS_SSHD_INCLUDE_MAX];/* every Include argument (globs), in order */
    size_t dropped;   /* tokens not kept: over a bound, or on a line over LS_SSHD_LINE_MAX */
    size_t bad_lines; /* lines sshd would reject (unterminated quote) and that were skipped */
} ls_sshd_akf;

/* Collects the AuthorizedKeysFile and Include arguments of one sshd_config
 * (or one file it includes) from bytes[0..len) into *out (reset first).
 * Keywords are case-insensitive, separated from their arguments by blanks
 * and/or one '='; arguments are split as sshd splits them (quotes, backslash
 * escapes, '#' starting a token ends the line). "none" is not a pattern and
 * is left out.
 *
 * Unlike sshd, which takes the first value seen for the global section and
 * applies a Match block's only to the users it matches, every value is
 * collected, Match blocks included (flagged in_match): a pattern a Match
 * block adds for one user is exactly where a planted key hides, and the
 * caller checks LS_SSHD_AKF_DEFAULT anyway. Include is not followed (the
 * caller feeds the included files, every /etc/ssh/sshd_config.d/NAME.conf, to
 * this function too). Never fails: everything it cannot use is counted in
 * dropped or bad_lines. */
void ls_sshd_config_akf(ls_sshd_akf *out, const char *bytes, size_t len);

#endif
