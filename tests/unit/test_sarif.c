/* SARIF location URIs (the documented scheme, percent-encoding) and the
 * suppression of findings (order kept on both sides, secrets still redacted). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report/filter.h"
#include "report/writer.h"

static void expect_uri(ls_finding_source src, long layer, const char *path, const char *want)
{
    ls_finding f = {.source = src, .layer = layer, .path = (char *)path};
    char *got = ls_sarif_uri(&f);
    CHECK_STR(got, want);
    free(got);
}

static const char *drop_odd(const ls_report *r, const ls_finding *f, void *ctx)
{
    (void)r;
    (void)ctx;
    return f->line % 2 ? "test" : NULL;
}

int main(void)
{
    ls_error err = {0};
    ls_finding *f = calloc(4, sizeof *f);
    ls_report r = {.findings = f, .n_findings = 4};
    char *t;

    expect_uri(LS_SOURCE_FILE, 1, "/root/.ssh/id_rsa", "layer/1/root/.ssh/id_rsa");
    expect_uri(LS_SOURCE_FILE, 12, "/app/my file%.txt", "layer/12/app/my%20file%25.txt");
    expect_uri(LS_SOURCE_FILE, 0, "/x/caf\xc3\xa9?#\x1b", "layer/0/x/caf%C3%A9%3F%23%1B");
    expect_uri(LS_SOURCE_CONFIG, -1, "config.Env", "config/Env");
    expect_uri(LS_SOURCE_CONFIG, -1, "config.Labels", "config/Labels");
    expect_uri(LS_SOURCE_HISTORY, 3, "history[10].created_by", "history/10");

    for (int i = 0; i < 4; i++)
        f[i].line = (uint64_t)i + 1;
    f[0].secret = "ghp_0123456789abcdefghijABCDEFGHIJklmnop";
    f[1].secret = "AKIA2E0A8F3B244C9986";
    f[2].secret = "S3cr3tPassw0rdLong";
    f[3].secret = "xoxb-1234567890-abcdef";
    CHECK_INT(ls_report_suppress(&r, drop_odd, NULL, &err), 0);
    CHECK_INT(r.n_findings, 2);
    CHECK_INT(r.n_suppressed, 2);
    CHECK_INT(r.findings[0].line, 2);
    CHECK_INT(r.findings[1].line, 4);
    CHECK_INT(r.suppressed[0].finding.line, 1);
    CHECK_INT(r.suppressed[1].finding.line, 3);
    CHECK_STR(r.suppressed[0].reason, "test");
    /* a second pass appends, keeping order */
    CHECK_INT(ls_report_suppress(&r, drop_odd, NULL, &err), 0);
    CHECK_INT(r.n_suppressed, 2);

    /* a suppressed secret is still redacted in instructions */
    t = ls_redact_text(&r, "ENV T=ghp_0123456789abcdefghijABCDEFGHIJklmnop K=AKIA2E0A8F3B244C9986", false);
    CHECK_STR(t, "ENV T=ghp_\xe2\x80\xa6mnop K=AKIA\xe2\x80\xa6" "9986");
    free(t);

    free(r.suppressed);
    free(r.findings);
    CHECK_DONE();
}
