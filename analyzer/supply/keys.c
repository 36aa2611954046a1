/*
 * keys.c - see keys.h. Each key remembers which hashes its signatures may
 * have been made over (decided once, at load), so verification is a loop
 * over a short list, and a key of a kind cosign never signs with is refused
 * when the user names it, not silently never matched.
 */
#include "supply/keys.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#define MAX_MDS 2
#define RSA_MIN_BITS 2048

typedef struct {
    char *path;                 /* as the user named it */
    EVP_PKEY *pkey;
    bool rsa;                   /* try PKCS#1 v1.5, then PSS */
    bool pure;                  /* Ed25519: no digest, the message is signed */
    const char *mds[MAX_MDS];   /* digest names, in the order tried (unused when pure) */
    size_t n_mds;
} key;

struct ls_keyring {
    key *keys;
    size_t n;
};

static int nomem(ls_error *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

/* The file at path, whole, when it is a regular file of at most
 * LS_KEY_FILE_MAX bytes. O_NONBLOCK: opening a FIFO must not wait for a
 * writer (the type is checked right after). */
static int read_key_file(const char *path, unsigned char **out, size_t *len, ls_error *err)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    *out = NULL;
    if (fd < 0)
        return ls_error_set(err, LS_ERR_USAGE, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ls_error_set(err, LS_ERR_USAGE, "%s: not a regular file", path);
    }
    if (!(buf = malloc(LS_KEY_FILE_MAX + 1))) {
        close(fd);
        return nomem(err);
    }
    while (n <= LS_KEY_FILE_MAX) {
        ssize_t r = read(fd, buf + n, LS_KEY_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return ls_error_set(err, LS_ERR_USAGE, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > LS_KEY_FILE_MAX) {
        free(buf);
        return ls_error_set(err, LS_ERR_USAGE, "%s: larger than %u KiB", path, LS_KEY_FILE_MAX / 1024u);
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Fills k's hash list from its type; -1 when cosign would not sign with it. */
static int classify(key *k)
{
    char group[64];
    size_t glen = 0;
    if (EVP_PKEY_is_a(k->pkey, "ED25519")) {
        k->pure = true;
        return 0;
    }
    if (EVP_PKEY_is_a(k->pkey, "RSA")) {
        k->rsa = true;
        k->mds[k->n_mds++] = "SHA256";
        return 0;
    }
    if (!EVP_PKEY_is_a(k->pkey, "EC") ||
        EVP_PKEY_get_group_name(k->pkey, group, sizeof group, &glen) != 1)
        return -1;
    if (strcmp(group, "prime256v1") == 0) {
        k->mds[k->n_mds++] = "SHA256";
    } else if (strcmp(group, "secp384r1") == 0) {
        k->mds[k->n_mds++] = "SHA384";
        k->mds[k->n_mds++] = "SHA256";
    } else if (strcmp(group, "secp521r1") == 0) {
        k->mds[k->n_mds++] = "SHA512";
        k->mds[k->n_mds++] = "SHA256";
    } else {
        return -1;
    }
    return 0;
}

static int load_one(key *k, const char *path, ls_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    BIO *bio;
    if (read_key_file(path, &buf, &len, err) != 0)
        return -1;
    if (!(bio = BIO_new_mem_buf(buf, (int)len))) {
        free(buf);
        return nomem(err);
    }
    k->pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    free(buf);
    ERR_clear_error();
    if (k->pkey && EVP_PKEY_is_a(k->pkey, "RSA") && EVP_PKEY_get_bits(k->pkey) < RSA_MIN_BITS)
        return ls_error_set(err, LS_ERR_USAGE, "%s: RSA key shorter than %d bits", path, RSA_MIN_BITS);
    if (!k->pkey || classify(k) != 0)
        return ls_error_set(err, LS_ERR_USAGE,
                            "%s: not a PEM public key (ECDSA P-256/P-384/P-521, RSA or Ed25519)", path);
    if (!(k->path = strdup(path)))
        return nomem(err);
    return 0;
}

int ls_keyring_load(ls_keyring **out, const char *const *paths, size_t n, ls_error *err)
{
    ls_keyring *k = calloc(1, sizeof *k);
    *out = NULL;
    if (!k || (n && !(k->keys = calloc(n, sizeof *k->keys)))) {
        free(k);
        return nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        k->n = i + 1; /* the one being loaded is freed with the rest */
        if (load_one(&k->keys[i], paths[i], err) != 0) {
            ls_keyring_free(k);
            return -1;
        }
    }
    *out = k;
    return 0;
}

size_t ls_keyring_count(const ls_keyring *k)
{
    return k ? k->n : 0;
}

const char *ls_keyring_path(const ls_keyring *k, size_t i)
{
    return k && i < k->n ? k->keys[i].path : NULL;
}

/* RSA padding for try number `t` (0: PKCS#1 v1.5, 1: PSS); 0 when the key
 * is not RSA. Sets it on pctx. 1 when set, 0 when OpenSSL refused. */
static int set_padding(EVP_PKEY_CTX *pctx, const key *k, int t)
{
    if (!k->rsa)
        return 1;
    if (t == 0)
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
    /* Go's rsa.VerifyPSS uses PSSSaltLengthAuto; so do we */
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) > 0;
}

/* One attempt: 1 verified, 0 not (any OpenSSL refusal is a "not"), -1 out
 * of memory. */
static int verify_msg(const key *k, const EVP_MD *md, int t, const void *msg, size_t msg_len,
                      const void *sig, size_t sig_len, ls_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;
    if (!ctx)
        return nomem(err);
    if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, k->pkey) == 1 && set_padding(pctx, k, t))
        ok = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

int ls_keyring_verify(const ls_keyring *kr, size_t i, const void *msg, size_t msg_len, const void *sig,
                      size_t sig_len, ls_error *err)
{
    const key *k;
    if (!kr || i >= kr->n)
        return 0;
    k = &kr->keys[i];
    if (k->pure)
        return verify_msg(k, NULL, 0, msg, msg_len, sig, sig_len, err);
    for (size_t m = 0; m < k->n_mds; m++) {
        const EVP_MD *md = EVP_get_digestbyname(k->mds[m]);
        for (int t = 0; md && t < (k->rsa ? 2 : 1); t++) {
            int rc = verify_msg(k, md, t, msg, msg_len, sig, sig_len, err);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

int ls_keyring_verify_digest(const ls_keyring *kr, size_t i, const char *md_name, const void *digest,
                             size_t digest_len, const void *sig, size_t sig_len, ls_error *err)
{
    const EVP_MD *md = md_name ? EVP_get_digestbyname(md_name) : NULL;
    const key *k;
    if (!kr || i >= kr->n || !md || (size_t)EVP_MD_get_size(md) != digest_len)
        return 0;
    k = &kr->keys[i];
    if (k->pure)
        return 0;
    for (int t = 0; t < (k->rsa ? 2 : 1); t++) {
        EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(k->pkey, NULL);
        int ok = 0;
        if (!pctx)
            return nomem(err);
        if (EVP_PKEY_verify_init(pctx) == 1 && EVP_PKEY_CTX_set_signature_md(pctx, md) > 0 &&
            set_padding(pctx, k, t))
            ok = EVP_PKEY_verify(pctx, sig, sig_len, digest, digest_len) == 1;
        EVP_PKEY_CTX_free(pctx);
        ERR_clear_error();
        if (ok)
            return 1;
    }
    return 0;
}

void ls_keyring_free(ls_keyring *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++) {
        EVP_PKEY_free(k->keys[i].pkey);
        free(k->keys[i].path);
    }
    free(k->keys);
    free(k);
}
