/*
 * matcher.c - compiling a rule set: one Hyperscan streaming database for all
 * rules plus one PCRE2 confirmation regex per rule.
 *
 * Hyperscan runs without SOM: it only says "rule r matched ending at `to`".
 * hs_expression_info gives each rule's longest match, so confirmation looks
 * back exactly as far as that rule can reach (bounded by LS_MATCH_WINDOW)
 * instead of always running PCRE2 over the whole window. Flags: none. No
 * HS_FLAG_DOTALL or HS_FLAG_MULTILINE, so `.`, `^` and `$` mean the same in
 * Hyperscan and in PCRE2's defaults (`^` = start of stream, `$` = end of
 * stream); never HS_FLAG_ALLOWEMPTY (an empty secret is not a secret).
 */
#include "match/matcher_impl.h"

#include <stdatomic.h>
#include <stdbool.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/dbcache.h"
#include "match/regex_width.h"

#define RULE_HS_FLAGS 0u

static int rule_error(const ls_rule *r, ls_error *err, const char *engine, const char *msg)
{
    return ls_error_set(err, LS_ERR_FORMAT, "%s: rule %s: %s: %s",
                        r->origin ? r->origin : "rules", r->id, engine, msg);
}

/* The longest match Hyperscan says the rule can produce, capped. */
static int rule_width(const ls_rule *r, size_t *out, ls_error *err)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    if (hs_expression_info(r->regex, RULE_HS_FLAGS, &info, &cerr) != HS_SUCCESS) {
        rule_error(r, err, "hyperscan", cerr ? cerr->message : "cannot analyse expression");
        hs_free_compile_error(cerr);
        return -1;
    }
    *out = info->max_width == UINT_MAX ? SIZE_MAX : info->max_width;
    free(info); /* allocated with the default misc allocator (malloc) */
    return 0;
}

/* "(?:REGEX)\z" compiled (JIT comes on first use); the secret group chosen. */
static int rule_pcre(const ls_rule *r, ls_match_rule *mr, ls_error *err)
{
    size_t len = strlen(r->regex) + 8;
    char *pat = malloc(len);
    int code, named;
    PCRE2_SIZE off;
    uint32_t groups = 0;
    if (!pat)
        return ls_error_set(err, LS_ERR_NOMEM, "matcher: out of memory");
    snprintf(pat, len, "(?:%s)\\z", r->regex);
    mr->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    free(pat);
    if (!mr->re) {
        PCRE2_UCHAR msg[256];
        char full[320];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(full, sizeof full, "%s at offset %zu", (const char *)msg,
                 off >= 3 ? (size_t)off - 3 : (size_t)0);
        return rule_error(r, err, "pcre2", full);
    }
    pcre2_pattern_info(mr->re, PCRE2_INFO_CAPTURECOUNT, &groups);
    named = pcre2_substring_number_from_name(mr->re, (PCRE2_SPTR) "secret");
    mr->group = named > 0 ? (uint32_t)named : groups >= 1 ? 1u : 0u;
    return 0;
}

static int compile_db(ls_matcher *m, ls_error *err)
{
    const char **exprs = calloc(m->n, sizeof *exprs);
    unsigned *flags = calloc(m->n, sizeof *flags);
    unsigned *ids = calloc(m->n, sizeof *ids);
    hs_compile_error_t *cerr = NULL;
    size_t i, n = 0;
    int rc = -1;
    if (!exprs || !flags || !ids) {
        ls_error_set(err, LS_ERR_NOMEM, "matcher: out of memory");
        goto out;
    }
    /* structural rules are checks in C (analyzer/tamper): ids stay rule indexes */
    for (i = 0; i < m->n; i++) {
        const ls_rule *r = ls_ruleset_get(m->rs, i);
        if (!r->regex)
            continue;
        exprs[n] = r->regex;
        flags[n] = RULE_HS_FLAGS;
        ids[n++] = (unsigned)i;
    }
    if (n == 0) {
        rc = 0; /* nothing to match: no database, the scanner scans nothing */
        goto out;
    }
    if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_STREAM, NULL, &m->db,
                         &cerr) != HS_SUCCESS) {
        if (cerr && cerr->expression >= 0 && (size_t)cerr->expression < n) {
            char msg[400];
            snprintf(msg, sizeof msg, "%s (expression %d)", cerr->message, cerr->expression);
            rule_error(ls_ruleset_get(m->rs, ids[cerr->expression]), err, "hyperscan", msg);
        } else
            ls_error_set(err, LS_ERR_FORMAT, "matcher: hyperscan: %s",
                         cerr ? cerr->message : "compile failed");
        hs_free_compile_error(cerr);
        m->db = NULL;
        goto out;
    }
    rc = 0;
out:
    free(exprs);
    free(flags);
    free(ids);
    return rc;
}

/* Tries the on-disk cache: a database that reports every rule's examples
 * (the widths are not taken from the file: see ls_matcher_rule_width). */
static bool load_cached(ls_matcher *m, const char *dir, const char *key)
{
    m->db = ls_dbcache_load(dir, key, m->rs);
    return m->db != NULL;
}

/* Best effort: a cache that cannot be written is no cache. */
static void store_cached(const ls_matcher *m, const char *dir, const char *key)
{
    (void)ls_dbcache_store(dir, key, m->db, m->n);
}

size_t ls_matcher_rule_width(const ls_matcher *m, size_t rule)
{
    ls_match_rule *mr = &m->rules[rule];
    size_t raw;
    if (!atomic_load_explicit(&mr->width_known, memory_order_acquire)) {
        pthread_mutex_lock(m->jit_mu);
        if (!atomic_load_explicit(&mr->width_known, memory_order_relaxed)) {
            /* read from the expression (microseconds), else Hyperscan's
             * analysis (about a millisecond); that cannot fail for an
             * expression in the database short of memory: then the widest
             * look-back (never too short) */
            const ls_rule *r = ls_ruleset_get(m->rs, rule);
            if (!ls_regex_max_width(r->regex, &mr->raw_width) && rule_width(r, &mr->raw_width, NULL) < 0)
                mr->raw_width = SIZE_MAX;
            atomic_store_explicit(&mr->width_known, true, memory_order_release);
        }
        pthread_mutex_unlock(m->jit_mu);
    }
    raw = mr->raw_width;
    return raw > m->window - 1 ? m->window - 1 : raw;
}

/* Classifies every rule's path filter globs once, and lists the rules that
 * have any or do not look everywhere: the scanner re-evaluates only those
 * per stream. */
static int compile_path_filters(ls_matcher *m, ls_error *err)
{
    size_t i, k;
    for (i = 0; i < m->n; i++) {
        const ls_rule *r = ls_ruleset_get(m->rs, i);
        ls_match_rule *mr = &m->rules[i];
        size_t n = r->n_path_include + r->n_path_exclude;
        mr->scans = r->regex ? r->scans : 0;
        if (n == 0 && r->scans == LS_SCANS_ALL)
            continue;
        if (!m->filtered && !(m->filtered = calloc(m->n, sizeof *m->filtered)))
            return ls_error_set(err, LS_ERR_NOMEM, "matcher: out of memory");
        if (n && !(mr->globs = calloc(n, sizeof *mr->globs)))
            return ls_error_set(err, LS_ERR_NOMEM, "matcher: out of memory");
        mr->n_include = r->n_path_include;
        mr->n_exclude = r->n_path_exclude;
        for (k = 0; k < r->n_path_include; k++)
            ls_glob_compile(&mr->globs[k], r->path_include[k]);
        for (k = 0; k < r->n_path_exclude; k++)
            ls_glob_compile(&mr->globs[r->n_path_include + k], r->path_exclude[k]);
        m->filtered[m->n_filtered++] = i;
    }
    return 0;
}

int ls_matcher_new(ls_matcher **out, const ls_ruleset *rs, ls_error *err)
{
    return ls_matcher_new_cached(out, rs, NULL, err);
}

int ls_matcher_new_cached(ls_matcher **out, const ls_ruleset *rs, const char *cache_dir, ls_error *err)
{
    ls_matcher *m = calloc(1, sizeof *m);
    char key[LS_DBCACHE_KEY_MAX];
    bool use_cache, hit = false;
    size_t i;
    *out = NULL;
    if (!m)
        return ls_error_set(err, LS_ERR_NOMEM, "matcher: out of memory");
    m->rs = rs;
    m->n = ls_ruleset_count(rs);
    if (m->n > UINT_MAX / 2) {
        free(m);
        return ls_error_set(err, LS_ERR_LIMIT, "matcher: too many rules");
    }
    if ((m->n && !(m->rules = calloc(m->n, sizeof *m->rules))) ||
        !(m->jit_mu = malloc(sizeof *m->jit_mu)) || pthread_mutex_init(m->jit_mu, NULL) != 0) {
        free(m->jit_mu);
        free(m->rules);
        free(m);
        return ls_error_set(err, LS_ERR_NOMEM, "matcher: out of memory");
    }
    use_cache = cache_dir && *cache_dir && m->n &&
                ls_dbcache_key(rs, HS_MODE_STREAM, RULE_HS_FLAGS, key);
    if (use_cache)
        hit = load_cached(m, cache_dir, key);
    m->cache = !use_cache ? LS_DBCACHE_OFF : hit ? LS_DBCACHE_HIT : LS_DBCACHE_MISS;
    for (i = 0; i < m->n; i++) {
        const ls_rule *r = ls_ruleset_get(rs, i);
        uint32_t groups = 0;
        if (!r->regex) { /* structural: never matched, no width */
            atomic_init(&m->rules[i].width_known, true);
            continue;
        }
        if ((!hit && rule_width(r, &m->rules[i].raw_width, err) < 0) || rule_pcre(r, &m->rules[i], err) < 0)
            goto fail;
        atomic_init(&m->rules[i].width_known, !hit);
        pcre2_pattern_info(m->rules[i].re, PCRE2_INFO_CAPTURECOUNT, &groups);
        if (groups > m->max_groups)
            m->max_groups = groups;
    }
    (void)ls_matcher_set_window(m, LS_MATCH_WINDOW, NULL);
    if (compile_path_filters(m, err) < 0)
        goto fail;
    if (m->n && !hit) {
        if (compile_db(m, err) < 0)
            goto fail;
        if (use_cache && m->db)
            store_cached(m, cache_dir, key);
    }
    *out = m;
    return 0;
fail:
    ls_matcher_free(m);
    return -1;
}

int ls_matcher_set_window(ls_matcher *m, size_t window, ls_error *err)
{
    if (window < LS_MATCH_WINDOW_MIN || window > LS_MATCH_WINDOW_MAX)
        return ls_error_set(err, LS_ERR_USAGE,
                            "match window %zu out of range (%u to %u bytes)", window,
                            (unsigned)LS_MATCH_WINDOW_MIN, (unsigned)LS_MATCH_WINDOW_MAX);
    m->window = window;
    m->max_width = 0;
    for (size_t i = 0; i < m->n; i++) {
        const ls_match_rule *mr = &m->rules[i];
        size_t w = !atomic_load(&mr->width_known) || mr->raw_width > window - 1 ? window - 1 : mr->raw_width;
        if (w > m->max_width)
            m->max_width = w;
    }
    return 0;
}

size_t ls_matcher_window(const ls_matcher *m)
{
    return m->window;
}

ls_dbcache_state ls_matcher_cache_state(const ls_matcher *m)
{
    return m ? m->cache : LS_DBCACHE_OFF;
}

const pcre2_code *ls_matcher_confirm_code(const ls_matcher *m, size_t rule)
{
    ls_match_rule *mr = &m->rules[rule];
    pcre2_code *c = atomic_load_explicit(&mr->confirm, memory_order_acquire);
    if (c)
        return c;
    pthread_mutex_lock(m->jit_mu);
    c = atomic_load_explicit(&mr->confirm, memory_order_relaxed);
    if (!c) {
        pcre2_code *copy = pcre2_code_copy(mr->re);
        if (copy && pcre2_jit_compile(copy, PCRE2_JIT_COMPLETE) == 0) {
            c = copy;
        } else { /* no JIT here (or no memory for it): the interpreter */
            pcre2_code_free(copy);
            c = mr->re;
        }
        atomic_store_explicit(&mr->confirm, c, memory_order_release);
    }
    pthread_mutex_unlock(m->jit_mu);
    return c;
}

void ls_matcher_free(ls_matcher *m)
{
    size_t i;
    if (!m)
        return;
    for (i = 0; m->rules && i < m->n; i++) {
        pcre2_code *c = atomic_load(&m->rules[i].confirm);
        if (c && c != m->rules[i].re)
            pcre2_code_free(c);
        pcre2_code_free(m->rules[i].re);
        free(m->rules[i].globs);
    }
    free(m->rules);
    free(m->filtered);
    hs_free_database(m->db);
    if (m->jit_mu) {
        pthread_mutex_destroy(m->jit_mu);
        free(m->jit_mu);
    }
    free(m);
}

const ls_ruleset *ls_matcher_rules(const ls_matcher *m)
{
    return m ? m->rs : NULL;
}
