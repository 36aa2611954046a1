/*
 * fuzz_intoto.c - arbitrary bytes as an attestation statement (in-toto
 * JSON, a DSSE envelope, a Sigstore bundle): every string walked with a
 * bounded JSON pointer, then the whole attestation stage over a manifest
 * naming the bytes as its one in-toto layer, with the bundled rules. What
 * an image attaches is hostile: no crash, no leak, a pointer always
 * "/..."-shaped and within its bound, every finding placed in a statement.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pipeline/attestations.h"
#include "supply/intoto.h"

FUZZ_COMPILE_MATCHER_AT_START

#define STMT "sha256:1111111111111111111111111111111111111111111111111111111111111111"

typedef struct {
    const uint8_t *data;
    size_t size;
} input;

static int check_string(void *ctx, const char *pointer, const char *key, const char *value, size_t len)
{
    (void)ctx;
    (void)key;
    (void)value;
    (void)len;
    if (strlen(pointer) > LS_JSON_POINTER_MAX || (pointer[0] && pointer[0] != '/'))
        abort();
    return 0;
}

static int fetch(void *ctx, const char *digest, unsigned char **data, size_t *len, ls_error *err)
{
    const input *in = ctx;
    (void)digest;
    *data = malloc(in->size + 1);
    if (!*data)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    memcpy(*data, in->data, in->size);
    *len = in->size;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char manifest[] =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" STMT "\",\"size\":2},"
        "\"layers\":[{\"mediaType\":\"application/vnd.in-toto+json\",\"digest\":\"" STMT "\",\"size\":1}]}";
    const ls_matcher *m = fuzz_matcher();
    input in = {data, size};
    ls_error err = {0};
    char *ptype = NULL;
    ls_attached_list att = {0};
    ls_finding_list out = {0};
    ls_error_list errors = {0};
    ls_attestation_report *reps = NULL;
    size_t n = 0;
    uint64_t bytes = 0;
    ls_image img = {0};
    ls_scanner *sc;
    if (size > 1 << 20)
        return 0;
    (void)ls_intoto_strings(data, size, "fuzz", check_string, NULL, &ptype, &err);
    free(ptype);
    if (!m || !(sc = ls_scanner_new(m, &err)))
        return 0;
    if (ls_attached_add(&att, STMT, LS_ATTACHED_INDEX, manifest, strlen(manifest), &err) == 0) {
        ls_attest_scan a = {.img = &img, .rules = ls_matcher_rules(m), .scanner = sc, .fetch = fetch,
                            .fetch_ctx = &in};
        if (ls_attestations_scan(&a, &att, &out, &errors, &reps, &n, &bytes, &err) == 0) {
            for (size_t i = 0; i < out.n; i++)
                if (out.items[i].source != LS_SOURCE_ATTESTATION ||
                    strncmp(out.items[i].path, "attestation[", 12) != 0)
                    abort();
        }
    }
    ls_attestation_reports_free(reps, n);
    ls_finding_list_free(&out);
    ls_error_list_free(&errors);
    ls_attached_list_free(&att);
    ls_scanner_free(sc);
    return 0;
}
