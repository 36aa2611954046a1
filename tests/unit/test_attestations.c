/*
 * test_attestations.c - the attestation scan over attached manifests held
 * in memory: every string of a statement scanned and named by its JSON
 * pointer (escaped as RFC 6901 says), "NAME=value" for members, findings
 * placed in the value and attributed to the last history entry whose build
 * arguments carry the secret; a DSSE envelope and a Sigstore bundle opened;
 * cosign's own signature statements, simple-signing layers and unreadable
 * statements left out (the last as errors entries). Fake secrets only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "layerscan/rules.h"
#include "match/matcher.h"
#include "pipeline/attestations.h"

static char tmpdir[] = "/tmp/test_attestations.XXXXXX";

static const char rules_json[] =
    "[{\"id\": \"tok\", \"title\": \"tok\", \"severity\": \"high\", \"confidence\": \"high\", "
    "\"scans\": [\"config\"], "
    "\"regex\": \"(?:^|[^A-Za-z0-9_])(?P<secret>tok_[a-z0-9]{8})(?:[^A-Za-z0-9_]|$)\", "
    "\"examples\": [{\"text\": \"tok_abcd1234\", \"secret\": \"tok_abcd1234\"}], \"negatives\": [\"y\"]},"
    " {\"id\": \"pw\", \"title\": \"pw\", \"severity\": \"high\", \"confidence\": \"high\", "
    "\"scans\": [\"config\"], "
    "\"regex\": \"DB_PASSWORD=(?P<secret>[a-z]{10})\", "
    "\"examples\": [{\"text\": \"DB_PASSWORD=abcdefghij\", \"secret\": \"abcdefghij\"}], "
    "\"negatives\": [\"y\"]}]";

#define D_PROV "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D_DSSE "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D_GONE "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define D_BAD "sha256:4444444444444444444444444444444444444444444444444444444444444444"
#define D_SIGN "sha256:5555555555555555555555555555555555555555555555555555555555555555"
#define D_PAYLOAD "sha256:6666666666666666666666666666666666666666666666666666666666666666"
#define D_BUNDLE "sha256:7777777777777777777777777777777777777777777777777777777777777777"

static const char prov[] =
    "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"https://slsa.dev/provenance/v0.2\","
    "\"subject\":[],\"predicate\":{\"invocation\":{\"parameters\":{\"args\":{"
    "\"build-arg:TOKEN\":\"tok_abcd1234\",\"a/b~c\":\"x tok_zzzz9999\",\"DB_PASSWORD\":\"qwertyuiop\"}}},"
    "\"materials\":[\"line1\\ntok_aaaa0000\"]}}";

/* base64 of {"_type":...,"predicateType":"https://example.test/custom",...,"predicate":{"env":["SECRET=tok_dsse0000"]}} */
static const char dsse[] =
    "{\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[],\"payload\":"
    "\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEiLCJwcmVkaWNhdGVUeXBlIjoiaHR0cHM6Ly9leGFtcGxl"
    "LnRlc3QvY3VzdG9tIiwic3ViamVjdCI6W10sInByZWRpY2F0ZSI6eyJlbnYiOlsiU0VDUkVUPXRva19kc3NlMDAwMCJdfX0=\"}";

/* a cosign signature bundle: its statement (predicate cosign/sign/v1) is no attestation */
static const char bundle[] =
    "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{},"
    "\"dsseEnvelope\":{\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[],\"payload\":"
    "\"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEiLCJwcmVkaWNhdGVUeXBlIjoiaHR0cHM6Ly9zaWdzdG9y"
    "ZS5kZXYvY29zaWduL3NpZ24vdjEiLCJzdWJqZWN0IjpbXSwicHJlZGljYXRlIjp7Im5vdGUiOiJ0b2tfc2lnbjAwMDAifX0=\"}}";

#define LAYER(mt, d, extra) "{\"mediaType\":\"" mt "\",\"digest\":\"" d "\",\"size\":1" extra "}"
#define MANIFEST(layers)                                                                          \
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","           \
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D_BAD  \
    "\",\"size\":2},\"layers\":[" layers "]}"

static const char m_build[] = MANIFEST(
    LAYER("application/vnd.in-toto+json", D_PROV,
          ",\"annotations\":{\"in-toto.io/predicate-type\":\"https://slsa.dev/provenance/v0.2\"}") ","
    LAYER("application/vnd.in-toto+json", D_GONE, "") ","
    LAYER("application/vnd.in-toto+json", D_BAD, ""));
static const char m_cosign_att[] = MANIFEST(LAYER("application/vnd.dsse.envelope.v1+json", D_DSSE, ""));
static const char m_sig[] = MANIFEST(LAYER("application/vnd.dev.cosign.simplesigning.v1+json", D_PAYLOAD,
                                           ",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"AA==\"}"));
static const char m_bundle[] = MANIFEST(LAYER("application/vnd.dev.sigstore.bundle.v0.3+json", D_BUNDLE, ""));
static const char m_junk[] = "{not json";

typedef struct {
    const char *digest, *data;
} blob;

static const blob blobs[] = {
    {D_PROV, prov}, {D_DSSE, dsse}, {D_BAD, "{\"unterminated"}, {D_PAYLOAD, "{}"}, {D_BUNDLE, bundle},
};

static int fetch(void *ctx, const char *digest, unsigned char **data, size_t *len, ls_error *err)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof blobs / sizeof *blobs; i++) {
        if (strcmp(blobs[i].digest, digest) == 0) {
            *len = strlen(blobs[i].data);
            *data = (unsigned char *)strdup(blobs[i].data);
            return *data ? 0 : ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
    }
    return ls_error_set(err, LS_ERR_IO, "img: blob %.19s is missing", digest);
}

static void add(ls_attached_list *l, const char *digest, ls_attached_via via, const char *json)
{
    ls_error err = {0};
    CHECK_INT(ls_attached_add(l, digest, via, json, strlen(json), &err), 0);
}

static const ls_finding *find(const ls_finding_list *l, const char *secret)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].secret, secret) == 0)
            return &l->items[i];
    return NULL;
}

static void expect(const ls_finding_list *l, const ls_ruleset *rs, const char *secret, const char *rule,
                   const char *path, uint64_t line, uint64_t column, uint64_t offset, long history)
{
    const ls_finding *f = find(l, secret);
    CHECK(f != NULL);
    if (!f) {
        fprintf(stderr, "  no finding for %s\n", secret);
        return;
    }
    CHECK_STR(ls_ruleset_get(rs, f->rule)->id, rule);
    CHECK_STR(f->path, path);
    CHECK_INT(f->source, LS_SOURCE_ATTESTATION);
    CHECK_INT(f->status, LS_STATUS_METADATA);
    CHECK_INT(f->layer, -1);
    CHECK_INT(f->removed_in_layer, -1);
    CHECK_INT(f->line, line);
    CHECK_INT(f->column, column);
    CHECK_INT(f->offset, offset);
    CHECK_INT(f->history, history);
}

int main(void)
{
    char path[512];
    ls_error err = {0};
    ls_ruleset *rs = ls_ruleset_new();
    ls_matcher *m = NULL;
    ls_scanner *sc;
    FILE *fp;
    ls_attached_list att = {0};
    ls_finding_list out = {0};
    ls_error_list errors = {0};
    ls_attestation_report *reps = NULL;
    size_t n = 0;
    uint64_t bytes = 0;
    /* history: the build arg is set twice, the second time wins */
    char *args0[] = {"TOKEN=tok_abcd1234"}, *args2[] = {"OTHER=1", "TOKEN=tok_abcd1234"};
    ls_history_report hist[3] = {{.index = 0, .build_args = args0, .n_build_args = 1, .layer = 0},
                                 {.index = 1, .layer = -1},
                                 {.index = 2, .build_args = args2, .n_build_args = 2, .layer = 1}};
    ls_image img = {.n_history = 3};

    CHECK(mkdtemp(tmpdir) != NULL);
    snprintf(path, sizeof path, "%s/rules.json", tmpdir);
    fp = fopen(path, "w");
    CHECK(fp != NULL);
    fputs(rules_json, fp);
    fclose(fp);
    CHECK_INT(ls_ruleset_load(rs, path, &err), 0);
    CHECK_INT(ls_matcher_new(&m, rs, &err), 0);
    sc = ls_scanner_new(m, &err);
    CHECK(sc != NULL);

    add(&att, "sha256:a000000000000000000000000000000000000000000000000000000000000000", LS_ATTACHED_INDEX, m_build);
    add(&att, "sha256:b000000000000000000000000000000000000000000000000000000000000000", LS_ATTACHED_TAG, m_cosign_att);
    add(&att, "sha256:c000000000000000000000000000000000000000000000000000000000000000", LS_ATTACHED_TAG, m_sig);
    add(&att, "sha256:d000000000000000000000000000000000000000000000000000000000000000", LS_ATTACHED_REFERRER, m_bundle);
    add(&att, "sha256:e000000000000000000000000000000000000000000000000000000000000000", LS_ATTACHED_REFERRER, m_junk);
    /* the same manifest again is listed once */
    add(&att, "sha256:a000000000000000000000000000000000000000000000000000000000000000", LS_ATTACHED_REFERRER, m_junk);
    CHECK_INT(att.n, 5);

    {
        ls_attest_scan a = {.img = &img, .hist = hist, .rules = rs, .scanner = sc, .fetch = fetch};
        CHECK_INT(ls_attestations_scan(&a, &att, &out, &errors, &reps, &n, &bytes, &err), 0);
    }
    /* the findings, each placed in its string's value */
    CHECK_INT(out.n, 5);
    expect(&out, rs, "tok_abcd1234", "tok",
           "attestation[https://slsa.dev/provenance/v0.2]/predicate/invocation/parameters/args/build-arg:TOKEN",
           1, 1, 0, 2);
    expect(&out, rs, "tok_zzzz9999", "tok",
           "attestation[https://slsa.dev/provenance/v0.2]/predicate/invocation/parameters/args/a~1b~0c", 1, 3, 2,
           -1);
    /* a rule that needs the member's name sees "DB_PASSWORD=value"; the match starts in the name */
    expect(&out, rs, "qwertyuiop", "pw",
           "attestation[https://slsa.dev/provenance/v0.2]/predicate/invocation/parameters/args/DB_PASSWORD", 1,
           1, 0, -1);
    expect(&out, rs, "tok_aaaa0000", "tok", "attestation[https://slsa.dev/provenance/v0.2]/predicate/materials/0",
           2, 1, 6, -1);
    expect(&out, rs, "tok_dsse0000", "tok", "attestation[https://example.test/custom]/predicate/env/0", 1, 8, 7,
           -1);
    CHECK(find(&out, "tok_sign0000") == NULL);

    /* the statements read: two; the missing and the broken one are errors */
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(reps[0].manifest, "sha256:a000000000000000000000000000000000000000000000000000000000000000");
        CHECK_STR(reps[0].digest, D_PROV);
        CHECK_STR(reps[0].media_type, "application/vnd.in-toto+json");
        CHECK_STR(reps[0].predicate_type, "https://slsa.dev/provenance/v0.2");
        CHECK_STR(reps[0].source, "index");
        CHECK_INT(reps[0].strings, 6);
        CHECK_STR(reps[1].digest, D_DSSE);
        CHECK_STR(reps[1].media_type, "application/vnd.dsse.envelope.v1+json");
        CHECK_STR(reps[1].predicate_type, "https://example.test/custom");
        CHECK_STR(reps[1].source, "tag");
        CHECK_INT(reps[1].strings, 3);
    }
    CHECK_INT(errors.n, 3);
    if (errors.n == 3) {
        CHECK_STR(errors.items[0].message, "attestation sha256:a00000000000 statement sha256:333333333333: "
                                           "img: blob sha256:333333333333 is missing");
        CHECK(strstr(errors.items[1].message, "attestation sha256:a00000000000 statement sha256:444444444444: "
                                              "invalid JSON") == errors.items[1].message);
        CHECK(strstr(errors.items[2].message, "attached manifest sha256:e00000000000: invalid JSON") ==
              errors.items[2].message);
        CHECK_INT(errors.items[0].layer, -1);
    }
    CHECK(bytes > 0);

    ls_attestation_reports_free(reps, n);
    ls_finding_list_free(&out);
    ls_error_list_free(&errors);

    /* bounded: 3 strings a statement, 1 statement an image */
    {
        ls_attest_scan a = {.img = &img, .hist = hist, .rules = rs, .scanner = sc, .fetch = fetch,
                            .max_strings = 3, .max_statements = 1};
        memset(&out, 0, sizeof out);
        memset(&errors, 0, sizeof errors);
        CHECK_INT(ls_attestations_scan(&a, &att, &out, &errors, &reps, &n, &bytes, &err), 0);
        CHECK_INT(n, 1);
        if (n == 1)
            CHECK_INT(reps[0].strings, 3);
        /* the first three strings: _type, predicateType, build-arg:TOKEN */
        CHECK_INT(out.n, 1);
        if (out.n == 1)
            CHECK_STR(out.items[0].secret, "tok_abcd1234");
        CHECK_INT(errors.n, 2);
        if (errors.n == 2) {
            CHECK_STR(errors.items[0].message, "attestation sha256:a00000000000 statement sha256:111111111111: "
                                               "more than 3 strings (the rest not scanned)");
            CHECK_STR(errors.items[1].message, "attestations: more than 1 statements (the rest not read)");
        }
        ls_attestation_reports_free(reps, n);
        ls_finding_list_free(&out);
        ls_error_list_free(&errors);
    }
    ls_attached_list_free(&att);
    ls_scanner_free(sc);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    unlink(path);
    rmdir(tmpdir);
    return check_failures != 0;
}
