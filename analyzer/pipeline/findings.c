/*
 * findings.c - finding and error lists.
 *
 * The fingerprint hashes only the rule id and the secret, never where it was
 * found, so the same secret keeps its fingerprint when it moves to another
 * layer, path or line (what baselines need). Validation (analyzer/detect)
 * runs here, once per finding, and sets the finding's own confidence.
 */
#include "pipeline/findings.h"

#include "detect/detect.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_bytes(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

int ls_fingerprint(const char *rule_id, const char *secret, size_t len, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    static const char hex[] = "0123456789abcdef";
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, rule_id, strlen(rule_id) + 1) == 1 &&
             EVP_DigestUpdate(ctx, secret, len) == 1 && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 &&
             mdlen >= 16;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        out[0] = '\0';
        return -1;
    }
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[32] = '\0';
    return 0;
}

static ls_finding *reserve(ls_finding_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        ls_finding *items = realloc(l->items, cap * sizeof *items);
        ls_content_id *content;
        if (!items)
            return NULL;
        l->items = items;
        content = realloc(l->content, cap * sizeof *content);
        if (!content)
            return NULL;
        l->content = content;
        l->cap = cap;
    }
    memset(&l->items[l->n], 0, sizeof l->items[l->n]);
    return &l->items[l->n];
}

bool ls_finding_suppressed(const ls_ruleset *rs, const ls_hit *hit, const char *path, bool debug)
{
    const ls_rule *rule = ls_ruleset_get(rs, hit->rule);
    const char *why;
    /* placeholders and documented examples are about secret values: a key
     * planted for "attacker@example.test" still opens the door */
    if (rule->category != LS_CATEGORY_SECRET)
        return false;
    why = ls_detect_nonsecret(rule, hit->secret, hit->secret_len, path);
    if (!why)
        return false;
    if (debug)
        fprintf(stderr, "layerscan: suppressed %s at %s:%llu:%llu: %s\n", rule->id,
                path ? path : "(metadata)", (unsigned long long)hit->line,
                (unsigned long long)hit->column, why);
    return true;
}

ls_finding *ls_finding_list_add(ls_finding_list *l, const ls_ruleset *rs, const ls_hit *hit,
                                const char *path, ls_content_id content)
{
    ls_finding *f = reserve(l);
    ls_validation verdict;
    if (!f)
        return NULL;
    f->rule = hit->rule;
    f->path = dup_bytes(path, strlen(path));
    f->secret = dup_bytes(hit->secret, hit->secret_len);
    if (!f->path || !f->secret) {
        ls_finding_free_fields(f);
        return NULL;
    }
    f->line = hit->line;
    f->column = hit->column;
    f->offset = hit->offset;
    f->layer = f->history = f->removed_in_layer = f->package = -1;
    f->origin = LS_ORIGIN_IMAGE;
    f->status = LS_STATUS_METADATA;
    if (ls_detect_validate(ls_ruleset_get(rs, hit->rule), hit->secret, hit->secret_len, &verdict,
                           &f->confidence) != 0) {
        ls_finding_free_fields(f); /* out of memory: no finding with a verdict it would not get */
        return NULL;
    }
    f->validation = ls_validation_name(verdict);
    f->confidence = ls_detect_path_confidence(path, f->confidence);
    if (ls_fingerprint(ls_ruleset_get(rs, hit->rule)->id, hit->secret, hit->secret_len, f->fingerprint) != 0) {
        ls_finding_free_fields(f); /* OpenSSL out of memory: no finding without its fingerprint */
        return NULL;
    }
    l->content[l->n] = content;
    l->n++;
    return f;
}

ls_finding *ls_finding_list_copy(ls_finding_list *l, const ls_finding *src, const char *path,
                                 ls_content_id content)
{
    ls_finding copy = *src;
    ls_finding *f;
    copy.path = dup_bytes(path, strlen(path));
    copy.secret = dup_bytes(src->secret, strlen(src->secret));
    if (!copy.path || !copy.secret || !(f = reserve(l))) {
        ls_finding_free_fields(&copy);
        return NULL;
    }
    *f = copy;
    l->content[l->n] = content;
    l->n++;
    return f;
}

int ls_finding_list_take(ls_finding_list *dst, ls_finding_list *src)
{
    for (size_t i = 0; i < src->n; i++) {
        ls_finding *f = reserve(dst);
        if (!f)
            return -1;
        *f = src->items[i];
        dst->content[dst->n++] = src->content[i];
    }
    free(src->items);
    free(src->content);
    memset(src, 0, sizeof *src);
    return 0;
}

void ls_finding_free_fields(ls_finding *f)
{
    free(f->path);
    free(f->secret);
    f->path = f->secret = NULL;
}

void ls_finding_list_free(ls_finding_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ls_finding_free_fields(&l->items[i]);
    free(l->items);
    free(l->content);
    memset(l, 0, sizeof *l);
}

int ls_error_list_add(ls_error_list *l, long layer, const char *path, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    ls_report_error *e;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        ls_report_error *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    e = &l->items[l->n];
    e->layer = layer;
    e->path = path ? dup_bytes(path, strlen(path)) : NULL;
    e->message = dup_bytes(msg, strlen(msg));
    if (!e->message || (path && !e->path)) {
        free(e->path);
        free(e->message);
        return -1;
    }
    l->n++;
    return 0;
}

int ls_error_list_take(ls_error_list *dst, ls_error_list *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (dst->n == dst->cap) {
            size_t cap = dst->cap ? dst->cap * 2 : 8;
            ls_report_error *items = realloc(dst->items, cap * sizeof *items);
            if (!items)
                return -1;
            dst->items = items;
            dst->cap = cap;
        }
        dst->items[dst->n++] = src->items[i];
    }
    free(src->items);
    memset(src, 0, sizeof *src);
    return 0;
}

void ls_error_list_free(ls_error_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].path);
        free(l->items[i].message);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

bool ls_finding_list_supersede(ls_finding_list *l, size_t first, const ls_ruleset *rs, const ls_hit *hit)
{
    for (size_t i = l->n; i-- > first && l->items[i].offset >= hit->offset;) {
        ls_finding *o = &l->items[i];
        const char *oid = ls_ruleset_get(rs, o->rule)->id;
        const char *nid = ls_ruleset_get(rs, hit->rule)->id;
        if (o->offset != hit->offset)
            continue;
        if (ls_detect_supersedes(oid, nid))
            return true;
        if (ls_detect_supersedes(nid, oid)) {
            ls_finding_free_fields(o);
            memmove(o, o + 1, (l->n - i - 1) * sizeof *o);
            memmove(&l->content[i], &l->content[i + 1], (l->n - i - 1) * sizeof *l->content);
            l->n--;
            break;
        }
    }
    return false;
}
