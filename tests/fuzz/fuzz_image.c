/*
 * fuzz_image.c - arbitrary bytes as an image file: source sniffing (outer
 * tar index, docker-archive, oci-archive, lone layer), blob decoding (gzip,
 * zstd, plain), the tar walk, the matcher, fate and both writers. Nothing
 * may crash, and the JSON must parse back.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "layerscan/scan.h"
#include "report/writer.h"

static void write_and_check(const ls_report *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ls_write_opts o = {.show_secrets = true};
    ls_error err = {0};
    json_error_t jerr;
    json_t *back;
    if (!f)
        abort();
    if (ls_report_write_json(r, f, &o, &err) != 0)
        abort();
    fclose(f);
    back = json_loadb(buf, len, 0, &jerr);
    if (!back) {
        fprintf(stderr, "report is not valid JSON: %s\n", jerr.text);
        abort();
    }
    json_decref(back);
    free(buf);
    f = fopen("/dev/null", "w");
    o.show_secrets = false;
    ls_report_write_text(r, f, &o, &err);
    fclose(f);
}

FUZZ_COMPILE_MATCHER_AT_START

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ls_matcher *m = fuzz_matcher();
    const char *path = fuzz_temp_file(data, size);
    ls_report *r = NULL;
    ls_error err = {0};
    if (ls_scan_image(path, m, NULL, &r, &err) == 0) {
        write_and_check(r);
        ls_report_free(r);
    }
    unlink(path);
    return 0;
}
