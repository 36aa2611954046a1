/*
 * fuzz_image_stream.c - arbitrary bytes piped in (`scan -`): the stream walk
 * (member sorting, kept metadata, the lone-layer replay), results settled
 * into place, then everything fuzz_image covers after the source. Nothing
 * may crash, and the JSON must parse back.
 */
#include <fcntl.h>
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
    json_t *back;
    if (!f)
        abort();
    if (ls_report_write_json(r, f, &o, &err) != 0)
        abort();
    fclose(f);
    if (!(back = json_loadb(buf, len, 0, NULL)))
        abort();
    json_decref(back);
    free(buf);
}

FUZZ_COMPILE_MATCHER_AT_START

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ls_matcher *m = fuzz_matcher();
    const char *path = fuzz_temp_file(data, size);
    int fd = open(path, O_RDONLY);
    ls_scan_opts o = {.stream_fd = fd};
    ls_report *r = NULL;
    ls_error err = {0};
    if (fd < 0)
        abort();
    if (ls_scan_image("-", m, &o, &r, &err) == 0) {
        write_and_check(r);
        ls_report_free(r);
    }
    close(fd);
    unlink(path);
    return 0;
}
