/*
 * sarif.c - the report as SARIF 2.1.0 for code-scanning tools (GitHub code
 * scanning and other SARIF consumers): one run, one reportingDescriptor per
 * rule that produced a finding, one result per finding.
 *
 * Locations are relative URIs naming where in the image the secret is:
 *   layer/<index>/<path>     a file as layer <index> stored it ("layer/1/root/.ssh/id_rsa")
 *   config/<Field>           a config field ("config/Env", "config/Labels")
 *   history/<n>              history entry n's created_by
 *   attestation%5B<type>%5D/<JSON pointer>  a string of an attached statement,
 *                            and image.signatures for the signature findings
 *                            (the report's path, encoded)
 * Bytes outside RFC 3986's unreserved set (and "/") are percent-encoded.
 * partialFingerprints carry our fingerprint (rule id + secret), so a result
 * keeps its identity when the secret moves to another layer or line.
 * Suppressed findings (baseline, allowlists, --min-confidence) are results
 * with a "suppressions" entry: a consumer sees them as suppressed, not gone.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/json_util.h"
#include "report/writer.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define FINGERPRINT_KEY "layerscan/v1"

static const char *sarif_level(ls_severity s)
{
    return s >= LS_SEV_HIGH ? "error" : s == LS_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub's security-severity scale (0.0-10.0): critical >= 9, high >= 7. */
static const char *security_severity(ls_severity s)
{
    return s == LS_SEV_CRITICAL ? "9.5" : s == LS_SEV_HIGH ? "8.0" : s == LS_SEV_MEDIUM ? "5.5" : "2.0";
}

/* {"text": text}; NULL when out of memory or text is NULL (its builder failed). */
static json_t *text_obj(const char *text)
{
    json_t *o = text ? json_object() : NULL;
    bool ok = o != NULL;
    ls_json_put(&ok, o, "text", ls_json_str(text));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* "aws-access-key-id" -> "AwsAccessKeyId" (SARIF's name is an identifier). */
static char *pascal_name(const char *id)
{
    char *out = malloc(strlen(id) + 1), *w = out;
    bool up = true;
    if (!out)
        return NULL;
    for (; *id; id++) {
        if (*id == '-' || *id == '_' || *id == '.') {
            up = true;
            continue;
        }
        *w++ = up && *id >= 'a' && *id <= 'z' ? (char)(*id - 'a' + 'A') : *id;
        up = false;
    }
    *w = '\0';
    return out;
}

static void append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (!*buf)
        return;
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *nb = realloc(*buf, ncap);
        if (!nb) {
            free(*buf);
            *buf = NULL;
            return;
        }
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static void append_encoded(char **buf, size_t *len, size_t *cap, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p)) {
            append(buf, len, cap, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            append(buf, len, cap, e, 3);
        }
    }
}

/* The location URI of a finding (see the top of this file). NULL when out of memory. */
char *ls_sarif_uri(const ls_finding *f)
{
    size_t len = 0, cap = 64;
    char *buf = malloc(cap), num[32];
    unsigned long h;
    if (!buf)
        return NULL;
    buf[0] = '\0';
    if (f->source == LS_SOURCE_FILE) {
        snprintf(num, sizeof num, "layer/%ld/", f->layer);
        append(&buf, &len, &cap, num, strlen(num));
        append_encoded(&buf, &len, &cap, f->path[0] == '/' ? f->path + 1 : f->path);
    } else if (f->source == LS_SOURCE_HISTORY && sscanf(f->path, "history[%lu]", &h) == 1) {
        snprintf(num, sizeof num, "history/%lu", h);
        append(&buf, &len, &cap, num, strlen(num));
    } else if (strncmp(f->path, "config.", 7) == 0) {
        append(&buf, &len, &cap, "config/", 7);
        append_encoded(&buf, &len, &cap, f->path + 7);
    } else {
        append_encoded(&buf, &len, &cap, f->path);
    }
    return buf;
}

static char *fate_text(const ls_finding *f)
{
    char buf[96];
    switch (f->status) {
    case LS_STATUS_PRESENT: return strdup("present in the final image");
    case LS_STATUS_METADATA:
        return strdup(f->source == LS_SOURCE_ATTESTATION ? "in an attestation attached to the image"
                      : f->source == LS_SOURCE_SIGNATURE ? "about the image's signatures"
                                                         : "in the image metadata");
    case LS_STATUS_DELETED:
    case LS_STATUS_OVERWRITTEN:
        snprintf(buf, sizeof buf, "%s in layer %ld",
                 f->status == LS_STATUS_DELETED ? "deleted" : "overwritten", f->removed_in_layer);
        return strdup(buf);
    }
    return strdup("");
}

/* "<title> in <where>, <fate>. Introduced by: <instruction>. Secret: <redacted>."
 * NULL when out of memory: a message is never written with a piece missing. */
static json_t *message(const ls_report *r, const ls_finding *f, const ls_write_opts *o)
{
    const ls_rule *rule = ls_ruleset_get(r->rules, f->rule);
    const char *instruction = ls_report_instruction(r, f);
    char *ins = ls_redact_text(r, instruction, o->show_secrets);
    char *secret = ls_redact_evidence(r, f, o->show_secrets);
    const char *label = rule->category == LS_CATEGORY_SECRET ? ". Secret: " : ". Evidence: ";
    char *fate = fate_text(f), where[64], *text = malloc(64), lc[48];
    size_t len = 0, cap = 64;
    json_t *j = NULL;
    if (!text || !fate || !secret || (instruction && !ins))
        goto out;
    text[0] = '\0';
    append(&text, &len, &cap, rule->title, strlen(rule->title));
    append(&text, &len, &cap, " in ", 4);
    if (f->layer >= 0 && f->source == LS_SOURCE_FILE) {
        snprintf(where, sizeof where, "layer %ld ", f->layer);
        append(&text, &len, &cap, where, strlen(where));
    }
    append(&text, &len, &cap, f->path, strlen(f->path));
    snprintf(lc, sizeof lc, ":%llu:%llu, ", (unsigned long long)f->line, (unsigned long long)f->column);
    append(&text, &len, &cap, lc, strlen(lc));
    append(&text, &len, &cap, fate, strlen(fate));
    if (ins) {
        append(&text, &len, &cap, ". Introduced by: ", 17);
        append(&text, &len, &cap, ins, strlen(ins));
    }
    append(&text, &len, &cap, label, strlen(label));
    append(&text, &len, &cap, secret, strlen(secret));
    append(&text, &len, &cap, ".", 1);
    j = text_obj(text);
out:
    free(text);
    free(fate);
    free(secret);
    free(ins);
    return j;
}

static json_t *rule_json(const ls_rule *rule)
{
    json_t *j = json_object(), *cfg = json_object(), *props = json_object(), *tags = json_array();
    char *name = pascal_name(rule->id), *help = NULL;
    size_t len = 0, cap = 128;
    bool ok = j && cfg && props && tags && name;
    if ((help = malloc(cap)) != NULL)
        help[0] = '\0';
    append(&help, &len, &cap, rule->title, strlen(rule->title));
    append(&help, &len, &cap, ". ", 2);
    static const char *const advice[LS_CATEGORY_COUNT] = {
        [LS_CATEGORY_SECRET] = "Revoke and rotate this credential: a file deleted or overwritten in a "
                               "later layer is still in the image, and metadata ships with it.",
        [LS_CATEGORY_TAMPER] = "Find out who built the layer that planted this and rebuild from a trusted "
                               "base: a file deleted or overwritten in a later layer is still in the image.",
        [LS_CATEGORY_HYGIENE] = "Harden the image configuration.",
        [LS_CATEGORY_PROVENANCE] = "Do not deploy an image whose signature does not verify with a key "
                                   "you trust: sign it in the release pipeline."};
    const char *say = (size_t)rule->category < LS_CATEGORY_COUNT ? advice[rule->category] : advice[0];
    append(&help, &len, &cap, say, strlen(say));
    for (size_t i = 0; i < rule->n_references; i++) {
        append(&help, &len, &cap, i == 0 ? " See: " : " ", i == 0 ? 6 : 1);
        append(&help, &len, &cap, rule->references[i], strlen(rule->references[i]));
    }
    ls_json_put(&ok, j, "id", json_string(rule->id));
    ls_json_put(&ok, j, "name", ls_json_str(name));
    ls_json_put(&ok, j, "shortDescription", text_obj(rule->title));
    ls_json_put(&ok, j, "fullDescription", text_obj(rule->title));
    ls_json_put(&ok, j, "help", text_obj(help));
    ls_json_put(&ok, cfg, "level", json_string(sarif_level(rule->severity)));
    ls_json_put(&ok, j, "defaultConfiguration", cfg);
    ls_json_append(&ok, tags, json_string("security"));
    ls_json_append(&ok, tags, json_string(ls_category_name(rule->category)));
    ls_json_put(&ok, props, "tags", tags);
    ls_json_put(&ok, props, "severity", json_string(ls_severity_name(rule->severity)));
    ls_json_put(&ok, props, "confidence", json_string(ls_confidence_name(rule->confidence)));
    ls_json_put(&ok, props, "family", json_string(rule->family));
    ls_json_put(&ok, props, "category", json_string(ls_category_name(rule->category)));
    ls_json_put(&ok, props, "security-severity", json_string(security_severity(rule->severity)));
    ls_json_put(&ok, j, "properties", props);
    free(name);
    free(help);
    if (!ok) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *result_json(const ls_report *r, const ls_finding *f, long rule_index, const char *suppressed_by,
                           const ls_write_opts *o)
{
    const ls_rule *rule = ls_ruleset_get(r->rules, f->rule);
    json_t *j = json_object(), *locs = json_array(), *loc = json_object(), *phys = json_object(),
           *art = json_object(), *region = json_object(), *fp = json_object(), *props = json_object();
    char *uri = ls_sarif_uri(f);
    bool ok = j && locs && loc && phys && art && region && fp && props && uri;
    ls_json_put(&ok, j, "ruleId", json_string(rule->id));
    ls_json_put(&ok, j, "ruleIndex", json_integer(rule_index));
    ls_json_put(&ok, j, "level", json_string(sarif_level(rule->severity)));
    ls_json_put(&ok, j, "message", message(r, f, o));
    ls_json_put(&ok, art, "uri", ls_json_str(uri));
    ls_json_put(&ok, phys, "artifactLocation", art);
    ls_json_put(&ok, region, "startLine", json_integer((json_int_t)(f->line ? f->line : 1)));
    ls_json_put(&ok, region, "startColumn", json_integer((json_int_t)(f->column ? f->column : 1)));
    ls_json_put(&ok, phys, "region", region);
    ls_json_put(&ok, loc, "physicalLocation", phys);
    ls_json_append(&ok, locs, loc);
    ls_json_put(&ok, j, "locations", locs);
    ls_json_put(&ok, fp, FINGERPRINT_KEY, json_string(f->fingerprint));
    ls_json_put(&ok, j, "partialFingerprints", fp);
    if (suppressed_by) {
        json_t *sups = json_array(), *s = json_object();
        if (!sups || !s)
            ok = false;
        ls_json_put(&ok, s, "kind", json_string("external"));
        ls_json_put(&ok, s, "justification", json_string(suppressed_by));
        ls_json_append(&ok, sups, s);
        ls_json_put(&ok, j, "suppressions", sups);
    }
    ls_json_put(&ok, props, "severity", json_string(ls_severity_name(rule->severity)));
    ls_json_put(&ok, props, "confidence", json_string(ls_confidence_name(f->confidence)));
    ls_json_put(&ok, props, "source", json_string(ls_finding_source_name(f->source)));
    ls_json_put(&ok, props, "layer", f->layer >= 0 ? json_integer(f->layer) : json_null());
    ls_json_put(&ok, props, "path", ls_json_str(f->path));
    ls_json_put(&ok, props, "status", json_string(ls_status_name(f->status)));
    ls_json_put(&ok, props, "removed_in_layer",
                f->removed_in_layer >= 0 ? json_integer(f->removed_in_layer) : json_null());
    ls_json_put(&ok, props, "origin", json_string(ls_origin_name(f->origin)));
    ls_json_put_platform(&ok, props, r, f->platform);
    if (f->package >= 0 && (size_t)f->package < r->n_packages) {
        const ls_package *p = &r->packages[f->package];
        ls_json_put(&ok, props, "package",
                    json_pack("{s:s, s:o, s:o}", "manager", p->manager, "name", ls_json_str(p->name), "version",
                              p->version ? ls_json_str(p->version) : json_null()));
    }
    ls_json_put(&ok, j, "properties", props);
    free(uri);
    if (!ok) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static const ls_finding *nth_finding(const ls_report *r, size_t i, const char **suppressed_by)
{
    if (i < r->n_findings) {
        *suppressed_by = NULL;
        return &r->findings[i];
    }
    *suppressed_by = r->suppressed[i - r->n_findings].reason;
    return &r->suppressed[i - r->n_findings].finding;
}

int ls_report_write_sarif(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err)
{
    size_t n = r->n_findings + r->n_suppressed, n_rules = ls_ruleset_count(r->rules);
    long *rule_index = malloc((n_rules ? n_rules : 1) * sizeof *rule_index);
    json_t *root, *runs, *run, *tool, *driver, *rules, *results, *props, *img;
    long next = 0;
    bool ok;
    int rc;
    if (!rule_index)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory writing the SARIF report");
    for (size_t i = 0; i < n_rules; i++)
        rule_index[i] = -1;
    root = json_object();
    runs = json_array();
    run = json_object();
    tool = json_object();
    driver = json_object();
    rules = json_array();
    results = json_array();
    props = json_object();
    img = json_object();
    ok = root && runs && run && tool && driver && rules && results && props && img;
    /* rules in order of first use */
    for (size_t i = 0; i < n; i++) {
        const char *why;
        const ls_finding *f = nth_finding(r, i, &why);
        if (rule_index[f->rule] < 0) {
            rule_index[f->rule] = next++;
            ls_json_append(&ok, rules, rule_json(ls_ruleset_get(r->rules, f->rule)));
        }
        ls_json_append(&ok, results, result_json(r, f, rule_index[f->rule], why, o));
    }
    ls_json_put(&ok, root, "$schema", json_string(SARIF_SCHEMA));
    ls_json_put(&ok, root, "version", json_string("2.1.0"));
    ls_json_put(&ok, driver, "name", json_string("layerscan"));
    ls_json_put(&ok, driver, "version", json_string(LAYERSCAN_VERSION));
    ls_json_put(&ok, driver, "rules", rules);
    ls_json_put(&ok, tool, "driver", driver);
    ls_json_put(&ok, run, "tool", tool);
    ls_json_put(&ok, run, "results", results);
    ls_json_put(&ok, img, "reference", ls_json_str(r->image->reference));
    ls_json_put(&ok, img, "transport", ls_json_str(r->image->transport));
    ls_json_put(&ok, img, "manifest_digest", ls_json_str(r->image->manifest_digest));
    ls_json_put(&ok, img, "config_digest", ls_json_str(r->image->config_digest));
    if (r->n_platforms) {
        json_t *names = json_array();
        for (size_t k = 0; k < r->n_platforms; k++)
            ls_json_append(&ok, names, ls_json_str(r->platforms[k].platform));
        ls_json_put(&ok, img, "platforms", names);
    }
    ls_json_put(&ok, props, "image", img);
    ls_json_put(&ok, props, "suppressed", json_integer((json_int_t)r->n_suppressed));
    ls_json_put(&ok, props, "errors", json_integer((json_int_t)r->n_errors));
    ls_json_put(&ok, run, "properties", props);
    ls_json_append(&ok, runs, run);
    ls_json_put(&ok, root, "runs", runs);
    free(rule_index);
    if (!ok) {
        /* nothing written: a SARIF file with a result missing would pass for a complete one */
        json_decref(root);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory building the SARIF report");
    }
    rc = ls_json_dump(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII, "SARIF report", err);
    json_decref(root);
    if (rc == 0 && fflush(out) != 0)
        rc = ls_error_set(err, LS_ERR_IO, "cannot write the SARIF report");
    return rc;
}
