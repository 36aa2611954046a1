/*
 * test_tamper_sshkey.c - authorized_keys lines and sshd_config
 * AuthorizedKeysFile patterns (analyzer/tamper/sshkey.h).
 *
 * The keys are fake, generated for this test with OpenSSH 9.2p1:
 *   ssh-keygen -t ed25519 -C fake-ed25519@layerscan.test
 *   ssh-keygen -t rsa -b 2048 -C 'fake rsa key with spaces'
 *   ssh-keygen -t ecdsa -C ''          ssh-keygen -t ecdsa -b 384 -C ec384
 *   ssh-keygen -s <the ed25519 key> -I ... on the ecdsa, ed25519 and rsa keys
 * (certificates), an sk-ssh-ed25519 blob written by hand (public key
 * bytes 00..1f, application "ssh:") and an sk-ecdsa one (the ecdsa key's
 * curve and point, application "ssh:"). Every expected fingerprint is what
 * `ssh-keygen -l -E sha256 -f FILE` printed for that key or line, options
 * included (a certificate prints its certified key's fingerprint).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tamper/sshkey.h"

#define ED25519 \
    "AAAAC3NzaC1lZDI1NTE5AAAAID/6kkXySjyYs+90JFz+G+V927uvb4nPEgc2GU6HcZD0"
#define RSA \
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQDLgAn8rhdIdGQorQIN91JzFzTWl0UmyijViDdQ/Q9+rTf4NCztJLIvKiGJZq" \
    "iae3wVPxyjJWjLyDP/sc80bInhOBBru6N8olIObhUu9W87d8LPd2/dCkfkzyyLROZ4ZlYjJ2XGp56GGtG09kbq8Ucw" \
    "L15u6d7YPRmwDq57CGcRzJogZMR1gqCdOIBezPLptNav99PsPooA7l6pMurHHUvaZybR7hNUUvCa643nsPG3xg+7N/" \
    "FwbfHy1HeBl2xJY9c+tzW33ZVu10RuGxWd0kb9J6ghm6YftkM5jELwrLFX2JDYvzJnZ3UzW0TyCZVxeT7Cp0BzEZVE" \
    "ZRJ8Mr/KIJC5"
#define ECDSA256 \
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBG1W4lWvUV4hsf6z0nR0JD3I7ZghHJXCKuANrI" \
    "0beRUIZRDnYF3uW6tWyO7vh8YFMzj+CZN+MXCdNLO9D2Ee3nA="
#define ECDSA384 \
    "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBPKrHVxOXZDlpesolU+3uJK3uCzBOXtsfJBEd5" \
    "K4VxslFvYSeF8Ag2qbWPTJIzFPrRjijqWAquqgETv38P56o29nXHoMnZoko++U3Pw6Vjnwd9omWVgbGubYs3Aheyli" \
    "7A=="
#define ECDSA256_CERT \
    "AAAAKGVjZHNhLXNoYTItbmlzdHAyNTYtY2VydC12MDFAb3BlbnNzaC5jb20AAAAgWl33TmT+VNVnCZQfPi7CoT6EGI" \
    "zk5/ObvY6Z52BTOJMAAAAIbmlzdHAyNTYAAABBBG1W4lWvUV4hsf6z0nR0JD3I7ZghHJXCKuANrI0beRUIZRDnYF3u" \
    "W6tWyO7vh8YFMzj+CZN+MXCdNLO9D2Ee3nAAAAAAAAAAAAAAAAEAAAAIZmFrZWNlcnQAAAAIAAAABHJvb3QAAAAAAA" \
    "AAAP//////////AAAAAAAAAIIAAAAVcGVybWl0LVgxMS1mb3J3YXJkaW5nAAAAAAAAABdwZXJtaXQtYWdlbnQtZm9y" \
    "d2FyZGluZwAAAAAAAAAWcGVybWl0LXBvcnQtZm9yd2FyZGluZwAAAAAAAAAKcGVybWl0LXB0eQAAAAAAAAAOcGVybW" \
    "l0LXVzZXItcmMAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAgP/qSRfJKPJiz73QkXP4b5X3bu69vic8SBzYZ" \
    "TodxkPQAAABTAAAAC3NzaC1lZDI1NTE5AAAAQOfDp518/LOsEOvF4D//vz7rKp+OgyLYSao9kxX/Q0kYEyh8jASfAr" \
    "Gmk9L3s2OlOSNDIo5UB9i82ocOZ0anOAI="
#define ED25519_CERT \
    "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAILrXzcD6mz5Fw/8dzFm8Kpr4wKlCikovRcjiE5" \
    "b4zakcAAAAID/6kkXySjyYs+90JFz+G+V927uvb4nPEgc2GU6HcZD0AAAAAAAAAAAAAAABAAAABmVkY2VydAAAAAgA" \
    "AAAEcm9vdAAAAAAAAAAA//////////8AAAAAAAAAggAAABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm" \
    "1pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR5" \
    "AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACA/+pJF8ko8mLPvdCRc/h" \
    "vlfdu7r2+JzxIHNhlOh3GQ9AAAAFMAAAALc3NoLWVkMjU1MTkAAABA4toG+GWStHObPnx/FtPEq2bbpmlkkPROLCkA" \
    "cuQceo6dT0aDMlUTVSbWHOo1KK6PtGe8eVQlKTPIQNp3hcNlDA=="
#define RSA_CERT \
    "AAAAHHNzaC1yc2EtY2VydC12MDFAb3BlbnNzaC5jb20AAAAgn6nWTmT3CMyiLdeNW36XErK2s3PRf8laSrT6W9E43j" \
    "QAAAADAQABAAABAQDLgAn8rhdIdGQorQIN91JzFzTWl0UmyijViDdQ/Q9+rTf4NCztJLIvKiGJZqiae3wVPxyjJWjL" \
    "yDP/sc80bInhOBBru6N8olIObhUu9W87d8LPd2/dCkfkzyyLROZ4ZlYjJ2XGp56GGtG09kbq8UcwL15u6d7YPRmwDq" \
    "57CGcRzJogZMR1gqCdOIBezPLptNav99PsPooA7l6pMurHHUvaZybR7hNUUvCa643nsPG3xg+7N/FwbfHy1HeBl2xJ" \
    "Y9c+tzW33ZVu10RuGxWd0kb9J6ghm6YftkM5jELwrLFX2JDYvzJnZ3UzW0TyCZVxeT7Cp0BzEZVEZRJ8Mr/KIJC5AA" \
    "AAAAAAAAAAAAABAAAAB3JzYWNlcnQAAAAAAAAAAAAAAAD//////////wAAAAAAAACCAAAAFXBlcm1pdC1YMTEtZm9y" \
    "d2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1wb3J0LWZvcndhcmRpbm" \
    "cAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5" \
    "AAAAID/6kkXySjyYs+90JFz+G+V927uvb4nPEgc2GU6HcZD0AAAAUwAAAAtzc2gtZWQyNTUxOQAAAEB7eVB2ANy8yw" \
    "9EfwFdloDVhzgL4K3sWSI0wI5r6SL5Im+CW8pSg1xltrbT8fRQ8y+RjWkOWvntfTgV2rWcUBwH"
#define SK_ED25519 \
    "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fAA" \
    "AABHNzaDo="
#define SK_ECDSA256 \
    "AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBG1W4lWvUV4hsf6z0n" \
    "R0JD3I7ZghHJXCKuANrI0beRUIZRDnYF3uW6tWyO7vh8YFMzj+CZN+MXCdNLO9D2Ee3nAAAAAEc3NoOg=="

#define FP_ED25519 "SHA256:S4Kd+WJujc2JvWqLyOf+gIgFAS5lbKdgK93cWoX75kA"
#define FP_RSA "SHA256:60lujAw3WbFw6i5GGQifmXfYggqMbdGkpTzhmra0g4E"
#define FP_ECDSA256 "SHA256:CROycYC2H+lvnyW/lWDlw0x40E0NAQUPn7KLDRb/WD0"
#define FP_ECDSA384 "SHA256:qyTZ8qZzUdwTXag/7iMs7UmqS5tYT7SBhFLURwm2Vck"
#define FP_SK_ED25519 "SHA256:/p0CbeE3dk2SyW1OXXsThGc12ezDVD8eGw2/vtztDfk"
#define FP_SK_ECDSA256 "SHA256:obZBr4D1JeWYPJ6a9tibT+luMGrfpMPZCnibJpX6j/0"

static char comment[LS_SSHKEY_LINE_MAX + 1];
static char options[LS_SSHKEY_LINE_MAX + 1];

/* Parses line (a C string) and returns the result; comment and options hold
 * the spans as C strings ("(none)" for no options). */
static int parse(const char *line, ls_sshkey *k, ls_error *err)
{
    int rc;
    ls_error_clear(err);
    rc = ls_sshkey_parse_line(k, line, strlen(line), err);
    comment[0] = options[0] = '\0';
    if (rc == 1) {
        memcpy(comment, k->comment, k->comment_len);
        comment[k->comment_len] = '\0';
        if (k->options) {
            memcpy(options, k->options, k->options_len);
            options[k->options_len] = '\0';
        } else {
            strcpy(options, "(none)");
        }
    }
    return rc;
}

static void expect_key(const char *line, const char *type, const char *fp, const char *want_comment,
                       const char *want_options)
{
    ls_sshkey k;
    ls_error err;
    CHECK_INT(parse(line, &k, &err), 1);
    CHECK_INT(err.code, LS_OK);
    CHECK_STR(k.type, type);
    CHECK_STR(k.fingerprint, fp);
    CHECK_STR(comment, want_comment);
    CHECK_STR(options, want_options);
    CHECK(k.type_matches);
}

static void expect_fail(const char *line, ls_code code, const char *msg)
{
    ls_sshkey k;
    ls_error err;
    CHECK_INT(parse(line, &k, &err), -1);
    CHECK_INT(err.code, code);
    CHECK_STR(err.msg, msg);
}

static void test_plain_keys(void)
{
    expect_key("ssh-ed25519 " ED25519 " fake-ed25519@layerscan.test", "ssh-ed25519", FP_ED25519,
               "fake-ed25519@layerscan.test", "(none)");
    expect_key("ssh-rsa " RSA " fake rsa key with spaces", "ssh-rsa", FP_RSA, "fake rsa key with spaces",
               "(none)");
    /* ssh-keygen -C '' writes a trailing blank */
    expect_key("ecdsa-sha2-nistp256 " ECDSA256 " ", "ecdsa-sha2-nistp256", FP_ECDSA256, "", "(none)");
    expect_key("ecdsa-sha2-nistp384 " ECDSA384 " ec384", "ecdsa-sha2-nistp384", FP_ECDSA384, "ec384", "(none)");
    expect_key("sk-ssh-ed25519@openssh.com " SK_ED25519 " fake-sk", "sk-ssh-ed25519@openssh.com",
               FP_SK_ED25519, "fake-sk", "(none)");
    expect_key("sk-ecdsa-sha2-nistp256@openssh.com " SK_ECDSA256 " fake-sk-ecdsa",
               "sk-ecdsa-sha2-nistp256@openssh.com", FP_SK_ECDSA256, "fake-sk-ecdsa", "(none)");
    /* signature names ssh-keygen -l and sshd take as the keytype field */
    expect_key("rsa-sha2-256 " RSA " c", "rsa-sha2-256", FP_RSA, "c", "(none)");
    expect_key("rsa-sha2-512 " RSA " c", "rsa-sha2-512", FP_RSA, "c", "(none)");
    expect_key("webauthn-sk-ecdsa-sha2-nistp256@openssh.com " SK_ECDSA256 " fake-webauthn",
               "webauthn-sk-ecdsa-sha2-nistp256@openssh.com", FP_SK_ECDSA256, "fake-webauthn", "(none)");
    /* short names are not key types to sshd 9.2 ("not a public key file") */
    expect_fail("ED25519 " ED25519 " c", LS_ERR_FORMAT, "unknown key type");
    /* leading blanks, a CRLF ending, blanks inside and after the comment */
    expect_key(" \t ssh-ed25519\t" ED25519 "  a  b \t\r", "ssh-ed25519", FP_ED25519, "a  b", "(none)");
    /* sshd reads a line as a C string: a NUL ends it */
    {
        static const char line[] = "ssh-ed25519 " ED25519 " kept\0dropped";
        ls_sshkey k;
        ls_error err = {0};
        CHECK_INT(ls_sshkey_parse_line(&k, line, sizeof line - 1, &err), 1);
        CHECK_INT((long)k.comment_len, 4);
        CHECK(memcmp(k.comment, "kept", 4) == 0);
    }
}

static void test_options(void)
{
    expect_key("command=\"echo a, b; echo \\\"x y\\\"\",no-pty,from=\"10.0.0.1,10.0.0.2\" ssh-ed25519 " ED25519
               " fake-ed25519@layerscan.test",
               "ssh-ed25519", FP_ED25519, "fake-ed25519@layerscan.test",
               "command=\"echo a, b; echo \\\"x y\\\"\",no-pty,from=\"10.0.0.1,10.0.0.2\"");
    /* ssh-keygen -l prints the options as the comment here; we do not */
    expect_key("environment=\"A=b c\" ssh-rsa " RSA, "ssh-rsa", FP_RSA, "", "environment=\"A=b c\"");
    expect_key("restrict\tssh-ed25519 " ED25519, "ssh-ed25519", FP_ED25519, "", "restrict");
    /* an options field whose value names a key type is still options */
    expect_key("command=\"ssh-rsa x\" ssh-ed25519 " ED25519 " c", "ssh-ed25519", FP_ED25519, "c",
               "command=\"ssh-rsa x\"");
}

static void test_certificates(void)
{
    expect_key("\t ecdsa-sha2-nistp256-cert-v01@openssh.com " ECDSA256_CERT " kec.pub",
               "ecdsa-sha2-nistp256-cert-v01@openssh.com", FP_ECDSA256, "kec.pub", "(none)");
    expect_key("ssh-ed25519-cert-v01@openssh.com " ED25519_CERT " fake-ed25519@layerscan.test",
               "ssh-ed25519-cert-v01@openssh.com", FP_ED25519, "fake-ed25519@layerscan.test", "(none)");
    expect_key("no-pty ssh-rsa-cert-v01@openssh.com " RSA_CERT " r", "ssh-rsa-cert-v01@openssh.com", FP_RSA,
               "r", "no-pty");
    expect_key("rsa-sha2-512-cert-v01@openssh.com " RSA_CERT " r", "rsa-sha2-512-cert-v01@openssh.com", FP_RSA,
               "r", "(none)");
    /* a certificate blob of its type string and nonce only:
     * string "ssh-ed25519-cert-v01@openssh.com", string "" */
    expect_fail("ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAAA==",
                LS_ERR_FORMAT, "certificate blob truncated");
}

static void test_skipped_lines(void)
{
    static const char *const lines[] = {"", "   ", "\t\r", "# ssh-ed25519 " ED25519, "   #x", "\0ssh-rsa"};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        ls_sshkey k;
        ls_error err = {0};
        CHECK_INT(ls_sshkey_parse_line(&k, lines[i], strlen(lines[i]), &err), 0);
        CHECK_INT(err.code, LS_OK);
    }
}

static void test_garbage(void)
{
    char *big;
    expect_fail("hello world", LS_ERR_FORMAT, "unknown key type");
    expect_fail("ssh-foo " ED25519 " c", LS_ERR_FORMAT, "unknown key type");
    expect_fail("no-pty", LS_ERR_FORMAT, "unknown key type");
    expect_fail("ssh-ed25519", LS_ERR_FORMAT, "no key blob");
    expect_fail("ssh-ed25519   \t", LS_ERR_FORMAT, "no key blob");
    expect_fail("ssh-ed25519 AAAA$$$$ c", LS_ERR_FORMAT, "key blob is not base64");
    expect_fail("ssh-ed25519 AAAAC3Nza c", LS_ERR_FORMAT, "key blob is not base64");
    expect_fail("ssh-ed25519 AA=A c", LS_ERR_FORMAT, "key blob is not base64");
    expect_fail("ssh-ed25519 A=== c", LS_ERR_FORMAT, "key blob is not base64");
    expect_fail("ssh-ed25519 AAAA c", LS_ERR_FORMAT, "key blob too short");
    /* string length 0xffffffff in a 6-byte blob */
    expect_fail("ssh-ed25519 /////wAA c", LS_ERR_FORMAT, "key blob too short");
    expect_fail("command=\"unterminated ssh-ed25519 " ED25519, LS_ERR_FORMAT, "unterminated quote in options");
    expect_fail("command=\"a\\\" ssh-ed25519 " ED25519, LS_ERR_FORMAT, "unterminated quote in options");

    /* a comment filling the line up to the bound, then one byte more */
    big = malloc(LS_SSHKEY_LINE_MAX + 2);
    CHECK(big != NULL);
    if (big) {
        static const char head[] = "ssh-ed25519 " ED25519 " ";
        ls_sshkey k;
        ls_error err = {0};
        memset(big, 'c', LS_SSHKEY_LINE_MAX + 1);
        memcpy(big, head, sizeof head - 1);
        CHECK_INT(ls_sshkey_parse_line(&k, big, LS_SSHKEY_LINE_MAX, &err), 1);
        CHECK_STR(k.fingerprint, FP_ED25519);
        CHECK_INT((long)k.comment_len, LS_SSHKEY_LINE_MAX - (long)(sizeof head - 1));
        CHECK_INT(ls_sshkey_parse_line(&k, big, LS_SSHKEY_LINE_MAX + 1, &err), -1);
        CHECK_INT(err.code, LS_ERR_LIMIT);
        CHECK_STR(err.msg, "line longer than 16384 bytes");
        free(big);
    }
}

static void test_type_mismatch(void)
{
    ls_sshkey k;
    ls_error err;
    /* an ed25519 blob under the ssh-rsa keytype: sshd refuses it */
    CHECK_INT(parse("ssh-rsa " ED25519 " mismatch", &k, &err), 1);
    CHECK_STR(k.type, "ssh-rsa");
    CHECK(!k.type_matches);
    CHECK_STR(k.fingerprint, FP_ED25519);
    CHECK_STR(comment, "mismatch");
    /* a signature name over another key's blob, or over a certificate */
    CHECK_INT(parse("rsa-sha2-256 " ED25519, &k, &err), 1);
    CHECK(!k.type_matches);
    CHECK_INT(parse("rsa-sha2-512 " RSA_CERT, &k, &err), 1);
    CHECK(!k.type_matches);
    /* a certificate type over a plain key blob: no certified key to find */
    CHECK_INT(parse("ssh-ed25519-cert-v01@openssh.com " ED25519, &k, &err), 1);
    CHECK(!k.type_matches);
    CHECK_STR(k.fingerprint, FP_ED25519);
}

/* ---- sshd_config ---- */

static void akf(ls_sshd_akf *out, const char *text)
{
    ls_sshd_config_akf(out, text, strlen(text));
}

static void test_sshd_config(void)
{
    static ls_sshd_akf a;
    char *many, *p;

    akf(&a, "");
    CHECK_INT((long)a.n_akf, 0);
    CHECK_INT((long)a.n_include, 0);
    akf(&a, "Port 22\n#AuthorizedKeysFile /commented\nAuthorizedKeysFileX /not-the-keyword\nPermitRootLogin no\n");
    CHECK_INT((long)a.n_akf, 0);
    CHECK_INT((long)a.dropped, 0);

    akf(&a, "Include /etc/ssh/sshd_config.d/*.conf\r\n"
            "AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u\r\n"
            "authorizedkeysfile=/opt/k1\n"
            "  AUTHORIZEDKEYSFILE = \"/with space/%h\" '/single q' a\\ b # trailing comment\n"
            "AuthorizedKeysFile none\n"
            "AuthorizedKeysFile \"/unterminated\n"
            "Match User bob\n"
            "\tAuthorizedKeysFile /tmp/.k %%/x\n"
            "Match all\n"
            "Include extra.conf");
    CHECK_INT((long)a.n_akf, 8);
    CHECK_STR(a.akf[0].pattern, ".ssh/authorized_keys");
    CHECK_STR(a.akf[1].pattern, "/etc/ssh/keys/%u");
    CHECK_STR(a.akf[2].pattern, "/opt/k1");
    CHECK_STR(a.akf[3].pattern, "/with space/%h");
    CHECK_STR(a.akf[4].pattern, "/single q");
    CHECK_STR(a.akf[5].pattern, "a b");
    CHECK_STR(a.akf[6].pattern, "/tmp/.k");
    CHECK_STR(a.akf[7].pattern, "%%/x");
    for (int i = 0; i < 6; i++)
        CHECK(!a.akf[i].in_match);
    CHECK(a.akf[6].in_match);
    CHECK(a.akf[7].in_match);
    CHECK_INT((long)a.n_include, 2);
    CHECK_STR(a.include[0].pattern, "/etc/ssh/sshd_config.d/*.conf");
    CHECK(!a.include[0].in_match);
    CHECK_STR(a.include[1].pattern, "extra.conf");
    CHECK(a.include[1].in_match);
    CHECK_INT((long)a.bad_lines, 1);
    CHECK_INT((long)a.dropped, 0);

    /* bounds: 20 patterns keep 16; a token over LS_SSHD_TOKEN_MAX - 1 and a
     * line over LS_SSHD_LINE_MAX are dropped */
    many = malloc(2 * LS_SSHD_LINE_MAX);
    CHECK(many != NULL);
    if (!many)
        return;
    p = many;
    p += sprintf(p, "AuthorizedKeysFile");
    for (int i = 0; i < 20; i++)
        p += sprintf(p, " /k%d", i);
    p += sprintf(p, "\nAuthorizedKeysFile /");
    memset(p, 'x', LS_SSHD_TOKEN_MAX - 1);
    p += LS_SSHD_TOKEN_MAX - 1;
    p += sprintf(p, "\nAuthorizedKeysFile /");
    memset(p, 'y', LS_SSHD_LINE_MAX);
    p += LS_SSHD_LINE_MAX;
    *p = '\0';
    akf(&a, many);
    CHECK_INT((long)a.n_akf, 16);
    CHECK_STR(a.akf[15].pattern, "/k15");
    CHECK_INT((long)a.dropped, 4 + 1 + 1);
    /* a token of exactly LS_SSHD_TOKEN_MAX - 1 bytes fits */
    p = many + sprintf(many, "AuthorizedKeysFile /");
    memset(p, 'z', LS_SSHD_TOKEN_MAX - 2);
    p[LS_SSHD_TOKEN_MAX - 2] = '\0';
    akf(&a, many);
    CHECK_INT((long)a.n_akf, 1);
    CHECK_INT((long)strlen(a.akf[0].pattern), LS_SSHD_TOKEN_MAX - 1);
    CHECK_INT((long)a.dropped, 0);
    free(many);
}

int main(void)
{
    test_plain_keys();
    test_options();
    test_certificates();
    test_skipped_lines();
    test_garbage();
    test_type_mismatch();
    test_sshd_config();
    CHECK_DONE();
}
