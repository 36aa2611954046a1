/*
 * html_util.h - what layerscan's HTML pages share (the scan report,
 * report/html.c, and the audit summary, report/html_summary.c): escaping
 * and the page frame.
 *
 * A page is one self-contained file: inline CSS and one inline script, no
 * request of any kind (a Content-Security-Policy meta tag forbids them, and
 * allows only the page's own script by its hash), readable with scripts
 * off. Everything an image chose (paths, commands, secrets, labels,
 * digests, messages) goes through ls_html_escape.
 */
#ifndef LS_REPORT_HTML_UTIL_H
#define LS_REPORT_HTML_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* Writes s escaped for HTML text and attribute values (double-quoted):
 * & < > " ' as entities; control bytes (but tab and newline), C1 controls,
 * bidirectional overrides and bytes that are not UTF-8 as U+FFFD, so
 * nothing an image chose can open a tag, end an attribute, end a <style>
 * or <script> element, or reorder the text around it. NULL writes nothing. */
void ls_html_escape(FILE *out, const char *s);

/* The same for len bytes of s (may hold NUL bytes). */
void ls_html_escape_n(FILE *out, const char *s, size_t len);

/* "<!DOCTYPE html>...<body>": charset, the CSP allowing only inline
 * styles and the one script whose text is `script` (NULL: no script),
 * viewport, the shared stylesheet, and <title> (escaped). The CSP comes
 * before anything an image chose, so it governs all of it. */
void ls_html_page_begin(FILE *out, const char *title, const char *script);

/* "<script>SCRIPT</script></body></html>" (no script when NULL). */
void ls_html_page_end(FILE *out, const char *script);

#endif
