/*
 * fuzz_cosign.c - arbitrary bytes through cosign's document parsers
 * (supply/cosign.h): base64, simple-signing payloads, DSSE envelopes,
 * Sigstore bundles, in-toto subjects and predicate types. The first byte
 * picks the parser (modulo 5) so one corpus covers all; what each returns
 * is checked against its contract, and a broken promise aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "supply/cosign.h"

#define IMAGE "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void check_base64(const uint8_t *data, size_t size)
{
    unsigned char *out = (unsigned char *)1;
    size_t n = 7, pad = 0;
    int rc = ls_base64_decode((const char *)data, size, &out, &n);
    if (rc != 0) {
        if (out || n)
            abort();
        return;
    }
    while (pad < 2 && size > pad && data[size - 1 - pad] == '=')
        pad++;
    if (!out || n != (size - pad) * 3 / 4)
        abort();
    free(out);
}

/* A parsed envelope is whole: every signature present, and its PAE is as
 * long as the encoding says. */
static void check_dsse(const ls_dsse *d)
{
    size_t len = 0;
    unsigned char *pae;
    if (!d->payload_type || !d->payload || d->n_sigs > LS_DSSE_MAX_SIGS)
        abort();
    for (size_t i = 0; i < d->n_sigs; i++)
        if (!d->sigs[i])
            abort();
    if (!(pae = ls_dsse_pae(d->payload_type, d->payload, d->payload_len, &len)))
        return;
    if (len < strlen(d->payload_type) + d->payload_len + 11 || memcmp(pae, "DSSEv1 ", 7) != 0)
        abort();
    free(pae);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_error err = {0};
    if (size < 1)
        return 0;
    switch (data[0] % 5) {
    case 0:
        check_base64(data + 1, size - 1);
        break;
    case 1: {
        char *d = NULL;
        if (ls_simplesigning_digest(data + 1, size - 1, "fuzz", &d, &err) == 0) {
            if (!d || !*d)
                abort();
            free(d);
        } else if (d || err.code == LS_OK) {
            abort();
        }
        break;
    }
    case 2: {
        ls_dsse d;
        if (ls_dsse_parse(data + 1, size - 1, "fuzz", &d, &err) == 0) {
            check_dsse(&d);
            ls_dsse_clear(&d);
        } else if (d.payload_type || d.sigs || err.code == LS_OK) {
            abort();
        }
        break;
    }
    case 3: {
        ls_dsse d;
        ls_bundle b;
        if (ls_bundle_dsse(data + 1, size - 1, "fuzz", &d, &err) == 0) {
            check_dsse(&d);
            ls_dsse_clear(&d);
        }
        ls_error_clear(&err);
        if (ls_bundle_parse(data + 1, size - 1, "fuzz", &b, &err) == 0) {
            if (b.is_dsse)
                check_dsse(&b.dsse);
            else if (!b.msg.algorithm || !b.msg.digest || !b.msg.sig)
                abort();
            ls_bundle_clear(&b);
        }
        break;
    }
    default: {
        int rc = ls_intoto_names_digest(data + 1, size - 1, IMAGE, "fuzz", &err);
        char *pt = NULL;
        ls_error perr = {0};
        if (rc < -1 || rc > 1 || (rc == -1) != (err.code != LS_OK))
            abort();
        /* the same document is a statement to both, or to neither */
        if ((ls_intoto_predicate_type(data + 1, size - 1, "fuzz", &pt, &perr) == 0) != (rc >= 0))
            abort();
        free(pt);
        break;
    }
    }
    return 0;
}
