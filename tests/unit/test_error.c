/* ls_error messages: one line, every control (C0, DEL, C1) and every byte
 * that is not UTF-8 escaped as the text reports escape them; the first
 * failure wins (ls_error_set, ls_error_pass). */
#include <string.h>

#include "check.h"
#include "core/escape.h"
#include "layerscan/error.h"

static void expect_set(const char *name, const char *want)
{
    ls_error e = {0};
    CHECK_INT(ls_error_set(&e, LS_ERR_FORMAT, "index.json: bad digest \"%s\"", name), -1);
    CHECK_INT(e.code, LS_ERR_FORMAT);
    CHECK_STR(e.msg, want);
}

int main(void)
{
    ls_error e = {0};
    char small[12];

    /* a CSI (U+009B, C2 9B) in a digest: the terminal never sees it */
    expect_set("sha256:\xc2\x9b" "31mred", "index.json: bad digest \"sha256:\\u009b31mred\"");
    /* ESC, newline, tab, CR, DEL, U+0080 and U+009F */
    expect_set("\x1b[2J\n\t\r\x7f\xc2\x80\xc2\x9f", "index.json: bad digest \"\\x1b[2J\\n\\t\\r\\x7f\\u0080\\u009f\"");
    /* invalid UTF-8: a lone 9B, a lone continuation byte, an overlong ESC
     * (C0 9B), a truncated 3-byte sequence, a surrogate (ED A0 80) */
    expect_set("\x9b|\x80|\xc0\x9b|\xe2\x82|\xed\xa0\x80",
               "index.json: bad digest \"\\x9b|\\x80|\\xc0\\x9b|\\xe2\\x82|\\xed\\xa0\\x80\"");
    /* printable UTF-8 (U+00A0 and later, emoji) stays as it is */
    expect_set("caf\xc3\xa9 \xc2\xa0 \xf0\x9f\x94\x91", "index.json: bad digest \"caf\xc3\xa9 \xc2\xa0 \xf0\x9f\x94\x91\"");

    /* context added on the way up: the prefix is escaped too, the old half
     * (already escaped) is left as it was */
    ls_error_set(&e, LS_ERR_IO, "a\xc2\x9b" "b");
    ls_error_prefix(&e, "layer \x1b%d", 3);
    CHECK_STR(e.msg, "layer \\x1b3: a\\u009bb");

    /* a long message is cut between escapes, never inside one */
    {
        char name[LS_ERROR_MSG_MAX * 2];
        size_t n;
        memset(name, 'a', sizeof name);
        name[LS_ERROR_MSG_MAX - 4] = '\x1b';
        name[sizeof name - 1] = '\0';
        ls_error_clear(&e);
        ls_error_set(&e, LS_ERR_IO, "%s", name);
        n = strlen(e.msg);
        CHECK_INT(n, LS_ERROR_MSG_MAX - 4); /* "\x1b" (4 chars) no longer fits in 511 */
        CHECK(e.msg[n - 1] == 'a');
    }

    /* the first failure wins: a later set keeps the root cause, a prefix
     * adds context, a clear starts over */
    {
        ls_error f = {0}, g = {0};
        CHECK_INT(ls_error_set(&f, LS_ERR_FORMAT, "layer.tar: truncated gzip stream"), -1);
        CHECK_INT(ls_error_set(&f, LS_ERR_IO, "layer 2: read failed"), -1);
        CHECK_INT(f.code, LS_ERR_FORMAT);
        CHECK_STR(f.msg, "layer.tar: truncated gzip stream");
        ls_error_prefix(&f, "layer %d", 2);
        CHECK_STR(f.msg, "layer 2: layer.tar: truncated gzip stream");
        ls_error_clear(&f);
        CHECK_INT(ls_error_set(&f, LS_ERR_NOMEM, "out of memory"), -1);
        CHECK_INT(f.code, LS_ERR_NOMEM);
        CHECK_STR(f.msg, "out of memory");
        /* ls_error_pass: -1 exactly when the source failed, the first kept */
        CHECK_INT(ls_error_pass(&g, NULL), 0);
        CHECK_INT(ls_error_pass(NULL, &f), -1);
        CHECK_INT(ls_error_pass(&g, &g), 0);
        CHECK_INT(g.code, LS_OK);
        CHECK_INT(ls_error_pass(&g, &f), -1);
        CHECK_INT(g.code, LS_ERR_NOMEM);
        CHECK_STR(g.msg, "out of memory");
        ls_error_clear(&f);
        ls_error_set(&f, LS_ERR_DIGEST, "blob sha256:0011: digest mismatch");
        CHECK_INT(ls_error_pass(&g, &f), -1);
        CHECK_INT(g.code, LS_ERR_NOMEM);
        CHECK_STR(g.msg, "out of memory");
        ls_error_clear(&g);
        CHECK_INT(ls_error_pass(&g, &f), -1);
        CHECK_STR(g.msg, "blob sha256:0011: digest mismatch");
        /* a NULL error drops the message and still says -1 */
        CHECK_INT(ls_error_set(NULL, LS_ERR_IO, "dropped"), -1);
    }

    /* ls_escape_into: cut between whole escapes */
    CHECK_INT(ls_escape_into(small, sizeof small, "ab\xc2\x9b" "cd"), 10);
    CHECK_STR(small, "ab\\u009bcd");
    CHECK_INT(ls_escape_into(small, 6, "ab\xc2\x9b" "cd"), 2);
    CHECK_STR(small, "ab");
    CHECK_INT(ls_escape_into(small, 6, "ab\xf0\x9f\x94\x91"), 2); /* 4-byte char needs 4+1 */
    CHECK_STR(small, "ab");
    CHECK_DONE();
}
