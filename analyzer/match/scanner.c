/*
 * scanner.c - one thread's scanning state: Hyperscan scratch and stream, the
 * look-back (lookback.c), raw and pending hits (see matcher.h for the design).
 *
 * Per block: split into sub-blocks of LS_MATCH_BIGBLOCK bytes; for each,
 * hs_scan_stream records raw (rule, to) pairs into a buffer sized so a call
 * over LS_MATCH_SUBBLOCK bytes cannot overflow it (a longer one that does is
 * rewound and redone in such pieces, see scan_big); then every raw hit is confirmed with the rule's PCRE2
 * regex over the bytes before `to` and queued as pending; pending hits that
 * no later hit can precede or extend are delivered in offset order (when
 * rules of different confidence find a secret at the same offset, only the
 * most confident report it). All buffers are allocated in ls_scanner_new;
 * nothing is allocated per block. Path filters are evaluated once per file,
 * for the few rules that have any (pathglob.h), and so is where a rule looks
 * (files, history, config) for the few that do not look everywhere.
 */
#include "match/matcher_impl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "match/entropy.h"
#include "match/lookback.h"
#include "match/pending.h"

/* Bytes handed to one optimistic hs_scan_stream call (see scan_big). */
#define LS_MATCH_BIGBLOCK (64u * 1024u)

/* Backtracking bound for one confirmation: hostile input must not stall us. */
#define LS_CONFIRM_MATCH_LIMIT 1000000u

typedef struct {
    uint64_t to;    /* stream offset one past the match */
    uint32_t rule;  /* rule index (the Hyperscan id) */
} raw_hit;

struct ls_scanner {
    const ls_matcher *m;
    hs_scratch_t *scratch;      /* NULL when the set is empty */
    hs_stream_t *stream;        /* opened once, reset per stream */
    hs_stream_t *backup;        /* stream state before a big sub-block */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    unsigned char *buf;         /* 2 * window: straddling ranges */
    bool *enabled;              /* per rule: its path filters pass */
    raw_hit *raw;               /* raw hits of the current scan call */
    size_t n_raw, cap_raw;
    bool raw_overflow;          /* a raw hit was dropped: a bug */
    ls_pending pending;
    ls_lookback hist;
    ls_hit_cb cb;
    void *ud;
    uint64_t total;             /* bytes fed to this stream */
    bool active;                /* between begin and end */
    bool stopped;               /* the callback asked to stop */
    bool dirty;                 /* the Hyperscan stream holds state */
};

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx)
{
    ls_scanner *s = ctx;
    (void)from;
    (void)flags;
    if (!s->enabled[id])
        return 0;
    if (s->n_raw && s->raw[s->n_raw - 1].to == to && s->raw[s->n_raw - 1].rule == id)
        return 0;
    if (s->n_raw == s->cap_raw) {
        s->raw_overflow = true;
        return 0;
    }
    s->raw[s->n_raw].to = to;
    s->raw[s->n_raw].rule = id;
    s->n_raw++;
    return 0;
}

static int cmp_raw(const void *a, const void *b)
{
    const raw_hit *x = a, *y = b;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Runs the rule's "(?:REGEX)\z" over the bytes before `to` and queues the
 * secret. One leading byte of context (searched from offset 1) keeps `^`
 * from matching at a window start that is not the stream start. */
static int confirm_one(ls_scanner *s, const raw_hit *rh, bool at_end, ls_error *err)
{
    const ls_match_rule *mr = &s->m->rules[rh->rule];
    size_t width = ls_matcher_rule_width(s->m, rh->rule);
    uint64_t floor = ls_lookback_floor(&s->hist), ws;
    const unsigned char *subject;
    PCRE2_SIZE *ov;
    size_t so;
    int rc;
    if (rh->to > width) {
        ws = rh->to - width - 1;
        so = 1;
    } else {
        ws = 0;
        so = 0;
    }
    if (ws < floor) {
        ws = floor;
        so = ws > 0;
    }
    if (rh->to <= ws || !(subject = ls_lookback_range(&s->hist, ws, rh->to, s->buf)))
        return 0;
    rc = pcre2_match(ls_matcher_confirm_code(s->m, rh->rule), subject, (PCRE2_SIZE)(rh->to - ws), so,
                     at_end ? 0 : PCRE2_NOTEOL, s->md, s->mctx);
    if (rc < 0)
        return 0; /* no match (semantics differ) or match limit: not confirmed */
    ov = pcre2_get_ovector_pointer(s->md);
    if ((uint32_t)rc <= mr->group || ov[2 * mr->group] == PCRE2_UNSET ||
        ov[2 * mr->group + 1] <= ov[2 * mr->group])
        return 0;
    if (ls_pending_add(&s->pending, rh->rule, ws + ov[2 * mr->group],
                       (uint32_t)(ov[2 * mr->group + 1] - ov[2 * mr->group])) < 0)
        return s->pending.n < s->pending.max
                   ? ls_error_set(err, LS_ERR_NOMEM, "matcher: out of memory")
                   : ls_error_set(err, LS_ERR_INTERNAL, "matcher: pending hit list full");
    return 0;
}

static int confirm_raw(ls_scanner *s, bool at_end, ls_error *err)
{
    size_t i;
    if (s->raw_overflow)
        return ls_error_set(err, LS_ERR_INTERNAL, "matcher: raw hit buffer overflow");
    if (s->n_raw > 1)
        qsort(s->raw, s->n_raw, sizeof *s->raw, cmp_raw);
    for (i = 0; i < s->n_raw; i++)
        if (confirm_one(s, &s->raw[i], at_end, err) < 0)
            return -1;
    s->n_raw = 0;
    return 0;
}

/* The secret's bytes if it reaches its rule's min_entropy, else NULL. */
static const unsigned char *secret_bytes(ls_scanner *s, const ls_pending_hit *ph)
{
    const ls_rule *rule = ls_ruleset_get(s->m->rs, ph->rule);
    const unsigned char *p =
        ls_lookback_range(&s->hist, ph->start, ph->start + ph->len, s->buf);
    if (p && rule->min_entropy > 0 && ls_entropy_shannon(p, ph->len) < rule->min_entropy)
        return NULL;
    return p;
}

static void deliver(ls_scanner *s, const ls_pending_hit *ph, const unsigned char *p)
{
    ls_hit hit;
    hit.rule = ph->rule;
    hit.secret = (const char *)p;
    hit.secret_len = ph->len;
    hit.offset = ph->start;
    ls_lookback_position(&s->hist, ph->start, &hit.line, &hit.column);
    if (s->cb(s->ud, &hit) != 0)
        s->stopped = true;
}

/* Hits of several rules whose secrets start at the same byte are one
 * secret seen by a specific rule and a generic one ("TOKEN=ghp_..." is both
 * github-pat and generic-secret): only the most confident rules report it. */
static void deliver_group(ls_scanner *s, const ls_pending_hit *g, size_t n)
{
    int best = -1;
    size_t i;
    for (i = 0; i < n; i++) {
        int conf = (int)ls_ruleset_get(s->m->rs, g[i].rule)->confidence;
        if (conf > best && secret_bytes(s, &g[i]))
            best = conf;
    }
    for (i = 0; i < n && !s->stopped; i++) {
        const unsigned char *p;
        if ((int)ls_ruleset_get(s->m->rs, g[i].rule)->confidence != best)
            continue;
        if ((p = secret_bytes(s, &g[i])) != NULL)
            deliver(s, &g[i], p);
    }
}

/* Delivers the pending hits no later raw hit can precede or lengthen: those
 * starting more than the longest reach (+1 for a `$` before a final newline)
 * before the end of what was scanned; all of them at the end of the stream. */
static void release(ls_scanner *s, bool final)
{
    uint64_t reach = (uint64_t)s->m->max_width + 1;
    uint64_t limit = final ? UINT64_MAX : s->total > reach ? s->total - reach : 0;
    const ls_pending_hit *v = s->pending.v;
    size_t i, j, k = ls_pending_ready(&s->pending, limit);
    for (i = 0; i < k && !s->stopped; i = j) {
        for (j = i + 1; j < k && v[j].start == v[i].start; j++)
            ;
        deliver_group(s, v + i, j - i);
    }
    if (s->stopped)
        ls_pending_clear(&s->pending);
    else
        ls_pending_drop(&s->pending, k);
}

static bool path_matches(const ls_glob *globs, size_t n, const char *path, size_t len)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (ls_glob_may_match(&globs[i], path, len) && ls_glob_match(&globs[i], path, len))
            return true;
    return false;
}

/* Only rules with path filters or a narrower LS_SCANS_* set are looked at:
 * every other rule stays enabled from ls_scanner_new on. `in` is what the
 * stream is (LS_SCANS_*); a NULL path (image metadata, or a stream whose
 * path is not known) meets no path filter. */
static void apply_filters(ls_scanner *s, const char *path, unsigned in)
{
    size_t len = path ? strlen(path) : 0;
    for (size_t k = 0; k < s->m->n_filtered; k++) {
        size_t i = s->m->filtered[k];
        const ls_match_rule *mr = &s->m->rules[i];
        s->enabled[i] = (mr->scans & in) &&
                        (!path || ((mr->n_include == 0 || path_matches(mr->globs, mr->n_include, path, len)) &&
                                   !path_matches(mr->globs + mr->n_include, mr->n_exclude, path, len)));
    }
}

ls_scanner *ls_scanner_new(const ls_matcher *m, ls_error *err)
{
    ls_scanner *s = calloc(1, sizeof *s);
    size_t n = m ? m->n : 0;
    if (!m) {
        free(s);
        ls_error_set(err, LS_ERR_USAGE, "scanner: no matcher");
        return NULL;
    }
    if (!s) {
        ls_error_set(err, LS_ERR_NOMEM, "scanner: out of memory");
        return NULL;
    }
    s->m = m;
    if (ls_lookback_init(&s->hist, m->window) < 0 ||
        ls_pending_init(&s->pending, n * (m->max_width + 1 + LS_MATCH_SUBBLOCK)) < 0 ||
        !(s->buf = malloc(2 * m->window)) ||
        !(s->enabled = calloc(n ? n : 1, sizeof *s->enabled)) ||
        !(s->raw = malloc((s->cap_raw = n * LS_MATCH_SUBBLOCK + 2 * n + 1) * sizeof *s->raw)) ||
        !(s->md = pcre2_match_data_create(m->max_groups + 1, NULL)) ||
        !(s->mctx = pcre2_match_context_create(NULL))) {
        ls_error_set(err, LS_ERR_NOMEM, "scanner: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        s->enabled[i] = true;
    pcre2_set_match_limit(s->mctx, LS_CONFIRM_MATCH_LIMIT);
    if (m->db) {
        if (hs_alloc_scratch(m->db, &s->scratch) != HS_SUCCESS) {
            ls_error_set(err, LS_ERR_NOMEM, "scanner: hs_alloc_scratch failed");
            goto fail;
        }
        if (hs_open_stream(m->db, 0, &s->stream) != HS_SUCCESS ||
            hs_open_stream(m->db, 0, &s->backup) != HS_SUCCESS) {
            ls_error_set(err, LS_ERR_NOMEM, "scanner: hs_open_stream failed");
            goto fail;
        }
    }
    return s;
fail:
    ls_scanner_free(s);
    return NULL;
}

void ls_scanner_free(ls_scanner *s)
{
    if (!s)
        return;
    if (s->stream)
        hs_close_stream(s->stream, s->scratch, NULL, NULL);
    if (s->backup)
        hs_close_stream(s->backup, s->scratch, NULL, NULL);
    hs_free_scratch(s->scratch);
    pcre2_match_context_free(s->mctx);
    pcre2_match_data_free(s->md);
    free(s->raw);
    free(s->enabled);
    free(s->buf);
    ls_pending_free(&s->pending);
    ls_lookback_free(&s->hist);
    free(s);
}

static int begin_in(ls_scanner *s, const char *path, unsigned in, ls_hit_cb cb, void *ud, ls_error *err)
{
    if (!s || !cb)
        return ls_error_set(err, LS_ERR_USAGE, "scanner: begin without scanner or callback");
    if (s->dirty) {
        if (hs_reset_stream(s->stream, 0, NULL, NULL, NULL) != HS_SUCCESS)
            return ls_error_set(err, LS_ERR_INTERNAL, "scanner: hs_reset_stream failed");
        s->dirty = false;
    }
    apply_filters(s, path, in);
    ls_lookback_reset(&s->hist);
    ls_pending_clear(&s->pending);
    s->n_raw = 0;
    s->raw_overflow = false;
    s->cb = cb;
    s->ud = ud;
    s->total = 0;
    s->stopped = false;
    s->active = true;
    return 0;
}

/* One hs_scan_stream call over at most LS_MATCH_SUBBLOCK bytes, then
 * confirmation and release. */
static int scan_sub(ls_scanner *s, const unsigned char *p, size_t n, ls_error *err)
{
    hs_error_t rc;
    s->dirty = true;
    s->n_raw = 0;
    rc = hs_scan_stream(s->stream, (const char *)p, (unsigned)n, 0, s->scratch, on_match, s);
    if (rc != HS_SUCCESS)
        return ls_error_set(err, LS_ERR_INTERNAL, "scanner: hs_scan_stream failed (%d)", rc);
    s->total += n;
    if (confirm_raw(s, false, err) < 0)
        return -1;
    release(s, false);
    return 0;
}

/* Hyperscan costs less per byte in longer calls (~15% from 2 KiB to 64 KiB
 * here), but the raw hit buffer is sized for LS_MATCH_SUBBLOCK bytes. So a
 * longer sub-block is scanned optimistically from a saved copy of the stream
 * state (under 1 KiB); in the (hostile) case where its hits overflow the
 * buffer, the stream is rewound to the copy and the same bytes are scanned
 * again in sub-blocks that cannot overflow. Either way the hits are the
 * same: only when they are confirmed differs. */
static int scan_big(ls_scanner *s, const unsigned char *p, size_t n, ls_error *err)
{
    hs_error_t rc;
    if (n <= LS_MATCH_SUBBLOCK)
        return scan_sub(s, p, n, err);
    if (hs_reset_and_copy_stream(s->backup, s->stream, NULL, NULL, NULL) != HS_SUCCESS)
        return ls_error_set(err, LS_ERR_INTERNAL, "scanner: hs_reset_and_copy_stream failed");
    s->dirty = true;
    s->n_raw = 0;
    rc = hs_scan_stream(s->stream, (const char *)p, (unsigned)n, 0, s->scratch, on_match, s);
    if (rc != HS_SUCCESS)
        return ls_error_set(err, LS_ERR_INTERNAL, "scanner: hs_scan_stream failed (%d)", rc);
    if (s->raw_overflow) {
        if (hs_reset_and_copy_stream(s->stream, s->backup, NULL, NULL, NULL) != HS_SUCCESS)
            return ls_error_set(err, LS_ERR_INTERNAL, "scanner: hs_reset_and_copy_stream failed");
        s->raw_overflow = false;
        for (size_t off = 0, k; off < n && !s->stopped; off += k) {
            k = n - off < LS_MATCH_SUBBLOCK ? n - off : LS_MATCH_SUBBLOCK;
            if (scan_sub(s, p + off, k, err) < 0)
                return -1;
        }
        return 0;
    }
    s->total += n;
    if (confirm_raw(s, false, err) < 0)
        return -1;
    release(s, false);
    return 0;
}

int ls_scanner_feed(ls_scanner *s, const void *data, size_t len, ls_error *err)
{
    const unsigned char *p = data;
    size_t off, n;
    if (!s || !s->active)
        return ls_error_set(err, LS_ERR_USAGE, "scanner: feed outside begin/end");
    if (s->stopped || len == 0 || !s->m->db)
        return 0;
    ls_lookback_set_block(&s->hist, p, len);
    for (off = 0; off < len && !s->stopped; off += n) {
        n = len - off < LS_MATCH_BIGBLOCK ? len - off : LS_MATCH_BIGBLOCK;
        if (scan_big(s, p + off, n, err) < 0) {
            s->active = false;
            return -1;
        }
    }
    ls_lookback_commit(&s->hist);
    return 0;
}

int ls_scanner_end(ls_scanner *s, ls_error *err)
{
    int rc = 0;
    if (!s || !s->active)
        return ls_error_set(err, LS_ERR_USAGE, "scanner: end without begin");
    s->active = false;
    if (!s->m->db)
        return 0;
    s->n_raw = 0;
    /* Like hs_close_stream (reports `$` matches) but keeps the stream. */
    if (hs_reset_stream(s->stream, 0, s->stopped ? NULL : s->scratch,
                        s->stopped ? NULL : on_match, s) != HS_SUCCESS)
        return ls_error_set(err, LS_ERR_INTERNAL, "scanner: hs_reset_stream failed");
    s->dirty = false;
    if (!s->stopped) {
        rc = confirm_raw(s, true, err);
        if (rc == 0)
            release(s, true);
    }
    ls_pending_clear(&s->pending);
    return rc;
}

int ls_scanner_begin(ls_scanner *s, const char *path, ls_hit_cb cb, void *ud, ls_error *err)
{
    return begin_in(s, path, path ? LS_SCANS_FILES : LS_SCANS_ALL, cb, ud, err);
}

int ls_scanner_scan_metadata(ls_scanner *s, unsigned in, const void *data, size_t len,
                             ls_hit_cb cb, void *ud, ls_error *err)
{
    if (begin_in(s, NULL, in, cb, ud, err) < 0 || ls_scanner_feed(s, data, len, err) < 0)
        return -1;
    return ls_scanner_end(s, err);
}

int ls_scanner_scan(ls_scanner *s, const char *path, const void *data, size_t len,
                    ls_hit_cb cb, void *ud, ls_error *err)
{
    if (ls_scanner_begin(s, path, cb, ud, err) < 0 || ls_scanner_feed(s, data, len, err) < 0)
        return -1;
    return ls_scanner_end(s, err);
}

const ls_matcher *ls_scanner_matcher(const ls_scanner *s)
{
    return s ? s->m : NULL;
}
