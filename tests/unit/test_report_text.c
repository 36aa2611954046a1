/* Redaction and terminal escaping of image-chosen strings. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report/escape.h"
#include "report/writer.h"

static void expect_redact(const char *in, const char *want)
{
    char *got = ls_redact_secret(in);
    CHECK_STR(got, want);
    free(got);
}

static void expect_escape(const char *in, const char *want)
{
    char buf[256] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    ls_fputs_escaped(in, f);
    fclose(f);
    CHECK_STR(buf, want);
}

int main(void)
{
    ls_finding f[2] = {{.secret = "ghp_0123456789abcdefghijABCDEFGHIJklmnop"}, {.secret = "abc"}};
    ls_report r = {.findings = f, .n_findings = 2};
    char *t;

    expect_redact("AKIA2E0A8F3B244C9986", "AKIA\xe2\x80\xa6" "9986");
    expect_redact("S3cr3tPassw0", "S3\xe2\x80\xa6" "w0");
    expect_redact("hunter2", "\xe2\x80\xa6");
    expect_redact("", "\xe2\x80\xa6");
    expect_redact("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
                  "-----BEGIN RSA PRIVATE KEY-----\xe2\x80\xa6");

    t = ls_redact_text(&r, "|1 T=ghp_0123456789abcdefghijABCDEFGHIJklmnop /bin/sh -c x abc", false);
    CHECK_STR(t, "|1 T=ghp_\xe2\x80\xa6mnop /bin/sh -c x abc");
    free(t);
    t = ls_redact_text(&r, "plain", true);
    CHECK_STR(t, "plain");
    free(t);

    expect_escape("a\x1b[31mred", "a\\x1b[31mred");
    expect_escape("line\nnext\ttab", "line\\nnext\\ttab");
    expect_escape("c1 \xc2\x9b csi", "c1 \\u009b csi");
    expect_escape("bad \xff byte", "bad \\xff byte");
    expect_escape("caf\xc3\xa9", "caf\xc3\xa9");
    expect_escape("del\x7f", "del\\x7f");
    CHECK_DONE();
}
