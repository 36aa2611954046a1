/*
 * cosign.c - see cosign.h. jansson stays inside this file; every document
 * is parsed with duplicate keys rejected, and a member the writer's decoder
 * matches by more than one spelling (Go's encoding/json folds case;
 * protojson takes both "payloadType" and "payload_type") is refused when
 * more than one spelling is present, so what we check is what cosign reads.
 */
#include "supply/cosign.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define INTOTO_TYPE_PREFIX "https://in-toto.io/Statement/"

static int nomem(ls_error *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

/* ---- base64 --------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int ls_base64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len)
{
    size_t pad = 0, n, o = 0;
    uint32_t acc = 0;
    unsigned char *buf;
    *out = NULL;
    *out_len = 0;
    while (pad < 2 && len > pad && s[len - 1 - pad] == '=')
        pad++;
    /* padding, when present, completes a quantum of four */
    if (pad && len % 4 != 0)
        return -1;
    n = len - pad;
    if (n % 4 == 1)
        return -1;
    if (!(buf = malloc(n / 4 * 3 + 3)))
        return -2;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            free(buf);
            return -1;
        }
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            buf[o++] = (unsigned char)(acc >> 16);
            buf[o++] = (unsigned char)(acc >> 8);
            buf[o++] = (unsigned char)acc;
            acc = 0;
        }
    }
    if (n % 4 == 2) {
        buf[o++] = (unsigned char)(acc >> 4);
    } else if (n % 4 == 3) {
        buf[o++] = (unsigned char)(acc >> 10);
        buf[o++] = (unsigned char)(acc >> 2);
    }
    *out = buf;
    *out_len = o;
    return 0;
}

/* ---- JSON helpers ----------------------------------------------------------- */

static json_t *load(const void *data, size_t len, const char *what, ls_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        ls_error_set(err, LS_ERR_FORMAT, "%s: invalid JSON at line %d: %s", what, jerr.line, jerr.text);
    return j;
}

/* Go's encoding/json matches a member name to a field with Unicode simple
 * case folding: besides ASCII case, KELVIN SIGN (U+212A) is a 'k' and LATIN
 * SMALL LETTER LONG S (U+017F) an 's'. name is lowercase ASCII. */
static bool fold_equal(const char *key, const char *name)
{
    const unsigned char *k = (const unsigned char *)key;
    for (; *name; name++) {
        unsigned char c = *k >= 'A' && *k <= 'Z' ? (unsigned char)(*k + 32) : *k;
        if (c == (unsigned char)*name) {
            k++;
        } else if (*name == 'k' && k[0] == 0xE2 && k[1] == 0x84 && k[2] == 0xAA) {
            k += 3;
        } else if (*name == 's' && k[0] == 0xC5 && k[1] == 0xBF) {
            k += 2;
        } else {
            return false;
        }
    }
    return *k == '\0';
}

/* The member of obj that Go would decode into field `name`; NULL when
 * none. -1 when more than one spelling is present. */
static int member_fold(json_t *obj, const char *name, json_t **out, const char *what, ls_error *err)
{
    const char *k;
    json_t *v;
    *out = NULL;
    json_object_foreach(obj, k, v) {
        if (!fold_equal(k, name))
            continue;
        if (*out)
            return ls_error_set(err, LS_ERR_FORMAT, "%s: \"%s\" is given twice (in another case)", what, name);
        *out = v;
    }
    return 0;
}

/* The member protojson reads as one field: its JSON name or its proto
 * name. NULL when neither; -1 when both. */
static int member_proto(json_t *obj, const char *json_name, const char *proto_name, json_t **out,
                        const char *what, ls_error *err)
{
    json_t *a = json_object_get(obj, json_name), *b = json_object_get(obj, proto_name);
    if (a && b)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: both %s and %s are given", what, json_name, proto_name);
    *out = a ? a : b;
    return 0;
}

/* Decodes the base64 string member v (field `name`) into *out. */
static int b64_member(json_t *v, const char *name, unsigned char **out, size_t *len, const char *what,
                      ls_error *err)
{
    int rc;
    if (!json_is_string(v))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: %s is not a string", what, name);
    rc = ls_base64_decode(json_string_value(v), json_string_length(v), out, len);
    if (rc == -2)
        return nomem(err);
    if (rc != 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: %s is not base64", what, name);
    return 0;
}

/* ---- simple signing --------------------------------------------------------- */

int ls_simplesigning_digest(const void *payload, size_t len, const char *what, char **digest,
                            ls_error *err)
{
    json_t *root = load(payload, len, what, err), *crit = NULL, *image = NULL, *d = NULL;
    int rc = -1;
    *digest = NULL;
    if (!root)
        return -1;
    if (!json_is_object(root) || member_fold(root, "critical", &crit, what, err) != 0)
        goto out;
    if (!json_is_object(crit) || member_fold(crit, "image", &image, what, err) != 0)
        goto out;
    if (!json_is_object(image) || member_fold(image, "docker-manifest-digest", &d, what, err) != 0)
        goto out;
    if (!json_is_string(d) || json_string_length(d) == 0)
        goto out;
    if (!(*digest = strdup(json_string_value(d)))) {
        nomem(err);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        ls_error_set(err, LS_ERR_FORMAT,
                     "%s: not a simple-signing payload (no critical.image.docker-manifest-digest)", what);
    json_decref(root);
    return rc;
}

/* ---- DSSE ------------------------------------------------------------------- */

void ls_dsse_clear(ls_dsse *d)
{
    if (!d)
        return;
    free(d->payload_type);
    free(d->payload);
    for (size_t i = 0; i < d->n_sigs; i++)
        free(d->sigs[i]);
    free(d->sigs);
    free(d->sig_lens);
    memset(d, 0, sizeof *d);
}

static int dsse_sigs(json_t *arr, const char *what, ls_dsse *out, ls_error *err)
{
    size_t n = json_array_size(arr);
    if (!json_is_array(arr))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: signatures is not an array", what);
    if (n == 0)
        return 0; /* unsigned: still an envelope (the attestation stage reads its statement) */
    if (n > LS_DSSE_MAX_SIGS)
        return ls_error_set(err, LS_ERR_LIMIT, "%s: more than %u signatures", what, LS_DSSE_MAX_SIGS);
    if (!(out->sigs = calloc(n, sizeof *out->sigs)) || !(out->sig_lens = calloc(n, sizeof *out->sig_lens)))
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_object(s))
            return ls_error_set(err, LS_ERR_FORMAT, "%s: signatures[%zu] is not an object", what, i);
        if (b64_member(json_object_get(s, "sig"), "sig", &out->sigs[i], &out->sig_lens[i], what, err) != 0)
            return -1;
        out->n_sigs = i + 1;
    }
    return 0;
}

static int dsse_from_json(json_t *env, const char *what, ls_dsse *out, ls_error *err)
{
    json_t *type = NULL;
    memset(out, 0, sizeof *out);
    if (!json_is_object(env))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: the DSSE envelope is not an object", what);
    if (member_proto(env, "payloadType", "payload_type", &type, what, err) != 0)
        return -1;
    if (!json_is_string(type))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: payloadType is not a string", what);
    if (!(out->payload_type = strdup(json_string_value(type))))
        return nomem(err);
    if (b64_member(json_object_get(env, "payload"), "payload", &out->payload, &out->payload_len, what, err) != 0)
        return -1;
    return dsse_sigs(json_object_get(env, "signatures"), what, out, err);
}

int ls_dsse_parse(const void *json, size_t len, const char *what, ls_dsse *out, ls_error *err)
{
    json_t *root = load(json, len, what, err);
    int rc = root ? dsse_from_json(root, what, out, err) : -1;
    if (!root)
        memset(out, 0, sizeof *out);
    if (rc != 0)
        ls_dsse_clear(out);
    json_decref(root);
    return rc;
}

unsigned char *ls_dsse_pae(const char *type, const void *payload, size_t len, size_t *out_len)
{
    size_t tlen = strlen(type), total;
    char head[64], mid[32];
    int hn = snprintf(head, sizeof head, "DSSEv1 %zu ", tlen);
    int mn = snprintf(mid, sizeof mid, " %zu ", len);
    unsigned char *buf;
    if (hn < 0 || mn < 0 || tlen > SIZE_MAX / 2 || len > SIZE_MAX / 2 - tlen - 128)
        return NULL;
    total = (size_t)hn + tlen + (size_t)mn + len;
    if (!(buf = malloc(total ? total : 1)))
        return NULL;
    memcpy(buf, head, (size_t)hn);
    memcpy(buf + hn, type, tlen);
    memcpy(buf + (size_t)hn + tlen, mid, (size_t)mn);
    if (len)
        memcpy(buf + (size_t)hn + tlen + (size_t)mn, payload, len);
    *out_len = total;
    return buf;
}

/* ---- bundles ---------------------------------------------------------------- */

void ls_bundle_clear(ls_bundle *b)
{
    if (!b)
        return;
    ls_dsse_clear(&b->dsse);
    free(b->msg.algorithm);
    free(b->msg.digest);
    free(b->msg.sig);
    memset(b, 0, sizeof *b);
}

static int message_from_json(json_t *ms, const char *what, ls_message_sig *out, ls_error *err)
{
    json_t *md = NULL, *alg;
    if (!json_is_object(ms))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: messageSignature is not an object", what);
    if (member_proto(ms, "messageDigest", "message_digest", &md, what, err) != 0)
        return -1;
    if (!json_is_object(md))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: messageSignature has no messageDigest", what);
    alg = json_object_get(md, "algorithm");
    if (!json_is_string(alg))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: messageDigest.algorithm is not a string", what);
    if (!(out->algorithm = strdup(json_string_value(alg))))
        return nomem(err);
    if (b64_member(json_object_get(md, "digest"), "messageDigest.digest", &out->digest, &out->digest_len,
                   what, err) != 0)
        return -1;
    return b64_member(json_object_get(ms, "signature"), "messageSignature.signature", &out->sig,
                      &out->sig_len, what, err);
}

static int bundle_from_json(json_t *root, const char *what, ls_bundle *out, ls_error *err)
{
    json_t *mt = NULL, *env = NULL, *ms = NULL;
    if (!json_is_object(root))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: a bundle is a JSON object", what);
    if (member_proto(root, "mediaType", "media_type", &mt, what, err) != 0)
        return -1;
    if (!json_is_string(mt) ||
        strncmp(json_string_value(mt), LS_MT_SIGSTORE_BUNDLE_PREFIX, strlen(LS_MT_SIGSTORE_BUNDLE_PREFIX)) != 0)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: mediaType is not a Sigstore bundle's", what);
    if (member_proto(root, "dsseEnvelope", "dsse_envelope", &env, what, err) != 0 ||
        member_proto(root, "messageSignature", "message_signature", &ms, what, err) != 0)
        return -1;
    if (!env == !ms)
        return ls_error_set(err, LS_ERR_FORMAT, "%s: a bundle holds one of dsseEnvelope and messageSignature",
                            what);
    out->is_dsse = env != NULL;
    return env ? dsse_from_json(env, what, &out->dsse, err) : message_from_json(ms, what, &out->msg, err);
}

int ls_bundle_parse(const void *json, size_t len, const char *what, ls_bundle *out, ls_error *err)
{
    json_t *root;
    int rc;
    memset(out, 0, sizeof *out);
    if (!(root = load(json, len, what, err)))
        return -1;
    rc = bundle_from_json(root, what, out, err);
    if (rc != 0)
        ls_bundle_clear(out);
    json_decref(root);
    return rc;
}

int ls_bundle_dsse(const void *json, size_t len, const char *what, ls_dsse *out, ls_error *err)
{
    ls_bundle b;
    memset(out, 0, sizeof *out);
    if (ls_bundle_parse(json, len, what, &b, err) != 0)
        return -1;
    if (!b.is_dsse) {
        ls_bundle_clear(&b);
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: a message-signature bundle holds no DSSE envelope",
                            what);
    }
    *out = b.dsse;
    return 0;
}

int ls_message_algorithm(const char *algorithm, const char **md, const char **oci)
{
    static const struct {
        const char *name, *md, *oci;
    } algs[] = {{"SHA2_256", "SHA256", "sha256"}, {"SHA2_384", "SHA384", "sha384"},
                {"SHA2_512", "SHA512", "sha512"}};
    for (size_t i = 0; algorithm && i < sizeof algs / sizeof algs[0]; i++) {
        if (strcmp(algorithm, algs[i].name) == 0) {
            *md = algs[i].md;
            *oci = algs[i].oci;
            return 0;
        }
    }
    return -1;
}

/* ---- in-toto ---------------------------------------------------------------- */

static bool subject_names(json_t *subject, const char *alg, const char *hex)
{
    json_t *dig = json_is_object(subject) ? json_object_get(subject, "digest") : NULL;
    json_t *v = json_is_object(dig) ? json_object_get(dig, alg) : NULL;
    return json_is_string(v) && json_string_length(v) == strlen(hex) && *hex &&
           strcasecmp(json_string_value(v), hex) == 0;
}

/* The statement, parsed, and its subjects; NULL (err filled) when it is
 * not one. */
static json_t *load_statement(const void *stmt, size_t len, const char *what, json_t **subjects, ls_error *err)
{
    json_t *root = load(stmt, len, what, err), *type;
    if (!root)
        return NULL;
    type = json_is_object(root) ? json_object_get(root, "_type") : NULL;
    *subjects = json_is_object(root) ? json_object_get(root, "subject") : NULL;
    if (!json_is_string(type) ||
        strncmp(json_string_value(type), INTOTO_TYPE_PREFIX, strlen(INTOTO_TYPE_PREFIX)) != 0 ||
        !json_is_array(*subjects)) {
        json_decref(root);
        ls_error_set(err, LS_ERR_FORMAT, "%s: not an in-toto statement", what);
        return NULL;
    }
    return root;
}

int ls_intoto_predicate_type(const void *stmt, size_t len, const char *what, char **out, ls_error *err)
{
    json_t *subjects, *root = load_statement(stmt, len, what, &subjects, err), *pt;
    int rc = 0;
    *out = NULL;
    if (!root)
        return -1;
    pt = json_object_get(root, "predicateType");
    if (json_is_string(pt) && !(*out = strdup(json_string_value(pt))))
        rc = nomem(err);
    json_decref(root);
    return rc;
}

int ls_intoto_names_digest(const void *stmt, size_t len, const char *digest, const char *what,
                           ls_error *err)
{
    json_t *subjects, *root = load_statement(stmt, len, what, &subjects, err);
    const char *colon = digest ? strchr(digest, ':') : NULL;
    char alg[32];
    int rc = 0;
    if (!root)
        return -1;
    if (colon && (size_t)(colon - digest) < sizeof alg) {
        memcpy(alg, digest, (size_t)(colon - digest));
        alg[colon - digest] = '\0';
        for (size_t i = 0; i < json_array_size(subjects) && !rc; i++)
            rc = subject_names(json_array_get(subjects, i), alg, colon + 1);
    }
    json_decref(root);
    return rc;
}
