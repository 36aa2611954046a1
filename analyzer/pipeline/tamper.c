/*
 * tamper.c - see tamper.h. The kept files are small and few (one passwd,
 * one shadow per layer that touches them), so each is parsed where it is
 * needed; only the name lookup from shadow into passwd is indexed, because
 * both files are written by whoever built the image and may be large.
 */
#include "pipeline/tamper.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layerscan/scan.h"
#include "pipeline/history.h"
#include "tamper/accounts.h"
#include "tamper/files.h"
#include "tamper/sshkey.h"

static int nomem(ls_error *err)
{
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
}

/* ---- kept files ----------------------------------------------------------- */

/* The kept copy of `kind` that layer `at` serves (its own or a lower
 * layer's, not deleted or replaced since), or NULL. */
static const ls_pkgdb_copy *served(const ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t at,
                                   ls_tamper_file kind)
{
    for (size_t k = at + 1; k-- > 0;) {
        const ls_vendor_evidence *v = layers[k].evidence;
        for (size_t d = 0; v && d < v->n_dbs; d++) {
            const ls_pkgdb_copy *c = &v->dbs[d];
            if (ls_tamper_classify(c->path) != kind)
                continue;
            if (ls_fs_resolve(fs, at + 1, k, c->path, c->content).status == LS_STATUS_PRESENT)
                return c;
        }
    }
    return NULL;
}

static int add_finding(ls_vendor_layer *L, const ls_ruleset *rs, long rule, const ls_pkgdb_copy *c, size_t line,
                       const char *evidence, size_t len)
{
    ls_hit hit = {0};
    ls_finding *f;
    hit.rule = (size_t)rule;
    hit.secret = evidence;
    hit.secret_len = len;
    hit.line = line;
    hit.column = 1;
    if (!(f = ls_finding_list_add(L->findings, rs, &hit, c->path, c->content)))
        return -1;
    f->source = LS_SOURCE_FILE;
    f->layer = L->index;
    return 0;
}

/* ---- accounts --------------------------------------------------------------- */

/* A hostile file may hold a million planted entries: past the bound a file
 * has per scan (scan.h), the rest are noted once in the layer's errors. */
static int capped(ls_vendor_layer *L, const ls_pkgdb_copy *c, size_t *count)
{
    if (++*count <= LS_DEFAULT_MAX_FINDINGS_PER_FILE)
        return 0;
    if (*count == LS_DEFAULT_MAX_FINDINGS_PER_FILE + 1 &&
        ls_error_list_add(L->errors, L->index, c->path,
                          "more than %u tamper findings in this file: the rest are not reported",
                          (unsigned)LS_DEFAULT_MAX_FINDINGS_PER_FILE) != 0)
        return -1;
    return 1;
}

static int uid0_accounts(ls_vendor_layer *L, const ls_ruleset *rs, long rule, const ls_pkgdb_copy *c)
{
    ls_acct_iter it;
    ls_passwd_entry e;
    char *ev = malloc(LS_ACCT_EVIDENCE_SIZE);
    size_t count = 0;
    int r, rc = 0;
    if (!ev)
        return -1;
    ls_acct_iter_init(&it, c->bytes, c->len);
    while (rc == 0 && (r = ls_passwd_next(&it, &e)) != 0) {
        if (r < 0 || e.uid != 0 || (e.name.n == 4 && memcmp(e.name.p, "root", 4) == 0))
            continue;
        if ((rc = capped(L, c, &count)) != 0)
            break;
        size_t n = ls_passwd_evidence(&e, ev, LS_ACCT_EVIDENCE_SIZE);
        rc = add_finding(L, rs, rule, c, it.lineno, ev, n < LS_ACCT_EVIDENCE_SIZE ? n : LS_ACCT_EVIDENCE_SIZE - 1);
    }
    free(ev);
    return rc < 0 ? -1 : 0;
}

typedef struct {
    ls_span name;
    bool login;
} account;

static int by_name(const void *a, const void *b)
{
    const account *x = a, *y = b;
    size_t n = x->name.n < y->name.n ? x->name.n : y->name.n;
    int c = memcmp(x->name.p, y->name.p, n);
    return c ? c : (x->name.n > y->name.n) - (x->name.n < y->name.n);
}

/* Login shells by name, from one passwd. A name listed twice counts as a
 * login account when either entry is (which one getpwnam answers depends
 * on the C library). *out NULL when the file has no entry. */
static int index_accounts(const ls_pkgdb_copy *c, account **out, size_t *n_out)
{
    ls_acct_iter it;
    ls_passwd_entry e;
    account *v = NULL;
    size_t n = 0, cap = 0, w = 0;
    int r;
    ls_acct_iter_init(&it, c->bytes, c->len);
    while ((r = ls_passwd_next(&it, &e)) != 0) {
        if (r < 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            account *p = realloc(v, ncap * sizeof *p);
            if (!p) {
                free(v);
                return -1;
            }
            v = p;
            cap = ncap;
        }
        v[n].name = e.name;
        v[n].login = ls_acct_login_shell(e.shell);
        n++;
    }
    if (n) {
        qsort(v, n, sizeof *v, by_name);
        for (size_t i = 0; i < n; i++)
            if (w == 0 || by_name(&v[w - 1], &v[i]) != 0)
                v[w++] = v[i];
            else
                v[w - 1].login = v[w - 1].login || v[i].login; /* a duplicate: either may answer */
    }
    *out = v;
    *n_out = w;
    return 0;
}

static const account *find_account(const account *v, size_t n, ls_span name)
{
    account key = {name, false};
    return n ? bsearch(&key, v, n, sizeof *v, by_name) : NULL;
}

static int empty_passwords(ls_vendor_layer *L, const ls_ruleset *rs, long rule, const ls_pkgdb_copy *shadow,
                           const ls_pkgdb_copy *passwd)
{
    account *acc = NULL;
    size_t n_acc = 0, count = 0;
    ls_acct_iter it;
    ls_shadow_entry e;
    int r, rc = 0;
    if (index_accounts(passwd, &acc, &n_acc) != 0)
        return -1;
    ls_acct_iter_init(&it, shadow->bytes, shadow->len);
    while (rc == 0 && (r = ls_shadow_next(&it, &e)) != 0) {
        const account *a;
        if (r < 0 || !e.empty_password || !(a = find_account(acc, n_acc, e.name)) || !a->login)
            continue;
        if ((rc = capped(L, shadow, &count)) != 0)
            break;
        rc = add_finding(L, rs, rule, shadow, it.lineno, e.name.p, e.name.n);
    }
    free(acc);
    return rc < 0 ? -1 : 0;
}

static int check_accounts(ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t i, const ls_ruleset *rs)
{
    long uid0 = ls_ruleset_find(rs, LS_RULE_UID0), empty = ls_ruleset_find(rs, LS_RULE_EMPTY_PASSWORD);
    const ls_vendor_evidence *v = layers[i].evidence;
    for (size_t d = 0; v && d < v->n_dbs; d++) {
        const ls_pkgdb_copy *c = &v->dbs[d];
        ls_tamper_file kind = ls_tamper_classify(c->path);
        const ls_pkgdb_copy *passwd;
        /* a name stored twice in one tar: only the copy the layer serves counts */
        if ((kind != LS_TFILE_PASSWD && kind != LS_TFILE_SHADOW) ||
            ls_fs_resolve(fs, i + 1, i, c->path, c->content).status != LS_STATUS_PRESENT)
            continue;
        if (kind == LS_TFILE_PASSWD && uid0 >= 0 && uid0_accounts(&layers[i], rs, uid0, c) != 0)
            return -1;
        if (kind == LS_TFILE_SHADOW && empty >= 0 && (passwd = served(layers, fs, i, LS_TFILE_PASSWD)) &&
            empty_passwords(&layers[i], rs, empty, c, passwd) != 0)
            return -1;
    }
    return 0;
}

/* ---- ld.so.preload ----------------------------------------------------------- */

/* Every library a served /etc/ld.so.preload of layer i names, one finding
 * each (the pattern rule sees only the file's first; this replaces it). */
static int check_preload(ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t i, const ls_ruleset *rs, long rule)
{
    const ls_vendor_evidence *v = layers[i].evidence;
    for (size_t d = 0; v && d < v->n_dbs; d++) {
        const ls_pkgdb_copy *c = &v->dbs[d];
        size_t pos = 0, line = 1, n, count = 0;
        const char *tok;
        int rc;
        if (ls_tamper_classify(c->path) != LS_TFILE_LD_PRELOAD ||
            ls_fs_resolve(fs, i + 1, i, c->path, c->content).status != LS_STATUS_PRESENT)
            continue;
        while ((n = ls_preload_next((const char *)c->bytes, c->len, &pos, &tok, &line)) != 0) {
            if ((rc = capped(&layers[i], c, &count)) != 0)
                return rc < 0 ? -1 : 0;
            if (add_finding(&layers[i], rs, rule, c, line, tok, n) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- setuid files ---------------------------------------------------------- */

/* The name a merged-/usr file has in the databases: "/usr/bin/su" -> "/bin/su". */
static const char *unmerged(const char *path)
{
    static const char *const merged[] = {"/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/lib32/",
                                         "/usr/lib64/", "/usr/libx32/"};
    for (size_t i = 0; i < sizeof merged / sizeof *merged; i++)
        if (strncmp(path, merged[i], strlen(merged[i])) == 0)
            return path + 4;
    return NULL;
}

/* A package ships it byte for byte (origin vendor), or the statoverride the
 * layer serves (so, may be NULL) sets this mode. */
static bool sanctioned(const ls_pkgdb_copy *so, const ls_finding *f)
{
    unsigned mode = 0;
    const char *alias;
    if (f->origin == LS_ORIGIN_VENDOR)
        return true;
    if (!so || sscanf(f->secret, "mode %o", &mode) != 1)
        return false;
    alias = unmerged(f->path);
    return ls_statoverride_sets(so->bytes, so->len, f->path, mode) ||
           (alias && ls_statoverride_sets(so->bytes, so->len, alias, mode));
}

/* ---- SSH keys --------------------------------------------------------------- */

/* Patterns kept from all sshd configurations together: each key line is
 * matched against every one, and an image may hold a thousand config files. */
#define AKF_GLOBS_MAX 256

typedef struct {
    char **globs;
    size_t n;
} akf_globs;

static void akf_free(akf_globs *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->globs[i]);
    free(g->globs);
}

/* An AuthorizedKeysFile pattern as an fnmatch glob over image paths: %h and
 * ~ are any home, %u/%U/%i any user, %% a percent; a relative pattern is
 * relative to a home. Literal glob characters are escaped. */
static char *akf_glob(const char *pattern)
{
    size_t n = strlen(pattern);
    char *g = malloc(2 * n + 3), *w = g;
    if (!g)
        return NULL;
    if (pattern[0] != '/' && pattern[0] != '%' && pattern[0] != '~') {
        *w++ = '*';
        *w++ = '/';
    }
    for (const char *p = pattern; *p; p++) {
        if (*p == '%' && p[1]) {
            p++;
            if (*p == '%')
                *w++ = '%';
            else
                *w++ = '*';
        } else if (*p == '~' && p == pattern) {
            *w++ = '*';
        } else {
            if (*p == '*' || *p == '?' || *p == '[' || *p == '\\')
                *w++ = '\\';
            *w++ = *p;
        }
    }
    *w = '\0';
    return g;
}

static int collect_akf(const ls_vendor_layer *layers, size_t n, akf_globs *out)
{
    ls_sshd_akf *akf = malloc(sizeof *akf);
    if (!akf)
        return -1;
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; layers[i].evidence && d < layers[i].evidence->n_dbs; d++) {
            const ls_pkgdb_copy *c = &layers[i].evidence->dbs[d];
            if (ls_tamper_classify(c->path) != LS_TFILE_SSHD_CONFIG)
                continue;
            ls_sshd_config_akf(akf, (const char *)c->bytes, c->len);
            for (size_t k = 0; k < akf->n_akf && out->n < AKF_GLOBS_MAX; k++) {
                char **p = realloc(out->globs, (out->n + 1) * sizeof *p);
                if (!p || !(p[out->n] = akf_glob(akf->akf[k].pattern))) {
                    if (p)
                        out->globs = p;
                    free(akf);
                    return -1;
                }
                out->globs = p;
                out->n++;
            }
        }
    free(akf);
    return 0;
}

/* Does sshd read keys from this path? Not from inside an archive member. */
static bool key_file(const akf_globs *g, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strstr(path, "!/"))
        return false;
    if (strcmp(base, "authorized_keys") == 0 || strcmp(base, "authorized_keys2") == 0)
        return true;
    for (size_t i = 0; i < g->n; i++)
        if (fnmatch(g->globs[i], path, 0) == 0)
            return true;
    return false;
}

/* ---- step 1 ----------------------------------------------------------------- */

/* Removes the findings of layer L that keep() refuses, in place. */
static void filter(ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t i, long setid, long key, long preload,
                   const akf_globs *akf)
{
    ls_finding_list *l = layers[i].findings;
    const ls_pkgdb_copy *so = setid >= 0 ? served(layers, fs, i, LS_TFILE_STATOVERRIDE) : NULL;
    size_t w = 0;
    for (size_t k = 0; k < l->n; k++) {
        ls_finding *f = &l->items[k];
        bool drop = (setid >= 0 && f->rule == (size_t)setid && sanctioned(so, f)) ||
                    (key >= 0 && f->rule == (size_t)key && !key_file(akf, f->path)) ||
                    (preload >= 0 && f->rule == (size_t)preload && strcmp(f->path, "/etc/ld.so.preload") == 0);
        if (drop) {
            ls_finding_free_fields(f);
            continue;
        }
        l->items[w] = *f;
        l->content[w] = l->content[k];
        w++;
    }
    l->n = w;
}

int ls_tamper_judge(ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t n, const ls_ruleset *rs,
                    ls_error *err)
{
    long setid = ls_ruleset_find(rs, LS_RULE_SETID), key = ls_ruleset_find(rs, LS_RULE_SSH_KEY);
    long preload = ls_ruleset_find(rs, LS_RULE_LD_PRELOAD);
    akf_globs akf = {0};
    int rc = -1;
    if (key >= 0 && collect_akf(layers, n, &akf) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        filter(layers, fs, i, setid, key, preload, &akf);
        if (check_accounts(layers, fs, i, rs) != 0 || (preload >= 0 && check_preload(layers, fs, i, rs, preload) != 0))
            goto out;
    }
    rc = 0;
out:
    akf_free(&akf);
    return rc == 0 ? 0 : nomem(err);
}

/* ---- step 2 ----------------------------------------------------------------- */

/* A tamper finding and its place in the list, sorted so that copies of one
 * entry (rule, path, fingerprint) line up bottom layer first. */
typedef struct {
    const ls_finding *f;
    size_t k;
} entry_ref;

static int by_entry(const void *a, const void *b)
{
    const entry_ref *ra = a, *rb = b;
    const ls_finding *x = ra->f, *y = rb->f;
    int c;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    if ((c = strcmp(x->path, y->path)) != 0)
        return c;
    if ((c = strcmp(x->fingerprint, y->fingerprint)) != 0)
        return c;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return ra->k < rb->k ? -1 : 1;
}

static bool same_entry(const ls_finding *x, const ls_finding *y)
{
    return x->rule == y->rule && strcmp(x->path, y->path) == 0 && strcmp(x->fingerprint, y->fingerprint) == 0;
}

int ls_tamper_settle(ls_finding_list *l, ls_fs_layer *const *fs, size_t n, const ls_ruleset *rs, ls_error *err)
{
    long setid = ls_ruleset_find(rs, LS_RULE_SETID);
    entry_ref *v;
    size_t m = 0, w = 0;
    bool *drop;
    if (!l->n)
        return 0;
    v = malloc(l->n * sizeof *v);
    drop = calloc(l->n, sizeof *drop);
    if (!v || !drop) {
        free(v);
        free(drop);
        return nomem(err);
    }
    for (size_t k = 0; k < l->n; k++) {
        const ls_finding *f = &l->items[k];
        if (f->source == LS_SOURCE_FILE && f->layer >= 0 && (size_t)f->layer < n &&
            ls_ruleset_get(rs, f->rule)->category == LS_CATEGORY_TAMPER)
            v[m++] = (entry_ref){f, k};
    }
    qsort(v, m, sizeof *v, by_entry);
    for (size_t a = 0; a < m;) {
        size_t root = v[a].k, prev = root, b = a + 1;
        for (; b < m && same_entry(v[b].f, &l->items[root]); b++) {
            size_t x = v[b].k;
            ls_finding *fx = &l->items[x], *fp = &l->items[prev];
            /* a copy: the entry it repeats is still served just below its
             * layer (a setuid file must be the same bytes, a line the same line) */
            bool copy = fx->layer > fp->layer &&
                        ls_fs_resolve(fs, (size_t)fx->layer, (size_t)fp->layer, fp->path, l->content[prev]).status ==
                            LS_STATUS_PRESENT &&
                        (setid < 0 || fx->rule != (size_t)setid ||
                         (l->content[x].lo == l->content[prev].lo && l->content[x].hi == l->content[prev].hi));
            if (copy) {
                l->items[root].status = fx->status;
                l->items[root].removed_in_layer = fx->removed_in_layer;
                drop[x] = true;
            } else {
                root = x;
            }
            prev = x;
        }
        a = b;
    }
    for (size_t k = 0; k < l->n; k++) {
        if (drop[k]) {
            ls_finding_free_fields(&l->items[k]);
            continue;
        }
        l->items[w] = l->items[k];
        l->content[w] = l->content[k];
        w++;
    }
    l->n = w;
    free(v);
    free(drop);
    return 0;
}

/* ---- step 3 ----------------------------------------------------------------- */

/* "", "root", "0", "root:root", "0:0", "00": the user part names UID 0. */
static bool root_user(const char *user)
{
    size_t n = strcspn(user, ":");
    if (n == 0)
        return true;
    if (n == 4 && strncmp(user, "root", 4) == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (user[i] != '0')
            return false;
    return true;
}

int ls_tamper_config(const ls_image *img, const ls_history_report *hist, size_t n_hist, const ls_ruleset *rs,
                     ls_finding_list *out, ls_error *err)
{
    long rule = ls_ruleset_find(rs, LS_RULE_RUNS_AS_ROOT), h;
    const char *user = img->user ? img->user : "";
    char evidence[256];
    ls_hit hit = {0};
    ls_finding *f;
    if (rule < 0 || !img->has_config || !root_user(user))
        return 0;
    if (*user)
        snprintf(evidence, sizeof evidence, "%s", user);
    else
        snprintf(evidence, sizeof evidence, "root (User not set)");
    hit.rule = (size_t)rule;
    hit.secret = evidence;
    hit.secret_len = strlen(evidence);
    hit.line = hit.column = 1;
    if (!(f = ls_finding_list_add(out, rs, &hit, "config.User", (ls_content_id){0, 0})))
        return nomem(err);
    f->source = LS_SOURCE_CONFIG;
    /* the USER instruction that set it; an unset User has none */
    h = *user ? ls_history_find_setter(hist, n_hist, "USER", NULL) : -1;
    if (h >= 0) {
        f->history = h;
        f->layer = hist[h].layer;
    }
    return 0;
}
