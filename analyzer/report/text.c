/*
 * text.c - the report for people: findings grouped by layer, each layer
 * headed by its index, short digest, size and instruction, each finding with
 * severity, title, path:line, its fate in words and the (redacted) secret.
 * Everything the image chose is printed through ls_fputs_escaped().
 */
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/writer.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

typedef struct {
    const ls_report *r;
    FILE *out;
    const ls_write_opts *o;
} text_ctx;

static const char *color(const text_ctx *t, const char *code)
{
    return t->o->color ? code : "";
}

static const char *severity_color(ls_severity s)
{
    return s >= LS_SEV_HIGH ? C_RED : s == LS_SEV_MEDIUM ? C_YELLOW : C_CYAN;
}

static void put_redacted(const text_ctx *t, const char *text)
{
    char *red = ls_redact_text(t->r, text, t->o->show_secrets);
    ls_fputs_escaped(red ? red : "", t->out);
    free(red);
}

/* "[linux/arm64] " before what belongs to one image of a --platform all
 * report; nothing in the report of one image. */
static void put_platform(const text_ctx *t, size_t k)
{
    const char *name = k < t->r->n_platforms ? t->r->platforms[k].platform : NULL;
    if (t->r->n_platforms == 0)
        return;
    fputc('[', t->out);
    ls_fputs_escaped(name ? name : "?", t->out);
    fputs("] ", t->out);
}

static void print_header(const text_ctx *t)
{
    const ls_image *img = t->r->image;
    fprintf(t->out, "%slayerscan %s%s: ", color(t, C_BOLD), LAYERSCAN_VERSION, color(t, C_RESET));
    ls_fputs_escaped(img->reference ? img->reference : "", t->out);
    fprintf(t->out, " (%s", img->transport ? img->transport : "?");
    if (img->os && img->architecture) {
        fputs(", ", t->out);
        ls_fputs_escaped(img->os, t->out);
        fputc('/', t->out);
        ls_fputs_escaped(img->architecture, t->out);
    }
    if (t->r->n_platforms) {
        fprintf(t->out, ", %zu platform%s:", t->r->n_platforms, t->r->n_platforms == 1 ? "" : "s");
        for (size_t k = 0; k < t->r->n_platforms; k++) {
            fputc(' ', t->out);
            ls_fputs_escaped(t->r->platforms[k].platform ? t->r->platforms[k].platform : "?", t->out);
        }
    }
    fprintf(t->out, ")\n%zu layer%s, %zu finding%s, %zu error%s\n", t->r->n_layers,
            t->r->n_layers == 1 ? "" : "s", t->r->n_findings, t->r->n_findings == 1 ? "" : "s",
            t->r->n_errors, t->r->n_errors == 1 ? "" : "s");
}

static void print_layer_heading(const text_ctx *t, const ls_layer_report *l)
{
    char size[32];
    const char *ins = ls_report_layer_instruction(t->r, l->index);
    ls_report_human_size(l->bytes, size, sizeof size);
    fprintf(t->out, "\n%sLayer %ld%s  ", color(t, C_BOLD), l->index, color(t, C_RESET));
    put_platform(t, l->platform);
    if (l->digest) {
        char shortd[20];
        snprintf(shortd, sizeof shortd, "%s", l->digest); /* the manifest chose it: escape it too */
        ls_fputs_escaped(shortd, t->out);
        fputs("  ", t->out);
    }
    fprintf(t->out, "%s", size);
    if (!l->digest_verified)
        fprintf(t->out, "  %s[not verified]%s", color(t, C_RED), color(t, C_RESET));
    if (ins) {
        fputs("  ", t->out);
        put_redacted(t, ins);
    }
    fputc('\n', t->out);
}

static void print_fate(const text_ctx *t, const ls_finding *f)
{
    const char *ins = ls_report_layer_instruction(t->r, f->removed_in_layer);
    switch (f->status) {
    case LS_STATUS_PRESENT:
        fputs("present in the final image", t->out);
        return;
    case LS_STATUS_METADATA:
        fputs(f->source == LS_SOURCE_ATTESTATION ? "in an attestation attached to the image"
              : f->source == LS_SOURCE_SIGNATURE ? "about the image's signatures"
                                                 : "in the image metadata", t->out);
        break;
    case LS_STATUS_DELETED:
    case LS_STATUS_OVERWRITTEN:
        fprintf(t->out, "%s in layer %ld", f->status == LS_STATUS_DELETED ? "deleted" : "overwritten",
                f->removed_in_layer);
        if (ins) {
            fputs(" by: ", t->out);
            put_redacted(t, ins);
        }
        return;
    }
    if (f->history >= 0 && ls_report_instruction(t->r, f)) {
        fputs(", set by: ", t->out);
        put_redacted(t, ls_report_instruction(t->r, f));
    }
}

static void print_finding(const text_ctx *t, const ls_finding *f)
{
    const ls_rule *rule = ls_ruleset_get(t->r->rules, f->rule);
    char sev[16];
    size_t i;
    char *secret = ls_redact_evidence(t->r, f, t->o->show_secrets);
    for (i = 0; rule && ls_severity_name(rule->severity)[i] && i + 1 < sizeof sev; i++)
        sev[i] = (char)(ls_severity_name(rule->severity)[i] - 'a' + 'A');
    sev[i] = '\0';
    fprintf(t->out, "  %s%-8s%s  ", color(t, severity_color(rule->severity)), sev, color(t, C_RESET));
    if (f->layer < 0)
        put_platform(t, f->platform); /* a layer's heading names it */
    ls_fputs_escaped(rule->title, t->out);
    fputs("  ", t->out);
    ls_fputs_escaped(f->path, t->out);
    fprintf(t->out, ":%llu:%llu\n            ", (unsigned long long)f->line, (unsigned long long)f->column);
    print_fate(t, f);
    fprintf(t->out, "\n            %s%s:%s ", color(t, C_DIM),
            rule->category == LS_CATEGORY_SECRET ? "secret" : "evidence", color(t, C_RESET));
    ls_fputs_escaped(secret ? secret : "", t->out);
    fprintf(t->out, "  %s(%s)%s\n", color(t, C_DIM), rule->id, color(t, C_RESET));
    free(secret);
}

static void print_errors(const text_ctx *t)
{
    if (t->r->n_errors == 0)
        return;
    fprintf(t->out, "\n%sErrors%s\n", color(t, C_BOLD), color(t, C_RESET));
    for (size_t i = 0; i < t->r->n_errors; i++) {
        const ls_report_error *e = &t->r->errors[i];
        fputs("  ", t->out);
        put_platform(t, e->platform);
        if (e->layer >= 0)
            fprintf(t->out, "layer %ld: ", e->layer);
        if (e->path) {
            ls_fputs_escaped(e->path, t->out);
            fputs(": ", t->out);
        }
        ls_fputs_escaped(e->message, t->out);
        fputc('\n', t->out);
    }
}

/* Vendor and third-party findings, counted whether suppressed or not. */
static void print_origins(const ls_report *r, FILE *out)
{
    size_t vendor = ls_report_count_origin(r, LS_ORIGIN_VENDOR, -1);
    size_t third = ls_report_count_origin(r, LS_ORIGIN_THIRD_PARTY, -1);
    size_t made = ls_report_count_origin(r, LS_ORIGIN_GENERATED, -1);
    if (vendor || third)
        fprintf(out, "Vendor: %zu finding%s in files whose bytes match their package database, %zu in "
                     "dependencies' tests, fixtures, examples or docs (third-party)\n",
                vendor, vendor == 1 ? "" : "s", third);
    /* not leaked credentials, but every container of the image shares them */
    if (made)
        fprintf(out, "Generated: %zu key%s made by package install scripts while the image was built "
                     "(host keys, snakeoil certificates): every container of this image shares %s\n",
                made, made == 1 ? "" : "s", made == 1 ? "it" : "them");
}

static void print_summary(const text_ctx *t)
{
    size_t sev[4] = {0}, st[4] = {0};
    for (size_t i = 0; i < t->r->n_findings; i++) {
        const ls_finding *f = &t->r->findings[i];
        sev[ls_ruleset_get(t->r->rules, f->rule)->severity]++;
        st[f->status]++;
    }
    fprintf(t->out, "\nSummary: %zu finding%s (%zu critical, %zu high, %zu medium, %zu low); "
                    "%zu present, %zu deleted, %zu overwritten, %zu in metadata\n",
            t->r->n_findings, t->r->n_findings == 1 ? "" : "s", sev[LS_SEV_CRITICAL], sev[LS_SEV_HIGH],
            sev[LS_SEV_MEDIUM], sev[LS_SEV_LOW], st[LS_STATUS_PRESENT], st[LS_STATUS_DELETED],
            st[LS_STATUS_OVERWRITTEN], st[LS_STATUS_METADATA]);
    if (t->r->n_suppressed)
        fprintf(t->out, "Suppressed: %zu finding%s (vendor, third-party, baseline, allowlist or --min-confidence; "
                        "listed in the JSON report)\n",
                t->r->n_suppressed, t->r->n_suppressed == 1 ? "" : "s");
    print_origins(t->r, t->out);
}

/* The statements attached to the image, then the findings in them. */
static void print_attestations(const text_ctx *t)
{
    const ls_report *r = t->r;
    if (r->n_attestations == 0)
        return;
    fprintf(t->out, "\n%sAttestations%s\n", color(t, C_BOLD), color(t, C_RESET));
    for (size_t i = 0; i < r->n_attestations; i++) {
        const ls_attestation_report *a = &r->attestations[i];
        char shortd[20];
        fputs("  ", t->out);
        ls_fputs_escaped(a->predicate_type ? a->predicate_type : "(no predicate type)", t->out);
        snprintf(shortd, sizeof shortd, "%s", a->digest ? a->digest : "?");
        fputs("  ", t->out);
        ls_fputs_escaped(shortd, t->out);
        fprintf(t->out, "  (%s, %llu strings)\n", a->source, (unsigned long long)a->strings);
    }
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].source == LS_SOURCE_ATTESTATION)
            print_finding(t, &r->findings[i]);
}

/* The image's signatures, each with whether a given key verified it. */
static void print_signatures(const text_ctx *t)
{
    const ls_report *r = t->r;
    if (r->n_signatures == 0)
        return;
    fprintf(t->out, "\n%sSignatures%s\n", color(t, C_BOLD), color(t, C_RESET));
    for (size_t i = 0; i < r->n_signatures; i++) {
        const ls_signature_report *s = &r->signatures[i];
        char shortd[20];
        snprintf(shortd, sizeof shortd, "%s", s->digest ? s->digest : "?");
        fprintf(t->out, "  %s %s  ", s->kind, s->source);
        ls_fputs_escaped(shortd, t->out);
        if (s->verified < 0)
            fputs("  not verified (no --verify-key)", t->out);
        else if (s->verified) {
            fputs("  verified with ", t->out);
            ls_fputs_escaped(s->key ? s->key : "?", t->out);
        } else {
            fprintf(t->out, "  %sNOT verified%s", color(t, C_RED), color(t, C_RESET));
        }
        if (s->error) {
            fputs(": ", t->out);
            ls_fputs_escaped(s->error, t->out);
        }
        fputc('\n', t->out);
    }
}

/* Nothing to report: one line, so a clean CI log stays one line. */
static void print_clean(const text_ctx *t)
{
    const ls_image *img = t->r->image;
    fputs("layerscan: ", t->out);
    ls_fputs_escaped(img->reference ? img->reference : "", t->out);
    fprintf(t->out, ": %zu layer%s, no findings", t->r->n_layers, t->r->n_layers == 1 ? "" : "s");
    if (t->r->n_suppressed)
        fprintf(t->out, " (%zu suppressed)", t->r->n_suppressed);
    if (t->r->n_signatures) {
        size_t verified = 0;
        for (size_t i = 0; i < t->r->n_signatures; i++)
            verified += t->r->signatures[i].verified > 0;
        fprintf(t->out, ", %zu signature%s (%zu verified)", t->r->n_signatures,
                t->r->n_signatures == 1 ? "" : "s", verified);
    }
    fputc('\n', t->out);
}

int ls_report_write_text(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err)
{
    text_ctx t = {.r = r, .out = out, .o = o};
    size_t i = 0;
    if (r->n_findings == 0 && r->n_errors == 0) {
        print_clean(&t);
        goto flush;
    }
    print_header(&t);
    for (size_t l = 0; l < r->n_layers; l++) {
        bool any = false;
        for (size_t k = i; k < r->n_findings && r->findings[k].layer == (long)l; k++)
            any = true;
        if (!any)
            continue;
        print_layer_heading(&t, &r->layers[l]);
        for (; i < r->n_findings && r->findings[i].layer == (long)l; i++)
            print_finding(&t, &r->findings[i]);
    }
    /* findings of layers without a heading above (none expected) and
     * metadata; attestation findings under their attestations */
    {
        bool heading = false;
        for (; i < r->n_findings; i++) {
            if (r->findings[i].source == LS_SOURCE_ATTESTATION)
                continue;
            if (!heading)
                fprintf(out, "\n%sImage metadata (history and config)%s\n", color(&t, C_BOLD),
                        color(&t, C_RESET));
            heading = true;
            print_finding(&t, &r->findings[i]);
        }
    }
    print_attestations(&t);
    print_signatures(&t);
    print_errors(&t);
    print_summary(&t);
flush:
    if (fflush(out) != 0 || ferror(out))
        return ls_error_set(err, LS_ERR_IO, "cannot write the report");
    return 0;
}
