/*
 * selftest.c - runs each rule's examples and negatives through a real
 * scanner (see selftest.h). Splitting every small example at every byte
 * proves the streaming path: the secret must survive any block boundary.
 */
#include "rules/selftest.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What one scan of one input saw of the rule under test. */
typedef struct {
    size_t rule;
    const char *want;   /* expected secret, or NULL for a negative */
    bool found;         /* a hit of the rule with exactly the secret */
    size_t hits;        /* hits of the rule */
    char seen[80];      /* first secret of the rule seen, printable */
} probe;

static void printable(char *dst, size_t cap, const char *src, size_t n)
{
    size_t i, j = 0;
    for (i = 0; i < n && j + 4 < cap; i++)
        dst[j++] = isprint((unsigned char)src[i]) ? src[i] : '?';
    if (i < n) {
        dst[j++] = '.';
        dst[j++] = '.';
        dst[j++] = '.';
    }
    dst[j] = '\0';
}

static int probe_cb(void *ud, const ls_hit *h)
{
    probe *p = ud;
    if (h->rule != p->rule)
        return 0;
    if (p->hits++ == 0)
        printable(p->seen, sizeof p->seen, h->secret, h->secret_len);
    if (p->want && strlen(p->want) == h->secret_len &&
        memcmp(p->want, h->secret, h->secret_len) == 0)
        p->found = true;
    return 0;
}

/* Scans text whole (split == 0) or as two blocks split at byte `split`. */
static int run(ls_scanner *sc, const char *path, const char *text, size_t split, probe *p,
               ls_error *err)
{
    size_t len = strlen(text);
    p->found = false;
    p->hits = 0;
    p->seen[0] = '\0';
    if (split == 0)
        return ls_scanner_scan(sc, path, text, len, probe_cb, p, err);
    if (ls_scanner_begin(sc, path, probe_cb, p, err) < 0 ||
        ls_scanner_feed(sc, text, split, err) < 0 ||
        ls_scanner_feed(sc, text + split, len - split, err) < 0)
        return -1;
    return ls_scanner_end(sc, err);
}

static bool globs_match(char *const *globs, size_t n, const char *path)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (fnmatch(globs[i], path, 0) == 0)
            return true;
    return false;
}

/* A path the rule's filters accept: the first include glob with its
 * wildcards made concrete; for rules without includes a plain file path, so
 * that path-restricted rules (.npmrc, kubeconfig, tfstate...) stay out of
 * other rules' examples as they do in a real scan; NULL for a rule that
 * does not scan files. */
static int rule_path(const ls_rule *r, char *buf, size_t cap, const char **out)
{
    size_t i;
    *out = NULL;
    if (!(r->scans & LS_SCANS_FILES)) /* metadata only: scanned as a stream of unknown kind */
        return 0;
    if (r->n_path_include == 0) {
        snprintf(buf, cap, "%s", "/srv/selftest/example.conf");
        if (!globs_match(r->path_exclude, r->n_path_exclude, buf))
            *out = buf;
        return 0;
    }
    snprintf(buf, cap, "%s", r->path_include[0]);
    for (i = 0; buf[i]; i++)
        if (buf[i] == '*' || buf[i] == '?')
            buf[i] = 'x';
    if (!globs_match(r->path_include, r->n_path_include, buf) ||
        globs_match(r->path_exclude, r->n_path_exclude, buf))
        return -1;
    *out = buf;
    return 0;
}

static bool contains_keyword(const ls_rule *r, const char *text)
{
    size_t k, i, n;
    if (r->n_keywords == 0)
        return true;
    for (k = 0; k < r->n_keywords; k++) {
        n = strlen(r->keywords[k]);
        for (i = 0; text[i]; i++)
            if (strncasecmp(text + i, r->keywords[k], n) == 0)
                return true;
    }
    return false;
}

/* Checks one example: whole, then split everywhere. 1 = pass, 0 = fail
 * (reason filled), -1 = engine error. */
static int check_example(ls_scanner *sc, const ls_rule *r, size_t idx, const char *path,
                         size_t ei, char *why, size_t cap, ls_error *err)
{
    const ls_rule_example *ex = &r->examples[ei];
    probe p = { idx, ex->secret, false, 0, "" };
    size_t len = strlen(ex->text), k;
    char want[80];
    printable(want, sizeof want, ex->secret, strlen(ex->secret));
    if (!contains_keyword(r, ex->text)) {
        snprintf(why, cap, "example %zu contains none of the keywords", ei + 1);
        return 0;
    }
    for (k = 0; k < len && (k == 0 || len <= LS_SELFTEST_SPLIT_MAX); k++) {
        if (run(sc, path, ex->text, k, &p, err) < 0)
            return -1;
        if (p.found)
            continue;
        if (p.hits)
            snprintf(why, cap, "example %zu%s: got \"%s\", expected \"%s\"", ei + 1,
                     k ? " (split)" : "", p.seen, want);
        else
            snprintf(why, cap, "example %zu%s: no hit, expected \"%s\"", ei + 1,
                     k ? " (split)" : "", want);
        if (k)
            snprintf(why + strlen(why), cap - strlen(why), " (blocks of %zu + %zu bytes)", k,
                     len - k);
        return 0;
    }
    return 1;
}

static int check_negative(ls_scanner *sc, size_t idx, const char *path, const char *text,
                          size_t ni, char *why, size_t cap, ls_error *err)
{
    probe p = { idx, NULL, false, 0, "" };
    if (run(sc, path, text, 0, &p, err) < 0)
        return -1;
    if (p.hits == 0)
        return 1;
    snprintf(why, cap, "negative %zu matched \"%s\"", ni + 1, p.seen);
    return 0;
}

/* 1 = pass, 0 = fail (why filled), -1 = engine error. */
static int check_rule(ls_scanner *sc, const ls_rule *r, size_t idx, char *why, size_t cap,
                      ls_error *err)
{
    char pathbuf[512];
    const char *path;
    size_t i;
    int rc;
    if (rule_path(r, pathbuf, sizeof pathbuf, &path) < 0) {
        snprintf(why, cap, "cannot derive a path from path_include \"%s\"", r->path_include[0]);
        return 0;
    }
    for (i = 0; i < r->n_examples; i++)
        if ((rc = check_example(sc, r, idx, path, i, why, cap, err)) != 1)
            return rc;
    for (i = 0; i < r->n_negatives; i++)
        if ((rc = check_negative(sc, idx, path, r->negatives[i], i, why, cap, err)) != 1)
            return rc;
    return 1;
}

size_t ls_rules_selftest(const ls_matcher *m, FILE *out, bool verbose, ls_error *err)
{
    const ls_ruleset *rs = ls_matcher_rules(m);
    ls_scanner *sc = ls_scanner_new(m, err);
    size_t i, failed = 0;
    char why[512];
    if (!sc)
        return (size_t)-1;
    for (i = 0; i < ls_ruleset_count(rs); i++) {
        const ls_rule *r = ls_ruleset_get(rs, i);
        int rc;
        if (r->structural) { /* code, not a pattern: its module's unit tests run it */
            if (verbose && out)
                fprintf(out, "code %s\n", r->id);
            continue;
        }
        rc = check_rule(sc, r, i, why, sizeof why, err);
        if (rc < 0) {
            ls_error_prefix(err, "selftest: rule %s", r->id);
            ls_scanner_free(sc);
            return (size_t)-1;
        }
        if (rc == 0) {
            failed++;
            if (out)
                fprintf(out, "FAIL %s: %s\n", r->id, why);
        } else if (verbose && out) {
            fprintf(out, "ok   %s\n", r->id);
        }
    }
    ls_scanner_free(sc);
    return failed;
}
