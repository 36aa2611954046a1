/*
 * validate.c - offline validators: what a secret's own bytes can prove.
 *
 * GitHub (ghp_/gho_/ghu_/ghs_/ghr_) and npm (npm_) tokens end with six base62
 * characters encoding the CRC32 of the 30 random characters before them; a
 * token whose checksum fails was never issued. JWTs must decode to a JSON
 * header with "alg" and a JSON payload. PEM private keys are parsed with
 * OpenSSL when the whole block was captured; when only the start is known
 * the DER it begins with must look like a key. AWS access key ids must be
 * base32 after their prefix. No validator talks to the network.
 */
#include "detect/detect.h"
#include "detect/validate_key.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
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

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Decodes standard or URL-safe base64, skipping whitespace and stopping at
 * '=' or the first other byte; out must hold len * 3 / 4 + 3 bytes. Returns
 * the decoded length. */
static size_t b64_decode(const char *in, size_t len, unsigned char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        int v;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if ((v = b64_value(c)) < 0)
            break;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static bool json_part_ok(const char *s, size_t len, const char *need_key)
{
    unsigned char *buf = malloc(len * 3 / 4 + 3);
    json_t *j;
    json_error_t je;
    bool ok;
    if (!buf)
        return false;
    j = json_loadb((const char *)buf, b64_decode(s, len, buf), 0, &je);
    ok = json_is_object(j) && (!need_key || json_is_string(json_object_get(j, need_key)));
    json_decref(j);
    free(buf);
    return ok;
}

static ls_validation validate_jwt(const char *s, size_t len, ls_confidence *conf)
{
    const char *d1 = memchr(s, '.', len), *d2;
    if (!d1 || !(d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s))) ||
        !json_part_ok(s, (size_t)(d1 - s), "alg") ||
        !json_part_ok(d1 + 1, (size_t)(d2 - d1 - 1), NULL)) {
        *conf = LS_CONF_LOW;
        return LS_VALIDATION_NONE;
    }
    return LS_VALIDATION_STRUCTURE_VALID;
}

static ls_validation validate_aws_key_id(const char *s, size_t len, ls_confidence *conf)
{
    if (len != 20)
        return LS_VALIDATION_NONE;
    for (size_t i = 4; i < len; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7'))) {
            *conf = LS_CONF_LOW;
            return LS_VALIDATION_NONE;
        }
    return LS_VALIDATION_STRUCTURE_VALID;
}

ls_validation ls_detect_validate(const ls_rule *rule, const char *s, size_t len,
                                 ls_confidence *conf)
{
    *conf = rule->confidence;
    if (len == 40 && (starts(s, len, "ghp_") || starts(s, len, "gho_") || starts(s, len, "ghu_") ||
                      starts(s, len, "ghs_") || starts(s, len, "ghr_") || starts(s, len, "npm_"))) {
        if (ls_detect_crc_token_ok(s, len, 4)) {
            *conf = LS_CONF_HIGH;
            return LS_VALIDATION_CHECKSUM_VALID;
        }
        *conf = LS_CONF_MEDIUM;
        return LS_VALIDATION_CHECKSUM_INVALID;
    }
    if (starts(s, len, "eyJ") && memchr(s, '.', len))
        return validate_jwt(s, len, conf);
    if (ls_detect_is_key(s, len))
        return ls_detect_validate_key(s, len, conf);
    if (starts(s, len, "AKIA") || starts(s, len, "ASIA"))
        return validate_aws_key_id(s, len, conf);
    return LS_VALIDATION_NONE;
}
