/*
 * fuzz_writers.c - arbitrary bytes as the strings an image controls (paths,
 * secrets, created_by, error messages) through the JSON and text writers.
 * The JSON must parse back (so invalid UTF-8 was escaped) and the text must
 * hold no control byte (so an image cannot drive the terminal).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report/writer.h"

/* Splits the input at NUL bytes into up to n strings (missing ones are ""). */
static void split(const uint8_t *data, size_t size, char **out, size_t n)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        size_t start = pos;
        while (pos < size && data[pos] != 0)
            pos++;
        out[i] = malloc(pos - start + 1);
        memcpy(out[i], data + start, pos - start);
        out[i][pos - start] = '\0';
        if (pos < size)
            pos++;
    }
}

static void check_text(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n')
            continue;
        if (c < 0x20 || c == 0x7f) /* colors are off here, so no escape is ours */
            abort();
    }
}

FUZZ_COMPILE_MATCHER_AT_START

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ls_matcher *m = fuzz_matcher();
    char *s[5];
    ls_history_entry hist = {0};
    ls_image img = {0};
    ls_history_report hrep = {0};
    ls_layer_report layer = {0};
    ls_finding f = {0};
    ls_report_error e = {0};
    ls_report r = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *out;
    ls_error err = {0};
    json_error_t jerr;
    json_t *back;

    split(data, size, s, 5);
    hist.created_by = s[2];
    img.reference = s[4];
    img.transport = "oci";
    img.history = &hist;
    img.n_history = 1;
    img.n_layers = 1;
    hrep.instruction = s[3];
    hrep.layer = 0;
    layer.index = 0;
    layer.history = 0;
    layer.digest = "sha256:00";
    f.rule = 0;
    f.layer = 0;
    f.history = 0;
    f.path = s[0];
    f.secret = s[1];
    f.status = LS_STATUS_DELETED;
    f.removed_in_layer = 0;
    f.validation = "none";
    e.layer = 0;
    e.path = s[0];
    e.message = s[3];
    r.image = &img;
    r.rules = ls_matcher_rules(m);
    r.layers = &layer;
    r.n_layers = 1;
    r.history = &hrep;
    r.n_history = 1;
    r.findings = &f;
    r.n_findings = 1;
    r.errors = &e;
    r.n_errors = 1;

    for (int show = 0; show < 2; show++) {
        ls_write_opts o = {.show_secrets = show != 0};
        out = open_memstream(&buf, &len);
        if (ls_report_write_json(&r, out, &o, &err) != 0)
            abort();
        fclose(out);
        back = json_loadb(buf, len, 0, &jerr);
        if (!back)
            abort();
        json_decref(back);
        free(buf);
        out = open_memstream(&buf, &len);
        if (ls_report_write_text(&r, out, &o, &err) != 0)
            abort();
        fclose(out);
        check_text(buf, len);
        free(buf);
    }
    for (int i = 0; i < 5; i++)
        free(s[i]);
    return 0;
}
