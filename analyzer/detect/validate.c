/*
 * validate.c - offline validators: what a secret's own bytes can prove.
 *
 * Issuers that embed a checksum: GitHub (ghp_/gho_/ghu_/ghs_/ghr_) and npm
 * (npm_) end with six base62 characters of the CRC32 of the 30 random
 * characters before them; Grafana service account tokens (glsa_) end with
 * the CRC32 of "glsa_<secret>" as 8 hex digits (little-endian bytes);
 * GitLab routable tokens (glpat-<b64>.01.<len><crc>) end with the base36
 * CRC32 of everything before it and give their payload's length; legacy
 * Azure DevOps PATs (52 base32) hide a CRC32, XORed with a per-kind seed, in
 * four of their bytes; base58check (WIF, BIP-32 xprv) and bech32 (nostr
 * nsec) keys carry their own checksums. A token whose checksum fails was
 * never issued.
 *
 * Issuers that embed a structure: JWTs (JSON header with "alg"), PyPI
 * macaroons (v2 binary fields), base64 JSON tokens (Grafana Cloud glc_,
 * Grafana legacy API keys, 1Password ops_), Microsoft's identifiable keys
 * (a provider signature ten characters before the end; a Marvin32 checksum
 * with a per-kind seed makes them checksum-valid) and common annotated
 * security keys (JQQJ9 at offset 52, Marvin32 checksum), Entra ID client
 * secrets (7/8 + "Q~" at offset 3), Atlassian Data Center PATs (base64 of id:secret), Bitwarden
 * machine account tokens, yarn npmAuthIdent (user:password,
 * maybe base64), AWS key ids (base32). PEM private keys are parsed with
 * OpenSSL when the whole block was captured; when only the start is known
 * the DER it begins with must look like a key.
 *
 * Which validator applies is a table (validators[] below): by rule id for
 * shapes without a prefix, else by the secret's prefix. No validator talks
 * to the network.
 */
#include "detect/detect.h"
#include "detect/validate_key.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

const char *ls_validation_name(ls_validation v)
{
    switch (v) {
    case LS_VALIDATION_CHECKSUM_VALID: return "checksum-valid";
    case LS_VALIDATION_CHECKSUM_INVALID: return "checksum-invalid";
    case LS_VALIDATION_STRUCTURE_VALID: return "structure-valid";
    default: return "none";
    }
}

uint32_t ls_crc32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

void ls_base62_6(uint32_t v, char out[7])
{
    static const char digits[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for (int i = 5; i >= 0; i--) {
        out[i] = digits[v % 62];
        v /= 62;
    }
    out[6] = '\0';
}

int ls_detect_crc_token_ok(const char *tok, size_t len, size_t prefix_len)
{
    char want[7];
    if (len != prefix_len + 36)
        return 0;
    ls_base62_6(ls_crc32(tok + prefix_len, 30), want);
    return memcmp(tok + prefix_len + 30, want, 6) == 0;
}

static bool starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static int b64_value(unsigned char c, bool url_safe)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || (url_safe && c == '-')) return 62;
    if (c == '/' || (url_safe && c == '_')) return 63;
    return -1;
}

size_t ls_detect_b64_decode(const char *in, size_t len, unsigned char *out, size_t *used, bool url_safe)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0, i;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        int v;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if ((v = b64_value(c, url_safe)) < 0)
            break;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (used)
        *used = i;
    return n;
}

/* What a validator concludes besides its verdict: the confidence the finding
 * deserves, and whether memory ran out before it could judge (then the
 * verdict is worthless: the same secret judged in full would get another). */
typedef struct {
    ls_confidence conf;
    bool oom;
} judgement;

/* Standard or URL-safe: token formats use either. */
static size_t b64_decode(const char *in, size_t len, unsigned char *out)
{
    return ls_detect_b64_decode(in, len, out, NULL, true);
}

static bool json_part_ok(const char *s, size_t len, const char *need_key, judgement *jm)
{
    unsigned char *buf = malloc(len * 3 / 4 + 3);
    json_t *j;
    json_error_t je;
    bool ok;
    if (!buf) {
        jm->oom = true;
        return false;
    }
    j = json_loadb((const char *)buf, b64_decode(s, len, buf), 0, &je);
    if (!j && json_error_code(&je) == json_error_out_of_memory)
        jm->oom = true;
    ok = json_is_object(j) && (!need_key || json_is_string(json_object_get(j, need_key)));
    json_decref(j);
    free(buf);
    return ok;
}

static ls_validation validate_jwt(const char *s, size_t len, judgement *j)
{
    const char *d1 = memchr(s, '.', len), *d2;
    if (!d1 || !(d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s))) ||
        !json_part_ok(s, (size_t)(d1 - s), "alg", j) ||
        !json_part_ok(d1 + 1, (size_t)(d2 - d1 - 1), NULL, j)) {
        j->conf = LS_CONF_LOW;
        return LS_VALIDATION_NONE;
    }
    return LS_VALIDATION_STRUCTURE_VALID;
}

static ls_validation validate_aws_key_id(const char *s, size_t len, judgement *j)
{
    if (len != 20)
        return LS_VALIDATION_NONE;
    for (size_t i = 4; i < len; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7'))) {
            j->conf = LS_CONF_LOW;
            return LS_VALIDATION_NONE;
        }
    return LS_VALIDATION_STRUCTURE_VALID;
}

/* The verdicts of a checksum: valid raises to high, invalid lowers to medium
 * (a typo'd or made-up token still deserves a look, never a page). */
static ls_validation checksum_verdict(bool ok, judgement *j)
{
    j->conf = ok ? LS_CONF_HIGH : LS_CONF_MEDIUM;
    return ok ? LS_VALIDATION_CHECKSUM_VALID : LS_VALIDATION_CHECKSUM_INVALID;
}

static ls_validation structure_verdict(bool ok, judgement *j)
{
    if (!ok) {
        j->conf = LS_CONF_LOW;
        return LS_VALIDATION_NONE;
    }
    j->conf = LS_CONF_HIGH;
    return LS_VALIDATION_STRUCTURE_VALID;
}

/* ghp_/gho_/ghu_/ghs_/ghr_/npm_ + 30 base62 + 6 base62 CRC32; other lengths
 * (long ghr_ refresh tokens) carry no checksum we know. */
static ls_validation validate_crc_base62(const char *s, size_t len, judgement *j)
{
    if (len != 40)
        return LS_VALIDATION_NONE;
    return checksum_verdict(ls_detect_crc_token_ok(s, len, 4), j);
}

int ls_detect_grafana_sa_ok(const char *tok, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    uint32_t crc;
    char want[8];
    if (len != 46 || memcmp(tok, "glsa_", 5) != 0 || tok[37] != '_')
        return 0;
    crc = ls_crc32(tok, 37);
    for (int i = 0; i < 4; i++) {
        unsigned b = (crc >> (8 * i)) & 0xFFu;
        want[2 * i] = hex[b >> 4];
        want[2 * i + 1] = hex[b & 15];
    }
    return memcmp(tok + 38, want, 8) == 0;
}

static ls_validation validate_grafana_sa(const char *s, size_t len, judgement *j)
{
    if (len != 46)
        return LS_VALIDATION_NONE;
    return checksum_verdict(ls_detect_grafana_sa_ok(s, len), j);
}

static void base36(uint32_t v, size_t width, char *out)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (size_t i = width; i-- > 0;) {
        out[i] = digits[v % 36];
        v /= 36;
    }
}

int ls_detect_gitlab_routable_ok(const char *tok, size_t len)
{
    const char *dash = memchr(tok, '-', len < 16 ? len : 16), *b64, *dot;
    size_t blen;
    char want[7];
    unsigned char raw[36 * 36 * 3 / 4 + 3]; /* the length field is two base36 digits */
    size_t n;
    int ok = 0;
    /* prefix "gl...-" [+ "t1_"-style runner kind], base64url, ".01.", 2 base36 length, 7 base36 crc */
    if (!dash || len < 13 + 27 || memcmp(tok + len - 13, ".01.", 4) != 0)
        return 0;
    base36(ls_crc32(tok, len - 7), 7, want);
    if (memcmp(tok + len - 7, want, 7) != 0)
        return 0;
    dot = tok + len - 13;
    b64 = dash + 1;
    /* the length field counts the base64 payload: it tells where the payload starts */
    {
        const char *lf = tok + len - 9;
        int hi = (lf[0] >= 'a') ? lf[0] - 'a' + 10 : lf[0] - '0';
        int lo = (lf[1] >= 'a') ? lf[1] - 'a' + 10 : lf[1] - '0';
        blen = (size_t)(hi * 36 + lo);
    }
    if (blen == 0 || blen > (size_t)(dot - b64))
        return 0;
    b64 = dot - blen;
    n = b64_decode(b64, blen, raw);
    /* 16 random bytes, "k:v\nk:v" routing payload, one byte giving its size */
    if (n >= 16 + 3 + 1 && raw[n - 1] == n - 17) {
        ok = 1;
        for (size_t i = 16; i < n - 1; i++)
            if (raw[i] < 0x20 && raw[i] != '\n')
                ok = 0;
        if (raw[16 + 1] != ':' || !memchr("cgoptu", raw[16], 6))
            ok = 0;
    }
    return ok;
}

/* Legacy (20-character) GitLab tokens carry no checksum; routable ones do. */
static ls_validation validate_gitlab(const char *s, size_t len, judgement *j)
{
    if (len < 40 || memcmp(s + len - 13, ".01.", 4) != 0)
        return LS_VALIDATION_NONE;
    return checksum_verdict(ls_detect_gitlab_routable_ok(s, len), j);
}

/* RFC 4648 base32 (either case) of n5 characters into bytes; -1 on a bad
 * character. */
static int b32_decode(const char *in, size_t len, unsigned char *out)
{
    uint32_t acc = 0;
    int bits = 0, n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = in[i], v;
        if (c >= 'a' && c <= 'z') v = c - 'a';
        else if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= '2' && c <= '7') v = c - '2' + 26;
        else return -1;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

int ls_detect_ado_pat_ok(const char *tok, size_t len)
{
    static const uint32_t seeds[] = { 0xE0B9692Du, 0x1019F92Eu };
    unsigned char b[33], body[28];
    uint32_t have, crc;
    if (len != 52 || b32_decode(tok, len, b) != 32)
        return 0;
    /* the checksum's bytes sit at 22, 8, 7 and 2 (little-endian); the rest is hashed */
    memcpy(body, b, 2);
    memcpy(body + 2, b + 3, 4);
    memcpy(body + 6, b + 9, 13);
    memcpy(body + 19, b + 23, 9);
    have = (uint32_t)b[22] | (uint32_t)b[8] << 8 | (uint32_t)b[7] << 16 | (uint32_t)b[2] << 24;
    crc = ls_crc32(body, sizeof body);
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        if ((crc ^ seeds[i]) == have)
            return 1;
    return 0;
}

/* Azure DevOps PATs of the first generation: a valid checksum proves the
 * shape; a failed one says nothing (the rule is keyed on context, and other
 * 52-character base32 values live beside the key name). */
static ls_validation validate_ado_pat(const char *s, size_t len, judgement *j)
{
    if (!ls_detect_ado_pat_ok(s, len))
        return LS_VALIDATION_NONE;
    j->conf = LS_CONF_HIGH;
    return LS_VALIDATION_CHECKSUM_VALID;
}

static bool all_base62(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= 'a' && s[i] <= 'z')))
            return false;
    return true;
}

/* The checksum of a common annotated key: Marvin32 ("Default0" seed) of the
 * 60 bytes its first 80 characters encode; its first 3 bytes (little-endian)
 * in base64 are the last 4 characters. A key whose checksum is written
 * otherwise keeps its structure verdict. */
static bool cask_checksum_ok(const char *s)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char d[64];
    uint32_t cs;
    char want[4];
    if (b64_decode(s, 80, d) != 60)
        return false;
    cs = ls_marvin32(d, 60, 0x44656661756c7430u);
    want[0] = b64[(cs >> 2) & 63];
    want[1] = b64[((cs & 3) << 4) | ((cs >> 12) & 15)];
    want[2] = b64[(((cs >> 8) & 15) << 2) | ((cs >> 22) & 3)];
    want[3] = b64[(cs >> 16) & 63];
    return memcmp(s + 80, want, 4) == 0;
}

/* Microsoft common annotated security keys (84 or 88 characters): 52 random
 * base62, "JQQJ9" + 9/D/H, a year letter and a month letter (A-L), 12
 * platform and 4 provider reserved characters, a 4-letter provider signature,
 * then the checksum. */
static ls_validation validate_cask(const char *s, size_t len, judgement *j)
{
    bool ok = (len == 84 || (len == 88 && s[86] == '=' && s[87] == '=')) &&
              all_base62(s, 84) && memcmp(s + 52, "JQQJ9", 5) == 0 &&
              memchr("9DH", s[57], 3) && s[59] >= 'A' && s[59] <= 'L' &&
              ((s[76] >= 'A' && s[76] <= 'Z') || (s[76] >= 'a' && s[76] <= 'z'));
    ls_validation v = structure_verdict(ok, j);
    if (ok && cask_checksum_ok(s))
        v = LS_VALIDATION_CHECKSUM_VALID;
    return v;
}

uint32_t ls_marvin32(const unsigned char *d, size_t n, uint64_t seed)
{
    uint32_t p0 = (uint32_t)seed, p1 = (uint32_t)(seed >> 32), tail = 0x80u;
    size_t i = 0;
#define MARVIN_ROTL(x, r) (((x) << (r)) | ((x) >> (32 - (r))))
#define MARVIN_BLOCK()                                                           \
    do {                                                                         \
        p1 ^= p0; p0 = MARVIN_ROTL(p0, 20);                                      \
        p0 += p1; p1 = MARVIN_ROTL(p1, 9);                                       \
        p1 ^= p0; p0 = MARVIN_ROTL(p0, 27);                                      \
        p0 += p1; p1 = MARVIN_ROTL(p1, 19);                                      \
    } while (0)
    for (; i + 4 <= n; i += 4) {
        p0 += (uint32_t)d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16 | (uint32_t)d[i + 3] << 24;
        MARVIN_BLOCK();
    }
    /* the 0x80 end marker lands right after the last byte */
    switch (n - i) {
    case 1: tail = 0x8000u | d[i]; break;
    case 2: tail = 0x800000u | d[i] | (uint32_t)d[i + 1] << 8; break;
    case 3: tail = 0x80000000u | d[i] | (uint32_t)d[i + 1] << 8 | (uint32_t)d[i + 2] << 16; break;
    default: break;
    }
    p0 += tail;
    MARVIN_BLOCK();
    MARVIN_BLOCK();
#undef MARVIN_BLOCK
#undef MARVIN_ROTL
    return p1 ^ p0;
}

/* Microsoft's identifiable keys: a 4-character provider signature ten
 * characters before the end of the unpadded key, and in the last 4 decoded
 * bytes a Marvin32 checksum of the others, seeded per key kind (the seeds are
 * the ASCII of names such as "Default0", read as a little-endian integer).
 * A matching seed proves the key; the seed lists may be incomplete, so no
 * match leaves the (still distinctive) structure verdict. Keys issued before
 * these signatures carry none: no verdict then. */
static const struct ident_kind {
    const char sig[5];
    uint64_t seeds[7];
} ident_kinds[] = {
    { "+ASt", { 0x44656661756c7430 } },
    { "+ASb", { 0x53656e6430303030, 0x4d616e6167653030, 0x4c697374656e3030, 0x53797374656d3030, 0x556e6b6e6f776e30 } },
    { "+AEh", { 0x53656e6430303030, 0x4d616e6167653030, 0x4c697374656e3030, 0x53797374656d3030, 0x556e6b6e6f776e30 } },
    { "+ARm", { 0x53656e6430303030, 0x4d616e6167653030, 0x4c697374656e3030 } },
    { "+ABa", { 0x4162416363743030 } },
    { "AzFu", { 0x46756e6374693030, 0x53797374656d3030, 0x4d61737465723030 } },
    { "ACDb", { 0x537973416c6c3030, 0x5265736f75723030, 0x4d617374524f3030, 0x53797374524f3030,
                0x456e637279703030, 0x4d61737452573030, 0x5379737452573030 } },
    { "AzCa", { 0x4163636573733030 } },
    { "AzSe", { 0x5175657279303030, 0x5041646d696e3030 } },
    { "+AMC", { 0x436c617373696330 } },
    { "+ACR", { 0x41435244666c7430 } },
    { "AIoT", { 0x496f544875623030, 0x4470734b65793030, 0x4465766963653030 } },
    { "APIM", { 0x54656e616e743030, 0x496f544875623030, 0x4761746577793030, 0x4769744b65793030 } },
    { "+SQL", { 0x5573725077643030 } },
    { "/AM7", { 0 } },
};

/* 1 when the decoded key ends with the Marvin32 of the rest under one of
 * seeds (zeros end the list). */
static int ident_checksum_ok(const char *s, size_t len, const uint64_t *seeds, size_t nseeds)
{
    unsigned char d[128];
    size_t n;
    uint32_t have;
    if (len > 160 || (n = b64_decode(s, len, d)) < 24)
        return 0;
    have = (uint32_t)d[n - 4] | (uint32_t)d[n - 3] << 8 | (uint32_t)d[n - 2] << 16 | (uint32_t)d[n - 1] << 24;
    for (size_t i = 0; i < nseeds && seeds[i]; i++)
        if (ls_marvin32(d, n - 4, seeds[i]) == have)
            return 1;
    return 0;
}

static ls_validation validate_azure_identifiable(const char *s, size_t len, judgement *j)
{
    size_t n = len;
    if (len > 60 && memcmp(s + 52, "JQQJ9", 5) == 0)
        return validate_cask(s, len, j);
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n < 40)
        return LS_VALIDATION_NONE;
    for (size_t i = 0; i < sizeof ident_kinds / sizeof ident_kinds[0]; i++)
        if (memcmp(s + n - 10, ident_kinds[i].sig, 4) == 0) {
            const struct ident_kind *k = &ident_kinds[i];
            j->conf = LS_CONF_HIGH;
            if (ident_checksum_ok(s, len, k->seeds, sizeof k->seeds / sizeof k->seeds[0]))
                return LS_VALIDATION_CHECKSUM_VALID;
            return LS_VALIDATION_STRUCTURE_VALID;
        }
    return LS_VALIDATION_NONE;
}

/* The older Service Bus/Event Hubs/IoT rule reports "SharedAccessKey=<key>". */
static ls_validation validate_shared_access_key(const char *s, size_t len, judgement *j)
{
    static const char k[] = "SharedAccessKey=";
    if (!starts(s, len, k))
        return LS_VALIDATION_NONE;
    return validate_azure_identifiable(s + sizeof k - 1, len - (sizeof k - 1), j);
}

/* Entra ID (Azure AD) client secrets: three characters, a generation digit
 * (7 or 8), "Q~", then 34 of [A-Za-z0-9._~-]. */
static ls_validation validate_entra_secret(const char *s, size_t len, judgement *j)
{
    bool ok = len == 40 && (s[3] == '7' || s[3] == '8') && s[4] == 'Q' && s[5] == '~';
    if (!ok)
        return LS_VALIDATION_NONE;
    j->conf = LS_CONF_HIGH;
    return LS_VALIDATION_STRUCTURE_VALID;
}

/* A macaroons v2 varint; returns bytes used, 0 when malformed. */
static size_t varint(const unsigned char *p, size_t n, size_t *v)
{
    size_t x = 0;
    for (size_t i = 0; i < n && i < 4; i++) {
        x |= (size_t)(p[i] & 0x7F) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* PyPI tokens: "pypi-" + base64url of a v2 binary macaroon: version 2, a
 * location field, an identifier, end of section; caveat sections; end; a
 * 32-byte signature field. */
int ls_detect_macaroon_ok(const unsigned char *m, size_t n)
{
    size_t i = 1, sections = 0;
    bool sig = false;
    if (n < 40 || m[0] != 2)
        return 0;
    while (i < n && !sig) {
        size_t type, flen, k;
        if (m[i] == 0) { /* end of a section */
            sections++;
            i++;
            continue;
        }
        if (!(k = varint(m + i, n - i, &type)))
            return 0;
        i += k;
        if (!(k = varint(m + i, n - i, &flen)) || i + k + flen > n || type > 6)
            return 0;
        i += k;
        if (type == 6)
            sig = flen == 32 && sections >= 2;
        i += flen;
    }
    return sig && i == n;
}

static ls_validation validate_pypi(const char *s, size_t len, judgement *j)
{
    unsigned char *m;
    bool ok;
    if (len < 5)
        return LS_VALIDATION_NONE;
    if (!(m = malloc(len * 3 / 4 + 3))) {
        j->oom = true;
        return LS_VALIDATION_NONE;
    }
    ok = ls_detect_macaroon_ok(m, b64_decode(s + 5, len - 5, m));
    free(m);
    return structure_verdict(ok, j);
}

/* Tokens that are a prefix and base64 (standard or url) of a JSON object. */
static ls_validation validate_b64_json(const char *s, size_t len, judgement *j)
{
    size_t skip = 0;
    const char *p = memchr(s, '_', len < 8 ? len : 8);
    if (p && !starts(s, len, "eyJ"))
        skip = (size_t)(p - s) + 1;
    return structure_verdict(json_part_ok(s + skip, len - skip, NULL, j), j);
}

/* Bitwarden Secrets Manager machine account tokens:
 * "0." uuid "." 30 base62 ":" base64 of a 16-byte key. */
static ls_validation validate_bitwarden(const char *s, size_t len, judgement *j)
{
    unsigned char key[24];
    bool ok = len == 2 + 36 + 1 + 30 + 1 + 24 && s[0] == '0' && s[1] == '.' && s[38] == '.' &&
              all_base62(s + 39, 30) && s[69] == ':' && s[len - 1] == '=' &&
              b64_decode(s + 70, 24, key) == 16;
    return structure_verdict(ok, j);
}

/* yarn npmAuthIdent: "user:password", plain or base64 (printable, a colon). */
static ls_validation validate_basic_auth(const char *s, size_t len, judgement *j)
{
    unsigned char *d = malloc(len + 3); /* the plain form is copied whole */
    size_t n;
    bool ok = false;
    if (!d) {
        j->oom = true;
        return LS_VALIDATION_NONE;
    }
    if (memchr(s, ':', len)) { /* written plain, as yarn allows */
        memcpy(d, s, len);
        n = len;
    } else {
        n = b64_decode(s, len, d);
    }
    if (n >= 3 && memchr(d, ':', n) && d[0] != ':') {
        ok = true;
        for (size_t i = 0; i < n; i++)
            if (d[i] < 0x20 || d[i] > 0x7e)
                ok = false;
    }
    free(d);
    return structure_verdict(ok, j);
}

/* Jira/Confluence/Bitbucket Data Center PATs: base64 of "<numeric id>:<random
 * bytes>". A value that decodes otherwise gets no verdict (the rule is keyed
 * on context, and the id layout is not documented as a contract). */
static ls_validation validate_atlassian_dc_pat(const char *s, size_t len, judgement *j)
{
    unsigned char d[40];
    size_t n, i = 0;
    if (len != 44 || (n = b64_decode(s, len, d)) != 33)
        return LS_VALIDATION_NONE;
    while (i < n && d[i] >= '0' && d[i] <= '9')
        i++;
    if (i < 6 || i >= n || d[i] != ':')
        return LS_VALIDATION_NONE;
    j->conf = LS_CONF_HIGH;
    return LS_VALIDATION_STRUCTURE_VALID;
}

/* Base58 (Bitcoin alphabet) to bytes, big-endian, leading '1's as zero bytes;
 * returns the length, 0 on a bad character or overflow of cap. */
size_t ls_base58_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    static const char alpha[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    size_t n = 0, zeros = 0;
    while (zeros < len && in[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < len; i++) {
        const char *p = in[i] ? strchr(alpha, in[i]) : NULL;
        uint32_t carry;
        if (!p)
            return 0;
        carry = (uint32_t)(p - alpha);
        for (size_t j = 0; j < n; j++) { /* out[0..n) little-endian while building */
            carry += (uint32_t)out[j] * 58u;
            out[j] = (unsigned char)carry;
            carry >>= 8;
        }
        while (carry) {
            if (n >= cap)
                return 0;
            out[n++] = (unsigned char)carry;
            carry >>= 8;
        }
    }
    if (n + zeros > cap)
        return 0;
    for (size_t j = 0; j < zeros; j++)
        out[n++] = 0;
    for (size_t a = 0, b = n ? n - 1 : 0; a < b; a++, b--) {
        unsigned char t = out[a];
        out[a] = out[b];
        out[b] = t;
    }
    return n;
}

/* 1 when in (base58) decodes to want_len bytes whose last 4 are the first 4
 * of SHA256(SHA256(rest)); -1 when hashing failed (OpenSSL out of memory). */
int ls_detect_base58check_ok(const char *in, size_t len, size_t want_len)
{
    unsigned char d[128], h1[SHA256_DIGEST_LENGTH], h2[SHA256_DIGEST_LENGTH];
    size_t n = ls_base58_decode(in, len, d, sizeof d);
    if (n != want_len || n < 5)
        return 0;
    if (!SHA256(d, n - 4, h1) || !SHA256(h1, sizeof h1, h2))
        return -1;
    return memcmp(h2, d + n - 4, 4) == 0;
}

static ls_validation base58check_verdict(const char *s, size_t len, size_t want_len, judgement *j)
{
    int ok = ls_detect_base58check_ok(s, len, want_len);
    if (ok < 0) {
        j->oom = true;
        return LS_VALIDATION_NONE;
    }
    return checksum_verdict(ok == 1, j);
}

/* BIP-32 extended private keys: 78 bytes + 4 checksum. */
static ls_validation validate_xprv(const char *s, size_t len, judgement *j)
{
    if (len != 111)
        return LS_VALIDATION_NONE;
    return base58check_verdict(s, len, 82, j);
}

/* Wallet import format: 0x80/0xEF + 32 bytes [+ 0x01] + 4 checksum. */
static ls_validation validate_wif(const char *s, size_t len, judgement *j)
{
    if (len == 51 || len == 52)
        return base58check_verdict(s, len, len == 51 ? 37 : 38, j);
    return LS_VALIDATION_NONE;
}

static uint32_t bech32_step(uint32_t chk, uint32_t v)
{
    static const uint32_t gen[5] = { 0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu, 0x2a1462b3u };
    uint32_t b = chk >> 25;
    chk = ((chk & 0x1ffffffu) << 5) ^ v;
    for (int k = 0; k < 5; k++)
        if ((b >> k) & 1)
            chk ^= gen[k];
    return chk;
}

/* BIP-173 bech32 (constant 1) or BIP-350 bech32m (0x2bc830a3): 1 for a
 * valid checksum (the string is read case-insensitively). */
int ls_detect_bech32_ok(const char *s, size_t len)
{
    static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    size_t sep = len, hrp;
    uint32_t chk = 1;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '1')
            sep = i;
    if (sep == len || sep == 0 || len - sep < 7 || len > 1000)
        return 0;
    hrp = sep;
    for (size_t i = 0; i < hrp; i++)
        chk = bech32_step(chk, (uint32_t)((s[i] | 0x20) >> 5));
    chk = bech32_step(chk, 0);
    for (size_t i = 0; i < hrp; i++)
        chk = bech32_step(chk, (uint32_t)((s[i] | 0x20) & 31));
    for (size_t i = sep + 1; i < len; i++) {
        int c = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i];
        const char *v = c ? strchr(charset, c) : NULL;
        if (!v)
            return 0;
        chk = bech32_step(chk, (uint32_t)(v - charset));
    }
    return chk == 1 || chk == 0x2bc830a3u;
}

static ls_validation validate_bech32(const char *s, size_t len, judgement *j)
{
    return checksum_verdict(ls_detect_bech32_ok(s, len), j);
}

typedef ls_validation (*validator_fn)(const char *s, size_t len, judgement *j);

/* Which validator a finding gets: the first row whose rule id equals the
 * rule's (rows with an id), else whose prefix starts the secret. */
static const struct validator {
    const char *rule_id; /* exact rule id, or NULL to match on prefix */
    const char *prefix;  /* secret prefix when rule_id is NULL */
    validator_fn fn;
} validators[] = {
    { "azure-devops-pat", NULL, validate_ado_pat },
    { "azure-storage-account-key", NULL, validate_azure_identifiable },
    { "azure-storage-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-cosmosdb-key", NULL, validate_azure_identifiable },
    { "azure-cosmosdb-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-service-bus-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-event-hub-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-relay-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-iot-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-batch-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-batch-key", NULL, validate_azure_identifiable },
    { "azure-function-key", NULL, validate_azure_identifiable },
    { "azure-service-bus-key", NULL, validate_shared_access_key },
    { "azure-function-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-cache-redis-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-search-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-apim-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-container-registry-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-ml-classic-identifiable-key", NULL, validate_azure_identifiable },
    { "azure-devops-pat-v2", NULL, validate_cask },
    { "azure-event-grid-key", NULL, validate_cask },
    { "azure-common-annotated-key", NULL, validate_cask },
    { "azure-ad-client-secret", NULL, validate_entra_secret },
    { "npm-yarn-auth-ident", NULL, validate_basic_auth },
    { "atlassian-datacenter-pat", NULL, validate_atlassian_dc_pat },
    { "bitwarden-machine-account-token", NULL, validate_bitwarden },
    { "crypto-wif-private-key", NULL, validate_wif },
    { "grafana-api-key", NULL, validate_b64_json },
    { NULL, "ghp_", validate_crc_base62 },
    { NULL, "gho_", validate_crc_base62 },
    { NULL, "ghu_", validate_crc_base62 },
    { NULL, "ghs_", validate_crc_base62 },
    { NULL, "ghr_", validate_crc_base62 },
    { NULL, "npm_", validate_crc_base62 },
    { NULL, "glsa_", validate_grafana_sa },
    { NULL, "glc_eyJ", validate_b64_json },
    { NULL, "gl", validate_gitlab },
    { NULL, "pypi-", validate_pypi },
    { NULL, "ops_eyJ", validate_b64_json },
    { NULL, "xprv", validate_xprv },
    { NULL, "tprv", validate_xprv },
    { NULL, "yprv", validate_xprv },
    { NULL, "zprv", validate_xprv },
    { NULL, "Yprv", validate_xprv },
    { NULL, "Zprv", validate_xprv },
    { NULL, "uprv", validate_xprv },
    { NULL, "vprv", validate_xprv },
    { NULL, "Uprv", validate_xprv },
    { NULL, "Vprv", validate_xprv },
    { NULL, "nsec1", validate_bech32 },
    { NULL, "AKIA", validate_aws_key_id },
    { NULL, "ASIA", validate_aws_key_id },
};

static validator_fn find_validator(const ls_rule *rule, const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof validators / sizeof validators[0]; i++) {
        const struct validator *v = &validators[i];
        if (v->rule_id ? (rule->id && strcmp(rule->id, v->rule_id) == 0) : starts(s, len, v->prefix))
            return v->fn;
    }
    return NULL;
}

static ls_validation judge(const ls_rule *rule, const char *s, size_t len, judgement *j)
{
    validator_fn fn;
    if ((fn = find_validator(rule, s, len)) != NULL)
        return fn(s, len, j);
    if (starts(s, len, "eyJ") && memchr(s, '.', len))
        return validate_jwt(s, len, j);
    if (ls_detect_is_key(s, len))
        return ls_detect_validate_key(s, len, &j->conf, &j->oom);
    return LS_VALIDATION_NONE;
}

int ls_detect_validate(const ls_rule *rule, const char *s, size_t len, ls_validation *verdict,
                       ls_confidence *conf)
{
    judgement j = {.conf = rule->confidence, .oom = false};
    ls_validation v = judge(rule, s, len, &j);
    if (j.oom)
        return -1;
    *verdict = v;
    *conf = j.conf;
    return 0;
}
