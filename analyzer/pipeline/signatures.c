/*
 * signatures.c - see signatures.h. Each signature of a manifest ends in one
 * outcome (verified with key K, or why not); the manifest's entry is then
 * decided from its signatures' outcomes in one place (decide()), so the
 * rules for verified/key/error are written once.
 */
#include "pipeline/signatures.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/manifest.h"
#include "supply/cosign.h"

#define RULE_MISSING "signature-missing"
#define RULE_INVALID "signature-invalid"

/* What one signature came to. */
typedef struct {
    bool verified;                /* with key `key` */
    bool named;                   /* read, parsed, names this image: it reached the keys */
    bool tried;                   /* at least one key was tried */
    bool attestation;             /* a bundle of another predicate: not a signature at all */
    size_t key;                   /* the key that verified it */
    char error[LS_ERROR_MSG_MAX]; /* why not ("" when verified or merely unchecked) */
} outcome;

/* What a check needs besides the descriptor. */
typedef struct {
    const char *image_digest;
    const ls_keyring *keys;       /* NULL or empty: nothing is verified */
    ls_blob_fetch fetch;
    void *ctx;
    ls_error *err;                /* the caller's: only out-of-memory reaches it */
} check_ctx;

static int nomem(ls_error *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

static bool starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void fail(outcome *o, const char *fmt, ...)
{
    char raw[LS_ERROR_MSG_MAX];
    ls_error e = {0};
    va_list ap;
    if (o->error[0])
        return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* through ls_error_set for its escaping: the text quotes hostile JSON */
    ls_error_set(&e, LS_ERR_FORMAT, "%s", raw);
    memcpy(o->error, e.msg, sizeof o->error);
}

/* A local failure: fatal ones (out of memory) go to the caller (-1), the
 * input's become the outcome's error (0). A callback that failed without
 * saying why still leaves a reason. */
static int absorb(const check_ctx *c, outcome *o, const ls_error *local, const char *what)
{
    if (ls_error_level_of(local) == LS_LEVEL_FATAL)
        return ls_error_pass(c->err, local);
    if (local->msg[0])
        fail(o, "%s", local->msg);
    else
        fail(o, "%s: cannot be read", what);
    return 0;
}

static size_t key_count(const check_ctx *c)
{
    return ls_keyring_count(c->keys);
}

/* Why no key verified the signature(s). */
static void not_verified(const check_ctx *c, outcome *o)
{
    size_t n = key_count(c);
    if (n == 1)
        fail(o, "signature does not verify with %s", ls_keyring_path(c->keys, 0));
    else
        fail(o, "signature does not verify with %s or %zu other key%s", ls_keyring_path(c->keys, 0), n - 1,
             n == 2 ? "" : "s");
}

/* Tries every key on sig over msg (or, with md, over the digest msg).
 * 0 (o says whether one verified), or -1 out of memory. */
static int try_keys(const check_ctx *c, outcome *o, const char *md, const void *msg, size_t msg_len,
                    const void *sig, size_t sig_len)
{
    for (size_t i = 0; i < key_count(c) && !o->verified; i++) {
        int rc = md ? ls_keyring_verify_digest(c->keys, i, md, msg, msg_len, sig, sig_len, c->err)
                    : ls_keyring_verify(c->keys, i, msg, msg_len, sig, sig_len, c->err);
        if (rc < 0)
            return -1;
        o->tried = true;
        if (rc == 1) {
            o->verified = true;
            o->key = i;
        }
    }
    return 0;
}

/* ---- simple signing (the legacy .sig tag) ----------------------------------- */

static int check_simple(const check_ctx *c, const ls_descriptor *l, outcome *o)
{
    ls_error local = {0};
    unsigned char *sig = NULL, *payload = NULL;
    size_t sig_len = 0, len = 0;
    char *named = NULL, what[200];
    int rc = 0, b;
    snprintf(what, sizeof what, "payload %s", l->digest);
    if (!l->signature) {
        fail(o, "%s: no dev.cosignproject.cosign/signature annotation", what);
        return 0;
    }
    if ((b = ls_base64_decode(l->signature, strlen(l->signature), &sig, &sig_len)) != 0) {
        if (b == -2)
            return nomem(c->err);
        fail(o, "%s: the signature annotation is not base64", what);
        return 0;
    }
    if (c->fetch(c->ctx, l->digest, &payload, &len, &local) != 0 ||
        ls_simplesigning_digest(payload, len, what, &named, &local) != 0) {
        rc = absorb(c, o, &local, what);
        goto out;
    }
    if (!c->image_digest || strcmp(named, c->image_digest) != 0) {
        fail(o, "payload names %s, not this image", named);
        goto out;
    }
    o->named = true;
    if ((rc = try_keys(c, o, NULL, payload, len, sig, sig_len)) == 0 && o->tried && !o->verified)
        not_verified(c, o);
out:
    free(named);
    free(payload);
    free(sig);
    return rc;
}

/* ---- Sigstore bundles (referrers) ------------------------------------------- */

static int check_dsse(const check_ctx *c, const ls_dsse *d, const char *what, outcome *o)
{
    ls_error local = {0};
    unsigned char *pae;
    size_t pae_len = 0;
    int rc;
    char *predicate = NULL;
    if (strcmp(d->payload_type, LS_MT_INTOTO) != 0) {
        fail(o, "%s: payload type %s is not an in-toto statement", what, d->payload_type);
        return 0;
    }
    if (ls_intoto_predicate_type(d->payload, d->payload_len, what, &predicate, &local) != 0)
        return absorb(c, o, &local, what);
    /* cosign signs an image as this predicate; a bundle of any other is an
     * attestation (the attestation stage's), whoever signed it */
    o->attestation = !predicate || strcmp(predicate, LS_COSIGN_SIGN_PREDICATE) != 0;
    free(predicate);
    if (o->attestation)
        return 0;
    rc = ls_intoto_names_digest(d->payload, d->payload_len, c->image_digest, what, &local);
    if (rc < 0)
        return absorb(c, o, &local, what);
    if (rc == 0) {
        fail(o, "%s: the statement's subjects do not name this image", what);
        return 0;
    }
    if (d->n_sigs == 0) {
        fail(o, "%s: the envelope holds no signature", what);
        return 0;
    }
    o->named = true;
    if (!(pae = ls_dsse_pae(d->payload_type, d->payload, d->payload_len, &pae_len)))
        return nomem(c->err);
    rc = 0;
    for (size_t s = 0; s < d->n_sigs && !o->verified && rc == 0; s++)
        rc = try_keys(c, o, NULL, pae, pae_len, d->sigs[s], d->sig_lens[s]);
    free(pae);
    if (rc == 0 && o->tried && !o->verified)
        not_verified(c, o);
    return rc;
}

/* A messageSignature signs the artifact's digest: for an image, its
 * manifest digest. */
static int check_message(const check_ctx *c, const ls_message_sig *m, const char *what, outcome *o)
{
    const char *md, *oci;
    char named[160];
    size_t n;
    if (ls_message_algorithm(m->algorithm, &md, &oci) != 0) {
        fail(o, "%s: message digest algorithm %s is not supported", what, m->algorithm);
        return 0;
    }
    if (m->digest_len > 64) {
        fail(o, "%s: the message digest is %zu bytes long", what, m->digest_len);
        return 0;
    }
    n = (size_t)snprintf(named, sizeof named, "%s:", oci);
    for (size_t i = 0; i < m->digest_len; i++)
        n += (size_t)snprintf(named + n, sizeof named - n, "%02x", m->digest[i]);
    if (!c->image_digest || strcmp(named, c->image_digest) != 0) {
        fail(o, "%s: the message digest %s is not this image", what, named);
        return 0;
    }
    o->named = true;
    if (try_keys(c, o, md, m->digest, m->digest_len, m->sig, m->sig_len) != 0)
        return -1;
    if (o->tried && !o->verified)
        not_verified(c, o);
    return 0;
}

static int check_bundle(const check_ctx *c, const ls_descriptor *l, outcome *o)
{
    ls_error local = {0};
    unsigned char *data = NULL;
    size_t len = 0;
    ls_bundle b;
    char what[200];
    int rc;
    memset(&b, 0, sizeof b);
    snprintf(what, sizeof what, "bundle %s", l->digest);
    if (c->fetch(c->ctx, l->digest, &data, &len, &local) != 0 ||
        ls_bundle_parse(data, len, what, &b, &local) != 0) {
        free(data);
        return absorb(c, o, &local, what);
    }
    rc = b.is_dsse ? check_dsse(c, &b.dsse, what, o) : check_message(c, &b.msg, what, o);
    ls_bundle_clear(&b);
    free(data);
    return rc;
}

/* ---- manifests ---------------------------------------------------------------- */

typedef enum { LAYER_OTHER, LAYER_SIMPLE, LAYER_BUNDLE } layer_kind;

static layer_kind kind_of(const ls_descriptor *l)
{
    if (l->media_type && strcmp(l->media_type, LS_MT_SIMPLESIGNING) == 0)
        return LAYER_SIMPLE;
    if (starts_with(l->media_type, LS_MT_SIGSTORE_BUNDLE_PREFIX))
        return LAYER_BUNDLE;
    return LAYER_OTHER;
}

static bool is_signature_manifest(const ls_manifest_doc *doc)
{
    if (doc->kind != LS_DOC_MANIFEST)
        return false;
    if (starts_with(doc->artifact_type, LS_MT_SIGSTORE_BUNDLE_PREFIX))
        return true;
    for (size_t i = 0; i < doc->n_layers; i++)
        if (kind_of(&doc->layers[i]) != LAYER_OTHER)
            return true;
    return false;
}

/* The entry's verdict from its signatures' outcomes (see signatures.h). */
typedef struct {
    bool verified, tried, named;
    size_t candidates;             /* signature layers read */
    size_t attestations;           /* of them, bundles that turned out attestations */
    size_t key;
    char error[LS_ERROR_MSG_MAX];  /* the first failing signature's */
} verdict;

static void note(verdict *v, const outcome *o)
{
    v->candidates++;
    if (o->attestation) {
        v->attestations++;
        return;
    }
    if (o->verified) {
        v->verified = true;
        v->key = o->key;
    }
    v->tried |= o->tried;
    v->named |= o->named;
    if (!v->error[0] && o->error[0])
        memcpy(v->error, o->error, sizeof v->error);
}

static int fill_entry(ls_signature_report *r, const ls_attached *m, const check_ctx *c, const verdict *v)
{
    const char *key = NULL, *error = NULL;
    r->kind = "cosign";
    r->source = ls_attached_via_name(m->via);
    if (key_count(c) == 0) {
        r->verified = -1;
        /* unchecked; but a signature that cannot be read or names another
         * image is worth saying, unless another one of the manifest is fine */
        if (!v->named)
            error = v->error[0] ? v->error : "the manifest holds no signature";
    } else if (v->verified) {
        r->verified = 1;
        key = ls_keyring_path(c->keys, v->key);
    } else {
        r->verified = 0;
        key = v->tried ? ls_keyring_path(c->keys, 0) : NULL;
        error = v->error[0] ? v->error : "the manifest holds no signature";
    }
    r->digest = strdup(m->digest);
    r->key = key ? strdup(key) : NULL;
    r->error = error ? strdup(error) : NULL;
    if (!r->digest || (key && !r->key) || (error && !r->error))
        return nomem(c->err);
    return 0;
}

static int check_manifest(const check_ctx *c, const ls_manifest_doc *doc, verdict *v)
{
    for (size_t i = 0; i < doc->n_layers && !v->verified && v->candidates < LS_SIGNATURE_LAYERS_MAX; i++) {
        const ls_descriptor *l = &doc->layers[i];
        layer_kind k = kind_of(l);
        outcome o;
        int rc;
        if (k == LAYER_OTHER || !l->digest)
            continue;
        memset(&o, 0, sizeof o);
        rc = k == LAYER_SIMPLE ? check_simple(c, l, &o) : check_bundle(c, l, &o);
        if (rc != 0)
            return -1;
        note(v, &o);
    }
    return 0;
}

static int grow(ls_signature_report **v, size_t n, size_t *cap)
{
    ls_signature_report *p;
    size_t nc;
    if (n < *cap)
        return 0;
    nc = *cap ? *cap * 2 : 4;
    if (!(p = realloc(*v, nc * sizeof *p)))
        return -1;
    *v = p;
    *cap = nc;
    return 0;
}

/* Appends the entry for attached manifest m when it is a signature
 * manifest. 0, or -1 (out of memory) with c->err filled. */
static int one_manifest(const check_ctx *c, const ls_attached *m, ls_signature_report **v, size_t *count,
                        size_t *cap)
{
    ls_manifest_doc doc;
    ls_error local = {0};
    verdict vd;
    int rc;
    memset(&doc, 0, sizeof doc);
    memset(&vd, 0, sizeof vd);
    if (ls_manifest_parse(&doc, m->digest, m->data, m->len, &local) != 0)
        /* not a manifest: the attestation stage reports it */
        return ls_error_level_of(&local) == LS_LEVEL_FATAL ? ls_error_pass(c->err, &local) : 0;
    if (!is_signature_manifest(&doc)) {
        ls_manifest_doc_free(&doc);
        return 0;
    }
    rc = check_manifest(c, &doc, &vd);
    ls_manifest_doc_free(&doc);
    if (rc != 0)
        return -1;
    if (vd.candidates && vd.attestations == vd.candidates)
        return 0; /* bundles of attestations only */
    if (grow(v, *count, cap) != 0)
        return nomem(c->err);
    memset(&(*v)[*count], 0, sizeof **v);
    (*count)++; /* the caller frees it with the rest whatever happens next */
    return fill_entry(&(*v)[*count - 1], m, c, &vd);
}

int ls_signatures_check(const ls_attached_list *att, const char *image_digest, const ls_keyring *keys,
                        ls_blob_fetch fetch, void *ctx, ls_signature_report **out, size_t *n,
                        ls_error *err)
{
    check_ctx c = {image_digest, keys, fetch, ctx, err};
    ls_signature_report *v = NULL;
    size_t count = 0, cap = 0;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; att && i < att->n; i++) {
        if (one_manifest(&c, &att->items[i], &v, &count, &cap) != 0) {
            ls_signature_reports_free(v, count);
            return -1;
        }
    }
    *out = v;
    *n = count;
    return 0;
}

/* ---- --require-signature ---------------------------------------------------- */

int ls_signatures_require(const ls_signature_report *v, size_t n, const char *image_digest,
                          const ls_ruleset *rs, ls_finding_list *out, ls_error *err)
{
    const char *evidence = image_digest ? image_digest : "(no manifest digest)";
    ls_hit hit = {0};
    ls_finding *f;
    long rule;
    for (size_t i = 0; i < n; i++)
        if (v[i].verified == 1)
            return 0;
    if ((rule = ls_ruleset_find(rs, n ? RULE_INVALID : RULE_MISSING)) < 0)
        return 0; /* disabled */
    hit.rule = (size_t)rule;
    hit.secret = evidence;
    hit.secret_len = strlen(evidence);
    hit.line = hit.column = 1;
    if (!(f = ls_finding_list_add(out, rs, &hit, "image.signatures", (ls_content_id){0, 0})))
        return nomem(err);
    f->source = LS_SOURCE_SIGNATURE;
    return 0;
}

void ls_signature_reports_free(ls_signature_report *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].digest);
        free(v[i].key);
        free(v[i].error);
    }
    free(v);
}
