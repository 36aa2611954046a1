/*
 * validate_each - the validators' verdicts on a list of secrets, for
 * test_validate_faults.sh's allocation-failure sweep.
 *
 * Input (the file named by the argument): one "RULE-ID<TAB>HEX-OF-SECRET"
 * line per secret. Output:
 * "RULE-ID VERDICT CONFIDENCE" per line, each judged as a rule of medium
 * confidence. When a validator runs out of memory: one "layerscan: ..." line
 * on stderr and exit 2, the outcome the scanner gives; a verdict printed
 * after a failed allocation would be one the secret, judged in full, does not
 * get.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "layerscan/rules.h"

/* OpenSSL 3.0 loads a provider's key managers, decoders and digests on
 * their first use, and an allocation failing inside that first load leaks
 * the half-built object (LeakSanitizer reports it: OpenSSL's, not ours). A
 * scanner has them loaded after its first key; so does this tool, before
 * main, where the fault shim neither counts nor fails allocations: one
 * fresh RSA and one EC key, PEM-encoded here, plain and encrypted, judged
 * once, and the digests and ciphers the validators name fetched once. */
__attribute__((constructor)) static void warm_up_openssl(void)
{
    static const char *const algs[] = {"RSA", "EC"};
    ls_rule r;
    ls_validation v;
    ls_confidence c;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdl;
    memset(&r, 0, sizeof r);
    r.id = (char *)"private-key";
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        EVP_PKEY *k = i == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, algs[i], (size_t)1024)
                             : EVP_PKEY_Q_keygen(NULL, NULL, algs[i], "P-256");
        for (int enc = 0; k && enc < 2; enc++) {
            BIO *b = BIO_new(BIO_s_mem());
            char *pem;
            long n;
            if (b && (enc ? PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL,
                                                            (void *)"warm-up")
                          : PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) &&
                (n = BIO_get_mem_data(b, &pem)) > 0)
                (void)ls_detect_validate(&r, pem, (size_t)n, &v, &c);
            BIO_free(b);
        }
        EVP_PKEY_free(k);
    }
    (void)EVP_Digest("", 0, md, &mdl, EVP_sha1(), NULL);
    (void)EVP_Digest("", 0, md, &mdl, EVP_sha256(), NULL);
    (void)EVP_get_cipherbyname("AES-128-CBC");
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes the hex after the tab in place; its length, or -1 when malformed. */
static long unhex(char *s)
{
    size_t n = strlen(s), i;
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n % 2)
        return -1;
    for (i = 0; i < n / 2; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        s[i] = (char)(hi << 4 | lo);
    }
    return (long)(n / 2);
}

int main(int argc, char **argv)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    FILE *in = argc == 2 ? fopen(argv[1], "r") : NULL;
    if (!in) {
        fprintf(stderr, "layerscan: validate_each: usage: validate_each FILE (or cannot open it)\n");
        return 2;
    }
    while (getline(&line, &cap, in) > 0) {
        char *tab = strchr(line, '\t');
        ls_rule r;
        ls_validation v;
        ls_confidence conf;
        long len;
        if (!tab || (len = unhex(tab + 1)) < 0) {
            fprintf(stderr, "layerscan: validate_each: malformed input line\n");
            rc = 2;
            break;
        }
        *tab = '\0';
        memset(&r, 0, sizeof r);
        r.id = line;
        r.confidence = LS_CONF_MEDIUM;
        if (ls_detect_validate(&r, tab + 1, (size_t)len, &v, &conf) != 0) {
            fprintf(stderr, "layerscan: out of memory\n");
            rc = 2;
            break;
        }
        printf("%s %s %s\n", line, ls_validation_name(v), ls_confidence_name(conf));
    }
    if (rc == 0 && !feof(in)) { /* getline failed before the end: out of memory, or a read error */
        fprintf(stderr, "layerscan: validate_each: %s: cannot read\n", argv[1]);
        rc = 2;
    }
    free(line);
    fclose(in);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "layerscan: validate_each: cannot write\n");
        rc = 2;
    }
    return rc;
}
