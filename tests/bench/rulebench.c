/*
 * rulebench.c - layerscan-rulebench: what the rule library costs.
 *
 *   layerscan-rulebench [--rules PATH]... [--input FILE] [--runs N]
 *                       [--compile-runs N] [--block BYTES] [--loo]
 *                       [--loo-runs N] [--loo-rules FILE.json]...
 *
 * Loads a rule set (every --rules file or directory of *.json, in order;
 * default $LAYERSCAN_PATTERNS, else the source tree's patterns/), then prints
 * Markdown:
 *   1. loading the rules' JSON, the cold compile (ls_matcher_new: Hyperscan
 *      union database, PCRE2 confirmation regexes, widths: what a scan without
 *      a cache pays) and the warm load (ls_matcher_new_cached on a cache entry
 *      written just before, in a private temporary directory), wall and CPU;
 *   2. with --input: the union database alone (no confirmation, no tar walk)
 *      scanned in streaming mode over the file in 64 KiB blocks (one stream, as
 *      the scanner feeds a file), MB/s and CPU s, median of --runs, and the raw
 *      hits (Hyperscan match events: what confirmation would then have to
 *      check);
 *   3. with --loo: the same scan for the set without each rule file (every
 *      file of the set is left out in turn), sorted by throughput, fastest
 *      first: a file whose absence speeds the union up far beyond the others
 *      holds a rule without a usable literal (docs/performance.md, "Rules cost
 *      what their literals cost"); each round scans the set without the file and
 *      the whole set in turn, and "× all" is the median of the rounds' ratios, so
 *      a shared machine's changing load cancels out;
 *   4. with --loo-rules F: the same, leaving out each rule of file F in turn
 *      (to find the rule once --loo has named the file).
 * The database is compiled through the matcher's own API (match/matcher.h);
 * only the scan loop is here, since the scanner's loop confirms every raw
 * hit. Figures only, never a pass/fail: this is not a test. Wall times on a
 * shared machine move with its load; CPU times (this process, one thread)
 * less so.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "layerscan/rules.h"
#include "match/matcher.h"
#include "match/matcher_impl.h"

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "layerscan-rulebench: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* ---- clocks ---------------------------------------------------------------- */

typedef struct {
    double wall, cpu;
} stamp;

static stamp now(void)
{
    struct timespec w, c;
    clock_gettime(CLOCK_MONOTONIC, &w);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    return (stamp){ (double)w.tv_sec + (double)w.tv_nsec / 1e9, (double)c.tv_sec + (double)c.tv_nsec / 1e9 };
}

static stamp since(stamp a)
{
    stamp b = now();
    return (stamp){ b.wall - a.wall, b.cpu - a.cpu };
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- rule files -------------------------------------------------------------- */

typedef struct {
    char **v;
    size_t n, cap;
} strlist;

static void push(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        if (!(l->v = realloc(l->v, l->cap * sizeof *l->v)))
            die("%s", "out of memory");
    }
    if (!(l->v[l->n++] = strdup(s)))
        die("%s", "out of memory");
}

static void free_list(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files ls_ruleset_load would read for `path`, in its order: the path
 * itself, or a directory's *.json (not hidden) sorted by name. */
static void expand(strlist *files, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        die("%s: cannot stat", path);
    if (!S_ISDIR(st.st_mode)) {
        push(files, path);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *de;
    strlist names = { 0 };
    if (!d)
        die("%s: cannot open directory", path);
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".json") == 0)
            push(&names, de->d_name);
    }
    closedir(d);
    qsort(names.v, names.n, sizeof *names.v, cmp_str);
    for (size_t i = 0; i < names.n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names.v[i]);
        push(files, full);
        free(names.v[i]);
    }
    free(names.v);
}

/* Every file but files[skip] (skip >= n: all of them), without rule `drop`
 * (NULL: none). */
static ls_ruleset *load_set(const strlist *files, size_t skip, const char *drop)
{
    ls_ruleset *rs = ls_ruleset_new();
    ls_error err = { 0 };
    if (!rs)
        die("%s", "out of memory");
    for (size_t i = 0; i < files->n; i++) {
        if (i == skip)
            continue;
        if (ls_ruleset_load(rs, files->v[i], &err) != 0)
            die("%s", err.msg);
    }
    if (drop && ls_ruleset_disable(rs, drop) != 0)
        die("no rule %s", drop);
    return rs;
}

static ls_matcher *compile(const ls_ruleset *rs)
{
    ls_matcher *m = NULL;
    ls_error err = { 0 };
    if (ls_matcher_new(&m, rs, &err) != 0)
        die("%s", err.msg);
    return m;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* ---- the union database over the input --------------------------------------- */

static const unsigned char *g_in;
static size_t g_len, g_block = 64 * 1024;

static int on_raw(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
                  void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    ++*(unsigned long long *)ctx;
    return 0;
}

typedef struct {
    double mbs, mbs_cpu, wall, cpu;
    unsigned long long hits;
} scan_fig;

/* One stream over the input, g_block bytes per call; the median of `runs`. */
static scan_fig scan(const ls_matcher *m, int runs)
{
    hs_scratch_t *scratch = NULL;
    scan_fig f = { 0 };
    if (!m->db)
        return f;
    double *walls = calloc((size_t)runs, sizeof *walls), *cpus = calloc((size_t)runs, sizeof *cpus);
    if (!walls || !cpus)
        die("%s", "out of memory");
    if (hs_alloc_scratch(m->db, &scratch) != HS_SUCCESS)
        die("%s", "hs_alloc_scratch failed");
    for (int r = 0; r < runs; r++) {
        hs_stream_t *st = NULL;
        unsigned long long hits = 0;
        stamp t0 = now();
        if (hs_open_stream(m->db, 0, &st) != HS_SUCCESS)
            die("%s", "hs_open_stream failed");
        for (size_t off = 0; off < g_len; off += g_block) {
            size_t n = g_len - off < g_block ? g_len - off : g_block;
            if (hs_scan_stream(st, (const char *)g_in + off, (unsigned)n, 0, scratch, on_raw, &hits) !=
                HS_SUCCESS)
                die("%s", "hs_scan_stream failed");
        }
        hs_close_stream(st, scratch, on_raw, &hits);
        stamp d = since(t0);
        walls[r] = d.wall;
        cpus[r] = d.cpu;
        f.hits = hits;
    }
    hs_free_scratch(scratch);
    f.wall = median(walls, (size_t)runs);
    f.cpu = median(cpus, (size_t)runs);
    f.mbs = f.wall > 0 ? (double)g_len / 1e6 / f.wall : 0;
    f.mbs_cpu = f.cpu > 0 ? (double)g_len / 1e6 / f.cpu : 0;
    free(walls);
    free(cpus);
    return f;
}

static void read_input(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    unsigned char *buf;
    size_t got = 0;
    if (fd < 0 || fstat(fd, &st) < 0)
        die("%s: cannot open", path);
    if (!(buf = malloc((size_t)st.st_size + 1)))
        die("%s: out of memory", path);
    while (got < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            die("%s: read failed", path);
        got += (size_t)k;
    }
    close(fd);
    g_in = buf;
    g_len = got;
}

/* ---- leave one out ------------------------------------------------------------ */

typedef struct {
    const char *what;
    size_t rules;
    scan_fig f;
    double ratio; /* median over rounds of (CPU s of the whole set) / (CPU s of this one) */
    double compile_wall;
} loo_row;

/* The set x and the whole set scanned in turn, `runs` rounds: x's medians, and the
 * median of the per-round speed ratios (a load change hits both sides of a round). */
static scan_fig scan_paired(const ls_matcher *x, const ls_matcher *all, int runs, double *ratio)
{
    double *w = calloc((size_t)runs, sizeof *w), *c = calloc((size_t)runs, sizeof *c);
    double *q = calloc((size_t)runs, sizeof *q);
    scan_fig f = { 0 };
    if (!w || !c || !q)
        die("%s", "out of memory");
    for (int r = 0; r < runs; r++) {
        scan_fig a = scan(x, 1), b = scan(all, 1);
        w[r] = a.wall, c[r] = a.cpu, f.hits = a.hits;
        q[r] = a.cpu > 0 ? b.cpu / a.cpu : 0;
    }
    f.wall = median(w, (size_t)runs);
    f.cpu = median(c, (size_t)runs);
    f.mbs = f.wall > 0 ? (double)g_len / 1e6 / f.wall : 0;
    f.mbs_cpu = f.cpu > 0 ? (double)g_len / 1e6 / f.cpu : 0;
    *ratio = median(q, (size_t)runs);
    free(w), free(c), free(q);
    return f;
}

static int cmp_row(const void *a, const void *b)
{
    double x = ((const loo_row *)a)->ratio, y = ((const loo_row *)b)->ratio;
    return x > y ? -1 : x < y;
}

static void loo_table(const char *title, loo_row *rows, size_t n, const scan_fig *all, size_t all_rules)
{
    qsort(rows, n, sizeof *rows, cmp_row);
    printf("\n### %s\n\n", title);
    printf("\"× all\": the whole set's CPU time over this set's, each round scanning both in turn (median "
           "of the rounds' ratios: a load change hits both); sorted by it, fastest first. The whole set (%zu "
           "rules) alone: %.0f MB/s per CPU s, %.0f MB/s wall.\n\n",
           all_rules, all->mbs_cpu, all->mbs);
    printf("| left out | rules left | MB/s (CPU) | × all | MB/s (wall) | CPU s | raw hits | compile s |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < n; i++)
        printf("| %s | %zu | %.0f | %.2f | %.0f | %.3f | %llu | %.2f |\n", rows[i].what, rows[i].rules,
               rows[i].f.mbs_cpu, rows[i].ratio, rows[i].f.mbs,
               rows[i].f.cpu, rows[i].f.hits, rows[i].compile_wall);
    fflush(stdout);
}

/* ---- main ----------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: layerscan-rulebench [--rules PATH]... [--input FILE] [--runs N] [--compile-runs N]\n"
            "                           [--block BYTES] [--loo] [--loo-runs N] [--loo-rules FILE.json]...\n");
    exit(2);
}

static int num(const char *s, int lo)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > 1 << 30)
        die("bad number %s", s);
    return (int)v;
}

int main(int argc, char **argv)
{
    strlist paths = { 0 }, files = { 0 }, loo_rules = { 0 };
    const char *input = NULL;
    int runs = 5, compile_runs = 3, loo_runs = 3, loo = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--loo"))
            loo = 1;
        else if (!v)
            usage();
        else if (!strcmp(a, "--rules"))
            push(&paths, v), i++;
        else if (!strcmp(a, "--input"))
            input = v, i++;
        else if (!strcmp(a, "--runs"))
            runs = num(v, 1), i++;
        else if (!strcmp(a, "--compile-runs"))
            compile_runs = num(v, 1), i++;
        else if (!strcmp(a, "--loo-runs"))
            loo_runs = num(v, 1), i++;
        else if (!strcmp(a, "--block"))
            g_block = (size_t)num(v, 16), i++;
        else if (!strcmp(a, "--loo-rules"))
            push(&loo_rules, v), i++;
        else
            usage();
    }
    if (paths.n == 0) {
        const char *env = getenv("LAYERSCAN_PATTERNS");
        push(&paths, env && *env ? env : LAYERSCAN_DEFAULT_PATTERNS);
    }
    for (size_t i = 0; i < paths.n; i++)
        expand(&files, paths.v[i]);
    if (files.n == 0)
        die("%s", "no rule files");

    /* 1. load, cold compile, warm load */
    double *w = calloc((size_t)compile_runs + 8, sizeof *w), *c = calloc((size_t)compile_runs + 8, sizeof *c);
    double *lw = calloc((size_t)compile_runs + 8, sizeof *lw), *lc = calloc((size_t)compile_runs + 8, sizeof *lc);
    if (!w || !c || !lw || !lc)
        die("%s", "out of memory");
    ls_ruleset *rs = NULL;
    for (int r = 0; r < compile_runs; r++) {
        stamp t0 = now();
        ls_ruleset *x = load_set(&files, SIZE_MAX, NULL);
        stamp d = since(t0);
        lw[r] = d.wall, lc[r] = d.cpu;
        if (rs)
            ls_ruleset_free(x);
        else
            rs = x;
    }
    size_t n_rules = ls_ruleset_count(rs);
    double load_w = median(lw, (size_t)compile_runs), load_c = median(lc, (size_t)compile_runs);
    ls_matcher *m = NULL;
    for (int r = 0; r < compile_runs; r++) {
        stamp t0 = now();
        ls_matcher *x = compile(rs);
        stamp d = since(t0);
        w[r] = d.wall, c[r] = d.cpu;
        if (m)
            ls_matcher_free(x);
        else
            m = x;
    }
    double comp_w = median(w, (size_t)compile_runs), comp_c = median(c, (size_t)compile_runs);
    size_t db_size = 0, stream_size = 0;
    if (m->db) {
        hs_database_size(m->db, &db_size);
        hs_stream_size(m->db, &stream_size);
    }

    char tmpl[] = "/tmp/layerscan-rulebench.XXXXXX";
    char *cache = mkdtemp(tmpl);
    if (!cache)
        die("%s", "mkdtemp failed");
    int warm_runs = compile_runs < 5 ? 5 : compile_runs, hits_ok = 1;
    stamp miss;
    {
        ls_matcher *x = NULL;
        ls_error err = { 0 };
        stamp t1 = now();
        if (ls_matcher_new_cached(&x, rs, cache, &err) != 0) /* compiles, writes the entry */
            die("%s", err.msg);
        miss = since(t1);
        hits_ok &= ls_matcher_cache_state(x) == LS_DBCACHE_MISS;
        ls_matcher_free(x);
        for (int r = 0; r < warm_runs; r++) {
            stamp t0 = now();
            if (ls_matcher_new_cached(&x, rs, cache, &err) != 0)
                die("%s", err.msg);
            stamp d = since(t0);
            w[r] = d.wall, c[r] = d.cpu;
            hits_ok &= ls_matcher_cache_state(x) == LS_DBCACHE_HIT;
            ls_matcher_free(x);
        }
    }
    double warm_w = median(w, (size_t)warm_runs), warm_c = median(c, (size_t)warm_runs);
    {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
        if (system(cmd) != 0)
            fprintf(stderr, "layerscan-rulebench: could not remove %s\n", cache);
    }

    printf("### Rule set: %zu rules from %zu files (", n_rules, files.n);
    for (size_t i = 0; i < paths.n; i++)
        printf("%s%s", i ? ", " : "", paths.v[i]);
    printf(")\n\n");
    printf("| measure | wall | CPU | note |\n|---|---:|---:|---|\n");
    printf("| load the rules' JSON | %.1f ms | %.1f ms | median of %d |\n", load_w * 1e3, load_c * 1e3,
           compile_runs);
    printf("| cold compile (`ls_matcher_new`) | %.2f s | %.2f s | median of %d; database %.1f MiB, stream state %zu B |\n",
           comp_w, comp_c, compile_runs, (double)db_size / 1048576.0, stream_size);
    printf("| first start (`ls_matcher_new_cached`, cache miss: compile + write the entry) | %.2f s | %.2f s | once |\n",
           miss.wall, miss.cpu);
    printf("| warm load (`ls_matcher_new_cached`, cache hit) | %.1f ms | %.1f ms | median of %d%s |\n",
           warm_w * 1e3, warm_c * 1e3, warm_runs, hits_ok ? "" : "; THE CACHE DID NOT MISS THEN HIT");
    fflush(stdout);
    if (!input) {
        if (loo || loo_rules.n)
            die("%s", "--loo and --loo-rules need --input");
        ls_matcher_free(m);
        ls_ruleset_free(rs);
        free(w), free(c), free(lw), free(lc);
        free_list(&paths), free_list(&files), free_list(&loo_rules);
        return 0;
    }

    /* 2. the union over the input */
    read_input(input);
    (void)scan(m, 1); /* warm-up: page in the input, train the caches */
    scan_fig all = scan(m, runs);
    printf("\n### The union database alone over %s (%.0f MB, streaming, %zu-byte blocks, median of %d)\n\n",
           base(input), (double)g_len / 1e6, g_block, runs);
    printf("| rules | MB/s (wall) | MB/s (CPU) | wall s | CPU s | raw hits |\n|---:|---:|---:|---:|---:|---:|\n");
    printf("| %zu | %.0f | %.0f | %.3f | %.3f | %llu |\n", n_rules, all.mbs, all.mbs_cpu, all.wall, all.cpu,
           all.hits);
    fflush(stdout);

    /* 3. leave one file out */
    if (loo && files.n > 1) {
        loo_row *rows = calloc(files.n, sizeof *rows);
        if (!rows)
            die("%s", "out of memory");
        for (size_t i = 0; i < files.n; i++) {
            ls_ruleset *x = load_set(&files, i, NULL);
            stamp t0 = now();
            ls_matcher *xm = compile(x);
            rows[i].compile_wall = since(t0).wall;
            rows[i].what = base(files.v[i]);
            rows[i].rules = ls_ruleset_count(x);
            rows[i].f = scan_paired(xm, m, loo_runs, &rows[i].ratio);
            fprintf(stderr, "  without %s: %.0f MB/s (CPU), %.2f x all\n", rows[i].what, rows[i].f.mbs_cpu, rows[i].ratio);
            ls_matcher_free(xm);
            ls_ruleset_free(x);
        }
        scan_fig again = scan(m, runs); /* the load may have drifted meanwhile */
        char title[256];
        snprintf(title, sizeof title, "Leave one file out (each of %zu files; median of %d)", files.n, loo_runs);
        loo_table(title, rows, files.n, &all, n_rules);
        printf("\nThe whole set again after the table: %.0f MB/s per CPU s, %.0f MB/s wall (before: %.0f, %.0f).\n",
               again.mbs_cpu, again.mbs, all.mbs_cpu, all.mbs);
        free(rows);
    }

    /* 4. leave one rule of a file out */
    for (size_t k = 0; k < loo_rules.n; k++) {
        ls_ruleset *only = ls_ruleset_new();
        ls_error err = { 0 };
        if (!only || ls_ruleset_load(only, loo_rules.v[k], &err) != 0)
            die("%s", err.msg);
        size_t n = ls_ruleset_count(only);
        loo_row *rows = calloc(n ? n : 1, sizeof *rows);
        if (!rows)
            die("%s", "out of memory");
        for (size_t i = 0; i < n; i++) {
            const char *id = ls_ruleset_get(only, i)->id;
            if (ls_ruleset_find(rs, id) < 0)
                die("%s: not in the rule set (give its file or directory with --rules)", id);
            ls_ruleset *x = load_set(&files, SIZE_MAX, id);
            stamp t0 = now();
            ls_matcher *xm = compile(x);
            rows[i].compile_wall = since(t0).wall;
            rows[i].what = id;
            rows[i].rules = ls_ruleset_count(x);
            rows[i].f = scan_paired(xm, m, loo_runs, &rows[i].ratio);
            fprintf(stderr, "  without %s: %.0f MB/s (CPU), %.2f x all\n", id, rows[i].f.mbs_cpu, rows[i].ratio);
            ls_matcher_free(xm);
            ls_ruleset_free(x);
        }
        char title[512];
        snprintf(title, sizeof title, "Leave one rule of %s out (median of %d)", base(loo_rules.v[k]), loo_runs);
        loo_table(title, rows, n, &all, n_rules);
        free(rows);
        ls_ruleset_free(only); /* after the table: it owns the ids printed */
    }
    free((void *)g_in);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    free(w), free(c), free(lw), free(lc);
    free_list(&paths), free_list(&files), free_list(&loo_rules);
    return 0;
}
