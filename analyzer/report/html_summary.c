/*
 * html_summary.c - the audit's HTML page (report/html_summary.h).
 *
 * Two steps. Reading: the JSONL is read one bounded line at a time, each line
 * parsed with jansson and cut down to what the page shows (the findings and
 * errors arrays and the layers' digests of a report; the error object of a
 * failed image), kept per reference in a map, so a later line for the same
 * reference replaces the earlier one (an image retried by --resume). Memory
 * is bounded by what the audit wrote. Writing: the kept images are tallied
 * into rows (findings by severity), their layers into a map by digest
 * (images carrying it, its distinct findings), sorted, and written through
 * the shared page frame (report/html_util.h). Everything taken from the
 * JSONL is the images' choice and goes through ls_html_escape, data
 * attributes included; the page's one script only filters the images table
 * and marks the page, and the page reads the same without it.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/html_summary.h"
#include "report/html_util.h"

#define N_SEV 4

/* Most severe first: the order of the columns and of the sort. */
static const char *const sev_names[N_SEV] = {"critical", "high", "medium", "low"};

/* Marks the page as scripted (data-script="ran" on <html>) and adds a filter
 * box over the images table; it reads attributes and sets `hidden`, never
 * markup. */
static const char summary_script[] =
    "(function(){var d=document;d.documentElement.setAttribute('data-script','ran');"
    "var t=d.getElementById('images');if(!t||!t.tBodies.length)return;"
    "var i=d.createElement('input');i.type='search';i.placeholder='filter images';"
    "i.setAttribute('aria-label','filter images');t.parentNode.insertBefore(i,t);"
    "i.addEventListener('input',function(){var q=i.value.toLowerCase(),r=t.tBodies[0].rows;"
    "for(var k=0;k<r.length;k++){var s=(r[k].getAttribute('data-reference')||'').toLowerCase();"
    "r[k].hidden=q!==''&&s.indexOf(q)<0;}});})();";

/* ---- reading ---------------------------------------------------------- */

#define READ_BLOCK (64 * 1024)

typedef struct {
    FILE *in;
    const char *label;
    size_t line;      /* number of the line last read, 1-based */
    char *buf;        /* that line, NUL-terminated, without its newline */
    size_t len, cap;
    char *blk;        /* READ_BLOCK bytes read ahead: blk[pos..end) not used yet */
    size_t pos, end;
    json_t *images;   /* reference -> its record (image_record), the last line wins */
} summary_reader;

/* Appends n bytes to the line, refusing one longer than the bound (before
 * reading the rest of it). 0, or -1 with err. */
static int line_append(summary_reader *r, const char *p, size_t n, ls_error *err)
{
    if (n > LS_HTML_SUMMARY_MAX_LINE - r->len)
        return ls_error_set(err, LS_ERR_LIMIT, "%s:%zu: line longer than 256 MiB", r->label, r->line + 1);
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : READ_BLOCK;
        char *b;
        while (cap < r->len + n + 1)
            cap *= 2;
        if (cap > (size_t)LS_HTML_SUMMARY_MAX_LINE + 1)
            cap = (size_t)LS_HTML_SUMMARY_MAX_LINE + 1;
        if (!(b = realloc(r->buf, cap)))
            return ls_error_set(err, LS_ERR_NOMEM, "%s:%zu: out of memory", r->label, r->line + 1);
        r->buf = b;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    r->buf[r->len] = '\0';
    return 0;
}

/* Reads the next line into r->buf (a last line without its newline counts).
 * 1: a line, 0: end of input, -1: err. */
static int read_line(summary_reader *r, ls_error *err)
{
    r->len = 0;
    for (;;) {
        const char *nl;
        size_t take;
        if (r->pos == r->end) {
            r->pos = 0;
            r->end = fread(r->blk, 1, READ_BLOCK, r->in);
            if (r->end == 0) {
                if (ferror(r->in))
                    return ls_error_set(err, LS_ERR_IO, "%s: cannot read the audit output", r->label);
                if (r->len == 0)
                    return 0;
                r->line++;
                return 1;
            }
        }
        nl = memchr(r->blk + r->pos, '\n', r->end - r->pos);
        take = nl ? (size_t)(nl - (r->blk + r->pos)) : r->end - r->pos;
        if (line_append(r, r->blk + r->pos, take, err) != 0)
            return -1;
        r->pos += take + (nl != NULL);
        if (nl) {
            r->line++;
            return 1;
        }
    }
}

static bool blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* o[key] = v when v is of the wanted kind (v borrowed). 0, or -1 (no memory). */
static int keep(json_t *o, const char *key, json_t *v, bool want)
{
    return want ? json_object_set(o, key, v) : 0;
}

/* The record of one image line: {"failed":ERROR} for an error line, else
 * {"findings":[...],"errors":[...],"digests":[DIGEST|null per layer]}. NULL
 * when out of memory. */
static json_t *image_record(json_t *root)
{
    json_t *rec = json_object(), *error = json_object_get(root, "error");
    json_t *layers = json_object_get(root, "layers"), *digests;
    size_t i;
    json_t *l;
    if (!rec)
        return NULL;
    if (json_is_object(error))
        return json_object_set(rec, "failed", error) == 0 ? rec : (json_decref(rec), NULL);
    if (keep(rec, "findings", json_object_get(root, "findings"), json_is_array(json_object_get(root, "findings"))) ||
        keep(rec, "errors", json_object_get(root, "errors"), json_is_array(json_object_get(root, "errors"))) ||
        !(digests = json_array()) || json_object_set_new(rec, "digests", digests) != 0) {
        json_decref(rec);
        return NULL;
    }
    json_array_foreach(json_is_array(layers) ? layers : NULL, i, l) {
        json_t *d = json_object_get(l, "digest");
        if (json_array_append(digests, json_is_string(d) ? d : json_null()) != 0) {
            json_decref(rec);
            return NULL;
        }
    }
    return rec;
}

/* One non-blank line: an image line is kept under its reference, a summary
 * line skipped. 0, or -1 with err. */
static int keep_line(summary_reader *r, ls_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(r->buf, r->len, 0, &jerr), *ref, *rec;
    int rc = 0;
    if (!json_is_object(root)) {
        json_decref(root);
        return ls_error_set(err, LS_ERR_FORMAT, "%s:%zu: not JSON (%s)", r->label, r->line,
                            root ? "not an object" : jerr.text);
    }
    ref = json_object_get(json_object_get(root, "audit"), "reference");
    if (!json_is_string(ref)) {
        if (!json_is_object(json_object_get(root, "summary")))
            rc = ls_error_set(err, LS_ERR_FORMAT, "%s:%zu: neither an image line nor a summary of an audit",
                              r->label, r->line);
    } else if (!(rec = image_record(root)) ||
               json_object_set_new_nocheck(r->images, json_string_value(ref), rec) != 0) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "%s:%zu: out of memory", r->label, r->line);
    }
    json_decref(root);
    return rc;
}

/* ---- tallying --------------------------------------------------------- */

/* One image as the images table shows it. */
typedef struct {
    const char *ref;      /* borrowed from the images map's key */
    json_t *rec;          /* its record (borrowed) */
    uint64_t n[N_SEV];    /* findings by severity, most severe first */
    uint64_t errors;      /* errors[] entries, or 1 for a failed image */
} img_row;

/* One layer digest: the images carrying it and its distinct findings. */
typedef struct {
    const char *digest;   /* borrowed from the layers map's key */
    uint64_t images;      /* images with this digest among their layers */
    size_t last;          /* 1 + index of the last image counted */
    json_t *found;        /* finding key -> [finding, images, 1 + last image index] */
} layer_row;

typedef struct {
    img_row *imgs;
    size_t n_imgs;
    json_t *by_digest;    /* digest -> index into layers */
    layer_row *layers;
    size_t n_layers, cap_layers;
    uint64_t totals[N_SEV], failed, errors;
} summary_tally;

static int sev_rank(const char *s)
{
    for (int k = 0; s && k < N_SEV; k++)
        if (strcmp(s, sev_names[k]) == 0)
            return k;
    return N_SEV;
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The layer row of digest, created on first sight; NULL when out of memory. */
static layer_row *layer_of(summary_tally *t, const char *digest)
{
    json_t *idx = json_object_get(t->by_digest, digest);
    layer_row *l;
    if (idx)
        return &t->layers[json_integer_value(idx)];
    if (t->n_layers == t->cap_layers) {
        size_t cap = t->cap_layers ? t->cap_layers * 2 : 64;
        layer_row *p = realloc(t->layers, cap * sizeof *p);
        if (!p)
            return NULL;
        t->layers = p;
        t->cap_layers = cap;
    }
    if (json_object_set_new_nocheck(t->by_digest, digest, json_integer((json_int_t)t->n_layers)) != 0)
        return NULL;
    l = &t->layers[t->n_layers];
    /* the map's own copy of the key lives as long as the map */
    *l = (layer_row){.found = json_object(),
                     .digest = json_object_iter_key(json_object_iter_at(t->by_digest, digest))};
    if (!l->found || !l->digest) {
        json_decref(l->found);
        json_object_del(t->by_digest, digest);
        return NULL;
    }
    t->n_layers++;
    return l;
}

/* Appends "LEN:VALUE" (or "-" for a missing value) to key, so distinct
 * tuples give distinct keys whatever bytes the values hold. */
static char *key_add(char *key, size_t *len, const char *v)
{
    char head[32];
    size_t hl = (size_t)(v ? snprintf(head, sizeof head, "%zu:", strlen(v)) : snprintf(head, sizeof head, "-"));
    size_t vl = v ? strlen(v) : 0;
    char *p = realloc(key, *len + hl + vl + 1);
    if (!p) {
        free(key);
        return NULL;
    }
    memcpy(p + *len, head, hl);
    memcpy(p + *len + hl, v ? v : "", vl);
    *len += hl + vl;
    p[*len] = '\0';
    return p;
}

/* The fields that make a layer's finding distinct on the page. */
static const char *const finding_key_fields[] = {"rule", "path", "status", "secret", "severity"};

/* Counts finding f of image number k (0-based) in layer l. 0, or -1. */
static int layer_add_finding(layer_row *l, json_t *f, size_t k)
{
    char *key = NULL;
    size_t len = 0;
    json_t *e;
    for (size_t i = 0; i < sizeof finding_key_fields / sizeof *finding_key_fields; i++)
        if (!(key = key_add(key, &len, str_of(f, finding_key_fields[i]))))
            return -1;
    e = json_object_get(l->found, key);
    if (!e) {
        e = json_pack("[O,I,I]", f, (json_int_t)1, (json_int_t)(k + 1));
        if (!e || json_object_set_new_nocheck(l->found, key, e) != 0) {
            free(key);
            return -1;
        }
    } else if ((size_t)json_integer_value(json_array_get(e, 2)) != k + 1) {
        json_integer_set(json_array_get(e, 1), json_integer_value(json_array_get(e, 1)) + 1);
        json_integer_set(json_array_get(e, 2), (json_int_t)(k + 1));
    }
    free(key);
    return 0;
}

/* Image number k: its row, and its share of every layer it carries. */
static int tally_image(summary_tally *t, size_t k)
{
    img_row *row = &t->imgs[k];
    json_t *digests = json_object_get(row->rec, "digests"), *findings = json_object_get(row->rec, "findings");
    json_t *v;
    size_t i;
    if (json_object_get(row->rec, "failed")) {
        row->errors = 1;
        t->failed++;
        t->errors++;
        return 0;
    }
    row->errors = json_array_size(json_object_get(row->rec, "errors"));
    t->errors += row->errors;
    json_array_foreach(digests, i, v) {
        layer_row *l;
        if (!json_is_string(v))
            continue;
        if (!(l = layer_of(t, json_string_value(v))))
            return -1;
        if (l->last != k + 1) {
            l->images++;
            l->last = k + 1;
        }
    }
    json_array_foreach(findings, i, v) {
        json_t *li = json_object_get(v, "layer"), *d;
        layer_row *l;
        int s = sev_rank(str_of(v, "severity"));
        if (!json_is_object(v))
            continue;
        if (s < N_SEV) {
            row->n[s]++;
            t->totals[s]++;
        }
        if (!json_is_integer(li) || json_integer_value(li) < 0 ||
            !json_is_string(d = json_array_get(digests, (size_t)json_integer_value(li))))
            continue;
        if (!(l = layer_of(t, json_string_value(d))) || layer_add_finding(l, v, k) != 0)
            return -1;
    }
    return 0;
}

/* ---- sorting ---------------------------------------------------------- */

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Most critical findings first, then high, ..., then by reference. */
static int cmp_img(const void *pa, const void *pb)
{
    const img_row *a = pa, *b = pb;
    for (int k = 0; k < N_SEV; k++)
        if (a->n[k] != b->n[k])
            return a->n[k] > b->n[k] ? -1 : 1;
    return cmp_str(a->ref, b->ref);
}

/* Shared by the most images first, then by digest. */
static int cmp_layer(const void *pa, const void *pb)
{
    const layer_row *a = *(layer_row *const *)pa, *b = *(layer_row *const *)pb;
    if (a->images != b->images)
        return a->images > b->images ? -1 : 1;
    return cmp_str(a->digest, b->digest);
}

/* A layer's findings: most severe first, then path, rule, status, secret. */
static int cmp_found(const void *pa, const void *pb)
{
    const json_t *a = json_array_get(*(json_t *const *)pa, 0), *b = json_array_get(*(json_t *const *)pb, 0);
    int sa = sev_rank(str_of(a, "severity")), sb = sev_rank(str_of(b, "severity")), c;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    for (size_t i = 0; i < 4; i++) {
        static const char *const order[] = {"path", "rule", "status", "secret"};
        if ((c = cmp_str(str_of(a, order[i]), str_of(b, order[i]))) != 0)
            return c;
    }
    return 0;
}

/* ---- writing ---------------------------------------------------------- */

static void put_attr(FILE *out, const char *name, const char *v)
{
    fprintf(out, " %s=\"", name);
    ls_html_escape(out, v);
    fputc('"', out);
}

static void put_cell(FILE *out, const char *v)
{
    fputs("<td>", out);
    ls_html_escape(out, v);
    fputs("</td>", out);
}

static void write_totals(FILE *out, const summary_tally *t)
{
    fprintf(out, "<dl id=\"totals\" class=\"facts\" data-images=\"%zu\" data-failed=\"%llu\" data-errors=\"%llu\"", t->n_imgs,
            (unsigned long long)t->failed, (unsigned long long)t->errors);
    for (int k = 0; k < N_SEV; k++)
        fprintf(out, " data-%s=\"%llu\"", sev_names[k], (unsigned long long)t->totals[k]);
    fprintf(out, ">\n<dt>Images</dt><dd>%zu</dd>\n<dt>Could not be scanned</dt><dd>%llu</dd>\n", t->n_imgs,
            (unsigned long long)t->failed);
    for (int k = 0; k < N_SEV; k++)
        fprintf(out, "<dt>Findings %s</dt><dd%s>%llu</dd>\n", sev_names[k], t->totals[k] ? " class=\"bad\"" : "",
                (unsigned long long)t->totals[k]);
    fprintf(out, "<dt>Errors</dt><dd>%llu</dd>\n</dl>\n", (unsigned long long)t->errors);
}

static void write_images(FILE *out, const summary_tally *t)
{
    fputs("<h2>Images by findings</h2>\n<table id=\"images\" class=\"grid\">\n<thead><tr><th>Image</th>", out);
    for (int k = 0; k < N_SEV; k++)
        fprintf(out, "<th>%c%s</th>", sev_names[k][0] - 'a' + 'A', sev_names[k] + 1);
    fputs("<th>Errors</th><th>Status</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < t->n_imgs; i++) {
        const img_row *r = &t->imgs[i];
        json_t *failed = json_object_get(r->rec, "failed");
        fputs("<tr", out);
        put_attr(out, "data-reference", r->ref);
        for (int k = 0; k < N_SEV; k++)
            fprintf(out, " data-%s=\"%llu\"", sev_names[k], (unsigned long long)r->n[k]);
        fprintf(out, " data-errors=\"%llu\" data-failed=\"%s\">", (unsigned long long)r->errors,
                failed ? "true" : "false");
        fputs("<td><code>", out);
        ls_html_escape(out, r->ref);
        fputs("</code></td>", out);
        for (int k = 0; k < N_SEV; k++)
            if (r->n[k])
                fprintf(out, "<td class=\"bad\">%llu</td>", (unsigned long long)r->n[k]);
            else
                fputs("<td>0</td>", out);
        fprintf(out, "<td>%llu</td>", (unsigned long long)r->errors);
        if (failed) {
            fputs("<td class=\"bad\">failed: ", out);
            ls_html_escape(out, str_of(failed, "code"));
            fputs("</td>", out);
        } else {
            fputs("<td>scanned</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void write_layer_findings(FILE *out, const layer_row *l, json_t **found, size_t n)
{
    if (n == 0) {
        fputs("none", out);
        return;
    }
    fputs("<table class=\"grid findings\"><thead><tr><th>Severity</th><th>Rule</th><th>Path</th><th>Status</th>"
          "<th>Secret</th><th>Images</th></tr></thead><tbody>\n",
          out);
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(found[i], 0);
        fputs("<tr", out);
        put_attr(out, "data-rule", str_of(f, "rule"));
        put_attr(out, "data-path", str_of(f, "path"));
        put_attr(out, "data-status", str_of(f, "status"));
        put_attr(out, "data-severity", str_of(f, "severity"));
        fprintf(out, " data-images=\"%lld\">", (long long)json_integer_value(json_array_get(found[i], 1)));
        fprintf(out, "<td><span class=\"sev sev-%s\">",
                sev_rank(str_of(f, "severity")) < N_SEV ? str_of(f, "severity") : "unknown");
        ls_html_escape(out, str_of(f, "severity"));
        fputs("</span></td>", out);
        put_cell(out, str_of(f, "rule"));
        fputs("<td><code>", out);
        ls_html_escape(out, str_of(f, "path"));
        fputs("</code></td>", out);
        put_cell(out, str_of(f, "status"));
        fputs("<td><code>", out);
        ls_html_escape(out, str_of(f, "secret"));
        fputs("</code></td>", out);
        fprintf(out, "<td>%lld of %llu</td></tr>\n", (long long)json_integer_value(json_array_get(found[i], 1)),
                (unsigned long long)l->images);
    }
    fputs("</tbody></table>", out);
}

/* The layers carried by two images or more. 0, or -1 (no memory). */
static int write_layers(FILE *out, summary_tally *t)
{
    layer_row **shared = malloc((t->n_layers ? t->n_layers : 1) * sizeof *shared);
    size_t n = 0;
    if (!shared)
        return -1;
    for (size_t i = 0; i < t->n_layers; i++)
        if (t->layers[i].images >= 2)
            shared[n++] = &t->layers[i];
    qsort(shared, n, sizeof *shared, cmp_layer);
    fprintf(out, "<h2>Layers shared by several images</h2>\n<p>%zu of %zu distinct layers are carried by "
                 "two images or more.</p>\n",
            n, t->n_layers);
    fputs("<table id=\"layers\" class=\"grid\">\n<thead><tr><th>Layer</th><th>Images</th><th>Findings</th></tr></thead>\n<tbody>\n",
          out);
    for (size_t i = 0; i < n; i++) {
        size_t nf = json_object_size(shared[i]->found), j = 0;
        json_t **found = malloc((nf ? nf : 1) * sizeof *found), *v;
        const char *key;
        if (!found) {
            free(shared);
            return -1;
        }
        json_object_foreach(shared[i]->found, key, v)
            found[j++] = v;
        qsort(found, nf, sizeof *found, cmp_found);
        fputs("<tr", out);
        put_attr(out, "data-digest", shared[i]->digest);
        fprintf(out, " data-images=\"%llu\" data-findings=\"%zu\"><td><code>", (unsigned long long)shared[i]->images,
                nf);
        ls_html_escape(out, shared[i]->digest);
        fprintf(out, "</code></td><td>%llu</td><td>", (unsigned long long)shared[i]->images);
        write_layer_findings(out, shared[i], found, nf);
        fputs("</td></tr>\n", out);
        free(found);
    }
    fputs("</tbody>\n</table>\n", out);
    free(shared);
    return 0;
}

static void error_row(FILE *out, const char *ref, const char *code, const json_t *layer, const char *path,
                      const char *msg)
{
    fputs("<tr", out);
    put_attr(out, "data-reference", ref);
    put_attr(out, "data-code", code);
    fputs("><td><code>", out);
    ls_html_escape(out, ref);
    fputs("</code></td>", out);
    if (json_is_integer(layer))
        fprintf(out, "<td>%lld</td>", (long long)json_integer_value(layer));
    else
        fputs("<td></td>", out);
    fputs("<td><code>", out);
    ls_html_escape(out, path);
    fputs("</code></td><td>", out);
    if (code) {
        ls_html_escape(out, code);
        fputs(": ", out);
    }
    ls_html_escape(out, msg);
    fputs("</td></tr>\n", out);
}

/* Failed images first (the code is theirs), then the reports' errors[]. */
static void write_errors(FILE *out, const summary_tally *t)
{
    fprintf(out, "<h2>Errors</h2>\n<p>Images that could not be scanned: %llu. Errors in all: %llu.</p>\n",
            (unsigned long long)t->failed, (unsigned long long)t->errors);
    fputs("<table id=\"errors\" class=\"grid\">\n<thead><tr><th>Image</th><th>Layer</th><th>Path</th><th>Message</th></tr></thead>\n"
          "<tbody>\n",
          out);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->n_imgs; i++) {
            json_t *failed = json_object_get(t->imgs[i].rec, "failed"), *e;
            size_t j;
            if (pass == 0 && failed)
                error_row(out, t->imgs[i].ref, str_of(failed, "code"), NULL, NULL, str_of(failed, "message"));
            if (pass == 1)
                json_array_foreach(json_object_get(t->imgs[i].rec, "errors"), j, e)
                    error_row(out, t->imgs[i].ref, NULL, json_object_get(e, "layer"), str_of(e, "path"),
                              str_of(e, "message"));
        }
    fputs("</tbody>\n</table>\n", out);
}

static int write_page(FILE *out, const char *label, summary_tally *t)
{
    ls_html_page_begin(out, "layerscan audit summary", summary_script);
    fputs("<h1>layerscan audit summary</h1>\n<p>From <code>", out);
    ls_html_escape(out, label);
    fputs("</code>. Findings are those left after the audit's policy; secrets are shown as the audit "
          "wrote them (redacted unless it ran with <code>--show-secrets</code>).</p>\n",
          out);
    write_totals(out, t);
    write_images(out, t);
    if (write_layers(out, t) != 0)
        return -1;
    write_errors(out, t);
    ls_html_page_end(out, summary_script);
    return 0;
}

/* ---- the entry point -------------------------------------------------- */

int ls_audit_html_summary(FILE *jsonl, const char *jsonl_label, FILE *out, ls_error *err)
{
    summary_reader r = {.in = jsonl, .label = jsonl_label, .images = json_object(), .blk = malloc(READ_BLOCK)};
    summary_tally t = {.by_digest = json_object()};
    const char *ref;
    json_t *rec;
    int rc = -1, got;
    if (!r.images || !t.by_digest || !r.blk) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", jsonl_label);
        goto out;
    }
    while ((got = read_line(&r, err)) == 1)
        if (!blank_line(r.buf, r.len) && keep_line(&r, err) != 0)
            goto out;
    if (got < 0)
        goto out;
    free(r.buf);
    free(r.blk);
    r.buf = r.blk = NULL;
    if (!(t.imgs = calloc(json_object_size(r.images) + 1, sizeof *t.imgs))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", jsonl_label);
        goto out;
    }
    json_object_foreach(r.images, ref, rec) {
        t.imgs[t.n_imgs] = (img_row){.ref = ref, .rec = rec};
        if (tally_image(&t, t.n_imgs++) != 0) {
            ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", jsonl_label);
            goto out;
        }
    }
    qsort(t.imgs, t.n_imgs, sizeof *t.imgs, cmp_img);
    if (write_page(out, jsonl_label, &t) != 0) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", jsonl_label);
        goto out;
    }
    rc = 0;
out:
    free(r.buf);
    free(r.blk);
    for (size_t i = 0; i < t.n_layers; i++)
        json_decref(t.layers[i].found);
    free(t.layers);
    free(t.imgs);
    json_decref(t.by_digest);
    json_decref(r.images);
    return rc;
}
