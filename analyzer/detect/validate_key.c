/*
 * validate_key.c - what a captured private key's own bytes can prove.
 *
 * The key rules (patterns/keys.json) capture a key as it sits in a file:
 * a PEM or OpenSSH block with real newlines (LF or CRLF, possibly indented
 * in a YAML block), with newlines written `\n` inside a JSON/YAML string,
 * split across concatenated string literals, base64-encoded whole (a
 * Kubernetes Secret value), a PuTTY .ppk file, or the start of a PGP block.
 * Every text form is first brought back to plain PEM text (key_text), then
 * the block is split into label, headers and DER body (pem_split) and the
 * DER is judged by what the label says it is:
 *
 *   unencrypted (RSA/EC/DSA/PKCS#8)  OpenSSL must load the key;
 *   ENCRYPTED PRIVATE KEY            the EncryptedPrivateKeyInfo must parse;
 *   Proc-Type: 4,ENCRYPTED           DEK-Info names a cipher OpenSSL knows,
 *                                    with an IV of its length, and the body
 *                                    (when whole) is whole cipher blocks;
 *   OPENSSH PRIVATE KEY              the openssh-key-v1 blob must parse
 *                                    (cipher, KDF, one key), its private
 *                                    section whole cipher blocks, and when
 *                                    unencrypted its two check integers equal;
 *                                    of an encrypted one, a known cipher and
 *                                    bcrypt KDF are enough.
 *
 * None of this needs the passphrase: an encrypted key is structure-valid
 * when its structure is (the rules capture only the headers and first line
 * of legacy and OpenSSH encrypted keys: Hyperscan scans a whole-block
 * repeat cheaply only when it follows a literal, and there it would follow
 * a variable-length IV or separator). When only the start of a block was captured, the
 * start must look like one (DER SEQUENCE, openssh magic): no verdict then,
 * but a start that cannot be a key lowers the confidence. PuTTY files are
 * checked line by line; an unencrypted one carries an HMAC over its
 * contents (Private-MAC) that can be recomputed. No validator talks to the
 * network.
 */
#include "detect/validate_key.h"

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Longest key text judged (the rules cap a match below 8 KiB). */
#define KEY_MAX_TEXT (64u * 1024u)

static bool starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static const char *find(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(s + i, needle, n) == 0)
            return s + i;
    return NULL;
}

/* Standard base64 only: a PEM body ends at the '-' of its END line. */
static size_t b64_decode(const char *in, size_t len, unsigned char *out, size_t *used)
{
    return ls_detect_b64_decode(in, len, out, used, false);
}

static bool is_quote(char c)
{
    return c == '"' || c == '\'' || c == '`';
}

/* Between two string literals: blanks, newlines, and the concatenation
 * operators of C-like languages, PHP, VB and a trailing Ruby/Python `\`. */
static bool is_glue(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '+' || c == '.' || c == ',' ||
           c == '&' || c == '\\';
}

char *ls_detect_key_text(const char *s, size_t len, size_t *out_len)
{
    /* every input byte gives at most one output byte, plus one newline per
     * joined literal (itself at least two quotes long) */
    char *out = malloc(len + 1);
    size_t n = 0, i = 0;
    if (!out)
        return NULL;
    while (i < len) {
        char c = s[i];
        if (c == '\\') {
            size_t j = i;
            while (j < len && s[j] == '\\')
                j++;
            if (j < len && s[j] == 'n') {
                out[n++] = '\n';
                i = j + 1;
                while (i < len && (s[i] == ' ' || s[i] == '\t'))
                    i++;
            } else if (j < len && s[j] == 'r') {
                i = j + 1;
            } else {
                i = j; /* a line continuation, or a stray backslash */
            }
        } else if (c == '\r') {
            i++;
        } else if (c == '\n') {
            out[n++] = '\n';
            i++;
            while (i < len && (s[i] == ' ' || s[i] == '\t'))
                i++;
        } else if (is_quote(c)) {
            size_t j = i + 1;
            while (j < len && is_glue(s[j]))
                j++;
            if (j >= len || !is_quote(s[j])) {
                out[n++] = c; /* a quote in a header, or the end of the last literal */
                i++;
                continue;
            }
            if (n && out[n - 1] != '\n')
                out[n++] = '\n';
            i = j + 1;
        } else {
            out[n++] = c;
            i++;
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* One PEM block, split. */
typedef struct {
    char label[40];         /* between "-----BEGIN " and "-----" */
    bool encrypted_header;  /* "Proc-Type: 4,ENCRYPTED" */
    char dek[96];           /* the DEK-Info value, "" when absent */
    unsigned char *der;     /* the decoded body (owned) */
    size_t der_len;
    bool complete;          /* "-----END <label>-----" follows the body */
} pem_block;

/* Copies the value of header line `name: value` starting at p (up to the end
 * of the line) into out. */
static void header_value(const char *p, const char *end, size_t skip, char *out, size_t cap)
{
    size_t n = 0;
    p += skip;
    while (p < end && *p == ' ')
        p++;
    while (p < end && *p != '\n' && n + 1 < cap)
        out[n++] = *p++;
    out[n] = '\0';
}

/* Splits PEM text (as ls_detect_key_text makes it). Returns false when it
 * is not a BEGIN line followed by something, or on allocation failure
 * (*oom set). */
static bool pem_split(const char *t, size_t len, pem_block *b, bool *oom)
{
    const char *end = t + len, *p, *dash, *body;
    char want[64];
    size_t ll, used;
    memset(b, 0, sizeof *b);
    if (!starts(t, len, "-----BEGIN "))
        return false;
    p = t + 11;
    dash = find(p, (size_t)(end - p), "-----");
    if (!dash || (ll = (size_t)(dash - p)) >= sizeof b->label)
        return false;
    memcpy(b->label, p, ll);
    b->label[ll] = '\0';
    p = dash + 5;
    /* header lines ("Name: value") between BEGIN and the body */
    for (;;) {
        const char *q;
        while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
            p++;
        for (q = p; q < end && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || *q == '-'); q++)
            ;
        if (q == p || q >= end || *q != ':')
            break;
        if (starts(p, (size_t)(end - p), "Proc-Type:") && find(p, (size_t)(end - p) < 40 ? (size_t)(end - p) : 40,
                                                                "ENCRYPTED"))
            b->encrypted_header = true;
        else if (starts(p, (size_t)(end - p), "DEK-Info:"))
            header_value(p, end, 9, b->dek, sizeof b->dek);
        q = memchr(p, '\n', (size_t)(end - p));
        p = q ? q : end;
    }
    body = p;
    if (!(b->der = malloc((size_t)(end - body) * 3 / 4 + 3))) {
        *oom = true;
        return false;
    }
    b->der_len = b64_decode(body, (size_t)(end - body), b->der, &used);
    p = body + used;
    while (p < end && (*p == '=' || *p == '\n' || *p == ' ' || *p == '\t'))
        p++;
    snprintf(want, sizeof want, "-----END %s-----", b->label);
    b->complete = starts(p, (size_t)(end - p), want);
    return true;
}

/* Whether DER bytes plausibly start a key: a SEQUENCE (short or long form
 * length) followed by an INTEGER version or a nested SEQUENCE. */
static bool der_key_start(const unsigned char *d, size_t n)
{
    size_t i = 2;
    if (n < 6 || d[0] != 0x30)
        return false;
    if (d[1] == 0x81)
        i = 3;
    else if (d[1] == 0x82)
        i = 4;
    else if (d[1] >= 0x80)
        return false;
    return i < n && (d[i] == 0x02 || d[i] == 0x30);
}

/* A cursor over SSH wire-format data (RFC 4251 section 5). */
typedef struct {
    const unsigned char *p;
    size_t n;
    bool short_read;   /* ran past the end: the capture was cut */
} wire;

static bool wire_u32(wire *w, uint32_t *v)
{
    if (w->n < 4) {
        w->short_read = true;
        return false;
    }
    *v = (uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 | (uint32_t)w->p[2] << 8 | w->p[3];
    w->p += 4;
    w->n -= 4;
    return true;
}

/* A string of at most max bytes; a longer declared length is an error. */
static bool wire_str(wire *w, const unsigned char **s, uint32_t *slen, uint32_t max)
{
    uint32_t l;
    if (!wire_u32(w, &l) || l > max)
        return false;
    if (w->n < l) {
        w->short_read = true;
        return false;
    }
    *s = w->p;
    *slen = l;
    w->p += l;
    w->n -= l;
    return true;
}

static bool wire_is(const unsigned char *s, uint32_t l, const char *lit)
{
    return l == strlen(lit) && memcmp(s, lit, l) == 0;
}

/* The cipher block size OpenSSH pads its private section to, 0 if the name is
 * not an OpenSSH cipher. */
static unsigned openssh_block(const unsigned char *s, uint32_t l)
{
    static const struct { const char *name; unsigned block; } ciphers[] = {
        {"none", 8}, {"3des-cbc", 8}, {"chacha20-poly1305@openssh.com", 8},
        {"aes128-cbc", 16}, {"aes192-cbc", 16}, {"aes256-cbc", 16},
        {"aes128-ctr", 16}, {"aes192-ctr", 16}, {"aes256-ctr", 16},
        {"aes128-gcm@openssh.com", 16}, {"aes256-gcm@openssh.com", 16},
    };
    for (size_t i = 0; i < sizeof ciphers / sizeof *ciphers; i++)
        if (wire_is(s, l, ciphers[i].name))
            return ciphers[i].block;
    return 0;
}

/* Whether a public key blob starts with a key type name. */
static bool ssh_key_type(const unsigned char *s, uint32_t l)
{
    return (l >= 4 && memcmp(s, "ssh-", 4) == 0) || (l >= 6 && memcmp(s, "ecdsa-", 6) == 0) ||
           (l >= 3 && memcmp(s, "sk-", 3) == 0);
}

/* 1 valid (complete), 0 a plausible start, -1 broken. The openssh-key-v1
 * layout: magic, cipher, kdf, kdf options, key count, public keys, private
 * section (PROTOCOL.key in OpenSSH). */
static int openssh_check(const unsigned char *d, size_t n, bool complete)
{
    wire w = {d, n, false};
    const unsigned char *cipher, *kdf, *opts, *pub, *priv, *type, *ptype;
    uint32_t cl, kl, ol, nkeys, pl, vl, tl, ptl, c1, c2;
    unsigned block;
    if (n < 15)
        return n >= 8 && memcmp(d, "openssh-key-v1", n < 14 ? n : 14) == 0 ? 0 : -1;
    if (memcmp(d, "openssh-key-v1\0", 15) != 0)
        return -1;
    w.p += 15;
    w.n -= 15;
    if (!wire_str(&w, &cipher, &cl, 64))
        goto cut;
    if (!(block = openssh_block(cipher, cl)))
        return -1;
    if (!wire_str(&w, &kdf, &kl, 64))
        goto cut;
    if (!(wire_is(cipher, cl, "none") ? wire_is(kdf, kl, "none") : wire_is(kdf, kl, "bcrypt")))
        return -1;
    if (!complete && !wire_is(cipher, cl, "none"))
        return 1; /* what the rule captures of an encrypted key: cipher and KDF known */
    if (!wire_str(&w, &opts, &ol, 1024))
        goto cut;
    if (wire_is(kdf, kl, "none") ? ol != 0 : ol < 8)
        return -1;
    if (!wire_u32(&w, &nkeys))
        goto cut;
    if (nkeys != 1)
        return -1;
    if (!wire_str(&w, &pub, &pl, 16384))
        goto cut;
    {
        wire pw = {pub, pl, false};
        if (!wire_str(&pw, &ptype, &ptl, 64) || !ssh_key_type(ptype, ptl))
            return -1;
    }
    if (!wire_str(&w, &priv, &vl, 65536))
        goto cut;
    if (vl == 0 || vl % block != 0)
        return -1;
    if (wire_is(cipher, cl, "none")) {
        wire vw = {priv, vl, false};
        if (!wire_u32(&vw, &c1) || !wire_u32(&vw, &c2) || c1 != c2 ||
            !wire_str(&vw, &type, &tl, 64) || tl != ptl || memcmp(type, ptype, tl) != 0)
            return -1;
    }
    return complete ? 1 : 0;
cut:
    return w.short_read && !complete ? 0 : -1;
}

/* Empties OpenSSL's error queue; whether it says memory ran out (a failed
 * parse is then no verdict on the key). */
static bool openssl_oom(void)
{
    unsigned long e;
    bool oom = false;
    while ((e = ERR_get_error()) != 0)
        if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
            oom = true;
    return oom;
}

/* 1 valid, 0 plausible start, -1 broken, -2 out of memory: a legacy OpenSSL
 * encrypted PEM
 * (RFC 1421 headers): "DEK-Info: CIPHER,IVHEX". */
static int dek_check(const pem_block *b)
{
    char name[64];
    const char *comma = strchr(b->dek, ',');
    const EVP_CIPHER *c;
    size_t nl, hl;
    int iv, block;
    if (!comma || (nl = (size_t)(comma - b->dek)) == 0 || nl >= sizeof name)
        return -1;
    memcpy(name, b->dek, nl);
    name[nl] = '\0';
    if (!(c = EVP_get_cipherbyname(name)))
        return openssl_oom() ? -2 : -1;
    iv = EVP_CIPHER_get_iv_length(c);
    block = EVP_CIPHER_get_block_size(c);
    hl = strlen(comma + 1);
    if (iv <= 0 || hl != 2 * (size_t)iv || strspn(comma + 1, "0123456789ABCDEFabcdef") != hl)
        return -1;
    if (!b->complete) /* the rule captures the headers and the first line */
        return b->der_len >= 16 ? 1 : -1;
    return b->der_len > 0 && b->der_len % (size_t)(block > 0 ? block : 1) == 0 ? 1 : -1;
}

/* 1 valid, 0 plausible start, -1 broken, -2 out of memory: DER after its
 * label. */
static int der_check(const pem_block *b)
{
    const unsigned char *p = b->der;
    int r = -1;
    if (!b->complete)
        return der_key_start(b->der, b->der_len) ? 0 : -1;
    if (strcmp(b->label, "ENCRYPTED PRIVATE KEY") == 0) {
        X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)b->der_len);
        r = sig && p == b->der + b->der_len ? 1 : -1;
        X509_SIG_free(sig);
    } else {
        EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &p, (long)b->der_len);
        r = k ? 1 : -1;
        EVP_PKEY_free(k);
    }
    if (openssl_oom() && r < 0)
        return -2;
    return r;
}

/* 1 valid, 0 plausible start, -1 broken, -2 out of memory: PEM text. */
static int pem_check(const char *t, size_t len)
{
    pem_block b;
    bool oom = false;
    int r;
    if (!pem_split(t, len, &b, &oom)) {
        free(b.der);
        return oom ? -2 : -1;
    }
    if (strcmp(b.label, "OPENSSH PRIVATE KEY") == 0)
        r = openssh_check(b.der, b.der_len, b.complete);
    else if (b.encrypted_header)
        r = dek_check(&b);
    else if (b.dek[0])
        r = -1; /* DEK-Info without Proc-Type: not something OpenSSL writes */
    else
        r = der_check(&b);
    free(b.der);
    return r;
}

/* 1 valid, 0 plausible start, -1 broken: the start of an OpenPGP armored
 * private key block. The first packet must be a secret-key packet (tag 5)
 * of a known version whose public-key algorithm is a known one (RFC 9580
 * sections 4.2, 5.5.2 and 9.1). */
static int pgp_check(const char *t, size_t len)
{
    const char *blank = find(t, len, "\n\n");
    unsigned char d[96];
    size_t n, i;
    unsigned tag, version, algo;
    if (!blank)
        return -1;
    blank += 2;
    n = (size_t)(t + len - blank);
    n = b64_decode(blank, n > 120 ? 120 : n, d, NULL);
    if (n < 8 || !(d[0] & 0x80))
        return -1;
    if (d[0] & 0x40) { /* new format: tag, then 1, 2 or 5 length octets */
        tag = d[0] & 0x3f;
        i = d[1] < 192 ? 2 : d[1] < 224 ? 3 : d[1] == 255 ? 6 : 0;
    } else {           /* old format: tag and a length type */
        static const size_t lens[4] = {2, 3, 5, 0};
        tag = (d[0] >> 2) & 0x0f;
        i = lens[d[0] & 3];
    }
    if (tag != 5 || i == 0 || i + 7 > n)
        return -1;
    version = d[i];
    if (version == 3) {
        if (i + 8 > n)
            return -1;
        algo = d[i + 7];
    } else if (version == 4 || version == 5 || version == 6) {
        algo = d[i + 5];
    } else {
        return -1;
    }
    switch (algo) {
    case 1: case 2: case 3: case 16: case 17: case 18: case 19: case 22:
    case 25: case 26: case 27: case 28:
        return 0;
    default:
        return -1;
    }
}

/* One "Name: value" line of a .ppk; NULL when the next line is not it. */
static const char *ppk_line(const char **p, const char *end, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    const char *v, *nl;
    if ((size_t)(end - *p) < n + 2 || memcmp(*p, name, n) != 0 || (*p)[n] != ':' || (*p)[n + 1] != ' ')
        return NULL;
    v = *p + n + 2;
    nl = memchr(v, '\n', (size_t)(end - v));
    *vlen = (size_t)((nl ? nl : end) - v);
    *p = nl ? nl + 1 : end;
    return v;
}

/* `count` base64 lines at *p, decoded into a new buffer. NULL on a short
 * section (*cut set: the capture ends inside it), a malformed one, or on
 * allocation failure (*oom set). */
static unsigned char *ppk_blob(const char **p, const char *end, unsigned long count, size_t *out,
                               bool *cut, bool *oom)
{
    const char *q = *p;
    unsigned char *d;
    size_t used;
    for (unsigned long i = 0; i < count; i++) {
        const char *nl;
        if (q >= end) {
            *cut = true;
            return NULL;
        }
        nl = memchr(q, '\n', (size_t)(end - q));
        q = nl ? nl + 1 : end;
    }
    if (!(d = malloc((size_t)(q - *p) * 3 / 4 + 3))) {
        *oom = true;
        return NULL;
    }
    *out = b64_decode(*p, (size_t)(q - *p), d, &used);
    if (*p + used < q && (*p)[used] != '=') {
        free(d);
        return NULL;
    }
    *p = q;
    return d;
}

static void put_string(unsigned char **w, const void *s, size_t n)
{
    (*w)[0] = (unsigned char)(n >> 24);
    (*w)[1] = (unsigned char)(n >> 16);
    (*w)[2] = (unsigned char)(n >> 8);
    (*w)[3] = (unsigned char)n;
    memcpy(*w + 4, s, n);
    *w += 4 + n;
}

/* The Private-MAC of an unencrypted .ppk (PuTTY manual, appendix C): an
 * HMAC over the algorithm, encryption, comment, public and private blobs;
 * HMAC-SHA-1 keyed with SHA-1("putty-private-key-file-mac-key") in
 * version 2, HMAC-SHA-256 with an empty key in version 3. */
static bool ppk_mac_ok(int version, const char *alg, size_t al, const char *com, size_t cl,
                       const unsigned char *pub, size_t pl, const unsigned char *priv, size_t vl,
                       const char *mac, size_t ml, bool *oom)
{
    static const char magic[] = "putty-private-key-file-mac-key";
    size_t n = 4 * 5 + al + 4 + cl + pl + vl;
    unsigned char *buf = malloc(n), *w = buf, key[SHA_DIGEST_LENGTH], md[EVP_MAX_MD_SIZE];
    unsigned mdl = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    bool ok = false;
    if (!buf) {
        *oom = true;
        return false;
    }
    put_string(&w, alg, al);
    put_string(&w, "none", 4);
    put_string(&w, com, cl);
    put_string(&w, pub, pl);
    put_string(&w, priv, vl);
    if (version == 2) {
        ok = SHA1((const unsigned char *)magic, sizeof magic - 1, key) &&
             HMAC(EVP_sha1(), key, sizeof key, buf, n, md, &mdl) != NULL;
    } else {
        ok = HMAC(EVP_sha256(), "", 0, buf, n, md, &mdl) != NULL;
    }
    free(buf);
    if (!ok) {
        /* hashing fails only for want of memory, whatever OpenSSL's queue says */
        ERR_clear_error();
        *oom = true;
        return false;
    }
    for (unsigned i = 0; i < mdl; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return ml == 2 * (size_t)mdl && memcmp(hex, mac, ml) == 0;
}

/* The verdict on a PuTTY .ppk block (its text with CRs removed). */
static ls_validation ppk_check(const char *t, size_t len, ls_confidence *conf, bool *oom)
{
    const char *p = t, *end = t + len, *alg, *enc, *com, *v, *mac;
    size_t al, el, cl, vl, ml, publ = 0, privl = 0;
    unsigned char *pub = NULL, *priv = NULL;
    unsigned long npub, npriv;
    int version;
    bool encrypted, keep = false; /* keep: no verdict, the confidence stays */
    ls_validation r = LS_VALIDATION_NONE;
    ls_confidence c = LS_CONF_LOW;
    if (len < 24 || (t[20] != '2' && t[20] != '3') || t[21] != ':' || t[22] != ' ')
        goto out;
    version = t[20] - '0';
    p = t + 23;
    alg = p;
    if (!(p = memchr(p, '\n', (size_t)(end - p))))
        goto out;
    al = (size_t)(p++ - alg);
    if (!(enc = ppk_line(&p, end, "Encryption", &el)) || !(com = ppk_line(&p, end, "Comment", &cl)) ||
        !(v = ppk_line(&p, end, "Public-Lines", &vl)))
        goto out;
    encrypted = !(el == 4 && memcmp(enc, "none", 4) == 0);
    if (encrypted && !(el == 10 && memcmp(enc, "aes256-cbc", 10) == 0))
        goto out;
    npub = strtoul(v, NULL, 10);
    if (npub == 0 || npub > 64 || !(pub = ppk_blob(&p, end, npub, &publ, &keep, oom)))
        goto out;
    {
        wire w = {pub, publ, false};
        const unsigned char *type;
        uint32_t tl;
        if (!wire_str(&w, &type, &tl, 64) || tl != al || memcmp(type, alg, al) != 0)
            goto out;
    }
    while (ppk_line(&p, end, "Key-Derivation", &vl) || ppk_line(&p, end, "Argon2-Memory", &vl) ||
           ppk_line(&p, end, "Argon2-Passes", &vl) || ppk_line(&p, end, "Argon2-Parallelism", &vl) ||
           ppk_line(&p, end, "Argon2-Salt", &vl))
        ;
    if (!(v = ppk_line(&p, end, "Private-Lines", &vl)))
        goto out;
    npriv = strtoul(v, NULL, 10);
    if (npriv == 0 || npriv > 128)
        goto out;
    if (!(priv = ppk_blob(&p, end, npriv, &privl, &keep, oom)))
        goto out;
    if (privl == 0 || (encrypted && privl % 16 != 0))
        goto out;
    if (!(mac = ppk_line(&p, end, "Private-MAC", &ml))) {
        keep = p >= end; /* the capture ends before the MAC */
        goto out;
    }
    if (ml != (version == 2 ? 40u : 64u) || strspn(mac, "0123456789abcdef") < ml)
        goto out;
    if (encrypted) {
        r = LS_VALIDATION_STRUCTURE_VALID;
        c = LS_CONF_HIGH;
    } else if (ppk_mac_ok(version, alg, al, com, cl, pub, publ, priv, privl, mac, ml, oom)) {
        r = LS_VALIDATION_CHECKSUM_VALID;
        c = LS_CONF_HIGH;
    } else if (!*oom) {
        r = LS_VALIDATION_CHECKSUM_INVALID;
        c = LS_CONF_MEDIUM;
    }
out:
    free(pub);
    free(priv);
    if (!keep)
        *conf = c;
    return r;
}

bool ls_detect_is_key(const char *s, size_t len)
{
    return (starts(s, len, "-----BEGIN ") && find(s, len < 64 ? len : 64, "PRIVATE KEY")) ||
           starts(s, len, "LS0tLS1CRUdJTi") || starts(s, len, "PuTTY-User-Key-File-");
}

/* The verdict on plain key text: PEM, OpenSSH or PGP. */
static ls_validation text_verdict(const char *t, size_t n, ls_confidence *conf, bool *oom)
{
    int r = starts(t, n, "-----BEGIN PGP PRIVATE KEY BLOCK-----") ? pgp_check(t, n) : pem_check(t, n);
    if (r == -2)
        *oom = true;
    if (r == 1) {
        *conf = LS_CONF_HIGH;
        return LS_VALIDATION_STRUCTURE_VALID;
    }
    if (r == -1)
        *conf = LS_CONF_LOW;
    return LS_VALIDATION_NONE;
}

ls_validation ls_detect_validate_key(const char *s, size_t len, ls_confidence *conf, bool *oom)
{
    ls_validation v = LS_VALIDATION_NONE;
    char *t = NULL;
    unsigned char *dec = NULL;
    size_t n;
    if (len > KEY_MAX_TEXT)
        return v;
    if (starts(s, len, "LS0tLS1CRUdJTi")) {
        /* base64 of the key text: decode, then judge what it says */
        if (!(dec = malloc(len * 3 / 4 + 3))) {
            *oom = true;
            return v;
        }
        n = b64_decode(s, len, dec, NULL);
        s = (const char *)dec;
        len = n;
    }
    if (!(t = ls_detect_key_text(s, len, &n))) {
        *oom = true;
        goto out;
    }
    if (starts(t, n, "PuTTY-User-Key-File-"))
        v = ppk_check(t, n, conf, oom);
    else if (starts(t, n, "-----BEGIN "))
        v = text_verdict(t, n, conf, oom);
    else
        *conf = LS_CONF_LOW;
out:
    free(t);
    free(dec);
    return v;
}
