/*
 * json.c - the JSON report, contract version 1. Field names and meanings are
 * a contract with other tools: add fields, never rename or drop one.
 * Built with jansson in insertion order, so the output is deterministic.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/json_util.h"
#include "report/writer.h"

#define REPORT_VERSION 1

/* File names and secrets come from the image and need not be UTF-8; JSON
 * strings must be. Invalid bytes are written as the text "\xNN". */
json_t *ls_json_str(const char *s)
{
    json_t *j;
    char *clean, *w;
    if (!s)
        return json_null();
    if ((j = json_string(s)) != NULL)
        return j;
    clean = malloc(strlen(s) * 4 + 1);
    if (!clean)
        return NULL;
    w = clean;
    while (*s) {
        unsigned int cp;
        size_t n = ls_utf8_decode((const unsigned char *)s, &cp);
        if (n == 0) {
            w += sprintf(w, "\\x%02x", (unsigned char)*s);
            s++;
        } else {
            memcpy(w, s, n);
            w += n;
            s += n;
        }
    }
    *w = '\0';
    j = json_string(clean);
    free(clean);
    return j;
}

static json_t *index_or_null(long i)
{
    return i >= 0 ? json_integer(i) : json_null();
}

/* Takes ownership of s, a redacted copy of src (NULL stays null): NULL when
 * the copy could not be made or the string allocated. */
static json_t *owned_str(const char *src, char *s)
{
    json_t *j = src && !s ? NULL : ls_json_str(s);
    free(s);
    return j;
}

/* Sets o[key] = v, v owned (NULL: its allocation failed); any failure
 * clears *ok, so a report is never written with a member missing. */
static void put(bool *ok, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v) != 0)
        *ok = false;
}

static void append(bool *ok, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v) != 0)
        *ok = false;
}

static json_t *tool_json(const ls_report *r, bool *ok)
{
    json_t *t = json_object();
    put(ok, t, "name", json_string("layerscan"));
    put(ok, t, "version", json_string(LAYERSCAN_VERSION));
    put(ok, t, "rules", json_integer((json_int_t)ls_ruleset_count(r->rules)));
    return t;
}

static json_t *image_json(const ls_report *r, bool *ok)
{
    const ls_image *img = r->image;
    json_t *o = json_object();
    put(ok, o, "reference", ls_json_str(img->reference));
    put(ok, o, "transport", ls_json_str(img->transport));
    put(ok, o, "manifest_digest", ls_json_str(img->manifest_digest));
    put(ok, o, "config_digest", ls_json_str(img->config_digest));
    put(ok, o, "os", ls_json_str(img->os));
    put(ok, o, "architecture", ls_json_str(img->architecture));
    put(ok, o, "variant", ls_json_str(img->variant));
    put(ok, o, "created", ls_json_str(img->created));
    return o;
}

static const char *history_instruction(const ls_report *r, long h)
{
    return h >= 0 && (size_t)h < r->n_history ? r->history[h].instruction : NULL;
}

static json_t *layers_json(const ls_report *r, const ls_write_opts *o, bool *ok)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_layers; i++) {
        const ls_layer_report *l = &r->layers[i];
        const char *created = l->history >= 0 ? r->image->history[l->history].created : NULL;
        json_t *j = json_object();
        put(ok, j, "index", json_integer(l->index));
        put(ok, j, "digest", ls_json_str(l->digest));
        put(ok, j, "diff_id", ls_json_str(l->diff_id));
        put(ok, j, "media_type", ls_json_str(l->media_type));
        put(ok, j, "compression", ls_json_str(l->compression));
        put(ok, j, "compressed_bytes", json_integer((json_int_t)l->compressed_bytes));
        put(ok, j, "bytes", json_integer((json_int_t)l->bytes));
        put(ok, j, "history", index_or_null(l->history));
        put(ok, j, "instruction",
                            owned_str(history_instruction(r, l->history),
                                  ls_redact_text(r, history_instruction(r, l->history), o->show_secrets)));
        put(ok, j, "created", ls_json_str(created));
        put(ok, j, "entries", json_integer((json_int_t)l->entries));
        put(ok, j, "whiteouts", json_integer((json_int_t)l->whiteouts));
        put(ok, j, "digest_verified", json_boolean(l->digest_verified));
        append(ok, a, j);
    }
    return a;
}

static json_t *history_json(const ls_report *r, const ls_write_opts *o, bool *ok)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_history; i++) {
        const ls_history_report *h = &r->history[i];
        const ls_history_entry *e = &r->image->history[i];
        json_t *j = json_object(), *args = json_array();
        put(ok, j, "index", json_integer(h->index));
        put(ok, j, "created_by", owned_str(e->created_by, ls_redact_text(r, e->created_by, o->show_secrets)));
        put(ok, j, "instruction", owned_str(h->instruction, ls_redact_text(r, h->instruction, o->show_secrets)));
        put(ok, j, "empty_layer", json_boolean(e->empty_layer));
        put(ok, j, "layer", index_or_null(h->layer));
        put(ok, j, "created", ls_json_str(e->created));
        for (size_t k = 0; k < h->n_build_args; k++)
            append(ok, args, owned_str(h->build_args[k], ls_redact_text(r, h->build_args[k], o->show_secrets)));
        put(ok, j, "build_args", args);
        append(ok, a, j);
    }
    return a;
}

static bool valid_utf8(const char *s)
{
    unsigned int cp;
    while (*s) {
        size_t n = ls_utf8_decode((const unsigned char *)s, &cp);
        if (n == 0)
            return false;
        s += n;
    }
    return true;
}

/* Paths and secrets are bytes, not always UTF-8. When they are not, the
 * string field carries "\xNN" escapes (readable, but ambiguous with a literal
 * backslash) and a "<name>_base64" field carries the exact bytes. */
static void add_raw_bytes(json_t *j, const char *name, const char *s, bool *ok)
{
    size_t len = strlen(s);
    char key[64];
    char *b64;
    if (valid_utf8(s))
        return;
    b64 = malloc(4 * ((len + 2) / 3) + 1);
    if (!b64) {
        *ok = false;
        return;
    }
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)s, (int)len);
    snprintf(key, sizeof key, "%s_base64", name);
    put(ok, j, key, json_string(b64));
    free(b64);
}

/* {"manager", "name", "version"} of a vendor finding's package, else null.
 * Package names and versions come from the image: escaped as any string. */
static json_t *package_json(const ls_report *r, const ls_finding *f)
{
    const ls_package *p;
    if (f->package < 0 || (size_t)f->package >= r->n_packages)
        return json_null();
    p = &r->packages[f->package];
    return json_pack("{s:s, s:o, s:o}", "manager", p->manager, "name", ls_json_str(p->name), "version",
                     p->version ? ls_json_str(p->version) : json_null());
}

json_t *ls_json_finding(const ls_report *r, const ls_finding *f, const ls_write_opts *o)
{
    const ls_rule *rule = ls_ruleset_get(r->rules, f->rule);
    json_t *j = json_object();
    bool all = j != NULL, *ok = &all;
    put(ok, j, "rule", json_string(rule->id));
    put(ok, j, "title", json_string(rule->title));
    put(ok, j, "family", json_string(rule->family));
    put(ok, j, "severity", json_string(ls_severity_name(rule->severity)));
    put(ok, j, "confidence", json_string(ls_confidence_name(f->confidence)));
    put(ok, j, "source", json_string(ls_finding_source_name(f->source)));
    put(ok, j, "layer", index_or_null(f->layer));
    put(ok, j, "history", index_or_null(f->history));
    put(ok, j, "instruction",
                        owned_str(ls_report_instruction(r, f),
                      ls_redact_text(r, ls_report_instruction(r, f), o->show_secrets)));
    put(ok, j, "path", ls_json_str(f->path));
    add_raw_bytes(j, "path", f->path, ok);
    put(ok, j, "line", json_integer((json_int_t)f->line));
    put(ok, j, "column", json_integer((json_int_t)f->column));
    put(ok, j, "offset", json_integer((json_int_t)f->offset));
    put(ok, j, "status", json_string(ls_status_name(f->status)));
    put(ok, j, "removed_in_layer", index_or_null(f->removed_in_layer));
    put(ok, j, "secret",
                        o->show_secrets ? ls_json_str(f->secret) : owned_str(f->secret, ls_redact_secret(f->secret)));
    if (o->show_secrets)
        add_raw_bytes(j, "secret", f->secret, ok);
    put(ok, j, "fingerprint", json_string(f->fingerprint));
    put(ok, j, "validation", json_string(f->validation));
    put(ok, j, "origin", json_string(ls_origin_name(f->origin)));
    put(ok, j, "package", package_json(r, f));
    if (!all) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *errors_json(const ls_report *r, bool *ok)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_errors; i++) {
        const ls_report_error *e = &r->errors[i];
        json_t *j = json_object();
        put(ok, j, "layer", index_or_null(e->layer));
        put(ok, j, "path", ls_json_str(e->path));
        put(ok, j, "message", ls_json_str(e->message));
        append(ok, a, j);
    }
    return a;
}

/* Findings a baseline, the config or --min-confidence kept out of findings[]:
 * the finding object plus "suppressed_by". */
static json_t *suppressed_json(const ls_report *r, const ls_write_opts *o, bool *ok)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_suppressed; i++) {
        json_t *j = ls_json_finding(r, &r->suppressed[i].finding, o);
        put(ok, j, "suppressed_by", json_string(r->suppressed[i].reason));
        append(ok, a, j);
    }
    return a;
}

static json_t *stats_json(const ls_report *r, bool *ok)
{
    json_t *j = json_object();
    put(ok, j, "layers", json_integer((json_int_t)r->n_layers));
    put(ok, j, "entries", json_integer((json_int_t)r->entries));
    put(ok, j, "bytes_scanned", json_integer((json_int_t)r->bytes_scanned));
    put(ok, j, "findings", json_integer((json_int_t)r->n_findings));
    put(ok, j, "suppressed", json_integer((json_int_t)r->n_suppressed));
    put(ok, j, "seconds", json_real(r->seconds));
    return j;
}

json_t *ls_report_json(const ls_report *r, const ls_write_opts *o)
{
    json_t *root = json_object(), *findings = json_array();
    bool all = root && findings, *ok = &all;
    put(ok, root, "report_version", json_integer(REPORT_VERSION));
    put(ok, root, "tool", tool_json(r, ok));
    put(ok, root, "image", image_json(r, ok));
    put(ok, root, "layers", layers_json(r, o, ok));
    put(ok, root, "history", history_json(r, o, ok));
    for (size_t i = 0; i < r->n_findings; i++)
        append(ok, findings, ls_json_finding(r, &r->findings[i], o));
    put(ok, root, "findings", findings);
    put(ok, root, "errors", errors_json(r, ok));
    put(ok, root, "suppressed", suppressed_json(r, o, ok));
    put(ok, root, "stats", stats_json(r, ok));
    if (!all) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int ls_report_write_json(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err)
{
    json_t *root = ls_report_json(r, o);
    int rc;
    if (!root)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the JSON report");
    rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF)
        return ls_error_set(err, LS_ERR_IO, "cannot write the JSON report");
    return 0;
}

/* JSONL: one compact finding object a line, with the image and the layer it
 * was found in folded in, so each line stands alone in a log pipeline. No
 * finding, no line. */
int ls_report_write_jsonl(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const ls_finding *f = &r->findings[i];
        const ls_layer_report *l =
            f->layer >= 0 && (size_t)f->layer < r->n_layers ? &r->layers[f->layer] : NULL;
        json_t *j = ls_json_finding(r, f, o);
        bool all = j != NULL;
        int rc;
        if (!all)
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the JSONL report");
        put(&all, j, "image", image_json(r, &all));
        put(&all, j, "layer_digest", ls_json_str(l ? l->digest : NULL));
        put(&all, j, "layer_diff_id", ls_json_str(l ? l->diff_id : NULL));
        if (!all) {
            json_decref(j);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the JSONL report");
        }
        rc = json_dumpf(j, out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
        json_decref(j);
        if (rc != 0 || fputc('\n', out) == EOF)
            return ls_error_set(err, LS_ERR_IO, "cannot write the JSONL report");
    }
    if (fflush(out) != 0 || ferror(out))
        return ls_error_set(err, LS_ERR_IO, "cannot write the JSONL report");
    return 0;
}
