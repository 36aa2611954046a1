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
        return json_null();
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
    return j ? j : json_null();
}

static json_t *index_or_null(long i)
{
    return i >= 0 ? json_integer(i) : json_null();
}

/* Takes ownership of a redacted copy (NULL stays null). */
static json_t *owned_str(char *s)
{
    json_t *j = ls_json_str(s);
    free(s);
    return j;
}

static json_t *tool_json(const ls_report *r)
{
    json_t *t = json_object();
    json_object_set_new(t, "name", json_string("layerscan"));
    json_object_set_new(t, "version", json_string(LAYERSCAN_VERSION));
    json_object_set_new(t, "rules", json_integer((json_int_t)ls_ruleset_count(r->rules)));
    return t;
}

static json_t *image_json(const ls_report *r)
{
    const ls_image *img = r->image;
    json_t *o = json_object();
    json_object_set_new(o, "reference", ls_json_str(img->reference));
    json_object_set_new(o, "transport", ls_json_str(img->transport));
    json_object_set_new(o, "manifest_digest", ls_json_str(img->manifest_digest));
    json_object_set_new(o, "config_digest", ls_json_str(img->config_digest));
    json_object_set_new(o, "os", ls_json_str(img->os));
    json_object_set_new(o, "architecture", ls_json_str(img->architecture));
    json_object_set_new(o, "variant", ls_json_str(img->variant));
    json_object_set_new(o, "created", ls_json_str(img->created));
    return o;
}

static const char *history_instruction(const ls_report *r, long h)
{
    return h >= 0 && (size_t)h < r->n_history ? r->history[h].instruction : NULL;
}

static json_t *layers_json(const ls_report *r, const ls_write_opts *o)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_layers; i++) {
        const ls_layer_report *l = &r->layers[i];
        const char *created = l->history >= 0 ? r->image->history[l->history].created : NULL;
        json_t *j = json_object();
        json_object_set_new(j, "index", json_integer(l->index));
        json_object_set_new(j, "digest", ls_json_str(l->digest));
        json_object_set_new(j, "diff_id", ls_json_str(l->diff_id));
        json_object_set_new(j, "media_type", ls_json_str(l->media_type));
        json_object_set_new(j, "compression", ls_json_str(l->compression));
        json_object_set_new(j, "compressed_bytes", json_integer((json_int_t)l->compressed_bytes));
        json_object_set_new(j, "bytes", json_integer((json_int_t)l->bytes));
        json_object_set_new(j, "history", index_or_null(l->history));
        json_object_set_new(j, "instruction",
                            owned_str(ls_redact_text(r, history_instruction(r, l->history), o->show_secrets)));
        json_object_set_new(j, "created", ls_json_str(created));
        json_object_set_new(j, "entries", json_integer((json_int_t)l->entries));
        json_object_set_new(j, "whiteouts", json_integer((json_int_t)l->whiteouts));
        json_object_set_new(j, "digest_verified", json_boolean(l->digest_verified));
        json_array_append_new(a, j);
    }
    return a;
}

static json_t *history_json(const ls_report *r, const ls_write_opts *o)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_history; i++) {
        const ls_history_report *h = &r->history[i];
        const ls_history_entry *e = &r->image->history[i];
        json_t *j = json_object(), *args = json_array();
        json_object_set_new(j, "index", json_integer(h->index));
        json_object_set_new(j, "created_by", owned_str(ls_redact_text(r, e->created_by, o->show_secrets)));
        json_object_set_new(j, "instruction", owned_str(ls_redact_text(r, h->instruction, o->show_secrets)));
        json_object_set_new(j, "empty_layer", json_boolean(e->empty_layer));
        json_object_set_new(j, "layer", index_or_null(h->layer));
        json_object_set_new(j, "created", ls_json_str(e->created));
        for (size_t k = 0; k < h->n_build_args; k++)
            json_array_append_new(args, owned_str(ls_redact_text(r, h->build_args[k], o->show_secrets)));
        json_object_set_new(j, "build_args", args);
        json_array_append_new(a, j);
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
static void add_raw_bytes(json_t *j, const char *name, const char *s)
{
    size_t len = strlen(s);
    char key[64];
    char *b64;
    if (valid_utf8(s))
        return;
    b64 = malloc(4 * ((len + 2) / 3) + 1);
    if (!b64)
        return;
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)s, (int)len);
    snprintf(key, sizeof key, "%s_base64", name);
    json_object_set_new(j, key, json_string(b64));
    free(b64);
}

json_t *ls_json_finding(const ls_report *r, const ls_finding *f, const ls_write_opts *o)
{
    const ls_rule *rule = ls_ruleset_get(r->rules, f->rule);
    json_t *j = json_object();
    json_object_set_new(j, "rule", json_string(rule->id));
    json_object_set_new(j, "title", json_string(rule->title));
    json_object_set_new(j, "severity", json_string(ls_severity_name(rule->severity)));
    json_object_set_new(j, "confidence", json_string(ls_confidence_name(f->confidence)));
    json_object_set_new(j, "source", json_string(ls_finding_source_name(f->source)));
    json_object_set_new(j, "layer", index_or_null(f->layer));
    json_object_set_new(j, "history", index_or_null(f->history));
    json_object_set_new(j, "instruction",
                        owned_str(ls_redact_text(r, ls_report_instruction(r, f), o->show_secrets)));
    json_object_set_new(j, "path", ls_json_str(f->path));
    add_raw_bytes(j, "path", f->path);
    json_object_set_new(j, "line", json_integer((json_int_t)f->line));
    json_object_set_new(j, "column", json_integer((json_int_t)f->column));
    json_object_set_new(j, "offset", json_integer((json_int_t)f->offset));
    json_object_set_new(j, "status", json_string(ls_status_name(f->status)));
    json_object_set_new(j, "removed_in_layer", index_or_null(f->removed_in_layer));
    json_object_set_new(j, "secret",
                        o->show_secrets ? ls_json_str(f->secret) : owned_str(ls_redact_secret(f->secret)));
    if (o->show_secrets)
        add_raw_bytes(j, "secret", f->secret);
    json_object_set_new(j, "fingerprint", json_string(f->fingerprint));
    json_object_set_new(j, "validation", json_string(f->validation));
    return j;
}

static json_t *errors_json(const ls_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_errors; i++) {
        const ls_report_error *e = &r->errors[i];
        json_t *j = json_object();
        json_object_set_new(j, "layer", index_or_null(e->layer));
        json_object_set_new(j, "path", ls_json_str(e->path));
        json_object_set_new(j, "message", ls_json_str(e->message));
        json_array_append_new(a, j);
    }
    return a;
}

/* Findings a baseline, the config or --min-confidence kept out of findings[]:
 * the finding object plus "suppressed_by". */
static json_t *suppressed_json(const ls_report *r, const ls_write_opts *o)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_suppressed; i++) {
        json_t *j = ls_json_finding(r, &r->suppressed[i].finding, o);
        json_object_set_new(j, "suppressed_by", json_string(r->suppressed[i].reason));
        json_array_append_new(a, j);
    }
    return a;
}

static json_t *stats_json(const ls_report *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "layers", json_integer((json_int_t)r->n_layers));
    json_object_set_new(j, "entries", json_integer((json_int_t)r->entries));
    json_object_set_new(j, "bytes_scanned", json_integer((json_int_t)r->bytes_scanned));
    json_object_set_new(j, "findings", json_integer((json_int_t)r->n_findings));
    json_object_set_new(j, "suppressed", json_integer((json_int_t)r->n_suppressed));
    json_object_set_new(j, "seconds", json_real(r->seconds));
    return j;
}

json_t *ls_report_json(const ls_report *r, const ls_write_opts *o)
{
    json_t *root = json_object(), *findings = json_array();
    json_object_set_new(root, "report_version", json_integer(REPORT_VERSION));
    json_object_set_new(root, "tool", tool_json(r));
    json_object_set_new(root, "image", image_json(r));
    json_object_set_new(root, "layers", layers_json(r, o));
    json_object_set_new(root, "history", history_json(r, o));
    for (size_t i = 0; i < r->n_findings; i++)
        json_array_append_new(findings, ls_json_finding(r, &r->findings[i], o));
    json_object_set_new(root, "findings", findings);
    json_object_set_new(root, "errors", errors_json(r));
    json_object_set_new(root, "suppressed", suppressed_json(r, o));
    json_object_set_new(root, "stats", stats_json(r));
    return root;
}

int ls_report_write_json(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err)
{
    json_t *root = ls_report_json(r, o);
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
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
        int rc;
        json_object_set_new(j, "image", image_json(r));
        json_object_set_new(j, "layer_digest", ls_json_str(l ? l->digest : NULL));
        json_object_set_new(j, "layer_diff_id", ls_json_str(l ? l->diff_id : NULL));
        rc = json_dumpf(j, out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
        json_decref(j);
        if (rc != 0 || fputc('\n', out) == EOF)
            return ls_error_set(err, LS_ERR_IO, "cannot write the JSONL report");
    }
    if (fflush(out) != 0 || ferror(out))
        return ls_error_set(err, LS_ERR_IO, "cannot write the JSONL report");
    return 0;
}
