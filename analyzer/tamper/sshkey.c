/*
 * sshkey.c - authorized_keys lines and sshd_config AuthorizedKeysFile
 * patterns (see sshkey.h). The tokenizers follow OpenSSH's own:
 * sshkey_advance_past_options() for the options field, sshkey_read() for
 * "type blob comment", strdelim() and argv_split() for sshd_config, so a
 * line means here what it means to sshd. Decoding and hashing use libcrypto
 * (EVP_DecodeBlock, EVP_Digest) on a fixed stack buffer.
 */
#include "tamper/sshkey.h"

#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *name;     /* the keytype field */
    const char *blob;     /* the type string the blob must start with */
    unsigned cert_fields; /* public key fields after the nonce in a certificate; 0: not a cert */
    const char *plain;    /* a certificate's certified key type; NULL: not a cert */
} key_type;

/* Every keytype field sshd accepts in authorized_keys (sshkey_read() with
 * KEY_UNSPEC), the signature-algorithm names it maps to a key type
 * included: "rsa-sha2-512 <ssh-rsa blob>" is a usable key line, and one an
 * attacker may prefer for being unusual. */
static const key_type key_types[] = {
    {"ssh-ed25519", "ssh-ed25519", 0, NULL},
    {"ssh-rsa", "ssh-rsa", 0, NULL},
    {"rsa-sha2-256", "ssh-rsa", 0, NULL},
    {"rsa-sha2-512", "ssh-rsa", 0, NULL},
    {"ssh-dss", "ssh-dss", 0, NULL},
    {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", 0, NULL},
    {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", 0, NULL},
    {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", 0, NULL},
    {"sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519@openssh.com", 0, NULL},
    {"sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", 0, NULL},
    {"webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", 0, NULL},
    /* certificates: the certified key's public fields follow the nonce */
    {"ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com", 1, "ssh-ed25519"}, /* pk */
    {"ssh-rsa-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", 2, "ssh-rsa"},             /* e, n */
    {"rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", 2, "ssh-rsa"},
    {"rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", 2, "ssh-rsa"},
    {"ssh-dss-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com", 4, "ssh-dss"}, /* p, q, g, y */
    {"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", 2,
     "ecdsa-sha2-nistp256"}, /* curve, Q */
    {"ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com", 2,
     "ecdsa-sha2-nistp384"},
    {"ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com", 2,
     "ecdsa-sha2-nistp521"},
    {"sk-ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com", 2,
     "sk-ssh-ed25519@openssh.com"}, /* pk, application */
    {"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", 3,
     "sk-ecdsa-sha2-nistp256@openssh.com"}, /* curve, Q, application */
};

#define BLOB_MAX (LS_SSHKEY_LINE_MAX / 4 * 3 + 3)

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static const key_type *find_type(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof key_types / sizeof *key_types; i++)
        if (strlen(key_types[i].name) == n && memcmp(key_types[i].name, s, n) == 0)
            return &key_types[i];
    return NULL;
}

/* Length of the token at s[0..n): up to the first blank. */
static size_t token_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !is_blank(s[i]))
        i++;
    return i;
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
    while (i < n && is_blank(s[i]))
        i++;
    return i;
}

/* Reads one SSH wire string at blob[*pos..len): its span in *s, *slen. */
static bool wire_string(const unsigned char *blob, size_t len, size_t *pos, const unsigned char **s,
                        size_t *slen)
{
    size_t k;
    if (len - *pos < 4)
        return false;
    k = ((size_t)blob[*pos] << 24) | ((size_t)blob[*pos + 1] << 16) | ((size_t)blob[*pos + 2] << 8) |
        blob[*pos + 3];
    if (k > len - *pos - 4)
        return false;
    *s = blob + *pos + 4;
    *slen = k;
    *pos += 4 + k;
    return true;
}

/* "SHA256:" + unpadded base64 of SHA-256(d[0..n)) into out. */
static int fingerprint(char out[LS_SSHKEY_FP_SIZE], const unsigned char *d, size_t n, ls_error *err)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    unsigned char b64[48]; /* 44 + NUL */
    int k;
    if (EVP_Digest(d, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof md)
        return ls_error_set(err, LS_ERR_INTERNAL, "SHA-256 failed");
    k = EVP_EncodeBlock(b64, md, (int)sizeof md);
    while (k > 0 && b64[k - 1] == '=')
        k--;
    memcpy(out, "SHA256:", 7);
    memcpy(out + 7, b64, (size_t)k);
    out[7 + k] = '\0';
    return 0;
}

/* The plain public key a certificate blob certifies: string(plain type)
 * followed by the key's public fields, which follow the certificate's type
 * and nonce and are encoded as in the plain key. Written into plain. */
static int cert_plain_key(const key_type *kt, const unsigned char *blob, size_t len, unsigned char *plain,
                          size_t *plain_len, ls_error *err)
{
    size_t pos = 0, start, tlen = strlen(kt->plain);
    const unsigned char *s;
    size_t slen;
    if (!wire_string(blob, len, &pos, &s, &slen) || !wire_string(blob, len, &pos, &s, &slen))
        goto truncated; /* type, nonce */
    start = pos;
    for (unsigned i = 0; i < kt->cert_fields; i++)
        if (!wire_string(blob, len, &pos, &s, &slen))
            goto truncated;
    /* 4 + tlen + fields <= 4 + len: fits in a BLOB_MAX buffer */
    plain[0] = 0;
    plain[1] = 0;
    plain[2] = (unsigned char)(tlen >> 8);
    plain[3] = (unsigned char)tlen;
    memcpy(plain + 4, kt->plain, tlen);
    memcpy(plain + 4 + tlen, blob + start, pos - start);
    *plain_len = 4 + tlen + (pos - start);
    return 0;
truncated:
    return ls_error_set(err, LS_ERR_FORMAT, "certificate blob truncated");
}

int ls_sshkey_parse_line(ls_sshkey *out, const char *line, size_t n, ls_error *err)
{
    unsigned char blob[BLOB_MAX], plain[BLOB_MAX + 64];
    const key_type *kt;
    const char *nul;
    size_t i, t, b64len, pad = 0, blen, plen = 0, pos = 0;
    const unsigned char *inner;
    size_t inner_len;
    int dec;

    if (n > LS_SSHKEY_LINE_MAX)
        return ls_error_set(err, LS_ERR_LIMIT, "line longer than %d bytes", LS_SSHKEY_LINE_MAX);
    nul = n ? memchr(line, '\0', n) : NULL;
    if (nul)
        n = (size_t)(nul - line);
    while (n > 0 && (line[n - 1] == '\r' || is_blank(line[n - 1])))
        n--;
    memset(out, 0, sizeof *out);

    i = skip_blanks(line, n, 0);
    if (i == n || line[i] == '#')
        return 0;

    /* keytype first; otherwise the options field, then keytype */
    t = token_len(line + i, n - i);
    kt = find_type(line + i, t);
    if (!kt) {
        bool quoted = false;
        size_t j = i;
        for (; j < n && (quoted || !is_blank(line[j])); j++) {
            if (line[j] == '\\' && j + 1 < n && line[j + 1] == '"')
                j++;
            else if (line[j] == '"')
                quoted = !quoted;
        }
        if (quoted)
            return ls_error_set(err, LS_ERR_FORMAT, "unterminated quote in options");
        out->options = line + i;
        out->options_len = j - i;
        i = skip_blanks(line, n, j);
        t = token_len(line + i, n - i);
        kt = find_type(line + i, t);
        if (!kt)
            return ls_error_set(err, LS_ERR_FORMAT, "unknown key type");
    }
    out->type = kt->name;
    i = skip_blanks(line, n, i + t);

    b64len = token_len(line + i, n - i);
    if (b64len == 0)
        return ls_error_set(err, LS_ERR_FORMAT, "no key blob");
    /* EVP_DecodeBlock trims blanks and accepts nothing else outside the
     * alphabet; '=' only as the last one or two bytes of a multiple of 4 */
    for (size_t k = 0; k < b64len; k++) {
        char c = line[i + k];
        if (c == '=') {
            if (k + 2 < b64len || (k + 1 < b64len && line[i + k + 1] != '='))
                return ls_error_set(err, LS_ERR_FORMAT, "key blob is not base64");
            pad++;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/')) {
            return ls_error_set(err, LS_ERR_FORMAT, "key blob is not base64");
        }
    }
    if (b64len % 4 != 0)
        return ls_error_set(err, LS_ERR_FORMAT, "key blob is not base64");
    dec = EVP_DecodeBlock(blob, (const unsigned char *)line + i, (int)b64len);
    if (dec < 0 || (size_t)dec < pad)
        return ls_error_set(err, LS_ERR_FORMAT, "key blob is not base64");
    blen = (size_t)dec - pad;
    i = skip_blanks(line, n, i + b64len);
    out->comment = line + i;
    out->comment_len = n - i;

    if (!wire_string(blob, blen, &pos, &inner, &inner_len))
        return ls_error_set(err, LS_ERR_FORMAT, "key blob too short");
    out->type_matches = inner_len == strlen(kt->blob) && memcmp(inner, kt->blob, inner_len) == 0;

    if (kt->cert_fields && out->type_matches) {
        if (cert_plain_key(kt, blob, blen, plain, &plen, err) != 0)
            return -1;
        return fingerprint(out->fingerprint, plain, plen, err) == 0 ? 1 : -1;
    }
    return fingerprint(out->fingerprint, blob, blen, err) == 0 ? 1 : -1;
}

/* ---- sshd_config ---- */

/* One argument at s[*i..n) as argv_split() reads it into tok (cap bytes).
 * Returns 1 a token, 0 the end of the line (or a '#' comment), -1 an
 * unterminated quote; *over set when the token did not fit. */
static int next_arg(const char *s, size_t n, size_t *i, char *tok, size_t cap, bool *over)
{
    size_t j = 0;
    char quote = 0;
    *over = false;
    *i = skip_blanks(s, n, *i);
    if (*i >= n || s[*i] == '#')
        return 0;
    for (; *i < n; (*i)++) {
        char c = s[*i], put;
        if (c == '\\' && *i + 1 < n &&
            (s[*i + 1] == '\'' || s[*i + 1] == '"' || s[*i + 1] == '\\' || (!quote && s[*i + 1] == ' '))) {
            (*i)++;
            put = s[*i];
        } else if (!quote && is_blank(c)) {
            break;
        } else if (!quote && (c == '"' || c == '\'')) {
            quote = c;
            continue;
        } else if (quote && c == quote) {
            quote = 0;
            continue;
        } else {
            put = c;
        }
        if (j + 1 < cap)
            tok[j++] = put;
        else
            *over = true;
    }
    tok[j] = '\0';
    return quote ? -1 : 1;
}

static void keep(ls_sshd_token *arr, size_t max, size_t *count, size_t *dropped, const char *tok, bool over,
                 bool in_match)
{
    if (over || *count >= max) {
        (*dropped)++;
        return;
    }
    memcpy(arr[*count].pattern, tok, strlen(tok) + 1);
    arr[*count].in_match = in_match;
    (*count)++;
}

void ls_sshd_config_akf(ls_sshd_akf *out, const char *bytes, size_t len)
{
    const char *p = len ? bytes : "", *end = p + len;
    bool in_match = false;
    char tok[LS_SSHD_TOKEN_MAX];
    memset(out, 0, sizeof *out);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p;
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t i, k;
        enum { OTHER, AKF, INCLUDE } kw;
        bool over;
        int rc;
        p = nl ? nl + 1 : end;
        if (n > LS_SSHD_LINE_MAX) {
            out->dropped++;
            continue;
        }
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\f' || is_blank(s[n - 1])))
            n--;
        /* keyword: up to a blank or '=' (strdelim) */
        i = skip_blanks(s, n, 0);
        k = i;
        while (k < n && !is_blank(s[k]) && s[k] != '=')
            k++;
        if (k == i || s[i] == '#')
            continue;
        if (k - i == 5 && strncasecmp(s + i, "match", 5) == 0) {
            in_match = true;
            continue;
        }
        if (k - i == 18 && strncasecmp(s + i, "authorizedkeysfile", 18) == 0)
            kw = AKF;
        else if (k - i == 7 && strncasecmp(s + i, "include", 7) == 0)
            kw = INCLUDE;
        else
            kw = OTHER;
        if (kw == OTHER)
            continue;
        k = skip_blanks(s, n, k);
        if (k < n && s[k] == '=')
            k++;
        /* sshd rejects the whole line on an unterminated quote: check first */
        {
            size_t probe = k;
            while ((rc = next_arg(s, n, &probe, tok, sizeof tok, &over)) == 1)
                ;
            if (rc < 0) {
                out->bad_lines++;
                continue;
            }
        }
        while (next_arg(s, n, &k, tok, sizeof tok, &over) == 1) {
            if (kw == AKF && !over && strcasecmp(tok, "none") == 0)
                continue;
            if (kw == AKF)
                keep(out->akf, LS_SSHD_AKF_MAX, &out->n_akf, &out->dropped, tok, over, in_match);
            else
                keep(out->include, LS_SSHD_INCLUDE_MAX, &out->n_include, &out->dropped, tok, over, in_match);
        }
    }
}
