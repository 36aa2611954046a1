/*
 * attestations.c - statements attached to the image through the matcher.
 *
 * All strings of one statement are joined into one text, one per line, and
 * scanned in one call (an SBOM holds hundreds of thousands of strings; one
 * scanner call each would cost more than the scan); each hit is mapped back
 * to its string by offset, and a hit that runs into the next string is
 * dropped, since no string held it.
 */
#include "pipeline/attestations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/manifest.h"
#include "supply/cosign.h"
#include "supply/intoto.h"

static void report_clear(ls_attestation_report *r);

typedef struct {
    uint64_t pointer; /* of its JSON pointer in the pointer arena */
    uint64_t start;   /* of "NAME=value" (or the value) in the joined text */
    uint64_t value;   /* of the value */
    uint64_t end;     /* one past its last byte */
} element;

typedef struct {
    const ls_attest_scan *a;
    char *text;
    size_t len, cap;
    element *el;
    size_t n, el_cap;
    char *ptrs;                /* every element's pointer, NUL-terminated, one after another */
    size_t plen, pcap;
    bool truncated;            /* more than LS_ATTESTATION_MAX_STRINGS: the rest not read */
    const char *predicate;     /* for paths */
    ls_finding_list *out;
    ls_error fail;
} stmt_ctx;

/* Room for `more` bytes (and a NUL) after len in *buf. */
static int grow(char **buf, size_t *cap, size_t len, size_t more)
{
    size_t c = *cap ? *cap : 4096;
    char *t;
    if (len + more + 1 <= *cap)
        return 0;
    while (c < len + more + 1)
        c *= 2;
    if (!(t = realloc(*buf, c)))
        return -1;
    *buf = t;
    *cap = c;
    return 0;
}

static int collect(void *ctx, const char *pointer, const char *key, const char *value, size_t len)
{
    stmt_ctx *c = ctx;
    size_t klen = key ? strlen(key) + 1 : 0, plen = strlen(pointer);
    element *e;
    if (c->n == (c->a->max_strings ? c->a->max_strings : LS_ATTESTATION_MAX_STRINGS)) {
        c->truncated = true;
        return 1;
    }
    if (c->n == c->el_cap) {
        size_t cap = c->el_cap ? c->el_cap * 2 : 64;
        element *v = realloc(c->el, cap * sizeof *v);
        if (!v)
            return ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory"), 1;
        c->el = v;
        c->el_cap = cap;
    }
    if (grow(&c->text, &c->cap, c->len, klen + len + 1) < 0 || grow(&c->ptrs, &c->pcap, c->plen, plen + 1) < 0)
        return ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory"), 1;
    e = &c->el[c->n++];
    e->pointer = c->plen;
    memcpy(c->ptrs + c->plen, pointer, plen + 1);
    c->plen += plen + 1;
    e->start = c->len;
    if (key) {
        memcpy(c->text + c->len, key, klen - 1);
        c->text[c->len + klen - 1] = '=';
        c->len += klen;
    }
    e->value = c->len;
    memcpy(c->text + c->len, value, len);
    c->len += len;
    e->end = c->len;
    c->text[c->len++] = '\n';
    return 0;
}

static size_t element_of(const stmt_ctx *c, uint64_t offset)
{
    size_t lo = 0, hi = c->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->el[mid].start <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The last history entry whose build arguments carry secret, else -1. */
static long build_arg_entry(const ls_attest_scan *a, const char *secret)
{
    if (!a->hist || !*secret)
        return -1;
    for (size_t i = a->img->n_history; i-- > 0;) {
        const ls_history_report *h = &a->hist[i];
        for (size_t k = 0; k < h->n_build_args; k++) {
            const char *eq = strchr(h->build_args[k], '=');
            if (eq && strstr(eq + 1, secret))
                return (long)i;
        }
    }
    return -1;
}

static int on_hit(void *ud, const ls_hit *hit)
{
    stmt_ctx *c = ud;
    const element *e;
    ls_content_id none = {0, 0};
    ls_finding *f;
    size_t plen;
    char *path;
    if (c->n == 0)
        return 0;
    e = &c->el[element_of(c, hit->offset)];
    if (hit->offset + hit->secret_len > e->end)
        return 0; /* runs into the next string: no string holds it */
    if (ls_finding_suppressed(c->a->rules, hit, NULL, c->a->debug))
        return 0;
    plen = strlen(c->predicate) + strlen(c->ptrs + e->pointer) + 16;
    if (!(path = malloc(plen)))
        return ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory"), 1;
    snprintf(path, plen, "attestation[%s]%s", c->predicate, c->ptrs + e->pointer);
    f = ls_finding_list_add(c->out, c->a->rules, hit, path, none);
    free(path);
    if (!f)
        return ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory"), 1;
    f->source = LS_SOURCE_ATTESTATION;
    f->layer = -1;
    f->status = LS_STATUS_METADATA;
    f->removed_in_layer = -1;
    /* placed in the value (in the name when the match starts there) */
    {
        uint64_t from = hit->offset >= e->value ? e->value : e->start;
        f->offset = hit->offset - from;
        f->line = 1;
        f->column = 1;
        for (uint64_t i = from; i < hit->offset; i++) {
            if (c->text[i] == '\n') {
                f->line++;
                f->column = 1;
            } else {
                f->column++;
            }
        }
    }
    f->history = build_arg_entry(c->a, f->secret);
    return 0;
}

static void stmt_clear(stmt_ctx *c)
{
    free(c->el);
    free(c->ptrs);
    free(c->text);
}

/* The statement a blob holds; for a Sigstore bundle, its DSSE payload. */
typedef struct {
    unsigned char *data;
    size_t len;
    bool owned;
} stmt_bytes;

static bool is_bundle(const char *mt)
{
    return mt && strncmp(mt, LS_MT_SIGSTORE_BUNDLE_PREFIX, strlen(LS_MT_SIGSTORE_BUNDLE_PREFIX)) == 0;
}

static bool is_statement_layer(const ls_descriptor *d)
{
    return d->predicate_type || is_bundle(d->media_type) ||
           (d->media_type && (!strcmp(d->media_type, LS_MT_INTOTO) || !strcmp(d->media_type, LS_MT_DSSE)));
}

/* Scans one statement; problems reading it go to errors. */
static int scan_statement(const ls_attest_scan *a, const ls_attached *m, const ls_descriptor *d,
                          ls_finding_list *out, ls_error_list *errors, ls_attestation_report *rep,
                          bool *keep, uint64_t *bytes, ls_error *err)
{
    unsigned char *blob = NULL;
    size_t len = 0;
    stmt_ctx c = {.a = a, .out = out};
    ls_error e = {0};
    char what[200], *ptype = NULL;
    int rc = 0;
    *keep = false;
    snprintf(what, sizeof what, "attestation %.19s statement %.19s", m->digest, d->digest);
    if (a->fetch(a->fetch_ctx, d->digest, &blob, &len, &e) < 0)
        return ls_error_list_add(errors, -1, NULL, "%s: %s", what, e.msg) < 0
                   ? ls_error_set(err, LS_ERR_NOMEM, "out of memory") : 0;
    if (ls_intoto_strings(blob, len, what, collect, &c, &ptype, &e) != 0 && !c.truncated) {
        if (c.fail.code != LS_OK)
            rc = ls_error_pass(err, &c.fail);
        else if (ls_error_list_add(errors, -1, NULL, "%s", e.msg) < 0)
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (is_bundle(d->media_type) && ptype && !strcmp(ptype, LS_COSIGN_SIGN_PREDICATE))
        goto out; /* a signature, which the signature stage reads */
    c.predicate = ptype ? ptype : d->predicate_type ? d->predicate_type : "unknown";
    if (c.len && ls_scanner_scan_metadata(a->scanner, LS_SCANS_CONFIG, c.text, c.len, on_hit, &c, err) != 0) {
        rc = -1;
        goto out;
    }
    if (c.fail.code != LS_OK) {
        rc = ls_error_pass(err, &c.fail);
        goto out;
    }
    *bytes += c.len;
    if (c.truncated && ls_error_list_add(errors, -1, NULL, "%s: more than %u strings (the rest not scanned)",
                                         what, a->max_strings ? a->max_strings : LS_ATTESTATION_MAX_STRINGS) < 0) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    rep->manifest = strdup(m->digest);
    rep->digest = strdup(d->digest);
    rep->media_type = d->media_type ? strdup(d->media_type) : NULL;
    rep->predicate_type = ptype;
    ptype = NULL;
    rep->source = ls_attached_via_name(m->via);
    rep->strings = c.n;
    *keep = true;
    if (!rep->manifest || !rep->digest || (d->media_type && !rep->media_type))
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
out:
    free(ptype);
    free(blob);
    stmt_clear(&c);
    return rc;
}

static int add_report(ls_attestation_report **reps, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        ls_attestation_report *v = realloc(*reps, c * sizeof *v);
        if (!v)
            return -1;
        *reps = v;
        *cap = c;
    }
    memset(&(*reps)[*n], 0, sizeof **reps);
    return 0;
}

int ls_attestations_scan(const ls_attest_scan *a, const ls_attached_list *att, ls_finding_list *out,
                         ls_error_list *errors, ls_attestation_report **reps, size_t *n,
                         uint64_t *bytes, ls_error *err)
{
    size_t cap = 0, statements = 0;
    unsigned max_statements = a->max_statements ? a->max_statements : LS_ATTESTATION_MAX_STATEMENTS;
    *reps = NULL;
    *n = 0;
    for (size_t i = 0; i < att->n; i++) {
        const ls_attached *m = &att->items[i];
        ls_manifest_doc doc;
        ls_error e = {0};
        char what[120];
        snprintf(what, sizeof what, "attached manifest %.19s", m->digest);
        if (ls_manifest_parse(&doc, what, m->data, m->len, &e) < 0) {
            if (ls_error_list_add(errors, -1, NULL, "%s", e.msg) < 0)
                goto nomem;
            continue;
        }
        for (size_t k = 0; k < doc.n_layers; k++) {
            bool keep;
            if (!is_statement_layer(&doc.layers[k]))
                continue;
            if (statements++ == max_statements) {
                ls_manifest_doc_free(&doc);
                return ls_error_list_add(errors, -1, NULL,
                                         "attestations: more than %u statements (the rest not read)",
                                         max_statements) < 0
                           ? ls_error_set(err, LS_ERR_NOMEM, "out of memory")
                           : 0;
            }
            if (add_report(reps, n, &cap) < 0) {
                ls_manifest_doc_free(&doc);
                goto nomem;
            }
            if (scan_statement(a, m, &doc.layers[k], out, errors, &(*reps)[*n], &keep, bytes, err) < 0) {
                report_clear(&(*reps)[*n]);
                ls_manifest_doc_free(&doc);
                return -1;
            }
            if (keep)
                (*n)++;
        }
        ls_manifest_doc_free(&doc);
    }
    return 0;
nomem:
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

static void report_clear(ls_attestation_report *r)
{
    free(r->manifest);
    free(r->digest);
    free(r->media_type);
    free(r->predicate_type);
    memset(r, 0, sizeof *r);
}

void ls_attestation_reports_free(ls_attestation_report *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        report_clear(&v[i]);
    free(v);
}
