/*
 * accounts.h - passwd(5) and shadow(5) entries, for the uid0-account and
 * empty-password-account checks.
 *
 * What: an iterator over a passwd or shadow file's bytes that yields one
 * entry per line, a "has a login shell" predicate, and the evidence line a
 * uid0-account finding carries.
 *
 * Why so shaped: every field is a span of the caller's buffer (no copies, no
 * allocation: a hostile file can be refused line by line but never grow
 * memory), and a malformed line is returned as such (-1 with its line
 * number) so the caller may count or report it and carry on with the next.
 *
 * Which lines are entries follows glibc's files parser (nss_files, the one
 * login, su and sshd use on glibc images), because an account counts if the
 * C library hands it out: leading blanks are skipped, '#' lines are comments,
 * the UID and GID are read as strtoull reads them and refused over 32 bits
 * (so "00", " 0", "+0" and "-0" are all UID 0; "-1" and "4294967296" are
 * malformed, as glibc refuses them), missing
 * trailing fields are empty ("toor:x:0:0" is an entry with an empty home and
 * shell), and the shell is the rest of the line (it may hold ':'). A line
 * musl would refuse may therefore still be an entry here: for a detector the
 * broader reading is the safe one. A trailing CR (a file saved with CRLF
 * endings) is not part of the last field, and a NUL byte ends its line (the
 * C library reads each line as a C string), so no field holds a NUL.
 *
 * NIS compat lines ("+", "-", "+name", "+@netgroup", "-name" with an empty
 * UID field) import or exclude accounts from NIS and are skipped. A '+'/'-'
 * line with a UID is an ordinary entry: glibc's "files" source reads it as
 * an account whose name starts with '+'.
 */
#ifndef LS_TAMPER_ACCOUNTS_H
#define LS_TAMPER_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest passwd or shadow line read (16 KiB, newline excluded);
 * longer lines are malformed. */
#define LS_ACCT_LINE_MAX (16 * 1024)

typedef struct {
    const char *p;  /* a span of the caller's buffer, not NUL-terminated */
    size_t n;
} ls_span;

typedef struct {
    const char *p;   /* next unread byte; p <= end */
    const char *end; /* one past the buffer */
    size_t lineno;   /* 1-based number of the line last returned */
} ls_acct_iter;

typedef struct {
    ls_span line;     /* the whole entry, leading blanks and trailing CR excluded */
    ls_span name, passwd, uid_text, gid_text, gecos, home, shell;
    uint32_t uid;     /* the UID field's value (see above for how it is read) */
    uint32_t gid;
} ls_passwd_entry;

typedef struct {
    ls_span line;
    ls_span name;
    ls_span passwd;       /* the encrypted password field */
    bool empty_password;  /* passwd.n == 0: login needs no password */
} ls_shadow_entry;

void ls_acct_iter_init(ls_acct_iter *it, const void *bytes, size_t len);

/* The next passwd entry into *e. Returns 1 an entry; 0 the end of the
 * buffer; -1 a malformed line (it->lineno names it; the next call goes on
 * with the line after): longer than LS_ACCT_LINE_MAX, an empty name, a
 * missing or non-numeric UID or GID. Blank lines, '#' comments and NIS
 * compat lines are skipped. */
int ls_passwd_next(ls_acct_iter *it, ls_passwd_entry *e);

/* The next shadow entry into *e, with the same returns: malformed is a line
 * over LS_ACCT_LINE_MAX, an empty name, or no ':' after the name. Fields
 * after the password are not read. */
int ls_shadow_next(ls_acct_iter *it, ls_shadow_entry *e);

/* True when shell lets the account log in: anything but the nologin and
 * false/true stand-ins (/usr/sbin/nologin, /sbin/nologin, /usr/bin/nologin,
 * /bin/nologin, /bin/false, /usr/bin/false, /bin/true, /usr/bin/true). An
 * empty shell IS a login shell: passwd(5) and login(1) use /bin/sh then. */
bool ls_acct_login_shell(ls_span shell);

/* The uid0-account evidence: e's entry without its password field,
 * "name:uid:gid:gecos:home:shell" with every field as written in the file
 * (so "toor:x:00:0:root:/root:/bin/bash" gives "toor:00:0:root:/root:/bin/bash").
 * The field is dropped, not emptied: "toor::0:..." would read as an empty
 * password (another finding, and false), and a legacy passwd may hold a
 * real crypt hash there. A responder finds the line with grep '^toor:'.
 * Writes at most cap bytes NUL-terminated into out and returns the full
 * length (as snprintf: a result >= cap was truncated). The result is at
 * most e->line.n + 2 bytes (missing trailing fields come back as empty
 * ones), so LS_ACCT_EVIDENCE_SIZE bytes always suffice. */
#define LS_ACCT_EVIDENCE_SIZE (LS_ACCT_LINE_MAX + 3)
size_t ls_passwd_evidence(const ls_passwd_entry *e, char *out, size_t cap);

#endif
