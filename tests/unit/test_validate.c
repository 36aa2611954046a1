/*
 * test_validate.c - offline validators (analyzer/detect/validate.c): CRC32
 * and base62, GitHub/npm checksums, JWT decoding, PEM private keys (a key
 * generated here at run time, then truncated and corrupted), AWS key ids.
 * Every token below is fake: generated for this test with a valid checksum.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "detect/detect.h"

static ls_rule rule_with(const char *id, ls_confidence c)
{
    ls_rule r;
    memset(&r, 0, sizeof r);
    r.id = (char *)id;
    r.confidence = c;
    return r;
}

static const char *verdict(const char *id, ls_confidence rc, const char *secret, ls_confidence *conf)
{
    ls_rule r = rule_with(id, rc);
    return ls_validation_name(ls_detect_validate(&r, secret, strlen(secret), conf));
}

/* A fresh RSA private key in PEM (PKCS#8), caller frees. */
static char *fresh_pem(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out = NULL;
    long n;
    if (k && b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1 &&
        (n = BIO_get_mem_data(b, &data)) > 0 && (out = malloc((size_t)n + 1))) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
    BIO_free(b);
    EVP_PKEY_free(k);
    return out;
}

int main(void)
{
    ls_confidence c;
    char b62[7];
    char *pem;

    CHECK_INT(ls_crc32("123456789", 9), 0xCBF43926u);
    ls_base62_6(0, b62);
    CHECK_STR(b62, "000000");
    ls_base62_6(61, b62);
    CHECK_STR(b62, "00000z");

    CHECK_STR(verdict("github-pat", LS_CONF_HIGH, "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", &c),
              "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("github-pat", LS_CONF_HIGH, "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8024xXh", &c),
              "checksum-invalid");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("npm-token", LS_CONF_HIGH, "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", &c),
              "checksum-valid");
    CHECK_STR(verdict("npm-token", LS_CONF_HIGH, "npm_oOOL8dKLzdocJ2isAjIhKtJ0RlgLKO24tJGG", &c),
              "checksum-invalid");

    /* {"alg":"HS256","typ":"JWT"} . {"sub":"layerscan-test","iat":1700000000} . fake sig */
    CHECK_STR(verdict("jwt", LS_CONF_MEDIUM,
                      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsYXllcnNjYW4tdGVzdCIsImlhdCI6"
                      "MTcwMDAwMDAwMH0.c2lnbmF0dXJlLW5vdC1yZWFsLTAxMjM0NTY3", &c),
              "structure-valid");
    CHECK_INT(c, LS_CONF_MEDIUM);
    /* header decodes to garbage */
    CHECK_STR(verdict("jwt", LS_CONF_MEDIUM,
                      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpX.eyJzdWIiOiJsYXllcnNjYW4tdGVzdCIsImlhdCI6"
                      "MTcwMDAwMDAwMH0.c2lnbmF0dXJlLW5vdC1yZWFsLTAxMjM0NTY3", &c),
              "none");
    CHECK_INT(c, LS_CONF_LOW);

    pem = fresh_pem();
    CHECK(pem != NULL);
    if (pem) {
        size_t n = strlen(pem);
        char *mid;
        CHECK_STR(verdict("private-key", LS_CONF_HIGH, pem, &c), "structure-valid");
        CHECK_INT(c, LS_CONF_HIGH);
        /* the start only (what fits a short capture): plausible DER, no verdict */
        pem[28 + 65] = '\0';
        CHECK_STR(verdict("private-key", LS_CONF_HIGH, pem, &c), "none");
        CHECK_INT(c, LS_CONF_HIGH);
        free(pem);
        pem = fresh_pem();
        /* a whole block with half its body cut out: not a key */
        mid = pem + n / 2;
        memmove(pem + 28, mid, strlen(mid) + 1);
        CHECK_STR(verdict("private-key", LS_CONF_HIGH, pem, &c), "none");
        CHECK_INT(c, LS_CONF_LOW);
        free(pem);
    }
    CHECK_STR(verdict("private-key", LS_CONF_HIGH,
                      "-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &c),
              "none");
    CHECK_INT(c, LS_CONF_LOW);

    CHECK_STR(verdict("aws-access-key-id", LS_CONF_HIGH, "AKIAM5ZYTIPDVSWKBBY5", &c), "structure-valid");
    CHECK_STR(verdict("aws-access-key-id", LS_CONF_HIGH, "AKIAM5ZYTIPDVSWKBB01", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);
    CHECK_STR(verdict("slack-token", LS_CONF_HIGH, "xoxb-123", &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_DONE();
}
