/*
 * magic.c - keystores and PKCS#12 files by their bytes (see magic.h).
 *
 * JKS/JCEKS: magic, version, entry count, then per entry a tag (1 private
 * key, 2 trusted certificate, 3 secret key (JCEKS)), an alias, a date and the
 * entry's blobs; we walk the entries to tell a keystore holding keys from a
 * truststore. A JCEKS secret key is a serialized Java object of no declared
 * length: the walk stops there, having seen a key. PKCS#12: the header must
 * be exact (SEQUENCE, INTEGER 3, SEQUENCE, OID pkcs7-data or signedData) and
 * a definite length must cover the file, so an arbitrary DER file (a
 * certificate, a CRL, a PKCS#8 key with its own rule) does not fire; the key
 * bag OIDs, visible in clear in what OpenSSL and keytool write, raise the
 * confidence.
 */
#include "detect/magic.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static const unsigned char JKS_MAGIC[4] = {0xfe, 0xed, 0xfe, 0xed};
static const unsigned char JCEKS_MAGIC[4] = {0xce, 0xce, 0xce, 0xce};
/* 1.2.840.113549.1.7.1 (data) and .7.2 (signedData), without the last byte */
static const unsigned char OID_PKCS7[10] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07};
/* 1.2.840.113549.1.12.10.1.1 (keyBag) / .2 (pkcs8ShroudedKeyBag), without the last byte */
static const unsigned char OID_KEYBAG[12] = {0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86,
                                             0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01};

/* A DER/BER length at p[*i]: *len set (-1 for indefinite). false when bad. */
static bool der_length(const unsigned char *p, size_t n, size_t *i, int64_t *len)
{
    unsigned k;
    uint64_t v = 0;
    if (*i >= n)
        return false;
    if (p[*i] == 0x80) {
        (*i)++;
        *len = -1;
        return true;
    }
    if (p[*i] < 0x80)
        return false; /* a PKCS#12 file is never under 128 bytes */
    k = p[(*i)++] & 0x7f;
    if (k > 4 || *i + k > n)
        return false;
    while (k--)
        v = (v << 8) | p[(*i)++];
    *len = (int64_t)v;
    return v >= 128;
}

/* The PKCS#12 header: its end offset in *hdr and the outer length. */
static bool p12_header(const unsigned char *p, size_t n, size_t *hdr, int64_t *outer)
{
    size_t i = 1;
    int64_t inner;
    if (n < 1 || p[0] != 0x30 || !der_length(p, n, &i, outer))
        return false;
    *hdr = i;
    if (i + 4 > n || memcmp(p + i, "\x02\x01\x03\x30", 4) != 0)
        return false;
    i += 4;
    if (!der_length(p, n, &i, &inner))
        return false;
    if (i + sizeof OID_PKCS7 + 1 > n || memcmp(p + i, OID_PKCS7, sizeof OID_PKCS7) != 0)
        return false;
    return p[i + sizeof OID_PKCS7] == 0x01 || p[i + sizeof OID_PKCS7] == 0x02;
}

ls_magic_kind ls_magic_sniff(const unsigned char *h, size_t len)
{
    size_t hdr;
    int64_t outer;
    if (len >= 8 && memcmp(h, JKS_MAGIC, 4) == 0 && h[4] == 0 && h[5] == 0 && h[6] == 0 &&
        (h[7] == 1 || h[7] == 2))
        return LS_MAGIC_JKS;
    if (len >= 8 && memcmp(h, JCEKS_MAGIC, 4) == 0 && memcmp(h + 4, "\0\0\0\x02", 4) == 0)
        return LS_MAGIC_JCEKS;
    if (p12_header(h, len, &hdr, &outer))
        return LS_MAGIC_PKCS12;
    return LS_MAGIC_NONE;
}

const char *ls_magic_rule_id(ls_magic_kind k)
{
    switch (k) {
    case LS_MAGIC_JKS:
    case LS_MAGIC_JCEKS: return "java-keystore";
    case LS_MAGIC_PKCS12: return "pkcs12-file";
    case LS_MAGIC_NONE: break;
    }
    return NULL;
}

/* A bounded reader over the kept bytes. */
typedef struct {
    const unsigned char *p;
    size_t n, i;
    bool short_read;  /* ran past the kept bytes */
} rd;

static bool rd_skip(rd *r, uint64_t k)
{
    if (k > r->n - r->i) {
        r->short_read = true;
        return false;
    }
    r->i += (size_t)k;
    return true;
}

static bool rd_u32(rd *r, uint32_t *v)
{
    if (r->n - r->i < 4) {
        r->short_read = true;
        return false;
    }
    *v = (uint32_t)r->p[r->i] << 24 | (uint32_t)r->p[r->i + 1] << 16 | (uint32_t)r->p[r->i + 2] << 8 |
         r->p[r->i + 3];
    r->i += 4;
    return true;
}

static bool rd_utf(rd *r)
{
    uint32_t len;
    if (r->n - r->i < 2) {
        r->short_read = true;
        return false;
    }
    len = (uint32_t)r->p[r->i] << 8 | r->p[r->i + 1];
    r->i += 2;
    return rd_skip(r, len);
}

static bool rd_cert(rd *r, uint32_t version)
{
    uint32_t len;
    return (version < 2 || rd_utf(r)) && rd_u32(r, &len) && rd_skip(r, len);
}

typedef struct {
    uint32_t count, keys, secret_keys, certs;
    bool complete;    /* every entry walked */
    bool malformed;   /* an unknown tag or a count beyond the bytes */
} jks_summary;

static jks_summary jks_walk(const unsigned char *p, size_t n, bool jceks)
{
    jks_summary s = {0};
    rd r = {.p = p, .n = n, .i = 8};
    uint32_t version = p[7];
    if (!rd_u32(&r, &s.count))
        return s;
    for (uint32_t e = 0; e < s.count; e++) {
        uint32_t tag, len, chain;
        if (!rd_u32(&r, &tag) || !rd_utf(&r) || !rd_skip(&r, 8))
            return s;
        if (tag == 1) {
            s.keys++;
            if (!rd_u32(&r, &len) || !rd_skip(&r, len) || !rd_u32(&r, &chain))
                return s;
            for (uint32_t c = 0; c < chain; c++)
                if (!rd_cert(&r, version))
                    return s;
        } else if (tag == 2) {
            s.certs++;
            if (!rd_cert(&r, version))
                return s;
        } else if (tag == 3 && jceks) {
            s.secret_keys++;
            return s; /* a serialized object: no length to skip by */
        } else {
            s.malformed = true;
            return s;
        }
    }
    s.complete = true;
    return s;
}

static void sha_prefix(const unsigned char *p, size_t n, char out[17])
{
    unsigned char md[EVP_MAX_MD_SIZE] = {0};
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[16] = '\0';
}

static bool describe_jks(ls_magic_kind k, const unsigned char *p, size_t n, uint64_t total,
                         const char *sha, char *desc, size_t cap, ls_confidence *conf)
{
    bool jceks = k == LS_MAGIC_JCEKS;
    const char *name = jceks ? "JCEKS" : "JKS";
    jks_summary s = jks_walk(p, n, jceks);
    if (s.complete && s.keys == 0 && s.secret_keys == 0) {
        snprintf(desc, cap, "%s truststore: %u certificates only", name, s.certs);
        return false;
    }
    if (s.malformed) {
        snprintf(desc, cap, "not a %s keystore: unknown entry tag", name);
        return false;
    }
    *conf = s.keys || s.secret_keys ? LS_CONF_HIGH : LS_CONF_MEDIUM;
    snprintf(desc, cap, "%s keystore v%u, entries %u (private keys %u, secret keys %u, certificates %u%s), "
             "%llu bytes, sha256:%s", name, p[7], s.count, s.keys, s.secret_keys, s.certs,
             s.complete ? "" : ", not all read", (unsigned long long)total, sha);
    return true;
}

static bool has_keybag(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i + sizeof OID_KEYBAG < n; i++)
        if (p[i] == 0x06 && memcmp(p + i, OID_KEYBAG, sizeof OID_KEYBAG) == 0 &&
            (p[i + sizeof OID_KEYBAG] == 1 || p[i + sizeof OID_KEYBAG] == 2))
            return true;
    return false;
}

static bool describe_p12(const unsigned char *p, size_t n, uint64_t total, const char *sha, char *desc,
                         size_t cap, ls_confidence *conf)
{
    size_t hdr;
    int64_t outer;
    bool key;
    if (!p12_header(p, n, &hdr, &outer)) {
        snprintf(desc, cap, "not a PKCS#12 file: bad header");
        return false;
    }
    /* a definite length must end at the file's end (a few bytes of slack) */
    if (outer >= 0 && ((uint64_t)outer + hdr > total || total - ((uint64_t)outer + hdr) > 2)) {
        snprintf(desc, cap, "not a PKCS#12 file: DER length %lld does not match the %llu-byte file",
                 (long long)outer, (unsigned long long)total);
        return false;
    }
    key = has_keybag(p, n);
    *conf = key ? LS_CONF_HIGH : LS_CONF_MEDIUM;
    snprintf(desc, cap, "PKCS#12 file%s, %llu bytes, sha256:%s",
             key ? " with a private key bag" : " (contents encrypted or certificates)",
             (unsigned long long)total, sha);
    return true;
}

bool ls_magic_describe(ls_magic_kind k, const unsigned char *buf, size_t len, uint64_t total,
                       char *desc, size_t cap, ls_confidence *conf)
{
    char sha[17];
    if (k == LS_MAGIC_NONE || len < 8) {
        snprintf(desc, cap, "not a keystore");
        return false;
    }
    sha_prefix(buf, len, sha);
    if (k == LS_MAGIC_PKCS12)
        return describe_p12(buf, len, total, sha, desc, cap, conf);
    return describe_jks(k, buf, len, total, sha, desc, cap, conf);
}
