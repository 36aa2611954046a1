/*
 * rules_hash.c - a SHA-256 over the rule set's content, for cache keys.
 *
 * Canonical form: every field of every rule, in set order, as tagged,
 * length-prefixed byte strings, so no two different rule sets can serialize
 * to the same bytes ("ab","c" vs "a","bc"). The origin file name is left out:
 * moving a rule between files does not change what it matches.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "layerscan/rules.h"

static void put_u64(EVP_MD_CTX *ctx, uint64_t v)
{
    unsigned char b[8];
    int i;
    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    EVP_DigestUpdate(ctx, b, sizeof b);
}

static void put_str(EVP_MD_CTX *ctx, char tag, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    EVP_DigestUpdate(ctx, &tag, 1);
    put_u64(ctx, n);
    if (n)
        EVP_DigestUpdate(ctx, s, n);
}

static void put_strs(EVP_MD_CTX *ctx, char tag, char *const *v, size_t n)
{
    size_t i;
    EVP_DigestUpdate(ctx, &tag, 1);
    put_u64(ctx, n);
    for (i = 0; i < n; i++)
        put_str(ctx, 's', v[i]);
}

static void put_rule(EVP_MD_CTX *ctx, const ls_rule *r)
{
    char num[64];
    size_t i;
    put_str(ctx, 'i', r->id);
    put_str(ctx, 't', r->title);
    put_str(ctx, 'v', ls_severity_name(r->severity));
    put_str(ctx, 'c', ls_confidence_name(r->confidence));
    put_str(ctx, 'r', r->regex);
    put_strs(ctx, 'k', r->keywords, r->n_keywords);
    snprintf(num, sizeof num, "%.17g", r->min_entropy);
    put_str(ctx, 'e', num);
    put_strs(ctx, 'p', r->path_include, r->n_path_include);
    put_strs(ctx, 'x', r->path_exclude, r->n_path_exclude);
    put_strs(ctx, 'u', r->references, r->n_references);
    /* tagged only when not the default, so sets of plain secret rules keep
     * the hashes (and cache keys) they had before these fields existed */
    if (r->category != LS_CATEGORY_SECRET)
        put_str(ctx, 'g', ls_category_name(r->category));
    if (r->structural)
        put_str(ctx, 'z', "structural");
    if (r->scans != LS_SCANS_ALL) {
        snprintf(num, sizeof num, "%u", r->scans);
        put_str(ctx, 'o', num);
    }
    EVP_DigestUpdate(ctx, "E", 1);
    put_u64(ctx, r->n_examples);
    for (i = 0; i < r->n_examples; i++) {
        put_str(ctx, 'T', r->examples[i].text);
        put_str(ctx, 'S', r->examples[i].secret);
    }
    put_strs(ctx, 'n', r->negatives, r->n_negatives);
}

void ls_ruleset_hash(const ls_ruleset *rs, char out_hex[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0, i;
    size_t r, n = ls_ruleset_count(rs);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    out_hex[0] = '\0';
    if (!ctx)
        return;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        EVP_DigestUpdate(ctx, "layerscan-rules-v1", 18);
        put_u64(ctx, n);
        for (r = 0; r < n; r++)
            put_rule(ctx, ls_ruleset_get(rs, r));
        if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1)
            md_len = 0;
    }
    EVP_MD_CTX_free(ctx);
    for (i = 0; i < md_len && i < 32; i++) {
        out_hex[2 * i] = hex[md[i] >> 4];
        out_hex[2 * i + 1] = hex[md[i] & 15];
    }
    out_hex[2 * i] = '\0';
}
