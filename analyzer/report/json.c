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

/* --platform all: "platform" on an entry of image k; nothing in the report
 * of one image (the contract's fields only grow where they mean something). */
void ls_json_put_platform(bool *ok, json_t *o, const ls_report *r, size_t k)
{
    if (r->n_platforms == 0)
        return;
    ls_json_put(ok, o, "platform",
                ls_json_str(k < r->n_platforms ? r->platforms[k].platform : NULL));
}

static json_t *platforms_json(const ls_report *r, bool *ok)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_platforms; i++) {
        const ls_platform_report *p = &r->platforms[i];
        json_t *j = json_object();
        ls_json_put(ok, j, "platform", ls_json_str(p->platform));
        ls_json_put(ok, j, "os", ls_json_str(p->os));
        ls_json_put(ok, j, "architecture", ls_json_str(p->architecture));
        ls_json_put(ok, j, "variant", ls_json_str(p->variant));
        ls_json_put(ok, j, "manifest_digest", ls_json_str(p->manifest_digest));
        ls_json_put(ok, j, "config_digest", ls_json_str(p->config_digest));
        ls_json_put(ok, j, "created", ls_json_str(p->created));
        ls_json_put(ok, j, "first_layer", index_or_null(p->first_layer));
        ls_json_put(ok, j, "layers", json_integer((json_int_t)p->n_layers));
        ls_json_put(ok, j, "first_history", index_or_null(p->first_history));
        ls_json_put(ok, j, "history", json_integer((json_int_t)p->n_history));
        ls_json_append(ok, a, j);
    }
    return a;
}

/* Takes ownership of s, a redacted copy of src (NULL stays null): NULL when
 * the copy could not be made or the string allocated. */
static json_t *owned_str(const char *src, char *s)
{
    json_t *j = src && !s ? NULL : ls_json_str(s);
    free(s);
    return j;
}

void ls_json_put(bool *ok, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v) != 0)
        *ok = false;
}

void ls_json_append(bool *ok, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v) != 0)
        *ok = false;
}

int ls_json_dump(const json_t *root, FILE *out, size_t flags, const char *what, ls_error *err)
{
    /* jansson says -1 for a failed write and for a failed allocation alike */
    if (json_dumpf(root, out, flags) == 0 && fputc('\n', out) != EOF)
        return 0;
    if (ferror(out))
        return ls_error_set(err, LS_ERR_IO, "cannot write the %s", what);
    return ls_error_set(err, LS_ERR_NOMEM, "out of memory writing the %s", what);
}

static json_t *tool_json(const ls_report *r, bool *ok)
{
    json_t *t = json_object();
    ls_json_put(ok, t, "name", json_string("layerscan"));
    ls_json_put(ok, t, "version", json_string(LAYERSCAN_VERSION));
    ls_json_put(ok, t, "rules", json_integer((json_int_t)ls_ruleset_count(r->rules)));
    return t;
}

static json_t *attestations_json(const ls_report *r, bool *ok)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_attestations; i++) {
        const ls_attestation_report *s = &r->attestations[i];
        json_t *j = json_object();
        ls_json_put(ok, j, "manifest", ls_json_str(s->manifest));
        ls_json_put(ok, j, "digest", ls_json_str(s->digest));
        ls_json_put(ok, j, "media_type", ls_json_str(s->media_type));
        ls_json_put(ok, j, "predicate_type", ls_json_str(s->predicate_type));
        ls_json_put(ok, j, "source", ls_json_str(s->source));
        ls_json_put(ok, j, "strings", json_integer((json_int_t)s->strings));
        ls_json_put_platform(ok, j, r, s->platform);
        ls_json_append(ok, a, j);
    }
    return a;
}

static json_t *verified_json(int v)
{
    return v < 0 ? json_null() : json_boolean(v);
}

static json_t *signatures_json(const ls_report *r, bool *ok)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_signatures; i++) {
        const ls_signature_report *s = &r->signatures[i];
        json_t *j = json_object();
        ls_json_put(ok, j, "kind", ls_json_str(s->kind));
        ls_json_put(ok, j, "source", ls_json_str(s->source));
        ls_json_put(ok, j, "digest", ls_json_str(s->digest));
        ls_json_put(ok, j, "verified", verified_json(s->verified));
        ls_json_put(ok, j, "key", ls_json_str(s->key));
        ls_json_put(ok, j, "error", ls_json_str(s->error));
        ls_json_put_platform(ok, j, r, s->platform);
        ls_json_append(ok, a, j);
    }
    return a;
}

static json_t *image_json(const ls_report *r, bool *ok)
{
    const ls_image *img = r->image;
    json_t *o = json_object();
    ls_json_put(ok, o, "reference", ls_json_str(img->reference));
    ls_json_put(ok, o, "transport", ls_json_str(img->transport));
    ls_json_put(ok, o, "manifest_digest", ls_json_str(img->manifest_digest));
    ls_json_put(ok, o, "config_digest", ls_json_str(img->config_digest));
    ls_json_put(ok, o, "os", ls_json_str(img->os));
    ls_json_put(ok, o, "architecture", ls_json_str(img->architecture));
    ls_json_put(ok, o, "variant", ls_json_str(img->variant));
    ls_json_put(ok, o, "created", ls_json_str(img->created));
    ls_json_put(ok, o, "signatures", signatures_json(r, ok));
    ls_json_put(ok, o, "attestations", attestations_json(r, ok));
    if (r->n_platforms)
        ls_json_put(ok, o, "platforms", platforms_json(r, ok));
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
        ls_json_put(ok, j, "index", json_integer(l->index));
        ls_json_put(ok, j, "digest", ls_json_str(l->digest));
        ls_json_put(ok, j, "diff_id", ls_json_str(l->diff_id));
        ls_json_put(ok, j, "media_type", ls_json_str(l->media_type));
        ls_json_put(ok, j, "compression", ls_json_str(l->compression));
        ls_json_put(ok, j, "compressed_bytes", json_integer((json_int_t)l->compressed_bytes));
        ls_json_put(ok, j, "bytes", json_integer((json_int_t)l->bytes));
        ls_json_put(ok, j, "history", index_or_null(l->history));
        ls_json_put(ok, j, "instruction",
                            owned_str(history_instruction(r, l->history),
                                  ls_redact_text(r, history_instruction(r, l->history), o->show_secrets)));
        ls_json_put(ok, j, "created", ls_json_str(created));
        ls_json_put(ok, j, "entries", json_integer((json_int_t)l->entries));
        ls_json_put(ok, j, "whiteouts", json_integer((json_int_t)l->whiteouts));
        ls_json_put(ok, j, "digest_verified", json_boolean(l->digest_verified));
        ls_json_put_platform(ok, j, r, l->platform);
        ls_json_append(ok, a, j);
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
        ls_json_put(ok, j, "index", json_integer(h->index));
        ls_json_put(ok, j, "created_by", owned_str(e->created_by, ls_redact_text(r, e->created_by, o->show_secrets)));
        ls_json_put(ok, j, "instruction", owned_str(h->instruction, ls_redact_text(r, h->instruction, o->show_secrets)));
        ls_json_put(ok, j, "empty_layer", json_boolean(e->empty_layer));
        ls_json_put(ok, j, "layer", index_or_null(h->layer));
        ls_json_put(ok, j, "created", ls_json_str(e->created));
        for (size_t k = 0; k < h->n_build_args; k++)
            ls_json_append(ok, args, owned_str(h->build_args[k], ls_redact_text(r, h->build_args[k], o->show_secrets)));
        ls_json_put(ok, j, "build_args", args);
        ls_json_put_platform(ok, j, r, h->platform);
        ls_json_append(ok, a, j);
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
    ls_json_put(ok, j, key, json_string(b64));
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
    ls_json_put(ok, j, "rule", json_string(rule->id));
    ls_json_put(ok, j, "title", json_string(rule->title));
    ls_json_put(ok, j, "family", json_string(rule->family));
    ls_json_put(ok, j, "category", json_string(ls_category_name(rule->category)));
    ls_json_put(ok, j, "severity", json_string(ls_severity_name(rule->severity)));
    ls_json_put(ok, j, "confidence", json_string(ls_confidence_name(f->confidence)));
    ls_json_put(ok, j, "source", json_string(ls_finding_source_name(f->source)));
    ls_json_put(ok, j, "layer", index_or_null(f->layer));
    ls_json_put(ok, j, "history", index_or_null(f->history));
    ls_json_put(ok, j, "instruction",
                        owned_str(ls_report_instruction(r, f),
                      ls_redact_text(r, ls_report_instruction(r, f), o->show_secrets)));
    ls_json_put(ok, j, "path", ls_json_str(f->path));
    add_raw_bytes(j, "path", f->path, ok);
    ls_json_put(ok, j, "line", json_integer((json_int_t)f->line));
    ls_json_put(ok, j, "column", json_integer((json_int_t)f->column));
    ls_json_put(ok, j, "offset", json_integer((json_int_t)f->offset));
    ls_json_put(ok, j, "status", json_string(ls_status_name(f->status)));
    ls_json_put(ok, j, "removed_in_layer", index_or_null(f->removed_in_layer));
    ls_json_put(ok, j, "secret", owned_str(f->secret, ls_redact_evidence(r, f, o->show_secrets)));
    if (o->show_secrets)
        add_raw_bytes(j, "secret", f->secret, ok);
    ls_json_put(ok, j, "fingerprint", json_string(f->fingerprint));
    ls_json_put(ok, j, "validation", json_string(f->validation));
    ls_json_put(ok, j, "origin", json_string(ls_origin_name(f->origin)));
    ls_json_put(ok, j, "package", package_json(r, f));
    ls_json_put_platform(ok, j, r, f->platform);
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
        ls_json_put(ok, j, "layer", index_or_null(e->layer));
        ls_json_put(ok, j, "path", ls_json_str(e->path));
        ls_json_put(ok, j, "message", ls_json_str(e->message));
        ls_json_put_platform(ok, j, r, e->platform);
        ls_json_append(ok, a, j);
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
        ls_json_put(ok, j, "suppressed_by", json_string(r->suppressed[i].reason));
        ls_json_append(ok, a, j);
    }
    return a;
}

static json_t *stats_json(const ls_report *r, bool *ok)
{
    json_t *j = json_object();
    ls_json_put(ok, j, "layers", json_integer((json_int_t)r->n_layers));
    ls_json_put(ok, j, "entries", json_integer((json_int_t)r->entries));
    ls_json_put(ok, j, "bytes_scanned", json_integer((json_int_t)r->bytes_scanned));
    ls_json_put(ok, j, "findings", json_integer((json_int_t)r->n_findings));
    ls_json_put(ok, j, "suppressed", json_integer((json_int_t)r->n_suppressed));
    ls_json_put(ok, j, "seconds", json_real(r->seconds));
    if (r->n_platforms) {
        ls_json_put(ok, j, "platforms", json_integer((json_int_t)r->n_platforms));
        ls_json_put(ok, j, "layers_read", json_integer((json_int_t)r->layers_read));
        ls_json_put(ok, j, "layers_reused", json_integer((json_int_t)r->layers_reused));
    }
    return j;
}

json_t *ls_report_json(const ls_report *r, const ls_write_opts *o)
{
    json_t *root = json_object(), *findings = json_array();
    bool all = root && findings, *ok = &all;
    ls_json_put(ok, root, "report_version", json_integer(REPORT_VERSION));
    ls_json_put(ok, root, "tool", tool_json(r, ok));
    ls_json_put(ok, root, "image", image_json(r, ok));
    ls_json_put(ok, root, "layers", layers_json(r, o, ok));
    ls_json_put(ok, root, "history", history_json(r, o, ok));
    for (size_t i = 0; i < r->n_findings; i++)
        ls_json_append(ok, findings, ls_json_finding(r, &r->findings[i], o));
    ls_json_put(ok, root, "findings", findings);
    ls_json_put(ok, root, "errors", errors_json(r, ok));
    ls_json_put(ok, root, "suppressed", suppressed_json(r, o, ok));
    ls_json_put(ok, root, "stats", stats_json(r, ok));
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
    rc = ls_json_dump(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII, "JSON report", err);
    json_decref(root);
    return rc;
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
        ls_json_put(&all, j, "image", image_json(r, &all));
        ls_json_put(&all, j, "layer_digest", ls_json_str(l ? l->digest : NULL));
        ls_json_put(&all, j, "layer_diff_id", ls_json_str(l ? l->diff_id : NULL));
        if (!all) {
            json_decref(j);
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the JSONL report");
        }
        rc = ls_json_dump(j, out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII, "JSONL report", err);
        json_decref(j);
        if (rc != 0)
            return -1;
    }
    if (fflush(out) != 0 || ferror(out))
        return ls_error_set(err, LS_ERR_IO, "cannot write the JSONL report");
    return 0;
}
