/* Image signatures (pipeline/signatures.h, supply/cosign.h, supply/keys.h):
 * keys are generated here with OpenSSL (P-256, P-384, RSA-2048, Ed25519)
 * and written as PEM to a temporary directory; signature manifests,
 * simple-signing payloads and Sigstore bundles are built in memory as
 * cosign writes them, and read back through a fetch callback over an
 * in-memory blob table that checks digests. Rules come from the real
 * patterns/provenance.json. */
#include "check.h"
#include "blob/sha256.h"
#include "pipeline/signatures.h"
#include "supply/cosign.h"
#include "supply/keys.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMAGE "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define OTHER "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define CONFIG "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define EMPTY_CONFIG "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define BUNDLE_MT "application/vnd.dev.sigstore.bundle.v0.3+json"

enum { K_P256, K_P384, K_RSA, K_ED, K_COUNT };
static EVP_PKEY *pk[K_COUNT];
static char kpath[K_COUNT][256];
static char tmpdir[] = "/tmp/ls-sigtest-XXXXXX";

/* ---- the blob table and its fetch callback ---------------------------------- */

#define MAX_BLOBS 32
static struct {
    char digest[LS_DIGEST_MAX];
    unsigned char *data;
    size_t len;
} blobs[MAX_BLOBS];
static size_t n_blobs;

static void blobs_reset(void)
{
    for (size_t i = 0; i < n_blobs; i++)
        free(blobs[i].data);
    n_blobs = 0;
}

/* Stores data under digest (its own when digest is NULL); returns the digest. */
static const char *blob_put(const char *digest, const void *data, size_t len)
{
    ls_error err = {0};
    if (n_blobs == MAX_BLOBS)
        abort();
    if (digest)
        snprintf(blobs[n_blobs].digest, sizeof blobs[n_blobs].digest, "%s", digest);
    else if (ls_sha256_buffer(data, len, blobs[n_blobs].digest, &err) != 0)
        abort();
    blobs[n_blobs].data = malloc(len + 1);
    memcpy(blobs[n_blobs].data, data, len);
    blobs[n_blobs].len = len;
    return blobs[n_blobs++].digest;
}

static int fetches;

static int fetch(void *ctx, const char *digest, unsigned char **data, size_t *len, ls_error *err)
{
    char got[LS_DIGEST_MAX];
    (void)ctx;
    fetches++;
    for (size_t i = 0; i < n_blobs; i++) {
        if (strcmp(blobs[i].digest, digest) != 0)
            continue;
        if (ls_sha256_buffer(blobs[i].data, blobs[i].len, got, err) != 0)
            return -1;
        if (strcmp(got, digest) != 0)
            return ls_error_set(err, LS_ERR_DIGEST, "payload blob %s: digest mismatch", digest);
        *data = malloc(blobs[i].len + 1);
        memcpy(*data, blobs[i].data, blobs[i].len);
        *len = blobs[i].len;
        return 0;
    }
    return ls_error_set(err, LS_ERR_IO, "blob %s: not found", digest);
}

/* ---- signing ---------------------------------------------------------------- */

static char *b64(const unsigned char *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

/* base64 of k's signature over msg: md NULL for Ed25519, pss for RSA-PSS. */
static char *sign_b64(int k, const char *mdname, int pss, const void *msg, size_t len, int flip)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    const EVP_MD *md = mdname ? EVP_get_digestbyname(mdname) : NULL;
    unsigned char *sig;
    size_t sl = 0;
    char *out;
    if (EVP_DigestSignInit(c, &pc, md, NULL, pk[k]) != 1)
        abort();
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) <= 0 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) <= 0))
        abort();
    if (EVP_DigestSign(c, NULL, &sl, msg, len) != 1)
        abort();
    sig = malloc(sl);
    if (EVP_DigestSign(c, sig, &sl, msg, len) != 1)
        abort();
    if (flip)
        sig[sl / 2] ^= 0x01;
    out = b64(sig, sl);
    free(sig);
    EVP_MD_CTX_free(c);
    return out;
}

/* base64 of k's signature over a SHA-256 digest given as bytes (prehashed). */
static char *sign_digest_b64(int k, const unsigned char *dg, size_t dlen)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk[k], NULL);
    unsigned char sig[512];
    size_t sl = sizeof sig;
    if (EVP_PKEY_sign_init(pc) != 1 || EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) <= 0 ||
        EVP_PKEY_sign(pc, sig, &sl, dg, dlen) != 1)
        abort();
    EVP_PKEY_CTX_free(pc);
    return b64(sig, sl);
}

/* ---- documents as cosign writes them ---------------------------------------- */

static char *fmt(const char *f, ...)
{
    va_list ap;
    char *s = malloc(65536);
    va_start(ap, f);
    vsnprintf(s, 65536, f, ap);
    va_end(ap);
    return s;
}

static char *simple_payload(const char *digest)
{
    return fmt("{\"critical\":{\"identity\":{\"docker-reference\":\"registry.example/app\"},"
               "\"image\":{\"docker-manifest-digest\":\"%s\"},\"type\":\"cosign container image signature\"},"
               "\"optional\":null}",
               digest);
}

typedef struct {
    const char *digest;     /* the payload blob's */
    size_t size;
    const char *sig;        /* base64, or NULL for no annotation */
} sig_layer;

static char *legacy_manifest(const sig_layer *l, size_t n)
{
    char *layers = calloc(1, 65536), *m;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        at += (size_t)snprintf(layers + at, 65536 - at,
                               "%s{\"mediaType\":\"" LS_MT_SIMPLESIGNING "\",\"size\":%zu,\"digest\":\"%s\"", i ? "," : "",
                               l[i].size, l[i].digest);
        if (l[i].sig)
            at += (size_t)snprintf(layers + at, 65536 - at,
                                   ",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"%s\"}", l[i].sig);
        at += (size_t)snprintf(layers + at, 65536 - at, "}");
    }
    m = fmt("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":233,\"digest\":\"" CONFIG "\"},"
            "\"layers\":[%s]}",
            layers);
    free(layers);
    return m;
}

/* A legacy .sig manifest with one layer: the payload names `names`, signed
 * by key k (mdname as for sign_b64; flip: one signature bit flipped). */
static char *legacy_one(const char *names, int k, const char *mdname, int flip)
{
    char *payload = simple_payload(names), *sig = sign_b64(k, mdname, 0, payload, strlen(payload), flip), *m;
    sig_layer l = {blob_put(NULL, payload, strlen(payload)), strlen(payload), sig};
    m = legacy_manifest(&l, 1);
    free(payload);
    free(sig);
    return m;
}

static const char *predicate = LS_COSIGN_SIGN_PREDICATE;

static char *statement(const char *hex)
{
    return fmt("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"registry.example/app\","
               "\"digest\":{\"sha256\":\"%s\"}}],\"predicateType\":\"%s\",\"predicate\":{}}",
               hex, predicate);
}

static char *bundle_manifest(const char *bundle_digest, size_t size)
{
    return fmt("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
               "\"artifactType\":\"" BUNDLE_MT "\","
               "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"size\":2,\"digest\":\"" EMPTY_CONFIG "\"},"
               "\"layers\":[{\"mediaType\":\"" BUNDLE_MT "\",\"size\":%zu,\"digest\":\"%s\","
               "\"annotations\":{\"dev.sigstore.bundle.predicateType\":\"https://sigstore.dev/cosign/sign/v1\"}}],"
               "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1234,\"digest\":\"" IMAGE "\"}}",
               size, bundle_digest);
}

/* A bundle referrer whose DSSE statement names hex, signed by key k. */
static char *bundle_dsse_one(const char *hex, int k, const char *mdname, int pss)
{
    char *stmt = statement(hex), *p64 = b64((unsigned char *)stmt, strlen(stmt)), *sig, *bundle, *m;
    size_t pae_len;
    unsigned char *pae = ls_dsse_pae(LS_MT_INTOTO, stmt, strlen(stmt), &pae_len);
    const char *d;
    sig = sign_b64(k, mdname, pss, pae, pae_len, 0);
    bundle = fmt("{\"mediaType\":\"" BUNDLE_MT "\",\"verificationMaterial\":{\"publicKey\":{\"hint\":\"\"}},"
                 "\"dsseEnvelope\":{\"payload\":\"%s\",\"payloadType\":\"" LS_MT_INTOTO "\","
                 "\"signatures\":[{\"sig\":\"%s\",\"keyid\":\"\"}]}}",
                 p64, sig);
    d = blob_put(NULL, bundle, strlen(bundle));
    m = bundle_manifest(d, strlen(bundle));
    free(stmt);
    free(p64);
    free(sig);
    free(pae);
    free(bundle);
    return m;
}

/* A messageSignature bundle over digest (the 32 bytes of `hex_digest`). */
static char *bundle_message_one(const char *oci_digest, int k)
{
    unsigned char dg[32];
    char *d64, *sig, *bundle, *m;
    const char *d;
    for (size_t i = 0; i < 32; i++)
        sscanf(oci_digest + 7 + 2 * i, "%2hhx", &dg[i]);
    d64 = b64(dg, 32);
    sig = sign_digest_b64(k, dg, 32);
    bundle = fmt("{\"mediaType\":\"" BUNDLE_MT "\",\"verificationMaterial\":{},"
                 "\"messageSignature\":{\"messageDigest\":{\"algorithm\":\"SHA2_256\",\"digest\":\"%s\"},"
                 "\"signature\":\"%s\"}}",
                 d64, sig);
    d = blob_put(NULL, bundle, strlen(bundle));
    m = bundle_manifest(d, strlen(bundle));
    free(d64);
    free(sig);
    free(bundle);
    return m;
}

/* ---- running a check -------------------------------------------------------- */

static ls_signature_report *reps;
static size_t n_reps;
static char last_digest[LS_DIGEST_MAX];

static void add(ls_attached_list *l, const char *m, ls_attached_via via)
{
    ls_error err = {0};
    CHECK_INT(ls_sha256_buffer(m, strlen(m), last_digest, &err), 0);
    CHECK_INT(ls_attached_add(l, last_digest, via, m, strlen(m), &err), 0);
}

static ls_keyring *keyring(int a, int b)
{
    const char *paths[2];
    size_t n = 0;
    ls_keyring *k = NULL;
    ls_error err = {0};
    if (a >= 0)
        paths[n++] = kpath[a];
    if (b >= 0)
        paths[n++] = kpath[b];
    CHECK_INT(ls_keyring_load(&k, paths, n, &err), 0);
    CHECK_INT(ls_keyring_count(k), n);
    return k;
}

/* Checks manifest m (freed) with keys (indexes into pk, -1 for none; both
 * -1 with nokeys: a NULL keyring) and returns the one entry. */
static const ls_signature_report *run(char *m, ls_attached_via via, int k1, int k2, int nokeys)
{
    ls_attached_list att = {0};
    ls_keyring *keys = nokeys ? NULL : keyring(k1, k2);
    ls_error err = {0};
    ls_signature_reports_free(reps, n_reps);
    reps = NULL;
    n_reps = 0;
    add(&att, m, via);
    free(m);
    CHECK_INT(ls_signatures_check(&att, IMAGE, keys, fetch, NULL, &reps, &n_reps, &err), 0);
    CHECK_INT(n_reps, 1);
    ls_attached_list_free(&att);
    ls_keyring_free(keys);
    blobs_reset();
    if (n_reps != 1)
        return NULL;
    CHECK_STR(reps[0].kind, "cosign");
    CHECK_STR(reps[0].digest, last_digest);
    return &reps[0];
}

#define EXPECT(r, ver, want_key, want_error)                                                             \
    do {                                                                                       \
        const ls_signature_report *r_ = (r);                                                   \
        const char *k_ = (want_key), *e_ = (want_error);                                                 \
        if (!r_)                                                                               \
            break;                                                                             \
        CHECK_INT(r_->verified, ver);                                                          \
        if (k_)                                                                                \
            CHECK_STR(r_->key, k_);                                                            \
        else                                                                                   \
            CHECK(r_->key == NULL);                                                            \
        if (e_)                                                                                \
            CHECK_STR(r_->error, e_);                                                          \
        else                                                                                   \
            CHECK(r_->error == NULL);                                                          \
    } while (0)

static char msg[1024];
static const char *say(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(msg, sizeof msg, f, ap);
    va_end(ap);
    return msg;
}

static void test_valid(void)
{
    const ls_signature_report *r;
    r = run(legacy_one(IMAGE, K_P256, "SHA256", 0), LS_ATTACHED_TAG, K_P256, -1, 0);
    EXPECT(r, 1, kpath[K_P256], NULL);
    if (r)
        CHECK_STR(r->source, "tag");
    r = run(bundle_dsse_one(IMAGE + 7, K_ED, NULL, 0), LS_ATTACHED_REFERRER, K_ED, -1, 0);
    EXPECT(r, 1, kpath[K_ED], NULL);
    if (r)
        CHECK_STR(r->source, "referrer");
    /* P-384: cosign's newer SHA-384 and its older SHA-256 */
    r = run(legacy_one(IMAGE, K_P384, "SHA384", 0), LS_ATTACHED_INDEX, K_P384, -1, 0);
    EXPECT(r, 1, kpath[K_P384], NULL);
    if (r)
        CHECK_STR(r->source, "index");
    r = run(bundle_dsse_one(IMAGE + 7, K_P384, "SHA256", 0), LS_ATTACHED_REFERRER, K_P384, -1, 0);
    EXPECT(r, 1, kpath[K_P384], NULL);
    /* RSA: PKCS#1 v1.5 and PSS */
    r = run(legacy_one(IMAGE, K_RSA, "SHA256", 0), LS_ATTACHED_TAG, K_RSA, -1, 0);
    EXPECT(r, 1, kpath[K_RSA], NULL);
    r = run(bundle_dsse_one(IMAGE + 7, K_RSA, "SHA256", 1), LS_ATTACHED_REFERRER, K_RSA, -1, 0);
    EXPECT(r, 1, kpath[K_RSA], NULL);
    /* a messageSignature bundle signs the manifest digest, prehashed */
    r = run(bundle_message_one(IMAGE, K_P256), LS_ATTACHED_REFERRER, K_P256, -1, 0);
    EXPECT(r, 1, kpath[K_P256], NULL);
}

static void test_invalid(void)
{
    const ls_signature_report *r;
    char *m, d[LS_DIGEST_MAX];
    r = run(legacy_one(OTHER, K_P256, "SHA256", 0), LS_ATTACHED_TAG, K_P256, -1, 0);
    EXPECT(r, 0, NULL, "payload names " OTHER ", not this image");
    m = bundle_dsse_one(OTHER + 7, K_ED, NULL, 0);
    snprintf(d, sizeof d, "%s", blobs[n_blobs - 1].digest);
    r = run(m, LS_ATTACHED_REFERRER, K_ED, -1, 0);
    EXPECT(r, 0, NULL, say("bundle %s: the statement's subjects do not name this image", d));
    m = bundle_message_one(OTHER, K_P256);
    snprintf(d, sizeof d, "%s", blobs[n_blobs - 1].digest);
    r = run(m, LS_ATTACHED_REFERRER, K_P256, -1, 0);
    EXPECT(r, 0, NULL, say("bundle %s: the message digest " OTHER " is not this image", d));
    r = run(legacy_one(IMAGE, K_P256, "SHA256", 1), LS_ATTACHED_TAG, K_P256, -1, 0);
    EXPECT(r, 0, kpath[K_P256], say("signature does not verify with %s", kpath[K_P256]));
    r = run(legacy_one(IMAGE, K_P256, "SHA256", 0), LS_ATTACHED_TAG, K_P384, -1, 0);
    EXPECT(r, 0, kpath[K_P384], say("signature does not verify with %s", kpath[K_P384]));
    r = run(legacy_one(IMAGE, K_P256, "SHA256", 0), LS_ATTACHED_TAG, K_P384, K_RSA, 0);
    EXPECT(r, 0, kpath[K_P384], say("signature does not verify with %s or 1 other key", kpath[K_P384]));
    /* Ed25519 never verifies a digest */
    r = run(bundle_message_one(IMAGE, K_P256), LS_ATTACHED_REFERRER, K_ED, -1, 0);
    EXPECT(r, 0, kpath[K_ED], say("signature does not verify with %s", kpath[K_ED]));
    /* two keys, the second verifies */
    r = run(legacy_one(IMAGE, K_P256, "SHA256", 0), LS_ATTACHED_TAG, K_P384, K_P256, 0);
    EXPECT(r, 1, kpath[K_P256], NULL);
    /* the payload blob does not hash to its descriptor's digest */
    {
        char *payload = simple_payload(IMAGE), *sig = sign_b64(K_P256, "SHA256", 0, payload, strlen(payload), 0);
        ls_error err = {0};
        sig_layer l = {d, strlen(payload), sig};
        CHECK_INT(ls_sha256_buffer(payload, strlen(payload), d, &err), 0);
        payload[5] = 'X';
        blob_put(d, payload, strlen(payload));
        m = legacy_manifest(&l, 1);
        r = run(m, LS_ATTACHED_TAG, K_P256, -1, 0);
        EXPECT(r, 0, NULL, say("payload blob %s: digest mismatch", d));
        free(payload);
        free(sig);
    }
    /* no signature annotation */
    {
        char *payload = simple_payload(IMAGE);
        sig_layer l = {blob_put(NULL, payload, strlen(payload)), strlen(payload), NULL};
        snprintf(d, sizeof d, "%s", l.digest);
        r = run(legacy_manifest(&l, 1), LS_ATTACHED_TAG, K_P256, -1, 0);
        EXPECT(r, 0, NULL, say("payload %s: no dev.cosignproject.cosign/signature annotation", d));
        free(payload);
    }
}

static void test_two_layers(void)
{
    const ls_signature_report *r;
    char *p1 = simple_payload(IMAGE), *p2 = fmt("%s ", p1); /* another blob, the same claim */
    char *s1 = sign_b64(K_P256, "SHA256", 0, p1, strlen(p1), 1), *s2 = sign_b64(K_P256, "SHA256", 0, p2, strlen(p2), 0);
    sig_layer l[2] = {{NULL, strlen(p1), s1}, {NULL, strlen(p2), s2}};
    char d1[LS_DIGEST_MAX], d2[LS_DIGEST_MAX];
    snprintf(d1, sizeof d1, "%s", blob_put(NULL, p1, strlen(p1)));
    snprintf(d2, sizeof d2, "%s", blob_put(NULL, p2, strlen(p2)));
    l[0].digest = d1;
    l[1].digest = d2;
    r = run(legacy_manifest(l, 2), LS_ATTACHED_TAG, K_P256, -1, 0);
    EXPECT(r, 1, kpath[K_P256], NULL);
    /* the first verifies: the second is never read */
    blob_put(NULL, p1, strlen(p1));
    blob_put(NULL, p2, strlen(p2));
    free(s1);
    s1 = sign_b64(K_P256, "SHA256", 0, p1, strlen(p1), 0);
    l[0].sig = s1;
    fetches = 0;
    r = run(legacy_manifest(l, 2), LS_ATTACHED_TAG, K_P256, -1, 0);
    EXPECT(r, 1, kpath[K_P256], NULL);
    CHECK_INT(fetches, 1);
    /* neither verifies: the first failure is the entry's */
    blob_put(NULL, p1, strlen(p1));
    l[1].digest = OTHER; /* not in the table */
    free(s1);
    s1 = sign_b64(K_P256, "SHA256", 0, p1, strlen(p1), 1);
    l[0].sig = s1;
    r = run(legacy_manifest(l, 2), LS_ATTACHED_TAG, K_P256, -1, 0);
    EXPECT(r, 0, kpath[K_P256], say("signature does not verify with %s", kpath[K_P256]));
    free(p1);
    free(p2);
    free(s1);
    free(s2);
}

static void test_no_keys(void)
{
    const ls_signature_report *r;
    r = run(legacy_one(IMAGE, K_P256, "SHA256", 0), LS_ATTACHED_TAG, -1, -1, 1);
    EXPECT(r, -1, NULL, NULL);
    /* an empty keyring is no keys */
    r = run(bundle_dsse_one(IMAGE + 7, K_ED, NULL, 0), LS_ATTACHED_REFERRER, -1, -1, 0);
    EXPECT(r, -1, NULL, NULL);
    /* not checked, but the payload is about another image: said */
    r = run(legacy_one(OTHER, K_P256, "SHA256", 0), LS_ATTACHED_TAG, -1, -1, 1);
    EXPECT(r, -1, NULL, "payload names " OTHER ", not this image");
}

static void test_skipped(void)
{
    ls_attached_list att = {0};
    ls_error err = {0};
    char *m = fmt("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                  "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":233,\"digest\":\"" CONFIG "\"},"
                  "\"layers\":[{\"mediaType\":\"" LS_MT_DSSE "\",\"size\":10,\"digest\":\"" OTHER "\","
                  "\"annotations\":{\"predicateType\":\"https://slsa.dev/provenance/v0.2\"}}]}");
    add(&att, m, LS_ATTACHED_TAG);
    free(m);
    /* cosign attest's bundle: an attestation, signed or not */
    predicate = "https://slsa.dev/provenance/v1";
    m = bundle_dsse_one(IMAGE + 7, K_P256, "SHA256", 0);
    predicate = LS_COSIGN_SIGN_PREDICATE;
    add(&att, m, LS_ATTACHED_REFERRER);
    add(&att, "not json", LS_ATTACHED_REFERRER);
    add(&att, "{\"schemaVersion\":2,\"manifests\":[]}", LS_ATTACHED_INDEX);
    ls_signature_reports_free(reps, n_reps);
    reps = NULL;
    n_reps = 7;
    fetches = 0;
    CHECK_INT(ls_signatures_check(&att, IMAGE, NULL, fetch, NULL, &reps, &n_reps, &err), 0);
    CHECK_INT(n_reps, 0);
    CHECK_INT(fetches, 1); /* the bundle, to learn it is an attestation */
    CHECK_INT(err.code, LS_OK);
    blobs_reset();
    /* a bundle artifact whose manifest holds no layer */
    free(m);
    m = fmt("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            "\"artifactType\":\"" BUNDLE_MT "\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"size\":2,\"digest\":\"" EMPTY_CONFIG "\"},"
            "\"layers\":[]}");
    {
        const ls_signature_report *r = run(m, LS_ATTACHED_REFERRER, K_P256, -1, 0);
        EXPECT(r, 0, NULL, "the manifest holds no signature");
    }
    ls_attached_list_free(&att);
}

static void test_require(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    char path[4096], fp[33];
    ls_ruleset *rs = ls_ruleset_new();
    ls_finding_list out = {0};
    ls_error err = {0};
    ls_signature_report v[2] = {{"cosign", "tag", NULL, 0, NULL, NULL, 0}, {"cosign", "referrer", NULL, -1, NULL, NULL, 0}};
    snprintf(path, sizeof path, "%s/patterns/provenance.json", src ? src : ".");
    CHECK_INT(ls_ruleset_load(rs, path, &err), 0);
    CHECK_INT(ls_signatures_require(NULL, 0, IMAGE, rs, &out, &err), 0);
    CHECK_INT(out.n, 1);
    if (out.n == 1) {
        ls_finding *f = &out.items[0];
        CHECK_STR(ls_ruleset_get(rs, f->rule)->id, "signature-missing");
        CHECK_INT(f->source, LS_SOURCE_SIGNATURE);
        CHECK_STR(f->path, "image.signatures");
        CHECK_INT(f->layer, -1);
        CHECK_INT(f->history, -1);
        CHECK_INT(f->removed_in_layer, -1);
        CHECK_INT(f->status, LS_STATUS_METADATA);
        CHECK_INT(f->line, 1);
        CHECK_INT(f->column, 1);
        CHECK_STR(f->secret, IMAGE);
        CHECK_INT(ls_fingerprint("signature-missing", IMAGE, strlen(IMAGE), fp), 0);
        CHECK_STR(f->fingerprint, fp);
    }
    ls_finding_list_free(&out);
    memset(&out, 0, sizeof out);
    CHECK_INT(ls_signatures_require(v, 2, NULL, rs, &out, &err), 0);
    CHECK_INT(out.n, 1);
    if (out.n == 1) {
        CHECK_STR(ls_ruleset_get(rs, out.items[0].rule)->id, "signature-invalid");
        CHECK_STR(out.items[0].secret, "(no manifest digest)");
        CHECK_INT(out.items[0].source, LS_SOURCE_SIGNATURE);
    }
    ls_finding_list_free(&out);
    memset(&out, 0, sizeof out);
    v[1].verified = 1;
    CHECK_INT(ls_signatures_require(v, 2, IMAGE, rs, &out, &err), 0);
    CHECK_INT(out.n, 0);
    /* a disabled rule adds nothing */
    CHECK_INT(ls_ruleset_disable(rs, "signature-missing"), 0);
    CHECK_INT(ls_signatures_require(NULL, 0, IMAGE, rs, &out, &err), 0);
    CHECK_INT(out.n, 0);
    CHECK_INT(err.code, LS_OK);
    ls_finding_list_free(&out);
    ls_ruleset_free(rs);
}

static void expect_load_error(const char *path, const char *message)
{
    ls_keyring *k = (ls_keyring *)1;
    ls_error err = {0};
    const char *paths[2] = {kpath[K_P256], path};
    CHECK_INT(ls_keyring_load(&k, paths, 2, &err), -1);
    CHECK(k == NULL);
    CHECK_INT(err.code, LS_ERR_USAGE);
    CHECK_STR(err.msg, message);
}

static void test_bad_keys(void)
{
    char p[512], m[1024];
    FILE *f;
    EVP_PKEY *small;
    snprintf(p, sizeof p, "%s/garbage.pub", tmpdir);
    f = fopen(p, "w");
    fputs("-----BEGIN PUBLIC KEY-----\nnot base64 !!\n-----END PUBLIC KEY-----\n", f);
    fclose(f);
    snprintf(m, sizeof m, "%s: not a PEM public key (ECDSA P-256/P-384/P-521, RSA or Ed25519)", p);
    expect_load_error(p, m);
    unlink(p);
    snprintf(p, sizeof p, "%s/missing.pub", tmpdir);
    snprintf(m, sizeof m, "%s: No such file or directory", p);
    expect_load_error(p, m);
    snprintf(m, sizeof m, "%s: not a regular file", tmpdir);
    expect_load_error(tmpdir, m);
    snprintf(p, sizeof p, "%s/fifo.pub", tmpdir);
    CHECK_INT(mkfifo(p, 0600), 0);
    snprintf(m, sizeof m, "%s: not a regular file", p);
    expect_load_error(p, m); /* refused, not waited on */
    unlink(p);
    snprintf(p, sizeof p, "%s/big.pub", tmpdir);
    f = fopen(p, "w");
    for (int i = 0; i < 70000; i++)
        fputc('A', f);
    fclose(f);
    snprintf(m, sizeof m, "%s: larger than 64 KiB", p);
    expect_load_error(p, m);
    unlink(p);
    /* a curve cosign never signs with */
    small = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
    snprintf(p, sizeof p, "%s/k1.pub", tmpdir);
    f = fopen(p, "w");
    PEM_write_PUBKEY(f, small);
    fclose(f);
    EVP_PKEY_free(small);
    snprintf(m, sizeof m, "%s: not a PEM public key (ECDSA P-256/P-384/P-521, RSA or Ed25519)", p);
    expect_load_error(p, m);
    unlink(p);
}

static void test_cosign_parsers(void)
{
    unsigned char *out;
    size_t n, pae_len;
    char *d = NULL;
    ls_error err = {0};
    unsigned char *pae;
    CHECK_INT(ls_base64_decode("aGk", 3, &out, &n), 0);
    CHECK_INT(n, 2);
    CHECK(out && memcmp(out, "hi", 2) == 0);
    free(out);
    CHECK_INT(ls_base64_decode("aGk=", 4, &out, &n), 0);
    CHECK_INT(n, 2);
    free(out);
    CHECK_INT(ls_base64_decode("", 0, &out, &n), 0);
    CHECK_INT(n, 0);
    CHECK(out != NULL);
    free(out);
    CHECK_INT(ls_base64_decode("aGk", 2, &out, &n), 0); /* "aG": one byte */
    CHECK_INT(n, 1);
    free(out);
    CHECK_INT(ls_base64_decode("a", 1, &out, &n), -1);
    CHECK_INT(ls_base64_decode("aG=k", 4, &out, &n), -1);
    CHECK_INT(ls_base64_decode("aGk=\n", 5, &out, &n), -1);
    CHECK_INT(ls_base64_decode("aG==a", 5, &out, &n), -1);
    CHECK(out == NULL);
    pae = ls_dsse_pae(LS_MT_INTOTO, "{}", 2, &pae_len);
    CHECK_INT(pae_len, strlen("DSSEv1 28 application/vnd.in-toto+json 2 {}"));
    CHECK(pae && memcmp(pae, "DSSEv1 28 application/vnd.in-toto+json 2 {}", pae_len) == 0);
    free(pae);
    /* cosign's decoder folds case, and KELVIN SIGN folds to k */
    const char *folded = "{\"Critical\":{\"IMAGE\":{\"Doc\xe2\x84\xaa" "er-Manifest-Digest\":\"" IMAGE "\"}}}";
    CHECK_INT(ls_simplesigning_digest(folded, strlen(folded), "p", &d, &err), 0);
    CHECK_STR(d, IMAGE);
    free(d);
    const char *twice = "{\"critical\":{\"image\":{\"docker-manifest-digest\":\"" IMAGE "\"},"
                        "\"Image\":{\"docker-manifest-digest\":\"" OTHER "\"}}}";
    CHECK_INT(ls_simplesigning_digest(twice, strlen(twice), "p", &d, &err), -1);
    CHECK_STR(err.msg, "p: \"image\" is given twice (in another case)");
    CHECK(d == NULL);
    ls_error_clear(&err);
    CHECK_INT(ls_simplesigning_digest("{}", 2, "p", &d, &err), -1);
    CHECK_STR(err.msg, "p: not a simple-signing payload (no critical.image.docker-manifest-digest)");
    ls_error_clear(&err);
    const char *dup = "{\"critical\":{},\"critical\":{}}";
    CHECK_INT(ls_simplesigning_digest(dup, strlen(dup), "p", &d, &err), -1);
    CHECK_INT(err.code, LS_ERR_FORMAT);
    ls_error_clear(&err);
    /* in-toto subjects */
    char *st = statement(IMAGE + 7);
    CHECK_INT(ls_intoto_names_digest(st, strlen(st), IMAGE, "s", &err), 1);
    CHECK_INT(ls_intoto_names_digest(st, strlen(st), OTHER, "s", &err), 0);
    CHECK_INT(ls_intoto_names_digest(st, strlen(st), "sha512:1111", "s", &err), 0);
    {
        char *pt = NULL;
        CHECK_INT(ls_intoto_predicate_type(st, strlen(st), "s", &pt, &err), 0);
        CHECK_STR(pt, LS_COSIGN_SIGN_PREDICATE);
        free(pt);
    }
    CHECK_INT(ls_intoto_names_digest("[]", 2, IMAGE, "s", &err), -1);
    CHECK_STR(err.msg, "s: not an in-toto statement");
    ls_error_clear(&err);
    free(st);
    /* a message-signature bundle has no envelope */
    {
        ls_dsse env;
        const char *b = "{\"mediaType\":\"" BUNDLE_MT "\",\"messageSignature\":{\"messageDigest\":"
                        "{\"algorithm\":\"SHA2_256\",\"digest\":\"aGk=\"},\"signature\":\"aGk=\"}}";
        CHECK_INT(ls_bundle_dsse(b, strlen(b), "b", &env, &err), -1);
        CHECK_INT(err.code, LS_ERR_UNSUPPORTED);
        CHECK_STR(err.msg, "b: a message-signature bundle holds no DSSE envelope");
        ls_error_clear(&err);
        const char *both = "{\"mediaType\":\"" BUNDLE_MT "\",\"dsseEnvelope\":{},\"dsse_envelope\":{}}";
        CHECK_INT(ls_bundle_dsse(both, strlen(both), "b", &env, &err), -1);
        CHECK_STR(err.msg, "b: both dsseEnvelope and dsse_envelope are given");
        ls_error_clear(&err);
    }
}

static void make_keys(void)
{
    if (!mkdtemp(tmpdir))
        abort();
    pk[K_P256] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    pk[K_P384] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    pk[K_RSA] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    pk[K_ED] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    static const char *names[K_COUNT] = {"p256.pub", "p384.pub", "rsa.pub", "ed25519.pub"};
    for (int i = 0; i < K_COUNT; i++) {
        FILE *f;
        if (!pk[i])
            abort();
        snprintf(kpath[i], sizeof kpath[i], "%s/%s", tmpdir, names[i]);
        if (!(f = fopen(kpath[i], "w")) || PEM_write_PUBKEY(f, pk[i]) != 1)
            abort();
        fclose(f);
    }
}

int main(void)
{
    make_keys();
    test_cosign_parsers();
    test_valid();
    test_invalid();
    test_two_layers();
    test_no_keys();
    test_skipped();
    test_require();
    test_bad_keys();
    ls_signature_reports_free(reps, n_reps);
    blobs_reset();
    for (int i = 0; i < K_COUNT; i++) {
        unlink(kpath[i]);
        EVP_PKEY_free(pk[i]);
    }
    rmdir(tmpdir);
    CHECK_DONE();
}
