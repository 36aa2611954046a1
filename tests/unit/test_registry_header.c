/*
 * test_registry_header.c - WWW-Authenticate challenges (quoted values with
 * commas, '=' and escapes, case, unknown keys, several challenges, junk)
 * and Link headers (relative next links, several links, rel lists, junk).
 */
#include "check.h"

#include "registry/header.h"

static void link_is(const char *value, int want_rc, const char *want)
{
    char out[256] = "unset";
    int rc = ls_link_next(value, out, sizeof out);
    CHECK_INT(rc, want_rc);
    if (want_rc == 1)
        CHECK_STR(out, want);
}

int main(void)
{
    ls_challenge c;

    CHECK_INT(ls_challenge_parse(&c, "Bearer realm=\"https://auth.docker.io/token\",service="
                                     "\"registry.docker.io\",scope=\"repository:library/alpine:pull\""),
              0);
    CHECK_INT(c.scheme, LS_AUTH_BEARER);
    CHECK_STR(c.realm, "https://auth.docker.io/token");
    CHECK_STR(c.service, "registry.docker.io");
    CHECK_STR(c.scope, "repository:library/alpine:pull");
    CHECK_STR(c.error, "");

    /* commas and '=' inside quotes, escapes, spaces, case, unknown keys */
    CHECK_INT(ls_challenge_parse(&c, "  bearer  Realm = \"https://h/t?a=1,b=2\" , foo=bar, "
                                     "SCOPE=\"repository:a/b:pull,push\",error=\"insufficient_scope\","
                                     "service=\"say \\\"hi\\\"\""),
              0);
    CHECK_INT(c.scheme, LS_AUTH_BEARER);
    CHECK_STR(c.realm, "https://h/t?a=1,b=2");
    CHECK_STR(c.scope, "repository:a/b:pull,push");
    CHECK_STR(c.error, "insufficient_scope");
    CHECK_STR(c.service, "say \"hi\"");

    /* unquoted values; Basic */
    CHECK_INT(ls_challenge_parse(&c, "Bearer realm=https://127.0.0.1:5001/token,service=reg"), 0);
    CHECK_STR(c.realm, "https://127.0.0.1:5001/token");
    CHECK_STR(c.service, "reg");
    CHECK_INT(ls_challenge_parse(&c, "Basic realm=\"basic-realm\""), 0);
    CHECK_INT(c.scheme, LS_AUTH_BASIC);
    CHECK_STR(c.realm, "basic-realm");
    CHECK_INT(ls_challenge_parse(&c, "Basic"), 0);
    CHECK_INT(c.scheme, LS_AUTH_BASIC);

    /* two challenges in one value: the first is kept */
    CHECK_INT(ls_challenge_parse(&c, "Basic realm=\"a\", Bearer realm=\"b\""), 0);
    CHECK_INT(c.scheme, LS_AUTH_BASIC);
    CHECK_STR(c.realm, "a");

    /* refused */
    CHECK_INT(ls_challenge_parse(&c, ""), -1);
    CHECK_INT(ls_challenge_parse(&c, "Negotiate abc"), -1);
    CHECK_INT(c.scheme, LS_AUTH_UNKNOWN);
    CHECK_INT(ls_challenge_parse(&c, "Bearer realm=\"unterminated"), -1);
    {
        char big[3000] = "Bearer realm=\"";
        for (int i = 0; i < 2000; i++)
            strcat(big, "x");
        strcat(big, "\"");
        CHECK_INT(ls_challenge_parse(&c, big), -1); /* a realm too long is refused, not cut */
    }

    /* Link */
    link_is("</v2/_catalog?last=b&n=2>; rel=\"next\"", 1, "/v2/_catalog?last=b&n=2");
    link_is("<https://r.example/v2/_catalog?last=b&n=2>;rel=next", 1,
            "https://r.example/v2/_catalog?last=b&n=2");
    link_is("</p?1>; rel=\"prev\", </p?3>; rel=\"next\"", 1, "/p?3");
    link_is("</p?3>; title=\"a, b; c\"; rel=\"last next\"", 1, "/p?3");
    link_is("</p?1>; rel=\"prev\"", 0, NULL);
    link_is("", 0, NULL);
    link_is("/v2/_catalog?last=b; rel=next", -1, NULL);
    link_is("</unterminated; rel=next", -1, NULL);
    {
        char big[600] = "</";
        for (int i = 0; i < 400; i++)
            strcat(big, "x");
        strcat(big, ">; rel=next");
        link_is(big, -1, NULL); /* longer than the buffer */
    }
    CHECK_DONE();
}
