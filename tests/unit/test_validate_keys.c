/*
 * test_validate_keys.c - private-key validation (analyzer/detect/validate_key.c)
 * in every encoding the key rules capture: PEM keys generated here at run
 * time (unencrypted PKCS#8 and traditional, PKCS#8 encrypted, legacy
 * DEK-Info), each as plain text, CRLF, `\n`-escaped, indented, split across
 * string literals and base64-encoded, whole and cut; and fake OpenSSH,
 * PuTTY and PGP keys generated for this test with ssh-keygen, a .ppk writer
 * following the PuTTY manual (appendix C) and gpg. Nothing here is a real key.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "detect/detect.h"
#include "detect/validate_key.h"

static const char OPENSSH_PLAIN[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACCHgRH6PDZgS77ys6D4uhWXn7Tl56mW/BMZrkfeXQOzJQAAAJC0BIP+tASD\n"
    "/gAAAAtzc2gtZWQyNTUxOQAAACCHgRH6PDZgS77ys6D4uhWXn7Tl56mW/BMZrkfeXQOzJQ\n"
    "AAAEDgDrOMJJBhcgfPepJWg724gExdWjPNu/HqqUtprUnOAYeBEfo8NmBLvvKzoPi6FZef\n"
    "tOXnqZb8ExmuR95dA7MlAAAACXVuaXRAdGVzdAECAwQ=\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;
static const char OPENSSH_ENC[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAFjETQlk\n"
    "2xwlMFyyzJhI4IAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIGgs5/rsc+k6VenQ\n"
    "haWkQX1YhnMRndvnjen0as/xo4vpAAAAkLTxr6UaSTXECjHsePZhtDncgqTKHBjjAs0Iw+\n"
    "3/b4HU2KqdFCm17wDTbtdZYwHDq9UNlsrT8Xrpg4+s7nuBlBlD+p7r+n5Dbg781v2motEs\n"
    "vgX4hH9cxyiUYDAyB9pt+bCXBymT96VFU2QZTLzer6SLJsCWvqqEvRTQJyazhE8QTItutO\n"
    "/ycYdSvUHhsu13zA==\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
    ;
static const char PPK_V2[] =
    "PuTTY-User-Key-File-2: ssh-ed25519\n"
    "Encryption: none\n"
    "Comment: unit-key-v2\n"
    "Public-Lines: 2\n"
    "AAAAC3NzaC1lZDI1NTE5AAAAIMXPcN1QeXHQsiiiiKeLgJtSIIK2o6Gdq43aIdHU\n"
    "U10g\n"
    "Private-Lines: 1\n"
    "AAAAII9Z75Jp0HjYXwYLnL7G+SFV6BFnN2+bHHdi7GErfsaR\n"
    "Private-MAC: 6de565cc81f4f0ed5aafe83fb6435ef2ef41a35a\n"
    ;
static const char PPK_V3[] =
    "PuTTY-User-Key-File-3: ssh-ed25519\n"
    "Encryption: none\n"
    "Comment: unit-key-v3\n"
    "Public-Lines: 2\n"
    "AAAAC3NzaC1lZDI1NTE5AAAAILORgiGvBvyjUn8mWL8c4GZ9kp2P4Wnt7+KR2I80\n"
    "LN9Y\n"
    "Private-Lines: 1\n"
    "AAAAIL6QJveIosuzDo/sD0Ni1NoNIsT4C+lwMPn5GJopO6iB\n"
    "Private-MAC: 8842062866921ff357f7fc7145f847e12c0854ed3f52890310fc71d3d26e9c99\n"
    ;
static const char PPK_V3_ENC[] =
    "PuTTY-User-Key-File-3: ssh-ed25519\n"
    "Encryption: aes256-cbc\n"
    "Comment: unit-key-v3e\n"
    "Public-Lines: 2\n"
    "AAAAC3NzaC1lZDI1NTE5AAAAIIhSmE931TD35xlM6tuVv/hw+5EYn5TqE4uteRZ4\n"
    "0mqm\n"
    "Key-Derivation: Argon2id\n"
    "Argon2-Memory: 8192\n"
    "Argon2-Passes: 21\n"
    "Argon2-Parallelism: 1\n"
    "Argon2-Salt: e1fb045f63894e543669f9b479bc5c7d\n"
    "Private-Lines: 1\n"
    "KxBaenDvbM/pn2qLvvLEfLO8WiOXofl9lkAV11usOJ12xdcYRFU5S46dhqLKoPre\n"
    "Private-MAC: 101e1ae95f099ef19af41c106ef5bbc72d8fc7006577a3e3748ca8f908711ecd\n"
    ;
static const char PGP_START[] =
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n"
    "\n"
    "lFgEaxVrBBYJKwYBBAHaRw8BAQdA/oRhlYDpoZ/C8W0ARswtMrZ3Opkz0faVnh4B\n"
    ;
static const char PGP_PUBLIC_START[] =
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
    "\n"
    "mDMEaxVrBBYJKwYBBAHaRw8BAQdA/oRhlYDpoZ/C8W0ARswtMrZ3Opkz0faVnh4B\n"
    ;

/* A fresh key as PEM: kind 0 PKCS#8, 1 traditional, 2 PKCS#8 encrypted,
 * 3 traditional encrypted (DEK-Info). Caller frees. */
static char *fresh(const char *alg, int kind)
{
    EVP_PKEY *k = strcmp(alg, "EC") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                                         : EVP_PKEY_Q_keygen(NULL, NULL, alg, (size_t)1024);
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out = NULL;
    long n;
    int ok = 0;
    static unsigned char pass[] = "unit-test-passphrase";
    if (k && b) {
        switch (kind) {
        case 0: ok = PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL); break;
        case 1: ok = PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL); break;
        case 2: ok = PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), (char *)pass,
                                                   (int)sizeof pass - 1, NULL, NULL); break;
        default: ok = PEM_write_bio_PrivateKey_traditional(b, k, EVP_aes_128_cbc(), pass,
                                                           (int)sizeof pass - 1, NULL, NULL); break;
        }
    }
    if (ok == 1 && (n = BIO_get_mem_data(b, &data)) > 0 && (out = malloc((size_t)n + 1))) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
    BIO_free(b);
    EVP_PKEY_free(k);
    return out;
}

/* The text with every "\n" replaced by rep (the trailing newline dropped). */
static char *replace_nl(const char *pem, const char *rep)
{
    size_t n = strlen(pem), r = strlen(rep), k = 0;
    char *out = malloc(n * (r + 1) + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (pem[i] == '\n') {
            if (i + 1 == n)
                break;
            memcpy(out + k, rep, r);
            k += r;
        } else {
            out[k++] = pem[i];
        }
    }
    out[k] = '\0';
    return out;
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static const char *verdict(const char *s, ls_confidence *c)
{
    bool oom = false;
    ls_validation v;
    *c = LS_CONF_HIGH;
    v = ls_detect_validate_key(s, strlen(s), c, &oom);
    CHECK(!oom);
    return ls_validation_name(v);
}

/* Through the public dispatcher, as the scanner calls it. */
static const char *dispatch(const char *id, const char *s, ls_confidence *c)
{
    ls_validation v;
    ls_rule r;
    memset(&r, 0, sizeof r);
    r.id = (char *)id;
    r.confidence = LS_CONF_HIGH;
    CHECK(ls_detect_validate(&r, s, strlen(s), &v, c) == 0);
    return ls_validation_name(v);
}

/* Every text encoding of one whole PEM block must parse the same. */
static void all_encodings(const char *pem, const char *want)
{
    static const char *const seps[] = {"\r\n", "\\n", "\\r\\n", "\n    ", "\\n\" +\n    \"",
                                       "\\n' +\n  '", "\", \"", "\\\\n"};
    ls_confidence c;
    char *t, *e;
    CHECK_STR(verdict(pem, &c), want);
    for (size_t i = 0; i < sizeof seps / sizeof *seps; i++) {
        t = replace_nl(pem, seps[i]);
        CHECK(t != NULL);
        if (!t)
            continue;
        if (strcmp(verdict(t, &c), want) != 0)
            fprintf(stderr, "separator %zu: %s\n", i, t);
        CHECK_STR(verdict(t, &c), want);
        free(t);
    }
    e = b64(pem);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(verdict(e, &c), want);
        CHECK_STR(dispatch("private-key-base64", e, &c), want);
        free(e);
    }
}

/* The first n bytes of s, as a new string. */
static char *cut(const char *s, size_t n)
{
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\0';
    }
    return t;
}

int main(void)
{
    static const char *const algs[] = {"RSA", "EC", "ED25519"};
    ls_confidence c;
    char *t, *u;
    size_t n;

    /* key text: escapes, indentation, CRs and literal glue undone */
    {
        static const char glued[] = "A\\nB\\r\\nC\r\n  D\" +\n  \"E\\\\nF";
        t = ls_detect_key_text(glued, sizeof glued - 1, &n);
    }
    CHECK_STR(t, "A\nB\nC\nD\nE\nF");
    free(t);
    t = ls_detect_key_text("Comment: \"x\"", 12, &n);
    CHECK_STR(t, "Comment: \"x\"");
    free(t);

    for (size_t a = 0; a < sizeof algs / sizeof *algs; a++) {
        for (int kind = 0; kind < 4; kind++) {
            char *pem;
            if (strcmp(algs[a], "ED25519") == 0 && (kind == 1 || kind == 3))
                continue; /* no traditional format for Ed25519 */
            pem = fresh(algs[a], kind);
            CHECK(pem != NULL);
            if (!pem)
                continue;
            /* whole blocks: the key loads, or its encrypted structure parses */
            all_encodings(pem, "structure-valid");
            CHECK_STR(dispatch("private-key", pem, &c), "structure-valid");
            CHECK_INT(c, LS_CONF_HIGH);
            /* the start only: a plausible start gives no verdict (an encrypted
             * legacy key's headers are its structure) */
            t = cut(pem, (size_t)(strchr(strstr(pem, "\n\n") ? strstr(pem, "\n\n") + 2 : strchr(pem, '\n') + 1, '\n') - pem));
            CHECK_STR(verdict(t, &c), kind == 3 ? "structure-valid" : "none");
            CHECK_INT(c, LS_CONF_HIGH);
            free(t);
            /* a whole block with its middle cut out: broken */
            if (kind != 3) {
                char *first = strchr(pem, '\n') + 1;
                size_t len = strlen(pem);
                t = malloc(len + 1);
                CHECK(t != NULL);
                if (t) {
                    size_t head = (size_t)(first - pem);
                    memcpy(t, pem, head);
                    strcpy(t + head, pem + head + (len - head) / 2 + 1);
                    /* realign to a line start so only the DER is broken */
                    CHECK_STR(verdict(t, &c), "none");
                    CHECK_INT(c, LS_CONF_LOW);
                    free(t);
                }
            }
            free(pem);
        }
    }
    /* legacy DEK-Info with an unknown cipher or a wrong IV length */
    CHECK_STR(verdict("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-999-CBC,"
                      "00112233445566778899AABBCCDDEEFF\n\nzgpoie6QTN8D+JasauhoBMZDrjuAQ+Exvqoy8X4/1ZmxFOm5nRnqj4CZTIX4Y9uI\n",
                      &c), "none");
    CHECK_INT(c, LS_CONF_LOW);
    CHECK_STR(verdict("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,"
                      "0011223344556677\n\nzgpoie6QTN8D+JasauhoBMZDrjuAQ+Exvqoy8X4/1ZmxFOm5nRnqj4CZTIX4Y9uI\n",
                      &c), "none");
    CHECK_INT(c, LS_CONF_LOW);

    /* OpenSSH: whole, cut to what the encrypted rule captures, corrupted */
    all_encodings(OPENSSH_PLAIN, "structure-valid");
    all_encodings(OPENSSH_ENC, "structure-valid");
    t = cut(OPENSSH_ENC, 36 + 64);
    CHECK_STR(verdict(t, &c), "structure-valid");
    free(t);
    t = cut(OPENSSH_PLAIN, 36 + 64);
    CHECK_STR(verdict(t, &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    free(t);
    t = strdup(OPENSSH_PLAIN);
    CHECK(t != NULL);
    if (t) {
        t[36 + 25] = 'Z'; /* the cipher name's length */
        CHECK_STR(verdict(t, &c), "none");
        CHECK_INT(c, LS_CONF_LOW);
        free(t);
    }
    CHECK_STR(verdict("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", &c),
              "none");
    CHECK_INT(c, LS_CONF_LOW);

    /* PuTTY: an unencrypted file's MAC is recomputed, an encrypted one's
     * structure checked; CRLF files are the same file */
    CHECK_STR(verdict(PPK_V2, &c), "checksum-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    CHECK_STR(verdict(PPK_V3, &c), "checksum-valid");
    CHECK_STR(dispatch("putty-private-key", PPK_V3, &c), "checksum-valid");
    t = replace_nl(PPK_V3, "\r\n");
    CHECK_STR(verdict(t, &c), "checksum-valid");
    free(t);
    CHECK_STR(verdict(PPK_V3_ENC, &c), "structure-valid");
    CHECK_INT(c, LS_CONF_HIGH);
    t = strdup(PPK_V2);
    CHECK(t != NULL);
    if (t) {
        u = strstr(t, "Private-MAC: ") + 13;
        *u = *u == '0' ? '1' : '0';
        CHECK_STR(verdict(t, &c), "checksum-invalid");
        CHECK_INT(c, LS_CONF_MEDIUM);
        free(t);
    }
    t = strdup(PPK_V3);
    CHECK(t != NULL);
    if (t) {
        u = strstr(t, "ssh-ed25519");
        memcpy(u, "ssh-ed448  ", 11); /* the header no longer names the public key's type */
        CHECK_STR(verdict(t, &c), "none");
        CHECK_INT(c, LS_CONF_LOW);
        free(t);
    }
    t = cut(PPK_V3, (size_t)(strstr(PPK_V3, "Private-MAC") - PPK_V3 - 1));
    CHECK_STR(verdict(t, &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    free(t);

    /* PGP: the first packet must be a secret key */
    CHECK_STR(verdict(PGP_START, &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    t = replace_nl(PGP_START, "\\n");
    CHECK_STR(verdict(t, &c), "none");
    CHECK_INT(c, LS_CONF_HIGH);
    free(t);
    {
        /* a public-key packet under a private-key armor line */
        char buf[512];
        snprintf(buf, sizeof buf, "-----BEGIN PGP PRIVATE KEY BLOCK-----\n%s", strchr(PGP_PUBLIC_START, '\n') + 1);
        CHECK_STR(verdict(buf, &c), "none");
        CHECK_INT(c, LS_CONF_LOW);
    }

    /* not key text at all */
    CHECK(!ls_detect_is_key("-----BEGIN CERTIFICATE-----\nMIIB", 32));
    CHECK(ls_detect_is_key("LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t", 36));
    CHECK_STR(verdict("LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCkFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", &c),
              "none");
    CHECK_INT(c, LS_CONF_LOW);
    CHECK_DONE();
}
