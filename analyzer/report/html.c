/*
 * html.c - the report as one self-contained web page (`scan --format html`),
 * for the responder writing up an incident: the image and its signatures,
 * a layer timeline (one row per layer, one bar per file finding from the
 * layer that added the bytes to the layer that deleted or overwrote them,
 * or to the top when the final image still serves them), the findings as a
 * table that sorts and filters, suppressed findings, errors, and the
 * annotated Dockerfile of `layerscan history`.
 *
 * Every string the image chose goes through ls_html_escape, secrets are
 * redacted as in every other format, and nothing built from image data ever
 * becomes a URL: the only links are to "#f<number>" inside the page. The
 * page reads with scripts off; the script only sorts and filters the table,
 * reading the data-* attributes the rows carry (the same attributes the
 * tests read) and writing text, never markup.
 */
#include <stdlib.h>
#include <string.h>

#include "report/html_util.h"
#include "report/writer.h"

/* More bars than this make a timeline nobody can read; the table still
 * lists every finding. */
#define MAX_BARS 400

/* Sorts on a header click, filters on the three selects; marks <html> so
 * tests (and CSS) can tell the script ran. */
static const char page_script[] =
    "(function () {\n"
    "  var root = document.documentElement;\n"
    "  root.classList.add('js');\n"
    "  root.setAttribute('data-script', 'ran');\n"
    "  var table = document.getElementById('findings'), controls = document.getElementById('controls');\n"
    "  if (!table || !controls || !table.tBodies.length) return;\n"
    "  var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);\n"
    "  var keys = ['severity', 'status', 'layer'], pick = {}, shown = document.getElementById('shown');\n"
    "  function apply() {\n"
    "    var n = 0;\n"
    "    rows.forEach(function (tr) {\n"
    "      var ok = keys.every(function (k) {\n"
    "        var v = pick[k].value;\n"
    "        return v === 'all' || tr.getAttribute('data-' + k) === v;\n"
    "      });\n"
    "      tr.hidden = !ok;\n"
    "      if (ok) n++;\n"
    "    });\n"
    "    shown.textContent = n + ' of ' + rows.length + ' findings shown';\n"
    "  }\n"
    "  keys.forEach(function (k) {\n"
    "    pick[k] = document.getElementById('filter-' + k);\n"
    "    pick[k].addEventListener('change', apply);\n"
    "  });\n"
    "  var by = 'n', dir = 1;\n"
    "  function value(tr, key, num) {\n"
    "    var v = tr.getAttribute('data-' + key) || '';\n"
    "    return num ? (v === '' ? -1 : Number(v)) : v;\n"
    "  }\n"
    "  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {\n"
    "    var key = th.getAttribute('data-sort'), num = th.getAttribute('data-type') === 'num';\n"
    "    if (!key) return;\n"
    "    function sort() {\n"
    "      dir = by === key ? -dir : 1;\n"
    "      by = key;\n"
    "      rows.sort(function (a, b) {\n"
    "        var x = value(a, key, num), y = value(b, key, num);\n"
    "        var c = num ? x - y : x.localeCompare(y);\n"
    "        return c * dir || value(a, 'n', true) - value(b, 'n', true);\n"
    "      });\n"
    "      rows.forEach(function (tr) { body.appendChild(tr); });\n"
    "      Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute('aria-sort'); });\n"
    "      th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');\n"
    "    }\n"
    "    th.tabIndex = 0;\n"
    "    th.addEventListener('click', sort);\n"
    "    th.addEventListener('keydown', function (e) {\n"
    "      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }\n"
    "    });\n"
    "  });\n"
    "  controls.hidden = false;\n"
    "  apply();\n"
    "})();\n";

typedef struct {
    const ls_report *r;
    FILE *out;
    const ls_write_opts *o;
    bool nomem; /* a redacted copy could not be made: the page is incomplete */
} html_ctx;

static void put(html_ctx *h, const char *s)
{
    ls_html_escape(h->out, s);
}

/* text with the report's secrets redacted (unless shown), escaped */
static void put_redacted(html_ctx *h, const char *text)
{
    char *red;
    if (!text)
        return;
    if (!(red = ls_redact_text(h->r, text, h->o->show_secrets))) {
        h->nomem = true;
        return;
    }
    put(h, red);
    free(red);
}

/* "sha256:0123456789ab": enough to tell layers apart; the whole digest is
 * in the title attribute. */
static void put_short_digest(html_ctx *h, const char *digest)
{
    char shortd[20];
    if (!digest) {
        fputs("<span class=\"muted\">none</span>", h->out);
        return;
    }
    snprintf(shortd, sizeof shortd, "%s", digest);
    fputs("<span class=\"mono\" title=\"", h->out);
    put(h, digest);
    fputs("\">", h->out);
    put(h, shortd);
    fputs("</span>", h->out);
}

static const ls_rule *rule_of(const html_ctx *h, const ls_finding *f)
{
    return ls_ruleset_get(h->r->rules, f->rule);
}

static bool in_layers(const ls_report *r, long layer)
{
    return layer >= 0 && (size_t)layer < r->n_layers;
}

/* A file finding drawn as a bar: its layer exists and it is not metadata. */
static bool is_bar(const ls_report *r, const ls_finding *f)
{
    return f->status != LS_STATUS_METADATA && in_layers(r, f->layer);
}

/* The last layer a bar covers: the one that removed the bytes, or the top. */
static long bar_end(const ls_report *r, const ls_finding *f)
{
    if (f->status == LS_STATUS_PRESENT || !in_layers(r, f->removed_in_layer))
        return (long)r->n_layers - 1;
    return f->removed_in_layer < f->layer ? f->layer : f->removed_in_layer;
}

/* The data-* attributes every element standing for a finding carries. */
static void put_finding_attrs(html_ctx *h, const ls_finding *f, size_t n)
{
    const ls_rule *rule = rule_of(h, f);
    fprintf(h->out, " data-n=\"%zu\" data-severity=\"%s\" data-sevrank=\"%d\" data-rule=\"", n,
            ls_severity_name(rule->severity), (int)rule->severity);
    put(h, rule->id);
    fputs("\" data-path=\"", h->out);
    put(h, f->path);
    fprintf(h->out, "\" data-line=\"%llu\" data-layer=\"", (unsigned long long)f->line);
    if (f->layer >= 0)
        fprintf(h->out, "%ld", f->layer);
    fprintf(h->out, "\" data-status=\"%s\" data-removed=\"", ls_status_name(f->status));
    if (f->removed_in_layer >= 0)
        fprintf(h->out, "%ld", f->removed_in_layer);
    fprintf(h->out, "\" data-source=\"%s\" data-origin=\"%s\"", ls_finding_source_name(f->source),
            ls_origin_name(f->origin));
}

/* ---- the image ---- */

static void put_fact(html_ctx *h, const char *name, const char *value)
{
    fprintf(h->out, "<dt>%s</dt><dd>", name);
    if (value)
        put(h, value);
    else
        fputs("<span class=\"muted\">none</span>", h->out);
    fputs("</dd>\n", h->out);
}

static void write_signatures(html_ctx *h)
{
    const ls_report *r = h->r;
    fputs("<h3>Signatures</h3>\n", h->out);
    if (r->n_signatures == 0) {
        fputs("<p class=\"muted\">No signature found for the image.</p>\n", h->out);
        return;
    }
    fputs("<table class=\"grid\" id=\"signatures\"><thead><tr><th>Kind</th><th>Source</th><th>Digest</th>"
          "<th>Verified</th><th>Key</th><th>Error</th></tr></thead><tbody>\n", h->out);
    for (size_t i = 0; i < r->n_signatures; i++) {
        const ls_signature_report *s = &r->signatures[i];
        fputs("<tr><td>", h->out);
        put(h, s->kind);
        fputs("</td><td>", h->out);
        put(h, s->source);
        fputs("</td><td>", h->out);
        put_short_digest(h, s->digest);
        fputs("</td><td>", h->out);
        fputs(s->verified < 0 ? "<span class=\"muted\">not checked (no --verify-key)</span>"
              : s->verified   ? "<span class=\"good\">verified</span>"
                              : "<span class=\"bad\">NOT verified</span>", h->out);
        fputs("</td><td class=\"mono\">", h->out);
        put(h, s->key);
        fputs("</td><td>", h->out);
        put(h, s->error);
        fputs("</td></tr>\n", h->out);
    }
    fputs("</tbody></table>\n", h->out);
}

static void write_attestations(html_ctx *h)
{
    const ls_report *r = h->r;
    fputs("<h3>Attestations</h3>\n", h->out);
    if (r->n_attestations == 0) {
        fputs("<p class=\"muted\">No attestation attached to the image was read.</p>\n", h->out);
        return;
    }
    fputs("<table class=\"grid\" id=\"attestations\"><thead><tr><th>Predicate type</th><th>Statement</th>"
          "<th>Media type</th><th>Manifest</th><th>Source</th><th>Strings scanned</th></tr></thead><tbody>\n",
          h->out);
    for (size_t i = 0; i < r->n_attestations; i++) {
        const ls_attestation_report *a = &r->attestations[i];
        fputs("<tr><td class=\"mono\">", h->out);
        if (a->predicate_type)
            put(h, a->predicate_type);
        else
            fputs("<span class=\"muted\">none</span>", h->out);
        fputs("</td><td>", h->out);
        put_short_digest(h, a->digest);
        fputs("</td><td class=\"mono\">", h->out);
        put(h, a->media_type);
        fputs("</td><td>", h->out);
        put_short_digest(h, a->manifest);
        fputs("</td><td>", h->out);
        put(h, a->source);
        fprintf(h->out, "</td><td>%llu</td></tr>\n", (unsigned long long)a->strings);
    }
    fputs("</tbody></table>\n", h->out);
}

static void write_image(html_ctx *h)
{
    const ls_image *img = h->r->image;
    fputs("<section id=\"image\">\n<h2>Image</h2>\n<dl class=\"facts\">\n", h->out);
    put_fact(h, "Reference", img->reference);
    put_fact(h, "Transport", img->transport);
    put_fact(h, "Manifest digest", img->manifest_digest);
    put_fact(h, "Config digest", img->config_digest);
    fputs("<dt>Platform</dt><dd>", h->out);
    if (img->os || img->architecture) {
        put(h, img->os ? img->os : "?");
        fputc('/', h->out);
        put(h, img->architecture ? img->architecture : "?");
        if (img->variant) {
            fputc('/', h->out);
            put(h, img->variant);
        }
    } else {
        fputs("<span class=\"muted\">unknown</span>", h->out);
    }
    fputs("</dd>\n", h->out);
    put_fact(h, "Created", img->created);
    if (h->r->n_platforms) {
        fputs("<dt>Platforms scanned</dt><dd>", h->out);
        for (size_t k = 0; k < h->r->n_platforms; k++) {
            const ls_platform_report *p = &h->r->platforms[k];
            if (k)
                fputs(", ", h->out);
            put(h, p->platform ? p->platform : "?");
            if (p->n_layers)
                fprintf(h->out, " (layers %ld&ndash;%ld)", p->first_layer,
                        p->first_layer + (long)p->n_layers - 1);
        }
        fputs("</dd>\n", h->out);
    }
    fprintf(h->out, "<dt>Layers</dt><dd>%zu</dd>\n<dt>History steps</dt><dd>%zu%s</dd>\n", h->r->n_layers,
            h->r->n_history,
            h->r->history_mismatch ? " <span class=\"bad\">(do not match the layers: steps are not "
                                     "attributed)</span>" : "");
    fputs("</dl>\n", h->out);
    write_signatures(h);
    write_attestations(h);
    fputs("</section>\n", h->out);
}

/* ---- the summary ---- */

static void write_summary(html_ctx *h)
{
    const ls_report *r = h->r;
    size_t sev[4] = {0}, st[4] = {0};
    for (size_t i = 0; i < r->n_findings; i++) {
        sev[rule_of(h, &r->findings[i])->severity]++;
        st[r->findings[i].status]++;
    }
    fprintf(h->out,
            "<p class=\"summary\" id=\"summary\"><span><b>%zu</b> finding%s</span>"
            "<span><span class=\"sev sev-critical\">critical</span> %zu</span>"
            "<span><span class=\"sev sev-high\">high</span> %zu</span>"
            "<span><span class=\"sev sev-medium\">medium</span> %zu</span>"
            "<span><span class=\"sev sev-low\">low</span> %zu</span></p>\n"
            "<p class=\"summary\"><span>%zu present in the final image</span><span>%zu deleted</span>"
            "<span>%zu overwritten</span><span>%zu in metadata</span>"
            "<span><a href=\"#suppressed\">%zu suppressed</a></span><span><a href=\"#errors\">%zu error%s</a>"
            "</span></p>\n",
            r->n_findings, r->n_findings == 1 ? "" : "s", sev[LS_SEV_CRITICAL], sev[LS_SEV_HIGH],
            sev[LS_SEV_MEDIUM], sev[LS_SEV_LOW], st[LS_STATUS_PRESENT], st[LS_STATUS_DELETED],
            st[LS_STATUS_OVERWRITTEN], st[LS_STATUS_METADATA], r->n_suppressed, r->n_errors,
            r->n_errors == 1 ? "" : "s");
    if (h->o->show_secrets)
        fputs("<p class=\"bad\">This report shows secrets in full (--show-secrets): handle it as a secret.</p>\n",
              h->out);
}

/* ---- the layer timeline ---- */

/* The platform of an entry of a --platform all report, muted; nothing in
 * the report of one image. */
static void put_platform(html_ctx *h, size_t k)
{
    const char *name = k < h->r->n_platforms ? h->r->platforms[k].platform : NULL;
    if (h->r->n_platforms == 0)
        return;
    fputs("<span class=\"muted\">", h->out);
    put(h, name ? name : "?");
    fputs("</span> ", h->out);
}

static void put_cell(html_ctx *h, long row, int col, const char *cls)
{
    fprintf(h->out, "<div class=\"cell %s\" style=\"grid-area:%ld/%d\">", cls, row, col);
}

static void write_layer_row(html_ctx *h, const ls_layer_report *l, size_t bars)
{
    const char *ins = ls_report_layer_instruction(h->r, l->index);
    long row = l->index + 2; /* row 1 is the heading */
    char size[32];
    ls_report_human_size(l->bytes, size, sizeof size);
    fprintf(h->out, "<div class=\"tl-layer\" data-layer=\"%ld\">", l->index);
    put_cell(h, row, 1, "idx");
    fprintf(h->out, "%ld", l->index);
    if (!l->digest_verified) /* here, not by the digest: its cell cuts what overflows */
        fputs("&nbsp;<span class=\"bad\" title=\"not verified: a digest the image declares did not match, "
              "or none could be checked\">!</span>", h->out);
    fputs("</div>", h->out);
    put_cell(h, row, 2, "dig");
    put_short_digest(h, l->digest);
    fputs("</div>", h->out);
    put_cell(h, row, 3, "size");
    fprintf(h->out, "%s</div>", size);
    put_cell(h, row, 4, "ins mono");
    put_platform(h, l->platform);
    if (ins) {
        /* the title shows what the ellipsis cut */
        fputs("<span title=\"", h->out);
        put_redacted(h, ins);
        fputs("\">", h->out);
        put_redacted(h, ins);
        fputs("</span>", h->out);
    } else {
        fputs("<span class=\"muted\">unknown</span>", h->out);
    }
    fputs("</div>", h->out);
    if (bars) /* the row's rule line under the bars */
        fprintf(h->out, "<div class=\"lane\" style=\"grid-area:%ld/5/%ld/-1\"></div>", row, row + 1);
    fputs("</div>\n", h->out);
}

static void put_bar_title(html_ctx *h, const ls_finding *f, long to)
{
    const ls_rule *rule = rule_of(h, f);
    fprintf(h->out, "%s %s ", ls_severity_name(rule->severity), rule->id);
    put(h, f->path);
    fprintf(h->out, ": added in layer %ld, ", f->layer);
    if (f->status == LS_STATUS_PRESENT)
        fputs("present in the final image", h->out);
    else
        fprintf(h->out, "%s in layer %ld; the bytes stay in layer %ld",
                f->status == LS_STATUS_DELETED ? "deleted" : "overwritten", to, f->layer);
}

static void write_bar(html_ctx *h, const ls_finding *f, size_t n, int col)
{
    long from = f->layer, to = bar_end(h->r, f);
    const char *end = f->status == LS_STATUS_PRESENT ? "&#9660;" /* down to the final image */
                      : f->status == LS_STATUS_DELETED ? "&#10005;" : "&#8644;";
    fprintf(h->out, "<a class=\"bar sev-%s st-%s\" href=\"#f%zu\"", ls_severity_name(rule_of(h, f)->severity),
            ls_status_name(f->status), n);
    put_finding_attrs(h, f, n);
    fprintf(h->out, " data-from=\"%ld\" data-to=\"%ld\" style=\"grid-area:%ld/%d/%ld/%d\" title=\"", from, to,
            from + 2, col, to + 3, col + 1);
    put_bar_title(h, f, to);
    fprintf(h->out, "\"><span class=\"end\">%s</span></a>\n", end);
}

static void write_chip(html_ctx *h, const ls_finding *f, size_t n)
{
    fprintf(h->out, "<a class=\"chip sev-%s\" href=\"#f%zu\"", ls_severity_name(rule_of(h, f)->severity), n);
    put_finding_attrs(h, f, n);
    fputs(" title=\"", h->out);
    put(h, f->path);
    fprintf(h->out, ":%llu\">#%zu ", (unsigned long long)f->line, n);
    put(h, rule_of(h, f)->id);
    fputs(" &middot; ", h->out);
    put(h, f->path);
    fputs("</a>\n", h->out);
}

/* Metadata findings (history, config, attestations, signatures): not in a
 * layer's files, so not on the timeline; one band, grouped by source. */
static void write_band(html_ctx *h)
{
    static const ls_finding_source sources[] = {LS_SOURCE_HISTORY, LS_SOURCE_CONFIG, LS_SOURCE_ATTESTATION,
                                                LS_SOURCE_SIGNATURE, LS_SOURCE_FILE};
    const ls_report *r = h->r;
    size_t shown = 0;
    fputs("<div class=\"band\" id=\"metadata-band\"><span class=\"label\">Image metadata:</span>\n", h->out);
    for (size_t s = 0; s < sizeof sources / sizeof *sources; s++)
        for (size_t i = 0; i < r->n_findings; i++) {
            const ls_finding *f = &r->findings[i];
            if (f->source != sources[s] || is_bar(r, f))
                continue;
            write_chip(h, f, i + 1);
            shown++;
        }
    if (shown == 0)
        fputs("<span class=\"muted\">no finding in the history, config, attestations or signatures</span>\n",
              h->out);
    fputs("</div>\n", h->out);
}

static void write_timeline(html_ctx *h)
{
    const ls_report *r = h->r;
    size_t bars = 0, undrawn = 0;
    int col = 5;
    for (size_t i = 0; i < r->n_findings; i++)
        if (is_bar(r, &r->findings[i]) && ++bars > MAX_BARS) {
            bars = MAX_BARS;
            undrawn++;
        }
    fputs("<section id=\"timeline-section\">\n<h2>Layer timeline</h2>\n"
          "<p class=\"legend\">One row per layer, bottom layer first. Each bar is a finding in a file: it starts "
          "at the layer that added the bytes and ends at the layer that deleted (&#10005;) or overwrote "
          "(&#8644;) them, or runs to the top (&#9660;) when the final image still serves them. A deleted or "
          "overwritten file is hidden from containers, but its bytes stay in the layer that added them, in "
          "every copy of the image. Bars link to the table below; the colour is the severity.</p>\n",
          h->out);
    if (r->n_layers == 0) {
        fputs("<p class=\"muted\">The image has no layers.</p>\n", h->out);
        write_band(h);
        fputs("</section>\n", h->out);
        return;
    }
    fputs("<div class=\"timeline\"><div class=\"tl\" id=\"timeline\" "
          "style=\"grid-template-columns:3.6rem 9.5rem 5.5rem minmax(12rem,34rem)", h->out);
    if (bars) /* repeat(0, ...) would void the whole declaration */
        fprintf(h->out, " repeat(%zu,22px)", bars);
    fputs("\">\n", h->out);
    put_cell(h, 1, 1, "head");
    fputs("Layer</div>", h->out);
    put_cell(h, 1, 2, "head");
    fputs("Digest</div>", h->out);
    put_cell(h, 1, 3, "head");
    fputs("Size</div>", h->out);
    put_cell(h, 1, 4, "head");
    fputs("Instruction</div>\n", h->out);
    for (size_t i = 0, k = 0; i < r->n_findings && k < bars; i++)
        if (is_bar(r, &r->findings[i])) {
            put_cell(h, 1, col + (int)k++, "num");
            fprintf(h->out, "%zu</div>", i + 1);
        }
    fputc('\n', h->out);
    for (size_t l = 0; l < r->n_layers; l++)
        write_layer_row(h, &r->layers[l], bars);
    for (size_t i = 0, k = 0; i < r->n_findings && k < bars; i++)
        if (is_bar(r, &r->findings[i]))
            write_bar(h, &r->findings[i], i + 1, col + (int)k++);
    fputs("</div></div>\n", h->out);
    if (undrawn)
        fprintf(h->out, "<p class=\"muted\">%zu more file findings are not drawn; the table lists them all.</p>\n",
                undrawn);
    write_band(h);
    fputs("</section>\n", h->out);
}

/* ---- the findings table ---- */

/* The finding's fate in words, as the text report says it. */
static void put_fate(html_ctx *h, const ls_finding *f)
{
    const char *ins = ls_report_layer_instruction(h->r, f->removed_in_layer);
    switch (f->status) {
    case LS_STATUS_PRESENT:
        fputs("present in the final image", h->out);
        break;
    case LS_STATUS_METADATA:
        fputs(f->source == LS_SOURCE_ATTESTATION ? "in an attestation attached to the image"
              : f->source == LS_SOURCE_SIGNATURE ? "about the image's signatures"
              : f->source == LS_SOURCE_HISTORY   ? "in the image metadata (history)"
                                                 : "in the image metadata (config)", h->out);
        break;
    case LS_STATUS_DELETED:
    case LS_STATUS_OVERWRITTEN:
        fprintf(h->out, "%s in layer %ld", f->status == LS_STATUS_DELETED ? "deleted" : "overwritten",
                f->removed_in_layer);
        if (ins) {
            fputs(" by <code>", h->out);
            put_redacted(h, ins);
            fputs("</code>", h->out);
        }
        fprintf(h->out, "; the bytes are still in layer %ld", f->layer);
        break;
    }
    if (f->origin != LS_ORIGIN_IMAGE)
        fprintf(h->out, " <span class=\"muted\">[%s]</span>", ls_origin_name(f->origin));
}

static void put_secret(html_ctx *h, const ls_finding *f)
{
    char *secret = ls_redact_evidence(h->r, f, h->o->show_secrets);
    if (!secret && f->secret)
        h->nomem = true;
    fputs("<code>", h->out);
    put(h, secret);
    fputs("</code>", h->out);
    free(secret);
}

static void put_location(html_ctx *h, const ls_finding *f)
{
    fputs("<span class=\"mono\">", h->out);
    put(h, f->path);
    fprintf(h->out, ":%llu:%llu</span>", (unsigned long long)f->line, (unsigned long long)f->column);
}

static void put_rule(html_ctx *h, const ls_finding *f)
{
    const ls_rule *rule = rule_of(h, f);
    fputs("<code>", h->out);
    put(h, rule->id);
    fputs("</code><br><span class=\"muted\">", h->out);
    put(h, rule->title);
    fputs("</span>", h->out);
}

static void write_finding_row(html_ctx *h, const ls_finding *f, size_t n)
{
    const char *ins = ls_report_instruction(h->r, f);
    fprintf(h->out, "<tr id=\"f%zu\"", n);
    put_finding_attrs(h, f, n);
    fprintf(h->out, "><td>%zu</td><td><span class=\"sev sev-%s\">%s</span></td><td>", n,
            ls_severity_name(rule_of(h, f)->severity), ls_severity_name(rule_of(h, f)->severity));
    put_rule(h, f);
    fputs("</td><td>", h->out);
    put_location(h, f);
    fputs("</td><td>", h->out);
    if (f->layer >= 0)
        fprintf(h->out, "%ld", f->layer);
    else
        fputs("<span class=\"muted\">&mdash;</span>", h->out);
    if (h->r->n_platforms) {
        fputs("<br>", h->out);
        put_platform(h, f->platform);
    }
    fputs("</td><td>", h->out);
    put_fate(h, f);
    fputs("</td><td class=\"mono ins\">", h->out);
    put_redacted(h, ins);
    fputs("</td><td class=\"secret\">", h->out);
    put_secret(h, f);
    fputs("</td></tr>\n", h->out);
}

static void write_controls(html_ctx *h)
{
    static const char *sevs[] = {"critical", "high", "medium", "low"};
    static const char *states[] = {"present", "deleted", "overwritten", "metadata"};
    /* hidden until the script runs: without it they could do nothing */
    fputs("<div class=\"controls\" id=\"controls\" hidden>\n<label>Severity <select id=\"filter-severity\">"
          "<option value=\"all\">all</option>", h->out);
    for (size_t i = 0; i < 4; i++)
        fprintf(h->out, "<option value=\"%s\">%s</option>", sevs[i], sevs[i]);
    fputs("</select></label>\n<label>Status <select id=\"filter-status\"><option value=\"all\">all</option>",
          h->out);
    for (size_t i = 0; i < 4; i++)
        fprintf(h->out, "<option value=\"%s\">%s</option>", states[i], states[i]);
    fputs("</select></label>\n<label>Layer <select id=\"filter-layer\"><option value=\"all\">all</option>"
          "<option value=\"\">none (image metadata)</option>", h->out);
    for (size_t l = 0; l < h->r->n_layers; l++)
        fprintf(h->out, "<option value=\"%zu\">%zu</option>", l, l);
    fputs("</select></label>\n<span class=\"muted\" id=\"shown\"></span>\n</div>\n", h->out);
}

static void write_findings(html_ctx *h)
{
    const ls_report *r = h->r;
    fputs("<section id=\"findings-section\">\n<h2>Findings</h2>\n", h->out);
    if (r->n_findings == 0) {
        fputs("<p>No findings.</p>\n</section>\n", h->out);
        return;
    }
    write_controls(h);
    fputs("<table class=\"grid\" id=\"findings\"><thead><tr>"
          "<th data-sort=\"n\" data-type=\"num\">#</th><th data-sort=\"sevrank\" data-type=\"num\">Severity</th>"
          "<th data-sort=\"rule\">Rule</th><th data-sort=\"path\">Location</th>"
          "<th data-sort=\"layer\" data-type=\"num\">Layer</th><th data-sort=\"status\">Status</th>"
          "<th>Instruction</th><th>Secret</th></tr></thead>\n<tbody>\n", h->out);
    for (size_t i = 0; i < r->n_findings; i++)
        write_finding_row(h, &r->findings[i], i + 1);
    fputs("</tbody></table>\n</section>\n", h->out);
}

static void write_suppressed(html_ctx *h)
{
    const ls_report *r = h->r;
    fputs("<section id=\"suppressed\">\n<h2>Suppressed findings</h2>\n", h->out);
    if (r->n_suppressed == 0) {
        fputs("<p class=\"muted\">None.</p>\n</section>\n", h->out);
        return;
    }
    fputs("<p class=\"muted\">Kept out of the findings by a baseline, the config file, --min-confidence or "
          "their origin (vendor, third-party, generated); listed so nothing is dropped silently.</p>\n"
          "<table class=\"grid\" id=\"suppressed-table\"><thead><tr><th>Reason</th><th>Severity</th><th>Rule</th>"
          "<th>Location</th><th>Layer</th><th>Status</th><th>Secret</th></tr></thead>\n<tbody>\n", h->out);
    for (size_t i = 0; i < r->n_suppressed; i++) {
        const ls_finding *f = &r->suppressed[i].finding;
        fputs("<tr", h->out);
        put_finding_attrs(h, f, i + 1);
        fprintf(h->out, " data-reason=\"%s\"><td>%s</td><td><span class=\"sev sev-%s\">%s</span></td><td>",
                r->suppressed[i].reason, r->suppressed[i].reason, ls_severity_name(rule_of(h, f)->severity),
                ls_severity_name(rule_of(h, f)->severity));
        put_rule(h, f);
        fputs("</td><td>", h->out);
        put_location(h, f);
        fputs("</td><td>", h->out);
        if (f->layer >= 0)
            fprintf(h->out, "%ld", f->layer);
        fputs("</td><td>", h->out);
        put_fate(h, f);
        fputs("</td><td class=\"secret\">", h->out);
        put_secret(h, f);
        fputs("</td></tr>\n", h->out);
    }
    fputs("</tbody></table>\n</section>\n", h->out);
}

static void write_errors(html_ctx *h)
{
    const ls_report *r = h->r;
    fputs("<section id=\"errors\">\n<h2>Errors</h2>\n", h->out);
    if (r->n_errors == 0) {
        fputs("<p class=\"muted\">None: every layer was read to its end.</p>\n</section>\n", h->out);
        return;
    }
    fputs("<table class=\"grid\" id=\"errors-table\"><thead><tr><th>Layer</th><th>Path</th><th>Message</th></tr>"
          "</thead>\n<tbody>\n", h->out);
    for (size_t i = 0; i < r->n_errors; i++) {
        const ls_report_error *e = &r->errors[i];
        fputs("<tr><td>", h->out);
        if (e->layer >= 0)
            fprintf(h->out, "%ld", e->layer);
        fputs("</td><td class=\"mono\">", h->out);
        put(h, e->path);
        fputs("</td><td>", h->out);
        put(h, e->message);
        fputs("</td></tr>\n", h->out);
    }
    fputs("</tbody></table>\n</section>\n", h->out);
}

/* The annotated Dockerfile of `layerscan history`, written to memory by its
 * own writer (redacted and terminal-escaped there) and escaped for HTML. */
static int write_history(html_ctx *h, ls_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int rc;
    if (!mem)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory writing the HTML report");
    rc = ls_report_write_history(h->r, mem, h->o, err);
    if (fclose(mem) != 0 && rc == 0)
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory writing the HTML report");
    if (rc == 0) {
        fputs("<section id=\"history\">\n<h2>Dockerfile (from the image history)</h2>\n<pre id=\"dockerfile\">",
              h->out);
        ls_html_escape_n(h->out, buf, len);
        fputs("</pre>\n</section>\n", h->out);
    }
    free(buf);
    return rc;
}

int ls_report_write_html(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err)
{
    html_ctx h = {.r = r, .out = out, .o = o};
    const char *ref = r->image->reference ? r->image->reference : "";
    char *title = malloc(strlen(ref) + sizeof "layerscan: ");
    if (!title)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory writing the HTML report");
    snprintf(title, strlen(ref) + sizeof "layerscan: ", "layerscan: %s", ref);
    ls_html_page_begin(out, title, page_script);
    free(title);
    fputs("<header><h1>layerscan report: <span class=\"mono\">", out);
    put(&h, ref);
    fprintf(out, "</span></h1><p class=\"muted\">layerscan %s &middot; %zu rules</p></header>\n",
            LAYERSCAN_VERSION, ls_ruleset_count(r->rules));
    write_summary(&h);
    write_image(&h);
    write_timeline(&h);
    write_findings(&h);
    write_suppressed(&h);
    write_errors(&h);
    if (write_history(&h, err) != 0)
        return -1;
    ls_html_page_end(out, page_script);
    if (h.nomem)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory writing the HTML report");
    if (fflush(out) != 0 || ferror(out))
        return ls_error_set(err, LS_ERR_IO, "cannot write the report");
    return 0;
}
