/*
 * supply_chain.c - attached manifests: found, then scanned and verified.
 */
#include "pipeline/supply_chain.h"

#include "pipeline/attestations.h"
#include "pipeline/signatures.h"

static int fetch_blob(void *ctx, const char *digest, unsigned char **data, size_t *len, ls_error *err)
{
    return ls_source_read_blob(ctx, digest, data, len, err);
}

int ls_supply_chain_scan(ls_source *src, ls_report *r, ls_scanner *sc, const ls_scan_opts *opts,
                         ls_finding_list *findings, ls_error_list *errors, ls_error *err)
{
    const ls_image *img = r->image;
    ls_attached_list att = {0};
    ls_error e = {0};
    const ls_attest_scan a = {.img = img,
                              .hist = r->history,
                              .rules = r->rules,
                              .scanner = sc,
                              .fetch = fetch_blob,
                              .fetch_ctx = src,
                              .debug = opts && opts->debug};
    const ls_keyring *keys = opts ? opts->verify_keys : NULL;
    int rc = -1;
    if (ls_source_find_attached(src, opts && opts->attached_index_only, &att, &e) < 0) {
        if (e.code == LS_ERR_NOMEM)
            goto fail;
        if (ls_error_list_add(errors, -1, NULL, "attached manifests: %s", e.msg) < 0)
            goto nomem;
    }
    if (ls_attestations_scan(&a, &att, findings, errors, &r->attestations, &r->n_attestations,
                             &r->bytes_scanned, err) < 0)
        goto out;
    if (ls_signatures_check(&att, img->manifest_digest, keys, fetch_blob, src, &r->signatures,
                            &r->n_signatures, err) < 0)
        goto out;
    if (opts && opts->require_signature &&
        ls_signatures_require(r->signatures, r->n_signatures, img->manifest_digest, r->rules,
                              findings, err) < 0)
        goto out;
    rc = 0;
    goto out;
nomem:
    ls_error_set(&e, LS_ERR_NOMEM, "out of memory");
fail:
    ls_error_pass(err, &e);
out:
    ls_attached_list_free(&att);
    return rc;
}
