/*
 * cmd_audit.c - `layerscan audit LIST|-`: many images, each layer read once.
 *
 * The references (audit.h: a file, standard input, a registry walk)
 * are deduplicated, narrowed to this process's --shard and to those a
 * --resume file does not hold yet, then scanned --jobs at a time over one
 * compiled matcher and one layer result cache (pipeline/layer_cache.h), so a
 * layer shared by many images is read and scanned once. Each image gives one
 * JSONL line: its JSON report object (as `scan --format json` writes it,
 * with the same policy applied) plus "audit":{"reference":...}; an image
 * that cannot be scanned gives {"report_version":1,"audit":{...},"error":{...}}.
 * Lines come out in input order whatever --jobs is (a bounded window of
 * finished lines waits for the slowest one), each flushed as it is written,
 * so an interrupted audit leaves whole lines that --resume can skip (an image
 * whose last line is an error line is audited again: a 503 is not a result).
 * A last line holds the summary of this run. With --html-summary FILE the
 * JSONL file is then read back into one HTML page (report/html_summary.h),
 * written to a temporary file beside FILE, made before the audit starts so
 * an unwritable place is known at once, and renamed over FILE at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/audit.h"
#include "cli/cli.h"
#include "cli/policy.h"
#include "core/failure.h"
#include "core/fileio.h"
#include "layerscan/scan.h"
#include "match/matcher.h"
#include "pipeline/layer_cache.h"
#include "pipeline/parallel.h"
#include "registry/pool.h"
#include "report/html_summary.h"
#include "report/json_util.h"

#define N_SEV 4

/* One image's outcome, waiting for its turn to be written. */
typedef struct {
    char *line;              /* the JSONL line without its newline; NULL = not done */
    char **digests;          /* its layers' digests (for unique_layers) */
    size_t n_digests;
    uint64_t layers;         /* its layers (a layer that could not be read may have no digest) */
    uint64_t findings[N_SEV];/* by ls_severity */
    uint64_t errors;         /* errors[] entries, or 1 for an image that failed */
    bool digests_oom;        /* digests could not all be kept: unique_layers unknown */
    bool failed;             /* could not be scanned at all */
    bool nomem;              /* not even its error line could be made: the audit stops */
    bool gate;               /* findings at or above --fail-on */
} audit_slot;

typedef struct {
    uint64_t images, layers, failed, errors, findings[N_SEV];
    bool gate;
} audit_totals;

typedef struct {
    const cli_opts *o;           /* effective options (config file merged) */
    const cli_config *cfg;
    const cli_fpset *baseline;   /* NULL when none */
    const ls_matcher *m;
    ls_layer_cache *cache;
    char **refs;                 /* the references to audit, in output order */
    ls_error **why;              /* per reference: NULL, or why it cannot be audited */
    size_t n;
    unsigned layer_jobs;         /* layers at once within one image */
    FILE *out;
    const char *out_label;
    pthread_mutex_t lock;        /* everything below */
    pthread_cond_t moved;        /* `written` advanced */
    audit_slot *ring;            /* window slots, item i at i % window */
    size_t window;
    size_t written;              /* lines written so far */
    bool write_failed;
    ls_error write_err;
    audit_totals t;
    _Atomic uint64_t net_bytes;  /* body bytes fetched from registries (every request) */
    ls_registry_pool *pool;      /* registry hosts shared by the walk and every image */
    audit_strset unique;         /* layer digests seen */
    bool unique_oom;
    bool progress;               /* a progress line on stderr (a terminal) */
} audit_run;

/* ---- one image -------------------------------------------------------- */

/* {"reference":REF}, or NULL when out of memory. */
static json_t *audit_field(const char *ref)
{
    json_t *a = json_object();
    if (a && json_object_set_new(a, "reference", ls_json_str(ref)) != 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* The line being dumped. jansson 2.14 ignores a failed write of an object's
 * key (do_dump in dump.c: the key is left out, the value still written, and
 * json_dumps returns a line that is not JSON), so a failure here is sticky:
 * every later write fails too, and dump_line sees it afterwards. */
typedef struct {
    char *s;
    size_t n, cap;
    bool failed;
} line_buf;

static int line_append(const char *p, size_t len, void *data)
{
    line_buf *b = data;
    if (b->failed)
        return -1;
    if (len >= SIZE_MAX / 2 - b->n) {
        b->failed = true;
        return -1;
    }
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *s;
        while (cap < b->n + len + 1)
            cap *= 2;
        if (!(s = realloc(b->s, cap))) {
            b->failed = true;
            return -1;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->n, p, len);
    b->n += len;
    b->s[b->n] = '\0';
    return 0;
}

/* root as one compact line (a new string), or NULL when out of memory;
 * takes root. */
static char *dump_line(json_t *root)
{
    line_buf b = {0};
    int rc = root ? json_dump_callback(root, line_append, &b,
                                       JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)
                  : -1;
    json_decref(root);
    if (rc != 0 || b.failed || !b.s) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* The error line of an image, or NULL when out of memory. */
static char *error_line(const char *ref, const ls_error *err)
{
    json_t *root = json_object(), *e = json_object();
    bool ok = e != NULL;
    ls_json_put(&ok, root, "report_version", json_integer(1));
    ls_json_put(&ok, root, "audit", audit_field(ref));
    ls_json_put(&ok, e, "code", json_string(ls_code_name(err->code)));
    ls_json_put(&ok, e, "message", ls_json_str(ls_failure_msg(err)));
    ls_json_put(&ok, root, "error", e);
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return dump_line(root);
}

static void tally(audit_slot *s, const ls_report *r, const cli_opts *o)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        ls_severity sev = ls_ruleset_get(r->rules, r->findings[i].rule)->severity;
        if ((unsigned)sev < N_SEV)
            s->findings[sev]++;
    }
    s->errors = r->n_errors;
    s->layers = r->n_layers;
    s->gate = cli_exit_status(r, o) == EXIT_FINDINGS;
    s->digests = calloc(r->n_layers ? r->n_layers : 1, sizeof *s->digests);
    s->digests_oom = !s->digests;
    for (size_t i = 0; s->digests && i < r->n_layers; i++)
        if (r->layers[i].digest && !(s->digests[s->n_digests++] = strdup(r->layers[i].digest))) {
            s->n_digests--;
            s->digests_oom = true;
        }
}

static void audit_image(audit_run *a, const char *ref, const ls_error *why, audit_slot *s)
{
    ls_scan_opts so = cli_scan_opts(a->o, true);
    /* thousands of images: referrers and cosign's tags (three requests an
     * image) are asked for only when signatures are to be verified */
    so.attached_index_only = a->o->keyring == NULL;
    ls_write_opts wo = {.show_secrets = a->o->show_secrets};
    ls_report *r = NULL;
    ls_error err = {0};
    so.jobs = a->layer_jobs;
    so.layer_cache = a->cache;
    memset(s, 0, sizeof *s);
    if (why) /* the enumerator could not expand it: its failure is the line */
        ls_error_pass(&err, why);
    else if (ls_scan_image(ref, a->m, &so, &r, &err) == 0 &&
             cli_apply_policy(r, a->o, a->cfg, a->baseline, &err) == 0) {
        json_t *root = ls_report_json(r, &wo);
        bool ok = true;
        ls_json_put(&ok, root, "audit", audit_field(ref));
        if (!ok)
            json_decref(root);
        else if ((s->line = dump_line(root)) != NULL)
            tally(s, r, a->o);
        if (!s->line)
            ls_error_set(&err, LS_ERR_NOMEM, "%s: out of memory writing the report", ref);
    }
    ls_report_free(r);
    if (!s->line) {
        s->failed = true;
        s->errors = 1;
        s->line = error_line(ref, &err);
        s->nomem = !s->line;
    }
}

/* ---- ordered output --------------------------------------------------- */

static void slot_free(audit_slot *s)
{
    free(s->line);
    for (size_t i = 0; i < s->n_digests; i++)
        free(s->digests[i]);
    free(s->digests);
    memset(s, 0, sizeof *s);
}

static void progress_line(audit_run *a)
{
    ls_layer_cache_stats st;
    if (!a->progress)
        return;
    ls_layer_cache_get_stats(a->cache, &st);
    fprintf(stderr, "\r\033[Kaudit: %zu/%zu images  %llu layers scanned  %llu from cache  %llu errors",
            a->written, a->n, (unsigned long long)st.scanned, (unsigned long long)st.hits,
            (unsigned long long)a->t.errors);
    fflush(stderr);
}

/* Under lock: writes every finished line that is next in input order. */
static void flush_ready(audit_run *a)
{
    while (a->written < a->n && (a->ring[a->written % a->window].line ||
                                 a->ring[a->written % a->window].nomem)) {
        audit_slot *s = &a->ring[a->written % a->window];
        if (s->nomem && !a->write_failed) {
            a->write_failed = true;
            ls_error_set(&a->write_err, LS_ERR_NOMEM, "%s: out of memory", a->refs[a->written]);
        } else if (!a->write_failed) {
            if (fputs(s->line, a->out) == EOF || fputc('\n', a->out) == EOF || fflush(a->out) != 0) {
                a->write_failed = true;
                ls_error_set(&a->write_err, LS_ERR_IO, "%s: cannot write the audit output", a->out_label);
            }
        }
        a->t.images++;
        a->t.layers += s->layers;
        a->t.failed += s->failed;
        a->t.errors += s->errors;
        a->t.gate |= s->gate;
        for (int k = 0; k < N_SEV; k++)
            a->t.findings[k] += s->findings[k];
        a->unique_oom |= s->digests_oom;
        for (size_t i = 0; i < s->n_digests; i++)
            if (audit_strset_add(&a->unique, s->digests[i]) < 0)
                a->unique_oom = true;
        slot_free(s);
        a->written++;
        progress_line(a);
    }
}

/* One item of ls_parallel_for: items are handed out in increasing order, so
 * waiting here for the window to move only waits for lower items, which are
 * already running. */
static int audit_item(void *ctx, unsigned worker, size_t i)
{
    audit_run *a = ctx;
    audit_slot s;
    bool stop;
    (void)worker;
    pthread_mutex_lock(&a->lock);
    while (i >= a->written + a->window && !a->write_failed)
        pthread_cond_wait(&a->moved, &a->lock);
    stop = a->write_failed;
    pthread_mutex_unlock(&a->lock);
    if (stop)
        return 1;
    audit_image(a, a->refs[i], a->why[i], &s);
    pthread_mutex_lock(&a->lock);
    a->ring[i % a->window] = s;
    flush_ready(a);
    stop = a->write_failed;
    pthread_cond_broadcast(&a->moved);
    pthread_mutex_unlock(&a->lock);
    return stop;
}

/* ---- the list --------------------------------------------------------- */

/* The references this process audits: its shard, minus those done. Those
 * whose last line in the --resume file is an error are audited again and
 * counted in *retried. */
static int select_refs(const cli_opts *o, audit_refs *all, audit_refs *mine, size_t *resumed,
                       size_t *retried, ls_error *err)
{
    audit_resume_set prev = {0};
    int rc = -1;
    if (o->resume && audit_resume_load(o->resume, &prev, err) != 0)
        goto out;
    for (size_t i = 0; i < all->n; i++) {
        char *key;
        bool skip;
        if (o->shard_count && audit_shard_of(all->v[i], o->shard_count) != o->shard_index)
            continue;
        if (!(key = audit_ref_key(all->v[i]))) {
            ls_error_set(err, LS_ERR_NOMEM, "out of memory");
            goto out;
        }
        skip = audit_strset_has(&prev.done, key);
        *retried += audit_strset_has(&prev.failed, key);
        free(key);
        if (skip)
            (*resumed)++;
        else if (audit_refs_add_failed(mine, all->v[i], all->why[i], err) != 0)
            goto out;
    }
    rc = 0;
out:
    audit_resume_set_free(&prev);
    return rc;
}

/* ---- the end ---------------------------------------------------------- */

/* Bytes read from where the images live: the compressed layer blobs read
 * from local images, plus every body byte fetched from registries (the
 * catalog and tag lists, tokens, manifests, configs, layer blobs). */
static uint64_t bytes_fetched(audit_run *a, const ls_layer_cache_stats *st)
{
    return st->bytes_fetched + atomic_load(&a->net_bytes);
}

static int write_summary(audit_run *a, const ls_layer_cache_stats *st, size_t resumed,
                         size_t retried)
{
    static const char *const sev[N_SEV] = {"low", "medium", "high", "critical"};
    json_t *root = json_object(), *sum = json_object(), *f = json_object();
    char *line;
    bool ok = sum && f;
    ls_registry_pool_stats net;
    int rc;
    ls_registry_pool_get_stats(a->pool, &net);
    ls_json_put(&ok, sum, "images", json_integer((json_int_t)a->t.images));
    ls_json_put(&ok, sum, "layers", json_integer((json_int_t)a->t.layers));
    ls_json_put(&ok, sum, "unique_layers", json_integer((json_int_t)a->unique.n));
    ls_json_put(&ok, sum, "layers_scanned", json_integer((json_int_t)st->scanned));
    ls_json_put(&ok, sum, "cache_hits", json_integer((json_int_t)st->hits));
    ls_json_put(&ok, sum, "bytes_fetched", json_integer((json_int_t)bytes_fetched(a, st)));
    for (int k = N_SEV - 1; k >= 0; k--)
        ls_json_put(&ok, f, sev[k], json_integer((json_int_t)a->t.findings[k]));
    ls_json_put(&ok, sum, "findings", f);
    ls_json_put(&ok, sum, "errors", json_integer((json_int_t)a->t.errors));
    ls_json_put(&ok, sum, "failed_images", json_integer((json_int_t)a->t.failed));
    ls_json_put(&ok, sum, "resumed", json_integer((json_int_t)resumed));
    ls_json_put(&ok, sum, "cache_rejected", json_integer((json_int_t)st->rejected));
    ls_json_put(&ok, sum, "retried", json_integer((json_int_t)retried));
    ls_json_put(&ok, sum, "requests", json_integer((json_int_t)net.requests));
    ls_json_put(&ok, sum, "connections", json_integer((json_int_t)net.connections));
    ls_json_put(&ok, root, "summary", sum);
    if (!ok) {
        json_decref(root);
        return -1;
    }
    line = dump_line(root);
    rc = line && fputs(line, a->out) != EOF && fputc('\n', a->out) != EOF && fflush(a->out) == 0 ? 0 : -1;
    free(line);
    return rc;
}

static void summary_table(audit_run *a, const ls_layer_cache_stats *st, size_t resumed,
                          size_t retried, size_t deduped)
{
    ls_registry_pool_stats net;
    fprintf(stderr, "audit summary\n");
    fprintf(stderr, "  images          %10llu", (unsigned long long)a->t.images);
    if (a->t.failed || resumed || deduped)
        fprintf(stderr, "   (%llu could not be scanned, %zu skipped by --resume, %zu duplicates)",
                (unsigned long long)a->t.failed, resumed, deduped);
    if (retried)
        fprintf(stderr, "\n  retried         %10zu   (their last line in %s was an error)", retried,
                a->out_label);
    fprintf(stderr, "\n  layers          %10llu\n", (unsigned long long)a->t.layers);
    fprintf(stderr, "  unique layers   %10zu\n", a->unique.n);
    fprintf(stderr, "  layers scanned  %10llu\n", (unsigned long long)st->scanned);
    fprintf(stderr, "  cache hits      %10llu\n", (unsigned long long)st->hits);
    fprintf(stderr, "  bytes fetched   %10llu   (%.1f MB)\n", (unsigned long long)bytes_fetched(a, st),
            (double)bytes_fetched(a, st) / 1e6);
    ls_registry_pool_get_stats(a->pool, &net);
    if (net.requests)
        fprintf(stderr, "  requests        %10llu   (%llu new connections, %llu tokens)\n",
                (unsigned long long)net.requests, (unsigned long long)net.connections,
                (unsigned long long)net.tokens);
    fprintf(stderr, "  findings        critical %llu  high %llu  medium %llu  low %llu\n",
            (unsigned long long)a->t.findings[LS_SEV_CRITICAL], (unsigned long long)a->t.findings[LS_SEV_HIGH],
            (unsigned long long)a->t.findings[LS_SEV_MEDIUM], (unsigned long long)a->t.findings[LS_SEV_LOW]);
    fprintf(stderr, "  errors          %10llu\n", (unsigned long long)a->t.errors);
    if (st->rejected)
        fprintf(stderr, "  (%llu corrupt, foreign or forged cache entries ignored and rewritten)\n",
                (unsigned long long)st->rejected);
    if (st->store_failed)
        fprintf(stderr, "layerscan: warning: %llu layer results could not be written to %s\n",
                (unsigned long long)st->store_failed, ls_layer_cache_dir(a->cache));
}

static bool want_progress(void)
{
    const char *ci = getenv("CI");
    return isatty(STDERR_FILENO) && !(ci && *ci);
}

/* The output: the --resume file appended to, -o FILE, or standard output. */
static FILE *open_output(const cli_opts *o, const char **label, ls_error *err)
{
    const char *path = o->resume ? o->resume : o->output;
    FILE *f;
    *label = path ? path : "standard output";
    if (!path)
        return stdout;
    /* 0600, never through a symlink, only a regular file (core/fileio.h) */
    f = ls_file_fopen_output(path, o->resume ? LS_OUT_APPEND : LS_OUT_TRUNCATE, err);
    return f;
}

/* ---- --html-summary ---------------------------------------------------- */

/* The page in the making: a temporary file beside --html-summary FILE. */
typedef struct {
    char tmp[4096];  /* its name; "" when there is none */
    int fd;          /* open until the page is written; -1 after */
} audit_html;

/* Whether a and b name one file: the same spelling, or the same inode. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return strcmp(a, b) == 0 ||
           (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* Before the audit: the page needs the JSONL in a file, and a place that may
 * receive an output (the rules of -o) where a temporary file can be made.
 * 0, or -1 with err. */
static int html_prepare(const cli_opts *o, audit_html *h, ls_error *err)
{
    const char *jsonl = o->resume ? o->resume : o->output;
    bool exists;
    h->tmp[0] = '\0';
    h->fd = -1;
    if (!o->html_summary)
        return 0;
    if (!jsonl)
        return ls_error_set(err, LS_ERR_USAGE,
                            "--html-summary needs the audit's JSONL in a file (-o FILE or --resume FILE)");
    if (same_file(jsonl, o->html_summary))
        return ls_error_set(err, LS_ERR_USAGE, "--html-summary %s: that is the audit's JSONL", o->html_summary);
    if (ls_file_check_output(o->html_summary, LS_OUT_TRUNCATE, &exists, err) != 0)
        return -1;
    h->fd = ls_file_temp_beside(o->html_summary, h->tmp, sizeof h->tmp, err);
    if (h->fd < 0)
        h->tmp[0] = '\0';
    return h->fd < 0 ? -1 : 0;
}

/* After the audit, its output closed: the page over the JSONL file, renamed
 * over FILE. 0, or -1 with err (a temporary file still there is
 * html_discard's). */
static int html_finish(const char *jsonl, const char *html, audit_html *h, ls_error *err)
{
    FILE *in = NULL, *out = NULL;
    int fd = open(jsonl, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = -1;
    if (fd < 0 || !(in = fdopen(fd, "r"))) {
        ls_error_set(err, LS_ERR_IO, "%s: cannot read the audit output back: %s", jsonl, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    if (!(out = fdopen(h->fd, "w"))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", html);
        goto out;
    }
    h->fd = -1;
    if (ls_audit_html_summary(in, jsonl, out, err) != 0)
        goto out;
    if (fflush(out) != 0 || ferror(out)) {
        ls_error_set(err, LS_ERR_IO, "%s: cannot write the HTML summary: %s", html, strerror(errno));
        goto out;
    }
    if (same_file(jsonl, html)) {
        ls_error_set(err, LS_ERR_USAGE, "--html-summary %s: that is the audit's JSONL", html);
        goto out;
    }
    rc = fclose(out);
    out = NULL;
    if (rc != 0) {
        ls_error_set(err, LS_ERR_IO, "%s: cannot write the HTML summary: %s", html, strerror(errno));
        goto out;
    }
    rc = ls_file_publish(h->tmp, html, LS_OUT_TRUNCATE, err);
    h->tmp[0] = '\0'; /* published or removed */
out:
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    return rc;
}

/* Drops an unfinished page (the audit failed). */
static void html_discard(audit_html *h)
{
    if (h->fd >= 0)
        close(h->fd);
    if (h->tmp[0])
        unlink(h->tmp);
    h->fd = -1;
    h->tmp[0] = '\0';
}

/* Rules, matcher and layer cache per the options: a cache root that is not
 * ours is warned about and not used (the layer results then live in a
 * private directory for this run, as with --no-cache). */
static int open_engine(const cli_opts *o, ls_ruleset **rs, ls_matcher **m, ls_layer_cache **cache,
                       ls_error *err)
{
    char buf[4096];
    const char *root = cli_cache_root(o, buf, sizeof buf);
    if (o->cache_dir && !root)
        return ls_error_set(err, LS_ERR_USAGE, "--cache: directory name too long");
    if (!o->no_cache && !root)
        fprintf(stderr, "layerscan: warning: no cache directory (set --cache or HOME): layer results "
                        "are kept for this run only\n");
    if (root && !cli_cache_trusted(root, true))
        root = NULL;
    if (!(*rs = cli_load_rules(o, err)) || cli_new_matcher(o, *rs, root ? root : "", m, err) != 0)
        return -1;
    return cli_open_layer_cache(o, *rs, root, cache, err);
}

int cli_cmd_audit(const cli_opts *opts, const char *list)
{
    ls_error err = {0};
    cli_config cfg = {0};
    cli_fpset baseline = {0};
    cli_opts eff, *o = &eff;
    audit_refs all = {0}, mine = {0};
    ls_ruleset *rs = NULL;
    ls_matcher *m = NULL;
    ls_layer_cache *cache = NULL;
    ls_layer_cache_stats st;
    audit_run a = {.lock = PTHREAD_MUTEX_INITIALIZER, .moved = PTHREAD_COND_INITIALIZER};
    audit_registry_walk walk;
    audit_html html = {.fd = -1};
    size_t resumed = 0, retried = 0, deduped, workers;
    int status = EXIT_ERROR;
    if (cli_config_load(opts, &cfg, &err) != 0 || cli_opts_merge(opts, &cfg, &eff, &err) != 0)
        goto out;
    eff.registry.bytes_fetched = &a.net_bytes; /* the walk and every image's client */
    if (ls_registry_pool_new(&a.pool, &err) != 0)
        goto out;
    eff.registry.pool = a.pool;
    if (opts->format_given && strcmp(opts->format, "jsonl") != 0) {
        ls_error_set(&err, LS_ERR_USAGE, "audit writes JSONL only (--format %s)", opts->format);
        goto out;
    }
    if (o->resume && o->output && strcmp(o->resume, o->output) != 0) {
        ls_error_set(&err, LS_ERR_USAGE, "--resume %s appends to that file: -o must name it too or be left out",
                     o->resume);
        goto out;
    }
    if (html_prepare(o, &html, &err) != 0)
        goto out;
    if (o->baseline && cli_baseline_load(o->baseline, &baseline, &err) != 0)
        goto out;
    if (!o->registry_host && (o->repos_glob || o->tags_glob)) {
        ls_error_set(&err, LS_ERR_USAGE, "%s filters a registry walk: give --registry HOST",
                     o->repos_glob ? "--repos" : "--tags");
        goto out;
    }
    walk = (audit_registry_walk){.host = o->registry_host, .opts = &o->registry,
                                 .page_size = o->page_size, .repos = o->repos_glob,
                                 .tags = o->tags_glob};
    if ((o->registry_host ? audit_enum_registry(&walk, &all, &err)
                          : audit_enum_file((void *)list, &all, &err)) != 0)
        goto out;
    deduped = audit_refs_dedup(&all);
    if (select_refs(o, &all, &mine, &resumed, &retried, &err) != 0)
        goto out;
    /* a refused -o is known before the rules are compiled (a minute, cold) */
    if (!(a.out = open_output(o, &a.out_label, &err)) || open_engine(o, &rs, &m, &cache, &err) != 0)
        goto out;
    workers = o->jobs ? o->jobs : ls_parallel_cores();
    if (workers > mine.n)
        workers = mine.n ? mine.n : 1;
    a.o = o;
    a.cfg = &cfg;
    a.baseline = o->baseline ? &baseline : NULL;
    a.m = m;
    a.cache = cache;
    a.refs = mine.v;
    a.why = mine.why;
    a.n = mine.n;
    a.layer_jobs = (unsigned)((o->jobs ? o->jobs : ls_parallel_cores()) / workers);
    a.layer_jobs = a.layer_jobs ? a.layer_jobs : 1;
    a.window = 4 * workers;
    a.progress = want_progress();
    if (!(a.ring = calloc(a.window, sizeof *a.ring))) {
        ls_error_set(&err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    ls_parallel_for(mine.n, (unsigned)workers, audit_item, &a);
    if (a.progress)
        fputs("\r\033[K", stderr);
    ls_layer_cache_get_stats(cache, &st);
    if (a.write_failed) {
        err = a.write_err;
        goto out;
    }
    if (a.unique_oom) {
        ls_error_set(&err, LS_ERR_NOMEM, "out of memory counting unique layers");
        goto out;
    }
    if (write_summary(&a, &st, resumed, retried) != 0) {
        ls_error_set(&err, LS_ERR_IO, "%s: cannot write the audit summary", a.out_label);
        goto out;
    }
    summary_table(&a, &st, resumed, retried, deduped);
    if (o->html_summary) {
        /* every line is out and flushed; the page reads the file back */
        int closed = fclose(a.out);
        a.out = NULL;
        if (closed != 0) {
            ls_error_set(&err, LS_ERR_IO, "%s: cannot write the audit output", a.out_label);
            goto out;
        }
        if (html_finish(a.out_label, o->html_summary, &html, &err) != 0)
            goto out;
    }
    status = a.t.gate ? EXIT_FINDINGS : EXIT_CLEAN;
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", ls_failure_msg(&err));
    if (a.out && a.out != stdout && fclose(a.out) != 0 && status != EXIT_ERROR) {
        fprintf(stderr, "layerscan: %s: cannot write the audit output\n", a.out_label);
        status = EXIT_ERROR;
    }
    html_discard(&html);
    for (size_t i = 0; a.ring && i < a.window; i++)
        slot_free(&a.ring[i]);
    free(a.ring);
    audit_strset_free(&a.unique);
    ls_layer_cache_free(cache);
    ls_registry_pool_free(a.pool);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    audit_refs_free(&mine);
    audit_refs_free(&all);
    cli_fpset_free(&baseline);
    cli_config_free(&cfg);
    pthread_mutex_destroy(&a.lock);
    pthread_cond_destroy(&a.moved);
    return status;
}
