/*
 * test_validate.c - offline validators (analyzer/detect/validate.c): CRC32
 * and base62, GitHub/npm checksums, JWT decoding, PEM private keys (a key
 * generated here at run time, then truncated and corrupted), AWS key ids,
 * and every checksummed or structured format of the validator table: each
 * valid, with one character changed, and with a wrong length.
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
    ls_validation v;
    CHECK(ls_detect_validate(&r, secret, strlen(secret), &v, conf) == 0);
    return ls_validation_name(v);
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
    /* Grafana service account: CRC32 of "glsa_<secret>", little-endian hex */
    CHECK_STR(verdict("grafana-service-account-token", LS_CONF_HIGH, "glsa_YHphU0ODLFUBdOPS4qfCyo5wuGFtQAoQ_3b4dd235", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("grafana-service-account-token", LS_CONF_HIGH, "glsa_YHphU1ODLFUBdOPS4qfCyo5wuGFtQAoQ_3b4dd235", &c), "checksum-invalid");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("grafana-service-account-token", LS_CONF_HIGH, "glsa_YHphU0ODLFUBdOPS4qfCyo5wuGFtQAoQ_3b4dd23", &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);

    /* GitLab routable PAT and runner token: base36 CRC32 tail and payload length */
    CHECK_STR(verdict("gitlab-pat", LS_CONF_HIGH, "glpat-NAxzYUkPXz9-clWKlBSlpm86aXQ1dwp1OjRheXBqDg.01.160guzhv2", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("gitlab-pat", LS_CONF_HIGH, "glpat-NAxzYUmPXz9-clWKlBSlpm86aXQ1dwp1OjRheXBqDg.01.160guzhv2", &c), "checksum-invalid");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("gitlab-pat", LS_CONF_HIGH, "glpat-NAxzYUkPXz9-clKlBSlpm86aXQ1dwp1OjRheXBqDg.01.160guzhv2", &c), "checksum-invalid");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("gitlab-pat", LS_CONF_HIGH, "glpat-tYbB7ILC3DMMlw_H2PIw", &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("gitlab-runner-token", LS_CONF_HIGH, "glrt-t1_BHupxQL8251vik_YLTsM8G86M2sKdDoxCA.01.0y1jcqupl", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);

    /* Azure DevOps PAT (52 base32): seeded CRC32; a failed one gives no verdict */
    CHECK_STR(verdict("azure-devops-pat", LS_CONF_MEDIUM, "yt3imcwtwzxkcbhag5sr6ugtfefsrzsexw3nryrfqstyvjzp3xda", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-devops-pat", LS_CONF_MEDIUM, "gkhdvnxqertxiiopazz24iiehu7oedislisj5rcg5lf26ns5tdda", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-devops-pat", LS_CONF_MEDIUM, "gkhdvnxqertxiiopazz24iiehu7oedjslisj5rcg5lf26ns5tdda", &c), "none");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("azure-devops-pat", LS_CONF_MEDIUM, "gkhdvnxqertxiiopazz24iiehu7oedislisj5rcg5lf26ns5tdd", &c), "none");
    CHECK_INT(c, LS_CONF_MEDIUM);

    /* common annotated security keys (new Azure DevOps PATs): JQQJ9 at 52 */
    CHECK_STR(verdict("azure-devops-pat-v2", LS_CONF_HIGH, "533tTs1BrUcnO324viR43Xy76EyFS5hAeGvAU6bjr56AhI4KddAtJQQJ99AFjupgHWhCpblW6XWRAZDOuSih", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-devops-pat-v2", LS_CONF_HIGH, "533tTs1BrUcnO324viR43Xy76EyFS5hAeGvAU6bjr56AhI4KddAtJQQJ89AFjupgHWhCpblW6XWRAZDOuSih", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);
    CHECK_STR(verdict("azure-devops-pat-v2", LS_CONF_HIGH, "533tTs1BrUcnO324viR43Xy76EyFS5hAeGvAU6bjr56AhI4KddAtJQQJ99AFjupgHWhCpblW6XWRAZDOuSi", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);

    /* identifiable Azure keys: provider signature ten characters before the end */
    CHECK_STR(verdict("azure-storage-account-key", LS_CONF_HIGH, "RkXsSMximTTlAVMVBNv48SC8GhLnh73i8Ekfee4U5dIOwPqlVEUnLaQ5UMhuzcuvLzfJExyvmbCr+AStAbGbmQ==", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-storage-account-key", LS_CONF_HIGH, "WmaLVX0GStXGvXm2JHwz8Eggkg5aVN1XkvApTOkpCLxhHt8zbjmis9JOO4YmdvznA9X8RwksoY2xT7TOA8eTNS==", &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-service-bus-identifiable-key", LS_CONF_HIGH, "kuYXmzUfkGGhxkdcKh0oBNl9pbMoEqz5w+ASbPk89AM=", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);

    /* Entra ID client secrets */
    CHECK_STR(verdict("azure-ad-client-secret", LS_CONF_HIGH, "sAz8Q~rgEf~cdINFAoGCi9R6HLxefRzKuzuIhAgV", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-ad-client-secret", LS_CONF_HIGH, "sAz8Q~rgEf~cdINFAoGCi9R6HLxefRzKuzuIhAg", &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);

    /* PyPI macaroons */
    CHECK_STR(verdict("pypi-token", LS_CONF_HIGH, "pypi-AgEIcHlwaS5vcmcCIDY5MzIwMzZhZWQ5MmM3M2ZlNDE2NGY0MGViNGRmNTZiAAQ5eyJ2ZXJzaW9uIjogMSwgInBlcm1pc3Npb25zIjogeyJwcm9qZWN0cyI6IFsicGtnZmZ2d3oiXX19AAAGIAQG36k1x5UqfLWeRVDEzAQVSC_XNvxObUnipnkuTbMF", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("pypi-token", LS_CONF_HIGH, "pypi-AgEIcHlwaS5vcmcCIDY5MzIwMzZhZWQ5MmM3M2ZlNDE2NGY0MGViNGRmNTZiAAQ5eyJ2ZXJzaW9uIjogMSwgInBlcm1pc3Npb25zIjogeyJwcm9qZWN0cyI6IFsicGtnZmZ2d3oiXX19AAAGIAQG36k1x5UqfLWeRVDEzAQVSC_XNvxObU", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);
    CHECK_STR(verdict("pypi-test-token", LS_CONF_HIGH, "pypi-AgENdGVzdC5weXBpLm9yZwIgYzU2NGE3YThjNjRjZGYzM2YyNDMxMzc3MjMwMmM0Y2UABDl7InZlcnNpb24iOiAxLCAicGVybWlzc2lvbnMiOiB7InByb2plY3RzIjogWyJwa2dib3NmZSJdfX0AAAYgGWIKOxaJvJlSChyL1LfIzEbN9LUMwbXn1DzoI2VCtdQ", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("pypi-token", LS_CONF_HIGH, "pypi-AgEIcHlwaS5vcmcwvNly3e6WxjKLj_LMB5Z9mqFqOAMcLluO1rKIEz1U918CITNQkLRK_jJw0rC", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);

    /* base64 JSON tokens */
    CHECK_STR(verdict("grafana-cloud-token", LS_CONF_HIGH, "glc_eyJvIjoiODc0NDQ1IiwibiI6InN0YWNrLTExNTc5Ny10b2tlbi1kb3NrZXciLCJrIjoidVZ4SFJlN202TVRIVFBKaTB5T3BtaDZzIiwibSI6eyJyIjoicHJvZC11cy1lYXN0LTAifX0=", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("grafana-cloud-token", LS_CONF_HIGH, "glc_eyJrPvdwE0cgGqtd0wdlL2ZtGp3OFQw7UUrmqj9tftxK9Lles4pBqFt06aHYurbAsZ9l3lNCt0aCAhDE3HFXFCeSCRBMpzJvRx1xvFn", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);
    CHECK_STR(verdict("grafana-api-key", LS_CONF_MEDIUM, "eyJrIjoiSFRvNjFVTzFRaFcyQnFIWUVYUXRHdFVLb0FoTVNDVDMiLCJuIjoib3B6a3JzZ2UiLCJpZCI6N30=", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("onepassword-service-token", LS_CONF_HIGH, "ops_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSIsInVzZXJBdXRoIjp7Im1ldGhvZCI6IlNSUGctNDA5NiIsImFsZyI6IlBCRVMyZy1IUzI1NiIsIml0ZXJhdGlvbnMiOjY1MDAwMCwic2FsdCI6Im5SblQ4SlVmeTBOUWxhRW4zcmEwbzEifSwiZW1haWwiOiJ5ZmtpcWhucWNhaGdAMXBhc3N3b3Jkc2VydmljZWFjY291bnRzLmNvbSIsInNycFgiOiI4Y2UyYzU4MzZkNWQyZWJiZjNhOTVkNzI4YzUyYmUxN2I1MmU3YzBhZWJjMTAxNTUwMTI1ZDExMDRhNDRkYWYxIiwibXVrIjp7ImFsZyI6IkEyNTZHQ00iLCJleHQiOnRydWUsImsiOiIzY0h3NE5ma0Qxci1Cam8wX29XQzFJRzdUNzBzZmx1VzAxVThhV1BVc2J4Iiwia2V5X29wcyI6WyJlbmNyeXB0IiwiZGVjcnlwdCJdLCJrdHkiOiJvY3QiLCJraWQiOiJtcCJ9LCJzZWNyZXRLZXkiOiJBMy1ESDgxWk4iLCJ0aHJvdHRsZVNlY3JldCI6eyJzZWVkIjoiZjhlZWIxZWY1ZmY4NzFkMDQzYjY3YjEwNmU3OGM0ZDYzZTlkODQ0YzRkOTA1MDliMDkyYTE1MzdhOWQxYTU1YyIsInV1aWQiOiI1NFVWMERTSDlVTjRTUkpSMk1DNllPNU9HUCJ9LCJkZXZpY2VVdWlkIjoicm1wMnFwNWtrZWFmMXlrZWpqajN3YWs0aWgifQ", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("onepassword-service-token", LS_CONF_HIGH, "ops_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);

    /* Bitwarden machine account token, yarn npmAuthIdent */
    CHECK_STR(verdict("bitwarden-machine-account-token", LS_CONF_HIGH, "0.74094a5c-eb22-4eb7-8fb8-f1bede5e80ed.XSy67poqDEe6diPtQS0eXjebj30hQz:LfvVpQvdv9EfMB/VJ1W5Rg==", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("bitwarden-machine-account-token", LS_CONF_HIGH, "0.74094a5c-eb22-4eb7-8fb8-f1bede5e80ed.XSy67poqDEe6diPtQS0eXjebj30hQz:LfvVpQvdv9EfMB/VJ1W5Rg", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);
    CHECK_STR(verdict("npm-yarn-auth-ident", LS_CONF_MEDIUM, "cG56bmlnc286RHRMZTFLZUVjRkFpSVM5WQ==", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("npm-yarn-auth-ident", LS_CONF_MEDIUM, "AAAAAAAAAAAAAAAAAAAAAAAA", &c), "none");
    CHECK_INT(c, LS_CONF_LOW);
    /* written plain (yarn allows it): copied whole, longer than its base64 decoding would be */
    CHECK_STR(verdict("npm-yarn-auth-ident", LS_CONF_MEDIUM,
                      "ci-deploy:Qm7vT2xK9pLw4Rz8NcY3hJ6sD1fG5uE0aB7nM2kW9xV4qP8rT3yU6iO1", &c),
              "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);

    /* base58check: BIP-32 extended private keys and WIF */
    CHECK_STR(verdict("crypto-bip32-extended-private-key", LS_CONF_HIGH, "xprv9szV9RFWPJ1PPTRBDse1iZaW8Encinyqt5ZtnfsWDjs8Vsp4QRuKzv3rDmsLvh5sqHxLqqQvzwZKrwKMddSb4HjYyEug4oePVioggJ2rK38", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("crypto-bip32-extended-private-key", LS_CONF_HIGH, "xprv9szV9RFWPJ1PPTRBDse1iZaW8Encinyqt5ZtnfsWDjs8Vsp4QRuKzv3rEmsLvh5sqHxLqqQvzwZKrwKMddSb4HjYyEug4oePVioggJ2rK38", &c), "checksum-invalid");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("crypto-bip32-extended-private-key", LS_CONF_HIGH, "xprv9szV9RFWPJ1PPTRBDse1iZaW8Encinyqt5ZtnfsWDjs8Vsp4QRuKzv3rDmsLvh5sqHxLqqQvzwZKrwKMddSb4HjYyEug4oePVioggJ2rK3", &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("crypto-wif-private-key", LS_CONF_MEDIUM, "Kynn1mD5JZd8GW9wjUoYWwKYSz8MLVSWm9BzzLFT3NvVBEY8NxW8", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("crypto-wif-private-key", LS_CONF_MEDIUM, "Kynn1mD5JZd8GW9wjUoYWwKYSz8MLVTWm9BzzLFT3NvVBEY8NxW8", &c), "checksum-invalid");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("crypto-wif-private-key", LS_CONF_MEDIUM, "5JuFJ2TNMmRKNvXtxySFdL4Tq5FccmE1zeEY1HKMos1LHfSZgup", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("crypto-wif-private-key", LS_CONF_MEDIUM, "5JuFJ2TNMmRKNvXtxySFdL4Tq5FccmE1zeEY1HKMos1LHfSZgu", &c), "none");
    CHECK_INT(c, LS_CONF_MEDIUM);

    /* bech32: nostr nsec */
    CHECK_STR(verdict("nostr-private-key", LS_CONF_HIGH, "nsec13x33gue6zpx6uls7aaal55eda9zvugshq4z8z3980gxrcmu5j46q8wgl2f", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("nostr-private-key", LS_CONF_HIGH, "nsec13x33gue6zpx6uls7aaal55edaazvugshq4z8z3980gxrcmu5j46q8wgl2f", &c), "checksum-invalid");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("nostr-private-key", LS_CONF_HIGH, "nsec13x33gue6zpx6uls7aaal55eda9zvugshq4z8z3980gxrcmu5j46q8wgl2", &c), "checksum-invalid");
    CHECK_INT(c, LS_CONF_MEDIUM);

    /* Atlassian Data Center PATs: base64 of "<id>:<random>"; other values keep the rule's confidence */
    CHECK_STR(verdict("atlassian-datacenter-pat", LS_CONF_MEDIUM, "MTE1MTQwOTk4NzY3OhVFYbj0wkM9yaV+iM2j1JtTc443", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("atlassian-datacenter-pat", LS_CONF_MEDIUM, "OylZhnpE4FsO5HFIaIYWV3ntFVbj45Vs+q2zxgtLSmQx", &c), "none");
    CHECK_INT(c, LS_CONF_MEDIUM);
    CHECK_STR(verdict("atlassian-datacenter-pat", LS_CONF_MEDIUM, "MTE1MTQwOTk4NzY3OhVFYbj0wkM9yaV+iM2j1JtTc44", &c), "none");
    CHECK_INT(c, LS_CONF_MEDIUM);

    /* Marvin32: seeded checksums of identifiable and annotated keys; a changed character keeps only the structure verdict */
    CHECK_INT(ls_marvin32((const unsigned char *)"", 0, 0x44656661756c7430u), 0xCFD9B134u);
    CHECK_INT(ls_marvin32((const unsigned char *)"abcdefg", 7, 0x4d61737452573030u), 0xF5C7DD7Bu);
    CHECK_STR(verdict("azure-storage-account-key", LS_CONF_HIGH, "JfW3UYytpjmz7j3097IaPEr1lvCBUQh3IAxTlrt8Jok37uUzXtY1x7UH8u0YWIfEDSVUBWftZ7bQ+AStTUwwyA==", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-storage-account-key", LS_CONF_HIGH, "JfW3UYytpjmz7j3097IaQEr1lvCBUQh3IAxTlrt8Jok37uUzXtY1x7UH8u0YWIfEDSVUBWftZ7bQ+AStTUwwyA==", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-event-hub-identifiable-key", LS_CONF_MEDIUM, "U8fHl4oPyDGSH6zeUNaaZ8hF8fbi34kso+AEhD3h+1s=", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-event-hub-identifiable-key", LS_CONF_MEDIUM, "U8fHl5oPyDGSH6zeUNaaZ8hF8fbi34kso+AEhD3h+1s=", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-search-identifiable-key", LS_CONF_MEDIUM, "6ayN7zXrMMb3mSiLY5ZM6rM7Ja3yJ0PVJb7jy8tft5AzSeD9E5d9", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-function-identifiable-key", LS_CONF_MEDIUM, "1QQdlBi6k8vhsB1DPIx1ZhBVrRFBU22mRCX3zpsctE4sAzFu7gniFg==", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-devops-pat-v2", LS_CONF_HIGH, "FaA4jUwDo8wCH6QzqE2gcE6D4ltJbt8ITKvuJ6gWAkPtMuZpJwk9JQQJ99CFKMDqTWb2Y5Jy0T47AZDOOKlB", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-devops-pat-v2", LS_CONF_HIGH, "FaA4jUwDo8xCH6QzqE2gcE6D4ltJbt8ITKvuJ6gWAkPtMuZpJwk9JQQJ99CFKMDqTWb2Y5Jy0T47AZDOOKlB", &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);

    /* the older rules: "SharedAccessKey=<key>" and the ?code= function key */
    CHECK_STR(verdict("azure-service-bus-key", LS_CONF_HIGH, "SharedAccessKey=yMCswRGTsZ9mjIUVB6AUnpim0AeSbs3in+ASbAiNNUI=", &c), "checksum-valid");
    CHECK_STR(verdict("azure-service-bus-key", LS_CONF_HIGH, "SharedAccessKey=IOlP8f/jPOD8IaxePK7MKHDAVHhSoG7iMsr6Gto1hns=", &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict("azure-function-key", LS_CONF_MEDIUM, "VLNa5vTNnRKhRzj9llgpTu2meQ9lbp8ZlHZX0JXtAmPYAzFuObfpVg==", &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);

    CHECK_STR(verdict("slack-token", LS_CONF_HIGH, "xoxb-123", &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_DONE();
}
