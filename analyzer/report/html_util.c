/*
 * html_util.c - see html_util.h: the HTML escaper and the page frame that
 * the scan report (html.c) and the audit summary (html_summary.c) share.
 *
 * The escaper is the one safety boundary of both pages, so it is strict and
 * small: five characters become entities, and anything that is not
 * printable, well-formed UTF-8 becomes U+FFFD. The Content-Security-Policy is
 * the second boundary, for the day the first has a bug: no request of any
 * kind, and only the page's own script (allowed by its SHA-256, computed
 * here from the exact text written by ls_html_page_end) may run.
 */
#include "report/html_util.h"

#include <openssl/evp.h>
#include <string.h>

#include "core/escape.h" /* ls_utf8_decode */

/* One stylesheet for both pages: severity colours, tables, the layer
 * timeline of the scan report. Print keeps the colours and drops the
 * controls, which only filter what is on screen. */
static const char stylesheet[] =
    ":root{--crit:#b3261e;--high:#e8710a;--med:#c99a06;--low:#1a73e8;--line:#d0d4da;--soft:#f4f6f8;"
    "--row:1.9rem}\n"
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",sans-serif;color:#1d2125;margin:1.5rem;}\n"
    "h1{font-size:1.45rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;"
    "border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1rem;margin:1rem 0 .4rem}\n"
    "code,pre,.mono{font-family:ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:12.5px}\n"
    "pre{background:var(--soft);border:1px solid var(--line);padding:.7rem;white-space:pre-wrap;"
    "overflow-wrap:anywhere}\n"
    "a{color:inherit}.muted{color:#5f6670}.bad{color:var(--crit);font-weight:600}.good{color:#137333}\n"
    "dl.facts{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:.5rem 0}"
    "dl.facts dt{color:#5f6670}dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
    "table.grid{border-collapse:collapse;width:100%;margin:.4rem 0}"
    ".grid th,.grid td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}.grid th{background:var(--soft);white-space:nowrap}"
    ".grid td.ins{max-width:24rem}.grid td.secret{min-width:10rem}"
    ".grid tbody tr:nth-child(even){background:#fafbfc}.grid tr:target{outline:2px solid var(--low)}\n"
    ".sev{display:inline-block;min-width:4.6em;padding:0 .35em;border-radius:3px;color:#fff;font-weight:600;"
    "font-size:12px;text-align:center;text-transform:uppercase}\n"
    ".sev-critical{background:var(--crit)}.sev-high{background:var(--high)}"
    ".sev-medium{background:var(--med)}.sev-low{background:var(--low)}\n"
    ".summary span{margin-right:1rem}.controls{margin:.4rem 0;display:flex;gap:1rem;flex-wrap:wrap;"
    "align-items:center}.controls[hidden]{display:none}\n"
    "html.js th[data-sort]{cursor:pointer}html.js th[data-sort]:after{content:\" \\2195\";color:#9aa0a6}\n"
    /* the timeline: one grid row per layer, one column per file finding */
    ".timeline{overflow-x:auto;border:1px solid var(--line);padding:.4rem}\n"
    ".tl-layer{display:contents}.tl{display:grid;grid-auto-rows:var(--row);align-items:stretch;min-width:max-content}\n"
    ".tl .cell{display:flex;align-items:center;padding:0 .5rem;white-space:nowrap;overflow:hidden;"
    "text-overflow:ellipsis;border-top:1px solid var(--soft)}\n"
    ".tl .lane{border-top:1px solid var(--soft)}.tl-layer:nth-child(odd) .lane{background:#fbfbfc}\n"
    ".tl .head{font-weight:600;color:#5f6670;border-top:0}.tl .ins{max-width:34rem;display:block;"
    "line-height:var(--row)}\n"
    ".tl .num{justify-content:center;padding:0;font-size:11px;color:#5f6670;border-top:0}\n"
    ".bar{position:relative;margin:.35rem 3px 0;border-radius:6px 6px 0 0;text-decoration:none}"
    ".bar:hover,.bar:focus{outline:2px solid #1d2125}\n"
    ".bar .end{position:absolute;left:-3px;right:-3px;bottom:0;height:calc(var(--row) - .35rem);display:flex;"
    "align-items:center;justify-content:center;font-size:12px;font-weight:700;background:#fff;"
    "border:2px solid currentColor;border-radius:50%/40%}\n"
    ".bar.st-present{border-radius:6px 6px 0 0}.bar.st-present .end{border:0;background:none;color:#fff}\n"
    ".bar.sev-critical{color:var(--crit)}.bar.sev-high{color:var(--high)}.bar.sev-medium{color:var(--med)}"
    ".bar.sev-low{color:var(--low)}\n"
    ".band{margin-top:.6rem;display:flex;flex-wrap:wrap;gap:.35rem;align-items:center}"
    ".band .label{font-weight:600;color:#5f6670;margin-right:.3rem}\n"
    ".chip{display:inline-block;padding:0 .45rem;border-radius:9px;color:#fff;font-size:12px;"
    "text-decoration:none;max-width:28rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}\n"
    ".legend{margin:.4rem 0;color:#5f6670;font-size:12.5px}\n"
    "@media print{body{margin:0}.controls{display:none!important}.timeline{overflow:visible}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}tr,.tl{break-inside:avoid}}\n";

static void put_replacement(FILE *out)
{
    fputs("\xEF\xBF\xBD", out); /* U+FFFD */
}

/* Characters that never appear as themselves: controls other than tab and
 * newline, C1 controls, and the bidirectional overrides and isolates that
 * would let a file name display as another ("Trojan Source"). */
static int unprintable(unsigned int cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
           cp == 0x200f || cp == 0x061c;
}

/* The length of the UTF-8 sequence a lead byte announces; 0 if none. */
static size_t utf8_need(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
}

void ls_html_escape_n(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + (s ? len : 0);
    while (p < end) {
        unsigned int cp = 0;
        size_t need = utf8_need(*p), n;
        /* a sequence cut by the end of the buffer is not UTF-8: never read past it */
        n = need && (size_t)(end - p) >= need ? ls_utf8_decode(p, &cp) : 0;
        if (n == 0) {
            put_replacement(out);
            p++;
            continue;
        }
        switch (cp) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if (unprintable(cp))
                put_replacement(out);
            else
                fwrite(p, 1, n, out);
        }
        p += n;
    }
}

void ls_html_escape(FILE *out, const char *s)
{
    if (s)
        ls_html_escape_n(out, s, strlen(s));
}

/* "sha256-<base64>" of the script's exact bytes, as CSP's script-src wants. */
static void script_hash(const char *script, char b64[45])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(script, strlen(script), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        b64[0] = '\0'; /* "sha256-" alone matches nothing: the script does not run, the page still reads */
        return;
    }
    EVP_EncodeBlock((unsigned char *)b64, md, 32);
}

void ls_html_page_begin(FILE *out, const char *title, const char *script)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    /* default-src does not cover base-uri and form-action: closed by name */
    fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; ",
          out);
    if (script) {
        char b64[45];
        script_hash(script, b64);
        fprintf(out, "script-src 'sha256-%s'; ", b64);
    } else {
        fputs("script-src 'none'; ", out);
    }
    fputs("base-uri 'none'; form-action 'none'\">\n", out);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"referrer\" content=\"no-referrer\">\n<title>",
          out);
    ls_html_escape(out, title);
    fputs("</title>\n<style>\n", out);
    fputs(stylesheet, out);
    fputs("</style>\n</head>\n<body>\n", out);
}

void ls_html_page_end(FILE *out, const char *script)
{
    if (script) {
        fputs("<script>", out);
        fputs(script, out);
        fputs("</script>\n", out);
    }
    fputs("</body>\n</html>\n", out);
}
