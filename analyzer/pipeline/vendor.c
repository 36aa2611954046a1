/*
 * vendor.c - see vendor.h. Judging an image parses each package database
 * once, keeping only the records of paths that hold findings (a database
 * may list hundreds of thousands of files; an image has a few hundred
 * findings), then decides every finding against the records whose database
 * is visible at the finding's layer.
 */
#include "pipeline/vendor.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <xxhash.h>

#include "core/failure.h"
#include "detect/detect.h"

/* ---- evidence gathered per layer ---------------------------------------- */

/* The four digests package databases use, fetched once per digester (an
 * implicit fetch per file would cost more than hashing a small one). */
struct ls_digester {
    EVP_MD *md[4];
    EVP_MD_CTX *ctx[4];
    uint64_t size;
};

static const char *const digest_names[4] = {"MD5", "SHA1", "SHA256", "SHA512"};

ls_digester *ls_digester_new(void)
{
    ls_digester *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    for (int i = 0; i < 4; i++)
        if (!(d->md[i] = EVP_MD_fetch(NULL, digest_names[i], NULL)) || !(d->ctx[i] = EVP_MD_CTX_new())) {
            ls_digester_free(d);
            return NULL;
        }
    if (ls_digester_reset(d) != 0) {
        ls_digester_free(d);
        return NULL;
    }
    return d;
}

int ls_digester_reset(ls_digester *d)
{
    d->size = 0;
    /* an init that failed (out of memory) leaves a context no update may touch */
    for (int i = 0; i < 4; i++)
        if (EVP_DigestInit_ex(d->ctx[i], d->md[i], NULL) != 1)
            return -1;
    return 0;
}

int ls_digester_update(ls_digester *d, const void *buf, size_t len)
{
    d->size += len;
    for (int i = 0; i < 4; i++)
        if (len && EVP_DigestUpdate(d->ctx[i], buf, len) != 1)
            return -1;
    return 0;
}

int ls_digester_final(ls_digester *d, ls_file_digests *out)
{
    unsigned char *dst[4] = {out->md5, out->sha1, out->sha256, out->sha512};
    unsigned int n;
    out->size = d->size;
    for (int i = 0; i < 4; i++)
        if (EVP_DigestFinal_ex(d->ctx[i], dst[i], &n) != 1)
            return -1;
    return 0;
}

void ls_digester_free(ls_digester *d)
{
    if (!d)
        return;
    for (int i = 0; i < 4; i++) {
        EVP_MD_CTX_free(d->ctx[i]);
        EVP_MD_free(d->md[i]);
    }
    free(d);
}

static bool same_content(ls_content_id a, ls_content_id b)
{
    return a.lo == b.lo && a.hi == b.hi;
}

/* A layer may hold a finding in every one of a hundred thousand files: the
 * digests are found by hash, never by a walk over all of them. */
static size_t slot_start(ls_content_id c, size_t n_slots)
{
    return (size_t)(c.lo ^ (c.hi * 0x9e3779b97f4a7c15ull)) & (n_slots - 1);
}

const ls_file_digests *ls_vendor_find_digests(const ls_vendor_evidence *v, ls_content_id content)
{
    if (!v->n_slots)
        return NULL;
    for (size_t i = slot_start(content, v->n_slots);; i = (i + 1) & (v->n_slots - 1)) {
        size_t k = v->slots[i];
        if (!k)
            return NULL;
        if (same_content(v->digests[k - 1].content, content))
            return &v->digests[k - 1];
    }
}

static void slot_put(size_t *slots, size_t n_slots, ls_content_id c, size_t k)
{
    size_t i = slot_start(c, n_slots);
    while (slots[i])
        i = (i + 1) & (n_slots - 1);
    slots[i] = k;
}

int ls_vendor_add_digests(ls_vendor_evidence *v, const ls_file_digests *d)
{
    if (ls_vendor_find_digests(v, d->content))
        return 0;
    if (v->n_digests == v->cap_digests) {
        size_t cap = v->cap_digests ? v->cap_digests * 2 : 16;
        ls_file_digests *p = realloc(v->digests, cap * sizeof *p);
        if (!p)
            return -1;
        v->digests = p;
        v->cap_digests = cap;
    }
    if ((v->n_digests + 1) * 2 > v->n_slots) {
        size_t n = v->n_slots ? v->n_slots * 2 : 64;
        size_t *slots = calloc(n, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < v->n_digests; i++)
            slot_put(slots, n, v->digests[i].content, i + 1);
        free(v->slots);
        v->slots = slots;
        v->n_slots = n;
    }
    v->digests[v->n_digests] = *d;
    slot_put(v->slots, v->n_slots, d->content, ++v->n_digests);
    return 0;
}

int ls_vendor_digest_bytes(ls_vendor_evidence *v, ls_digester *dg, ls_content_id content, const void *bytes,
                           size_t len)
{
    ls_file_digests d = {.content = content};
    ls_digester *g = dg;
    int rc;
    if (ls_vendor_find_digests(v, content))
        return 0;
    if (!g && !(g = ls_digester_new()))
        return -1;
    rc = ls_digester_reset(g) == 0 && ls_digester_update(g, bytes, len) == 0 && ls_digester_final(g, &d) == 0
             ? 0
             : -1;
    if (g != dg)
        ls_digester_free(g);
    d.content = content;
    return rc == 0 ? ls_vendor_add_digests(v, &d) : -1;
}

int ls_vendor_add_db(ls_vendor_evidence *v, const char *path, ls_content_id content,
                     unsigned char *bytes, size_t len)
{
    ls_pkgdb_copy *c;
    if (v->n_dbs == v->cap_dbs) {
        size_t cap = v->cap_dbs ? v->cap_dbs * 2 : 16;
        ls_pkgdb_copy *p = realloc(v->dbs, cap * sizeof *p);
        if (!p) {
            free(bytes);
            return -1;
        }
        v->dbs = p;
        v->cap_dbs = cap;
    }
    c = &v->dbs[v->n_dbs];
    if (!(c->path = strdup(path))) {
        free(bytes);
        return -1;
    }
    c->content = content;
    c->bytes = bytes;
    c->len = len;
    v->db_bytes += len;
    v->n_dbs++;
    return 0;
}

void ls_vendor_evidence_free(ls_vendor_evidence *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_dbs; i++) {
        free(v->dbs[i].path);
        free(v->dbs[i].bytes);
    }
    free(v->dbs);
    free(v->digests);
    free(v->slots);
    memset(v, 0, sizeof *v);
}

bool ls_vendor_pyc_source(const char *path, char *out, size_t cap)
{
    static const char cache_dir[] = "/__pycache__";
    const size_t k = sizeof cache_dir - 1;
    size_t n = strlen(path), dir, name;
    const char *base, *dot;
    if (n < 5 || strcmp(path + n - 4, ".pyc") != 0 || n + 1 > cap || !(base = strrchr(path, '/')))
        return false;
    dir = (size_t)(base - path); /* bytes before the last '/' */
    if (dir >= k && memcmp(path + dir - k, cache_dir, k) == 0) {
        /* PEP 3147: d/__pycache__/m.TAG.pyc -> d/m.py */
        dot = strchr(base + 1, '.');
        name = (size_t)(dot - base - 1);
        if (name == 0)
            return false;
        /* out may be path itself: every copy moves bytes left */
        memmove(out, path, dir - k + 1);
        memmove(out + dir - k + 1, base + 1, name);
        memcpy(out + dir - k + 1 + name, ".py", 4);
        return true;
    }
    /* legacy: d/m.pyc beside d/m.py */
    memmove(out, path, n - 1);
    out[n - 1] = '\0';
    return true;
}

/* ---- judging an image --------------------------------------------------- */

/* The paths some finding needs a record for: open addressing over owned keys. */
typedef struct {
    char **keys;
    unsigned *records;   /* records kept per key (bounded: a hostile database may repeat one) */
    size_t cap, n;
} path_set;

#define RECORDS_PER_PATH 32u

static size_t slot_of(const path_set *s, const char *path)
{
    size_t i = (size_t)XXH3_64bits(path, strlen(path)) & (s->cap - 1);
    while (s->keys[i] && strcmp(s->keys[i], path) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static long set_find(const path_set *s, const char *path)
{
    size_t i;
    if (!s->cap)
        return -1;
    i = slot_of(s, path);
    return s->keys[i] ? (long)i : -1;
}

static int set_add(path_set *s, const char *path)
{
    size_t i;
    if ((s->n + 1) * 2 > s->cap) {
        path_set g = {0};
        g.cap = s->cap ? s->cap * 2 : 64;
        g.keys = calloc(g.cap, sizeof *g.keys);
        g.records = calloc(g.cap, sizeof *g.records);
        if (!g.keys || !g.records) {
            free(g.keys);
            free(g.records);
            return -1;
        }
        for (size_t k = 0; k < s->cap; k++)
            if (s->keys[k])
                g.keys[slot_of(&g, s->keys[k])] = s->keys[k];
        g.n = s->n;
        free(s->keys);
        free(s->records);
        *s = g;
    }
    i = slot_of(s, path);
    if (s->keys[i])
        return 0;
    if (!(s->keys[i] = strdup(path)))
        return -1;
    s->n++;
    return 0;
}

static void set_free(path_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->records);
}

typedef struct {
    size_t db;               /* index into the flat database list */
    size_t slot;             /* its path's slot in the path set */
    const char *manager;
    char *package, *version;
    ls_digest_algo algo;
    unsigned char digest[LS_PKG_DIGEST_MAX];
    size_t digest_len;
} pkg_record;

typedef struct {
    size_t db;
    char *package, *version;
} pkg_version;

typedef struct {
    long layer;              /* the layer that stored the database */
    const ls_pkgdb_copy *copy;
    ls_pkgdb_kind kind;
} db_ref;

typedef struct {
    path_set wanted;
    db_ref *dbs;
    size_t n_dbs;
    pkg_record *recs;
    size_t n_recs, cap_recs;
    pkg_version *vers;
    size_t n_vers, cap_vers;
    size_t cur;              /* the database being parsed */
    ls_error fail;           /* a visitor's own failure (it stops the parse) */
    struct rewrite *rw;      /* package-file-modified candidates */
    size_t n_rw, cap_rw;
} judge;

/* A regular file a layer wrote over other bytes the layers below served. */
typedef struct rewrite {
    long layer;
    char *path;
    ls_content_id content;
    long slot, alias_slot;   /* its path's and merged-/usr name's slots, -1 if none */
} rewrite;

/* A visitor's allocation failure: kept in j->fail, and the parse stopped
 * (a nonzero return, not -1: that is the parser's own failure). */
static int judge_nomem(judge *j)
{
    ls_error_set(&j->fail, LS_ERR_NOMEM, "out of memory");
    return 1;
}

static int on_file(void *ctx, const ls_pkg_file *f)
{
    judge *j = ctx;
    long slot = set_find(&j->wanted, f->path);
    pkg_record *r;
    if (slot < 0 || f->algo == LS_DIGEST_NONE || f->digest_len > LS_PKG_DIGEST_MAX)
        return 0;
    if (j->wanted.records[slot] >= RECORDS_PER_PATH)
        return 0;
    if (j->n_recs == j->cap_recs) {
        size_t cap = j->cap_recs ? j->cap_recs * 2 : 64;
        pkg_record *p = realloc(j->recs, cap * sizeof *p);
        if (!p)
            return judge_nomem(j);
        j->recs = p;
        j->cap_recs = cap;
    }
    r = &j->recs[j->n_recs];
    memset(r, 0, sizeof *r);
    r->db = j->cur;
    r->slot = (size_t)slot;
    r->manager = ls_pkgdb_manager(j->dbs[j->cur].kind);
    r->package = strdup(f->package ? f->package : "");
    r->version = f->version ? strdup(f->version) : NULL;
    if (!r->package || (f->version && !r->version)) {
        free(r->package);
        free(r->version);
        return judge_nomem(j);
    }
    r->algo = f->algo;
    memcpy(r->digest, f->digest, f->digest_len);
    r->digest_len = f->digest_len;
    j->wanted.records[slot]++;
    j->n_recs++;
    return 0;
}

static int on_package(void *ctx, const ls_pkg_version *p)
{
    judge *j = ctx;
    pkg_version *v;
    if (!p->package || !p->version)
        return 0;
    if (j->n_vers == j->cap_vers) {
        size_t cap = j->cap_vers ? j->cap_vers * 2 : 256;
        pkg_version *np = realloc(j->vers, cap * sizeof *np);
        if (!np)
            return judge_nomem(j);
        j->vers = np;
        j->cap_vers = cap;
    }
    v = &j->vers[j->n_vers];
    v->db = j->cur;
    v->package = strdup(p->package);
    v->version = strdup(p->version);
    if (!v->package || !v->version) {
        free(v->package);
        free(v->version);
        return judge_nomem(j);
    }
    j->n_vers++;
    return 0;
}

static void judge_free(judge *j)
{
    set_free(&j->wanted);
    for (size_t i = 0; i < j->n_recs; i++) {
        free(j->recs[i].package);
        free(j->recs[i].version);
    }
    free(j->recs);
    for (size_t i = 0; i < j->n_vers; i++) {
        free(j->vers[i].package);
        free(j->vers[i].version);
    }
    free(j->vers);
    free(j->dbs);
    for (size_t i = 0; i < j->n_rw; i++)
        free(j->rw[i].path);
    free(j->rw);
}

/* The file a finding is in: "/a.jar!/x" is in /a.jar. */
static size_t outer_len(const char *path)
{
    const char *bang = strstr(path, "!/");
    return bang ? (size_t)(bang - path) : strlen(path);
}

/* Merged /usr: on Debian 12 and later /bin is a link to usr/bin, so the
 * tar holds usr/bin/su while dpkg lists /bin/su. The other name of path
 * under that merge, written into out; false when it has none. A record
 * still has to hold the file's exact digest. */
static bool usr_alias(const char *path, char *out, size_t cap)
{
    static const char *const merged[] = {"/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/lib32/",
                                         "/usr/lib64/", "/usr/libx32/"};
    for (size_t i = 0; i < sizeof merged / sizeof *merged; i++)
        if (strncmp(path, merged[i], strlen(merged[i])) == 0 && strlen(path + 4) < cap) {
            memmove(out, path + 4, strlen(path + 4) + 1);
            return true;
        }
    return false;
}

static int want_paths(judge *j, ls_vendor_layer *layers, size_t n)
{
    char buf[4096];
    for (size_t i = 0; i < n; i++) {
        ls_finding_list *l = layers[i].findings;
        for (size_t k = 0; k < l->n; k++) {
            size_t len = outer_len(l->items[k].path);
            if (len >= sizeof buf)
                continue;
            memcpy(buf, l->items[k].path, len);
            buf[len] = '\0';
            if (set_add(&j->wanted, buf) != 0)
                return -1;
            if (ls_vendor_pyc_source(buf, buf, sizeof buf) && set_add(&j->wanted, buf) != 0)
                return -1;
            memcpy(buf, l->items[k].path, len);
            buf[len] = '\0';
            if (usr_alias(buf, buf, sizeof buf) && set_add(&j->wanted, buf) != 0)
                return -1;
        }
    }
    return 0;
}

static int parse_dbs(judge *j, ls_vendor_layer *layers, size_t n, ls_error *err)
{
    size_t total = 0, at = 0;
    ls_pkgdb_visitor v = {.file = on_file, .package = on_package, .ctx = j};
    for (size_t i = 0; i < n; i++)
        total += layers[i].evidence ? layers[i].evidence->n_dbs : 0;
    if (!(j->dbs = calloc(total ? total : 1, sizeof *j->dbs)))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; layers[i].evidence && k < layers[i].evidence->n_dbs; k++) {
            const ls_pkgdb_copy *c = &layers[i].evidence->dbs[k];
            j->dbs[at] = (db_ref){.layer = layers[i].index, .copy = c, .kind = ls_pkgdb_classify(c->path)};
            at++;
        }
    j->n_dbs = total;
    for (size_t d = 0; d < total; d++) {
        ls_error perr = {0};
        size_t li = 0, recs = j->n_recs, vers = j->n_vers;
        int rc;
        if (j->dbs[d].kind == LS_PKGDB_NONE)
            continue; /* kept for the tamper checks, not a package database */
        j->cur = d;
        rc = ls_pkgdb_parse(j->dbs[d].kind, j->dbs[d].copy->path, j->dbs[d].copy->bytes, j->dbs[d].copy->len,
                            &v, &perr);
        if (ls_error_pass(err, &j->fail) < 0)
            return -1;
        if (rc < 0 && ls_error_level_of(&perr) == LS_LEVEL_FATAL)
            return ls_error_pass(err, &perr); /* ours, not the database's: the scan stops */
        if (rc >= 0)
            continue;
        /* a malformed database vouches for nothing, not even the records
         * before the fault: whoever wrote it cannot be trusted to list files */
        while (j->n_recs > recs) {
            pkg_record *r = &j->recs[--j->n_recs];
            j->wanted.records[r->slot]--;
            free(r->package);
            free(r->version);
        }
        while (j->n_vers > vers) {
            pkg_version *pv = &j->vers[--j->n_vers];
            free(pv->package);
            free(pv->version);
        }
        while (li < n && layers[li].index != j->dbs[d].layer)
            li++;
        if (li < n && ls_error_list_add(layers[li].errors, j->dbs[d].layer, j->dbs[d].copy->path,
                                        "package database %s: files it lists are not verified",
                                        ls_failure_msg(&perr)) != 0)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    return 0;
}

/* Is database d, stored by its layer, still there at layer `at`? */
static bool db_visible(const judge *j, size_t d, ls_fs_layer *const *fs, long at)
{
    const db_ref *r = &j->dbs[d];
    ls_fs_fate f;
    if (r->layer > at)
        return false;
    f = ls_fs_resolve(fs, (size_t)at + 1, (size_t)r->layer, r->copy->path, r->copy->content);
    return f.status == LS_STATUS_PRESENT;
}

static bool digest_matches(const pkg_record *r, const ls_file_digests *d)
{
    const unsigned char *mine;
    size_t n;
    switch (r->algo) {
    case LS_DIGEST_MD5: mine = d->md5, n = 16; break;
    case LS_DIGEST_SHA1: mine = d->sha1, n = 20; break;
    case LS_DIGEST_SHA256: mine = d->sha256, n = 32; break;
    case LS_DIGEST_SHA512: mine = d->sha512, n = 64; break;
    default: return false;
    }
    return r->digest_len == n && memcmp(r->digest, mine, n) == 0;
}

static int by_slot(const void *a, const void *b)
{
    const pkg_record *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return x->db < y->db ? -1 : x->db > y->db; /* stable: database order */
}

static int by_package(const void *a, const void *b)
{
    const pkg_version *x = a, *y = b;
    int c = strcmp(x->package, y->package);
    if (c)
        return c;
    return x->db < y->db ? -1 : x->db > y->db;
}

/* The first record of a slot (records are sorted by slot), or n_recs. */
static size_t first_record(const judge *j, long slot)
{
    size_t lo = 0, hi = j->n_recs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (j->recs[mid].slot < (size_t)slot)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The record listing `path` (the file's own name or its merged-/usr name)
 * that vouches for content c in layer L, or NULL. */
static const pkg_record *verified(const judge *j, ls_fs_layer *const *fs, const ls_vendor_layer *L,
                                  const char *path, ls_content_id c)
{
    long slot = set_find(&j->wanted, path);
    const ls_file_digests *d = L->evidence ? ls_vendor_find_digests(L->evidence, c) : NULL;
    if (slot < 0 || !d)
        return NULL;
    for (size_t i = first_record(j, slot); i < j->n_recs && j->recs[i].slot == (size_t)slot; i++) {
        const pkg_record *r = &j->recs[i];
        if (digest_matches(r, d) && db_visible(j, r->db, fs, L->index))
            return r;
    }
    return NULL;
}

/* dpkg keeps versions in the status file, not beside the md5sums. */
/* dpkg keeps versions in the status file, not beside the md5sums. The
 * versions are sorted by (package, database): a package's run is found by
 * bisection and read from its last database down, so the newest visible
 * status file answers, and a status file listing a million packages costs a
 * lookup a logarithm, never a walk. */
static const char *status_version(const judge *j, ls_fs_layer *const *fs, const char *package, long at)
{
    size_t lo = 0, hi = j->n_vers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(j->vers[mid].package, package) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* lo: one past the package's run */
    for (size_t i = lo; i-- > 0 && strcmp(j->vers[i].package, package) == 0;)
        if (db_visible(j, j->vers[i].db, fs, at))
            return j->vers[i].version;
    return NULL;
}

static const char *version_of(const judge *j, ls_fs_layer *const *fs, const pkg_record *r, long at)
{
    return r->version ? r->version : status_version(j, fs, r->package, at);
}

static long intern_package(ls_report *r, const char *manager, const char *name, const char *version)
{
    ls_package *p;
    for (size_t i = 0; i < r->n_packages; i++) {
        p = &r->packages[i];
        if (strcmp(p->manager, manager) == 0 && strcmp(p->name, name) == 0 &&
            ((!p->version && !version) || (p->version && version && strcmp(p->version, version) == 0)))
            return (long)i;
    }
    p = realloc(r->packages, (r->n_packages + 1) * sizeof *p);
    if (!p)
        return -1;
    r->packages = p;
    p = &r->packages[r->n_packages];
    p->manager = manager;
    p->name = strdup(name);
    p->version = version ? strdup(version) : NULL;
    if (!p->name || (version && !p->version)) {
        free(p->name);
        free(p->version);
        return -1;
    }
    return (long)r->n_packages++;
}

/* Keys that packages' maintainer scripts generate on install, at the paths
 * they document. Such a key is the image's own (every container shares it),
 * not a credential anyone leaked; it is "generated" only in the layer that
 * installed the package (that layer wrote its md5sums), where no database
 * lists the path: a key COPY'd there by a later layer stays origin image. */
static const struct {
    const char *glob;
    const char *package;
} generated_keys[] = {
    {"/etc/ssh/ssh_host_*_key", "openssh-server"},            /* postinst: ssh-keygen -A */
    {"/etc/ssl/private/ssl-cert-snakeoil.key", "ssl-cert"},   /* postinst: make-ssl-cert */
    {"/etc/dropbear/dropbear_*_host_key", "dropbear-bin"},    /* postinst: dropbearkey */
};

/* Did layer `at` install package (write its md5sums)? */
static bool installed_here(const judge *j, long at, const char *package)
{
    static const char dir[] = "/var/lib/dpkg/info/";
    size_t n = strlen(package);
    for (size_t d = 0; d < j->n_dbs; d++) {
        const char *p = j->dbs[d].copy->path;
        if (j->dbs[d].layer != at || j->dbs[d].kind != LS_PKGDB_DPKG_MD5SUMS ||
            strncmp(p, dir, sizeof dir - 1) != 0)
            continue;
        p += sizeof dir - 1;
        if (strncmp(p, package, n) == 0 && (strcmp(p + n, ".md5sums") == 0 || p[n] == ':'))
            return true;
    }
    return false;
}

/* The generating package of a key at path in layer `at`, or NULL. */
static const char *generated_by(const judge *j, ls_fs_layer *const *fs, const char *path, long at,
                                const char **version)
{
    for (size_t i = 0; i < sizeof generated_keys / sizeof *generated_keys; i++) {
        if (fnmatch(generated_keys[i].glob, path, FNM_PATHNAME) != 0 ||
            !installed_here(j, at, generated_keys[i].package))
            continue;
        if (!(*version = status_version(j, fs, generated_keys[i].package, at)))
            continue; /* not installed after all */
        return generated_keys[i].package;
    }
    return NULL;
}

static int judge_finding(const judge *j, ls_fs_layer *const *fs, const ls_vendor_layer *L, size_t k,
                         ls_report *r)
{
    ls_finding *f = &L->findings->items[k];
    ls_content_id c = L->findings->content[k];
    char outer[4096], src[4096];
    size_t len = outer_len(f->path);
    const pkg_record *rec = NULL;
    f->origin = LS_ORIGIN_IMAGE;
    f->package = -1;
    if (len < sizeof outer) {
        memcpy(outer, f->path, len);
        outer[len] = '\0';
        rec = verified(j, fs, L, outer, c);
        if (!rec && usr_alias(outer, src, sizeof src))
            rec = verified(j, fs, L, src, c);
        /* a compiled module is its source's: the source may split a
         * test key across literals that the .pyc holds joined */
        if (!rec && ls_vendor_pyc_source(outer, src, sizeof src)) {
            ls_content_id sc;
            if (fs[L->index] && ls_fs_layer_file(fs[L->index], src, &sc))
                rec = verified(j, fs, L, src, sc);
        }
    }
    if (rec) {
        long p = intern_package(r, rec->manager, rec->package, version_of(j, fs, rec, L->index));
        if (p < 0)
            return -1;
        f->origin = LS_ORIGIN_VENDOR;
        f->package = p;
    } else if (ls_detect_third_party(f->path)) {
        f->origin = LS_ORIGIN_THIRD_PARTY;
    } else if (len < sizeof outer && r->rules && ls_ruleset_get(r->rules, f->rule) &&
               strstr(ls_ruleset_get(r->rules, f->rule)->id, "private-key")) {
        const char *version = NULL, *by = generated_by(j, fs, outer, L->index, &version);
        long p;
        if (by) {
            if ((p = intern_package(r, "dpkg", by, version)) < 0)
                return -1;
            f->origin = LS_ORIGIN_GENERATED;
            f->package = p;
        }
    }
    return 0;
}

/* ---- package files rewritten by a later layer ------------------------ */

typedef struct {
    judge *j;
    ls_fs_layer *const *fs;
    long layer;
} rewrite_ctx;

static int on_layer_record(void *ctx, const ls_fs_record *rec)
{
    rewrite_ctx *x = ctx;
    judge *j = x->j;
    ls_content_id below;
    char alias[4096];
    rewrite *w;
    if (rec->kind != LS_FS_FILE ||
        ls_fs_served(x->fs, (size_t)x->layer, rec->path, &below) != LS_FS_FILE || same_content(below, rec->content))
        return 0;
    if (j->n_rw == j->cap_rw) {
        size_t cap = j->cap_rw ? j->cap_rw * 2 : 64;
        rewrite *p = realloc(j->rw, cap * sizeof *p);
        if (!p)
            return -1;
        j->rw = p;
        j->cap_rw = cap;
    }
    w = &j->rw[j->n_rw];
    if (!(w->path = strdup(rec->path)))
        return -1;
    w->layer = x->layer;
    w->content = rec->content;
    j->n_rw++;
    if (set_add(&j->wanted, rec->path) != 0)
        return -1;
    if (strlen(rec->path) < sizeof alias && usr_alias(rec->path, alias, sizeof alias) &&
        set_add(&j->wanted, alias) != 0)
        return -1;
    return 0;
}

/* Every regular file a layer writes over other bytes of a lower layer's:
 * what only the path tables tell, before any database is read. */
static int find_rewrites(judge *j, ls_fs_layer *const *fs, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        rewrite_ctx x = {j, fs, (long)i};
        if (fs[i] && ls_fs_layer_each(fs[i], on_layer_record, &x) != 0)
            return -1;
    }
    return 0;
}

static bool system_manager(const pkg_record *r)
{
    return strcmp(r->manager, "python") != 0;
}

/* The record the layers below `at` hold for slot: the newest database that
 * is still served at at - 1 wins. NULL when no package owns the path. */
static const pkg_record *owner_below(const judge *j, ls_fs_layer *const *fs, long slot, long at)
{
    const pkg_record *best = NULL;
    if (slot < 0)
        return NULL;
    for (size_t i = first_record(j, slot); i < j->n_recs && j->recs[i].slot == (size_t)slot; i++) {
        const pkg_record *r = &j->recs[i];
        if (j->dbs[r->db].layer < at && system_manager(r) && db_visible(j, r->db, fs, at - 1) &&
            (!best || r->db > best->db))
            best = r;
    }
    return best;
}

/* Did layer `at` record other bytes for the path (install or update its
 * package)? A database it rewrote for other packages keeps this record. */
static bool updated_in(const judge *j, long slot, long at, const pkg_record *below)
{
    for (size_t i = first_record(j, slot); slot >= 0 && i < j->n_recs && j->recs[i].slot == (size_t)slot; i++) {
        const pkg_record *r = &j->recs[i];
        if (j->dbs[r->db].layer == at && (r->algo != below->algo || r->digest_len != below->digest_len ||
                                           memcmp(r->digest, below->digest, r->digest_len) != 0 ||
                                           strcmp(r->package, below->package) != 0))
            return true;
    }
    return false;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static const unsigned char *actual_digest(const pkg_record *r, const ls_file_digests *d)
{
    switch (r->algo) {
    case LS_DIGEST_MD5: return d->md5;
    case LS_DIGEST_SHA1: return d->sha1;
    case LS_DIGEST_SHA256: return d->sha256;
    case LS_DIGEST_SHA512: return d->sha512;
    default: return NULL;
    }
}

static int modified_finding(ls_vendor_layer *L, const ls_ruleset *rs, long rule, const rewrite *w,
                            const pkg_record *rec, const ls_file_digests *d, bool conffile)
{
    char want[2 * LS_PKG_DIGEST_MAX + 1], got[2 * LS_PKG_DIGEST_MAX + 1];
    char *ev;
    size_t cap = strlen(rec->package) + 2 * sizeof want + 64;
    const unsigned char *mine = actual_digest(rec, d);
    ls_hit hit = {0};
    ls_finding *f;
    if (!mine)
        return 0;
    if (!(ev = malloc(cap)))
        return -1;
    hex(rec->digest, rec->digest_len, want);
    hex(mine, rec->digest_len, got);
    snprintf(ev, cap, "%s: recorded %s %s, actual %s %s", rec->package, ls_digest_algo_name(rec->algo), want,
             ls_digest_algo_name(rec->algo), got);
    hit.rule = (size_t)rule;
    hit.secret = ev;
    hit.secret_len = strlen(ev);
    hit.line = hit.column = 1;
    f = ls_finding_list_add(L->findings, rs, &hit, w->path, w->content);
    free(ev);
    if (!f)
        return -1;
    f->source = LS_SOURCE_FILE;
    f->layer = L->index;
    if (conffile)
        f->confidence = LS_CONF_LOW; /* configuration is edited on purpose more often than not */
    return 0;
}

/* The rewrites of one layer that need a digest: hashed by one more read. */
static int rehash_layer(const ls_vendor_rehash *rehash, long layer, const rewrite **pick, size_t n, ls_error *err)
{
    char **paths = malloc((n ? n : 1) * sizeof *paths);
    ls_content_id *contents = malloc((n ? n : 1) * sizeof *contents);
    int rc;
    if (!paths || !contents) {
        free(paths);
        free(contents);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        paths[i] = pick[i]->path;
        contents[i] = pick[i]->content;
    }
    rc = rehash->fn(rehash->ctx, layer, paths, contents, n, err);
    free(paths);
    free(contents);
    return rc;
}

/* The package-file-modified check over every rewrite (see vendor.h). */
static int judge_rewrites(judge *j, ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t n,
                          const ls_ruleset *rs, long rule, const ls_vendor_rehash *rehash, ls_error *err)
{
    const rewrite **pick = malloc((j->n_rw ? j->n_rw : 1) * sizeof *pick);
    const pkg_record **recs = malloc((j->n_rw ? j->n_rw : 1) * sizeof *recs);
    size_t m = 0;
    int rc = -1;
    if (!pick || !recs) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < j->n_rw; i++) {
        rewrite *w = &j->rw[i];
        char alias[4096];
        long slot = set_find(&j->wanted, w->path);
        const pkg_record *rec = owner_below(j, fs, slot, w->layer);
        if (!rec && strlen(w->path) < sizeof alias && usr_alias(w->path, alias, sizeof alias))
            rec = owner_below(j, fs, slot = set_find(&j->wanted, alias), w->layer);
        if (!rec || updated_in(j, slot, w->layer, rec))
            continue;
        pick[m] = w;
        recs[m] = rec;
        m++;
    }
    /* the rewrites are in layer order: one read per layer that has any */
    for (size_t a = 0; a < m;) {
        size_t b = a;
        while (b < m && pick[b]->layer == pick[a]->layer)
            b++;
        if (rehash_layer(rehash, pick[a]->layer, pick + a, b - a, err) != 0)
            goto out;
        for (size_t k = a; k < b; k++) {
            long li = pick[k]->layer;
            const ls_file_digests *d;
            if (li < 0 || (size_t)li >= n || !layers[li].evidence ||
                !(d = ls_vendor_find_digests(layers[li].evidence, pick[k]->content)) || digest_matches(recs[k], d))
                continue; /* unhashed (the read failed: noted in errors), or the package's own bytes */
            if (modified_finding(&layers[li], rs, rule, pick[k], recs[k], d,
                                 j->dbs[recs[k]->db].kind == LS_PKGDB_DPKG_STATUS) != 0) {
                ls_error_set(err, LS_ERR_NOMEM, "out of memory");
                goto out;
            }
        }
        a = b;
    }
    rc = 0;
out:
    free(pick);
    free(recs);
    return rc;
}

int ls_vendor_resolve(ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t n, ls_report *r,
                      const ls_vendor_rehash *rehash, ls_error *err)
{
    judge j = {0};
    long modified = rehash && r->rules ? ls_ruleset_find(r->rules, "package-file-modified") : -1;
    int rc = -1;
    if (want_paths(&j, layers, n) != 0 || (modified >= 0 && find_rewrites(&j, fs, n) != 0)) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (j.wanted.n && parse_dbs(&j, layers, n, err) != 0)
        goto out;
    if (j.n_recs)
        qsort(j.recs, j.n_recs, sizeof *j.recs, by_slot);
    if (j.n_vers)
        qsort(j.vers, j.n_vers, sizeof *j.vers, by_package);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < layers[i].findings->n; k++)
            if (judge_finding(&j, fs, &layers[i], k, r) != 0) {
                ls_error_set(err, LS_ERR_NOMEM, "out of memory");
                goto out;
            }
    /* after the origins: its findings are the image's own bytes */
    if (modified >= 0 && j.n_rw && judge_rewrites(&j, layers, fs, n, r->rules, modified, rehash, err) != 0)
        goto out;
    rc = 0;
out:
    judge_free(&j);
    return rc;
}
