/* Keystores and PKCS#12 by magic bytes: what fires, what does not, and the
 * descriptor that stands in for the secret. */
#include "check.h"
#include "detect/magic.h"

#include <stdlib.h>
#include <string.h>

static size_t put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t put_utf(unsigned char *p, const char *s)
{
    size_t n = strlen(s);
    p[0] = (unsigned char)(n >> 8);
    p[1] = (unsigned char)n;
    memcpy(p + 2, s, n);
    return n + 2;
}

/* A JKS v2 (or JCEKS) store: `keys` private keys then `certs` trusted certs. */
static size_t jks(unsigned char *b, uint32_t magic, unsigned keys, unsigned certs)
{
    size_t i = 0;
    i += put32(b + i, magic);
    i += put32(b + i, 2);
    i += put32(b + i, keys + certs);
    for (unsigned k = 0; k < keys; k++) {
        i += put32(b + i, 1);
        i += put_utf(b + i, "key");
        memset(b + i, 0, 8), i += 8;
        i += put32(b + i, 16);
        memset(b + i, 0x5a, 16), i += 16;
        i += put32(b + i, 1);
        i += put_utf(b + i, "X.509");
        i += put32(b + i, 10);
        memset(b + i, 0x30, 10), i += 10;
    }
    for (unsigned k = 0; k < certs; k++) {
        i += put32(b + i, 2);
        i += put_utf(b + i, "ca");
        memset(b + i, 0, 8), i += 8;
        i += put_utf(b + i, "X.509");
        i += put32(b + i, 10);
        memset(b + i, 0x30, 10), i += 10;
    }
    memset(b + i, 0x11, 20);
    return i + 20;
}

static void test_jks(void)
{
    unsigned char b[2048];
    char desc[256];
    ls_confidence conf = LS_CONF_LOW;
    size_t n = jks(b, 0xfeedfeed, 1, 2);
    CHECK_INT(ls_magic_sniff(b, n), LS_MAGIC_JKS);
    CHECK_STR(ls_magic_rule_id(LS_MAGIC_JKS), "java-keystore");
    CHECK(ls_magic_describe(LS_MAGIC_JKS, b, n, n, desc, sizeof desc, &conf));
    CHECK_INT(conf, LS_CONF_HIGH);
    CHECK(strncmp(desc, "JKS keystore v2, entries 3 (private keys 1, secret keys 0, certificates 2), ", 76) == 0);
    CHECK(strstr(desc, " bytes, sha256:") != NULL);
    /* a truststore: certificates only, not reported */
    n = jks(b, 0xfeedfeed, 0, 3);
    CHECK(!ls_magic_describe(LS_MAGIC_JKS, b, n, n, desc, sizeof desc, &conf));
    CHECK_STR(desc, "JKS truststore: 3 certificates only");
    /* JCEKS with a key */
    n = jks(b, 0xcececece, 1, 0);
    CHECK_INT(ls_magic_sniff(b, n), LS_MAGIC_JCEKS);
    CHECK(ls_magic_describe(LS_MAGIC_JCEKS, b, n, n, desc, sizeof desc, &conf));
    CHECK(strncmp(desc, "JCEKS keystore v2", 17) == 0);
    /* cut short: still a keystore, not all read, medium */
    n = jks(b, 0xfeedfeed, 0, 3);
    CHECK(ls_magic_describe(LS_MAGIC_JKS, b, 40, 5000, desc, sizeof desc, &conf));
    CHECK_INT(conf, LS_CONF_MEDIUM);
    CHECK(strstr(desc, "not all read") != NULL);
    /* unknown tag: not a keystore */
    b[12 + 3] = 9;
    CHECK(!ls_magic_describe(LS_MAGIC_JKS, b, n, n, desc, sizeof desc, &conf));
    /* wrong version, short input */
    memcpy(b, "\xfe\xed\xfe\xed\0\0\0\x07", 8);
    CHECK_INT(ls_magic_sniff(b, 8), LS_MAGIC_NONE);
    CHECK_INT(ls_magic_sniff(b, 3), LS_MAGIC_NONE);
}

/* SEQUENCE { INTEGER 3, SEQUENCE { OID data, [0] { OCTET STRING { ... bag OID ... } } } } */
static size_t p12(unsigned char *b, bool keybag, size_t pad)
{
    static const unsigned char oid_data[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
    static const unsigned char oid_bag[] = {0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02};
    size_t inner = sizeof oid_data + 4 + sizeof oid_bag + pad, total = 3 + 4 + inner, i = 0;
    b[i++] = 0x30, b[i++] = 0x82, b[i++] = (unsigned char)(total >> 8), b[i++] = (unsigned char)total;
    b[i++] = 0x02, b[i++] = 0x01, b[i++] = 0x03;
    b[i++] = 0x30, b[i++] = 0x82, b[i++] = (unsigned char)(inner >> 8), b[i++] = (unsigned char)inner;
    memcpy(b + i, oid_data, sizeof oid_data), i += sizeof oid_data;
    b[i++] = 0xa0, b[i++] = 0x80, b[i++] = 0x04, b[i++] = 0x80;
    memcpy(b + i, oid_bag, sizeof oid_bag);
    if (!keybag)
        b[i + sizeof oid_bag - 1] = 0x03; /* certBag */
    i += sizeof oid_bag;
    memset(b + i, 0x42, pad);
    return i + pad;
}

static void test_pkcs12(void)
{
    unsigned char b[2048];
    char desc[256];
    ls_confidence conf;
    size_t n = p12(b, true, 300);
    CHECK_INT(ls_magic_sniff(b, n), LS_MAGIC_PKCS12);
    CHECK_STR(ls_magic_rule_id(LS_MAGIC_PKCS12), "pkcs12-file");
    CHECK(ls_magic_describe(LS_MAGIC_PKCS12, b, n, n, desc, sizeof desc, &conf));
    CHECK_INT(conf, LS_CONF_HIGH);
    CHECK(strncmp(desc, "PKCS#12 file with a private key bag, ", 37) == 0);
    n = p12(b, false, 300);
    CHECK(ls_magic_describe(LS_MAGIC_PKCS12, b, n, n, desc, sizeof desc, &conf));
    CHECK_INT(conf, LS_CONF_MEDIUM);
    /* the DER length must cover the file: trailing data means something else */
    CHECK(!ls_magic_describe(LS_MAGIC_PKCS12, b, n, n + 100, desc, sizeof desc, &conf));
    /* a certificate (version 2 inside [0], no INTEGER 3 first) does not fire */
    memcpy(b, "\x30\x82\x03\x00\x30\x82\x02\x00\xa0\x03\x02\x01\x02", 13);
    CHECK_INT(ls_magic_sniff(b, 64), LS_MAGIC_NONE);
    /* INTEGER 3 but another OID: no */
    n = p12(b, true, 300);
    b[7 + 4 + 10] = 0x05;
    CHECK_INT(ls_magic_sniff(b, n), LS_MAGIC_NONE);
}

int main(void)
{
    test_jks();
    test_pkcs12();
    return check_failures != 0;
}
