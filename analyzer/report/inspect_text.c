/*
 * inspect_text.c - the incident-response views of a scan report: the layer
 * inventory (`layerscan layers`) and the Dockerfile reconstructed from the
 * history, annotated with findings (`layerscan history`). Text for people:
 * every image-chosen string is redacted unless asked and escaped.
 */
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/writer.h"

static void put_redacted(const ls_report *r, const char *text, const ls_write_opts *o, FILE *out)
{
    char *red = ls_redact_text(r, text, o->show_secrets);
    ls_fputs_escaped(red ? red : "", out);
    free(red);
}

static const char *instruction_of(const ls_report *r, long h)
{
    return h >= 0 && (size_t)h < r->n_history ? r->history[h].instruction : NULL;
}

int ls_report_write_layers(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err)
{
    fprintf(out, "%-5s  %-10s  %-10s  %-7s  %-9s  %-8s  %-71s  %-71s  %s\n", "LAYER", "COMPRESSED", "BYTES",
            "ENTRIES", "WHITEOUTS", "VERIFIED", "DIGEST", "DIFF_ID", "INSTRUCTION");
    for (size_t i = 0; i < r->n_layers; i++) {
        const ls_layer_report *l = &r->layers[i];
        const char *ins = instruction_of(r, l->history);
        fprintf(out, "%-5ld  %-10llu  %-10llu  %-7llu  %-9llu  %-8s  ", l->index,
                (unsigned long long)l->compressed_bytes, (unsigned long long)l->bytes,
                (unsigned long long)l->entries, (unsigned long long)l->whiteouts,
                l->digest_verified ? "yes" : "NO");
        ls_fputs_escaped(l->digest ? l->digest : "-", out);
        fprintf(out, "%*s  ", l->digest && strlen(l->digest) < 71 ? (int)(71 - strlen(l->digest)) : 0, "");
        ls_fputs_escaped(l->diff_id ? l->diff_id : "-", out);
        fprintf(out, "%*s  ", l->diff_id && strlen(l->diff_id) < 71 ? (int)(71 - strlen(l->diff_id)) : 0, "");
        put_redacted(r, ins ? ins : "-", o, out);
        fputc('\n', out);
    }
    for (size_t i = 0; i < r->n_layers; i++) {
        size_t v = ls_report_count_origin(r, LS_ORIGIN_VENDOR, r->layers[i].index);
        size_t t = ls_report_count_origin(r, LS_ORIGIN_THIRD_PARTY, r->layers[i].index);
        if (v || t)
            fprintf(out, "layer %ld: %zu vendor finding%s (package-verified files), %zu third-party\n",
                    r->layers[i].index, v, v == 1 ? "" : "s", t);
    }
    for (size_t i = 0; i < r->n_errors; i++) {
        fputs("error: ", out);
        if (r->errors[i].layer >= 0)
            fprintf(out, "layer %ld: ", r->errors[i].layer);
        ls_fputs_escaped(r->errors[i].message, out);
        fputc('\n', out);
    }
    if (fflush(out) != 0 || ferror(out))
        return ls_error_set(err, LS_ERR_IO, "cannot write the layer inventory");
    return 0;
}

static void put_finding(const ls_report *r, const ls_finding *f, const char *suppressed_by, const ls_write_opts *o,
                        FILE *out)
{
    const ls_rule *rule = ls_ruleset_get(r->rules, f->rule);
    char *secret = o->show_secrets ? strdup(f->secret) : ls_redact_secret(f->secret);
    fprintf(out, "#   ! %s %s ", ls_severity_name(rule->severity), rule->id);
    ls_fputs_escaped(f->path, out);
    fprintf(out, ":%llu:%llu secret ", (unsigned long long)f->line, (unsigned long long)f->column);
    ls_fputs_escaped(secret ? secret : "", out);
    switch (f->status) {
    case LS_STATUS_PRESENT: fputs(" -- present in the final image", out); break;
    case LS_STATUS_METADATA: fputs(" -- in the image metadata", out); break;
    case LS_STATUS_DELETED:
    case LS_STATUS_OVERWRITTEN: {
        long by = f->removed_in_layer >= 0 && (size_t)f->removed_in_layer < r->n_layers
                      ? r->layers[f->removed_in_layer].history
                      : -1;
        fprintf(out, " -- %s in layer %ld", f->status == LS_STATUS_DELETED ? "deleted" : "overwritten",
                f->removed_in_layer);
        if (by >= 0)
            fprintf(out, " by step %ld", by);
        fputs(" (still in layer ", out);
        fprintf(out, "%ld)", f->layer);
        break;
    }
    }
    if (suppressed_by)
        fprintf(out, " [suppressed: %s]", suppressed_by);
    fputc('\n', out);
    free(secret);
}

int ls_report_write_history(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err)
{
    fputs("# reconstructed from the image config history by layerscan; ", out);
    ls_fputs_escaped(r->image->reference ? r->image->reference : "", out);
    fprintf(out, "\n# %zu steps, %zu layers, %zu findings\n", r->n_history, r->n_layers, r->n_findings);
    if (r->history_mismatch)
        fputs("# WARNING: the history does not match the layers; steps are not attributed to layers\n", out);
    for (size_t h = 0; h < r->n_history; h++) {
        const ls_history_report *hr = &r->history[h];
        fprintf(out, "\n# step %zu: ", h);
        if (hr->layer >= 0)
            fprintf(out, "layer %ld", hr->layer);
        else if (r->image->history[h].empty_layer)
            fputs("empty layer (metadata only)", out);
        else
            fputs("layer unknown", out);
        fputc('\n', out);
        for (size_t a = 0; a < hr->n_build_args; a++) {
            fputs("ARG ", out);
            put_redacted(r, hr->build_args[a], o, out);
            fputc('\n', out);
        }
        put_redacted(r, hr->instruction ? hr->instruction : "", o, out);
        fputc('\n', out);
        for (size_t i = 0; i < r->n_findings; i++)
            if (r->findings[i].history == (long)h)
                put_finding(r, &r->findings[i], NULL, o, out);
        for (size_t i = 0; i < r->n_suppressed; i++)
            if (r->suppressed[i].finding.history == (long)h)
                put_finding(r, &r->suppressed[i].finding, r->suppressed[i].reason, o, out);
        for (size_t i = 0; i < r->n_findings; i++) {
            const ls_finding *f = &r->findings[i];
            if (hr->layer >= 0 && f->removed_in_layer == hr->layer &&
                (f->status == LS_STATUS_DELETED || f->status == LS_STATUS_OVERWRITTEN)) {
                fprintf(out, "#   - %s %s ", f->status == LS_STATUS_DELETED ? "deletes" : "overwrites",
                        ls_ruleset_get(r->rules, f->rule)->id);
                ls_fputs_escaped(f->path, out);
                fprintf(out, " of step %ld: hidden from the final image, still in layer %ld\n", f->history, f->layer);
            }
        }
    }
    if (fflush(out) != 0 || ferror(out))
        return ls_error_set(err, LS_ERR_IO, "cannot write the history");
    return 0;
}
