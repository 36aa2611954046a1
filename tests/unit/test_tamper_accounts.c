/*
 * test_tamper_accounts.c - passwd(5) and shadow(5) entries
 * (analyzer/tamper/accounts.h): root and a second UID-0 account, the UID
 * spellings glibc accepts as 0, NIS compat lines, malformed lines, CRLF
 * endings, a last line without '\n', the login-shell predicate and the
 * uid0-account evidence. The passwd reading is also checked against glibc's
 * own parser (fgetpwent) on the same file, so "an entry" means what it
 * means to login, su and sshd on a glibc image. All accounts are fake.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tamper/accounts.h"

static char sbuf[8][LS_ACCT_LINE_MAX + 1];

/* A span as a C string (one of 8 rotating buffers). */
static const char *str(ls_span s)
{
    static int k;
    char *b = sbuf[k++ % 8];
    memcpy(b, s.p ? s.p : "", s.n);
    b[s.n] = '\0';
    return b;
}

static ls_span span(const char *s)
{
    ls_span sp = {s, strlen(s)};
    return sp;
}

static const char passwd_text[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "# toor:x:0:0:comment:/root:/bin/bash\n"
    "\n"
    "toor:$6$fakesalt$fakehash:0:0:backdoor:/root:/bin/bash\r\n"
    "  zero:x:00:0::/:/bin/sh\n"
    "plus:x:+0:0::/:/bin/sh\n"
    "short:x:0:0\n"
    "colon:x:1000:1000:g:/home/colon:/bin/sh:extra\n"
    "+\n"
    "+nisuser\n"
    "-excluded\n"
    "+@netgroup\n"
    "+literal:x:0:0::/:/bin/sh\n"
    "nouid:x::0::/:/bin/sh\n"
    "nogid:x:0\n"
    "neg:x:-1:0::/:/bin/sh\n"
    "wrap:x:4294967296:0::/:/bin/sh\n"
    "trail:x:0 :0::/:/bin/sh\n"
    "hex:x:0x10:0::/:/bin/sh\n"
    "justaname\n"
    "::0:0::/:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"; /* no trailing newline */

static void test_passwd(void)
{
    static const struct {
        int rc;
        size_t lineno;
        const char *name, *uid_text;
        unsigned uid, gid;
        const char *home, *shell, *evidence;
    } want[] = {
        {1, 1, "root", "0", 0, 0, "/root", "/bin/bash", "root:0:0:root:/root:/bin/bash"},
        {1, 2, "daemon", "1", 1, 1, "/usr/sbin", "/usr/sbin/nologin", "daemon:1:1:daemon:/usr/sbin:/usr/sbin/nologin"},
        {1, 5, "toor", "0", 0, 0, "/root", "/bin/bash", "toor:0:0:backdoor:/root:/bin/bash"},
        {1, 6, "zero", "00", 0, 0, "/", "/bin/sh", "zero:00:0::/:/bin/sh"},
        {1, 7, "plus", "+0", 0, 0, "/", "/bin/sh", "plus:+0:0::/:/bin/sh"},
        {1, 8, "short", "0", 0, 0, "", "", "short:0:0:::"},
        {1, 9, "colon", "1000", 1000, 1000, "/home/colon", "/bin/sh:extra", "colon:1000:1000:g:/home/colon:/bin/sh:extra"},
        {1, 14, "+literal", "0", 0, 0, "/", "/bin/sh", "+literal:0:0::/:/bin/sh"},
        {-1, 15, NULL, NULL, 0, 0, NULL, NULL, NULL}, /* nouid */
        {-1, 16, NULL, NULL, 0, 0, NULL, NULL, NULL}, /* nogid */
        {-1, 17, NULL, NULL, 0, 0, NULL, NULL, NULL}, /* neg */
        {-1, 18, NULL, NULL, 0, 0, NULL, NULL, NULL}, /* wrap */
        {-1, 19, NULL, NULL, 0, 0, NULL, NULL, NULL}, /* trail */
        {-1, 20, NULL, NULL, 0, 0, NULL, NULL, NULL}, /* hex */
        {-1, 21, NULL, NULL, 0, 0, NULL, NULL, NULL}, /* justaname */
        {-1, 22, NULL, NULL, 0, 0, NULL, NULL, NULL}, /* empty name */
        {1, 23, "nobody", "65534", 65534, 65534, "/nonexistent", "/usr/sbin/nologin",
         "nobody:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"},
    };
    ls_acct_iter it;
    ls_passwd_entry e;
    char ev[LS_ACCT_EVIDENCE_SIZE];
    ls_acct_iter_init(&it, passwd_text, sizeof passwd_text - 1);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int rc = ls_passwd_next(&it, &e);
        CHECK_INT(rc, want[i].rc);
        CHECK_INT((long)it.lineno, (long)want[i].lineno);
        if (rc != 1 || want[i].rc != 1)
            continue;
        CHECK_STR(str(e.name), want[i].name);
        CHECK_STR(str(e.uid_text), want[i].uid_text);
        CHECK_INT(e.uid, want[i].uid);
        CHECK_INT(e.gid, want[i].gid);
        CHECK_STR(str(e.home), want[i].home);
        CHECK_STR(str(e.shell), want[i].shell);
        CHECK_INT((long)ls_passwd_evidence(&e, ev, sizeof ev), (long)strlen(want[i].evidence));
        CHECK_STR(ev, want[i].evidence);
    }
    CHECK_INT(ls_passwd_next(&it, &e), 0);
    CHECK_INT(ls_passwd_next(&it, &e), 0);

    /* the password field is dropped from the evidence, never emptied */
    ls_acct_iter_init(&it, passwd_text, sizeof passwd_text - 1);
    for (int i = 0; i < 3; i++)
        CHECK_INT(ls_passwd_next(&it, &e), 1);
    CHECK_STR(str(e.passwd), "$6$fakesalt$fakehash");
    CHECK_STR(str(e.line), "toor:$6$fakesalt$fakehash:0:0:backdoor:/root:/bin/bash");
    /* truncation as snprintf: the full length back, a NUL-terminated prefix */
    CHECK_INT((long)ls_passwd_evidence(&e, ev, 8), 33);
    CHECK_STR(ev, "toor:0:");
    CHECK_INT((long)ls_passwd_evidence(&e, ev, 0), 33);

    /* a NUL ends its line, as for the C library */
    {
        static const char nul[] = "toor:x:0:0:b:/root:/bin/bash\0junk:x:1:1\nafter:x:1:1::/:";
        ls_acct_iter_init(&it, nul, sizeof nul - 1);
        CHECK_INT(ls_passwd_next(&it, &e), 1);
        CHECK_STR(str(e.shell), "/bin/bash");
        CHECK_INT((long)ls_passwd_evidence(&e, ev, sizeof ev), 26);
        CHECK_STR(ev, "toor:0:0:b:/root:/bin/bash");
        CHECK_INT(ls_passwd_next(&it, &e), 1);
        CHECK_STR(str(e.name), "after");
        ls_acct_iter_init(&it, "\0root:x:0:0::/:\n", 16);
        CHECK_INT(ls_passwd_next(&it, &e), 0);
    }

    /* empty input, and a line over the bound followed by a good one */
    ls_acct_iter_init(&it, "", 0);
    CHECK_INT(ls_passwd_next(&it, &e), 0);
    {
        size_t n = LS_ACCT_LINE_MAX + 1;
        char *big = malloc(n + 64);
        CHECK(big != NULL);
        if (big) {
            memset(big, 'a', n);
            strcpy(big + n, "\nroot:x:0:0::/root:\n");
            ls_acct_iter_init(&it, big, strlen(big));
            CHECK_INT(ls_passwd_next(&it, &e), -1);
            CHECK_INT((long)it.lineno, 1);
            CHECK_INT(ls_passwd_next(&it, &e), 1);
            CHECK_STR(str(e.name), "root");
            CHECK_STR(str(e.shell), "");
            CHECK_INT(ls_passwd_next(&it, &e), 0);
            free(big);
        }
    }
}

/* Every entry glibc's parser hands out is one ours does, with the same
 * fields, on lines both read alike (no CRLF, no empty name, no NIS lines
 * without a UID: glibc returns those as "+name" records). */
static void test_passwd_matches_glibc(void)
{
    static const char text[] = "root:x:0:0:root:/root:/bin/bash\n"
                               "  zero:x:00:0::/:/bin/sh\n"
                               "plus:x:+0:0::/:/bin/sh\n"
                               "minus:x:-0:7::/:/bin/sh\n"
                               "short:x:0:0\n"
                               "colon:x:1000:1000:g:/home/colon:/bin/sh:extra\n"
                               "#c:x:0:0::/:\n"
                               "nogid:x:0\n"
                               "neg:x:-1:0::/:/bin/sh\n"
                               "wrap:x:4294967296:0::/:/bin/sh\n"
                               "big:x:4294967295:0::/:/bin/sh\n"
                               "trail:x:0 :0::/:/bin/sh\n"
                               "lead:x: 5:6::/:/bin/sh\n"
                               "last:x:1:1::/:";
    char path[] = "/tmp/test_tamper_accounts.XXXXXX";
    int fd = mkstemp(path);
    FILE *f;
    struct passwd *pw;
    ls_acct_iter it;
    ls_passwd_entry e;
    int ours = 0, theirs = 0, rc;
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK_INT(write(fd, text, sizeof text - 1), (long)(sizeof text - 1));
    close(fd);
    f = fopen(path, "r");
    CHECK(f != NULL);
    ls_acct_iter_init(&it, text, sizeof text - 1);
    while (f && (pw = fgetpwent(f)) != NULL) {
        theirs++;
        while ((rc = ls_passwd_next(&it, &e)) == -1)
            ;
        CHECK_INT(rc, 1);
        if (rc != 1)
            break;
        ours++;
        CHECK_STR(str(e.name), pw->pw_name);
        CHECK_INT(e.uid, pw->pw_uid);
        CHECK_INT(e.gid, pw->pw_gid);
        CHECK_STR(str(e.gecos), pw->pw_gecos);
        CHECK_STR(str(e.home), pw->pw_dir);
        CHECK_STR(str(e.shell), pw->pw_shell);
    }
    while ((rc = ls_passwd_next(&it, &e)) == -1)
        ;
    CHECK_INT(rc, 0);
    CHECK_INT(theirs, 9);
    CHECK_INT(ours, theirs);
    if (f)
        fclose(f);
    unlink(path);
}

static void test_shadow(void)
{
    static const char text[] = "root:*:19000:0:99999:7:::\r\n"
                               "toor::19000:0:99999:7:::\r\n"
                               "svc::19000::::::\n"
                               "locked:!:19000::::::\n"
                               "hashed:$y$fake$fakehash:19000::::::\n"
                               "+\n"
                               "+nisuser::::::::\n"
                               "-excluded\n"
                               "+literal::::::::\n" /* "+name" with an empty password: NIS's password */
                               "+withpw:x:::::::\n"
                               "nocolon\n"
                               ":x:1::::::\n"
                               "# old::1::::::\n"
                               "minimal:"; /* no trailing newline, nothing after the password */
    static const struct {
        int rc;
        size_t lineno;
        const char *name;
        int empty;
    } want[] = {
        {1, 1, "root", 0},   {1, 2, "toor", 1},   {1, 3, "svc", 1},      {1, 4, "locked", 0},
        {1, 5, "hashed", 0}, {1, 10, "+withpw", 0}, {-1, 11, NULL, 0},  {-1, 12, NULL, 0},
        {1, 14, "minimal", 1},
    };
    ls_acct_iter it;
    ls_shadow_entry e;
    ls_acct_iter_init(&it, text, sizeof text - 1);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int rc = ls_shadow_next(&it, &e);
        CHECK_INT(rc, want[i].rc);
        CHECK_INT((long)it.lineno, (long)want[i].lineno);
        if (rc != 1 || want[i].rc != 1)
            continue;
        CHECK_STR(str(e.name), want[i].name);
        CHECK_INT(e.empty_password, want[i].empty);
    }
    CHECK_INT(ls_shadow_next(&it, &e), 0);
    /* the CR of a CRLF line is not part of the entry */
    ls_acct_iter_init(&it, text, sizeof text - 1);
    CHECK_INT(ls_shadow_next(&it, &e), 1);
    CHECK_STR(str(e.line), "root:*:19000:0:99999:7:::");
    CHECK_STR(str(e.passwd), "*");
}

/* empty password with nologin is no finding; with bash or an empty shell it is */
static void test_login_shell(void)
{
    static const char pw[] = "svc:x:999:999::/srv:/usr/sbin/nologin\n"
                             "dev:x:1000:1000::/home/dev:/bin/bash\n"
                             "old:x:1001:1001::/home/old:\n";
    static const char sh[] = "svc::1::::::\ndev::1::::::\nold::1::::::\n";
    static const char *const no[] = {"/usr/sbin/nologin", "/sbin/nologin", "/usr/bin/nologin", "/bin/nologin",
                                     "/bin/false",        "/usr/bin/false", "/bin/true",       "/usr/bin/true"};
    static const char *const yes[] = {"", "/bin/bash", "/bin/sh", "/usr/bin/zsh", "/bin/false ", "/bin/falsex",
                                      "/tmp/nologin", "nologin", "/bin/sync"};
    const int want_finding[] = {0, 1, 1};
    ls_acct_iter ip, is;
    ls_passwd_entry p;
    ls_shadow_entry s;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        CHECK(!ls_acct_login_shell(span(no[i])));
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        CHECK(ls_acct_login_shell(span(yes[i])));
    ls_acct_iter_init(&ip, pw, sizeof pw - 1);
    ls_acct_iter_init(&is, sh, sizeof sh - 1);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(ls_passwd_next(&ip, &p), 1);
        CHECK_INT(ls_shadow_next(&is, &s), 1);
        CHECK_STR(str(p.name), str(s.name));
        CHECK_INT(s.empty_password && ls_acct_login_shell(p.shell), want_finding[i]);
    }
}

int main(void)
{
    test_passwd();
    test_passwd_matches_glibc();
    test_shadow();
    test_login_shell();
    CHECK_DONE();
}
