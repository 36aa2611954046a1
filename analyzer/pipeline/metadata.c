/*
 * metadata.c - history and config strings through the matcher, and each hit
 * attributed to the instruction that put it there.
 */
#include "pipeline/metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/history.h"

typedef enum { FIELD_HISTORY, FIELD_ENV, FIELD_LABELS, FIELD_CMD, FIELD_ENTRYPOINT } field_kind;

typedef struct {
    const ls_image *img;
    const ls_history_report *hist;
    const ls_ruleset *rules;
    ls_finding_list *out;
    field_kind kind;
    const char *path;       /* "config.Env", "history[3].created_by" */
    char **lines;           /* the elements, for attribution */
    size_t n_lines;
    uint64_t *starts;       /* offset of each element in the joined text */
    long history;           /* FIELD_HISTORY: the entry */
    ls_error fail;          /* met in the matcher's callback: out of memory */
    bool debug;             /* trace suppressed candidates (ls_scan_opts.debug) */
} meta_ctx;

/* "KEY=value" -> a copy of KEY (NULL when there is no '=' or no memory). */
static char *key_of(const char *line)
{
    const char *eq = strchr(line, '=');
    char *key;
    if (!eq)
        return NULL;
    key = malloc((size_t)(eq - line) + 1);
    if (!key)
        return NULL;
    memcpy(key, line, (size_t)(eq - line));
    key[eq - line] = '\0';
    return key;
}

/* The element holding byte `offset` of the joined text (0-based). Found by
 * offset, not by counting newlines: a value may hold newlines itself (an Env
 * value with "\n" in it), which would shift every later element's line. */
static size_t element_of(const meta_ctx *c, uint64_t offset)
{
    size_t lo = 0, hi = c->n_lines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Config fields: line = the element (1-based), column = byte in it. */
static void place_in_element(const meta_ctx *c, ls_finding *f)
{
    size_t e;
    if (!c->starts || c->n_lines == 0)
        return;
    e = element_of(c, f->offset);
    f->line = e + 1;
    f->column = f->offset - c->starts[e] + 1;
}

#define ATTRIBUTE_NOMEM (-2) /* attribute(): the key could not be copied */

/* The history entry that set the field's element, -1 for none. */
static long attribute(const meta_ctx *c, uint64_t line)
{
    const char *keyword = NULL;
    char *key = NULL;
    long h;
    switch (c->kind) {
    case FIELD_HISTORY: return c->history;
    case FIELD_ENV: keyword = "ENV"; break;
    case FIELD_LABELS: keyword = "LABEL"; break;
    case FIELD_CMD: return ls_history_find_setter(c->hist, c->img->n_history, "CMD", NULL);
    case FIELD_ENTRYPOINT: return ls_history_find_setter(c->hist, c->img->n_history, "ENTRYPOINT", NULL);
    }
    if (line == 0 || line > c->n_lines)
        return -1;
    key = key_of(c->lines[line - 1]);
    if (!key)
        return strchr(c->lines[line - 1], '=') ? ATTRIBUTE_NOMEM : -1;
    h = ls_history_find_setter(c->hist, c->img->n_history, keyword, key);
    free(key);
    return h;
}

static int on_hit(void *ud, const ls_hit *hit)
{
    meta_ctx *c = ud;
    ls_content_id none = {0, 0};
    ls_finding *f;
    if (ls_finding_suppressed(c->rules, hit, NULL, c->debug))
        return 0;
    f = ls_finding_list_add(c->out, c->rules, hit, c->path, none);
    if (!f) {
        ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory");
        return 1;
    }
    f->source = c->kind == FIELD_HISTORY ? LS_SOURCE_HISTORY : LS_SOURCE_CONFIG;
    if (c->kind != FIELD_HISTORY)
        place_in_element(c, f);
    f->history = attribute(c, f->line);
    if (f->history == ATTRIBUTE_NOMEM) {
        ls_error_set(&c->fail, LS_ERR_NOMEM, "out of memory");
        return 1;
    }
    f->layer = c->kind == FIELD_HISTORY && c->history >= 0 ? c->hist[c->history].layer : -1;
    f->status = LS_STATUS_METADATA;
    return 0;
}

/* Joins n strings with '\n' into a new buffer; *len gets its length and
 * starts[i] the offset of string i. */
static char *join_lines(char *const *lines, size_t n, size_t *len, uint64_t *starts)
{
    size_t total = 0, pos = 0;
    char *out;
    for (size_t i = 0; i < n; i++)
        total += strlen(lines[i]) + 1;
    out = malloc(total + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(lines[i]);
        starts[i] = pos;
        memcpy(out + pos, lines[i], k);
        pos += k;
        if (i + 1 < n)
            out[pos++] = '\n';
    }
    out[pos] = '\0';
    *len = pos;
    return out;
}

static int scan_text(meta_ctx *c, ls_scanner *sc, const char *text, size_t len, uint64_t *bytes,
                     ls_error *err)
{
    unsigned in = c->kind == FIELD_HISTORY ? LS_SCANS_HISTORY : LS_SCANS_CONFIG;
    if (ls_scanner_scan_metadata(sc, in, text, len, on_hit, c, err) != 0)
        return -1;
    if (c->fail.code != LS_OK)
        return ls_error_pass(err, &c->fail);
    *bytes += len;
    return 0;
}

static int scan_lines(meta_ctx *c, ls_scanner *sc, char **lines, size_t n, uint64_t *bytes, ls_error *err)
{
    size_t len;
    char *text;
    uint64_t *starts;
    int rc;
    if (n == 0)
        return 0;
    starts = malloc(n * sizeof *starts);
    text = starts ? join_lines(lines, n, &len, starts) : NULL;
    if (!text) {
        free(starts);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    c->lines = lines;
    c->n_lines = n;
    c->starts = starts;
    rc = scan_text(c, sc, text, len, bytes, err);
    c->starts = NULL;
    free(starts);
    free(text);
    return rc;
}

static int scan_labels(meta_ctx *c, ls_scanner *sc, uint64_t *bytes, ls_error *err)
{
    const ls_image *img = c->img;
    char **lines = calloc(img->n_labels ? img->n_labels : 1, sizeof *lines);
    int rc = -1;
    if (!lines)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < img->n_labels; i++) {
        size_t k = strlen(img->labels[i].key), v = strlen(img->labels[i].value);
        lines[i] = malloc(k + v + 2);
        if (!lines[i]) {
            ls_error_set(err, LS_ERR_NOMEM, "out of memory");
            goto out;
        }
        memcpy(lines[i], img->labels[i].key, k);
        lines[i][k] = '=';
        memcpy(lines[i] + k + 1, img->labels[i].value, v + 1);
    }
    c->kind = FIELD_LABELS;
    c->path = "config.Labels";
    rc = scan_lines(c, sc, lines, img->n_labels, bytes, err);
out:
    for (size_t i = 0; i < img->n_labels; i++)
        free(lines[i]);
    free(lines);
    return rc;
}

int ls_metadata_scan(const ls_image *img, const ls_history_report *hist, const ls_ruleset *rules,
                     ls_scanner *sc, ls_finding_list *out, uint64_t *bytes, bool debug, ls_error *err)
{
    meta_ctx c = {.img = img, .hist = hist, .rules = rules, .out = out, .debug = debug};
    char path[64];
    for (size_t i = 0; i < img->n_history; i++) {
        const char *text = img->history[i].created_by;
        if (!text)
            continue;
        snprintf(path, sizeof path, "history[%zu].created_by", i);
        c.kind = FIELD_HISTORY;
        c.path = path;
        c.history = (long)i;
        if (scan_text(&c, sc, text, strlen(text), bytes, err) != 0)
            return -1;
    }
    c.history = -1;
    c.kind = FIELD_ENV;
    c.path = "config.Env";
    if (scan_lines(&c, sc, img->env, img->n_env, bytes, err) != 0)
        return -1;
    if (scan_labels(&c, sc, bytes, err) != 0)
        return -1;
    c.kind = FIELD_CMD;
    c.path = "config.Cmd";
    if (scan_lines(&c, sc, img->cmd, img->n_cmd, bytes, err) != 0)
        return -1;
    c.kind = FIELD_ENTRYPOINT;
    c.path = "config.Entrypoint";
    return scan_lines(&c, sc, img->entrypoint, img->n_entrypoint, bytes, err);
}
