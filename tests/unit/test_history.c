/* Cleaning created_by strings and mapping history entries to layers. */
#include <stdlib.h>

#include "check.h"
#include "pipeline/history.h"

static void expect_clean(const char *raw, const char *want, size_t want_args, const char *arg0)
{
    char **args = NULL;
    size_t n = 0;
    char *got = ls_history_clean(raw, &args, &n);
    CHECK_STR(got, want);
    CHECK_INT(n, want_args);
    if (arg0 && n > 0)
        CHECK_STR(args[0], arg0);
    for (size_t i = 0; i < n; i++)
        free(args[i]);
    free(args);
    free(got);
}

static void test_clean(void)
{
    expect_clean("/bin/sh -c #(nop) ENV K=V", "ENV K=V", 0, NULL);
    expect_clean("/bin/sh -c #(nop)  CMD [\"sh\"]", "CMD [\"sh\"]", 0, NULL);
    expect_clean("/bin/sh -c #(nop) COPY file:abc in /app/.env ", "COPY file:abc in /app/.env", 0, NULL);
    expect_clean("/bin/sh -c apt-get update", "RUN apt-get update", 0, NULL);
    expect_clean("|2 A=1 B=x y /bin/sh -c make all", "RUN make all", 2, "A=1");
    expect_clean("|1 NPM_TOKEN=npm_abc /bin/sh -c npm ci", "RUN npm ci", 1, "NPM_TOKEN=npm_abc");
    expect_clean("RUN /bin/sh -c rm -f /root/.ssh/id_rsa # buildkit", "RUN rm -f /root/.ssh/id_rsa", 0, NULL);
    expect_clean("RUN |1 TOKEN=t0k /bin/sh -c echo hi # buildkit", "RUN echo hi", 1, "TOKEN=t0k");
    expect_clean("COPY .env /app/ # buildkit", "COPY .env /app/", 0, NULL);
    expect_clean("ENV PATH=/usr/bin", "ENV PATH=/usr/bin", 0, NULL);
    expect_clean(NULL, "", 0, NULL);
    expect_clean("umoci config", "umoci config", 0, NULL);
    expect_clean("|x not args", "|x not args", 0, NULL);
}

static void test_map_and_setter(void)
{
    ls_history_entry h[5] = {
        {.created_by = "/bin/sh -c #(nop) ADD file:x in / "},
        {.created_by = "/bin/sh -c #(nop) ENV A=1 TOKEN=abc", .empty_layer = true},
        {.created_by = "/bin/sh -c echo", .empty_layer = false},
        {.created_by = "/bin/sh -c #(nop) ENV TOKEN def", .empty_layer = true},
        {.created_by = "/bin/sh -c #(nop) CMD [\"sh\"]", .empty_layer = true},
    };
    ls_image img = {.history = h, .n_history = 5, .n_layers = 2, .has_config = true};
    ls_history_report *out = calloc(5, sizeof *out);
    long lh[2];
    bool oom;
    CHECK(ls_history_map(&img, out, lh, &oom));
    CHECK_INT(lh[0], 0);
    CHECK_INT(lh[1], 2);
    CHECK_INT(out[1].layer, -1);
    CHECK_INT(out[2].layer, 1);
    CHECK_INT(ls_history_find_setter(out, 5, "ENV", "TOKEN"), 3);
    CHECK_INT(ls_history_find_setter(out, 5, "ENV", "A"), 1);
    CHECK_INT(ls_history_find_setter(out, 5, "ENV", "TOK"), -1);
    CHECK_INT(ls_history_find_setter(out, 5, "CMD", NULL), 4);
    ls_history_report_free(out, 5);

    img.n_layers = 3; /* mismatch: attribution off */
    out = calloc(5, sizeof *out);
    {
        long lh3[3];
        CHECK(!ls_history_map(&img, out, lh3, &oom));
        CHECK_INT(lh3[0], -1);
        CHECK_INT(out[0].layer, -1);
    }
    ls_history_report_free(out, 5);
}

int main(void)
{
    test_clean();
    test_map_and_setter();
    CHECK_DONE();
}
